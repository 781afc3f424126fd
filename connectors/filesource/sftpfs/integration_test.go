package sftpfs

// Tests against a real OpenSSH sshd (internal/testserver/sshd): skipped
// without one, failed when PROCUREHUB_REQUIRE_INTEGRATION=1.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/procurehub/procurehub/connectors/filesource/fstest"
	"github.com/procurehub/procurehub/internal/testserver/sshd"
)

func realConfig(s *sshd.Server) Config {
	return Config{
		Address:        s.Addr,
		User:           s.User,
		PrivateKey:     s.PrivateKey,
		KnownHostsFile: s.KnownHostsFile,
		Timeout:        10 * time.Second,
	}
}

// caseDir returns a fresh directory below the server's Root.
func caseDir(t *testing.T, s *sshd.Server) string {
	t.Helper()
	dir, err := os.MkdirTemp(s.Root, "case-")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRealSSHDContract runs the filesource.FS contract against OpenSSH,
// with an FS and a directory of its own per case.
func TestRealSSHDContract(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	fstest.Run(t, func(t *testing.T) fstest.Target {
		dir := caseDir(t, s) // sshd serves this machine's filesystem, without chroot
		return fstest.Target{FS: newFS(t, realConfig(s)), Dir: dir, Local: dir}
	})
}

// What OpenSSH's sftp-server answers a version 3 rename onto an existing
// file: it links and unlinks, link fails with EEXIST, and EEXIST has no
// version 3 code, so the answer is a bare SSH_FX_FAILURE. Rename relies on
// looking at the target after a failure; this test says when that changes.
func TestRealSSHDRenameOntoAnExistingFileIsAPlainFailure(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	signer, err := ssh.ParsePrivateKey(s.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	hostKeys, err := knownhosts.New(s.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	client, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{User: s.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hostKeys})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sc, err := sftp.NewClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	dir := caseDir(t, s)
	for _, name := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	err = sc.Rename(dir+"/a", dir+"/b")
	var se *sftp.StatusError
	if !errors.As(err, &se) || se.Code != fxFailure {
		t.Fatalf("rename onto an existing file: %v (%T), want SSH_FX_FAILURE (4)", err, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "b")); string(b) != "b" {
		t.Fatalf("the target changed to %q", b)
	}
	if _, ok := sc.HasExtension("posix-rename@openssh.com"); !ok {
		t.Fatal("OpenSSH no longer offers posix-rename@openssh.com; WriteFile falls back to remove and rename")
	}
	if _, ok := sc.HasExtension("fsync@openssh.com"); !ok {
		t.Error("OpenSSH no longer offers fsync@openssh.com; WriteFile does not flush")
	}
}

func TestRealSSHDReconnectsAfterRestart(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	f := newFS(t, realConfig(s))
	ctx := context.Background()
	dir := caseDir(t, s)
	if err := f.WriteFile(ctx, dir+"/before.csv", []byte("before")); err != nil {
		t.Fatal(err)
	}
	rc, err := f.Open(dir + "/before.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()

	s.Restart()

	if _, err := io.ReadAll(rc); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("reading a file opened before the restart: err = %v, want an error", err)
	}
	if err := f.Rename(ctx, dir+"/before.csv", dir+"/after.csv"); err != nil {
		t.Fatalf("Rename after the restart: %v", err)
	}
	list, err := f.List(ctx, dir)
	if err != nil || len(list) != 1 || list[0].Name != "after.csv" {
		t.Fatalf("List after the restart = %+v, %v", list, err)
	}
}

func TestRealSSHDDroppedConnectionDuringALongReadIsAnError(t *testing.T) {
	t.Parallel()
	const size, dropAt = 5 << 20, 1 << 20
	ways := []struct {
		name string
		// read reads r to the end, calling drop once dropAt bytes are in.
		read func(r io.Reader, drop func()) (int64, error)
	}{
		{"Read", func(r io.Reader, drop func()) (int64, error) {
			var n int64
			buf := make([]byte, 32<<10)
			for {
				m, err := r.Read(buf)
				n += int64(m)
				if err == io.EOF {
					return n, nil // what a silently truncated stream looks like
				}
				if err != nil {
					return n, err
				}
				if n >= dropAt && n-int64(m) < dropAt {
					drop()
				}
			}
		}},
		{"io.Copy", func(r io.Reader, drop func()) (int64, error) {
			return io.Copy(&dropWriter{drop: drop, at: dropAt}, r)
		}},
	}
	s := sshd.Start(t)
	name := filepath.Join(caseDir(t, s), "big.csv")
	if err := os.WriteFile(name, bytes.Repeat([]byte("0123456789abcdef"), size/16), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, way := range ways {
		t.Run(way.name, func(t *testing.T) {
			f := newFS(t, realConfig(s))
			rc, err := f.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			n, err := way.read(rc, s.DropConnections)
			if err == nil || errors.Is(err, io.EOF) || !errors.Is(err, ErrConnectionLost) {
				t.Fatalf("read %d of %d bytes, err = %v; want ErrConnectionLost, not a short read", n, size, err)
			}
			if n >= size {
				t.Fatalf("read all %d bytes although the connection dropped at %d", n, dropAt)
			}
			if _, err := f.Stat(context.Background(), name); err != nil {
				t.Errorf("Stat after the drop: %v", err)
			}
		})
	}
}

// dropWriter discards, and calls drop once at bytes have been written.
type dropWriter struct {
	n, at   int64
	drop    func()
	dropped bool
}

func (w *dropWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if w.n >= w.at && !w.dropped {
		w.dropped = true
		w.drop()
	}
	return len(p), nil
}

func TestRealSSHDHostKeyMismatchIsRefused(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	line, err := os.ReadFile(s.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	_, _, serverKey, _, _, err := ssh.ParseKnownHosts(line)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newTestKey(t)
	cfg := realConfig(s)
	cfg.KnownHostsFile = writeKnownHosts(t, knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, other))
	_, err = newFS(t, cfg).List(context.Background(), s.Root)
	if !errors.Is(err, ErrHostKeyMismatch) {
		t.Fatalf("err = %v, want ErrHostKeyMismatch", err)
	}
	for _, want := range []string{knownhosts.Normalize(s.Addr), ssh.FingerprintSHA256(serverKey)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// The tests run as root, whom a chmod 0555 directory does not stop, so the
// denial comes from the immutable attribute (chattr +i), which stops root
// too: link(2) into the directory fails with EPERM and OpenSSH answers
// SSH_FX_PERMISSION_DENIED. Where chattr is missing or not allowed (no
// CAP_LINUX_IMMUTABLE, a filesystem without the attribute) the test skips;
// TestPermissionDeniedIsFsErrPermission covers the mapping in process.
func TestRealSSHDPermissionDenied(t *testing.T) {
	t.Parallel()
	s := sshd.Start(t)
	dir := caseDir(t, s)
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", locked).CombinedOutput(); err != nil {
			t.Skipf("chattr +i: %v: %s; root ignores 0555, so there is no denial to test", err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("chattr", "-i", locked).CombinedOutput(); err != nil {
				t.Errorf("chattr -i %s: %v: %s", locked, err, out)
			}
		})
	}
	f := newFS(t, realConfig(s))
	ctx := context.Background()
	if err := f.WriteFile(ctx, dir+"/in.csv", []byte("x")); err != nil {
		t.Fatal(err)
	}

	err := f.Rename(ctx, dir+"/in.csv", locked+"/in.csv")
	if !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("Rename into a locked directory: err = %v, want fs.ErrPermission", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "in.csv")); err != nil {
		t.Errorf("the source is gone after the refused rename: %v", err)
	}
	if err := f.WriteFile(ctx, locked+"/r.json", []byte("{}")); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("WriteFile into a locked directory: err = %v, want fs.ErrPermission", err)
	}
}
