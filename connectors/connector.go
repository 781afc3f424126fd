// Package connectors is the connector contract: how partner inputs (files,
// webhook bodies, API pages) become canonical records. It is owned by the
// runtime, like database/sql/driver: connector packages implement it, the
// runtime in pipelines drives it.
//
//	Source  --Input-->  Decoder  --Record / RowError-->  Sink
//
// A Source finds complete new inputs and settles them once they are handled
// (archive or quarantine, receipt). A Decoder streams canonical records and
// row errors out of one input. The Sink is the runtime: it publishes records
// and collects row errors for the receipt.
package connectors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Input is one unit of partner data: a file, a webhook body, an API page.
type Input struct {
	Partner   string // partner name from the config
	Connector string // connector kind, e.g. "erp_export"
	Name      string // file name (base name) or another identity
	Origin    string // where it came from, for the ledger: "sftp://user@host:22/outgoing"
	SHA256    string // hex sha256 of the content
	Size      int64
	// Open returns the content from the start. It may be called more than once.
	Open func() (io.ReadCloser, error)
}

// Record is one canonical record decoded from an input.
type Record struct {
	// Type is the canonical type name (canonical.TypeOrder, ...).
	Type string
	// Key is the business key used as the Kafka partition key (the order number).
	Key string
	// Value is a pointer to the canonical value (*canonical.Order, ...).
	Value any
}

// Sink receives what a decoder finds. Implementations need not be safe for
// concurrent use: a decoder calls its sink from one goroutine.
type Sink interface {
	// Record takes one good record. An error stops decoding and is returned by Decode.
	Record(ctx context.Context, r Record) error
	// RowError takes one bad row; decoding continues with the next row.
	RowError(ctx context.Context, e RowError) error
}

// Reply is a document addressed back to the sender of an input, written to
// the partner's outbox when the input is settled: an EDI functional
// acknowledgement (X12 997/999, EDIFACT CONTRL), say.
type Reply struct {
	// Name is the file name in the outbox: a base name, unique to the input
	// (the input's name with a suffix: "po-0042.edi.997").
	Name    string `json:"name"`
	Content []byte `json:"content"`
}

// Replier is a Sink that also takes replies. A decoder that answers its
// inputs (an EDI decoder acknowledging interchanges) hands each reply to
// its sink when the sink is a Replier; the runtime keeps them with the
// outcome, and the source writes them to the outbox when it settles the
// input, after the decode finished — so a reply always describes the
// whole input, once.
type Replier interface {
	Reply(ctx context.Context, r Reply) error
}

// Decoder turns one input into records and row errors.
type Decoder interface {
	// Decode streams r (the content of in) into out. Row-level problems go to
	// out.RowError and decoding goes on. A problem with the input as a whole
	// (no header, missing required column, undecodable encoding) is returned
	// as a *FileError, and nothing from the input should be published.
	// Decode returns ctx.Err() promptly after ctx is cancelled.
	Decode(ctx context.Context, in Input, r io.Reader, out Sink) error
}

// RowError is a problem with one row (or cell, or segment) of an input.
// It prints as "orders.csv:17: unit_price: \"12,5O\" is not a decimal".
type RowError struct {
	File    string `json:"file,omitempty"`
	Sheet   string `json:"sheet,omitempty"`
	Line    int    `json:"line,omitempty"`   // 1-based line or spreadsheet row
	Column  int    `json:"column,omitempty"` // 1-based column, 0 when not known
	Field   string `json:"field,omitempty"`  // canonical field or source column
	Code    string `json:"code"`             // stable machine-readable code
	Message string `json:"message"`
	// Warning marks a problem that loses nothing: the content was still
	// taken (an EDI envelope count that disagrees, say). A warning is
	// reported in the receipt but rejects no row.
	Warning bool `json:"warning,omitempty"`
}

func (e RowError) Error() string {
	s := e.File
	if e.Sheet != "" {
		s += ":" + e.Sheet
	}
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Message
}

// FileError is a problem with an input as a whole.
type FileError struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return e.File + ": " + e.Message
}

// ErrEndOfInput tells a runtime that a source has nothing more, ever (a
// one-shot source such as `procurehub parse` reading its arguments).
var ErrEndOfInput = errors.New("end of input")

// Outcome is how the runtime handled an input, handed back to its source to settle it.
type Outcome struct {
	Status    Status     `json:"status"`
	Accepted  int        `json:"accepted"` // records published
	Rejected  int        `json:"rejected"` // rows that became row errors
	RowErrors []RowError `json:"row_errors,omitempty"`
	FileError *FileError `json:"file_error,omitempty"`
	// Warnings are problems that rejected nothing (RowError.Warning).
	Warnings []RowError `json:"warnings,omitempty"`
	// Replies go to the sender when the input is settled (Replier).
	Replies []Reply `json:"replies,omitempty"`
}

// Status is the final state of an input.
type Status string

const (
	StatusDone      Status = "done"      // every row accepted: archive
	StatusPartial   Status = "partial"   // some rows rejected: quarantine with receipt
	StatusRejected  Status = "rejected"  // the input as a whole is bad: quarantine with receipt
	StatusDuplicate Status = "duplicate" // same content taken before: archive, nothing published
)

// Source finds complete new inputs of one partner and settles them.
type Source interface {
	// Poll returns inputs that are complete (no longer being written) and not
	// yet settled. An input returned once may be returned again until Settle.
	Poll(ctx context.Context) ([]Input, error)
	// Settle moves a handled input out of the way (archive or quarantine) and
	// writes its receipt. It is called once every record is acknowledged.
	Settle(ctx context.Context, in Input, o Outcome) error
	// Close releases connections; calling it twice is safe.
	Close() error
}

// SettledFinder is a Source that can find an input it settled before (in
// its archive or quarantine), so that it can be read again: a replay.
type SettledFinder interface {
	// Settled returns the input first received as name with content of the
	// hex sha256, settled on one of days; an error when it is not there.
	Settled(ctx context.Context, name, sha256 string, days []time.Time) (Input, error)
}
