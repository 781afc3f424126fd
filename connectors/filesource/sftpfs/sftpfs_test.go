package sftpfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/procurehub/procurehub/connectors/filesource/fstest"
)

// testConfig logs in to s with the password and checks its host key.
func testConfig(s *testServer) Config {
	return Config{
		Address:        s.Addr,
		User:           testUser,
		Password:       testPassword,
		KnownHostsFile: s.KnownHostsFile,
		Timeout:        5 * time.Second,
	}
}

func newFS(t *testing.T, cfg Config) *FS {
	t.Helper()
	f, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func writeKnownHosts(t *testing.T, lines ...string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(name, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestContractInProcessServer runs the filesource.FS contract against the
// in-process server, with an FS and a directory of its own per case;
// integration_test.go runs it against OpenSSH.
func TestContractInProcessServer(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	fstest.Run(t, func(t *testing.T) fstest.Target {
		dir := t.TempDir() // the server serves this machine's filesystem
		return fstest.Target{FS: newFS(t, testConfig(s)), Dir: dir, Local: dir}
	})
}

// encryptedKey returns testdata/encrypted-ed25519.key, whose passphrase is
// "open sesame" (written by ssh-keygen -a 1: one bcrypt round keeps it
// fast), and its public key.
func encryptedKey(t *testing.T) ([]byte, ssh.PublicKey) {
	t.Helper()
	key, err := os.ReadFile("testdata/encrypted-ed25519.key")
	if err != nil {
		t.Fatal(err)
	}
	pubLine, err := os.ReadFile("testdata/encrypted-ed25519.key.pub")
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(pubLine)
	if err != nil {
		t.Fatal(err)
	}
	return key, pub
}

func TestNewChecksTheConfigWithoutConnecting(t *testing.T) {
	t.Parallel()
	keyPEM, _ := newTestKeyPEM(t)
	encryptedPEM, pub := encryptedKey(t)
	knownHosts := writeKnownHosts(t, knownhosts.Line([]string{"[127.0.0.1]:2222"}, pub))
	good := Config{Address: "127.0.0.1:1", User: "alice", Password: "s3cr3t-pw", KnownHostsFile: knownHosts}

	tests := []struct {
		name   string
		change func(*Config)
		want   string // in the error; "" means New succeeds
	}{
		{"a complete config is accepted although nothing listens there", func(*Config) {}, ""},
		{"a host without a port gets port 22", func(c *Config) { c.Address = "sftp.example.com" }, ""},
		{"an encrypted key with its passphrase is accepted", func(c *Config) { c.PrivateKey, c.Passphrase = encryptedPEM, "open sesame" }, ""},
		{"the address is required", func(c *Config) { c.Address = "" }, "address is required"},
		{"a port must be a number", func(c *Config) { c.Address = "host:ssh" }, "port"},
		{"the user is required", func(c *Config) { c.User = "" }, "user is required"},
		{"some credential is required", func(c *Config) { c.Password = "" }, "no credentials"},
		{"a broken key is refused", func(c *Config) { c.PrivateKey = []byte("not a key") }, "private key"},
		{"an encrypted key needs its passphrase", func(c *Config) { c.PrivateKey = encryptedPEM }, "passphrase"},
		{"a passphrase needs a key", func(c *Config) { c.Passphrase = "x" }, "no private key"},
		{"a key beside the password is accepted", func(c *Config) { c.PrivateKey = keyPEM }, ""},
		{"no known_hosts and no opt-out is refused", func(c *Config) { c.KnownHostsFile = "" }, "no known_hosts configured for 127.0.0.1:1: set known_hosts to a file with the server's host key (ssh-keyscan), or set insecure_ignore_host_key: true to skip the check, not recommended"},
		{"the opt-out without known_hosts is accepted", func(c *Config) { c.KnownHostsFile, c.InsecureIgnoreHostKey = "", true }, ""},
		{"known_hosts and the opt-out together are refused", func(c *Config) { c.InsecureIgnoreHostKey = true }, "choose one"},
		{"a missing known_hosts file is refused", func(c *Config) { c.KnownHostsFile = filepath.Join(t.TempDir(), "nope") }, "known_hosts: open"},
		{"a negative timeout is refused", func(c *Config) { c.Timeout = -time.Second }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			f, err := New(cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				f.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: err = %v, want it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "open sesame") {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}

func TestAddressWithoutPortGetsPort22(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"sftp.example.com":      "sftp.example.com:22",
		"sftp.example.com:2222": "sftp.example.com:2222",
		"192.0.2.7":             "192.0.2.7:22",
		"::1":                   "[::1]:22",
		"[::1]":                 "[::1]:22",
		"[2001:db8::7]:2022":    "[2001:db8::7]:2022",
	} {
		if got := (Config{Address: in}).WithDefaults().Address; got != want {
			t.Errorf("address %q becomes %q, want %q", in, got, want)
		}
	}
}

func newTestKeyPEM(t *testing.T) ([]byte, ssh.PublicKey) {
	t.Helper()
	pub, key := newTestKey(t)
	return key, pub
}

func TestStringAndLogsCarryNoSecret(t *testing.T) {
	t.Parallel()
	_, keyPEM := newTestKey(t)
	cfg := Config{Address: "sftp.example.com", User: "acme-orders", Password: "hunter2-secret", PrivateKey: keyPEM, InsecureIgnoreHostKey: true}
	f := newFS(t, cfg)
	if got, want := f.String(), "sftp://acme-orders@sftp.example.com:22"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("connector", "sftp", cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), logged.String(), f.String()} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "PRIVATE KEY") || strings.Contains(out, string(keyPEM[40:60])) {
			t.Errorf("a secret shows in %q", out)
		}
	}
	if !strings.Contains(logged.String(), `"password":"***"`) {
		t.Errorf("log = %s, want the password shown as ***", logged.String())
	}
}

func TestLogsInWithPasswordOrKey(t *testing.T) {
	t.Parallel()
	encryptedPEM, encryptedPub := encryptedKey(t)
	s := startTestServer(t, serverOptions{authorize: encryptedPub})
	otherKey, _ := newTestKeyPEM(t)
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"password", func(*Config) {}},
		{"private key", func(c *Config) { c.Password, c.PrivateKey = "", s.ClientKey }},
		{"encrypted private key and its passphrase", func(c *Config) { c.Password, c.PrivateKey, c.Passphrase = "", encryptedPEM, "open sesame" }},
		{"a key the server does not know, then the password", func(c *Config) { c.PrivateKey = otherKey }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(s)
			tt.change(&cfg)
			if _, err := newFS(t, cfg).List(context.Background(), "."); err != nil {
				t.Fatalf("List: %v", err)
			}
		})
	}
}

