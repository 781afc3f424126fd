package filesource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FS is what a file source needs from the place files are dropped: a local
// directory (Local) now, an FTP or SFTP server later. Names are
// slash-separated paths as the source builds them with path.Join. An FS that
// holds a connection also implements io.Closer; Source.Close closes it.
type FS interface {
	// List returns the regular files directly in dir (not directories, not
	// symbolic links, not the contents of subdirectories), in any order.
	List(ctx context.Context, dir string) ([]FileInfo, error)
	// Stat returns a file's size and modification time; an error matching
	// fs.ErrNotExist when it is gone.
	Stat(ctx context.Context, name string) (FileInfo, error)
	// Open opens a file for reading from its start.
	Open(name string) (io.ReadCloser, error)
	// Rename moves a file in one step and never replaces another file: it
	// returns an error matching fs.ErrExist when newname is taken.
	Rename(ctx context.Context, oldname, newname string) error
	// WriteFile writes a whole file durably; readers see all of it or none.
	// It replaces a file of the same name.
	WriteFile(ctx context.Context, name string, data []byte) error
	// MkdirAll creates a directory and its parents as needed.
	MkdirAll(ctx context.Context, dir string) error
	// Remove deletes a file; a file that is already gone is not an error.
	Remove(ctx context.Context, name string) error
}

// FileInfo is what the source needs to know about a file.
type FileInfo struct {
	Name    string // base name
	Size    int64
	ModTime time.Time
}

// Local is the FS of a local directory tree. Moves are renames, so the
// archive and quarantine must be on the inbox's filesystem.
type Local struct{}

var _ FS = Local{}

func (Local) List(_ context.Context, dir string) ([]FileInfo, error) {
	entries, err := os.ReadDir(filepath.FromSlash(dir))
	if err != nil {
		return nil, err
	}
	out := make([]FileInfo, 0, len(entries))
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the directory was read
		}
		if err != nil {
			return nil, err
		}
		out = append(out, FileInfo{Name: e.Name(), Size: info.Size(), ModTime: info.ModTime()})
	}
	return out, nil
}

func (Local) Stat(_ context.Context, name string) (FileInfo, error) {
	info, err := os.Stat(filepath.FromSlash(name))
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Name: info.Name(), Size: info.Size(), ModTime: info.ModTime()}, nil
}

func (Local) Open(name string) (io.ReadCloser, error) { return os.Open(filepath.FromSlash(name)) }

func (Local) Rename(_ context.Context, oldname, newname string) error {
	return renameNoReplace(filepath.FromSlash(oldname), filepath.FromSlash(newname))
}

// WriteFile writes to a temporary file in the same directory, syncs it,
// renames it into place and syncs the directory, so that a crash leaves
// either the old state or the whole new file.
func (Local) WriteFile(_ context.Context, name string, data []byte) (err error) {
	name = filepath.FromSlash(name)
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func (Local) MkdirAll(_ context.Context, dir string) error {
	return os.MkdirAll(filepath.FromSlash(dir), 0o755)
}

func (Local) Remove(_ context.Context, name string) error {
	err := os.Remove(filepath.FromSlash(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
