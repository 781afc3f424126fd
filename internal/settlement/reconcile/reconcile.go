// Package reconcile matches bank entries to open invoices: a pure,
// deterministic engine with no I/O. Given the open receivables and payables
// and the entries of bank statements, Reconcile says which entry settles
// which invoice, how much of each invoice is still open, and, for every
// entry it does not match on its own, up to three candidates with the
// reasons a finance user needs to match it by hand.
//
// Sign convention: a bank entry's Amount is signed as on the statement. A
// credit (positive) is money received and settles receivables (DirectionReceivable:
// a customer pays us); a debit (negative) is money paid out and settles
// payables (DirectionPayable: we pay a supplier). Open amounts, allocated
// amounts and differences are always positive magnitudes in the invoice's
// currency; an entry never settles an item of the other direction.
//
// Matching runs in passes over all entries, so that a weaker rule never
// takes an invoice that a stronger one names:
//
//  1. reference: the entry's end-to-end id, a valid RF creditor reference
//     (ISO 11649; an invalid one is ignored), or an invoice number found as
//     a whole token in the remittance text or the customer reference;
//  2. amount: one open item of the same counterparty (IBAN, else the
//     normalised name) and currency, with the value date in the window
//     around its due date, whose open amount the entry pays exactly, or
//     less bank charges within the tolerance;
//  3. subset: several open items of the same counterparty and currency that
//     together make the entry's amount (bounded search);
//  4. converted amount: one open item in another currency whose open amount
//     the entry makes, converted at the value date, within the FX
//     tolerance, when the counterparty has no open item in the entry's
//     currency.
//
// When in doubt it does not allocate: ties, overpayments, references to
// settled invoices, a payer account other than the one on file and amounts
// outside the tolerances leave the entry unmatched with suggestions.
package reconcile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/fxrates"
	"github.com/shopspring/decimal"
)

// Direction says which way the money of an open item flows.
type Direction string

const (
	// DirectionReceivable is an invoice we issued: settled by credits.
	DirectionReceivable Direction = "receivable"
	// DirectionPayable is a supplier's invoice: settled by debits.
	DirectionPayable Direction = "payable"
)

// Status is how far an open item is settled.
type Status string

const (
	StatusUnmatched           Status = "unmatched"
	StatusPartiallyReconciled Status = "partially_reconciled"
	StatusReconciled          Status = "reconciled"
)

// Method is the rule that made an allocation.
type Method string

const (
	MethodReference Method = "reference" // end-to-end id, RF reference or invoice number
	MethodAmount    Method = "amount"    // amount + currency + counterparty + date
	MethodSubset    Method = "subset"    // one payment for several invoices
	MethodFX        Method = "fx"        // another currency, converted at the value date
)

// Open is an invoice (or payment request) still to be paid or received.
type Open struct {
	// ID identifies the item; unique among the items of one run.
	ID            string
	InvoiceNumber string
	Direction     Direction
	// Party is the counterparty's name (the supplier of a payable, the buyer
	// of a receivable); PartyIBAN its account, when known.
	Party     string
	PartyIBAN string
	Currency  canonical.Currency
	// Amount is what is still open, positive, in Currency.
	Amount canonical.Decimal
	// DueDate centres the window of amount and subset matches; an item
	// without one is found by reference only.
	DueDate canonical.Date
	// CreditorReference is the RF reference the payer is asked to quote;
	// EndToEndID the end-to-end id of our payment request (payables).
	CreditorReference string
	EndToEndID        string
}

// Entry is one bank entry to reconcile, with an identity that is unique
// within a run.
type Entry struct {
	ID string
	canonical.BankTransaction
}

// EntryFromStatement makes an Entry of a statement entry; its ID is the
// statement id and the 1-based entry index ("STMT-0042:7").
func EntryFromStatement(se canonical.StatementEntry) Entry {
	return Entry{ID: fmt.Sprintf("%s:%d", se.StatementID, se.EntryIndex), BankTransaction: se.Entry}
}

