package kafka

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"
)

// guard bounds every wait for a message; reaching it fails the test. It is a
// safety net against hangs, not a measurement.
const guard = 30 * time.Second

func newTestPublisher(t *testing.T, brokers []string) *Publisher {
	t.Helper()
	pub, err := NewPublisher(PublisherConfig{Brokers: brokers, Source: "procurehub-test", Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	return pub
}

func newTestSubscriber(t *testing.T, cfg SubscriberConfig) *Subscriber {
	t.Helper()
	sub, err := NewSubscriber(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return sub
}

func subscribe(t *testing.T, sub *Subscriber, topic string) <-chan *message.Message {
	t.Helper()
	ch, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// receive returns the next message of ch, failing the test if ch is closed or
// nothing arrives within guard.
func receive(t *testing.T, ch <-chan *message.Message) *message.Message {
	t.Helper()
	select {
	case msg, ok := <-ch:
		if !ok {
			t.Fatal("subscription channel closed while a message was expected")
		}
		return msg
	case <-time.After(guard):
		t.Fatal("no message arrived")
	}
	return nil
}

// keyed returns a message with the given UUID, payload and partition key.
func keyed(uuid, key string) *message.Message {
	msg := message.NewMessage(uuid, []byte(`{"id":"`+uuid+`"}`))
	if key != "" {
		msg.Metadata.Set(KeyMetadata, key)
	}
	return msg
}

func publish(t *testing.T, pub *Publisher, topic string, msgs ...*message.Message) {
	t.Helper()
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

func ensure(t *testing.T, brokers []string, partitions int, topic string) {
	t.Helper()
	if err := EnsureTopics(context.Background(), brokers, partitions, topic); err != nil {
		t.Fatal(err)
	}
}

func TestCloudEventsHeadersOnTheWire(t *testing.T) {
	brokers := startBroker(t, 1)
	pub := newTestPublisher(t, brokers)
	payload, err := os.ReadFile("testdata/order-created.json")
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		metadata map[string]string
		want     map[string]string // headers; "*" means any RFC 3339 time
		wantKey  string
	}{
		{
			name:     "a bare message gets the configured source, the time of publishing and JSON",
			metadata: nil,
			want: map[string]string{
				HeaderSource: "procurehub-test", HeaderTime: "*", HeaderSpecVersion: "1.0",
				HeaderContentType: "application/json",
			},
		},
		{
			name: "metadata sets type, source, time and content type, and other entries become headers",
			metadata: map[string]string{
				"ce_type": "procurehub.order.v1", "ce_source": "connector/erp_export/nordwind",
				"ce_time": "2026-03-02T08:15:00Z", "content-type": "application/cloudevents+json",
				"partner": "nordwind", KeyMetadata: "PO-2026-0042",
			},
			want: map[string]string{
				HeaderType: "procurehub.order.v1", HeaderSource: "connector/erp_export/nordwind",
				HeaderTime: "2026-03-02T08:15:00Z", HeaderSpecVersion: "1.0",
				HeaderContentType: "application/cloudevents+json", "partner": "nordwind",
				KeyMetadata: "PO-2026-0042",
			},
			wantKey: "PO-2026-0042",
		},
		{
			name: "where a consumed message was read is not published again",
			metadata: map[string]string{
				TopicMetadata: "procurehub.orders.v1", PartitionMetadata: "3", OffsetMetadata: "77",
				KafkaKeyMetadata: "PO-1", "ce_specversion": "0.3", "ce_id": "someone-else",
			},
			want: map[string]string{
				HeaderSource: "procurehub-test", HeaderTime: "*", HeaderSpecVersion: "1.0",
				HeaderContentType: "application/json",
			},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			topic := nameFor(t, "wire")
			ensure(t, brokers, 1, topic)
			uuid := "0c7f3f4e-0000-4000-8000-00000000000" + strconv.Itoa(i)
			msg := message.NewMessage(uuid, payload)
			for k, v := range tc.metadata {
				msg.Metadata.Set(k, v)
			}
			publish(t, pub, topic, msg)

			r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: brokers, Topic: topic, Partition: 0, MaxWait: 50 * time.Millisecond})
			defer r.Close()
			ctx, cancel := context.WithTimeout(context.Background(), guard)
			defer cancel()
			rec, err := r.ReadMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}

			got := map[string]string{}
			for _, h := range rec.Headers {
				if _, dup := got[h.Key]; dup {
					t.Errorf("header %s appears twice", h.Key)
				}
				got[h.Key] = string(h.Value)
			}
			if got[HeaderID] != uuid {
				t.Errorf("ce_id = %q, want the message UUID %q", got[HeaderID], uuid)
			}
			delete(got, HeaderID)
			for k, v := range tc.want {
				if v == "*" {
					if _, err := time.Parse(time.RFC3339Nano, got[k]); err != nil {
						t.Errorf("%s = %q is not an RFC 3339 time", k, got[k])
					}
				} else if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
				delete(got, k)
			}
			for k, v := range got {
				t.Errorf("unexpected header %s = %q", k, v)
			}
			if string(rec.Key) != tc.wantKey {
				t.Errorf("key = %q, want %q", rec.Key, tc.wantKey)
			}
			if string(rec.Value) != string(payload) {
				t.Errorf("value = %q, want the payload", rec.Value)
			}
		})
	}
}

