package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/store"
)

// CatalogWriter stores catalog items idempotently. The PostgreSQL and
// SQLite stores satisfy it.
type CatalogWriter interface {
	UpsertCatalogItems(ctx context.Context, partner string, items []*canonical.CatalogItem) ([]store.Change, error)
}

// CatalogRefresher is told when stored catalog items changed: the live
// catalog that validation and the demand planner read reloads them.
type CatalogRefresher interface {
	Refresh(ctx context.Context) error
}

// HandlerStoreCatalog is the catalog sink's handler name.
const HandlerStoreCatalog = "store_catalog"

// CatalogSink stores the items of procurehub.catalog.v1 (partner price
// lists imported from files, items posted to the API) and then refreshes
// the live catalog. Like StoreSink it writes the items of concurrent
// handlers in batches, each handler returning once its item is committed
// and, when the batch changed anything, the catalog refreshed: an order
// validated after that sees the item. The same message delivered twice
// changes nothing and makes no new version.
type CatalogSink struct {
	w       CatalogWriter
	refresh CatalogRefresher
	b       *batcher[partnerItem]
	// stale is set when a refresh failed after a change: the next batch
	// refreshes even when it changes nothing (a redelivery of the same
	// items), so a failed refresh is never forgotten.
	stale atomic.Bool
}

// partnerItem is a catalog item with the partner it came from.
type partnerItem struct {
	partner string
	item    *canonical.CatalogItem
}

// NewCatalogSink returns a sink; call Run to start its batching loop.
// refresh may be nil (nothing reads a live catalog).
func NewCatalogSink(w CatalogWriter, refresh CatalogRefresher, cfg StoreSinkConfig, logger *slog.Logger) *CatalogSink {
	s := &CatalogSink{w: w, refresh: refresh}
	s.b = newBatcher(cfg, logger, "catalog items", s.write, func(pi partnerItem, err error) error {
		return permanentIfInvalid(fmt.Errorf("store catalog item %s of %s: %w", pi.item.SKU, pi.item.Supplier.ID, err))
	})
	return s
}

// Handle is the Watermill handler. A payload that does not decode or
// validate is permanent: it goes to the poison topic with its reason.
func (s *CatalogSink) Handle(msg *message.Message) error {
	var it canonical.CatalogItem
	if err := json.Unmarshal(msg.Payload, &it); err != nil {
		return Permanent(fmt.Errorf("decode catalog item: %w", err))
	}
	if err := it.Validate(); err != nil {
		return Permanent(fmt.Errorf("catalog item %s of %s: %w", it.SKU, it.Supplier.ID, err))
	}
	return s.b.submit(msg.Context(), partnerItem{partner: msg.Metadata.Get(MetaPartner), item: &it})
}

// Run writes the batches until ctx is cancelled.
func (s *CatalogSink) Run(ctx context.Context) error { return s.b.run(ctx) }

func (s *CatalogSink) write(ctx context.Context, batch []partnerItem) error {
	// The store takes one partner per call: write each partner's items.
	byPartner := map[string][]*canonical.CatalogItem{}
	var partners []string
	for _, pi := range batch {
		if _, ok := byPartner[pi.partner]; !ok {
			partners = append(partners, pi.partner)
		}
		byPartner[pi.partner] = append(byPartner[pi.partner], pi.item)
	}
	changed := false
	for _, p := range partners {
		changes, err := s.w.UpsertCatalogItems(ctx, p, byPartner[p])
		if err != nil {
			return err
		}
		for _, c := range changes {
			changed = changed || c != store.ChangeUnchanged
		}
	}
	// The refresh starts after the commit, so it reads what was written.
	if s.refresh == nil || !(s.stale.Swap(false) || changed) {
		return nil
	}
	if err := s.refresh.Refresh(ctx); err != nil {
		s.stale.Store(true)
		return fmt.Errorf("refresh the live catalog: %w", err)
	}
	return nil
}

// PublishCatalogItems publishes catalog items to procurehub.catalog.v1 as
// partner, the way a price list file's items go: the catalog sink stores
// them and refreshes the live catalog. Each message is keyed by supplier
// and sku, and its id derives from the item's content, so publishing the
// same item again changes nothing.
func PublishCatalogItems(pub message.Publisher, partner string, items []canonical.CatalogItem) error {
	msgs := make([]*message.Message, 0, len(items))
	for i := range items {
		it := &items[i]
		content, err := store.CatalogItemContent(it)
		if err != nil {
			return err
		}
		id := uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "%s/catalog_item/%s", partner, store.HashContent(content)))
		m, err := recordMessage(id.String(), connectors.Record{Type: canonical.TypeCatalogItem, Key: it.Supplier.ID + "/" + it.SKU, Value: it},
			"api", partner, connectors.Input{Name: "api"})
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := pub.Publish(TopicCatalog, msgs...); err != nil {
		return fmt.Errorf("publish catalog items: %w", err)
	}
	return nil
}
