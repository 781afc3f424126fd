package canonical

import (
	"encoding/json"
	"log/slog"
	"time"
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

// StatementType says what kind of report a statement is.
type StatementType string

const (
	StatementEndOfDay     StatementType = "statement"    // MT940, camt.053, BAI2 prior-day
	StatementInterim      StatementType = "interim"      // MT942, camt.052, BAI2 current-day
	StatementNotification StatementType = "notification" // camt.054: debit/credit notifications
)

// Valid reports whether t is one of the statement types.
func (t StatementType) Valid() bool {
	return t == StatementEndOfDay || t == StatementInterim || t == StatementNotification
}

// BankStatement is one account statement (MT940, camt.053, BAI2...).
type BankStatement struct {
	StatementID    string        `json:"statement_id"`
	StatementType  StatementType `json:"statement_type,omitempty"`
	SequenceNumber string        `json:"sequence_number,omitempty"`
	CreatedAt      time.Time     `json:"created_at,omitzero"`
	Account        BankAccount   `json:"account"`
	OpeningBalance *Decimal      `json:"opening_balance,omitempty"`
	ClosingBalance *Decimal      `json:"closing_balance,omitempty"`
	OpeningDate    Date          `json:"opening_date,omitzero"`
	ClosingDate    Date          `json:"closing_date,omitzero"`
	BalanceCheck   BalanceCheck  `json:"balance_check,omitempty"`
	// BalanceDifference is closing − (opening + entries) when both balances
	// are given: zero when BalanceCheck is ok, how far the bank's figures
	// are off when it is mismatch.
	BalanceDifference *Decimal `json:"balance_difference,omitempty"`
	// Balances lists every balance the bank reported, by type.
	Balances []Balance `json:"balances,omitempty"`
	// Totals are the bank's own counts and sums of the entries (MT942
	// :90D:/:90C:, camt TxsSummry, BAI2 trailers), as it sent them.
	Totals *EntryTotals `json:"totals,omitempty"`
	// FloorLimitDebit and FloorLimitCredit are an interim report's floor
	// limits (MT942 :34F:): entries below them are not reported.
	FloorLimitDebit  *Decimal          `json:"floor_limit_debit,omitempty"`
	FloorLimitCredit *Decimal          `json:"floor_limit_credit,omitempty"`
	Entries          []BankTransaction `json:"entries"`
	Source           *Source           `json:"source,omitempty"`
}

// Balance is one balance of a statement, as the bank typed it.
type Balance struct {
	// Type is the ISO 20022 balance code: OPBD (opening booked), CLBD
	// (closing booked), CLAV (closing available), FWAV (forward
	// available), PRCD (previously closed), ITBD (interim booked)...;
	// MT940 tags map onto them (:60F: OPBD, :62F: CLBD, :64: CLAV, :65: FWAV).
	Type   string  `json:"type"`
	Amount Decimal `json:"amount"` // signed
	Date   Date    `json:"date,omitzero"`
}

// EntryTotals are a bank's counts and sums of a statement's entries.
type EntryTotals struct {
	DebitCount   int      `json:"debit_count"`
	DebitAmount  *Decimal `json:"debit_amount,omitempty"` // positive: the sum of the debits' absolute values
	CreditCount  int      `json:"credit_count"`
	CreditAmount *Decimal `json:"credit_amount,omitempty"`
}

// EntryStatus is whether an entry is booked.
type EntryStatus string

const (
	EntryBooked  EntryStatus = "booked"
	EntryPending EntryStatus = "pending"
	EntryInfo    EntryStatus = "info"
)

// StatementEntry is one entry of a statement with what identifies the
// statement: the message of procurehub.bank-transactions.v1, one per entry,
// keyed by account, so that reconciliation reads entries one by one.
type StatementEntry struct {
	StatementID   string          `json:"statement_id"`
	StatementType StatementType   `json:"statement_type,omitempty"`
	Account       BankAccount     `json:"account"`
	EntryIndex    int             `json:"entry_index"` // 1-based position in the statement
	EntryCount    int             `json:"entry_count"` // entries in the statement
	BalanceCheck  BalanceCheck    `json:"balance_check,omitempty"`
	Entry         BankTransaction `json:"entry"`
	Source        *Source         `json:"source,omitempty"`
}

// AccountKey is the account's IBAN, or its number when it has none: the
// partition key of its statements and entries.
func (a BankAccount) AccountKey() string {
	if a.IBAN != "" {
		return a.IBAN
	}
	return a.Number
}

// Split returns the statement's entries as StatementEntry records, in order.
func (s *BankStatement) Split() []StatementEntry {
	out := make([]StatementEntry, len(s.Entries))
	for i, e := range s.Entries {
		out[i] = StatementEntry{
			StatementID: s.StatementID, StatementType: s.StatementType, Account: s.Account,
			EntryIndex: i + 1, EntryCount: len(s.Entries), BalanceCheck: s.BalanceCheck,
			Entry: e, Source: s.Source,
		}
	}
	return out
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
	// Status is booked (the default when absent), pending or info.
	Status EntryStatus `json:"status,omitempty"`
	// Reversal marks an entry that reverses an earlier one (MT940 RD/RC,
	// camt RvslInd); its amount keeps the sign of its effect on the balance.
	Reversal bool `json:"reversal,omitempty"`
	// CustomerReference is the account owner's reference (MT940 :61:
	// reference for the account owner; "NONREF" is left out).
	CustomerReference string `json:"customer_reference,omitempty"`
	// CreditorReference is a structured creditor reference (ISO 11649 RF,
	// Swiss QR reference) that names the invoice being paid.
	CreditorReference string `json:"creditor_reference,omitempty"`
	// Charges are the bank charges taken with the entry, positive.
	Charges *Decimal `json:"charges,omitempty"`
	// OriginalAmount and OriginalCurrency are the amount as instructed,
	// before conversion (camt InstdAmt, MT940 /OCMT/), when it differs.
	OriginalAmount   *Decimal `json:"original_amount,omitempty"`
	OriginalCurrency Currency `json:"original_currency,omitempty"`
	// FundsCode is the MT940 funds code (third letter of the currency).
	FundsCode string `json:"funds_code,omitempty"`
	// AdditionalInfo is what else the bank says of the entry (MT940 :61:
	// supplementary details, camt AddtlNtryInf).
	AdditionalInfo string `json:"additional_info,omitempty"`
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
		"statement_id":       "The bank's statement identifier.",
		"opening_balance":    "Balance before the entries (signed).",
		"closing_balance":    "Balance after the entries (signed).",
		"opening_date":       "Date of the opening balance.",
		"closing_date":       "Date of the closing balance; not before opening_date.",
		"balance_check":      "ok when opening_balance plus the entries equals closing_balance, mismatch when it does not.",
		"entries":            "Statement entries, in the order the bank lists them.",
		"statement_type":     "statement (end of day: MT940, camt.053), interim (intraday: MT942, camt.052) or notification (camt.054).",
		"sequence_number":    "The bank's sequence number of the statement (MT940 :28C:, camt ElctrncSeqNb).",
		"created_at":         "When the bank created the statement.",
		"balance_difference": "closing_balance minus (opening_balance plus the entries): 0 with balance_check ok, how far the figures are off with mismatch.",
		"balances":           "Every balance the bank reported, by ISO 20022 type.",
		"totals":             "The bank's own counts and sums of the entries, as sent.",
		"floor_limit_debit":  "Interim reports: debits below this amount are not reported (MT942 :34F:).",
		"floor_limit_credit": "Interim reports: credits below this amount are not reported (MT942 :34F:).",
	},
}

