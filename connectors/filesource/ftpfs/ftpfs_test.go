package ftpfs

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"math/big"
	mathrand "math/rand/v2"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors/filesource/fstest"
)

// TestContractInProcess runs the filesource.FS contract against goftp in
// each way a server may list and date files; vsftpd_test.go runs it
// against vsftpd.
func TestContractInProcess(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  serverOptions
	}{
		{"with MLSD and MLST", serverOptions{listing: withMLSD}},
		{"with LIST and MDTM", serverOptions{listing: withListMDTM}},
		{"with LIST only", serverOptions{listing: withListOnly}},
		{"on a minimal server: LIST without options, no SIZE, MDTM or EPSV", serverOptions{listing: withListOnly, minimal: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fstest.Run(t, func(t *testing.T) fstest.Target {
				ts := startServer(t, c.opt)
				tg := fstest.Target{FS: ts.fs(t), Local: ts.root, ListsLinksAsFiles: true}
				if c.opt.listing == withListOnly {
					tg.ModTimeResolution = time.Minute // LIST dates recent files to the minute
				}
				return tg
			})
		})
	}
}

func TestListFallsBackToPlainLISTWhereOptionsAreTakenForNames(t *testing.T) {
	ts := startServer(t, serverOptions{listing: withListOnly, minimal: true})
	f := ts.fs(t)
	fstest.MustWrite(t, f, "a.csv", []byte("a"))
	for i := 0; i < 2; i++ {
		if names := fstest.MustListNames(t, f, ""); len(names) != 1 || names[0] != "a.csv" {
			t.Fatalf("List = %q", names)
		}
	}
	if !f.noListA.Load() {
		t.Fatal(`the FS did not note that the server refuses "LIST -a"`)
	}
}

func TestPassiveModeWithoutEPSV(t *testing.T) {
	for _, c := range []struct {
		name        string
		serverEPSV  bool
		disableEPSV bool
	}{
		{"a server without EPSV gets PASV", false, false},
		{"DisableEPSV uses PASV", true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := startServer(t, serverOptions{noEPSV: !c.serverEPSV})
			cfg := ts.config()
			cfg.DisableEPSV = c.disableEPSV
			f, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fstest.MustWrite(t, f, "a.csv", []byte("a"))
			if names := fstest.MustListNames(t, f, ""); len(names) != 1 {
				t.Fatalf("List = %q", names)
			}
			if got := fstest.MustRead(t, f, "a.csv"); string(got) != "a" {
				t.Fatalf("read %q", got)
			}
		})
	}
}

func TestNewChecksTheConfigWithoutConnecting(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pemCert(t, selfSigned(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cfg  Config
		want string // in the error; "" for none
	}{
		{"a host without a port takes port 21", Config{Address: "ftp.example.com", User: "u"}, ""},
		{"a bare IPv6 address takes port 21", Config{Address: "2001:db8::1", User: "u"}, ""},
		{"an IPv6 address with a port", Config{Address: "[2001:db8::1]:2121", User: "u"}, ""},
		{"explicit TLS with a CA file", Config{Address: "h:21", User: "u", TLS: "explicit", CAFile: caFile}, ""},
		{"explicit TLS with the system roots", Config{Address: "h:21", User: "u", TLS: "explicit"}, ""},
		{"no address", Config{User: "u"}, "address is required"},
		{"a URL for an address", Config{Address: "ftp://h:21", User: "u"}, "not a URL"},
		{"a port out of range", Config{Address: "h:70000", User: "u"}, "port must be"},
		{"a port that is not a number", Config{Address: "h:ftp", User: "u"}, "port must be"},
		{"no user", Config{Address: "h"}, "user is required"},
		{"a line break in the password", Config{Address: "h", User: "u", Password: "a\r\nDELE x"}, "line breaks"},
		{"a negative timeout", Config{Address: "h", User: "u", Timeout: -time.Second}, "negative"},
		{"an unknown TLS mode", Config{Address: "h", User: "u", TLS: "yes"}, `want "none" or "explicit"`},
		{"implicit TLS", Config{Address: "h", User: "u", TLS: "implicit"}, "not supported"},
		{"a CA file without TLS", Config{Address: "h", User: "u", CAFile: caFile}, `TLS is "none"`},
		{"skipping verification without TLS", Config{Address: "h", User: "u", InsecureSkipVerify: true}, `TLS is "none"`},
		{"both a TLS config and a CA file", Config{Address: "h", User: "u", TLS: "explicit", TLSConfig: &tls.Config{}, CAFile: caFile}, "not both"},
		{"a missing CA file", Config{Address: "h", User: "u", TLS: "explicit", CAFile: caFile + ".missing"}, "CA file"},
		{"a CA file without certificates", Config{Address: "h", User: "u", TLS: "explicit", CAFile: notPEM}, "no PEM certificate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := New(c.cfg)
			if verr := c.cfg.Validate(); (verr == nil) != (err == nil) {
				t.Fatalf("Validate = %v but New = %v", verr, err)
			}
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case c.want != "" && err == nil:
				t.Fatalf("New succeeded; want an error with %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Fatalf("New = %v; want an error with %q", err, c.want)
			}
			if f != nil {
				_ = f.Close()
			}
		})
	}
}

