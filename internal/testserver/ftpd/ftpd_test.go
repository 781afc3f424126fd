package ftpd

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
)

func login(t *testing.T, s *Server) *ftp.ServerConn {
	t.Helper()
	c, err := ftp.Dial(s.Addr, ftp.DialWithTimeout(5*time.Second))
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	if err := c.Login(s.User, s.Password); err != nil {
		_ = c.Quit()
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(func() { _ = c.Quit() })
	return c
}

func TestTheUserLogsInToRootAndWritesThere(t *testing.T) {
	s := Start(t)
	c := login(t, s)
	if dir, err := c.CurrentDir(); err != nil || dir != "/" {
		t.Fatalf("login directory = %q, %v; want / (chrooted into Root)", dir, err)
	}
	if err := c.Stor("hello é.txt", strings.NewReader("hello")); err != nil {
		t.Fatalf("STOR: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(s.Root, "hello é.txt"))
	if err != nil || string(got) != "hello" {
		t.Fatalf("Root/hello é.txt = %q, %v; want what was uploaded", got, err)
	}
	if err := os.WriteFile(filepath.Join(s.Root, "from-test.txt"), []byte("from the test"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := c.Retr("from-test.txt")
	if err != nil {
		t.Fatalf("RETR of a file the test wrote: %v", err)
	}
	b, err := io.ReadAll(r)
	_ = r.Close()
	if err != nil || string(b) != "from the test" {
		t.Fatalf("RETR = %q, %v", b, err)
	}
}

func TestAWrongPasswordIsRefused(t *testing.T) {
	s := Start(t)
	c, err := ftp.Dial(s.Addr, ftp.DialWithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login(s.User, s.Password+"x"); err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
}

func TestRestartServesOnTheSamePort(t *testing.T) {
	s := Start(t)
	before := login(t, s)
	addr := s.Addr
	s.Restart()
	if s.Addr != addr {
		t.Fatalf("address changed from %s to %s", addr, s.Addr)
	}
	if err := before.NoOp(); err == nil {
		t.Fatal("a connection from before the restart still works")
	}
	after := login(t, s)
	if err := after.NoOp(); err != nil {
		t.Fatalf("NOOP after restart: %v", err)
	}
}

func TestDropConnectionsClosesSessionsButKeepsListening(t *testing.T) {
	// At 1 MB/s the 1 MiB file cannot be whole in the socket buffers
	// when the connections are cut.
	s := Start(t, MaxRate(1<<20))
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if err := os.WriteFile(filepath.Join(s.Root, "big"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	c := login(t, s)
	r, err := c.Retr("big")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1024)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	s.DropConnections()
	n, err := io.Copy(io.Discard, r)
	if int(n)+len(buf) >= len(data) {
		t.Fatalf("the whole file arrived (err %v) although the connection was cut after 1 KiB", err)
	}
	if err := r.Close(); err == nil {
		t.Fatal("the transfer reply arrived after DropConnections")
	}
	if err := c.NoOp(); err == nil {
		t.Fatal("the control connection still works after DropConnections")
	}
	if err := login(t, s).NoOp(); err != nil {
		t.Fatalf("a new connection after DropConnections: %v", err)
	}
}

func TestStopTwiceIsHarmless(t *testing.T) {
	s := Start(t)
	s.Stop()
	s.Stop()
	if greeted(s.Addr) {
		t.Fatal("the server still answers after Stop")
	}
}

func TestChownMakesATestDirectoryWritable(t *testing.T) {
	s := Start(t)
	if err := os.Mkdir(filepath.Join(s.Root, "made-by-test"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := login(t, s)
	if err := c.Stor("made-by-test/a", strings.NewReader("a")); err == nil {
		t.Fatal("STOR into a root-owned directory succeeded; the FTP user should not be root")
	}
	if err := s.Chown("made-by-test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Stor("made-by-test/a", strings.NewReader("a")); err != nil {
		t.Fatalf("STOR after Chown: %v", err)
	}
}

func TestStartTLSRequiresTLS(t *testing.T) {
	s := StartTLS(t)
	if s.CAFile == "" {
		t.Fatal("no CAFile")
	}
	c, err := ftp.Dial(s.Addr, ftp.DialWithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login(s.User, s.Password); err == nil {
		t.Fatal("a plain login succeeded on a server that requires TLS")
	}
	pool := x509.NewCertPool()
	pemBytes, err := os.ReadFile(s.CAFile)
	if err != nil || !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("CAFile: %v", err)
	}
	tc, err := ftp.Dial(s.Addr, ftp.DialWithTimeout(5*time.Second),
		ftp.DialWithExplicitTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Quit()
	if err := tc.Login(s.User, s.Password); err != nil {
		t.Fatalf("TLS login: %v", err)
	}
}
