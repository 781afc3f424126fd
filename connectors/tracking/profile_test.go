package tracking_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/tracking"
)

const goodProfile = `name: acme
carrier: acme
shipments: data
events: history
fields:
  tracking_number: $.tracking_no
  status: [detail, code]
  occurred_at: time
statuses:
  DLV: delivered
`

func TestProfileErrorsNamePositions(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // fragments, each in the error
	}{
		{"an unknown key is an error with its line and column",
			goodProfile + "stauses_extra: 1\n", []string{"acme.yaml:11:1: unknown key \"stauses_extra\""}},
		{"a misspelt field key suggests the right one",
			strings.Replace(goodProfile, "occurred_at:", "occured_at:", 1), []string{"acme.yaml:8:3", `did you mean "occurred_at"`}},
		{"a status outside the normalized set is refused at its value",
			goodProfile + "  RTS: sent_back\n", []string{"acme.yaml:11:8: statuses.RTS: \"sent_back\" is not a normalized status"}},
		{"a path that does not compile is refused at its value",
			strings.Replace(goodProfile, "time\n", "time..at\n", 1), []string{"acme.yaml:8:16: fields.occurred_at: path \"time..at\": empty key at byte 5"}},
		{"a path in a list is positioned at its element",
			strings.Replace(goodProfile, "[detail, code]", "[detail, \"code[\"]", 1), []string{"acme.yaml:7:20: fields.status.1: path \"code[\""}},
		{"a field path cannot fan out",
			strings.Replace(goodProfile, "$.tracking_no", "$.numbers[*]", 1), []string{"acme.yaml:6:20", "[*] is not allowed here"}},
		{"the tracking number path is required",
			strings.Replace(goodProfile, "  tracking_number: $.tracking_no\n", "", 1), []string{"acme.yaml:5:1: fields: tracking_number: a path is required"}},
		{"the time path is required",
			strings.Replace(goodProfile, "  occurred_at: time\n", "", 1), []string{"fields: occurred_at: a path is required"}},
		{"a carrier is required, by name or path",
			strings.Replace(goodProfile, "carrier: acme\n", "", 1), []string{"carrier or fields.carrier is required"}},
		{"a time zone must be an IANA zone",
			goodProfile + "time_zone: Mars/Olympus\n", []string{"acme.yaml:11:12: time_zone: \"Mars/Olympus\" is not an IANA time zone"}},
		{"a time format must be a known name or a layout",
			goodProfile + "time_format: iso\n", []string{"acme.yaml:11:14: time_format: \"iso\" is not rfc3339"}},
		{"codes that differ only in case cannot map differently",
			goodProfile + "  dlv: returned\n", []string{"is listed twice (codes are case-insensitive)"}},
		{"a status table is required",
			strings.Replace(goodProfile, "statuses:\n  DLV: delivered\n", "", 1), []string{"statuses: is required"}},
		{"status must be a path or a list of paths",
			strings.Replace(goodProfile, "[detail, code]", "{a: b}", 1), []string{"acme.yaml:7:", "want a path or a list of paths"}},
		{"every problem is reported, not just the first",
			strings.Replace(goodProfile, "time\n", "time..at\n", 1) + "  RTS: sent_back\n", []string{"fields.occurred_at", "statuses.RTS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tracking.ParseProfile("acme.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestProfileFromAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(goodProfile, "carrier: acme", "carrier: ${ACME_CARRIER:-acme-freight}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := tracking.LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "acme" || p.Carrier != "acme-freight" {
		t.Errorf("loaded %q carrier %q, want acme with the ${VAR:-default} carrier acme-freight", p.Name, p.Carrier)
	}
	if st, ok := p.Status("dlv"); !ok || st != canonical.TrackingDelivered {
		t.Errorf("Status(dlv) = %s, %v; want delivered, matched case-insensitively", st, ok)
	}
}

func TestBuiltinProfiles(t *testing.T) {
	want := []string{"aftership", "demo", "easypost", "freight", "shippo"}
	if got := tracking.BuiltinNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("BuiltinNames() = %v, want %v", got, want)
	}
	_, err := tracking.Builtin("fedex")
	if err == nil || !strings.Contains(err.Error(), "aftership, demo, easypost, freight, shippo") {
		t.Errorf("Builtin(fedex) = %v, want an error listing the built-in profiles", err)
	}
	if _, err := tracking.Builtin("../profiles/demo"); err == nil {
		t.Error("Builtin took a path")
	}
}

func TestStatusLookup(t *testing.T) {
	p, err := tracking.Builtin("aftership")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		code string
		want canonical.TrackingStatus
		ok   bool
	}{
		{"Delivered", canonical.TrackingDelivered, true},
		{"delivered", canonical.TrackingDelivered, true},
		{" OUTFORDELIVERY ", canonical.TrackingOutForDelivery, true},
		{"InTransit_004", canonical.TrackingArrivedDestination, true}, // exact beats prefix
		{"InTransit_099", canonical.TrackingInTransit, true},          // a new substatus falls back on its prefix
		{"Exception_011", canonical.TrackingReturned, true},
		{"Exception_042", canonical.TrackingException, true},
		{"Teleported", canonical.TrackingUnknown, false},
		{"", canonical.TrackingUnknown, false},
	} {
		st, ok := p.Status(tt.code)
		if st != tt.want || ok != tt.ok {
			t.Errorf("Status(%q) = %s, %v; want %s, %v", tt.code, st, ok, tt.want, tt.ok)
		}
	}
}

