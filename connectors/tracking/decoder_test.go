package tracking_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/tracking"
)

func builtin(t testing.TB, name string) *tracking.Decoder {
	t.Helper()
	p, err := tracking.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return tracking.NewDecoder(p)
}

func events(t testing.TB, rec *connectortest.Recorder) []canonical.TrackingEvent {
	t.Helper()
	var out []canonical.TrackingEvent
	for _, r := range rec.Records {
		if r.Type != canonical.TypeTrackingEvent {
			t.Fatalf("record type %q, want %q", r.Type, canonical.TypeTrackingEvent)
		}
		e := r.Value.(*canonical.TrackingEvent)
		if r.Key != e.TrackingNumber {
			t.Errorf("record key %q, want the tracking number %q", r.Key, e.TrackingNumber)
		}
		out = append(out, *e)
	}
	return out
}

func TestMalformedJSONIsAFileErrorWithLineAndColumn(t *testing.T) {
	d := builtin(t, "demo")
	for _, tt := range []struct {
		name, body string
		line       int
		fragment   string
	}{
		{"a missing comma", "{\n  \"code\": \"DELIVERED\"\n  \"x\": 1\n}", 3, "line 3, column 3"},
		{"a trailing comma", "{\"events\": [\n{\"code\": 1},\n]}", 3, "line 3, column 1"},
		{"a truncated body", "{\"events\": [", 1, "ends too early"},
		{"not JSON at all", "code,status\nA,B\n", 1, "line 1, column 1"},
		{"two values", "{}\n{}", 2, "more data after the JSON value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := connectortest.DecodeBytes(d, "body.json", []byte(tt.body))
			var fe *connectors.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode = %v, want a *FileError", err)
			}
			if fe.Code != tracking.CodeInvalidJSON || fe.Line != tt.line || fe.File != "body.json" || !strings.Contains(fe.Message, tt.fragment) {
				t.Errorf("file error %+v, want invalid_json at line %d with %q", fe, tt.line, tt.fragment)
			}
			if len(rec.Records)+len(rec.RowErrors) > 0 {
				t.Errorf("%d records and %d row errors besides the file error", len(rec.Records), len(rec.RowErrors))
			}
		})
	}
}

// countingReader is an endless body that counts what was read of it.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestABodyOverTheLimitIsRefusedWithoutReadingItAll(t *testing.T) {
	d := builtin(t, "demo")
	d.MaxBytes = 4096
	r := &countingReader{}
	var rec connectortest.Recorder
	err := d.Decode(context.Background(), connectortest.InputOf("big.json", nil), r, &rec)
	var fe *connectors.FileError
	if !errors.As(err, &fe) || fe.Code != tracking.CodeTooLarge {
		t.Fatalf("Decode = %v, want the file error too_large", err)
	}
	if !strings.Contains(fe.Message, "4096 bytes") {
		t.Errorf("message %q does not name the limit", fe.Message)
	}
	if r.n > 4096+64<<10 {
		t.Errorf("read %d bytes of an endless body with a limit of 4096", r.n)
	}

	// The default limit is 1 MiB: a body just over it is refused, one at it is read.
	d = builtin(t, "demo")
	event := `{"tracking_number": "T1", "code": "DELIVERED", "occurred_at": "2026-12-01T10:00:00Z"}`
	at := event + strings.Repeat(" ", tracking.DefaultMaxBytes-len(event))
	if _, err := connectortest.DecodeBytes(d, "at-limit.json", []byte(at)); err != nil {
		t.Errorf("a body of exactly 1 MiB: %v", err)
	}
	if _, err := connectortest.DecodeBytes(d, "over.json", []byte(at+" ")); !errors.As(err, &fe) || fe.Code != tracking.CodeTooLarge {
		t.Errorf("a body of 1 MiB + 1 byte: %v, want too_large", err)
	}
}

