package connectortest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// decoderFunc is a Decoder made of a function.
type decoderFunc func(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error

func (f decoderFunc) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	return f(ctx, in, r, out)
}

// value is a canonical value whose Validate returns err.
type value struct{ err error }

func (v value) Validate() error { return v.err }

// emitting is a decoder that hands out its records and row errors, then returns err.
func emitting(recs []connectors.Record, rowErrs []connectors.RowError, err error) connectors.Decoder {
	return decoderFunc(func(ctx context.Context, _ connectors.Input, _ io.Reader, out connectors.Sink) error {
		for _, r := range recs {
			if err := out.Record(ctx, r); err != nil {
				return err
			}
		}
		for _, e := range rowErrs {
			if err := out.RowError(ctx, e); err != nil {
				return err
			}
		}
		return err
	})
}

var (
	goodRecord   = connectors.Record{Type: "order", Key: "PO-1", Value: value{}}
	goodRowError = connectors.RowError{File: "fuzz.csv", Line: 2, Code: "bad_decimal", Message: "not a decimal"}
	goodFileErr  = &connectors.FileError{File: "fuzz.csv", Code: "no_header", Message: "no header"}
)

func TestCheckDecodeInvariantsFailsABrokenDecoder(t *testing.T) {
	good := []struct {
		name string
		d    connectors.Decoder
	}{
		{"records and row errors", emitting([]connectors.Record{goodRecord}, []connectors.RowError{goodRowError}, nil)},
		{"nothing at all", emitting(nil, nil, nil)},
		{"a file error before anything", emitting(nil, nil, goodFileErr)},
		{"a wrapped file error", emitting(nil, nil, fmt.Errorf("erp: %w", goodFileErr))},
	}
	for _, tt := range good {
		t.Run("a decoder giving "+tt.name+" passes", func(t *testing.T) {
			if failures := check(t, func(tb testing.TB) {
				connectortest.CheckDecodeInvariants(tb, tt.d, "fuzz.csv", []byte("x"))
			}); len(failures) > 0 {
				t.Errorf("failures: %v", failures)
			}
		})
	}
	withRowError := func(spoil func(*connectors.RowError)) connectors.Decoder {
		e := goodRowError
		spoil(&e)
		return emitting(nil, []connectors.RowError{e}, nil)
	}
	bad := []struct {
		name string
		d    connectors.Decoder
		want string
	}{
		{"panics", decoderFunc(func(context.Context, connectors.Input, io.Reader, connectors.Sink) error {
			panic("index out of range")
		}), "Decode panicked: index out of range"},
		{"returns a plain error", emitting(nil, nil, errors.New("boom")), "want nil or a *FileError"},
		{"returns a file error after a record", emitting([]connectors.Record{goodRecord}, nil, goodFileErr), "after 1 records"},
		{"returns a file error after a row error", emitting(nil, []connectors.RowError{goodRowError}, goodFileErr), "and 1 row errors"},
		{"returns a file error without a code", emitting(nil, nil, &connectors.FileError{File: "fuzz.csv", Message: "no header"}), "without a code"},
		{"returns a file error without a message", emitting(nil, nil, &connectors.FileError{File: "fuzz.csv", Code: "no_header"}), "without a code or a message"},
		{"gives a row error without a file", withRowError(func(e *connectors.RowError) { e.File = "" }), "row error without"},
		{"gives a row error without a line", withRowError(func(e *connectors.RowError) { e.Line = 0 }), "row error without"},
		{"gives a row error without a code", withRowError(func(e *connectors.RowError) { e.Code = "" }), "row error without"},
		{"gives a row error without a message", withRowError(func(e *connectors.RowError) { e.Message = "" }), "row error without"},
		{"emits a record that does not validate", emitting([]connectors.Record{{Type: "order", Key: "PO-2", Value: value{errors.New("no lines")}}}, nil, nil),
			`order "PO-2" does not validate: no lines`},
		{"emits a record that cannot be validated", emitting([]connectors.Record{{Type: "order", Key: "PO-3", Value: "text"}}, nil, nil),
			"has no Validate method"},
	}
	for _, tt := range bad {
		t.Run("a decoder that "+tt.name+" fails", func(t *testing.T) {
			failures := check(t, func(tb testing.TB) {
				connectortest.CheckDecodeInvariants(tb, tt.d, "fuzz.csv", []byte("x"))
			})
			if len(failures) == 0 || !strings.Contains(failures[0], tt.want) {
				t.Errorf("failures %q, want one containing %q", failures, tt.want)
			}
		})
	}
}

func TestCheckDecodeInvariantsReturnsWhatWasDecoded(t *testing.T) {
	d := emitting([]connectors.Record{goodRecord}, []connectors.RowError{goodRowError}, nil)
	rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.csv", []byte("x"))
	if len(rec.Records) != 1 || rec.Records[0].Key != "PO-1" || len(rec.RowErrors) != 1 || rec.RowErrors[0].Line != 2 {
		t.Errorf("got %+v", rec)
	}
}
