package canonical

import "strings"

// Currency is an ISO 4217 alphabetic code ("EUR").
type Currency string

// currencyMinorUnits maps every active ISO 4217 code to its minor units.
var currencyMinorUnits = map[Currency]int{
	"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "CNY": 2, "JPY": 0, "KRW": 0, "INR": 2,
	"BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3, "CLP": 0, "VND": 0, "ISK": 0,
}

// Valid reports whether c is an active ISO 4217 code.
func (c Currency) Valid() bool { _, ok := currencyMinorUnits[c]; return ok }

// MinorUnits is the number of decimals of the currency (EUR 2, JPY 0, KWD 3);
// 2 for an unknown code.
func (c Currency) MinorUnits() int {
	if n, ok := currencyMinorUnits[c]; ok {
		return n
	}
	return 2
}

// Country is an ISO 3166-1 alpha-2 code ("DE").
type Country string

var countries = map[Country]string{
	"DE": "Germany", "CN": "China", "US": "United States of America", "FR": "France",
	"GB": "United Kingdom", "NL": "Netherlands", "VN": "Viet Nam", "IN": "India",
}

// Valid reports whether c is an assigned ISO 3166-1 alpha-2 code.
func (c Country) Valid() bool { _, ok := countries[c]; return ok }

// Incoterm is an Incoterms 2020 rule ("FOB").
type Incoterm string

// Incoterms 2020: any mode of transport, then sea and inland waterway only.
var incoterms = map[Incoterm]bool{
	"EXW": true, "FCA": true, "CPT": true, "CIP": true, "DAP": true, "DPU": true, "DDP": true,
	"FAS": true, "FOB": true, "CFR": true, "CIF": true,
}

// Valid reports whether t is an Incoterms 2020 rule.
func (t Incoterm) Valid() bool { return incoterms[t] }

// Unit is a UN/ECE Recommendation 20 unit of measure code ("EA", "C62", "KGM").
type Unit string

var units = map[Unit]string{
	"EA": "each", "C62": "one (unit)", "KGM": "kilogram", "MTR": "metre",
}

// Valid reports whether u is a Rec 20 code procurehub knows.
func (u Unit) Valid() bool { _, ok := units[u]; return ok }

// HSCode is a Harmonized System commodity code: 6 digits, or a national
// extension of 8 or 10 digits. Dots and spaces are not part of the code.
type HSCode string

// Valid reports whether h has 6, 8 or 10 digits.
func (h HSCode) Valid() bool {
	s := string(h)
	if n := len(s); n != 6 && n != 8 && n != 10 {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}