var statementEntryDoc = typeDoc{
	title: "Bank transaction",
	desc:  "One statement entry with the statement it belongs to: the message of procurehub.bank-transactions.v1, keyed by account.",
	fields: map[string]string{
		"statement_id":   "The bank's statement identifier.",
		"statement_type": "statement, interim or notification.",
		"entry_index":    "1-based position of the entry in its statement.",
		"entry_count":    "Number of entries in the statement.",
		"balance_check":  "The statement's balance check (ok, mismatch).",
		"entry":          "The entry.",
	},
}

var balanceDoc = typeDoc{
	desc: "One balance of a statement.",
	fields: map[string]string{
		"type":   "ISO 20022 balance type: OPBD, CLBD, CLAV, FWAV, PRCD, ITBD...",
		"amount": "Signed balance.",
		"date":   "Date of the balance.",
	},
}

var entryTotalsDoc = typeDoc{
	desc: "A bank's counts and sums of a statement's entries.",
	fields: map[string]string{
		"debit_count":   "Number of debit entries.",
		"debit_amount":  "Sum of the debits, positive.",
		"credit_count":  "Number of credit entries.",
		"credit_amount": "Sum of the credits.",
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
		"amount":             "Signed amount: negative is a debit.",
		"booking_date":       "Date the bank booked the entry.",
		"value_date":         "Date the entry takes effect for interest.",
		"bank_reference":     "The bank's reference of the entry.",
		"end_to_end_id":      "The payer's end-to-end reference (SEPA, ISO 20022).",
		"remittance_info":    "Free text from the payer, often naming the invoice.",
		"bank_code":          "The bank's transaction code (BTC, GVC, BAI type code).",
		"status":             "booked (also when absent), pending or info.",
		"reversal":           "True for an entry that reverses an earlier one (MT940 RD/RC, camt RvslInd).",
		"customer_reference": "The account owner's reference of the entry.",
		"creditor_reference": "Structured creditor reference (ISO 11649 RF, QR reference) naming the invoice paid.",
		"charges":            "Bank charges taken with the entry, positive.",
		"original_amount":    "The amount as instructed, before currency conversion.",
		"original_currency":  "Currency of original_amount.",
		"funds_code":         "MT940 funds code.",
		"additional_info":    "Further information from the bank on the entry.",
	},
}

var counterpartyDoc = typeDoc{desc: "The other side of a bank transaction."}