// Config holds the tolerances and the bounds of the search.
type Config struct {
	// DaysBefore and DaysAfter bound the value date of an amount or subset
	// match around the item's due date. References ignore dates.
	DaysBefore int
	DaysAfter  int
	// ChargesAbsolute is, per currency, how much less than the open amount
	// an entry may bring and still settle the item (bank charges);
	// ChargesPercent the same as a percentage of the open amount. The
	// larger of the two applies. Paying more than open is never tolerated.
	ChargesAbsolute map[canonical.Currency]canonical.Decimal
	ChargesPercent  canonical.Decimal
	// ChargesCapPercent caps the charges tolerance at this percentage of
	// the open amount, so that 20 EUR of "charges" never close the last
	// 30 EUR of an invoice; zero is no cap.
	ChargesCapPercent canonical.Decimal
	// FXPercent is how far, in percent of the open amount, an entry in
	// another currency converted at its value date may be from it, either
	// way; the gap is recorded as the FX difference.
	FXPercent canonical.Decimal
	// FXMaxDays is how many days before the value date a rate may be taken
	// from (weekends, holidays).
	FXMaxDays int
	// SubsetMaxItems bounds the invoices one payment may settle by subset;
	// SubsetBudget the search steps per entry. A search that runs out of
	// budget never auto-matches.
	SubsetMaxItems int
	SubsetBudget   int
}

// DefaultConfig returns 30 days before and 60 after the due date, charges
// up to 25 in EUR, USD, GBP and CHF (2500 JPY) but at most 10% of the open
// amount, 2% FX tolerance with rates
// up to 4 days old, subsets of at most 5 invoices and 200000 search steps.
func DefaultConfig() Config {
	return Config{
		DaysBefore: 30, DaysAfter: 60,
		ChargesAbsolute: map[canonical.Currency]canonical.Decimal{
			"EUR": canonical.MustDecimal("25"), "USD": canonical.MustDecimal("25"),
			"GBP": canonical.MustDecimal("25"), "CHF": canonical.MustDecimal("25"),
			"JPY": canonical.MustDecimal("2500"),
		},
		ChargesCapPercent: canonical.MustDecimal("10"),
		FXPercent:         canonical.MustDecimal("2"), FXMaxDays: 4,
		SubsetMaxItems: 5, SubsetBudget: 200000,
	}
}

// Validate checks that no tolerance or bound is negative.
func (c Config) Validate() error {
	if c.DaysBefore < 0 || c.DaysAfter < 0 || c.FXMaxDays < 0 {
		return fmt.Errorf("reconcile: day windows must not be negative")
	}
	if c.ChargesPercent.Sign() < 0 || c.ChargesCapPercent.Sign() < 0 || c.FXPercent.Sign() < 0 {
		return fmt.Errorf("reconcile: percentages must not be negative")
	}
	for cur, v := range c.ChargesAbsolute {
		if v.Sign() < 0 {
			return fmt.Errorf("reconcile: charges tolerance for %s is negative", cur)
		}
	}
	if c.SubsetMaxItems < 0 || c.SubsetBudget < 0 {
		return fmt.Errorf("reconcile: subset bounds must not be negative")
	}
	return nil
}

// Allocation is the part of an entry applied to one item. Method is fx
// whenever the entry was converted, also when a reference found the item;
// Confidence then tells how it was found (1 end-to-end id or RF reference,
// 0.95 invoice number in the text, 0.9 exact amount, 0.85 set of invoices,
// 0.8 amount within the charges tolerance, 0.75 converted amount).
type Allocation struct {
	ItemID        string `json:"item_id"`
	InvoiceNumber string `json:"invoice_number"`
	// Amount is what the item's open amount goes down by, in Currency (the
	// item's), charges and FX difference included.
	Amount     canonical.Decimal  `json:"amount"`
	Currency   canonical.Currency `json:"currency"`
	Method     Method             `json:"method"`
	Confidence float64            `json:"confidence"`
	// Charges is the shortfall written off as bank charges; FXDifference
	// the open amount minus the entry converted at the value date (negative
	// when more arrived). Both in the item's currency, zero when none.
	Charges      canonical.Decimal `json:"charges"`
	FXDifference canonical.Decimal `json:"fx_difference"`
	// FXRate is the rate used (item currency units per entry currency unit).
	FXRate *canonical.Decimal `json:"fx_rate,omitempty"`
}

// Suggestion is a candidate for an entry left to a person: one item, or
// several that together make the amount.
type Suggestion struct {
	ItemIDs []string `json:"item_ids"`
	Score   int      `json:"score"`
	Reasons []string `json:"reasons"`
}

// EntryResult is what became of one entry.
type EntryResult struct {
	EntryID     string       `json:"entry_id"`
	Allocations []Allocation `json:"allocations,omitempty"`
	// Reason says why the entry was not matched on its own; empty when it was.
	Reason      string       `json:"reason,omitempty"`
	Suggestions []Suggestion `json:"suggestions,omitempty"`
}

// Matched reports whether the entry was allocated.
func (r EntryResult) Matched() bool { return len(r.Allocations) > 0 }

