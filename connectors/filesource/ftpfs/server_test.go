package ftpfs

import (
	"crypto/tls"
	"errors"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goftp.io/server/v2"
	"goftp.io/server/v2/driver/file"
)

func TestMain(m *testing.M) {
	// goftp writes MDTM and MLSD times in the local zone, where FTP means
	// UTC; in this test binary the two are the same.
	time.Local = time.UTC
	log.SetOutput(io.Discard) // goftp logs refused commands with the log package
	os.Exit(m.Run())
}

const (
	testUser     = "buyer"
	testPassword = "s3cret-pw"
)

// listing says how the in-process server lists and dates files.
type listing int

const (
	withMLSD     listing = iota // MLSD and MLST (goftp's default)
	withListMDTM                // LIST, and MDTM in FEAT (like vsftpd)
	withListOnly                // LIST only: times to the minute
)

// testServer is an in-process goftp server over a temp dir.
type testServer struct {
	addr   string
	root   string
	driver *testDriver
	ln     *trackingListener // nil with TLS
}

type serverOptions struct {
	listing listing
	tls     *tls.Config // explicit TLS when set
	noEPSV  bool        // the server does not know EPSV
	// minimal: no SIZE, EPSV, MDTM or MLSD, and LIST takes no options (a
	// "-a" is taken for a name, as IIS does).
	minimal bool
}

func startServer(t *testing.T, opt serverOptions) *testServer {
	t.Helper()
	root := t.TempDir()
	d, err := file.NewDriver(root)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{root: root, driver: &testDriver{Driver: d}}
	opts := &server.Options{
		Driver:   ts.driver,
		Auth:     &server.SimpleAuth{Name: testUser, Password: testPassword},
		Perm:     server.NewSimplePerm(testUser, testUser),
		Hostname: "127.0.0.1",
		Logger:   &server.DiscardLogger{},
		Commands: commands(t, opt),
	}
	if opt.tls != nil {
		// goftp takes its TLS config only in ListenAndServe.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		opts.Port = l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		opts.TLS, opts.ExplicitFTPS, opts.TLSConfig = true, true, opt.tls
		srv, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.ListenAndServe() }()
		t.Cleanup(func() { _ = srv.Shutdown() })
		ts.addr = l.Addr().String()
		waitListening(t, ts.addr)
		return ts
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.ln = &trackingListener{Listener: l}
	ts.addr = l.Addr().String()
	opts.Port = l.Addr().(*net.TCPAddr).Port
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ts.ln) }()
	t.Cleanup(func() {
		_ = srv.Shutdown()
		ts.ln.dropAll()
	})
	return ts
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// commands is goftp's command set for a listing mode.
func commands(t *testing.T, opt serverOptions) map[string]server.Command {
	t.Helper()
	probe, err := server.NewServer(&server.Options{Perm: server.NewSimplePerm("", ""), Logger: &server.DiscardLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	cmds := map[string]server.Command{}
	for k, v := range probe.Commands {
		cmds[k] = v
	}
	if opt.listing != withMLSD || opt.minimal {
		delete(cmds, "MLST")
		delete(cmds, "MLSD")
	}
	if opt.noEPSV || opt.minimal {
		delete(cmds, "EPSV")
	}
	if opt.listing == withListMDTM && !opt.minimal {
		cmds["MDTM"] = advertised{cmds["MDTM"]}
	}
	if opt.minimal {
		delete(cmds, "SIZE")
		delete(cmds, "MDTM")
		cmds["LIST"] = noListOptions{cmds["LIST"]}
	}
	return cmds
}

// noListOptions takes "LIST -a" for a listing of a file named "-a".
type noListOptions struct{ server.Command }

func (c noListOptions) Execute(sess *server.Session, param string) {
	if strings.HasPrefix(param, "-") {
		sess.WriteMessage(550, param+": no such file or directory")
		return
	}
	c.Command.Execute(sess, param)
}

// advertised lists a command in FEAT.
type advertised struct{ server.Command }

func (advertised) IsExtend() bool { return true }

// config is the client config for the server.
func (ts *testServer) config() Config {
	return Config{Address: ts.addr, User: testUser, Password: testPassword, Timeout: 5 * time.Second}
}

func (ts *testServer) fs(t *testing.T) *FS {
	t.Helper()
	f, err := New(ts.config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// trackingListener remembers the connections it accepted, so that a test
// can close them from the server's side.
type trackingListener struct {
	net.Listener
	accepted atomic.Int64
	mu       sync.Mutex
	conns    []net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

// dropAll closes every control connection from the server's side.
func (l *trackingListener) dropAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

// testDriver is goftp's file driver with faults to switch on.
type testDriver struct {
	server.Driver
	// shortReads makes downloads stop at half the file, with the
	// transfer reported complete.
	shortReads atomic.Bool
	// noReplace makes renames onto an existing file fail, as on some
	// Windows servers.
	noReplace atomic.Bool
	// lockedPrefix refuses changes under this path (as the server sees it).
	lockedPrefix atomic.Value // string
}

var errLocked = errors.New("permission denied")

func (d *testDriver) locked(p string) bool {
	prefix, _ := d.lockedPrefix.Load().(string)
	return prefix != "" && (p == prefix || strings.HasPrefix(p, prefix+"/"))
}

// ListDir lists a directory as vsftpd does: an entry removed between
// reading the directory and looking at it is left out, where goftp's file
// driver fails the whole listing (and so a minimal server's Open, which
// looks in the listing for the size, while another client replaces a file).
func (d *testDriver) ListDir(_ *server.Context, p string, callback func(os.FileInfo) error) error {
	real := filepath.Join(append([]string{d.Driver.(*file.Driver).RootPath}, strings.Split(p, "/")...)...)
	info, err := os.Lstat(real)
	if err != nil || !info.IsDir() {
		return err // goftp lists nothing for a file
	}
	entries, err := os.ReadDir(real)
	if err != nil {
		return err
	}
	for _, e := range entries {
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := callback(info); err != nil {
			return err
		}
	}
	return nil
}

func (d *testDriver) GetFile(ctx *server.Context, p string, offset int64) (int64, io.ReadCloser, error) {
	n, rc, err := d.Driver.GetFile(ctx, p, offset)
	if err == nil && d.shortReads.Load() {
		rc = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(rc, n/2), rc}
	}
	return n, rc, err
}

func (d *testDriver) Rename(ctx *server.Context, from, to string) error {
	if d.locked(from) || d.locked(to) {
		return errLocked
	}
	if d.noReplace.Load() {
		if _, err := d.Driver.Stat(ctx, to); err == nil {
			return errors.New("the target exists")
		}
	}
	return d.Driver.Rename(ctx, from, to)
}

func (d *testDriver) PutFile(ctx *server.Context, p string, r io.Reader, offset int64) (int64, error) {
	if d.locked(p) {
		return 0, errLocked
	}
	return d.Driver.PutFile(ctx, p, r, offset)
}

func (d *testDriver) MakeDir(ctx *server.Context, p string) error {
	if d.locked(p) {
		return errLocked
	}
	return d.Driver.MakeDir(ctx, p)
}

func (d *testDriver) DeleteFile(ctx *server.Context, p string) error {
	if d.locked(p) {
		return errLocked
	}
	return d.Driver.DeleteFile(ctx, p)
}
