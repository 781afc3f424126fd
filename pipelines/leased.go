package pipelines

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/procurehub/procurehub/internal/store"
)

// JobLeaser is the store's side of job leases (store.JobLeases).
type JobLeaser interface {
	AcquireLease(ctx context.Context, name string, lease store.Lease) (bool, error)
	ReleaseLease(ctx context.Context, name, owner string) error
}

// DefaultJobLeaseTTL is how long a job lease holds without renewal: an
// instance that dies hands its jobs over within this time. The holder
// renews every third of it.
const DefaultJobLeaseTTL = 30 * time.Second

// Leased runs a job on one instance at a time among those sharing a store:
// the one holding the lease Name. Instances that do not hold it try again
// every third of the TTL, so when the holder stops (its lease released) or
// dies (its lease runs out), another takes the job over.
type Leased struct {
	Name   string
	Leases JobLeaser
	Owner  string        // this instance; InstanceID by default
	TTL    time.Duration // DefaultJobLeaseTTL by default
	Held   *prometheus.GaugeVec
	Logger *slog.Logger
}

// Run runs job while this instance holds the lease, until ctx is
// cancelled. job gets a context that is cancelled when the lease is lost
// (a renewal refused, or failing for longer than the lease lasts), and is
// started again once the lease is back. A job returning an error while
// the lease is held ends Run with it; a job returning nil is started again
// at the next renewal.
func (l *Leased) Run(ctx context.Context, job func(context.Context) error) error {
	lease := store.Lease{Owner: l.Owner, TTL: l.TTL}
	if lease.Owner == "" {
		lease.Owner = InstanceID
	}
	if lease.TTL <= 0 {
		lease.TTL = DefaultJobLeaseTTL
	}
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("lease", l.Name)
	every := lease.TTL / 3
	defer func() {
		l.setHeld(false)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := l.Leases.ReleaseLease(rctx, l.Name, lease.Owner); err != nil {
			log.Warn("lease not released; it runs out by itself", "err", err)
		}
	}()

	var (
		jobCancel context.CancelFunc
		jobDone   chan error
		lastOK    time.Time // the last renewal that said we hold it
	)
	stopJob := func() error {
		if jobCancel == nil {
			return nil
		}
		jobCancel()
		err := <-jobDone
		jobCancel, jobDone = nil, nil
		return err
	}
	for {
		wait := every
		held, err := l.Leases.AcquireLease(ctx, l.Name, lease)
		if err != nil {
			wait = min(every, time.Second) // a busy store: ask again soon
		}
		switch {
		case ctx.Err() != nil:
			return stopJob()
		case err != nil && jobCancel != nil && time.Since(lastOK) >= lease.TTL:
			// We cannot tell whether we still hold it: another instance may
			// have taken it over. Stop rather than run twice.
			log.Warn("lease not renewed for longer than it lasts; job stopped", "err", err)
			held = false
		case err != nil:
			log.Warn("lease renewal failed; retrying", "err", err)
			held = jobCancel != nil
		default:
			if held {
				lastOK = time.Now()
			}
		}
		if !held && jobCancel != nil {
			log.Info("lease lost; job handed over to the instance holding it")
			if err := stopJob(); err != nil && !errors.Is(err, context.Canceled) {
				log.Warn("job ended with an error as it was stopped", "err", err)
			}
		}
		if held && jobCancel == nil {
			jctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			jobCancel, jobDone = cancel, done
			go func() { done <- job(jctx) }()
			log.Info("lease taken; job runs on this instance")
		}
		l.setHeld(jobCancel != nil)
		select {
		case <-ctx.Done():
			return stopJob()
		case err := <-jobDone:
			// The job ended by itself while we hold the lease.
			jobCancel()
			jobCancel, jobDone = nil, nil
			if err != nil && ctx.Err() == nil {
				return err
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		case <-time.After(wait):
		}
	}
}

func (l *Leased) setHeld(held bool) {
	if l.Held == nil {
		return
	}
	v := 0.0
	if held {
		v = 1
	}
	l.Held.WithLabelValues(l.Name).Set(v)
}
