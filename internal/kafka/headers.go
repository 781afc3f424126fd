package kafka

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"
)

// Metadata keys and Kafka header names.
//
// A message travels in CloudEvents binary content mode: the CloudEvents
// attributes are Kafka headers (ce_id, ce_source, ce_type, ce_time,
// ce_specversion, content-type) and the payload is the Kafka value. Every
// other metadata entry travels as a header of the same name and comes back as
// metadata on the subscriber side.
const (
	// KeyMetadata is the metadata entry whose value becomes the Kafka message
	// key. One key always lands on the same partition, so everything about
	// one business key (an order number) stays in order. It also travels as a
	// header, so a consumed message published again keeps its key.
	KeyMetadata = "partition_key"

	// HeaderID is the CloudEvents id; it is always the Watermill message UUID.
	HeaderID = "ce_id"
	// HeaderSource is the CloudEvents source: metadata "ce_source", else
	// PublisherConfig.Source.
	HeaderSource = "ce_source"
	// HeaderType is the CloudEvents type (e.g. "procurehub.order.v1"), taken
	// from metadata "ce_type". It is left out when the metadata has none.
	HeaderType = "ce_type"
	// HeaderTime is the CloudEvents time in RFC 3339: metadata "ce_time",
	// else the time of publishing.
	HeaderTime = "ce_time"
	// HeaderSpecVersion is the CloudEvents spec version, always SpecVersion.
	HeaderSpecVersion = "ce_specversion"
	// HeaderContentType is the payload's media type: metadata
	// "content-type", else DefaultContentType.
	HeaderContentType = "content-type"

	// SpecVersion is the CloudEvents version the headers follow.
	SpecVersion = "1.0"
	// DefaultContentType is the content type of a message whose metadata
	// names none.
	DefaultContentType = "application/json"
)

// Metadata the subscriber adds to every delivered message: where it was read.
// These keys are not sent as headers when a message is published (they would
// be stale); the subscriber always sets them from the record it read.
const (
	TopicMetadata     = "kafka_topic"
	PartitionMetadata = "kafka_partition"
	OffsetMetadata    = "kafka_offset"
	// KafkaKeyMetadata is the Kafka key of the record, absent when it had none.
	KafkaKeyMetadata = "kafka_key"
)

// errNoUUID is returned for a message without a UUID: it cannot carry a
// CloudEvents id.
var errNoUUID = errors.New("message has no UUID (needed as ce_id)")

// isReceiveOnly reports whether a metadata key describes where a message was
// read and is therefore not published.
func isReceiveOnly(key string) bool {
	switch key {
	case TopicMetadata, PartitionMetadata, OffsetMetadata, KafkaKeyMetadata:
		return true
	}
	return false
}

// toRecord turns a Watermill message into a Kafka record for topic. now is
// the ce_time of a message whose metadata has none.
func toRecord(topic, source string, now time.Time, msg *message.Message) (kafkago.Message, error) {
	if msg.UUID == "" {
		return kafkago.Message{}, errNoUUID
	}
	md := msg.Metadata

	src := md.Get(HeaderSource)
	if src == "" {
		src = source
	}
	ceTime := md.Get(HeaderTime)
	if ceTime == "" {
		ceTime = now.UTC().Format(time.RFC3339Nano)
	} else if _, err := time.Parse(time.RFC3339Nano, ceTime); err != nil {
		return kafkago.Message{}, fmt.Errorf("message %s: ce_time %q is not RFC 3339", msg.UUID, ceTime)
	}
	contentType := md.Get(HeaderContentType)
	if contentType == "" {
		contentType = DefaultContentType
	}

	headers := make([]kafkago.Header, 0, 6+len(md))
	headers = append(headers,
		kafkago.Header{Key: HeaderID, Value: []byte(msg.UUID)},
		kafkago.Header{Key: HeaderSource, Value: []byte(src)},
	)
	if ceType := md.Get(HeaderType); ceType != "" {
		headers = append(headers, kafkago.Header{Key: HeaderType, Value: []byte(ceType)})
	}
	headers = append(headers,
		kafkago.Header{Key: HeaderTime, Value: []byte(ceTime)},
		kafkago.Header{Key: HeaderSpecVersion, Value: []byte(SpecVersion)},
		kafkago.Header{Key: HeaderContentType, Value: []byte(contentType)},
	)

	// The rest of the metadata, sorted so that the same message always gives
	// the same bytes on the wire.
	rest := make([]string, 0, len(md))
	for k := range md {
		switch k {
		case HeaderID, HeaderSource, HeaderType, HeaderTime, HeaderSpecVersion, HeaderContentType:
			continue
		}
		if isReceiveOnly(k) {
			continue
		}
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, k := range rest {
		headers = append(headers, kafkago.Header{Key: k, Value: []byte(md[k])})
	}

	rec := kafkago.Message{Topic: topic, Value: msg.Payload, Headers: headers}
	if key := md.Get(KeyMetadata); key != "" {
		rec.Key = []byte(key)
	}
	return rec, nil
}

// fromRecord turns a Kafka record into a Watermill message: UUID from ce_id,
// metadata from the headers plus where the record was read. A record without
// ce_id (written by a foreign producer) gets "topic/partition/offset" as its
// UUID, which is unique and the same on every redelivery.
func fromRecord(rec *kafkago.Message) *message.Message {
	md := make(message.Metadata, len(rec.Headers)+4)
	for _, h := range rec.Headers {
		md[h.Key] = string(h.Value)
	}
	md[TopicMetadata] = rec.Topic
	md[PartitionMetadata] = strconv.Itoa(rec.Partition)
	md[OffsetMetadata] = strconv.FormatInt(rec.Offset, 10)
	if rec.Key != nil {
		md[KafkaKeyMetadata] = string(rec.Key)
	} else {
		delete(md, KafkaKeyMetadata)
	}

	id := md[HeaderID]
	if id == "" {
		id = coordinates(rec)
	}
	msg := message.NewMessage(id, rec.Value)
	msg.Metadata = md
	return msg
}

// recordID is the UUID fromRecord gives rec, without building the message.
func recordID(rec *kafkago.Message) string {
	for i := len(rec.Headers) - 1; i >= 0; i-- {
		if h := rec.Headers[i]; h.Key == HeaderID {
			if len(h.Value) > 0 {
				return string(h.Value)
			}
			break
		}
	}
	return coordinates(rec)
}

// coordinates names a record by where it is: "topic/partition/offset".
func coordinates(rec *kafkago.Message) string {
	return rec.Topic + "/" + strconv.Itoa(rec.Partition) + "/" + strconv.FormatInt(rec.Offset, 10)
}
