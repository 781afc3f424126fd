package x12

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/procurehub/procurehub/canonical"
)

// Envelope is the interchange and functional group that EncodeOrder and
// EncodeOrderResponse write around their sets.
type Envelope struct {
	// SenderQualifier and SenderID are ISA05 and ISA06; the qualifier
	// defaults to "ZZ" (mutually defined), the id (1 to 15 characters) is
	// required. ReceiverQualifier and ReceiverID are ISA07 and ISA08.
	SenderQualifier, SenderID     string
	ReceiverQualifier, ReceiverID string
	// ControlNumber is ISA13 (written with 9 digits) and GS06: 1 to 999999999.
	ControlNumber int
	// Date is ISA09/10 and GS04/05, as given (no time zone change); the
	// zero time is time.Now().
	Date time.Time
	// Version is GS08, "004010" (the default) or later; ISA12 is its first
	// five digits ("00401").
	Version string
	// Usage is ISA15: "P" (production, the default) or "T" (test).
	Usage string
	// SenderCode and ReceiverCode are the application codes GS02 and GS03
	// (2 to 15 characters); they default to SenderID and ReceiverID.
	SenderCode, ReceiverCode string
	// Replace marks the orders as replacing orders of the same numbers sent
	// before (an amendment): BEG01 "05" instead of "00" (original).
	Replace bool
}

// withDefaults fills the defaults and checks env.
func (env Envelope) withDefaults() (Envelope, error) {
	if env.SenderQualifier == "" {
		env.SenderQualifier = "ZZ"
	}
	if env.ReceiverQualifier == "" {
		env.ReceiverQualifier = "ZZ"
	}
	if env.Version == "" {
		env.Version = "004010"
	}
	if env.Usage == "" {
		env.Usage = "P"
	}
	if env.SenderCode == "" {
		env.SenderCode = env.SenderID
	}
	if env.ReceiverCode == "" {
		env.ReceiverCode = env.ReceiverID
	}
	if env.Date.IsZero() {
		env.Date = time.Now()
	}
	for _, f := range []struct {
		name, v  string
		min, max int
	}{
		{"sender qualifier", env.SenderQualifier, 2, 2}, {"sender id", env.SenderID, 1, 15},
		{"receiver qualifier", env.ReceiverQualifier, 2, 2}, {"receiver id", env.ReceiverID, 1, 15},
		{"sender code", env.SenderCode, 2, 15}, {"receiver code", env.ReceiverCode, 2, 15},
	} {
		if n := len(f.v); n < f.min || n > f.max {
			return env, fmt.Errorf("x12: envelope: %s %q has %d characters, not %d to %d", f.name, f.v, n, f.min, f.max)
		}
		if bad := badValue(f.v); bad != "" {
			return env, fmt.Errorf("x12: envelope: %s %s", f.name, bad)
		}
	}
	if env.ControlNumber < 1 || env.ControlNumber > 999_999_999 {
		return env, fmt.Errorf("x12: envelope: control number %d is not 1 to 999999999", env.ControlNumber)
	}
	if len(env.Version) < 6 || !isDigits(env.Version[:6]) || !versionOK(env.Version) || badValue(env.Version) != "" {
		return env, fmt.Errorf("x12: envelope: version %q is not 004010 or later", env.Version)
	}
	if env.Usage != "P" && env.Usage != "T" {
		return env, fmt.Errorf("x12: envelope: usage %q is not P or T", env.Usage)
	}
	return env, nil
}

// badValue says why v cannot be written as an element, or "": it holds
// a delimiter of the written interchanges (~ * : ^) or a control character.
// Nothing is escaped, as X12 has no escape.
func badValue(v string) string {
	if !utf8.ValidString(v) {
		return "is not UTF-8"
	}
	for _, r := range v {
		switch {
		case r == '~' || r == '*' || r == ':' || r == '^':
			return fmt.Sprintf("contains %q, an X12 delimiter", r)
		case r < ' ' || r == 0x7F || r >= 0x80 && r < 0xA0:
			return fmt.Sprintf("contains the control character %U", r)
		}
	}
	return ""
}

