package kafka

import (
	"context"
	"fmt"
	"log/slog"

	kafkago "github.com/segmentio/kafka-go"
)

// kafkaLogger adapts slog to kafka-go's Printf-style logger at one level. The
// message is only formatted when the level is enabled.
func kafkaLogger(log *slog.Logger, level slog.Level) kafkago.Logger {
	return kafkago.LoggerFunc(func(format string, args ...any) {
		if !log.Enabled(context.Background(), level) {
			return
		}
		log.Log(context.Background(), level, "kafka-go: "+fmt.Sprintf(format, args...))
	})
}
