package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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
// The stored rates of the batch's dates are read in one range scan; then
// each new or changed rate is one execution of a prepared INSERT or UPDATE.
// Concurrent calls take turns on the write lock.
func (s *Store) UpsertFXRates(ctx context.Context, source string, rates []fxrates.Rate) (inserted, updated int, err error) {
	keep, err := fxbatch.Prepare(rates)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: upsert fx rates: %w", err)
	}
	if len(keep) == 0 {
		return 0, 0, nil
	}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		// The stored rates of the batch's dates, read in one range scan
		// under the write lock, say which rate is new, changed or the same:
		// loading a file again writes nothing and costs that one scan.
		stored, err := storedFXRates(ctx, tx, keep[0].Date, keep[len(keep)-1].Date)
		if err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO fx_rates (rate_date, currency, per_eur, source, updated_at)
			VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer ins.Close()
		upd, err := tx.PrepareContext(ctx, `UPDATE fx_rates SET per_eur = ?3, source = ?4, updated_at = ?5
			WHERE rate_date = ?1 AND currency = ?2`)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer upd.Close()
		at := now()
		for i := range keep {
			r := &keep[i]
			day, per := r.Date.String(), r.PerEUR.String()
			old, ok := stored[fxKey{day, string(r.Currency)}]
			switch {
			case !ok:
				if _, err := ins.ExecContext(ctx, day, string(r.Currency), per, source, at); err != nil {
					return fmt.Errorf("insert %s rate of %s: %w", r.Currency, r.Date, err)
				}
				inserted++
			case old != per:
				if _, err := upd.ExecContext(ctx, day, string(r.Currency), per, source, at); err != nil {
					return fmt.Errorf("update %s rate of %s: %w", r.Currency, r.Date, err)
				}
				updated++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: upsert fx rates: %w", translate(err))
	}
	return inserted, updated, nil
}

// fxKey is the key of a stored rate, as stored.
type fxKey struct{ date, currency string }

// storedFXRates returns the digits of the rates stored from from to to.
func storedFXRates(ctx context.Context, tx *sql.Tx, from, to canonical.Date) (map[fxKey]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT rate_date, currency, per_eur FROM fx_rates
		WHERE rate_date >= ? AND rate_date <= ?`, from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("read stored rates: %w", err)
	}
	defer rows.Close()
	stored := make(map[fxKey]string)
	for rows.Next() {
		var k fxKey
		var per string
		if err := rows.Scan(&k.date, &k.currency, &per); err != nil {
			return nil, fmt.Errorf("read stored rates: %w", err)
		}
		stored[k] = per
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stored rates: %w", err)
	}
	return stored, nil
}

// FXRates returns the rates stored for date, one per currency, sorted by
// currency; an empty slice when there are none (a weekend, a holiday, a
// date not loaded). A date that is not a calendar date is store.ErrInvalid.
func (s *Store) FXRates(ctx context.Context, date canonical.Date) ([]fxrates.Rate, error) {
	if !date.Valid() {
		return nil, fmt.Errorf("sqlite: fx rates: %w: %q is not a calendar date", store.ErrInvalid, date.String())
	}
	out := []fxrates.Rate{}
	err := s.scanFXRates(ctx, `SELECT rate_date, currency, per_eur FROM fx_rates
		WHERE rate_date = ? ORDER BY currency`, []any{date.String()},
		func(r fxrates.Rate) error { out = append(out, r); return nil })
	if err != nil {
		return nil, fmt.Errorf("sqlite: fx rates of %s: %w", date, err)
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
	}{{"rate_date >= ?", from}, {"rate_date <= ?", to}} {
		if b.d.IsZero() {
			continue
		}
		if !b.d.Valid() {
			return nil, fmt.Errorf("sqlite: load fx table: %w: %q is not a calendar date", store.ErrInvalid, b.d.String())
		}
		args = append(args, b.d.String())
		where = append(where, b.cond)
	}
	q := `SELECT rate_date, currency, per_eur FROM fx_rates`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	t := fxrates.NewTable()
	if err := s.scanFXRates(ctx, q, args, t.Add); err != nil {
		return nil, fmt.Errorf("sqlite: load fx table: %w", err)
	}
	return t, nil
}

// scanFXRates runs q and hands each row, as a Rate, to fn.
func (s *Store) scanFXRates(ctx context.Context, q string, args []any, fn func(fxrates.Rate) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	var day, cur, per string
	for rows.Next() {
		if err := rows.Scan(&day, &cur, &per); err != nil {
			return translate(err)
		}
		d, err := canonical.ParseDate(day)
		if err != nil {
			return fmt.Errorf("stored %s rate: date: %w", cur, err)
		}
		v, err := canonical.ParseDecimal(per)
		if err != nil {
			return fmt.Errorf("stored %s rate of %s: %w", cur, day, err)
		}
		if err := fn(fxrates.Rate{Date: d, Currency: canonical.Currency(cur), PerEUR: v}); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
