package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"

	"github.com/procurehub/procurehub/canonical"
)

// Statuses that take an order out of what is committed: its quantities no
// longer count against a supplier's capacity, and it is no longer an order
// another one can duplicate.
const (
	StatusCancelled = "cancelled"
	StatusRejected  = "rejected"
)

// DuplicateKey is what makes two orders duplicates (validation.DuplicateKey
// is this function; its duplicate_order rule looks orders up by it): the hex SHA-256 of
// the supplier id, the requested delivery date and the sorted (SKU,
// quantity, unit) lines — a line without SKU counts as "buyer:" + its buyer
// SKU, a quantity is written without trailing zeros (12.50 as 12.5). Line
// order, line numbers, prices and order numbers do not count.
//
// The stores keep it in orders.duplicate_key, so its bytes must not change:
// TestDuplicateKeyIsTheReferenceKey checks it against a plain reference. It
// is computed on the bulk write path, so it formats without fmt and sorts
// one buffer.
func DuplicateKey(o *canonical.Order) string {
	// Every line as sku \x00 quantity \x00 unit, back to back in buf.
	var (
		bufArr [512]byte
		endArr [16]int
	)
	buf, ends := bufArr[:0], endArr[:0]
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.SKU == "" {
			buf = append(buf, "buyer:"...)
			buf = append(buf, l.BuyerSKU...)
		} else {
			buf = append(buf, l.SKU...)
		}
		buf = append(buf, 0)
		buf = appendQuantity(buf, l.Quantity)
		buf = append(buf, 0)
		buf = append(buf, l.Unit...)
		ends = append(ends, len(buf))
	}
	lines := make([][]byte, len(ends))
	start := 0
	for i, end := range ends {
		lines[i] = buf[start:end:end]
		start = end
	}
	slices.SortFunc(lines, bytes.Compare)

	h := sha256.New()
	var head [64]byte
	b := append(head[:0], o.Supplier.ID...)
	b = append(b, 1)
	b = appendDate(b, o.RequestedDeliveryDate)
	b = append(b, 1)
	h.Write(b)
	for i, l := range lines {
		if i > 0 {
			h.Write([]byte{1})
		}
		h.Write(l)
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// appendDate appends canonical.Date.String: "" for the zero date, else
// YYYY-MM-DD.
func appendDate(dst []byte, d canonical.Date) []byte {
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 0 || d.Day > 99 {
		return append(dst, d.String()...) // odd values: as String prints them
	}
	if d.IsZero() {
		return dst
	}
	dst = append(dst, byte('0'+d.Year/1000), byte('0'+d.Year/100%10), byte('0'+d.Year/10%10), byte('0'+d.Year%10), '-')
	dst = append(dst, byte('0'+int(d.Month)/10), byte('0'+int(d.Month)%10), '-')
	return append(dst, byte('0'+d.Day/10), byte('0'+d.Day%10))
}

// appendQuantity appends shopspring's decimal.Decimal.String of q: the value
// without trailing zeros after the point ("12.5" for 12.50, "100" for 1E2).
// Coefficients that fit an int64 with a small exponent are formatted here;
// the rest go through shopspring.
func appendQuantity(dst []byte, q canonical.Decimal) []byte {
	exp := q.Exponent()
	if exp < -18 || exp > 18 || q.NumDigits() > 18 {
		return append(dst, q.Decimal.String()...)
	}
	c := q.CoefficientInt64()
	if c == 0 {
		return append(dst, '0')
	}
	for exp < 0 && c%10 == 0 {
		c /= 10
		exp++
	}
	if exp >= 0 {
		dst = strconv.AppendInt(dst, c, 10)
		for range exp {
			dst = append(dst, '0')
		}
		return dst
	}
	if c < 0 {
		dst = append(dst, '-')
		c = -c // cannot overflow: |c| < 10^18
	}
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], c, 10)
	scale := int(-exp)
	if len(s) > scale {
		dst = append(dst, s[:len(s)-scale]...)
		dst = append(dst, '.')
		return append(dst, s[len(s)-scale:]...)
	}
	dst = append(dst, '0', '.')
	for range scale - len(s) {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}
