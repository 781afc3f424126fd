package ftpfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/filesource"
)

// target is a server the contract runs against.
type target struct {
	fs *FS
	// local is the local path of the FTP login directory, for what only
	// the test can do there (make a symbolic link, read a file's mtime).
	local string
	// symlinks: the server lists a symbolic link as a link. vsftpd does;
	// goftp's file driver lists it as the file it points to.
	symlinks bool
	// exactTimes: List and Stat give the file's mtime to the second.
	exactTimes bool
}

// testContract is what every server must do for the file source: it runs
// the filesource.FS contract against a fresh target per case.
func testContract(t *testing.T, newTarget func(t *testing.T) target) {
	ctx := context.Background()

	t.Run("List returns the regular files of a directory, dot-files included, not directories or links", func(t *testing.T) {
		tg := newTarget(t)
		mustMkdirAll(t, tg.fs, "in/sub")
		mustWrite(t, tg.fs, "in/a.csv", []byte("aaa"))
		mustWrite(t, tg.fs, "in/b c.csv", []byte("bb"))
		mustWrite(t, tg.fs, "in/.hidden", []byte("h"))
		mustWrite(t, tg.fs, "in/sub/deeper.csv", []byte("not listed"))
		if tg.symlinks {
			if err := os.Symlink("a.csv", filepath.Join(tg.local, "in", "link.csv")); err != nil {
				t.Fatal(err)
			}
		}
		list, err := tg.fs.List(ctx, "in")
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		got := map[string]int64{}
		for _, fi := range list {
			got[fi.Name] = fi.Size
			if fi.ModTime.IsZero() {
				t.Errorf("%s has no ModTime", fi.Name)
			}
		}
		want := map[string]int64{"a.csv": 3, "b c.csv": 2, ".hidden": 1}
		if !maps.Equal(got, want) {
			t.Fatalf("List = %v, want %v", got, want)
		}
	})

	t.Run("List and Stat give the same size and time for a file", func(t *testing.T) {
		tg := newTarget(t)
		mustMkdirAll(t, tg.fs, "in")
		mustWrite(t, tg.fs, "in/order.csv", []byte("order,qty\n1,2\n"))
		list, err := tg.fs.List(ctx, "in")
		if err != nil || len(list) != 1 {
			t.Fatalf("List = %v, %v; want one file", list, err)
		}
		st, err := tg.fs.Stat(ctx, "in/order.csv")
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		if st.Name != "order.csv" || st.Size != list[0].Size || !st.ModTime.Equal(list[0].ModTime) {
			t.Fatalf("Stat = %+v, List = %+v; the source compares them to see a file unchanged", st, list[0])
		}
		if tg.exactTimes {
			info, err := os.Stat(filepath.Join(tg.local, "in", "order.csv"))
			if err != nil {
				t.Fatal(err)
			}
			want := info.ModTime().Truncate(time.Second)
			if !st.ModTime.Equal(want) {
				t.Fatalf("ModTime = %s, want the file's mtime %s", st.ModTime, want)
			}
		}
	})

	t.Run("Stat of a missing file is fs.ErrNotExist", func(t *testing.T) {
		tg := newTarget(t)
		mustMkdirAll(t, tg.fs, "in")
		for _, name := range []string{"in/missing.csv", "nodir/missing.csv"} {
			if _, err := tg.fs.Stat(ctx, name); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stat(%s) = %v, want fs.ErrNotExist", name, err)
			}
		}
	})

	t.Run("List of a missing directory is fs.ErrNotExist", func(t *testing.T) {
		tg := newTarget(t)
		if _, err := tg.fs.List(ctx, "nodir"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("List(nodir) = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("Open reads the whole file, again and again", func(t *testing.T) {
		tg := newTarget(t)
		data := randomBytes(300 << 10)
		mustWrite(t, tg.fs, "big.bin", data)
		for i := 0; i < 3; i++ {
			if got := mustRead(t, tg.fs, "big.bin"); !bytes.Equal(got, data) {
				t.Fatalf("read %d: got %d bytes, want the %d written", i, len(got), len(data))
			}
		}
	})

	t.Run("Open of a missing file is fs.ErrNotExist", func(t *testing.T) {
		tg := newTarget(t)
		if _, err := tg.fs.Open("missing.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Open = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("an empty file is written, listed and read", func(t *testing.T) {
		tg := newTarget(t)
		mustWrite(t, tg.fs, "empty.csv", nil)
		st, err := tg.fs.Stat(ctx, "empty.csv")
		if err != nil || st.Size != 0 {
			t.Fatalf("Stat = %+v, %v; want size 0", st, err)
		}
		if got := mustRead(t, tg.fs, "empty.csv"); len(got) != 0 {
			t.Fatalf("read %q, want nothing", got)
		}
	})

	t.Run("Rename moves a file", func(t *testing.T) {
		tg := newTarget(t)
		mustMkdirAll(t, tg.fs, "in/archive")
		mustWrite(t, tg.fs, "in/a.csv", []byte("a"))
		if err := tg.fs.Rename(ctx, "in/a.csv", "in/archive/a.csv"); err != nil {
			t.Fatalf("Rename: %v", err)
		}
		if _, err := tg.fs.Stat(ctx, "in/a.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("the old name: Stat = %v, want fs.ErrNotExist", err)
		}
		if got := mustRead(t, tg.fs, "in/archive/a.csv"); string(got) != "a" {
			t.Fatalf("moved file holds %q", got)
		}
	})

	t.Run("Rename onto an existing file is fs.ErrExist and leaves both files as they were", func(t *testing.T) {
		tg := newTarget(t)
		mustMkdirAll(t, tg.fs, "in/archive")
		mustWrite(t, tg.fs, "in/a.csv", []byte("new"))
		mustWrite(t, tg.fs, "in/archive/a.csv", []byte("old"))
		err := tg.fs.Rename(ctx, "in/a.csv", "in/archive/a.csv")
		if !errors.Is(err, fs.ErrExist) {
			t.Fatalf("Rename = %v, want fs.ErrExist", err)
		}
		if got := mustRead(t, tg.fs, "in/archive/a.csv"); string(got) != "old" {
			t.Fatalf("the target now holds %q; it must be untouched", got)
		}
		if got := mustRead(t, tg.fs, "in/a.csv"); string(got) != "new" {
			t.Fatalf("the source now holds %q", got)
		}
	})

	t.Run("Rename of a missing file, or into a missing directory, is fs.ErrNotExist", func(t *testing.T) {
		tg := newTarget(t)
		mustWrite(t, tg.fs, "a.csv", []byte("a"))
		if err := tg.fs.Rename(ctx, "missing.csv", "b.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Rename of a missing file = %v, want fs.ErrNotExist", err)
		}
		if err := tg.fs.Rename(ctx, "a.csv", "nodir/a.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Rename into a missing directory = %v, want fs.ErrNotExist", err)
		}
		if got := mustRead(t, tg.fs, "a.csv"); string(got) != "a" {
			t.Errorf("a.csv holds %q after the failed renames", got)
		}
	})

	t.Run("WriteFile writes the whole file and leaves no temporary file", func(t *testing.T) {
		tg := newTarget(t)
		mustMkdirAll(t, tg.fs, "out")
		data := randomBytes(100 << 10)
		mustWrite(t, tg.fs, "out/r.json", data)
		if got := mustRead(t, tg.fs, "out/r.json"); !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes, want %d", len(got), len(data))
		}
		if names := mustListNames(t, tg.fs, "out"); !slices.Equal(names, []string{"r.json"}) {
			t.Fatalf("out holds %q, want only r.json", names)
		}
	})

	t.Run("WriteFile replaces a file", func(t *testing.T) {
		tg := newTarget(t)
		mustWrite(t, tg.fs, "r.json", []byte("first, longer version"))
		mustWrite(t, tg.fs, "r.json", []byte("second"))
		if got := mustRead(t, tg.fs, "r.json"); string(got) != "second" {
			t.Fatalf("r.json holds %q, want the second version", got)
		}
		if names := mustListNames(t, tg.fs, ""); !slices.Equal(names, []string{"r.json"}) {
			t.Fatalf("the directory holds %q, want only r.json", names)
		}
	})

	t.Run("WriteFile into a missing directory is fs.ErrNotExist", func(t *testing.T) {
		tg := newTarget(t)
		if err := tg.fs.WriteFile(ctx, "nodir/r.json", []byte("x")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("WriteFile = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("MkdirAll creates nested directories and succeeds when they exist", func(t *testing.T) {
		tg := newTarget(t)
		mustMkdirAll(t, tg.fs, "x/y/z")
		mustMkdirAll(t, tg.fs, "x/y/z")
		mustMkdirAll(t, tg.fs, "x/y")
		mustWrite(t, tg.fs, "x/y/z/f", []byte("f"))
		if names := mustListNames(t, tg.fs, "x/y"); len(names) != 0 {
			t.Fatalf("x/y lists %q; z is a directory", names)
		}
	})

	t.Run("MkdirAll fails where a file is in the way", func(t *testing.T) {
		tg := newTarget(t)
		mustWrite(t, tg.fs, "f", []byte("f"))
		if err := tg.fs.MkdirAll(ctx, "f/sub"); err == nil {
			t.Fatal("MkdirAll through a file succeeded")
		}
	})

	t.Run("Remove deletes a file, and a missing file is no error", func(t *testing.T) {
		tg := newTarget(t)
		mustWrite(t, tg.fs, "a.csv.done", nil)
		for i := 0; i < 2; i++ {
			if err := tg.fs.Remove(ctx, "a.csv.done"); err != nil {
				t.Fatalf("Remove %d: %v", i, err)
			}
		}
		if _, err := tg.fs.Stat(ctx, "a.csv.done"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Stat after Remove = %v, want fs.ErrNotExist", err)
		}
		if err := tg.fs.Remove(ctx, "nodir/a.csv.done"); err != nil {
			t.Fatalf("Remove in a missing directory: %v", err)
		}
	})

	t.Run("names with spaces and non-ASCII characters work throughout", func(t *testing.T) {
		tg := newTarget(t)
		dir, name, moved := "commandes é/中文 目录", "bon de commande é 中文.csv", "reçu 文件.csv"
		mustMkdirAll(t, tg.fs, dir)
		mustMkdirAll(t, tg.fs, dir+"/archivé")
		mustWrite(t, tg.fs, dir+"/"+name, []byte("é,中文\n"))
		if names := mustListNames(t, tg.fs, dir); !slices.Equal(names, []string{name}) {
			t.Fatalf("List = %q, want [%q]", names, name)
		}
		if st, err := tg.fs.Stat(ctx, dir+"/"+name); err != nil || st.Size != int64(len("é,中文\n")) {
			t.Fatalf("Stat = %+v, %v", st, err)
		}
		if got := mustRead(t, tg.fs, dir+"/"+name); string(got) != "é,中文\n" {
			t.Fatalf("read %q", got)
		}
		if err := tg.fs.Rename(ctx, dir+"/"+name, dir+"/archivé/"+moved); err != nil {
			t.Fatalf("Rename: %v", err)
		}
		if names := mustListNames(t, tg.fs, dir+"/archivé"); !slices.Equal(names, []string{moved}) {
			t.Fatalf("List after Rename = %q, want [%q]", names, moved)
		}
		if err := tg.fs.Remove(ctx, dir+"/archivé/"+moved); err != nil {
			t.Fatalf("Remove: %v", err)
		}
		if _, err := os.Stat(filepath.Join(tg.local, dir, "archivé", moved)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("the file is still on disk after Remove: %v", err)
		}
	})

	t.Run("Close is safe twice and later calls fail with fs.ErrClosed", func(t *testing.T) {
		tg := newTarget(t)
		mustWrite(t, tg.fs, "a", []byte("a"))
		for i := 0; i < 2; i++ {
			if err := tg.fs.Close(); err != nil {
				t.Fatalf("Close %d: %v", i, err)
			}
		}
		if _, err := tg.fs.List(ctx, ""); !errors.Is(err, fs.ErrClosed) {
			t.Fatalf("List after Close = %v, want fs.ErrClosed", err)
		}
	})
}

// testSourceLifecycle runs the file source over the target: a partner
// drops orders.csv with its done marker, twice; each time the source polls
// it, reads it and settles it. Both files end up in the archive (the second
// under another name: the archive refuses to replace) and the inbox is
// empty. Where the archive puts them is the source's business: the test
// looks for them on disk.
func testSourceLifecycle(t *testing.T, tg target) {
	ctx := context.Background()
	mustMkdirAll(t, tg.fs, "acme/inbox")
	src, err := filesource.New(tg.fs, filesource.Options{Partner: "acme", Connector: "erp_export", Inbox: "acme/inbox", DoneMarker: ".done"})
	if err != nil {
		t.Fatal(err)
	}
	contents := [][]byte{
		[]byte("Order No,SKU,Qty\n4500012345,A-1,2\n"),
		[]byte("Order No,SKU,Qty\n4500012346,B-2,5\n"),
	}
	for _, content := range contents {
		mustWrite(t, tg.fs, "acme/inbox/orders.csv", content)
		mustWrite(t, tg.fs, "acme/inbox/orders.csv.done", nil)
		ins, err := src.Poll(ctx)
		if err != nil || len(ins) != 1 || ins[0].Name != "orders.csv" {
			t.Fatalf("Poll = %v, %v; want orders.csv", ins, err)
		}
		sum := sha256.Sum256(content)
		if ins[0].SHA256 != hex.EncodeToString(sum[:]) || ins[0].Size != int64(len(content)) {
			t.Fatalf("input %+v; want the sha256 and size of what was uploaded", ins[0])
		}
		r, err := ins[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		_ = r.Close()
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("input reads %q, %v", got, err)
		}
		if err := src.Settle(ctx, ins[0], connectors.Outcome{Status: connectors.StatusDone, Accepted: 1}); err != nil {
			t.Fatalf("Settle: %v", err)
		}
		if names := mustListNames(t, tg.fs, "acme/inbox"); len(names) != 0 {
			t.Fatalf("the inbox still holds %q after Settle", names)
		}
	}
	found := map[string]bool{}
	receipts := 0
	err = filepath.WalkDir(filepath.Join(tg.local, "acme", "inbox"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, filesource.ReceiptSuffix) {
			receipts++
			return nil
		}
		b, err := os.ReadFile(p)
		for _, c := range contents {
			if err == nil && bytes.Equal(b, c) {
				found[string(c)] = true
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || receipts == 0 {
		t.Fatalf("found %d of the 2 settled files and %d receipts under the inbox", len(found), receipts)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.fs.List(ctx, "acme/inbox"); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("closing the source did not close the FS: List = %v", err)
	}
}

func mustWrite(t *testing.T, f *FS, name string, data []byte) {
	t.Helper()
	if err := f.WriteFile(context.Background(), name, data); err != nil {
		t.Fatalf("WriteFile(%s): %v", name, err)
	}
}

func mustMkdirAll(t *testing.T, f *FS, dir string) {
	t.Helper()
	if err := f.MkdirAll(context.Background(), dir); err != nil {
		t.Fatalf("MkdirAll(%s): %v", dir, err)
	}
}

func mustRead(t *testing.T, f *FS, name string) []byte {
	t.Helper()
	r, err := f.Open(name)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

func mustListNames(t *testing.T, f *FS, dir string) []string {
	t.Helper()
	list, err := f.List(context.Background(), dir)
	if err != nil {
		t.Fatalf("List(%s): %v", dir, err)
	}
	return names(list)
}

func names(list []filesource.FileInfo) []string {
	out := make([]string, 0, len(list))
	for _, fi := range list {
		out = append(out, fi.Name)
	}
	slices.Sort(out)
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 42))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
