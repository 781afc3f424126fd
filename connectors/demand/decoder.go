package demand

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/ordering"
)

// Stable codes of what the decoder reports besides ordering.ReadCSV's
// (empty, missing_column, unknown_column, duplicate_column, field_count,
// malformed_row and canonical's cell codes).
const (
	// CodeNoDemand is the file error of a file with a header and no row.
	CodeNoDemand = "no_demand"
	// CodeNoSupplier, CodeInvalidDemand and CodeCapacityShort are the row
	// errors of a demand line the planner could not plan, or not all of
	// it; they are the planner's note codes.
	CodeNoSupplier    = string(ordering.NoteNoSupplier)
	CodeInvalidDemand = string(ordering.NoteInvalidDemand)
	CodeCapacityShort = string(ordering.NoteCapacityShort)
	// CodeLate is the warning of a planned line that is delivered after
	// its need_by date: ordered all the same, so it rejects nothing.
	CodeLate = string(ordering.NoteLate)
)

// DefaultPrefix starts the numbers of the orders planned from demand files.
const DefaultPrefix = "DMD-"

// NumberBy says what identifies a demand file in the numbers of its orders.
type NumberBy string

// The ways of numbering.
const (
	// ByContent numbers the orders from the file's sha256: the same
	// content always makes the same numbers; a corrected file is new
	// demand with new numbers. The default.
	ByContent NumberBy = "content"
	// ByName numbers the orders from the file's name: a corrected file
	// dropped again under its name updates the orders the first one made.
	// For partners that name every demand file once (demand-2027-w07.csv)
	// and resend it corrected under that name; a partner that reuses a
	// name (demand.csv every week) would overwrite last week's orders.
	ByName NumberBy = "name"
)

// Valid reports whether n is content or name.
func (n NumberBy) Valid() bool { return n == ByContent || n == ByName }

// DecoderOptions are how a Decoder numbers its orders.
type DecoderOptions struct {
	// Prefix starts every order number; DefaultPrefix when empty.
	Prefix string
	// NumberBy is what identifies the file in the numbers; ByContent when empty.
	NumberBy NumberBy
}

// Decoder reads a demand file (the columns of ordering.ReadCSV), plans it
// with its Planner and hands every planned order to the sink as a
// canonical order record keyed by its order number. It creates nothing
// itself: the runtime publishes the records, and the validation and the
// store take them like every other order.
//
// A bad row of the file and a demand line the planner could not plan (no
// catalog item for its SKU, no supplier with capacity, a quantity beyond
// belief), or not all of (capacity ran short), is a row error with the
// file's line, the planner's note code and its message; the other lines
// are planned and ordered all the same. A planned line delivered after its
// need_by date is a warning. A file that is not a demand file (no header, a
// required column missing, an unknown column) or that has no row is a
// *connectors.FileError, and nothing is planned.
//
// The orders are numbered from the file (see OrderNumbers and NumberBy),
// so that the same file taken again — replayed, or re-ingested after a
// catalog fix — makes the same order numbers and updates its orders
// instead of making a second set.
type Decoder struct {
	planner Planner
	opts    DecoderOptions
}

var _ connectors.Decoder = (*Decoder)(nil)

// NewDecoder returns a decoder that plans with p and numbers the orders
// as opts say.
func NewDecoder(p Planner, opts DecoderOptions) (*Decoder, error) {
	if p == nil {
		return nil, errors.New("demand: a planner is required")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.NumberBy == "" {
		opts.NumberBy = ByContent
	}
	if err := checkOptions(opts); err != nil {
		return nil, fmt.Errorf("demand: %w", err)
	}
	return &Decoder{planner: p, opts: opts}, nil
}

func checkOptions(o DecoderOptions) error {
	var errs []error
	if err := checkPrefix(o.Prefix); err != nil {
		errs = append(errs, err)
	}
	if !o.NumberBy.Valid() {
		errs = append(errs, fmt.Errorf("number_by %q is not content or name", clip(string(o.NumberBy))))
	}
	return errors.Join(errs...)
}

// maxPrefix bounds the prefix, so that an order number stays short
// enough to read out on the phone and to fit a supplier's ERP field.
const maxPrefix = 16

func checkPrefix(p string) error {
	switch {
	case len(p) > maxPrefix:
		return fmt.Errorf("prefix %q is longer than %d characters", clip(p), maxPrefix)
	case strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == '/' || r == '\\' || r > '~' }):
		return fmt.Errorf("prefix %q may hold only printable ASCII without blanks or slashes", clip(p))
	}
	return nil
}

