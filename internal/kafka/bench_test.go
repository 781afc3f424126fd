package kafka

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	wmkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
)

// BenchmarkAdapterVsSarama measures, in one run and on the same in-process
// broker, how fast this adapter and Watermill's own Kafka adapter
// (watermill-kafka, on sarama) publish and consume the same messages: about
// 370-byte JSON orders keyed by order number. Ours publishes in calls of
// benchBatch messages; the sarama publisher is used as it is (it sends the
// messages of a call one by one, synchronously). Both consume as a consumer
// group and ack every message.
//
// Reported: ours_pub_msg/s, sarama_pub_msg/s, pub_ratio (ours / sarama), and
// the same for consuming. -short sends 10k messages instead of 100k.
func BenchmarkAdapterVsSarama(b *testing.B) {
	total := 100_000
	if testing.Short() {
		total = 10_000
	}
	const benchBatch = 500
	payload, err := os.ReadFile("testdata/order-created.json")
	if err != nil {
		b.Fatal(err)
	}
	newMessages := func() []*message.Message {
		msgs := make([]*message.Message, total)
		for i := range msgs {
			m := message.NewMessage(watermill.NewUUID(), payload)
			m.Metadata.Set(KeyMetadata, fmt.Sprintf("PO-2026-%05d", i%5000))
			m.Metadata.Set("ce_type", "procurehub.order.v1")
			msgs[i] = m
		}
		return msgs
	}

	var oursPub, oursSub, saramaPub, saramaSub float64
	for i := 0; b.Loop(); i++ {
		brokers := startBroker(b, 4)
		ourTopic, saramaTopic := fmt.Sprintf("bench-ours-%d", i), fmt.Sprintf("bench-sarama-%d", i)
		if err := EnsureTopics(context.Background(), brokers, 4, ourTopic, saramaTopic); err != nil {
			b.Fatal(err)
		}

		// Ours.
		pub, err := NewPublisher(PublisherConfig{Brokers: brokers, Logger: testLogger()})
		if err != nil {
			b.Fatal(err)
		}
		msgs := newMessages()
		start := time.Now()
		for j := 0; j < total; j += benchBatch {
			if err := pub.Publish(ourTopic, msgs[j:min(j+benchBatch, total)]...); err != nil {
				b.Fatal(err)
			}
		}
		oursPub = rate(total, start)
		_ = pub.Close()

		sub, err := NewSubscriber(SubscriberConfig{Brokers: brokers, ConsumerGroup: "bench-ours", Logger: testLogger()})
		if err != nil {
			b.Fatal(err)
		}
		oursSub = consumeAll(b, sub, ourTopic, total)
		_ = sub.Close()

		// watermill-kafka on sarama.
		logger := watermill.NopLogger{}
		spub, err := wmkafka.NewPublisher(wmkafka.PublisherConfig{
			Brokers:   brokers,
			Marshaler: wmkafka.NewWithPartitioningMarshaler(func(_ string, m *message.Message) (string, error) { return m.Metadata.Get(KeyMetadata), nil }),
		}, logger)
		if err != nil {
			b.Fatal(err)
		}
		msgs = newMessages()
		start = time.Now()
		for j := 0; j < total; j += benchBatch {
			if err := spub.Publish(saramaTopic, msgs[j:min(j+benchBatch, total)]...); err != nil {
				b.Fatal(err)
			}
		}
		saramaPub = rate(total, start)
		_ = spub.Close()

		cfg := wmkafka.DefaultSaramaSubscriberConfig()
		cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
		ssub, err := wmkafka.NewSubscriber(wmkafka.SubscriberConfig{
			Brokers:               brokers,
			Unmarshaler:           wmkafka.DefaultMarshaler{},
			OverwriteSaramaConfig: cfg,
			ConsumerGroup:         "bench-sarama",
		}, logger)
		if err != nil {
			b.Fatal(err)
		}
		saramaSub = consumeAll(b, ssub, saramaTopic, total)
		_ = ssub.Close()
	}
	b.ReportMetric(oursPub, "ours_pub_msg/s")
	b.ReportMetric(saramaPub, "sarama_pub_msg/s")
	b.ReportMetric(oursPub/saramaPub, "pub_ratio")
	b.ReportMetric(oursSub, "ours_sub_msg/s")
	b.ReportMetric(saramaSub, "sarama_sub_msg/s")
	b.ReportMetric(oursSub/saramaSub, "sub_ratio")
}

// consumeAll subscribes to topic, acks total messages and returns the rate,
// counted from the first message (so that joining the group is not counted).
func consumeAll(b *testing.B, sub message.Subscriber, topic string, total int) float64 {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	msgs, err := sub.Subscribe(ctx, topic)
	if err != nil {
		b.Fatal(err)
	}
	var start time.Time
	for n := 0; n < total; n++ {
		select {
		case msg := <-msgs:
			if n == 0 {
				start = time.Now()
			}
			msg.Ack()
		case <-time.After(time.Minute):
			b.Fatalf("consumed %d of %d messages of %s", n, total, topic)
		}
	}
	return rate(total-1, start)
}

func rate(n int, since time.Time) float64 {
	return float64(n) / time.Since(since).Seconds()
}
