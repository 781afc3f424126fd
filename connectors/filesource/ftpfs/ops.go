package ftpfs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/textproto"
	"os"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/procurehub/procurehub/connectors/filesource"
)

var (
	errIsDir  = errors.New("is a directory")
	errNotDir = errors.New("not a directory")
)

// List returns the regular files directly in dir, with their sizes and
// modification times (see the package doc for where the times come from).
func (f *FS) List(ctx context.Context, dir string) ([]filesource.FileInfo, error) {
	if err := checkName(dir); err != nil {
		return nil, f.pathErr("list", dir, err)
	}
	var out []filesource.FileInfo
	err := f.do(ctx, idempotent, func(c *conn) error {
		p := c.abs(dir)
		entries, err := c.list(f, p)
		if err != nil {
			if c.broken.Load() || !notTaken(err) {
				return err
			}
			return c.whyNotDir(f, p, err)
		}
		out = out[:0]
		for _, e := range entries {
			if e.Type != ftp.EntryTypeFile || e.Name == "." || e.Name == ".." {
				continue
			}
			fi := filesource.FileInfo{Name: e.Name, Size: int64(e.Size), ModTime: e.Time}
			if c.mdtm && !c.mlst {
				t, err := c.sc.GetTime(path.Join(p, e.Name))
				switch {
				case err == nil:
					fi.ModTime = t
				case c.broken.Load() || !notTaken(err):
					return err
				}
				// Refused: the file went away since the listing, most
				// likely; keep the listing's time, as Stat would.
			}
			out = append(out, fi)
		}
		return nil
	})
	if err != nil {
		return nil, f.pathErr("list", dir, err)
	}
	return out, nil
}

// Stat returns a file's size and modification time, the same time List
// gives for it.
func (f *FS) Stat(ctx context.Context, name string) (filesource.FileInfo, error) {
	if err := checkName(name); err != nil {
		return filesource.FileInfo{}, f.pathErr("stat", name, err)
	}
	var fi filesource.FileInfo
	err := f.do(ctx, idempotent, func(c *conn) error {
		var err error
		fi, err = c.stat(f, c.abs(name))
		return err
	})
	if err != nil {
		return filesource.FileInfo{}, f.pathErr("stat", name, err)
	}
	return fi, nil
}

func (c *conn) stat(f *FS, p string) (filesource.FileInfo, error) {
	base := path.Base(p)
	if c.mlst {
		e, err := c.sc.GetEntry(p)
		if err == nil {
			return filesource.FileInfo{Name: base, Size: int64(e.Size), ModTime: e.Time}, nil
		}
		if c.broken.Load() || !notTaken(err) && !unsupported(err) {
			return filesource.FileInfo{}, err
		}
	} else {
		size, err := c.sc.FileSize(p)
		if err == nil && c.mdtm {
			var t time.Time
			if t, err = c.sc.GetTime(p); err == nil {
				return filesource.FileInfo{Name: base, Size: size, ModTime: t}, nil
			}
		}
		if err != nil && (c.broken.Load() || !notTaken(err) && !unsupported(err)) {
			return filesource.FileInfo{}, err
		}
	}
	// Not a plain file, not there, or no way to ask but the listing.
	e, err := c.lookup(f, p)
	if err != nil {
		return filesource.FileInfo{}, err
	}
	return filesource.FileInfo{Name: base, Size: int64(e.Size), ModTime: e.Time}, nil
}

// Open starts downloading a file. The reader holds a connection of its own
// until it is closed; reading it to the end gives the connection back for
// reuse, closing it earlier closes the connection. A transfer that ends
// short of the file's size (SIZE before RETR), or without the server's
// "transfer complete", fails the last Read with an error matching
// io.ErrUnexpectedEOF. Open has no context: Timeout bounds each step.
func (f *FS) Open(name string) (io.ReadCloser, error) {
	if err := checkName(name); err != nil {
		return nil, f.pathErr("open", name, err)
	}
	var r *reader
	err := f.do(context.Background(), holding, func(c *conn) error {
		p := c.abs(name)
		size, err := c.sc.FileSize(p)
		switch {
		case err == nil:
		case c.broken.Load():
			return err
		case notTaken(err) || unsupported(err):
			// Not a plain file, not there, or no SIZE: the listing tells.
			e, lerr := c.lookup(f, p)
			if lerr != nil {
				return lerr
			}
			if e.Type == ftp.EntryTypeFolder {
				return errIsDir
			}
			size = -1 // unknown (links list their own size)
			if e.Type == ftp.EntryTypeFile {
				size = int64(e.Size)
			}
		default:
			return err
		}
		resp, err := c.sc.Retr(p)
		if err != nil {
			if c.broken.Load() || !notTaken(err) {
				return err
			}
			if _, lerr := c.lookup(f, p); lerr != nil {
				return lerr
			}
			return because(fs.ErrPermission, err)
		}
		r = &reader{f: f, c: c, resp: resp, name: name, size: size}
		return nil
	})
	if err != nil {
		return nil, f.pathErr("open", name, err)
	}
	return r, nil
}

