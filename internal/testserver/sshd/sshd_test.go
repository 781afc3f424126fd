package sshd_test

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/procurehub/procurehub/internal/testserver/sshd"
)

// connect logs in with the server's client key, checking its host key
// against its known_hosts file, and starts SFTP.
func connect(t *testing.T, s *sshd.Server) (*ssh.Client, *sftp.Client) {
	t.Helper()
	signer, err := ssh.ParsePrivateKey(s.PrivateKey)
	if err != nil {
		t.Fatalf("client key: %v", err)
	}
	hostKeys, err := knownhosts.New(s.KnownHostsFile)
	if err != nil {
		t.Fatalf("known_hosts: %v", err)
	}
	c, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKeys,
		Timeout:         5 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh to %s: %v", s.Addr, err)
	}
	sc, err := sftp.NewClient(c)
	if err != nil {
		c.Close()
		t.Fatalf("sftp: %v", err)
	}
	t.Cleanup(func() {
		sc.Close()
		c.Close()
	})
	return c, sc
}

func TestStartServesSFTPOnRootByItsAbsolutePath(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	if !filepath.IsAbs(s.Root) {
		t.Fatalf("Root %q is not absolute", s.Root)
	}
	if host, _, err := net.SplitHostPort(s.Addr); err != nil || host != "127.0.0.1" {
		t.Fatalf("Addr = %q, want 127.0.0.1:port", s.Addr)
	}
	_, sc := connect(t, s)

	f, err := sc.Create(s.Root + "/from-sftp.txt")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := f.Write([]byte("written over sftp")); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(s.Root, "from-sftp.txt"))
	if err != nil || string(got) != "written over sftp" {
		t.Fatalf("local file = %q, %v; want the bytes written over sftp", got, err)
	}
}

func TestKnownHostsNamesTheServerAndItsKey(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	b, err := os.ReadFile(s.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := knownhosts.Normalize(s.Addr) + " ssh-ed25519 "; !strings.HasPrefix(string(b), want) {
		t.Fatalf("known_hosts = %q, want it to start with %q", b, want)
	}
}

func TestRestartKeepsPortAndHostKeyAndDropsConnections(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	addr := s.Addr
	_, before := connect(t, s)
	if _, err := before.Getwd(); err != nil {
		t.Fatalf("before restart: %v", err)
	}

	s.Restart()

	if s.Addr != addr {
		t.Fatalf("Addr changed from %s to %s", addr, s.Addr)
	}
	if _, err := before.Getwd(); err == nil {
		t.Fatal("a connection from before the restart still works; want it dropped")
	}
	_, after := connect(t, s) // checks the host key against the same known_hosts
	if _, err := after.Getwd(); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestDropConnectionsKeepsTheListener(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	_, first := connect(t, s)
	if _, err := first.Getwd(); err != nil {
		t.Fatal(err)
	}

	s.DropConnections()

	if _, err := first.Getwd(); err == nil {
		t.Fatal("the connection still works after DropConnections")
	}
	_, second := connect(t, s)
	if _, err := second.Getwd(); err != nil {
		t.Fatalf("a new connection after DropConnections: %v", err)
	}
}

func TestStopClosesThePortAndIsIdempotent(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	c, _ := connect(t, s)

	s.Stop()
	s.Stop()

	if conn, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts after Stop", s.Addr)
	}
	// The open connection is gone too: a request on it fails.
	if _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); err == nil {
		t.Fatal("a connection survived Stop")
	} else if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "closed") {
		t.Logf("request after Stop: %v", err)
	}
}
