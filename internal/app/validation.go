package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/procurehub/procurehub/pipelines"
)

// loadCatalog reads the supplier catalog of cfg; nil without one.
func loadCatalog(cfg *config.App) (*catalog.Catalog, error) {
	if cfg.Validation.Catalog == "" {
		return nil, nil
	}
	c, err := catalog.LoadFile(configPath(cfg, cfg.Validation.Catalog))
	if err != nil {
		return nil, fmt.Errorf("supplier catalog: %w", err)
	}
	return c, nil
}

func configPath(cfg *config.App, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cfg.Dir, p)
}

// BuildValidator loads the validation rules and catalog of cfg (nil, nil
// when validation is off). Errors name the file, line and column. Without a
// store there are no duplicates and nothing is committed (config check).
func BuildValidator(cfg *config.App) (pipelines.OrderValidator, error) {
	cat, err := loadCatalog(cfg)
	if err != nil {
		return nil, err
	}
	return buildValidator(cfg, cat, nil)
}

// OrderLookups are the store's answers the duplicate and capacity rules need.
type OrderLookups interface {
	validation.OrderIndex
	catalog.Commitments
}

func buildValidator(cfg *config.App, cat *catalog.Catalog, lookups OrderLookups) (pipelines.OrderValidator, error) {
	v := cfg.Validation
	if !v.Enabled {
		return nil, nil
	}
	var rules *validation.Config
	if v.Rules != "" {
		r, err := validation.LoadConfigFile(configPath(cfg, v.Rules), os.LookupEnv)
		if err != nil {
			return nil, fmt.Errorf("validation rules: %w", err)
		}
		rules = r
	}
	opts := validation.Options{Catalog: cat}
	if lookups != nil {
		opts.Orders, opts.Commitments = lookups, notThisOrder{lookups}
	}
	val, err := validation.New(rules, opts)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, o *canonical.Order) (pipelines.Findings, error) {
		ctx = context.WithValue(ctx, validatedOrder{}, o)
		fs, err := val.Validate(ctx, validation.Input{Order: *o})
		if err != nil {
			return pipelines.Findings{}, err
		}
		out := pipelines.Findings{JSON: []byte("[]")}
		if len(fs) > 0 {
			if out.JSON, err = json.Marshal(fs); err != nil {
				return pipelines.Findings{}, err
			}
		}
		for _, f := range fs {
			switch f.Severity {
			case validation.SeverityError:
				if out.Errors == 0 {
					out.First = f.String()
				}
				out.Errors++
			default:
				out.Warnings++
			}
		}
		return out, nil
	}, nil
}

// validatedOrder is the context key of the order being validated.
type validatedOrder struct{}

// notThisOrder answers what is committed without the order being
// validated: it is validated once stored, so the store counts it already.
type notThisOrder struct{ catalog.Commitments }

func (n notThisOrder) Committed(ctx context.Context, supplierID, sku string, from, to canonical.Date) (decimal.Decimal, error) {
	total, err := n.Commitments.Committed(ctx, supplierID, sku, from, to)
	if err != nil {
		return total, err
	}
	o, _ := ctx.Value(validatedOrder{}).(*canonical.Order)
	if o == nil || o.Supplier.ID != supplierID || o.RequestedDeliveryDate.IsZero() ||
		o.RequestedDeliveryDate.Before(from) || to.Before(o.RequestedDeliveryDate) {
		return total, nil
	}
	for _, l := range o.Lines {
		if l.SKU == sku {
			total = total.Sub(l.Quantity.Decimal)
		}
	}
	return decimal.Max(total, decimal.Zero), nil
}

// demandPlanner plans demand with the catalog and publishes the orders it
// creates as partner "demand".
type demandPlanner struct {
	cfg config.Ordering
	cat *catalog.Catalog
	pub message.Publisher
	// committed is the capacity already ordered (the store); nil for none.
	committed catalog.Commitments

	mu   sync.Mutex
	last string // the last number stamp handed out, so two plans never share numbers
}

func (d *demandPlanner) PlanDemand(ctx context.Context, lines []ordering.DemandLine, create bool) (ordering.Plan, error) {
	prefix := d.cfg.Prefix
	if prefix == "" {
		prefix = "PO-"
	}
	numbers := ordering.Sequence("DRY-")
	if create {
		// Created orders get numbers no other plan gets: the time of the
		// plan to the millisecond, made unique in this process.
		d.mu.Lock()
		stamp := time.Now().UTC().Format("20060102-150405.000")
		for stamp <= d.last {
			time.Sleep(time.Millisecond)
			stamp = time.Now().UTC().Format("20060102-150405.000")
		}
		d.last = stamp
		d.mu.Unlock()
		numbers = func(n int, _ *canonical.Order) string { return fmt.Sprintf("%s%s-%04d", prefix, stamp, n) }
	}
	p, err := ordering.New(ordering.Options{Catalog: d.cat, Commitments: d.committed, Preference: ordering.Preference(d.cfg.Preference), Numbers: numbers,
		Buyer: canonical.Party{ID: d.cfg.BuyerID, Name: d.cfg.BuyerName}})
	if err != nil {
		return ordering.Plan{}, err
	}
	plan, err := p.Plan(ctx, lines)
	if err != nil || !create {
		return plan, err
	}
	return plan, pipelines.PublishOrders(d.pub, "demand", plan.Orders)
}
