package ftpfs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors/filesource/fstest"
	"github.com/procurehub/procurehub/internal/testserver/ftpd"
)

// The tests named TestRealVsftpd run against /usr/sbin/vsftpd (see
// internal/testserver/ftpd); they skip where it is not set up, and fail in
// CI (PROCUREHUB_REQUIRE_INTEGRATION=1).

func vsftpdFS(t *testing.T, s *ftpd.Server) *FS {
	t.Helper()
	f, err := New(Config{Address: s.Addr, User: s.User, Password: s.Password, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// TestRealVsftpdContract runs the filesource.FS contract against vsftpd,
// a fresh server per case.
func TestRealVsftpdContract(t *testing.T) {
	fstest.Run(t, func(t *testing.T) fstest.Target {
		s := ftpd.Start(t)
		return fstest.Target{FS: vsftpdFS(t, s), Local: s.Root}
	})
}

// TestRealVsftpdExplicitTLSContract runs the contract over explicit FTPS,
// with vsftpd requiring TLS session reuse on data connections.
func TestRealVsftpdExplicitTLSContract(t *testing.T) {
	fstest.Run(t, func(t *testing.T) fstest.Target {
		s := ftpd.StartTLS(t)
		f, err := New(Config{Address: s.Addr, User: s.User, Password: s.Password, TLS: "explicit", CAFile: s.CAFile, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = f.Close() })
		return fstest.Target{FS: f, Local: s.Root}
	})
}

func TestRealVsftpdWrongPassword(t *testing.T) {
	s := ftpd.Start(t)
	f, err := New(Config{Address: s.Addr, User: s.User, Password: "not-" + s.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = f.List(context.Background(), "")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "530") {
		t.Fatalf("List = %v; want a refused login (fs.ErrPermission, 530)", err)
	}
}

func TestRealVsftpdReconnectsAfterRestart(t *testing.T) {
	s := ftpd.Start(t)
	f := vsftpdFS(t, s)
	ctx := context.Background()
	fstest.MustWrite(t, f, "a.csv", []byte("a"))
	fstest.MustMkdirAll(t, f, "archive")

	s.Restart()
	if names := fstest.MustListNames(t, f, ""); len(names) != 1 || names[0] != "a.csv" {
		t.Fatalf("List after restart = %q", names)
	}
	s.Restart()
	if err := f.Rename(ctx, "a.csv", "archive/a.csv"); err != nil {
		t.Fatalf("Rename after restart: %v", err)
	}
	s.Restart()
	if err := f.WriteFile(ctx, "archive/a.csv.receipt.json", []byte("{}")); err != nil {
		t.Fatalf("WriteFile after restart: %v", err)
	}
	s.Restart()
	if got := fstest.MustRead(t, f, "archive/a.csv"); string(got) != "a" {
		t.Fatalf("archive/a.csv holds %q", got)
	}
}

func TestRealVsftpdDroppedDownloadIsAReadError(t *testing.T) {
	s := ftpd.Start(t)
	f := vsftpdFS(t, s)
	data := randomBytes(5 << 20)
	if err := os.WriteFile(filepath.Join(s.Root, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := mustOpen(t, f, "big.bin")
	head := make([]byte, 1<<10)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatalf("reading the start: %v", err)
	}
	s.DropConnections()
	n, err := io.Copy(io.Discard, r)
	if err == nil {
		t.Fatalf("read the rest (%d bytes, %d in all of %d) without an error after the connection dropped",
			n, int64(len(head))+n, len(data))
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Read = %v; want it to match io.ErrUnexpectedEOF", err)
	}
	t.Logf("read %d more bytes after the drop, then: %v", n, err)
	_ = r.Close()
	// The FS dials again for the next call.
	if got := fstest.MustRead(t, f, "big.bin"); !bytes.Equal(got, data) {
		t.Fatalf("the download after the drop got %d bytes of %d", len(got), len(data))
	}
}

func TestRealVsftpdRefusedChangesArePermissionDenied(t *testing.T) {
	s := ftpd.Start(t)
	f := vsftpdFS(t, s)
	ctx := context.Background()
	// A directory of root's that the FTP user may read but not change.
	locked := filepath.Join(s.Root, "locked")
	if err := os.Mkdir(locked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(locked, "in.csv"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	fstest.MustWrite(t, f, "a.csv", []byte("a"))

	if err := f.Rename(ctx, "a.csv", "locked/a.csv"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Rename into a read-only directory = %v, want fs.ErrPermission", err)
	}
	if err := f.Rename(ctx, "locked/in.csv", "in.csv"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Rename out of a read-only directory = %v, want fs.ErrPermission", err)
	}
	if err := f.WriteFile(ctx, "locked/r.json", []byte("{}")); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("WriteFile into a read-only directory = %v, want fs.ErrPermission", err)
	}
	if err := f.MkdirAll(ctx, "locked/sub"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("MkdirAll in a read-only directory = %v, want fs.ErrPermission", err)
	}
	if err := f.Remove(ctx, "locked/in.csv"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Remove in a read-only directory = %v, want fs.ErrPermission", err)
	}
	if got := fstest.MustRead(t, f, "a.csv"); string(got) != "a" {
		t.Errorf("a.csv holds %q after the refused rename", got)
	}
	if names := fstest.MustListNames(t, f, "locked"); len(names) != 1 || names[0] != "in.csv" {
		t.Errorf("locked holds %q; want in.csv alone", names)
	}
}
