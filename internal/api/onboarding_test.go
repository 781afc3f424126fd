package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
)

// sapSample is a small SAP export with German headers.
const sapSample = "Bestellnummer;Bestelldatum;Lieferant;Währung;Position;Material;Menge;ME;Nettopreis\n" +
	"4500012345;01.03.2026;SUP-CN-SZP;EUR;10;M-100;1200;ST;0,35\n" +
	"4500012345;01.03.2026;SUP-CN-SZP;EUR;20;M-200;2400;ST;1.234,50\n"

func init() {
	matrixProbes["GET /api/v1/onboarding/partners"] = func(auth.Role, int) (string, string) { return "/api/v1/onboarding/partners", "" }
	matrixProbes["POST /api/v1/onboarding/proposals"] = func(auth.Role, int) (string, string) {
		return "/api/v1/onboarding/proposals?file_name=export.csv&constant=buyer.id=ACME-DE", sapSample
	}
	matrixProbes["POST /api/v1/onboarding/partners/{partner}/dry-run"] = func(auth.Role, int) (string, string) {
		return "/api/v1/onboarding/partners/acme-sap/dry-run?file_name=export.csv", sapSample
	}
	matrixProbes["GET /api/v1/onboarding/partners/{partner}/mappings"] = func(auth.Role, int) (string, string) {
		return "/api/v1/onboarding/partners/acme-sap/mappings", ""
	}
	matrixProbes["POST /api/v1/onboarding/partners/{partner}/mappings"] = func(auth.Role, int) (string, string) {
		return "/api/v1/onboarding/partners/acme-sap/mappings", "columns: {order_number: Bestellnummer}\n"
	}
}

// fakeOnboarding knows one partner, acme-sap; a mapping with "broken" in
// it does not load.
type fakeOnboarding struct{ saved *[]string }

func (fakeOnboarding) Partners(context.Context) ([]OnboardingPartner, error) {
	return []OnboardingPartner{{Name: "acme-sap", Kind: "erp_export", Mapping: "partners/acme-sap.mapping.yaml", Version: 1}}, nil
}

func (f fakeOnboarding) check(partner string, m []byte) error {
	if partner != "acme-sap" {
		return fmt.Errorf("partner %q: %w", partner, ErrUnknownPartner)
	}
	if bytes.Contains(m, []byte("broken")) {
		return fmt.Errorf("%w: mapping:2:3: columns: broken: not a canonical field", ErrBadMapping)
	}
	return nil
}

func (f fakeOnboarding) DryRun(_ context.Context, partner, name string, sample, m []byte) (any, error) {
	if err := f.check(partner, m); err != nil {
		return nil, err
	}
	return map[string]any{"file": name, "bytes": len(sample), "with_mapping": m != nil}, nil
}

func (f fakeOnboarding) MappingVersions(_ context.Context, partner string) ([]store.MappingVersion, error) {
	if err := f.check(partner, nil); err != nil {
		return nil, err
	}
	return []store.MappingVersion{{Partner: partner, Version: 1, SHA256: "ab", Content: []byte("columns: {}\n"), CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}, nil
}

func (f fakeOnboarding) SaveMapping(_ context.Context, partner string, content []byte) (SavedMapping, error) {
	if err := f.check(partner, content); err != nil {
		return SavedMapping{}, err
	}
	if f.saved != nil {
		*f.saved = append(*f.saved, string(content))
	}
	return SavedMapping{Partner: partner, Version: 2, Added: true, File: "partners/acme-sap.mapping.yaml"}, nil
}

func TestOnboardingProposesTestsAndSavesMappings(t *testing.T) {
	var saved []string
	var audited auditLog
	h := Handler(Config{Onboarding: fakeOnboarding{saved: &saved}, Authenticate: headerAuthenticator, Audit: &audited})
	call := func(method, path, contentType string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set(principalHeader, "admin HUB")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	rec := call(http.MethodPost, "/api/v1/onboarding/proposals?file_name=export.csv&constant=buyer.id=ACME-DE", "text/csv", []byte(sapSample))
	var prop struct {
		Proposal struct {
			Fields []struct{ Field, Column string }
		}
		YAML string
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &prop) != nil {
		t.Fatalf("proposal: %d %s", rec.Code, rec.Body)
	}
	placed := map[string]string{}
	for _, f := range prop.Proposal.Fields {
		placed[f.Field] = f.Column
	}
	if placed["order_number"] != "Bestellnummer" || placed["lines.unit_price"] != "Nettopreis" {
		t.Errorf("proposed %v; want Bestellnummer and Nettopreis placed", placed)
	}
	if !strings.Contains(prop.YAML, "order_number: Bestellnummer") || !strings.Contains(prop.YAML, "buyer.id: ACME-DE") {
		t.Errorf("the proposal's YAML:\n%s", prop.YAML)
	}
	if rec := call(http.MethodPost, "/api/v1/onboarding/proposals?constant=nofield", "text/csv", []byte(sapSample)); rec.Code != http.StatusBadRequest {
		t.Errorf("a constant without =: %d", rec.Code)
	}
	if rec := call(http.MethodPost, "/api/v1/onboarding/proposals", "text/csv", nil); rec.Code != http.StatusBadRequest {
		t.Errorf("no sample: %d", rec.Code)
	}

	// The proposal is tried on the sample, sent as a form the way the dashboard does.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("sample", "export-0301.csv")
	fw.Write([]byte(sapSample))
	mw.WriteField("mapping", prop.YAML)
	mw.Close()
	rec = call(http.MethodPost, "/api/v1/onboarding/partners/acme-sap/dry-run", mw.FormDataContentType(), form.Bytes())
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"file": "export-0301.csv"`) || !strings.Contains(rec.Body.String(), `"with_mapping": true`) {
		t.Errorf("dry run with the proposal: %d %s", rec.Code, rec.Body)
	}
	if rec := call(http.MethodPost, "/api/v1/onboarding/partners/nobody/dry-run", "text/csv", []byte(sapSample)); rec.Code != http.StatusNotFound {
		t.Errorf("dry run of an unknown partner: %d %s", rec.Code, rec.Body)
	}

	rec = call(http.MethodPost, "/api/v1/onboarding/partners/acme-sap/mappings", "application/yaml", []byte("columns:\n  broken: X\n"))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "mapping:2:3") {
		t.Errorf("a mapping that does not load: %d %s; want 422 with its position", rec.Code, rec.Body)
	}
	rec = call(http.MethodPost, "/api/v1/onboarding/partners/acme-sap/mappings", "application/yaml", []byte(prop.YAML))
	if rec.Code != http.StatusOK || len(saved) != 1 || !strings.Contains(rec.Body.String(), `"version": 2`) {
		t.Errorf("save: %d %s, saved %d", rec.Code, rec.Body, len(saved))
	}
	if got := audited.taken(); len(got) != 1 || got[0].action != "POST /api/v1/onboarding/partners/{partner}/mappings" {
		t.Errorf("audit of the save: %+v", got)
	}
	big := bytes.Repeat([]byte("x"), maxMappingBody+1)
	if rec := call(http.MethodPost, "/api/v1/onboarding/partners/acme-sap/mappings", "application/yaml", big); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a mapping over %d bytes: %d", maxMappingBody, rec.Code)
	}
}
