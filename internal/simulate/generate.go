package simulate

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/procurehub/procurehub/internal/carriersim"
)

// Error kinds a person keying an order makes; validation catches each.
const (
	ErrWrongPrice  = "wrong_price"  // a price 20% off the supplier's list
	ErrUnknownUnit = "unknown_unit" // kilograms for an item sold by the piece
	ErrMissingHS   = "missing_hs"   // the HS code left out of a cross-border line
)

var errorKinds = []string{ErrWrongPrice, ErrUnknownUnit, ErrMissingHS}

// Supplier, Carrier, Bank, Buyer are the parties of a generated world.
type (
	Supplier = supplierDef
	Carrier  = carrierDef
	Buyer    = buyerDef
)

// Account is one of a buyer's bank accounts.
type Account struct {
	Buyer, Currency, IBAN string
	Bank                  bankDef
}

// Line is an order line.
type Line struct {
	No        int
	SKU, Desc string
	Unit, HS  string
	Qty       int64
	Cents     int64 // unit price, minor units
	Origin    string
}

// Order is one purchase order and what happened to it.
type Order struct {
	Number          string
	Buyer           *Buyer
	Supplier        *Supplier
	OrderDate       time.Time
	Requested       time.Time
	Lines           []Line
	Error           string // "" or one of the Err kinds
	ConfirmedAt     time.Time
	ProductionDelay int // days
	Shipments       []*Shipment
	DeliveredAt     time.Time // the last shipment delivered; zero if not within the year
}

// Shipment is one ASN and its carrier's events.
type Shipment struct {
	ID, Tracking string
	Carrier      *Carrier
	ShipDate     time.Time
	Lines        []Line // quantities shipped
	TransitDelay int
	Hold         bool
	Events       []carriersim.Event
	DeliveredAt  time.Time
	order        *Order
}

// Invoice is a supplier invoice; Payments are the buyer's bank debits.
type Invoice struct {
	Number     string
	Order      *Order
	Shipment   *Shipment
	Date, Due  time.Time
	Lines      []Line
	TotalCents int64
	Duplicate  bool // sent again under another number
	Fraud      bool // asks to be paid to an account not on file
	PayeeIBAN  string
	Payments   []Payment
}

// Payment is one bank debit paying (part of) an invoice.
type Payment struct {
	ValueDate time.Time
	Account   *Account
	Cents     int64 // in the account's currency, less bank charges
	FeeCents  int64
	Partial   bool
	FX        bool
	E2E       string
}

// Counts are the generated world's figures.
type Counts struct {
	Orders, Lines, Shipments, TrackingEvents, Invoices, Statements, BankEntries int
	Errors                                                                      map[string]int
	ProductionDelays, TransitDelays, CustomsHolds, PartialShipments             int
	Duplicates, Fraud, PartialPayments, FeePayments, FXPayments                 int
	DeliveredInYear, LateDeliveries                                             int
}

// InjectedErrors is the number of orders keyed with an error.
func (c Counts) InjectedErrors() int {
	n := 0
	for _, v := range c.Errors {
		n += v
	}
	return n
}

// World is everything the generator made.
type World struct {
	Config    Config
	Seed      uint64
	Suppliers []*Supplier
	Carriers  []*Carrier
	Banks     []bankDef
	Buyers    []*Buyer
	Accounts  []*Account
	Orders    []*Order
	Invoices  []*Invoice
	Counts    Counts
	rates     []fxDay
}

