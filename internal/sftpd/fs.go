package sftpd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"

	"github.com/procurehub/procurehub/connectors/filesource"
)

// The virtual tree a partner sees.
const (
	dirInbox   = "inbox"   // write: uploads land in the inbox directory itself
	dirOutbox  = "outbox"  // read: receipts and documents for the partner
	dirArchive = "archive" // read: settled files
)

// partSuffix marks an upload in progress: ".<name>.sftpd-<random>.part".
// The leading dot and the suffix are both among the file source's
// temporary patterns, so the ingestor never takes a half-written file.
const partSuffix = ".part"
const partMarker = ".sftpd-"

// Refusals: the SFTP status a client gets, with a message saying why.
var (
	errPermission = sftp.ErrSSHFxPermissionDenied
	errFailure    = sftp.ErrSSHFxFailure
)

// refusal is a request refused by policy, with the reason for the metrics
// and the audit log and the message the client is sent.
type refusal struct {
	reason string
	msg    string
	code   error
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.code }

func refuse(reason string, code error, msg string, args ...any) error {
	return &refusal{reason: reason, msg: fmt.Sprintf(msg, args...), code: code}
}

// session serves one partner's SFTP session. Paths are virtual, cleaned by
// the request server against "/"; every one is mapped onto the partner's
// root or refused, and no symbolic link on disk is ever followed.
type session struct {
	srv    *Server
	acc    *Account
	remote string
	ctx    context.Context
	// stderr is the channel's stderr: OpenSSH's sftp shows only "Failure"
	// for a refused request, but prints what the server writes here, so
	// the partner reads why.
	stderr io.Writer
}

var (
	_ sftp.FileReader      = (*session)(nil)
	_ sftp.FileWriter      = (*session)(nil)
	_ sftp.FileCmder       = (*session)(nil)
	_ sftp.FileLister      = (*session)(nil)
	_ sftp.LstatFileLister = (*session)(nil)
)

// target is a resolved virtual path.
type target struct {
	virtual string   // cleaned virtual path
	top     string   // "", inbox, outbox or archive
	rest    []string // components below top
}

// resolve maps a virtual path onto the tree. Anything outside it ("..",
// which the request server has already cleaned away, or an absolute path
// such as /etc/passwd) is refused.
func (s *session) resolve(p string) (target, error) {
	clean := path.Clean("/" + p)
	if strings.ContainsRune(clean, '\\') || strings.ContainsRune(clean, 0) {
		return target{}, refuse("path_outside_root", errPermission, "%s: not a path of this server", p)
	}
	parts := strings.Split(strings.TrimPrefix(clean, "/"), "/")
	if clean == "/" {
		return target{virtual: "/"}, nil
	}
	switch parts[0] {
	case dirInbox, dirOutbox, dirArchive:
	default:
		return target{}, refuse("path_outside_root", errPermission, "%s: outside your folders (/inbox, /outbox, /archive)", clean)
	}
	for _, c := range parts[1:] {
		if c == "" || c == "." || c == ".." {
			return target{}, refuse("path_outside_root", errPermission, "%s: not a path of this server", clean)
		}
	}
	return target{virtual: clean, top: parts[0], rest: parts[1:]}, nil
}

// base is the directory on disk of a top folder, as configured.
func (s *session) base(top string) string {
	switch top {
	case dirInbox:
		return s.acc.Root
	case dirOutbox:
		return s.acc.Outbox
	case dirArchive:
		return s.acc.Archive
	}
	return ""
}

// disk is the path of t on disk ("" for the virtual root).
func (s *session) disk(t target) string {
	if t.top == "" {
		return ""
	}
	return filepath.Join(append([]string{s.base(t.top)}, t.rest...)...)
}

