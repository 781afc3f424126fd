package pgtest

import (
	"testing"
)

func TestWithSearchPath(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{
			"a URL keeps its parameters and gains the search path",
			"postgres://hub:pw@127.0.0.1:5432/hub?sslmode=disable",
			"postgres://hub:pw@127.0.0.1:5432/hub?search_path=test_ab12&sslmode=disable",
		},
		{
			"a URL that has a search path gets the new one",
			"postgresql://hub@db/hub?search_path=public",
			"postgresql://hub@db/hub?search_path=test_ab12",
		},
		{
			"a keyword/value DSN gains the search path",
			"host=127.0.0.1 user=hub dbname=hub ",
			"host=127.0.0.1 user=hub dbname=hub search_path=test_ab12",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WithSearchPath(tt.dsn, "test_ab12"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDSNSkipsWhenNoServerIsConfigured(t *testing.T) {
	t.Setenv(EnvDSN, "")
	t.Setenv(EnvRequire, "")
	var skipped bool
	t.Run("a test asking for PostgreSQL", func(t *testing.T) {
		t.Cleanup(func() { skipped = t.Skipped() })
		DSN(t)
		t.Error("DSN returned without a server configured")
	})
	if !skipped {
		t.Error("the test was not skipped")
	}
}