func TestWrongPasswordIsAClearError(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	cfg := testConfig(s)
	cfg.Password = "wrong-password-123"
	_, err := newFS(t, cfg).List(context.Background(), ".")
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("err = %v, want ErrAuthFailed", err)
	}
	msg := err.Error()
	for _, want := range []string{"authentication failed", "user alice", "password", "sftp://alice@" + s.Addr} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, cfg.Password) {
		t.Errorf("error %q shows the password", msg)
	}
}

func TestHostKeyMismatchIsRefusedBeforeLogin(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	other, _ := newTestKey(t)
	cfg := testConfig(s)
	cfg.KnownHostsFile = writeKnownHosts(t, knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, other))
	_, err := newFS(t, cfg).List(context.Background(), ".")
	if !errors.Is(err, ErrHostKeyMismatch) {
		t.Fatalf("err = %v, want ErrHostKeyMismatch", err)
	}
	seen := ssh.FingerprintSHA256(s.HostKeys[0].PublicKey())
	for _, want := range []string{knownhosts.Normalize(s.Addr), seen, ssh.FingerprintSHA256(other)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if n := s.logins.Load(); n != 0 {
		t.Errorf("%d logins: the credentials went to a server whose key did not match", n)
	}
}

func TestUnknownHostIsRefused(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	cfg := testConfig(s)
	cfg.KnownHostsFile = writeKnownHosts(t, knownhosts.Line([]string{"sftp.example.com"}, s.HostKeys[0].PublicKey()))
	_, err := newFS(t, cfg).List(context.Background(), ".")
	if !errors.Is(err, ErrUnknownHost) {
		t.Fatalf("err = %v, want ErrUnknownHost", err)
	}
	if seen := ssh.FingerprintSHA256(s.HostKeys[0].PublicKey()); !strings.Contains(err.Error(), seen) {
		t.Errorf("error %q does not name the key seen, %s", err, seen)
	}
	if n := s.logins.Load(); n != 0 {
		t.Errorf("%d logins to an unknown host", n)
	}
}

