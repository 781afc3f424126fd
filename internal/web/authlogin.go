package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/procurehub/procurehub/internal/auth"
)

// PasswordLoginWith is a Config.PasswordLogin over auth's Authenticator:
// it checks the password, starts an auth session for the user (which the
// API's middleware accepts) and ends it at logout. The session's cookie
// and CSRF token stay on the dashboard's server; the browser holds only
// the dashboard's own session id.
func PasswordLoginWith(a *auth.Authenticator) func(ctx context.Context, username, password string) (Credential, auth.Principal, error) {
	return func(ctx context.Context, username, password string) (Credential, auth.Principal, error) {
		u, err := a.CheckPassword(ctx, username, password)
		if err != nil {
			return Credential{}, auth.Principal{}, err
		}
		rec := &recorder{header: http.Header{}}
		csrf, err := a.StartSession(ctx, rec, u.ID)
		if err != nil {
			return Credential{}, auth.Principal{}, err
		}
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: rec.header}).Cookies() {
			if c.Value != "" {
				cookie = &http.Cookie{Name: c.Name, Value: c.Value}
			}
		}
		if cookie == nil {
			return Credential{}, auth.Principal{}, errors.New("web: auth started a session without a cookie")
		}
		probe, err := http.NewRequestWithContext(ctx, http.MethodGet, apiBase+"/", nil)
		if err != nil {
			return Credential{}, auth.Principal{}, err
		}
		probe.AddCookie(cookie)
		p, found, err := a.Authenticate(probe)
		if err == nil && !found {
			err = fmt.Errorf("%w: the new session is not found", auth.ErrInvalidCredential)
		}
		if err != nil {
			return Credential{}, auth.Principal{}, err
		}
		end := func(ctx context.Context) error {
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, apiBase+"/", nil)
			if err != nil {
				return err
			}
			r.AddCookie(cookie)
			return a.EndSession(ctx, &recorder{header: http.Header{}}, r)
		}
		return Credential{Cookie: cookie, CSRF: csrf, End: end}, p, nil
	}
}
