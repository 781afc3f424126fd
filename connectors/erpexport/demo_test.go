package erpexport_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// The demo partners' files (laid into the inboxes by `make run`) must read
// with their mappings as the demo means them to: good files without a row
// error, and the one file with deliberate errors rejecting exactly those.
func TestDemoPartnerFiles(t *testing.T) {
	tests := []struct {
		partner, file string
		wantOrders    []string
		wantErrors    []string // "line code field"
	}{
		{"acme-gmbh", "bestellungen-2026-03-02.csv",
			[]string{"4500012345", "4500012346", "4500012347"}, []string{}},
		{"acme-gmbh", "bestellungen-2026-03-04.csv",
			[]string{"4500012351"}, []string{
				"2 order_rejected", "3 invalid_decimal lines.unit_price",
				"4 invalid_date order_date", "5 order_rejected",
				"6 order_rejected", "7 invalid_unit lines.unit"}},
		{"globex-us", "po-export-20260303.csv",
			[]string{"PO-77120", "PO-77121", "PO-77122"}, []string{}},
		{"shenzhen-parts", "sales-orders-20260304.csv",
			[]string{"4500012360", "PO-77130", "HK-2026-0088"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.partner+"/"+tt.file, func(t *testing.T) {
			m, err := mapping.Load(filepath.Join("..", "..", "configs", "partners", tt.partner+".mapping.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			d, err := erpexport.NewDecoder(m)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := connectortest.DecodeFile(t, d, filepath.Join("..", "..", "internal", "demo", "data", tt.partner, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(rec); fmt.Sprint(got) != fmt.Sprint(tt.wantOrders) {
				t.Errorf("orders = %v, want %v", got, tt.wantOrders)
			}
			if got := rowErrors(rec); fmt.Sprint(got) != fmt.Sprint(tt.wantErrors) {
				t.Errorf("row errors = %q, want %q", got, tt.wantErrors)
				for _, e := range rec.RowErrors {
					t.Log(e.Error())
				}
			}
			for _, o := range orders(t, rec) {
				if len(o.Lines) < 1 || o.Buyer.ID == "" || o.Supplier.ID == "" || o.Incoterm == "" {
					t.Errorf("order %s is missing its parties, terms or lines: %+v", o.OrderNumber, o)
				}
			}
		})
	}
}
