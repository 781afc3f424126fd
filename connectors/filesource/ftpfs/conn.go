package ftpfs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/textproto"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jlaffaye/ftp"
)

// conn is one logged-in control connection, with the data connections it
// opens. One call or one reader uses it at a time.
type conn struct {
	sc      *ftp.ServerConn
	home    string // the login directory; relative names start there
	mdtm    bool   // MDTM gives modification times
	mlst    bool   // MLSD lists and MLST stats (with exact times)
	timeout time.Duration
	dialer  net.Dialer
	tlsConf *tls.Config
	ctx     context.Context // of the call running on the connection, for data dials

	// broken is set once the control connection failed (I/O error,
	// timeout, a 421 reply, an abort): it is not used again.
	broken atomic.Bool

	mu      sync.Mutex
	nets    map[*netConn]struct{} // open control and data connections
	aborted bool
}

// dial connects and logs in.
func (f *FS) dial(ctx context.Context) (*conn, error) {
	c := &conn{
		timeout: f.cfg.Timeout,
		dialer:  net.Dialer{Timeout: f.cfg.Timeout},
		tlsConf: f.tlsConf,
		ctx:     ctx,
		nets:    map[*netConn]struct{}{},
	}
	stop := context.AfterFunc(ctx, c.abort)
	defer stop()
	fail := func(step string, err error) (*conn, error) {
		c.abort()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("%s: %w", step, err)
	}
	raw, err := c.dialer.DialContext(ctx, "tcp", f.addr)
	if err != nil {
		return fail("connect", err)
	}
	ctrl, err := c.track(raw, false)
	if err != nil {
		return fail("connect", err)
	}
	first := true
	dialFunc := func(network, address string) (net.Conn, error) {
		if first { // the control connection, dialed above
			first = false
			return ctrl, nil
		}
		return c.dialData(network, address)
	}
	opts := []ftp.DialOption{
		ftp.DialWithDialFunc(dialFunc),
		ftp.DialWithDisabledEPSV(f.cfg.DisableEPSV),
	}
	if f.tlsConf != nil {
		opts = append(opts, ftp.DialWithExplicitTLS(f.tlsConf))
	}
	sc, err := ftp.Dial(f.addr, opts...)
	if err != nil {
		return fail("connect", err)
	}
	c.sc = sc
	if err := sc.Login(f.cfg.User, f.cfg.Password); err != nil {
		if !c.broken.Load() && ctx.Err() == nil && refusal(err) {
			err = because(fs.ErrPermission, err)
		}
		return fail(fmt.Sprintf("login as %s", f.cfg.User), err)
	}
	home, err := sc.CurrentDir()
	if err != nil {
		return fail("login directory", err)
	}
	c.home = home
	c.mlst = sc.IsTimePreciseInList()
	c.mdtm = sc.IsGetTimeSupported()
	c.ctx = context.Background()
	return c, nil
}

// refusal reports whether a failed login was the server saying no, rather
// than a network or TLS failure: a 530 (or 430, 332, 532) reply, or an
// unexpected reply to USER, which the client library returns as bare text.
func refusal(err error) bool {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		switch tp.Code {
		case ftp.StatusNotLoggedIn, ftp.StatusInvalidCredentials, ftp.StatusLoginNeedAccount, ftp.StatusStorNeedAccount:
			return true
		}
		return false
	}
	var (
		ne  net.Error
		cve *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
		ae  tls.AlertError
	)
	switch {
	case errors.As(err, &ne), errors.As(err, &cve), errors.As(err, &rhe), errors.As(err, &ae),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errBroken):
		return false
	}
	return true
}

// dialData opens a data connection, with TLS when the control connection
// has it (the client library leaves that to a custom dial function).
func (c *conn) dialData(network, address string) (net.Conn, error) {
	raw, err := c.dialer.DialContext(c.ctx, network, address)
	if err != nil {
		return nil, err
	}
	nc, err := c.track(raw, true)
	if err != nil {
		return nil, err
	}
	if c.tlsConf != nil {
		return &tlsDataConn{Conn: tls.Client(nc, c.tlsConf), raw: nc}, nil
	}
	return nc, nil
}

