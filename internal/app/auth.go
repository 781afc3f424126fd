package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"

	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/web"
)

// startAuth builds the API's authentication from cfg.Auth: all nil when
// it is off (the API is open; bind it to loopback). With the demo on it
// provisions one user per demo party, prints their fresh tokens to out and
// writes them to var/demo-tokens.json (mode 0600) beside the demo inbox.
func startAuth(ctx context.Context, cfg *config.App, st auth.Store, out io.Writer, log *slog.Logger) (*auth.Authenticator, func(http.Handler) http.Handler, *auth.Handlers, error) {
	if !cfg.Auth.Enabled {
		return nil, nil, nil, nil
	}
	authn, err := auth.FromConfig(cfg.Auth, st, false, log)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("auth: %w", err)
	}
	admin := &auth.Handlers{Store: st, Logger: log}
	if cfg.Demo.Enabled {
		tokens, err := auth.ProvisionDemo(ctx, st, auth.DemoParties())
		if err != nil {
			return nil, nil, nil, fmt.Errorf("demo users: %w", err)
		}
		path := filepath.Join(filepath.Dir(filepath.Clean(cfg.Demo.InboxDir)), "demo-tokens.json")
		if err := auth.WriteDemoTokens(path, tokens); err != nil {
			return nil, nil, nil, err
		}
		if out != nil {
			fmt.Fprint(out, auth.DemoTokensText(tokens, path))
		}
	}
	return authn, authn.Middleware(), admin, nil
}

// withDashboard serves the dashboard under /ui/ beside the API when
// authentication is on (without it the API is open and there is no one
// to log in); the dashboard calls the API in-process with the user's
// credential, so a page shows exactly what the API lets that party see.
func withDashboard(ctx context.Context, apiHandler http.Handler, authn *auth.Authenticator, events *web.Broadcaster, log *slog.Logger) (http.Handler, error) {
	if authn == nil {
		return apiHandler, nil
	}
	dash, err := web.Handler(web.Config{API: apiHandler, Verify: authn.CheckToken, PasswordLogin: web.PasswordLoginWith(authn),
		Events: events.Subscribe, Done: ctx.Done(), Logger: log})
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", apiHandler)
	mux.Handle("/ui/", dash)
	return mux, nil
}
