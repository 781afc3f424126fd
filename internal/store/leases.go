package store

import (
	"context"
	"time"
)

// --- job leases ---

// Instances of the hub that share a store run each scheduled job (the
// reconciler, the early-warning scanner, the FX refresher) and each polled
// source on exactly one instance at a time: the one holding the job's
// lease, a row named after the job. The holder renews it while it works;
// when it stops (or dies), the lease runs out and another instance takes
// it. Lease times are the store's clock, so instances need not agree on the
// time.

// JobLease is who holds a named lease and until when.
type JobLease struct {
	Name       string
	Owner      string
	Until      time.Time
	AcquiredAt time.Time // when Owner took it (renewals keep it)
}

// JobLeases is the store's side of job leases.
type JobLeases interface {
	// AcquireLease takes or renews the lease name for lease.Owner for
	// lease.TTL from now, and reports whether lease.Owner holds it: true
	// when it was free, had run out or was already lease.Owner's; false
	// (and no error) when another owner holds it. Concurrent calls for one
	// name: at most one owner gets true.
	AcquireLease(ctx context.Context, name string, lease Lease) (bool, error)
	// ReleaseLease gives up owner's lease name, so another instance need
	// not wait for it to run out. Releasing a lease owner does not hold is
	// not an error.
	ReleaseLease(ctx context.Context, name, owner string) error
	// JobLeases lists the leases, by name.
	JobLeases(ctx context.Context) ([]JobLease, error)
}
