package demand

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

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

// ErrNoPlanner is what a Deferred planner returns before it is set: the
// runtime leaves the file in the inbox and takes it again at the next poll.
var ErrNoPlanner = errors.New("demand: the demand planner is not ready yet")

// Deferred is a Planner set once it exists. The binary registers its
// connector kinds before it has loaded the catalog and opened the store
// the planner needs: it registers Kind(d) with a Deferred d and calls
// d.Set when the planner is built. Until then Plan returns ErrNoPlanner.
// The zero Deferred is ready to use.
type Deferred struct {
	p atomic.Pointer[Planner]
}

// Set makes p the planner; a nil p unsets it.
func (d *Deferred) Set(p Planner) {
	if p == nil {
		d.p.Store(nil)
		return
	}
	d.p.Store(&p)
}

// Plan plans with the planner set, or returns ErrNoPlanner.
func (d *Deferred) Plan(ctx context.Context, lines []ordering.DemandLine, numbers ordering.Numbers) (ordering.Plan, error) {
	p := d.p.Load()
	if p == nil {
		return ordering.Plan{}, fmt.Errorf("%w: the config needs ordering.buyer_id and validation.catalog", ErrNoPlanner)
	}
	return (*p).Plan(ctx, lines, numbers)
}
