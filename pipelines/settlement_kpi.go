package pipelines

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// SettlementKPIs are finance's figures, computed from what the store
// recorded of each invoice and bank entry:
//
//   - the settlement cycle of a paid invoice runs from its invoice date
//     (else the day the hub received it) to the value date of the payment
//     that completed it, in days;
//   - the match rate is the share of matched invoices whose three-way match
//     passed (matched, within tolerance or overridden);
//   - the auto-match rate is the share of reconciled invoices that the
//     reconciler settled with no person's help;
//   - the entry match rate is the share of bank entries matched,
//     automatically or by hand (ignored entries are not counted).
type SettlementKPIs struct {
	Invoices        int      `json:"invoices"`
	Matched         int      `json:"matched"`  // passed the three-way match
	Mismatch        int      `json:"mismatch"` // blocked by it
	MatchRate       *float64 `json:"match_rate"`
	Reconciled      int      `json:"reconciled"`
	Partial         int      `json:"partially_reconciled"`
	AutoReconciled  int      `json:"auto_reconciled"`
	AutoMatchRate   *float64 `json:"auto_match_rate"`
	Entries         int      `json:"bank_entries"`
	EntriesMatched  int      `json:"bank_entries_matched"`
	EntriesManual   int      `json:"bank_entries_manual"`
	EntriesOpen     int      `json:"bank_entries_unmatched"`
	EntryMatchRate  *float64 `json:"bank_entry_match_rate"`
	SettlementCycle Cycle    `json:"settlement_cycle_days"`
}

// Cycle summarises durations in days; nil fields when there were none.
type Cycle struct {
	Count  int      `json:"count"`
	Mean   *float64 `json:"mean"`
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
}

// KPIs computes the settlement KPIs over invoices received in [from, to)
// (zero times leave that side open) and every bank entry.
func (s *Settlement) KPIs(ctx context.Context, from, to time.Time) (*SettlementKPIs, error) {
	invoices, err := s.allInvoices(ctx, store.InvoiceFilter{})
	if err != nil {
		return nil, err
	}
	k := &SettlementKPIs{}
	var cycles []float64
	for _, si := range invoices {
		if (!from.IsZero() && si.CreatedAt.Before(from)) || (!to.IsZero() && !si.CreatedAt.Before(to)) {
			continue
		}
		k.Invoices++
		switch si.MatchStatus {
		case store.InvoiceMatched, store.InvoiceWithinTolerance, store.InvoiceOverridden:
			k.Matched++
		case store.InvoiceMismatch:
			k.Mismatch++
		}
		switch si.Settlement {
		case store.SettlementReconciled:
			k.Reconciled++
			if si.AutoMatched {
				k.AutoReconciled++
			}
			if si.PaidAt != nil {
				start := si.CreatedAt
				if d := si.Invoice.InvoiceDate; !d.IsZero() {
					start = d.Time()
				}
				cycles = append(cycles, max(0, si.PaidAt.Sub(start).Hours()/24))
			}
		case store.SettlementPartial:
			k.Partial++
		}
	}
	k.MatchRate = ratio(k.Matched, k.Matched+k.Mismatch)
	k.AutoMatchRate = ratio(k.AutoReconciled, k.Reconciled)
	k.SettlementCycle = cycleOf(cycles)

	entries, err := s.allEntries(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		switch e.Status {
		case store.EntryMatched:
			k.EntriesMatched++
		case store.EntryManual:
			k.EntriesManual++
		case store.EntryUnmatched:
			k.EntriesOpen++
		default:
			continue
		}
		k.Entries++
	}
	k.EntryMatchRate = ratio(k.EntriesMatched+k.EntriesManual, k.Entries)
	return k, nil
}

// allInvoices reads every invoice of a filter.
func (s *Settlement) allInvoices(ctx context.Context, f store.InvoiceFilter) ([]store.StoredInvoice, error) {
	out, _, err := s.listInvoices(ctx, f, 0)
	return out, err
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := math.Round(float64(n)/float64(d)*10000) / 10000
	return &r
}

func cycleOf(days []float64) Cycle {
	c := Cycle{Count: len(days)}
	if len(days) == 0 {
		return c
	}
	slices.Sort(days)
	var sum float64
	for _, d := range days {
		sum += d
	}
	round := func(v float64) *float64 { r := math.Round(v*10) / 10; return &r }
	c.Mean = round(sum / float64(len(days)))
	c.Median = round(days[len(days)/2])
	c.P90 = round(days[min(len(days)-1, int(math.Ceil(0.9*float64(len(days))))-1)])
	return c
}