func TestThePayloadShapeIsCheckedBeforeAnyEvent(t *testing.T) {
	aftershipBody := `{"msg": {"tracking_number": "T", "slug": "ups", "checkpoints": []}}`
	for _, tt := range []struct {
		name, profile, body, fragment string
	}{
		{"a payload of another aggregator", "easypost", aftershipBody, `none has events at "tracking_details": is this the right profile?`},
		{"a payload with no shipment where the profile looks", "aftership", `{"meta": {"code": 200}}`, `no shipment where the profile looks ("msg", "data.tracking", "data.trackings", "data")`},
		{"an empty body", "demo", "  \n", "empty"},
		{"a scalar payload", "freight", `"hello"`, "$ is a string, not a shipment object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connectortest.DecodeBytes(builtin(t, tt.profile), "body.json", []byte(tt.body))
			var fe *connectors.FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Message, tt.fragment) {
				t.Errorf("Decode = %v, want a file error with %q", err, tt.fragment)
			}
		})
	}
}

func TestAnEmptyPageGivesNothingAndNoError(t *testing.T) {
	for _, tt := range []struct{ profile, body string }{{"aftership", `{"data": {"trackings": []}}`}, {"demo", `[]`}, {"demo", `{"events": []}`}} {
		profile, body := tt.profile, tt.body
		rec, err := connectortest.DecodeBytes(builtin(t, profile), "t.json", []byte(body))
		if err != nil || len(rec.Records)+len(rec.RowErrors) != 0 {
			t.Errorf("%s: Decode = %v with %d records, %d row errors; want nothing at all", body, err, len(rec.Records), len(rec.RowErrors))
		}
	}
}

func TestAShipmentWithNoEventsYetGivesNothingAndNoError(t *testing.T) {
	rec, err := connectortest.DecodeBytes(builtin(t, "easypost"), "t.json",
		[]byte(`{"object": "Tracker", "tracking_code": "EZ1", "carrier": "USPS", "status": "unknown", "tracking_details": []}`))
	if err != nil || len(rec.Records)+len(rec.RowErrors) != 0 {
		t.Errorf("Decode = %v with %d records, %d row errors; want nothing at all", err, len(rec.Records), len(rec.RowErrors))
	}
}

func TestUnknownCodeIsKeptWithAWarning(t *testing.T) {
	rec, err := connectortest.DecodeBytes(builtin(t, "shippo"), "t.json", []byte(`{
		"carrier": "usps", "tracking_number": "9400",
		"tracking_history": [
			{"status": "LOST_IN_SPACE", "substatus": {"code": "beamed_up"}, "status_date": "2026-10-01T10:00:00Z"},
			{"status": "", "status_date": "2026-10-01T11:00:00Z"}
		]}`))
	if err != nil {
		t.Fatal(err)
	}
	evs := events(t, rec)
	if len(evs) != 2 {
		t.Fatalf("%d events, want both kept", len(evs))
	}
	if evs[0].Status != canonical.TrackingUnknown || evs[0].CarrierStatus != "beamed_up" {
		t.Errorf("event 1: status %s, carrier_status %q; want unknown with the most specific code kept", evs[0].Status, evs[0].CarrierStatus)
	}
	if evs[1].Status != canonical.TrackingUnknown || evs[1].CarrierStatus != "" {
		t.Errorf("event 2: status %s, carrier_status %q; want unknown without a code", evs[1].Status, evs[1].CarrierStatus)
	}
	if len(rec.RowErrors) != 2 {
		t.Fatalf("row errors %+v, want one warning per event", rec.RowErrors)
	}
	w := rec.RowErrors[0]
	if !w.Warning || w.Code != tracking.CodeUnknownStatus || w.Line != 1 || w.Field != "$.tracking_history[0].substatus.code" || !strings.Contains(w.Message, `"beamed_up"`) {
		t.Errorf("warning %+v, want unknown_status at event 1, field of the code, naming it", w)
	}
	if w := rec.RowErrors[1]; !w.Warning || w.Line != 2 || w.Field != "$.tracking_history[1].substatus.code" {
		t.Errorf("warning %+v, want unknown_status at event 2", w)
	}
}

const zoneProfile = `name: local
carrier: local-post
shipments: [events, $]
fields:
  tracking_number: tn
  status: code
  occurred_at: at
statuses:
  D: delivered
`

