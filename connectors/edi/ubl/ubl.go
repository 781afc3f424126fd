// Package ubl decodes OASIS UBL 2.0 and 2.1 business documents into
// canonical records: Order → order, OrderResponse and OrderResponseSimple →
// order_response, DespatchAdvice → shipment, Invoice and CreditNote →
// invoice. One decoder reads every type; the root element and its namespace
// (urn:oasis:names:specification:ubl:schema:xsd:Invoice-2, ...) say which.
// A UBL document is one record, keyed by its order number (order, order
// response), shipment id or invoice number.
//
// The document is streamed with encoding/xml: header aggregates are read
// one at a time and every line is turned into its canonical line as soon as
// it is read, so memory grows with the record (an invoice of 100,000 lines
// is one record of 100,000 canonical lines) and nothing else.
//
// # Errors
//
//   - Not XML, a root element that is not a UBL document, a UBL root in a
//     namespace other than the UBL 2 one, a UBL document type the decoder
//     does not read (Catalogue, ...) or a UBLVersionID other than 2.0 or
//     2.1: a *connectors.FileError; nothing is published.
//   - A document that cannot be read into its record (an amount that is not
//     a decimal or has more decimals than its currency, an amount in
//     another currency than DocumentCurrencyCode, an impossible date, a bad
//     SSCC, a missing XRechnung BuyerReference, XML that breaks off): one
//     row error per problem, each with the XML line and the path of the bad
//     element ("Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount", 1-based
//     positions, the usual cac/cbc prefixes whatever the file binds); the
//     record is not published.
//   - XML that crosses a bound (an input larger than 64 MiB, elements
//     nested deeper than 256, a text, tag or comment longer than 1 MiB,
//     more than 256 attributes on an element) or that declares a DTD or an
//     entity: reading stops there, with code xml_limit, the line and the
//     path of the open elements; a file error before the root element, else
//     a row error, and the record is not published.
//   - A record that does not pass canonical validation: one row error that
//     names the XML path of the first problem and lists all of them.
//   - An OrderResponse with OrderResponseCode AB (received, no decision yet)
//     and document-level allowances or charges of an Order (which the
//     canonical order cannot carry) are warnings.
//
// # Mapping
//
// Parties: AccountingSupplierParty/AccountingCustomerParty (Invoice,
// CreditNote), SellerSupplierParty/BuyerCustomerParty (Order,
// OrderResponse), DespatchSupplierParty and BuyerCustomerParty, else
// DeliveryCustomerParty (DespatchAdvice). A party's id is its EndpointID,
// else its first PartyIdentification/ID, else PartyLegalEntity/CompanyID,
// written "scheme:value" when a schemeID is given ("0088:5790000435975").
// OIOUBL's own schemes are turned into the PEPPOL (ISO 6523 ICD) codes so
// that a party has one id whatever the variant: GLN → 0088, DK:CVR → 0184.
// The name is PartyName/Name, else PartyLegalEntity/RegistrationName; the
// country is PostalAddress/Country/IdentificationCode.
//
// Lines: cbc:ID is the line number (an ID that is not a whole number is
// replaced by the line's position); the quantity and its unitCode (UN/ECE
// Rec 20) are InvoicedQuantity, CreditedQuantity, DeliveredQuantity or
// Quantity; Item/Name (else Description) is the description,
// SellersItemIdentification the sku, BuyersItemIdentification the
// buyer_sku, StandardItemIdentification with schemeID 0160 (or GTIN) the
// gtin, CommodityClassification/ItemClassificationCode with listID HS the
// hs_code, OriginCountry the origin_country. The unit price is
// Price/PriceAmount divided by Price/BaseQuantity (a price per 100 pieces
// becomes the price of one).
//
// Allowances and charges. UBL's line LineExtensionAmount is quantity ×
// price minus the line's allowances plus its charges; the canonical amount
// is quantity × unit_price. So a line with AllowanceCharge keeps
// LineExtensionAmount as its amount, and its unit_price becomes the net
// price, amount ÷ quantity (rounded to as few decimals as keep the product
// within half a minor unit); the gross price is not carried. A line whose
// amounts do not add up even with its allowances keeps its price and is
// rejected by validation (amount_mismatch). Price/AllowanceCharge (the
// discount already inside PriceAmount) changes nothing. Document-level
// AllowanceCharge of an invoice or credit note becomes one more invoice
// line each, numbered after the last line, with quantity 1 (charge) or -1
// (allowance), unit_price the amount and the reason as description; then
// line_total is LineExtensionAmount − AllowanceTotalAmount +
// ChargeTotalAmount (UBL's TaxExclusiveAmount), so that total_amount =
// line_total + tax_amount holds as it does in the document.
//
// Invoice totals: TaxTotal/TaxAmount in the document currency (a second
// TaxTotal in the tax currency is ignored) → tax_amount;
// LegalMonetaryTotal/TaxInclusiveAmount → total_amount; PayableAmount →
// payable_amount. DueDate, else PaymentMeans/PaymentDueDate → due_date.
// OrderReference/ID → order_numbers; a line's
// OrderLineReference/OrderReference/ID → its order_number.
//
// Credit notes (CreditNote, or an Invoice with InvoiceTypeCode 381) become
// an invoice with negative quantities, line amounts and totals, unit prices
// staying positive, as the canonical invoice describes a credit note.
//
// Order: ID, IssueDate, DocumentCurrencyCode, DeliveryTerms/ID (an
// Incoterms 2020 rule, possibly followed by its place, else SpecialTerms;
// the place else from DeliveryLocation/ID or its CityName) → incoterm and
// incoterm_place, PaymentTerms/Note → payment_terms,
// Delivery/RequestedDeliveryPeriod StartDate (else EndDate) →
// requested_delivery_date, Delivery/DeliveryLocation/Address (else
// DeliveryAddress) and DeliveryParty → ship_to,
// AnticipatedMonetaryTotal/LineExtensionAmount → total_amount.
//
// OrderResponse: OrderReference/ID → order_number, ID → response_number,
// OrderLine/OrderLineReference/LineID (else LineItem/ID) → line_number;
// OrderResponseCode (UNCL 4343: AP accepted, RE rejected, CA changed, AB a
// warning and no record) and LineItem/LineStatusCode (UNCL 1229: 5
// accepted, 7 rejected, 3 and 1 changed) → statuses; without a header code
// the lines decide (all accepted, all rejected, else changed); a line
// without a code takes the header's. Confirmed quantity, price and
// PromisedDeliveryPeriod come from the LineItem, or from
// SellerProposedSubstituteLineItem when there is one. OrderResponseSimple:
// AcceptedIndicator → accepted or rejected.
//
// DespatchAdvice: ID → shipment_id, OrderReference/ID → order_numbers,
// Shipment/Delivery/Despatch/ActualDespatchDate → ship_date (IssueDate is
// the date of the message, not of the goods leaving, and is not used),
// Shipment/Delivery/EstimatedDeliveryPeriod → estimated_arrival,
// GrossWeightMeasure → gross_weight, Consignment/CarrierParty → carrier,
// Consignment/CarrierAssignedID → tracking_numbers. SSCCs
// (TransportHandlingUnit/ID or its Package/ID with schemeID SSCC, at the
// header or in a DespatchLine/Shipment) are checked (18 digits, GS1 check
// digit) and go to ssccs, in document order, once each; they are counted
// into packages when TotalTransportHandlingUnitQuantity is not given.
// DespatchLine:
// OrderLineReference/LineID → line_number (the order line shipped),
// OrderLineReference/OrderReference/ID (else the document's only
// OrderReference) → order_number, DeliveredQuantity → quantity.
//
// # Variants
//
// The variant is taken from cbc:CustomizationID unless Options.Variant
// names one:
//
//   - peppol (urn:fdc:peppol.eu:...: BIS Billing 3.0, BIS Order,
//     Order Response, Despatch Advice): an invoice or credit note needs a
//     BuyerReference or an OrderReference (PEPPOL-EN16931-R003).
//     BuyerReference is never an order number.
//   - xrechnung (urn:xeinkauf.de:kosit:xrechnung...): BuyerReference is the
//     Leitweg-ID, the routing id of the German public buyer; it is required
//     (BR-DE-15) and is not an order number, so it is not put into
//     order_numbers (the canonical invoice has no field for it).
//   - oioubl (OIOUBL-2.0x): UBLVersionID 2.0, EndpointID and party ids in
//     the schemes GLN and DK:CVR (turned into 0088 and 0184, see above), the
//     due date in PaymentMeans/PaymentDueDate. OIOUBL's
//     LegalMonetaryTotal/TaxExclusiveAmount holds the total tax, not the
//     net amount as in PEPPOL: it is never read as line_total.
//
// # Outbound
//
// EncodeOrder writes a canonical order as a PEPPOL BIS Order 3 document
// that this decoder reads back to the same order.
package ubl

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/ianaindex"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/internal/xmlbound"
)