func TestPublishRejectsWhatCannotBeACloudEvent(t *testing.T) {
	brokers := startBroker(t, 1)
	pub := newTestPublisher(t, brokers)
	cases := []struct {
		name string
		msg  *message.Message
	}{
		{"a message without a UUID", message.NewMessage("", []byte("{}"))},
		{"a ce_time that is not RFC 3339", func() *message.Message {
			m := message.NewMessage("b1", []byte("{}"))
			m.Metadata.Set(HeaderTime, "02.03.2026 08:15")
			return m
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := pub.Publish("rejects", tc.msg); err == nil {
				t.Error("Publish succeeded, want an error")
			}
		})
	}
}

func TestDeliveredMessagesCarryHeadersAndWhereTheyWereRead(t *testing.T) {
	brokers := startBroker(t, 1)
	topic := nameFor(t, "meta")
	pub := newTestPublisher(t, brokers)
	sub := newTestSubscriber(t, testSubscriberConfig(brokers, nameFor(t, "cg")))
	msgs := subscribe(t, sub, topic)

	sent := keyed("5e1d8a2c-1", "PO-7")
	sent.Metadata.Set("ce_type", "procurehub.order.v1")
	sent.Metadata.Set("partner", "nordwind")
	publish(t, pub, topic, sent)

	got := receive(t, msgs)
	defer got.Ack()
	if got.UUID != sent.UUID {
		t.Errorf("UUID = %q, want %q", got.UUID, sent.UUID)
	}
	if string(got.Payload) != string(sent.Payload) {
		t.Errorf("payload = %q, want %q", got.Payload, sent.Payload)
	}
	want := map[string]string{
		"ce_type": "procurehub.order.v1", "partner": "nordwind", KeyMetadata: "PO-7",
		HeaderSource: "procurehub-test", HeaderSpecVersion: "1.0", HeaderContentType: "application/json",
		TopicMetadata: topic, PartitionMetadata: "0", OffsetMetadata: "0", KafkaKeyMetadata: "PO-7",
	}
	for k, v := range want {
		if got.Metadata.Get(k) != v {
			t.Errorf("metadata %s = %q, want %q", k, got.Metadata.Get(k), v)
		}
	}
}

type ctxKey struct{}

func TestMessageContextCarriesTheSubscribeContext(t *testing.T) {
	brokers := startBroker(t, 1)
	topic := nameFor(t, "ctx")
	pub := newTestPublisher(t, brokers)
	sub := newTestSubscriber(t, testSubscriberConfig(brokers, nameFor(t, "cg")))
	ctx := context.WithValue(context.Background(), ctxKey{}, "tenant-7")
	msgs, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, pub, topic, keyed("c1", ""))
	got := receive(t, msgs)
	if v := got.Context().Value(ctxKey{}); v != "tenant-7" {
		t.Errorf("message context value = %v, want the Subscribe context's tenant-7", v)
	}
	got.Ack()
	select {
	case <-got.Context().Done():
	case <-time.After(guard):
		t.Error("message context not cancelled after Ack")
	}
}

