package fxrates

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/shopspring/decimal"
)

const (
	dailyFile = "testdata/eurofxref_daily_2026-03-02.xml"
	histFile  = "testdata/eurofxref_hist_3days.xml"
)

// ecbDoc wraps dated Cubes in the ECB envelope. The first line of cubes is
// line 5 of the document.
func ecbDoc(cubes string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<Cube>
` + cubes + `	</Cube>
</gesmes:Envelope>
`
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFile(t testing.TB, name string) []Rate {
	t.Helper()
	f, err := os.Open(filepath.FromSlash(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rates []Rate
	if err := Parse(context.Background(), f, func(r Rate) error {
		rates = append(rates, r)
		return nil
	}); err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return rates
}

func loadTable(t testing.TB, name string) *Table {
	t.Helper()
	tab := NewTable()
	for _, r := range parseFile(t, name) {
		if err := tab.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return tab
}

func date(s string) canonical.Date {
	d, err := canonical.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func dec(s string) canonical.Decimal { return canonical.MustDecimal(s) }

func decimalFromBig(n *big.Int, places int) decimal.Decimal {
	return decimal.NewFromBigInt(n, -int32(places))
}