// Format is the format name (`procurehub parse --format ubl`).
const Format = "ubl"

// Variants (Options.Variant).
const (
	VariantPEPPOL    = "peppol"
	VariantXRechnung = "xrechnung"
	VariantOIOUBL    = "oioubl"
)

// connectorKind is the Source.Connector of records when the input names none.
const connectorKind = "edi"

// Stable codes of row and file errors from this package (besides the
// canonical validation codes).
const (
	CodeNotXML              = "not_xml"              // file: the input is not XML
	CodeNotUBL              = "not_ubl"              // file: the root element is not a UBL document
	CodeWrongNamespace      = "wrong_namespace"      // file: a UBL root element in another namespace
	CodeUnsupportedDocument = "unsupported_document" // file: a UBL document type this decoder does not read
	CodeBadVersion          = "bad_version"          // file: UBLVersionID other than 2.0 or 2.1
	CodeMalformedXML        = "malformed_xml"        // row: the XML breaks off here
	CodeInvalidSSCC         = "invalid_sscc"         // row: an SSCC without 18 digits or with a wrong check digit
	CodeInvalidCode         = "invalid_code"         // row: a code (status, indicator) not in its code list
	CodeNotCarried          = "not_carried"          // warning: content the canonical record cannot hold
	CodeNoDecision          = "no_decision"          // warning: an order response that only acknowledges receipt
	CodeTooManyProblems     = "too_many_problems"    // row: further problems of the document are not listed
	CodeXMLLimit            = "xml_limit"            // row (file, before the root): the XML crosses a bound or declares a DTD
)

