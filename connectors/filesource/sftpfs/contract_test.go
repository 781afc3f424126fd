package sftpfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/filesource"
)

// contractServer is what the contract needs of a server: an FS logged in
// to it, and a fresh directory for each case, given by its absolute path,
// which is the same on the server and on this machine (both servers here
// serve the local filesystem without chroot).
type contractServer struct {
	FS      *FS
	TempDir func(t *testing.T) string
}

// runContract checks the filesource.FS contract, as the file source relies
// on it, against one server.
func runContract(t *testing.T, srv contractServer) {
	fsys := srv.FS
	ctx := context.Background()

	write := func(t *testing.T, name, data string) {
		t.Helper()
		if err := fsys.WriteFile(ctx, name, []byte(data)); err != nil {
			t.Fatalf("WriteFile %s: %v", name, err)
		}
	}
	read := func(t *testing.T, name string) string {
		t.Helper()
		rc, err := fsys.Open(name)
		if err != nil {
			t.Fatalf("Open %s: %v", name, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		return string(b)
	}
	names := func(t *testing.T, dir string) []string {
		t.Helper()
		list, err := fsys.List(ctx, dir)
		if err != nil {
			t.Fatalf("List %s: %v", dir, err)
		}
		var out []string
		for _, f := range list {
			out = append(out, f.Name)
		}
		slices.Sort(out)
		return out
	}

	t.Run("List returns regular files only, with size and mtime", func(t *testing.T) {
		dir := srv.TempDir(t)
		before := time.Now().Truncate(time.Second)
		write(t, dir+"/orders.csv", "a;b;c\n")
		if err := fsys.MkdirAll(ctx, dir+"/archive/2026"); err != nil {
			t.Fatal(err)
		}
		write(t, dir+"/archive/2026/old.csv", "old")
		if err := os.Symlink(filepath.Join(dir, "orders.csv"), filepath.Join(dir, "link.csv")); err != nil {
			t.Fatal(err)
		}
		list, err := fsys.List(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Name != "orders.csv" {
			t.Fatalf("List = %+v, want orders.csv alone (no directory, no symlink, nothing from below)", list)
		}
		if list[0].Size != 6 {
			t.Errorf("size = %d, want 6", list[0].Size)
		}
		if mt := list[0].ModTime; mt.Before(before) || mt.After(time.Now().Add(time.Second)) {
			t.Errorf("mtime = %s, want about now (%s)", mt, before)
		}
		st, err := fsys.Stat(ctx, dir+"/orders.csv")
		if err != nil {
			t.Fatal(err)
		}
		if st.Size != list[0].Size || !st.ModTime.Equal(list[0].ModTime) || st.Name != "orders.csv" {
			t.Errorf("Stat = %+v, List said %+v; the source compares them", st, list[0])
		}
	})

	t.Run("List of a missing directory is fs.ErrNotExist", func(t *testing.T) {
		_, err := fsys.List(ctx, srv.TempDir(t)+"/missing")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("Stat and Open of a missing file are fs.ErrNotExist", func(t *testing.T) {
		dir := srv.TempDir(t)
		if _, err := fsys.Stat(ctx, dir+"/gone.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat: err = %v, want fs.ErrNotExist", err)
		}
		if _, err := fsys.Open(dir + "/gone.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open: err = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("Rename moves a file", func(t *testing.T) {
		dir := srv.TempDir(t)
		write(t, dir+"/in.csv", "payload")
		if err := fsys.MkdirAll(ctx, dir+"/archive"); err != nil {
			t.Fatal(err)
		}
		if err := fsys.Rename(ctx, dir+"/in.csv", dir+"/archive/in.csv"); err != nil {
			t.Fatal(err)
		}
		if _, err := fsys.Stat(ctx, dir+"/in.csv"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the old name is still there: %v", err)
		}
		if got := read(t, dir+"/archive/in.csv"); got != "payload" {
			t.Errorf("moved file = %q", got)
		}
	})

	t.Run("Rename onto an existing file is fs.ErrExist and leaves both alone", func(t *testing.T) {
		dir := srv.TempDir(t)
		write(t, dir+"/new.csv", "new")
		write(t, dir+"/taken.csv", "already here")
		err := fsys.Rename(ctx, dir+"/new.csv", dir+"/taken.csv")
		if !errors.Is(err, fs.ErrExist) {
			t.Fatalf("err = %v, want fs.ErrExist", err)
		}
		if got := read(t, dir+"/taken.csv"); got != "already here" {
			t.Errorf("target = %q, want it untouched", got)
		}
		if got := read(t, dir+"/new.csv"); got != "new" {
			t.Errorf("source = %q, want it still there", got)
		}
	})

	t.Run("Rename of a missing file is fs.ErrNotExist", func(t *testing.T) {
		dir := srv.TempDir(t)
		err := fsys.Rename(ctx, dir+"/missing.csv", dir+"/to.csv")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("WriteFile creates and replaces and leaves no temporary file", func(t *testing.T) {
		dir := srv.TempDir(t)
		write(t, dir+"/r.receipt.json", "first")
		write(t, dir+"/r.receipt.json", "second, longer than the first")
		if got := read(t, dir+"/r.receipt.json"); got != "second, longer than the first" {
			t.Errorf("content = %q", got)
		}
		if got := names(t, dir); !slices.Equal(got, []string{"r.receipt.json"}) {
			t.Errorf("directory holds %q, want the file alone", got)
		}
	})

	t.Run("WriteFile into a missing directory fails with fs.ErrNotExist", func(t *testing.T) {
		err := fsys.WriteFile(ctx, srv.TempDir(t)+"/no/such/dir/x", []byte("x"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("WriteFile is atomic: a reader sees the old file or the new one, whole", func(t *testing.T) {
		dir := srv.TempDir(t)
		name := dir + "/state.json"
		const size = 256 << 10
		versions := [][]byte{bytes.Repeat([]byte("a"), size), bytes.Repeat([]byte("b"), size)}
		if err := fsys.WriteFile(ctx, name, versions[0]); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		var writeErr error
		go func() {
			defer wg.Done()
			defer cancel()
			for i := 1; i <= 20; i++ {
				if err := fsys.WriteFile(ctx, name, versions[i%2]); err != nil {
					writeErr = err
					return
				}
			}
		}()
		reads := 0
		for ctx.Err() == nil {
			got := read(t, name)
			reads++
			if len(got) != size || strings.Trim(got, got[:1]) != "" {
				cancel()
				wg.Wait()
				t.Fatalf("read %d bytes, mixed or partial; want %d bytes of one version", len(got), size)
			}
		}
		wg.Wait()
		if writeErr != nil {
			t.Fatal(writeErr)
		}
		if got := names(t, dir); !slices.Equal(got, []string{"state.json"}) {
			t.Errorf("directory holds %q after %d reads, want the file alone", got, reads)
		}
	})

	t.Run("MkdirAll creates nested directories and is idempotent", func(t *testing.T) {
		dir := srv.TempDir(t)
		for range 2 {
			if err := fsys.MkdirAll(ctx, dir+"/quarantine/2026/03"); err != nil {
				t.Fatal(err)
			}
		}
		if fi, err := os.Stat(filepath.Join(dir, "quarantine", "2026", "03")); err != nil || !fi.IsDir() {
			t.Fatalf("not a directory: %v", err)
		}
		write(t, dir+"/plain", "x")
		if err := fsys.MkdirAll(ctx, dir+"/plain/sub"); err == nil {
			t.Error("MkdirAll below a file succeeded")
		}
	})

	t.Run("Remove deletes a file and a missing file is no error", func(t *testing.T) {
		dir := srv.TempDir(t)
		write(t, dir+"/orders.csv.done", "")
		for range 2 {
			if err := fsys.Remove(ctx, dir+"/orders.csv.done"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := fsys.Stat(ctx, dir+"/orders.csv.done"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("still there: %v", err)
		}
	})

	t.Run("names with spaces and non-ASCII letters pass unchanged", func(t *testing.T) {
		dir := srv.TempDir(t)
		const name = "Bestellung März é 中文 #1.csv"
		write(t, dir+"/"+name, "ü")
		if got := names(t, dir); !slices.Equal(got, []string{name}) {
			t.Fatalf("List = %q, want %q", got, name)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("not on disk under its name: %v", err)
		}
		if err := fsys.MkdirAll(ctx, dir+"/архив 1"); err != nil {
			t.Fatal(err)
		}
		if err := fsys.Rename(ctx, dir+"/"+name, dir+"/архив 1/"+name); err != nil {
			t.Fatal(err)
		}
		if got := read(t, dir+"/архив 1/"+name); got != "ü" {
			t.Errorf("content = %q", got)
		}
	})

	t.Run("Open streams a large file whole, by Read and by io.Copy", func(t *testing.T) {
		dir := srv.TempDir(t)
		data := make([]byte, 3<<20+123) // several requests in flight, odd tail
		for i := range data {
			data[i] = byte(i * 7)
		}
		if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := read(t, dir+"/big.bin"); got != string(data) {
			t.Errorf("io.ReadAll: %d bytes, different from the %d written", len(got), len(data))
		}
		rc, err := fsys.Open(dir + "/big.bin")
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := io.Copy(&buf, rc)
		if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
			t.Errorf("io.Copy = %d, %v; want %d identical bytes", n, err, len(data))
		}
		if err := rc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := rc.Close(); err != nil {
			t.Errorf("Close again: %v", err)
		}
	})

	t.Run("the file source takes and settles a file through it", func(t *testing.T) {
		dir := srv.TempDir(t)
		inbox := dir + "/inbox"
		if err := fsys.MkdirAll(ctx, inbox); err != nil {
			t.Fatal(err)
		}
		write(t, inbox+"/orders 1.csv", "order;line\n4711;1\n")
		src, err := filesource.New(fsys, filesource.Options{Partner: "acme", Connector: "erp_export", Inbox: inbox})
		if err != nil {
			t.Fatal(err)
		}
		inputs, err := src.Poll(ctx)
		if err != nil || len(inputs) != 1 {
			t.Fatalf("Poll = %d inputs, %v; want the one file", len(inputs), err)
		}
		in := inputs[0]
		sum := sha256.Sum256([]byte("order;line\n4711;1\n"))
		if in.Name != "orders 1.csv" || in.Size != 18 || in.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("input = %+v, want orders 1.csv, 18 bytes, sha256 %x", in, sum)
		}
		if err := src.Settle(ctx, in, connectors.Outcome{Status: connectors.StatusDone, Accepted: 1}); err != nil {
			t.Fatal(err)
		}
		if got := names(t, inbox); len(got) != 0 {
			t.Errorf("inbox still holds %q", got)
		}
		// Where the archive and the receipts go is the source's business;
		// that they arrived whole is this FS's.
		found := map[string]string{}
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				b, rerr := os.ReadFile(p)
				found[d.Name()] = string(b)
				return rerr
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := found["orders 1.csv"]; got != "order;line\n4711;1\n" {
			t.Errorf("archived file = %q (all files: %q)", got, slices.Sorted(maps.Keys(found)))
		}
		if got := found["orders 1.csv"+filesource.ReceiptSuffix]; !strings.Contains(got, `"status": "done"`) {
			t.Errorf("receipt = %q, want a whole JSON receipt saying done", got)
		}
	})
}