func TestInsecureIgnoreHostKeySkipsTheCheck(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	cfg := testConfig(s)
	cfg.KnownHostsFile, cfg.InsecureIgnoreHostKey = "", true
	if _, err := newFS(t, cfg).List(context.Background(), "."); err != nil {
		t.Fatal(err)
	}
}

// A server with several host keys shows the one it prefers unless the
// client asks for the types its known_hosts holds.
func TestAnyOfTheServersHostKeysInKnownHostsIsEnough(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{ecdsaHostKey: true})
	for _, k := range s.HostKeys {
		t.Run(k.PublicKey().Type()+" alone", func(t *testing.T) {
			cfg := testConfig(s)
			cfg.KnownHostsFile = writeKnownHosts(t, knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, k.PublicKey()))
			if _, err := newFS(t, cfg).List(context.Background(), "."); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRelativePathsStartAtTheLoginDirectory(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	f := newFS(t, testConfig(s))
	ctx := context.Background()
	if err := f.MkdirAll(ctx, "inbox"); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile(ctx, "inbox/rel.csv", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Root, "inbox", "rel.csv")); err != nil {
		t.Fatalf("not under the login directory: %v", err)
	}
}

func TestReconnectsAfterTheServerDropsTheConnection(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	f := newFS(t, testConfig(s))
	ctx := context.Background()
	dir := t.TempDir()
	if err := f.WriteFile(ctx, dir+"/a.csv", []byte("a")); err != nil {
		t.Fatal(err)
	}
	// Each call right after a drop, before the client may have noticed it.
	calls := []struct {
		name string
		call func() error
	}{
		{"List", func() error { _, err := f.List(ctx, dir); return err }},
		{"Stat", func() error { _, err := f.Stat(ctx, dir+"/a.csv"); return err }},
		{"Open", func() error {
			rc, err := f.Open(dir + "/a.csv")
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			return err
		}},
		{"Rename", func() error { return f.Rename(ctx, dir+"/a.csv", dir+"/b.csv") }},
		{"Rename back", func() error { return f.Rename(ctx, dir+"/b.csv", dir+"/a.csv") }},
		{"WriteFile", func() error { return f.WriteFile(ctx, dir+"/r.json", []byte("{}")) }},
		{"MkdirAll", func() error { return f.MkdirAll(ctx, dir+"/x/y") }},
		{"Remove", func() error { return f.Remove(ctx, dir+"/r.json") }},
	}
	for i, c := range calls {
		s.DropConnections()
		if err := c.call(); err != nil {
			t.Fatalf("%s after a drop: %v", c.name, err)
		}
		if got, want := s.logins.Load(), int32(i+2); got != want {
			t.Errorf("after %s: %d logins, want %d (one per drop)", c.name, got, want)
		}
	}
}

func TestARenameCutOffByADropIsNotDoneTwice(t *testing.T) {
	t.Parallel()
	for _, after := range []bool{false, true} {
		name := "the server drops the connection before renaming"
		if after {
			name = "the server renames, then drops the connection before answering"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := startTestServer(t, serverOptions{dropOnce: "Rename", dropAfter: after})
			f := newFS(t, testConfig(s))
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "in.csv"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := f.Rename(context.Background(), dir+"/in.csv", dir+"/out.csv"); err != nil {
				t.Fatalf("Rename: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "out.csv")); err != nil {
				t.Errorf("not moved: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "in.csv")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("still at the old name: %v", err)
			}
			if !s.dropped.Load() || s.logins.Load() != 2 {
				t.Errorf("dropped %t, %d logins; want the drop and one redial", s.dropped.Load(), s.logins.Load())
			}
		})
	}
}

func TestReadFailsWhenTheConnectionDropsMidFile(t *testing.T) {
	t.Parallel()
	const size, cutAt = 4 << 20, 1 << 20
	ways := []struct {
		name string
		read func(io.Reader) (int64, error)
	}{
		{"Read", func(r io.Reader) (int64, error) {
			var n int64
			buf := make([]byte, 32<<10)
			for {
				m, err := r.Read(buf)
				n += int64(m)
				if err == io.EOF {
					return n, nil // what a truncated stream would look like
				}
				if err != nil {
					return n, err
				}
			}
		}},
		{"io.Copy", func(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }},
	}
	for _, way := range ways {
		t.Run(way.name, func(t *testing.T) {
			opts := serverOptions{cutAt: cutAt, reached: make(chan struct{}, 1), release: make(chan struct{})}
			s := startTestServer(t, opts)
			f := newFS(t, testConfig(s))
			name := filepath.Join(t.TempDir(), "big.csv")
			if err := os.WriteFile(name, bytes.Repeat([]byte("x"), size), 0o644); err != nil {
				t.Fatal(err)
			}
			rc, err := f.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			type result struct {
				n   int64
				err error
			}
			done := make(chan result, 1)
			go func() {
				n, err := way.read(rc)
				done <- result{n, err}
			}()
			select {
			case <-opts.reached:
			case <-time.After(10 * time.Second):
				t.Fatal("the read never reached the cut")
			}
			s.DropConnections()
			close(opts.release)
			var r result
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the read hangs after the connection dropped")
			}
			if r.err == nil || errors.Is(r.err, io.EOF) || !errors.Is(r.err, ErrConnectionLost) {
				t.Fatalf("read %d of %d bytes, err = %v; want ErrConnectionLost, not a short read", r.n, size, r.err)
			}
			if r.n >= size {
				t.Fatalf("read %d bytes of %d past the cut", r.n, size)
			}
			if _, err := rc.Read(make([]byte, 10)); err == nil || errors.Is(err, io.EOF) {
				t.Errorf("a Read after the failure: err = %v, want the error again", err)
			}
			if _, err := f.List(context.Background(), filepath.Dir(name)); err != nil {
				t.Errorf("List after the drop: %v", err)
			}
		})
	}
}

func TestAReadWithoutAnswerTimesOut(t *testing.T) {
	t.Parallel()
	opts := serverOptions{cutAt: 1 << 20, reached: make(chan struct{}, 1), release: make(chan struct{})}
	s := startTestServer(t, opts)
	cfg := testConfig(s)
	cfg.Timeout = 300 * time.Millisecond
	f := newFS(t, cfg)
	name := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(name, make([]byte, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	rc, err := f.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	start := time.Now()
	_, err = io.Copy(io.Discard, rc)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s with a %s timeout", d, cfg.Timeout)
	}
	close(opts.release)
	if _, err := f.Stat(context.Background(), name); err != nil {
		t.Errorf("Stat after the timeout: %v", err)
	}
}

func TestACallWithoutAnswerTimesOutAndTheNextOneReconnects(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{stall: func(method, path string) bool { return strings.HasSuffix(path, "/slow") }})
	cfg := testConfig(s)
	cfg.Timeout = 300 * time.Millisecond
	f := newFS(t, cfg)
	dir := t.TempDir()
	start := time.Now()
	_, err := f.Stat(context.Background(), dir+"/slow")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s with a %s timeout (and one retry)", d, cfg.Timeout)
	}
	if _, err := f.List(context.Background(), dir); err != nil {
		t.Fatalf("the next call: %v", err)
	}
}

