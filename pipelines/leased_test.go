package pipelines

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// instances runs a Leased job named "reconciler" on n instances sharing
// one store; the job notes which instance runs it and how many run at once.
type instances struct {
	mu      sync.Mutex
	running map[string]bool
	most    int
	starts  atomic.Int32
}

func (in *instances) job(owner string) func(context.Context) error {
	return func(ctx context.Context) error {
		in.starts.Add(1)
		in.mu.Lock()
		in.running[owner] = true
		if n := len(in.running); n > in.most {
			in.most = n
		}
		in.mu.Unlock()
		<-ctx.Done()
		in.mu.Lock()
		delete(in.running, owner)
		in.mu.Unlock()
		return nil
	}
}

func (in *instances) runningOn() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	var owners []string
	for o := range in.running {
		owners = append(owners, o)
	}
	return owners
}

func TestALeasedJobRunsOnOneInstanceAndMovesWhenItStops(t *testing.T) {
	st := newLedger(t)
	in := &instances{running: map[string]bool{}}
	stops := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	for _, owner := range []string{"hub-1", "hub-2", "hub-3"} {
		ctx, cancel := context.WithCancel(t.Context())
		stops[owner] = cancel
		l := &Leased{Name: "reconciler", Leases: st, Owner: owner, TTL: time.Second}
		wg.Go(func() {
			if err := l.Run(ctx, in.job(owner)); err != nil {
				t.Errorf("%s: %v", owner, err)
			}
		})
	}
	t.Cleanup(func() {
		for _, stop := range stops {
			stop()
		}
		wg.Wait()
	})

	waitFor(t, func() bool { return len(in.runningOn()) == 1 })
	time.Sleep(1200 * time.Millisecond) // several renewals by every instance
	first := in.runningOn()
	if len(first) != 1 {
		t.Fatalf("the job runs on %v; want exactly one instance", first)
	}
	// The holder stops: it releases the lease and another instance takes over.
	stops[first[0]]()
	waitFor(t, func() bool {
		now := in.runningOn()
		return len(now) == 1 && now[0] != first[0]
	})
	in.mu.Lock()
	most := in.most
	in.mu.Unlock()
	if most != 1 {
		t.Errorf("the job ran on %d instances at once; want never more than 1", most)
	}
}

// dyingLeaser is a store that refuses to release: the instance died
// without a word, so its lease can only run out.
type dyingLeaser struct{ JobLeaser }

func (dyingLeaser) ReleaseLease(context.Context, string, string) error { return nil }

func TestTheJobOfAnInstanceThatDiedMovesOnceItsLeaseRunsOut(t *testing.T) {
	st := newLedger(t)
	in := &instances{running: map[string]bool{}}
	deadCtx, die := context.WithCancel(t.Context())
	dead := &Leased{Name: "fx", Leases: dyingLeaser{st}, Owner: "dead", TTL: time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = dead.Run(deadCtx, in.job("dead")) }()
	waitFor(t, func() bool { return len(in.runningOn()) == 1 })
	die()
	<-done

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	alive := &Leased{Name: "fx", Leases: st, Owner: "alive", TTL: time.Second}
	go func() { _ = alive.Run(ctx, in.job("alive")) }()
	waitFor(t, func() bool {
		now := in.runningOn()
		return len(now) == 1 && now[0] == "alive"
	})
}