// Generate builds a world from cfg and seed; it does no I/O and reads no
// clock.
func Generate(cfg Config, seed uint64) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x70726f6375726568))
	w := &World{Config: cfg, Seed: seed, Counts: Counts{Errors: map[string]int{}}}
	for i := range cfg.Suppliers {
		s := supplierTable[i]
		w.Suppliers = append(w.Suppliers, &s)
	}
	for i := range cfg.Carriers {
		c := carrierTable[i]
		w.Carriers = append(w.Carriers, &c)
	}
	w.Banks = bankTable[:cfg.Banks]
	for i := range cfg.Buyers {
		b := buyerTable[i]
		w.Buyers = append(w.Buyers, &b)
		bank := w.Banks[i%len(w.Banks)]
		for j, ccy := range []string{"EUR", "USD"} {
			w.Accounts = append(w.Accounts, &Account{Buyer: b.ID, Currency: ccy, Bank: bank,
				IBAN: iban(bank, int64(1000000+i*10+j))})
		}
	}
	w.rates = fxYear(rng, cfg.FirstOrder.Time, cfg.YearEnd.Time)

	n := cfg.Orders
	errs := pick(rng, n, round(cfg.ErrorRate*float64(n)))
	prodDelay := pick(rng, n, round(cfg.ProductionDelayRate*float64(n)))
	partial := pick(rng, n, round(cfg.PartialShipmentRate*float64(n)))
	span := int(cfg.LastOrder.Sub(cfg.FirstOrder.Time)/dayDur) + 1
	var shipments []*Shipment
	for i := range n {
		o := &Order{
			Number:   fmt.Sprintf("PO26-%05d", i+1),
			Buyer:    w.Buyers[rng.IntN(len(w.Buyers))],
			Supplier: w.Suppliers[rng.IntN(len(w.Suppliers))],
		}
		o.OrderDate = weekday(cfg.FirstOrder.AddDate(0, 0, rng.IntN(span)))
		lead := 0
		goods := o.Supplier.Goods
		nl := 1 + rng.IntN(min(3, len(goods)))
		first := rng.IntN(len(goods))
		for j := range nl {
			it := goods[(first+j)%len(goods)]
			lead = max(lead, it.LeadDays)
			o.Lines = append(o.Lines, Line{No: j + 1, SKU: sku(o.Supplier, it), Desc: it.Description, Unit: "EA", HS: it.HS,
				Qty: int64(10 * (1 + rng.IntN(50))), Cents: it.Cents, Origin: o.Supplier.Country})
		}
		o.Requested = weekday(o.OrderDate.AddDate(0, 0, lead+35))
		if errs[i] {
			o.Error = errorKinds[rng.IntN(len(errorKinds))]
			l := &o.Lines[rng.IntN(len(o.Lines))]
			switch o.Error {
			case ErrWrongPrice:
				l.Cents = l.Cents * 6 / 5
			case ErrUnknownUnit:
				l.Unit = "KGM"
			case ErrMissingHS:
				l.HS = ""
			}
			w.Counts.Errors[o.Error]++
			// The order is held for review at the hub: nothing follows it.
			w.Orders = append(w.Orders, o)
			continue
		}
		o.ConfirmedAt = weekday(o.OrderDate.AddDate(0, 0, 1+rng.IntN(4)))
		if prodDelay[i] {
			o.ProductionDelay = 5 + rng.IntN(16)
			w.Counts.ProductionDelays++
		}
		ship := weekday(o.OrderDate.AddDate(0, 0, lead+o.ProductionDelay))
		carrier := w.Carriers[rng.IntN(len(w.Carriers))]
		if partial[i] {
			// The first shipment carries half of each line (whole tens),
			// the rest follows one to two weeks later.
			var a, b []Line
			for _, l := range o.Lines {
				h := l
				h.Qty = max(10, l.Qty/20*10)
				a = append(a, h)
				if rest := l.Qty - h.Qty; rest > 0 {
					r := l
					r.Qty = rest
					b = append(b, r)
				}
			}
			o.Shipments = append(o.Shipments, &Shipment{Carrier: carrier, ShipDate: ship, Lines: a})
			if len(b) > 0 {
				o.Shipments = append(o.Shipments, &Shipment{Carrier: carrier, ShipDate: weekday(ship.AddDate(0, 0, 7+rng.IntN(8))), Lines: b})
				w.Counts.PartialShipments++
			}
		} else {
			o.Shipments = append(o.Shipments, &Shipment{Carrier: carrier, ShipDate: ship, Lines: o.Lines})
		}
		for _, s := range o.Shipments {
			s.order = o
		}
		shipments = append(shipments, o.Shipments...)
		w.Orders = append(w.Orders, o)
	}

	// Transit: numbered and scripted in order of shipment.
	end := cfg.YearEnd.Add(dayDur - time.Second)
	transitDelay := pick(rng, len(shipments), round(cfg.TransitDelayRate*float64(len(shipments))))
	holds := pick(rng, len(shipments), round(cfg.CustomsHoldRate*float64(len(shipments))))
	perSupplier := map[string]int{}
	for i, s := range shipments {
		o := s.order
		perSupplier[o.Supplier.ID]++
		s.ID = fmt.Sprintf("ASN-%s-%05d", o.Supplier.Sender, perSupplier[o.Supplier.ID])
		s.Tracking = fmt.Sprintf("%s%07d", s.Carrier.Prefix, i+1)
		if transitDelay[i] {
			s.TransitDelay = 4 + rng.IntN(9)
		}
		s.Hold = holds[i]
		s.Events = events(rng, s, o, end)
	}
	for _, o := range w.Orders {
		for _, s := range o.Shipments {
			if s.ShipDate.After(end) {
				continue
			}
			w.Counts.Shipments++
			w.Counts.TrackingEvents += len(s.Events)
			if s.TransitDelay > 0 {
				w.Counts.TransitDelays++
			}
			if s.Hold {
				w.Counts.CustomsHolds++
			}
		}
		delivered := len(o.Shipments) > 0
		for _, s := range o.Shipments {
			if s.DeliveredAt.IsZero() {
				delivered = false
			} else if s.DeliveredAt.After(o.DeliveredAt) {
				o.DeliveredAt = s.DeliveredAt
			}
		}
		if !delivered {
			o.DeliveredAt = time.Time{}
		} else {
			w.Counts.DeliveredInYear++
			if dateOf(o.DeliveredAt).After(o.Requested) {
				w.Counts.LateDeliveries++
			}
		}
	}

	w.invoices(rng, end)
	w.Counts.Statements = w.statements(w.bankFiles())
	w.Counts.Orders = len(w.Orders)
	for _, o := range w.Orders {
		w.Counts.Lines += len(o.Lines)
	}
	return w, nil
}