// lstatChain checks every component below the folder's configured
// directory without following links: a symbolic link anywhere is refused,
// so a link dropped into the tree by anyone can never lead out of it. The
// folder itself comes from the config (an operator may have made it a
// link); under the inbox, outbox and archive are checked too, so the
// default <inbox>/archive cannot be a link.
func (s *session) lstatChain(t target) (os.FileInfo, error) {
	cur := s.base(t.top)
	fi, err := os.Stat(cur)
	if t.top != dirInbox && isBelow(cur, s.acc.Root) {
		fi, err = s.lstatBelow(s.acc.Root, cur, t.virtual)
	}
	if err != nil {
		return nil, err
	}
	for _, c := range t.rest {
		cur = filepath.Join(cur, c)
		fi, err = os.Lstat(cur)
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, refuse("symlink", errPermission, "%s: symbolic links are not served", t.virtual)
		}
	}
	return fi, nil
}

// isBelow reports whether dir is inside root.
func isBelow(dir, root string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != "." && !strings.HasPrefix(rel, "..")
}

// lstatBelow checks the components from root down to dir with Lstat.
func (s *session) lstatBelow(root, dir, virtual string) (os.FileInfo, error) {
	rel, _ := filepath.Rel(root, dir)
	cur := root
	fi, err := os.Stat(cur)
	if err != nil {
		return nil, err
	}
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, c)
		if fi, err = os.Lstat(cur); err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, refuse("symlink", errPermission, "%s: symbolic links are not served", virtual)
		}
	}
	return fi, nil
}

// visible says whether a name in the inbox directory is shown: the
// partner's own pending uploads, not the hub's folders or temp files.
func visibleInInbox(fi os.FileInfo) bool {
	return fi.Mode().IsRegular() && !strings.HasPrefix(fi.Name(), ".")
}

// Fileread serves downloads from /outbox and /archive.
func (s *session) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	t, err := s.resolve(r.Filepath)
	if err != nil {
		return nil, s.refused("download", r.Filepath, err)
	}
	if t.top != dirOutbox && t.top != dirArchive {
		return nil, s.refused("download", t.virtual, refuse("read_denied", errPermission, "%s: only /outbox and /archive can be read", t.virtual))
	}
	fi, err := s.lstatChain(t)
	if err != nil {
		return nil, s.refused("download", t.virtual, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, s.refused("download", t.virtual, refuse("not_a_file", errFailure, "%s: not a file", t.virtual))
	}
	f, err := os.OpenFile(s.disk(t), os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return nil, s.refused("download", t.virtual, err)
	}
	s.srv.metrics.downloads.WithLabelValues(s.acc.Partner).Inc()
	s.srv.audit(s.ctx, Event{Action: ActionDownload, Outcome: OutcomeOK, Partner: s.acc.Partner, Remote: s.remote,
		File: t.virtual, Bytes: fi.Size()})
	return f, nil
}

// Filewrite starts an upload into /inbox under a temporary name.
func (s *session) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	t, err := s.resolve(r.Filepath)
	if err != nil {
		return nil, s.refused("upload", r.Filepath, err)
	}
	if t.top != dirInbox || len(t.rest) != 1 {
		return nil, s.refused("upload", t.virtual, refuse("write_denied", errPermission, "%s: files can only be uploaded into /inbox", t.virtual))
	}
	name := t.rest[0]
	if strings.HasPrefix(name, ".") {
		return nil, s.refused("upload", t.virtual, refuse("bad_name", errPermission, "%s: names starting with a dot are not taken; upload under the final name", t.virtual))
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return nil, s.refused("upload", t.virtual, refuse("bad_name", errPermission, "%s: control character in the name", t.virtual))
		}
	}
	if _, err := s.lstatChain(target{virtual: "/inbox", top: dirInbox}); err != nil {
		return nil, s.refused("upload", t.virtual, err)
	}
	if fi, err := os.Lstat(s.disk(t)); err == nil && !fi.Mode().IsRegular() {
		return nil, s.refused("upload", t.virtual, refuse("not_a_file", errPermission, "%s: not a file", t.virtual))
	}
	if err := s.srv.limits.allowFile(s.acc.Partner); err != nil {
		return nil, s.refused("upload", t.virtual, err)
	}
	used, err := s.srv.usage(s.acc.Root)
	if err != nil {
		return nil, s.refused("upload", t.virtual, err)
	}
	if q := s.srv.cfg.QuotaBytes; q > 0 && used >= q {
		return nil, s.refused("upload", t.virtual, quotaError(t.virtual, q))
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	part := filepath.Join(s.acc.Root, "."+name+partMarker+hex.EncodeToString(rnd[:])+partSuffix)
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o644)
	if err != nil {
		return nil, s.refused("upload", t.virtual, err)
	}
	return &upload{s: s, f: f, part: part, final: s.disk(t), name: name, virtual: t.virtual, used: used,
		started: time.Now()}, nil
}

