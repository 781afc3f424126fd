package edifact

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/procurehub/procurehub/canonical"
)

// Envelope is the interchange around encoded messages: its UNB and the
// message identifier of every UNH.
type Envelope struct {
	// SenderID and RecipientID (UNB S002, S003) are required; their
	// qualifiers (0007: 14 for a GLN, ZZZ mutually defined) are optional.
	SenderID, SenderQualifier       string
	RecipientID, RecipientQualifier string
	// ControlReference is the interchange control reference (0020),
	// required, at most 14 characters, unique per sender.
	ControlReference string
	// Prepared is the date and time of preparation (S004), written in UTC;
	// zero is the time of the call.
	Prepared time.Time
	// SyntaxIdentifier is S001: the character set and the syntax version,
	// default "UNOC:3". UNOA, UNOB, UNOC, UNOY and UNOW are written; text
	// the character set cannot hold is an error. Version 4 writes the date
	// with its century.
	SyntaxIdentifier string
	// Test marks a test interchange (0035 = 1).
	Test bool
	// MessageVersion is the version, release and agency of every UNH
	// (0052:0054:0051), default "D:96A:UN".
	MessageVersion string
	// AssociationCode (0057) is optional: "EAN008" for EANCOM 1997, say.
	AssociationCode string
	// Replace marks the orders as replacing orders of the same numbers sent
	// before (an amendment): message function (1225) 5 instead of 9.
	Replace bool
}

// setup checks the envelope and returns its character set, syntax
// version, and message identifier components after the type.
func (env Envelope) setup() (cs charset, id, version string, msgVersion []string, err error) {
	var errs []error
	if env.SenderID == "" {
		errs = append(errs, errors.New("sender id is required"))
	}
	if env.RecipientID == "" {
		errs = append(errs, errors.New("recipient id is required"))
	}
	if env.ControlReference == "" || utf8.RuneCountInString(env.ControlReference) > 14 {
		errs = append(errs, fmt.Errorf("control reference %q must have 1 to 14 characters", env.ControlReference))
	}
	syntax := env.SyntaxIdentifier
	if syntax == "" {
		syntax = "UNOC:3"
	}
	id, version, _ = strings.Cut(syntax, ":")
	cs, ok := parseCharset(id)
	if !ok || (version != "1" && version != "2" && version != "3" && version != "4") {
		errs = append(errs, fmt.Errorf("syntax identifier %q is not one of UNOA, UNOB, UNOC, UNOY, UNOW with a version 1 to 4", syntax))
	}
	mv := env.MessageVersion
	if mv == "" {
		mv = "D:96A:UN"
	}
	msgVersion = strings.Split(mv, ":")
	if len(msgVersion) != 3 || !supportedRelease(msgVersion[0], msgVersion[1]) || msgVersion[2] == "" {
		errs = append(errs, fmt.Errorf("message version %q is not VERSION:RELEASE:AGENCY of D:96A or later", mv))
	}
	if env.AssociationCode != "" {
		msgVersion = append(msgVersion, env.AssociationCode)
	}
	if err := errors.Join(errs...); err != nil {
		return 0, "", "", nil, fmt.Errorf("edifact: envelope: %w", err)
	}
	return cs, id, version, msgVersion, nil
}

// interchange writes one interchange of messages with env around them: it
// builds all of it in memory and writes it at once, so that nothing is
// written when a record is refused.
func (env Envelope) interchange(w io.Writer, typ string, n int, message func(wr *writer, i int) error) error {
	cs, id, version, msgVersion, err := env.setup()
	if err != nil {
		return err
	}
	when := env.Prepared
	if when.IsZero() {
		when = time.Now()
	}
	when = when.UTC()
	date := when.Format("060102")
	if version == "4" {
		date = when.Format("20060102")
	}
	test := ""
	if env.Test {
		test = "1"
	}
	wr := &writer{cs: cs, strict: true, where: "envelope"}
	wr.buf = append(wr.buf, "UNA:+.? '\n"...)
	wr.seg("UNB", el{id, version}, el{env.SenderID, env.SenderQualifier}, el{env.RecipientID, env.RecipientQualifier},
		el{date, when.Format("1504")}, el{env.ControlReference}, nil, nil, nil, nil, nil, el{test})
	for i := 0; i < n; i++ {
		ref := strconv.Itoa(i + 1)
		wr.segs = 0
		wr.seg("UNH", el{ref}, append(el{typ}, msgVersion...))
		if err := message(wr, i); err != nil {
			return err
		}
		wr.seg("UNT", el{strconv.Itoa(wr.segs + 1)}, el{ref})
		if wr.err != nil {
			return fmt.Errorf("edifact: %w", wr.err)
		}
	}
	wr.seg("UNZ", el{strconv.Itoa(n)}, el{env.ControlReference})
	if wr.err != nil {
		return fmt.Errorf("edifact: %w", wr.err)
	}
	return wr.flush(w)
}

