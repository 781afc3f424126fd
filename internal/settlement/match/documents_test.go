package match

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/internal/store"
)

// stages prints a plan as "deposit 30: -; balance 70: bill_of_lading".
func stages(p Plan) string {
	var s []string
	for _, st := range p.Stages {
		docs := "-"
		if len(st.Documents) > 0 {
			var ds []string
			for _, d := range st.Documents {
				ds = append(ds, string(d))
			}
			docs = strings.Join(ds, ",")
		}
		s = append(s, fmt.Sprintf("%s %s: %s", st.Name, st.Percent, docs))
	}
	return strings.Join(s, "; ")
}

func TestDocumentsFor(t *testing.T) {
	tests := []struct {
		name, terms, want string
	}{
		{"a 70% balance against a B/L copy needs the B/L, the 30% deposit nothing",
			"T/T 30% deposit 70% against B/L copy", "deposit 30: -; balance 70: bill_of_lading"},
		{"a letter of credit at sight needs the documents it names",
			"L/C at sight against bill of lading, commercial invoice, packing list, certificate of origin",
			"payment 100: commercial_invoice,packing_list,bill_of_lading,certificate_of_origin"},
		{"D/P naming no documents needs the invoice and the B/L",
			"D/P", "payment 100: commercial_invoice,bill_of_lading"},
		{"a letter of credit naming no documents needs invoice, packing list and B/L",
			"L/C 60 days", "payment 100: commercial_invoice,packing_list,bill_of_lading"},
		{"open account needs no document, though it counts from the invoice",
			"open account 60 days from invoice date", "payment 100: -"},
		{"net 30 needs no document", "NET 30", "payment 100: -"},
		{"full prepayment needs no document", "100% T/T in advance", "payment 100: -"},
		{"a deposit with the balance by D/P takes D/P's documents for the balance",
			"30% deposit, balance D/P", "deposit 30: -; balance 70: commercial_invoice,bill_of_lading"},
		{"German terms: Anzahlung with the rest against the B/L copy",
			"30% Anzahlung, 70% gegen B/L-Kopie", "deposit 30: -; balance 70: bill_of_lading"},
		{"German terms: Akkreditiv against Konnossement and Ursprungszeugnis",
			"Akkreditiv bei Sicht gegen Konnossement, Handelsrechnung, Ursprungszeugnis",
			"payment 100: commercial_invoice,bill_of_lading,certificate_of_origin"},
		{"French terms: acompte with the balance against the connaissement",
			"virement, acompte 30 %, solde 70 % contre connaissement", "deposit 30: -; balance 70: bill_of_lading"},
		{"Spanish terms: carta de crédito against conocimiento de embarque and lista de empaque",
			"carta de crédito a la vista contra conocimiento de embarque, factura comercial, lista de empaque",
			"payment 100: commercial_invoice,packing_list,bill_of_lading"},
		{"Chinese terms: 30% 定金, 70% 见提单副本",
			"30%定金，70%见提单副本付款 电汇", "deposit 30: -; balance 70: bill_of_lading"},
		{"Chinese terms: 即期信用证 against 提单, 装箱单, 原产地证",
			"即期信用证 凭提单、商业发票、装箱单、原产地证", "payment 100: commercial_invoice,packing_list,bill_of_lading,certificate_of_origin"},
		{"a deposit against the proforma invoice needs no document, the balance what it names",
			"T/T 30% deposit against proforma invoice, 70% against B/L copy and packing list",
			"deposit 30: -; balance 70: packing_list,bill_of_lading"},
		{"a balance named by word takes the documents after it",
			"T/T 30% deposit, balance against copy of bill of lading and certificate of origin",
			"deposit 30: -; balance 70: bill_of_lading,certificate_of_origin"},
		{"a deposit against a document names it for the deposit only",
			"T/T 20% deposit against packing list, 80% against B/L",
			"deposit 20: packing_list; balance 80: bill_of_lading"},
		{"BL inside another word is not a bill of lading",
			"T/T 30% deposit, 70% payable before shipment", "deposit 30: -; balance 70: -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DocumentsFor(tt.terms)
			if err != nil {
				t.Fatal(err)
			}
			if got := stages(p); got != tt.want {
				t.Errorf("DocumentsFor(%q)\n got  %s\n want %s", tt.terms, got, tt.want)
			}
		})
	}
}

func TestDocumentsForUnreadableTerms(t *testing.T) {
	if _, err := DocumentsFor("pay when you like"); err == nil {
		t.Error("terms naming no method gave a plan, want an error")
	}
}

func TestPlanCheck(t *testing.T) {
	tests := []struct {
		name     string
		terms    string
		received []string
		// blocked lists the stages that must wait, with what is missing.
		blocked map[string][]DocumentType
	}{
		{"a missing B/L blocks the 70% balance but not the 30% deposit",
			"T/T 30% deposit 70% against B/L copy", []string{"commercial_invoice", "packing_list"},
			map[string][]DocumentType{StageBalance: {DocBillOfLading}}},
		{"with the B/L uploaded the balance may be paid",
			"T/T 30% deposit 70% against B/L copy", []string{"bill_of_lading"}, nil},
		{"an L/C presentation lacking the certificate of origin waits for it",
			"L/C at sight against bill of lading, commercial invoice, packing list, certificate of origin",
			[]string{"bill_of_lading", "commercial_invoice", "packing_list", "other"},
			map[string][]DocumentType{StagePayment: {DocCertificateOfOrigin}}},
		{"D/P with nothing uploaded waits for invoice and B/L",
			"D/P", nil,
			map[string][]DocumentType{StagePayment: {DocCommercialInvoice, DocBillOfLading}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DocumentsFor(tt.terms)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Check(tt.received) {
				want := tt.blocked[c.Name]
				if c.Blocked != (len(want) > 0) || !slices.Equal(c.Missing, want) {
					t.Errorf("stage %s: blocked %v missing %v, want missing %v", c.Name, c.Blocked, c.Missing, want)
				}
				if len(c.Reasons) != len(c.Missing) {
					t.Errorf("stage %s: %d reasons for %d missing documents", c.Name, len(c.Reasons), len(c.Missing))
				}
				for _, r := range c.Reasons {
					if r.Code != CodeDocumentMissing || !strings.Contains(r.Message, c.Name) {
						t.Errorf("stage %s: reason %+v", c.Name, r)
					}
				}
			}
		})
	}
}

func TestDocumentTypesAreThePortals(t *testing.T) {
	portal := store.DocumentTypes()
	for _, d := range documentOrder {
		if !slices.Contains(portal, string(d)) {
			t.Errorf("%s is not a portal document type (%v)", d, portal)
		}
	}
	for _, e := range documentPhrases {
		if !slices.Contains(documentOrder, e.doc) {
			t.Errorf("phrase table names %s, which documentOrder lacks", e.doc)
		}
	}
}
