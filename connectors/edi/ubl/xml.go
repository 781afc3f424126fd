package ubl

import (
	"encoding/xml"
	"strings"

	"github.com/procurehub/procurehub/connectors/internal/xmlfield"
)

// The XML shapes of the UBL 2.0/2.1 aggregates the decoder reads. Element
// names are matched without their namespace (cac, cbc and the document's
// own namespace are checked once, on the root), so documents that bind
// other prefixes read alike.

// text is an element's text with the line it starts on, for row errors.
type text = xmlfield.Text

// ident is an identifier with its scheme: <cbc:EndpointID schemeID="0088">.
type ident struct {
	V        string
	Scheme   string
	Agency   string
	Line     int
	Position int
}

func (t *ident) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	t.Line, _ = d.InputPos()
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "schemeID", "listID":
			t.Scheme = strings.TrimSpace(a.Value)
		case "schemeAgencyID", "listAgencyID":
			t.Agency = strings.TrimSpace(a.Value)
		}
	}
	var s string
	if err := d.DecodeElement(&s, &start); err != nil {
		return err
	}
	t.V = strings.TrimSpace(s)
	return nil
}

// amount is an amount (or quantity) element with its currency (or unit).
type amount = xmlfield.Amount

type address struct {
	Street     string `xml:"StreetName"`
	City       string `xml:"CityName"`
	PostalZone string `xml:"PostalZone"`
	Country    text   `xml:"Country>IdentificationCode"`
}

type party struct {
	EndpointID     ident    `xml:"EndpointID"`
	Identification []ident  `xml:"PartyIdentification>ID"`
	Names          []string `xml:"PartyName>Name"`
	Address        address  `xml:"PostalAddress"`
	LegalName      string   `xml:"PartyLegalEntity>RegistrationName"`
	CompanyID      ident    `xml:"PartyLegalEntity>CompanyID"`
}

// partyRole is AccountingSupplierParty, BuyerCustomerParty and the like:
// the party inside, and for OIOUBL/UBL 2.0 the customer's own account ids.
type partyRole struct {
	Line  int
	Party party `xml:"Party"`
}

func (p *partyRole) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	p.Line, _ = d.InputPos()
	type plain partyRole
	return d.DecodeElement((*plain)(p), &start)
}

type period struct {
	StartDate text `xml:"StartDate"`
	EndDate   text `xml:"EndDate"`
}

// date is StartDate, else EndDate: the day the period opens.
func (p period) date() text {
	if p.StartDate.V != "" {
		return p.StartDate
	}
	return p.EndDate
}

type delivery struct {
	Line             int
	ActualDate       text    `xml:"ActualDeliveryDate"`
	RequestedPeriod  period  `xml:"RequestedDeliveryPeriod"`
	PromisedPeriod   period  `xml:"PromisedDeliveryPeriod"`
	EstimatedPeriod  period  `xml:"EstimatedDeliveryPeriod"`
	LocationAddress  address `xml:"DeliveryLocation>Address"`
	DeliveryAddress  address `xml:"DeliveryAddress"`
	DeliveryPartyNm  string  `xml:"DeliveryParty>PartyName>Name"`
	DespatchDate     text    `xml:"Despatch>ActualDespatchDate"`
	DespatchPlanDate text    `xml:"Despatch>RequestedDespatchDate"`
}

func (p *delivery) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	p.Line, _ = d.InputPos()
	type plain delivery
	return d.DecodeElement((*plain)(p), &start)
}

type deliveryTerms struct {
	Line         int
	ID           text   `xml:"ID"`
	SpecialTerms string `xml:"SpecialTerms"`
	LocationID   string `xml:"DeliveryLocation>ID"`
	LocationCity string `xml:"DeliveryLocation>Address>CityName"`
}

func (p *deliveryTerms) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	p.Line, _ = d.InputPos()
	type plain deliveryTerms
	return d.DecodeElement((*plain)(p), &start)
}

type allowanceCharge struct {
	Line      int
	Charge    text   `xml:"ChargeIndicator"`
	Reason    string `xml:"AllowanceChargeReason"`
	Code      string `xml:"AllowanceChargeReasonCode"`
	Amount    amount `xml:"Amount"`
	BaseAmnt  amount `xml:"BaseAmount"`
	Multipler string `xml:"MultiplierFactorNumeric"`
}

func (p *allowanceCharge) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	p.Line, _ = d.InputPos()
	type plain allowanceCharge
	return d.DecodeElement((*plain)(p), &start)
}

type taxTotal struct {
	TaxAmount amount `xml:"TaxAmount"`
}