// reader is a download in progress. It is not safe for concurrent Reads;
// Close may be called while a Read blocks (it aborts the transfer).
type reader struct {
	f    *FS
	c    *conn
	resp *ftp.Response
	name string
	size int64 // from SIZE; -1 when unknown
	n    int64 // read so far
	err  error // sticky: io.EOF after a complete transfer

	done   atomic.Bool // the transfer completed and the connection is idle again
	closed atomic.Bool
}

func (r *reader) Read(p []byte) (int, error) {
	if r.closed.Load() {
		return 0, r.f.pathErr("read", r.name, fs.ErrClosed)
	}
	if r.err != nil {
		return 0, r.err
	}
	k, err := r.resp.Read(p)
	r.n += int64(k)
	switch {
	case err == nil:
		return k, nil
	case errors.Is(err, io.EOF):
		// The server closed the data connection: its reply on the control
		// connection says whether it sent the whole file, and so does the
		// count.
		if cerr := r.resp.Close(); cerr != nil {
			r.cut(fmt.Errorf("no transfer-complete reply: %w", cerr))
		} else if r.size >= 0 && r.n < r.size {
			r.cut(nil)
		} else {
			r.err = io.EOF
			r.done.Store(true)
		}
	default:
		r.cut(err)
	}
	return k, r.err
}

// cut records a transfer that ended early: the error matches
// io.ErrUnexpectedEOF, and the connection is not reused.
func (r *reader) cut(cause error) {
	r.c.broken.Store(true)
	got := fmt.Sprintf("%d bytes", r.n)
	if r.size >= 0 {
		got = fmt.Sprintf("%d of %d bytes", r.n, r.size)
	}
	err := fmt.Errorf("transfer cut off after %s: %w", got, io.ErrUnexpectedEOF)
	if cause != nil {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	r.err = r.f.pathErr("read", r.name, err)
}

// Close ends the download. Before the end of the file it closes the
// connection rather than wait for the server to stop sending.
func (r *reader) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	if r.done.Load() {
		r.f.put(r.c)
	} else {
		r.f.drop(r.c)
	}
	return nil
}

// Rename moves oldname to newname and never replaces a file: it returns an
// error matching fs.ErrExist when newname is taken. FTP's RNFR/RNTO
// replaces the target on most servers, so Rename first asks whether the
// target is there (SIZE, then CWD; MLST where offered) and renames only
// when it is not. Another client creating newname between the two would
// be overwritten: the source renames only into its archive and quarantine,
// which it alone writes, under a lease.
//
// A refused rename is explained by asking again: the source missing, or the
// target's directory missing, is fs.ErrNotExist; the target appearing
// meanwhile is fs.ErrExist; anything else is fs.ErrPermission.
func (f *FS) Rename(ctx context.Context, oldname, newname string) error {
	if err := errors.Join(checkName(oldname), checkName(newname)); err != nil {
		return f.linkErr("rename", oldname, newname, err)
	}
	err := f.do(ctx, mutating, func(c *conn) error {
		from, to := c.abs(oldname), c.abs(newname)
		taken, err := c.exists(f, to)
		if err != nil {
			return err
		}
		if taken {
			return fs.ErrExist
		}
		err = c.sc.Rename(from, to)
		if err == nil || c.broken.Load() || !notTaken(err) {
			return err
		}
		if _, lerr := c.lookup(f, from); lerr != nil {
			return explained(lerr, err)
		}
		if e, lerr := c.lookup(f, path.Dir(to)); lerr != nil {
			return explained(lerr, err)
		} else if e.Type == ftp.EntryTypeFile {
			return because(errNotDir, err)
		}
		if taken, lerr := c.exists(f, to); lerr != nil {
			return explained(lerr, err)
		} else if taken {
			return because(fs.ErrExist, err)
		}
		return because(fs.ErrPermission, err)
	})
	if err != nil {
		return f.linkErr("rename", oldname, newname, err)
	}
	return nil
}