// ItemResult is the state of one item after the run.
type ItemResult struct {
	ItemID    string             `json:"item_id"`
	Status    Status             `json:"status"`
	Remaining canonical.Decimal  `json:"remaining"`
	Currency  canonical.Currency `json:"currency"`
	EntryIDs  []string           `json:"entry_ids,omitempty"`
}

// Result lists the entries and the items in the order they were given.
type Result struct {
	Entries []EntryResult `json:"entries"`
	Items   []ItemResult  `json:"items"`
}

// Summary counts the entries of a result by what became of them.
type Summary struct {
	Entries   int
	ByMethod  map[Method]int
	Suggested int // not matched, with at least one suggestion
	Unmatched int // not matched, nothing to suggest
	Items     map[Status]int
}

// Summary counts the result. An entry's method is that of its first
// allocation.
func (r *Result) Summary() Summary {
	s := Summary{Entries: len(r.Entries), ByMethod: map[Method]int{}, Items: map[Status]int{}}
	for _, e := range r.Entries {
		switch {
		case e.Matched():
			s.ByMethod[e.Allocations[0].Method]++
		case len(e.Suggestions) > 0:
			s.Suggested++
		default:
			s.Unmatched++
		}
	}
	for _, it := range r.Items {
		s.Items[it.Status]++
	}
	return s
}

// String prints the summary as a small table.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %6s\n", "entries", "count")
	for _, m := range []Method{MethodReference, MethodAmount, MethodSubset, MethodFX} {
		fmt.Fprintf(&b, "%-28s %6d\n", "matched by "+string(m), s.ByMethod[m])
	}
	fmt.Fprintf(&b, "%-28s %6d\n", "suggested", s.Suggested)
	fmt.Fprintf(&b, "%-28s %6d\n", "unmatched", s.Unmatched)
	fmt.Fprintf(&b, "%-28s %6d\n", "total", s.Entries)
	for _, st := range []Status{StatusReconciled, StatusPartiallyReconciled, StatusUnmatched} {
		fmt.Fprintf(&b, "%-28s %6d\n", "items "+string(st), s.Items[st])
	}
	return b.String()
}

type item struct {
	Open
	idx       int
	open      decimal.Decimal // starts at Amount
	paid      bool            // something allocated
	entries   []string
	iban      string
	name      string
	rf        string
	e2e, inum string
}

type entry struct {
	Entry
	idx     int
	dir     Direction
	abs     decimal.Decimal
	date    canonical.Date
	iban    string
	name    string
	res     *EntryResult
	done    bool // allocated, or stopped with a reason
	refs    []*item
	refHow  string
	skipped bool
}

type engine struct {
	cfg   Config
	rates *fxrates.Table
	items []*item
	res   *Result
}

