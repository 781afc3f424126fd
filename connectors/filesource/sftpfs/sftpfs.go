// Package sftpfs is the filesource.FS of an SFTP server: the file source's
// inbox, archive and quarantine live on a partner's (or our own) SSH server.
//
// An FS holds one SSH connection with one SFTP session. It connects on first
// use, not in New, and when the connection drops it closes it and dials again
// on the next call: a call that meets a dead connection redials once and runs
// again. A Read on a file opened over a connection that dropped fails with
// ErrConnectionLost; it never ends early with io.EOF.
//
// SFTP cannot cancel a request: a call whose context ends, or that gets no
// answer within the Timeout, closes the connection under it, and whatever
// else was in flight on that connection (a Read of an open file) fails with
// ErrConnectionLost too.
//
// Host keys are checked against a known_hosts file; there is no default and
// no trust on first use.
package sftpfs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/procurehub/procurehub/connectors/filesource"
)

// DefaultTimeout bounds dialing and each call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config says where the SFTP server is and how to log in.
type Config struct {
	// Address is host:port; the port defaults to 22.
	Address string
	// User is the login name.
	User string
	// Password logs in with password (or keyboard-interactive) auth. Secret.
	Password string
	// PrivateKey is a PEM private key (OpenSSH, PKCS#1, PKCS#8) for
	// public-key auth, tried before Password. Secret.
	PrivateKey []byte
	// Passphrase decrypts PrivateKey when it is encrypted. Secret.
	Passphrase string
	// KnownHostsFile is an OpenSSH known_hosts file holding the server's host
	// key, e.g. written by `ssh-keyscan -p PORT HOST`. It is read again on
	// every connect, so a rotated key needs no restart.
	KnownHostsFile string
	// InsecureIgnoreHostKey skips the host key check: anyone on the path can
	// pose as the server and read the files and the password. Not recommended.
	InsecureIgnoreHostKey bool
	// Timeout bounds dialing and each call; a Read of an open file is bounded
	// on its own. Zero means DefaultTimeout.
	Timeout time.Duration
}

// WithDefaults returns the config with zero values replaced by defaults.
func (c Config) WithDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Address != "" {
		if _, _, err := net.SplitHostPort(c.Address); err != nil {
			// No port (or an IPv6 address without one): use the SSH port.
			host := strings.TrimSuffix(strings.TrimPrefix(c.Address, "["), "]")
			c.Address = net.JoinHostPort(host, "22")
		}
	}
	return c
}

// Validate reports what is wrong with the config, without connecting. It
// reads the private key and the known_hosts file.
func (c Config) Validate() error {
	_, err := c.check()
	return err
}

// check validates the config and returns the parsed private key, if any:
// decrypting a key can take a good part of a second.
func (c Config) check() (ssh.Signer, error) {
	var errs []error
	var signer ssh.Signer
	if c.Address == "" {
		errs = append(errs, errors.New("address is required"))
	} else if host, port, err := net.SplitHostPort(c.Address); err != nil {
		errs = append(errs, fmt.Errorf("address %q: %w", c.Address, err))
	} else {
		if host == "" {
			errs = append(errs, fmt.Errorf("address %q has no host", c.Address))
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("address %q: port %q is not a number from 1 to 65535", c.Address, port))
		}
	}
	if c.User == "" {
		errs = append(errs, errors.New("user is required"))
	}
	if c.Password == "" && len(c.PrivateKey) == 0 {
		errs = append(errs, errors.New("no credentials: set a password or a private key"))
	}
	if len(c.PrivateKey) > 0 {
		var err error
		if signer, err = parseKey(c.PrivateKey, c.Passphrase); err != nil {
			errs = append(errs, err)
		}
	} else if c.Passphrase != "" {
		errs = append(errs, errors.New("passphrase is set but there is no private key"))
	}
	switch {
	case c.KnownHostsFile != "" && c.InsecureIgnoreHostKey:
		errs = append(errs, errors.New("known_hosts and insecure_ignore_host_key are both set: choose one"))
	case c.KnownHostsFile != "":
		if _, err := knownhosts.New(c.KnownHostsFile); err != nil {
			errs = append(errs, fmt.Errorf("known_hosts: %w", err))
		}
	case !c.InsecureIgnoreHostKey:
		errs = append(errs, fmt.Errorf("no known_hosts configured for %s: set known_hosts to a file with the server's host key (ssh-keyscan), or set insecure_ignore_host_key: true to skip the check, not recommended", c.Address))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", c.Timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("sftpfs config: %w", err)
	}
	return signer, nil
}

// String describes the config without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("sftp config{address: %s, user: %s, password: %s, private_key: %s, known_hosts: %s, insecure_ignore_host_key: %t, timeout: %s}",
		c.Address, c.User, hidden(c.Password != ""), hidden(len(c.PrivateKey) > 0), c.KnownHostsFile, c.InsecureIgnoreHostKey, c.Timeout)
}

// GoString keeps %#v from printing the secrets.
func (c Config) GoString() string { return c.String() }

