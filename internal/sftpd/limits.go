package sftpd

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// limits counts each partner's completed uploads of the last hour. The
// count lives in memory: a restart forgets it, which errs on the side of
// the partner.
type limits struct {
	perHour int
	now     func() time.Time

	mu   sync.Mutex
	seen map[string][]time.Time
}

func (l *limits) recent(partner string) []time.Time {
	cut := l.now().Add(-time.Hour)
	ts := l.seen[partner]
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	ts = ts[i:]
	l.seen[partner] = ts
	return ts
}

// allowFile refuses an upload once the partner completed perHour in the last hour.
func (l *limits) allowFile(partner string) error {
	if l.perHour <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.recent(partner)); n >= l.perHour {
		return refuse("files_per_hour", errFailure, "too many files: at most %d uploads an hour; try again later", l.perHour)
	}
	return nil
}

func (l *limits) noteFile(partner string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[partner] = append(l.recent(partner), l.now())
}

// throttle locks an account, and an address, out after max failed logins
// within window, for window after the last failure. Locking the account
// stops a guesser that changes address; locking the address stops one that
// tries many accounts.
type throttle struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time // "user:<name>" or "ip:<addr>" → failures within window
}

func (t *throttle) keys(user, ip string) []string {
	return []string{"user:" + user, "ip:" + ip}
}

func (t *throttle) recent(key string) []time.Time {
	cut := t.now().Add(-t.window)
	ts := t.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	if i == len(ts) {
		delete(t.fails, key)
		return nil
	}
	ts = ts[i:]
	t.fails[key] = ts
	return ts
}

// locked reports whether the account or the address is locked out now.
func (t *throttle) locked(user, ip string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range t.keys(user, ip) {
		if len(t.recent(k)) >= t.max {
			return true
		}
	}
	return false
}

// fail records a failed login; it reports whether it started a lockout.
func (t *throttle) fail(user, ip string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	started := false
	for _, k := range t.keys(user, ip) {
		ts := append(t.recent(k), t.now())
		t.fails[k] = ts
		if len(ts) == t.max {
			started = true
		}
	}
	return started
}

// success forgets the account's failures (not the address's: a guesser
// that also holds one good login keeps its count there).
func (t *throttle) success(user, _ string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, "user:"+user)
}

// metrics are the server's Prometheus series.
type metrics struct {
	logins      *prometheus.CounterVec // outcome, method
	uploads     *prometheus.CounterVec // partner
	uploadBytes *prometheus.CounterVec // partner
	downloads   *prometheus.CounterVec // partner
	refusals    *prometheus.CounterVec // reason
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_sftp_logins_total", Help: "Logins to the hosted SFTP inbox, by outcome (ok, denied) and method.",
		}, []string{"outcome", "method"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_sftp_uploads_total", Help: "Files uploaded completely to the hosted SFTP inbox, by partner.",
		}, []string{"partner"}),
		uploadBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_sftp_upload_bytes_total", Help: "Bytes of complete uploads to the hosted SFTP inbox, by partner.",
		}, []string{"partner"}),
		downloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_sftp_downloads_total", Help: "Files downloaded from the hosted SFTP outbox and archive, by partner.",
		}, []string{"partner"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_sftp_refusals_total", Help: "Logins and requests the hosted SFTP inbox refused, by reason.",
		}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.logins, m.uploads, m.uploadBytes, m.downloads, m.refusals)
	}
	return m
}