// Reconcile matches entries to items. It does not modify its arguments and
// may run concurrently (rates is only read). rates may be nil: entries in another
// currency than an item are then never matched to it. It fails only on an
// invalid Config or an invalid item (no id, an id twice, no direction, a
// negative amount). An entry id seen twice is a duplicate delivery: the
// first counts, the second is left unmatched with a reason. Entries that
// are pending, informational or reversals are never matched.
func Reconcile(items []Open, entries []Entry, rates *fxrates.Table, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &engine{cfg: cfg, rates: rates, res: &Result{}}
	seen := map[string]bool{}
	for i, o := range items {
		if o.ID == "" {
			return nil, fmt.Errorf("reconcile: item %d has no id", i+1)
		}
		if seen[o.ID] {
			return nil, fmt.Errorf("reconcile: item id %q appears twice", o.ID)
		}
		if o.Direction != DirectionPayable && o.Direction != DirectionReceivable {
			return nil, fmt.Errorf("reconcile: item %q: direction %q is neither payable nor receivable", o.ID, o.Direction)
		}
		if o.Amount.Sign() < 0 {
			return nil, fmt.Errorf("reconcile: item %q: open amount is negative", o.ID)
		}
		seen[o.ID] = true
		it := &item{Open: o, idx: i, open: o.Amount.Decimal, iban: normIBAN(o.PartyIBAN), name: normName(o.Party),
			e2e: strings.TrimSpace(o.EndToEndID), inum: strings.TrimSpace(o.InvoiceNumber)}
		if ValidRF(o.CreditorReference) {
			it.rf = normRF(o.CreditorReference)
		}
		g.items = append(g.items, it)
	}
	es := make([]*entry, len(entries))
	seenE := map[string]bool{}
	g.res.Entries = make([]EntryResult, len(entries)) // not appended to: entries point into it
	for i, en := range entries {
		g.res.Entries[i] = EntryResult{EntryID: en.ID}
		e := &entry{Entry: en, idx: i, abs: en.Amount.Abs(), date: en.ValueDate}
		e.res = &g.res.Entries[i]
		if e.date.IsZero() {
			e.date = en.BookingDate
		}
		if en.Counterparty != nil {
			e.iban, e.name = normIBAN(en.Counterparty.IBAN), normName(en.Counterparty.Name)
		}
		switch {
		case en.Amount.Sign() > 0:
			e.dir = DirectionReceivable
		case en.Amount.Sign() < 0:
			e.dir = DirectionPayable
		}
		switch {
		case seenE[en.ID]:
			e.stop("the entry was delivered twice; the first delivery counts")
			e.skipped = true
		case e.dir == "":
			e.stop("the entry has no amount")
			e.skipped = true
		case en.Status == canonical.EntryPending || en.Status == canonical.EntryInfo:
			e.stop("the entry is not booked")
			e.skipped = true
		case en.Reversal:
			e.stop("the entry reverses an earlier one")
			e.skipped = true
		}
		seenE[en.ID] = true
		es[i] = e
	}
	// Entries in value-date order, then as given: the earlier payment of an
	// invoice is its first partial.
	order := slices.Clone(es)
	slices.SortStableFunc(order, func(a, b *entry) int {
		return cmp.Compare(a.date.Time().Unix(), b.date.Time().Unix())
	})
	for _, e := range order {
		if !e.done {
			g.byReference(e)
		}
	}
	for _, e := range order {
		if !e.done {
			g.byAmount(e)
		}
	}
	for _, e := range order {
		if !e.done {
			g.bySubset(e)
		}
	}
	for _, e := range order {
		if !e.done {
			g.byConvertedAmount(e)
		}
	}
	for _, e := range order {
		if !e.res.Matched() && !e.skipped {
			g.suggest(e)
		}
	}
	for _, it := range g.items {
		st := StatusUnmatched
		switch {
		case it.open.Sign() <= 0:
			st = StatusReconciled
		case it.paid:
			st = StatusPartiallyReconciled
		}
		g.res.Items = append(g.res.Items, ItemResult{ItemID: it.ID, Status: st,
			Remaining: canonical.NewDecimal(it.open), Currency: it.Currency, EntryIDs: it.entries})
	}
	return g.res, nil
}

func (e *entry) stop(reason string) {
	e.done = true
	if e.res.Reason == "" {
		e.res.Reason = reason
	}
}

// fit is how an entry's amount meets an item's open amount.
type fit struct {
	kind    string // exact, charges, fx, partial, over, fx_out, no_rate
	applied decimal.Decimal
	charges decimal.Decimal
	fxdiff  decimal.Decimal
	rate    *decimal.Decimal
}

func (g *engine) chargesTolerance(cur canonical.Currency, open decimal.Decimal) decimal.Decimal {
	tol := decimal.Zero
	if v, ok := g.cfg.ChargesAbsolute[cur]; ok {
		tol = v.Decimal
	}
	if p := open.Mul(g.cfg.ChargesPercent.Decimal).Div(decimal.NewFromInt(100)); p.GreaterThan(tol) {
		tol = p
	}
	if g.cfg.ChargesCapPercent.Sign() > 0 {
		if c := open.Mul(g.cfg.ChargesCapPercent.Decimal).Div(decimal.NewFromInt(100)); c.LessThan(tol) {
			tol = c
		}
	}
	return tol
}

// value converts the entry's amount into cur at its value date.
func (g *engine) value(e *entry, cur canonical.Currency) (decimal.Decimal, *decimal.Decimal, bool) {
	if e.Currency == cur {
		return e.abs, nil, true
	}
	if g.rates == nil || !e.date.Valid() {
		return decimal.Zero, nil, false
	}
	rFrom, _, err := g.rates.RateOnOrBefore(e.date, e.Currency, g.cfg.FXMaxDays)
	if err != nil {
		return decimal.Zero, nil, false
	}
	rTo, _, err := g.rates.RateOnOrBefore(e.date, cur, g.cfg.FXMaxDays)
	if err != nil {
		return decimal.Zero, nil, false
	}
	rate := rTo.Decimal.DivRound(rFrom.Decimal, 10)
	v := e.abs.Mul(rTo.Decimal).DivRound(rFrom.Decimal, 16).Round(int32(cur.MinorUnits()))
	return v, &rate, true
}

