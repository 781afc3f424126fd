// Package filesource is the connectors.Source of file drops: it finds
// complete files in an inbox, hands them to the runtime with their sha256,
// and settles each one by moving it to an archive or a quarantine with a
// receipt beside it. The lifecycle is written once over FS; Local is the
// local-directory FS, and FTP and SFTP are meant to be further FS
// implementations.
//
// When a file is complete is the partner's convention (Completion):
// "stable" (its size and modification time have not changed for SettleTime
// across polls), "marker" (orders.csv is taken once orders.csv.done is
// there) or "rename" (the partner uploads under a temporary name and renames
// when done, so a file under its final name is complete at once). Names
// matching the temporary patterns (dot-files, *.tmp, *.part, *.partial,
// *.filepart, ~* by default), receipts and markers are never taken; a name
// that could leave the inbox (a slash, "..", a control character) is
// refused and reported.
//
// A settled file goes to archive/YYYY/MM/DD/ (done, duplicate) or to
// quarantine/ (partial, rejected), never replacing a file there. Its
// receipt, <name>.receipt.json, is written to the partner's outbox and
// beside the settled file, with <name>.rejected.csv listing every rejected
// row when there are any. Files on a server (FTP, SFTP) are downloaded once
// into a local spool while they are hashed, so the content decoded is the
// content hashed and a dropped connection never yields half a file.
package filesource

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/procurehub/procurehub/connectors"
)

// Suffixes of what the source writes for a settled file.
const (
	ReceiptSuffix  = ".receipt.json" // the receipt (JSON)
	RejectedSuffix = ".rejected.csv" // the rejected rows with their reasons
)

// Completion conventions: how a partner says a file is complete.
const (
	CompleteStable = "stable" // size and modification time unchanged for SettleTime
	CompleteMarker = "marker" // a marker file <name><DoneMarker> exists
	CompleteRename = "rename" // uploaded under a temporary name, renamed when done
)

// DefaultTempPatterns are the names of files still being uploaded, never taken.
var DefaultTempPatterns = []string{".*", "~*", "*.tmp", "*.part", "*.partial", "*.filepart"}