func quotaError(virtual string, quota int64) error {
	return refuse("quota_exceeded", errFailure, "%s: quota exceeded: your folders may hold %d bytes; wait until files are taken or ask for a larger quota", virtual, quota)
}

// upload is a file being written. It lands under its final name only when
// the client closes it after a complete transfer; anything else (a
// refused write, a dropped connection) removes it.
type upload struct {
	s       *session
	f       *os.File
	part    string
	final   string
	name    string
	virtual string
	used    int64 // bytes under the root when the upload started
	started time.Time

	mu     sync.Mutex
	size   int64 // highest offset written
	failed error // why the upload will not be kept
	closed bool
}

func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed != nil {
		return 0, u.failed
	}
	end := off + int64(len(p))
	cfg := u.s.srv.cfg
	if cfg.MaxFileSize > 0 && end > cfg.MaxFileSize {
		u.failed = refuse("file_too_large", errFailure, "%s: file too large: at most %d bytes per file", u.virtual, cfg.MaxFileSize)
		return 0, u.failed
	}
	if cfg.QuotaBytes > 0 && u.used+end > cfg.QuotaBytes {
		u.failed = quotaError(u.virtual, cfg.QuotaBytes)
		return 0, u.failed
	}
	n, err := u.f.WriteAt(p, off)
	if end > u.size {
		u.size = end
	}
	if err != nil {
		u.failed = err
	}
	return n, err
}

// TransferError is told by the request server that the connection ended
// with the file still open: the upload is incomplete.
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed == nil {
		u.failed = refuse("connection_lost", errFailure, "%s: connection lost during the upload: %v", u.virtual, err)
	}
}

// Close keeps the upload: it syncs the data, renames the part file to the
// final name (never replacing a file still waiting in the inbox) and tells
// the ingestor.
func (u *upload) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return nil
	}
	u.closed = true
	s := u.s
	err := u.failed
	if err == nil {
		err = u.f.Sync()
	}
	if cerr := u.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = filesource.Local{}.Rename(context.Background(), filepath.ToSlash(u.part), filepath.ToSlash(u.final))
		if errors.Is(err, fs.ErrExist) {
			err = refuse("name_taken", errFailure, "%s: a file of that name is still waiting to be taken; upload again in a moment or under another name", u.virtual)
		}
	}
	if err != nil {
		os.Remove(u.part)
		return s.refused("upload", u.virtual, err)
	}
	s.srv.limits.noteFile(s.acc.Partner)
	s.srv.metrics.uploads.WithLabelValues(s.acc.Partner).Inc()
	s.srv.metrics.uploadBytes.WithLabelValues(s.acc.Partner).Add(float64(u.size))
	s.srv.audit(s.ctx, Event{Action: ActionUpload, Outcome: OutcomeOK, Partner: s.acc.Partner, Remote: s.remote,
		File: u.virtual, Bytes: u.size})
	s.srv.log.Info("sftp upload complete", "partner", s.acc.Partner, "file", u.name, "bytes", u.size,
		"took", time.Since(u.started).Round(time.Millisecond))
	if cb := s.srv.cfg.OnUpload; cb != nil {
		cb(s.acc.Partner, u.name)
	}
	return nil
}

