package tracking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// Format is the format name of carrier tracking JSON decoded through a profile.
const Format = "tracking"

// DefaultMaxBytes is the body size limit when Decoder.MaxBytes is 0.
const DefaultMaxBytes = 1 << 20

// File and row error codes.
const (
	CodeTooLarge       = "too_large"              // file: the body is over MaxBytes
	CodeEmpty          = "empty"                  // file: no JSON at all
	CodeInvalidJSON    = "invalid_json"           // file: malformed JSON (line and column in the message)
	CodeUnexpected     = "unexpected_shape"       // file: no shipment where the profile looks
	CodeRequired       = canonical.CodeRequired   // row: tracking number, time or carrier missing
	CodeWrongType      = "wrong_type"             // row: a field of the wrong JSON type
	CodeInvalidTime    = "invalid_time"           // row: occurred_at does not read in the time format
	CodeNoZone         = "timestamp_without_zone" // row: occurred_at has no offset and the profile no time_zone
	CodeUnknownStatus  = "unknown_status"         // warning: a code the profile does not know; status unknown
	CodeInvalidCountry = canonical.CodeInvalidCountry
)

// defaultConnector names the connector in lineage when the input does not.
const defaultConnector = "tracking"

// Decoder decodes one JSON payload through a profile. It holds no state
// between inputs: one Decoder may decode several inputs at once.
type Decoder struct {
	// MaxBytes is the largest body read; a larger one is the file error
	// too_large, found after reading MaxBytes+1 bytes. 0 is DefaultMaxBytes.
	MaxBytes int64

	profile *Profile
	err     error // the profile does not compile
}

var _ connectors.Decoder = (*Decoder)(nil)

// NewDecoder returns a decoder for payloads of profile p (from Builtin,
// ParseProfile, LoadProfile or DecodeProfile, which check it). A profile
// built in Go is compiled here; if it does not compile, Decode returns
// that error for every input.
func NewDecoder(p *Profile) *Decoder {
	d := &Decoder{profile: p}
	switch {
	case p == nil:
		d.err = errors.New("tracking: decoder has no profile")
	case p.c == nil:
		if err := p.Compile(); err != nil {
			d.err = err
		}
	}
	return d
}

// Profile is the profile the decoder reads with.
func (d *Decoder) Profile() *Profile { return d.profile }

// Decode reads one JSON payload into canonical.TrackingEvent records (Type
// tracking_event, Key the tracking number).
//
// The payload as a whole is a *connectors.FileError, before any record,
// when it is over MaxBytes (too_large), empty (empty), not JSON or JSON
// followed by more than white space (invalid_json, with line and column),
// or when none of the profile's shipment paths reaches an object or an
// array of them, or shipments are found but none has the events path
// (unexpected_shape: probably the wrong profile).
//
// Each event is then on its own: Line is its 1-based index among the
// payload's events, Field the JSON path at fault. An event without a
// tracking number, occurred_at or carrier is the row error required; a
// field of the wrong JSON type is wrong_type; a time that does not read is
// invalid_time, a time without an offset when the profile has no
// time_zone is timestamp_without_zone. The other events still arrive.
//
// A status code the profile does not know gives the status unknown (the
// code is kept in carrier_status) and a warning unknown_status; the event
// is emitted. A country that is not an ISO 3166-1 alpha-2 code gives the
// warning invalid_country and the location keeps only its city; an
// alpha-3 code ("DEU") is read as its alpha-2 code.
//
// When the carrier gives no event id, the event gets a derived one
// (EventID): re-delivering the same payload gives the same ids, so stores
// that upsert on the id take it once.
func (d *Decoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.err != nil {
		return fmt.Errorf("tracking: %s: %w", in.Name, d.err)
	}
	p := d.profile
	limit := d.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return fmt.Errorf("tracking: %s: %w", in.Name, err)
	}
	if int64(len(body)) > limit {
		return &connectors.FileError{File: in.Name, Code: CodeTooLarge,
			Message: fmt.Sprintf("the body is larger than %d bytes; it was not read", limit)}
	}
	doc, fe := parseJSON(in.Name, body)
	if fe != nil {
		return fe
	}
	events, fe := p.c.locate(in.Name, doc)
	if fe != nil {
		return fe
	}
	s := session{ctx: ctx, in: in, out: out, p: p, connector: in.Connector}
	if s.connector == "" {
		s.connector = defaultConnector
	}
	for i, ev := range events {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.event(i+1, ev); err != nil {
			return err
		}
	}
	return nil
}

