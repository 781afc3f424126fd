package web

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
)

// pageOnboarding is an onboarding backend with one partner; it keeps what
// was saved.
type pageOnboarding struct{ saved []string }

func (p *pageOnboarding) Partners(context.Context) ([]api.OnboardingPartner, error) {
	return []api.OnboardingPartner{{Name: "hanoi-lamps", Kind: "erp_export", Mapping: "partners/hanoi-lamps.mapping.yaml", Version: len(p.saved) + 1}}, nil
}

func (p *pageOnboarding) DryRun(_ context.Context, partner, name string, sample, m []byte) (any, error) {
	if strings.Contains(string(m), "lines.qty") {
		return nil, fmt.Errorf("%w: mapping:4:3: columns: lines.qty: \"lines.qty\" is not a canonical field (did you mean \"lines.quantity\"?)", api.ErrBadMapping)
	}
	return map[string]any{"file": name, "held": 0,
		"records": []map[string]any{{"type": "order", "key": "7100001", "data": map[string]string{"order_number": "7100001", "sample": string(sample[:5])}}},
		// As the API writes them: connectors.RowError, its column a number.
		"row_errors": []connectors.RowError{{Line: 3, Column: 7, Field: "lines.quantity", Code: "invalid_decimal",
			Message: `"viele" is not a decimal`}}}, nil
}

func (p *pageOnboarding) MappingVersions(context.Context, string) ([]store.MappingVersion, error) {
	return nil, nil
}

func (p *pageOnboarding) SaveMapping(_ context.Context, partner string, content []byte) (api.SavedMapping, error) {
	p.saved = append(p.saved, string(content))
	return api.SavedMapping{Partner: partner, Version: len(p.saved) + 1, Added: true, File: "partners/hanoi-lamps.mapping.yaml",
		Note: "written to partners/hanoi-lamps.mapping.yaml; the hub reads with it from its next start"}, nil
}

// postMultipart posts a form with an optional file, as a browser does.
func (b *browser) postMultipart(path string, fields map[string]string, fileField, fileName string, file []byte) (int, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if fileField != "" {
		fw, _ := mw.CreateFormFile(fileField, fileName)
		fw.Write(file)
	}
	mw.Close()
	req, _ := http.NewRequestWithContext(b.t.Context(), http.MethodPost, b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}

var hiddenField = func(name string) *regexp.Regexp {
	return regexp.MustCompile(`name="` + name + `" value="([^"]*)"`)
}

func TestAnAdminProposesTriesAndSavesAMappingOnTheOnboardingPage(t *testing.T) {
	h := newHub(t)
	ctx := t.Context()
	a, err := auth.New(auth.Options{Store: h.store})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(user, role string) string {
		if err := h.store.CreateUser(ctx, store.User{ID: user, PartyID: "HUB", Roles: []string{role}}); err != nil {
			t.Fatal(err)
		}
		is, err := auth.IssueToken(ctx, h.store, auth.TokenRequest{UserID: user, Name: "onboarding test"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return is.Secret
	}
	admin, buyer := issue("it-admin", string(auth.RoleAdmin)), issue("bea", string(auth.RoleBuyer))
	backend := &pageOnboarding{}
	apiHandler := api.Handler(api.Config{Orders: h.store, Onboarding: backend, Authenticate: a.Middleware(), Audit: auth.NewAuditor(h.store)})
	d, err := Handler(Config{API: apiHandler, Verify: a.CheckToken})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	defer srv.Close()

	b := newBrowser(t, srv)
	if code, _ := b.login(admin); code != http.StatusSeeOther {
		t.Fatalf("admin login: %d", code)
	}
	page := mustBody(t, b, "/ui/onboarding")
	if !strings.Contains(page, "hanoi-lamps") || !strings.Contains(page, `href="/ui/onboarding"`) {
		t.Fatalf("the onboarding page lacks the partner or its nav link:\n%s", page)
	}
	csrf := b.csrf("/ui/onboarding")
	sample := []byte("Bestellnummer;Bestelldatum;Lieferant;Währung;Pos.;Artikelnummer;Menge;ME;Preis\n" +
		"7100001;02.03.2026;SUP-VN-LAMP;EUR;1;HL-40;12;Stk;45,90\n")
	code, page := b.postMultipart("/ui/onboarding/propose", map[string]string{"csrf": csrf, "document": "order",
		"buyer_id": "ACME-DE", "partner": "hanoi-lamps"}, "file", "lamps-0302.csv", sample)
	if code != http.StatusOK {
		t.Fatalf("propose: %d\n%s", code, page)
	}
	for _, want := range []string{"Proposal for lamps-0302.csv", "<td>order_number</td><td>Bestellnummer</td>", "buyer.id: ACME-DE",
		"Dry run of lamps-0302.csv", "viele", "not a decimal"} {
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("after the upload the page lacks %q", want)
		}
	}
	m := hiddenField("sample").FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the review form does not carry the sample:\n%s", page)
	}
	yaml := regexp.MustCompile(`(?s)<textarea name="yaml"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page)
	if yaml == nil {
		t.Fatal("no mapping to review")
	}
	reviewed := html.UnescapeString(yaml[1])
	form := map[string]string{"csrf": csrf, "sample": m[1], "sample_name": "lamps-0302.csv", "partner": "hanoi-lamps"}

	// A typo in the review: the page says where.
	form["yaml"] = strings.Replace(reviewed, "lines.quantity", "lines.qty", 1)
	code, page = b.postMultipart("/ui/onboarding/test", form, "", "", nil)
	if code != http.StatusOK || !strings.Contains(html.UnescapeString(page), `did you mean "lines.quantity"?`) {
		t.Errorf("testing a mapping with a typo: %d; want the error on the page", code)
	}
	form["yaml"] = reviewed
	code, page = b.postMultipart("/ui/onboarding/save", form, "", "", nil)
	if code != http.StatusOK || !strings.Contains(page, "Saved: version 2") || len(backend.saved) != 1 || backend.saved[0] != reviewed {
		t.Errorf("save: %d, saved %d; page:\n%s", code, len(backend.saved), page)
	}
	if code, _ := b.postMultipart("/ui/onboarding/save", map[string]string{"csrf": "forged", "yaml": reviewed, "partner": "hanoi-lamps"}, "", "", nil); code != http.StatusForbidden {
		t.Errorf("a save with a forged csrf token: %d, want 403", code)
	}

	other := newBrowser(t, srv)
	if code, _ := other.login(buyer); code != http.StatusSeeOther {
		t.Fatalf("buyer login: %d", code)
	}
	if code, page := other.get("/ui/onboarding"); code != http.StatusForbidden || strings.Contains(page, "hanoi-lamps") {
		t.Errorf("a buyer opens onboarding: %d; want 403 showing nothing", code)
	}
	if page := mustBody(t, other, "/ui/"); strings.Contains(page, `href="/ui/onboarding"`) {
		t.Error("a buyer's nav links to onboarding")
	}
}
