package fxrates

import (
	"fmt"
	"sync"

	"github.com/procurehub/procurehub/canonical"
	"github.com/shopspring/decimal"
)

// MissingRateError says that a Table has no rate for a currency on a date:
// a weekend, a TARGET holiday, a date outside the loaded file, or a
// currency the ECB does not publish (KWD, AED...). Conversions never fall
// back to another date on their own; RateOnOrBefore does, when asked.
type MissingRateError struct {
	Currency canonical.Currency
	Date     canonical.Date
	// MaxDays is how many days before Date RateOnOrBefore looked at too;
	// 0 for Rate and Convert.
	MaxDays int
}

func (e *MissingRateError) Error() string {
	if e.MaxDays > 0 {
		return fmt.Sprintf("fxrates: no %s rate on %s or the %d days before", e.Currency, e.Date, e.MaxDays)
	}
	return fmt.Sprintf("fxrates: no %s rate for %s", e.Currency, e.Date)
}

// one is EUR's rate per 1 EUR.
var one = canonical.MustDecimal("1")

type key struct {
	date canonical.Date
	cur  canonical.Currency
}

// Table holds reference rates by date and currency. It is safe for
// concurrent use; the zero Table is empty and ready. A Table must not be
// copied after first use.
type Table struct {
	mu       sync.RWMutex
	rates    map[key]canonical.Decimal
	earliest canonical.Date // the earliest and latest dates with a rate, to bound RateOnOrBefore
	latest   canonical.Date
}

// NewTable returns an empty Table.
func NewTable() *Table { return &Table{} }

// Add stores r, replacing the rate held for the same date and currency (the
// daily file and the history publish the same figures). It refuses an
// invalid date or currency, a rate for EUR other than 1, and a rate that is
// not positive, so that lookups never divide by zero.
func (t *Table) Add(r Rate) error {
	if !r.Date.Valid() {
		return fmt.Errorf("fxrates: add: %q is not a calendar date", r.Date.String())
	}
	if !r.Currency.Valid() {
		return fmt.Errorf("fxrates: add: %q is not an ISO 4217 currency", string(r.Currency))
	}
	if r.PerEUR.Sign() <= 0 {
		return fmt.Errorf("fxrates: add: %s rate %s on %s is not positive", r.Currency, r.PerEUR, r.Date)
	}
	if r.Currency == "EUR" {
		if !r.PerEUR.Equal(one) {
			return fmt.Errorf("fxrates: add: EUR rate %s on %s: EUR is 1 per 1 EUR", r.PerEUR, r.Date)
		}
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rates == nil {
		t.rates = make(map[key]canonical.Decimal)
	}
	t.rates[key{r.Date, r.Currency}] = r.PerEUR
	if t.earliest.IsZero() || r.Date.Before(t.earliest) {
		t.earliest = r.Date
	}
	if t.latest.Before(r.Date) {
		t.latest = r.Date
	}
	return nil
}

// Len reports how many rates the Table holds.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.rates)
}

// Rate returns the units of c per 1 EUR on date, as published. EUR is 1 on
// every date. No rate for that exact date is a *MissingRateError.
func (t *Table) Rate(date canonical.Date, c canonical.Currency) (canonical.Decimal, error) {
	if err := checkArgs(date, c); err != nil {
		return canonical.Decimal{}, err
	}
	if c == "EUR" {
		return one, nil
	}
	t.mu.RLock()
	v, ok := t.rates[key{date, c}]
	t.mu.RUnlock()
	if !ok {
		return canonical.Decimal{}, &MissingRateError{Currency: c, Date: date}
	}
	return v, nil
}

