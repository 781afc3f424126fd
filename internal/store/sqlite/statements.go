package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
// equals the stored one is not written (ChangeUnchanged). A new key is
// inserted with version 1; a changed statement gets version+1, its new
// document, and its entries replaced. When a key appears several times in
// the batch, the last one wins and the earlier ones report ChangeUnchanged.
//
// Every statement is validated first (canonical.BankStatement.Validate and
// store.CheckStatement); a refused one is reported as a
// *store.InvalidStatementError and nothing of the batch is written. A
// statement whose balance_check is mismatch is valid, and stored as it is.
// Concurrent calls take turns on the write lock.
func (s *Store) UpsertStatements(ctx context.Context, partner string, statements []*canonical.BankStatement) ([]store.Change, error) {
	changes := make([]store.Change, len(statements))
	if len(statements) == 0 {
		return changes, nil
	}
	items, err := statementbatch.Prepare(statements)
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert statements: %w", err)
	}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		w, err := newStatementWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		for i := range items {
			c, err := w.write(ctx, partner, &items[i])
			if err != nil {
				return err
			}
			changes[items[i].Index] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert statements: %w", translate(err))
	}
	return changes, nil
}

// statementWriter holds the statements of one UpsertStatements transaction.
type statementWriter struct {
	now                                          string
	lookup, insert, update, deleteEntries, entry *sql.Stmt
}

