package app

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
)

func TestAnAdminOnboardsAMappingChangeThroughTheAPI(t *testing.T) {
	r := startReplayHub(t)
	base := "http://" + r.hub.HTTPAddr + "/api/v1/onboarding"
	sample, err := os.ReadFile("testdata/replay/orders-with-two-descriptions.csv")
	if err != nil {
		t.Fatal(err)
	}
	post := func(url, contentType string, body []byte) (int, string) {
		t.Helper()
		resp, err := http.Post(url, contentType, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// 1. Upload a sample: the hub proposes a mapping.
	code, body := post(base+"/proposals?file_name=orders.csv&constant=buyer.id=BUYER-1", "text/csv", sample)
	var prop struct{ YAML string }
	if code != http.StatusOK || json.Unmarshal([]byte(body), &prop) != nil {
		t.Fatalf("proposal: %d %s", code, body)
	}
	for _, want := range []string{"order_number: po", "lines.unit_price: price", "lines.quantity: qty"} {
		if !strings.Contains(prop.YAML, want) {
			t.Errorf("the proposal lacks %q:\n%s", want, prop.YAML)
		}
	}
	// The proposal placed one of the two description columns; the admin
	// reviews it and takes the German one.
	reviewed := prop.YAML
	for _, col := range []string{"text_en", "text_de"} {
		reviewed = strings.Replace(reviewed, "lines.description: "+col, "lines.description: text_de", 1)
	}
	if !strings.Contains(reviewed, "lines.description: text_de") {
		reviewed = strings.Replace(reviewed, "columns:\n", "columns:\n  lines.description: text_de\n", 1)
	}

	// 2. Try it on the sample as the partner buyer-1 sends it.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("sample", "orders-0302.csv")
	fw.Write(sample)
	mw.WriteField("mapping", reviewed)
	mw.Close()
	code, body = post(base+"/partners/buyer-1/dry-run", mw.FormDataContentType(), form.Bytes())
	var run DryRun
	if code != http.StatusOK || json.Unmarshal([]byte(body), &run) != nil {
		t.Fatalf("dry run: %d %s", code, body)
	}
	if len(run.Records) != 2 || len(run.RowErrors) != 0 || !strings.Contains(string(run.Records[0].Data), "Bremsscheibe") {
		t.Errorf("dry run with the reviewed mapping: %d records, %d rejected: %s", len(run.Records), len(run.RowErrors), body)
	}
	if orders := r.orders(t); len(orders) != 0 {
		t.Errorf("a dry run stored %d orders", len(orders))
	}
	code, body = post(base+"/partners/buyer-1/dry-run", "text/csv", sample)
	if code != http.StatusOK || !strings.Contains(body, "Brake disc") {
		t.Errorf("dry run with the partner's own mapping: %d %s", code, body)
	}

	// 3. Save it: version 2, written to the partner's mapping file.
	code, body = post(base+"/partners/buyer-1/mappings", "application/yaml", []byte(reviewed))
	var saved struct {
		Version int
		File    string
		Note    string
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &saved) != nil || saved.Version != 2 || saved.File == "" {
		t.Fatalf("save: %d %s; want version 2 written to the file", code, body)
	}
	if onDisk, _ := os.ReadFile(r.mapping); string(onDisk) != reviewed {
		t.Errorf("the partner's mapping file holds:\n%s\nwant the saved mapping", onDisk)
	}
	if !strings.Contains(saved.Note, "--mapping-version 2") {
		t.Errorf("the note does not say how to replay with it: %s", saved.Note)
	}
	resp, err := http.Get(base + "/partners/buyer-1/mappings")
	if err != nil {
		t.Fatal(err)
	}
	var versions struct{ Versions []struct{ Version int } }
	json.NewDecoder(resp.Body).Decode(&versions)
	resp.Body.Close()
	if len(versions.Versions) != 2 {
		t.Errorf("versions: %+v; want 1 (the hub's start) and 2", versions)
	}

	// Refusals: a mapping that does not load, a partner the hub does not have.
	code, body = post(base+"/partners/buyer-1/mappings", "application/yaml", []byte("columns:\n  order_number: po\n  lines.qty: qty\n"))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "lines.quantity") {
		t.Errorf("a mapping with a typo: %d %s; want 422 suggesting lines.quantity", code, body)
	}
	if code, _ := post(base+"/partners/nobody/mappings", "application/yaml", []byte(reviewed)); code != http.StatusNotFound {
		t.Errorf("an unknown partner: %d", code)
	}
}