// parseJSON decodes the whole body, numbers as json.Number.
func parseJSON(file string, body []byte) (any, *connectors.FileError) {
	if len(bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))) == 0 {
		return nil, &connectors.FileError{File: file, Code: CodeEmpty, Message: "the body is empty: no JSON"}
	}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		msg := err.Error()
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			off, msg = int64(len(body)), "the JSON ends too early (truncated?)"
		}
		return nil, jsonError(file, body, off, msg)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, jsonError(file, body, dec.InputOffset(), "more data after the JSON value")
	}
	return v, nil
}

// jsonError positions a JSON problem at the byte offset off.
func jsonError(file string, body []byte, off int64, msg string) *connectors.FileError {
	off = min(max(off, 0), int64(len(body)))
	line, col := 1, 1
	// The offset is just past the offending byte: point at that byte.
	at := off
	if at > 0 {
		at--
	}
	for _, c := range body[:at] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &connectors.FileError{File: file, Line: line, Code: CodeInvalidJSON,
		Message: fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(msg, "json: "))}
}

// rawEvent is one event object found in a payload, with its shipment.
type rawEvent struct {
	value    any
	at       string // JSON path of the event
	shipment any
	shipAt   string
}

// locate finds every event of a payload.
func (c *compiled) locate(file string, doc any) ([]rawEvent, *connectors.FileError) {
	var ships []found
	var tried []string
	var firstErr error
	for _, sp := range c.shipments {
		tried = append(tried, strconv.Quote(sp.String()))
		fs, err := sp.eval(doc, "$")
		if err != nil {
			// The payload has another shape here: try the next path.
			if firstErr == nil {
				firstErr = fmt.Errorf("shipments %q: %w", sp, err)
			}
			continue
		}
		if len(fs) > 0 {
			ships = fs
			break
		}
	}
	if len(ships) == 0 {
		msg := fmt.Sprintf("no shipment where the profile looks (%s)", strings.Join(tried, ", "))
		if firstErr != nil {
			msg += ": " + firstErr.Error()
		}
		return nil, &connectors.FileError{File: file, Code: CodeUnexpected, Message: msg}
	}
	// An array reached is a list of shipments.
	var flat []found
	for _, f := range ships {
		if a, ok := f.value.([]any); ok {
			for i, x := range a {
				if x != nil {
					flat = append(flat, found{value: x, at: fmt.Sprintf("%s[%d]", f.at, i)})
				}
			}
			continue
		}
		flat = append(flat, f)
	}
	var events []rawEvent
	withEvents := 0
	if len(flat) == 0 {
		return nil, nil // an empty page: no shipment, nothing to say
	}
	objects := 0
	for _, sh := range flat {
		if _, ok := sh.value.(map[string]any); ok {
			objects++
		}
	}
	if objects == 0 {
		return nil, &connectors.FileError{File: file, Code: CodeUnexpected,
			Message: fmt.Sprintf("%s is %s, not a shipment object", flat[0].at, jsonType(flat[0].value))}
	}
	for _, sh := range flat {
		if c.events.IsZero() {
			// Each shipment is one event; event() reports one that is not an object.
			events = append(events, rawEvent{value: sh.value, at: sh.at, shipment: sh.value, shipAt: sh.at})
			withEvents++
			continue
		}
		if _, ok := sh.value.(map[string]any); !ok {
			return nil, &connectors.FileError{File: file, Code: CodeUnexpected,
				Message: fmt.Sprintf("%s is %s, not a shipment object", sh.at, jsonType(sh.value))}
		}
		fs, err := c.events.eval(sh.value, sh.at)
		if err != nil {
			return nil, &connectors.FileError{File: file, Code: CodeUnexpected, Message: fmt.Sprintf("events %q: %v", c.events, err)}
		}
		if len(fs) > 0 {
			withEvents++
		}
		for _, f := range fs {
			a, ok := f.value.([]any)
			if !ok {
				events = append(events, rawEvent{value: f.value, at: f.at, shipment: sh.value, shipAt: sh.at})
				continue
			}
			for i, x := range a {
				events = append(events, rawEvent{value: x, at: fmt.Sprintf("%s[%d]", f.at, i), shipment: sh.value, shipAt: sh.at})
			}
		}
	}
	if withEvents == 0 {
		return nil, &connectors.FileError{File: file, Code: CodeUnexpected,
			Message: fmt.Sprintf("%d shipment(s) found but none has events at %q: is this the right profile?", len(flat), c.events)}
	}
	return events, nil
}

