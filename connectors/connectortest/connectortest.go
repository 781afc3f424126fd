// Package connectortest is the conformance kit every connector passes (see
// STYLE.md, "Connector contract"). A connector's tests call Run with a
// Suite that says where its inputs are:
//
//	func TestConformance(t *testing.T) {
//		connectortest.Run(t, connectortest.Suite{
//			Spec: erpexport.Spec(), New: erpexport.New,
//			Decoder:   dec,
//			Golden:    []string{"testdata/good-orders.csv"},
//			Malformed: []string{"testdata/one-bad-row.csv"},
//			LargeInput: func() []byte { ... },
//			NewSource: func(t *testing.T, dir string) connectors.Source { ... },
//			SourceFiles: []string{"testdata/good-orders.csv"},
//		})
//	}
//
// Golden files are NAME.golden.json beside NAME.EXT; `go test -update`
// rewrites them (review the diff before committing).
package connectortest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/config"
)

var update = flag.Bool("update", false, "rewrite the conformance kit's *.golden.json files")

// Suite describes a connector to the kit. Every field is needed: a check
// the kit cannot run is a failure, not a skip.
type Suite struct {
	// Spec and New are the connector kind under test.
	Spec connectors.Spec
	New  connectors.Constructor
	// Decoder decodes Golden, Malformed and LargeInput.
	Decoder connectors.Decoder
	// Golden lists input files; NAME.EXT must decode to NAME.golden.json.
	Golden []string
	// Malformed lists input files with bad rows among good ones: each must
	// give row errors with a line, and records for its good rows.
	Malformed []string
	// LargeInput returns a good input with thousands of records, for the
	// cancellation checks.
	LargeInput func() []byte
	// NewSource returns a source over dir as the connector builds it,
	// taking files at once (no settle time). It is called more than once
	// for the same dir, as a restarted process would.
	NewSource func(t *testing.T, dir string) connectors.Source
	// SourceFiles are copied into dir before the source checks.
	SourceFiles []string
}