// Decode reads r (the content of in), plans it and streams the orders and
// row errors into out. It returns ctx.Err() promptly once ctx is
// cancelled, and a planner failure (the commitments lookup) wrapped and
// before anything reaches out, for the runtime to take the file again
// later.
func (d *Decoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	h := sha256.New()
	lines, rowErrs, err := ordering.ReadCSV(ctx, in.Name, io.TeeReader(r, h))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fe *connectors.FileError
		if errors.As(err, &fe) {
			return fe
		}
		return fmt.Errorf("demand: %w", err)
	}
	if len(lines) == 0 && len(rowErrs) == 0 {
		return &connectors.FileError{File: in.Name, Code: CodeNoDemand,
			Message: "the file has a header but no demand line: nothing to order"}
	}
	var plan ordering.Plan
	if len(lines) > 0 {
		id := h.Sum(nil)
		if d.opts.NumberBy == ByName {
			sum := sha256.Sum256([]byte(in.Name))
			id = sum[:]
		}
		plan, err = d.planner.Plan(ctx, lines, OrderNumbers(d.opts.Prefix, hex.EncodeToString(id)))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("demand: planning %s: %w", in.Name, err)
		}
	}
	for _, l := range plan.Lines {
		rowErrs = append(rowErrs, lineErrors(in.Name, l)...)
	}
	slices.SortStableFunc(rowErrs, func(a, b connectors.RowError) int { return a.Line - b.Line })
	for _, e := range rowErrs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := out.RowError(ctx, e); err != nil {
			return err
		}
	}
	for i := range plan.Orders {
		if err := ctx.Err(); err != nil {
			return err
		}
		o := &plan.Orders[i]
		o.Source = &canonical.Source{Connector: KindName, Partner: in.Partner, File: in.Name}
		if err := out.Record(ctx, connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o}); err != nil {
			return err
		}
	}
	return nil
}

// lineErrors are the receipt's entries for one planned demand line: a row
// error for what was not ordered, a warning for a late delivery.
func lineErrors(file string, l ordering.LinePlan) []connectors.RowError {
	line := 0
	if l.Source != nil {
		line = l.Source.Line
	}
	var out []connectors.RowError
	for _, n := range l.Notes {
		e := connectors.RowError{File: file, Line: line, Code: string(n.Code), Message: n.Message}
		switch n.Code {
		case ordering.NoteNoSupplier:
			e.Field = ordering.ColBuyerSKU
		case ordering.NoteCapacityShort:
			e.Field = ordering.ColQuantity
		case ordering.NoteInvalidDemand:
		case ordering.NoteLate:
			e.Field, e.Warning = ordering.ColNeedBy, true
		default:
			continue // rounded, split: what the order lines show
		}
		out = append(out, e)
	}
	return out
}

// OrderNumbers names the orders planned from one file identified by sum,
// a hex sha256 (of its content, or of its name with ByName): the prefix,
// the first 8 hex digits of sum, a dash, and 6 hex digits of a hash of
// what makes the order one order — supplier, requested delivery date,
// buyer, ship-to, currency, incoterm and place, payment terms:
// "DMD-3f2a9c1b-07e4a1".
//
// The same file always gives the same numbers, so a replay of a file, or
// the same file taken again after a catalog fix, updates its orders in the
// store instead of making a second set. Because the second part names the
// order by what it is and not by its position in the plan, an order keeps
// its number when a line that was not planned before (an unknown SKU, now
// in the catalog) makes a new order beside it. Numbered by content, a
// changed file is new demand and gets new numbers, and two files with the
// same content are the same demand.
//
// Two orders of one plan whose hashes collide are told apart by "-2",
// "-3"... in the order of the plan. The Numbers returned belong to one
// plan: make new ones for each.
func OrderNumbers(prefix, sum string) ordering.Numbers {
	file := sum
	if len(file) > 8 {
		file = file[:8]
	}
	seen := map[string]int{}
	return func(_ int, o *canonical.Order) string {
		k := sha256.Sum256([]byte(orderKey(o)))
		num := prefix + file + "-" + hex.EncodeToString(k[:3])
		seen[num]++
		if n := seen[num]; n > 1 {
			num = fmt.Sprintf("%s-%d", num, n)
		}
		return num
	}
}

// orderKey is what the planner groups an order's lines by.
func orderKey(o *canonical.Order) string {
	var ship canonical.Address
	if o.ShipTo != nil {
		ship = *o.ShipTo
	}
	return strings.Join([]string{
		o.Supplier.ID, o.RequestedDeliveryDate.String(),
		o.Buyer.ID, o.Buyer.Name, string(o.Buyer.Country),
		ship.Name, ship.Street, ship.City, ship.PostalCode, string(ship.Country),
		string(o.Currency), string(o.Incoterm), o.IncotermPlace, o.PaymentTerms,
	}, "\x1f")
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
