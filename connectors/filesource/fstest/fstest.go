// Package fstest is the conformance kit of filesource.FS: the local
// directory, FTP and SFTP all pass the same cases, which are what the file
// source relies on (see the FS interface). An FS's tests call Run with a
// function that gives a fresh, empty directory for each case:
//
//	func TestContract(t *testing.T) {
//		fstest.Run(t, func(t *testing.T) fstest.Target {
//			dir := t.TempDir()
//			return fstest.Target{FS: filesource.Local{}, Dir: filepath.ToSlash(dir), Local: dir}
//		})
//	}
//
// The Must helpers are for an FS's own tests too.
package fstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/filesource"
)

// Target is one FS and an empty directory on it, for one case.
type Target struct {
	// FS is the file system under test. When it holds a connection it
	// implements io.Closer, and then Close must be safe twice and every
	// later call must fail with an error matching fs.ErrClosed. The kit
	// closes it in some cases; a cleanup may close it again.
	FS filesource.FS
	// Dir is an empty directory as FS names it; "" is the login directory
	// of an FTP server.
	Dir string
	// Local is the same directory on this machine, or "" when the test
	// cannot see it. Without it the kit makes no symbolic links and checks
	// times and contents through FS alone.
	Local string
	// ListsLinksAsFiles says the server lists a symbolic link as the file
	// it points to, so that List cannot leave links out (goftp's file
	// driver, a test server); the kit then makes no link. A production
	// server should not need it.
	ListsLinksAsFiles bool
	// ModTimeResolution is how finely FS gives modification times; 0 is a
	// second or finer (a local disk, SFTP, FTP with MDTM or MLSD). An FTP
	// server that answers only LIST gives minutes.
	ModTimeResolution time.Duration
}

// Run runs every case of the contract as a subtest of t, each against a
// target that newTarget makes for that subtest.
func Run(t *testing.T, newTarget func(t *testing.T) Target) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(&check{TB: t, Target: newTarget(t), ctx: t.Context()})
		})
	}
}

// check is one case under way.
type check struct {
	testing.TB
	Target
	ctx context.Context
}

// path is name in the target's directory, as FS names it.
func (c *check) path(name string) string { return path.Join(c.Dir, name) }

// local is name in the target's directory on this machine.
func (c *check) local(name string) string { return filepath.Join(c.Local, filepath.FromSlash(name)) }

func (c *check) write(name string, data []byte) {
	c.Helper()
	MustWrite(c.TB, c.FS, c.path(name), data)
}
func (c *check) read(name string) []byte   { c.Helper(); return MustRead(c.TB, c.FS, c.path(name)) }
func (c *check) mkdir(dir string)          { c.Helper(); MustMkdirAll(c.TB, c.FS, c.path(dir)) }
func (c *check) names(dir string) []string { c.Helper(); return MustListNames(c.TB, c.FS, c.path(dir)) }

// resolution is ModTimeResolution, a second when it is not set.
func (c *check) resolution() time.Duration {
	if c.ModTimeResolution > 0 {
		return c.ModTimeResolution
	}
	return time.Second
}

var cases = []struct {
	name string
	run  func(c *check)
}{
	{"List returns the regular files directly in a directory, dot-files included, not directories, links or files below", listFilters},
	{"List and Stat give the same name, size and modification time, the file's own", listAndStatAgree},
	{"List of a missing directory is fs.ErrNotExist", listMissingDir},
	{"Stat and Open of a missing file are fs.ErrNotExist", statAndOpenMissing},
	{"Open reads a large file whole, by Read and by io.Copy, again and again", openLargeFile},
	{"an empty file is written, listed and read", emptyFile},
	{"Rename moves a file within a directory and into another", renameMoves},
	{"Rename onto an existing file is fs.ErrExist and leaves both files as they were", renameOntoExisting},
	{"Rename of a missing file, or into a missing directory, is fs.ErrNotExist", renameMissing},
	{"WriteFile creates and replaces a file, shorter or longer, and leaves no temporary file", writeFileReplaces},
	{"WriteFile into a missing directory is fs.ErrNotExist and leaves nothing behind", writeFileMissingDir},
	{"WriteFile is atomic: a reader sees the old file or the new one, whole", writeFileAtomic},
	{"MkdirAll creates nested directories and succeeds when they exist", mkdirAllNested},
	{"MkdirAll fails where a file is in the way", mkdirAllThroughFile},
	{"Remove deletes a file, and a missing file is no error", removeFile},
	{"names with spaces and non-ASCII characters pass unchanged", unusualNames},
	{"Close is safe twice and every later call fails with fs.ErrClosed", closeTwice},
	{"the file source takes and settles two files of the same name through it", sourceLifecycle},
}

