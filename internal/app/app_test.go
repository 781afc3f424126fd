package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/fxrates"
	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/internal/carriersim"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/embedded"
	"github.com/procurehub/procurehub/internal/kafka"
	"github.com/procurehub/procurehub/internal/kpi"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/postgres/pgtest"
	"github.com/procurehub/procurehub/pipelines"
)

// hubConfig is a config with one erp_export partner whose inbox is dir/inbox.
const hubConfig = `
broker:
%s
store:
%s
http:
  addr: 127.0.0.1:0
pipeline:
  retries: 2
  retry_initial: 10ms
fx:
  source: $FX
validation:
  enabled: true
  rules: $RULES
  catalog: $CATALOG
ordering:
  buyer_id: ACME-DE
  buyer_name: ACME Maschinenbau GmbH
settlement:
  enabled: true
  home_currency: EUR
  reconcile_every: 200ms
  approval: {currency: EUR, single_limit: "1000", dual_limit: "10000", senior: [cfo]}
amendments:
  documents:
    - supplier: SUP-VN-LAMP
      format: x12
      dir: $DIR/lamp-outbox
      sender: ACME
      receiver: HANOILAMPS
partners:
  - name: buyer-1
    kind: erp_export
    settings:
      inbox: %s
      settle_time: 0s
      poll_interval: 50ms
      mapping: %s
  - name: edi-1
    kind: edi
    settings:
      inbox: $DIR/edi
      format: x12
      settle_time: 0s
      poll_interval: 50ms
  - name: bank-1
    kind: bank_statement
    settings:
      inbox: $DIR/bank
      format: camt053
      settle_time: 0s
      poll_interval: 50ms
  - name: carrier-1
    kind: tracking
    settings:
      profile: demo
      webhook:
        secret: ${CARRIER_SECRET}
  - name: carrier-2
    kind: tracking
    settings:
      profile: demo
      poll:
        url: $CARRIER_API/v1/events
        pagination: link
        interval: 50ms
`

// carrierSecret signs the webhook deliveries of carrier-1.
const carrierSecret = "carrier-1-webhook-secret"

type runningHub struct {
	hub   *Hub
	inbox string
	stop  func() error
}

// startHub runs the whole hub in-process and stops it when the test ends.
func startHub(t *testing.T, brokerYAML, storeYAML string, env map[string]string) *runningHub {
	t.Helper()
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	mappingPath, _ := filepath.Abs("testdata/buyer.mapping.yaml")
	cfgPath := filepath.Join(dir, "hub.yaml")
	doc := fmt.Sprintf(hubConfig, brokerYAML, storeYAML, inbox, mappingPath)
	doc = strings.ReplaceAll(doc, "$DIR", dir)
	fxFile, _ := filepath.Abs("../../connectors/fxrates/testdata/eurofxref_daily_2026-03-02.xml")
	doc = strings.ReplaceAll(doc, "$FX", fxFile)
	rules, _ := filepath.Abs("testdata/rules-e2e.yaml")
	doc = strings.ReplaceAll(doc, "$RULES", rules)
	catalogFile, _ := filepath.Abs("../../configs/partners/catalog.yaml")
	doc = strings.ReplaceAll(doc, "$CATALOG", catalogFile)
	// carrier-2's API: the customs-hold scenario (DEMO0004), three events a page.
	api := &carriersim.API{PerPage: 3, RateLimitEvery: 4}
	api.Publish(carriersim.Scenarios(time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC), "DEMO")[3].Events...)
	apiURL, err := api.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	doc = strings.ReplaceAll(doc, "$CARRIER_API", apiURL)
	if err := os.WriteFile(cfgPath, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath, func(k string) (string, bool) {
		if k == "CARRIER_SECRET" {
			return carrierSecret, true
		}
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	var logw io.Writer = io.Discard
	if os.Getenv("PROCUREHUB_TEST_LOG") != "" {
		logw = os.Stderr
	}
	h, stop := runInProcess(t, cfg, slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return &runningHub{hub: h, inbox: inbox, stop: stop}
}

// runInProcess runs a hub of cfg until the test ends (or stop is called)
// and returns it once it serves.
func runInProcess(t *testing.T, cfg *config.App, log *slog.Logger) (*Hub, func() error) {
	t.Helper()
	reg, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *Hub, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Registry: reg, Logger: log, Started: func(h *Hub) { started <- h }})
	}()
	var h *Hub
	select {
	case h = <-started:
	case err := <-done:
		cancel()
		t.Fatalf("hub stopped before it started: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("hub did not start within 60s")
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(60 * time.Second):
			return fmt.Errorf("hub did not stop within 60s of cancellation")
		}
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return h, stop
}