// encoder writes the sets of one interchange into a buffer; the first bad
// value stops it with an error that names the record and the field.
type encoder struct {
	b      bytes.Buffer
	n      int // segments of the set being written
	sets   int
	record string // "order \"PO-1\"", for errors
	err    error
}

// el returns v, or "" after recording why v cannot be written.
func (e *encoder) el(field, v string) string {
	if e.err == nil {
		if bad := badValue(v); bad != "" {
			e.err = fmt.Errorf("x12: %s: %s %s", e.record, field, bad)
		}
	}
	return v
}

func (e *encoder) seg(els ...string) {
	for len(els) > 1 && els[len(els)-1] == "" {
		els = els[:len(els)-1]
	}
	e.b.WriteString(strings.Join(els, "*"))
	e.b.WriteString("~\n")
	e.n++
}

func (e *encoder) interchange(env Envelope, functional string) string {
	ctl := fmt.Sprintf("%09d", env.ControlNumber)
	rep := "U"
	if n, _ := strconv.Atoi(env.Version[:5]); n >= 402 {
		rep = "^"
	}
	e.seg("ISA", "00", strings.Repeat(" ", 10), "00", strings.Repeat(" ", 10),
		env.SenderQualifier, fmt.Sprintf("%-15s", env.SenderID), env.ReceiverQualifier, fmt.Sprintf("%-15s", env.ReceiverID),
		env.Date.Format("060102"), env.Date.Format("1504"), rep, env.Version[:5], ctl, "0", env.Usage, ":")
	e.seg("GS", functional, env.SenderCode, env.ReceiverCode, env.Date.Format("20060102"), env.Date.Format("1504"),
		strconv.Itoa(env.ControlNumber), "X", env.Version)
	return ctl
}

func (e *encoder) startSet(typ string) string {
	e.sets++
	ctl := fmt.Sprintf("%04d", e.sets)
	e.n = 0
	e.seg("ST", typ, ctl)
	return ctl
}

func (e *encoder) endSet(ctl string) { e.seg("SE", strconv.Itoa(e.n+1), ctl) }

func (e *encoder) end(env Envelope, ctl string, w io.Writer) error {
	e.seg("GE", strconv.Itoa(e.sets), strconv.Itoa(env.ControlNumber))
	e.seg("IEA", "1", ctl)
	_, err := w.Write(e.b.Bytes())
	return err
}