func listFilters(c *check) {
	c.mkdir("in/sub")
	c.write("in/a.csv", []byte("aaa"))
	c.write("in/b c.csv", []byte("bb"))
	c.write("in/.hidden", []byte("h"))
	c.write("in/sub/deeper.csv", []byte("not listed"))
	if c.Local != "" && !c.ListsLinksAsFiles {
		for link, to := range map[string]string{"link.csv": "a.csv", "linkdir": "sub", "dangling.csv": "gone.csv"} {
			if err := os.Symlink(to, c.local("in/"+link)); err != nil {
				c.Fatalf("making a link: %v", err)
			}
		}
	}
	list, err := c.FS.List(c.ctx, c.path("in"))
	if err != nil {
		c.Fatalf("List: %v", err)
	}
	got := map[string]int64{}
	for _, fi := range list {
		got[fi.Name] = fi.Size
		if fi.ModTime.IsZero() {
			c.Errorf("%s has no ModTime", fi.Name)
		}
	}
	if want := map[string]int64{"a.csv": 3, "b c.csv": 2, ".hidden": 1}; !maps.Equal(got, want) {
		c.Fatalf("List = %v, want %v (no directory, no link, nothing from below)", got, want)
	}
}

func listAndStatAgree(c *check) {
	before := time.Now()
	c.mkdir("in")
	c.write("in/order.csv", []byte("order,qty\n1,2\n"))
	list, err := c.FS.List(c.ctx, c.path("in"))
	if err != nil || len(list) != 1 {
		c.Fatalf("List = %+v, %v; want one file", list, err)
	}
	st, err := c.FS.Stat(c.ctx, c.path("in/order.csv"))
	if err != nil {
		c.Fatalf("Stat: %v", err)
	}
	if st.Name != "order.csv" || st.Size != 14 || st.Size != list[0].Size || !st.ModTime.Equal(list[0].ModTime) || list[0].Name != st.Name {
		c.Fatalf("Stat = %+v, List = %+v; want order.csv, 14 bytes, alike in both: the source compares them to see a file unchanged", st, list[0])
	}
	res := c.resolution()
	// A second of slack below: the file system's clock may lag time.Now.
	if mt := st.ModTime; mt.Before(before.Add(-time.Second).Truncate(res)) || mt.After(time.Now().Add(time.Second)) {
		c.Errorf("ModTime = %s, want about now (%s)", mt, before)
	}
	if c.Local == "" {
		return
	}
	info, err := os.Stat(c.local("in/order.csv"))
	if err != nil {
		c.Fatalf("on disk: %v", err)
	}
	if want := info.ModTime(); !st.ModTime.Truncate(res).Equal(want.Truncate(res)) || st.ModTime.After(want) {
		c.Fatalf("ModTime = %s, want the file's mtime %s to the %s", st.ModTime, want, res)
	}
}

func listMissingDir(c *check) {
	if _, err := c.FS.List(c.ctx, c.path("nodir")); !errors.Is(err, fs.ErrNotExist) {
		c.Fatalf("List(nodir) = %v, want fs.ErrNotExist", err)
	}
}

