package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// BenchUpsertOrders pushes 10,000 orders of 10 lines through UpsertOrders in
// batches of 500: a first insert into empty tables, an unchanged replay
// (at-least-once redelivery), and an update of every order. It reports the
// order lines written (or confirmed unchanged) per second. empty must delete
// every order and line.
func BenchUpsertOrders(b *testing.B, s Store, empty func(b *testing.B)) {
	const orders, linesPerOrder, batch = 10_000, 10, 500
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	first := Orders(orders, linesPerOrder, 0)
	second := Orders(orders, linesPerOrder, 1) // every order changed

	push := func(b *testing.B, all []*canonical.Order, want store.Change) {
		for part := range slices.Chunk(all, batch) {
			changes, err := s.UpsertOrders(ctx, part)
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range changes {
				if c != want {
					b.Fatalf("change %v, want %v", c, want)
				}
			}
		}
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(orders*linesPerOrder*b.N)/b.Elapsed().Seconds(), "lines/s")
	}

	b.Run("insert", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			empty(b)
			b.StartTimer()
			push(b, first, store.ChangeInserted)
		}
		report(b)
	})
	b.Run("unchanged replay", func(b *testing.B) {
		empty(b)
		push(b, first, store.ChangeInserted)
		b.ResetTimer()
		for range b.N {
			push(b, first, store.ChangeUnchanged)
		}
		report(b)
	})
	b.Run("update", func(b *testing.B) {
		empty(b)
		push(b, first, store.ChangeInserted)
		b.ResetTimer()
		for i := range b.N {
			push(b, [][]*canonical.Order{second, first}[i%2], store.ChangeUpdated)
		}
		report(b)
	})
}
