package demo

import (
	"context"
	"log/slog"
	"time"

	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/internal/carriersim"
)

// ScenarioStart is when the demo's shipments left: the ship date of the
// demo ASNs (data/shenzhen-parts-edi).
var ScenarioStart = time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)

// TrackingPrefix starts the demo's tracking numbers: DEMO0001 ... DEMO0006,
// one per carriersim scenario, named in the demo ASNs.
const TrackingPrefix = "DEMO"

// Carrier is the demo's simulated carrier.
type Carrier struct {
	Addr       string        // API address, e.g. 127.0.0.1:8089
	WebhookURL string        // the hub's webhook of the demo carrier partner
	Secret     []byte        // signs the deliveries
	Every      time.Duration // between deliveries
	Logger     *slog.Logger
}

// Run serves the simulated tracking API with every scenario's events, and
// pushes the same events to the webhook one at a time, in each scenario's
// delivery order (out of order and duplicates included), until all are
// sent or ctx ends. The poller and the webhook both deliver every event:
// the hub keeps each once.
func (c *Carrier) Run(ctx context.Context) error {
	scenarios := carriersim.Scenarios(ScenarioStart, TrackingPrefix)
	api := &carriersim.API{PerPage: 10}
	for _, sc := range scenarios {
		api.Publish(sc.Events...)
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	base, err := api.Start(ctx, c.Addr)
	if err != nil {
		// The demo goes on without its carrier rather than not at all
		// (another program on the port): say so and what to change.
		log.Error("demo carrier not started; set PROCUREHUB_DEMO_CARRIER_ADDR to a free address", "addr", c.Addr, "err", err)
		return nil
	}
	defer api.Close()
	log.Info("demo carrier: tracking API listening", "url", base+"/v1/events")
	sender := &carriersim.Sender{URL: c.WebhookURL, Signature: webhook.Signature{Secret: c.Secret}}
	// Interleave the scenarios, so every shipment moves a little at a time.
	var queue []carriersim.Event
	for i := 0; ; i++ {
		more := false
		for _, sc := range scenarios {
			if d := sc.Delivered(); i < len(d) {
				queue, more = append(queue, d[i]), true
			}
		}
		if !more {
			break
		}
	}
	for _, e := range queue {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.Every):
		}
		if err := sender.Send(ctx, e); err != nil && ctx.Err() == nil {
			log.Warn("demo carrier: webhook delivery failed", "tracking_number", e.TrackingNumber, "err", err)
		}
	}
	log.Info("demo carrier: every scenario delivered", "events", len(queue))
	<-ctx.Done()
	return nil
}
