// Package infer proposes a tracking profile (see package tracking) from one
// sample payload of a carrier: a webhook body or an API response. It finds
// the array of objects that looks most like tracking events (each with a
// time and a status code or a text), possibly under a list of shipments,
// places each event field on a JSON path by its key (names in several
// languages and the spellings of common carrier APIs) and its values (times,
// epoch numbers, ISO country codes, tracking-number-like strings), reads the
// time format, and guesses the normalized status of each carrier status
// code found.
//
// A proposal is a starting point for a person, never a profile to load
// unseen: Proposal.YAML writes it as a commented profile file that says so,
// with a confidence and a reason beside every field.
package infer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// MaxSampleSize is the largest sample Infer reads (8 MiB); one payload
// with a few events is enough.
const MaxSampleSize = 8 << 20

// DefaultName is the profile name when Options.Name is empty.
const DefaultName = "custom"

// Options says what the sample is.
type Options struct {
	// Name is the proposed profile's name (and its carrier name when the
	// payload gives none); "" means DefaultName.
	Name string
	// FileName is the sample's name, written in the proposal's header.
	FileName string
	// Now is when the proposal is made, for its header; the zero value
	// means time.Now.
	Now time.Time
}

// Proposal is a proposed tracking profile with the evidence for it. Its
// JSON form is what an API shows; YAML writes it as a profile file.
type Proposal struct {
	Name       string    `json:"name"`
	Carrier    string    `json:"carrier"`
	FileName   string    `json:"file_name,omitempty"`
	InferredAt time.Time `json:"inferred_at"`
	// Shipments is the path from the payload to the shipment object(s), in
	// the profile's path notation ("$" is the payload itself).
	Shipments string `json:"shipments"`
	// Events is the path from a shipment to its events; "" when each
	// shipment object is one event.
	Events string `json:"events,omitempty"`
	// EventsReason says why these objects were taken for the events.
	EventsReason string `json:"events_reason"`
	// EventCount is how many events the sample has at that place.
	EventCount int `json:"event_count"`
	// Fields are the placed event fields, in the profile's order.
	Fields []Field `json:"fields"`
	// TimeFormat is rfc3339, unix, unix_ms or a Go time layout.
	TimeFormat       string  `json:"time_format"`
	TimeFormatReason string  `json:"time_format_reason,omitempty"`
	TimeFormatConf   float64 `json:"time_format_confidence,omitempty"`
	// TimeZone is proposed when the times have no UTC offset: the decoder
	// needs one. It is a guess (UTC) a person must check.
	TimeZone string `json:"time_zone,omitempty"`
	// Statuses are the carrier status codes found and the normalized
	// status guessed for each, in the order first seen.
	Statuses []Status `json:"statuses"`
	// UnplacedStatuses are status codes found that no guess was made for:
	// a person gives each its normalized status.
	UnplacedStatuses []string `json:"unplaced_statuses"`
	// Missing lists the fields a profile requires (tracking_number, status,
	// occurred_at) that were not found, and "statuses" when a status field
	// was found but no code of it can be written in the status table: the
	// profile does not load until a person adds them.
	Missing []string `json:"missing"`
	// NotFound lists the optional fields that were not found.
	NotFound []string `json:"not_found"`
	// Notes tell what a person should check.
	Notes []string `json:"notes,omitempty"`
}

// Field is the proposed path of one event field.
type Field struct {
	// Field is the profile's field name (tracking_number, status, ...).
	Field string `json:"field"`
	// Path is in the profile's notation: "$." starts at the shipment, any
	// other path at the event.
	Path string `json:"path"`
	// Confidence is from 0 (a guess) to 1 (key and values agree).
	Confidence float64 `json:"confidence"`
	Reason     string  `json:"reason"`
}

