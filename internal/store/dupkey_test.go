package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/storetest"
)

// referenceKey is the duplicate key written plainly: DuplicateKey is its
// faster form, and must give the same bytes (stored keys outlive binaries).
func referenceKey(o *canonical.Order) string {
	lines := make([]string, len(o.Lines))
	for i, l := range o.Lines {
		sku := l.SKU
		if sku == "" {
			sku = "buyer:" + l.BuyerSKU
		}
		lines[i] = sku + "\x00" + l.Quantity.Decimal.String() + "\x00" + string(l.Unit)
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(o.Supplier.ID + "\x01" + o.RequestedDeliveryDate.String() + "\x01" + strings.Join(lines, "\x01")))
	return hex.EncodeToString(sum[:])
}

// The store keeps the duplicate key in a column the validation looks orders
// up by; a key that differs by one byte finds no duplicate at all.
func TestDuplicateKeyIsTheReferenceKey(t *testing.T) {
	orders := []*canonical.Order{
		{},
		{Supplier: canonical.Party{ID: "s1"}},
		storetest.TwoLineOrder(),
		{
			Supplier:              canonical.Party{ID: "Zulieferer München"},
			RequestedDeliveryDate: canonical.NewDate(2026, 5, 4),
			Lines: []canonical.OrderLine{
				{LineNumber: 3, SKU: "Ä-1", Quantity: canonical.MustDecimal("0.0500"), Unit: "KGM"},
				{LineNumber: 1, BuyerSKU: "B-77", Quantity: canonical.MustDecimal("-3.10")},
				{LineNumber: 2, SKU: "Ä-1", Quantity: canonical.MustDecimal("1e3"), Unit: "KGM"},
				{LineNumber: 4, Quantity: canonical.MustDecimal("0.000")},
				{LineNumber: 5, SKU: "big", Quantity: canonical.MustDecimal("123456789012345678901234.5678900")},
				{LineNumber: 6, SKU: "tiny", Quantity: canonical.MustDecimal("0.00000000000000000000012300")},
			},
		},
		{RequestedDeliveryDate: canonical.NewDate(0, 1, 1)},
		{RequestedDeliveryDate: canonical.NewDate(2026, 0, 40)},
		{RequestedDeliveryDate: canonical.NewDate(12345, 1, 1)},
	}
	orders = append(orders, storetest.Orders(50, 12, 0)...)
	for i, o := range orders {
		if got, want := store.DuplicateKey(o), referenceKey(o); got != want {
			t.Errorf("order %d: key %s, reference key %s", i, got, want)
		}
	}
}

func FuzzDuplicateKey(f *testing.F) {
	f.Add("s1", "SKU-1", "B-1", "12.50", "EA", "0.125", int64(2026), int64(5), int64(4))
	f.Add("", "", "", "1e3", "", "-0.0", int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, supplier, sku, buyerSKU, q1, unit, q2 string, y, m, d int64) {
		d1, err1 := decimal.NewFromString(q1)
		d2, err2 := decimal.NewFromString(q2)
		if err1 != nil || err2 != nil {
			return
		}
		o := &canonical.Order{
			Supplier:              canonical.Party{ID: supplier},
			RequestedDeliveryDate: canonical.NewDate(int(y%20000), time.Month(m%20), int(d%200)),
			Lines: []canonical.OrderLine{
				{SKU: sku, BuyerSKU: buyerSKU, Quantity: canonical.NewDecimal(d1), Unit: canonical.Unit(unit)},
				{BuyerSKU: sku, Quantity: canonical.NewDecimal(d2), Unit: canonical.Unit(unit)},
			},
		}
		if got, want := store.DuplicateKey(o), referenceKey(o); got != want {
			t.Errorf("store key %s, validation key %s", got, want)
		}
	})
}

// BenchmarkDuplicateKey is the cost the key adds to each order of a bulk
// write (storetest.Orders: ten lines an order), beside the plain reference.
func BenchmarkDuplicateKey(b *testing.B) {
	orders := storetest.Orders(1000, 10, 0)
	for _, f := range []struct {
		name string
		key  func(*canonical.Order) string
	}{{"store", store.DuplicateKey}, {"reference", referenceKey}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				f.key(orders[i%len(orders)])
			}
		})
	}
}
