package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/procurehub/procurehub/internal/store"
)

const mappingColumns = `partner, version, sha256, content, created_at`

// RecordMapping returns the version of partner's mapping with this content,
// adding it as the next version when it is new; see store.MappingStore.
func (s *Store) RecordMapping(ctx context.Context, partner string, content []byte) (store.MappingVersion, bool, error) {
	if partner == "" || len(content) == 0 {
		return store.MappingVersion{}, false, fmt.Errorf("sqlite: record mapping: %w: partner and content are required", store.ErrInvalid)
	}
	sum := store.MappingSHA256(content)
	var v *store.MappingVersion
	added := false
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		v, err = scanMapping(tx.QueryRowContext(ctx, `SELECT `+mappingColumns+` FROM mapping_versions
			WHERE partner = ? AND sha256 = ?`, partner, sum))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		added = true
		v, err = scanMapping(tx.QueryRowContext(ctx, `
			INSERT INTO mapping_versions (partner, version, sha256, content, created_at)
			SELECT ?1, COALESCE(max(version), 0) + 1, ?2, ?3, ?4 FROM mapping_versions WHERE partner = ?1
			RETURNING `+mappingColumns, partner, sum, content, now()))
		return err
	})
	if err != nil {
		return store.MappingVersion{}, false, fmt.Errorf("sqlite: record mapping of %s: %w", partner, translate(err))
	}
	return *v, added, nil
}

// GetMappingVersion returns one version of partner's mapping, or store.ErrNotFound.
func (s *Store) GetMappingVersion(ctx context.Context, partner string, version int) (*store.MappingVersion, error) {
	v, err := scanMapping(s.db.QueryRowContext(ctx, `SELECT `+mappingColumns+` FROM mapping_versions
		WHERE partner = ? AND version = ?`, partner, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: mapping version %d of %s: %w", version, partner, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: mapping version %d of %s: %w", version, partner, translate(err))
	}
	return v, nil
}

// MappingVersions lists partner's mapping versions, oldest first.
func (s *Store) MappingVersions(ctx context.Context, partner string) ([]store.MappingVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+mappingColumns+` FROM mapping_versions
		WHERE partner = ? ORDER BY version`, partner)
	if err != nil {
		return nil, fmt.Errorf("sqlite: mapping versions of %s: %w", partner, translate(err))
	}
	defer rows.Close()
	var vs []store.MappingVersion
	for rows.Next() {
		v, err := scanMapping(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: mapping versions of %s: %w", partner, err)
		}
		vs = append(vs, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: mapping versions of %s: %w", partner, translate(err))
	}
	return vs, nil
}

func scanMapping(row scanner) (*store.MappingVersion, error) {
	var v store.MappingVersion
	var created string
	if err := row.Scan(&v.Partner, &v.Version, &v.SHA256, &v.Content, &created); err != nil {
		return nil, err
	}
	var err error
	if v.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("mapping version %d of %s: %w", v.Version, v.Partner, err)
	}
	return &v, nil
}

// LedgerByID returns the ledger entry id, or store.ErrNotFound.
func (s *Store) LedgerByID(ctx context.Context, id int64) (*store.LedgerEntry, error) {
	e, err := scanLedger(s.db.QueryRowContext(ctx, `SELECT `+ledgerColumns+` FROM file_ledger WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: ledger entry %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: ledger entry %d: %w", id, translate(err))
	}
	return e, nil
}

// AddReplay records a replay of a ledger entry; see store.MappingStore.
func (s *Store) AddReplay(ctx context.Context, r store.Replay) (store.Replay, error) {
	if r.Status == "" {
		return store.Replay{}, fmt.Errorf("sqlite: add replay: %w: status is required", store.ErrInvalid)
	}
	var at string
	err := s.db.QueryRowContext(ctx, `
		INSERT INTO ledger_replays (ledger_id, mapping_version, status, records, rejects, by_user, at)
		SELECT id, ?, ?, ?, ?, ?, ? FROM file_ledger WHERE id = ?
		RETURNING id, at`, r.MappingVersion, r.Status, r.Records, r.Rejects, r.By, now(), r.LedgerID).Scan(&r.ID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Replay{}, fmt.Errorf("sqlite: add replay: ledger entry %d: %w", r.LedgerID, store.ErrNotFound)
	}
	if err != nil {
		return store.Replay{}, fmt.Errorf("sqlite: add replay of %d: %w", r.LedgerID, translate(err))
	}
	if r.At, err = parseTime(at); err != nil {
		return store.Replay{}, fmt.Errorf("sqlite: add replay of %d: %w", r.LedgerID, err)
	}
	return r, nil
}

// Replays lists the replays of a ledger entry, oldest first.
func (s *Store) Replays(ctx context.Context, ledgerID int64) ([]store.Replay, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, ledger_id, mapping_version, status, records, rejects, by_user, at
		FROM ledger_replays WHERE ledger_id = ? ORDER BY id`, ledgerID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: replays of %d: %w", ledgerID, translate(err))
	}
	defer rows.Close()
	var rs []store.Replay
	for rows.Next() {
		var r store.Replay
		var at string
		if err := rows.Scan(&r.ID, &r.LedgerID, &r.MappingVersion, &r.Status, &r.Records, &r.Rejects, &r.By, &at); err != nil {
			return nil, fmt.Errorf("sqlite: replays of %d: %w", ledgerID, err)
		}
		if r.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("sqlite: replays of %d: %w", ledgerID, err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: replays of %d: %w", ledgerID, translate(err))
	}
	return rs, nil
}
