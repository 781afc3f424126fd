package sftpfs

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const (
	testUser     = "alice"
	testPassword = "correct horse battery staple"
)

// testServer is an in-process SSH server with pkg/sftp's request server over
// this machine's filesystem: paths are the machine's own, like with OpenSSH
// without chroot, and relative paths start at Root. Its Rename refuses to
// replace a file the way OpenSSH does (link, unlink, SSH_FX_FAILURE), and
// hooks let a test deny, stall or cut requests.
type testServer struct {
	Addr           string
	Root           string // login directory, empty at start
	ClientKey      []byte // PEM; its public key is authorized for testUser
	KnownHostsFile string // all the server's host keys for Addr
	HostKeys       []ssh.Signer

	opts serverOptions
	ln   net.Listener
	cfg  *ssh.ServerConfig

	mu      sync.Mutex
	conns   map[net.Conn]bool
	closing chan struct{} // closed by Close: releases stalled handlers
	wg      sync.WaitGroup

	logins  atomic.Int32 // connections that logged in
	dropped atomic.Bool  // dropOnce has fired
}

type serverOptions struct {
	// deny makes a request fail with SSH_FX_PERMISSION_DENIED.
	deny func(method, path string) bool
	// stall makes a request wait until the server closes.
	stall func(method, path string) bool
	// cutAt makes a read that reaches this offset signal reached and wait
	// for release (or the server's end); 0 is off.
	cutAt   int64
	reached chan struct{}
	release chan struct{}
	// ecdsaHostKey adds an ECDSA host key beside the ed25519 one.
	ecdsaHostKey bool
	// authorize is one more client key accepted for testUser.
	authorize ssh.PublicKey
	// dropOnce drops every connection the first time a command of this
	// method comes, before doing it or, with dropAfter, after doing it
	// and before answering.
	dropOnce  string
	dropAfter bool
}

func startTestServer(t testing.TB, opts serverOptions) *testServer {
	t.Helper()
	dir := t.TempDir()
	s := &testServer{
		Root:    filepath.Join(dir, "home"),
		opts:    opts,
		conns:   map[net.Conn]bool{},
		closing: make(chan struct{}),
	}
	if err := os.Mkdir(s.Root, 0o755); err != nil {
		t.Fatal(err)
	}
	clientPub, clientPEM := newTestKey(t)
	s.ClientKey = clientPEM
	s.cfg = &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if c.User() == testUser && subtle.ConstantTimeCompare(pw, []byte(testPassword)) == 1 {
				return nil, nil
			}
			return nil, errors.New("wrong password")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, k := range []ssh.PublicKey{clientPub, opts.authorize} {
				if k != nil && c.User() == testUser && subtle.ConstantTimeCompare(key.Marshal(), k.Marshal()) == 1 {
					return nil, nil
				}
			}
			return nil, errors.New("unknown key")
		},
	}
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.addHostKey(t, edPriv)
	if opts.ecdsaHostKey {
		ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		s.addHostKey(t, ecPriv)
	}
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = s.ln.Addr().String()
	s.KnownHostsFile = filepath.Join(dir, "known_hosts")
	var lines []byte
	for _, k := range s.HostKeys {
		lines = append(lines, knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, k.PublicKey())+"\n"...)
	}
	if err := os.WriteFile(s.KnownHostsFile, lines, 0o644); err != nil {
		t.Fatal(err)
	}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) addHostKey(t testing.TB, key any) {
	t.Helper()
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	s.cfg.AddHostKey(signer)
	s.HostKeys = append(s.HostKeys, signer)
}

func newTestKey(t testing.TB) (ssh.PublicKey, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sshPub, pem.EncodeToMemory(block)
}

// Close stops accepting, drops every connection and waits for the server's
// goroutines.
func (s *testServer) Close() {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	s.ln.Close()
	s.DropConnections()
	s.wg.Wait()
}

// DropConnections closes the server side of every connection.
func (s *testServer) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

func (s *testServer) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		s.mu.Lock()
		s.conns[nc] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, nc)
				s.mu.Unlock()
				nc.Close()
			}()
			s.serve(nc)
		}()
	}
}

func (s *testServer) serve(nc net.Conn) {
	sc, chans, reqs, err := ssh.NewServerConn(nc, s.cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	s.logins.Add(1)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		ssh.DiscardRequests(reqs) // answers keepalives with "no", which is an answer
	}()
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, chReqs, err := nch.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ch.Close()
			for req := range chReqs {
				ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
				_ = req.Reply(ok, nil)
				if !ok {
					continue
				}
				go ssh.DiscardRequests(chReqs)
				h := &diskHandler{s: s}
				handlers := sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
				rs := sftp.NewRequestServer(ch, handlers, sftp.WithStartDirectory(s.Root))
				_ = rs.Serve()
				rs.Close()
				return
			}
		}()
	}
}

// diskHandler serves this machine's filesystem.
type diskHandler struct{ s *testServer }