func TestStringAndLogValueHideThePassword(t *testing.T) {
	cfg := Config{Address: "ftp.example.com", User: "buyer@acme", Password: "hunter2"}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.String(), "ftp://buyer%40acme@ftp.example.com:21"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("connect", "ftp", cfg)
	if strings.Contains(buf.String(), "hunter2") || !strings.Contains(buf.String(), "ftp.example.com") {
		t.Errorf("logged config = %s; want the address and not the password", buf.String())
	}
}

func TestAWrongPasswordIsAClearError(t *testing.T) {
	ts := startServer(t, serverOptions{})
	cfg := ts.config()
	cfg.Password = "wrong-pw"
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = f.List(context.Background(), "")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "login as "+testUser) || !strings.Contains(err.Error(), "530") {
		t.Fatalf("List = %v; want a refused login (fs.ErrPermission, 530)", err)
	}
	if strings.Contains(err.Error(), "wrong-pw") {
		t.Fatalf("the error shows the password: %v", err)
	}
}

func TestOnlyTheServerSayingNoIsARefusedLogin(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"530 to PASS", &textproto.Error{Code: 530, Msg: "Login incorrect."}, true},
		{"bare text for an unexpected reply to USER", errors.New("This FTP server is anonymous only."), true},
		{"421 service not available", &textproto.Error{Code: 421, Msg: "Too many connections."}, false},
		{"a TLS alert from the server", &net.OpError{Op: "remote error", Err: tls.AlertError(40)}, false},
		{"an unverified certificate", &tls.CertificateVerificationError{}, false},
		{"the connection closed", io.EOF, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := refusal(c.err); got != c.want {
				t.Fatalf("refusal(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}

func TestNothingListeningIsAConnectError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	f, err := New(Config{Address: addr, User: "u", Timeout: time.Second})
	if err != nil {
		t.Fatalf("New connects, or fails without a server: %v", err)
	}
	defer f.Close()
	if _, err := f.Stat(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("Stat = %v, want a connect error", err)
	}
}

func TestCallsReconnectAfterTheServerDropsTheConnection(t *testing.T) {
	ts := startServer(t, serverOptions{})
	f := ts.fs(t)
	ctx := context.Background()
	fstest.MustWrite(t, f, "a.csv", []byte("a"))
	fstest.MustMkdirAll(t, f, "archive")

	steps := []struct {
		name string
		call func() error
	}{
		{"List", func() error { _, err := f.List(ctx, ""); return err }},
		{"Stat", func() error { _, err := f.Stat(ctx, "a.csv"); return err }},
		{"Open", func() error {
			r, err := f.Open("a.csv")
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = io.ReadAll(r)
			return err
		}},
		{"WriteFile", func() error { return f.WriteFile(ctx, "r.json", []byte("{}")) }},
		{"Rename", func() error { return f.Rename(ctx, "a.csv", "archive/a.csv") }},
		{"MkdirAll", func() error { return f.MkdirAll(ctx, "quarantine") }},
		{"Remove", func() error { return f.Remove(ctx, "r.json") }},
	}
	for _, s := range steps {
		before := ts.ln.accepted.Load()
		ts.ln.dropAll()
		if err := s.call(); err != nil {
			t.Fatalf("%s after the server dropped the connection: %v", s.name, err)
		}
		if ts.ln.accepted.Load() == before {
			t.Fatalf("%s did not dial again", s.name)
		}
	}
	if got := fstest.MustRead(t, f, "archive/a.csv"); string(got) != "a" {
		t.Fatalf("archive/a.csv holds %q", got)
	}
}

func TestIdleConnectionsAreReused(t *testing.T) {
	ts := startServer(t, serverOptions{})
	f := ts.fs(t)
	fstest.MustWrite(t, f, "a.csv", []byte("a"))
	for i := 0; i < 10; i++ {
		fstest.MustListNames(t, f, "")
		fstest.MustRead(t, f, "a.csv")
	}
	if n := ts.ln.accepted.Load(); n > maxIdle {
		t.Fatalf("%d connections for calls one after the other; want at most %d", n, maxIdle)
	}
}

func TestAShortDownloadIsAReadError(t *testing.T) {
	ts := startServer(t, serverOptions{})
	f := ts.fs(t)
	fstest.MustWrite(t, f, "big.bin", randomBytes(200<<10))
	ts.driver.shortReads.Store(true)
	r := mustOpen(t, f, "big.bin")
	n, err := io.Copy(io.Discard, r)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read %d bytes, err %v; want io.ErrUnexpectedEOF", n, err)
	}
	if !strings.Contains(err.Error(), "big.bin") {
		t.Errorf("the error does not name the file: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ts.driver.shortReads.Store(false)
	if got := fstest.MustRead(t, f, "big.bin"); len(got) != 200<<10 {
		t.Fatalf("the next download got %d bytes", len(got))
	}
}

func TestAReaderHoldsItsOwnConnection(t *testing.T) {
	ts := startServer(t, serverOptions{})
	f := ts.fs(t)
	ctx := context.Background()
	data := randomBytes(1 << 20)
	fstest.MustWrite(t, f, "big.bin", data)
	r := mustOpen(t, f, "big.bin")
	head := make([]byte, 1000)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	// Meanwhile the source lists, stats and writes a receipt.
	fstest.MustListNames(t, f, "")
	if _, err := f.Stat(ctx, "big.bin"); err != nil {
		t.Fatal(err)
	}
	fstest.MustWrite(t, f, "big.bin.receipt.json", []byte("{}"))
	if got := fstest.MustRead(t, f, "big.bin.receipt.json"); string(got) != "{}" {
		t.Fatalf("receipt holds %q", got)
	}
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading on: %v", err)
	}
	if !bytes.Equal(append(head, rest...), data) {
		t.Fatal("the download got other bytes than the file's")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAReaderClosedEarlyLeavesTheFSUsable(t *testing.T) {
	ts := startServer(t, serverOptions{})
	f := ts.fs(t)
	data := randomBytes(2 << 20)
	fstest.MustWrite(t, f, "big.bin", data)
	for i := 0; i < 3; i++ {
		r := mustOpen(t, f, "big.bin")
		if _, err := io.ReadFull(r, make([]byte, 10)); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if _, err := r.Read(make([]byte, 1)); !errors.Is(err, fs.ErrClosed) {
			t.Fatalf("Read after Close = %v, want fs.ErrClosed", err)
		}
	}
	if got := fstest.MustRead(t, f, "big.bin"); !bytes.Equal(got, data) {
		t.Fatalf("a full read after early closes got %d bytes", len(got))
	}
}

func TestConcurrentCallsAreSafe(t *testing.T) {
	ts := startServer(t, serverOptions{})
	f := ts.fs(t)
	ctx := context.Background()
	fstest.MustWrite(t, f, "a.csv", []byte("a,b\n"))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				if _, err := f.List(ctx, ""); err != nil {
					errs <- err
				}
				r, err := f.Open("a.csv")
				if err != nil {
					errs <- err
					continue
				}
				if b, err := io.ReadAll(r); err != nil || string(b) != "a,b\n" {
					errs <- errors.Join(err, errors.New("read "+string(b)))
				}
				_ = r.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestARefusedChangeIsPermissionDenied(t *testing.T) {
	ts := startServer(t, serverOptions{})
	f := ts.fs(t)
	ctx := context.Background()
	fstest.MustMkdirAll(t, f, "locked")
	fstest.MustWrite(t, f, "locked/in.csv", []byte("x"))
	fstest.MustWrite(t, f, "a.csv", []byte("a"))
	ts.driver.lockedPrefix.Store("/locked")

	if err := f.Rename(ctx, "a.csv", "locked/a.csv"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Rename into a locked directory = %v, want fs.ErrPermission", err)
	}
	if err := f.WriteFile(ctx, "locked/r.json", []byte("{}")); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("WriteFile into a locked directory = %v, want fs.ErrPermission", err)
	}
	if err := f.MkdirAll(ctx, "locked/sub"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("MkdirAll in a locked directory = %v, want fs.ErrPermission", err)
	}
	if err := f.Remove(ctx, "locked/in.csv"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Remove in a locked directory = %v, want fs.ErrPermission", err)
	}
	if got := fstest.MustRead(t, f, "a.csv"); string(got) != "a" {
		t.Errorf("a.csv holds %q after the refused rename", got)
	}
	if names := fstest.MustListNames(t, f, "locked"); len(names) != 1 || names[0] != "in.csv" {
		t.Errorf("locked holds %q; want in.csv alone, no temporary file", names)
	}
}

func TestWriteFileReplacesOnServersThatDoNotRenameOntoAFile(t *testing.T) {
	ts := startServer(t, serverOptions{})
	f := ts.fs(t)
	ts.driver.noReplace.Store(true)
	fstest.MustWrite(t, f, "r.json", []byte("first"))
	fstest.MustWrite(t, f, "r.json", []byte("second"))
	if got := fstest.MustRead(t, f, "r.json"); string(got) != "second" {
		t.Fatalf("r.json holds %q", got)
	}
	if names := fstest.MustListNames(t, f, ""); len(names) != 1 {
		t.Fatalf("the directory holds %q; want r.json alone", names)
	}
	// Rename still refuses to replace, by its own check.
	fstest.MustWrite(t, f, "a.csv", []byte("a"))
	if err := f.Rename(context.Background(), "a.csv", "r.json"); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Rename onto a file = %v, want fs.ErrExist", err)
	}
}

func TestAStalledServerIsBoundedByTimeoutAndContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // accepted, never greeted
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			_ = c.Close()
		}
	})

	t.Run("Timeout ends a call on a silent server", func(t *testing.T) {
		f, err := New(Config{Address: l.Addr().String(), User: "u", Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		start := time.Now()
		_, err = f.List(context.Background(), "")
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("List = %v, want a timeout", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("List took %s with a 200ms timeout", d)
		}
	})
	t.Run("a cancelled context ends a call at once", func(t *testing.T) {
		f, err := New(Config{Address: l.Addr().String(), User: "u", Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = f.Stat(ctx, "a.csv")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Stat = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("Stat took %s after a 100ms deadline", d)
		}
	})
}

func TestExplicitTLS(t *testing.T) {
	cert := selfSigned(t)
	ts := startServer(t, serverOptions{tls: &tls.Config{Certificates: []tls.Certificate{cert}}})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pemCert(t, cert), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("with the server's CA, files go both ways", func(t *testing.T) {
		cfg := ts.config()
		cfg.TLS, cfg.CAFile = "explicit", caFile
		f, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		data := randomBytes(64 << 10)
		fstest.MustWrite(t, f, "secret.csv", data)
		if names := fstest.MustListNames(t, f, ""); len(names) != 1 || names[0] != "secret.csv" {
			t.Fatalf("List = %q", names)
		}
		if got := fstest.MustRead(t, f, "secret.csv"); !bytes.Equal(got, data) {
			t.Fatal("read back other bytes")
		}
	})
	t.Run("without it, the certificate is refused", func(t *testing.T) {
		cfg := ts.config()
		cfg.TLS = "explicit"
		f, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = f.List(context.Background(), "")
		var verr *tls.CertificateVerificationError
		if !errors.As(err, &verr) {
			t.Fatalf("List = %v, want a certificate verification error", err)
		}
	})
}

func mustOpen(t *testing.T, f *FS, name string) io.ReadCloser {
	t.Helper()
	r, err := f.Open(name)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// selfSigned makes a certificate for 127.0.0.1.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ftpfs test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func pemCert(t *testing.T, c tls.Certificate) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := mathrand.New(mathrand.NewPCG(uint64(n), 42))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