// WriteFile uploads data to a temporary dot-file in the same directory
// (.name.<random>.tmp, which the source never takes and most listings
// hide), checks its size and renames it into place. Readers see the old
// file or the whole new one, never a part; FTP has no fsync, so "durably"
// is what the server makes of a completed STOR.
//
// Replacing a file: RNTO replaces it in one step on servers backed by a
// POSIX file system (vsftpd, ProFTPD, Pure-FTPd). A server that refuses to
// rename onto an existing file gets delete-then-rename: between the two
// the name is missing for a moment. If the connection breaks during the
// upload, the temporary file may stay behind.
func (f *FS) WriteFile(ctx context.Context, name string, data []byte) error {
	if err := checkName(name); err != nil {
		return f.pathErr("write", name, err)
	}
	err := f.do(ctx, mutating, func(c *conn) error {
		p := c.abs(name)
		dir, base := path.Split(p)
		tmp := path.Join(dir, "."+base+"."+randomHex()+".tmp")
		if err := c.sc.Stor(tmp, bytes.NewReader(data)); err != nil {
			if c.broken.Load() {
				return err
			}
			c.removeQuietly(tmp)
			if !notTaken(err) {
				return err
			}
			return c.whyNotDir(f, path.Clean(dir), err)
		}
		if n, err := c.sc.FileSize(tmp); err == nil && n != int64(len(data)) {
			c.removeQuietly(tmp)
			return fmt.Errorf("the server holds %d bytes of the %d sent", n, len(data))
		} else if c.broken.Load() {
			return err
		}
		err := c.sc.Rename(tmp, p)
		if err != nil && !c.broken.Load() && notTaken(err) {
			// Some servers do not rename onto an existing file.
			if taken, _ := c.exists(f, p); taken && !c.broken.Load() {
				if derr := c.sc.Delete(p); derr == nil {
					err = c.sc.Rename(tmp, p)
				}
			}
		}
		if err != nil {
			if c.broken.Load() {
				return err
			}
			c.removeQuietly(tmp)
			if notTaken(err) {
				return because(fs.ErrPermission, err)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return f.pathErr("write", name, err)
	}
	return nil
}

// MkdirAll creates a directory and its missing parents.
func (f *FS) MkdirAll(ctx context.Context, dir string) error {
	if err := checkName(dir); err != nil {
		return f.pathErr("mkdir", dir, err)
	}
	err := f.do(ctx, idempotent, func(c *conn) error {
		// Climb to the deepest directory that is there, then create
		// downwards.
		var missing []string
		for q := c.abs(dir); ; q = path.Dir(q) {
			err := c.sc.ChangeDir(q)
			if err == nil {
				break
			}
			if c.broken.Load() || !notTaken(err) {
				return err
			}
			if q == "/" {
				return because(fs.ErrPermission, err)
			}
			missing = append(missing, q)
		}
		for i := len(missing) - 1; i >= 0; i-- {
			q := missing[i]
			err := c.sc.MakeDir(q)
			if err == nil {
				continue
			}
			if c.broken.Load() || !notTaken(err) {
				return err
			}
			// Refused: made by someone else meanwhile, a file in the way,
			// or no permission.
			if cerr := c.sc.ChangeDir(q); cerr == nil {
				continue
			} else if c.broken.Load() {
				return cerr
			}
			e, lerr := c.lookup(f, q)
			switch {
			case lerr == nil && e.Type == ftp.EntryTypeFile:
				return fmt.Errorf("%s: %w", q, errNotDir)
			case lerr != nil && c.broken.Load():
				return lerr
			}
			return because(fs.ErrPermission, err)
		}
		return nil
	})
	if err != nil {
		return f.pathErr("mkdir", dir, err)
	}
	return nil
}

// Remove deletes a file; a file that is not there is not an error.
func (f *FS) Remove(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return f.pathErr("remove", name, err)
	}
	err := f.do(ctx, idempotent, func(c *conn) error {
		p := c.abs(name)
		err := c.sc.Delete(p)
		if err == nil || c.broken.Load() || !notTaken(err) {
			return err
		}
		e, lerr := c.lookup(f, p)
		switch {
		case errors.Is(lerr, fs.ErrNotExist):
			return nil
		case lerr != nil:
			return explained(lerr, err)
		case e.Type == ftp.EntryTypeFolder:
			return errIsDir
		}
		return because(fs.ErrPermission, err)
	})
	if err != nil {
		return f.pathErr("remove", name, err)
	}
	return nil
}

// abs makes a name absolute: a relative name starts at the login directory.
// Every command gets an absolute path, so changing directory for a listing
// affects nothing else.
func (c *conn) abs(name string) string {
	if strings.HasPrefix(name, "/") {
		return path.Clean(name)
	}
	return path.Join(c.home, name)
}

// list lists directory p, dot-files included: CWD, then MLSD, or "LIST -a"
// (plain LIST on servers that refuse the option). Changing into the
// directory first keeps its name out of the LIST argument, which servers
// parse as options and wildcards.
func (c *conn) list(f *FS, p string) ([]*ftp.Entry, error) {
	if err := c.sc.ChangeDir(p); err != nil {
		return nil, err
	}
	if c.mlst {
		return c.sc.List("")
	}
	if !f.noListA.Load() {
		entries, err := c.sc.List("-a")
		if err == nil || c.broken.Load() || !notTaken(err) && !unsupported(err) {
			return entries, err
		}
		entries, err2 := c.sc.List("")
		if err2 == nil {
			f.noListA.Store(true)
			return entries, nil
		}
		return nil, err
	}
	return c.sc.List("")
}

// lookup finds p in the listing of its directory: the slow, certain way to
// tell whether something is there, and what. The error matches
// fs.ErrNotExist when p or a directory above it is not there, and
// fs.ErrPermission when a directory above it is there but cannot be listed.
func (c *conn) lookup(f *FS, p string) (*ftp.Entry, error) {
	if p == "/" {
		return &ftp.Entry{Name: "/", Type: ftp.EntryTypeFolder}, nil
	}
	dir, base := path.Split(p)
	dir = path.Clean(dir)
	entries, err := c.list(f, dir)
	if err != nil {
		if c.broken.Load() || !notTaken(err) {
			return nil, err
		}
		return nil, c.whyNotDir(f, dir, err)
	}
	for _, e := range entries {
		if e.Name == base {
			return e, nil
		}
	}
	return nil, fmt.Errorf("%w: %s is not listed in %s", fs.ErrNotExist, base, dir)
}

// whyNotDir explains why directory dir could not be changed into, listed or
// written to (the server said only err): it is not there (fs.ErrNotExist),
// it is a file, or it is there and refused us (fs.ErrPermission).
func (c *conn) whyNotDir(f *FS, dir string, err error) error {
	e, lerr := c.lookup(f, dir)
	switch {
	case lerr != nil:
		return explained(lerr, err)
	case e.Type == ftp.EntryTypeFile:
		return because(errNotDir, err)
	}
	return because(fs.ErrPermission, err)
}

// exists tells whether something is at p, as cheaply as the server allows:
// MLST, or SIZE (a file) and then CWD (a directory). When both are refused,
// nothing is taken to be there. Without SIZE it looks in the listing.
func (c *conn) exists(f *FS, p string) (bool, error) {
	var err error
	if c.mlst {
		_, err = c.sc.GetEntry(p)
	} else {
		_, err = c.sc.FileSize(p)
	}
	switch {
	case err == nil:
		return true, nil
	case c.broken.Load():
		return false, err
	case notTaken(err):
		if c.mlst {
			return false, nil
		}
		err := c.sc.ChangeDir(p)
		if err == nil {
			return true, nil
		}
		if c.broken.Load() || !notTaken(err) {
			return false, err
		}
		return false, nil
	case unsupported(err):
		_, err := c.lookup(f, p)
		if err == nil {
			return true, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return false, err
}

// removeQuietly deletes a temporary file, as well as it can.
func (c *conn) removeQuietly(p string) {
	if !c.broken.Load() {
		_ = c.sc.Delete(p)
	}
}

// replyCode is the FTP reply code in err, or 0.
func replyCode(err error) int {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code
	}
	return 0
}

// notTaken reports a reply that says only that the action was not taken on
// the file (450, 550, 551, 553): not there, not allowed, not a file; the
// cause takes a second question.
func notTaken(err error) bool {
	switch replyCode(err) {
	case ftp.StatusFileActionIgnored, ftp.StatusFileUnavailable, ftp.StatusPageTypeUnknown, ftp.StatusBadFileName:
		return true
	}
	return false
}

// unsupported reports a reply that says the command is not known.
func unsupported(err error) bool {
	switch replyCode(err) {
	case ftp.StatusBadCommand, ftp.StatusBadArguments, ftp.StatusNotImplemented, ftp.StatusNotImplementedParameter:
		return true
	}
	return false
}

// because says what a reply meant: "file does not exist: 550 ...".
func because(kind, reply error) error { return fmt.Errorf("%w: %w", kind, reply) }

// explained turns the answer of a follow-up question (lerr) into the cause
// of the refused reply: a missing path or a refused directory, or lerr
// itself when the follow-up failed otherwise.
func explained(lerr, reply error) error {
	switch {
	case errors.Is(lerr, fs.ErrNotExist):
		return because(fs.ErrNotExist, reply)
	case errors.Is(lerr, fs.ErrPermission):
		return because(fs.ErrPermission, reply)
	}
	return lerr
}

// checkName refuses names that cannot be sent in an FTP command.
func checkName(name string) error {
	if strings.ContainsAny(name, "\r\n\x00") {
		return fmt.Errorf("%w: line break or NUL in the name", fs.ErrInvalid)
	}
	return nil
}

func (f *FS) pathErr(op, name string, err error) error {
	return fmt.Errorf("ftpfs %s: %w", f.url, &fs.PathError{Op: op, Path: name, Err: err})
}

func (f *FS) linkErr(op, oldname, newname string, err error) error {
	return fmt.Errorf("ftpfs %s: %w", f.url, &os.LinkError{Op: op, Old: oldname, New: newname, Err: err})
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
