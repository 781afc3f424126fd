package infer_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/tracking"
	"github.com/procurehub/procurehub/connectors/tracking/infer"
)

// TestTheProposedProfileLoadsAndDecodesItsSample loads each proposal's YAML
// with the tracking package's loader and decodes the sample with it: every
// event of the sample arrives, with the tracking number, time and status
// the sample gives.
func TestTheProposedProfileLoadsAndDecodesItsSample(t *testing.T) {
	for _, e := range samples(t) {
		t.Run(e.File, func(t *testing.T) {
			p := infer1(t, e)
			y := p.YAML()
			prof, err := tracking.ParseProfile("acme.yaml", y)
			if len(p.Missing) > 0 {
				if err == nil {
					t.Fatalf("missing %v, yet the profile loads:\n%s", p.Missing, y)
				}
				for _, m := range p.Missing {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("load error %q does not name the missing %s", err, m)
					}
				}
				if !bytes.Contains(y, []byte("NOT READY")) {
					t.Errorf("a profile with missing fields does not say it is not ready:\n%s", y)
				}
				return
			}
			if err != nil {
				t.Fatalf("the proposed profile does not load: %v\n%s", err, y)
			}
			rec, err := connectortest.DecodeBytes(tracking.NewDecoder(prof), e.File, e.content)
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, y)
			}
			for _, re := range rec.RowErrors {
				if !re.Warning {
					t.Errorf("row error %+v\n%s", re, y)
				}
			}
			if len(rec.Records) != p.EventCount || len(rec.Records) == 0 {
				t.Fatalf("%d events decoded, the proposal counted %d\n%s", len(rec.Records), p.EventCount, y)
			}
			known := 0
			for _, r := range rec.Records {
				ev := r.Value.(*canonical.TrackingEvent)
				if ev.TrackingNumber == "" || ev.OccurredAt.IsZero() || ev.CarrierStatus == "" {
					t.Errorf("event %+v lacks its tracking number, time or carrier status", ev)
				}
				if ev.OccurredAt.Year() != 2026 {
					t.Errorf("event time %v, want a time in 2026 (the sample's)", ev.OccurredAt)
				}
				if ev.Status != canonical.TrackingUnknown {
					known++
				}
			}
			if known == 0 {
				t.Errorf("no event has a known status\n%s", y)
			}
		})
	}
}

// TestTheYAMLSaysItMustBeReviewed checks the header and the per-field
// comments a person reviews.
func TestTheYAMLSaysItMustBeReviewed(t *testing.T) {
	b := []byte(`{"awb": "176-40119382", "events": [
		{"code": "DLV", "text": "Delivered to consignee", "time": "2026-03-01T10:00:00Z"},
		{"code": "Q7", "text": "Status 7", "time": "2026-03-01T09:00:00Z"}]}`)
	p, err := infer.Infer(b, infer.Options{FileName: "acme-webhook.json", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	y := string(p.YAML())
	for _, want := range []string{
		"proposed from acme-webhook.json on 2026-03-14",
		"MUST be reviewed",
		"name: custom",
		"tracking_number: $.awb",
		"status: code",
		"DLV: delivered",
		"#   Q7: ?",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("YAML lacks %q:\n%s", want, y)
		}
	}
	for _, l := range strings.Split(y, "\n") {
		if strings.HasPrefix(l, "  ") && strings.Contains(l, ": ") && !strings.HasPrefix(strings.TrimSpace(l), "#") && !strings.Contains(l, "  # ") {
			t.Errorf("line %q has no comment with its confidence and reason", l)
		}
	}
	if p.UnplacedStatuses[0] != "Q7" {
		t.Errorf("unplaced statuses %v, want [Q7]", p.UnplacedStatuses)
	}
	if _, err := tracking.ParseProfile("p.yaml", []byte(y)); err != nil {
		t.Errorf("does not load: %v", err)
	}
}
