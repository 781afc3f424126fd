package ubl

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
)

// PEPPOL BIS Order 3 identifiers written by EncodeOrder.
const (
	peppolOrderCustomization = "urn:fdc:peppol.eu:poacc:trns:order:3"
	peppolOrderingProfile    = "urn:fdc:peppol.eu:poacc:bis:ordering:3"
)

// EncodeOrder writes o as a PEPPOL BIS Order 3 (UBL 2.1 Order) document.
// The order must validate. Party ids written "scheme:value" (as the decoder
// reads them, "0088:4012345000009") become EndpointID and
// PartyIdentification/ID with that schemeID; an id without a scheme is
// written without one, which a PEPPOL access point will refuse for the
// EndpointID. The payable amount is total_amount (else the sum of the line
// amounts), written as LineExtensionAmount too: the canonical order
// carries no tax nor document allowances.
// Decoding the output gives o back, but for its source.
func EncodeOrder(w io.Writer, o *canonical.Order) error {
	if err := o.Validate(); err != nil {
		return fmt.Errorf("ubl: order %s: %w", o.OrderNumber, err)
	}
	bw := bufio.NewWriter(w)
	e := &xmlWriter{w: bw}
	e.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	e.raw(`<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"` +
		` xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"` +
		` xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">` + "\n")
	e.depth = 1
	e.leaf("cbc:CustomizationID", "", peppolOrderCustomization)
	e.leaf("cbc:ProfileID", "", peppolOrderingProfile)
	e.leaf("cbc:ID", "", o.OrderNumber)
	if !o.OrderDate.IsZero() {
		e.leaf("cbc:IssueDate", "", o.OrderDate.String())
	}
	cur := string(o.Currency)
	e.leaf("cbc:DocumentCurrencyCode", "", cur)
	e.party("cac:BuyerCustomerParty", o.Buyer)
	e.party("cac:SellerSupplierParty", o.Supplier)
	if o.ShipTo != nil || !o.RequestedDeliveryDate.IsZero() {
		e.open("cac:Delivery")
		if a := o.ShipTo; a != nil && (a.Street != "" || a.City != "" || a.PostalCode != "" || a.Country != "") {
			e.open("cac:DeliveryLocation")
			e.open("cac:Address")
			e.leaf("cbc:StreetName", "", a.Street)
			e.leaf("cbc:CityName", "", a.City)
			e.leaf("cbc:PostalZone", "", a.PostalCode)
			if a.Country != "" {
				e.open("cac:Country")
				e.leaf("cbc:IdentificationCode", "", string(a.Country))
				e.close("cac:Country")
			}
			e.close("cac:Address")
			e.close("cac:DeliveryLocation")
		}
		if !o.RequestedDeliveryDate.IsZero() {
			e.open("cac:RequestedDeliveryPeriod")
			e.leaf("cbc:StartDate", "", o.RequestedDeliveryDate.String())
			e.close("cac:RequestedDeliveryPeriod")
		}
		if o.ShipTo != nil && o.ShipTo.Name != "" {
			e.open("cac:DeliveryParty")
			e.open("cac:PartyName")
			e.leaf("cbc:Name", "", o.ShipTo.Name)
			e.close("cac:PartyName")
			e.close("cac:DeliveryParty")
		}
		e.close("cac:Delivery")
	}
	if o.Incoterm != "" {
		e.open("cac:DeliveryTerms")
		e.leaf("cbc:ID", "", string(o.Incoterm))
		if o.IncotermPlace != "" {
			e.open("cac:DeliveryLocation")
			e.leaf("cbc:ID", "", o.IncotermPlace)
			e.close("cac:DeliveryLocation")
		}
		e.close("cac:DeliveryTerms")
	}
	if o.PaymentTerms != "" {
		e.open("cac:PaymentTerms")
		e.leaf("cbc:Note", "", o.PaymentTerms)
		e.close("cac:PaymentTerms")
	}
	var sum decimal.Decimal
	allAmounts := true
	for _, l := range o.Lines {
		if l.Amount == nil {
			allAmounts = false
			continue
		}
		sum = sum.Add(l.Amount.Decimal)
	}
	if o.TotalAmount != nil || allAmounts {
		// Validate made total_amount the sum of the line amounts.
		total := canonical.NewDecimal(sum)
		if o.TotalAmount != nil {
			total = *o.TotalAmount
		}
		e.open("cac:AnticipatedMonetaryTotal")
		e.leaf("cbc:LineExtensionAmount", cur, total.String())
		e.leaf("cbc:PayableAmount", cur, total.String())
		e.close("cac:AnticipatedMonetaryTotal")
	}
	for _, l := range o.Lines {
		e.open("cac:OrderLine")
		e.open("cac:LineItem")
		e.leaf("cbc:ID", "", strconv.Itoa(l.LineNumber))
		e.attrLeaf("cbc:Quantity", "unitCode", string(l.Unit), l.Quantity.String())
		if l.Amount != nil {
			e.leaf("cbc:LineExtensionAmount", cur, l.Amount.String())
		}
		e.open("cac:Price")
		e.leaf("cbc:PriceAmount", cur, l.UnitPrice.String())
		e.close("cac:Price")
		e.open("cac:Item")
		e.leaf("cbc:Name", "", l.Description)
		e.idAggregate("cac:BuyersItemIdentification", "", l.BuyerSKU)
		e.idAggregate("cac:SellersItemIdentification", "", l.SKU)
		e.idAggregate("cac:StandardItemIdentification", "0160", l.GTIN)
		if l.OriginCountry != "" {
			e.open("cac:OriginCountry")
			e.leaf("cbc:IdentificationCode", "", string(l.OriginCountry))
			e.close("cac:OriginCountry")
		}
		if l.HSCode != "" {
			e.open("cac:CommodityClassification")
			e.attrLeaf("cbc:ItemClassificationCode", "listID", "HS", string(l.HSCode))
			e.close("cac:CommodityClassification")
		}
		e.close("cac:Item")
		e.close("cac:LineItem")
		e.close("cac:OrderLine")
	}
	e.depth = 0
	e.raw("</Order>\n")
	if e.err != nil {
		return e.err
	}
	return bw.Flush()
}

