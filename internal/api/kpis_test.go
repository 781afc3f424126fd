package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/kpi"
)

func init() {
	matrixProbes["GET /api/v1/kpis"] = func(_ auth.Role, _ int) (string, string) {
		return "/api/v1/kpis?group_by=supplier&from=2026-01-01&to=2026-12-31", ""
	}
	matrixProbes["GET /api/v1/sftp"] = func(_ auth.Role, _ int) (string, string) { return "/api/v1/sftp", "" }
	matrixProbes["GET /api/v1/kpis/scorecards"] = func(_ auth.Role, _ int) (string, string) {
		return "/api/v1/kpis/scorecards?of=carrier", ""
	}
}

func TestKPIsCoverTheCallersOrdersAndExportAsCSVAndXLSX(t *testing.T) {
	hub := newMatrixHub(t)
	get := func(path, principal string) *kpi.Report {
		t.Helper()
		rec := hub.call(http.MethodGet, path, "", principal)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s as %s: %d %s", path, principal, rec.Code, rec.Body)
		}
		var r kpi.Report
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	all := get("/api/v1/kpis?group_by=buyer", "finance B1")
	if all.Total.Orders != 2 || len(all.Groups) != 2 || all.Groups[0].Key != "B1" || all.Groups[1].Key != "B2" {
		t.Errorf("finance sees %d orders in groups %+v; want both buyers' orders", all.Total.Orders, all.Groups)
	}
	own := get("/api/v1/kpis?group_by=buyer", "buyer B1")
	if own.Total.Orders != 1 || len(own.Groups) != 1 || own.Groups[0].Key != "B1" {
		t.Errorf("buyer B1 sees %d orders in groups %+v; want its own order only", own.Total.Orders, own.Groups)
	}
	supplier := get("/api/v1/kpis", "supplier S2")
	if supplier.Total.Orders != 1 {
		t.Errorf("supplier S2 sees %d orders; want the one it supplies", supplier.Total.Orders)
	}
	if none := get("/api/v1/kpis?from=2027-01-01", "finance B1"); none.Total.Orders != 0 {
		t.Errorf("a period after the orders has %d orders; want none", none.Total.Orders)
	}

	rec := hub.call(http.MethodGet, "/api/v1/kpis?group_by=supplier&format=csv", "", "finance B1")
	lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") || !strings.HasPrefix(lines[0], "key,") || len(lines) != 4 {
		t.Errorf("csv: %d %s\n%s; want a header, S1, S2 and TOTAL", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	rec = hub.call(http.MethodGet, "/api/v1/kpis?format=xlsx", "", "finance B1")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "PK") {
		t.Errorf("xlsx: %d %q; want a zip (XLSX) body", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, bad := range []string{"/api/v1/kpis?group_by=color", "/api/v1/kpis?from=March", "/api/v1/kpis?format=pdf", "/api/v1/kpis/scorecards?of=customs"} {
		if rec := hub.call(http.MethodGet, bad, "", "finance B1"); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d; want 400", bad, rec.Code)
		}
	}
	rec = hub.call(http.MethodGet, "/api/v1/kpis/scorecards?of=supplier", "", "finance B1")
	var sc struct {
		Scorecards []kpi.Scorecard `json:"scorecards"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &sc); err != nil || len(sc.Scorecards) != 2 || sc.Scorecards[0].Rank != 1 {
		t.Errorf("scorecards: %d %s; want two ranked suppliers", rec.Code, rec.Body)
	}
}