// Options configures a Source.
type Options struct {
	Partner   string // partner name, for inputs and receipts
	Connector string // connector kind, for inputs
	// Origin names the place of the inbox in the ledger, without
	// credentials ("sftp://procurehub@sftp.example:22"); the inbox path is
	// appended. Default: a local directory, "file:<inbox>".
	Origin string
	// Inbox is the directory to watch (not recursively).
	Inbox string
	// Pattern selects file names (path.Match syntax); default "*".
	Pattern string
	// Patterns are more patterns: a name matching any of Pattern and
	// Patterns is taken ("*.csv", "*.CSV", "AB_*.xlsx").
	Patterns []string
	// Archive receives done and duplicate files; default Inbox/archive.
	Archive string
	// Quarantine receives partial and rejected files; default Inbox/quarantine.
	Quarantine string
	// Outbox receives a copy of every receipt and the rejected-rows CSV, for
	// the partner to read; default Inbox/outbox.
	Outbox string
	// Completion is the partner's convention for complete files:
	// CompleteStable (default), CompleteMarker (default when DoneMarker is
	// set) or CompleteRename.
	Completion string
	// SettleTime is how long size and modification time must stay the same
	// across polls before a file is taken (CompleteStable); 0 takes a file on
	// first sight.
	SettleTime time.Duration
	// DoneMarker is the suffix of the marker file that says a file is
	// complete (CompleteMarker; ".done": orders.csv is taken once
	// orders.csv.done exists). The marker is removed once the file is settled.
	DoneMarker string
	// TempPatterns are path.Match patterns of names never taken (files
	// being uploaded); default DefaultTempPatterns.
	TempPatterns []string
	// Spool, when set, is a local directory the files are downloaded into
	// while they are hashed; inputs are then read from there. Set it for
	// FS on a server. It must belong to this source alone: files left there
	// by an earlier run are removed by New.
	Spool string
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
	if o.Pattern == "" && len(o.Patterns) == 0 {
		o.Pattern = "*"
	}
	for _, p := range append([]string{o.Pattern}, o.Patterns...) {
		if _, err := path.Match(p, ""); err != nil {
			return o, fmt.Errorf("filesource: pattern %q: %w", p, err)
		}
	}
	if o.Archive == "" {
		o.Archive = path.Join(o.Inbox, "archive")
	}
	if o.Quarantine == "" {
		o.Quarantine = path.Join(o.Inbox, "quarantine")
	}
	if o.Outbox == "" {
		o.Outbox = path.Join(o.Inbox, "outbox")
	}
	inbox := path.Clean(o.Inbox)
	if path.Clean(o.Archive) == inbox || path.Clean(o.Quarantine) == inbox || path.Clean(o.Outbox) == inbox {
		return o, errors.New("filesource: archive, quarantine and outbox must not be the inbox itself")
	}
	switch {
	case o.Completion == "" && o.DoneMarker != "":
		o.Completion = CompleteMarker
	case o.Completion == "":
		o.Completion = CompleteStable
	case o.Completion != CompleteStable && o.Completion != CompleteMarker && o.Completion != CompleteRename:
		return o, fmt.Errorf("filesource: completion %q is not one of %s, %s, %s", o.Completion, CompleteStable, CompleteMarker, CompleteRename)
	}
	if o.Completion == CompleteMarker && o.DoneMarker == "" {
		return o, errors.New("filesource: completion marker needs a done marker suffix")
	}
	if o.Completion != CompleteMarker && o.DoneMarker != "" {
		return o, fmt.Errorf("filesource: a done marker is only used with completion %s", CompleteMarker)
	}
	if o.TempPatterns == nil {
		o.TempPatterns = DefaultTempPatterns
	}
	for _, p := range o.TempPatterns {
		if _, err := path.Match(p, ""); err != nil {
			return o, fmt.Errorf("filesource: temp pattern %q: %w", p, err)
		}
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
	spooled     string    // local copy in the spool, when there is one
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
	if opt.Spool != "" {
		if err := resetSpool(opt.Spool); err != nil {
			return nil, fmt.Errorf("filesource: spool: %w", err)
		}
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
	for name, st := range s.files {
		if !names[name] {
			s.forget(name, st) // gone (another instance settled it, or the partner took it back)
		}
	}
	var ready []FileInfo
	var errs []error
	for _, f := range list {
		if err := unsafeName(f.Name); err != nil {
			errs = append(errs, fmt.Errorf("filesource: refusing %q in %s: %w", f.Name, s.opt.Inbox, err))
			continue
		}
		if !s.wanted(f.Name) {
			continue
		}
		st := s.files[f.Name]
		if st == nil || st.size != f.Size || !st.modTime.Equal(f.ModTime) {
			if st != nil {
				s.forget(f.Name, st)
			}
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
	for _, f := range ready {
		if err := ctx.Err(); err != nil {
			return inputs, err
		}
		st := s.files[f.Name]
		if st.sha256 == "" {
			if err := s.hash(f, st); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if st.receivedAt.IsZero() {
			st.receivedAt = now
		}
		inputs = append(inputs, s.input(f, st))
	}
	return inputs, errors.Join(errs...)
}

// unsafeName says why a listed name must not be used as a file name in
// the inbox, archive or outbox: it is empty, has a path separator, is a
// "." or ".." or has a control character. A server that lists such a name
// is broken or hostile; the file is never taken.
func unsafeName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return errors.New("not a file name")
	case strings.ContainsAny(name, `/\`):
		return errors.New("a file name with a path separator could leave the inbox")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("control character %U in the name", r)
		}
	}
	return nil
}

// forget drops what the source knew of a file, and its spooled copy.
func (s *Source) forget(name string, st *fileState) {
	if st.spooled != "" {
		if err := os.Remove(st.spooled); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.opt.Logger.Warn("spooled copy not removed", "file", name, "spool", st.spooled, "err", err)
		}
	}
	delete(s.files, name)
}

// wanted reports whether a name is a candidate: it matches the pattern and
// is not hidden, temporary, a receipt or a marker.
func (s *Source) wanted(name string) bool {
	for _, p := range s.opt.TempPatterns {
		if ok, _ := path.Match(p, name); ok {
			return false
		}
	}
	if strings.HasSuffix(name, ReceiptSuffix) || strings.HasSuffix(name, RejectedSuffix) {
		return false
	}
	if s.opt.DoneMarker != "" && strings.HasSuffix(name, s.opt.DoneMarker) {
		return false
	}
	if ok, _ := path.Match(s.opt.Pattern, name); ok && s.opt.Pattern != "" {
		return true
	}
	for _, p := range s.opt.Patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// complete decides whether a file is no longer being written.
func (s *Source) complete(f FileInfo, st *fileState, now time.Time, names map[string]bool) bool {
	switch s.opt.Completion {
	case CompleteMarker:
		return names[f.Name+s.opt.DoneMarker]
	case CompleteRename:
		return true
	}
	return now.Sub(st.stableSince) >= s.opt.SettleTime
}

// hash reads a file once to compute its sha256, into the spool when there
// is one. A read that fails or comes up short of the listed size (a dropped
// connection) leaves nothing behind; the next poll tries again.
func (s *Source) hash(f FileInfo, st *fileState) (err error) {
	rc, err := s.fs.Open(path.Join(s.opt.Inbox, f.Name))
	if err != nil {
		return fmt.Errorf("filesource: open %s: %w", f.Name, err)
	}
	defer rc.Close()
	h := sha256.New()
	var w io.Writer = h
	var tmp *os.File
	if s.opt.Spool != "" {
		if tmp, err = os.CreateTemp(s.opt.Spool, "download-*"); err != nil {
			return fmt.Errorf("filesource: spool %s: %w", f.Name, err)
		}
		defer func() {
			if err != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		w = io.MultiWriter(h, tmp)
	}
	n, err := io.Copy(w, rc)
	if err != nil {
		return fmt.Errorf("filesource: read %s: %w", f.Name, err)
	}
	if n != f.Size {
		return fmt.Errorf("filesource: read %s: got %d bytes of %d (it changed, or the transfer was cut short): %w", f.Name, n, f.Size, io.ErrUnexpectedEOF)
	}
	st.sha256 = hex.EncodeToString(h.Sum(nil))
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return fmt.Errorf("filesource: spool %s: %w", f.Name, err)
		}
		st.spooled = tmp.Name()
	}
	return nil
}

func (s *Source) input(f FileInfo, st *fileState) connectors.Input {
	full := path.Join(s.opt.Inbox, f.Name)
	open := func() (io.ReadCloser, error) { return s.fs.Open(full) }
	if spooled := st.spooled; spooled != "" {
		open = func() (io.ReadCloser, error) { return os.Open(spooled) }
	}
	return connectors.Input{
		Partner:   s.opt.Partner,
		Connector: s.opt.Connector,
		Name:      f.Name,
		Origin:    s.origin(),
		SHA256:    st.sha256,
		Size:      f.Size,
		Open:      open,
	}
}

// origin is where the inputs come from, for the ledger.
func (s *Source) origin() string {
	if s.opt.Origin == "" {
		return "file:" + s.opt.Inbox
	}
	return s.opt.Origin + "/" + strings.TrimPrefix(s.opt.Inbox, "/")
}

// resetSpool creates the spool directory and empties it of an earlier run's downloads.
func resetSpool(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "download-*"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return nil
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
	Warnings   []connectors.RowError `json:"warnings,omitempty"` // problems that rejected nothing
	Replies    []string              `json:"replies,omitempty"`  // names of the replies written to the outbox
	ReceivedAt time.Time             `json:"received_at"`
	SettledAt  time.Time             `json:"settled_at"`
}

// Settle writes the receipt (and the rejected rows) to the outbox, then
// moves the file to archive/YYYY/MM/DD/ (done, duplicate) or the quarantine
// (partial, rejected) without replacing anything there (a name already
// taken gets a timestamp suffix: orders.20260301T101500Z.csv), writes the
// receipt beside it and removes the done marker. The outbox comes first so
// that a crash between the two leaves the file in the inbox, to be settled
// again, rather than a settled file without a receipt. A file that changed
// since it was polled is not moved: it is offered again by the next poll.
func (s *Source) Settle(ctx context.Context, in connectors.Input, o connectors.Outcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("filesource: settle after close")
	}
	now := s.opt.Now()
	var dir string
	switch o.Status {
	case connectors.StatusDone, connectors.StatusDuplicate:
		dir = path.Join(s.opt.Archive, now.UTC().Format("2006/01/02"))
	case connectors.StatusPartial, connectors.StatusRejected:
		dir = s.opt.Quarantine
	default:
		return fmt.Errorf("filesource: settle %s: unknown status %q", in.Name, o.Status)
	}
	if err := unsafeName(in.Name); err != nil {
		return fmt.Errorf("filesource: settle %q: %w", in.Name, err)
	}
	from := path.Join(s.opt.Inbox, in.Name)
	st := s.files[in.Name]
	if st != nil {
		fi, err := s.fs.Stat(ctx, from)
		if err != nil {
			return fmt.Errorf("filesource: settle %s: %w", in.Name, err)
		}
		if fi.Size != st.size || !fi.ModTime.Equal(st.modTime) {
			s.forget(in.Name, st)
			return fmt.Errorf("filesource: settle %s: the file changed since it was taken; it will be taken again", in.Name)
		}
	}
	r := Receipt{
		File: in.Name, Partner: in.Partner, SHA256: in.SHA256, Status: o.Status,
		Accepted: o.Accepted, Rejected: o.Rejected, RowErrors: o.RowErrors, FileError: o.FileError,
		Warnings: o.Warnings, ReceivedAt: now, SettledAt: now,
	}
	for _, rep := range o.Replies {
		if err := unsafeName(rep.Name); err != nil {
			return fmt.Errorf("filesource: settle %s: reply %q: %w", in.Name, rep.Name, err)
		}
		r.Replies = append(r.Replies, rep.Name)
	}
	if r.RowErrors == nil {
		r.RowErrors = []connectors.RowError{}
	}
	if st != nil && !st.receivedAt.IsZero() {
		r.ReceivedAt = st.receivedAt
	}
	receipt, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("filesource: settle %s: encode receipt: %w", in.Name, err)
	}
	receipt = append(receipt, '\n')
	if err := s.writeOutbox(ctx, in.Name, receipt, o); err != nil {
		return fmt.Errorf("filesource: settle %s: outbox: %w", in.Name, err)
	}
	if err := s.fs.MkdirAll(ctx, dir); err != nil {
		return fmt.Errorf("filesource: settle %s: %w", in.Name, err)
	}
	to, err := s.moveUnique(ctx, from, dir, in.Name)
	if err != nil {
		return fmt.Errorf("filesource: settle %s: %w", in.Name, err)
	}
	if st != nil {
		s.forget(in.Name, st)
	}
	if err := s.fs.WriteFile(ctx, to+ReceiptSuffix, receipt); err != nil {
		// Settled, and the partner has the receipt in the outbox.
		s.opt.Logger.Error("receipt not written beside the settled file", "file", in.Name, "to", to, "err", err)
	}
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

// writeOutbox writes the replies, the receipt, and the rejected rows as
// CSV when rows were rejected, to the partner's outbox. The receipt comes
// after the replies it names.
func (s *Source) writeOutbox(ctx context.Context, name string, receipt []byte, o connectors.Outcome) error {
	if err := s.fs.MkdirAll(ctx, s.opt.Outbox); err != nil {
		return err
	}
	for _, r := range o.Replies {
		if err := s.fs.WriteFile(ctx, path.Join(s.opt.Outbox, r.Name), r.Content); err != nil {
			return err
		}
	}
	if err := s.fs.WriteFile(ctx, path.Join(s.opt.Outbox, name+ReceiptSuffix), receipt); err != nil {
		return err
	}
	if len(o.RowErrors) == 0 && o.FileError == nil {
		return nil
	}
	return s.fs.WriteFile(ctx, path.Join(s.opt.Outbox, name+RejectedSuffix), RejectedCSV(o))
}

// RejectedCSV lists what was rejected of an input, one row per row error
// (or the file error), for the partner: file, sheet, line, column, field,
// code, message. Receipts keep at most a bounded number of row errors; the
// CSV lists the ones the outcome kept.
func RejectedCSV(o connectors.Outcome) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"file", "sheet", "line", "column", "field", "code", "message"})
	itoa := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	if fe := o.FileError; fe != nil {
		w.Write([]string{fe.File, "", itoa(fe.Line), "", "", fe.Code, fe.Message})
	}
	for _, e := range o.RowErrors {
		w.Write([]string{e.File, e.Sheet, itoa(e.Line), itoa(e.Column), e.Field, e.Code, e.Message})
	}
	w.Flush()
	return b.Bytes()
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
