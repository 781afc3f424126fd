package mapping

import (
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// Document types a mapping names under document:. Each makes one canonical
// record type (production_progress makes order events, catalog_item a
// supplier's catalog items).
const (
	DocumentOrder              = "order"
	DocumentOrderResponse      = "order_response"
	DocumentShipment           = "shipment"
	DocumentInvoice            = "invoice"
	DocumentProductionProgress = "production_progress"
	DocumentCatalogItem        = "catalog_item"
)

// document describes one document type as a table: its fields, how its
// rows make records, and what it needs from a mapping. The shared Builder
// does the rest; newRecord makes the small part that knows the canonical
// type.
type document struct {
	name   string          // as written under document:
	fields []fieldID       // the fields a mapping may name, in the order the docs list them
	in     [numFields]bool // fields as a set
	noun   string          // one record, in messages: "order", "order response"

	// key names the record and needs a column. Rows are grouped by it,
	// unless group (when not noField) has a column in the file's header.
	key    fieldID
	keyWhy string // completes "it is what …" and "it …" in compile errors
	group  fieldID
	perRow bool // one record per row, no grouping

	lines       bool // line fields feed lines; otherwise every field is the record's
	linesAlways bool // every row makes a line, even when no line field is mapped
	autoNumber  bool // without a lines.line_number column, lines are numbered 1..n
	uniqueLines bool // a line number is used once per record
	lineRefs    bool // lines name an order line: lines.line_number needs a column

	lineArray       string // the record's array the line fields feed, as paths name it; "" is "lines"
	placeInIncoterm bool   // an incoterm cell may carry the place too ("FOB Shenzhen")

	needs []fieldID         // need a column or a constant, and a value in every record
	oneOf []fieldChoice     // at least one of each needs a column or a constant
	paths map[string]string // canonical validation path → mapping field, where they differ

	newRecord func() record
}

// fieldChoice is a set of fields of which a mapping must feed at least one.
type fieldChoice struct {
	fields []fieldID
	why    string
}

// documents lists the document types; the first is the default.
var documents = withFields([]*document{
	{
		name: DocumentOrder, noun: "order",
		fields: []fieldID{fOrderNumber, fOrderDate, fBuyerID, fBuyerName, fSupplierID, fSupplierName,
			fCurrency, fIncoterm, fIncotermPlace, fPaymentTerms, fRequestedDeliveryDate, fShipToName,
			fShipToCountry, fTotalAmount, fLineNumber, fSKU, fBuyerSKU, fGTIN, fDescription, fQuantity,
			fUnit, fUnitPrice, fAmount, fHSCode, fOriginCountry},
		key: fOrderNumber, keyWhy: "groups rows into orders", group: noField,
		lines: true, linesAlways: true, autoNumber: true, uniqueLines: true,
		// What canonical.Order.Validate requires of every order: a mapping
		// that cannot fill them would reject every row.
		needs:     []fieldID{fBuyerID, fCurrency, fQuantity, fUnit},
		newRecord: func() record { return &orderRecord{} },
	},
	{
		name: DocumentOrderResponse, noun: "order response",
		fields: []fieldID{fOrderNumber, fResponseNumber, fResponseDate, fStatus, fBuyerID, fBuyerName,
			fSupplierID, fSupplierName, fLineNumber, fSKU, fLineStatus, fQuantity, fUnitPrice, fLineDeliveryDate},
		key:    fOrderNumber,
		keyWhy: "names the order answered and, without a response_number column, groups rows into order responses",
		group:  fResponseNumber,
		lines:  true, uniqueLines: true, lineRefs: true,
		oneOf:     []fieldChoice{{[]fieldID{fStatus, fLineStatus}, "an order response has a status"}},
		newRecord: func() record { return &responseRecord{} },
	},
	{
		name: DocumentShipment, noun: "shipment",
		fields: []fieldID{fShipmentID, fOrderNumbers, fShipDate, fEstimatedArrival, fCarrier, fTrackingNumbers,
			fPackages, fGrossWeightValue, fGrossWeightUnit, fBuyerID, fBuyerName, fSupplierID, fSupplierName,
			fLineOrderNumber, fLineNumber, fSKU, fGTIN, fQuantity, fUnit},
		key: fShipmentID, keyWhy: "groups rows into shipments", group: noField,
		lines: true, lineRefs: true,
		oneOf:     []fieldChoice{{[]fieldID{fOrderNumbers, fLineOrderNumber}, "a shipment ships against at least one order"}},
		newRecord: func() record { return &shipmentRecord{} },
	},
	{
		name: DocumentInvoice, noun: "invoice",
		fields: []fieldID{fInvoiceNumber, fInvoiceDate, fOrderNumbers, fSupplierID, fSupplierName, fBuyerID,
			fBuyerName, fCurrency, fDueDate, fLineTotal, fTaxAmount, fTotalAmount, fPayableAmount,
			fPayeeAccount, fPayeeBIC, fPayeeName, fLineNumber, fLineOrderNumber, fSKU, fDescription, fQuantity, fUnit, fUnitPrice, fAmount},
		key: fInvoiceNumber, keyWhy: "groups rows into invoices", group: noField,
		lines: true, autoNumber: true, uniqueLines: true,
		needs:     []fieldID{fTotalAmount},
		paths:     map[string]string{"payee_account.iban": "payee_account", "payee_account.account": "payee_account"},
		newRecord: func() record { return &invoiceRecord{} },
	},
	{
		name: DocumentProductionProgress, noun: "progress report",
		fields: []fieldID{fOrderNumber, fBuyerID, fReportDate, fPercentComplete, fExpectedReadyDate,
			fLineNumber, fSKU, fNote},
		key: fOrderNumber, keyWhy: "names the order each row reports on", group: noField, perRow: true,
		needs:     []fieldID{fBuyerID, fReportDate},
		oneOf:     []fieldChoice{{[]fieldID{fPercentComplete, fExpectedReadyDate}, "a progress report tells how far production is or when it will be ready"}},
		paths:     map[string]string{"occurred_at": "report_date", "buyer_id": "buyer.id"},
		newRecord: func() record { return &progressRecord{} },
	},
	{
		name: DocumentCatalogItem, noun: "catalog item",
		fields: []fieldID{fSupplierID, fSupplierName, fItemSKU, fItemBuyerSKU, fItemDescription, fCategory,
			fItemUnit, fPackSize, fMOQ, fCapacityPerWeek, fCapacityPerMonth, fLeadTimeDays, fItemHSCode,
			fItemOriginCountry, fIncoterm, fIncotermPlace, fPaymentTerms,
			fPriceValidFrom, fPriceValidTo, fPriceCurrency, fPriceUnitPrice},
		key: fItemSKU, keyWhy: "groups rows into catalog items", group: noField,
		lines: true, lineArray: "prices", placeInIncoterm: true,
		needs:     []fieldID{fSupplierID, fItemUnit},
		newRecord: func() record { return &catalogRecord{} },
	},
})

// withFields fills each document's field set from its field list.
func withFields(docs []*document) []*document {
	for _, d := range docs {
		for _, f := range d.fields {
			d.in[f] = true
		}
	}
	return docs
}

// documentNamed finds a document type by name, ignoring case and spaces; nil
// when there is none.
func documentNamed(name string) *document {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return documents[0]
	}
	for _, d := range documents {
		if d.name == name {
			return d
		}
	}
	return nil
}