func decodeWith(t *testing.T, profile, body string) *connectortest.Recorder {
	t.Helper()
	p, err := tracking.ParseProfile("p.yaml", []byte(profile))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := connectortest.DecodeBytes(tracking.NewDecoder(p), "body.json", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestTimestamps(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		name, extra, at string
		want            time.Time
		code            string
	}{
		{"an RFC 3339 time keeps its offset", "", `"2026-03-01T10:00:00+05:30"`, time.Date(2026, 3, 1, 4, 30, 0, 0, time.UTC), ""},
		{"fractional seconds and Z", "", `"2026-03-01T10:00:00.123Z"`, time.Date(2026, 3, 1, 10, 0, 0, 123e6, time.UTC), ""},
		{"an offset without colon", "", `"2026-03-01T10:00:00+0100"`, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), ""},
		{"a space for the T", "", `"2026-03-01 10:00:00Z"`, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), ""},
		{"no offset and no time_zone is a row error", "", `"2026-03-01T10:00:00"`, time.Time{}, tracking.CodeNoZone},
		{"no offset is read in the time_zone, with its summer time", "time_zone: Europe/Berlin\n", `"2026-07-01T10:00:00"`, time.Date(2026, 7, 1, 10, 0, 0, 0, berlin), ""},
		{"an offset wins over the time_zone", "time_zone: Europe/Berlin\n", `"2026-07-01T10:00:00Z"`, time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC), ""},
		{"unix seconds, as a number", "time_format: unix\n", `1767225600`, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"unix milliseconds, as a string", "time_format: unix_ms\n", `"1767225600500"`, time.Date(2026, 1, 1, 0, 0, 0, 500e6, time.UTC), ""},
		{"unix seconds that are not a number", "time_format: unix\n", `"soon"`, time.Time{}, tracking.CodeInvalidTime},
		{"a Go layout with a zone", "time_format: \"02.01.2006 15:04 -0700\"\n", `"05.03.2026 08:15 +0100"`, time.Date(2026, 3, 5, 7, 15, 0, 0, time.UTC), ""},
		{"a Go layout without a zone needs a time_zone", "time_format: \"02.01.2006 15:04\"\n", `"05.03.2026 08:15"`, time.Time{}, tracking.CodeNoZone},
		{"a Go layout without a zone, in the time_zone", "time_format: \"02.01.2006 15:04\"\ntime_zone: Europe/Berlin\n", `"05.03.2026 08:15"`, time.Date(2026, 3, 5, 8, 15, 0, 0, berlin), ""},
		{"a time that does not read in the layout", "time_format: \"02.01.2006 15:04\"\ntime_zone: UTC\n", `"2026-03-05"`, time.Time{}, tracking.CodeInvalidTime},
		{"a time of the wrong type", "", `true`, time.Time{}, tracking.CodeWrongType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := decodeWith(t, zoneProfile+tt.extra, `{"events": [{"tn": "T1", "code": "D", "at": `+tt.at+`}]}`)
			evs := events(t, rec)
			if tt.code != "" {
				if len(rec.RowErrors) != 1 || rec.RowErrors[0].Code != tt.code || rec.RowErrors[0].Line != 1 || rec.RowErrors[0].Field != "$.events[0].at" {
					t.Fatalf("row errors %+v, want one %s at event 1, field $.events[0].at", rec.RowErrors, tt.code)
				}
				if len(evs) != 0 {
					t.Errorf("events %+v, want none", evs)
				}
				return
			}
			if len(rec.RowErrors) != 0 || len(evs) != 1 {
				t.Fatalf("row errors %+v, %d events; want the event", rec.RowErrors, len(evs))
			}
			if !evs[0].OccurredAt.Equal(tt.want) {
				t.Errorf("occurred_at %s, want %s", evs[0].OccurredAt, tt.want)
			}
		})
	}
}

