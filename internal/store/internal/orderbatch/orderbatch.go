// Package orderbatch prepares an UpsertOrders batch the same way for every
// store: it refuses what a database would refuse (naming the order), keeps
// only the last order of each key, and encodes each order as the stores keep
// it: a document (store.Content, the order without lineage, whose SHA-256 is
// the content hash) and, beside it, the lineage (the order's and each line's
// Source). Decode puts the two back together.
//
// Splitting the two means one JSON encoding of the order serves both the
// hash and the stored document.
package orderbatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// Key is an order's business key.
type Key struct {
	BuyerID     string
	OrderNumber string
}

// Item is the order the store must consider for one key of the batch.
type Item struct {
	Index   int // position of the order in the caller's batch
	Order   *canonical.Order
	Key     Key
	Content []byte // store.Content of Order: the document to store
	Hash    string // store.ContentHash of Order
}

// Prepare checks every order of a batch and returns one Item per key, the
// last order of that key winning, in the order the winners appear in the
// batch. A refused order is reported as a *store.InvalidOrderError.
func Prepare(orders []*canonical.Order) ([]Item, error) {
	items := make([]Item, 0, len(orders))
	pos := make(map[Key]int, len(orders)) // key → index in items
	for i, o := range orders {
		if err := check(i, o); err != nil {
			return nil, err
		}
		content, err := store.Content(o)
		if err != nil {
			return nil, invalid(i, o, err.Error())
		}
		if hasEscapedNUL(content) {
			return nil, invalid(i, o, "contains a NUL character")
		}
		k := Key{BuyerID: o.Buyer.ID, OrderNumber: o.OrderNumber}
		it := Item{Index: i, Order: o, Key: k, Content: content, Hash: store.HashContent(content)}
		if j, dup := pos[k]; dup {
			items[j].Index = -1 // superseded by this later one
		}
		pos[k] = len(items)
		items = append(items, it)
	}
	// Drop the superseded items, keeping the batch order of the winners.
	kept := items[:0]
	for _, it := range items {
		if it.Index >= 0 {
			kept = append(kept, it)
		}
	}
	return kept, nil
}

// lineage is how the Sources of an order are stored beside its document.
type lineage struct {
	Order *canonical.Source   `json:"order,omitempty"`
	Lines []*canonical.Source `json:"lines,omitempty"` // by position in Order.Lines
}

// Lineage returns the JSON of the order's and its lines' Source, or nil when
// the order carries none.
func (it *Item) Lineage() ([]byte, error) {
	l := lineage{Order: it.Order.Source}
	for i := range it.Order.Lines {
		if src := it.Order.Lines[i].Source; src != nil {
			if l.Lines == nil {
				l.Lines = make([]*canonical.Source, len(it.Order.Lines))
			}
			l.Lines[i] = src
		}
	}
	if l.Order == nil && l.Lines == nil {
		return nil, nil
	}
	b, err := json.Marshal(&l)
	if err != nil {
		return nil, invalid(it.Index, it.Order, "encode lineage: "+err.Error())
	}
	if hasEscapedNUL(b) {
		return nil, invalid(it.Index, it.Order, "lineage contains a NUL character")
	}
	return b, nil
}

// Decode rebuilds an order from its stored document and lineage (nil or
// empty when there is none).
func Decode(document, lineageJSON []byte) (canonical.Order, error) {
	var o canonical.Order
	if err := canonical.UnmarshalOrder(document, &o); err != nil {
		return canonical.Order{}, fmt.Errorf("stored document does not decode: %w", err)
	}
	if len(lineageJSON) == 0 {
		return o, nil
	}
	var l lineage
	if err := json.Unmarshal(lineageJSON, &l); err != nil {
		return canonical.Order{}, fmt.Errorf("stored lineage does not decode: %w", err)
	}
	o.Source = l.Order
	for i, src := range l.Lines {
		if i < len(o.Lines) {
			o.Lines[i].Source = src
		}
	}
	return o, nil
}

