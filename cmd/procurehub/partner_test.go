package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// onboard runs `partner init` on the sample in a fresh folder with a hub
// config naming the partner, as an IT team would, and returns the folder.
func onboard(t *testing.T) (dir, sample string) {
	t.Helper()
	dir = t.TempDir()
	sample, _ = filepath.Abs("testdata/onboarding/hanoi-lamps-export-semicolon.csv")
	out, errOut, code := runCLI(t, "partner", "init", "--kind", "erp_export", "--sample", sample, "--name", "hanoi-lamps",
		"--constant", "buyer.id=ACME-DE", "--out", dir)
	if code != 0 {
		t.Fatalf("partner init: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"order_number", "Bestellnummer", "decimal mark \",\"", "kind: erp_export", "partner test"} {
		if !strings.Contains(out, want) {
			t.Errorf("partner init output lacks %q:\n%s", want, out)
		}
	}
	cfg := fmt.Sprintf(`broker: {embedded: true}
store: {driver: sqlite, dsn: %[1]s/hub.db}
partners:
  - name: hanoi-lamps
    kind: erp_export
    settings:
      inbox: %[1]s/inbox
      mapping: %[1]s/hanoi-lamps.mapping.yaml
`, dir)
	if err := os.WriteFile(filepath.Join(dir, "hub.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, sample
}

func TestPartnerInitProposesAMappingThatReadsTheSample(t *testing.T) {
	dir, sample := onboard(t)
	mapping, err := os.ReadFile(filepath.Join(dir, "hanoi-lamps.mapping.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"order_number: Bestellnummer", "lines.unit_price: Preis", `decimal_mark: ","`, "buyer.id: ACME-DE", "MUST be reviewed"} {
		if !strings.Contains(string(mapping), want) {
			t.Errorf("the proposed mapping lacks %q:\n%s", want, mapping)
		}
	}
	if _, errOut, code := runCLI(t, "config", "check", filepath.Join(dir, "hub.yaml")); code != 0 {
		t.Errorf("config check of the partner with its proposed mapping: exit %d: %s", code, errOut)
	}
	out, errOut, code := runCLI(t, "partner", "test", "--config", filepath.Join(dir, "hub.yaml"), "hanoi-lamps", sample)
	if code != 0 {
		t.Fatalf("partner test: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "2 record(s), 0 row(s) rejected") {
		t.Errorf("partner test summary: %s", errOut)
	}
	if !strings.Contains(out, `"unit_price": "1249.00"`) || !strings.Contains(out, `"unit": "H87"`) {
		t.Errorf("the dry run's records do not carry 1.249,00 as 1249.00 and Stk as H87:\n%s", out)
	}
	// A second init does not overwrite the reviewed file.
	if _, errOut, code := runCLI(t, "partner", "init", "--sample", sample, "--name", "hanoi-lamps", "--out", dir); code == 0 || !strings.Contains(errOut, "--force") {
		t.Errorf("init over an existing mapping: exit %d, %s; want a refusal naming --force", code, errOut)
	}
}

func TestPartnerTestGoldenShowsAMappingChangeAsADiff(t *testing.T) {
	dir, sample := onboard(t)
	cfg, golden := filepath.Join(dir, "hub.yaml"), filepath.Join(dir, "hanoi-lamps.golden.json")
	if out, errOut, code := runCLI(t, "partner", "test", "--config", cfg, "--golden", golden, "hanoi-lamps", sample); code != 0 || !strings.Contains(out, "golden output written") {
		t.Fatalf("first golden run: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, code := runCLI(t, "partner", "test", "--config", cfg, "--golden", golden, "hanoi-lamps", sample); code != 0 || !strings.Contains(out, "same as") {
		t.Errorf("unchanged mapping: exit %d\n%s", code, out)
	}
	// Someone maps the description to the article number by mistake.
	path := filepath.Join(dir, "hanoi-lamps.mapping.yaml")
	b, _ := os.ReadFile(path)
	changed := strings.Replace(string(b), "lines.description: Bezeichnung", "lines.description: Artikelnummer", 1)
	if changed == string(b) {
		t.Fatalf("the proposal has no lines.description: Bezeichnung line:\n%s", b)
	}
	if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := runCLI(t, "partner", "test", "--config", cfg, "--golden", golden, "hanoi-lamps", sample)
	if code != 1 {
		t.Errorf("changed mapping: exit %d, want 1", code)
	}
	for _, want := range []string{`-         "description": "Tischlampe Messing"`, `+         "description": "HL-41"`, "--update"} {
		if !strings.Contains(out, want) {
			t.Errorf("the diff lacks %q:\n%s", want, out)
		}
	}
	if _, _, code := runCLI(t, "partner", "test", "--config", cfg, "--golden", golden, "--update", "hanoi-lamps", sample); code != 0 {
		t.Errorf("--update: exit %d", code)
	}
	if out, _, code := runCLI(t, "partner", "test", "--config", cfg, "--golden", golden, "hanoi-lamps", sample); code != 0 || !strings.Contains(out, "same as") {
		t.Errorf("after --update: exit %d\n%s", code, out)
	}
}

func TestPartnerTestShowsRejectedRowsAndTheWrongPartner(t *testing.T) {
	dir, _ := onboard(t)
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("Bestellnummer;Bestelldatum;Lieferant;Währung;Pos.;Artikelnummer;Bezeichnung;Menge;ME;Preis\n"+
		"7100003;31.02.2026;SUP-VN-LAMP;EUR;1;HL-40;Stehlampe;12;Stk;45,90\n"+
		"7100004;06.03.2026;SUP-VN-LAMP;EUR;1;HL-40;Stehlampe;viele;Stk;45,90\n"+
		"7100005;06.03.2026;SUP-VN-LAMP;EUR;1;HL-40;Stehlampe;3;Stk;45,90\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "partner", "test", "--config", filepath.Join(dir, "hub.yaml"), "hanoi-lamps", bad)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "1 record(s), 2 row(s) rejected") {
		t.Errorf("summary: %s", errOut)
	}
	if !strings.Contains(out, `"row_error"`) || !strings.Contains(out, "viele") || !strings.Contains(out, `"line": 3`) {
		t.Errorf("the rejected rows are not shown with their line and value:\n%s", out)
	}
	if _, errOut, code := runCLI(t, "partner", "test", "--config", filepath.Join(dir, "hub.yaml"), "nobody", bad); code == 0 || !strings.Contains(errOut, `"nobody"`) {
		t.Errorf("an unknown partner: exit %d, %s", code, errOut)
	}
}

func TestPartnerInitProposesACarrierProfileThatReadsItsPayload(t *testing.T) {
	dir := t.TempDir()
	sample, _ := filepath.Abs("testdata/onboarding/forwarder-webhook-milestones.json")
	out, errOut, code := runCLI(t, "partner", "init", "--kind", "tracking", "--sample", sample, "--name", "sea-forwarder", "--out", dir)
	if code != 0 {
		t.Fatalf("partner init --kind tracking: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"4 events at milestones", "tracking_number", "$.container", "DELIVERED", "delivered", "profile_file:", "SEA_FORWARDER_WEBHOOK_SECRET"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	profile := filepath.Join(dir, "sea-forwarder.profile.yaml")
	out, errOut, code = runCLI(t, "parse", "--format", "tracking", "--profile", profile, sample)
	if code != 0 {
		t.Fatalf("parse with the proposed profile: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[3], `"status":"delivered"`) || !strings.Contains(lines[0], `"tracking_number":"MSKU1234565"`) ||
		!strings.Contains(lines[0], `"occurred_at":"2026-03-02T08:15:00+08:00"`) {
		t.Errorf("the payload through the proposed profile:\n%s", out)
	}
	if _, errOut, code := runCLI(t, "partner", "init", "--kind", "tracking", "--sample", filepath.Join(dir, "sea-forwarder.profile.yaml"), "--out", dir); code == 0 || !strings.Contains(errOut, "JSON") {
		t.Errorf("a sample that is not JSON: exit %d, %s", code, errOut)
	}
}
