// Package canonical is procurehub's one order model: every connector translates
// what a partner sends into these types, every topic carries them as JSON, and
// the store keeps them. It imports only the standard library and shopspring/decimal.
//
// JSON field names are snake_case, amounts and quantities are decimal strings
// that keep their scale ("12.50" stays "12.50"), dates are YYYY-MM-DD and times
// RFC 3339. The names are a contract shared by `procurehub parse`, the Kafka
// topics and the HTTP API; see docs/schemas/ for the generated JSON Schemas.
//
// What is where:
//
//   - order.go, shipment.go, invoice.go, bank.go, event.go: the record types
//     and, beside each, the descriptions its JSON Schema carries.
//   - codes.go, codes_tables.go: ISO 4217 currencies with minor units, ISO
//     3166-1 countries, UN/ECE Rec 20 units, Incoterms 2020, HS codes, and
//     ParseCurrency, ParseCountry, ParseUnit, ParseIncoterm, ParseHSCode that
//     normalize partner input and return a *ParseError with a stable code.
//   - identifiers.go: GTIN check digits, IBAN mod-97, BIC, and MaskIBAN /
//     MaskAccount for logs and messages.
//   - validate.go: Validate on every record type, returning a
//     *ValidationError with every problem, its field path
//     ("lines[2].unit_price") and a stable code (the Code* constants).
//   - schema.go: Schemas and Schema, JSON Schema draft 2020-12 generated
//     from the Go types.
package canonical

// SchemaVersion is the version of the canonical JSON encoding. A breaking change
// to any type makes a new version (and new topic names, procurehub.<entity>.v<N>).
const SchemaVersion = 1
