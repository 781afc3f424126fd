package app

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A buyer's change of an order goes to the supplier twice over: as the
// order_updated event on the order's timeline, and, because the supplier
// wants documents (amendments.documents), as an X12 850 that replaces the
// order sent before, in the supplier's outbox.
func TestABuyersChangeReachesTheSupplierAsAReplacementOrder(t *testing.T) {
	r := startHub(t,
		"  embedded: true\n  addr: 127.0.0.1:0\n  data_dir: $DIR/kafka\n  partitions: 2",
		"  driver: sqlite\n  dsn: $DIR/hub.db\n  migrate_on_start: true",
		nil)
	base := "http://" + r.hub.HTTPAddr
	r.drop(t, "order-20-percent-over-posted-price.csv", "po-cat-1.csv")
	eventually(t, "order PO-CAT-1 stored", func() bool {
		resp, err := http.Get(base + "/api/v1/orders/PO-CAT-1")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	resp, err := http.Post(base+"/api/v1/orders/PO-CAT-1/amendments", "application/json", strings.NewReader(
		`{"by": {"party_id": "ACME-DE", "user": "anna", "role": "buyer"}, "kind": "buyer_change",
		  "changes": [{"path": "lines[0].quantity", "from": "60", "to": "72"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Version int
		Status  string
	}
	err = json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated || a.Version != 2 || a.Status != "accepted" {
		t.Fatalf("POST amendment: %d %+v (%v); want 201, v2 accepted", resp.StatusCode, a, err)
	}

	outbox := filepath.Join(filepath.Dir(r.inbox), "lamp-outbox")
	doc, err := os.ReadFile(filepath.Join(outbox, "PO-CAT-1-v2.x12"))
	if err != nil {
		t.Fatalf("the supplier's document: %v", err)
	}
	for _, want := range []string{"ISA*00*", "*ZZ*ACME           *ZZ*HANOILAMPS     *", "BEG*05*SA*PO-CAT-1", "PO1*1*72*"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("the document has no %q:\n%s", want, doc)
		}
	}
	if entries, _ := os.ReadDir(outbox); len(entries) != 1 {
		t.Errorf("the outbox holds %d files, want the document alone (no temporary file left)", len(entries))
	}
	eventually(t, "the amendment on the order's timeline", func() bool {
		resp, err := http.Get(base + "/api/v1/orders/PO-CAT-1/timeline")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var tl struct{ Entries []struct{ Kind string } }
		if json.NewDecoder(resp.Body).Decode(&tl) != nil {
			return false
		}
		for _, e := range tl.Entries {
			if e.Kind == "amended" {
				return true
			}
		}
		return false
	})
}
