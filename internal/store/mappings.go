package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// --- mapping versions and replays ---

// A partner's mapping (the YAML that turns its files into canonical
// records) changes when the partner changes its export. Every distinct
// content of a partner's mapping is a version, numbered from 1 in the order
// the hub first ran with it; every ingested file records the version it was
// read with (LedgerEntry.MappingVersion), and a file can be read again with
// another version (a replay), which is recorded beside the file's entry.

// MappingVersion is one content of a partner's mapping.
type MappingVersion struct {
	Partner   string
	Version   int    // 1, 2, ... per partner
	SHA256    string // hex of Content
	Content   []byte // the mapping as written (YAML)
	CreatedAt time.Time
}

// MappingSHA256 is the hex SHA-256 of a mapping's content.
func MappingSHA256(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// Replay is one re-ingestion of a ledger entry's file.
type Replay struct {
	ID             int64
	LedgerID       int64
	MappingVersion int    // 0 when the connector has no mapping
	Status         string // the outcome, as in the ledger
	Records        int
	Rejects        int
	By             string // who asked for it
	At             time.Time
}

// MappingStore keeps mapping versions and replays.
type MappingStore interface {
	// RecordMapping returns the version of partner's mapping with this
	// content, adding it as the next version when it is new; the bool is
	// true when it was added. Empty content is ErrInvalid.
	RecordMapping(ctx context.Context, partner string, content []byte) (MappingVersion, bool, error)
	// GetMappingVersion returns one version, or ErrNotFound.
	GetMappingVersion(ctx context.Context, partner string, version int) (*MappingVersion, error)
	// MappingVersions lists partner's versions, oldest first.
	MappingVersions(ctx context.Context, partner string) ([]MappingVersion, error)
	// LedgerByID returns a ledger entry, or ErrNotFound.
	LedgerByID(ctx context.Context, id int64) (*LedgerEntry, error)
	// AddReplay records a replay of a ledger entry (ErrNotFound when the
	// entry is not stored) and returns it with its id and time.
	AddReplay(ctx context.Context, r Replay) (Replay, error)
	// Replays lists the replays of a ledger entry, oldest first.
	Replays(ctx context.Context, ledgerID int64) ([]Replay, error)
}
