package plan_test

import (
	"fmt"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/plan"
)

func Example() {
	total := canonical.MustDecimal("10000.00")
	order := &canonical.Order{OrderNumber: "PO-7", Currency: "EUR", PaymentTerms: "2/10 net 60", TotalAmount: &total}
	invoiced := canonical.NewDate(2026, 3, 2)

	reqs, err := plan.Schedule(order, plan.Events{Ordered: canonical.NewDate(2026, 2, 9), Invoiced: invoiced})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := reqs[0]
	fmt.Println(r.Stage, r.Amount, r.Currency, "due", r.DueDate, "discount", r.Discount.Percent.String()+"% until", r.Discount.Until)

	rec := plan.Recommend(r, plan.Input{
		Today:                canonical.NewDate(2026, 3, 5),
		HomeCurrency:         "EUR",
		SupplierRating:       0.95,
		CostOfCapitalPercent: canonical.MustDecimal("8"),
	})
	fmt.Println("pay on", rec.PayOn, "saving", rec.DiscountValue)
	for _, why := range rec.Reasons {
		fmt.Println(why.Code+":", why.Message)
	}
	// Output:
	// payment 10000.00 EUR due 2026-05-01 discount 2% until 2026-03-12
	// pay on 2026-03-10 saving 200.00
	// due_date: The payment of 10000.00 EUR is due on 2026-05-01: paying on 2026-04-29 leaves the 2 bank days a transfer takes.
	// early_payment_discount: Paying on 2026-03-10, within the 2% discount that ends on 2026-03-12, saves 200.00 EUR: 14.6% a year for paying 50 days before the due date, more than the 8% cost of capital.
	// supplier_rating: The supplier is rated 0.95: a reliable supplier is never paid late, and paying on 2026-03-10 is on time.
}
