package fstest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors/filesource"
)

// Local passing every case is connectors/filesource's own test.

// failures records what a case reports instead of failing the test; the
// cases report only through Errorf and Fatalf.
type failures struct {
	testing.TB
	said []string
}

func (f *failures) Errorf(format string, args ...any) {
	f.said = append(f.said, fmt.Sprintf(format, args...))
}

// Fatalf ends the goroutine of the case, as testing.T's does.
func (f *failures) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

// The broken FSes: Local with one promise of the contract broken.
type (
	replacingRename struct{ filesource.Local } // Rename replaces the target
	tempLeft        struct{ filesource.Local } // WriteFile leaves a temporary file
	listsEverything struct{ filesource.Local } // List gives directories and links too
	removeMissing   struct{ filesource.Local } // Remove of a missing file is an error
)

func (replacingRename) Rename(_ context.Context, oldname, newname string) error {
	return os.Rename(oldname, newname)
}

func (f tempLeft) WriteFile(ctx context.Context, name string, data []byte) error {
	if err := os.WriteFile(name+".tmp", data, 0o644); err != nil {
		return err
	}
	return f.Local.WriteFile(ctx, name, data)
}

func (listsEverything) List(_ context.Context, dir string) ([]filesource.FileInfo, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []filesource.FileInfo
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		out = append(out, filesource.FileInfo{Name: e.Name(), Size: info.Size(), ModTime: info.ModTime()})
	}
	return out, nil
}

func (removeMissing) Remove(_ context.Context, name string) error { return os.Remove(name) }

func TestTheKitFindsABrokenPromise(t *testing.T) {
	for _, c := range []struct {
		name string
		fs   filesource.FS
		run  func(*check)
		want string // in a failure
	}{
		{"a Rename that replaces", replacingRename{}, renameOntoExisting, "want fs.ErrExist"},
		{"a Rename that replaces, under the file source", replacingRename{}, sourceLifecycle, "the second file under another name"},
		{"a WriteFile that leaves a temporary file", tempLeft{}, writeFileReplaces, "want r.json alone"},
		{"a List that gives directories and links", listsEverything{}, listFilters, "no directory, no link"},
		{"a Remove of a missing file that fails", removeMissing{}, removeFile, "Remove 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			rec := &failures{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				c.run(&check{TB: rec, Target: Target{FS: c.fs, Dir: filepath.ToSlash(dir), Local: dir}, ctx: t.Context()})
			}()
			<-done
			if !strings.Contains(strings.Join(rec.said, "\n"), c.want) {
				t.Fatalf("failures %q, want one saying %q", rec.said, c.want)
			}
		})
	}
}