// events scripts a shipment's carrier events, leaving out what happens
// after end.
func events(rng *rand.Rand, s *Shipment, o *Order, end time.Time) []carriersim.Event {
	origin := [2]string{s.Lines[0].Origin, o.Supplier.Country}
	origin[0] = o.Supplier.Port
	dest := destination[o.Buyer.Country]
	start := s.ShipDate.Add(8 * time.Hour)
	transit := time.Duration(20+rng.IntN(9)+s.TransitDelay) * dayDur
	type st struct {
		code, text string
		at         time.Duration
		place      [2]string
	}
	steps := []st{
		{"PICKED_UP", "Picked up from shipper", 0, origin},
		{"DEPARTED", "Departed origin port", dayDur + 6*time.Hour, origin},
	}
	if s.TransitDelay > 0 {
		steps = append(steps, st{"IN_TRANSIT", "Vessel delayed at transshipment port", 8 * dayDur, [2]string{"Singapore", "SG"}})
	}
	steps = append(steps, st{"ARRIVED", "Arrived at destination port", transit, dest})
	release := transit + dayDur
	if s.Hold {
		hold := time.Duration(3+rng.IntN(5)) * dayDur
		steps = append(steps,
			st{"CUSTOMS_HOLD", "Held by customs: documents under review", transit + 6*time.Hour, dest},
			st{"CUSTOMS_CLEARED", "Import customs cleared", transit + hold, dest})
		release = transit + hold + dayDur
	} else {
		steps = append(steps, st{"CUSTOMS_CLEARED", "Import customs cleared", transit + 10*time.Hour, dest})
	}
	steps = append(steps, st{"DELIVERED", "Delivered to consignee", release + 2*time.Hour, dest})
	var out []carriersim.Event
	for i, x := range steps {
		at := start.Add(x.at)
		if at.After(end) {
			break
		}
		out = append(out, carriersim.Event{EventID: fmt.Sprintf("%s-%02d", s.Tracking, i+1), TrackingNumber: s.Tracking,
			Carrier: s.Carrier.Code, Code: x.code, Text: x.text, OccurredAt: at.UTC(),
			Location: &carriersim.Location{City: x.place[0], Country: x.place[1]}})
		if x.code == "DELIVERED" {
			s.DeliveredAt = at.UTC()
		}
	}
	return out
}

// invoices bills each shipment the day after it leaves, adds the resent
// duplicates and the fraud attempts, and pays what falls due in the year.
func (w *World) invoices(rng *rand.Rand, end time.Time) {
	cfg := w.Config
	perSupplier := map[string]int{}
	var real []*Invoice
	for _, o := range w.Orders {
		for _, s := range o.Shipments {
			date := weekday(s.ShipDate.AddDate(0, 0, 1))
			if date.After(end) {
				continue
			}
			perSupplier[o.Supplier.ID]++
			inv := &Invoice{Number: fmt.Sprintf("INV-%s-%05d", o.Supplier.Sender, perSupplier[o.Supplier.ID]),
				Order: o, Shipment: s, Date: date, Lines: s.Lines}
			switch o.Supplier.Terms {
			case termsNet30:
				inv.Due = date.AddDate(0, 0, 30)
			case termsDiscount:
				inv.Due = date.AddDate(0, 0, 60)
			default:
				inv.Due = date.AddDate(0, 0, 14)
			}
			for _, l := range s.Lines {
				inv.TotalCents += l.Qty * l.Cents
			}
			real = append(real, inv)
		}
	}
	dups := pick(rng, len(real), min(cfg.DuplicateInvoices, len(real)))
	fraud := pick(rng, len(real), min(cfg.FraudAttempts, len(real)))
	partial := pick(rng, len(real), round(cfg.PartialPaymentRate*float64(len(real))))
	fees := pick(rng, len(real), round(cfg.FeeRate*float64(len(real))))
	fx := pick(rng, len(real), round(cfg.FXPaymentRate*float64(len(real))))
	for i, inv := range real {
		w.Invoices = append(w.Invoices, inv)
		if dups[i] {
			d := *inv
			d.Number, d.Duplicate, d.Payments = inv.Number+"-R", true, nil
			w.Invoices = append(w.Invoices, &d)
			w.Counts.Duplicates++
		}
		if fraud[i] {
			f := *inv
			f.Number, f.Fraud, f.Payments = inv.Number+"-A", true, nil
			f.Date = weekday(inv.Date.AddDate(0, 0, 7))
			f.PayeeIBAN = "GB82WEST12345698765432" // an account no one verified
			w.Invoices = append(w.Invoices, &f)
			w.Counts.Fraud++
		}
		w.pay(rng, inv, partial[i], fees[i], fx[i], end)
	}
	w.Counts.Invoices = len(w.Invoices)
	for _, inv := range w.Invoices {
		for _, p := range inv.Payments {
			w.Counts.BankEntries++
			if p.FeeCents > 0 {
				w.Counts.FeePayments++
			}
			if p.FX {
				w.Counts.FXPayments++
			}
		}
		if len(inv.Payments) > 1 || (len(inv.Payments) == 1 && inv.Payments[0].Partial) {
			w.Counts.PartialPayments++
		}
	}
}

