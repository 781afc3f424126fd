package kafka

import (
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
)

// TestUniversalSuite runs Watermill's universal Pub/Sub suite with consumer
// groups. The suite checks the order of messages that carry no key, which
// Kafka keeps only within one partition, so its topics have one partition;
// per-key order across partitions has its own test.
func TestUniversalSuite(t *testing.T) {
	brokers := startBroker(t, 1)
	features := tests.Features{
		ConsumerGroups:      true,
		ExactlyOnceDelivery: false,
		GuaranteedOrder:     true,
		Persistent:          true,
		// A new subscriber of the same group continues from the group's
		// committed offsets; it does not read old messages again.
		NewSubscriberReceivesOldMessages: false,
	}
	// Every pub/sub one suite test builds shares that test's consumer group
	// (Kafka's unit of "the same service"); tests running in parallel use
	// different groups so that they do not rebalance each other.
	constructor := func(t *testing.T) (message.Publisher, message.Subscriber) {
		return newSuitePubSub(t, brokers, nameFor(t, "cg"))
	}
	groupConstructor := func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
		return newSuitePubSub(t, brokers, group)
	}
	tests.TestPubSub(t, features, constructor, groupConstructor)
}

func newSuitePubSub(t *testing.T, brokers []string, group string) (message.Publisher, message.Subscriber) {
	pub, err := NewPublisher(PublisherConfig{Brokers: brokers, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := NewSubscriber(testSubscriberConfig(brokers, group))
	if err != nil {
		t.Fatal(err)
	}
	// The suite does not close every pub/sub it builds; Close is idempotent.
	t.Cleanup(func() {
		_ = pub.Close()
		_ = sub.Close()
	})
	return pub, sub
}
