// Package auth is who is calling: users, the party each belongs to and its
// roles, API tokens (random, shown once, stored hashed, scoped, expiring,
// revocable), optional OIDC bearer tokens, dashboard sessions, and the
// audit log of every write. The HTTP API and the dashboard resolve the
// caller once per request (Middleware) and find it with FromContext;
// what each role and party may see and do is decided by the API's route
// policy (internal/api), never by the handlers' callers.
package auth

import (
	"context"
	"slices"
)

// Role is what a user does for its party.
type Role string

// The roles.
const (
	RoleAdmin     Role = "admin"     // everything, every party; manages users, tokens, reads the audit log
	RoleBuyer     Role = "buyer"     // the buying organization's orders: create, amend, decide
	RoleSupplier  Role = "supplier"  // the orders placed with its party: confirm, reject, propose, report progress
	RoleLogistics Role = "logistics" // shipments assigned to its party and their orders: transport plan, milestones
	RoleCustoms   Role = "customs"   // shipments and documents assigned to its party: clearance documents and status
	RoleFinance   Role = "finance"   // invoices, payments, bank statements
	RoleViewer    Role = "viewer"    // reads what its party may read, writes nothing
)

// Roles lists every role.
func Roles() []Role {
	return []Role{RoleAdmin, RoleBuyer, RoleSupplier, RoleLogistics, RoleCustoms, RoleFinance, RoleViewer}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Principal is the caller of a request: a user of one party with its
// roles, authenticated by a token, an OIDC bearer token or a session.
type Principal struct {
	UserID  string `json:"user_id"`
	PartyID string `json:"party_id"`
	Roles   []Role `json:"roles"`
	// TokenID names the credential used (an API token's id, "oidc:<issuer>",
	// "session:<id>"): rate limits count per credential, the audit log says
	// which one wrote.
	TokenID string `json:"token_id,omitempty"`
	// Scopes narrow what the credential may do: an API token issued with
	// only ScopeRead reads but never writes (CanWrite). Empty for
	// credentials without scopes (sessions, OIDC), which may do what the
	// roles allow.
	Scopes []string `json:"scopes,omitempty"`
}

// Token scopes.
const (
	ScopeRead  = "read"  // GET and HEAD
	ScopeWrite = "write" // everything else the roles allow
)

// CanWrite reports whether p's credential may change anything: true
// without scopes, else only with ScopeWrite. The API's route policy asks
// it before every write (403 when false); the roles still decide which.
func (p Principal) CanWrite() bool {
	return len(p.Scopes) == 0 || slices.Contains(p.Scopes, ScopeWrite)
}

// Has reports whether p has role r. An admin has every role.
func (p Principal) Has(r Role) bool {
	return slices.Contains(p.Roles, r) || slices.Contains(p.Roles, RoleAdmin)
}

// Admin reports whether p is an admin.
func (p Principal) Admin() bool { return slices.Contains(p.Roles, RoleAdmin) }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of the request; ok is false when the
// request was not authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