// RateOnOrBefore returns the rate of c on date or, when there is none, on
// the latest of the maxDays days before it, with the date actually used.
// It is for callers that accept the last published rate (over a weekend,
// maxDays 3; over Easter, 4); maxDays 0 is Rate. Nothing within the window
// is a *MissingRateError with MaxDays set.
func (t *Table) RateOnOrBefore(date canonical.Date, c canonical.Currency, maxDays int) (canonical.Decimal, canonical.Date, error) {
	if err := checkArgs(date, c); err != nil {
		return canonical.Decimal{}, canonical.Date{}, err
	}
	if maxDays < 0 {
		return canonical.Decimal{}, canonical.Date{}, fmt.Errorf("fxrates: maxDays %d is negative", maxDays)
	}
	if c == "EUR" {
		return one, date, nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	// Walk back from date, or from the latest date held when date is later,
	// to the earliest date held at most: a window of a million days over a
	// table of three costs three lookups.
	day, i := date.Time(), 0
	if !t.latest.IsZero() && t.latest.Before(date) {
		i = int((date.Time().Unix() - t.latest.Time().Unix()) / 86400) // not Sub: it saturates at 292 years
		day = t.latest.Time()
	}
	for ; i <= maxDays && !t.earliest.IsZero(); i++ {
		d := canonical.DateOf(day)
		if d.Before(t.earliest) {
			break
		}
		if v, ok := t.rates[key{d, c}]; ok {
			return v, d, nil
		}
		day = day.AddDate(0, 0, -1)
	}
	return canonical.Decimal{}, canonical.Date{}, &MissingRateError{Currency: c, Date: date, MaxDays: maxDays}
}

// Convert converts amount from one currency to another with the rates of
// date, through the euro: amount / rate(from) × rate(to), EUR being 1. The
// result is rounded once, at the end, to the minor units of to (JPY 0,
// EUR 2, KWD 3) with commercial rounding, half away from zero, as
// canonical.Money.Round does; it has exactly that scale ("108.12").
//
// The exact quotient is computed as amount × rate(to) / rate(from) with one
// division carried to enough places that rounding it gives the same result
// as rounding the exact rational value (see divPlaces). A missing rate for
// either currency on date is a *MissingRateError; there is no fallback to
// another date. A target currency without minor units (XAU, XDR) is an
// error: there is no scale to round to.
func (t *Table) Convert(amount canonical.Decimal, from, to canonical.Currency, date canonical.Date) (canonical.Decimal, error) {
	if !to.HasMinorUnits() && to.Valid() {
		return canonical.Decimal{}, fmt.Errorf("fxrates: convert to %s: the currency has no minor unit to round to", to)
	}
	rFrom, err := t.Rate(date, from)
	if err != nil {
		return canonical.Decimal{}, err
	}
	rTo, err := t.Rate(date, to)
	if err != nil {
		return canonical.Decimal{}, err
	}
	num := amount.Decimal.Mul(rTo.Decimal)
	q := num.DivRound(rFrom.Decimal, divPlaces(num, rFrom.Decimal, to.MinorUnits()))
	return canonical.Money{Amount: canonical.NewDecimal(q), Currency: to}.Round().Amount, nil
}

// minDivPlaces is the least number of places a conversion divides to.
const minDivPlaces = 16

// divPlaces is how many places num / den must be carried to so that
// rounding the result to minor places gives what rounding the exact value
// would. With num = N / 10^a and den = R / 10^r (N, R integers), the exact
// quotient is a fraction whose denominator divides R × 10^a, and a rounding
// boundary (a half of the last minor place) is m / (2 × 10^minor). A
// quotient that is not on a boundary is at least 1 / (2 × 10^minor × R ×
// 10^a) away from it; dividing to P places errs by at most 10^-P / 2, which
// is smaller when P > minor + a + digits(R). A quotient on a boundary has a
// finite expansion of at most minor+1 places and comes out exact. So the
// one rounding at the end is the only one that counts.
func divPlaces(num, den decimal.Decimal, minor int) int32 {
	a := int64(0)
	if e := num.Exponent(); e < 0 {
		a = -int64(e)
	}
	p := int64(minor) + a + int64(den.NumDigits()) + 1
	if p < minDivPlaces {
		return minDivPlaces
	}
	return int32(p)
}

func checkArgs(date canonical.Date, c canonical.Currency) error {
	if !date.Valid() {
		return fmt.Errorf("fxrates: %q is not a calendar date", date.String())
	}
	if !c.Valid() {
		if _, err := canonical.ParseCurrency(string(c)); err != nil {
			return fmt.Errorf("fxrates: %w", err)
		}
		return fmt.Errorf("fxrates: %q is not written as an ISO 4217 code", string(c))
	}
	return nil
}
