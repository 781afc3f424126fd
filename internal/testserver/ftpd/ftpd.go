// Package ftpd runs a real vsftpd for tests: one server per Start, on a free
// loopback port with its own passive port range, its own config file and
// its own login directory, stopped when the test ends.
//
// vsftpd needs root and a local user with a password, which it checks
// through PAM: setup.sh (run once per machine, as root; idempotent) creates
// the user procurehub-ftp with a random password kept in
// /etc/procurehub-ftp/password, and the PAM service procurehub-ftp that
// admits that user only. Start skips the test when that is missing, or
// fails it when PROCUREHUB_REQUIRE_INTEGRATION=1 (CI).
//
// The FTP user is chrooted into Root, so it sees Root as "/". Files the
// test writes into Root as root are readable by the FTP user, but
// directories the test makes there are not writable by it unless the test
// chowns them (Server.Chown): make writable directories through FTP. vsftpd
// runs transfers as the FTP user, so a root-owned directory with mode 0555
// refuses changes (550), as a partner's read-only directory would.
//
// StartTLS runs the same server with explicit FTPS required, and a
// self-signed certificate for 127.0.0.1 in Server.CAFile.
//
// vsftpd is killed with the test binary (Pdeathsig), so a test that dies
// leaves no server behind; its temporary directory stays in $TMPDIR.
package ftpd

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// Binary is the vsftpd that Start runs.
	Binary = "/usr/sbin/vsftpd"
	// UserName is the local user setup.sh creates for the tests.
	UserName = "procurehub-ftp"
	// PasswordFile holds that user's password (root only).
	PasswordFile = "/etc/procurehub-ftp/password"
	// PAMService is the PAM service setup.sh writes for vsftpd.
	PAMService = "procurehub-ftp"
	// SetupScript prepares the machine; run it as root.
	SetupScript = "internal/testserver/ftpd/setup.sh"
)

// pasvPorts is the size of each server's passive port range.
const pasvPorts = 40

// Server is a running vsftpd.
type Server struct {
	Addr     string // 127.0.0.1:port
	User     string
	Password string
	// Root is the absolute local path of the FTP user's login directory,
	// which the user sees as "/". Owned by the FTP user; the test, as
	// root, may read and write anything in it.
	Root string
	// CAFile is the PEM certificate of a StartTLS server; "" otherwise.
	CAFile string

	t        testing.TB
	conf     string // config file
	uid, gid int    // of the FTP user

	mu   sync.Mutex
	proc *process      // nil when stopped
	out  *lockedBuffer // output of the last run
}

// process is one run of vsftpd.
type process struct {
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{} // closed when the process has exited
	err    error         // of Wait, once exited
}

// Option changes how a server is started.
type Option func(*options)

type options struct {
	maxRate int // bytes per second per transfer; 0 for no limit
}

// MaxRate limits every transfer to bytesPerSecond (vsftpd's
// local_max_rate). A test that cuts a download part-way needs it: without
// a limit, vsftpd may have handed a whole file of a few hundred KiB to the
// kernel's socket buffers, and finished, before the cut.
func MaxRate(bytesPerSecond int) Option {
	return func(o *options) { o.maxRate = bytesPerSecond }
}

// Start starts vsftpd and returns once it answers "220" on its port. The
// server stops when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return start(t, false, opts)
}

// StartTLS starts vsftpd with explicit FTPS required for logins and data
// (AUTH TLS, PROT P), and TLS session reuse required on data connections
// (require_ssl_reuse=YES, vsftpd's default). Its certificate, for
// 127.0.0.1, is in the PEM file CAFile.
func StartTLS(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return start(t, true, opts)
}