func (g *engine) fitOne(e *entry, it *item) fit {
	v, rate, ok := g.value(e, it.Currency)
	if !ok {
		return fit{kind: "no_rate"}
	}
	diff := it.open.Sub(v)
	if rate == nil {
		switch {
		case diff.IsZero():
			return fit{kind: "exact", applied: v}
		case diff.Sign() > 0 && diff.LessThanOrEqual(g.chargesTolerance(it.Currency, it.open)):
			return fit{kind: "charges", applied: it.open, charges: diff}
		case diff.Sign() > 0:
			return fit{kind: "partial", applied: v}
		default:
			return fit{kind: "over"}
		}
	}
	if diff.Abs().LessThanOrEqual(it.open.Mul(g.cfg.FXPercent.Decimal).Div(decimal.NewFromInt(100))) {
		return fit{kind: "fx", applied: it.open, fxdiff: diff, rate: rate}
	}
	return fit{kind: "fx_out", rate: rate}
}

func (g *engine) allocate(e *entry, it *item, f fit, m Method, conf float64) {
	a := Allocation{ItemID: it.ID, InvoiceNumber: it.InvoiceNumber, Amount: canonical.NewDecimal(f.applied),
		Currency: it.Currency, Method: m, Confidence: conf,
		Charges: canonical.NewDecimal(f.charges), FXDifference: canonical.NewDecimal(f.fxdiff)}
	if f.rate != nil {
		r := canonical.NewDecimal(*f.rate)
		a.FXRate = &r
		a.Method = MethodFX
	}
	e.res.Allocations = append(e.res.Allocations, a)
	it.open = it.open.Sub(f.applied)
	it.paid = true
	it.entries = append(it.entries, e.ID)
	e.done = true
	e.res.Reason = ""
}

// minInvoiceNumber is the shortest invoice number looked for in remittance
// text: "12" or "A-1" turn up in any sentence.
const minInvoiceNumber = 4

const byInvoiceNumber = "invoice number in the remittance text"

// references finds the items an entry names, strongest kind first.
func (g *engine) references(e *entry) ([]*item, string) {
	var out []*item
	if id := strings.TrimSpace(e.EndToEndID); id != "" && id != "NOTPROVIDED" {
		for _, it := range g.items {
			if it.Direction == e.dir && it.e2e != "" && it.e2e == id {
				out = append(out, it)
			}
		}
		if len(out) > 0 {
			return out, "end-to-end id"
		}
	}
	if rf := normRF(e.CreditorReference); rf != "" && ValidRF(rf) {
		for _, it := range g.items {
			if it.Direction == e.dir && it.rf == rf {
				out = append(out, it)
			}
		}
		if len(out) > 0 {
			return out, "RF creditor reference"
		}
	}
	text := e.RemittanceInfo + " " + e.CustomerReference
	for _, it := range g.items {
		if it.Direction == e.dir && len(it.inum) >= minInvoiceNumber && containsToken(text, it.inum) {
			out = append(out, it)
		}
	}
	return out, byInvoiceNumber
}

func (g *engine) counterpartyConflict(e *entry, it *item) bool {
	return it.iban != "" && e.iban != "" && it.iban != e.iban
}

func (g *engine) byReference(e *entry) {
	refs, how := g.references(e)
	if len(refs) == 0 {
		return
	}
	e.refs, e.refHow = refs, how
	for _, it := range refs {
		if g.counterpartyConflict(e, it) {
			e.stop(fmt.Sprintf("%s names %s, but the payer's account is not the one on file", how, it.InvoiceNumber))
			return
		}
	}
	for _, it := range refs {
		if it.open.Sign() <= 0 {
			e.stop(fmt.Sprintf("%s names %s, which is already reconciled: a duplicate payment?", how, it.InvoiceNumber))
			return
		}
	}
	conf := 1.0
	if how == byInvoiceNumber {
		conf = 0.95
	}
	if len(refs) == 1 {
		it := refs[0]
		f := g.fitOne(e, it)
		// An invoice number in free text from a payer not known as the
		// counterparty may be the payer's own number: it settles the
		// invoice only when the amount says so too.
		if how == byInvoiceNumber && !g.sameParty(e, it) && f.kind != "exact" && f.kind != "charges" {
			e.stop(fmt.Sprintf("%s names %s, but neither the payer nor the amount confirms it", how, it.InvoiceNumber))
			return
		}
		switch f.kind {
		case "exact", "charges", "partial", "fx":
			g.allocate(e, it, f, MethodReference, conf)
		case "over":
			e.stop(fmt.Sprintf("%s names %s, but the entry pays more than is open", how, it.InvoiceNumber))
		case "fx_out":
			e.stop(fmt.Sprintf("%s names %s, but converted at the value date the amount is outside the FX tolerance", how, it.InvoiceNumber))
		default:
			e.stop(fmt.Sprintf("%s names %s, but there is no FX rate for the value date", how, it.InvoiceNumber))
		}
		return
	}
	// Several invoices named: settle them all when together they make the
	// amount; anything else is for a person.
	cur := refs[0].Currency
	sum := decimal.Zero
	for _, it := range refs {
		if it.Currency != cur {
			e.stop(how + " names invoices in several currencies")
			return
		}
		sum = sum.Add(it.open)
	}
	f, ok := g.fitSum(e, cur, sum)
	if !ok {
		e.stop(fmt.Sprintf("%s names %d invoices whose open amounts do not add up to the entry", how, len(refs)))
		return
	}
	g.allocateAll(e, refs, f, MethodReference, conf)
}