// drainWait bounds how long closing a TLS data connection waits for the
// server's side of the goodbye. Servers that close the data connection once
// a transfer is done (vsftpd, ProFTPD, Pure-FTPd) answer at once; goftp's
// server waits for the client, which costs it this long per upload.
const drainWait = time.Second

// tlsDataConn is a TLS data connection that closes politely.
type tlsDataConn struct {
	*tls.Conn
	raw *netConn
}

// Close sends close_notify, then reads what the server still sends until
// its own close_notify or end of stream (or drainWait), then closes. Under
// TLS 1.3 the server sends session tickets after the handshake, which an
// upload never reads; closing a socket with unread data resets it, and the
// server (vsftpd: "426 Failure reading network stream") loses the end of
// the upload.
func (d *tlsDataConn) Close() error {
	if err := d.Conn.CloseWrite(); err != nil {
		return d.Conn.Close()
	}
	var waited atomic.Bool
	stop := time.AfterFunc(drainWait, func() {
		waited.Store(true)
		_ = d.raw.Conn.Close()
	})
	_, _ = io.Copy(io.Discard, d.Conn)
	stop.Stop()
	err := d.Conn.Close()
	if waited.Load() {
		return nil // closed above, after the wait
	}
	return err
}

// run runs fn with ctx: cancelling ctx aborts the connection.
func (c *conn) run(ctx context.Context, fn func(*conn) error) error {
	c.ctx = ctx
	stop := context.AfterFunc(ctx, c.abort)
	err := fn(c)
	stop()
	c.ctx = context.Background()
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code == ftp.StatusNotAvailable {
		c.broken.Store(true) // 421: the server is closing the connection
	}
	return err
}

func (c *conn) noop() error { return c.sc.NoOp() }

// quit says goodbye and closes the connection.
func (c *conn) quit() {
	if c.sc != nil && !c.broken.Load() {
		_ = c.sc.Quit()
	}
	c.abort()
}

// abort closes the control and data connections at once: a call blocked
// on them returns an error.
func (c *conn) abort() {
	c.broken.Store(true)
	c.mu.Lock()
	c.aborted = true
	nets := c.nets
	c.nets = map[*netConn]struct{}{}
	c.mu.Unlock()
	for n := range nets {
		_ = n.Conn.Close()
	}
}

// track wraps a network connection so that every read and write has the
// timeout and abort closes it.
func (c *conn) track(raw net.Conn, data bool) (*netConn, error) {
	n := &netConn{Conn: raw, c: c, data: data}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.aborted {
		_ = raw.Close()
		return nil, net.ErrClosed
	}
	c.nets[n] = struct{}{}
	return n, nil
}

// netConn is a network connection of a conn. An error on the control
// connection breaks the conn; an error on a data connection does not by
// itself (the reply on the control connection tells).
type netConn struct {
	net.Conn
	c    *conn
	data bool
}

// errBroken refuses I/O on a control connection that failed before: its
// replies may be out of step with its commands.
var errBroken = errors.New("connection failed earlier")

func (n *netConn) Read(p []byte) (int, error) {
	if !n.data && n.c.broken.Load() {
		return 0, errBroken
	}
	if err := n.Conn.SetReadDeadline(time.Now().Add(n.c.timeout)); err != nil {
		n.fail()
		return 0, err
	}
	k, err := n.Conn.Read(p)
	if err != nil {
		n.fail()
	}
	return k, err
}

func (n *netConn) Write(p []byte) (int, error) {
	if !n.data && n.c.broken.Load() {
		return 0, errBroken
	}
	if err := n.Conn.SetWriteDeadline(time.Now().Add(n.c.timeout)); err != nil {
		n.fail()
		return 0, err
	}
	k, err := n.Conn.Write(p)
	if err != nil {
		n.fail()
	}
	return k, err
}

func (n *netConn) fail() {
	if !n.data {
		n.c.broken.Store(true)
	}
}

func (n *netConn) Close() error {
	n.c.mu.Lock()
	delete(n.c.nets, n)
	n.c.mu.Unlock()
	return n.Conn.Close()
}