func statAndOpenMissing(c *check) {
	c.mkdir("in")
	for _, name := range []string{"in/missing.csv", "nodir/missing.csv"} {
		if _, err := c.FS.Stat(c.ctx, c.path(name)); !errors.Is(err, fs.ErrNotExist) {
			c.Errorf("Stat(%s) = %v, want fs.ErrNotExist", name, err)
		}
		r, err := c.FS.Open(c.path(name))
		if !errors.Is(err, fs.ErrNotExist) {
			c.Errorf("Open(%s) = %v, want fs.ErrNotExist", name, err)
		}
		if err == nil {
			r.Close()
		}
	}
}

func openLargeFile(c *check) {
	data := randomBytes(3<<20 + 123) // several requests in flight, an odd tail
	c.write("big.bin", data)
	if c.Local != "" {
		if got, err := os.ReadFile(c.local("big.bin")); err != nil || !bytes.Equal(got, data) {
			c.Fatalf("on disk: %d bytes, %v; want the %d written", len(got), err, len(data))
		}
	}
	for i := range 4 {
		r, err := c.FS.Open(c.path("big.bin"))
		if err != nil {
			c.Fatalf("Open %d: %v", i, err)
		}
		var got []byte
		if i%2 == 0 {
			got, err = io.ReadAll(r) // Read
		} else {
			var buf bytes.Buffer
			_, err = io.Copy(&buf, r) // the reader's WriteTo, where it has one
			got = buf.Bytes()
		}
		if cerr := r.Close(); cerr != nil {
			c.Errorf("Close %d: %v", i, cerr)
		}
		if err != nil || !bytes.Equal(got, data) {
			c.Fatalf("read %d: %d bytes, %v; want the %d written", i, len(got), err, len(data))
		}
	}
}

func emptyFile(c *check) {
	c.write("empty.csv", nil)
	list, err := c.FS.List(c.ctx, c.Dir)
	if err != nil || len(list) != 1 || list[0].Name != "empty.csv" || list[0].Size != 0 {
		c.Fatalf("List = %+v, %v; want empty.csv, size 0", list, err)
	}
	st, err := c.FS.Stat(c.ctx, c.path("empty.csv"))
	if err != nil || st.Size != 0 {
		c.Fatalf("Stat = %+v, %v; want size 0", st, err)
	}
	if got := c.read("empty.csv"); len(got) != 0 {
		c.Fatalf("read %q, want nothing", got)
	}
}

func renameMoves(c *check) {
	c.mkdir("in/archive")
	c.write("in/a.csv", []byte("a"))
	if err := c.FS.Rename(c.ctx, c.path("in/a.csv"), c.path("in/b.csv")); err != nil {
		c.Fatalf("Rename within the directory: %v", err)
	}
	if err := c.FS.Rename(c.ctx, c.path("in/b.csv"), c.path("in/archive/a.csv")); err != nil {
		c.Fatalf("Rename into another directory: %v", err)
	}
	for _, old := range []string{"in/a.csv", "in/b.csv"} {
		if _, err := c.FS.Stat(c.ctx, c.path(old)); !errors.Is(err, fs.ErrNotExist) {
			c.Errorf("%s: Stat = %v, want fs.ErrNotExist", old, err)
		}
	}
	if got := c.read("in/archive/a.csv"); string(got) != "a" {
		c.Fatalf("the moved file holds %q", got)
	}
}

func renameOntoExisting(c *check) {
	c.mkdir("in/archive")
	c.write("in/a.csv", []byte("new"))
	c.write("in/taken.csv", []byte("already here"))
	c.write("in/archive/a.csv", []byte("old"))
	for _, to := range []string{"in/taken.csv", "in/archive/a.csv"} {
		if err := c.FS.Rename(c.ctx, c.path("in/a.csv"), c.path(to)); !errors.Is(err, fs.ErrExist) {
			c.Errorf("Rename onto %s = %v, want fs.ErrExist", to, err)
		}
	}
	for name, want := range map[string]string{"in/a.csv": "new", "in/taken.csv": "already here", "in/archive/a.csv": "old"} {
		if got := c.read(name); string(got) != want {
			c.Errorf("%s now holds %q, want %q untouched", name, got, want)
		}
	}
}

