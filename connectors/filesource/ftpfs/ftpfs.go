// Package ftpfs is the filesource.FS of a directory tree on an FTP server,
// over github.com/jlaffaye/ftp: a partner's drop box that the file source
// polls, archives into and writes receipts to.
//
// # Connections
//
// An FS dials nothing until it is used. It keeps a small pool of logged-in
// control connections (at most two idle), and each call takes one for
// itself: a control connection never carries two commands or transfers at
// once. Open's reader holds its connection until it is closed; a call made
// meanwhile takes (or dials) another, so hashing a file, decoding it and
// listing the inbox never wait for each other. A server that admits one
// connection per user refuses that second connection.
//
// A connection that fails (EOF, reset, timeout, a 421 reply) is closed with
// every idle one, and the next call dials again. List, Stat, Open (until it
// returns), MkdirAll and Remove run once more on a new connection when the
// connection breaks under them. Rename and WriteFile do not, since the
// server may have done half of them; before either runs on a connection
// that was idle, a NOOP checks that it is still alive.
//
// Timeout bounds every network step (dial, each reply, each read or write
// of a transfer), not a whole call; a cancelled context aborts a call by
// closing its connection.
//
// # Errors
//
// Errors match io/fs: errors.Is(err, fs.ErrNotExist), fs.ErrExist,
// fs.ErrPermission. The FTP replies 450, 550, 551 and 553 say only that an
// action was not taken; where that matters the FS asks again (SIZE, CWD, or
// a listing of the parent directory): a path that is not there is
// fs.ErrNotExist, one that is there but could not be acted on is
// fs.ErrPermission. The server's reply stays in the chain (errors.As with
// *textproto.Error). A login the server refuses matches fs.ErrPermission.
// A download that ends early (fewer bytes than SIZE said, or no "transfer
// complete" reply) fails a Read with an error matching io.ErrUnexpectedEOF.
//
// # Listings and times
//
// Names are slash-separated; a name not starting with "/" is relative to the
// login directory. Names with spaces or non-ASCII characters are sent as
// UTF-8 (OPTS UTF8 ON when the server offers UTF8). Listings change into the
// directory and list it with "LIST -a" (dot-files included), or MLSD when the
// server offers it.
//
// The source decides that a file is complete by its size and modification
// time, so List and Stat report the same time for the same file: MLSD/MLST
// times when the server has them; otherwise MDTM (one command per listed
// file, to the second) when the server has MDTM, as vsftpd does; otherwise
// the listing's time, which is to the minute (or the day, for files older
// than six months). With listing times only, a file rewritten to the same
// size within the same minute looks unchanged.
//
// List returns regular files only. With MLSD, the type is the server's word
// and a symbolic link the server reports as neither file nor directory
// (Type=OS.unix=slink) is taken for a file by the client library.
//
// # TLS
//
// TLS "explicit" secures the control connection with AUTH TLS and the data
// connections with PROT P. Data connections resume the control
// connection's TLS session (a session cache is added to the TLS config when
// it has none), which servers such as vsftpd (require_ssl_reuse=YES, its
// default) insist on. Implicit FTPS (port 990) is not supported.
package ftpfs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/procurehub/procurehub/connectors/filesource"
)

// DefaultTimeout is Config.Timeout when it is not set.
const DefaultTimeout = 30 * time.Second

// maxIdle bounds the logged-in connections kept between calls: one for
// listing while another serves a download.
const maxIdle = 2

// Config says where the FTP server is and how to log in.
type Config struct {
	// Address is host:port; the port defaults to 21. An IPv6 host goes in
	// brackets when a port follows: [2001:db8::1]:2121.
	Address string
	// User and Password log in; Password is a secret.
	User     string
	Password string
	// TLS is "" or "none" for plain FTP, or "explicit" for AUTH TLS on the
	// control connection and PROT P on data connections.
	TLS string
	// TLSConfig verifies the server when TLS is "explicit"; the system roots
	// and the host name of Address by default. It is cloned, not changed.
	TLSConfig *tls.Config
	// CAFile is a PEM file of the certificates to trust instead of the
	// system roots (an alternative to TLSConfig).
	CAFile string
	// InsecureSkipVerify accepts any server certificate. Only for tests.
	InsecureSkipVerify bool
	// DisableEPSV makes data connections use PASV only, for servers (or
	// firewalls) that mishandle EPSV. By default EPSV is tried first and
	// PASV used once it fails.
	DisableEPSV bool
	// Timeout bounds each network step: dialing, waiting for a reply, each
	// read or write of a transfer. DefaultTimeout when zero.
	Timeout time.Duration
}

