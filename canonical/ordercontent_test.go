package canonical

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestOrderContentIsTheOrderWithoutItsLineage(t *testing.T) {
	o := &Order{
		OrderNumber: "PO-1", Buyer: Party{ID: "B"}, Currency: "EUR",
		Source: &Source{Connector: "erp_export", Partner: "acme", File: "a.csv", Line: 2},
		Lines: []OrderLine{
			{LineNumber: 1, Quantity: MustDecimal("2"), Unit: "EA", UnitPrice: MustDecimal("1.50"), Source: &Source{File: "a.csv", Line: 2}},
			{LineNumber: 2, Quantity: MustDecimal("1"), Unit: "EA", UnitPrice: MustDecimal("9.99")},
		},
	}
	bare := *o
	bare.Source = nil
	bare.Lines = []OrderLine{o.Lines[0], o.Lines[1]}
	bare.Lines[0].Source = nil
	want, err := json.Marshal(&bare)
	if err != nil {
		t.Fatal(err)
	}
	if got := MarshalOrderContent(o); !bytes.Equal(got, want) {
		t.Errorf("content:\n%s\nwant:\n%s", got, want)
	}
	if o.Source == nil || o.Lines[0].Source == nil {
		t.Error("MarshalOrderContent changed the order's lineage")
	}
	full, _ := MarshalOrder(o)
	if !bytes.Contains(full, []byte(`"source"`)) {
		t.Error("MarshalOrder lost the lineage")
	}
}

func TestADuplicateLineNumberIsFoundInShortAndLongOrders(t *testing.T) {
	for _, n := range []int{3, 64, 65, 500} {
		o := &Order{OrderNumber: "PO-1", Buyer: Party{ID: "B"}, Currency: "EUR"}
		for i := range n {
			o.Lines = append(o.Lines, OrderLine{LineNumber: i + 1, Quantity: MustDecimal("1"), Unit: "EA", UnitPrice: MustDecimal("1")})
		}
		o.Lines[n-1].LineNumber = 2 // the last line repeats line 2
		ve := AsValidationError(o.Validate())
		if ve == nil || !ve.Has(fmt.Sprintf("lines[%d].line_number", n-1), CodeDuplicate) {
			t.Errorf("%d lines: %v, want the last line named as a duplicate", n, o.Validate())
		}
		if ve != nil && !strings.Contains(ve.Error(), "also used by lines[1]") {
			t.Errorf("%d lines: %v, want it to name lines[1]", n, ve)
		}
	}
}