func renameMissing(c *check) {
	c.write("a.csv", []byte("a"))
	if err := c.FS.Rename(c.ctx, c.path("missing.csv"), c.path("b.csv")); !errors.Is(err, fs.ErrNotExist) {
		c.Errorf("Rename of a missing file = %v, want fs.ErrNotExist", err)
	}
	if err := c.FS.Rename(c.ctx, c.path("a.csv"), c.path("nodir/a.csv")); !errors.Is(err, fs.ErrNotExist) {
		c.Errorf("Rename into a missing directory = %v, want fs.ErrNotExist", err)
	}
	if got := c.read("a.csv"); string(got) != "a" {
		c.Errorf("a.csv holds %q after the failed renames", got)
	}
	if names := c.names(""); !slices.Equal(names, []string{"a.csv"}) {
		c.Errorf("the directory holds %q, want a.csv alone", names)
	}
}

func writeFileReplaces(c *check) {
	c.mkdir("out")
	for _, data := range [][]byte{
		randomBytes(100 << 10),
		[]byte("second, shorter"),
		[]byte("third, longer than the second"),
	} {
		c.write("out/r.json", data)
		if got := c.read("out/r.json"); !bytes.Equal(got, data) {
			c.Fatalf("read back %d bytes, want the %d written", len(got), len(data))
		}
		if c.Local != "" {
			if got, err := os.ReadFile(c.local("out/r.json")); err != nil || !bytes.Equal(got, data) {
				c.Fatalf("on disk: %d bytes, %v; want the %d written", len(got), err, len(data))
			}
		}
		if names := c.names("out"); !slices.Equal(names, []string{"r.json"}) {
			c.Fatalf("out holds %q, want r.json alone", names)
		}
	}
}

func writeFileMissingDir(c *check) {
	if err := c.FS.WriteFile(c.ctx, c.path("no/such/dir/r.json"), []byte("x")); !errors.Is(err, fs.ErrNotExist) {
		c.Fatalf("WriteFile = %v, want fs.ErrNotExist", err)
	}
	if names := c.names(""); len(names) != 0 {
		c.Fatalf("the directory holds %q after the failed write", names)
	}
}

func writeFileAtomic(c *check) {
	const size = 256 << 10
	versions := [][]byte{bytes.Repeat([]byte("a"), size), bytes.Repeat([]byte("b"), size)}
	c.write("state.json", versions[0])
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		defer cancel()
		for i := 1; i <= 20; i++ {
			if err := c.FS.WriteFile(ctx, c.path("state.json"), versions[i%2]); err != nil {
				writeErr = err
				return
			}
		}
	})
	reads := 0
	var readErr error
	for ctx.Err() == nil && readErr == nil {
		got, err := readFile(c.FS, c.path("state.json"))
		reads++
		switch {
		case err != nil:
			readErr = err
		case len(got) != size || len(bytes.Trim(got, string(got[:1]))) != 0:
			readErr = errors.New("mixed or partial")
			c.Errorf("read %d: %d bytes, mixed or partial; want %d bytes of one version", reads, len(got), size)
		}
	}
	cancel()
	wg.Wait()
	if readErr != nil {
		c.Fatalf("read %d: %v", reads, readErr) // the writer, canceled then, says nothing
	}
	if writeErr != nil {
		c.Fatalf("WriteFile: %v", writeErr)
	}
	if names := c.names(""); !slices.Equal(names, []string{"state.json"}) {
		c.Fatalf("the directory holds %q after %d reads, want state.json alone", names, reads)
	}
}

