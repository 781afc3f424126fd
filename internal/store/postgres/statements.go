package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
	"github.com/procurehub/procurehub/internal/store/internal/statementbatch"
)

// UpsertStatements writes a batch of bank statements received from partner
// in one transaction and reports, for each statement of the batch, what
// happened to it (see store.Change).
//
// Statements are keyed by (account key, statement id, sequence number); see
// store.KeyOf. A statement whose content hash (store.StatementContentHash)
// equals the stored one is not written (ChangeUnchanged), so a statement
// delivered again, or read again from another file, costs a read and
// nothing else. A new key is inserted with version 1; a changed statement
// gets version+1, its new document, and its entries replaced. When a key
// appears several times in the batch, the last one wins and the earlier
// ones report ChangeUnchanged.
//
// Every statement is validated first (canonical.BankStatement.Validate and
// store.CheckStatement); a refused one is reported as a
// *store.InvalidStatementError and nothing of the batch is written. A
// statement whose balance_check is mismatch is valid, and stored as it is.
// Safe for concurrent use: exactly one of several callers writing the same
// statement reports its insert or update.
func (s *Store) UpsertStatements(ctx context.Context, partner string, statements []*canonical.BankStatement) ([]store.Change, error) {
	changes := make([]store.Change, len(statements))
	if len(statements) == 0 {
		return changes, nil
	}
	items, err := statementbatch.Prepare(statements)
	if err != nil {
		return nil, fmt.Errorf("postgres: upsert statements: %w", err)
	}
	// Write in key order, so that concurrent batches lock shared keys in
	// the same order and do not deadlock.
	sort.Slice(items, func(a, b int) bool { return keyLess(items[a].Key, items[b].Key) })
	for attempt := 1; ; attempt++ {
		written, err := s.writeStatements(ctx, partner, items)
		if err == nil {
			for _, w := range written {
				changes[w.index] = w.change
			}
			return changes, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: upsert statements: %w", err)
		}
	}
}

func keyLess(a, b store.StatementKey) bool {
	if a.AccountKey != b.AccountKey {
		return a.AccountKey < b.AccountKey
	}
	if a.StatementID != b.StatementID {
		return a.StatementID < b.StatementID
	}
	return a.SequenceNumber < b.SequenceNumber
}

// upsertStatement inserts a statement, or updates it when its content hash
// changed. No row comes back when it is unchanged; version 1 means inserted.
const upsertStatement = `
INSERT INTO bank_statements AS s (partner, account_key, statement_id, sequence_number,
    statement_type, currency, opening_balance, closing_balance, opening_date, closing_date,
    balance_check, balance_difference, entry_count, content_hash, document, lineage)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (account_key, statement_id, sequence_number) DO UPDATE SET
    partner            = EXCLUDED.partner,
    statement_type     = EXCLUDED.statement_type,
    currency           = EXCLUDED.currency,
    opening_balance    = EXCLUDED.opening_balance,
    closing_balance    = EXCLUDED.closing_balance,
    opening_date       = EXCLUDED.opening_date,
    closing_date       = EXCLUDED.closing_date,
    balance_check      = EXCLUDED.balance_check,
    balance_difference = EXCLUDED.balance_difference,
    entry_count        = EXCLUDED.entry_count,
    content_hash       = EXCLUDED.content_hash,
    document           = EXCLUDED.document,
    lineage            = EXCLUDED.lineage,
    version            = s.version + 1,
    updated_at         = now()
WHERE s.content_hash <> EXCLUDED.content_hash
RETURNING id, version`

var entryColumns = []string{
	"statement", "entry_index", "account_key", "amount", "currency", "booking_date", "value_date",
	"bank_reference", "end_to_end_id", "remittance_info", "creditor_reference",
	"counterparty_name", "counterparty_iban", "reversal", "status",
}

