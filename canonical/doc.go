// Package canonical is procurehub's one order model: every connector translates
// what a partner sends into these types, every topic carries them as JSON, and
// the store keeps them. It imports only the standard library and shopspring/decimal.
//
// JSON field names are snake_case, amounts and quantities are decimal strings
// that keep their scale ("12.50" stays "12.50"), dates are YYYY-MM-DD and times
// RFC 3339. The names are a contract shared by `procurehub parse`, the Kafka
// topics and the HTTP API; see docs/schemas/ for the generated JSON Schemas.
package canonical

// SchemaVersion is the version of the canonical JSON encoding. A breaking change
// to any type makes a new version (and new topic names, procurehub.<entity>.v<N>).
const SchemaVersion = 1