func mkdirAllNested(c *check) {
	c.mkdir("x/y/z")
	c.mkdir("x/y/z")
	c.mkdir("x/y")
	c.write("x/y/z/f", []byte("f"))
	if names := c.names("x/y"); len(names) != 0 {
		c.Fatalf("x/y lists %q; z is a directory", names)
	}
	if names := c.names("x/y/z"); !slices.Equal(names, []string{"f"}) {
		c.Fatalf("x/y/z lists %q, want f", names)
	}
	if c.Local != "" {
		if fi, err := os.Stat(c.local("x/y/z")); err != nil || !fi.IsDir() {
			c.Fatalf("x/y/z on disk is not a directory: %v", err)
		}
	}
}

func mkdirAllThroughFile(c *check) {
	c.write("f", []byte("f"))
	if err := c.FS.MkdirAll(c.ctx, c.path("f/sub")); err == nil {
		c.Fatalf("MkdirAll through a file succeeded")
	}
	if got := c.read("f"); string(got) != "f" {
		c.Fatalf("the file in the way holds %q", got)
	}
}

func removeFile(c *check) {
	c.write("a.csv.done", nil)
	for i := range 2 {
		if err := c.FS.Remove(c.ctx, c.path("a.csv.done")); err != nil {
			c.Fatalf("Remove %d: %v", i, err)
		}
	}
	if _, err := c.FS.Stat(c.ctx, c.path("a.csv.done")); !errors.Is(err, fs.ErrNotExist) {
		c.Fatalf("Stat after Remove = %v, want fs.ErrNotExist", err)
	}
	if err := c.FS.Remove(c.ctx, c.path("nodir/a.csv.done")); err != nil {
		c.Fatalf("Remove in a missing directory: %v", err)
	}
	if c.Local != "" {
		if _, err := os.Lstat(c.local("a.csv.done")); !errors.Is(err, fs.ErrNotExist) {
			c.Fatalf("the file is still on disk after Remove: %v", err)
		}
	}
}

func unusualNames(c *check) {
	const dir, name, moved, content = "commandes é/中文 目录", "Bestellung März é 中文 #1.csv", "reçu 文件.csv", "é,中文,ü\n"
	c.mkdir(dir)
	c.mkdir(dir + "/архив 1")
	c.write(dir+"/"+name, []byte(content))
	if names := c.names(dir); !slices.Equal(names, []string{name}) {
		c.Fatalf("List = %q, want [%q]", names, name)
	}
	if c.Local != "" {
		if _, err := os.Stat(c.local(dir + "/" + name)); err != nil {
			c.Fatalf("not on disk under its name: %v", err)
		}
	}
	if st, err := c.FS.Stat(c.ctx, c.path(dir+"/"+name)); err != nil || st.Name != name || st.Size != int64(len(content)) {
		c.Fatalf("Stat = %+v, %v; want %q, %d bytes", st, err, name, len(content))
	}
	if got := c.read(dir + "/" + name); string(got) != content {
		c.Fatalf("read %q", got)
	}
	// Into another directory under the same name, then to another name.
	for _, step := range [][2]string{{dir + "/" + name, dir + "/архив 1/" + name}, {dir + "/архив 1/" + name, dir + "/архив 1/" + moved}} {
		if err := c.FS.Rename(c.ctx, c.path(step[0]), c.path(step[1])); err != nil {
			c.Fatalf("Rename %s to %s: %v", step[0], step[1], err)
		}
	}
	if names := c.names(dir + "/архив 1"); !slices.Equal(names, []string{moved}) {
		c.Fatalf("List after Rename = %q, want [%q]", names, moved)
	}
	if got := c.read(dir + "/архив 1/" + moved); string(got) != content {
		c.Fatalf("the moved file holds %q", got)
	}
	if err := c.FS.Remove(c.ctx, c.path(dir+"/архив 1/"+moved)); err != nil {
		c.Fatalf("Remove: %v", err)
	}
	if names := c.names(dir + "/архив 1"); len(names) != 0 {
		c.Fatalf("List after Remove = %q", names)
	}
	if c.Local != "" {
		if _, err := os.Lstat(c.local(dir + "/архив 1/" + moved)); !errors.Is(err, fs.ErrNotExist) {
			c.Fatalf("the file is still on disk after Remove: %v", err)
		}
	}
}

