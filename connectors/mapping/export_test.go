package mapping

import "github.com/procurehub/procurehub/canonical"

// ParseNumber exposes the decimal reader to the tests.
func ParseNumber(mark, sep, s string) (canonical.Decimal, bool) {
	return newNumberFormat(mark, sep).parse(s)
}
