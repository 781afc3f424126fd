package canonical

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