// xmlWriter writes indented XML and keeps the first write error.
type xmlWriter struct {
	w     *bufio.Writer
	depth int
	err   error
}

func (e *xmlWriter) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *xmlWriter) indent() { e.raw(strings.Repeat("  ", e.depth)) }

func (e *xmlWriter) text(s string) {
	if e.err == nil {
		e.err = xml.EscapeText(e.w, []byte(s))
	}
}

func (e *xmlWriter) open(name string) {
	e.indent()
	e.raw("<" + name + ">\n")
	e.depth++
}

func (e *xmlWriter) close(name string) {
	e.depth--
	e.indent()
	e.raw("</" + name + ">\n")
}

// leaf writes a basic element; currency, when given, is its currencyID.
// An empty value writes nothing.
func (e *xmlWriter) leaf(name, currency, value string) {
	e.attrLeaf(name, "currencyID", currency, value)
}

// attrLeaf writes a basic element with one attribute, left out when empty.
func (e *xmlWriter) attrLeaf(name, attr, attrValue, value string) {
	if value == "" {
		return
	}
	e.indent()
	e.raw("<" + name)
	if attrValue != "" {
		e.raw(" " + attr + `="`)
		e.text(attrValue)
		e.raw(`"`)
	}
	e.raw(">")
	e.text(value)
	e.raw("</" + name + ">\n")
}

func (e *xmlWriter) idAggregate(name, scheme, id string) {
	if id == "" {
		return
	}
	e.open(name)
	e.attrLeaf("cbc:ID", "schemeID", scheme, id)
	e.close(name)
}

// party writes a party role; ids "scheme:value" get their schemeID back.
func (e *xmlWriter) party(role string, p canonical.Party) {
	if p == (canonical.Party{}) {
		return
	}
	e.open(role)
	e.open("cac:Party")
	scheme, value := splitID(p.ID)
	e.attrLeaf("cbc:EndpointID", "schemeID", scheme, value)
	if p.Name != "" {
		e.open("cac:PartyName")
		e.leaf("cbc:Name", "", p.Name)
		e.close("cac:PartyName")
	}
	if p.Country != "" {
		e.open("cac:PostalAddress")
		e.open("cac:Country")
		e.leaf("cbc:IdentificationCode", "", string(p.Country))
		e.close("cac:Country")
		e.close("cac:PostalAddress")
	}
	e.close("cac:Party")
	e.close(role)
}

// splitID splits "0088:4012345000009" into its ICD scheme and value; an id
// whose part before the first colon is not four digits has no scheme.
func splitID(id string) (scheme, value string) {
	s, v, ok := strings.Cut(id, ":")
	if ok && len(s) == 4 && strings.Trim(s, "0123456789") == "" {
		return s, v
	}
	return "", id
}
