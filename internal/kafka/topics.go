package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// adminTimeout bounds one admin request (metadata, create topics) when the
// caller's ctx has no deadline.
const adminTimeout = 10 * time.Second

// EnsureTopics creates each topic that does not exist yet with the given
// number of partitions (partitions <= 0: the broker's default) and the
// broker's default replication factor. Topics that exist are left as they are,
// whatever their partition count, so calling it again is harmless.
func EnsureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	return Security{}.EnsureTopics(ctx, brokers, partitions, topics...)
}

// EnsureTopics is EnsureTopics over connections with s's settings.
func (s Security) EnsureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	if err := validateBrokers(brokers); err != nil {
		return fmt.Errorf("kafka ensure topics: %w", err)
	}
	if len(topics) == 0 {
		return nil
	}
	client, transport := s.client(brokers)
	defer transport.CloseIdleConnections()
	return ensureTopics(ctx, client, partitions, topics...)
}

func ensureTopics(ctx context.Context, client *kafkago.Client, partitions int, topics ...string) error {
	for _, t := range topics {
		if t == "" {
			return errors.New("kafka ensure topics: empty topic name")
		}
	}
	missing, err := missingTopics(ctx, client, topics)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	if partitions <= 0 {
		partitions = -1
	}
	req := &kafkago.CreateTopicsRequest{}
	for _, t := range missing {
		req.Topics = append(req.Topics, kafkago.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: -1})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("kafka create topics %v: %w", missing, err)
	}
	var errs []error
	for _, t := range missing {
		if err := resp.Errors[t]; err != nil && !errors.Is(err, kafkago.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("kafka create topic %s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}

// missingTopics returns the topics the cluster does not know.
func missingTopics(ctx context.Context, client *kafkago.Client, topics []string) ([]string, error) {
	meta, err := client.Metadata(ctx, &kafkago.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("kafka metadata for %v: %w", topics, err)
	}
	known := make(map[string]bool, len(meta.Topics))
	for _, t := range meta.Topics {
		known[t.Name] = t.Error == nil
		if t.Error != nil && !errors.Is(t.Error, kafkago.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("kafka metadata for topic %s: %w", t.Name, t.Error)
		}
	}
	var missing []string
	for _, t := range topics {
		if !known[t] {
			missing = append(missing, t)
		}
	}
	return missing, nil
}

// partitionsOf returns the partition IDs of topic.
func partitionsOf(ctx context.Context, client *kafkago.Client, topic string) ([]int, error) {
	meta, err := client.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("kafka metadata for %s: %w", topic, err)
	}
	for _, t := range meta.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("kafka metadata for %s: %w", topic, t.Error)
		}
		ids := make([]int, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			ids = append(ids, p.ID)
		}
		return ids, nil
	}
	return nil, fmt.Errorf("kafka metadata for %s: %w", topic, kafkago.UnknownTopicOrPartition)
}

// Ping checks that the cluster answers a metadata request. It is meant for
// readiness checks.
func Ping(ctx context.Context, brokers []string) error {
	return Security{}.Ping(ctx, brokers)
}

// Ping is Ping over connections with s's settings.
func (s Security) Ping(ctx context.Context, brokers []string) error {
	if err := validateBrokers(brokers); err != nil {
		return fmt.Errorf("kafka ping: %w", err)
	}
	client, transport := s.client(brokers)
	defer transport.CloseIdleConnections()
	if _, err := client.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{}}); err != nil {
		return fmt.Errorf("kafka ping %v: %w", brokers, err)
	}
	return nil
}
