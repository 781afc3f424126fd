// Package sftpd is procurehub's hosted SFTP inbox: suppliers without a
// server of their own log in with a key or a password and drop files into
// their inbox, read receipts from their outbox and settled files from their
// archive. Each partner account is rooted at that partner's local inbox
// directory, which its file-drop connector already polls, so an upload goes
// through the same ledger, dedupe, archive, quarantine and receipt path as
// every other file; OnUpload lets the hub take it at once.
//
// The tree a partner sees:
//
//	/inbox/    write: uploads land in the inbox directory itself
//	/outbox/   read:  <inbox>/outbox (receipts, rejected rows, documents)
//	/archive/  read:  <inbox>/archive (settled files by day)
//
// Nothing outside it is reachable: paths are cleaned in the virtual
// namespace, anything else is refused, and symbolic links on disk are
// never followed nor shown.
package sftpd

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/ssh"

	"github.com/procurehub/procurehub/internal/auth"
)

// Defaults of Config.
const (
	DefaultAddr            = "127.0.0.1:2222"
	DefaultIdleTimeout     = 10 * time.Minute
	DefaultMaxAuthFailures = 5
	DefaultLockout         = 15 * time.Minute
)

// Config configures a Server.
type Config struct {
	// Addr is the listen address; DefaultAddr by default.
	Addr string
	// HostKeyDir keeps the host keys (ed25519 and RSA 3072), made on first
	// start so that clients see the same server after a restart.
	HostKeyDir string
	// Accounts are the partner logins.
	Accounts *Accounts
	// MaxFileSize bounds one upload in bytes; 0 is no bound.
	MaxFileSize int64
	// FilesPerHour bounds a partner's completed uploads in any hour; 0 is no bound.
	FilesPerHour int
	// QuotaBytes bounds what a partner's folders (inbox, outbox, archive,
	// quarantine) may hold; an upload that would pass it is refused. 0 is no bound.
	QuotaBytes int64
	// IdleTimeout closes a connection with no traffic; DefaultIdleTimeout by default.
	IdleTimeout time.Duration
	// MaxAuthFailures failed logins of one account or from one address
	// within Lockout lock it out for Lockout; DefaultMaxAuthFailures and
	// DefaultLockout by default.
	MaxAuthFailures int
	Lockout         time.Duration
	// OnUpload is called when an upload is complete under its final name
	// in the partner's inbox.
	OnUpload func(partner, name string)
	// Audit receives every login, upload, download and refusal; nil for none.
	Audit func(ctx context.Context, e Event)
	// Registerer gets the server's metrics; nil for none.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Now is the clock of lockouts and hourly limits; time.Now by default.
	Now func() time.Time
}

// Audit actions and outcomes.
const (
	ActionLogin    = "sftp login"
	ActionUpload   = "sftp upload"
	ActionDownload = "sftp download"
	ActionRemove   = "sftp remove"
	ActionRename   = "sftp rename"

	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeFailed = "failed"
)

// Event is one audited happening. It never holds a password or key
// material: a key appears as its SHA256 fingerprint.
type Event struct {
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
	Partner string `json:"partner"`          // the login name (an unknown one on a failed login)
	Remote  string `json:"remote"`           // client address
	Method  string `json:"method,omitempty"` // login: publickey or password
	Key     string `json:"key,omitempty"`    // login: key type and SHA256 fingerprint
	File    string `json:"file,omitempty"`   // virtual path
	Bytes   int64  `json:"bytes,omitempty"`
	Reason  string `json:"reason,omitempty"` // refusal reason, as in the metrics
	Detail  string `json:"detail,omitempty"`
}

// Server is the SFTP server. Create it with New, then Listen and Serve.
type Server struct {
	cfg      Config
	log      *slog.Logger
	hostKeys []ssh.Signer
	metrics  *metrics
	limits   *limits
	throttle *throttle

	mu sync.Mutex
	ln net.Listener
}

