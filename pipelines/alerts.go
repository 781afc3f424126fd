package pipelines

import (
	"encoding/json"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
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
	ID         string            `json:"alert_id"` // deterministic: the same condition alerts once
	Kind       string            `json:"kind"`
	Severity   string            `json:"severity"`
	Partner    string            `json:"partner,omitempty"`
	Subject    string            `json:"subject"`
	Message    string            `json:"message"`
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
