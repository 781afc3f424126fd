package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// StatementWriter stores bank statements idempotently.
type StatementWriter interface {
	UpsertStatements(ctx context.Context, partner string, statements []*canonical.BankStatement) ([]store.Change, error)
}

// HandlerStoreStatements is the handler of procurehub.bank-statements.v1.
const HandlerStoreStatements = "store_statements"

// StatementSink stores the statements of procurehub.bank-statements.v1 and
// raises a balance_mismatch alert on procurehub.alerts.v1 for a statement
// whose balances do not add up — once, when it is first stored or changes,
// not when a replay finds it unchanged.
type StatementSink struct {
	W       StatementWriter
	Metrics *Metrics
	Logger  *slog.Logger
	Now     func() time.Time // time.Now by default
}

// Handle is the Watermill handler.
func (s *StatementSink) Handle(msg *message.Message) ([]*message.Message, error) {
	var st canonical.BankStatement
	if err := json.Unmarshal(msg.Payload, &st); err != nil {
		return nil, Permanent(fmt.Errorf("decode bank statement: %w", err))
	}
	partner := msg.Metadata.Get(MetaPartner)
	changes, err := s.W.UpsertStatements(msg.Context(), partner, []*canonical.BankStatement{&st})
	if err != nil {
		err = fmt.Errorf("store bank statement %s: %w", st.StatementID, err)
		if errors.Is(err, store.ErrInvalid) {
			return nil, Permanent(err) // no retry can fix it: to the poison topic
		}
		return nil, err
	}
	change := changes[0]
	if s.Metrics != nil {
		s.Metrics.StatementWrites.WithLabelValues(change.String()).Inc()
	}
	if st.BalanceCheck != canonical.BalanceMismatch || change == store.ChangeUnchanged {
		return nil, nil
	}
	alert := s.mismatchAlert(partner, &st)
	logger := s.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn("bank statement balances do not add up", "partner", partner, "statement", st.StatementID,
		"account", st.Account, "difference", alert.Data["difference"])
	out, err := alert.ToMessage()
	if err != nil {
		return nil, err
	}
	return []*message.Message{out}, nil
}

func (s *StatementSink) mismatchAlert(partner string, st *canonical.BankStatement) Alert {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	diff := ""
	if st.BalanceDifference != nil {
		diff = st.BalanceDifference.String()
	}
	account := canonical.MaskIBAN(st.Account.IBAN)
	if st.Account.IBAN == "" {
		account = canonical.MaskAccount(st.Account.Number)
	}
	return Alert{
		// One id per statement content: the same mismatch alerts once.
		ID:         uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "balance_mismatch/%s/%s/%s/%s", partner, st.Account.AccountKey(), st.StatementID, st.SequenceNumber)).String(),
		Kind:       AlertBalanceMismatch,
		Action:     "Ask the bank for the missing entries or a corrected statement before reconciling this account.",
		Severity:   SeverityWarning,
		Partner:    partner,
		Subject:    fmt.Sprintf("statement %s of account %s", st.StatementID, account),
		Message:    fmt.Sprintf("opening balance plus entries differs from the closing balance by %s %s", diff, st.Account.Currency),
		OccurredAt: now().UTC(),
		Data: map[string]string{
			"statement_id": st.StatementID, "sequence_number": st.SequenceNumber, "account": account,
			"currency": string(st.Account.Currency), "difference": diff,
		},
	}
}