// New loads (or makes) the host keys and checks the config.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Accounts == nil {
		return nil, errors.New("sftpd: no accounts")
	}
	if cfg.HostKeyDir == "" {
		return nil, errors.New("sftpd: host_key_dir is required")
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxAuthFailures <= 0 {
		cfg.MaxAuthFailures = DefaultMaxAuthFailures
	}
	if cfg.Lockout <= 0 {
		cfg.Lockout = DefaultLockout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	keys, err := hostKeys(cfg.HostKeyDir)
	if err != nil {
		return nil, fmt.Errorf("sftpd: host keys: %w", err)
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, hostKeys: keys, metrics: newMetrics(cfg.Registerer),
		limits:   &limits{perHour: cfg.FilesPerHour, now: cfg.Now, seen: map[string][]time.Time{}},
		throttle: &throttle{max: cfg.MaxAuthFailures, window: cfg.Lockout, now: cfg.Now, fails: map[string][]time.Time{}},
	}
	for _, root := range cfg.Accounts.Roots() {
		removeStaleParts(root, s.log)
	}
	for _, fp := range s.Fingerprints() {
		s.log.Info("sftp host key", "fingerprint", fp)
	}
	return s, nil
}

// Fingerprints are the host keys' "<type> SHA256:..." fingerprints, for
// partners to check on their first login.
func (s *Server) Fingerprints() []string {
	out := make([]string, len(s.hostKeys))
	for i, k := range s.hostKeys {
		out[i] = k.PublicKey().Type() + " " + ssh.FingerprintSHA256(k.PublicKey())
	}
	return out
}

// HostKeys are the host public keys (tests write known_hosts from them).
func (s *Server) HostKeys() []ssh.PublicKey {
	out := make([]ssh.PublicKey, len(s.hostKeys))
	for i, k := range s.hostKeys {
		out[i] = k.PublicKey()
	}
	return out
}

// Listen binds Config.Addr.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("sftpd: %w", err)
	}
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	return ln, nil
}

// Addr is the address listened on, once Listen returned.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Serve accepts connections on ln until ctx is cancelled, then closes ln
// and every connection and waits for their handlers to end (an upload in
// progress is removed, like any dropped one).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	conns := map[net.Conn]bool{}
	var mu sync.Mutex
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("sftpd: accept: %w", err)
		}
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		wg.Go(func() {
			defer func() {
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			}()
			s.handle(ctx, &idleConn{Conn: c, timeout: s.cfg.IdleTimeout})
		})
	}
}

// handle runs one connection: the SSH handshake with its login, then the
// sftp subsystem of each session channel.
func (s *Server) handle(ctx context.Context, c net.Conn) {
	remote := c.RemoteAddr().String()
	ip := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		ip = h
	}
	conf, attempt := s.serverConfig(ip)
	sconn, chans, reqs, err := ssh.NewServerConn(c, conf)
	if err != nil {
		if attempt.failed {
			s.loginFailed(ctx, attempt.user, remote, ip)
		}
		return
	}
	defer sconn.Close()
	partner := sconn.User()
	s.throttle.success(partner, ip)
	method, key := sconn.Permissions.Extensions["method"], sconn.Permissions.Extensions["key"]
	s.metrics.logins.WithLabelValues(OutcomeOK, method).Inc()
	s.audit(ctx, Event{Action: ActionLogin, Outcome: OutcomeOK, Partner: partner, Remote: remote, Method: method, Key: key})
	s.log.Info("sftp login", "partner", partner, "remote", remote, "method", method, "key", key)
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	defer wg.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Go(func() { s.session(ctx, partner, remote, ch, chReqs) })
	}
}

// session serves one channel: only the sftp subsystem.
func (s *Server) session(ctx context.Context, partner, remote string, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
		req.Reply(ok, nil)
		if !ok {
			continue
		}
		go ssh.DiscardRequests(reqs)
		acc, found := s.cfg.Accounts.Lookup(partner)
		if !found || acc.Disabled {
			return
		}
		sess := &session{srv: s, acc: acc, remote: remote, ctx: ctx, stderr: ch.Stderr()}
		rs := sftp.NewRequestServer(ch, sftp.Handlers{FileGet: sess, FilePut: sess, FileCmd: sess, FileList: sess},
			sftp.WithStartDirectory("/inbox"))
		err := rs.Serve()
		if err != nil && !errors.Is(err, io.EOF) {
			s.log.Debug("sftp session ended", "partner", partner, "err", err)
		}
		// Clients such as scp judge the transfer by the exit status, as
		// sshd sends it when its sftp-server ends; before rs.Close, which
		// closes the channel.
		status := struct{ Status uint32 }{0}
		if err != nil && !errors.Is(err, io.EOF) {
			status.Status = 1
		}
		ch.SendRequest("exit-status", false, ssh.Marshal(&status))
		rs.Close()
		return
	}
}

// authAttempt is what one connection tried: the login name and whether a
// key or password was refused. A connection that never offered one (a
// port scan) is not a failed login.
type authAttempt struct {
	user   string
	failed bool
}