// session is the decoding of one input.
type session struct {
	ctx       context.Context
	in        connectors.Input
	out       connectors.Sink
	p         *Profile
	connector string
}

// problem is a row error in the making.
type problem struct {
	field, code, msg string
	warning          bool
}

// event decodes the event at 1-based index n.
func (s *session) event(n int, ev rawEvent) error {
	c := s.p.c
	var probs []problem
	if _, ok := ev.value.(map[string]any); !ok {
		return s.rowError(n, problem{field: ev.at, code: CodeWrongType, msg: fmt.Sprintf("event is %s, not an object", jsonType(ev.value))})
	}
	// text reads a field as text; numbers are taken as written.
	text := func(fp fieldPath) (string, string) {
		if fp.path.IsZero() {
			return "", ""
		}
		from, at := ev.value, ev.at
		if fp.shipment {
			from, at = ev.shipment, ev.shipAt
		}
		f, ok, err := fp.path.one(from, at)
		if err != nil {
			var te *typeError
			errors.As(err, &te)
			probs = append(probs, problem{field: te.at, code: CodeWrongType, msg: fmt.Sprintf("%s: %s is %s, not %s", fp.name, te.at, te.got, te.want)})
			return "", te.at
		}
		if !ok {
			return "", at + pathSuffix(fp.path)
		}
		switch v := f.value.(type) {
		case string:
			return strings.TrimSpace(v), f.at
		case json.Number:
			return v.String(), f.at
		}
		probs = append(probs, problem{field: f.at, code: CodeWrongType, msg: fmt.Sprintf("%s: %s is %s, not a string", fp.name, f.at, jsonType(f.value))})
		return "", f.at
	}
	e := &canonical.TrackingEvent{}
	var tnAt, timeAt, carrierAt string
	e.TrackingNumber, tnAt = text(c.fields[fTrackingNumber])
	e.EventID, _ = text(c.fields[fEventID])
	e.Carrier, carrierAt = text(c.fields[fCarrier])
	if e.Carrier == "" {
		e.Carrier = strings.TrimSpace(s.p.Carrier)
	}
	e.Description, _ = text(c.fields[fDescription])
	rawTime, timeAt := text(c.fields[fOccurredAt])
	city, _ := text(c.fields[fCity])
	country, countryAt := text(c.fields[fCountry])

	// Status: the first code the profile knows, most specific first.
	var firstCode, firstAt string
	known := false
	for _, sp := range c.status {
		code, at := text(sp)
		if code == "" {
			continue
		}
		if firstCode == "" {
			firstCode, firstAt = code, at
		}
		if st, ok := c.lookup(code); ok {
			e.Status, e.CarrierStatus, known = st, code, true
			break
		}
	}
	if !known {
		e.Status, e.CarrierStatus = canonical.TrackingUnknown, firstCode
		if firstCode == "" {
			firstAt = ev.at + pathSuffix(c.status[0].path)
			if c.status[0].shipment {
				firstAt = ev.shipAt + pathSuffix(c.status[0].path)
			}
		}
	}

	if e.TrackingNumber == "" && !hasProblemAt(probs, tnAt) {
		probs = append(probs, problem{field: tnAt, code: CodeRequired, msg: "tracking_number: no tracking number at " + tnAt})
	}
	if e.Carrier == "" && !hasProblemAt(probs, carrierAt) {
		probs = append(probs, problem{field: carrierAt, code: CodeRequired, msg: "carrier: no carrier at " + carrierAt + " and the profile names none"})
	}
	if rawTime == "" {
		if !hasProblemAt(probs, timeAt) {
			probs = append(probs, problem{field: timeAt, code: CodeRequired, msg: "occurred_at: no time at " + timeAt})
		}
	} else if t, pr := c.parseTime(rawTime); pr != nil {
		pr.field = timeAt
		probs = append(probs, *pr)
	} else {
		e.OccurredAt = t
	}

	var warnings []problem
	if !known {
		msg := fmt.Sprintf("status code %q is not in profile %s: the event is kept with status unknown", clip(firstCode), s.p.Name)
		if firstCode == "" {
			msg = "no status code: the event is kept with status unknown"
		}
		warnings = append(warnings, problem{field: firstAt, code: CodeUnknownStatus, msg: msg, warning: true})
	}
	if city != "" || country != "" {
		e.Location = &canonical.Location{City: city}
		if country != "" {
			if cc, ok := parseCountry(country); !ok {
				warnings = append(warnings, problem{field: countryAt, code: CodeInvalidCountry, warning: true,
					msg: fmt.Sprintf("country %q is not an ISO 3166-1 alpha-2 or alpha-3 code: the location keeps only its city", clip(country))})
			} else {
				e.Location.Country = cc
			}
		}
		if e.Location.City == "" && e.Location.Country == "" {
			e.Location = nil
		}
	}

	if len(probs) > 0 {
		return s.rowError(n, probs...)
	}
	if e.EventID == "" {
		e.EventID = EventID(e.Carrier, e.TrackingNumber, e.CarrierStatus, e.OccurredAt)
	}
	e.Source = &canonical.Source{Connector: s.connector, Partner: s.in.Partner, File: s.in.Name, Line: n, Segment: ev.at}
	if err := e.Validate(); err != nil {
		return s.rowError(n, validationProblem(err, ev.at))
	}
	for _, w := range warnings {
		if err := s.rowError(n, w); err != nil {
			return err
		}
	}
	return s.out.Record(s.ctx, connectors.Record{Type: canonical.TypeTrackingEvent, Key: e.TrackingNumber, Value: e})
}