func closeTwice(c *check) {
	closer, ok := c.FS.(io.Closer)
	if !ok {
		c.Skipf("%T holds no connection: it does not implement io.Closer", c.FS)
	}
	c.write("a.csv", []byte("a"))
	for i := range 2 {
		if err := closer.Close(); err != nil {
			c.Fatalf("Close %d: %v", i, err)
		}
	}
	ctx, fsys, p := c.ctx, c.FS, c.path
	calls := map[string]func() error{
		"List":      func() error { _, err := fsys.List(ctx, c.Dir); return err },
		"Stat":      func() error { _, err := fsys.Stat(ctx, p("a.csv")); return err },
		"Open":      func() error { _, err := fsys.Open(p("a.csv")); return err },
		"Rename":    func() error { return fsys.Rename(ctx, p("a.csv"), p("b.csv")) },
		"WriteFile": func() error { return fsys.WriteFile(ctx, p("b.csv"), []byte("b")) },
		"MkdirAll":  func() error { return fsys.MkdirAll(ctx, p("sub")) },
		"Remove":    func() error { return fsys.Remove(ctx, p("a.csv")) },
	}
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		if err := calls[name](); !errors.Is(err, fs.ErrClosed) {
			c.Errorf("%s after Close = %v, want fs.ErrClosed", name, err)
		}
	}
	if c.Local != "" {
		if got, err := os.ReadFile(c.local("a.csv")); err != nil || string(got) != "a" {
			c.Errorf("a.csv on disk = %q, %v; calls after Close must change nothing", got, err)
		}
	}
}

// sourceLifecycle runs the file source over the target: a partner drops
// "orders 1.csv" with its done marker, twice; each time the source polls
// it, reads it and settles it. Both files end up in the day's archive
// directory (the second under another name: the archive never replaces),
// each with its receipt beside it, and the outbox holds the last receipt.
func sourceLifecycle(c *check) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	const name = "orders 1.csv"
	inbox := c.path("acme/inbox")
	c.mkdir("acme/inbox")
	src, err := filesource.New(c.FS, filesource.Options{
		Partner: "acme", Connector: "erp_export", Inbox: inbox, DoneMarker: ".done",
		Now: func() time.Time { return now },
	})
	if err != nil {
		c.Fatalf("filesource.New: %v", err)
	}
	contents := [][]byte{
		[]byte("Order No,SKU,Qty\n4500012345,A-1,2\n"),
		[]byte("Order No,SKU,Qty\n4500012346,B-2,5\n4500012346,B-3,1\n"),
	}
	for _, content := range contents {
		c.write("acme/inbox/"+name, content)
		c.write("acme/inbox/"+name+".done", nil)
		ins, err := src.Poll(c.ctx)
		if err != nil || len(ins) != 1 || ins[0].Name != name {
			c.Fatalf("Poll = %+v, %v; want %s", ins, err, name)
		}
		if ins[0].SHA256 != sha256Hex(content) || ins[0].Size != int64(len(content)) {
			c.Fatalf("input %+v; want the sha256 and size of what was uploaded", ins[0])
		}
		r, err := ins[0].Open()
		if err != nil {
			c.Fatalf("opening the input: %v", err)
		}
		got, err := io.ReadAll(r)
		_ = r.Close()
		if err != nil || !bytes.Equal(got, content) {
			c.Fatalf("the input reads %q, %v", got, err)
		}
		if err := src.Settle(c.ctx, ins[0], connectors.Outcome{Status: connectors.StatusDone, Accepted: 1}); err != nil {
			c.Fatalf("Settle: %v", err)
		}
		if names := c.names("acme/inbox"); len(names) != 0 {
			c.Fatalf("the inbox still holds %q after Settle", names)
		}
	}

	day := "acme/inbox/archive/" + now.Format("2006/01/02")
	archived := c.names(day)
	if len(archived) != 4 || !slices.Contains(archived, name) {
		c.Fatalf("%s holds %q; want %s, the second file under another name, and a receipt beside each", day, archived, name)
	}
	second := ""
	for _, n := range archived {
		if n != name && path.Ext(n) == path.Ext(name) {
			second = n
		}
	}
	for i, n := range []string{name, second} {
		if got := c.read(day + "/" + n); !bytes.Equal(got, contents[i]) {
			c.Errorf("archived %q holds %q, want file %d", n, got, i+1)
		}
		c.checkReceipt(day+"/"+n+filesource.ReceiptSuffix, name, contents[i])
	}
	if names := c.names("acme/inbox/outbox"); !slices.Equal(names, []string{name + filesource.ReceiptSuffix}) {
		c.Fatalf("the outbox holds %q, want the receipt alone", names)
	}
	c.checkReceipt("acme/inbox/outbox/"+name+filesource.ReceiptSuffix, name, contents[1])
	if c.Local != "" {
		if got, err := os.ReadFile(c.local(day + "/" + name)); err != nil || !bytes.Equal(got, contents[0]) {
			c.Errorf("on disk the first archived file holds %q, %v", got, err)
		}
	}

	for i := range 2 {
		if err := src.Close(); err != nil {
			c.Fatalf("Source.Close %d: %v", i, err)
		}
	}
	if _, ok := c.FS.(io.Closer); ok {
		if _, err := c.FS.List(c.ctx, inbox); !errors.Is(err, fs.ErrClosed) {
			c.Fatalf("closing the source did not close the FS: List = %v", err)
		}
	}
}

