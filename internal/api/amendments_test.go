package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/pipelines"
)

// amendmentHub serves the amendments of one stored order, 40 valves for 1 May.
func amendmentHub(t *testing.T) http.Handler {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	o := &canonical.Order{OrderNumber: "PO-77", OrderDate: canonical.NewDate(2026, 4, 1), Buyer: canonical.Party{ID: "ACME-DE"},
		Supplier: canonical.Party{ID: "SUP-IT-VALVE"}, Currency: "EUR", RequestedDeliveryDate: canonical.NewDate(2026, 5, 1),
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "BV-DN50", Quantity: canonical.MustDecimal("40"), Unit: "H87", UnitPrice: canonical.MustDecimal("90.00")}}}
	if _, err := st.UpsertOrders(t.Context(), []*canonical.Order{o}); err != nil {
		t.Fatal(err)
	}
	ps := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	t.Cleanup(func() { ps.Close() })
	return Handler(Config{Orders: st, Amendments: &pipelines.Amendments{Store: st, Pub: ps}})
}

func call(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %d %q is not JSON", method, path, rec.Code, rec.Body)
	}
	return rec.Code, out
}

func TestAmendmentsThroughTheAPI(t *testing.T) {
	h := amendmentHub(t)
	const base = "/api/v1/orders/PO-77/amendments"
	supplier := `{"party_id": "SUP-IT-VALVE", "role": "supplier"}`
	buyer := `{"party_id": "ACME-DE", "user": "anna", "role": "buyer"}`

	code, body := call(t, h, "POST", base, `{"by": `+supplier+`, "kind": "counter_proposal", "changes": [{"path": "lines[0].unit_price", "to": "94.50"}]}`)
	if code != http.StatusCreated || body["status"] != "pending" || body["version"] != 2.0 {
		t.Fatalf("counter-proposal: %d %v; want 201, pending v2", code, body)
	}
	code, body = call(t, h, "GET", base, "")
	if code != http.StatusOK || body["current_version"] != 1.0 || body["pending"] == nil {
		t.Fatalf("history while pending: %d %v", code, body)
	}
	if code, body = call(t, h, "POST", base+"/2/reject", `{"by": `+buyer+`, "reason": "the contract price holds"}`); code != http.StatusOK || body["status"] != "rejected" {
		t.Fatalf("reject: %d %v", code, body)
	}
	if code, body = call(t, h, "POST", base+"/2/accept", `{"by": `+buyer+`}`); code != http.StatusConflict {
		t.Errorf("accepting a rejected proposal: %d %v, want 409", code, body)
	}
	if code, body = call(t, h, "POST", base, `{"by": `+buyer+`, "kind": "buyer_change", "changes": [{"path": "lines[0].quantity", "to": "0"}]}`); code != http.StatusUnprocessableEntity {
		t.Errorf("a quantity of zero: %d %v, want 422", code, body)
	}
	if code, body = call(t, h, "POST", base, `{"by": `+buyer+`, "kind": "buyer_change", "changes": [{"path": "lines[0].quantity", "to": "48"}]}`); code != http.StatusCreated || body["version"] != 3.0 {
		t.Fatalf("buyer change: %d %v, want 201 v3", code, body)
	}
	code, body = call(t, h, "GET", base, "")
	order, _ := body["order"].(map[string]any)
	lines, _ := order["lines"].([]any)
	if code != http.StatusOK || body["current_version"] != 3.0 || len(lines) != 1 || lines[0].(map[string]any)["quantity"] != "48" {
		t.Errorf("history after the change: %d %v", code, body)
	}
	if amendments, _ := body["amendments"].([]any); len(amendments) != 2 {
		t.Errorf("%d amendments listed, want the rejected v2 and the accepted v3", len(amendments))
	}
	if code, _ = call(t, h, "POST", base, `{"by": `+buyer+`, "kind": "buyer_change", "chnages": []}`); code != http.StatusBadRequest {
		t.Errorf("a misspelt field: %d, want 400", code)
	}
	if code, _ = call(t, h, "GET", "/api/v1/orders/PO-404/amendments", ""); code != http.StatusNotFound {
		t.Errorf("amendments of an unknown order: %d, want 404", code)
	}
	if code, _ = call(t, h, "POST", base+"/x/accept", `{"by": `+buyer+`}`); code != http.StatusBadRequest {
		t.Errorf("a version that is not a number: %d, want 400", code)
	}
}