// LogValue logs the config without its secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("address", c.Address),
		slog.String("user", c.User),
		slog.String("password", hidden(c.Password != "")),
		slog.String("private_key", hidden(len(c.PrivateKey) > 0)),
		slog.String("known_hosts", c.KnownHostsFile),
		slog.Bool("insecure_ignore_host_key", c.InsecureIgnoreHostKey),
		slog.Duration("timeout", c.Timeout),
	)
}

func hidden(set bool) string {
	if set {
		return "***"
	}
	return ""
}

func parseKey(pemBytes []byte, passphrase string) (ssh.Signer, error) {
	var signer ssh.Signer
	var err error
	if passphrase != "" {
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pemBytes, []byte(passphrase))
	} else {
		signer, err = ssh.ParsePrivateKey(pemBytes)
	}
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, errors.New("private key is encrypted: set its passphrase")
	case err != nil:
		// The parser's message names no key material.
		return nil, fmt.Errorf("private key: %w", err)
	}
	return signer, nil
}

// FS is a filesource.FS on an SFTP server. It is safe for concurrent use.
// Close it to close its connection.
type FS struct {
	cfg  Config
	auth []ssh.AuthMethod
	desc string

	// keepaliveAfter is how long a connection may sit idle before the next
	// call checks it with a keepalive request first.
	keepaliveAfter time.Duration
	// noPosixRename makes WriteFile act as on a server without
	// posix-rename@openssh.com; for tests.
	noPosixRename bool

	mu     sync.Mutex // guards conn and closed; held while dialing
	conn   *conn
	closed bool
}

var (
	_ filesource.FS = (*FS)(nil)
	_ io.Closer     = (*FS)(nil)
)

// New checks cfg and returns an FS that connects on first use.
func New(cfg Config) (*FS, error) {
	cfg = cfg.WithDefaults()
	signer, err := cfg.check()
	if err != nil {
		return nil, err
	}
	var auth []ssh.AuthMethod
	if signer != nil {
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if cfg.Password != "" {
		password := cfg.Password
		auth = append(auth,
			ssh.Password(password),
			// Servers that take passwords only through keyboard-interactive
			// ask for it with one prompt.
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = password
				}
				return answers, nil
			}),
		)
	}
	u := url.URL{Scheme: "sftp", User: url.User(cfg.User), Host: cfg.Address}
	return &FS{
		cfg:            cfg,
		auth:           auth,
		desc:           u.String(),
		keepaliveAfter: 10 * time.Second,
	}, nil
}

// String is "sftp://user@host:port", for logs; it holds no secret.
func (f *FS) String() string { return f.desc }

// Close closes the connection. Calls after Close fail with fs.ErrClosed;
// Close again does nothing.
func (f *FS) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	if f.conn != nil {
		f.conn.close()
		f.conn = nil
	}
	return nil
}

// List returns the regular files directly in dir, with size and mtime (whole
// seconds, as SFTP version 3 carries them). Symbolic links are left out.
func (f *FS) List(ctx context.Context, dir string) ([]filesource.FileInfo, error) {
	var out []filesource.FileInfo
	err := f.do(ctx, "list", dir, func(ctx context.Context, c *conn) error {
		entries, err := c.sftp.ReadDirContext(ctx, dir)
		if err != nil {
			return err
		}
		out = make([]filesource.FileInfo, 0, len(entries))
		for _, e := range entries {
			if !e.Mode().IsRegular() {
				continue
			}
			out = append(out, filesource.FileInfo{Name: e.Name(), Size: e.Size(), ModTime: e.ModTime()})
		}
		return nil
	})
	return out, err
}

// Stat returns a file's size and mtime, following a symbolic link.
func (f *FS) Stat(ctx context.Context, name string) (filesource.FileInfo, error) {
	var out filesource.FileInfo
	err := f.do(ctx, "stat", name, func(_ context.Context, c *conn) error {
		fi, err := c.sftp.Stat(name)
		if err != nil {
			return err
		}
		out = filesource.FileInfo{Name: path.Base(name), Size: fi.Size(), ModTime: fi.ModTime()}
		return nil
	})
	return out, err
}

