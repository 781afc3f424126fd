package canonical

import "github.com/shopspring/decimal"

// Party is an organization taking part in an order: buyer, supplier, forwarder,
// customs broker or bank. ID is the identifier the hub knows the party by.
type Party struct {
	ID      string  `json:"id"`
	Name    string  `json:"name,omitempty"`
	Country Country `json:"country,omitempty"`
}

// Address is where goods go.
type Address struct {
	Name       string  `json:"name,omitempty"`
	Street     string  `json:"street,omitempty"`
	City       string  `json:"city,omitempty"`
	PostalCode string  `json:"postal_code,omitempty"`
	Country    Country `json:"country,omitempty"`
}

// Order is a purchase order from a buyer to a supplier. Its business key is
// (buyer.id, order_number).
type Order struct {
	OrderNumber           string        `json:"order_number"`
	OrderDate             Date          `json:"order_date,omitzero"`
	Buyer                 Party         `json:"buyer"`
	Supplier              Party         `json:"supplier"`
	Currency              Currency      `json:"currency"`
	Incoterm              Incoterm      `json:"incoterm,omitempty"`
	IncotermPlace         string        `json:"incoterm_place,omitempty"`
	TransportMode         TransportMode `json:"transport_mode,omitempty"`
	PaymentTerms          string        `json:"payment_terms,omitempty"`
	RequestedDeliveryDate Date          `json:"requested_delivery_date,omitzero"`
	ShipTo                *Address      `json:"ship_to,omitempty"`
	Lines                 []OrderLine   `json:"lines"`
	TotalAmount           *Decimal      `json:"total_amount,omitempty"`
	Source                *Source       `json:"source,omitempty"`
}

// OrderLine is one ordered item.
type OrderLine struct {
	LineNumber    int      `json:"line_number"`
	SKU           string   `json:"sku,omitempty"`
	BuyerSKU      string   `json:"buyer_sku,omitempty"`
	GTIN          string   `json:"gtin,omitempty"`
	Description   string   `json:"description,omitempty"`
	Quantity      Decimal  `json:"quantity"`
	Unit          Unit     `json:"unit"`
	UnitPrice     Decimal  `json:"unit_price"`
	Amount        *Decimal `json:"amount,omitempty"`
	HSCode        HSCode   `json:"hs_code,omitempty"`
	OriginCountry Country  `json:"origin_country,omitempty"`
	Source        *Source  `json:"source,omitempty"`
}

// OrderResponse is a supplier's answer to an order (confirmation, rejection or change).
type OrderResponse struct {
	OrderNumber    string              `json:"order_number"`
	ResponseNumber string              `json:"response_number,omitempty"`
	ResponseDate   Date                `json:"response_date,omitzero"`
	Buyer          Party               `json:"buyer"`
	Supplier       Party               `json:"supplier"`
	Status         ResponseStatus      `json:"status"`
	Lines          []OrderResponseLine `json:"lines,omitempty"`
	Source         *Source             `json:"source,omitempty"`
}

// ResponseStatus is accepted, rejected or changed.
type ResponseStatus string

const (
	ResponseAccepted ResponseStatus = "accepted"
	ResponseRejected ResponseStatus = "rejected"
	ResponseChanged  ResponseStatus = "changed"
)

// ResponseStatuses lists the response statuses.
func ResponseStatuses() []ResponseStatus {
	return []ResponseStatus{ResponseAccepted, ResponseRejected, ResponseChanged}
}

// Valid reports whether s is accepted, rejected or changed.
func (s ResponseStatus) Valid() bool {
	return s == ResponseAccepted || s == ResponseRejected || s == ResponseChanged
}

// OrderResponseLine is the supplier's answer for one line.
type OrderResponseLine struct {
	LineNumber   int            `json:"line_number"`
	SKU          string         `json:"sku,omitempty"`
	Status       ResponseStatus `json:"status"`
	Quantity     *Decimal       `json:"quantity,omitempty"`
	UnitPrice    *Decimal       `json:"unit_price,omitempty"`
	DeliveryDate Date           `json:"delivery_date,omitzero"`
}

// Schema descriptions (see schema.go).

var orderDoc = typeDoc{
	title: "Order",
	desc:  "A purchase order from a buyer to a supplier. Business key: (buyer.id, order_number).",
	fields: map[string]string{
		"order_number":            "The buyer's order number.",
		"order_date":              "Date the buyer issued the order.",
		"buyer":                   "The ordering party; buyer.id is required.",
		"supplier":                "The party the order goes to.",
		"payment_terms":           "Payment terms as agreed (\"30 days net\").",
		"ship_to":                 "Delivery address.",
		"currency":                "Currency of every price and amount in the order.",
		"incoterm":                "Incoterms 2020 rule of delivery.",
		"incoterm_place":          "Named place or port of the Incoterms rule (\"Hamburg\").",
		"transport_mode":          "How the goods travel on the main leg: sea, inland_waterway, air, road, rail or multimodal. FAS, FOB, CFR and CIF are for sea and inland waterway only.",
		"requested_delivery_date": "Date the buyer wants the goods; not before order_date.",
		"lines":                   "Ordered items; at least one.",
		"total_amount":            "Order total; when every line has an amount, their sum.",
		"source":                  "Where the record came from.",
	},
}

var orderLineDoc = typeDoc{
	desc: "One ordered item.",
	fields: map[string]string{
		"line_number":    "Position in the order, unique and above zero.",
		"sku":            "The supplier's article number.",
		"buyer_sku":      "The buyer's article number.",
		"gtin":           "GS1 GTIN-8, -12, -13 or -14 with a valid check digit.",
		"quantity":       "Ordered quantity, above zero.",
		"unit_price":     "Price of one unit in the order's currency, not negative.",
		"amount":         "Line amount: quantity × unit_price, rounded to the currency's minor unit.",
		"hs_code":        "Customs tariff code.",
		"origin_country": "Country of origin of the goods.",
	},
}

var partyDoc = typeDoc{
	desc: "An organization taking part in an order: buyer, supplier, forwarder, customs broker or bank.",
	fields: map[string]string{
		"id":   "Identifier procurehub knows the party by.",
		"name": "Display name.",
	},
}

var addressDoc = typeDoc{desc: "Where goods go."}

var orderResponseDoc = typeDoc{
	title: "Order response",
	desc:  "A supplier's answer to an order: accepted, rejected, or changed line by line.",
	fields: map[string]string{
		"order_number":    "The buyer's order number being answered.",
		"response_number": "The supplier's number for this response.",
		"status":          "accepted and rejected apply to every line; changed when lines differ.",
		"lines":           "The answer per order line.",
	},
}

var orderResponseLineDoc = typeDoc{
	desc: "The supplier's answer for one order line.",
	fields: map[string]string{
		"line_number":   "The order line answered.",
		"quantity":      "Confirmed quantity, when it differs or is stated.",
		"unit_price":    "Confirmed unit price, when it differs or is stated.",
		"delivery_date": "Confirmed delivery date.",
	},
}

// Total is what the order is worth: total_amount when given, else the sum
// of its lines, each its amount or else quantity × unit price (not rounded).
func (o *Order) Total() Decimal {
	if o.TotalAmount != nil {
		return *o.TotalAmount
	}
	var sum decimal.Decimal
	for _, l := range o.Lines {
		if l.Amount != nil {
			sum = sum.Add(l.Amount.Decimal)
		} else {
			sum = sum.Add(l.Quantity.Mul(l.UnitPrice.Decimal))
		}
	}
	return NewDecimal(sum)
}
