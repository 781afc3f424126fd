package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/pipelines"
)

// --- partner dry runs ---

// DryRunRecord is one canonical record a dry run decoded, with what the
// hub's validation found in it (orders only).
type DryRunRecord struct {
	Type     string          `json:"type"`
	Key      string          `json:"key"`
	Data     json.RawMessage `json:"data"`
	Findings json.RawMessage `json:"findings,omitempty"` // validation findings; absent when there are none
	Errors   int             `json:"errors,omitempty"`   // findings that would hold the order for review
	Warnings int             `json:"warnings,omitempty"`
}

// DryRun is what a partner's file would give: its records, rejected rows
// and validation findings, with nothing published or stored.
type DryRun struct {
	Partner   string                `json:"partner"`
	File      string                `json:"file"`
	Records   []DryRunRecord        `json:"records"`
	RowErrors []connectors.RowError `json:"row_errors"`
	Warnings  []connectors.RowError `json:"warnings,omitempty"`
	FileError *connectors.FileError `json:"file_error,omitempty"`
	// Held counts orders the validation would hold for review.
	Held int `json:"held"`
}

// DryRunOptions say what a dry run reads.
type DryRunOptions struct {
	Config  *config.App
	Partner string
	// Name is the file's name as the partner would send it; Content its bytes.
	Name    string
	Content []byte
	// Mapping, when set, replaces the partner's mapping (a proposal being
	// reviewed, or another version).
	Mapping []byte
	Logger  *slog.Logger
}

// PartnerDryRun decodes a file with a partner's connector (decoder and
// mapping), validates every order with the config's rules and catalog, and
// reports it all. It publishes and stores nothing and touches no server:
// the partner's source is never polled.
func PartnerDryRun(ctx context.Context, o DryRunOptions) (*DryRun, error) {
	cfg := o.Config
	i := partnerIndex(cfg, o.Partner)
	if i < 0 {
		return nil, fmt.Errorf("partner %q is not in %s", o.Partner, cfg.File)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Mapping != nil {
		tmp, err := os.MkdirTemp("", "procurehub-dryrun-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		if cfg, err = withMapping(cfg, i, o.Mapping, tmp); err != nil {
			return nil, err
		}
	}
	reg, err := Builtins()
	if err != nil {
		return nil, err
	}
	if dp, err := DemandPlanner(cfg, nil, nil); err == nil {
		if reg, err = WithDemandPlanner(reg, dp); err != nil {
			return nil, err
		}
	}
	c, err := BuildConnector(ctx, cfg, reg, i, log, nil)
	if err != nil {
		return nil, err
	}
	if c.Source != nil {
		c.Source.Close() // never polled: a dry run reads the file given
	}
	validate, err := BuildValidator(cfg)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(o.Content)
	name := filepath.Base(o.Name)
	in := connectors.Input{Partner: o.Partner, Connector: cfg.Partners[i].Kind, Name: name,
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(o.Content)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(o.Content)), nil }}
	run := &DryRun{Partner: o.Partner, File: name, Records: []DryRunRecord{}, RowErrors: []connectors.RowError{}}
	sink := &dryRunSink{ctx: ctx, run: run, validate: validate}
	err = c.Decoder.Decode(ctx, in, bytes.NewReader(o.Content), sink)
	var fe *connectors.FileError
	switch {
	case errors.As(err, &fe):
		run.FileError = fe
	case err != nil:
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if sink.err != nil {
		return nil, sink.err
	}
	return run, nil
}

type dryRunSink struct {
	ctx      context.Context
	run      *DryRun
	validate pipelines.OrderValidator
	err      error
}

func (s *dryRunSink) Record(_ context.Context, r connectors.Record) error {
	data, err := json.Marshal(r.Value)
	if err != nil {
		return err
	}
	rec := DryRunRecord{Type: r.Type, Key: r.Key, Data: data}
	if o, ok := r.Value.(*canonical.Order); ok && s.validate != nil {
		f, err := s.validate(s.ctx, o)
		if err != nil {
			s.err = fmt.Errorf("validate order %s: %w", o.OrderNumber, err)
			return s.err
		}
		rec.Errors, rec.Warnings = f.Errors, f.Warnings
		if f.Errors+f.Warnings > 0 {
			rec.Findings = f.JSON
		}
		if f.Errors > 0 {
			s.run.Held++
		}
	}
	s.run.Records = append(s.run.Records, rec)
	return nil
}

