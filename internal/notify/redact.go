package notify

import (
	"regexp"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/pipelines"
)

// ibanLike finds what may be an IBAN in text: a country code, two check
// digits and 11 to 30 letters and digits, in electronic form or printed in
// groups of four ("DE89 3704 0044 0532 0130 00").
var ibanLike = regexp.MustCompile(`\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}\b`)

// redact masks every full IBAN in the alert's words and data before they
// leave the hub: a notification carries "DE89********3000", never an
// account number. Alerts are masked where they are raised; this is the
// last guard, so that a template or a new alert kind cannot leak one.
func redact(a pipelines.Alert) pipelines.Alert {
	mask := func(s string) string {
		return ibanLike.ReplaceAllStringFunc(s, func(m string) string {
			if !canonical.ValidIBAN(m) {
				if n, err := canonical.ParseIBAN(m); err != nil || n == "" {
					return m
				}
			}
			return canonical.MaskIBAN(m)
		})
	}
	a.Subject, a.Message, a.Action = mask(a.Subject), mask(a.Message), mask(a.Action)
	if len(a.Data) > 0 {
		data := make(map[string]string, len(a.Data))
		for k, v := range a.Data {
			data[k] = mask(v)
		}
		a.Data = data
	}
	return a
}
