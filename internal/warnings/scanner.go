package warnings

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

// OrderLister pages through the stored orders of one status (ListOrders'
// keyset cursor).
type OrderLister interface {
	ListOrders(ctx context.Context, f store.OrderFilter) ([]store.StoredOrder, string, error)
}

// AlertReader reads the alerts the AlertSink keeps: whether one is
// already stored, and the open and acknowledged ones to escalate.
type AlertReader interface {
	GetAlert(ctx context.Context, id string) (store.Alert, error)
	ListAlerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, string, error)
}

// AlertResolver resolves an alert.
type AlertResolver interface {
	SetAlertStatus(ctx context.Context, id, status, by string) error
}

// Scanner walks the open orders, evaluates the early-warning rules and
// publishes to procurehub.alerts.v1 the alerts that are new, and the
// escalations of warnings left unresolved. Scan and Run may not be called
// concurrently on one Scanner.
//
// Instances that scan side by side publish the same alert ids; the store
// keeps each once (AlertSink), but the topic carries each copy, so
// consumers of procurehub.alerts.v1 deduplicate by alert_id (or one
// instance scans).
type Scanner struct {
	Config *Config
	Orders OrderLister
	// Records reads each order's responses, events, shipments and carrier
	// events, and its validation findings (an order with errors is held for
	// review: it is not waiting for its supplier).
	Records   pipelines.RecordReaders
	Alerts    AlertReader
	Publisher message.Publisher
	// Resolver, when set, resolves the warnings whose condition no longer
	// holds (the order was confirmed, delivered...); their resolver is
	// pipelines.AlertResolvedBy.
	Resolver AlertResolver
	Logger   *slog.Logger
	// PageSize is the number of orders and alerts read per page;
	// store.MaxLimit when 0.
	PageSize int
	// Now is the clock of Run; time.Now when nil.
	Now func() time.Time

	mu   sync.Mutex
	sent map[string]bool // alert ids published by this process
}

// ScanReport counts what one scan did.
type ScanReport struct {
	Orders      int // open orders evaluated
	Done        int // orders listed as open whose replayed state is done
	Failed      int // orders whose records could not be read (logged)
	Alerts      int // new alerts published
	Escalations int // escalations published
	Resolved    int // warnings resolved because their condition is gone, and their escalations
}

// orderKey identifies an order in an alert's data.
type orderKey struct{ buyer, number string }

// scan is the state of one Scan.
type scan struct {
	report    ScanReport
	firing    map[string]bool   // ids of the alerts whose condition holds now
	evaluated map[orderKey]bool // open orders evaluated
	failed    map[orderKey]bool // open orders whose records could not be read
	errs      []error
}

