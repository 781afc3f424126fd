package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store/sqlite"
)

// countingRefresher counts refreshes; the first failFirst of them fail.
type countingRefresher struct {
	calls     atomic.Int32
	failFirst int32
}

func (r *countingRefresher) Refresh(context.Context) error {
	if n := r.calls.Add(1); n <= r.failFirst {
		return errors.New("store unreachable")
	}
	return nil
}

// startCatalogSink runs a router with the catalog sink alone over st.
// handled returns how many messages the sink handled without an error.
func startCatalogSink(t *testing.T, st *sqlite.Store, ref CatalogRefresher) (publish func(payload []byte), poison <-chan *message.Message, handled func() int) {
	t.Helper()
	ps := newPubSub(t)
	sink := NewCatalogSink(st, ref, StoreSinkConfig{}, nil)
	m := NewMetrics(prometheus.NewRegistry())
	r, err := NewRouter(RouterConfig{Retries: 2, RetryInitial: time.Millisecond}, ps, ps, Sinks{Catalog: sink}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go sink.Run(ctx)
	go r.Run(ctx)
	<-r.Running()
	t.Cleanup(func() { cancel(); r.Close() })
	poison, _ = ps.Subscribe(context.Background(), TopicPoison)
	return func(payload []byte) {
		t.Helper()
		msg := message.NewMessage(watermill.NewUUID(), payload)
		msg.Metadata.Set(MetaPartner, "szp-pricelist")
		if err := ps.Publish(TopicCatalog, msg); err != nil {
			t.Fatal(err)
		}
	}, poison, func() int { return int(testutil.ToFloat64(m.Consumed.WithLabelValues(HandlerStoreCatalog, "ok"))) }
}

func catalogPayload(t *testing.T, price string) []byte {
	t.Helper()
	b, err := json.Marshal(canonical.CatalogItem{
		Supplier: canonical.Party{ID: "SUP-CN-SZP"}, SKU: "SRV-750B", Unit: "H87",
		Prices: []canonical.CatalogPrice{{Currency: "USD", UnitPrice: canonical.MustDecimal(price)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTheSameCatalogItemTwiceIsOneVersionAndAChangedPriceTheNext(t *testing.T) {
	st := newLedger(t)
	ref := &countingRefresher{}
	publish, poison, handled := startCatalogSink(t, st, ref)

	publish(catalogPayload(t, "186.40"))
	publish(catalogPayload(t, "186.40")) // redelivered
	waitFor(t, func() bool { return handled() == 2 })
	item, err := st.GetCatalogItem(context.Background(), "SUP-CN-SZP", "SRV-750B")
	if err != nil {
		t.Fatal(err)
	}
	if item.Version != 1 || item.Item.Prices[0].UnitPrice.String() != "186.40" {
		t.Errorf("after two deliveries: version %d, price %s; want version 1 at 186.40", item.Version, item.Item.Prices[0].UnitPrice)
	}
	if n := ref.calls.Load(); n != 1 {
		t.Errorf("%d catalog refreshes after one new item delivered twice, want 1", n)
	}

	publish([]byte(`{"supplier": {"id": "SUP-CN-SZP"}, "sku": "SRV-750B", "unit": "H87", "moq": "-5"}`))
	got := drain(t, poison, 1)[0]
	if reason := got.Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, "moq") {
		t.Errorf("poison reason %q; want the negative moq named", reason)
	}

	publish(catalogPayload(t, "192.00"))
	waitFor(t, func() bool {
		item, err := st.GetCatalogItem(context.Background(), "SUP-CN-SZP", "SRV-750B")
		return err == nil && item.Version == 2
	})
	waitFor(t, func() bool { return ref.calls.Load() == 2 })
}

func TestACatalogRefreshThatFailedIsDoneOnTheRedelivery(t *testing.T) {
	st := newLedger(t)
	ref := &countingRefresher{failFirst: 1}
	publish, poison, handled := startCatalogSink(t, st, ref)

	publish(catalogPayload(t, "186.40"))
	waitFor(t, func() bool { return handled() == 1 })
	if n := ref.calls.Load(); n != 2 {
		t.Errorf("%d refreshes, want the failed one and the one of the retry", n)
	}
	item, err := st.GetCatalogItem(context.Background(), "SUP-CN-SZP", "SRV-750B")
	if err != nil || item.Version != 1 {
		t.Fatalf("item %+v, %v; want it stored once", item, err)
	}
	select {
	case m := <-poison:
		t.Errorf("the item was poisoned: %s", m.Metadata.Get(middleware.ReasonForPoisonedKey))
	case <-time.After(100 * time.Millisecond):
	}
}

func TestAPriceListRowGoesToTheCatalogTopicWhichTheBrokerSetupCreates(t *testing.T) {
	topic, ok := TopicFor(canonical.TypeCatalogItem)
	if !ok || topic != "procurehub.catalog.v1" {
		t.Errorf("TopicFor(catalog_item) = %q, %v; want procurehub.catalog.v1", topic, ok)
	}
	if !slices.Contains(AllTopics(), TopicCatalog) {
		t.Errorf("AllTopics() %v leaves out %s", AllTopics(), TopicCatalog)
	}
}
