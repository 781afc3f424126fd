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

func TestGroupPerTopicCommitsEachTopicUnderAGroupOfItsOwn(t *testing.T) {
	brokers := startBroker(t, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	a, b := nameFor(t, "a"), nameFor(t, "b")
	pub := newTestPublisher(t, brokers)
	publish(t, pub, a, keyed("00000000-0000-4000-8000-0000000000a1", "k"))
	publish(t, pub, b, keyed("00000000-0000-4000-8000-0000000000b1", "k"), keyed("00000000-0000-4000-8000-0000000000b2", "k"))
	cfg := testSubscriberConfig(brokers, "hub")
	cfg.GroupPerTopic = true
	sub := newTestSubscriber(t, cfg)
	for topic, n := range map[string]int{a: 1, b: 2} {
		msgs, err := sub.Subscribe(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		for range n {
			receive(t, msgs).Ack()
		}
	}
	// Drain with each per-topic group finds nothing left: the acks were
	// committed there, not under "hub".
	for _, topic := range []string{a, b} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, err := Drain(ctx, DrainConfig{Brokers: brokers, Topic: topic, Group: "hub." + topic}, func(*message.Message) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if res.Read == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("group hub.%s still has %d messages to read: the acks were not committed under it", topic, res.Read)
			}
			time.Sleep(50 * time.Millisecond)
		}
		res, err := Drain(ctx, DrainConfig{Brokers: brokers, Topic: topic, Group: "hub"}, func(*message.Message) error { return nil })
		if err != nil || res.Read == 0 {
			t.Errorf("group hub on %s: %d to read, err %v; want everything (nothing committed there)", topic, res.Read, err)
		}
	}
}
