package filesource

import (
	"errors"
	"fmt"
	"io/fs"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames in one step and fails with fs.ErrExist instead of
// replacing newname (renameat2 with RENAME_NOREPLACE). On a filesystem
// without that flag it falls back to a check and a plain rename.
func renameNoReplace(oldname, newname string) error {
	err := unix.Renameat2(unix.AT_FDCWD, oldname, unix.AT_FDCWD, newname, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return fmt.Errorf("rename %s to %s: %w", oldname, newname, fs.ErrExist)
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP):
		return renameChecked(oldname, newname)
	case errors.Is(err, unix.EXDEV):
		return fmt.Errorf("rename %s to %s: not on the same filesystem (archive and quarantine must be on the inbox's filesystem): %w", oldname, newname, err)
	}
	return fmt.Errorf("rename %s to %s: %w", oldname, newname, err)
}