func TestACanceledContextEndsTheCallPromptly(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{stall: func(method, path string) bool { return strings.HasSuffix(path, "/slow") }})
	f := newFS(t, testConfig(s)) // 5 s timeout
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.List(ctx, t.TempDir()+"/slow")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s after the context ended at 100ms", d)
	}
	if _, err := f.List(context.Background(), t.TempDir()); err != nil {
		t.Fatalf("the next call: %v", err)
	}
}

func TestConnectingToASilentServerTimesOut(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 8)
	go func() { // accepts and says nothing; ends with the listener
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	defer func() {
		ln.Close()
		for c := range accepted {
			c.Close()
		}
	}()
	f := newFS(t, Config{Address: ln.Addr().String(), User: "u", Password: "p", InsecureIgnoreHostKey: true, Timeout: 300 * time.Millisecond})
	start := time.Now()
	_, err = f.List(context.Background(), ".")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no SFTP session within 300ms") {
		t.Fatalf("err = %v, want a connect timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s with a 300ms timeout", d)
	}
}

// Root ignores file modes, so the denial comes from the server's handler:
// what matters is that SSH_FX_PERMISSION_DENIED becomes fs.ErrPermission.
// TestRealSSHDPermissionDenied checks the same against OpenSSH.
func TestPermissionDeniedIsFsErrPermission(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{deny: func(method, path string) bool {
		return strings.Contains(path, "/locked/") && method != "Lstat" && method != "Stat"
	}})
	f := newFS(t, testConfig(s))
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "locked"), 0o555); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile(ctx, dir+"/in.csv", []byte("x")); err != nil {
		t.Fatal(err)
	}
	err := f.Rename(ctx, dir+"/in.csv", dir+"/locked/in.csv")
	if !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("Rename: err = %v, want fs.ErrPermission", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "in.csv")); err != nil {
		t.Errorf("the source is gone after a refused rename: %v", err)
	}
	if err := f.WriteFile(ctx, dir+"/locked/r.json", []byte("{}")); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("WriteFile: err = %v, want fs.ErrPermission", err)
	}
}

