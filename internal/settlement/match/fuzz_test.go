package match

import (
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzDocumentsFor checks that any terms ParsePaymentTerms reads give
// stages whose shares add up to 100% and that name only portal documents.
func FuzzDocumentsFor(f *testing.F) {
	for _, s := range []string{
		"T/T 30% deposit 70% against B/L copy",
		"L/C at sight against bill of lading, commercial invoice, packing list, certificate of origin",
		"D/P", "NET 30", "100% T/T in advance", "30% Anzahlung, 70% gegen B/L-Kopie",
		"30%定金，70%见提单副本付款 电汇", "virement, acompte 30 %, solde 70 % contre connaissement",
		"T/T 30% deposit against proforma invoice, 70% against B/L copy and packing list",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, terms string) {
		p, err := DocumentsFor(terms)
		if err != nil {
			return
		}
		sum := decimal.Zero
		for _, s := range p.Stages {
			sum = sum.Add(s.Percent.Decimal)
			for _, d := range s.Documents {
				if !slices.Contains(documentOrder, d) {
					t.Errorf("%q: stage %s needs unknown document %q", terms, s.Name, d)
				}
			}
		}
		if !sum.Equal(hundred) {
			t.Errorf("%q: stages add up to %s%%", terms, sum)
		}
	})
}