func (s *dryRunSink) RowError(_ context.Context, e connectors.RowError) error {
	if e.Warning {
		s.run.Warnings = append(s.run.Warnings, e)
	} else {
		s.run.RowErrors = append(s.run.RowErrors, e)
	}
	return nil
}

// Golden is the dry run as a reviewable text: a stream of indented JSON
// objects — each record with its findings, then each rejected row,
// warning and the file error — so that a mapping change shows as a diff of
// the fields it changed.
func (r *DryRun) Golden() []byte {
	var b bytes.Buffer
	line := func(v any) {
		j, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			j = fmt.Appendf(nil, `{"error": %q}`, err.Error())
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	for _, rec := range r.Records {
		line(rec)
	}
	for _, e := range r.RowErrors {
		line(map[string]any{"row_error": e})
	}
	for _, e := range r.Warnings {
		line(map[string]any{"warning": e})
	}
	if r.FileError != nil {
		line(map[string]any{"file_error": r.FileError})
	}
	return b.Bytes()
}

// Summary is one line: records, rejected rows, orders held.
func (r *DryRun) Summary() string {
	s := fmt.Sprintf("%s: %d record(s), %d row(s) rejected, %d order(s) the validation would hold for review",
		r.File, len(r.Records), len(r.RowErrors), r.Held)
	if r.FileError != nil {
		s += "; the file is rejected: " + r.FileError.Error()
	}
	return s
}

// GoldenDiff compares got with the golden file's want and returns their
// differences as a unified-style listing of changed lines with a line of
// context ("" when equal), at most limit changed lines.
func GoldenDiff(want, got []byte, limit int) string {
	if bytes.Equal(want, got) {
		return ""
	}
	a := strings.Split(strings.TrimRight(string(want), "\n"), "\n")
	b := strings.Split(strings.TrimRight(string(got), "\n"), "\n")
	// The longest common subsequence of lines, by dynamic programming over
	// what remains once the common head and tail are set aside (golden
	// files are small samples; a large middle is listed whole).
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	am, bm := a[head:len(a)-tail], b[head:len(b)-tail]
	type op struct {
		kind byte // ' ', '-', '+'
		text string
		line int // in want for ' ' and '-', in got for '+'
	}
	var ops []op
	if head > 0 {
		ops = append(ops, op{' ', a[head-1], head})
	}
	if len(am)*len(bm) > 4_000_000 {
		for i, l := range am {
			ops = append(ops, op{'-', l, head + i + 1})
		}
		for i, l := range bm {
			ops = append(ops, op{'+', l, head + i + 1})
		}
	} else {
		lcs := make([][]int, len(am)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(bm)+1)
		}
		for i := len(am) - 1; i >= 0; i-- {
			for j := len(bm) - 1; j >= 0; j-- {
				if am[i] == bm[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(am) || j < len(bm) {
			switch {
			case i < len(am) && j < len(bm) && am[i] == bm[j]:
				ops = append(ops, op{' ', am[i], head + i + 1})
				i, j = i+1, j+1
			case i < len(am) && (j == len(bm) || lcs[i+1][j] >= lcs[i][j+1]):
				ops = append(ops, op{'-', am[i], head + i + 1})
				i++
			default:
				ops = append(ops, op{'+', bm[j], head + j + 1})
				j++
			}
		}
	}
	if tail > 0 {
		ops = append(ops, op{' ', a[len(a)-tail], len(a) - tail + 1})
	}
	var out strings.Builder
	changed := 0
	for k, o := range ops {
		if o.kind == ' ' {
			// Context: a line next to a change.
			near := (k > 0 && ops[k-1].kind != ' ') || (k+1 < len(ops) && ops[k+1].kind != ' ')
			if near {
				fmt.Fprintf(&out, "  %s\n", o.text)
			}
			continue
		}
		if changed == limit {
			fmt.Fprintf(&out, "... more differences\n")
			break
		}
		changed++
		fmt.Fprintf(&out, "%c %s    (line %d)\n", o.kind, o.text, o.line)
	}
	return out.String()
}