// drop puts a testdata file into the inbox the way a partner would.
func (r *runningHub) drop(t *testing.T, testdataName, asName string) {
	t.Helper()
	dropFile(t, filepath.Join("testdata", testdataName), r.inbox, asName)
}

// dropFile copies src into dir as asName the way a partner would: written
// under a temporary name, then renamed.
func dropFile(t *testing.T, src, dir, asName string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "."+asName+".part")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, asName)); err != nil {
		t.Fatal(err)
	}
}

type apiOrder struct {
	OrderNumber string `json:"order_number"`
	Status      string `json:"status"`
	Version     int    `json:"version"`
	Lines       []struct {
		SKU         string `json:"sku"`
		UnitPrice   string `json:"unit_price"`
		Description string `json:"description"`
	} `json:"lines"`
}

func (r *runningHub) orders(t *testing.T) map[string]apiOrder { return ordersOf(t, r.hub) }

// ordersOf lists a hub's orders (up to 500) through its API, by number.
func ordersOf(t *testing.T, h *Hub) map[string]apiOrder {
	t.Helper()
	resp, err := http.Get("http://" + h.HTTPAddr + "/api/v1/orders?limit=500")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Orders []apiOrder }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	out := map[string]apiOrder{}
	for _, o := range body.Orders {
		out[o.OrderNumber] = o
	}
	return out
}