func TestLongestPrefixWins(t *testing.T) {
	p, err := tracking.ParseProfile("p.yaml", []byte(goodProfile+"status_prefixes:\n  X: exception\n  X_RET: returned\n  X_R: in_transit\n"))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := p.Status("x_ret_01"); st != canonical.TrackingReturned {
		t.Errorf("Status(x_ret_01) = %s, want returned (the longest prefix)", st)
	}
	if st, _ := p.Status("X_RX"); st != canonical.TrackingInTransit {
		t.Errorf("Status(X_RX) = %s, want in_transit", st)
	}
}

// TestProfileKeysDocumentEveryKey keeps ProfileKeys (what specs and docs
// show) in step with the YAML keys a profile decodes.
func TestProfileKeysDocumentEveryKey(t *testing.T) {
	yamlKeys := func(v any, prefix string) []string {
		var keys []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			if tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ","); tag != "" {
				keys = append(keys, prefix+tag)
			}
		}
		return keys
	}
	want := append(yamlKeys(tracking.Profile{}, ""), yamlKeys(tracking.Fields{}, "fields.")...)
	documented := map[string]bool{}
	for _, f := range tracking.ProfileKeys() {
		if documented[f.Name] {
			t.Errorf("key %s is documented twice", f.Name)
		}
		documented[f.Name] = true
		if strings.TrimSpace(f.Description) == "" {
			t.Errorf("key %s has no description", f.Name)
		}
	}
	for _, k := range want {
		if !documented[k] {
			t.Errorf("profile key %s is not in ProfileKeys", k)
		}
		delete(documented, k)
	}
	for k := range documented {
		t.Errorf("ProfileKeys documents %s, which a profile does not have", k)
	}
}

func TestAProfileBuiltInGoIsCheckedByNewDecoder(t *testing.T) {
	p := &tracking.Profile{
		Name: "inline", Carrier: "acme", Shipments: tracking.Paths{"$"},
		Fields:   tracking.Fields{TrackingNumber: "tn", Status: tracking.Paths{"code"}, OccurredAt: "at"},
		Statuses: map[string]canonical.TrackingStatus{"D": canonical.TrackingDelivered},
	}
	rec, err := decodeBytes(tracking.NewDecoder(p), `{"tn": "T1", "code": "d", "at": "2026-01-01T10:00:00Z"}`)
	if err != nil || len(rec.Records) != 1 {
		t.Fatalf("Decode = %v with %d records, want the event", err, len(rec.Records))
	}
	bad := &tracking.Profile{Name: "broken", Carrier: "acme", Fields: tracking.Fields{TrackingNumber: "a..b"}}
	_, err = decodeBytes(tracking.NewDecoder(bad), `{}`)
	var fe *connectors.FileError
	if err == nil || errors.As(err, &fe) || !strings.Contains(err.Error(), `fields.tracking_number: path "a..b"`) {
		t.Errorf("Decode with a broken profile = %v, want the profile's error (not a file error: the input is not at fault)", err)
	}
}

// TestBuiltinProfilesKnowTheirVocabulary: every status the aggregators
// publish maps to a status, so none of them reaches a user as unknown with
// a warning.
func TestBuiltinProfilesKnowTheirVocabulary(t *testing.T) {
	vocab := map[string][]string{
		"aftership": {"Pending", "InfoReceived", "InTransit", "OutForDelivery", "AttemptFail", "Delivered",
			"AvailableForPickup", "Exception", "Expired", "InfoReceived_001", "InTransit_001", "Delivered_001", "Exception_010"},
		"easypost": {"unknown", "pre_transit", "in_transit", "out_for_delivery", "delivered", "available_for_pickup",
			"return_to_sender", "failure", "cancelled", "error"},
		"shippo": {"PRE_TRANSIT", "TRANSIT", "DELIVERED", "RETURNED", "FAILURE", "UNKNOWN"},
		"freight": {"GTIN", "LOAD", "DEPA", "ARRI", "DISC", "CUSH", "CUSR", "GTOT", "DLV",
			"RCS", "DEP", "ARR", "RCF", "NFD"},
		"demo": {"CREATED", "PICKED_UP", "DEPARTED", "IN_TRANSIT", "ARRIVED", "CUSTOMS_HOLD", "CUSTOMS_CLEARED",
			"OUT_FOR_DELIVERY", "READY_FOR_PICKUP", "DELIVERY_FAILED", "DELIVERED", "EXCEPTION", "RETURNED", "CANCELLED"},
	}
	for _, name := range tracking.BuiltinNames() {
		codes, ok := vocab[name]
		if !ok {
			t.Errorf("no vocabulary listed for built-in profile %s", name)
			continue
		}
		p, err := tracking.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range codes {
			if _, ok := p.Status(code); !ok {
				t.Errorf("%s: %q is not mapped", name, code)
			}
		}
	}
	// A few mappings a user would check first.
	for _, tt := range []struct {
		profile, code string
		want          canonical.TrackingStatus
	}{
		{"easypost", "return_to_sender", canonical.TrackingReturned},
		{"shippo", "FAILURE", canonical.TrackingException},
		{"shippo", "delivery_attempted", canonical.TrackingFailedAttempt},
		{"freight", "CUSH", canonical.TrackingCustomsHold},
		{"freight", "NFD", canonical.TrackingAvailableForPickup},
		{"aftership", "AttemptFail", canonical.TrackingFailedAttempt},
	} {
		p, _ := tracking.Builtin(tt.profile)
		if got, _ := p.Status(tt.code); got != tt.want {
			t.Errorf("%s: %s → %s, want %s", tt.profile, tt.code, got, tt.want)
		}
	}
}