func date8(d canonical.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

// x12Units maps Rec 20 units back to the X12 codes of units.
var x12Units = func() map[canonical.Unit]string {
	m := make(map[canonical.Unit]string, len(units))
	for x, u := range units {
		m[u] = x
	}
	return m
}()

func (e *encoder) unit(field string, u canonical.Unit) string {
	if u == "" {
		return ""
	}
	x, ok := x12Units[u]
	if !ok && e.err == nil {
		e.err = fmt.Errorf("x12: %s: %s %q has no X12 unit code known to this package", e.record, field, u)
	}
	return x
}

// party writes an N1 loop: N1 (code, name, "92", id) and an N4 with the
// country when there is one.
func (e *encoder) party(field, code string, p canonical.Party) {
	if p == (canonical.Party{}) {
		return
	}
	id, qual := e.el(field+".id", p.ID), ""
	if id != "" {
		qual = "92"
	}
	e.seg("N1", code, e.el(field+".name", p.Name), qual, id)
	if p.Country != "" {
		e.seg("N4", "", "", "", e.el(field+".country", string(p.Country)))
	}
}

// EncodeOrder writes orders as one interchange (ISA, GS "PO", IEA) with one
// 850 per order, ST02 0001, 0002...; the counts of SE, GE and IEA are
// those written. Each 850 holds what the decoder reads back with its
// default options:
//
//	BEG*00*SA*order_number**order_date
//	CUR*BY*currency
//	FOB*DF***01*incoterm*ZZ*incoterm_place
//	ITD*01***********payment_terms              (ITD12)
//	DTM*002*requested_delivery_date
//	N1*BY*name*92*id, N4****country             (buyer)
//	N1*SE*name*92*id, N4****country             (supplier)
//	N1*ST*name, N3*street, N4*city**postal_code*country (ship_to)
//	PO1*line_number*quantity*unit*unit_price*PE*VP*sku*BP*buyer_sku*UP|EN|UK*gtin
//	PID*F****description
//	CTT*lines
//
// Segments and elements without a value are left out. Line amounts, the
// total amount, HS codes and origin countries are not written (the
// decoder does not read them). Units are written as the X12 codes the
// decoder maps to them. An order that does not pass Validate, or a value
// that holds a delimiter (~ * : ^) or a control character, is an error
// that names the order and the field, and nothing is written.
func EncodeOrder(w io.Writer, env Envelope, orders ...*canonical.Order) error {
	if len(orders) == 0 {
		return errors.New("x12: no orders to write")
	}
	env, err := env.withDefaults()
	if err != nil {
		return err
	}
	var e encoder
	ictl := e.interchange(env, "PO")
	for _, o := range orders {
		if o == nil {
			return fmt.Errorf("x12: order %d is nil", e.sets+1)
		}
		e.record = fmt.Sprintf("order %q", o.OrderNumber)
		if err := o.Validate(); err != nil {
			return fmt.Errorf("x12: %s: %w", e.record, err)
		}
		ctl := e.startSet("850")
		purpose := "00"
		if env.Replace {
			purpose = "05"
		}
		e.seg("BEG", purpose, "SA", e.el("order_number", o.OrderNumber), "", date8(o.OrderDate))
		if o.Currency != "" {
			e.seg("CUR", "BY", e.el("currency", string(o.Currency)))
		}
		if o.Incoterm != "" {
			place, qual := e.el("incoterm_place", o.IncotermPlace), ""
			if place != "" {
				qual = "ZZ"
			}
			e.seg("FOB", "DF", "", "", "01", e.el("incoterm", string(o.Incoterm)), qual, place)
		}
		if o.PaymentTerms != "" {
			e.seg("ITD", "01", "", "", "", "", "", "", "", "", "", "", e.el("payment_terms", o.PaymentTerms))
		}
		if !o.RequestedDeliveryDate.IsZero() {
			e.seg("DTM", "002", date8(o.RequestedDeliveryDate))
		}
		if code, ok := x12ModeCodes[o.TransportMode]; ok {
			e.seg("TD5", "", "", "", code)
		}
		e.party("buyer", "BY", o.Buyer)
		e.party("supplier", "SE", o.Supplier)
		if a := o.ShipTo; a != nil {
			e.seg("N1", "ST", e.el("ship_to.name", a.Name))
			if a.Street != "" {
				e.seg("N3", e.el("ship_to.street", a.Street))
			}
			if a.City != "" || a.PostalCode != "" || a.Country != "" {
				e.seg("N4", e.el("ship_to.city", a.City), "", e.el("ship_to.postal_code", a.PostalCode), e.el("ship_to.country", string(a.Country)))
			}
		}
		for i := range o.Lines {
			l := &o.Lines[i]
			f := fmt.Sprintf("lines[%d].", i)
			els := []string{"PO1", strconv.Itoa(l.LineNumber), l.Quantity.String(), e.unit(f+"unit", l.Unit), l.UnitPrice.String(), "PE"}
			els = appendID(els, "VP", e.el(f+"sku", l.SKU))
			els = appendID(els, "BP", e.el(f+"buyer_sku", l.BuyerSKU))
			els = appendID(els, gtinQualifier(l.GTIN), e.el(f+"gtin", l.GTIN))
			e.seg(els...)
			if l.Description != "" {
				e.seg("PID", "F", "", "", "", e.el(f+"description", l.Description))
			}
		}
		e.seg("CTT", strconv.Itoa(len(o.Lines)))
		e.endSet(ctl)
		if e.err != nil {
			return e.err
		}
	}
	return e.end(env, ictl, w)
}

func appendID(els []string, qual, id string) []string {
	if id == "" {
		return els
	}
	return append(els, qual, id)
}

// gtinQualifier is the product id qualifier of a GTIN by its length:
// UP (UPC, 12 digits), UK (GTIN-14), else EN (EAN-13 and EAN-8).
func gtinQualifier(g string) string {
	switch len(g) {
	case 12:
		return "UP"
	case 14:
		return "UK"
	}
	return "EN"
}

// responseCodes are the BAK02 (with lines, without) and ACK01 codes written
// for a status.
var responseCodes = map[canonical.ResponseStatus][3]string{
	canonical.ResponseAccepted: {"AD", "AK", "IA"},
	canonical.ResponseRejected: {"RD", "RJ", "IR"},
	canonical.ResponseChanged:  {"AC", "AC", "IC"},
}

// EncodeOrderResponse writes responses as one interchange (ISA, GS "PR",
// IEA) with one 855 per response, ST02 0001, 0002...; the counts of SE, GE
// and IEA are those written. Each 855 holds:
//
//	BAK*00*AD|AK|AC|RD|RJ*order_number*response_date****response_number*response_date
//	N1*BY*name*92*id, N4****country             (buyer)
//	N1*SE*name*92*id, N4****country             (supplier)
//	PO1*line_number*quantity*EA*unit_price*PE*VP*sku
//	ACK*IA|IC|IR*quantity*EA*067*delivery_date
//	CTT*lines
//
// BAK02 is AD (accepted), AC (changed) or RD (rejected), AK or RJ for a
// response without lines; ACK01 is IA, IC or IR. BAK04, the date of the
// order, which the standard requires and canonical does not hold, is the
// response date. Canonical response lines have no unit: quantities are
// written in EA (each), which the decoder does not keep either. The
// decoder takes a response's status from its lines when it has any, so a
// response "changed" whose lines are all accepted reads back "accepted".
// A response that does not pass Validate, or a value that holds a
// delimiter (~ * : ^) or a control character, is an error that names the
// response and the field, and nothing is written.
func EncodeOrderResponse(w io.Writer, env Envelope, responses ...*canonical.OrderResponse) error {
	if len(responses) == 0 {
		return errors.New("x12: no order responses to write")
	}
	env, err := env.withDefaults()
	if err != nil {
		return err
	}
	var e encoder
	ictl := e.interchange(env, "PR")
	for _, r := range responses {
		if r == nil {
			return fmt.Errorf("x12: order response %d is nil", e.sets+1)
		}
		e.record = fmt.Sprintf("order response %q", r.OrderNumber)
		if err := r.Validate(); err != nil {
			return fmt.Errorf("x12: %s: %w", e.record, err)
		}
		codes := responseCodes[r.Status]
		bak02 := codes[0]
		if len(r.Lines) == 0 {
			bak02 = codes[1]
		}
		ctl := e.startSet("855")
		e.seg("BAK", "00", bak02, e.el("order_number", r.OrderNumber), date8(r.ResponseDate), "", "", "",
			e.el("response_number", r.ResponseNumber), date8(r.ResponseDate))
		e.party("buyer", "BY", r.Buyer)
		e.party("supplier", "SE", r.Supplier)
		for i := range r.Lines {
			l := &r.Lines[i]
			f := fmt.Sprintf("lines[%d].", i)
			qty, unit, price, basis := "", "", "", ""
			if l.Quantity != nil {
				qty, unit = l.Quantity.String(), "EA"
			}
			if l.UnitPrice != nil {
				price, basis = l.UnitPrice.String(), "PE"
			}
			e.seg(appendID([]string{"PO1", strconv.Itoa(l.LineNumber), qty, unit, price, basis}, "VP", e.el(f+"sku", l.SKU))...)
			dateQual := ""
			if !l.DeliveryDate.IsZero() {
				dateQual = "067"
			}
			e.seg("ACK", responseCodes[l.Status][2], qty, unit, dateQual, date8(l.DeliveryDate))
		}
		e.seg("CTT", strconv.Itoa(len(r.Lines)))
		e.endSet(ctl)
		if e.err != nil {
			return e.err
		}
	}
	return e.end(env, ictl, w)
}