// Open opens a file for reading. The reader streams it with several requests
// in flight (io.Copy uses its WriteTo); each Read, and each stretch of
// WriteTo without progress, is bounded by the Timeout. When the connection
// drops, Read returns an error, not io.EOF.
func (f *FS) Open(name string) (io.ReadCloser, error) {
	var r *reader
	err := f.do(context.Background(), "open", name, func(_ context.Context, c *conn) error {
		file, err := c.sftp.Open(name)
		if err != nil {
			return err
		}
		r = newReader(f, c, file, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Rename moves oldname to newname and never replaces newname: it fails with
// an error matching fs.ErrExist when newname is taken.
//
// OpenSSH refuses by itself (it renames a regular file with link(2) and
// unlink(2)) but answers a plain SSH_FX_FAILURE, so a failure is told apart
// by looking at newname. Other servers replace on rename (pkg/sftp's own
// server does), so newname is also looked at before: against those the check
// and the move are two steps, like filesource.Local's fallback.
//
// When the connection drops after the rename request went out, the next
// connection looks before repeating it: oldname gone and newname there means
// the first one was done.
func (f *FS) Rename(ctx context.Context, oldname, newname string) error {
	sent := false
	return f.do(ctx, "rename", oldname+" to "+newname, func(_ context.Context, c *conn) error {
		if sent {
			_, err := c.sftp.Lstat(oldname)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				if _, err := c.sftp.Lstat(newname); err != nil {
					return err
				}
				return nil // done before the connection dropped
			case err != nil:
				return err
			}
		}
		if err := taken(c, newname); err != nil {
			return err
		}
		sent = true
		err := c.sftp.Rename(oldname, newname)
		var se *sftp.StatusError
		if errors.As(err, &se) && (se.Code == fxFailure || se.Code == fxFileAlreadyExists) {
			if terr := taken(c, newname); terr != nil {
				return terr
			}
		}
		return err
	})
}

// taken returns an error matching fs.ErrExist when name exists.
func taken(c *conn, name string) error {
	_, err := c.sftp.Lstat(name)
	switch {
	case err == nil:
		return fmt.Errorf("%s exists: %w", name, fs.ErrExist)
	case errors.Is(err, fs.ErrNotExist):
		return nil
	}
	return err
}

// WriteFile writes data to a temporary name in the same directory
// (".name.RANDOM.tmp", which the file source never takes), flushes it to
// disk when the server offers fsync@openssh.com, and renames it over name
// with posix-rename@openssh.com, so readers see the old file or the new one.
// A server without posix-rename gets a Remove and a Rename: for a moment
// name is missing, but never partly written.
func (f *FS) WriteFile(ctx context.Context, name string, data []byte) error {
	return f.do(ctx, "write", name, func(_ context.Context, c *conn) (err error) {
		var rnd [6]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return err
		}
		tmp := path.Join(path.Dir(name), "."+path.Base(name)+"."+hex.EncodeToString(rnd[:])+".tmp")
		file, err := c.sftp.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
		if err != nil {
			return err
		}
		defer func() {
			if err != nil && !c.dead() {
				_ = c.sftp.Remove(tmp) // best effort; the error that matters is err
			}
		}()
		if _, err := file.Write(data); err != nil {
			file.Close()
			return err
		}
		if c.fsync {
			if err := file.Sync(); err != nil {
				file.Close()
				return err
			}
		}
		if err := file.Close(); err != nil {
			return err
		}
		if c.posixRename && !f.noPosixRename {
			return c.sftp.PosixRename(tmp, name)
		}
		if err := c.sftp.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return c.sftp.Rename(tmp, name)
	})
}

// MkdirAll creates dir and its missing parents.
func (f *FS) MkdirAll(ctx context.Context, dir string) error {
	return f.do(ctx, "mkdir", dir, func(_ context.Context, c *conn) error {
		return c.sftp.MkdirAll(dir)
	})
}

// Remove deletes a file (or an empty directory); a missing file is not an
// error.
func (f *FS) Remove(ctx context.Context, name string) error {
	return f.do(ctx, "remove", name, func(_ context.Context, c *conn) error {
		err := c.sftp.Remove(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
}

// do runs fn on a live connection within the Timeout. When the connection
// turns out dead it is closed and fn runs once more on a new one, so fn must
// be safe to repeat. Errors come back mapped onto io/fs errors and naming op
// and the server.
func (f *FS) do(ctx context.Context, op, name string, fn func(context.Context, *conn) error) error {
	for attempt := 0; ; attempt++ {
		c, err := f.get(ctx)
		if err != nil {
			return f.opError(op, name, err)
		}
		err = c.run(ctx, f.cfg.Timeout, fn)
		if err == nil {
			return nil
		}
		if !c.lost(err) {
			return f.opError(op, name, err)
		}
		f.drop(c)
		if attempt > 0 || ctx.Err() != nil {
			return f.opError(op, name, connectionLost(err))
		}
	}
}

func (f *FS) opError(op, name string, err error) error {
	return fmt.Errorf("sftpfs: %s %s on %s: %w", op, name, f.desc, mapError(err))
}

// get returns the live connection, dialing when there is none or the one
// there is dead. A connection idle for keepaliveAfter is checked first.
func (f *FS) get(ctx context.Context) (*conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, fs.ErrClosed
	}
	if c := f.conn; c != nil {
		if !c.dead() && (c.idle() < f.keepaliveAfter || c.keepalive(f.cfg.Timeout) == nil) {
			return c, nil
		}
		c.close()
		f.conn = nil
	}
	c, err := dial(ctx, f.cfg, f.auth)
	if err != nil {
		return nil, err
	}
	f.conn = c
	return c, nil
}

// drop closes c and forgets it, so that the next call dials.
func (f *FS) drop(c *conn) {
	f.mu.Lock()
	if f.conn == c {
		f.conn = nil
	}
	f.mu.Unlock()
	c.close()
}