// fitSum is fitOne for a group of items of one currency that must all be
// settled in full.
func (g *engine) fitSum(e *entry, cur canonical.Currency, sum decimal.Decimal) (fit, bool) {
	v, rate, ok := g.value(e, cur)
	if !ok {
		return fit{}, false
	}
	diff := sum.Sub(v)
	if rate == nil {
		if diff.IsZero() {
			return fit{kind: "exact"}, true
		}
		if diff.Sign() > 0 && diff.LessThanOrEqual(g.chargesTolerance(cur, sum)) {
			return fit{kind: "charges", charges: diff}, true
		}
		return fit{}, false
	}
	if diff.Abs().LessThanOrEqual(sum.Mul(g.cfg.FXPercent.Decimal).Div(decimal.NewFromInt(100))) {
		return fit{kind: "fx", fxdiff: diff, rate: rate}, true
	}
	return fit{}, false
}

// allocateAll settles every item in full; the charges or FX difference of
// the group is recorded on its last item.
func (g *engine) allocateAll(e *entry, its []*item, f fit, m Method, conf float64) {
	for i, it := range its {
		fi := fit{kind: f.kind, applied: it.open, rate: f.rate}
		if i == len(its)-1 {
			fi.charges, fi.fxdiff = f.charges, f.fxdiff
		}
		g.allocate(e, it, fi, m, conf)
	}
}

// candidates are the open items of the entry's direction and counterparty
// whose due date is within the window of the value date.
func (g *engine) candidates(e *entry) []*item {
	var out []*item
	for _, it := range g.items {
		if it.Direction != e.dir || it.open.Sign() <= 0 || !g.sameParty(e, it) || !g.inWindow(e, it) {
			continue
		}
		out = append(out, it)
	}
	slices.SortStableFunc(out, byDue)
	return out
}

func byDue(a, b *item) int {
	if c := cmp.Compare(a.DueDate.Time().Unix(), b.DueDate.Time().Unix()); c != 0 {
		return c
	}
	return cmp.Compare(a.idx, b.idx)
}

func (g *engine) sameParty(e *entry, it *item) bool {
	if it.iban != "" && e.iban != "" {
		return it.iban == e.iban
	}
	return it.name != "" && it.name == e.name
}

func (g *engine) inWindow(e *entry, it *item) bool {
	if it.DueDate.IsZero() || e.date.IsZero() {
		return false
	}
	d := int((e.date.Time().Unix() - it.DueDate.Time().Unix()) / 86400)
	return d >= -g.cfg.DaysBefore && d <= g.cfg.DaysAfter
}

func (g *engine) byAmount(e *entry) {
	var exact, near []*item
	fits := map[*item]fit{}
	for _, it := range g.candidates(e) {
		f := g.fitOne(e, it)
		switch f.kind {
		case "exact":
			exact = append(exact, it)
		case "charges":
			near = append(near, it)
		default:
			continue
		}
		fits[it] = f
	}
	pick := func(its []*item) (*item, bool) {
		if len(its) == 1 {
			return its[0], true
		}
		// Oldest due date wins; two with the same one are a tie.
		if its[0].DueDate != its[1].DueDate {
			return its[0], true
		}
		return nil, false
	}
	switch {
	case len(exact) > 0:
		if it, ok := pick(exact); ok {
			g.allocate(e, it, fits[it], MethodAmount, 0.9)
			return
		}
		e.stop(fmt.Sprintf("%d open invoices of the counterparty have this amount and the same due date", len(exact)))
	case len(near) == 1:
		// Within the charges tolerance is weaker than exact: it stands back
		// for a set of invoices that makes the amount exactly (the subset
		// pass takes it) and for an invoice in another currency that fits.
		if sols, _ := g.searchSubsets(e, true); len(sols) > 0 && sols[0].exact {
			return
		}
		if sols, _ := g.searchSubsets(e, false); len(sols) > 0 && sols[0].exact {
			e.stop("one open invoice of the counterparty is within the charges tolerance, and a set of its invoices, some due outside the window, makes the amount exactly")
			return
		}
		if g.fxFits(e) > 0 {
			e.stop("one open invoice of the counterparty is within the charges tolerance and another in a different currency within the FX tolerance")
			return
		}
		g.allocate(e, near[0], fits[near[0]], MethodAmount, 0.8)
	case len(near) > 1:
		e.stop(fmt.Sprintf("%d open invoices of the counterparty are within the tolerance of this amount", len(near)))
	}
}

