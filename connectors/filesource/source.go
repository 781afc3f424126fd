// Package filesource is the connectors.Source of file drops: it finds
// complete files in an inbox, hands them to the runtime with their sha256,
// and settles each one by moving it to an archive or a quarantine with a
// receipt beside it. The lifecycle is written once over FS; Local is the
// local-directory FS, and FTP and SFTP are meant to be further FS
// implementations.
//
// A file is complete when its done marker exists (done_marker configured:
// orders.csv is taken once orders.csv.done is there), or otherwise when its
// size and modification time have not changed for SettleTime across polls.
// Dot-files, temporary names (*.tmp, *.part, *.partial, *.filepart, ~*),
// receipts and markers are never taken.
package filesource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/procurehub/procurehub/connectors"
)

// ReceiptSuffix ends the name of the receipt written beside a settled file.
const ReceiptSuffix = ".receipt.json"

// Options configures a Source.
type Options struct {
	Partner   string // partner name, for inputs and receipts
	Connector string // connector kind, for inputs
	// Inbox is the directory to watch (not recursively).
	Inbox string
	// Pattern selects file names (path.Match syntax); default "*".
	Pattern string
	// Archive receives done and duplicate files; default Inbox/archive.
	Archive string
	// Quarantine receives partial and rejected files; default Inbox/quarantine.
	Quarantine string
	// SettleTime is how long size and modification time must stay the same
	// across polls before a file is taken; 0 takes a file on first sight.
	// Not used when DoneMarker is set.
	SettleTime time.Duration
	// DoneMarker, when set, is the suffix of the marker file that says a file
	// is complete (".done": orders.csv.done completes orders.csv). The marker
	// is removed once the file is settled.
	DoneMarker string
	// MaxFiles bounds the inputs one Poll returns, oldest first; 0 is no bound.
	MaxFiles int
	// Now is the clock; time.Now by default. Tests set it to step time.
	Now    func() time.Time
	Logger *slog.Logger
}