// EncodeOrder writes orders as one ORDERS interchange: UNA, UNB, one
// message per order (UNH references 1, 2, ...), UNZ; a segment a line.
// Every order must pass Validate, and no text may hold a control
// character or a character the envelope's character set cannot hold;
// otherwise nothing is written and the error names the order and the
// field (or the segment, for the character set). At least one order is
// needed.
//
// Each message holds what the decoder reads back, with its default
// qualifiers: BGM+220 (order number, function 9), DTM+137 order date and
// DTM+2 requested delivery (format 102), NAD+BY and NAD+SU (id, with
// code list 9 when it is a 13-digit GLN; name; country) and NAD+DP the
// delivery address, CUX+2, PAT with the payment terms as text, TOD (the
// Incoterms rule) and LOC+1 its place; per line LIN (with the GTIN, SRV
// in EANCOM, else EN), PIA+5 (SKU as SA, buyer's SKU as IN), IMD+F
// description, QTY+21 with the unit, PRI+AAA unit price, MOA+203 amount;
// UNS+S, MOA+79 total, CNT+2 number of lines. Text is not cut to the
// directory's lengths. HS codes and origin countries are not written. A
// party without a name reads back with its id as name.
func EncodeOrder(w io.Writer, env Envelope, orders ...*canonical.Order) error {
	if len(orders) == 0 {
		return errors.New("edifact: no orders to write")
	}
	for _, o := range orders {
		if err := checkOrder(o); err != nil {
			return err
		}
	}
	eancom := strings.HasPrefix(env.AssociationCode, "EAN")
	return env.interchange(w, "ORDERS", len(orders), func(wr *writer, i int) error {
		o := orders[i]
		wr.where = fmt.Sprintf("order %q", o.OrderNumber)
		function := "9"
		if env.Replace {
			function = "5"
		}
		wr.seg("BGM", el{"220"}, el{o.OrderNumber}, el{function})
		dtmSeg(wr, "137", o.OrderDate)
		dtmSeg(wr, "2", o.RequestedDeliveryDate)
		nadSeg(wr, "BY", o.Buyer)
		nadSeg(wr, "SU", o.Supplier)
		if a := o.ShipTo; a != nil {
			wr.seg("NAD", el{"DP"}, nil, nil, el{a.Name}, el{a.Street}, el{a.City}, nil, el{a.PostalCode}, el{string(a.Country)})
		}
		wr.seg("CUX", el{"2", string(o.Currency), "9"})
		if o.PaymentTerms != "" {
			wr.seg("PAT", el{"1"}, el{"", "", "", o.PaymentTerms})
		}
		if code, ok := rec19[o.TransportMode]; ok {
			wr.seg("TDT", el{"20"}, nil, el{code})
		}
		if o.Incoterm != "" {
			wr.seg("TOD", el{"6"}, nil, el{string(o.Incoterm)})
			if o.IncotermPlace != "" {
				wr.seg("LOC", el{"1"}, el{"", "", "", o.IncotermPlace})
			}
		}
		for _, l := range o.Lines {
			var item el
			if l.GTIN != "" {
				item = el{l.GTIN, "EN"}
				if eancom {
					item[1] = "SRV"
				}
			}
			wr.seg("LIN", el{strconv.Itoa(l.LineNumber)}, nil, item)
			piaSeg(wr, l.SKU, l.BuyerSKU)
			if l.Description != "" {
				wr.seg("IMD", el{"F"}, nil, el{"", "", "", l.Description})
			}
			wr.seg("QTY", el{"21", l.Quantity.String(), string(l.Unit)})
			if l.Amount != nil {
				wr.seg("MOA", el{"203", l.Amount.String()})
			}
			wr.seg("PRI", el{"AAA", l.UnitPrice.String()})
		}
		wr.seg("UNS", el{"S"})
		if o.TotalAmount != nil {
			wr.seg("MOA", el{"79", o.TotalAmount.String()})
		}
		wr.seg("CNT", el{"2", strconv.Itoa(len(o.Lines))})
		return nil
	})
}

// Response codes written: BGM03 (1225) and BGM04 (4343) of a response,
// LIN02 (1229) of a line.
var (
	functionOfStatus = map[canonical.ResponseStatus]string{canonical.ResponseAccepted: "29", canonical.ResponseRejected: "27", canonical.ResponseChanged: "4"}
	typeOfStatus     = map[canonical.ResponseStatus]string{canonical.ResponseAccepted: "AP", canonical.ResponseRejected: "RE", canonical.ResponseChanged: "AC"}
	actionOfStatus   = map[canonical.ResponseStatus]string{canonical.ResponseAccepted: "5", canonical.ResponseRejected: "7", canonical.ResponseChanged: "3"}
)

