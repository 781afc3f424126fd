package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/lifecycle"
)

// Bounds of the KPI tiles' reading: pages of orders and alerts, and
// timelines read per page view (the rest come from the cache).
const (
	kpiPageSize     = 500
	kpiMaxPages     = 10
	kpiMaxTimelines = 100
)

// kpis are the tiles above the orders table, computed from what the
// user's API calls return, so they count only what the user may see.
type kpis struct {
	Total    int
	ByStatus []statusCount
	// Truncated: there were more orders than the tiles read.
	Truncated bool
	// AlertsShown: the alerts endpoint answered; OpenAlerts counts them.
	AlertsShown bool
	OpenAlerts  int
	// OnTime is the share of delivered orders (with a requested date)
	// delivered on or before it, as "83%"; "" when none was delivered.
	OnTime            string
	OnTimeOf, OnTimeN int
}

type statusCount struct {
	Status string
	Count  int
}

// deliveredStates are the states of an order that was delivered.
var deliveredStates = []string{
	string(lifecycle.StateDelivered), string(lifecycle.StateInvoiced),
	string(lifecycle.StatePaid), string(lifecycle.StateClosed),
}

func (s *server) kpisOf(ctx context.Context, sess *session) kpis {
	var k kpis
	var orders []api.Order
	q := url.Values{"limit": {fmt.Sprint(kpiPageSize)}}
	for page := 0; ; page++ {
		if page == kpiMaxPages {
			k.Truncated = true
			break
		}
		var list api.OrderList
		res, err := s.getJSON(ctx, sess, "/api/v1/orders", q, &list)
		if err != nil || res.Status != http.StatusOK {
			break
		}
		orders = append(orders, list.Orders...)
		if list.NextCursor == "" {
			break
		}
		q.Set("cursor", list.NextCursor)
	}
	k.Total = len(orders)
	counts := map[string]int{}
	for _, o := range orders {
		counts[o.Status]++
	}
	for _, st := range lifecycle.States() {
		if n := counts[string(st)]; n > 0 {
			k.ByStatus = append(k.ByStatus, statusCount{string(st), n})
			delete(counts, string(st))
		}
	}
	var other []string
	for st := range counts {
		other = append(other, st)
	}
	slices.Sort(other)
	for _, st := range other {
		k.ByStatus = append(k.ByStatus, statusCount{st, counts[st]})
	}

	aq := url.Values{"status": {"open"}, "limit": {fmt.Sprint(kpiPageSize)}}
	for page := 0; page < kpiMaxPages; page++ {
		var list api.AlertList
		res, err := s.getJSON(ctx, sess, "/api/v1/alerts", aq, &list)
		if err != nil || res.Status != http.StatusOK {
			break
		}
		k.AlertsShown = true
		k.OpenAlerts += len(list.Alerts)
		if list.NextCursor == "" {
			break
		}
		aq.Set("cursor", list.NextCursor)
	}

	read := 0
	for _, o := range orders {
		if !slices.Contains(deliveredStates, o.Status) || o.RequestedDeliveryDate.IsZero() {
			continue
		}
		key := deliveryKey{user: sess.principal.UserID + "|" + sess.principal.PartyID, buyer: o.Buyer.ID, number: o.OrderNumber, updated: o.UpdatedAt.UnixNano()}
		at, ok := s.kpis.get(key)
		if !ok {
			if read == kpiMaxTimelines {
				continue
			}
			read++
			at, ok = s.deliveredAt(ctx, sess, o)
			if !ok {
				continue
			}
			s.kpis.put(key, at)
		}
		k.OnTimeOf++
		if !canonical.NewDate(at.UTC().Date()).Time().After(o.RequestedDeliveryDate.Time()) {
			k.OnTimeN++
		}
	}
	if k.OnTimeOf > 0 {
		k.OnTime = fmt.Sprintf("%d%%", (100*k.OnTimeN+k.OnTimeOf/2)/k.OnTimeOf)
	}
	return k
}

// deliveredAt is when the order's timeline moved it to delivered.
func (s *server) deliveredAt(ctx context.Context, sess *session, o api.Order) (time.Time, bool) {
	var tl api.OrderTimeline
	res, err := s.getJSON(ctx, sess, orderPath(o.OrderNumber, "timeline"), url.Values{"buyer": {o.Buyer.ID}}, &tl)
	if err != nil || res.Status != http.StatusOK {
		return time.Time{}, false
	}
	for _, e := range slices.Backward(tl.Entries) {
		if e.To == lifecycle.StateDelivered && e.From != lifecycle.StateDelivered && e.Outcome == lifecycle.Moved {
			return e.OccurredAt, true
		}
	}
	return time.Time{}, false
}

// deliveryKey caches an order's delivery time per user and per version
// of the order (UpdatedAt), so a user is never shown what another user
// could read, and a change of the order reads its timeline again.
type deliveryKey struct {
	user, buyer, number string
	updated             int64 // UpdatedAt in ns
}

// deliveryCache holds delivery times; it is emptied when it grows past
// maxCached.
type deliveryCache struct {
	mu sync.Mutex
	m  map[deliveryKey]time.Time
}

const maxCached = 20000

func newDeliveryCache() *deliveryCache { return &deliveryCache{m: map[deliveryKey]time.Time{}} }

func (c *deliveryCache) get(k deliveryKey) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[k]
	return t, ok
}

func (c *deliveryCache) put(k deliveryKey, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCached {
		clear(c.m)
	}
	c.m[k] = t
}
