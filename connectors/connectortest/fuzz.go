package connectortest

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/procurehub/procurehub/connectors"
)

// A decoder's fuzz target seeds its corpus with AddSeeds and checks every
// input with CheckDecodeInvariants, adding only what is its format's own:
//
//	func FuzzDecode(f *testing.F) {
//		connectortest.AddSeeds(f, "testdata/*.bai")
//		d := bai2.NewDecoder()
//		f.Fuzz(func(t *testing.T, content []byte) {
//			rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.bai", content)
//			for _, r := range rec.Records { ... }
//		})
//	}

// AddSeeds adds the content of every file matching the glob patterns to
// f's corpus and returns those contents, in the order added. It fails f
// when the patterns match no file at all: a fuzz target without its seeds
// would still pass, having tested far less.
func AddSeeds(f *testing.F, patterns ...string) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, pattern := range patterns {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, path := range paths {
			b, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			seeds = append(seeds, b)
		}
	}
	if len(seeds) == 0 {
		f.Fatalf("no seed file matches %q", patterns)
	}
	return seeds
}

// validator is what every canonical value implements.
type validator interface{ Validate() error }

// CheckDecodeInvariants decodes data, named name, with d and checks what
// must hold whatever the input is:
//
//   - Decode does not panic;
//   - it returns nil or a *connectors.FileError, and a file error has a
//     code and a message and comes before any record or row error;
//   - every row error has a file, a line, a code and a message;
//   - every record's value validates.
//
// It returns what was decoded, for the format's own checks. It stops t at
// the first broken invariant.
func CheckDecodeInvariants(t testing.TB, d connectors.Decoder, name string, data []byte) *Recorder {
	t.Helper()
	rec, panicked, err := decodeRecovering(d, name, data)
	if panicked != nil {
		t.Fatalf("Decode panicked: %v\n%s", panicked.value, panicked.stack)
	}
	var fe *connectors.FileError
	switch {
	case errors.As(err, &fe):
		if len(rec.Records)+len(rec.RowErrors) > 0 {
			t.Fatalf("file error %v after %d records and %d row errors", fe, len(rec.Records), len(rec.RowErrors))
		}
		if fe.Code == "" || fe.Message == "" {
			t.Fatalf("file error without a code or a message: %+v", fe)
		}
	case err != nil:
		t.Fatalf("Decode = %v, want nil or a *FileError", err)
	}
	for _, e := range rec.RowErrors {
		if e.File == "" || e.Line <= 0 || e.Code == "" || e.Message == "" {
			t.Fatalf("row error without a file, line, code or message: %+v", e)
		}
	}
	for _, r := range rec.Records {
		v, ok := r.Value.(validator)
		if !ok {
			t.Fatalf("record %q (%s) holds a %T, which has no Validate method", r.Key, r.Type, r.Value)
		}
		if err := v.Validate(); err != nil {
			t.Fatalf("emitted %s %q does not validate: %v", r.Type, r.Key, err)
		}
	}
	return rec
}

type panicInfo struct {
	value any
	stack []byte
}

// decodeRecovering is DecodeBytes that turns a panic into a value, so
// that it fails t with its stack instead of ending the test binary.
func decodeRecovering(d connectors.Decoder, name string, data []byte) (rec *Recorder, p *panicInfo, err error) {
	defer func() {
		if v := recover(); v != nil {
			p = &panicInfo{value: v, stack: debug.Stack()}
		}
	}()
	rec, err = DecodeBytes(d, name, data)
	return rec, nil, err
}