// maxInputBytes bounds a UBL document: an invoice of 100,000 lines is
// about 40 MB; the other bounds are xmlbound's defaults.
const maxInputBytes = 64 << 20

// Options configure a Decoder.
type Options struct {
	// Variant is "" (detected from cbc:CustomizationID), "peppol",
	// "xrechnung" or "oioubl".
	Variant string
}

// Decoder reads UBL documents. It holds no state between inputs: one
// Decoder may decode several inputs at once.
type Decoder struct {
	opt    Options
	limits xmlbound.Limits
}

var _ connectors.Decoder = (*Decoder)(nil)

// NewDecoder returns a UBL decoder.
func NewDecoder(opt Options) *Decoder {
	return &Decoder{opt: opt, limits: xmlbound.Limits{MaxBytes: maxInputBytes}}
}

// docType is one UBL document type the decoder reads.
type docType struct {
	root     string // root element: "Invoice"
	typ      string // canonical type
	lineElem string // the repeated line element: "InvoiceLine"
	supplier []string
	buyer    []string
	total    string // the monetary total element
}

const ublNamespace = "urn:oasis:names:specification:ubl:schema:xsd:"

var docTypes = map[string]*docType{
	"Invoice": {root: "Invoice", typ: canonical.TypeInvoice, lineElem: "InvoiceLine",
		supplier: []string{"AccountingSupplierParty"}, buyer: []string{"AccountingCustomerParty"}, total: "LegalMonetaryTotal"},
	"CreditNote": {root: "CreditNote", typ: canonical.TypeInvoice, lineElem: "CreditNoteLine",
		supplier: []string{"AccountingSupplierParty"}, buyer: []string{"AccountingCustomerParty"}, total: "LegalMonetaryTotal"},
	"Order": {root: "Order", typ: canonical.TypeOrder, lineElem: "OrderLine",
		supplier: []string{"SellerSupplierParty"}, buyer: []string{"BuyerCustomerParty"}, total: "AnticipatedMonetaryTotal"},
	"OrderResponse": {root: "OrderResponse", typ: canonical.TypeOrderResponse, lineElem: "OrderLine",
		supplier: []string{"SellerSupplierParty"}, buyer: []string{"BuyerCustomerParty"}, total: "LegalMonetaryTotal"},
	"OrderResponseSimple": {root: "OrderResponseSimple", typ: canonical.TypeOrderResponse,
		supplier: []string{"SellerSupplierParty"}, buyer: []string{"BuyerCustomerParty"}},
	"DespatchAdvice": {root: "DespatchAdvice", typ: canonical.TypeShipment, lineElem: "DespatchLine",
		supplier: []string{"DespatchSupplierParty", "SellerSupplierParty"}, buyer: []string{"BuyerCustomerParty", "DeliveryCustomerParty"}},
}

