package kafka

import (
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

func TestNextToDeliverKeepsEachKeyInOrder(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	later := now.Add(time.Second)
	// e builds a window entry: offset, key ("" for none), state, and when a
	// nacked entry may go again.
	e := func(offset int64, key string, st state, notBefore time.Time) *entry {
		en := &entry{rec: kafkago.Message{Offset: offset}, state: st, notBefore: notBefore}
		if key != "" {
			en.rec.Key, en.key, en.hasKey = []byte(key), key, true
		}
		return en
	}
	cases := []struct {
		name     string
		window   []*entry
		want     int64 // offset handed out next, -1 for none
		wantWake time.Time
	}{
		{"the oldest waiting message goes first",
			[]*entry{e(0, "A", waiting, time.Time{}), e(1, "B", waiting, time.Time{})}, 0, time.Time{}},
		{"a message waits while an earlier one with its key is out",
			[]*entry{e(0, "A", out, time.Time{}), e(1, "A", waiting, time.Time{}), e(2, "B", waiting, time.Time{})}, 2, time.Time{}},
		{"an acked earlier message no longer holds its key",
			[]*entry{e(0, "A", acked, time.Time{}), e(1, "A", waiting, time.Time{})}, 1, time.Time{}},
		{"a nacked message pausing holds its key but not others",
			[]*entry{e(0, "A", waiting, later), e(1, "A", waiting, time.Time{}), e(2, "B", waiting, time.Time{})}, 2, time.Time{}},
		{"when only paused messages wait, the earliest pause end is the wake-up",
			[]*entry{e(0, "A", waiting, later.Add(time.Second)), e(1, "B", waiting, later)}, -1, later},
		{"messages without a key do not hold each other",
			[]*entry{e(0, "", out, time.Time{}), e(1, "", waiting, time.Time{})}, 1, time.Time{}},
		{"a lone message out leaves nothing to hand out",
			[]*entry{e(0, "A", out, time.Time{})}, -1, time.Time{}},
		{"a lone paused message wakes the loop when its pause ends",
			[]*entry{e(0, "A", waiting, later)}, -1, later},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pc := &partitionConsumer{window: tc.window, blocked: map[string]struct{}{}, outKeys: map[string]int{}}
			for _, en := range tc.window { // the invariant the loop keeps
				if en.state == out && en.key != "" {
					pc.outKeys[en.key]++
				}
			}
			got, wake := pc.nextToDeliver(now)
			gotOffset := int64(-1)
			if got != nil {
				gotOffset = got.rec.Offset
			}
			if gotOffset != tc.want {
				t.Errorf("handed out offset %d, want %d", gotOffset, tc.want)
			}
			if !wake.Equal(tc.wantWake) {
				t.Errorf("wake-up at %v, want %v", wake, tc.wantWake)
			}
		})
	}
}
