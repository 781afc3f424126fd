package canonical

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
	OrderNumber           string      `json:"order_number"`
	OrderDate             Date        `json:"order_date,omitzero"`
	Buyer                 Party       `json:"buyer"`
	Supplier              Party       `json:"supplier"`
	Currency              Currency    `json:"currency"`
	Incoterm              Incoterm    `json:"incoterm,omitempty"`
	IncotermPlace         string      `json:"incoterm_place,omitempty"`
	PaymentTerms          string      `json:"payment_terms,omitempty"`
	RequestedDeliveryDate Date        `json:"requested_delivery_date,omitzero"`
	ShipTo                *Address    `json:"ship_to,omitempty"`
	Lines                 []OrderLine `json:"lines"`
	TotalAmount           *Decimal    `json:"total_amount,omitempty"`
	Source                *Source     `json:"source,omitempty"`
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