// Decode reads one UBL document from r into out (see the package doc for
// what becomes a row error and what a file error). It checks ctx every
// 1,000 lines.
func (d *Decoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch d.opt.Variant {
	case "", VariantPEPPOL, VariantXRechnung, VariantOIOUBL:
	default:
		return fmt.Errorf("ubl: unknown variant %q (want %s, %s or %s)", d.opt.Variant, VariantPEPPOL, VariantXRechnung, VariantOIOUBL)
	}
	xd := xml.NewDecoder(bufio.NewReaderSize(xmlbound.NewReader(r, d.limits), 64<<10))
	xd.CharsetReader = charsetReader
	s := &session{ctx: ctx, d: d, in: in, xd: xd, out: out, hdrLine: map[string]int{}}
	s.connector = in.Connector
	if s.connector == "" {
		s.connector = connectorKind
	}
	if err := s.root(); err != nil {
		return err
	}
	if err := s.body(); err != nil {
		return err
	}
	return s.finish()
}

func charsetReader(label string, input io.Reader) (io.Reader, error) {
	enc, err := ianaindex.IANA.Encoding(label)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	return enc.NewDecoder().Reader(input), nil
}

// problem is one row error waiting for the end of the document.
type problem struct {
	line    int
	field   string
	code    string
	msg     string
	warning bool
}

// maxProblems bounds the row errors of one document: a generated invoice
// with the same mistake on every one of its lines gives this many and a
// count of the rest.
const maxProblems = 100

// session is the state of one Decode.
type session struct {
	ctx       context.Context
	d         *Decoder
	in        connectors.Input
	xd        *xml.Decoder
	out       connectors.Sink
	connector string

	doc      *docType
	rootLine int
	variant  string
	hdr      header
	hdrLine  map[string]int // line of the first header element of each name
	problems []problem
	dropped  int // problems beyond maxProblems

	b builder
}