// Run runs every conformance check as a subtest of t.
func Run(t *testing.T, s Suite) {
	t.Helper()
	if s.New == nil || s.Decoder == nil || len(s.Golden) == 0 || len(s.Malformed) == 0 ||
		s.LargeInput == nil || s.NewSource == nil || len(s.SourceFiles) == 0 {
		t.Fatal("connectortest: every Suite field must be set")
	}
	t.Run("the spec is complete", func(t *testing.T) { CheckSpec(t, s.Spec) })
	t.Run("the example config builds", func(t *testing.T) { checkExample(t, s) })
	t.Run("golden inputs give golden canonical JSON", func(t *testing.T) {
		for _, path := range s.Golden {
			t.Run(filepath.Base(path), func(t *testing.T) { CheckGolden(t, s.Decoder, path) })
		}
	})
	t.Run("malformed inputs give positioned row errors while good rows still arrive", func(t *testing.T) {
		for _, path := range s.Malformed {
			t.Run(filepath.Base(path), func(t *testing.T) { checkMalformed(t, s.Decoder, path) })
		}
	})
	t.Run("decode stops promptly when its context is cancelled", func(t *testing.T) { checkCancel(t, s) })
	t.Run("the source emits nothing new once its inputs are settled", func(t *testing.T) { checkRerun(t, s) })
	t.Run("closing the source twice is safe", func(t *testing.T) {
		src := s.NewSource(t, t.TempDir())
		if err := src.Close(); err != nil {
			t.Fatalf("first Close: %v", err)
		}
		if err := src.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
}

var (
	snakeCase  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	fieldName  = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
	fieldTypes = map[string]bool{"string": true, "int": true, "number": true, "bool": true, "duration": true, "list": true, "map": true, "mapping": true}
)

// CheckSpec checks that a spec is complete: a snake_case kind, a one-line
// summary, formats, and fields that each have a known type and a
// description; required fields have no default, secrets are strings,
// nested fields ("a.b") have their parent, names are unique.
func CheckSpec(t testing.TB, s connectors.Spec) {
	t.Helper()
	if !snakeCase.MatchString(s.Kind) {
		t.Errorf("kind %q is not snake_case", s.Kind)
	}
	if strings.TrimSpace(s.Summary) == "" || strings.Contains(s.Summary, "\n") {
		t.Errorf("summary %q must be one non-empty line", s.Summary)
	}
	if len(s.Formats) == 0 {
		t.Error("no formats")
	}
	for _, f := range s.Formats {
		if !snakeCase.MatchString(f) {
			t.Errorf("format %q is not snake_case", f)
		}
	}
	if len(s.Fields) == 0 {
		t.Error("no fields")
	}
	seen := map[string]bool{}
	for _, f := range s.Fields {
		switch {
		case !fieldName.MatchString(f.Name):
			t.Errorf("field %q: name is not snake_case", f.Name)
		case seen[f.Name]:
			t.Errorf("field %q is declared twice", f.Name)
		}
		seen[f.Name] = true
		if !fieldTypes[f.Type] {
			t.Errorf("field %q: type %q is not one of string, int, bool, duration, list, map, mapping", f.Name, f.Type)
		}
		if strings.TrimSpace(f.Description) == "" {
			t.Errorf("field %q has no description", f.Name)
		}
		if f.Required && f.Default != "" {
			t.Errorf("field %q is required and has a default %q", f.Name, f.Default)
		}
		if f.Secret && f.Type != "string" {
			t.Errorf("field %q is secret but of type %s: secrets are strings from ${ENV}", f.Name, f.Type)
		}
	}
	for _, f := range s.Fields {
		if parent, _, nested := cutLast(f.Name); nested && !seen[parent] {
			t.Errorf("field %q is nested in %q, which is not declared", f.Name, parent)
		}
	}
	if strings.TrimSpace(s.Example) == "" {
		t.Error("no example config")
	}
}

func cutLast(name string) (parent, last string, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return "", name, false
	}
	return name[:i], name[i+1:], true
}

// partnerEntry is one entry of a config's partners list.
type partnerEntry struct {
	Name     string    `yaml:"name"`
	Kind     string    `yaml:"kind"`
	Settings yaml.Node `yaml:"settings"`
}

// Config parses a partner entry (name, kind, settings, as a config lists it
// under partners:) and returns the connectors.Config a runtime would pass
// to the kind's constructor, with dir as the config's directory. Every
// ${VAR} in it reads "example".
func Config(t testing.TB, entry, dir string) connectors.Config {
	t.Helper()
	const file = "example.yaml"
	doc, err := config.Parse(file, []byte(entry), func(string) (string, bool) { return "example", true })
	if err != nil {
		t.Fatalf("parse partner entry: %v", err)
	}
	var p partnerEntry
	if err := config.Decode(file, doc.Root, &p); err != nil {
		t.Fatalf("decode partner entry: %v", err)
	}
	settings := &p.Settings
	return connectors.Config{
		Partner: p.Name,
		Kind:    p.Kind,
		Decode: func(v any) error {
			if settings.Kind == 0 {
				return nil
			}
			return config.Decode(file, settings, v)
		},
		Dir:    dir,
		Logger: slog.New(slog.DiscardHandler),
	}
}

// checkExample builds the spec's example and checks that it only uses
// declared settings and gives every required one.
func checkExample(t *testing.T, s Suite) {
	cfg := Config(t, s.Spec.Example, t.TempDir())
	if cfg.Kind != s.Spec.Kind {
		t.Errorf("example kind is %q, want %q", cfg.Kind, s.Spec.Kind)
	}
	if cfg.Partner == "" {
		t.Error("example has no partner name")
	}
	var settings map[string]yaml.Node
	if err := cfg.Decode(&settings); err != nil {
		t.Fatalf("example settings: %v", err)
	}
	declared := map[string]bool{}
	for _, f := range s.Spec.Fields {
		declared[f.Name] = true
		if _, _, nested := cutLast(f.Name); f.Required && !nested {
			if _, ok := settings[f.Name]; !ok {
				t.Errorf("example leaves out required setting %q", f.Name)
			}
		}
	}
	for k := range settings {
		if !declared[k] {
			t.Errorf("example uses setting %q, which the spec does not declare", k)
		}
	}
	c, err := s.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("example does not build: %v", err)
	}
	if c == nil || c.Source == nil || c.Decoder == nil {
		t.Fatalf("example built %+v, want a source and a decoder", c)
	}
	if err := c.Source.Close(); err != nil {
		t.Errorf("close the example's source: %v", err)
	}
}

