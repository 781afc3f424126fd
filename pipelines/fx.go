package pipelines

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/procurehub/procurehub/connectors/fxrates"
)

// FXWriter stores FX reference rates by date.
type FXWriter interface {
	UpsertFXRates(ctx context.Context, source string, rates []fxrates.Rate) (inserted, updated int, err error)
}

// DefaultFXRefresh is how often the rates are loaded again: the ECB
// publishes once a working day, around 16:00 CET.
const DefaultFXRefresh = 24 * time.Hour

// FXRefresher loads the ECB euro reference rates from a URL (the ECB's own,
// or a mirror) or from a file dropped on this machine, and stores them by
// date. A file that does not parse whole stores nothing: rates are all or
// none, never half a day. A failed refresh is logged and tried again after
// RetryAfter.
type FXRefresher struct {
	Source     string // http(s) URL or local file path
	Client     *http.Client
	Store      FXWriter
	Every      time.Duration // DefaultFXRefresh when 0
	RetryAfter time.Duration // 5 minutes when 0
	Logger     *slog.Logger
}

// Run refreshes at once and then every Every until ctx is cancelled.
func (r *FXRefresher) Run(ctx context.Context) error {
	every, retry := r.Every, r.RetryAfter
	if every <= 0 {
		every = DefaultFXRefresh
	}
	if retry <= 0 {
		retry = 5 * time.Minute
	}
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	for {
		wait := every
		ins, upd, err := r.Refresh(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Error("fx rates not loaded; retrying", "source", r.Source, "err", err, "retry_in", retry)
			wait = retry
		default:
			log.Info("fx rates loaded", "source", r.Source, "inserted", ins, "updated", upd)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// Refresh loads the rates once and stores them; it returns how many rates
// were new and how many corrected.
func (r *FXRefresher) Refresh(ctx context.Context) (inserted, updated int, err error) {
	var rates []fxrates.Rate
	collect := func(rt fxrates.Rate) error {
		rates = append(rates, rt)
		return nil
	}
	if strings.HasPrefix(r.Source, "http://") || strings.HasPrefix(r.Source, "https://") {
		err = fxrates.Fetch(ctx, r.Client, r.Source, collect)
	} else {
		var f *os.File
		if f, err = os.Open(r.Source); err == nil {
			err = fxrates.Parse(ctx, f, collect)
			f.Close()
		}
	}
	if err != nil {
		return 0, 0, fmt.Errorf("fx rates: %w", err)
	}
	if len(rates) == 0 {
		return 0, 0, fmt.Errorf("fx rates: %s holds no rates", r.Source)
	}
	return r.Store.UpsertFXRates(ctx, r.Source, rates)
}