// writeStatements runs one attempt of the write transaction.
func (s *Store) writeStatements(ctx context.Context, partner string, items []statementbatch.Item) ([]written, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)

	var (
		out     []written
		entries [][]any
	)
	for i := range items {
		it := &items[i]
		st := it.Statement
		var lineage any // NULL without a source
		if it.Lineage != nil {
			lineage = string(it.Lineage)
		}
		var (
			id      int64
			version int
		)
		err := tx.QueryRow(ctx, upsertStatement,
			partner, it.Key.AccountKey, it.Key.StatementID, it.Key.SequenceNumber,
			string(st.StatementType), string(statementCurrency(st)),
			numericOrNull(st.OpeningBalance), numericOrNull(st.ClosingBalance),
			date(st.OpeningDate), date(st.ClosingDate), string(st.BalanceCheck),
			numericOrNull(st.BalanceDifference), len(st.Entries), it.Hash, string(it.Content), lineage,
		).Scan(&id, &version)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // same content: unchanged
		}
		if err != nil {
			return nil, fmt.Errorf("write statement %q: %w", it.Key.StatementID, err)
		}
		w := written{index: it.Index, change: store.ChangeInserted}
		if version > 1 {
			w.change = store.ChangeUpdated
			if _, err := tx.Exec(ctx, `DELETE FROM bank_entries WHERE statement = $1`, id); err != nil {
				return nil, fmt.Errorf("delete replaced entries of statement %q: %w", it.Key.StatementID, err)
			}
		}
		out = append(out, w)
		for j := range st.Entries {
			entries = append(entries, entryRow(id, j+1, it.Key.AccountKey, &st.Entries[j]))
		}
	}
	if len(entries) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"bank_entries"}, entryColumns, pgx.CopyFromRows(entries)); err != nil {
			return nil, fmt.Errorf("copy bank entries: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return out, nil
}

// statementCurrency is the account's currency, or the first entry's when
// the account names none.
func statementCurrency(st *canonical.BankStatement) canonical.Currency {
	if st.Account.Currency == "" && len(st.Entries) > 0 {
		return st.Entries[0].Currency
	}
	return st.Account.Currency
}

// entryRow is the bank_entries row of an entry.
func entryRow(statement int64, index int, accountKey string, e *canonical.BankTransaction) []any {
	var name, iban any
	if c := e.Counterparty; c != nil {
		name, iban = text(c.Name), text(c.IBAN)
	}
	status := e.Status
	if status == "" {
		status = canonical.EntryBooked
	}
	return []any{
		statement, int32(index), accountKey, numeric(e.Amount), string(e.Currency),
		date(e.BookingDate), date(e.ValueDate), text(e.BankReference), text(e.EndToEndID),
		text(e.RemittanceInfo), text(e.CreditorReference), name, iban, e.Reversal, string(status),
	}
}

// numericOrNull is NULL for a nil decimal.
func numericOrNull(d *canonical.Decimal) any {
	if d == nil {
		return nil
	}
	return numeric(*d)
}

// statementColumns are read by scanStatement. The count of entry rows is
// checked against the document: a statement whose entries were not all
// replaced would be a store defect, not something to hand out.
const statementColumns = `s.id, s.partner, s.document, s.lineage, s.content_hash, s.version,
	s.created_at, s.updated_at, (SELECT count(*) FROM bank_entries e WHERE e.statement = s.id)`

// GetStatement returns the statement (accountKey, statementID,
// sequenceNumber); sequenceNumber is "" for a statement without one. A
// missing statement is store.ErrNotFound.
func (s *Store) GetStatement(ctx context.Context, accountKey, statementID, sequenceNumber string) (*store.StoredStatement, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+statementColumns+` FROM bank_statements s
		WHERE s.account_key = $1 AND s.statement_id = $2 AND s.sequence_number = $3`,
		accountKey, statementID, sequenceNumber)
	st, err := scanStatement(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: statement %q (sequence %q) of account %s: %w",
			statementID, sequenceNumber, canonical.MaskAccount(accountKey), store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get statement %q: %w", statementID, translate(err))
	}
	return st, nil
}

// ListStatements returns one page of the statements that match f, newest
// first (by creation), and the cursor of the next page ("" after the last
// page). Pages are keyset-paginated like ListOrders.
func (s *Store) ListStatements(ctx context.Context, f store.StatementFilter) ([]store.StoredStatement, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list statements: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.AccountKey != "" {
		add("s.account_key = $%d", f.AccountKey)
	}
	if !f.From.IsZero() {
		add("s.closing_date >= $%d", date(f.From))
	}
	if !f.To.IsZero() {
		add("s.closing_date <= $%d", date(f.To))
	}
	if f.BalanceCheck != "" {
		add("s.balance_check = $%d", f.BalanceCheck)
	}
	if after > 0 {
		add("s.id < $%d", after)
	}
	q := `SELECT ` + statementColumns + ` FROM bank_statements s`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY s.id DESC LIMIT ` + strconv.Itoa(limit+1)

	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list statements: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.StoredStatement
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		st, err := scanStatement(rows)
		if err != nil {
			return nil, "", fmt.Errorf("postgres: list statements: %w", err)
		}
		out = append(out, *st)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: list statements: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(out[len(out)-1].ID)
	}
	return out, next, nil
}

// scanStatement reads one row of statementColumns.
func scanStatement(row pgx.Row) (*store.StoredStatement, error) {
	var (
		st           store.StoredStatement
		doc, lineage []byte
		entryRows    int
	)
	if err := row.Scan(&st.ID, &st.Partner, &doc, &lineage, &st.ContentHash, &st.Version,
		&st.CreatedAt, &st.UpdatedAt, &entryRows); err != nil {
		return nil, err
	}
	var err error
	if st.Statement, err = decodeStatement(doc, lineage, entryRows); err != nil {
		return nil, fmt.Errorf("statement %d: %w", st.ID, err)
	}
	return &st, nil
}

// decodeStatement rebuilds a statement from its document and lineage, and
// checks that the entries table holds one row per entry of the document.
func decodeStatement(doc, lineage []byte, entryRows int) (*canonical.BankStatement, error) {
	var bs canonical.BankStatement
	if err := json.Unmarshal(doc, &bs); err != nil {
		return nil, fmt.Errorf("stored document does not decode: %w", err)
	}
	if len(lineage) > 0 {
		bs.Source = new(canonical.Source)
		if err := json.Unmarshal(lineage, bs.Source); err != nil {
			return nil, fmt.Errorf("stored lineage does not decode: %w", err)
		}
	}
	if entryRows != len(bs.Entries) {
		return nil, fmt.Errorf("%d stored entry rows for %d entries in the document", entryRows, len(bs.Entries))
	}
	return &bs, nil
}
