package sftpd_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/sftpd"
	"github.com/procurehub/procurehub/internal/sftpd/sftptest"
)

// server is a running sftpd with two partners, supplier-a and supplier-b.
type server struct {
	*sftptest.Client
	srv      *sftpd.Server
	roots    map[string]string
	keys     map[string]string // partner → private key file
	accounts string            // accounts file
	mu       sync.Mutex
	uploads  []string // partner/name told to OnUpload
	events   []sftpd.Event
}

func (s *server) uploaded() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.uploads...)
}

func (s *server) allEvents() []sftpd.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sftpd.Event(nil), s.events...)
}

// waitAudited waits a moment for n events of a kind: a refused login is
// audited by the server after the client has already gone.
func (s *server) waitAudited(action, outcome string, n int) []sftpd.Event {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := s.audited(action, outcome)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) audited(action, outcome string) []sftpd.Event {
	var out []sftpd.Event
	for _, e := range s.allEvents() {
		if e.Action == action && e.Outcome == outcome {
			out = append(out, e)
		}
	}
	return out
}

type option func(*sftpd.Config)

func start(t *testing.T, opts ...option) *server {
	t.Helper()
	sftptest.RequireClient(t)
	dir := t.TempDir()
	s := &server{roots: map[string]string{}, keys: map[string]string{}}
	var lines []string
	for _, p := range []string{"supplier-a", "supplier-b"} {
		root := filepath.Join(dir, "inbox", p)
		if err := os.MkdirAll(root, 0o755); err != nil {
			t.Fatal(err)
		}
		s.roots[p] = root
		key, pub := sftptest.NewKey(t, dir, p)
		s.keys[p] = key
		lines = append(lines, fmt.Sprintf("  - partner: %s\n    public_keys:\n      - %s", p, pub))
	}
	s.accounts = filepath.Join(dir, "accounts.yaml")
	writeFile(t, s.accounts, "accounts:\n"+strings.Join(lines, "\n")+"\n")
	folders := map[string]sftpd.Folders{}
	for p, root := range s.roots {
		folders[p] = sftpd.Folders{Inbox: root}
	}
	accounts, err := sftpd.LoadAccounts(s.accounts, folders, func(err error) { t.Logf("accounts reload: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	var logw io.Writer = io.Discard
	if os.Getenv("PROCUREHUB_TEST_LOG") != "" {
		logw = os.Stderr
	}
	cfg := sftpd.Config{
		Addr: "127.0.0.1:0", HostKeyDir: filepath.Join(dir, "hostkeys"), Accounts: accounts,
		Logger: slog.New(slog.NewTextHandler(logw, nil)),
		OnUpload: func(partner, name string) {
			s.mu.Lock()
			s.uploads = append(s.uploads, partner+"/"+name)
			s.mu.Unlock()
		},
		Audit: func(_ context.Context, e sftpd.Event) {
			s.mu.Lock()
			s.events = append(s.events, e)
			s.mu.Unlock()
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	s.srv, err = sftpd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := s.srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	s.Client = sftptest.NewClient(t, ln.Addr().String(), s.srv.HostKeys())
	return s
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// leftovers lists what is in a partner's inbox directory besides its folders.
func leftovers(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestUploadLandsInTheInboxUnderItsNameAndTellsTheHub(t *testing.T) {
	s := start(t)
	local := filepath.Join(t.TempDir(), "orders.csv")
	writeFile(t, local, "po,sku\nPO-1,A-100\n")
	out, err := s.Run(s.keys["supplier-a"], "supplier-a", "put "+local+" /inbox/orders.csv\nls /inbox\n")
	if err != nil {
		t.Fatalf("put: %v\n%s", err, out)
	}
	if got := readFile(t, filepath.Join(s.roots["supplier-a"], "orders.csv")); got != "po,sku\nPO-1,A-100\n" {
		t.Fatalf("uploaded content = %q", got)
	}
	if got := leftovers(t, s.roots["supplier-a"]); len(got) != 1 {
		t.Fatalf("inbox holds %v, want only orders.csv (no part file)", got)
	}
	if got := s.uploaded(); len(got) != 1 || got[0] != "supplier-a/orders.csv" {
		t.Fatalf("OnUpload got %v", got)
	}
	if len(s.audited(sftpd.ActionLogin, sftpd.OutcomeOK)) != 1 || len(s.audited(sftpd.ActionUpload, sftpd.OutcomeOK)) != 1 {
		t.Fatalf("audit: %+v", s.allEvents())
	}

	t.Run("scp -s uploads the same way", func(t *testing.T) {
		out, err := s.SCP(s.keys["supplier-a"], "supplier-a", local, "/inbox/orders-2.csv")
		if err != nil {
			t.Fatalf("scp: %v\n%s", err, out[max(0, len(out)-3000):])
		}
		if got := readFile(t, filepath.Join(s.roots["supplier-a"], "orders-2.csv")); got != "po,sku\nPO-1,A-100\n" {
			t.Fatalf("scp content = %q", got)
		}
	})

	t.Run("a receipt in the outbox can be downloaded, not overwritten", func(t *testing.T) {
		outbox := filepath.Join(s.roots["supplier-a"], "outbox")
		os.MkdirAll(outbox, 0o755)
		writeFile(t, filepath.Join(outbox, "orders.csv.receipt.json"), `{"status":"done"}`)
		dst := filepath.Join(t.TempDir(), "r.json")
		out, err := s.Run(s.keys["supplier-a"], "supplier-a", "get /outbox/orders.csv.receipt.json "+dst+"\n")
		if err != nil {
			t.Fatalf("get: %v\n%s", err, out)
		}
		if got := readFile(t, dst); got != `{"status":"done"}` {
			t.Fatalf("downloaded %q", got)
		}
		out, err = s.Run(s.keys["supplier-a"], "supplier-a", "put "+local+" /outbox/orders.csv.receipt.json\n")
		if err == nil {
			t.Fatalf("a put into /outbox worked:\n%s", out)
		}
		if got := readFile(t, filepath.Join(outbox, "orders.csv.receipt.json")); got != `{"status":"done"}` {
			t.Fatalf("outbox receipt changed to %q", got)
		}
	})
}

func TestAPartnerSeesOnlyItsOwnFolders(t *testing.T) {
	s := start(t)
	bOutbox := filepath.Join(s.roots["supplier-b"], "outbox")
	os.MkdirAll(bOutbox, 0o755)
	secret := filepath.Join(bOutbox, "b-only.receipt.json")
	writeFile(t, secret, "supplier-b's receipt")
	writeFile(t, filepath.Join(s.roots["supplier-b"], "pending.csv"), "b's pending file")

	out, err := s.Run(s.keys["supplier-a"], "supplier-a", "ls -1 /\nls -1 /outbox\nls -1 /inbox\n")
	if err != nil {
		t.Fatalf("ls: %v\n%s", err, out)
	}
	for _, want := range []string{"inbox", "outbox", "archive"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls / does not show %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "b-only") || strings.Contains(out, "pending.csv") || strings.Contains(out, "supplier-b") {
		t.Fatalf("supplier-a sees supplier-b's files:\n%s", out)
	}

	dst := t.TempDir()
	name := func(cmd string) string {
		return strings.NewReplacer(secret, "<b's receipt on disk>", bOutbox, "<b's outbox on disk>", dst, "dst").Replace(cmd)
	}
	for _, cmd := range []string{
		"get " + secret + " " + dst + "/x",                           // b's file by its path on disk
		"get ../supplier-b/outbox/b-only.receipt.json " + dst + "/x", // relative from /inbox
		"get /../../supplier-b/outbox/b-only.receipt.json " + dst + "/x",
		"ls " + bOutbox,
		"cd " + bOutbox,
	} {
		t.Run(name(cmd), func(t *testing.T) {
			out, err := s.Run(s.keys["supplier-a"], "supplier-a", cmd+"\n")
			if err == nil {
				t.Fatalf("worked:\n%s", out)
			}
			if strings.Contains(out, "b-only") && !strings.Contains(out, "not found") && !strings.Contains(out, "denied") &&
				!strings.Contains(out, "outside") {
				t.Fatalf("unexpected output:\n%s", out)
			}
		})
	}
	if entries, _ := os.ReadDir(dst); len(entries) != 0 {
		t.Fatalf("something was downloaded: %v", entries)
	}
}

func TestPathsOutsideTheTreeAndLinksAreRefused(t *testing.T) {
	s := start(t)
	root := s.roots["supplier-a"]
	local := filepath.Join(t.TempDir(), "f.csv")
	writeFile(t, local, "x\n")
	dst := t.TempDir()
	os.MkdirAll(filepath.Join(root, "outbox"), 0o755)
	// A link planted in the outbox (by anyone) must not lead out of it.
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "outbox", "passwd.receipt.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(root, "archive")); err != nil {
		t.Fatal(err)
	}
	name := func(cmd string) string { return strings.NewReplacer(local, "f.csv", dst, "dst").Replace(cmd) }
	for _, cmd := range []string{
		"put " + local + " ../f.csv",
		"put " + local + " ../../../../tmp/f.csv",
		"put " + local + " /tmp/f.csv",
		"put " + local + " /f.csv",
		"put " + local + " /inbox/sub/f.csv",
		"put " + local + " /inbox/.hidden",
		"get /etc/passwd " + dst + "/p",
		"get ../../../../etc/passwd " + dst + "/p",
		"get /outbox/passwd.receipt.json " + dst + "/p",
		"get /archive/passwd " + dst + "/p",
		"ls /archive/",
		"mkdir /inbox/sub",
		"symlink /etc/passwd /inbox/p",
		"rename /outbox/passwd.receipt.json /inbox/p",
	} {
		t.Run(name(cmd), func(t *testing.T) {
			out, err := s.Run(s.keys["supplier-a"], "supplier-a", cmd+"\n")
			if err == nil {
				t.Fatalf("worked:\n%s", out)
			}
		})
	}
	if entries, _ := os.ReadDir(dst); len(entries) != 0 {
		t.Fatalf("something was downloaded: %v", entries)
	}
	if got := leftovers(t, root); len(got) != 0 {
		t.Fatalf("the inbox holds %v", got)
	}
	if _, err := os.Stat("/tmp/f.csv"); err == nil {
		t.Fatal("/tmp/f.csv was written")
	}
	if out, _ := s.Run(s.keys["supplier-a"], "supplier-a", "ls -1 /outbox\n"); strings.Contains(out, "passwd") {
		t.Fatalf("the link is listed:\n%s", out)
	}
	var reasons []string
	for _, e := range s.allEvents() {
		if e.Outcome == sftpd.OutcomeDenied {
			reasons = append(reasons, e.Reason)
		}
	}
	for _, want := range []string{"path_outside_root", "symlink", "write_denied", "operation_denied"} {
		if !strings.Contains(strings.Join(reasons, " "), want) {
			t.Errorf("no refusal audited as %s: %v", want, reasons)
		}
	}
}

func TestWrongKeyIsRefusedAndRepeatedFailuresLockTheAccount(t *testing.T) {
	s := start(t, func(c *sftpd.Config) { c.MaxAuthFailures = 3; c.Lockout = time.Minute })
	stranger, _ := sftptest.NewKey(t, t.TempDir(), "stranger")
	out, err := s.Run(stranger, "supplier-a", "ls /\n")
	if err == nil {
		t.Fatalf("a stranger's key logged in:\n%s", out)
	}
	// supplier-b's key is not supplier-a's.
	if out, err := s.Run(s.keys["supplier-b"], "supplier-a", "ls /\n"); err == nil {
		t.Fatalf("supplier-b's key logged in as supplier-a:\n%s", out)
	}
	if got := s.waitAudited(sftpd.ActionLogin, sftpd.OutcomeDenied, 2); len(got) != 2 || got[0].Partner != "supplier-a" {
		t.Fatalf("denied logins audited: %+v", got)
	}
	if out, err := s.Run(stranger, "supplier-a", "ls /\n"); err == nil {
		t.Fatalf("third try worked:\n%s", out)
	}
	// Locked: even the right key is refused now.
	if out, err := s.Run(s.keys["supplier-a"], "supplier-a", "ls /\n"); err == nil {
		t.Fatalf("the locked account logged in:\n%s", out)
	}
	if got := s.waitAudited(sftpd.ActionLogin, sftpd.OutcomeDenied, 4); got[len(got)-1].Reason != "locked_out" {
		t.Fatalf("last denied login: %+v", got[len(got)-1])
	}
}

func TestQuotaExceededLeavesNothing(t *testing.T) {
	s := start(t, func(c *sftpd.Config) { c.QuotaBytes = 64 << 10 })
	big := filepath.Join(t.TempDir(), "big.csv")
	writeFile(t, big, strings.Repeat("PO-1,A-100,10\n", 10000)) // 140 KB
	out, err := s.Run(s.keys["supplier-a"], "supplier-a", "put "+big+" /inbox/big.csv\n")
	if err == nil {
		t.Fatalf("an upload over the quota worked:\n%s", out)
	}
	if got := leftovers(t, s.roots["supplier-a"]); len(got) != 0 {
		t.Fatalf("the inbox holds %v after a refused upload", got)
	}
	if got := s.uploaded(); len(got) != 0 {
		t.Fatalf("OnUpload told of %v", got)
	}
	refused := s.audited(sftpd.ActionUpload, sftpd.OutcomeDenied)
	if len(refused) == 0 || refused[0].Reason != "quota_exceeded" || !strings.Contains(refused[0].Detail, "quota exceeded") {
		t.Fatalf("refusal audited as %+v", refused)
	}
	if !strings.Contains(out, "quota exceeded") {
		t.Fatalf("the client was not told why:\n%s", out)
	}
	small := filepath.Join(t.TempDir(), "small.csv")
	writeFile(t, small, "PO-1,A-100,10\n")
	if out, err := s.Run(s.keys["supplier-a"], "supplier-a", "put "+small+" /inbox/small.csv\n"); err != nil {
		t.Fatalf("a small upload under the quota: %v\n%s", err, out)
	}
}

func TestFileSizeAndHourlyLimits(t *testing.T) {
	s := start(t, func(c *sftpd.Config) { c.MaxFileSize = 1000; c.FilesPerHour = 2 })
	dir := t.TempDir()
	big := filepath.Join(dir, "big.csv")
	writeFile(t, big, strings.Repeat("x", 1001))
	if out, err := s.Run(s.keys["supplier-a"], "supplier-a", "put "+big+" /inbox/big.csv\n"); err == nil {
		t.Fatalf("a file over max_file_size was taken:\n%s", out)
	}
	small := filepath.Join(dir, "small.csv")
	writeFile(t, small, "x\n")
	for i := range 2 {
		if out, err := s.Run(s.keys["supplier-a"], "supplier-a", fmt.Sprintf("put %s /inbox/f%d.csv\n", small, i)); err != nil {
			t.Fatalf("upload %d: %v\n%s", i, err, out)
		}
	}
	if out, err := s.Run(s.keys["supplier-a"], "supplier-a", "put "+small+" /inbox/f3.csv\n"); err == nil {
		t.Fatalf("a third file within the hour was taken:\n%s", out)
	}
	if out, err := s.Run(s.keys["supplier-b"], "supplier-b", "put "+small+" /inbox/f3.csv\n"); err != nil {
		t.Fatalf("supplier-b is limited by supplier-a's uploads: %v\n%s", err, out)
	}
}

func TestADroppedUploadLeavesNothingAndTheRetryWorks(t *testing.T) {
	s := start(t)
	root := s.roots["supplier-a"]
	big := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte("PO-1,2026-03-01,SUP-A,EUR,1,A-100,10,EA,12.50\n")
	for range (8 << 20) / len(line) { // 8 MiB at 2 Mbit/s: half a minute, long enough to be cut
		f.Write(line)
	}
	f.Close()

	cmd := s.Command(s.keys["supplier-a"], "supplier-a", "put "+big+" /inbox/big.csv\n", "-l", "2000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the upload is under way, then kill the client.
	deadline := time.Now().Add(20 * time.Second)
	for {
		parts, _ := filepath.Glob(filepath.Join(root, ".big.csv*.part"))
		if len(parts) == 1 {
			if fi, err := os.Stat(parts[0]); err == nil && fi.Size() > 64<<10 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the upload did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline = time.Now().Add(10 * time.Second)
	for len(leftovers(t, root)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the inbox holds %v after the client was killed", leftovers(t, root))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := s.uploaded(); len(got) != 0 {
		t.Fatalf("OnUpload told of %v", got)
	}

	small := filepath.Join(t.TempDir(), "big.csv")
	writeFile(t, small, string(line))
	if out, err := s.Run(s.keys["supplier-a"], "supplier-a", "put "+small+" /inbox/big.csv\n"); err != nil {
		t.Fatalf("retry: %v\n%s", err, out)
	}
	if got := s.uploaded(); len(got) != 1 {
		t.Fatalf("OnUpload told of %v after the retry", got)
	}
}

func TestAccountsFileChangesTakeEffectAtTheNextLogin(t *testing.T) {
	s := start(t)
	if out, err := s.Run(s.keys["supplier-a"], "supplier-a", "ls /\n"); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	// Rotate supplier-a's key and disable supplier-b, keeping its files.
	newKey, newPub := sftptest.NewKey(t, t.TempDir(), "rotated")
	writeFile(t, filepath.Join(s.roots["supplier-b"], "kept.csv"), "x")
	hash, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, s.accounts, fmt.Sprintf("accounts:\n  - partner: supplier-a\n    public_keys: [%q]\n    password_hash: %q\n"+
		"  - partner: supplier-b\n    disabled: true\n", newPub, hash))
	future := time.Now().Add(2 * time.Second)
	os.Chtimes(s.accounts, future, future)
	if out, err := s.Run(s.keys["supplier-a"], "supplier-a", "ls /\n"); err == nil {
		t.Fatalf("the old key still works:\n%s", out)
	}
	if out, err := s.Run(newKey, "supplier-a", "ls /\n"); err != nil {
		t.Fatalf("the new key: %v\n%s", err, out)
	}
	if out, err := s.Run(s.keys["supplier-b"], "supplier-b", "ls /\n"); err == nil {
		t.Fatalf("the disabled account logged in:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(s.roots["supplier-b"], "kept.csv")); err != nil {
		t.Fatalf("disabling lost the partner's files: %v", err)
	}
}

func TestPasswordLogin(t *testing.T) {
	s := start(t)
	hash, _ := auth.HashPassword("correct horse")
	writeFile(t, s.accounts, fmt.Sprintf("accounts:\n  - partner: supplier-a\n    password_hash: %q\n", hash))
	future := time.Now().Add(2 * time.Second)
	os.Chtimes(s.accounts, future, future)
	conf := &ssh.ClientConfig{User: "supplier-a", Auth: []ssh.AuthMethod{ssh.Password("correct horse")},
		HostKeyCallback: ssh.FixedHostKey(s.srv.HostKeys()[0]), HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
		Timeout: 5 * time.Second}
	c, err := ssh.Dial("tcp", s.srv.Addr(), conf)
	if err != nil {
		t.Fatalf("password login: %v", err)
	}
	c.Close()
	conf.Auth = []ssh.AuthMethod{ssh.Password("wrong")}
	if c, err := ssh.Dial("tcp", s.srv.Addr(), conf); err == nil {
		c.Close()
		t.Fatal("a wrong password logged in")
	}
	s.waitAudited(sftpd.ActionLogin, sftpd.OutcomeDenied, 1)
	for _, e := range s.allEvents() {
		if strings.Contains(fmt.Sprintf("%+v", e), "horse") || strings.Contains(fmt.Sprintf("%+v", e), "wrong") {
			t.Fatalf("a password is in the audit: %+v", e)
		}
	}
}

func TestAccountsFileRefusesSmallRSAKeysAndUnknownPartners(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub2048, _ := ssh.NewPublicKey(&rsaKey.PublicKey)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	pubEd, _ := ssh.NewPublicKey(edPub)
	roots := map[string]sftpd.Folders{"supplier-a": {Inbox: "/srv/a"}}
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"an RSA key of 2048 bits", fmt.Sprintf("accounts:\n  - partner: supplier-a\n    public_keys: [%q]\n", ssh.MarshalAuthorizedKey(pub2048)),
			"RSA key of 2048 bits"},
		{"a partner not configured", fmt.Sprintf("accounts:\n  - partner: nobody\n    public_keys: [%q]\n", ssh.MarshalAuthorizedKey(pubEd)),
			`"nobody" is not a configured partner`},
		{"an unknown key", "accounts:\n  - partner: supplier-a\n    pubkeys: []\n", `unknown key "pubkeys"`},
		{"no way to log in", "accounts:\n  - partner: supplier-a\n", "nobody could log in"},
		{"a password in clear", "accounts:\n  - partner: supplier-a\n    password_hash: hunter2\n", "not an argon2id hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sftpd.ParseAccounts("accounts.yaml", []byte(tc.yaml), roots)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(fmt.Sprint(err), "hunter2") {
				t.Fatalf("the error echoes the secret: %v", err)
			}
		})
	}
	t.Run("an RSA key of 3072 bits is accepted", func(t *testing.T) {
		k, _ := rsa.GenerateKey(rand.Reader, 3072)
		pub, _ := ssh.NewPublicKey(&k.PublicKey)
		if _, err := sftpd.ParseAccounts("a.yaml", fmt.Appendf(nil, "accounts:\n  - partner: supplier-a\n    public_keys: [%q]\n",
			ssh.MarshalAuthorizedKey(pub)), roots); err != nil {
			t.Fatal(err)
		}
	})
}

func TestHostKeysPersistAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	mk := func() *sftpd.Server {
		s, err := sftpd.New(sftpd.Config{HostKeyDir: dir, Accounts: sftpd.StaticAccounts()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := mk().Fingerprints(), mk().Fingerprints()
	if len(a) != 2 || !strings.HasPrefix(a[0], "ssh-ed25519 SHA256:") || !strings.HasPrefix(a[1], "ssh-rsa SHA256:") {
		t.Fatalf("fingerprints %v", a)
	}
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("host keys changed across restarts: %v then %v", a, b)
	}
	b0, _ := os.ReadFile(filepath.Join(dir, "ssh_host_rsa_key"))
	block, _ := pem.Decode(b0)
	raw, err := ssh.ParseRawPrivateKey(pem.EncodeToMemory(block))
	if err != nil {
		t.Fatal(err)
	}
	if bits := raw.(*rsa.PrivateKey).N.BitLen(); bits != 3072 {
		t.Fatalf("RSA host key of %d bits", bits)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "ssh_host_ed25519_key")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v", fi.Mode())
	}
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	s := start(t, func(c *sftpd.Config) { c.IdleTimeout = 300 * time.Millisecond })
	c, err := net.Dial("tcp", s.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	// Read the server's banner, then say nothing.
	buf := make([]byte, 256)
	n, _ := c.Read(buf)
	if !bytes.HasPrefix(buf[:n], []byte("SSH-2.0-")) {
		t.Fatalf("banner %q", buf[:n])
	}
	start := time.Now()
	for {
		if _, err := c.Read(buf); err != nil {
			break
		}
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("idle connection closed after %s", took)
	}
}