// rowError reports the problems of one event as one row error: the first
// problem's field and code, every problem in the message.
func (s *session) rowError(n int, probs ...problem) error {
	first := probs[0]
	msgs := make([]string, len(probs))
	for i, pr := range probs {
		msgs[i] = pr.msg
	}
	msg := strings.Join(msgs, "; ")
	if !first.warning {
		msg = fmt.Sprintf("event %d: %s; the event is not read", n, msg)
	} else {
		msg = fmt.Sprintf("event %d: %s", n, msg)
	}
	return s.out.RowError(s.ctx, connectors.RowError{File: s.in.Name, Line: n, Field: first.field, Code: first.code, Message: msg, Warning: first.warning})
}

func validationProblem(err error, at string) problem {
	ve := canonical.AsValidationError(err)
	if ve == nil || len(ve.Problems) == 0 {
		return problem{field: at, code: canonical.CodeInvalidFormat, msg: err.Error()}
	}
	return problem{field: at + "." + ve.Problems[0].Path, code: ve.Problems[0].Code, msg: "the tracking event does not validate: " + err.Error()}
}

func hasProblemAt(probs []problem, at string) bool {
	for _, p := range probs {
		if p.field == at {
			return true
		}
	}
	return false
}

// pathSuffix writes a compiled path as a suffix of a location, for
// messages about a value that is missing.
func pathSuffix(p Path) string {
	at := ""
	for _, s := range p.steps {
		at = join(at, s)
	}
	if at == "" {
		return ""
	}
	if strings.HasPrefix(at, "[") {
		return at
	}
	return "." + at
}

