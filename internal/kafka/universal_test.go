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
	t.Parallel()
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

// TestUniversalSuiteAcrossPartitions runs the suite with consumer groups on
// topics of four partitions, so that the members of a group share partitions
// and rebalance while messages flow. Messages without a key are spread over
// the partitions, so their overall order is not guaranteed.
func TestUniversalSuiteAcrossPartitions(t *testing.T) {
	t.Parallel()
	brokers := startBroker(t, 4)
	features := tests.Features{
		ConsumerGroups:      true,
		ExactlyOnceDelivery: false,
		GuaranteedOrder:     false,
		Persistent:          true,
	}
	constructor := func(t *testing.T) (message.Publisher, message.Subscriber) {
		return newSuitePubSub(t, brokers, nameFor(t, "cg"))
	}
	groupConstructor := func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
		return newSuitePubSub(t, brokers, group)
	}
	tests.TestPubSub(t, features, constructor, groupConstructor)
}

// TestUniversalSuiteWithoutGroup runs the suite for subscribers without a
// consumer group: each reads every partition from the start and commits
// nothing, so a new subscriber receives old messages too. Every subscriber
// reads everything (50 of them 5,000 messages each at full size), so the
// suite runs at its short sizes.
func TestUniversalSuiteWithoutGroup(t *testing.T) {
	t.Parallel()
	brokers := startBroker(t, 3)
	features := tests.Features{
		ForceShort:                       true,
		ConsumerGroups:                   false,
		ExactlyOnceDelivery:              false,
		GuaranteedOrder:                  false,
		Persistent:                       true,
		NewSubscriberReceivesOldMessages: true,
	}
	constructor := func(t *testing.T) (message.Publisher, message.Subscriber) {
		return newSuitePubSub(t, brokers, "")
	}
	tests.TestPubSub(t, features, constructor, nil)
}
