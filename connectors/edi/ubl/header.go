package ubl

import (
	"encoding/xml"
	"slices"
	"strings"
)

// header is what the document says outside its lines.
type header struct {
	ublVersion, customization text
	id, issueDate, currency   text
	buyerRef, dueDate         text
	typeCode, responseCode    text
	accepted                  text
	orderRefs                 []text
	supplier, buyer           *partyRole
	supplierElem, buyerElem   string
	delivery                  *delivery
	terms                     *deliveryTerms
	paymentTerms              []string
	paymentDue                text
	payee                     *payeeAccount
	allowances                []allowanceCharge
	taxTotals                 []taxTotal
	total                     *monetaryTotal
	shipment                  *shipmentXML
}

// basic elements read into header fields by name.
func (h *header) basic(local string) *text {
	switch local {
	case "UBLVersionID":
		return &h.ublVersion
	case "CustomizationID":
		return &h.customization
	case "ID":
		return &h.id
	case "IssueDate":
		return &h.issueDate
	case "DocumentCurrencyCode":
		return &h.currency
	case "BuyerReference":
		return &h.buyerRef
	case "DueDate":
		return &h.dueDate
	case "InvoiceTypeCode", "CreditNoteTypeCode":
		return &h.typeCode
	case "OrderResponseCode":
		return &h.responseCode
	case "AcceptedIndicator":
		return &h.accepted
	}
	return nil
}

// prefixed gives a UBL element its usual prefix: cbc for the basic
// elements (a name that does not name an aggregate), cac for aggregates.
func prefixed(local string) string {
	switch local {
	case "UBLExtensions":
		return "ext:" + local
	}
	if aggregates[local] {
		return "cac:" + local
	}
	return "cbc:" + local
}

var aggregates = map[string]bool{
	"OrderReference": true, "AccountingSupplierParty": true, "AccountingCustomerParty": true,
	"BuyerCustomerParty": true, "SellerSupplierParty": true, "DespatchSupplierParty": true,
	"DeliveryCustomerParty": true, "Delivery": true, "DeliveryTerms": true, "PaymentTerms": true,
	"PaymentMeans": true, "AllowanceCharge": true, "TaxTotal": true, "LegalMonetaryTotal": true,
	"AnticipatedMonetaryTotal": true, "RequestedMonetaryTotal": true, "Shipment": true,
	"InvoiceLine": true, "CreditNoteLine": true, "OrderLine": true, "DespatchLine": true,
	"LineItem": true, "Party": true, "InvoicePeriod": true, "AdditionalDocumentReference": true,
	"BillingReference": true, "ContractDocumentReference": true, "PayeeParty": true,
	"TaxRepresentativeParty": true, "Signature": true, "OriginatorCustomerParty": true,
	"QuotationDocumentReference": true, "OrderDocumentReference": true, "ProjectReference": true,
	"TransactionConditions": true, "DespatchDocumentReference": true, "ReceiptDocumentReference": true,
	"Contract": true, "Despatch": true, "ValidityPeriod": true,
}

// child reads one child of the root element.
func (s *session) child(se xml.StartElement) error {
	local := se.Name.Local
	line := s.line()
	if _, ok := s.hdrLine[local]; !ok && local != s.doc.lineElem {
		s.hdrLine[local] = line
	}
	h := &s.hdr
	if t := h.basic(local); t != nil {
		var v text
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		if t.V == "" {
			*t = v
		}
		switch local {
		case "UBLVersionID":
			if v.V != "2.0" && v.V != "2.1" {
				return s.fileError(v.Line, CodeBadVersion, "UBLVersionID %q: only UBL 2.0 and 2.1 are read", clip(v.V))
			}
		case "CustomizationID":
			s.variant = s.d.variantOf(v.V)
		}
		return nil
	}
	switch {
	case local == s.doc.lineElem:
		return s.b.line(se, line)
	case slices.Contains(s.doc.supplier, local):
		return s.partyRole(se, &h.supplier, &h.supplierElem, s.doc.supplier)
	case slices.Contains(s.doc.buyer, local):
		return s.partyRole(se, &h.buyer, &h.buyerElem, s.doc.buyer)
	}
	switch local {
	case "OrderReference":
		var v struct {
			ID text `xml:"ID"`
		}
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		if v.ID.V != "" {
			h.orderRefs = append(h.orderRefs, v.ID)
		}
	case "Delivery":
		var v delivery
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		if h.delivery == nil {
			h.delivery = &v
		}
	case "DeliveryTerms":
		var v deliveryTerms
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		if h.terms == nil {
			h.terms = &v
		}
	case "PaymentTerms":
		var v struct {
			Note []string `xml:"Note"`
		}
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		for _, n := range v.Note {
			if n = strings.Join(strings.Fields(n), " "); n != "" {
				h.paymentTerms = append(h.paymentTerms, n)
			}
		}
	case "PaymentMeans":
		var v struct {
			Due   text          `xml:"PaymentDueDate"`
			Payee *payeeAccount `xml:"PayeeFinancialAccount"`
		}
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		if h.paymentDue.V == "" {
			h.paymentDue = v.Due
		}
		// An invoice may offer several ways to pay; the first account is the
		// one settlement checks against the supplier's verified accounts.
		if h.payee == nil && v.Payee != nil && v.Payee.ID.V != "" {
			h.payee = v.Payee
		}
	case "AllowanceCharge":
		var v allowanceCharge
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		if len(h.allowances) < maxProblems*10 {
			h.allowances = append(h.allowances, v)
		}
	case "TaxTotal":
		var v taxTotal
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		if len(h.taxTotals) < 8 {
			h.taxTotals = append(h.taxTotals, v)
		}
	case "LegalMonetaryTotal", "AnticipatedMonetaryTotal", "RequestedMonetaryTotal":
		var v monetaryTotal
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		if h.total == nil {
			h.total = &v
			s.hdrLine["monetaryTotal"] = line
			s.b.totalElem = local
		}
	case "Shipment":
		var v shipmentXML
		if err := s.xd.DecodeElement(&v, &se); err != nil {
			return err
		}
		if h.shipment == nil {
			h.shipment = &v
		}
	default:
		return s.xd.Skip()
	}
	return nil
}

// partyRole reads a party role; of several role elements naming the same
// canonical party (BuyerCustomerParty, DeliveryCustomerParty) the first in
// prefer wins.
func (s *session) partyRole(se xml.StartElement, dst **partyRole, elem *string, prefer []string) error {
	var v partyRole
	if err := s.xd.DecodeElement(&v, &se); err != nil {
		return err
	}
	local := se.Name.Local
	if *dst == nil || slices.Index(prefer, local) < slices.Index(prefer, *elem) {
		*dst, *elem = &v, local
	}
	return nil
}

// variantOf is the variant a CustomizationID names, unless the options fix one.
func (d *Decoder) variantOf(customization string) string {
	if d.opt.Variant != "" {
		return d.opt.Variant
	}
	c := strings.ToLower(customization)
	switch {
	case strings.Contains(c, "xrechnung"):
		return VariantXRechnung
	case strings.HasPrefix(c, "oioubl"):
		return VariantOIOUBL
	case strings.Contains(c, "peppol.eu"):
		return VariantPEPPOL
	}
	return ""
}