// EventID derives an event id for an event the carrier gives none: a hash
// of the carrier, tracking number, carrier status code and time (UTC, to
// the nanosecond). The same event delivered again gets the same id, so a
// store that upserts on it takes the event once; two events that differ in
// any of these get different ids.
func EventID(carrier, trackingNumber, carrierStatus string, at time.Time) string {
	h := sha256.New()
	for _, s := range []string{strings.ToLower(carrier), trackingNumber, carrierStatus, at.UTC().Format(time.RFC3339Nano)} {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	return "ph-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// zoneLayouts are the layouts of rfc3339 that carry an offset or zone.
var zoneLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
}

// localLayouts are the layouts of rfc3339 without an offset.
var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
}

// parseTime reads occurred_at in the profile's time format.
func (c *compiled) parseTime(s string) (time.Time, *problem) {
	switch c.timeFmt {
	case "unix", "unix_ms":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, &problem{code: CodeInvalidTime, msg: fmt.Sprintf("occurred_at: %q is not a whole number of %s", clip(s), map[bool]string{true: "seconds", false: "milliseconds"}[c.timeFmt == "unix"])}
		}
		if c.timeFmt == "unix" {
			return time.Unix(n, 0).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	case "rfc3339":
		for _, l := range zoneLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t, nil
			}
		}
		for _, l := range localLayouts {
			if _, err := time.Parse(l, s); err == nil {
				if c.zone == nil {
					return time.Time{}, &problem{code: CodeNoZone, msg: fmt.Sprintf("occurred_at: %q has no UTC offset and the profile has no time_zone", clip(s))}
				}
				t, _ := time.ParseInLocation(l, s, c.zone)
				return t, nil
			}
		}
		return time.Time{}, &problem{code: CodeInvalidTime, msg: fmt.Sprintf("occurred_at: %q is not an RFC 3339 time", clip(s))}
	}
	zoned := strings.Contains(c.timeFmt, "Z07") || strings.Contains(c.timeFmt, "-07") || strings.Contains(c.timeFmt, "MST")
	if !zoned && c.zone == nil {
		if _, err := time.Parse(c.timeFmt, s); err != nil {
			return time.Time{}, &problem{code: CodeInvalidTime, msg: fmt.Sprintf("occurred_at: %q does not read as %q", clip(s), c.timeFmt)}
		}
		return time.Time{}, &problem{code: CodeNoZone, msg: fmt.Sprintf("occurred_at: %q has no UTC offset and the profile has no time_zone", clip(s))}
	}
	loc := c.zone
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(c.timeFmt, s, loc)
	if err != nil {
		return time.Time{}, &problem{code: CodeInvalidTime, msg: fmt.Sprintf("occurred_at: %q does not read as %q", clip(s), c.timeFmt)}
	}
	return t, nil
}

// parseCountry reads an ISO 3166-1 alpha-2 code, or an alpha-3 code
// (AfterShip's "DEU"), ignoring case.
func parseCountry(s string) (canonical.Country, bool) {
	if c, err := canonical.ParseCountry(s); err == nil {
		return c, true
	}
	s = strings.TrimSpace(s)
	if len(s) != 3 || strings.IndexFunc(s, func(r rune) bool { return (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') }) >= 0 {
		return "", false
	}
	r, err := language.ParseRegion(s)
	if err != nil || !r.IsCountry() {
		return "", false
	}
	c := canonical.Country(r.String())
	return c, c.Valid()
}

// clip shortens a value for a message.
func clip(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
