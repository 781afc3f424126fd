package validation_test

import (
	"context"
	"fmt"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
)

func ExampleValidator_Validate() {
	cat, err := catalog.LoadFile("testdata/catalog-four-suppliers.yaml")
	if err != nil {
		panic(err)
	}
	cfg, err := validation.LoadConfig("rules.yaml", []byte("thresholds:\n  max_payment_days: 60\n"), nil)
	if err != nil {
		panic(err)
	}
	v, err := validation.New(cfg, validation.Options{
		Catalog: cat,
		Now:     func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	in := validation.Input{
		Order: canonical.Order{
			OrderNumber: "PO-7", TransportMode: canonical.TransportAir, OrderDate: canonical.NewDate(2026, 6, 1), Buyer: canonical.Party{ID: "BUY-DE-01"},
			Supplier: canonical.Party{ID: "SUP-VN-FURN"}, Currency: "USD", Incoterm: "CIF", IncotermPlace: "Hamburg",
			PaymentTerms: "NET 90", RequestedDeliveryDate: canonical.NewDate(2026, 8, 15), ShipTo: &canonical.Address{Country: "DE"},
			Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "OAK-TABLE-180", Quantity: canonical.MustDecimal("30"), Unit: "H87",
				UnitPrice: canonical.MustDecimal("310.00"), HSCode: "940161", OriginCountry: "VN"}},
		},
	}
	findings, err := v.Validate(context.Background(), in)
	if err != nil {
		panic(err)
	}
	for _, f := range findings {
		fmt.Println(f)
	}
	// Output:
	// error incoterm_transport_mode: incoterm: CIF is for sea and inland waterway transport only, but the goods go by air (use CIP for air transport)
	// error payment_terms_policy: payment_terms: 90 days of credit exceed the policy's maximum of 60 (at most 60 days)
	// warning hs_code_catalog: lines[0].hs_code: HS code 9401.61 is not the catalog's code for OAK-TABLE-180 (HS code 9403.60 is the catalog's code for this SKU)
}
