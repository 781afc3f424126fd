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
	"github.com/procurehub/procurehub/connectors/demand"
	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/notify"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/procurehub/procurehub/internal/warnings"
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
	return buildValidator(cfg, func() *catalog.Catalog { return cat }, nil)
}

// OrderLookups are the store's answers the duplicate and capacity rules need.
type OrderLookups interface {
	validation.OrderIndex
	catalog.Commitments
}

// buildValidator returns the order validator of cfg. current is called
// once per order: the order is checked against the catalog it returns (a
// live catalog's Current), all of it against that one catalog.
func buildValidator(cfg *config.App, current func() *catalog.Catalog, lookups OrderLookups) (pipelines.OrderValidator, error) {
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
	opts := validation.Options{}
	if lookups != nil {
		opts.Orders, opts.Commitments = lookups, notThisOrder{lookups}
	}
	vals := &validators{current: current, build: func(cat *catalog.Catalog) (*validation.Validator, error) {
		o := opts
		o.Catalog = cat
		return validation.New(rules, o)
	}}
	if _, err := vals.get(); err != nil {
		return nil, err
	}
	return func(ctx context.Context, o *canonical.Order) (pipelines.Findings, error) {
		ctx = context.WithValue(ctx, validatedOrder{}, o)
		val, err := vals.get()
		if err != nil {
			return pipelines.Findings{}, err
		}
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

// validators keeps the validator of the current catalog: a new one is
// built when the catalog was swapped, so a validator never sees two
// catalogs and validation.Options stays a plain value.
type validators struct {
	current func() *catalog.Catalog
	build   func(*catalog.Catalog) (*validation.Validator, error)

	mu  sync.Mutex
	cat *catalog.Catalog
	val *validation.Validator
}

func (v *validators) get() (*validation.Validator, error) {
	cat := v.current()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.val != nil && v.cat == cat {
		return v.val, nil
	}
	val, err := v.build(cat)
	if err != nil {
		return nil, err
	}
	v.cat, v.val = cat, val
	return val, nil
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
	// current returns the catalog to plan with, taken once per plan.
	current func() *catalog.Catalog
	pub     message.Publisher
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
	opts := orderingOptions(d.cfg, d.committed)
	opts.Catalog, opts.Numbers = d.current(), numbers
	p, err := ordering.New(opts)
	if err != nil {
		return ordering.Plan{}, err
	}
	plan, err := p.Plan(ctx, lines)
	if err != nil || !create {
		return plan, err
	}
	return plan, pipelines.PublishOrders(d.pub, "demand", plan.Orders)
}

// liveCatalog is the catalog file of cfg overlaid with the store's catalog
// items, refreshed once here and then by the catalog sink after each
// change. current returns its catalog, or nil while it knows no supplier
// (no catalog file, nothing imported): without a catalog the catalog
// rules find nothing, rather than every supplier being unknown.
func liveCatalog(ctx context.Context, cfg *config.App, st api.CatalogReader) (live *catalog.Live, current func() *catalog.Catalog, err error) {
	base, err := loadCatalog(cfg)
	if err != nil {
		return nil, nil, err
	}
	live = catalog.NewLive(base, func(ctx context.Context) ([]canonical.CatalogItem, error) { return allCatalogItems(ctx, st) })
	if err := live.Refresh(ctx); err != nil {
		return nil, nil, fmt.Errorf("supplier catalog: %w", err)
	}
	current = func() *catalog.Catalog {
		c := live.Current()
		if len(c.Suppliers()) == 0 {
			return nil
		}
		return c
	}
	return live, current, nil
}

// CatalogStore is what the live catalog reads and the catalog sink writes.
type CatalogStore interface {
	api.CatalogReader
	pipelines.CatalogWriter
}

// allCatalogItems reads every stored catalog item, page by page.
func allCatalogItems(ctx context.Context, st api.CatalogReader) ([]canonical.CatalogItem, error) {
	var out []canonical.CatalogItem
	f := store.CatalogFilter{Limit: store.MaxLimit}
	for {
		page, next, err := st.CatalogItems(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, it := range page {
			out = append(out, *it.Item)
		}
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// catalogImporter takes the catalog items posted to the API the way a
// price list file's go: published to procurehub.catalog.v1 as partner
// "api", stored by the catalog sink, which refreshes the live catalog.
// It then waits, up to wait, until the live catalog holds them.
type catalogImporter struct {
	pub  message.Publisher
	live *catalog.Live
	wait time.Duration
}

// catalogAPIPartner is the partner of catalog items posted to the API.
const catalogAPIPartner = "api"

func (c *catalogImporter) ImportCatalogItems(ctx context.Context, items []canonical.CatalogItem) (bool, error) {
	if err := pipelines.PublishCatalogItems(c.pub, catalogAPIPartner, items); err != nil {
		return false, err
	}
	wait := c.wait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !c.live.Holds(items) {
		select {
		case <-ctx.Done():
			return false, nil // published: it is applied all the same
		case <-deadline.C:
			return false, nil
		case <-tick.C:
		}
	}
	return true, nil
}

// DemandPlanner is the planner of demand partners, from the config's
// ordering section: it plans each file with the catalog current returns
// (the live catalog), or, with a nil current (config check), with the
// catalog file alone; committed is the capacity already ordered (the
// store; nil for none). Nil when ordering is off (no ordering.buyer_id).
func DemandPlanner(cfg *config.App, current func() *catalog.Catalog, committed catalog.Commitments) (demand.Planner, error) {
	if cfg.Ordering.BuyerID == "" {
		return nil, nil
	}
	opts := orderingOptions(cfg.Ordering, committed)
	if current != nil {
		return demand.NewLivePlanner(opts, current)
	}
	cat, err := loadCatalog(cfg)
	if err != nil {
		return nil, err
	}
	opts.Catalog = cat
	return demand.NewPlanner(opts)
}

// LoadWarnings reads the early-warning rules of cfg: nil when warnings are
// off, the built-in defaults without a rules file. Errors name the file,
// line and column.
func LoadWarnings(cfg *config.App) (*warnings.Config, error) {
	w := cfg.Warnings
	if !w.Enabled {
		return nil, nil
	}
	if w.Rules == "" {
		return &warnings.Config{}, nil
	}
	c, err := warnings.LoadConfigFile(configPath(cfg, w.Rules), os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("warning rules: %w", err)
	}
	return c, nil
}

// LoadNotifications reads the notifications file of cfg: nil without one.
// Errors name the file, line and column; a secret missing from the
// environment is an error too.
func LoadNotifications(cfg *config.App) (*notify.Config, error) {
	if cfg.Notifications == "" {
		return nil, nil
	}
	c, err := notify.LoadFile(configPath(cfg, cfg.Notifications), os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	return c, nil
}

// orderingOptions are the planner options of the config's ordering
// section: the buyer orders are made for and how a supplier is picked;
// committed is the capacity already ordered (nil for none).
func orderingOptions(cfg config.Ordering, committed catalog.Commitments) ordering.Options {
	return ordering.Options{Commitments: committed, Preference: ordering.Preference(cfg.Preference),
		Buyer: canonical.Party{ID: cfg.BuyerID, Name: cfg.BuyerName}}
}
