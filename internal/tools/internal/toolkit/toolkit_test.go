package toolkit

import "testing"

func TestWithSearchPath(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"a URL gets a search_path parameter beside its others",
			"postgres://u:p@127.0.0.1:5432/db?sslmode=disable", "postgres://u:p@127.0.0.1:5432/db?search_path=run_1&sslmode=disable"},
		{"a URL without parameters gets one",
			"postgresql://u@host/db", "postgresql://u@host/db?search_path=run_1"},
		{"a URL's own search_path is replaced",
			"postgres://u@host/db?search_path=public", "postgres://u@host/db?search_path=run_1"},
		{"a keyword/value DSN gets a keyword",
			"host=127.0.0.1 user=u dbname=db ", "host=127.0.0.1 user=u dbname=db search_path=run_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WithSearchPath(tt.dsn, "run_1")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