func (h *diskHandler) hooks(method, path string) error {
	o := h.s.opts
	if o.deny != nil && o.deny(method, path) {
		return sftp.ErrSSHFxPermissionDenied
	}
	if o.stall != nil && o.stall(method, path) {
		<-h.s.closing
		return sftp.ErrSSHFxFailure
	}
	return nil
}

func (h *diskHandler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	if err := h.hooks("Get", r.Filepath); err != nil {
		return nil, err
	}
	f, err := os.Open(r.Filepath)
	if err != nil {
		return nil, err
	}
	return &cutReader{File: f, s: h.s}, nil
}

func (h *diskHandler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	return h.OpenFile(r)
}

func (h *diskHandler) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	if err := h.hooks("Put", r.Filepath); err != nil {
		return nil, err
	}
	pf := r.Pflags()
	flags := os.O_WRONLY
	if pf.Read {
		flags = os.O_RDWR
	}
	if pf.Creat {
		flags |= os.O_CREATE
	}
	if pf.Trunc {
		flags |= os.O_TRUNC
	}
	if pf.Excl {
		flags |= os.O_EXCL
	}
	if pf.Append {
		flags |= os.O_APPEND
	}
	return os.OpenFile(r.Filepath, flags, 0o644)
}

func (h *diskHandler) Filecmd(r *sftp.Request) error {
	if err := h.hooks(r.Method, r.Filepath); err != nil {
		return err
	}
	if r.Target != "" {
		if err := h.hooks(r.Method, r.Target); err != nil {
			return err
		}
	}
	if r.Method == h.s.opts.dropOnce && h.s.dropped.CompareAndSwap(false, true) {
		if h.s.opts.dropAfter {
			_ = h.filecmd(r)
		}
		h.s.DropConnections()
		return sftp.ErrSSHFxConnectionLost
	}
	return h.filecmd(r)
}

func (h *diskHandler) filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Rename":
		return renameLikeOpenSSH(r.Filepath, r.Target)
	case "Mkdir":
		return os.Mkdir(r.Filepath, 0o755)
	case "Rmdir":
		return syscall.Rmdir(r.Filepath)
	case "Remove":
		if err := syscall.Unlink(r.Filepath); err != nil {
			return &os.PathError{Op: "remove", Path: r.Filepath, Err: err}
		}
		return nil
	case "Setstat":
		return nil
	case "Link":
		return os.Link(r.Filepath, r.Target)
	case "Symlink":
		return os.Symlink(r.Target, r.Filepath)
	}
	return sftp.ErrSSHFxOpUnsupported
}

// PosixRename replaces the target, as posix-rename@openssh.com does.
func (h *diskHandler) PosixRename(r *sftp.Request) error {
	if err := h.hooks("PosixRename", r.Filepath); err != nil {
		return err
	}
	if err := h.hooks("PosixRename", r.Target); err != nil {
		return err
	}
	return os.Rename(r.Filepath, r.Target)
}

// renameLikeOpenSSH is sftp-server.c's process_rename: a regular file is
// linked to the new name and unlinked from the old, so an existing target
// fails with EEXIST, which version 3 can only say as SSH_FX_FAILURE.
func renameLikeOpenSSH(oldname, newname string) error {
	fi, err := os.Lstat(oldname)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		if _, err := os.Stat(newname); err == nil {
			return sftp.ErrSSHFxFailure
		}
		return os.Rename(oldname, newname)
	}
	if err := os.Link(oldname, newname); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			return &os.PathError{Op: "link", Path: newname, Err: le.Err}
		}
		return err
	}
	return os.Remove(oldname)
}

func (h *diskHandler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	if err := h.hooks(r.Method, r.Filepath); err != nil {
		return nil, err
	}
	switch r.Method {
	case "List":
		entries, err := os.ReadDir(r.Filepath)
		if err != nil {
			return nil, err
		}
		infos := make([]os.FileInfo, 0, len(entries))
		for _, e := range entries {
			if fi, err := e.Info(); err == nil {
				infos = append(infos, fi)
			}
		}
		return listerAt(infos), nil
	case "Stat":
		fi, err := os.Stat(r.Filepath)
		if err != nil {
			return nil, err
		}
		return listerAt{fi}, nil
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

func (h *diskHandler) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	if err := h.hooks("Lstat", r.Filepath); err != nil {
		return nil, err
	}
	fi, err := os.Lstat(r.Filepath)
	if err != nil {
		return nil, err
	}
	return listerAt{fi}, nil
}

type listerAt []os.FileInfo

func (l listerAt) ListAt(out []os.FileInfo, offset int64) (int, error) {
	if offset >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[offset:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}

// cutReader is a file whose reads stop at opts.cutAt until released.
type cutReader struct {
	*os.File
	s *testServer
}

func (c *cutReader) ReadAt(p []byte, off int64) (int, error) {
	o := c.s.opts
	if o.cutAt > 0 && off+int64(len(p)) > o.cutAt {
		select {
		case o.reached <- struct{}{}:
		default:
		}
		select {
		case <-o.release:
		case <-c.s.closing:
		case <-time.After(30 * time.Second):
		}
		return 0, sftp.ErrSSHFxFailure
	}
	return c.File.ReadAt(p, off)
}