// withDefaults fills unset options and checks them.
func (o Options) withDefaults() (Options, error) {
	if o.Inbox == "" {
		return o, errors.New("filesource: inbox is required")
	}
	if o.Pattern == "" {
		o.Pattern = "*"
	}
	if _, err := path.Match(o.Pattern, ""); err != nil {
		return o, fmt.Errorf("filesource: pattern %q: %w", o.Pattern, err)
	}
	if o.Archive == "" {
		o.Archive = path.Join(o.Inbox, "archive")
	}
	if o.Quarantine == "" {
		o.Quarantine = path.Join(o.Inbox, "quarantine")
	}
	inbox := path.Clean(o.Inbox)
	if path.Clean(o.Archive) == inbox || path.Clean(o.Quarantine) == inbox {
		return o, errors.New("filesource: archive and quarantine must not be the inbox itself")
	}
	if o.SettleTime < 0 {
		return o, fmt.Errorf("filesource: settle time %s is negative", o.SettleTime)
	}
	if strings.Contains(o.DoneMarker, "/") {
		return o, fmt.Errorf("filesource: done marker %q must be a name suffix, not a path", o.DoneMarker)
	}
	if o.MaxFiles < 0 {
		return o, fmt.Errorf("filesource: max files %d is negative", o.MaxFiles)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// Source finds complete files in an inbox and settles them. It is safe for
// concurrent use; it keeps what it saw of each file between polls, so one
// Source should serve an inbox for its whole life.
type Source struct {
	fs  FS
	opt Options

	mu     sync.Mutex
	files  map[string]*fileState // by name, files of the inbox seen by the last poll
	closed bool
}

// fileState is what the source remembers of a file between polls.
type fileState struct {
	size        int64
	modTime     time.Time
	stableSince time.Time // when size and modTime were first seen as they are
	sha256      string    // once computed, for this size and modTime
	receivedAt  time.Time // when the file was first returned complete
}

var _ connectors.Source = (*Source)(nil)

// New returns a source over fsys. It does not touch fsys: a missing inbox
// shows as an error of Poll.
func New(fsys FS, opt Options) (*Source, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Source{fs: fsys, opt: opt, files: map[string]*fileState{}}, nil
}

// Poll returns the complete files not yet settled, oldest first, at most
// MaxFiles. A file returned once is returned again until it is settled. A
// file that cannot be read is left out and reported in the error, beside
// the inputs that could be.
func (s *Source) Poll(ctx context.Context) ([]connectors.Input, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("filesource: poll after close")
	}
	list, err := s.fs.List(ctx, s.opt.Inbox)
	if err != nil {
		return nil, fmt.Errorf("filesource: list %s: %w", s.opt.Inbox, err)
	}
	now := s.opt.Now()
	names := make(map[string]bool, len(list))
	for _, f := range list {
		names[f.Name] = true
	}
	for name := range s.files {
		if !names[name] {
			delete(s.files, name) // gone: forget it
		}
	}
	var ready []FileInfo
	for _, f := range list {
		if !s.wanted(f.Name) {
			continue
		}
		st := s.files[f.Name]
		if st == nil || st.size != f.Size || !st.modTime.Equal(f.ModTime) {
			st = &fileState{size: f.Size, modTime: f.ModTime, stableSince: now}
			s.files[f.Name] = st
		}
		if s.complete(f, st, now, names) {
			ready = append(ready, f)
		}
	}
	sort.Slice(ready, func(i, j int) bool {
		if !ready[i].ModTime.Equal(ready[j].ModTime) {
			return ready[i].ModTime.Before(ready[j].ModTime)
		}
		return ready[i].Name < ready[j].Name
	})
	if s.opt.MaxFiles > 0 && len(ready) > s.opt.MaxFiles {
		ready = ready[:s.opt.MaxFiles]
	}
	inputs := make([]connectors.Input, 0, len(ready))
	var errs []error
	for _, f := range ready {
		if err := ctx.Err(); err != nil {
			return inputs, err
		}
		st := s.files[f.Name]
		if st.sha256 == "" {
			sum, err := s.hash(f.Name)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			st.sha256 = sum
		}
		if st.receivedAt.IsZero() {
			st.receivedAt = now
		}
		inputs = append(inputs, s.input(f, st.sha256))
	}
	return inputs, errors.Join(errs...)
}

// wanted reports whether a name is a candidate: it matches the pattern and
// is not hidden, temporary, a receipt or a marker.
func (s *Source) wanted(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") {
		return false
	}
	for _, suffix := range []string{".tmp", ".part", ".partial", ".filepart", ReceiptSuffix} {
		if strings.HasSuffix(name, suffix) {
			return false
		}
	}
	if s.opt.DoneMarker != "" && strings.HasSuffix(name, s.opt.DoneMarker) {
		return false
	}
	ok, _ := path.Match(s.opt.Pattern, name)
	return ok
}

// complete decides whether a file is no longer being written.
func (s *Source) complete(f FileInfo, st *fileState, now time.Time, names map[string]bool) bool {
	if s.opt.DoneMarker != "" {
		return names[f.Name+s.opt.DoneMarker]
	}
	return now.Sub(st.stableSince) >= s.opt.SettleTime
}