// checkReceipt reads a receipt through the FS: whole JSON, for file name,
// done, with the sha256 of content.
func (c *check) checkReceipt(receipt, name string, content []byte) {
	c.Helper()
	var r filesource.Receipt
	if err := json.Unmarshal(c.read(receipt), &r); err != nil {
		c.Errorf("%s: %v", receipt, err)
		return
	}
	if r.File != name || r.Status != connectors.StatusDone || r.SHA256 != sha256Hex(content) {
		c.Errorf("%s = %+v; want %s, done, sha256 %s", receipt, r, name, sha256Hex(content))
	}
}

// MustWrite writes a whole file, failing t on an error.
func MustWrite(t testing.TB, fsys filesource.FS, name string, data []byte) {
	t.Helper()
	if err := fsys.WriteFile(context.Background(), name, data); err != nil {
		t.Fatalf("WriteFile(%s): %v", name, err)
	}
}

// MustMkdirAll creates a directory and its parents, failing t on an error.
func MustMkdirAll(t testing.TB, fsys filesource.FS, dir string) {
	t.Helper()
	if err := fsys.MkdirAll(context.Background(), dir); err != nil {
		t.Fatalf("MkdirAll(%s): %v", dir, err)
	}
}

// MustRead reads a whole file, failing t on an error.
func MustRead(t testing.TB, fsys filesource.FS, name string) []byte {
	t.Helper()
	b, err := readFile(fsys, name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

// MustListNames returns the sorted names of the files List gives, failing
// t on an error.
func MustListNames(t testing.TB, fsys filesource.FS, dir string) []string {
	t.Helper()
	list, err := fsys.List(context.Background(), dir)
	if err != nil {
		t.Fatalf("List(%s): %v", dir, err)
	}
	out := make([]string, 0, len(list))
	for _, fi := range list {
		out = append(out, fi.Name)
	}
	slices.Sort(out)
	return out
}

func readFile(fsys filesource.FS, name string) ([]byte, error) {
	r, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return b, err
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// randomBytes is n bytes that repeat nowhere, the same for the same n.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)}).Read(b)
	return b
}
