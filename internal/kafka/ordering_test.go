package kafka

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// TestEachOrdersEventsApplyInOrderAcrossSeveralConsumers is three hub
// instances sharing a consumer group: one starts late and one stops
// half-way, so partitions move between them while events flow. Every
// event of every order is applied, and no event is applied before an
// earlier one of its order (a redelivery of one already applied, which
// at-least-once allows after a move, is harmless: the sinks are idempotent).
func TestEachOrdersEventsApplyInOrderAcrossSeveralConsumers(t *testing.T) {
	const keys, perKey = 12, 60
	brokers := startBroker(t, 4)
	topic := nameFor(t, "order-events")
	ensure(t, brokers, 4, topic)
	group := nameFor(t, "cg")

	var mu sync.Mutex
	applied := map[string][]int{} // key → sequence numbers in the order they were applied
	seen := map[string]bool{}
	byConsumer := map[string]int{}
	consume := func(ctx context.Context, name string, msgs <-chan *message.Message) {
		rng := rand.New(rand.NewPCG(uint64(len(name)), 7))
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-msgs:
				if !ok {
					return
				}
				time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond) // handlers take their time
				_, n, _ := strings.Cut(m.UUID, "#")
				seq, err := strconv.Atoi(n)
				if err != nil {
					t.Errorf("message %s: no sequence number", m.UUID)
				}
				key := m.Metadata.Get(KeyMetadata)
				mu.Lock()
				applied[key] = append(applied[key], seq)
				seen[m.UUID] = true
				byConsumer[name]++
				mu.Unlock()
				m.Ack()
			}
		}
	}
	start := func(name string) context.CancelFunc {
		cfg := testSubscriberConfig(brokers, group)
		cfg.MaxInFlight = 8
		sub := newTestSubscriber(t, cfg)
		ctx, cancel := context.WithCancel(t.Context())
		msgs, err := sub.Subscribe(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		go consume(ctx, name, msgs)
		return func() { cancel(); _ = sub.Close() }
	}

	pub := newTestPublisher(t, brokers)
	publishRound := func(from, to int) {
		var batch []*message.Message
		for seq := from; seq < to; seq++ {
			for k := range keys {
				key := fmt.Sprintf("PO-%03d", k)
				batch = append(batch, keyed(fmt.Sprintf("%s#%d", key, seq), key))
			}
		}
		publish(t, pub, topic, batch...)
	}

	stopA := start("hub-a")
	defer stopA()
	stopB := start("hub-b")
	publishRound(0, perKey/3)
	time.Sleep(300 * time.Millisecond)
	stopC := start("hub-c") // joins: partitions move to it
	defer stopC()
	publishRound(perKey/3, 2*perKey/3)
	time.Sleep(300 * time.Millisecond)
	stopB() // leaves: its partitions move to the others
	publishRound(2*perKey/3, perKey)

	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == keys*perKey {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events applied within 60s", n, keys*perKey)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	redelivered := 0
	for key, seqs := range applied {
		next := 0 // the first sequence number not applied yet
		for _, s := range seqs {
			switch {
			case s < next:
				redelivered++ // applied before: a redelivery
			case s == next:
				next++
			default:
				t.Fatalf("%s: event %d applied before event %d (applied: %v)", key, s, next, seqs)
			}
		}
		if next != perKey {
			t.Errorf("%s: %d of %d events applied", key, next, perKey)
		}
	}
	if byConsumer["hub-b"] == 0 || byConsumer["hub-c"] == 0 {
		t.Errorf("events per consumer %v: the late and the leaving consumer must both have taken a share", byConsumer)
	}
	t.Logf("%d events of %d orders applied in order by 3 consumers joining and leaving (%v); %d redelivered after a move",
		keys*perKey, keys, byConsumer, redelivered)
}
