package warnings

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

func march(day, hour int) time.Time { return time.Date(2026, time.March, day, hour, 0, 0, 0, time.UTC) }

func day(d int) canonical.Date { return canonical.NewDate(2026, time.March, d) }

// po1 is order PO-1 of ACME (Germany) to SUP-CN (China), stored on 1 March
// at 10:00 and needed on 20 March: on lane CN->DE.
func po1() lifecycle.Records {
	return lifecycle.Records{
		Order: canonical.Order{OrderNumber: "PO-1", Buyer: canonical.Party{ID: "ACME", Country: "DE"},
			Supplier: canonical.Party{ID: "SUP-CN", Name: "Shenzhen Parts", Country: "CN"}, Currency: "EUR",
			RequestedDeliveryDate: day(20)},
		StoredAt: march(1, 10),
	}
}

func accepted(on, delivery canonical.Date) lifecycle.StoredResponse {
	r := &canonical.OrderResponse{OrderNumber: "PO-1", ResponseNumber: "R-" + on.String(), ResponseDate: on,
		Supplier: canonical.Party{ID: "SUP-CN"}, Status: canonical.ResponseAccepted}
	if !delivery.IsZero() {
		r.Lines = []canonical.OrderResponseLine{{LineNumber: 1, Status: canonical.ResponseAccepted, DeliveryDate: delivery}}
	}
	return lifecycle.StoredResponse{Response: r, StoredAt: on.Time().Add(9 * time.Hour)}
}

func progress(id string, at time.Time, percent string, ready canonical.Date) canonical.OrderEvent {
	p := canonical.ProductionProgress{ExpectedReadyDate: ready}
	if percent != "" {
		d := canonical.MustDecimal(percent)
		p.PercentComplete = &d
	}
	b, _ := json.Marshal(p)
	return canonical.OrderEvent{EventID: id, OrderNumber: "PO-1", BuyerID: "ACME", Type: canonical.EventProductionProgress, OccurredAt: at, Data: b}
}

func document(id, typ string, at time.Time) canonical.OrderEvent {
	return canonical.OrderEvent{EventID: id, OrderNumber: "PO-1", BuyerID: "ACME", Type: EventDocumentReceived, OccurredAt: at,
		Data: json.RawMessage(fmt.Sprintf(`{"document_type": %q}`, typ))}
}

func shipped(on, eta canonical.Date) lifecycle.StoredShipment {
	return lifecycle.StoredShipment{Shipment: &canonical.Shipment{ShipmentID: "ASN-1", OrderNumbers: []string{"PO-1"},
		Supplier: canonical.Party{ID: "SUP-CN"}, ShipDate: on, EstimatedArrival: eta, Carrier: "DHL", TrackingNumbers: []string{"JD1"}},
		StoredAt: on.Time().Add(12 * time.Hour)}
}

func carrier(id string, status canonical.TrackingStatus, at time.Time) canonical.TrackingEvent {
	return canonical.TrackingEvent{EventID: id, TrackingNumber: "JD1", Carrier: "DHL", Status: status, OccurredAt: at}
}

// with applies changes to PO-1's records.
func with(changes ...func(*lifecycle.Records)) lifecycle.Records {
	r := po1()
	for _, c := range changes {
		c(&r)
	}
	return r
}

func responses(rs ...lifecycle.StoredResponse) func(*lifecycle.Records) {
	return func(r *lifecycle.Records) { r.Responses = append(r.Responses, rs...) }
}

func events(es ...canonical.OrderEvent) func(*lifecycle.Records) {
	return func(r *lifecycle.Records) { r.Events = append(r.Events, es...) }
}

func shipments(ss ...lifecycle.StoredShipment) func(*lifecycle.Records) {
	return func(r *lifecycle.Records) { r.Shipments = append(r.Shipments, ss...) }
}

func tracking(es ...canonical.TrackingEvent) func(*lifecycle.Records) {
	return func(r *lifecycle.Records) { r.Tracking = append(r.Tracking, es...) }
}

