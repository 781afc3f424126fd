package filesource

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// renameChecked refuses to replace newname, then renames. Between the check
// and the rename another writer could create newname; only the archive and
// quarantine, which the source alone writes, are renamed into.
func renameChecked(oldname, newname string) error {
	if _, err := os.Lstat(newname); err == nil {
		return fmt.Errorf("rename %s to %s: %w", oldname, newname, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(oldname, newname)
}