// LogValue prints the config without the password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("address", c.Address),
		slog.String("user", c.User),
		slog.String("password", "***"),
		slog.String("tls", c.TLS),
		slog.String("ca_file", c.CAFile),
		slog.Bool("insecure_skip_verify", c.InsecureSkipVerify),
		slog.Bool("disable_epsv", c.DisableEPSV),
		slog.Duration("timeout", c.Timeout),
	)
}

// withDefaults fills the unset fields.
func (c Config) withDefaults() Config {
	if c.TLS == "" {
		c.TLS = "none"
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate checks the config without connecting (it reads CAFile).
func (c Config) Validate() error {
	_, _, err := c.withDefaults().check()
	return err
}

// check validates c (with defaults) and returns the address to dial and
// the TLS config (nil for plain FTP).
func (c Config) check() (addr string, tlsConf *tls.Config, err error) {
	host, port, err := splitAddress(c.Address)
	if err != nil {
		return "", nil, err
	}
	addr = net.JoinHostPort(host, port)
	if c.User == "" {
		return "", nil, errors.New("ftpfs: user is required")
	}
	if strings.ContainsAny(c.User+c.Password, "\r\n") {
		return "", nil, errors.New("ftpfs: user and password must not contain line breaks")
	}
	if c.Timeout < 0 {
		return "", nil, fmt.Errorf("ftpfs: timeout %s is negative", c.Timeout)
	}
	switch c.TLS {
	case "none":
		if c.TLSConfig != nil || c.CAFile != "" || c.InsecureSkipVerify {
			return "", nil, errors.New(`ftpfs: TLS settings are given but TLS is "none"; set TLS to "explicit"`)
		}
		return addr, nil, nil
	case "explicit":
	case "implicit":
		return "", nil, errors.New(`ftpfs: implicit TLS (FTPS on port 990) is not supported; use TLS "explicit"`)
	default:
		return "", nil, fmt.Errorf(`ftpfs: TLS %q: want "none" or "explicit"`, c.TLS)
	}
	if c.TLSConfig != nil && c.CAFile != "" {
		return "", nil, errors.New("ftpfs: set TLSConfig or CAFile, not both")
	}
	tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSConfig != nil {
		tlsConf = c.TLSConfig.Clone()
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return "", nil, fmt.Errorf("ftpfs: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return "", nil, fmt.Errorf("ftpfs: CA file %s holds no PEM certificate", c.CAFile)
		}
		tlsConf.RootCAs = pool
	}
	if c.InsecureSkipVerify {
		tlsConf.InsecureSkipVerify = true
	}
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = host
	}
	if tlsConf.ClientSessionCache == nil {
		// Data connections resume the control connection's TLS session
		// where the server allows it; some servers insist on it.
		tlsConf.ClientSessionCache = tls.NewLRUClientSessionCache(8)
	}
	return addr, tlsConf, nil
}

// splitAddress splits host[:port], defaulting the port to 21.
func splitAddress(a string) (host, port string, err error) {
	if a == "" {
		return "", "", errors.New("ftpfs: address is required")
	}
	if strings.Contains(a, "://") {
		return "", "", fmt.Errorf("ftpfs: address %q: want host:port, not a URL", a)
	}
	if ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(a, "["), "]")); ip != nil {
		return ip.String(), "21", nil // a bare IP address, IPv6 with or without brackets
	}
	host, port, err = net.SplitHostPort(a)
	if err != nil {
		if strings.Contains(a, ":") {
			return "", "", fmt.Errorf("ftpfs: address %q: %w", a, err)
		}
		host, port = a, "21"
	}
	if host == "" {
		return "", "", fmt.Errorf("ftpfs: address %q has no host", a)
	}
	if strings.ContainsAny(host, " /[]") {
		return "", "", fmt.Errorf("ftpfs: address %q: bad host", a)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("ftpfs: address %q: port must be a number from 1 to 65535", a)
	}
	return host, port, nil
}