// Recorder is a Sink that keeps what it is given.
type Recorder struct {
	Records   []connectors.Record
	RowErrors []connectors.RowError
	Replies   []connectors.Reply
	// OnRecord, when set, is called after each record is kept.
	OnRecord func(connectors.Record)
}

func (r *Recorder) Record(_ context.Context, rec connectors.Record) error {
	r.Records = append(r.Records, rec)
	if r.OnRecord != nil {
		r.OnRecord(rec)
	}
	return nil
}

func (r *Recorder) RowError(_ context.Context, e connectors.RowError) error {
	r.RowErrors = append(r.RowErrors, e)
	return nil
}

func (r *Recorder) Reply(_ context.Context, rep connectors.Reply) error {
	r.Replies = append(r.Replies, rep)
	return nil
}

var _ connectors.Replier = (*Recorder)(nil)

// InputOf describes content as a source would hand it over.
func InputOf(name string, content []byte) connectors.Input {
	sum := sha256.Sum256(content)
	return connectors.Input{
		Partner: "test-partner", Name: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil },
	}
}

// DecodeFile decodes a file with d into a Recorder. The error is Decode's.
func DecodeFile(t testing.TB, d connectors.Decoder, path string) (*Recorder, error) {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return DecodeBytes(d, filepath.Base(path), content)
}

// DecodeBytes decodes content named name with d into a Recorder.
func DecodeBytes(d connectors.Decoder, name string, content []byte) (*Recorder, error) {
	var rec Recorder
	err := d.Decode(context.Background(), InputOf(name, content), bytes.NewReader(content), &rec)
	return &rec, err
}

// Golden is what a golden file holds: what a decoder gave for one input.
type Golden struct {
	Records   []GoldenRecord        `json:"records"`
	RowErrors []connectors.RowError `json:"row_errors"`
	FileError *connectors.FileError `json:"file_error"`
	Replies   []GoldenReply         `json:"replies,omitempty"`
}

// GoldenReply is one reply to the sender, its content as text.
type GoldenReply struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

// GoldenRecord is one record in canonical JSON.
type GoldenRecord struct {
	Type string          `json:"type"`
	Key  string          `json:"key"`
	Data json.RawMessage `json:"data"`
}

// GoldenPath is where the golden output of an input lives: NAME.golden.json.
func GoldenPath(input string) string {
	return strings.TrimSuffix(input, filepath.Ext(input)) + ".golden.json"
}

// CheckGolden decodes path with d and compares the records (as canonical
// JSON), row errors, file error and replies with GoldenPath(path); -update
// rewrites it.
func CheckGolden(t testing.TB, d connectors.Decoder, path string) {
	t.Helper()
	rec, err := DecodeFile(t, d, path)
	g := Golden{RowErrors: rec.RowErrors}
	if err != nil && !errors.As(err, &g.FileError) {
		t.Fatalf("decode %s: %v", path, err)
	}
	for _, r := range rec.Records {
		data, err := json.Marshal(r.Value)
		if err != nil {
			t.Fatalf("encode record %s: %v", r.Key, err)
		}
		g.Records = append(g.Records, GoldenRecord{Type: r.Type, Key: r.Key, Data: data})
	}
	for _, r := range rec.Replies {
		g.Replies = append(g.Replies, GoldenReply{Name: r.Name, Content: string(r.Content)})
	}
	if g.Records == nil {
		g.Records = []GoldenRecord{}
	}
	if g.RowErrors == nil {
		g.RowErrors = []connectors.RowError{}
	}
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := GoldenPath(path)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run with -update to accept):\n%s", path, golden, firstDifference(want, got))
	}
}