// Status is the guessed normalized status of one carrier status code.
type Status struct {
	Code       string                   `json:"code"`
	Status     canonical.TrackingStatus `json:"status"`
	Confidence float64                  `json:"confidence"`
	Reason     string                   `json:"reason"`
	// Count is how many events of the sample have the code.
	Count int `json:"count"`
}

// Profile field names, in the profile's order.
const (
	FieldTrackingNumber = "tracking_number"
	FieldEventID        = "event_id"
	FieldCarrier        = "carrier"
	FieldStatus         = "status"
	FieldDescription    = "description"
	FieldOccurredAt     = "occurred_at"
	FieldCity           = "city"
	FieldCountry        = "country"
)

// fieldOrder is the order of a profile's fields.
var fieldOrder = []string{FieldTrackingNumber, FieldEventID, FieldCarrier, FieldStatus, FieldDescription, FieldOccurredAt, FieldCity, FieldCountry}

// required are the fields a profile must have a path for.
var required = []string{FieldTrackingNumber, FieldStatus, FieldOccurredAt}

// Errors Infer returns; the message of the error returned says more.
var (
	ErrEmpty    = errors.New("infer: the sample is empty")
	ErrTooLarge = fmt.Errorf("infer: the sample is larger than %d bytes", MaxSampleSize)
	ErrNotJSON  = errors.New("infer: the sample is not JSON")
)

// Infer proposes a tracking profile for the sample. It fails only when the
// sample is empty, too large, not JSON, or JSON that is neither an object
// nor an array; a sample whose events or required fields are not found
// still gets a proposal, with those fields under Missing.
func Infer(sample []byte, opts Options) (*Proposal, error) {
	if len(sample) > MaxSampleSize {
		return nil, ErrTooLarge
	}
	sample = bytes.TrimPrefix(sample, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, ErrEmpty
	}
	doc, err := parseJSON(opts.FileName, sample)
	if err != nil {
		return nil, err
	}
	switch doc.(type) {
	case map[string]any, []any:
	default:
		return nil, fmt.Errorf("%w: %s is a JSON %s, not an object or an array", ErrNotJSON, sampleName(opts.FileName), jsonType(doc))
	}
	name := strings.TrimSpace(opts.Name)
	if name == "" {
		name = DefaultName
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	p := &Proposal{Name: name, Carrier: name, FileName: opts.FileName, InferredAt: now.UTC(),
		Fields: []Field{}, Statuses: []Status{}, UnplacedStatuses: []string{}, Missing: []string{}, NotFound: []string{}}
	infer(p, doc)
	return p, nil
}

// Field returns the proposed field of that name, and whether there is one.
func (p *Proposal) Field(name string) (Field, bool) {
	for _, f := range p.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return Field{}, false
}

func sampleName(file string) string {
	if file == "" {
		return "the sample"
	}
	return file
}

// parseJSON decodes the whole sample, numbers as json.Number. A syntax
// error names the line, column and byte offset and wraps ErrNotJSON and
// the *json.SyntaxError.
func parseJSON(file string, b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			line, col := lineCol(b, se.Offset)
			return nil, fmt.Errorf("%w: %s: line %d, column %d (byte %d): %s: %w", ErrNotJSON, sampleName(file), line, col, se.Offset, strings.TrimPrefix(se.Error(), "json: "), se)
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			line, col := lineCol(b, int64(len(b)))
			return nil, fmt.Errorf("%w: %s: line %d, column %d (byte %d): the JSON ends too early (truncated?)", ErrNotJSON, sampleName(file), line, col, len(b))
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrNotJSON, sampleName(file), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := dec.InputOffset()
		line, col := lineCol(b, off)
		return nil, fmt.Errorf("%w: %s: line %d, column %d (byte %d): more data after the JSON value", ErrNotJSON, sampleName(file), line, col, off)
	}
	return v, nil
}

// lineCol gives the 1-based line and column of the byte just before off
// (encoding/json's offsets are just past the offending byte).
func lineCol(b []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(b)))
	if off > 0 {
		off--
	}
	line, col = 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", v)
}