func (w *World) pay(rng *rand.Rand, inv *Invoice, partial, fee, fx bool, end time.Time) {
	o := inv.Order
	var when time.Time
	switch o.Supplier.Terms {
	case termsNet30:
		when = inv.Due.AddDate(0, 0, -2+rng.IntN(9))
	case termsDiscount:
		if rng.IntN(2) == 0 {
			when = inv.Date.AddDate(0, 0, 8) // inside the discount window
		} else {
			when = inv.Due.AddDate(0, 0, -3+rng.IntN(6))
		}
	default:
		when = inv.Date.AddDate(0, 0, 3+rng.IntN(8))
	}
	when = weekday(when)
	ccy := o.Supplier.Currency
	acctCcy := ccy
	switch {
	case ccy == "CNY":
		acctCcy, fx = "USD", true // the buyers keep no yuan account
	case fx && ccy == "USD":
		acctCcy = "EUR"
	case fx && ccy == "EUR":
		acctCcy = "USD"
	}
	var acct *Account
	for _, a := range w.Accounts {
		if a.Buyer == o.Buyer.ID && a.Currency == acctCcy {
			acct = a
		}
	}
	parts := []int64{inv.TotalCents}
	if partial {
		first := inv.TotalCents * 6 / 10
		parts = []int64{first, inv.TotalCents - first}
	}
	for k, cents := range parts {
		at := when
		if k > 0 {
			at = weekday(when.AddDate(0, 0, 14))
		}
		if at.After(end) {
			break
		}
		p := Payment{ValueDate: at, Account: acct, Partial: partial, FX: acctCcy != ccy,
			E2E: fmt.Sprintf("%s-PAY-%d", inv.Number, k+1)}
		p.Cents = cents
		if p.FX {
			p.Cents = w.convert(cents, ccy, acctCcy, at)
		}
		if fee && p.Cents >= 50000 {
			// Shared charges (SHA): a bank on the way keeps 15.00, and the
			// entry the hub reconciles shows that much less than billed.
			// Banks charge transfers of some size; a small one goes whole.
			p.FeeCents = 1500
			p.Cents -= p.FeeCents
		}
		inv.Payments = append(inv.Payments, p)
	}
}

// pick chooses exactly k of n indices.
func pick(rng *rand.Rand, n, k int) []bool {
	out := make([]bool, n)
	for _, i := range rng.Perm(n)[:min(k, n)] {
		out[i] = true
	}
	return out
}

func round(f float64) int { return int(f + 0.5) }

// weekday moves a weekend day to the Monday after: business documents
// and bank value dates fall on working days.
func weekday(t time.Time) time.Time {
	switch t.Weekday() {
	case time.Saturday:
		return t.AddDate(0, 0, 2)
	case time.Sunday:
		return t.AddDate(0, 0, 1)
	}
	return t
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func sku(s *Supplier, it itemDef) string { return s.Sender[:min(4, len(s.Sender))] + "-" + it.Suffix }

// iban builds a valid IBAN (ISO 13616 check digits) of a bank.
func iban(b bankDef, account int64) string {
	var bban string
	if b.Country == "DE" {
		bban = fmt.Sprintf("%s%010d", b.BankCode, account)
	} else {
		bban = fmt.Sprintf("%s%010d", b.BankCode, account)
	}
	s := bban + b.Country + "00"
	rem := 0
	for _, c := range s {
		var v int
		if c >= '0' && c <= '9' {
			v = int(c - '0')
			rem = (rem*10 + v) % 97
			continue
		}
		v = int(c-'A') + 10
		rem = (rem*100 + v) % 97
	}
	return fmt.Sprintf("%s%02d%s", b.Country, 98-rem, bban)
}

// sortedKeys returns a map's keys in order: output never depends on map order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
