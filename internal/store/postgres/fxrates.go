package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/fxrates"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/fxbatch"
)

// UpsertFXRates writes ECB reference rates read from source (the file's
// URL or name) in one transaction, and reports how many rates were new and
// how many replaced a stored rate of the same date and currency.
//
// A rate is keyed by (date, currency). A rate whose digits equal the stored
// ones is left alone, whatever its source, so loading the same file again,
// or the daily file after the history, writes nothing. A rate with other
// digits (a correction, or the same value published with another scale)
// replaces the stored one, with source and updated_at. Within rates, the
// last rate of a key wins.
//
// The rates are checked first, as fxrates.Table.Add checks them: a calendar
// date, an ISO 4217 currency, a positive rate (of at most 64 digits before
// and after the point); a EUR rate must be 1 and is not stored. A refused
// rate is an error wrapping store.ErrInvalid that names its index, and
// nothing is written.
//
// The rates are copied into a temporary table and merged with one INSERT
// ... ON CONFLICT, so a 25-year history (about 200,000 rates) takes
// seconds. Safe for concurrent use: the merge locks keys in (date,
// currency) order, and a lost deadlock is retried.
func (s *Store) UpsertFXRates(ctx context.Context, source string, rates []fxrates.Rate) (inserted, updated int, err error) {
	keep, err := fxbatch.Prepare(rates)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: upsert fx rates: %w", err)
	}
	if len(keep) == 0 {
		return 0, 0, nil
	}
	for attempt := 1; ; attempt++ {
		inserted, updated, err = s.writeFXRates(ctx, source, keep)
		if err == nil {
			return inserted, updated, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return 0, 0, fmt.Errorf("postgres: upsert fx rates: %w", err)
		}
	}
}

// mergeFXRates merges the copied rates into fx_rates. xmax is 0 on a row
// the statement inserted, and the id of the updating transaction on a row
// it updated; a row left alone is not returned.
const mergeFXRates = `
WITH merged AS (
    INSERT INTO fx_rates AS f (rate_date, currency, per_eur, source)
    SELECT rate_date, currency, per_eur, $1 FROM fx_rates_load ORDER BY rate_date, currency
    ON CONFLICT (rate_date, currency) DO UPDATE SET
        per_eur    = EXCLUDED.per_eur,
        source     = EXCLUDED.source,
        updated_at = now()
    WHERE f.per_eur <> EXCLUDED.per_eur OR scale(f.per_eur) <> scale(EXCLUDED.per_eur)
    RETURNING xmax = 0 AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged`

// writeFXRates runs one attempt of the write transaction.
func (s *Store) writeFXRates(ctx context.Context, source string, rates []fxrates.Rate) (inserted, updated int, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)

	const load = `CREATE TEMP TABLE fx_rates_load (
		rate_date date    NOT NULL,
		currency  text    NOT NULL,
		per_eur   numeric NOT NULL) ON COMMIT DROP`
	if _, err := tx.Exec(ctx, load); err != nil {
		return 0, 0, fmt.Errorf("create load table: %w", err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"fx_rates_load"}, []string{"rate_date", "currency", "per_eur"},
		pgx.CopyFromSlice(len(rates), func(i int) ([]any, error) {
			r := &rates[i]
			return []any{pgtype.Date{Time: r.Date.Time(), Valid: true}, string(r.Currency), numeric(r.PerEUR)}, nil
		}))
	if err != nil {
		return 0, 0, fmt.Errorf("copy rates: %w", err)
	}
	var ins, upd int64
	if err := tx.QueryRow(ctx, mergeFXRates, source).Scan(&ins, &upd); err != nil {
		return 0, 0, fmt.Errorf("merge rates: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	return int(ins), int(upd), nil
}

// FXRates returns the rates stored for date, one per currency, sorted by
// currency; an empty slice when there are none (a weekend, a holiday, a
// date not loaded). A date that is not a calendar date is store.ErrInvalid.
func (s *Store) FXRates(ctx context.Context, date canonical.Date) ([]fxrates.Rate, error) {
	if !date.Valid() {
		return nil, fmt.Errorf("postgres: fx rates: %w: %q is not a calendar date", store.ErrInvalid, date.String())
	}
	out := []fxrates.Rate{}
	err := s.scanFXRates(ctx, `SELECT rate_date, currency, per_eur::text FROM fx_rates
		WHERE rate_date = $1 ORDER BY currency`, []any{pgtype.Date{Time: date.Time(), Valid: true}},
		func(r fxrates.Rate) error { out = append(out, r); return nil })
	if err != nil {
		return nil, fmt.Errorf("postgres: fx rates of %s: %w", date, err)
	}
	return out, nil
}

// LoadFXTable returns a Table holding the rates stored from from to to,
// both included; the zero date leaves that side open. A range without
// rates gives an empty Table.
func (s *Store) LoadFXTable(ctx context.Context, from, to canonical.Date) (*fxrates.Table, error) {
	var (
		where []string
		args  []any
	)
	for _, b := range []struct {
		cond string
		d    canonical.Date
	}{{"rate_date >= $%d", from}, {"rate_date <= $%d", to}} {
		if b.d.IsZero() {
			continue
		}
		if !b.d.Valid() {
			return nil, fmt.Errorf("postgres: load fx table: %w: %q is not a calendar date", store.ErrInvalid, b.d.String())
		}
		args = append(args, pgtype.Date{Time: b.d.Time(), Valid: true})
		where = append(where, fmt.Sprintf(b.cond, len(args)))
	}
	q := `SELECT rate_date, currency, per_eur::text FROM fx_rates`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	t := fxrates.NewTable()
	if err := s.scanFXRates(ctx, q, args, t.Add); err != nil {
		return nil, fmt.Errorf("postgres: load fx table: %w", err)
	}
	return t, nil
}

// scanFXRates runs q and hands each row, as a Rate, to fn.
func (s *Store) scanFXRates(ctx context.Context, q string, args []any, fn func(fxrates.Rate) error) error {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	var (
		day      pgtype.Date
		cur, per string
	)
	for rows.Next() {
		if err := rows.Scan(&day, &cur, &per); err != nil {
			return err
		}
		v, err := canonical.ParseDecimal(per)
		if err != nil {
			return fmt.Errorf("stored %s rate of %s: %w", cur, day.Time.Format("2006-01-02"), err)
		}
		if err := fn(fxrates.Rate{Date: canonical.DateOf(day.Time), Currency: canonical.Currency(cur), PerEUR: v}); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
