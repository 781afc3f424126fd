package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// --- job leases ---

func jobLeaseOneHolder(t *testing.T, s Store) {
	ctx := t.Context()
	if ok, err := s.AcquireLease(ctx, "reconciler", leaseOf("instance-a")); err != nil || !ok {
		t.Fatalf("first acquire: ok %v err %v; want the lease", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "reconciler", leaseOf("instance-b")); err != nil || ok {
		t.Errorf("acquire by instance-b while instance-a holds it: ok %v err %v; want refused without error", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "warnings", leaseOf("instance-b")); err != nil || !ok {
		t.Errorf("another job's lease: ok %v err %v; want it", ok, err)
	}
	first := leaseNamed(t, s, "reconciler")
	time.Sleep(5 * time.Millisecond)
	if ok, err := s.AcquireLease(ctx, "reconciler", leaseOf("instance-a")); err != nil || !ok {
		t.Fatalf("renew by the holder: ok %v err %v", ok, err)
	}
	renewed := leaseNamed(t, s, "reconciler")
	if !renewed.Until.After(first.Until) || !renewed.AcquiredAt.Equal(first.AcquiredAt) {
		t.Errorf("renewal: until %s → %s, acquired %s → %s; want until later and acquired kept",
			first.Until, renewed.Until, first.AcquiredAt, renewed.AcquiredAt)
	}
	if err := s.ReleaseLease(ctx, "reconciler", "instance-b"); err != nil {
		t.Errorf("release by a non-holder: %v; want no error", err)
	}
	if leaseNamed(t, s, "reconciler").Owner != "instance-a" {
		t.Error("a release by a non-holder freed the lease")
	}
	if err := s.ReleaseLease(ctx, "reconciler", "instance-a"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AcquireLease(ctx, "reconciler", leaseOf("instance-b")); err != nil || !ok {
		t.Errorf("acquire after the holder released it: ok %v err %v; want it", ok, err)
	}
	if _, err := s.AcquireLease(ctx, "", leaseOf("instance-a")); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a lease without a name: err = %v, want ErrInvalid", err)
	}
	if _, err := s.AcquireLease(ctx, "x", store.Lease{Owner: "a"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a lease without a ttl: err = %v, want ErrInvalid", err)
	}
}

func jobLeaseRunsOut(t *testing.T, s Store) {
	ctx := t.Context()
	if ok, err := s.AcquireLease(ctx, "fx", store.Lease{Owner: "crashed-instance", TTL: time.Millisecond}); err != nil || !ok {
		t.Fatalf("acquire: ok %v err %v", ok, err)
	}
	time.Sleep(20 * time.Millisecond) // the lease is long over
	if ok, err := s.AcquireLease(ctx, "fx", leaseOf("instance-b")); err != nil || !ok {
		t.Fatalf("acquire after the holder's lease ran out: ok %v err %v; want it", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "fx", leaseOf("crashed-instance")); err != nil || ok {
		t.Errorf("the old holder comes back: ok %v err %v; want refused", ok, err)
	}
	if l := leaseNamed(t, s, "fx"); l.Owner != "instance-b" {
		t.Errorf("lease held by %q, want instance-b", l.Owner)
	}
}

func jobLeaseConcurrent(t *testing.T, s Store) {
	const n = 8
	var wg sync.WaitGroup
	got := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = s.AcquireLease(t.Context(), "scanner", leaseOf(string(rune('a'+i))))
		})
	}
	wg.Wait()
	holders := 0
	for i := range n {
		if errs[i] != nil && !errors.Is(errs[i], store.ErrConflict) {
			t.Errorf("acquire %d: %v", i, errs[i])
		}
		if got[i] {
			holders++
		}
	}
	if holders != 1 {
		t.Errorf("%d instances got the lease at once, want exactly 1", holders)
	}
}

func leaseNamed(t *testing.T, s Store, name string) store.JobLease {
	t.Helper()
	ls, err := s.JobLeases(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("lease %q not listed in %+v", name, ls)
	return store.JobLease{}
}

// --- mapping versions and replays ---

func mappingVersions(t *testing.T, s Store) {
	ctx := t.Context()
	v1 := []byte("columns:\n  order_number: PO\n")
	v2 := []byte("columns:\n  order_number: PO No\n")
	a, added, err := s.RecordMapping(ctx, "acme-de", v1)
	if err != nil || !added || a.Version != 1 || a.SHA256 != store.MappingSHA256(v1) {
		t.Fatalf("first mapping: %+v added %v err %v; want version 1, added", a, added, err)
	}
	again, added, err := s.RecordMapping(ctx, "acme-de", v1)
	if err != nil || added || again.Version != 1 {
		t.Errorf("same content again: version %d added %v err %v; want version 1, not added", again.Version, added, err)
	}
	b, added, err := s.RecordMapping(ctx, "acme-de", v2)
	if err != nil || !added || b.Version != 2 {
		t.Errorf("changed mapping: version %d added %v err %v; want version 2, added", b.Version, added, err)
	}
	other, _, err := s.RecordMapping(ctx, "globex-us", v2)
	if err != nil || other.Version != 1 {
		t.Errorf("another partner's first mapping: version %d err %v; want 1", other.Version, err)
	}
	back, _, err := s.RecordMapping(ctx, "acme-de", v1)
	if err != nil || back.Version != 1 {
		t.Errorf("going back to the first content: version %d err %v; want 1 again", back.Version, err)
	}
	got, err := s.GetMappingVersion(ctx, "acme-de", 2)
	if err != nil || !bytes.Equal(got.Content, v2) || got.CreatedAt.IsZero() {
		t.Errorf("version 2 reads back %+v err %v; want its content", got, err)
	}
	list, err := s.MappingVersions(ctx, "acme-de")
	if err != nil || len(list) != 2 || list[0].Version != 1 || list[1].Version != 2 {
		t.Errorf("versions of acme-de: %+v err %v; want 1 and 2", list, err)
	}
	if _, err := s.GetMappingVersion(ctx, "acme-de", 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing version: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.RecordMapping(ctx, "acme-de", nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("empty mapping: err = %v, want ErrInvalid", err)
	}
}

func ledgerMappingVersionAndReplays(t *testing.T, s Store) {
	ctx := t.Context()
	e := entry("acme-de", "orders.csv", "PO-1;BRK-100;120")
	e.MappingVersion = 1
	a, _, err := s.LedgerClaim(ctx, e, leaseOf("instance-a"))
	if err != nil || a.MappingVersion != 1 {
		t.Fatalf("claim: version %d err %v; want 1", a.MappingVersion, err)
	}
	// Taken again half-way (a crash) after the mapping changed: the new version.
	e.MappingVersion = 2
	b, _, err := s.LedgerClaim(ctx, e, leaseOf("instance-a"))
	if err != nil || b.MappingVersion != 2 {
		t.Errorf("claim of an unfinished entry with version 2: got %d err %v; want 2", b.MappingVersion, err)
	}
	if err := s.LedgerFinish(ctx, a.ID, store.LedgerDone, 3, 0, nil); err != nil {
		t.Fatal(err)
	}
	// The same content again is a duplicate: the entry keeps the version it was read with.
	e.MappingVersion = 3
	if c, _, err := s.LedgerClaim(ctx, e, leaseOf("instance-a")); err != nil || c.MappingVersion != 2 {
		t.Errorf("claim of a finished entry with version 3: got %d err %v; want 2 kept", c.MappingVersion, err)
	}
	byID, err := s.LedgerByID(ctx, a.ID)
	if err != nil || byID.Name != "orders.csv" || byID.Status != store.LedgerDone {
		t.Errorf("LedgerByID: %+v err %v", byID, err)
	}
	if _, err := s.LedgerByID(ctx, a.ID+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LedgerByID of a missing entry: err = %v, want ErrNotFound", err)
	}
	r1, err := s.AddReplay(ctx, store.Replay{LedgerID: a.ID, MappingVersion: 3, Status: "done", Records: 3, By: "ops"})
	if err != nil || r1.ID == 0 || r1.At.IsZero() {
		t.Fatalf("add replay: %+v err %v", r1, err)
	}
	if _, err := s.AddReplay(ctx, store.Replay{LedgerID: a.ID, MappingVersion: 1, Status: "partial", Records: 2, Rejects: 1}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Replays(ctx, a.ID)
	if err != nil || len(rs) != 2 || rs[0].MappingVersion != 3 || rs[0].By != "ops" || rs[1].Status != "partial" || rs[1].Rejects != 1 {
		t.Errorf("replays: %+v err %v; want the two, oldest first", rs, err)
	}
	if _, err := s.AddReplay(ctx, store.Replay{LedgerID: a.ID + 1000, Status: "done"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("replay of a missing entry: err = %v, want ErrNotFound", err)
	}
}
