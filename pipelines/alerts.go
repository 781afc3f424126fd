package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/internal/store"
)

// Alert kinds and severities on procurehub.alerts.v1.
const (
	AlertBalanceMismatch   = "balance_mismatch"   // a bank statement whose balances do not add up
	AlertSourceUnreachable = "source_unreachable" // a partner's server or API has failed every poll for a while
	AlertSourceRecovered   = "source_recovered"   // ... and answers again

	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Alert is a message of procurehub.alerts.v1: something a person should
// look at. Alerts carry no full account numbers (Subject and Data are masked).
type Alert struct {
	ID       string `json:"alert_id"` // deterministic: the same condition alerts once
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Partner  string `json:"partner,omitempty"`
	Subject  string `json:"subject"`
	Message  string `json:"message"`
	// Action suggests what a person should do about it.
	Action     string            `json:"suggested_action,omitempty"`
	OccurredAt time.Time         `json:"occurred_at"`
	Data       map[string]string `json:"data,omitempty"`
}

// ToMessage returns the alert as a message keyed by partner, with its
// CloudEvents type.
func (a Alert) ToMessage() (*message.Message, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	msg := message.NewMessage(a.ID, b)
	msg.Metadata.Set(MetaPartitionKey, a.Partner)
	msg.Metadata.Set(MetaCEType, "procurehub.alert.v1")
	msg.Metadata.Set(MetaCESource, "procurehub/pipelines")
	msg.Metadata.Set(MetaPartner, a.Partner)
	return msg, nil
}

// AlertWriter keeps alerts once each and moves them through their
// lifecycle (store.Alert: open, acknowledged, resolved).
type AlertWriter interface {
	AddAlert(ctx context.Context, a store.Alert) (bool, error)
	ListAlerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, string, error)
	SetAlertStatus(ctx context.Context, id, status, by string) error
}

// HandlerStoreAlerts is the handler name of the alert sink.
const HandlerStoreAlerts = "store_alerts"

// AlertResolvedBy is the StatusBy of an alert the hub resolved itself.
const AlertResolvedBy = "procurehub"

// AlertSink keeps the alerts of procurehub.alerts.v1, each once however
// often it is delivered, so that GET /api/v1/alerts can list them and a
// person can acknowledge and resolve them. A source_recovered alert
// resolves, here rather than in the store, the source_unreachable alerts
// of its partner still open or acknowledged: the store knows no alert
// kinds. It does so on every delivery, so a redelivery after a failure
// half-way finishes the job.
type AlertSink struct {
	W       AlertWriter
	Metrics *Metrics
}

// Handle is the Watermill handler. An alert that cannot be read, or that
// the store refuses (no id, kind, severity or time), is permanent: it goes
// to the poison topic with its reason.
func (s *AlertSink) Handle(msg *message.Message) error {
	var a Alert
	if err := json.Unmarshal(msg.Payload, &a); err != nil {
		return Permanent(fmt.Errorf("decode alert: %w", err))
	}
	ctx := msg.Context()
	added, err := s.W.AddAlert(ctx, store.Alert{ID: a.ID, Kind: a.Kind, Severity: a.Severity, Partner: a.Partner,
		Subject: a.Subject, Message: a.Message, SuggestedAction: a.Action, OccurredAt: a.OccurredAt, Data: a.Data})
	if err != nil {
		return permanentIfInvalid(fmt.Errorf("store alert %s: %w", a.ID, err))
	}
	if s.Metrics != nil {
		result := "added"
		if !added {
			result = "duplicate"
		}
		s.Metrics.Alerts.WithLabelValues(a.Kind, result).Inc()
	}
	if a.Kind == AlertSourceRecovered && a.Partner != "" {
		if err := s.resolveOutages(ctx, a.Partner); err != nil {
			return fmt.Errorf("resolve the outage alerts of %s: %w", a.Partner, err)
		}
	}
	return nil
}

// resolveOutages resolves the source_unreachable alerts of partner that are
// open or acknowledged.
func (s *AlertSink) resolveOutages(ctx context.Context, partner string) error {
	for _, status := range []string{store.AlertOpen, store.AlertAcknowledged} {
		f := store.AlertFilter{Kind: AlertSourceUnreachable, Partner: partner, Status: status, Limit: store.MaxLimit}
		for {
			alerts, next, err := s.W.ListAlerts(ctx, f)
			if err != nil {
				return err
			}
			for _, u := range alerts {
				err := s.W.SetAlertStatus(ctx, u.ID, store.AlertResolved, AlertResolvedBy)
				// Someone resolved it meanwhile: that is what we wanted.
				if err != nil && !errors.Is(err, store.ErrInvalid) {
					return err
				}
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
	}
	return nil
}