func TestOneKeyAlwaysLandsOnOnePartition(t *testing.T) {
	brokers := startBroker(t, 1)
	topic := nameFor(t, "keys")
	ensure(t, brokers, 4, topic)
	pub := newTestPublisher(t, brokers)

	keys := []string{"PO-1", "PO-2", "PO-3", "PO-4", "PO-5", "PO-6"}
	const perKey = 5
	var batch []*message.Message
	for i := 0; i < perKey; i++ {
		for _, k := range keys {
			batch = append(batch, keyed(k+"#"+strconv.Itoa(i), k))
		}
	}
	// Two calls, so that the second batch is hashed again.
	publish(t, pub, topic, batch[:len(batch)/2]...)
	publish(t, pub, topic, batch[len(batch)/2:]...)

	cfg := testSubscriberConfig(brokers, "")
	msgs := subscribe(t, newTestSubscriber(t, cfg), topic)
	partitionOf := map[string]string{}
	seen := map[string]int{}
	partitions := map[string]bool{}
	for range batch {
		msg := receive(t, msgs)
		msg.Ack()
		k, p := msg.Metadata.Get(KafkaKeyMetadata), msg.Metadata.Get(PartitionMetadata)
		partitions[p] = true
		if prev, ok := partitionOf[k]; ok && prev != p {
			t.Errorf("key %s on partitions %s and %s", k, prev, p)
		}
		partitionOf[k] = p
		if want := k + "#" + strconv.Itoa(seen[k]); msg.UUID != want {
			t.Errorf("key %s: got %s, want %s (order within a key)", k, msg.UUID, want)
		}
		seen[k]++
	}
	if len(partitions) < 2 {
		t.Errorf("%d keys all landed on %d partition(s) of 4", len(keys), len(partitions))
	}
}

func TestMaxInFlightLetsOtherKeysOvertakeButKeepsEachKeyInOrder(t *testing.T) {
	brokers := startBroker(t, 1)
	topic := nameFor(t, "inflight")
	ensure(t, brokers, 1, topic)
	pub := newTestPublisher(t, brokers)
	publish(t, pub, topic,
		keyed("A1", "A"), keyed("A2", "A"), keyed("B1", "B"), keyed("N1", ""), keyed("C1", "C"), keyed("B2", "B"))

	cfg := testSubscriberConfig(brokers, nameFor(t, "cg"))
	cfg.MaxInFlight = 4
	msgs := subscribe(t, newTestSubscriber(t, cfg), topic)

	// Handed out in offset order, skipping a message whose key is still out.
	a1 := receive(t, msgs)
	b1 := receive(t, msgs)
	n1 := receive(t, msgs)
	c1 := receive(t, msgs)
	for _, c := range []struct {
		got  *message.Message
		want string
	}{{a1, "A1"}, {b1, "B1"}, {n1, "N1"}, {c1, "C1"}} {
		if c.got.UUID != c.want {
			t.Fatalf("handed out %s, want %s: A2 must wait for A1 while B1, N1 and C1 overtake", c.got.UUID, c.want)
		}
	}
	// Four are out; B2 waits for B1 and A2 for A1. Acking B1 frees B2 only.
	b1.Ack()
	if got := receive(t, msgs); got.UUID != "B2" {
		t.Fatalf("after B1's ack got %s, want B2", got.UUID)
	} else {
		got.Ack()
	}
	a1.Ack()
	if got := receive(t, msgs); got.UUID != "A2" {
		t.Fatalf("after A1's ack got %s, want A2", got.UUID)
	} else {
		got.Ack()
	}
	n1.Ack()
	c1.Ack()
}

