package canonical

import (
	"encoding/json"
	"log/slog"
)

// BankAccount identifies an account by IBAN or by a national number.
type BankAccount struct {
	IBAN     string   `json:"iban,omitempty"`
	Number   string   `json:"number,omitempty"`
	BIC      string   `json:"bic,omitempty"`
	Currency Currency `json:"currency,omitempty"`
}

// BalanceCheck says whether opening balance plus entries equals the closing balance.
type BalanceCheck string

const (
	BalanceOK       BalanceCheck = "ok"
	BalanceMismatch BalanceCheck = "mismatch"
)

// Valid reports whether c is ok or mismatch.
func (c BalanceCheck) Valid() bool { return c == BalanceOK || c == BalanceMismatch }

// BankStatement is one account statement (MT940, camt.053, BAI2...).
type BankStatement struct {
	StatementID    string            `json:"statement_id"`
	Account        BankAccount       `json:"account"`
	OpeningBalance *Decimal          `json:"opening_balance,omitempty"`
	ClosingBalance *Decimal          `json:"closing_balance,omitempty"`
	OpeningDate    Date              `json:"opening_date,omitzero"`
	ClosingDate    Date              `json:"closing_date,omitzero"`
	BalanceCheck   BalanceCheck      `json:"balance_check,omitempty"`
	Entries        []BankTransaction `json:"entries"`
	Source         *Source           `json:"source,omitempty"`
}

// Counterparty is the other side of a bank transaction.
type Counterparty struct {
	Name    string `json:"name,omitempty"`
	IBAN    string `json:"iban,omitempty"`
	Account string `json:"account,omitempty"`
	BIC     string `json:"bic,omitempty"`
}

// BankTransaction is one statement entry; Amount is signed (negative is a debit).
type BankTransaction struct {
	Amount         Decimal       `json:"amount"`
	Currency       Currency      `json:"currency"`
	BookingDate    Date          `json:"booking_date,omitzero"`
	ValueDate      Date          `json:"value_date,omitzero"`
	BankReference  string        `json:"bank_reference,omitempty"`
	EndToEndID     string        `json:"end_to_end_id,omitempty"`
	Counterparty   *Counterparty `json:"counterparty,omitempty"`
	RemittanceInfo string        `json:"remittance_info,omitempty"`
	BankCode       string        `json:"bank_code,omitempty"`
}

// LogValue logs the account with its IBAN and number masked, so that
// slog.Any("account", acct) never prints them in full.
func (a BankAccount) LogValue() slog.Value {
	var attrs []slog.Attr
	if a.IBAN != "" {
		attrs = append(attrs, slog.String("iban", MaskIBAN(a.IBAN)))
	}
	if a.Number != "" {
		attrs = append(attrs, slog.String("number", MaskAccount(a.Number)))
	}
	if a.BIC != "" {
		attrs = append(attrs, slog.String("bic", a.BIC))
	}
	if a.Currency != "" {
		attrs = append(attrs, slog.String("currency", string(a.Currency)))
	}
	return slog.GroupValue(attrs...)
}

// LogValue logs the counterparty with IBAN and account masked and without
// the name, which may be a person's.
func (c Counterparty) LogValue() slog.Value {
	var attrs []slog.Attr
	if c.IBAN != "" {
		attrs = append(attrs, slog.String("iban", MaskIBAN(c.IBAN)))
	}
	if c.Account != "" {
		attrs = append(attrs, slog.String("account", MaskAccount(c.Account)))
	}
	if c.BIC != "" {
		attrs = append(attrs, slog.String("bic", c.BIC))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON writes the statement with "entries": [] rather than null when
// it has no entries, as its JSON Schema requires an array.
func (s BankStatement) MarshalJSON() ([]byte, error) {
	type plain BankStatement // drops the methods, so this does not recurse
	if s.Entries == nil {
		s.Entries = []BankTransaction{}
	}
	return json.Marshal(plain(s))
}

// Schema descriptions (see schema.go).

var bankStatementDoc = typeDoc{
	title: "Bank statement",
	desc:  "One account statement (MT940, camt.053, BAI2...) with its entries.",
	fields: map[string]string{
		"statement_id":    "The bank's statement identifier.",
		"opening_balance": "Balance before the entries (signed).",
		"closing_balance": "Balance after the entries (signed).",
		"opening_date":    "Date of the opening balance.",
		"closing_date":    "Date of the closing balance; not before opening_date.",
		"balance_check":   "ok when opening_balance plus the entries equals closing_balance, mismatch when it does not.",
		"entries":         "Statement entries, in the order the bank lists them.",
	},
}

var bankAccountDoc = typeDoc{
	desc: "A bank account, by IBAN or by national number.",
	fields: map[string]string{
		"iban":     "IBAN in electronic format (no spaces).",
		"number":   "National account number, when there is no IBAN.",
		"bic":      "SWIFT BIC of the account's bank.",
		"currency": "Currency of the account and of its entries.",
	},
}

var bankTransactionDoc = typeDoc{
	desc: "One statement entry.",
	fields: map[string]string{
		"amount":          "Signed amount: negative is a debit.",
		"booking_date":    "Date the bank booked the entry.",
		"value_date":      "Date the entry takes effect for interest.",
		"bank_reference":  "The bank's reference of the entry.",
		"end_to_end_id":   "The payer's end-to-end reference (SEPA, ISO 20022).",
		"remittance_info": "Free text from the payer, often naming the invoice.",
		"bank_code":       "The bank's transaction code (BTC, GVC, BAI type code).",
	},
}

var counterpartyDoc = typeDoc{desc: "The other side of a bank transaction."}