// firstDifference shows the first line where want and got differ.
func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want %s\n   got %s", i+1, wl, gl)
		}
	}
	return "(same lines, different bytes)"
}

func checkMalformed(t *testing.T, d connectors.Decoder, path string) {
	rec, err := DecodeFile(t, d, path)
	if err != nil {
		t.Fatalf("decode: %v (a malformed row must be a row error, not end the input)", err)
	}
	if len(rec.RowErrors) == 0 {
		t.Fatal("no row errors")
	}
	for _, e := range rec.RowErrors {
		if e.Line <= 0 || e.File == "" || e.Code == "" || e.Message == "" {
			t.Errorf("row error without file, line, code or message: %+v", e)
		}
	}
	if len(rec.Records) == 0 {
		t.Error("no records: the good rows did not arrive")
	}
}

func checkCancel(t *testing.T, s Suite) {
	content := s.LargeInput()
	all, err := DecodeBytes(s.Decoder, "large", content)
	if err != nil {
		t.Fatalf("decode the large input: %v", err)
	}
	total := len(all.Records)
	if total < 1000 {
		t.Fatalf("the large input gives %d records; the check needs thousands", total)
	}
	t.Run("a cancelled context stops decode before the first record", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var rec Recorder
		err := s.Decoder.Decode(ctx, InputOf("large", content), bytes.NewReader(content), &rec)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Decode = %v, want context.Canceled", err)
		}
		if len(rec.Records) > 0 {
			t.Errorf("%d records after cancellation", len(rec.Records))
		}
	})
	t.Run("cancelling during decode stops it long before the end", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rec := Recorder{OnRecord: func(connectors.Record) { cancel() }}
		err := s.Decoder.Decode(ctx, InputOf("large", content), bytes.NewReader(content), &rec)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Decode = %v, want context.Canceled", err)
		}
		if len(rec.Records) > total/2 {
			t.Errorf("%d of %d records arrived after the context was cancelled on the first", len(rec.Records), total)
		}
	})
}

func checkRerun(t *testing.T, s Suite) {
	dir := t.TempDir()
	sums := map[string]string{}
	for _, f := range s.SourceFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		sums[filepath.Base(f)] = hex.EncodeToString(sum[:])
	}
	ctx := context.Background()
	src := s.NewSource(t, dir)
	defer src.Close()
	first := poll(t, src)
	if len(first) != len(s.SourceFiles) {
		t.Fatalf("first poll gave %d inputs, want %d", len(first), len(s.SourceFiles))
	}
	for _, in := range first {
		if sums[in.Name] == "" || in.SHA256 != sums[in.Name] {
			t.Errorf("input %q has sha256 %q, want %q", in.Name, in.SHA256, sums[in.Name])
		}
		rc, err := in.Open()
		if err != nil {
			t.Fatalf("open %s: %v", in.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if sum := sha256.Sum256(b); err != nil || hex.EncodeToString(sum[:]) != in.SHA256 {
			t.Errorf("open %s gave other content than its sha256 says (err %v)", in.Name, err)
		}
	}
	if again := poll(t, src); len(again) != len(first) {
		t.Errorf("before settle, a second poll gave %d inputs, want the same %d again", len(again), len(first))
	}
	for _, in := range first {
		if err := src.Settle(ctx, in, connectors.Outcome{Status: connectors.StatusDone, Accepted: 1}); err != nil {
			t.Fatalf("settle %s: %v", in.Name, err)
		}
	}
	if after := poll(t, src); len(after) != 0 {
		t.Errorf("after settle, the source gave %d inputs again: %v", len(after), names(after))
	}
	restarted := s.NewSource(t, dir)
	defer restarted.Close()
	if after := poll(t, restarted); len(after) != 0 {
		t.Errorf("a new source over the same place gave %d settled inputs again: %v", len(after), names(after))
	}
}

func poll(t *testing.T, src connectors.Source) []connectors.Input {
	t.Helper()
	ins, err := src.Poll(context.Background())
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return ins
}

func names(ins []connectors.Input) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.Name
	}
	return out
}