func (s *session) fileError(line int, code, format string, args ...any) error {
	return &connectors.FileError{File: s.in.Name, Line: line, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (s *session) line() int {
	l, _ := s.xd.InputPos()
	return l
}

func (s *session) add(line int, field, code, format string, args ...any) {
	s.addProblem(problem{line: line, field: field, code: code, msg: fmt.Sprintf(format, args...)})
}

func (s *session) warn(line int, field, code, format string, args ...any) {
	s.addProblem(problem{line: line, field: field, code: code, msg: fmt.Sprintf(format, args...), warning: true})
}

func (s *session) addProblem(p problem) {
	if p.line <= 0 {
		p.line = s.rootLine
	}
	if p.line <= 0 {
		p.line = 1
	}
	if len(s.problems) >= maxProblems {
		s.dropped++
		return
	}
	s.problems = append(s.problems, p)
}

// rejected reports whether a problem that is not a warning was found.
func (s *session) rejected() bool {
	if s.dropped > 0 {
		return true
	}
	for _, p := range s.problems {
		if !p.warning {
			return true
		}
	}
	return false
}

// root reads up to the root element and checks that it is a UBL document
// the decoder reads.
func (s *session) root() error {
	for {
		tok, err := s.xd.Token()
		if err != nil {
			if be := xmlbound.AsError(err); be != nil {
				return s.fileError(be.Line, CodeXMLLimit, "the UBL document is refused: %s", be.Detail())
			}
			if errors.Is(err, io.EOF) {
				return s.fileError(0, CodeNotXML, "the file has no XML element: it is not a UBL document")
			}
			return s.fileError(s.line(), CodeNotXML, "not a UBL document: it is not well-formed XML (%s)", xmlReason(err))
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		s.rootLine = s.line()
		local, space := se.Name.Local, se.Name.Space
		dt, known := docTypes[local]
		isUBL := strings.HasPrefix(space, ublNamespace)
		switch {
		case known && space == ublNamespace+local+"-2":
			s.doc = dt
			return nil
		case known && isUBL:
			return s.fileError(s.rootLine, CodeWrongNamespace, "<%s> is in the namespace %q, want %q", clip(local), clip(space), ublNamespace+local+"-2")
		case known && space == "":
			return s.fileError(s.rootLine, CodeWrongNamespace, "<%s> has no namespace, want %q", clip(local), ublNamespace+local+"-2")
		case known:
			return s.fileError(s.rootLine, CodeWrongNamespace, "<%s> is in the unknown namespace %q, want %q", clip(local), clip(space), ublNamespace+local+"-2")
		case isUBL:
			return s.fileError(s.rootLine, CodeUnsupportedDocument, "a UBL %s is not read: want Order, OrderResponse, OrderResponseSimple, DespatchAdvice, Invoice or CreditNote", clip(local))
		}
		return s.fileError(s.rootLine, CodeNotUBL, "not a UBL document: its root element is <%s>", clip(local))
	}
}

// body reads the root's children, one aggregate at a time.
func (s *session) body() error {
	s.b.init(s)
	for {
		tok, err := s.xd.Token()
		if err != nil {
			s.broken(err, "")
			return nil
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if err := s.child(t); err != nil {
				if err == errStop {
					return nil
				}
				var fe *connectors.FileError
				if errors.As(err, &fe) || errors.Is(err, s.ctx.Err()) && s.ctx.Err() != nil {
					return err
				}
				s.broken(err, t.Name.Local)
				return nil
			}
		}
	}
}

// errStop ends the body early; the problems found so far are reported.
var errStop = errors.New("stop")

// broken reports XML that breaks off as a problem at the line where it broke.
func (s *session) broken(err error, in string) {
	field := s.doc.root
	switch {
	case in != "" && in == s.doc.lineElem:
		field += fmt.Sprintf("/cac:%s[%d]", in, s.b.n)
	case in != "":
		field += "/" + prefixed(in)
	}
	if be := xmlbound.AsError(err); be != nil {
		s.add(be.Line, field, CodeXMLLimit, "the XML is refused: %s; the document is not read", be.Detail())
		return
	}
	var se *xml.SyntaxError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &se) && se.Msg == "unexpected EOF" {
		s.add(s.line(), field, CodeMalformedXML, "the document breaks off before </%s>", s.doc.root)
		return
	}
	s.add(s.line(), field, CodeMalformedXML, "the XML breaks off: %s", xmlReason(err))
}

// xmlReason is the part of an encoding/xml error after its "XML syntax
// error on line N: " prefix (the line is reported on its own).
func xmlReason(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return clip(err.Error())
}

func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// finish builds the record, validates it and hands it, or its problems, to out.
func (s *session) finish() error {
	rec, key := s.b.record()
	if !s.rejected() && rec != nil {
		if err := canonical.Validate(rec); err != nil {
			s.validationProblem(err)
		}
	}
	for _, p := range s.problems {
		e := connectors.RowError{File: s.in.Name, Line: p.line, Field: p.field, Code: p.code, Message: p.msg, Warning: p.warning}
		if err := s.out.RowError(s.ctx, e); err != nil {
			return err
		}
	}
	if s.dropped > 0 {
		e := connectors.RowError{File: s.in.Name, Line: s.rootLine, Field: s.doc.root, Code: CodeTooManyProblems,
			Message: fmt.Sprintf("%d more problems in this document are not listed", s.dropped)}
		if err := s.out.RowError(s.ctx, e); err != nil {
			return err
		}
	}
	if s.rejected() || rec == nil {
		return nil
	}
	return s.out.Record(s.ctx, connectors.Record{Type: s.doc.typ, Key: key, Value: rec})
}

// validationProblem turns a canonical validation error into one problem at
// the XML path of its first field, listing every problem.
func (s *session) validationProblem(err error) {
	ve := canonical.AsValidationError(err)
	if ve == nil || len(ve.Problems) == 0 {
		s.add(s.rootLine, s.doc.root, canonical.CodeInvalidFormat, "%s", err.Error())
		return
	}
	first := ve.Problems[0]
	field, line := s.b.locate(first.Path)
	msgs := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		f, _ := s.b.locate(p.Path)
		msgs[i] = fmt.Sprintf("%s (%s): %s", p.Path, f, p.Message)
	}
	s.add(line, field, first.Code, "the %s does not validate: %s", s.doc.typ, strings.Join(msgs, "; "))
}