func start(t testing.TB, withTLS bool, opts []Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	u, password, err := ready()
	if err != nil {
		if os.Getenv("PROCUREHUB_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("ftpd: %v (run %s as root)", err, SetupScript)
		}
		t.Skipf("ftpd: %v (run %s as root to enable)", err, SetupScript)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)

	state, err := os.MkdirTemp("", "procurehub-ftpd-*")
	if err != nil {
		t.Fatalf("ftpd: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(state) })
	root := filepath.Join(state, "root")
	empty := filepath.Join(state, "empty")
	for _, dir := range []string{root, empty} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatalf("ftpd: %v", err)
		}
	}
	// The state dir is made 0700; vsftpd's session processes, running as
	// the FTP user, pass through it to reach their chroot.
	if err := os.Chmod(state, 0o755); err != nil {
		t.Fatalf("ftpd: %v", err)
	}
	if err := os.Chown(root, uid, gid); err != nil {
		t.Fatalf("ftpd: %v", err)
	}

	s := &Server{
		User:     u.Username,
		Password: password,
		Root:     root,
		t:        t,
		conf:     filepath.Join(state, "vsftpd.conf"),
		uid:      uid,
		gid:      gid,
	}
	t.Cleanup(func() {
		s.Stop()
		s.mu.Lock()
		defer s.mu.Unlock()
		if t.Failed() && s.out != nil {
			if out := s.out.String(); out != "" {
				t.Logf("ftpd: vsftpd on %s said: %s", s.Addr, out)
			}
		}
	})
	var extraConf string
	if o.maxRate > 0 {
		extraConf = fmt.Sprintf("local_max_rate=%d\n", o.maxRate)
	}
	if withTLS {
		s.CAFile = filepath.Join(state, "cert.pem")
		key := filepath.Join(state, "key.pem")
		if err := writeCert(s.CAFile, key); err != nil {
			t.Fatalf("ftpd: %v", err)
		}
		extraConf += fmt.Sprintf(`ssl_enable=YES
rsa_cert_file=%s
rsa_private_key_file=%s
force_local_logins_ssl=YES
force_local_data_ssl=YES
require_ssl_reuse=YES
ssl_ciphers=HIGH
`, s.CAFile, key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Another process may take a port between the check and vsftpd's
	// bind (vsftpd then exits with status 2, silently): try other ports.
	for try := 1; ; try++ {
		port, err := freePorts(1 + pasvPorts)
		if err != nil {
			t.Fatalf("ftpd: %v", err)
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err := os.WriteFile(s.conf, []byte(config(port, port+1, port+pasvPorts, root, empty)+extraConf), 0o600); err != nil {
			t.Fatalf("ftpd: %v", err)
		}
		err = s.start()
		if err == nil {
			break
		}
		if try == 3 {
			t.Fatalf("ftpd: %v", err)
		}
	}
	return s
}

// ready checks that this machine can run the server: root, vsftpd, the
// user, its password and the PAM service.
func ready() (*user.User, string, error) {
	if os.Geteuid() != 0 {
		return nil, "", errors.New("vsftpd needs root")
	}
	if _, err := os.Stat(Binary); err != nil {
		return nil, "", fmt.Errorf("vsftpd is not installed: %w", err)
	}
	u, err := user.Lookup(UserName)
	if err != nil {
		return nil, "", fmt.Errorf("no test user: %w", err)
	}
	pw, err := os.ReadFile(PasswordFile)
	if err != nil {
		return nil, "", fmt.Errorf("no test password: %w", err)
	}
	password := strings.TrimSpace(string(pw))
	if password == "" {
		return nil, "", fmt.Errorf("%s is empty", PasswordFile)
	}
	if _, err := os.Stat(filepath.Join("/etc/pam.d", PAMService)); err != nil {
		return nil, "", fmt.Errorf("no PAM service: %w", err)
	}
	return u, password, nil
}

// config is the vsftpd.conf of one server: local users only, chrooted
// into root, writable, passive mode on loopback, no logs, and none of the
// sandboxing that needs more than a container offers.
func config(port, pasvMin, pasvMax int, root, empty string) string {
	return fmt.Sprintf(`# procurehub test server (internal/testserver/ftpd)
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=%d
background=NO
ftpd_banner=procurehub test vsftpd
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=%d
pasv_max_port=%d
port_enable=NO
connect_from_port_20=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
secure_chroot_dir=%s
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
local_root=%s
chroot_local_user=YES
allow_writeable_chroot=YES
pam_service_name=%s
userlist_enable=NO
tcp_wrappers=NO
utf8_filesystem=YES
use_localtime=NO
xferlog_enable=NO
syslog_enable=NO
dirmessage_enable=NO
delay_failed_login=0
`, port, pasvMin, pasvMax, empty, root, PAMService)
}

// freePorts finds n consecutive free loopback ports below the ephemeral
// range and returns the first.
func freePorts(n int) (int, error) {
	for try := 0; try < 100; try++ {
		base := 20000 + rand.IntN(12000-n)
		ok := true
		for p := base; p < base+n && ok; p++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				ok = false
				break
			}
			_ = l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no %d free ports in a row", n)
}

// start runs vsftpd and waits for its greeting. s.mu is held.
func (s *Server) start() error {
	p := &process{out: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(Binary, s.conf)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	// Pdeathsig: a test binary that dies (a timeout panic, a kill) takes
	// its vsftpd along; the sessions end with their clients' connections.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start vsftpd: %w", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	s.proc = p
	s.out = p.out
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-p.exited:
			s.proc = nil
			return fmt.Errorf("vsftpd exited: %v: %s", p.err, p.out.String())
		default:
		}
		if greeted(s.Addr) {
			return nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("vsftpd did not answer on %s within 10s: %s", s.Addr, p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// greeted reports whether addr answers with a 220 greeting.
func greeted(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "220")
}

// Stop kills vsftpd and its sessions. Calling it again does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop()
}

func (s *Server) stop() {
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	killAll(sessions(p.cmd.Process.Pid))
	_ = p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		s.t.Errorf("ftpd: vsftpd (pid %d) did not exit", p.cmd.Process.Pid)
	}
}

// Restart stops vsftpd and starts it again on the same port: connections
// made before are gone.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("ftpd: restart: %v", err)
	}
}

// DropConnections kills the session processes (every process vsftpd forked
// for a connection) and not the listener: clients see their control and
// data connections closed, and new connections are served as before.
func (s *Server) DropConnections() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		s.t.Fatalf("ftpd: DropConnections on a stopped server")
	}
	killAll(sessions(s.proc.cmd.Process.Pid))
}

// Chown gives a path under Root (relative to it) to the FTP user, so that
// a directory the test made becomes writable over FTP.
func (s *Server) Chown(name string) error {
	return os.Chown(filepath.Join(s.Root, filepath.FromSlash(name)), s.uid, s.gid)
}

// sessions returns the descendants of pid, deepest last.
func sessions(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, state, ok := procStat(p)
		if !ok || state == 'Z' {
			continue
		}
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// procStat reads the parent and state of a process from /proc/pid/stat.
func procStat(pid int) (ppid int, state byte, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 2 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(fields[1])
	if err != nil {
		return 0, 0, false
	}
	return ppid, fields[0][0], true
}

// killAll kills the processes and waits until they are gone (or zombies).
func killAll(pids []int) {
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range pids {
		for time.Now().Before(deadline) {
			if _, state, ok := procStat(p); !ok || state == 'Z' {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// lockedBuffer collects vsftpd's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(certFile, keyFile string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "procurehub test vsftpd"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
}
