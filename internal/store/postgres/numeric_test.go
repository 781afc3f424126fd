package postgres

import (
	"bytes"
	"fmt"
	"math/big"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/procurehub/procurehub/canonical"
)

// TestNumericEncodingMatchesPgx checks the fast numeric encoder against
// pgx's own, byte for byte, over the shapes money and quantities take.
func TestNumericEncodingMatchesPgx(t *testing.T) {
	m := pgtype.NewMap()
	coefs := []int64{0, 1, -1, 5, 9, 10, 99, 125, 1250, -1250, 9999, 10000, 10001, 123456789,
		-987654321012, 100000000, 999999999999999, -999999999999999, 1000000000000000 - 7}
	for _, c := range coefs {
		for exp := int32(-fastMaxExp); exp <= fastMaxExp; exp++ {
			t.Run(fmt.Sprintf("%de%d encodes as pgx does", c, exp), func(t *testing.T) {
				want, err := m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode,
					pgtype.Numeric{Int: big.NewInt(c), Exp: exp, Valid: true}, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := encodeNumericValue{}.Encode(numericValue{coef: c, exp: exp}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("got % x\nwant % x", got, want)
				}
			})
		}
	}
}

func TestNumericChoosesTheFastPathOnlyWithinItsBounds(t *testing.T) {
	tests := []struct {
		in   string
		fast bool
	}{
		{"12.50", true},
		{"0.125", true},
		{"-999999999999999", true},
		{"1000000000000000", false},    // 16 digits
		{"0.00000000000000001", false}, // exponent -17
		{"123456789012345678901234567890.5", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, fast := numeric(canonical.MustDecimal(tt.in)).(numericValue)
			if fast != tt.fast {
				t.Errorf("fast path %v, want %v", fast, tt.fast)
			}
		})
	}
}
