package sftpfs

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// conn is one SSH connection with its SFTP session.
type conn struct {
	ssh  *ssh.Client
	sftp *sftp.Client
	// done is closed once the connection has ended; its goroutine (started
	// by dial) waits for the SFTP session to end, which close forces.
	done chan struct{}

	posixRename bool // the server offers posix-rename@openssh.com
	fsync       bool // the server offers fsync@openssh.com

	lastUsed  atomic.Int64 // unix nanoseconds of the end of the last call
	closeOnce sync.Once
}

// dial connects, checks the host key, logs in and starts the SFTP session,
// all within cfg.Timeout.
func dial(ctx context.Context, cfg Config, auth []ssh.AuthMethod) (*conn, error) {
	hostKeyCallback, algorithms, err := hostKeyCheck(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, cfg.Timeout, fmt.Errorf("no SFTP session within %s: %w", cfg.Timeout, context.DeadlineExceeded))
	defer cancel()
	d := net.Dialer{}
	nc, err := d.DialContext(ctx, "tcp", cfg.Address)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			return nil, fmt.Errorf("connect: %w", cause)
		}
		return nil, fmt.Errorf("connect: %w", err)
	}
	// The handshake and the SFTP start read and write nc; closing it is the
	// way to stop them when ctx ends.
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	c, err := start(nc, cfg, auth, hostKeyCallback, algorithms)
	if !stop() {
		if c != nil {
			c.close()
		}
		return nil, fmt.Errorf("connect: %w", context.Cause(ctx))
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func start(nc net.Conn, cfg Config, auth []ssh.AuthMethod, hostKeyCallback ssh.HostKeyCallback, algorithms []string) (*conn, error) {
	sc, chans, reqs, err := ssh.NewClientConn(nc, cfg.Address, &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              auth,
		HostKeyCallback:   hostKeyCallback,
		HostKeyAlgorithms: algorithms,
	})
	if err != nil {
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("%w: user %s, methods tried: %s (%w)", ErrAuthFailed, cfg.User, methods(cfg), err)
		}
		return nil, err // "ssh: handshake failed: ..."
	}
	client := ssh.NewClient(sc, chans, reqs)
	sc2, err := sftp.NewClient(client, sftp.UseFstat(true))
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("start sftp subsystem: %w", err)
	}
	c := &conn{ssh: client, sftp: sc2, done: make(chan struct{})}
	_, c.posixRename = sc2.HasExtension("posix-rename@openssh.com")
	_, c.fsync = sc2.HasExtension("fsync@openssh.com")
	c.touch()
	go func() {
		_ = sc2.Wait() // ends with the session: the server closed it, or close did
		_ = client.Close()
		close(c.done)
	}()
	return c, nil
}

func methods(cfg Config) string {
	var m []string
	if len(cfg.PrivateKey) > 0 {
		m = append(m, "publickey")
	}
	if cfg.Password != "" {
		m = append(m, "password", "keyboard-interactive")
	}
	return strings.Join(m, ", ")
}

// hostKeyCheck returns the callback that checks the server's host key
// against the known_hosts file, and the host key algorithms to ask for:
// those of the keys the file has for this address, so that a server with
// several host keys shows one the file knows.
func hostKeyCheck(cfg Config) (ssh.HostKeyCallback, []string, error) {
	if cfg.InsecureIgnoreHostKey {
		return ssh.InsecureIgnoreHostKey(), nil, nil
	}
	known, err := knownhosts.New(cfg.KnownHostsFile)
	if err != nil {
		return nil, nil, fmt.Errorf("known_hosts: %w", err)
	}
	callback := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := known(hostname, remote, key)
		var keyErr *knownhosts.KeyError
		var revoked *knownhosts.RevokedError
		switch {
		case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
			return fmt.Errorf("%w: %s is not in %s; the server offered %s key %s; if that is the server's key, add it (ssh-keyscan)",
				ErrUnknownHost, knownhosts.Normalize(hostname), cfg.KnownHostsFile, key.Type(), ssh.FingerprintSHA256(key))
		case errors.As(err, &keyErr):
			want := make([]string, len(keyErr.Want))
			for i, k := range keyErr.Want {
				want[i] = fmt.Sprintf("%s %s (%s:%d)", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line)
			}
			return fmt.Errorf("%w for %s: the server offered %s key %s, %s expects %s; the server's key changed or someone is in between",
				ErrHostKeyMismatch, knownhosts.Normalize(hostname), key.Type(), ssh.FingerprintSHA256(key), cfg.KnownHostsFile, strings.Join(want, ", "))
		case errors.As(err, &revoked):
			return fmt.Errorf("%w: %s offered the revoked %s key %s", ErrHostKeyMismatch, knownhosts.Normalize(hostname), key.Type(), ssh.FingerprintSHA256(key))
		}
		return err
	}
	return callback, knownAlgorithms(known, cfg.Address), nil
}