func newStatementWriter(ctx context.Context, tx *sql.Tx) (*statementWriter, error) {
	w := &statementWriter{now: now()}
	stmts := []struct {
		dst **sql.Stmt
		sql string
	}{
		{&w.lookup, `SELECT id, content_hash FROM bank_statements
			WHERE account_key = ? AND statement_id = ? AND sequence_number = ?`},
		{&w.insert, `INSERT INTO bank_statements (partner, account_key, statement_id, sequence_number,
			statement_type, currency, opening_balance, closing_balance, opening_date, closing_date,
			balance_check, balance_difference, entry_count, content_hash, version, document, lineage,
			created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id`},
		{&w.update, `UPDATE bank_statements SET partner = ?, statement_type = ?, currency = ?,
			opening_balance = ?, closing_balance = ?, opening_date = ?, closing_date = ?,
			balance_check = ?, balance_difference = ?, entry_count = ?, content_hash = ?,
			document = ?, lineage = ?, version = version + 1, updated_at = ?
			WHERE id = ?`},
		{&w.deleteEntries, `DELETE FROM bank_entries WHERE statement = ?`},
		{&w.entry, `INSERT INTO bank_entries (statement, entry_index, account_key, amount, currency,
			booking_date, value_date, bank_reference, end_to_end_id, remittance_info,
			creditor_reference, counterparty_name, counterparty_iban, reversal, status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	}
	for _, st := range stmts {
		p, err := tx.PrepareContext(ctx, st.sql)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*st.dst = p
	}
	return w, nil
}

func (w *statementWriter) close() {
	for _, st := range []*sql.Stmt{w.lookup, w.insert, w.update, w.deleteEntries, w.entry} {
		if st != nil {
			_ = st.Close() // closing a prepared statement frees memory only
		}
	}
}

// write stores one item unless its content hash is already the stored one.
func (w *statementWriter) write(ctx context.Context, partner string, it *statementbatch.Item) (store.Change, error) {
	var (
		id   int64
		hash string
	)
	k := it.Key
	err := w.lookup.QueryRowContext(ctx, k.AccountKey, k.StatementID, k.SequenceNumber).Scan(&id, &hash)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("look up statement %q: %w", k.StatementID, err)
	}
	if exists && hash == it.Hash {
		return store.ChangeUnchanged, nil
	}
	var lineage any // NULL without a source
	if it.Lineage != nil {
		lineage = string(it.Lineage)
	}
	st := it.Statement
	change := store.ChangeInserted
	if exists {
		change = store.ChangeUpdated
		_, err = w.update.ExecContext(ctx, partner, string(st.StatementType), string(statementCurrency(st)),
			decimalText(st.OpeningBalance), decimalText(st.ClosingBalance), dateText(st.OpeningDate),
			dateText(st.ClosingDate), string(st.BalanceCheck), decimalText(st.BalanceDifference),
			len(st.Entries), it.Hash, string(it.Content), lineage, w.now, id)
		if err == nil {
			_, err = w.deleteEntries.ExecContext(ctx, id)
		}
	} else {
		err = w.insert.QueryRowContext(ctx, partner, k.AccountKey, k.StatementID, k.SequenceNumber,
			string(st.StatementType), string(statementCurrency(st)),
			decimalText(st.OpeningBalance), decimalText(st.ClosingBalance), dateText(st.OpeningDate),
			dateText(st.ClosingDate), string(st.BalanceCheck), decimalText(st.BalanceDifference),
			len(st.Entries), it.Hash, string(it.Content), lineage, w.now, w.now).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("write statement %q: %w", k.StatementID, err)
	}
	for i := range st.Entries {
		e := &st.Entries[i]
		var name, iban any
		if c := e.Counterparty; c != nil {
			name, iban = text(c.Name), text(c.IBAN)
		}
		status := e.Status
		if status == "" {
			status = canonical.EntryBooked
		}
		reversal := 0
		if e.Reversal {
			reversal = 1
		}
		_, err := w.entry.ExecContext(ctx, id, i+1, k.AccountKey, e.Amount.String(), string(e.Currency),
			dateText(e.BookingDate), dateText(e.ValueDate), text(e.BankReference), text(e.EndToEndID),
			text(e.RemittanceInfo), text(e.CreditorReference), name, iban, reversal, string(status))
		if err != nil {
			return 0, fmt.Errorf("write entry %d of statement %q: %w", i+1, k.StatementID, err)
		}
	}
	return change, nil
}

// statementCurrency is the account's currency, or the first entry's when
// the account names none.
func statementCurrency(st *canonical.BankStatement) canonical.Currency {
	if st.Account.Currency == "" && len(st.Entries) > 0 {
		return st.Entries[0].Currency
	}
	return st.Account.Currency
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
	row := s.db.QueryRowContext(ctx, `SELECT `+statementColumns+` FROM bank_statements s
		WHERE s.account_key = ? AND s.statement_id = ? AND s.sequence_number = ?`,
		accountKey, statementID, sequenceNumber)
	st, err := scanStatement(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: statement %q (sequence %q) of account %s: %w",
			statementID, sequenceNumber, canonical.MaskAccount(accountKey), store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get statement %q: %w", statementID, translate(err))
	}
	return st, nil
}

// ListStatements returns one page of the statements that match f, newest
// first (by creation), and the cursor of the next page ("" after the last
// page). Pages are keyset-paginated like ListOrders.
func (s *Store) ListStatements(ctx context.Context, f store.StatementFilter) ([]store.StoredStatement, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list statements: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.AccountKey != "" {
		add("s.account_key = ?", f.AccountKey)
	}
	// Dates are YYYY-MM-DD text: text order is date order.
	if !f.From.IsZero() {
		add("s.closing_date >= ?", f.From.String())
	}
	if !f.To.IsZero() {
		add("s.closing_date <= ?", f.To.String())
	}
	if f.BalanceCheck != "" {
		add("s.balance_check = ?", f.BalanceCheck)
	}
	if after > 0 {
		add("s.id < ?", after)
	}
	q := `SELECT ` + statementColumns + ` FROM bank_statements s`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY s.id DESC LIMIT ?`
	args = append(args, limit+1)

	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list statements: %w", translate(err))
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
			return nil, "", fmt.Errorf("sqlite: list statements: %w", err)
		}
		out = append(out, *st)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list statements: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(out[len(out)-1].ID)
	}
	return out, next, nil
}

// scanStatement reads one row of statementColumns.
func scanStatement(row scanner) (*store.StoredStatement, error) {
	var (
		st               store.StoredStatement
		doc              string
		lineage          sql.NullString
		created, updated string
		entryRows        int
	)
	if err := row.Scan(&st.ID, &st.Partner, &doc, &lineage, &st.ContentHash, &st.Version,
		&created, &updated, &entryRows); err != nil {
		return nil, err
	}
	var bs canonical.BankStatement
	if err := json.Unmarshal([]byte(doc), &bs); err != nil {
		return nil, fmt.Errorf("statement %d: stored document does not decode: %w", st.ID, err)
	}
	if lineage.Valid {
		bs.Source = new(canonical.Source)
		if err := json.Unmarshal([]byte(lineage.String), bs.Source); err != nil {
			return nil, fmt.Errorf("statement %d: stored lineage does not decode: %w", st.ID, err)
		}
	}
	if entryRows != len(bs.Entries) {
		return nil, fmt.Errorf("statement %d: %d stored entry rows for %d entries in the document", st.ID, entryRows, len(bs.Entries))
	}
	st.Statement = &bs
	var err error
	if st.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("statement %d: %w", st.ID, err)
	}
	if st.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, fmt.Errorf("statement %d: %w", st.ID, err)
	}
	return &st, nil
}