// receipt waits for a settled file to be in archive/YYYY/MM/DD/ or
// quarantine/ with its receipt beside it, and returns the receipt the
// partner reads in the outbox.
func (r *runningHub) receipt(t *testing.T, folder, name string) map[string]any {
	t.Helper()
	if folder == "archive" {
		folder = filepath.Join("archive", time.Now().UTC().Format("2006/01/02"))
	}
	eventually(t, "settled "+folder+"/"+name, func() bool {
		_, errFile := os.Stat(filepath.Join(r.inbox, folder, name))
		_, errReceipt := os.Stat(filepath.Join(r.inbox, folder, name+".receipt.json"))
		return errFile == nil && errReceipt == nil
	})
	path := filepath.Join(r.inbox, "outbox", name+".receipt.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no receipt in the outbox: %v", err)
	}
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("receipt %s: %v", path, err)
	}
	return rec
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exerciseHub is the end-to-end story every runtime mode must tell.
func exerciseHub(t *testing.T, r *runningHub) {
	t.Run("a complete file's orders reach the store and the file is archived with its receipt", func(t *testing.T) {
		r.drop(t, "two-orders.csv", "two-orders.csv")
		rec := r.receipt(t, "archive", "two-orders.csv")
		if rec["status"] != "done" || rec["accepted"] != 2.0 {
			t.Fatalf("receipt = %v, want done with 2 accepted", rec)
		}
		var got map[string]apiOrder
		eventually(t, "orders PO-1 and PO-2 in the API", func() bool {
			got = r.orders(t)
			return len(got["PO-1"].Lines) == 2 && got["PO-2"].OrderNumber == "PO-2"
		})
		if got["PO-1"].Lines[0].UnitPrice != "12.50" || got["PO-1"].Status != "submitted" {
			t.Errorf("PO-1 = %+v, want unit price 12.50 and status submitted", got["PO-1"])
		}
	})

	t.Run("the same content under another name is archived as a duplicate and changes nothing", func(t *testing.T) {
		r.drop(t, "two-orders.csv", "two-orders-resent.csv")
		rec := r.receipt(t, "archive", "two-orders-resent.csv")
		if rec["status"] != "duplicate" || rec["accepted"] != 0.0 {
			t.Fatalf("receipt = %v, want duplicate with nothing accepted", rec)
		}
		if v := r.orders(t)["PO-1"].Version; v != 1 {
			t.Errorf("PO-1 version = %d after a duplicate, want 1", v)
		}
	})

	t.Run("one bad row is quarantined with its line while the good rows are stored", func(t *testing.T) {
		r.drop(t, "one-bad-row.csv", "one-bad-row.csv")
		rec := r.receipt(t, "quarantine", "one-bad-row.csv")
		errs, _ := rec["row_errors"].([]any)
		if rec["status"] != "partial" || rec["accepted"] != 2.0 || len(errs) != 1 {
			t.Fatalf("receipt = %v, want partial, 2 accepted, 1 row error", rec)
		}
		e := errs[0].(map[string]any)
		if e["line"] != 3.0 || !strings.Contains(fmt.Sprint(e["message"]), "12,5O") {
			t.Errorf("row error = %v, want line 3 naming \"12,5O\"", e)
		}
		eventually(t, "PO-3 and PO-5 stored", func() bool {
			got := r.orders(t)
			return got["PO-3"].OrderNumber != "" && got["PO-5"].OrderNumber != ""
		})
		if _, ok := r.orders(t)["PO-4"]; ok {
			t.Error("the bad order PO-4 was stored")
		}
	})

	t.Run("a file without a required column is quarantined with a receipt naming the column", func(t *testing.T) {
		r.drop(t, "missing-required-column.csv", "missing-required-column.csv")
		rec := r.receipt(t, "quarantine", "missing-required-column.csv")
		fe, _ := rec["file_error"].(map[string]any)
		if rec["status"] != "rejected" || !strings.Contains(fmt.Sprint(fe["message"]), "sku") {
			t.Fatalf("receipt = %v, want rejected naming the sku column", rec)
		}
	})

	t.Run("a message that is not an order lands on the poison topic with its reason and origin", func(t *testing.T) {
		pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: r.hub.Brokers})
		if err != nil {
			t.Fatal(err)
		}
		defer pub.Close()
		bad := message.NewMessage("poison-test-1", []byte(`{"order_number": 42}`))
		bad.Metadata.Set(kafka.KeyMetadata, "PO-BAD")
		if err := pub.Publish(pipelines.TopicOrders, bad); err != nil {
			t.Fatal(err)
		}
		sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: r.hub.Brokers, ConsumerGroup: "poison-reader-" + t.Name()})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		msgs, err := sub.Subscribe(ctx, pipelines.TopicPoison)
		if err != nil {
			t.Fatal(err)
		}
		for {
			select {
			case m := <-msgs:
				m.Ack()
				if m.UUID != "poison-test-1" {
					continue
				}
				reason := m.Metadata.Get(middleware.ReasonForPoisonedKey)
				if !strings.Contains(reason, "decode order") || m.Metadata.Get(middleware.PoisonedTopicKey) != pipelines.TopicOrders ||
					m.Metadata.Get(pipelines.MetaPoisonedOffset) == "" {
					t.Fatalf("poison metadata = %v, want the decode error, the origin topic and offset", m.Metadata)
				}
				return
			case <-ctx.Done():
				t.Fatal("no poison message within 30s")
			}
		}
	})

	t.Run("a bank statement that does not add up is stored as sent and raises one alert", func(t *testing.T) {
		sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: r.hub.Brokers, ConsumerGroup: "alert-reader-" + t.Name()})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		alerts, err := sub.Subscribe(ctx, pipelines.TopicAlerts)
		if err != nil {
			t.Fatal(err)
		}
		dropFile(t, "../../connectors/bankstatement/camt/testdata/camt053_v04_closing_balance_mismatch.xml",
			filepath.Join(filepath.Dir(r.inbox), "bank"), "stmt.xml")
		for {
			select {
			case m := <-alerts:
				m.Ack()
				var a pipelines.Alert
				if err := json.Unmarshal(m.Payload, &a); err != nil {
					t.Fatal(err)
				}
				if a.Kind != pipelines.AlertBalanceMismatch {
					continue // other tests' alerts (orders needing review)
				}
				if a.Partner != "bank-1" || a.Data["difference"] == "" {
					t.Fatalf("alert = %+v; want a balance mismatch of bank-1 with its difference", a)
				}
				lister, ok := r.hub.Store.(interface {
					ListStatements(context.Context, store.StatementFilter) ([]store.StoredStatement, string, error)
				})
				if !ok {
					t.Fatalf("%T cannot list statements", r.hub.Store)
				}
				got, _, err := lister.ListStatements(ctx, store.StatementFilter{BalanceCheck: "mismatch"})
				if err != nil || len(got) != 1 || got[0].Partner != "bank-1" || got[0].Statement.BalanceDifference == nil {
					t.Fatalf("stored mismatch statements: %+v, %v; want bank-1's, with its difference", got, err)
				}
				return
			case <-ctx.Done():
				t.Fatal("no balance_mismatch alert within 30s")
			}
		}
	})

	t.Run("the balance mismatch alert is listed, acknowledged and resolved once", func(t *testing.T) {
		base := "http://" + r.hub.HTTPAddr + "/api/v1/alerts"
		type alert struct {
			ID       string `json:"alert_id"`
			Kind     string `json:"kind"`
			Partner  string `json:"partner"`
			Status   string `json:"status"`
			StatusBy string `json:"status_by"`
		}
		var found alert
		eventually(t, "bank-1's balance_mismatch alert in GET /api/v1/alerts", func() bool {
			resp, err := http.Get(base + "?kind=balance_mismatch")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct{ Alerts []alert }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			for _, a := range body.Alerts {
				if a.Kind != pipelines.AlertBalanceMismatch {
					t.Fatalf("?kind=balance_mismatch listed %+v", a)
				}
				if a.Partner == "bank-1" {
					found = a
					return true
				}
			}
			return false
		})
		if found.Status != "open" {
			t.Fatalf("alert %+v; want it open", found)
		}
		post := func(action string) (int, alert) {
			t.Helper()
			resp, err := http.Post(base+"/"+found.ID+"/"+action, "application/json", strings.NewReader(`{"by":"e2e"}`))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var a alert
			if resp.StatusCode == http.StatusOK {
				if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
					t.Fatal(err)
				}
			}
			return resp.StatusCode, a
		}
		if code, a := post("acknowledge"); code != http.StatusOK || a.Status != "acknowledged" || a.StatusBy != "e2e" {
			t.Fatalf("acknowledge: %d %+v; want 200, acknowledged by e2e", code, a)
		}
		if code, a := post("resolve"); code != http.StatusOK || a.Status != "resolved" {
			t.Fatalf("resolve: %d %+v; want 200, resolved", code, a)
		}
		if code, _ := post("resolve"); code != http.StatusConflict {
			t.Errorf("a second resolve: %d; want 409", code)
		}
	})

	t.Run("an X12 850 dropped by an EDI partner becomes orders in the store and a 997 in its outbox", func(t *testing.T) {
		inbox := filepath.Join(filepath.Dir(r.inbox), "edi")
		dropFile(t, "../../connectors/edi/x12/testdata/850_retailer_to_shenzhen_supplier.x12", inbox, "po.x12")
		eventually(t, "orders 4500012345 and 4500012346 of the 850 in the API", func() bool {
			got := r.orders(t)
			return len(got["4500012345"].Lines) > 0 && len(got["4500012346"].Lines) > 0
		})
		// Cross-border lines without HS codes: the order waits for review.
		var o struct {
			Status   string
			Findings []struct {
				RuleID   string `json:"rule_id"`
				Severity string
				Path     string
			}
		}
		eventually(t, "order 4500012345 of the 850 needs review", func() bool {
			resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/orders/4500012345")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			return json.NewDecoder(resp.Body).Decode(&o) == nil && o.Status == "needs_review"
		})
		if len(o.Findings) == 0 || o.Findings[0].RuleID != "hs_code_format" || o.Findings[0].Path != "lines[0].hs_code" {
			t.Errorf("findings %+v; want hs_code_format on lines[0].hs_code first", o.Findings)
		}
		var ack []byte
		eventually(t, "the 997 in the partner's outbox", func() bool {
			var err error
			ack, err = os.ReadFile(filepath.Join(inbox, "outbox", "po.x12.997"))
			return err == nil
		})
		if !strings.Contains(string(ack), "ST*997*") || !strings.Contains(string(ack), "AK9*A*") {
			t.Errorf("the 997 does not accept the group:\n%s", ack)
		}
	})

	t.Run("carrier events pushed out of order, twice, and before the ASN show where the order is", func(t *testing.T) {
		sc := carriersim.Scenarios(time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC), "DEMO")[0] // on time: DEMO0001
		sender := &carriersim.Sender{URL: "http://" + r.hub.HTTPAddr + "/webhooks/tracking/carrier-1",
			Signature: webhook.Signature{Secret: []byte(carrierSecret)}}
		events := sc.Events
		// Delivered first, then the rest, the pickup twice; all before the ASN.
		for _, e := range append([]carriersim.Event{events[len(events)-1]}, append(events, events[1])...) {
			if err := sender.Send(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
		forged := &carriersim.Sender{URL: sender.URL, Signature: webhook.Signature{Secret: []byte("guessed")}}
		if err := forged.Send(context.Background(), events[0]); err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("a forged delivery: %v; want 401", err)
		}
		dropFile(t, "testdata/asn_4500012345_demo0001.x12", filepath.Join(filepath.Dir(r.inbox), "edi"), "asn.x12")
		var tr struct {
			Tracking struct {
				Status    string
				Shipments []struct {
					ShipmentID string `json:"shipment_id"`
					Events     []struct {
						EventID string `json:"event_id"`
					}
				}
			}
		}
		eventually(t, "order 4500012345 delivered with its 7 carrier events", func() bool {
			resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/orders/4500012345")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			if json.NewDecoder(resp.Body).Decode(&tr) != nil {
				return false
			}
			return tr.Tracking.Status == "delivered" && len(tr.Tracking.Shipments) == 1 && len(tr.Tracking.Shipments[0].Events) == len(events)
		})
		for i, e := range tr.Tracking.Shipments[0].Events {
			if e.EventID != events[i].EventID {
				t.Errorf("event %d is %s; want %s: events in the order they happened", i, e.EventID, events[i].EventID)
			}
		}
	})

	t.Run("the timeline of an order held for review shows its creation, review, ASN and carrier events in time order", func(t *testing.T) {
		// 4500012345 reached the hub from the 850 and validation held it for
		// review (no HS codes): an order on hold refuses fulfilment, so the
		// ASN (shipped 2026-03-05) and the carrier's events move nothing,
		// whichever side of the order's arrival they fall, and the order
		// stays needs_review. Each is on the timeline with its reason.
		type entry struct {
			Kind       string
			OccurredAt time.Time `json:"occurred_at"`
			Tracking   string
			Source     canonical.Source
			Outcome    string
			From, To   string
			Reason     string
		}
		var tl struct {
			State   string
			Entries []entry
		}
		count := func(kind string) int {
			n := 0
			for _, e := range tl.Entries {
				if e.Kind == kind {
					n++
				}
			}
			return n
		}
		eventually(t, "the timeline of 4500012345 with its ASN and 7 carrier events", func() bool {
			resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/orders/4500012345/timeline")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&tl) == nil &&
				count("shipment_created") == 1 && count("tracking") == 7
		})
		if tl.State != "needs_review" || count("order_created") != 1 || count("validation_failed") != 1 {
			t.Fatalf("state %q, entries %+v; want needs_review after order_created and validation_failed", tl.State, tl.Entries)
		}
		at := map[string]time.Time{}
		for i, e := range tl.Entries {
			if i > 0 && e.OccurredAt.Before(tl.Entries[i-1].OccurredAt) {
				t.Errorf("entry %d (%s at %v) comes before entry %d (%s at %v)", i, e.Kind, e.OccurredAt, i-1, tl.Entries[i-1].Kind, tl.Entries[i-1].OccurredAt)
			}
			if _, ok := at[e.Kind]; !ok {
				at[e.Kind] = e.OccurredAt
			}
			switch e.Kind {
			case "order_created":
				if e.Outcome != "moved" || e.To != "submitted" || e.Source.File != "po.x12" || e.Source.Partner != "edi-1" {
					t.Errorf("created = %+v; want moved to submitted, from the 850 po.x12 of edi-1", e)
				}
			case "validation_failed":
				if e.Outcome != "moved" || e.From != "submitted" || e.To != "needs_review" {
					t.Errorf("validation = %+v; want submitted → needs_review", e)
				}
			case "shipment_created":
				if e.Outcome != "refused" || e.Reason == "" || e.Source.File != "asn.x12" ||
					!e.OccurredAt.Equal(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("shipped = %+v; want refused with its reason, from asn.x12, at the ship date", e)
				}
			case "tracking":
				if e.Outcome == "moved" || e.Outcome == "implied" {
					t.Errorf("carrier event %s at %v was %s; an order held for review (or not yet arrived) refuses it", e.Tracking, e.OccurredAt, e.Outcome)
				}
			}
		}
		if !at["order_created"].Before(at["validation_failed"]) && !at["order_created"].Equal(at["validation_failed"]) {
			t.Errorf("validated at %v, before the order was created at %v", at["validation_failed"], at["order_created"])
		}
		if !at["shipment_created"].Before(at["tracking"]) {
			t.Errorf("the first carrier event at %v is not after the ship date %v", at["tracking"], at["shipment_created"])
		}
	})

	t.Run("a carrier API polled through its pages and rate limits puts an order on customs hold", func(t *testing.T) {
		asn, err := os.ReadFile("testdata/asn_4500012345_demo0001.x12")
		if err != nil {
			t.Fatal(err)
		}
		// The same ASN shape for order 4500012346, tracking number DEMO0004.
		other := strings.NewReplacer("4500012345", "4500012346", "DEMO0001", "DEMO0004", "000002301", "000002302", "*2301*", "*2302*", "GE*1*2301~", "GE*1*2302~").Replace(string(asn))
		path := filepath.Join(t.TempDir(), "asn2.x12")
		if err := os.WriteFile(path, []byte(other), 0o644); err != nil {
			t.Fatal(err)
		}
		dropFile(t, path, filepath.Join(filepath.Dir(r.inbox), "edi"), "asn2.x12")
		eventually(t, "order 4500012346 on customs hold", func() bool {
			resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/orders/4500012346/tracking")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var tr struct{ Status string }
			return json.NewDecoder(resp.Body).Decode(&tr) == nil && tr.Status == "customs_hold"
		})
	})

	t.Run("demand planned from the catalog becomes orders in the store, a dry run creates none", func(t *testing.T) {
		post := func(path string) map[string]any {
			t.Helper()
			body := `{"lines":[{"buyer_sku":"100-5121","quantity":"1200","need_by":"2030-06-30"},{"buyer_sku":"NO-SUCH-SKU","quantity":"1","need_by":"2030-06-30"}]}`
			resp, err := http.Post("http://"+r.hub.HTTPAddr+path, "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		dry := post("/api/v1/demand?dry_run=true")
		plan := dry["plan"].(map[string]any)
		orders := plan["orders"].([]any)
		if len(orders) != 1 || dry["dry_run"] != true {
			t.Fatalf("dry run = %v; want one order and dry_run", dry)
		}
		first := orders[0].(map[string]any)
		line := first["lines"].([]any)[0].(map[string]any)
		if line["quantity"] != "2000" || line["sku"] != "SZP-LG-6204" {
			t.Errorf("planned line %v; want 2000 (the MOQ) of SZP-LG-6204", line)
		}
		if lines := plan["lines"].([]any); lines[1].(map[string]any)["status"] != "unplanned" {
			t.Errorf("the unknown SKU: %v; want unplanned", lines[1])
		}
		if _, ok := r.orders(t)[first["order_number"].(string)]; ok {
			t.Error("the dry run created an order")
		}
		created := post("/api/v1/demand")
		number := created["plan"].(map[string]any)["orders"].([]any)[0].(map[string]any)["order_number"].(string)
		eventually(t, "the created order "+number+" in the store, validated", func() bool {
			o, ok := r.orders(t)[number]
			return ok && o.Status == "submitted"
		})
	})

	t.Run("the ECB reference rates of the configured file are stored by date", func(t *testing.T) {
		fx, ok := r.hub.Store.(interface {
			FXRates(context.Context, canonical.Date) ([]fxrates.Rate, error)
		})
		if !ok {
			t.Fatalf("%T cannot read FX rates", r.hub.Store)
		}
		var rates []fxrates.Rate
		eventually(t, "the rates of 2026-03-02", func() bool {
			var err error
			rates, err = fx.FXRates(context.Background(), canonical.NewDate(2026, time.March, 2))
			return err == nil && len(rates) > 0
		})
		found := false
		for _, rt := range rates {
			found = found || (rt.Currency == "USD" && rt.PerEUR.Sign() > 0)
		}
		if !found {
			t.Errorf("rates of 2026-03-02 = %v; want USD among them", rates)
		}
	})

	t.Run("an invoice for goods shipped is matched and the bank statement paying it settles it", func(t *testing.T) {
		edi := filepath.Join(filepath.Dir(r.inbox), "edi")
		// The invoice may come before the ASN is stored: it is matched
		// again once the goods are known.
		dropFile(t, "testdata/invoice_inv-a-1_bills_po-1.x12", edi, "inv-a-1.x12")
		dropFile(t, "testdata/asn_po-1_ships_both_lines.x12", edi, "asn-po-1.x12")
		dropFile(t, "testdata/camt053_pays_inv-a-1.xml", filepath.Join(filepath.Dir(r.inbox), "bank"), "pays-inv-a-1.xml")
		var inv struct {
			MatchStatus string `json:"match_status"`
			Settlement  string `json:"settlement"`
			Paid        string `json:"paid"`
			PaidAt      string `json:"paid_at"`
			AutoMatched bool   `json:"auto_matched"`
		}
		eventually(t, "INV-A-1 matched and reconciled", func() bool {
			resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/invoices/SUP-A/INV-A-1")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			return json.NewDecoder(resp.Body).Decode(&inv) == nil && inv.MatchStatus == "matched" && inv.Settlement == "reconciled"
		})
		if inv.Paid != "141.00" || !inv.AutoMatched || !strings.HasPrefix(inv.PaidAt, "2026-03-20") {
			t.Errorf("invoice %+v; want 141.00 paid automatically on 2026-03-20", inv)
		}
		var k pipelines.SettlementKPIs
		resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/settlement/kpis")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&k); err != nil {
			t.Fatal(err)
		}
		if k.Reconciled < 1 || k.AutoReconciled < 1 || k.SettlementCycle.Median == nil || *k.SettlementCycle.Median != 14 {
			t.Errorf("KPIs %+v; want INV-A-1 reconciled automatically after 14 days (6 to 20 March)", k)
		}
		eventually(t, "PO-1's timeline shows the invoice and the payment", func() bool {
			resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/orders/PO-1/timeline")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return strings.Contains(string(b), "invoice_received") && strings.Contains(string(b), "payment_received")
		})
	})

	t.Run("the KPIs count every stored order, the settled invoice and the alerts", func(t *testing.T) {
		var rep kpi.Report
		resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/kpis?group_by=supplier")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
			t.Fatal(err)
		}
		if n := len(r.orders(t)); rep.Total.Orders != n {
			t.Errorf("KPIs count %d orders; the API lists %d", rep.Total.Orders, n)
		}
		if rep.Total.SettlementDays.Count < 1 || len(rep.Groups) < 2 || rep.Total.Alerts["balance_mismatch"] != 1 || rep.Total.ErrorRate == nil || *rep.Total.ErrorRate == 0 {
			t.Errorf("total %+v, %d groups; want INV-A-1's settlement, several suppliers, the balance mismatch alert and the order held for review", rep.Total, len(rep.Groups))
		}
	})

	t.Run("the hub stops cleanly when asked", func(t *testing.T) {
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestEmbeddedModeEndToEnd(t *testing.T) {
	r := startHub(t,
		"  embedded: true\n  addr: 127.0.0.1:0\n  data_dir: $DIR/kafka\n  partitions: 2",
		"  driver: sqlite\n  dsn: $DIR/hub.db\n  migrate_on_start: true",
		nil)
	exerciseHub(t, r)
}

func TestProductionModeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	dsn := pgtest.Schema(t)
	// A Kafka-protocol broker outside the hub, as a cluster would be.
	b, err := embedded.Start(context.Background(), embedded.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	r := startHub(t,
		"  brokers: [\"${TEST_BROKERS}\"]\n  consumer_group: e2e\n  partitions: 3",
		"  driver: postgres\n  dsn: ${TEST_DSN}\n  migrate_on_start: true",
		map[string]string{"TEST_BROKERS": strings.Join(b.Addrs(), ","), "TEST_DSN": dsn})
	exerciseHub(t, r)
}