func (s *Source) hash(name string) (string, error) {
	rc, err := s.fs.Open(path.Join(s.opt.Inbox, name))
	if err != nil {
		return "", fmt.Errorf("filesource: open %s: %w", name, err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("filesource: read %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (s *Source) input(f FileInfo, sum string) connectors.Input {
	full := path.Join(s.opt.Inbox, f.Name)
	return connectors.Input{
		Partner:   s.opt.Partner,
		Connector: s.opt.Connector,
		Name:      f.Name,
		SHA256:    sum,
		Size:      f.Size,
		Open:      func() (io.ReadCloser, error) { return s.fs.Open(full) },
	}
}

// Receipt is written beside a settled file as <name>.receipt.json, for the
// partner and for operators.
type Receipt struct {
	File       string                `json:"file"` // name as received
	Partner    string                `json:"partner"`
	SHA256     string                `json:"sha256"`
	Status     connectors.Status     `json:"status"`
	Accepted   int                   `json:"accepted"`
	Rejected   int                   `json:"rejected"`
	RowErrors  []connectors.RowError `json:"row_errors"`
	FileError  *connectors.FileError `json:"file_error"`
	ReceivedAt time.Time             `json:"received_at"`
	SettledAt  time.Time             `json:"settled_at"`
}

// Settle moves the file to the archive (done, duplicate) or the quarantine
// (partial, rejected) without replacing anything there (a name already
// taken gets a timestamp suffix: orders.20260301T101500Z.csv), then writes
// the receipt beside it and removes the done marker. A file that changed
// since it was polled is not moved: it is offered again by the next poll.
func (s *Source) Settle(ctx context.Context, in connectors.Input, o connectors.Outcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("filesource: settle after close")
	}
	var dir string
	switch o.Status {
	case connectors.StatusDone, connectors.StatusDuplicate:
		dir = s.opt.Archive
	case connectors.StatusPartial, connectors.StatusRejected:
		dir = s.opt.Quarantine
	default:
		return fmt.Errorf("filesource: settle %s: unknown status %q", in.Name, o.Status)
	}
	from := path.Join(s.opt.Inbox, in.Name)
	st := s.files[in.Name]
	if st != nil {
		fi, err := s.fs.Stat(ctx, from)
		if err != nil {
			return fmt.Errorf("filesource: settle %s: %w", in.Name, err)
		}
		if fi.Size != st.size || !fi.ModTime.Equal(st.modTime) {
			delete(s.files, in.Name)
			return fmt.Errorf("filesource: settle %s: the file changed since it was taken; it will be taken again", in.Name)
		}
	}
	if err := s.fs.MkdirAll(ctx, dir); err != nil {
		return fmt.Errorf("filesource: settle %s: %w", in.Name, err)
	}
	to, err := s.moveUnique(ctx, from, dir, in.Name)
	if err != nil {
		return fmt.Errorf("filesource: settle %s: %w", in.Name, err)
	}
	now := s.opt.Now()
	r := Receipt{
		File: in.Name, Partner: in.Partner, SHA256: in.SHA256, Status: o.Status,
		Accepted: o.Accepted, Rejected: o.Rejected, RowErrors: o.RowErrors, FileError: o.FileError,
		ReceivedAt: now, SettledAt: now,
	}
	if r.RowErrors == nil {
		r.RowErrors = []connectors.RowError{}
	}
	if st != nil && !st.receivedAt.IsZero() {
		r.ReceivedAt = st.receivedAt
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("filesource: settle %s: encode receipt: %w", in.Name, err)
	}
	if err := s.fs.WriteFile(ctx, to+ReceiptSuffix, append(data, '\n')); err != nil {
		return fmt.Errorf("filesource: settle %s: write receipt: %w", in.Name, err)
	}
	delete(s.files, in.Name)
	if s.opt.DoneMarker != "" {
		marker := from + s.opt.DoneMarker
		if err := s.fs.Remove(ctx, marker); err != nil {
			// The file is settled; a marker left behind would complete the
			// next file of the same name too early, so say so loudly.
			s.opt.Logger.Error("done marker not removed", "file", in.Name, "marker", marker, "err", err)
		}
	}
	return nil
}

// maxSuffixTries bounds the search for a free name in the archive.
const maxSuffixTries = 100

// moveUnique moves from into dir under name, or under name with a
// timestamp (and a counter) when name is taken, and returns the new path.
func (s *Source) moveUnique(ctx context.Context, from, dir, name string) (string, error) {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	stamp := s.opt.Now().UTC().Format("20060102T150405Z")
	for i := 0; i < maxSuffixTries; i++ {
		candidate := name
		switch {
		case i == 1:
			candidate = stem + "." + stamp + ext
		case i > 1:
			candidate = fmt.Sprintf("%s.%s-%d%s", stem, stamp, i, ext)
		}
		to := path.Join(dir, candidate)
		err := s.fs.Rename(ctx, from, to)
		if err == nil {
			return to, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name for %s in %s after %d tries", name, dir, maxSuffixTries)
}

// Close stops the source and closes its FS when that holds a connection.
// Calling it again does nothing.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if c, ok := s.fs.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
