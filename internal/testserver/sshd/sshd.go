// Package sshd runs a real OpenSSH sshd for a test: its own config, host key
// and client key in the test's temporary directory, on a free loopback port,
// serving SFTP (internal-sftp) to the current user by public key.
//
// The server logs (sshd -e) to sshd.log beside its config; a failing test
// prints it.
package sshd

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Package is the Debian package that provides sshd.
const Package = "openssh-server"

// startTimeout bounds the wait for the SSH banner after starting sshd.
const startTimeout = 10 * time.Second

// Server is a running sshd. Its fields are set by Start and not changed
// after; its methods are safe for concurrent use.
type Server struct {
	// Addr is 127.0.0.1:port; it stays the same across Restart.
	Addr string
	// User is the login: the user the test runs as.
	User string
	// PrivateKey is the client key (ed25519, OpenSSH PEM, unencrypted) that
	// sshd accepts for User.
	PrivateKey []byte
	// KnownHostsFile holds one known_hosts line, [127.0.0.1]:port with the
	// server's host key.
	KnownHostsFile string
	// Root is an empty directory for the test's files: an absolute path on
	// this machine that the SFTP user reaches by the same path (no chroot).
	Root string

	t       testing.TB
	sshd    string // absolute path of the binary
	dir     string // config, keys, log
	config  string
	logPath string

	mu   sync.Mutex
	proc *process // nil when stopped
}

// process is one run of the listening sshd.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
	err  error         // cmd.Wait's error, set before done closes
}

// Start starts sshd and stops it when the test ends. Without sshd the test
// is skipped, or fails when PROCUREHUB_REQUIRE_INTEGRATION=1.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := find()
	if err != nil {
		unavailable(t, err.Error())
	}
	if err := supported(); err != nil {
		unavailable(t, err.Error())
	}
	if err := privsepDir(); err != nil {
		t.Fatalf("sshd: %v", err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("sshd: current user: %v", err)
	}
	base := t.TempDir()
	s := &Server{
		t:       t,
		User:    u.Username,
		sshd:    bin,
		dir:     filepath.Join(base, "sshd"),
		Root:    filepath.Join(base, "root"),
		logPath: filepath.Join(base, "sshd", "sshd.log"),
	}
	for _, d := range []string{s.dir, s.Root} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatalf("sshd: %v", err)
		}
	}
	if err := s.writeKeys(); err != nil {
		t.Fatalf("sshd: %v", err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("sshd log:\n%s", s.Log())
		}
	})
	// A port found free can be taken before sshd binds it; try a few.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("sshd: %v", err)
		}
		s.Addr = net.JoinHostPort("127.0.0.1", fmt.Sprint(port))
		if err := s.writeConfig(); err != nil {
			t.Fatalf("sshd: %v", err)
		}
		err = s.start()
		if err == nil {
			break
		}
		if attempt == 3 || !strings.Contains(s.Log(), "Address already in use") {
			t.Fatalf("sshd: %v\nsshd log:\n%s", err, s.Log())
		}
	}
	return s
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("PROCUREHUB_REQUIRE_INTEGRATION") == "1" {
		t.Fatalf("sshd: %s (PROCUREHUB_REQUIRE_INTEGRATION=1)", why)
	}
	t.Skipf("sshd: %s", why)
}

// find returns the absolute path of sshd: it re-executes itself and refuses
// to run from a relative path.
func find() (string, error) {
	const debianPath = "/usr/sbin/sshd"
	if fi, err := os.Stat(debianPath); err == nil && !fi.IsDir() {
		return debianPath, nil
	}
	p, err := exec.LookPath("sshd")
	if err != nil {
		return "", fmt.Errorf("sshd is not installed (apt-get install -y %s)", Package)
	}
	return filepath.Abs(p)
}

// privsepDir creates /run/sshd, sshd's privilege separation directory,
// which it requires and which a fresh machine without a started sshd lacks.
func privsepDir() error {
	const dir = "/run/sshd"
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create the privilege separation directory: %w", err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// writeKeys writes the host key, the client key's authorized_keys and the
// known_hosts file.
func (s *Server) writeKeys() error {
	hostPub, hostPEM, err := newKey("procurehub test sshd host key")
	if err != nil {
		return err
	}
	clientPub, clientPEM, err := newKey("procurehub test client")
	if err != nil {
		return err
	}
	s.PrivateKey = clientPEM
	// sshd refuses a host key that others can read.
	if err := os.WriteFile(filepath.Join(s.dir, "ssh_host_ed25519_key"), hostPEM, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.dir, "ssh_host_ed25519_key.pub"), ssh.MarshalAuthorizedKey(hostPub), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.dir, "authorized_keys"), ssh.MarshalAuthorizedKey(clientPub), 0o600); err != nil {
		return err
	}
	s.KnownHostsFile = filepath.Join(s.dir, "known_hosts")
	return nil
}