func TestRequiredFieldsRejectOnlyTheirEvent(t *testing.T) {
	rec := decodeWith(t, zoneProfile, `{"events": [
		{"code": "D", "at": "2026-01-01T00:00:00Z"},
		{"tn": "  ", "code": "D"},
		{"tn": {"n": 1}, "code": "D", "at": "2026-01-01T00:00:00Z"},
		{"tn": 4711, "code": "D", "at": "2026-01-01T00:00:00Z"},
		{"tn": "T5", "code": "D", "at": ["2026-01-01T00:00:00Z"]}
	]}`)
	want := []struct {
		line        int
		field, code string
		fragments   []string
	}{
		{1, "$.events[0].tn", tracking.CodeRequired, []string{"event 1: tracking_number"}},
		{2, "$.events[1].tn", tracking.CodeRequired, []string{"tracking_number", "occurred_at: no time at $.events[1].at", "not read"}},
		{3, "$.events[2].tn", tracking.CodeWrongType, []string{"$.events[2].tn is an object, not a string"}},
		{5, "$.events[4].at", tracking.CodeWrongType, []string{"event 5: occurred_at: $.events[4].at is an array, not a string; the event is not read"}},
	}
	if len(rec.RowErrors) != len(want) {
		t.Fatalf("row errors %+v, want %d", rec.RowErrors, len(want))
	}
	for i, w := range want {
		e := rec.RowErrors[i]
		if e.Line != w.line || e.Field != w.field || e.Code != w.code || e.Warning {
			t.Errorf("row error %d: %+v, want line %d field %s code %s", i, e, w.line, w.field, w.code)
		}
		for _, f := range w.fragments {
			if !strings.Contains(e.Message, f) {
				t.Errorf("row error %d: %q lacks %q", i, e.Message, f)
			}
		}
	}
	evs := events(t, rec)
	if len(evs) != 1 || evs[0].TrackingNumber != "4711" || evs[0].Carrier != "local-post" {
		t.Errorf("events %+v, want the one whose numeric tracking number reads as 4711, with the profile's carrier", evs)
	}
}

func TestDerivedEventIDsAreStableAndDistinct(t *testing.T) {
	d := builtin(t, "easypost")
	first, err := connectortest.DecodeFile(t, d, "testdata/easypost/event_tracker_updated.json")
	if err != nil {
		t.Fatal(err)
	}
	again, err := connectortest.DecodeFile(t, d, "testdata/easypost/event_tracker_updated.json")
	if err != nil {
		t.Fatal(err)
	}
	a, b := events(t, first), events(t, again)
	seen := map[string]bool{}
	for i := range a {
		if a[i].EventID == "" || a[i].EventID != b[i].EventID {
			t.Errorf("event %d: ids %q and %q on re-delivery, want the same non-empty id", i+1, a[i].EventID, b[i].EventID)
		}
		if seen[a[i].EventID] {
			t.Errorf("event %d: id %q is shared with another event", i+1, a[i].EventID)
		}
		seen[a[i].EventID] = true
	}
	at := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	id := tracking.EventID("UPS", "1Z", "D", at)
	if id != tracking.EventID("ups", "1Z", "D", at.In(time.FixedZone("x", 3600))) {
		t.Error("the same instant in another offset, or the carrier in another case, gives another id")
	}
	for _, other := range []string{
		tracking.EventID("UPS", "1Z", "D", at.Add(time.Second)),
		tracking.EventID("UPS", "1Y", "D", at),
		tracking.EventID("UPS", "1Z", "E", at),
		tracking.EventID("DHL", "1Z", "D", at),
		tracking.EventID("UPS", "1ZD", "", at),
	} {
		if other == id {
			t.Errorf("different events share the id %s", id)
		}
	}
}

func TestCarrierEventIDsAreKept(t *testing.T) {
	rec, err := connectortest.DecodeFile(t, builtin(t, "shippo"), "testdata/shippo/webhook_track_updated.json")
	if err != nil {
		t.Fatal(err)
	}
	if evs := events(t, rec); len(evs) == 0 || evs[0].EventID != "a1b2c3d4e5f0" {
		t.Errorf("events %+v, want Shippo's object_id as event id", evs)
	}
}

func TestLineageNamesTheEvent(t *testing.T) {
	in := connectortest.InputOf("hook-42.json", nil)
	in.Connector = "carrier_webhook"
	body := []byte(`{"events": [{"tracking_number": "D1", "code": "DELIVERED", "occurred_at": "2026-12-01T10:00:00Z"}]}`)
	var rec connectortest.Recorder
	if err := builtin(t, "demo").Decode(context.Background(), in, bytes.NewReader(body), &rec); err != nil {
		t.Fatal(err)
	}
	got := events(t, &rec)[0].Source
	want := canonical.Source{Connector: "carrier_webhook", Partner: "test-partner", File: "hook-42.json", Line: 1, Segment: "$.events[0]"}
	if got == nil || *got != want {
		t.Errorf("source %+v, want %+v", got, want)
	}
}

