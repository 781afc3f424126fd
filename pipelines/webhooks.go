package pipelines

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// TopicTrackingWebhooks holds carrier webhook deliveries as received and
// verified: the receiver publishes a body there before it answers 202, so a
// delivery that was answered is never lost; WebhookDecoder turns it into
// tracking events. Internal: its payload is the carrier's, not canonical.
const TopicTrackingWebhooks = "procurehub.tracking-webhooks.v1"

// HandlerTrackingWebhooks is the handler of TopicTrackingWebhooks.
const HandlerTrackingWebhooks = "decode_tracking_webhooks"

// Metadata of a webhook delivery message.
const (
	MetaWebhookEndpoint = "webhook_endpoint"
	MetaReceivedAt      = "received_at"
)

// WebhookMessage is the message of one verified delivery to endpoint. The
// same body delivered twice gets the same id; the events in it are kept
// once each anyway.
func WebhookMessage(endpoint string, body []byte, receivedAt time.Time) *message.Message {
	sum := sha256.Sum256(body)
	id := uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "webhook/%s/%x", endpoint, sum))
	msg := message.NewMessage(id.String(), body)
	// Keyed by content, so deliveries spread over the partitions and are
	// decoded side by side: their order does not matter, since events are
	// placed by the time they happened.
	msg.Metadata.Set(MetaPartitionKey, fmt.Sprintf("%x", sum[:8]))
	msg.Metadata.Set(MetaWebhookEndpoint, endpoint)
	msg.Metadata.Set(MetaPartner, endpoint)
	msg.Metadata.Set(MetaReceivedAt, receivedAt.UTC().Format(time.RFC3339Nano))
	return msg
}

// WebhookDecoder decodes webhook deliveries with their endpoint's decoder
// (a carrier profile) and publishes each tracking event to
// procurehub.tracking-events.v1, keyed by tracking number, and each row
// error to procurehub.rejects.v1. A delivery no decoder can read at all
// (malformed JSON) is permanent: it goes to the poison topic with the
// reason, to be replayed once the profile is fixed.
type WebhookDecoder struct {
	// Decoders by endpoint name (the partner).
	Decoders  map[string]connectors.Decoder
	Publisher message.Publisher
	Metrics   *Metrics
	Logger    *slog.Logger
}

// CloudEvents types of the two payloads of procurehub.rejects.v1.
const (
	CETypeRowReject   = "procurehub.row_reject.v1"   // Reject: a part of an input not taken
	CETypeOrderReject = "procurehub.order_reject.v1" // OrderReject: an order that failed validation
)

// Reject is the payload of a procurehub.rejects.v1 message of type
// CETypeRowReject: what a partner sent that was not taken, and why.
type Reject struct {
	Partner  string              `json:"partner"`
	Input    string              `json:"input"`
	RowError connectors.RowError `json:"row_error"`
}

// Handle is the Watermill handler.
func (d *WebhookDecoder) Handle(msg *message.Message) error {
	endpoint := msg.Metadata.Get(MetaWebhookEndpoint)
	dec, ok := d.Decoders[endpoint]
	if !ok {
		return Permanent(fmt.Errorf("webhook delivery for endpoint %q, which has no decoder", endpoint))
	}
	sum := sha256.Sum256(msg.Payload)
	body := msg.Payload
	in := connectors.Input{Partner: endpoint, Connector: "tracking", Name: "webhook-" + msg.Metadata.Get(MetaReceivedAt),
		Origin: "webhook://" + endpoint, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(body)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }}
	sink := &collectSink{}
	err := dec.Decode(msg.Context(), in, bytes.NewReader(body), sink)
	var fe *connectors.FileError
	if errors.As(err, &fe) {
		return Permanent(fmt.Errorf("webhook delivery to %s: %w", endpoint, fe))
	}
	if err != nil {
		return fmt.Errorf("webhook delivery to %s: %w", endpoint, err)
	}
	var events, rejects []*message.Message
	for _, r := range sink.records {
		ev, ok := r.Value.(*canonical.TrackingEvent)
		if !ok {
			return Permanent(fmt.Errorf("webhook delivery to %s: a %s record; tracking events only", endpoint, r.Type))
		}
		// One id per event: a delivery repeated, or the same event polled
		// and pushed, publishes the same message.
		id := uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "tracking/%s/%s/%s", endpoint, ev.TrackingNumber, ev.EventID))
		m, err := recordMessage(id.String(), r, "tracking", endpoint, in)
		if err != nil {
			return Permanent(err)
		}
		events = append(events, m)
	}
	for i, e := range sink.rowErrors {
		b, err := json.Marshal(Reject{Partner: endpoint, Input: in.Name, RowError: e})
		if err != nil {
			return Permanent(err)
		}
		m := message.NewMessage(uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "reject/%s/%s/%d", endpoint, in.SHA256, i)).String(), b)
		m.Metadata.Set(MetaPartitionKey, endpoint)
		m.Metadata.Set(MetaPartner, endpoint)
		m.Metadata.Set(MetaCEType, CETypeRowReject)
		rejects = append(rejects, m)
	}
	if len(events) > 0 {
		if err := d.Publisher.Publish(TopicTrackingEvents, events...); err != nil {
			return fmt.Errorf("publish tracking events: %w", err)
		}
	}
	if len(rejects) > 0 {
		if err := d.Publisher.Publish(TopicRejects, rejects...); err != nil {
			return fmt.Errorf("publish rejects: %w", err)
		}
	}
	if d.Metrics != nil {
		d.Metrics.Records.WithLabelValues(endpoint, canonical.TypeTrackingEvent).Add(float64(len(events)))
		for _, e := range sink.rowErrors {
			if !e.Warning {
				d.Metrics.Rejects.WithLabelValues(endpoint).Inc()
			}
		}
	}
	for _, e := range sink.rowErrors {
		d.logger().Warn("webhook event not taken as sent", "partner", endpoint, "code", e.Code, "warning", e.Warning, "err", e.Error())
	}
	return nil
}

func (d *WebhookDecoder) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

// collectSink keeps what a decoder gives for one small input.
type collectSink struct {
	records   []connectors.Record
	rowErrors []connectors.RowError
}

func (s *collectSink) Record(_ context.Context, r connectors.Record) error {
	s.records = append(s.records, r)
	return nil
}

func (s *collectSink) RowError(_ context.Context, e connectors.RowError) error {
	s.rowErrors = append(s.rowErrors, e)
	return nil
}
