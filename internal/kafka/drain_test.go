package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

func TestDrainReadsOnceUpToTheEndAndResumesAfterAFailure(t *testing.T) {
	brokers := startBroker(t, 2)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	topic := nameFor(t, "poison")
	pub, err := NewPublisher(PublisherConfig{Brokers: brokers, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	publish := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			m := message.NewMessage(id, []byte(`{}`))
			m.Metadata.Set(KeyMetadata, id)
			if err := pub.Publish(topic, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	drain := func(commit bool, fail string) ([]string, DrainResult, error) {
		var got []string
		res, err := Drain(ctx, DrainConfig{Brokers: brokers, Topic: topic, Group: "replay", Commit: commit, Logger: testLogger()},
			func(m *message.Message) error {
				if m.UUID == fail {
					return errors.New("still broken")
				}
				got = append(got, m.UUID)
				return nil
			})
		slices.Sort(got)
		return got, res, err
	}
	ids := func(n, from int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("msg-%02d", from+i))
		}
		return out
	}

	publish(ids(5, 1)...)
	if got, res, err := drain(false, ""); err != nil || len(got) != 5 || res.Read != 5 {
		t.Fatalf("dry run: %v %+v %v; want the 5 messages", got, res, err)
	}
	if got, _, err := drain(true, ""); err != nil || !slices.Equal(got, ids(5, 1)) {
		t.Fatalf("first drain: %v %v; want the 5 messages (the dry run moved nothing)", got, err)
	}
	if got, _, err := drain(true, ""); err != nil || len(got) != 0 {
		t.Errorf("second drain: %v %v; want nothing: every message was handled", got, err)
	}
	publish(ids(3, 6)...)
	got, res, err := drain(true, "msg-07")
	if err == nil || res.Left < 1 {
		t.Errorf("a failing message: err %v, left %d; want the error and the message left", err, res.Left)
	}
	if slices.Contains(got, "msg-07") {
		t.Errorf("the failing message was counted as read: %v", got)
	}
	// The failing message and what follows it on its partition come again.
	again, _, err := drain(true, "")
	if err != nil || !slices.Contains(again, "msg-07") || len(got)+len(again) != 3 {
		t.Errorf("after the fix: %v then %v, err %v; want every new message once, msg-07 included", got, again, err)
	}
}