func TestNackDeliversTheSameMessageAgain(t *testing.T) {
	brokers := startBroker(t, 1)
	topic := nameFor(t, "nack")
	pub := newTestPublisher(t, brokers)
	msgs := subscribe(t, newTestSubscriber(t, testSubscriberConfig(brokers, nameFor(t, "cg"))), topic)
	first, second := keyed("n-1", "PO-1"), keyed("n-2", "PO-1")
	publish(t, pub, topic, first, second)

	for attempt := 1; attempt <= 3; attempt++ {
		got := receive(t, msgs)
		if got.UUID != first.UUID || string(got.Payload) != string(first.Payload) {
			t.Fatalf("attempt %d: got %s %q, want %s again", attempt, got.UUID, got.Payload, first.UUID)
		}
		got.Nack()
	}
	got := receive(t, msgs)
	if got.UUID != first.UUID {
		t.Fatalf("after three nacks got %s, want %s", got.UUID, first.UUID)
	}
	got.Ack()
	if got := receive(t, msgs); got.UUID != second.UUID {
		t.Fatalf("after the ack got %s, want %s", got.UUID, second.UUID)
	} else {
		got.Ack()
	}
}

func TestOnlyAckedOffsetsAreCommitted(t *testing.T) {
	cases := []struct {
		name string
		// settle resolves the second message before the first subscriber closes.
		settle func(*message.Message)
	}{
		{"a message handed out but not acked is delivered to the next subscriber", func(*message.Message) {}},
		{"a nacked message is delivered to the next subscriber", func(m *message.Message) { m.Nack() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			brokers := startBroker(t, 1)
			topic := nameFor(t, "commit")
			group := nameFor(t, "cg")
			pub := newTestPublisher(t, brokers)
			publish(t, pub, topic, keyed("m-1", ""), keyed("m-2", ""), keyed("m-3", ""))

			first := newTestSubscriber(t, testSubscriberConfig(brokers, group))
			msgs := subscribe(t, first, topic)
			receive(t, msgs).Ack()
			tc.settle(receive(t, msgs))
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}

			second := newTestSubscriber(t, testSubscriberConfig(brokers, group))
			msgs = subscribe(t, second, topic)
			for _, want := range []string{"m-2", "m-3"} {
				got := receive(t, msgs)
				if got.UUID != want {
					t.Fatalf("second subscriber got %s, want %s (m-1 was acked and committed)", got.UUID, want)
				}
				got.Ack()
			}
		})
	}
}

func TestWithoutGroupEverySubscriptionReadsEverything(t *testing.T) {
	brokers := startBroker(t, 3)
	topic := nameFor(t, "nogroup")
	pub := newTestPublisher(t, brokers)
	publish(t, pub, topic, keyed("g-1", "a"), keyed("g-2", "b"), keyed("g-3", "c"))

	for i := 0; i < 2; i++ {
		msgs := subscribe(t, newTestSubscriber(t, testSubscriberConfig(brokers, "")), topic)
		got := map[string]bool{}
		for range 3 {
			m := receive(t, msgs)
			m.Ack()
			got[m.UUID] = true
		}
		if len(got) != 3 {
			t.Errorf("subscriber %d got %v, want all three", i+1, got)
		}
	}
}

func TestCloseEndsSubscriptionsAndIsSafeTwice(t *testing.T) {
	brokers := startBroker(t, 1)
	topic := nameFor(t, "close")
	pub := newTestPublisher(t, brokers)
	sub := newTestSubscriber(t, testSubscriberConfig(brokers, nameFor(t, "cg")))
	msgs := subscribe(t, sub, topic)
	publish(t, pub, topic, keyed("x-1", ""), keyed("x-2", ""))
	held := receive(t, msgs) // out and never acked: Close must not wait for it

	for i := 1; i <= 2; i++ {
		if err := sub.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i, err)
		}
		if err := pub.Close(); err != nil {
			t.Fatalf("publisher Close #%d: %v", i, err)
		}
	}
	for range msgs {
		// Drain: the channel must be closed, not just idle.
	}
	select {
	case <-held.Context().Done():
	default:
		t.Error("a held message's context is not cancelled by Close")
	}
	if _, err := sub.Subscribe(context.Background(), topic); err == nil {
		t.Error("Subscribe after Close succeeded")
	}
	if err := pub.Publish(topic, keyed("x-3", "")); err == nil {
		t.Error("Publish after Close succeeded")
	}
}

