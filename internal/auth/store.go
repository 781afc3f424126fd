package auth

import (
	"context"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// Store is what auth needs of the consolidated store; both
// internal/store/postgres and internal/store/sqlite implement it.
type Store interface {
	CreateUser(ctx context.Context, u store.User) error
	GetUser(ctx context.Context, id string) (store.User, error)
	IssueToken(ctx context.Context, t store.APIToken) error
	LookupToken(ctx context.Context, hash string) (store.APIToken, store.User, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
	RevokeToken(ctx context.Context, id string) error
	RevokeUserTokens(ctx context.Context, userID string) (int, error)
	ListTokens(ctx context.Context, f store.TokenFilter) ([]store.APIToken, string, error)
	CreateSession(ctx context.Context, s store.Session) error
	LookupSession(ctx context.Context, idHash string) (store.Session, store.User, error)
	DeleteSession(ctx context.Context, idHash string) error
	AuditStore
}

// AuditStore is the audit log of the store.
type AuditStore interface {
	AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, string, error)
}

// principalOf is the principal of a stored user authenticated by
// credential; roles it does not know are left out.
func principalOf(u store.User, credential string, scopes []string) Principal {
	p := Principal{UserID: u.ID, PartyID: u.PartyID, TokenID: credential, Roles: []Role{}}
	for _, r := range u.Roles {
		if Role(r).Valid() {
			p.Roles = append(p.Roles, Role(r))
		}
	}
	if len(scopes) > 0 {
		p.Scopes = append([]string(nil), scopes...)
	}
	return p
}
