//go:build !linux

package filesource

func renameNoReplace(oldname, newname string) error { return renameChecked(oldname, newname) }
