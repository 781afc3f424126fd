package filesource_test

import (
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/connectors/filesource"
	"github.com/procurehub/procurehub/connectors/filesource/fstest"
)

func TestLocalPassesTheFSContract(t *testing.T) {
	fstest.Run(t, func(t *testing.T) fstest.Target {
		dir := t.TempDir()
		return fstest.Target{FS: filesource.Local{}, Dir: filepath.ToSlash(dir), Local: dir}
	})
}
