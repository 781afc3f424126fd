package sqlite

import (
	"context"
	"testing"

	"github.com/procurehub/procurehub/internal/store/storetest"
)

// BenchmarkUpsertOrders: see storetest.BenchUpsertOrders.
//
//	go test -run '^$' -bench UpsertOrders -benchtime 3x ./internal/store/sqlite/
func BenchmarkUpsertOrders(b *testing.B) {
	s := openTemp(b)
	storetest.BenchUpsertOrders(b, s, func(b *testing.B) {
		if _, err := s.db.ExecContext(context.Background(), `DELETE FROM order_lines; DELETE FROM orders`); err != nil {
			b.Fatal(err)
		}
	})
}
