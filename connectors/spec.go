package connectors

import (
	"context"
	"log/slog"
	"time"
)

// Spec describes a connector kind: its settings drive config decoding,
// `procurehub config check`, `procurehub connectors` and the generated docs.
type Spec struct {
	Kind    string   `json:"kind"`    // snake_case, e.g. "erp_export"
	Summary string   `json:"summary"` // one line
	Formats []string `json:"formats"` // formats it decodes, e.g. "erp_csv"
	Fields  []Field  `json:"fields"`
	// Example is a complete partner config (YAML) that builds; the
	// conformance kit builds it.
	Example string `json:"example"`
}

// Field is one setting of a connector kind.
type Field struct {
	Name        string `json:"name"` // YAML key, snake_case; nested keys as "source.path"
	Type        string `json:"type"` // string, int, number, bool, duration, list, map, mapping
	Default     string `json:"default,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Secret      bool   `json:"secret,omitempty"` // only from ${ENV}; never logged
	Description string `json:"description"`
	Example     string `json:"example,omitempty"`
}

// Config is what a constructor gets for one partner.
type Config struct {
	Partner string // partner name, unique in a config
	Kind    string
	// Decode decodes the partner's settings into v strictly: an unknown key is
	// an error naming file:line:column.
	Decode func(v any) error
	// Dir is the directory relative paths in the settings are resolved against.
	Dir    string
	Logger *slog.Logger
	// Tracked lists the tracking numbers the hub knows from shipments
	// (ASNs) of a carrier ("" for all), with their latest status, for
	// pollers that ask a carrier number by number. Nil outside the runtime.
	Tracked func(ctx context.Context, carrier string) ([]TrackedNumber, error)
}

// TrackedNumber is a tracking number the hub knows, with the normalized
// status of its latest event ("" and zero before any).
type TrackedNumber struct {
	Number    string
	Status    string
	ChangedAt time.Time
}

// Connector is one configured partner connection.
type Connector struct {
	Source  Source
	Decoder Decoder
	// PollInterval is how often the runtime should call Source.Poll, from
	// the partner's settings (poll_interval); 0 leaves it to the runtime.
	PollInterval time.Duration
	// Webhook, when set, takes the deliveries the partner pushes: the
	// runtime answers POST /webhooks/tracking/{partner}, checks each
	// delivery with Webhook.Verify, and decodes it with Decoder. Source
	// may then be nil, for a partner that only pushes.
	Webhook *Webhook
}

// Webhook is how a partner's pushed deliveries are checked.
type Webhook struct {
	// Verify checks a delivery's signature, and its age when it is signed
	// with a timestamp, from its headers and body at time now. The error
	// says why, never with a secret.
	Verify func(h interface{ Get(string) string }, body []byte, now time.Time) error
	// MaxBytes bounds a delivery's body; 0 for the receiver's default.
	MaxBytes int64
}

// Constructor builds a connector from its config. It applies defaults and
// validates the settings before touching any server.
type Constructor func(ctx context.Context, cfg Config) (*Connector, error)