func TestWriteFileWithoutPosixRenameReplacesToo(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	f := newFS(t, testConfig(s))
	f.noPosixRename = true
	ctx := context.Background()
	dir := t.TempDir()
	for _, content := range []string{"one", "two"} {
		if err := f.WriteFile(ctx, dir+"/r.json", []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "r.json"))
		if err != nil || string(got) != content {
			t.Fatalf("file = %q, %v; want %q", got, err, content)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want the file alone", len(entries))
	}
}

func TestKeepaliveKeepsAHealthyConnection(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	f := newFS(t, testConfig(s))
	f.keepaliveAfter = 0 // check before every call
	for range 3 {
		if _, err := f.List(context.Background(), t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.logins.Load(); n != 1 {
		t.Errorf("%d logins, want 1: a keepalive answer (even \"no\") means the connection lives", n)
	}
}

func TestCloseIsIdempotentAndCallsAfterItFail(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	f := newFS(t, testConfig(s))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A reader, too, may be closed twice.
	whole, err := f.Open(dir + "/a")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(whole); err != nil || string(b) != "abc" {
		t.Fatalf("read %q, %v", b, err)
	}
	for i := range 2 {
		if err := whole.Close(); err != nil {
			t.Fatalf("reader Close %d: %v", i, err)
		}
	}
	rc, err := f.Open(dir + "/a")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close again: %v", err)
	}
	if _, err := f.List(context.Background(), dir); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("List after Close: err = %v, want fs.ErrClosed", err)
	}
	if _, err := io.ReadAll(rc); err == nil {
		t.Error("a file opened before Close still reads")
	}
	rc.Close()
}

func TestListReturnsEveryFileOfABigDirectory(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, serverOptions{})
	f := newFS(t, testConfig(s))
	dir := t.TempDir()
	var want []string
	for i := range 250 { // more than one READDIR answer
		name := fmt.Sprintf("order-%03d.csv", i)
		want = append(want, name)
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	list, err := f.List(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fi := range list {
		got = append(got, fi.Name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("List gave %d names, want %d", len(got), len(want))
	}
}
