package tracking_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/tracking"
	"github.com/procurehub/procurehub/connectors/webhook"
)

func TestKindSpecIsComplete(t *testing.T) {
	connectortest.CheckSpec(t, tracking.Spec())
}

func TestTheSpecExampleBuildsAWebhookAndAPoller(t *testing.T) {
	c, err := tracking.New(context.Background(), connectortest.Config(t, tracking.Spec().Example, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Decoder == nil || c.Source == nil || c.Webhook == nil || c.PollInterval != 30*time.Second {
		t.Fatalf("connector %+v; want a decoder, a poller every 30s and a webhook", c)
	}
	// ${DEMO_WEBHOOK_SECRET} reads "example" in connectortest.Config.
	sig := webhook.Signature{Secret: []byte("example")}
	body := []byte(`{"event_id":"e1"}`)
	v, _ := sig.Sign(body, time.Now())
	h := http.Header{}
	h.Set(webhook.DefaultHeader, v)
	if err := c.Webhook.Verify(h, body, time.Now()); err != nil {
		t.Errorf("a delivery signed with the configured secret was refused: %v", err)
	}
	h.Set(webhook.DefaultHeader, strings.Replace(v, "v1=", "v1=0", 1))
	if err := c.Webhook.Verify(h, body, time.Now()); err == nil {
		t.Error("a wrong signature was accepted")
	}
}

func TestKindReportsBadSettings(t *testing.T) {
	for _, tt := range []struct{ name, settings, want string }{
		{"no profile names the built-in ones", "  webhook:\n    secret: ${S}\n", "profile (one of aftership"},
		{"an unknown built-in profile", "  profile: ups\n  webhook:\n    secret: ${S}\n", `no built-in profile "ups"`},
		{"neither webhook nor poll", "  profile: demo\n", "webhook or poll is required"},
		{"an unknown pagination", "  profile: demo\n  poll: {url: 'https://x.example/e', pagination: offset}\n", `pagination "offset"`},
		{"a poll URL that is not http", "  profile: demo\n  poll: {url: 'ftp://x.example/e'}\n", "not an http(s) URL"},
		{"a literal webhook secret", "  profile: demo\n  webhook: {secret: hunter2}\n", "credentials come from the environment"},
		{"an unknown webhook scheme", "  profile: demo\n  webhook:\n    secret: ${S}\n    scheme: md5\n", `scheme "md5"`},
		{"an unknown key is named with its position", "  profile: demo\n  webhook:\n    secret: ${S}\n    secrett: x\n", "example.yaml:7:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entry := "name: dhl\nkind: tracking\nsettings:\n" + tt.settings
			_, err := tracking.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestAPerNumberPollerAsksTheRuntimeForNumbers(t *testing.T) {
	entry := "name: dhl\nkind: tracking\nsettings:\n  profile: demo\n  poll: {url: 'https://api.carrier.example/track/{tracking_number}', interval: 15m, carrier: DHL}\n"
	c, err := tracking.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if c.PollInterval != time.Minute {
		t.Errorf("poll interval %s; want 1m: numbers are looked at every minute, each polled when due", c.PollInterval)
	}
	if _, err := c.Source.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "no tracking numbers") {
		t.Errorf("Poll without the runtime's numbers = %v; want it said", err)
	}
}
