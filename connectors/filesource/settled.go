package filesource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/procurehub/procurehub/connectors"
)

// ErrNotSettled is returned by Settled when no settled file has the
// content asked for.
var ErrNotSettled = errors.New("no settled file with that content")

// Settled finds an input this source settled before, for a replay: the
// file first received as name whose content has the hex sha256, in the
// archive folder of one of days (archive/YYYY/MM/DD, the days it may have
// been settled on) or in the quarantine, under its name or the name with
// the timestamp suffix a clash in the archive gave it. Each candidate is
// read to check its hash, so a file replaced since is never taken for it.
// The input keeps the name it was received as.
func (s *Source) Settled(ctx context.Context, name, sha string, days []time.Time) (connectors.Input, error) {
	if err := unsafeName(name); err != nil {
		return connectors.Input{}, fmt.Errorf("filesource: settled %q: %w", name, err)
	}
	dirs := []string{s.opt.Quarantine}
	seen := map[string]bool{s.opt.Quarantine: true}
	for _, d := range days {
		dir := path.Join(s.opt.Archive, d.UTC().Format("2006/01/02"))
		if !seen[dir] {
			seen[dir] = true
			dirs = append(dirs, dir)
		}
	}
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for _, dir := range dirs {
		files, err := s.fs.List(ctx, dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return connectors.Input{}, fmt.Errorf("filesource: settled %s: list %s: %w", name, dir, err)
		}
		for _, f := range files {
			if f.Name != name && (!strings.HasPrefix(f.Name, stem+".") || !strings.HasSuffix(f.Name, ext) ||
				strings.HasSuffix(f.Name, ReceiptSuffix) || strings.HasSuffix(f.Name, RejectedSuffix)) {
				continue
			}
			full := path.Join(dir, f.Name)
			got, err := s.sha256Of(full)
			if err != nil {
				return connectors.Input{}, fmt.Errorf("filesource: settled %s: %w", name, err)
			}
			if got != sha {
				continue
			}
			return connectors.Input{
				Partner: s.opt.Partner, Connector: s.opt.Connector, Name: name, Origin: s.origin(),
				SHA256: sha, Size: f.Size,
				Open: func() (io.ReadCloser, error) { return s.fs.Open(full) },
			}, nil
		}
	}
	return connectors.Input{}, fmt.Errorf("filesource: %s (sha256 %s) in %s: %w", name, sha, strings.Join(dirs, ", "), ErrNotSettled)
}

func (s *Source) sha256Of(name string) (string, error) {
	rc, err := s.fs.Open(name)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