// serverConfig is the SSH config of one connection from ip.
func (s *Server) serverConfig(ip string) (*ssh.ServerConfig, *authAttempt) {
	attempt := &authAttempt{}
	conf := &ssh.ServerConfig{
		MaxAuthTries:  6,
		ServerVersion: "SSH-2.0-procurehub",
		// Never logs the credential: only who tried which method.
		AuthLogCallback: func(meta ssh.ConnMetadata, method string, err error) {
			attempt.user = meta.User()
			if method != "none" && err != nil {
				attempt.failed = true
			}
		},
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			acc, err := s.account(meta.User(), ip)
			if err != nil {
				return nil, err
			}
			if _, ok := acc.Keys[string(key.Marshal())]; !ok {
				return nil, errors.New("unknown key")
			}
			return &ssh.Permissions{Extensions: map[string]string{
				"method": "publickey", "key": key.Type() + " " + ssh.FingerprintSHA256(key)}}, nil
		},
		PasswordCallback: func(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			acc, err := s.account(meta.User(), ip)
			if err != nil {
				return nil, err
			}
			if acc.PasswordHash == "" {
				return nil, errors.New("no password login")
			}
			ok, err := auth.VerifyPassword(acc.PasswordHash, string(password))
			if err != nil || !ok {
				return nil, errors.New("wrong password")
			}
			return &ssh.Permissions{Extensions: map[string]string{"method": "password"}}, nil
		},
	}
	for _, k := range s.hostKeys {
		conf.AddHostKey(k)
	}
	return conf, attempt
}

// errLocked, errUnknown: why a login is refused before its credential is
// looked at.
var (
	errLocked  = errors.New("locked out")
	errUnknown = errors.New("no such account")
)

// account is the enabled account of a login, unless it or the address is
// locked out.
func (s *Server) account(user, ip string) (*Account, error) {
	if s.throttle.locked(user, ip) {
		return nil, errLocked
	}
	acc, ok := s.cfg.Accounts.Lookup(user)
	if !ok || acc.Disabled {
		return nil, errUnknown
	}
	return acc, nil
}

// loginFailed records a connection that did not log in: one failure for
// the throttle, however many keys the client offered.
func (s *Server) loginFailed(ctx context.Context, user, remote, ip string) {
	reason := "bad_credentials"
	if s.throttle.locked(user, ip) {
		reason = "locked_out"
	} else if s.throttle.fail(user, ip) {
		s.log.Warn("sftp login locked out after repeated failures", "partner", user, "remote", ip, "for", s.cfg.Lockout)
	}
	s.metrics.logins.WithLabelValues(OutcomeDenied, "").Inc()
	s.metrics.refusals.WithLabelValues(reason).Inc()
	s.audit(ctx, Event{Action: ActionLogin, Outcome: OutcomeDenied, Partner: user, Remote: remote, Reason: reason})
	s.log.Warn("sftp login refused", "partner", user, "remote", remote, "reason", reason)
}

func (s *Server) audit(ctx context.Context, e Event) {
	if s.cfg.Audit != nil {
		s.cfg.Audit(context.WithoutCancel(ctx), e)
	}
}

// usage is what a partner's folders hold on disk, links not followed.
func (s *Server) usage(root string) (int64, error) {
	if s.cfg.QuotaBytes <= 0 {
		return 0, nil
	}
	var total int64
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				total += fi.Size()
			}
		}
		return nil
	})
	return total, err
}

// removeStaleParts removes uploads a stopped server left half-written.
func removeStaleParts(root string, log *slog.Logger) {
	parts, _ := filepath.Glob(filepath.Join(root, ".*"+partMarker+"*"+partSuffix))
	for _, p := range parts {
		if err := os.Remove(p); err == nil {
			log.Info("sftp: removed an upload left incomplete by an earlier run", "file", p)
		}
	}
}

// hostKeys loads the ed25519 and RSA host keys from dir, making and saving
// any that is missing.
func hostKeys(dir string) ([]ssh.Signer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var out []ssh.Signer
	for _, k := range []struct {
		file string
		make func() (any, error)
	}{
		{"ssh_host_ed25519_key", func() (any, error) { _, priv, err := ed25519.GenerateKey(rand.Reader); return priv, err }},
		{"ssh_host_rsa_key", func() (any, error) { return rsa.GenerateKey(rand.Reader, 3072) }},
	} {
		path := filepath.Join(dir, k.file)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			priv, err := k.make()
			if err != nil {
				return nil, err
			}
			block, err := ssh.MarshalPrivateKey(priv, "procurehub sftp host key")
			if err != nil {
				return nil, err
			}
			b = pem.EncodeToMemory(block)
			if err := writeNew(path, b); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
		signer, err := ssh.ParsePrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, signer)
	}
	return out, nil
}

// writeNew writes a private key readable by this user only, without
// replacing one another process wrote meanwhile.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// idleConn closes a connection that neither reads nor writes for timeout.
type idleConn struct {
	net.Conn
	timeout time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}
