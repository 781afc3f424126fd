package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Event is a change notification: what changed. The dashboard never
// passes it to a browser as is; it makes open pages re-read their view of
// the API, and a browser hears only of changes to what its user sees.
type Event struct {
	// Kind is what changed: "orders" (an order, its status, its timeline)
	// or "alerts".
	Kind        string
	OrderNumber string // the order, when one
}

// Broadcaster fans change notifications out to every subscriber. The
// zero value is ready; it is safe for concurrent use.
type Broadcaster struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

// Publish tells every subscriber; a subscriber whose buffer is full
// misses it (the page's periodic re-read catches up). It never blocks.
func (b *Broadcaster) Publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// Subscribe returns a channel of notifications, closed when ctx is done.
func (b *Broadcaster) Subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, 16)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[chan Event]struct{}{}
	}
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	go func() { // ends with ctx
		<-ctx.Done()
		b.mu.Lock()
		delete(b.subs, ch)
		close(ch)
		b.mu.Unlock()
	}()
	return ch
}

// heartbeat keeps an idle event stream open through proxies.
const heartbeat = 25 * time.Second

// notifyGap is the least time between two re-reads of a stream's view
// that notifications cause: a burst of changes (a bulk import) makes one.
const notifyGap = time.Second

// streamMax ends an event stream after this long; the browser's
// EventSource reconnects (retry: 3 s), so nothing is missed and no
// connection lives forever.
const streamMax = 30 * time.Minute

// events is GET /ui/events: a server-sent event stream that says
// "orders" or "alerts" whenever the user's view of either changed. The
// view is re-read every PollEvery, and at once on a Config.Events
// notification. The stream ends when the browser goes away, the session
// ends (logout, expiry: the browser is told "logout"), the API refuses the
// token, Config.Done is closed, or after streamMax.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n: hello\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	var notes <-chan Event
	if s.cfg.Events != nil {
		notes = s.cfg.Events(ctx)
	}
	tick := time.NewTicker(s.cfg.PollEvery)
	defer tick.Stop()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	end := time.NewTimer(streamMax)
	defer end.Stop()

	// The view the page was drawn from: a change between drawing it and
	// opening this stream is a change too.
	last := map[string][32]byte{}
	for _, kind := range liveKinds {
		if b, err := hex.DecodeString(r.URL.Query().Get(kind)); err == nil && len(b) == 32 {
			last[kind] = [32]byte(b)
		}
	}
	var lastLook time.Time
	var soon <-chan time.Time // a notification waiting for notifyGap
	look := func() bool {     // false when the stream must end
		lastLook = time.Now()
		if !s.sessions.alive(sess.id) {
			_, _ = fmt.Fprint(w, "event: logout\ndata: {}\n\n")
			_ = rc.Flush()
			return false
		}
		for _, kind := range liveKinds {
			sum, status := s.viewHash(ctx, sess, kind)
			if status == http.StatusUnauthorized {
				_, _ = fmt.Fprint(w, "event: logout\ndata: {}\n\n")
				_ = rc.Flush()
				return false
			}
			prev, seen := last[kind]
			last[kind] = sum
			if seen && prev != sum {
				if _, err := fmt.Fprintf(w, "event: change\ndata: {\"kind\":%q}\n\n", kind); err != nil {
					return false
				}
			}
		}
		return rc.Flush() == nil
	}
	if !look() {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.cfg.Done:
			return
		case <-end.C:
			return
		case _, ok := <-notes:
			if !ok {
				notes = nil
				continue
			}
			if soon != nil {
				continue // a re-read is due already
			}
			if wait := time.Until(lastLook.Add(notifyGap)); wait > 0 {
				soon = time.After(wait)
				continue
			}
			if !look() {
				return
			}
		case <-soon:
			soon = nil
			if !look() {
				return
			}
		case <-tick.C:
			if !look() {
				return
			}
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": beat\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

// liveKinds are what a page's live stream watches.
var liveKinds = []string{"orders", "alerts"}

// baselineKey is the context key of the view a page is drawn from.
type baselineKey struct{}

// live wraps a page: before the page reads the API, it takes the hash of
// the user's view of each live kind, and the page hands them to its event
// stream (render), which reports a change against them — so a change
// made while the page was drawn or before its stream opened (a
// confirmation whose status is stored a moment later) still reaches it.
func (s *server) live(page http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := sessionOf(r.Context())
		q := url.Values{}
		for _, kind := range liveKinds {
			if sum, status := s.viewHash(r.Context(), sess, kind); status == http.StatusOK {
				q.Set(kind, hex.EncodeToString(sum[:]))
			}
		}
		page(w, r.WithContext(context.WithValue(r.Context(), baselineKey{}, q)))
	}
}

// viewHash is a hash of the first page of the user's orders or open
// alerts, and the API's status.
func (s *server) viewHash(ctx context.Context, sess *session, kind string) ([32]byte, int) {
	path, q := "/api/v1/orders", url.Values{"limit": {"500"}}
	if kind == "alerts" {
		path, q = "/api/v1/alerts", url.Values{"limit": {"500"}}
	}
	res, err := s.call(ctx, sess, http.MethodGet, path, q, nil)
	if err != nil {
		return [32]byte{}, 0
	}
	return sha256.Sum256(append(fmt.Appendf(nil, "%d\n", res.Status), res.Body...)), res.Status
}

// NotifyOnPublish returns pub that also tells b of every message it
// published: "alerts" for a topic about alerts, "orders" for any other.
// Wrap the publisher of what writes the store first and publishes after
// (pipelines.StatusProjector publishes status_changed once the status is
// stored), so that a page re-reading the API sees the change.
func NotifyOnPublish(pub message.Publisher, b *Broadcaster) message.Publisher {
	return notifying{pub, b}
}

type notifying struct {
	message.Publisher
	b *Broadcaster
}

func (n notifying) Publish(topic string, msgs ...*message.Message) error {
	if err := n.Publisher.Publish(topic, msgs...); err != nil {
		return err
	}
	kind := "orders"
	if strings.Contains(topic, "alert") {
		kind = "alerts"
	}
	n.b.Publish(Event{Kind: kind})
	return nil
}
