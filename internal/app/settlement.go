package app

import (
	"cmp"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/settlement/approval"
	"github.com/procurehub/procurehub/internal/settlement/match"
	"github.com/procurehub/procurehub/internal/settlement/reconcile"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/pipelines"
)

// newSettlement builds finance's side from the config: nil when it is not
// enabled. Every part's own Validate runs here, so `config check` and
// `procurehub run` refuse what settlement could not work with.
func newSettlement(cfg *config.App, st pipelines.SettlementStore, pub message.Publisher, log *slog.Logger) (*pipelines.Settlement, error) {
	c := cfg.Settlement
	if !c.Enabled {
		return nil, nil
	}
	sc, err := SettlementConfig(c)
	if err != nil {
		return nil, err
	}
	return &pipelines.Settlement{Store: st, Pub: pub, Config: sc, Logger: log}, nil
}

// SettlementConfig turns the settlement section into the packages' own
// settings, with the defaults of each for what is left out.
func SettlementConfig(c config.Settlement) (pipelines.SettlementConfig, error) {
	sc := pipelines.SettlementConfig{
		HomeCurrency:         cmp.Or(c.HomeCurrency, canonical.Currency("EUR")),
		CostOfCapitalPercent: c.CostOfCapitalPercent,
		Tolerances:           match.DefaultTolerances(),
		Risk:                 risk.DefaultConfig(),
		Reconcile:            reconcile.DefaultConfig(),
	}
	if sc.CostOfCapitalPercent.IsZero() {
		sc.CostOfCapitalPercent = canonical.MustDecimal("8")
	}
	tol := func(t config.MatchTolerance) match.Tolerance {
		return match.Tolerance{QuantityPercent: t.QuantityPercent, UnitPricePercent: t.UnitPricePercent, Amount: t.Amount}
	}
	if c.Tolerances.Default != (config.MatchTolerance{}) {
		sc.Tolerances.Default = tol(c.Tolerances.Default)
	}
	for id, t := range c.Tolerances.BySupplier {
		if sc.Tolerances.BySupplier == nil {
			sc.Tolerances.BySupplier = map[string]match.Tolerance{}
		}
		sc.Tolerances.BySupplier[id] = tol(t)
	}
	if err := sc.Tolerances.Validate(); err != nil {
		return sc, fmt.Errorf("settlement.tolerances: %w", err)
	}
	a := c.Approval
	sc.Approval = approval.Policy{
		Currency:    cmp.Or(a.Currency, sc.HomeCurrency),
		SingleLimit: a.SingleLimit,
		DualLimit:   a.DualLimit,
		Senior:      a.Senior,
	}
	if err := sc.Approval.Validate(); err != nil {
		return sc, fmt.Errorf("settlement.approval: %w", err)
	}
	r := c.Risk
	if r.MinHistory > 0 {
		sc.Risk.MinHistory = r.MinHistory
	}
	if r.OutlierFactor > 0 {
		sc.Risk.OutlierFactor = r.OutlierFactor
	}
	if r.SplitWindowDays > 0 {
		sc.Risk.SplitWindowDays = r.SplitWindowDays
	}
	// An invoice split to stay under the single approval limit is what the
	// split check looks for.
	if sc.Approval.SingleLimit.IsPositive() {
		sc.Risk.ApprovalLimit, sc.Risk.LimitCurrency = sc.Approval.SingleLimit, sc.Approval.Currency
	}
	return sc, nil
}