// byConvertedAmount settles one invoice in another currency than the
// entry's, converted at the value date within the FX tolerance. It runs
// last and stands back when the counterparty has open invoices in the
// entry's own currency: a wide FX tolerance must not pull a payment away
// from the invoices it more likely pays.
func (g *engine) byConvertedAmount(e *entry) {
	var near []*item
	var f fit
	own := false
	for _, it := range g.candidates(e) {
		if it.Currency == e.Currency {
			own = true
		} else if fi := g.fitOne(e, it); fi.kind == "fx" {
			near, f = append(near, it), fi
		}
	}
	switch {
	case own && len(near) > 0:
		e.stop(fmt.Sprintf("an open invoice in %s is within the FX tolerance, but the counterparty has open invoices in %s too", near[0].Currency, e.Currency))
	case len(near) == 1:
		g.allocate(e, near[0], f, MethodFX, 0.75)
	case len(near) > 1:
		e.stop(fmt.Sprintf("%d open invoices of the counterparty are within the FX tolerance of this amount", len(near)))
	}
}

type subset struct {
	its   []*item
	exact bool
}

// fxFits counts the open candidates in another currency than the entry's
// that it makes within the FX tolerance.
func (g *engine) fxFits(e *entry) int {
	n := 0
	for _, it := range g.candidates(e) {
		if it.Currency != e.Currency && g.fitOne(e, it).kind == "fx" {
			n++
		}
	}
	return n
}

// maxSolutions bounds the subsets collected for one entry; reaching it
// means the amount is too common to choose.
const maxSolutions = 16

// searchSubsets finds sets of 2 to SubsetMaxItems open candidates (with
// window false: open items of the counterparty whatever their due date) in
// the entry's currency whose open amounts make the entry's amount exactly or
// within the charges tolerance, best first (see cmpSubset). exhausted says
// the search stopped on its budget or on maxSolutions.
func (g *engine) searchSubsets(e *entry, window bool) (sols []subset, exhausted bool) {
	if g.cfg.SubsetMaxItems < 2 {
		return nil, false
	}
	var pool []*item
	for _, it := range g.candidates(e) {
		if it.Currency == e.Currency {
			pool = append(pool, it)
		}
	}
	if !window {
		pool = pool[:0]
		for _, it := range g.items {
			if it.Direction == e.dir && it.open.Sign() > 0 && it.Currency == e.Currency && g.sameParty(e, it) {
				pool = append(pool, it)
			}
		}
		slices.SortStableFunc(pool, byDue)
	}
	if len(pool) < 2 {
		return nil, false
	}
	target := e.abs
	budget := g.cfg.SubsetBudget
	var pick []*item
	var walk func(start int, sum decimal.Decimal)
	walk = func(start int, sum decimal.Decimal) {
		for i := start; i < len(pool) && !exhausted; i++ {
			if budget--; budget < 0 || len(sols) >= maxSolutions {
				exhausted = true
				return
			}
			s := sum.Add(pool[i].open)
			diff := s.Sub(target)
			if diff.Sign() > 0 && diff.GreaterThan(g.chargesTolerance(e.Currency, s)) {
				continue
			}
			pick = append(pick, pool[i])
			if len(pick) >= 2 && diff.Sign() >= 0 {
				sols = append(sols, subset{its: slices.Clone(pick), exact: diff.IsZero()})
			}
			if len(pick) < g.cfg.SubsetMaxItems {
				walk(i+1, s)
			}
			pick = pick[:len(pick)-1]
		}
	}
	walk(0, decimal.Zero)
	slices.SortStableFunc(sols, cmpSubset)
	return sols, exhausted
}