// knownAlgorithms asks the known_hosts callback which keys it holds for
// address (it lists them when shown a key it does not know) and returns
// their host key algorithms; nil leaves the default list.
func knownAlgorithms(known ssh.HostKeyCallback, address string) []string {
	probe, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		return nil
	}
	// The callback looks the host up by address; the remote address is
	// only parsed.
	var keyErr *knownhosts.KeyError
	if !errors.As(known(address, &net.TCPAddr{}, probe), &keyErr) || len(keyErr.Want) == 0 {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, k := range keyErr.Want {
		for _, a := range algorithmsFor(k.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos
}

// algorithmsFor returns the signature algorithms of a key type: an RSA key
// signs with SHA-2 or, from old servers, SHA-1.
func algorithmsFor(keyType string) []string {
	switch keyType {
	case ssh.KeyAlgoRSA:
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	case ssh.CertAlgoRSAv01:
		return []string{ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01}
	}
	return []string{keyType}
}

// close ends the connection; pending calls on it fail. Safe to call more
// than once and from a timer.
func (c *conn) close() {
	c.closeOnce.Do(func() {
		// The SSH connection first: it ends the SFTP session's reads at once,
		// whereas closing the session waits for the server.
		_ = c.ssh.Close()
		_ = c.sftp.Close()
	})
}

// dead reports whether the connection has ended.
func (c *conn) dead() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *conn) touch()              { c.lastUsed.Store(time.Now().UnixNano()) }
func (c *conn) idle() time.Duration { return time.Since(time.Unix(0, c.lastUsed.Load())) }

// keepalive asks the server for an answer, any answer, within timeout.
func (c *conn) keepalive(timeout time.Duration) error {
	t := time.AfterFunc(timeout, c.close)
	defer t.Stop()
	_, _, err := c.ssh.SendRequest("keepalive@openssh.com", true, nil)
	if err == nil {
		c.touch()
	}
	return err
}

// run calls fn within timeout and ctx. SFTP cannot cancel a request, so when
// either ends first the connection is closed under fn, which then fails; run
// returns an abortedError naming why.
func (c *conn) run(ctx context.Context, timeout time.Duration, fn func(context.Context, *conn) error) error {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("no answer within %s: %w", timeout, context.DeadlineExceeded))
	defer cancel()
	stop := context.AfterFunc(ctx, c.close)
	err := fn(ctx, c)
	if !stop() {
		return &abortedError{cause: context.Cause(ctx)}
	}
	if err != nil && ctx.Err() != nil {
		// fn gave up when ctx ended (ReadDirContext does) before the
		// watchdog ran: its request may still be pending, and a server
		// answers in order, so the connection must go all the same.
		c.close()
		return &abortedError{cause: context.Cause(ctx)}
	}
	c.touch()
	return err
}

// abortedError is a call cut short by its context or the timeout; the
// connection was closed under it.
type abortedError struct{ cause error }

func (e *abortedError) Error() string {
	return fmt.Sprintf("call abandoned, connection closed: %v", e.cause)
}

func (e *abortedError) Unwrap() error { return e.cause }

// Is makes an abandoned call match ErrConnectionLost too.
func (e *abortedError) Is(target error) bool { return target == ErrConnectionLost }

// lost reports whether err says the connection is gone, so that the call
// may be repeated on a new one.
func (c *conn) lost(err error) bool {
	var aborted *abortedError
	var status *sftp.StatusError
	switch {
	case err == nil:
		return false
	case errors.As(err, &aborted), isConnError(err):
		return true
	case errors.As(err, &status), errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrExist):
		return false // the server answered
	}
	return c.dead()
}

// connectionLost rewrites the error of a call whose connection dropped so
// that it matches ErrConnectionLost and never io.EOF: pkg/sftp can report
// a send on a closed channel as "failed to send packet: EOF", and a reader
// must not look like it reached the end.
func connectionLost(err error) error {
	var aborted *abortedError
	if errors.As(err, &aborted) || errors.Is(err, ErrConnectionLost) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrConnectionLost, err)
}

// isConnError reports whether err is the error of a transport that broke
// rather than a status the server sent.
func isConnError(err error) bool {
	if errors.Is(err, sftp.ErrSSHFxConnectionLost) || errors.Is(err, sftp.ErrSSHFxNoConnection) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}