// Scan walks the orders whose stored status is open (not delivered,
// invoiced, paid, closed, cancelled or rejected: the status follows the
// lifecycle), status by status and page by page, replays each (an order
// whose replayed state is done after all is skipped), evaluates it as of
// now and publishes its alerts unless already stored or published. An
// order whose records cannot be read is logged and counted, and the scan
// goes on. Then it reads the open and acknowledged alerts: a warning whose
// condition is gone (its order evaluated without it, or no longer open) is
// resolved (with a Resolver), one left too long is escalated once. The
// error is for what stops the scan (the orders or alerts cannot be
// listed: nothing is resolved then) or for alerts that could not be
// published (they are tried again next scan).
func (s *Scanner) Scan(ctx context.Context, now time.Time) (ScanReport, error) {
	sc := &scan{firing: map[string]bool{}, evaluated: map[orderKey]bool{}, failed: map[orderKey]bool{}}
	for _, status := range openStates {
		f := store.OrderFilter{Status: string(status), Limit: s.pageSize()}
		for {
			orders, next, err := s.Orders.ListOrders(ctx, f)
			if err != nil {
				return sc.report, fmt.Errorf("warnings: list %s orders: %w", status, err)
			}
			for i := range orders {
				if err := ctx.Err(); err != nil {
					return sc.report, err
				}
				s.scanOrder(ctx, sc, &orders[i], now)
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
	}
	if err := s.followUp(ctx, sc, now); err != nil {
		return sc.report, err
	}
	return sc.report, errors.Join(sc.errs...)
}

func (s *Scanner) scanOrder(ctx context.Context, sc *scan, o *store.StoredOrder, now time.Time) {
	key := orderKey{o.Order.Buyer.ID, o.Order.OrderNumber}
	rec, err := s.Records.ReadRecords(ctx, o)
	if err != nil {
		sc.failed[key] = true
		sc.report.Failed++
		s.logger().Warn("early warnings: order skipped", "order_id", o.Order.OrderNumber, "buyer", o.Order.Buyer.ID, "err", err)
		return
	}
	facts := FactsOf(rec)
	if !Open(facts.Timeline.State) {
		sc.report.Done++
		return
	}
	sc.evaluated[key] = true
	sc.report.Orders++
	for _, a := range s.Config.Evaluate(&facts, now) {
		sc.firing[a.ID] = true
		published, err := s.publishNew(ctx, a)
		if err != nil {
			sc.errs = append(sc.errs, err)
			continue
		}
		if published {
			sc.report.Alerts++
		}
	}
}

// publishNew publishes a unless this process published it or the store
// already has it.
func (s *Scanner) publishNew(ctx context.Context, a pipelines.Alert) (bool, error) {
	if s.wasSent(a.ID) {
		return false, nil
	}
	_, err := s.Alerts.GetAlert(ctx, a.ID)
	switch {
	case err == nil:
		s.markSent(a.ID)
		return false, nil
	case !errors.Is(err, store.ErrNotFound):
		return false, fmt.Errorf("warnings: look up alert %s: %w", a.ID, err)
	}
	msg, err := a.ToMessage()
	if err != nil {
		return false, fmt.Errorf("warnings: alert %s: %w", a.ID, err)
	}
	if err := s.Publisher.Publish(pipelines.TopicAlerts, msg); err != nil {
		return false, fmt.Errorf("warnings: publish %s alert of order %s: %w", a.Kind, a.Data["order_number"], err)
	}
	s.markSent(a.ID)
	s.logger().Info("early warning raised", "kind", a.Kind, "severity", a.Severity, "order_id", a.Data["order_number"],
		"partner", a.Partner, "alert_id", a.ID)
	return true, nil
}

// followUp resolves the warnings whose condition is gone, and the
// escalations of resolved warnings, and escalates the warnings left
// unresolved too long.
func (s *Scanner) followUp(ctx context.Context, sc *scan, now time.Time) error {
	var escalations []store.Alert
	for _, status := range []string{store.AlertOpen, store.AlertAcknowledged} {
		f := store.AlertFilter{Status: status, Limit: s.pageSize()}
		for {
			alerts, next, err := s.Alerts.ListAlerts(ctx, f)
			if err != nil {
				return fmt.Errorf("warnings: list %s alerts: %w", status, err)
			}
			for _, a := range alerts {
				if a.Kind == KindEscalated {
					escalations = append(escalations, a)
					continue
				}
				if _, ok := specOf(a.Kind); !ok {
					continue
				}
				key := orderKey{a.Data["buyer_id"], a.Data["order_number"]}
				// Gone: evaluated without it, or not among the open orders.
				gone := !sc.firing[a.ID] && (sc.evaluated[key] || !sc.failed[key])
				if s.Resolver != nil && gone {
					err := s.Resolver.SetAlertStatus(ctx, a.ID, store.AlertResolved, pipelines.AlertResolvedBy)
					switch {
					case err == nil:
						sc.report.Resolved++
					case !errors.Is(err, store.ErrInvalid): // resolved meanwhile: what we wanted
						sc.errs = append(sc.errs, fmt.Errorf("warnings: resolve alert %s: %w", a.ID, err))
					}
					continue
				}
				esc, due := s.Config.Escalate(a, now)
				if !due {
					continue
				}
				published, err := s.publishNew(ctx, esc)
				if err != nil {
					sc.errs = append(sc.errs, err)
					continue
				}
				if published {
					sc.report.Escalations++
				}
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
	}
	if s.Resolver == nil {
		return nil
	}
	for _, e := range escalations {
		original, err := s.Alerts.GetAlert(ctx, e.Data["escalates"])
		if err != nil || original.Status != store.AlertResolved {
			continue // a missing original is not a resolved one
		}
		err = s.Resolver.SetAlertStatus(ctx, e.ID, store.AlertResolved, pipelines.AlertResolvedBy)
		switch {
		case err == nil:
			sc.report.Resolved++
		case !errors.Is(err, store.ErrInvalid):
			sc.errs = append(sc.errs, fmt.Errorf("warnings: resolve escalation %s: %w", e.ID, err))
		}
	}
	return nil
}

// Run scans at once and then every interval until ctx is done; it returns
// nil then. A scan that fails is logged and the next one comes at its time.
func (s *Scanner) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("warnings: scan interval %s must be positive", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r, err := s.Scan(ctx, s.now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			s.logger().Warn("early-warning scan incomplete", "err", err, "orders", r.Orders, "failed", r.Failed)
		default:
			s.logger().Debug("early-warning scan", "orders", r.Orders, "done", r.Done, "failed", r.Failed,
				"alerts", r.Alerts, "escalations", r.Escalations, "resolved", r.Resolved)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (s *Scanner) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scanner) pageSize() int {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return store.MaxLimit
}

func (s *Scanner) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Scanner) wasSent(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[id]
}

func (s *Scanner) markSent(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = map[string]bool{}
	}
	s.sent[id] = true
}