func (g *engine) bySubset(e *entry) {
	sols, exhausted := g.searchSubsets(e, true)
	if len(sols) == 0 {
		if exhausted {
			e.stop("the search for invoices that together make the amount ran out of budget")
		}
		return
	}
	e.res.Suggestions = nil
	for i := 0; i < len(sols) && i < 3; i++ {
		e.res.Suggestions = append(e.res.Suggestions, subsetSuggestion(sols[i]))
	}
	switch {
	case exhausted:
		e.stop("the search for invoices that together make the amount did not finish")
	case len(sols) > 1 && cmpSubset(sols[0], sols[1]) == 0:
		e.stop(fmt.Sprintf("%d sets of invoices of the counterparty make this amount equally well", len(sols)))
	case !sols[0].exact && len(sols) > 1:
		e.stop("no set of invoices makes the amount exactly and several come within the tolerance")
	case !sols[0].exact && g.fxFits(e) > 0:
		e.stop("a set of invoices comes within the charges tolerance and an invoice in another currency within the FX tolerance")
	default:
		best := sols[0]
		sum := decimal.Zero
		for _, it := range best.its {
			sum = sum.Add(it.open)
		}
		f, _ := g.fitSum(e, e.Currency, sum)
		e.res.Suggestions = nil
		g.allocateAll(e, best.its, f, MethodSubset, 0.85)
	}
}

// cmpSubset orders subsets: exact before within tolerance, fewer items,
// then older due dates.
func cmpSubset(a, b subset) int {
	if a.exact != b.exact {
		if a.exact {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(len(a.its), len(b.its)); c != 0 {
		return c
	}
	for i := range a.its {
		if c := cmp.Compare(a.its[i].DueDate.Time().Unix(), b.its[i].DueDate.Time().Unix()); c != 0 {
			return c
		}
	}
	return 0
}

func subsetSuggestion(s subset) Suggestion {
	sg := Suggestion{Score: 60, Reasons: []string{fmt.Sprintf("%d open invoices of the counterparty add up to the amount", len(s.its))}}
	if !s.exact {
		sg.Reasons[0] += " within the charges tolerance"
	}
	for _, it := range s.its {
		sg.ItemIDs = append(sg.ItemIDs, it.ID)
	}
	return sg
}

// suggest ranks up to three single items for an entry left unmatched,
// after any subsets already suggested.
func (g *engine) suggest(e *entry) {
	if e.res.Reason == "" {
		e.res.Reason = "no invoice matches by reference, amount or a set of invoices"
	}
	type cand struct {
		it      *item
		score   int
		reasons []string
	}
	var cs []cand
	for _, it := range g.items {
		if it.Direction != e.dir {
			continue
		}
		c := cand{it: it}
		if slices.Contains(e.refs, it) {
			c.score += 50
			c.reasons = append(c.reasons, e.refHow+" names it")
		}
		if it.open.Sign() <= 0 && c.score == 0 {
			continue
		}
		if it.open.Sign() <= 0 {
			c.reasons = append(c.reasons, "already reconciled")
		}
		if g.sameParty(e, it) {
			c.score += 30
			c.reasons = append(c.reasons, "same counterparty")
		} else if g.counterpartyConflict(e, it) && c.score > 0 {
			c.reasons = append(c.reasons, "the payer's account differs from the one on file")
		}
		if v, _, ok := g.value(e, it.Currency); ok && it.open.Sign() > 0 {
			diff := it.open.Sub(v).Abs()
			switch {
			case diff.IsZero():
				c.score += 30
				c.reasons = append(c.reasons, "same amount")
			case diff.LessThanOrEqual(it.open.Div(decimal.NewFromInt(10))):
				c.score += 15
				c.reasons = append(c.reasons, fmt.Sprintf("amount differs by %s %s", diff.StringFixed(int32(it.Currency.MinorUnits())), it.Currency))
			case v.LessThan(it.open) && c.score >= 30:
				c.score += 5
				c.reasons = append(c.reasons, "could be a partial payment")
			}
		}
		if c.score < 30 {
			continue
		}
		if g.inWindow(e, it) {
			c.score += 10
			c.reasons = append(c.reasons, "due date within the window")
		}
		cs = append(cs, c)
	}
	slices.SortStableFunc(cs, func(a, b cand) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return byDue(a.it, b.it)
	})
	for _, c := range cs {
		if len(e.res.Suggestions) >= 3 {
			break
		}
		e.res.Suggestions = append(e.res.Suggestions, Suggestion{ItemIDs: []string{c.it.ID}, Score: c.score, Reasons: c.reasons})
	}
}