func shipTo(country canonical.Country) func(*lifecycle.Records) {
	return func(r *lifecycle.Records) { r.Order.ShipTo = &canonical.Address{Country: country} }
}

func supplier(id string, country canonical.Country) func(*lifecycle.Records) {
	return func(r *lifecycle.Records) { r.Order.Supplier = canonical.Party{ID: id, Country: country} }
}

func mustConfig(t *testing.T, y string) *Config {
	t.Helper()
	if y == "" {
		return &Config{}
	}
	c, err := LoadConfig("test.yaml", []byte(y), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func alertOf(alerts []pipelines.Alert, rule string) (pipelines.Alert, bool) {
	for _, a := range alerts {
		if a.Kind == rule {
			return a, true
		}
	}
	return pipelines.Alert{}, false
}

// invoiceAndPackingList requires two documents of every order.
const invoiceAndPackingList = "rules:\n  documents_missing: {documents: [commercial_invoice, packing_list]}\n"

func TestEachRuleFiresFromItsThresholdOn(t *testing.T) {
	confirmed := responses(accepted(day(2), canonical.Date{})) // confirmed on 2 March, 00:00
	cases := []struct {
		name   string
		config string
		rec    lifecycle.Records
		now    time.Time
		rule   string
		fires  bool
		data   map[string]string // when it fires
	}{
		// no_confirmation: 48 hours from the submission on 1 March at 10:00.
		{name: "an order unconfirmed for 48 hours raises no_confirmation", rec: po1(), now: march(3, 10),
			rule: RuleNoConfirmation, fires: true, data: map[string]string{"submitted_at": "2026-03-01T10:00:00Z", "waited_hours": "48", "lane": "CN->DE"}},
		{name: "an order unconfirmed for a minute under 48 hours raises nothing", rec: po1(), now: march(3, 10).Add(-time.Minute),
			rule: RuleNoConfirmation},
		{name: "a confirmed order raises no no_confirmation", rec: with(confirmed), now: march(9, 0), rule: RuleNoConfirmation},
		{name: "a counter-proposal waits for the buyer, not the supplier",
			rec: with(responses(lifecycle.StoredResponse{Response: &canonical.OrderResponse{OrderNumber: "PO-1", ResponseNumber: "C1",
				ResponseDate: day(2), Supplier: canonical.Party{ID: "SUP-CN"}, Status: canonical.ResponseChanged}})),
			now: march(9, 0), rule: RuleNoConfirmation},
		{name: "a counter-proposal the buyer declined waits for the supplier again",
			rec: with(responses(lifecycle.StoredResponse{Response: &canonical.OrderResponse{OrderNumber: "PO-1", ResponseNumber: "C1",
				ResponseDate: day(2), Supplier: canonical.Party{ID: "SUP-CN"}, Status: canonical.ResponseChanged}}),
				events(canonical.OrderEvent{EventID: "x1", OrderNumber: "PO-1", BuyerID: "ACME", Type: "counter_rejected", OccurredAt: march(3, 0)})),
			now: march(9, 0), rule: RuleNoConfirmation, fires: true},
		{name: "a confirmation that arrived late but is dated before now still counts", rec: with(responses(accepted(day(2), day(18)))),
			now: march(9, 0), rule: RuleNoConfirmation},

		// production_behind: plan from 2 March 00:00 to ready on 12 March 00:00; on 6 March the plan is 40%.
		{name: "progress 15 points behind plan raises production_behind", rec: with(confirmed, events(progress("p1", march(4, 0), "25", day(12)))),
			now: march(6, 0), rule: RuleProductionBehind, fires: true,
			data: map[string]string{"planned_percent": "40", "reported_percent": "25", "behind_points": "15", "ready_date": "2026-03-12"}},
		{name: "progress 14 points behind plan raises nothing", rec: with(confirmed, events(progress("p1", march(4, 0), "26", day(12)))),
			now: march(6, 0), rule: RuleProductionBehind},
		{name: "the latest report by its own time counts, not the last to arrive",
			rec: with(confirmed, events(progress("p2", march(5, 0), "30", day(12)), progress("p1", march(3, 0), "5", day(12)))),
			now: march(6, 0), rule: RuleProductionBehind},
		{name: "without a ready date production is not measured", rec: with(confirmed, events(progress("p1", march(4, 0), "0", canonical.Date{}))),
			now: march(11, 0), rule: RuleProductionBehind},
		{name: "without a ready date the lead times after production set the plan",
			config: "rules:\n  production_behind:\n    lead_times: {transit: 144h}\n", // ready = 21 March 00:00 less 6 days = 15 March
			rec:    with(confirmed, events(progress("p1", march(4, 0), "10", canonical.Date{}))),
			now:    march(8, 0), rule: RuleProductionBehind, fires: true, data: map[string]string{"ready_date": "2026-03-15", "planned_percent": "46.2"}},

		// eta_after_promised: needed 20 March, margin 0 hours by default.
		{name: "a carrier ETA a day after the requested date raises eta_after_promised",
			rec: with(confirmed, shipments(shipped(day(6), day(21)))), now: march(7, 0), rule: RuleETAAfterPromised, fires: true,
			data: map[string]string{"promised_date": "2026-03-20", "eta": "2026-03-21", "eta_source": "carrier", "late_hours": "24"}},
		{name: "a carrier ETA on the requested date raises nothing",
			rec: with(confirmed, shipments(shipped(day(6), day(20)))), now: march(7, 0), rule: RuleETAAfterPromised},
		{name: "a day late is within a margin of 24 hours",
			config: "rules:\n  eta_after_promised: {threshold: 24}\n",
			rec:    with(confirmed, shipments(shipped(day(6), day(21)))), now: march(7, 0), rule: RuleETAAfterPromised},
		{name: "two days late is past a margin of 24 hours",
			config: "rules:\n  eta_after_promised: {threshold: 24}\n",
			rec:    with(confirmed, shipments(shipped(day(6), day(22)))), now: march(7, 0), rule: RuleETAAfterPromised, fires: true},
		{name: "the supplier's confirmed date is the promise, not the requested date",
			rec: with(responses(accepted(day(2), day(25))), shipments(shipped(day(6), day(24)))), now: march(7, 0), rule: RuleETAAfterPromised},
		{name: "without a carrier ETA the lead-time model estimates a late delivery",
			config: "rules:\n  eta_after_promised:\n    lead_times: {production: 10d, handover: 2d, transit: 12d}\n",
			rec:    with(confirmed), now: march(3, 0), rule: RuleETAAfterPromised, fires: true,
			data: map[string]string{"eta_source": "lead_time_model", "promised_date": "2026-03-20"}},
		{name: "without a carrier ETA nor lead times nothing is estimated",
			rec: with(confirmed), now: march(19, 0), rule: RuleETAAfterPromised},

		// tracking_silent: 72 hours from the latest carrier event, 7 March 12:00 (it arrived first).
		{name: "72 hours without a carrier event raises tracking_silent",
			rec: with(confirmed, shipments(shipped(day(6), day(18))),
				tracking(carrier("e2", canonical.TrackingInTransit, march(7, 12)), carrier("e1", canonical.TrackingPickedUp, march(6, 15)))),
			now: march(10, 12), rule: RuleTrackingSilent, fires: true, data: map[string]string{"last_update_at": "2026-03-07T12:00:00Z", "silent_hours": "72"}},
		{name: "an hour under 72 hours raises nothing",
			rec: with(confirmed, shipments(shipped(day(6), day(18))),
				tracking(carrier("e2", canonical.TrackingInTransit, march(7, 12)), carrier("e1", canonical.TrackingPickedUp, march(6, 15)))),
			now: march(10, 11), rule: RuleTrackingSilent},
		{name: "a shipment without any carrier event is silent from its ship date",
			rec: with(confirmed, shipments(shipped(day(6), day(18)))), now: march(9, 0), rule: RuleTrackingSilent, fires: true,
			data: map[string]string{"last_update_at": "2026-03-06T00:00:00Z"}},
		{name: "a longer silence on a lane with a higher threshold raises nothing",
			config: "lanes:\n  CN->DE:\n    rules:\n      tracking_silent: {threshold: 120}\n",
			rec:    with(confirmed, shipments(shipped(day(6), day(18)))), now: march(9, 0), rule: RuleTrackingSilent},

		// customs_hold: 48 hours from the hold on 10 March 08:00.
		{name: "48 hours at customs raises customs_hold",
			rec: with(confirmed, shipments(shipped(day(6), day(18))), tracking(carrier("e1", canonical.TrackingCustomsHold, march(10, 8)))),
			now: march(12, 8), rule: RuleCustomsHold, fires: true, data: map[string]string{"held_since": "2026-03-10T08:00:00Z", "held_hours": "48"}},
		{name: "47 hours at customs raises nothing",
			rec: with(confirmed, shipments(shipped(day(6), day(18))), tracking(carrier("e1", canonical.TrackingCustomsHold, march(10, 8)))),
			now: march(12, 7), rule: RuleCustomsHold},
		{name: "cleared goods raise no customs_hold",
			rec: with(confirmed, shipments(shipped(day(6), day(18))), tracking(
				carrier("e2", canonical.TrackingCustomsCleared, march(11, 8)), carrier("e1", canonical.TrackingCustomsHold, march(10, 8)))),
			now: march(14, 0), rule: RuleCustomsHold},

		// documents_missing: 3 days before departure on 10 March (the ready date reported).
		{name: "3 days before departure without the documents raises documents_missing", config: invoiceAndPackingList,
			rec: with(confirmed, events(progress("p1", march(4, 0), "50", day(10)))), now: march(7, 0), rule: RuleDocumentsMissing, fires: true,
			data: map[string]string{"departure_date": "2026-03-10", "missing_documents": "commercial_invoice, packing_list"}},
		{name: "an hour before the window opens raises nothing", config: invoiceAndPackingList,
			rec: with(confirmed, events(progress("p1", march(4, 0), "50", day(10)))), now: march(6, 23), rule: RuleDocumentsMissing},
		{name: "with every required document received nothing is missing", config: invoiceAndPackingList,
			rec: with(confirmed, events(progress("p1", march(4, 0), "50", day(10)),
				document("d1", "commercial_invoice", march(5, 0)), document("d2", "packing_list", march(5, 1)))),
			now: march(8, 0), rule: RuleDocumentsMissing},
		{name: "a lane that requires a certificate of origin names it as missing",
			config: invoiceAndPackingList + "lanes:\n  CN->DE:\n    rules:\n      documents_missing: {documents: [commercial_invoice, packing_list, certificate_of_origin]}\n",
			rec: with(confirmed, events(progress("p1", march(4, 0), "50", day(10)),
				document("d1", "commercial_invoice", march(5, 0)), document("d2", "packing_list", march(5, 1)))),
			now: march(8, 0), rule: RuleDocumentsMissing, fires: true, data: map[string]string{"missing_documents": "certificate_of_origin"}},
		{name: "without a list of documents nothing is required",
			rec: with(confirmed, events(progress("p1", march(4, 0), "50", day(10)))), now: march(8, 0), rule: RuleDocumentsMissing},
		{name: "the same lane rule leaves another lane's order alone",
			config: invoiceAndPackingList + "lanes:\n  CN->DE:\n    rules:\n      documents_missing: {documents: [commercial_invoice, packing_list, certificate_of_origin]}\n",
			rec: with(supplier("SUP-US", "US"), confirmed, events(progress("p1", march(4, 0), "50", day(10)),
				document("d1", "commercial_invoice", march(5, 0)), document("d2", "packing_list", march(5, 1)))),
			now: march(8, 0), rule: RuleDocumentsMissing},

		// invoice_before_delivery
		{name: "an invoice before delivery raises invoice_before_delivery",
			rec: with(confirmed, events(canonical.OrderEvent{EventID: "i1", OrderNumber: "PO-1", BuyerID: "ACME", Type: "invoice_received", OccurredAt: march(4, 0)})),
			now: march(5, 0), rule: RuleInvoiceBeforeDelivery, fires: true, data: map[string]string{"invoiced_at": "2026-03-04T00:00:00Z"}},
		{name: "an invoice after delivery raises nothing",
			rec: with(confirmed, shipments(shipped(day(6), day(18))), tracking(carrier("e1", canonical.TrackingDelivered, march(9, 0))),
				events(canonical.OrderEvent{EventID: "i1", OrderNumber: "PO-1", BuyerID: "ACME", Type: "invoice_received", OccurredAt: march(10, 0)})),
			now: march(11, 0), rule: RuleInvoiceBeforeDelivery},

		// Per partner.
		{name: "a partner given 72 hours to confirm raises nothing at 48",
			config: "partners:\n  SUP-CN:\n    rules:\n      no_confirmation: {threshold: 72}\n",
			rec:    po1(), now: march(3, 10), rule: RuleNoConfirmation},
		{name: "a partner that turned a rule off raises nothing",
			config: "partners:\n  SUP-CN:\n    rules:\n      no_confirmation: {enabled: false}\n",
			rec:    po1(), now: march(9, 0), rule: RuleNoConfirmation},
		{name: "a partner's rule on one lane does not apply on another",
			config: "partners:\n  SUP-CN:\n    lanes:\n      CN->US:\n        rules:\n          no_confirmation: {threshold: 72}\n",
			rec:    po1(), now: march(3, 10), rule: RuleNoConfirmation, fires: true},
		{name: "a partner's rule on the order's ship-to lane applies",
			config: "partners:\n  SUP-CN:\n    lanes:\n      CN->US:\n        rules:\n          no_confirmation: {threshold: 72}\n",
			rec:    with(shipTo("US")), now: march(3, 10), rule: RuleNoConfirmation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			facts := FactsOf(c.rec)
			a, fired := alertOf(mustConfig(t, c.config).Evaluate(&facts, c.now), c.rule)
			if fired != c.fires {
				t.Fatalf("%s fired = %v, want %v (state %s; alert %+v)", c.rule, fired, c.fires, facts.Timeline.State, a)
			}
			if !fired {
				return
			}
			if a.ID == "" || a.Severity == "" || a.Message == "" || a.Action == "" || !a.OccurredAt.Equal(c.now) || a.Partner != facts.Order.Supplier.ID {
				t.Errorf("alert %+v; want an id, a severity, a reason, an action, the time of the scan and the supplier", a)
			}
			if a.Data["order_number"] != "PO-1" || a.Data["rule"] != c.rule || a.Data["buyer_id"] != "ACME" {
				t.Errorf("data %v; want the order, the buyer and the rule", a.Data)
			}
			for k, v := range c.data {
				if a.Data[k] != v {
					t.Errorf("data[%s] = %q; want %q (message %q)", k, a.Data[k], v, a.Message)
				}
			}
		})
	}
}

func TestTheSameConditionHasTheSameIDAndANewInstanceANewOne(t *testing.T) {
	c := &Config{}
	late := with(responses(accepted(day(2), canonical.Date{})), shipments(shipped(day(6), day(22))))
	f := FactsOf(late)
	first, _ := alertOf(c.Evaluate(&f, march(7, 0)), RuleETAAfterPromised)
	again, _ := alertOf(c.Evaluate(&f, march(8, 12)), RuleETAAfterPromised)
	if first.ID == "" || first.ID != again.ID {
		t.Fatalf("ids %q and %q; want one id for one late ETA against one promised date", first.ID, again.ID)
	}
	// The supplier promises 21 March instead: a new condition.
	repromised := with(responses(accepted(day(2), canonical.Date{}), accepted(day(7), day(21))), shipments(shipped(day(6), day(22))))
	f2 := FactsOf(repromised)
	next, ok := alertOf(c.Evaluate(&f2, march(8, 0)), RuleETAAfterPromised)
	if !ok || next.ID == first.ID || next.Data["promised_date"] != "2026-03-21" {
		t.Errorf("after a new promise: %+v; want a new alert measured against 21 March", next)
	}
	if want := AlertID(RuleETAAfterPromised, "ACME", "PO-1", "2026-03-20"); first.ID != want {
		t.Errorf("id %q; want AlertID of the rule, the order and the promised date %q", first.ID, want)
	}
}

func TestAnOrderThatIsDoneRaisesNothing(t *testing.T) {
	c := &Config{}
	for name, rec := range map[string]lifecycle.Records{
		"delivered": with(shipments(shipped(day(6), day(25))), tracking(carrier("e1", canonical.TrackingDelivered, march(24, 0)))),
		"rejected": with(responses(lifecycle.StoredResponse{Response: &canonical.OrderResponse{OrderNumber: "PO-1",
			ResponseNumber: "R9", ResponseDate: day(2), Supplier: canonical.Party{ID: "SUP-CN"}, Status: canonical.ResponseRejected}})),
		"cancelled": with(events(canonical.OrderEvent{EventID: "c1", OrderNumber: "PO-1", BuyerID: "ACME", Type: "cancelled", OccurredAt: march(2, 0)})),
	} {
		f := FactsOf(rec)
		if got := c.Evaluate(&f, march(30, 0)); len(got) != 0 || Open(f.Timeline.State) {
			t.Errorf("%s order (state %s): %d alerts %+v; want none", name, f.Timeline.State, len(got), got)
		}
	}
}

func TestAWarningLeftUnresolvedEscalatesOnceItIsDue(t *testing.T) {
	c := mustConfig(t, "partners:\n  SUP-CN:\n    rules:\n      customs_hold: {escalate_after: 12h}\n")
	raised := march(5, 0)
	original := store.Alert{ID: "a1", Kind: RuleCustomsHold, Severity: SeverityWarning, Partner: "SUP-CN",
		Subject: "order PO-1 of ACME: held at customs for 48h", Message: "held", SuggestedAction: "Ask the broker.",
		OccurredAt: raised, Status: store.AlertOpen,
		Data: map[string]string{"order_number": "PO-1", "buyer_id": "ACME", "supplier_id": "SUP-CN", "lane": "CN->DE"}}
	acknowledged := original
	acknowledged.Status = store.AlertAcknowledged
	resolved := original
	resolved.Status = store.AlertResolved
	otherPartner := original
	otherPartner.Data = map[string]string{"order_number": "PO-2", "buyer_id": "ACME", "supplier_id": "SUP-X", "lane": "CN->DE"}
	escalation := original
	escalation.Kind = KindEscalated
	foreign := original
	foreign.Kind = pipelines.AlertBalanceMismatch
	cases := []struct {
		name  string
		alert store.Alert
		now   time.Time
		due   bool
	}{
		{"an open warning 12 hours old escalates under its partner's setting", original, raised.Add(12 * time.Hour), true},
		{"an open warning a minute younger does not", original, raised.Add(12*time.Hour - time.Minute), false},
		{"an acknowledged but unresolved warning escalates", acknowledged, raised.Add(13 * time.Hour), true},
		{"a resolved warning never escalates", resolved, raised.Add(100 * time.Hour), false},
		{"another partner's warning waits the default 24 hours", otherPartner, raised.Add(23 * time.Hour), false},
		{"an escalation does not escalate again", escalation, raised.Add(100 * time.Hour), false},
		{"an alert of another kind is not ours to escalate", foreign, raised.Add(100 * time.Hour), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			esc, due := c.Escalate(tc.alert, tc.now)
			if due != tc.due {
				t.Fatalf("due = %v; want %v", due, tc.due)
			}
			if !due {
				return
			}
			if esc.ID != EscalationID(tc.alert.ID) || esc.Kind != KindEscalated || esc.Severity != SeverityCritical ||
				esc.Data["escalates"] != tc.alert.ID || esc.Data["order_number"] != "PO-1" || !strings.Contains(esc.Action, "Ask the broker.") {
				t.Errorf("escalation %+v; want critical, its own id, pointing at %s, with the original's action", esc, tc.alert.ID)
			}
		})
	}
}
