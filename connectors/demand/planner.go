package demand

import (
	"context"
	"errors"

	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/procurehub/procurehub/internal/validation/catalog"
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
	return newPlanner(opts, nil)
}

// NewLivePlanner is NewPlanner with the catalog taken from current at
// every Plan, in place of opts.Catalog: a live catalog's Current, so that
// a file is planned against the items imported a moment before it. While
// current returns nil (no catalog yet), every line is unplanned: no
// catalog item has its SKU.
func NewLivePlanner(opts ordering.Options, current func() *catalog.Catalog) (Planner, error) {
	if current == nil {
		return nil, errors.New("demand: a live planner needs its catalog")
	}
	return newPlanner(opts, current)
}

func newPlanner(opts ordering.Options, current func() *catalog.Catalog) (Planner, error) {
	check := opts
	if current != nil {
		check.Catalog = emptyCatalog
	}
	if _, err := ordering.New(check); err != nil {
		return nil, err
	}
	return &optionsPlanner{opts: opts, current: current}, nil
}

// emptyCatalog is the catalog of a live planner before there is one.
var emptyCatalog, _ = catalog.New(nil, nil, nil)

type optionsPlanner struct {
	opts    ordering.Options
	current func() *catalog.Catalog
}

func (p *optionsPlanner) Plan(ctx context.Context, lines []ordering.DemandLine, numbers ordering.Numbers) (ordering.Plan, error) {
	opts := p.opts
	opts.Numbers = numbers
	if p.current != nil {
		opts.Catalog = p.current()
		if opts.Catalog == nil {
			opts.Catalog = emptyCatalog
		}
	}
	pl, err := ordering.New(opts)
	if err != nil {
		return ordering.Plan{}, err
	}
	return pl.Plan(ctx, lines)
}
