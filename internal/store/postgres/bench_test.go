package postgres

import (
	"context"
	"testing"

	"github.com/procurehub/procurehub/internal/store/storetest"
)

// BenchmarkUpsertOrders: see storetest.BenchUpsertOrders.
//
//	PROCUREHUB_TEST_POSTGRES_DSN=... go test -run '^$' -bench UpsertOrders -benchtime 3x ./internal/store/postgres/
func BenchmarkUpsertOrders(b *testing.B) {
	s := openSchema(b)
	storetest.BenchUpsertOrders(b, s, func(b *testing.B) {
		if _, err := s.pool.Exec(context.Background(), `TRUNCATE orders, order_lines`); err != nil {
			b.Fatal(err)
		}
	})
}
