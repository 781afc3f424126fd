package notify

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/internal/store"
)

type nopStore struct{}

func (nopStore) RecordDelivery(context.Context, store.Delivery) (store.Delivery, error) {
	return store.Delivery{}, nil
}
func (nopStore) Deliveries(context.Context, string) ([]store.Delivery, error) { return nil, nil }
func (nopStore) AddNotification(context.Context, store.Notification) (bool, error) {
	return true, nil
}

// FuzzLoad: no config, however broken, panics the loader or New, and one
// that Load accepts passes Validate.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, "../../configs/notifications.yaml")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	env := func(name string) (string, bool) { return "from-env", true }
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := Load("fuzz.yaml", b, env)
		if err != nil {
			return
		}
		_, _ = New(cfg, nopStore{}, Options{}) // a ca_file without PEM is an error, never a panic
		if err := cfg.Validate(); err != nil {
			t.Errorf("Load accepted a config that Validate refuses: %v", err)
		}
	})
}
