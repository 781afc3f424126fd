package canonical

import (
	"encoding/json"
	"fmt"
	"testing"
)

// bigOrder is an order of n valid lines, the shape ERP exports send.
func bigOrder(b *testing.B, n int) *Order {
	b.Helper()
	o := load[Order](b, "order.json")
	line := o.Lines[0]
	o.Lines = make([]OrderLine, n)
	for i := range o.Lines {
		o.Lines[i] = line
		o.Lines[i].LineNumber = i + 1
		o.Lines[i].Source = nil
	}
	total := MustDecimal("250.00").Mul(MustDecimal(fmt.Sprint(n)).Decimal)
	o.TotalAmount = &Decimal{total}
	if err := o.Validate(); err != nil {
		b.Fatal(err)
	}
	return o
}

func BenchmarkOrderValidate(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("%d lines", n), func(b *testing.B) {
			o := bigOrder(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if err := o.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOrderJSON(b *testing.B) {
	o := bigOrder(b, 10)
	data, err := json.Marshal(o)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("marshal 10 lines", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := json.Marshal(o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal 10 lines", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var v Order
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecimalJSON(b *testing.B) {
	d := MustDecimal("1234567.89")
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		in := []byte(`"1234567.89"`)
		b.ReportAllocs()
		for b.Loop() {
			var v Decimal
			if err := v.UnmarshalJSON(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkValidIBAN(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !ValidIBAN("DE89370400440532013000") {
			b.Fatal("invalid")
		}
	}
}

func BenchmarkSchemas(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if len(Schemas()) != 7 {
			b.Fatal("want 7 schemas")
		}
	}
}
