package tracking

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/internal/carriersim"
)

func readAll(t *testing.T, r io.ReadCloser) []byte {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// perNumber serves GET /v1/track/{number}: the number's events.
func perNumber(events map[string][]carriersim.Event) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := events[strings.TrimPrefix(r.URL.Path, "/v1/track/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(carriersim.Page{Events: ev})
	})
}