// FS is a directory tree on an FTP server. It is safe for concurrent use.
type FS struct {
	cfg     Config
	addr    string      // host:port to dial
	tlsConf *tls.Config // nil for plain FTP
	url     string      // ftp://user@host:port, for messages

	noListA atomic.Bool // the server refused "LIST -a": list with plain LIST

	mu     sync.Mutex
	idle   []*conn
	active map[*conn]struct{}
	closed bool
}

var (
	_ filesource.FS = (*FS)(nil)
	_ io.Closer     = (*FS)(nil)
)

// New returns the FS of the server cfg names. It checks cfg but does not
// connect: the first call dials.
func New(cfg Config) (*FS, error) {
	cfg = cfg.withDefaults()
	addr, tlsConf, err := cfg.check()
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "ftp", User: url.User(cfg.User), Host: addr}
	return &FS{
		cfg:     cfg,
		addr:    addr,
		tlsConf: tlsConf,
		url:     u.String(),
		active:  map[*conn]struct{}{},
	}, nil
}

// String names the server and user for logs, without the password:
// ftp://user@host:port.
func (f *FS) String() string { return f.url }

// Close closes the idle connections and aborts the ones in use (a reader
// still open fails). Calls after Close fail with fs.ErrClosed. Calling it
// again does nothing.
func (f *FS) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	idle := f.idle
	f.idle = nil
	active := make([]*conn, 0, len(f.active))
	for c := range f.active {
		active = append(active, c)
	}
	f.mu.Unlock()
	for _, c := range idle {
		c.quit()
	}
	for _, c := range active {
		c.abort()
	}
	return nil
}

// errClosed is returned by calls after Close.
var errClosed = fmt.Errorf("ftpfs: %w", fs.ErrClosed)

// get takes an idle connection, or dials one. reused says it was idle.
func (f *FS) get(ctx context.Context) (c *conn, reused bool, err error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, false, errClosed
	}
	if n := len(f.idle); n > 0 {
		c = f.idle[n-1]
		f.idle = f.idle[:n-1]
		f.active[c] = struct{}{}
		f.mu.Unlock()
		return c, true, nil
	}
	f.mu.Unlock()
	c, err = f.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		c.quit()
		return nil, false, errClosed
	}
	f.active[c] = struct{}{}
	f.mu.Unlock()
	return c, false, nil
}

// put gives back a healthy connection.
func (f *FS) put(c *conn) {
	f.mu.Lock()
	delete(f.active, c)
	if !f.closed && len(f.idle) < maxIdle && !c.broken.Load() {
		f.idle = append(f.idle, c)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	c.quit()
}

// drop closes a connection that is not to be used again.
func (f *FS) drop(c *conn) {
	f.mu.Lock()
	delete(f.active, c)
	f.mu.Unlock()
	c.abort()
}

// discard closes a broken connection and the idle ones, which likely broke
// the same way (the server restarted, the network went away).
func (f *FS) discard(c *conn) {
	f.mu.Lock()
	delete(f.active, c)
	idle := f.idle
	f.idle = nil
	f.mu.Unlock()
	c.abort()
	for _, i := range idle {
		i.abort()
	}
}

// callKind says how a call may be retried.
type callKind int

const (
	// idempotent calls run again on a new connection when theirs breaks.
	idempotent callKind = iota
	// mutating calls are not run again; an idle connection is checked with
	// NOOP before they start.
	mutating
	// holding calls are idempotent, and on success the connection stays
	// taken: the function has handed it on (to a reader).
	holding
)

// do runs fn on a connection, and handles breakage, retry and cancellation.
func (f *FS) do(ctx context.Context, kind callKind, fn func(c *conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		c, reused, err := f.get(ctx)
		if err != nil {
			return err
		}
		if reused && kind == mutating {
			if err := c.run(ctx, (*conn).noop); err != nil {
				f.discard(c)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue // nothing was done yet; discard emptied the pool, so this dials
			}
		}
		err = c.run(ctx, fn)
		if err == nil {
			if kind != holding {
				f.put(c)
			}
			return nil
		}
		if !c.broken.Load() {
			f.put(c)
			return err
		}
		f.discard(c)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if kind == mutating || attempt > 0 {
			return err
		}
	}
}
