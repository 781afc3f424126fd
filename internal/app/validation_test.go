package app

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
)

type fixedCommitments decimal.Decimal

func (f fixedCommitments) Committed(context.Context, string, string, canonical.Date, canonical.Date) (decimal.Decimal, error) {
	return decimal.Decimal(f), nil
}

func TestTheOrderBeingValidatedDoesNotUseUpItsOwnCapacity(t *testing.T) {
	o := &canonical.Order{OrderNumber: "PO-1", Supplier: canonical.Party{ID: "SUP"},
		RequestedDeliveryDate: canonical.NewDate(2026, 5, 6),
		Lines:                 []canonical.OrderLine{{SKU: "A", Quantity: canonical.MustDecimal("30")}, {SKU: "B", Quantity: canonical.MustDecimal("5")}}}
	n := notThisOrder{fixedCommitments(decimal.NewFromInt(100))}
	ctx := context.WithValue(context.Background(), validatedOrder{}, o)
	for _, tt := range []struct {
		name          string
		supplier, sku string
		from, to      canonical.Date
		want          string
	}{
		{"its own SKU in its week", "SUP", "A", canonical.NewDate(2026, 5, 4), canonical.NewDate(2026, 5, 10), "70"},
		{"another SKU", "SUP", "C", canonical.NewDate(2026, 5, 4), canonical.NewDate(2026, 5, 10), "100"},
		{"another supplier", "OTHER", "A", canonical.NewDate(2026, 5, 4), canonical.NewDate(2026, 5, 10), "100"},
		{"another week", "SUP", "A", canonical.NewDate(2026, 5, 11), canonical.NewDate(2026, 5, 17), "100"},
	} {
		got, err := n.Committed(ctx, tt.supplier, tt.sku, tt.from, tt.to)
		if err != nil || got.String() != tt.want {
			t.Errorf("%s: committed %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}
