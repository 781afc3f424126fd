package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/internal/web"
	"github.com/procurehub/procurehub/pipelines"
)

// The hub mounts the dashboard beside the API: /ui/ for people, the rest
// for the API, one listener. The dashboard calls the same API handler
// in-process with each user's credential, logs in by token or password
// through auth's Authenticator, and hears of status changes from the
// publisher of the status projector.
func ExampleHandler() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		return
	}
	defer st.Close()
	authn, err := auth.New(auth.Options{Store: st})
	if err != nil {
		return
	}
	pub := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})

	events := &web.Broadcaster{}
	status := &pipelines.StatusProjector{Store: st, Pub: web.NotifyOnPublish(pub, events)}
	_ = status // the sinks' Status

	apiHandler := api.Handler(api.Config{Orders: st, Timeline: st, Alerts: st, Authenticate: authn.Middleware()})
	dashboard, err := web.Handler(web.Config{
		API:           apiHandler,
		Verify:        authn.CheckToken,
		PasswordLogin: web.PasswordLoginWith(authn),
		Events:        events.Subscribe,
		Done:          ctx.Done(), // Shutdown does not wait on open event streams
		Logger:        slog.Default(),
	})
	if err != nil {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/ui/", dashboard)
	mux.Handle("/", apiHandler)
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	_ = srv // srv.Serve(ln)
}
