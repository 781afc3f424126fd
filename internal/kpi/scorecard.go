package kpi

import (
	"cmp"
	"slices"
)

// Scorecard is one supplier's or logistics provider's KPIs with its place
// among its peers.
type Scorecard struct {
	Group
	// Rank is the 1-based place, best first.
	Rank int `json:"rank"`
	// Grade is "A" (on time ≥ 95% and error rate ≤ 2%), "B" (on time
	// ≥ 85%), "C" otherwise, "" without a delivery to judge by.
	Grade string `json:"grade"`
}

// The grade thresholds.
const (
	gradeAOnTime    = 0.95
	gradeAErrorRate = 0.02
	gradeBOnTime    = 0.85
)

// Scorecards grades the groups of dimension d, meant for BySupplier
// (suppliers) and ByCarrier (logistics providers), best first: by grade,
// then on-time rate, then key. The query's own GroupBy is ignored; ByNone
// gives no scorecards.
func Scorecards(in Inputs, q Query, d Dimension) []Scorecard {
	q.GroupBy = d
	r := Compute(in, q)
	cards := make([]Scorecard, 0, len(r.Groups))
	for _, g := range r.Groups {
		cards = append(cards, Scorecard{Group: g, Grade: grade(g)})
	}
	slices.SortFunc(cards, func(a, b Scorecard) int {
		return cmp.Or(
			cmp.Compare(gradeOrder(a.Grade), gradeOrder(b.Grade)),
			cmp.Compare(orZero(b.OnTimeRate), orZero(a.OnTimeRate)), // higher first
			cmp.Compare(a.Key, b.Key),
		)
	})
	for i := range cards {
		cards[i].Rank = i + 1
	}
	return cards
}

func grade(g Group) string {
	switch {
	case g.OnTimeRate == nil:
		return ""
	case *g.OnTimeRate >= gradeAOnTime && g.ErrorRate != nil && *g.ErrorRate <= gradeAErrorRate:
		return "A"
	case *g.OnTimeRate >= gradeBOnTime:
		return "B"
	}
	return "C"
}

// gradeOrder puts the ungraded last: nothing is known of them yet.
func gradeOrder(g string) int {
	if g == "" {
		return 4
	}
	return int(g[0] - 'A')
}

func orZero(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