func newKey(comment string) (ssh.PublicKey, []byte, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, nil, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	return sshPub, pem.EncodeToMemory(block), nil
}

// writeConfig writes sshd_config and known_hosts for s.Addr.
func (s *Server) writeConfig() error {
	pubBytes, err := os.ReadFile(filepath.Join(s.dir, "ssh_host_ed25519_key.pub"))
	if err != nil {
		return err
	}
	hostPub, _, _, _, err := ssh.ParseAuthorizedKey(pubBytes)
	if err != nil {
		return err
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, hostPub)
	if err := os.WriteFile(s.KnownHostsFile, []byte(line+"\n"), 0o644); err != nil {
		return err
	}
	permitRoot := "no"
	if s.User == "root" {
		permitRoot = "prohibit-password"
	}
	config := strings.Join([]string{
		"# written by internal/testserver/sshd for one test",
		"ListenAddress " + s.Addr,
		"HostKey " + filepath.Join(s.dir, "ssh_host_ed25519_key"),
		"PidFile none",
		"AuthorizedKeysFile " + filepath.Join(s.dir, "authorized_keys"),
		// The temporary directory's owner and modes would fail sshd's checks.
		"StrictModes no",
		"PermitRootLogin " + permitRoot,
		"AllowUsers " + s.User,
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		// PAM's session modules (pam_loginuid) fail in containers and end
		// the session; public keys need no PAM.
		"UsePAM no",
		"UseDNS no",
		"PrintMotd no",
		"AllowTcpForwarding no",
		"X11Forwarding no",
		"PermitTTY no",
		"LogLevel VERBOSE",
		"Subsystem sftp internal-sftp",
		"",
	}, "\n")
	s.config = filepath.Join(s.dir, "sshd_config")
	return os.WriteFile(s.config, []byte(config), 0o600)
}

// start runs sshd and waits for its banner.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("already running")
	}
	logFile, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(s.sshd, "-D", "-e", "-f", s.config)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.sshd, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	// Owned by the process: it ends when sshd exits, which stop ensures.
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := waitBanner(s.Addr, p.done); err != nil {
		s.kill(p)
		return err
	}
	s.proc = p
	return nil
}

// waitBanner waits until addr accepts and says "SSH-", or exited closes.
func waitBanner(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("sshd exited during start")
		default:
		}
		last = banner(addr)
		if last == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no SSH banner on %s within %s: %v", addr, startTimeout, last)
}

func banner(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "SSH-") {
		return fmt.Errorf("not an SSH banner: %q", line)
	}
	return nil
}

// Stop stops sshd (SIGTERM to the listener, SIGKILL after 5 s) and drops
// its connections, and waits for them all. Stop when stopped does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	s.kill(s.proc)
	s.proc = nil
}

// kill ends the listener (SIGTERM) and every per-connection process it
// started (SIGKILL: now and then a young connection process was seen to
// outlive a SIGTERM for good, and for the client either is a dropped
// connection). Connection processes call setsid, so they are found
// by parent, not by process group; the listener is paused while they are
// collected so that it forks no new ones, and they are collected before it
// dies and they are handed to init.
func (s *Server) kill(p *process) {
	pid := p.cmd.Process.Pid
	signal(pid, sigStop)
	kids := descendants(pid)
	signalAll(kids, sigKill)
	signal(pid, sigTerm)
	signal(pid, sigCont)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if !waitGone(kids, 5*time.Second) {
		s.t.Errorf("sshd: connection processes %v still running after SIGKILL", kids)
	}
}

// Restart stops sshd and starts it again on the same port with the same
// host key. Clients see their connections drop.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	// The port is ours but the kernel may need a moment to free it.
	for attempt := 0; attempt < 20; attempt++ {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("sshd: restart: %v\nsshd log:\n%s", err, s.Log())
}

// DropConnections kills (SIGKILL) the processes serving connections, not
// the listener: clients see their connection drop and can connect again.
// It returns once they are gone.
func (s *Server) DropConnections() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		s.t.Fatal("sshd: DropConnections on a stopped server")
	}
	pid := s.proc.cmd.Process.Pid
	signal(pid, sigStop)
	kids := descendants(pid)
	signalAll(kids, sigKill)
	signal(pid, sigCont)
	if !waitGone(kids, 5*time.Second) {
		s.t.Fatalf("sshd: connection processes %v still running after SIGKILL", kids)
	}
}

// Log returns what sshd logged so far.
func (s *Server) Log() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(b)
}

func signalAll(pids []int, sig signalNumber) {
	for _, pid := range pids {
		signal(pid, sig)
	}
}

// waitGone waits until none of pids is running; it reports whether they
// all went.
func waitGone(pids []int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		alive := false
		for _, pid := range pids {
			if running(pid) {
				alive = true
				break
			}
		}
		if !alive {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
