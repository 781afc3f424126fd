package infer_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/tracking"
	"github.com/procurehub/procurehub/connectors/tracking/infer"
)

func TestASampleThatIsNotJSONIsRefusedWithItsPosition(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"a CSV file", "code,status\nA,B\n", []string{"not JSON", "line 1, column 1", "byte 1"}},
		{"a missing comma", "{\n  \"code\": \"DLV\"\n  \"x\": 1\n}", []string{"not JSON", "line 3, column 3"}},
		{"a truncated body", "{\"events\": [", []string{"ends too early"}},
		{"two values", "{}\n{}", []string{"more data after the JSON value", "line 2"}},
		{"a lone string", `"hello"`, []string{"not an object or an array"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := infer.Infer([]byte(tt.body), infer.Options{FileName: "payload.json"})
			if !errors.Is(err, infer.ErrNotJSON) {
				t.Fatalf("Infer = %v, want ErrNotJSON", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	var se *json.SyntaxError
	if _, err := infer.Infer([]byte("{x}"), infer.Options{}); !errors.As(err, &se) || se.Offset != 2 {
		t.Errorf("Infer = %v, want a wrapped *json.SyntaxError at offset 2", err)
	}
}

func TestEmptyAndOversizedSamplesAreRefused(t *testing.T) {
	if _, err := infer.Infer([]byte(" \n"), infer.Options{}); !errors.Is(err, infer.ErrEmpty) {
		t.Errorf("blank sample: %v, want ErrEmpty", err)
	}
	big := append([]byte(`{"x": "`), bytes.Repeat([]byte("a"), infer.MaxSampleSize)...)
	if _, err := infer.Infer(append(big, `"}`...), infer.Options{}); !errors.Is(err, infer.ErrTooLarge) {
		t.Errorf("oversized sample: %v, want ErrTooLarge", err)
	}
}

func TestAPayloadWithoutEventsListsEveryRequiredFieldAsMissing(t *testing.T) {
	p, err := infer.Infer([]byte(`{"ok": true, "items": [1, 2, 3]}`), infer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Missing, ",") != "tracking_number,status,occurred_at" || len(p.Fields) != 0 || len(p.Notes) == 0 {
		t.Errorf("proposal %+v, want the three required fields missing and a note", p)
	}
	if _, err := tracking.ParseProfile("p.yaml", p.YAML()); err == nil {
		t.Errorf("a profile without fields loads:\n%s", p.YAML())
	}
}

func TestStatusCodesGetTheirNormalizedStatusByKeyword(t *testing.T) {
	for code, want := range map[string]canonical.TrackingStatus{
		"DELIVERED":                   canonical.TrackingDelivered,
		"Zugestellt":                  canonical.TrackingDelivered,
		"Livré":                       canonical.TrackingDelivered,
		"OutForDelivery":              canonical.TrackingOutForDelivery,
		"out_for_delivery":            canonical.TrackingOutForDelivery,
		"In Zustellung":               canonical.TrackingOutForDelivery,
		"InTransit_003":               canonical.TrackingInTransit,
		"Arrived at sort facility":    canonical.TrackingInTransit,
		"picked up":                   canonical.TrackingPickedUp,
		"Held by customs":             canonical.TrackingCustomsHold,
		"Zollabfertigung: Zoll":       canonical.TrackingCustomsHold,
		"Customs cleared":             canonical.TrackingCustomsCleared,
		"Delivery attempt failed":     canonical.TrackingFailedAttempt,
		"DELAYED":                     canonical.TrackingException,
		"Exception":                   canonical.TrackingException,
		"InfoReceived":                canonical.TrackingInfoReceived,
		"label_created":               canonical.TrackingInfoReceived,
		"Return to sender":            canonical.TrackingReturned,
		"Ready for pickup at counter": canonical.TrackingAvailableForPickup,
	} {
		p, err := infer.Infer([]byte(`[{"tracking_number": "AB123456789", "status": `+quote(code)+`, "time": "2026-03-01T10:00:00Z"}]`), infer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Statuses) != 1 || p.Statuses[0].Status != want || p.Statuses[0].Confidence <= 0 || p.Statuses[0].Reason == "" {
			t.Errorf("%q: statuses %+v, want %s with a confidence and reason", code, p.Statuses, want)
		}
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestAProposalIsPlainJSONForTheAPI(t *testing.T) {
	e := samples(t)[1]
	p := infer1(t, e)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "shipments", "events", "fields", "time_format", "statuses", "unplaced_statuses", "missing", "not_found", "inferred_at"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	f := back["fields"].([]any)[0].(map[string]any)
	for _, k := range []string{"field", "path", "confidence", "reason"} {
		if _, ok := f[k]; !ok {
			t.Errorf("a field's JSON lacks %q: %v", k, f)
		}
	}
}

// FuzzInfer feeds arbitrary bytes to Infer. It never panics; it returns a
// proposal or an error, not both; a proposal's YAML names it; and when no
// required field is missing, the YAML loads with the tracking package's
// loader and decodes the sample without a file error.
func FuzzInfer(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/samples/*.json")
	f.Add([]byte(`{"a.b": [{"x\"y": "2026-03-01T10:00:00Z", "st'at": "DLV", "tracking": "ABC12345678"}]}`))
	f.Add([]byte(`[[{"time": 1772352000, "status": "${HOME}", "awb": "${X}12345678"}]]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := infer.Infer(b, infer.Options{Name: "fuzz"})
		if err != nil {
			if p != nil {
				t.Fatalf("a proposal and an error %v", err)
			}
			return
		}
		y := p.YAML()
		if !bytes.Contains(y, []byte("name: fuzz")) {
			t.Fatalf("YAML without its name:\n%s", y)
		}
		if len(p.Missing) > 0 {
			return
		}
		prof, err := tracking.ParseProfile("fuzz.yaml", y)
		if err != nil {
			t.Fatalf("nothing missing, yet the profile does not load: %v\n%s", err, y)
		}
		if len(b) > tracking.DefaultMaxBytes {
			return
		}
		if _, err := connectortest.DecodeBytes(tracking.NewDecoder(prof), "fuzz.json", b); err != nil {
			t.Fatalf("the sample does not decode with its own profile: %v\n%s", err, y)
		}
	})
}