// Filecmd allows what a client needs around an upload: setting times or
// modes on inbox files (ignored: the hub owns them), and removing or
// renaming a file still waiting in the inbox. Everything else is refused.
func (s *session) Filecmd(r *sftp.Request) error {
	t, err := s.resolve(r.Filepath)
	if err != nil {
		return s.refused(strings.ToLower(r.Method), r.Filepath, err)
	}
	switch r.Method {
	case "Setstat":
		if t.top == dirInbox && len(t.rest) == 1 {
			return nil
		}
	case "Remove":
		if t.top == dirInbox && len(t.rest) == 1 && !strings.HasPrefix(t.rest[0], ".") {
			fi, err := s.lstatChain(t)
			if err != nil {
				return s.refused("remove", t.virtual, err)
			}
			if !fi.Mode().IsRegular() {
				return s.refused("remove", t.virtual, refuse("not_a_file", errPermission, "%s: not a file", t.virtual))
			}
			if err := os.Remove(s.disk(t)); err != nil {
				return s.refused("remove", t.virtual, err)
			}
			s.srv.audit(s.ctx, Event{Action: ActionRemove, Outcome: OutcomeOK, Partner: s.acc.Partner, Remote: s.remote, File: t.virtual})
			return nil
		}
	case "Rename", "PosixRename":
		to, err := s.resolve(r.Target)
		if err != nil {
			return s.refused("rename", r.Target, err)
		}
		if t.top == dirInbox && to.top == dirInbox && len(t.rest) == 1 && len(to.rest) == 1 &&
			!strings.HasPrefix(t.rest[0], ".") && !strings.HasPrefix(to.rest[0], ".") {
			// A client that uploads under its own temporary name
			// (WinSCP's .filepart) renames when done: the file is then
			// complete under its final name.
			fi, err := s.lstatChain(t)
			if err != nil {
				return s.refused("rename", t.virtual, err)
			}
			if !fi.Mode().IsRegular() {
				return s.refused("rename", t.virtual, refuse("not_a_file", errPermission, "%s: not a file", t.virtual))
			}
			err = filesource.Local{}.Rename(s.ctx, filepath.ToSlash(s.disk(t)), filepath.ToSlash(s.disk(to)))
			if errors.Is(err, fs.ErrExist) {
				err = refuse("name_taken", errFailure, "%s: a file of that name is still waiting to be taken", to.virtual)
			}
			if err != nil {
				return s.refused("rename", t.virtual, err)
			}
			s.srv.audit(s.ctx, Event{Action: ActionRename, Outcome: OutcomeOK, Partner: s.acc.Partner, Remote: s.remote,
				File: to.virtual, Detail: "from " + t.virtual})
			if cb := s.srv.cfg.OnUpload; cb != nil {
				cb(s.acc.Partner, to.rest[0])
			}
			return nil
		}
	}
	return s.refused(strings.ToLower(r.Method), t.virtual,
		refuse("operation_denied", errPermission, "%s: %s is not allowed here", t.virtual, strings.ToLower(r.Method)))
}

// Filelist lists and stats the virtual tree.
func (s *session) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	t, err := s.resolve(r.Filepath)
	if err != nil {
		return nil, s.refused(strings.ToLower(r.Method), r.Filepath, err)
	}
	switch r.Method {
	case "List":
		list, err := s.list(t)
		if err != nil {
			return nil, s.refused("list", t.virtual, err)
		}
		return listerAt(list), nil
	case "Stat":
		fi, err := s.stat(t)
		if err != nil {
			return nil, s.quiet(t.virtual, err)
		}
		return listerAt{fi}, nil
	}
	return nil, s.refused(strings.ToLower(r.Method), t.virtual,
		refuse("operation_denied", errPermission, "%s: %s is not supported", t.virtual, strings.ToLower(r.Method)))
}

