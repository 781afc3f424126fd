package mt940_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement"
	"github.com/procurehub/procurehub/connectors/bankstatement/mt940"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// TestConformance runs the connector kit over the bank_statement kind with
// format mt940, the way a partner config uses this decoder.
func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Suite{
		Spec:    bankstatement.Spec(),
		New:     bankstatement.New,
		Decoder: mt940.NewDecoder(),
		Golden:  testdataFiles(t),
		Malformed: []string{
			"testdata/truncated.sta", "testdata/wrong_tags.sta", "testdata/bad_dates.sta",
			"testdata/amount_overflow.sta", "testdata/duplicate_statement.sta",
			"testdata/decimal_point_and_precision.sta", "testdata/stray_text_and_currency_mismatch.sta",
		},
		LargeInput: func() []byte {
			b, n := generate(4<<20, 2)
			if n < 2000 {
				t.Fatalf("the large input has %d statements", n)
			}
			return b
		},
		NewSource: func(t *testing.T, dir string) connectors.Source {
			entry := fmt.Sprintf("name: sparkasse\nkind: bank_statement\nsettings:\n  inbox: %q\n  settle_time: 0s\n  format: mt940\n", dir)
			c, err := bankstatement.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			return c.Source
		},
		SourceFiles: []string{"testdata/two_statements_crlf.sta", "testdata/mt942_interim_usd.txt"},
	})
}
