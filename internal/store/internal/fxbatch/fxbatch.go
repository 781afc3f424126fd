// Package fxbatch prepares an UpsertFXRates batch the same way for every
// store.
package fxbatch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/fxrates"
	"github.com/procurehub/procurehub/internal/store"
)

// Prepare checks rates as fxrates.Table.Add does, drops EUR (1 per
// EUR by definition), keeps the last rate of each (date, currency) and
// sorts them by key.
func Prepare(rates []fxrates.Rate) ([]fxrates.Rate, error) {
	type key struct {
		date canonical.Date
		cur  canonical.Currency
	}
	last := make(map[key]int, len(rates))
	for i, r := range rates {
		if err := check(r); err != nil {
			return nil, fmt.Errorf("%w: rate %d: %s", store.ErrInvalid, i, err)
		}
		if r.Currency != "EUR" {
			last[key{r.Date, r.Currency}] = i
		}
	}
	out := make([]fxrates.Rate, 0, len(last))
	for i, r := range rates {
		if j, ok := last[key{r.Date, r.Currency}]; ok && j == i {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b fxrates.Rate) int {
		if c := a.Date.Time().Compare(b.Date.Time()); c != 0 {
			return c
		}
		return strings.Compare(string(a.Currency), string(b.Currency))
	})
	return out, nil
}

// check says why r cannot be stored, or returns nil.
func check(r fxrates.Rate) error {
	switch {
	case !r.Date.Valid():
		return fmt.Errorf("%q is not a calendar date", r.Date.String())
	case !r.Currency.Valid():
		return fmt.Errorf("%q is not an ISO 4217 currency", string(r.Currency))
	case r.PerEUR.Sign() <= 0:
		return fmt.Errorf("%s rate %s on %s is not positive", r.Currency, r.PerEUR, r.Date)
	case int64(r.PerEUR.NumDigits())+int64(r.PerEUR.Exponent()) > 64 || -int64(r.PerEUR.Exponent()) > 64:
		return fmt.Errorf("%s rate on %s has too many digits", r.Currency, r.Date)
	case r.Currency == "EUR" && !r.PerEUR.Equal(canonical.MustDecimal("1")):
		return fmt.Errorf("EUR rate %s on %s: EUR is 1 per 1 EUR", r.PerEUR, r.Date)
	}
	return nil
}
