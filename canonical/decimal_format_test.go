package canonical

import (
	"fmt"
	"testing"
)

func TestDecimalPrintsWithItsScale(t *testing.T) {
	d := MustDecimal("12.50")
	for verb, want := range map[string]string{"%s": "12.50", "%v": "12.50", "%q": `"12.50"`} {
		if got := fmt.Sprintf(verb, d); got != want {
			t.Errorf("%s of 12.50 = %s, want %s", verb, got, want)
		}
	}
}
