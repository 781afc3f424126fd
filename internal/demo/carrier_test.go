package demo

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

func TestADemoCarrierWhosePortIsTakenSaysSoAndLetsTheHubRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var logs bytes.Buffer
	c := &Carrier{Addr: ln.Addr().String(), WebhookURL: "http://127.0.0.1:1/webhooks/tracking/demo",
		Secret: []byte("s"), Every: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatalf("Run = %v; want nil: a busy port must not stop the hub", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run waited for the end of the context instead of giving up at once")
	}
	if !strings.Contains(logs.String(), "PROCUREHUB_DEMO_CARRIER_ADDR") {
		t.Errorf("log %q; want the setting that frees the port named", logs.String())
	}
}