// Documents returns the document types a mapping may name, the default first.
func Documents() []string {
	out := make([]string, len(documents))
	for i, d := range documents {
		out[i] = d.name
	}
	return out
}

// has reports whether f is a field of the document.
func (d *document) has(f fieldID) bool { return f < numFields && d.in[f] }

// isLine reports whether f feeds the record's lines.
func (d *document) isLine(f fieldID) bool { return d.lines && f.isLine() }

// fieldNames lists the document's fields in the order of its table.
func (d *document) fieldNames() []string {
	out := make([]string, len(d.fields))
	for i, f := range d.fields {
		out[i] = f.String()
	}
	return out
}

// field finds the mapping field of a canonical validation path
// ("lines[2].quantity" is lines.quantity of the third line, index 2, and
// "prices[1].unit_price" prices.unit_price of a catalog item's second
// price; "order_numbers[1]" is order_numbers). index is -1 for a
// document-level path; name is the path itself when no field matches.
func (d *document) field(path string) (index int, name string, f fieldID) {
	index, name = -1, path
	array := d.lineArray
	if array == "" {
		array = "lines"
	}
	if rest, ok := strings.CutPrefix(path, array+"["); ok {
		if idx, sub, ok := strings.Cut(rest, "]."); ok {
			if i, ok := parseIndex(idx); ok {
				index, name = i, array+"."+sub
			}
		}
	} else if i := strings.IndexByte(path, '['); i > 0 && !strings.Contains(path, ".") && strings.HasSuffix(path, "]") {
		name = path[:i]
	}
	if alias, ok := d.paths[name]; ok {
		name = alias
	}
	if f, ok := fieldsByName[name]; ok && d.has(f) {
		return index, name, f
	}
	return index, name, noField
}

// parseIndex reads a 0-based array index.
func parseIndex(s string) (int, bool) {
	if s == "0" {
		return 0, true
	}
	n, ok := parsePositiveInt(s)
	return n, ok && s[0] != '0'
}

// record is what a document type adds to the shared Builder: the canonical
// record of the group being built. The Builder calls begin when a group
// starts; head with the group's key and then with the first value of each
// document-level field (and with constants at the end); newLine for every
// row of a document with lines, then line for each of the row's line
// values; and finish when every row of the group was good. finish returns
// the record, which the Builder validates, and problems that canonical's
// Validate cannot see, with paths as Validate writes them.
type record interface {
	begin()
	head(f fieldID, v value)
	newLine()
	line(f fieldID, v value)
	finish(l lineage) (connectors.Record, []canonical.FieldError)
}

// lineage is what finish needs to know about the group's rows.
type lineage struct {
	src        canonical.Source // the record's source: file, sheet, line of the first row
	rows       []int            // the line of each line's row
	autoNumber bool             // number the lines 1..n
}