func TestCancellingSubscribeContextEndsOnlyThatSubscription(t *testing.T) {
	brokers := startBroker(t, 1)
	pub := newTestPublisher(t, brokers)
	sub := newTestSubscriber(t, testSubscriberConfig(brokers, nameFor(t, "cg")))
	ctx, cancel := context.WithCancel(context.Background())
	cancelled, err := sub.Subscribe(ctx, nameFor(t, "one"))
	if err != nil {
		t.Fatal(err)
	}
	other := subscribe(t, sub, nameFor(t, "two"))

	cancel()
	for range cancelled {
	}
	publish(t, pub, nameFor(t, "two"), keyed("still-here", ""))
	if got := receive(t, other); got.UUID != "still-here" {
		t.Errorf("other subscription got %s", got.UUID)
	} else {
		got.Ack()
	}
}

func TestEnsureTopicsCreatesOnceWithThePartitionCount(t *testing.T) {
	brokers := startBroker(t, 1)
	topic := nameFor(t, "ensure")
	for i := 0; i < 2; i++ {
		if err := EnsureTopics(context.Background(), brokers, 3, topic, topic+"-b"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	conn, err := kafkago.Dial("tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 {
		t.Errorf("%s has %d partitions, want 3", topic, len(parts))
	}
}

func TestConfigValidation(t *testing.T) {
	ok := []string{"127.0.0.1:9092"}
	cases := []struct {
		name    string
		pub     *PublisherConfig
		sub     *SubscriberConfig
		wantErr bool
	}{
		{name: "a publisher with brokers and defaults is valid", pub: &PublisherConfig{Brokers: ok}},
		{name: "a publisher without brokers is rejected", pub: &PublisherConfig{}, wantErr: true},
		{name: "a publisher with an empty broker is rejected", pub: &PublisherConfig{Brokers: []string{""}}, wantErr: true},
		{name: "a negative batch size is rejected", pub: &PublisherConfig{Brokers: ok, BatchSize: -1}, wantErr: true},
		{name: "a subscriber with brokers and defaults is valid", sub: &SubscriberConfig{Brokers: ok}},
		{name: "a negative max in flight is rejected", sub: &SubscriberConfig{Brokers: ok, MaxInFlight: -1}, wantErr: true},
		{name: "min bytes above max bytes is rejected", sub: &SubscriberConfig{Brokers: ok, MinBytes: 10, MaxBytes: 5}, wantErr: true},
		{name: "a heartbeat not shorter than the session is rejected", sub: &SubscriberConfig{Brokers: ok, HeartbeatInterval: 10 * time.Second, SessionTimeout: 10 * time.Second}, wantErr: true},
		{name: "an unknown start offset is rejected", sub: &SubscriberConfig{Brokers: ok, StartOffset: 7}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.pub != nil {
				_, err = NewPublisher(*tc.pub)
			} else {
				_, err = NewSubscriber(*tc.sub)
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

func TestANackedMessageWithMaxInFlightComesBackBeforeTheNextOfItsKey(t *testing.T) {
	brokers := startBroker(t, 1)
	topic := nameFor(t, "inflight-nack")
	ensure(t, brokers, 1, topic)
	pub := newTestPublisher(t, brokers)
	publish(t, pub, topic, keyed("X1", "X"), keyed("Y1", "Y"), keyed("X2", "X"))

	cfg := testSubscriberConfig(brokers, nameFor(t, "cg"))
	cfg.MaxInFlight = 4
	cfg.NackResendSleep = time.Millisecond
	msgs := subscribe(t, newTestSubscriber(t, cfg), topic)

	x1, y1 := receive(t, msgs), receive(t, msgs)
	if x1.UUID != "X1" || y1.UUID != "Y1" {
		t.Fatalf("handed out %s and %s, want X1 and Y1 (X2 waits for X1)", x1.UUID, y1.UUID)
	}
	x1.Nack()
	again := receive(t, msgs)
	if again.UUID != "X1" {
		t.Fatalf("after X1's nack got %s, want X1 again before X2", again.UUID)
	}
	again.Ack()
	if got := receive(t, msgs); got.UUID != "X2" {
		t.Fatalf("after X1's ack got %s, want X2", got.UUID)
	} else {
		got.Ack()
	}
	y1.Ack()
}
