package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/internal/store"
)

// RecordMapping returns the version of partner's mapping with this content,
// adding it as the next version when it is new; see store.MappingStore.
// Instances starting together with one new mapping agree on one version:
// an advisory lock per partner serializes the numbering.
func (s *Store) RecordMapping(ctx context.Context, partner string, content []byte) (store.MappingVersion, bool, error) {
	if partner == "" || len(content) == 0 {
		return store.MappingVersion{}, false, fmt.Errorf("postgres: record mapping: %w: partner and content are required", store.ErrInvalid)
	}
	sum := store.MappingSHA256(content)
	var v store.MappingVersion
	added := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('procurehub.mapping.' || $1, 0))`, partner); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT partner, version, sha256, content, created_at FROM mapping_versions
			WHERE partner = $1 AND sha256 = $2`, partner, sum).
			Scan(&v.Partner, &v.Version, &v.SHA256, &v.Content, &v.CreatedAt)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		added = true
		return tx.QueryRow(ctx, `
			INSERT INTO mapping_versions (partner, version, sha256, content)
			SELECT $1, COALESCE(max(version), 0) + 1, $2, $3 FROM mapping_versions WHERE partner = $1
			RETURNING partner, version, sha256, content, created_at`, partner, sum, content).
			Scan(&v.Partner, &v.Version, &v.SHA256, &v.Content, &v.CreatedAt)
	})
	if err != nil {
		return store.MappingVersion{}, false, fmt.Errorf("postgres: record mapping of %s: %w", partner, translate(err))
	}
	return v, added, nil
}

// GetMappingVersion returns one version of partner's mapping, or store.ErrNotFound.
func (s *Store) GetMappingVersion(ctx context.Context, partner string, version int) (*store.MappingVersion, error) {
	var v store.MappingVersion
	err := s.pool.QueryRow(ctx, `SELECT partner, version, sha256, content, created_at FROM mapping_versions
		WHERE partner = $1 AND version = $2`, partner, version).
		Scan(&v.Partner, &v.Version, &v.SHA256, &v.Content, &v.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: mapping version %d of %s: %w", version, partner, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: mapping version %d of %s: %w", version, partner, translate(err))
	}
	return &v, nil
}

// MappingVersions lists partner's mapping versions, oldest first.
func (s *Store) MappingVersions(ctx context.Context, partner string) ([]store.MappingVersion, error) {
	rows, err := s.pool.Query(ctx, `SELECT partner, version, sha256, content, created_at FROM mapping_versions
		WHERE partner = $1 ORDER BY version`, partner)
	if err != nil {
		return nil, fmt.Errorf("postgres: mapping versions of %s: %w", partner, translate(err))
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.MappingVersion, error) {
		var v store.MappingVersion
		err := r.Scan(&v.Partner, &v.Version, &v.SHA256, &v.Content, &v.CreatedAt)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: mapping versions of %s: %w", partner, translate(err))
	}
	return vs, nil
}

// LedgerByID returns the ledger entry id, or store.ErrNotFound.
func (s *Store) LedgerByID(ctx context.Context, id int64) (*store.LedgerEntry, error) {
	e, err := scanLedger(s.pool.QueryRow(ctx, `SELECT `+ledgerColumns+` FROM file_ledger WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: ledger entry %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: ledger entry %d: %w", id, translate(err))
	}
	return e, nil
}

// AddReplay records a replay of a ledger entry; see store.MappingStore.
func (s *Store) AddReplay(ctx context.Context, r store.Replay) (store.Replay, error) {
	if r.Status == "" {
		return store.Replay{}, fmt.Errorf("postgres: add replay: %w: status is required", store.ErrInvalid)
	}
	err := s.pool.QueryRow(ctx, `
		INSERT INTO ledger_replays (ledger_id, mapping_version, status, records, rejects, by_user)
		SELECT id, $2, $3, $4, $5, $6 FROM file_ledger WHERE id = $1
		RETURNING id, at`, r.LedgerID, r.MappingVersion, r.Status, r.Records, r.Rejects, r.By).Scan(&r.ID, &r.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Replay{}, fmt.Errorf("postgres: add replay: ledger entry %d: %w", r.LedgerID, store.ErrNotFound)
	}
	if err != nil {
		return store.Replay{}, fmt.Errorf("postgres: add replay of %d: %w", r.LedgerID, translate(err))
	}
	return r, nil
}

// Replays lists the replays of a ledger entry, oldest first.
func (s *Store) Replays(ctx context.Context, ledgerID int64) ([]store.Replay, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, ledger_id, mapping_version, status, records, rejects, by_user, at
		FROM ledger_replays WHERE ledger_id = $1 ORDER BY id`, ledgerID)
	if err != nil {
		return nil, fmt.Errorf("postgres: replays of %d: %w", ledgerID, translate(err))
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Replay, error) {
		var r store.Replay
		err := row.Scan(&r.ID, &r.LedgerID, &r.MappingVersion, &r.Status, &r.Records, &r.Rejects, &r.By, &r.At)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: replays of %d: %w", ledgerID, translate(err))
	}
	return rs, nil
}