// Lstat is Stat: links are never shown, so there is nothing to tell apart.
func (s *session) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	t, err := s.resolve(r.Filepath)
	if err != nil {
		return nil, s.refused("lstat", r.Filepath, err)
	}
	fi, err := s.stat(t)
	if err != nil {
		return nil, s.quiet(t.virtual, err)
	}
	return listerAt{fi}, nil
}

// quiet maps a stat error for the client without an audit entry: clients
// stat paths that do not exist all the time (put checks its target).
func (s *session) quiet(file string, err error) error {
	var rf *refusal
	if errors.As(err, &rf) {
		return s.refused("stat", file, err)
	}
	return err
}

func (s *session) stat(t target) (os.FileInfo, error) {
	switch {
	case t.top == "":
		return dirInfo{name: "/"}, nil
	case t.top == dirInbox && len(t.rest) == 0:
		return dirInfo{name: dirInbox}, nil
	}
	fi, err := s.lstatChain(t)
	if errors.Is(err, fs.ErrNotExist) && len(t.rest) == 0 {
		// outbox and archive exist for the partner before the hub made them.
		return dirInfo{name: t.top}, nil
	}
	if err != nil {
		return nil, err
	}
	if t.top == dirInbox && !visibleInInbox(fi) {
		return nil, os.ErrNotExist
	}
	return fi, nil
}

func (s *session) list(t target) ([]os.FileInfo, error) {
	if t.top == "" {
		return []os.FileInfo{dirInfo{name: dirInbox}, dirInfo{name: dirOutbox}, dirInfo{name: dirArchive}}, nil
	}
	fi, err := s.lstatChain(t)
	if errors.Is(err, fs.ErrNotExist) && len(t.rest) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []os.FileInfo{fi}, nil
	}
	entries, err := os.ReadDir(s.disk(t))
	if err != nil {
		return nil, err
	}
	var out []os.FileInfo
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			continue // never shown, never followed
		case t.top == dirInbox && !visibleInInbox(info):
			continue // the hub's own folders and uploads in progress
		case !info.Mode().IsRegular() && !info.IsDir():
			continue
		}
		out = append(out, info)
	}
	return out, nil
}

// refused counts and audits a refused request and returns the error for
// the client. Errors that are not refusals (a missing file) pass through.
func (s *session) refused(action, file string, err error) error {
	reason := "error"
	var rf *refusal
	switch {
	case errors.As(err, &rf):
		reason = rf.reason
	case errors.Is(err, fs.ErrNotExist):
		return err
	case errors.Is(err, fs.ErrPermission):
		reason = "permission"
	}
	s.srv.metrics.refusals.WithLabelValues(reason).Inc()
	s.srv.audit(s.ctx, Event{Action: "sftp " + action, Outcome: OutcomeDenied, Partner: s.acc.Partner, Remote: s.remote,
		File: file, Reason: reason, Detail: err.Error()})
	s.srv.log.Warn("sftp request refused", "partner", s.acc.Partner, "action", action, "file", file, "reason", reason, "err", err)
	if rf == nil {
		// Never tell the client about the disk behind its tree.
		rf = &refusal{reason: reason, code: errFailure, msg: fmt.Sprintf("%s: %s failed", file, action)}
	}
	if s.stderr != nil {
		fmt.Fprintf(s.stderr, "procurehub: %s\n", rf.msg)
	}
	return rf
}

// dirInfo is a virtual directory.
type dirInfo struct{ name string }

func (d dirInfo) Name() string       { return d.name }
func (d dirInfo) Size() int64        { return 0 }
func (d dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (d dirInfo) ModTime() time.Time { return time.Time{} }
func (d dirInfo) IsDir() bool        { return true }
func (d dirInfo) Sys() any           { return nil }

type listerAt []os.FileInfo

func (l listerAt) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}