// EncodeOrderResponse writes responses as one ORDRSP interchange, as
// EncodeOrder does orders: BGM+231 (response number; status as 1225 29,
// 27, 4 and as 4343 AP, RE, AC), DTM+137 response date, RFF+ON the order,
// NAD+BY and NAD+SU; per line LIN with its action code (5 accepted, 3
// changed, 7 rejected), PIA+5 SKU, QTY+113 confirmed quantity, DTM+69
// delivery date, PRI+AAA price; UNS+S and CNT+2.
func EncodeOrderResponse(w io.Writer, env Envelope, responses ...*canonical.OrderResponse) error {
	if len(responses) == 0 {
		return errors.New("edifact: no order responses to write")
	}
	for _, r := range responses {
		if err := checkResponse(r); err != nil {
			return err
		}
	}
	return env.interchange(w, "ORDRSP", len(responses), func(wr *writer, i int) error {
		r := responses[i]
		wr.where = fmt.Sprintf("order response %q", r.ResponseNumber)
		wr.seg("BGM", el{"231"}, el{r.ResponseNumber}, el{functionOfStatus[r.Status]}, el{typeOfStatus[r.Status]})
		dtmSeg(wr, "137", r.ResponseDate)
		wr.seg("RFF", el{"ON", r.OrderNumber})
		nadSeg(wr, "BY", r.Buyer)
		nadSeg(wr, "SU", r.Supplier)
		for _, l := range r.Lines {
			wr.seg("LIN", el{strconv.Itoa(l.LineNumber)}, el{actionOfStatus[l.Status]})
			piaSeg(wr, l.SKU, "")
			if l.Quantity != nil {
				wr.seg("QTY", el{"113", l.Quantity.String()})
			}
			dtmSeg(wr, "69", l.DeliveryDate)
			if l.UnitPrice != nil {
				wr.seg("PRI", el{"AAA", l.UnitPrice.String()})
			}
		}
		wr.seg("UNS", el{"S"})
		wr.seg("CNT", el{"2", strconv.Itoa(len(r.Lines))})
		return nil
	})
}

func dtmSeg(wr *writer, qualifier string, d canonical.Date) {
	if d.IsZero() {
		return
	}
	wr.seg("DTM", el{qualifier, fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day), "102"})
}

func nadSeg(wr *writer, qualifier string, p canonical.Party) {
	if p == (canonical.Party{}) {
		return
	}
	agency := ""
	if isGLN(p.ID) {
		agency = "9"
	}
	wr.seg("NAD", el{qualifier}, el{p.ID, "", agency}, nil, el{p.Name}, nil, nil, nil, nil, el{string(p.Country)})
}

func isGLN(s string) bool {
	if len(s) != 13 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func piaSeg(wr *writer, sku, buyerSKU string) {
	var ids []el
	if sku != "" {
		ids = append(ids, el{sku, "SA"})
	}
	if buyerSKU != "" {
		ids = append(ids, el{buyerSKU, "IN"})
	}
	if len(ids) > 0 {
		wr.seg("PIA", append([]el{{"5"}}, ids...)...)
	}
}

// checkOrder refuses an order that does not validate or whose text holds
// a control character.
func checkOrder(o *canonical.Order) error {
	if o == nil {
		return errors.New("edifact: order is nil")
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("edifact: order %q: %w", o.OrderNumber, err)
	}
	f := []string{
		"order_number", o.OrderNumber, "buyer.id", o.Buyer.ID, "buyer.name", o.Buyer.Name,
		"supplier.id", o.Supplier.ID, "supplier.name", o.Supplier.Name,
		"payment_terms", o.PaymentTerms, "incoterm_place", o.IncotermPlace,
	}
	if a := o.ShipTo; a != nil {
		f = append(f, "ship_to.name", a.Name, "ship_to.street", a.Street, "ship_to.city", a.City, "ship_to.postal_code", a.PostalCode)
	}
	for i, l := range o.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		f = append(f, p+"sku", l.SKU, p+"buyer_sku", l.BuyerSKU, p+"description", l.Description)
	}
	return controlChars(fmt.Sprintf("order %q", o.OrderNumber), f)
}

func checkResponse(r *canonical.OrderResponse) error {
	if r == nil {
		return errors.New("edifact: order response is nil")
	}
	what := fmt.Sprintf("order response %q (order %q)", r.ResponseNumber, r.OrderNumber)
	if err := r.Validate(); err != nil {
		return fmt.Errorf("edifact: %s: %w", what, err)
	}
	f := []string{
		"order_number", r.OrderNumber, "response_number", r.ResponseNumber,
		"buyer.id", r.Buyer.ID, "buyer.name", r.Buyer.Name, "supplier.id", r.Supplier.ID, "supplier.name", r.Supplier.Name,
	}
	for i, l := range r.Lines {
		f = append(f, fmt.Sprintf("lines[%d].sku", i), l.SKU)
	}
	return controlChars(what, f)
}

// controlChars reports the first field (name, value pairs) holding a
// control character or bytes that are not UTF-8.
func controlChars(what string, fields []string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		s := fields[i+1]
		if !utf8.ValidString(s) {
			return fmt.Errorf("edifact: %s: %s is not UTF-8", what, fields[i])
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				return fmt.Errorf("edifact: %s: %s holds control character %U, which EDIFACT cannot carry", what, fields[i], r)
			}
		}
	}
	return nil
}

// rec19 is the UN/ECE Recommendation 19 code of each transport mode, as
// TDT C220/8067 carries it.
var rec19 = map[canonical.TransportMode]string{
	canonical.TransportSea: "1", canonical.TransportRail: "2", canonical.TransportRoad: "3",
	canonical.TransportAir: "4", canonical.TransportMultimodal: "6", canonical.TransportInlandWaterway: "8",
}
