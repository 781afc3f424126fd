package demand

import (
	"context"

	"github.com/procurehub/procurehub/internal/ordering"
)

// Planner plans demand lines into purchase orders named by numbers. It
// must not create anything: the decoder hands the orders to its sink and
// the runtime publishes, validates and stores them. Implementations are
// safe for concurrent use (two demand partners decode at the same time).
type Planner interface {
	Plan(ctx context.Context, lines []ordering.DemandLine, numbers ordering.Numbers) (ordering.Plan, error)
}

// NewPlanner returns a Planner over the ordering planner with opts (the
// catalog, the commitments, the preference, the buyer); each Plan uses
// the numbers it is given in place of opts.Numbers. The options are
// checked here, so that a bad ordering config fails at start and not at
// the first file.
func NewPlanner(opts ordering.Options) (Planner, error) {
	if _, err := ordering.New(opts); err != nil {
		return nil, err
	}
	return optionsPlanner{opts}, nil
}

type optionsPlanner struct{ opts ordering.Options }

func (p optionsPlanner) Plan(ctx context.Context, lines []ordering.DemandLine, numbers ordering.Numbers) (ordering.Plan, error) {
	opts := p.opts
	opts.Numbers = numbers
	pl, err := ordering.New(opts)
	if err != nil {
		return ordering.Plan{}, err
	}
	return pl.Plan(ctx, lines)
}
