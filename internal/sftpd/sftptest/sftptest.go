// Package sftptest drives the real OpenSSH client (sftp, scp -s) against a
// test server in batch mode: its own key, a known_hosts file with the
// server's host keys, no agent, no user config.
package sftptest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Package is the Debian package with sftp and scp.
const Package = "openssh-client"

// RequireClient skips the test when sftp or scp is missing, or fails it
// when PROCUREHUB_REQUIRE_INTEGRATION=1 (CI).
func RequireClient(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"sftp", "scp"} {
		if _, err := exec.LookPath(bin); err != nil {
			msg := fmt.Sprintf("%s is not installed (apt-get install -y %s)", bin, Package)
			if os.Getenv("PROCUREHUB_REQUIRE_INTEGRATION") == "1" {
				t.Fatalf("%s (PROCUREHUB_REQUIRE_INTEGRATION=1)", msg)
			}
			t.Skip(msg)
		}
	}
}

// NewKey writes a new ed25519 key pair into dir as <name> (0600, OpenSSH
// format) and returns its file and its authorized_keys line.
func NewKey(t testing.TB, dir, name string) (file, authorized string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, name)
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, name+"_ed25519")
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return file, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " " + name
}

// Client runs sftp and scp against one server.
type Client struct {
	t          testing.TB
	host, port string
	knownHosts string
}

// NewClient trusts hostKeys for addr (127.0.0.1:port) and nothing else.
func NewClient(t testing.TB, addr string, hostKeys []ssh.PublicKey) *Client {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range hostKeys {
		b.WriteString(knownhosts.Line([]string{addr}, k) + "\n")
	}
	kh := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(kh, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return &Client{t: t, host: host, port: port, knownHosts: kh}
}

func (c *Client) sshOptions(key string) []string {
	return []string{
		"-F", "/dev/null", "-i", key,
		"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile=" + c.knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "PasswordAuthentication=no",
		"-o", "KbdInteractiveAuthentication=no", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
	}
}

// Command is sftp in batch mode running batch (commands, one a line) as
// user with key; extra flags come before the destination.
func (c *Client) Command(key, user, batch string, extra ...string) *exec.Cmd {
	args := append([]string{"-b", "-", "-P", c.port}, c.sshOptions(key)...)
	args = append(args, extra...)
	args = append(args, user+"@"+c.host)
	cmd := exec.Command("sftp", args...)
	cmd.Stdin = strings.NewReader(batch)
	return cmd
}

// Run runs Command and returns its output (stdout and stderr); an error
// when sftp failed, as it does on the first failing command.
func (c *Client) Run(key, user, batch string) (string, error) {
	return run(c.Command(key, user, batch))
}

// SCP copies local to remote (a path on the server) with scp -s (SFTP protocol).
func (c *Client) SCP(key, user, local, remote string) (string, error) {
	args := append([]string{"-s", "-q", "-P", c.port}, c.sshOptions(key)...)
	args = append(args, local, user+"@"+c.host+":"+remote)
	return run(exec.Command("scp", args...))
}

func run(cmd *exec.Cmd) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("%s timed out", cmd.Path)
	}
}