// monetaryTotal is LegalMonetaryTotal, AnticipatedMonetaryTotal or
// RequestedMonetaryTotal.
type monetaryTotal struct {
	LineExtension amount `xml:"LineExtensionAmount"`
	TaxExclusive  amount `xml:"TaxExclusiveAmount"`
	TaxInclusive  amount `xml:"TaxInclusiveAmount"`
	AllowanceTot  amount `xml:"AllowanceTotalAmount"`
	ChargeTot     amount `xml:"ChargeTotalAmount"`
	Prepaid       amount `xml:"PrepaidAmount"`
	Rounding      amount `xml:"PayableRoundingAmount"`
	Payable       amount `xml:"PayableAmount"`
}

type item struct {
	Name        string  `xml:"Name"`
	Description string  `xml:"Description"`
	SellersID   string  `xml:"SellersItemIdentification>ID"`
	BuyersID    string  `xml:"BuyersItemIdentification>ID"`
	StandardID  ident   `xml:"StandardItemIdentification>ID"`
	Commodity   []ident `xml:"CommodityClassification>ItemClassificationCode"`
	Origin      text    `xml:"OriginCountry>IdentificationCode"`
}

type price struct {
	Amount          amount            `xml:"PriceAmount"`
	BaseQuantity    amount            `xml:"BaseQuantity"`
	AllowanceCharge []allowanceCharge `xml:"AllowanceCharge"`
}

type orderLineReference struct {
	LineID  text   `xml:"LineID"`
	OrderID string `xml:"OrderReference>ID"`
}

type handlingUnit struct {
	ID        ident   `xml:"ID"`
	Packages  []ident `xml:"Package>ID"`
	Shipments []ident `xml:"Package>TransportHandlingUnit>ID"`
}

// shipmentXML is cac:Shipment (DespatchAdvice and DespatchLine).
type shipmentXML struct {
	Line          int
	ID            string         `xml:"ID"`
	GrossWeight   amount         `xml:"GrossWeightMeasure"`
	HandlingUnits amount         `xml:"TotalTransportHandlingUnitQuantity"`
	Carrier       []string       `xml:"Consignment>CarrierParty>PartyName>Name"`
	CarrierID     []ident        `xml:"Consignment>CarrierParty>PartyIdentification>ID"`
	Tracking      []string       `xml:"Consignment>CarrierAssignedID"`
	THU           []handlingUnit `xml:"TransportHandlingUnit"`
	Delivery      delivery       `xml:"Delivery"`
}

func (p *shipmentXML) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	p.Line, _ = d.InputPos()
	type plain shipmentXML
	return d.DecodeElement((*plain)(p), &start)
}

// lineItem is the content of InvoiceLine, CreditNoteLine, DespatchLine
// and OrderLine/LineItem: the one shape read for every line.
type lineItem struct {
	ID              text               `xml:"ID"`
	InvoicedQty     amount             `xml:"InvoicedQuantity"`
	CreditedQty     amount             `xml:"CreditedQuantity"`
	DeliveredQty    amount             `xml:"DeliveredQuantity"`
	Quantity        amount             `xml:"Quantity"`
	LineExtension   amount             `xml:"LineExtensionAmount"`
	StatusCode      text               `xml:"LineStatusCode"`
	OrderLineRef    orderLineReference `xml:"OrderLineReference"`
	AllowanceCharge []allowanceCharge  `xml:"AllowanceCharge"`
	Delivery        []delivery         `xml:"Delivery"`
	Item            item               `xml:"Item"`
	Price           price              `xml:"Price"`
	Shipment        []shipmentXML      `xml:"Shipment"`
}

// quantity is whichever quantity element the document type has.
func (l *lineItem) quantity() (amount, string) {
	switch {
	case l.InvoicedQty.Set:
		return l.InvoicedQty, "cbc:InvoicedQuantity"
	case l.CreditedQty.Set:
		return l.CreditedQty, "cbc:CreditedQuantity"
	case l.DeliveredQty.Set:
		return l.DeliveredQty, "cbc:DeliveredQuantity"
	}
	return l.Quantity, "cbc:Quantity"
}

// orderLine is cac:OrderLine: its LineItem (and, in an order response,
// the seller's substitute, whose answer wins when given, and the
// reference to the buyer's order line answered).
type orderLine struct {
	LineItem     lineItem           `xml:"LineItem"`
	Substitute   *lineItem          `xml:"SellerProposedSubstituteLineItem"`
	OrderLineRef orderLineReference `xml:"OrderLineReference"`
}

// payeeAccount is PaymentMeans/PayeeFinancialAccount: the account the
// supplier asks to be paid to. The bank's BIC is in
// FinancialInstitutionBranch/ID (UBL 2.1) or, in UBL 2.0, one level deeper
// in FinancialInstitution/ID.
type payeeAccount struct {
	ID     text `xml:"ID"`
	Name   text `xml:"Name"`
	Branch struct {
		ID          text `xml:"ID"`
		Institution struct {
			ID text `xml:"ID"`
		} `xml:"FinancialInstitution"`
	} `xml:"FinancialInstitutionBranch"`
}