// check refuses an order whose key is missing, whose line numbers repeat, or
// whose stored columns hold text a database cannot store.
func check(i int, o *canonical.Order) error {
	if o == nil {
		return &store.InvalidOrderError{Index: i, Reason: "nil order"}
	}
	if strings.TrimSpace(o.Buyer.ID) == "" {
		return invalid(i, o, "buyer.id is required")
	}
	if strings.TrimSpace(o.OrderNumber) == "" {
		return invalid(i, o, "order_number is required")
	}
	fields := []struct{ name, value string }{
		{"buyer.id", o.Buyer.ID},
		{"order_number", o.OrderNumber},
		{"supplier.id", o.Supplier.ID},
		{"currency", string(o.Currency)},
	}
	for _, f := range fields {
		if !storable(f.value) {
			return invalid(i, o, f.name+" is not valid UTF-8 text")
		}
	}
	for _, d := range []struct {
		name string
		date canonical.Date
	}{{"order_date", o.OrderDate}, {"requested_delivery_date", o.RequestedDeliveryDate}} {
		if !d.date.IsZero() && !validDate(d.date) {
			return invalid(i, o, d.name+" is not a calendar date")
		}
	}
	if o.TotalAmount != nil && !readable(*o.TotalAmount) {
		return invalid(i, o, "total_amount has too many digits")
	}
	seen := make(map[int]bool, len(o.Lines))
	for j, l := range o.Lines {
		if seen[l.LineNumber] {
			return invalid(i, o, fmt.Sprintf("lines[%d]: line_number %d appears twice", j, l.LineNumber))
		}
		seen[l.LineNumber] = true
		for _, s := range []string{l.SKU, l.Description, string(l.Unit), string(l.HSCode), string(l.OriginCountry)} {
			if !storable(s) {
				return invalid(i, o, fmt.Sprintf("lines[%d]: a text field is not valid UTF-8 text", j))
			}
		}
		if !readable(l.Quantity) || !readable(l.UnitPrice) || (l.Amount != nil && !readable(*l.Amount)) {
			return invalid(i, o, fmt.Sprintf("lines[%d]: a number has too many digits", j))
		}
	}
	return nil
}

func invalid(i int, o *canonical.Order, reason string) error {
	return &store.InvalidOrderError{Index: i, BuyerID: safe(o.Buyer.ID), OrderNumber: safe(o.OrderNumber), Reason: reason}
}

// safe makes a key printable in an error message.
func safe(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// validDate reports whether d is a real calendar date of the years 1 to 9999:
// a date like 2026-02-30 would be stored, but its JSON would not read back.
func validDate(d canonical.Date) bool {
	return d.Year >= 1 && d.Year <= 9999 && canonical.DateOf(d.Time()) == d
}

// maxDigits mirrors the bound canonical.ParseDecimal puts on digits before
// and after the point: a decimal beyond it would be stored, but its JSON
// would not read back.
const maxDigits = 64

// readable reports whether d stays within maxDigits.
func readable(d canonical.Decimal) bool {
	exp := int64(d.Exponent())
	return int64(d.NumDigits())+exp <= maxDigits && -exp <= maxDigits
}

// storable reports whether s can go into a text column: valid UTF-8, no NUL.
func storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// hasEscapedNUL reports whether JSON text contains the escape \u0000 (and not
// merely an escaped backslash followed by "u0000").
func hasEscapedNUL(b []byte) bool {
	esc := []byte(`\u0000`)
	for off := 0; ; {
		i := bytes.Index(b[off:], esc)
		if i < 0 {
			return false
		}
		at := off + i
		backslashes := 0
		for k := at - 1; k >= 0 && b[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return true
		}
		off = at + 1
	}
}

// DuplicateKey returns store.DuplicateKey of the order a stored document
// holds, for orders stored before the stores kept the key.
func DuplicateKey(document []byte) (string, error) {
	var o canonical.Order
	if err := canonical.UnmarshalOrder(document, &o); err != nil {
		return "", fmt.Errorf("stored document does not decode: %w", err)
	}
	return store.DuplicateKey(&o), nil
}

// FillBatch is how many orders a store's Migrate gives their duplicate key
// in one statement when it fills in the keys of orders stored without one.
const FillBatch = 1000