func largeDemo(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"events": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"tracking_number": "T%d", "code": "IN_TRANSIT", "occurred_at": "2026-12-01T10:00:00Z"}`, i)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func TestCancellationStopsDecodePromptly(t *testing.T) {
	d := builtin(t, "demo")
	content := largeDemo(5000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var rec connectortest.Recorder
	if err := d.Decode(ctx, connectortest.InputOf("large", content), bytes.NewReader(content), &rec); !errors.Is(err, context.Canceled) || len(rec.Records) > 0 {
		t.Errorf("cancelled before: Decode = %v with %d records, want context.Canceled and none", err, len(rec.Records))
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	rec = connectortest.Recorder{OnRecord: func(connectors.Record) { cancel() }}
	if err := d.Decode(ctx, connectortest.InputOf("large", content), bytes.NewReader(content), &rec); !errors.Is(err, context.Canceled) || len(rec.Records) != 1 {
		t.Errorf("cancelled on the first record: Decode = %v with %d records, want context.Canceled after 1", err, len(rec.Records))
	}
}

// errSink fails on the first record.
type errSink struct{ connectortest.Recorder }

var errStop = errors.New("broker down")

func (errSink) Record(context.Context, connectors.Record) error { return errStop }

func TestASinkErrorStopsDecode(t *testing.T) {
	content := largeDemo(3)
	err := builtin(t, "demo").Decode(context.Background(), connectortest.InputOf("x", content), bytes.NewReader(content), &errSink{})
	if !errors.Is(err, errStop) {
		t.Errorf("Decode = %v, want the sink's error", err)
	}
}

// failingReader fails after some bytes.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestAReadErrorIsNotAFileError(t *testing.T) {
	err := builtin(t, "demo").Decode(context.Background(), connectortest.InputOf("x", nil), failingReader{}, &connectortest.Recorder{})
	var fe *connectors.FileError
	if !errors.Is(err, io.ErrClosedPipe) || errors.As(err, &fe) {
		t.Errorf("Decode = %v, want the read error (the input may be fine; retry), not a file error", err)
	}
}

func TestCountryCodes(t *testing.T) {
	profile := strings.Replace(zoneProfile, "  occurred_at: at\n", "  occurred_at: at\n  city: city\n  country: cc\n", 1)
	for _, tt := range []struct {
		cc, want string
		warning  bool
	}{
		{"DE", "DE", false},
		{" de ", "DE", false},
		{"DEU", "DE", false}, // alpha-3, as AfterShip sends
		{"chn", "CN", false},
		{"Germany", "", true},
		{"UK", "", true},
		{"XXX", "", true},
		{"EU", "", true},
	} {
		rec := decodeWith(t, profile, `{"tn": "T1", "code": "D", "at": "2026-01-01T10:00:00Z", "city": "Bonn", "cc": "`+tt.cc+`"}`)
		evs := events(t, rec)
		if len(evs) != 1 || evs[0].Location == nil || evs[0].Location.City != "Bonn" || string(evs[0].Location.Country) != tt.want {
			t.Errorf("country %q: events %+v, want the event in Bonn with country %q", tt.cc, evs, tt.want)
		}
		if got := len(rec.RowErrors) == 1 && rec.RowErrors[0].Warning && rec.RowErrors[0].Code == tracking.CodeInvalidCountry && rec.RowErrors[0].Field == "$.cc"; got != tt.warning {
			t.Errorf("country %q: row errors %+v, want an invalid_country warning: %v", tt.cc, rec.RowErrors, tt.warning)
		}
	}
}

func TestAPathThroughAValueOfTheWrongTypeIsOneRowError(t *testing.T) {
	profile := strings.Replace(zoneProfile, "tracking_number: tn", "tracking_number: $.ref.number", 1)
	rec := decodeWith(t, profile, `{"ref": "ABC", "code": "D", "at": "2026-01-01T00:00:00Z"}`)
	if len(rec.RowErrors) != 1 {
		t.Fatalf("row errors %+v, want one", rec.RowErrors)
	}
	e := rec.RowErrors[0]
	if e.Code != tracking.CodeWrongType || e.Field != "$.ref" || e.Line != 1 || !strings.Contains(e.Message, "tracking_number: $.ref is a string, not an object") {
		t.Errorf("row error %+v, want wrong_type at $.ref naming the field", e)
	}
}
