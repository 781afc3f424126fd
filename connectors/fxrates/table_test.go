package fxrates

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/procurehub/procurehub/canonical"
)

func TestConvertGivesHandComputedAmounts(t *testing.T) {
	tab := loadTable(t, histFile)
	// KWD is not an ECB currency; a treasury adds it from another source.
	if err := tab.Add(Rate{Date: date("2026-03-02"), Currency: "KWD", PerEUR: dec("0.33245")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		amount   string
		from, to canonical.Currency
		on       string
		want     string
	}{
		// 1000.00 USD at USD 1.0812, JPY 162.43 per EUR:
		// 1000 × 162.43 / 1.0812 = 162430 / 1.0812 = 150231.2245652978...
		// (1.0812 × 150000 = 162180; 250 / 1.0812 = 231.2245...); JPY has
		// no minor unit: 150231.
		{"USD to JPY rounds to whole yen", "1000.00", "USD", "JPY", "2026-03-02", "150231"},
		// Friday's rates: USD 1.0788, JPY 161.97. 1000 × 161.97 / 1.0788 =
		// 161970 / 1.0788 = 150139.0433815350... (1.0788 × 150139 = 161969.9532,
		// remainder 0.0468 / 1.0788 = 0.04338...): 150139.
		{"USD to JPY uses the rates of the date asked", "1000.00", "USD", "JPY", "2026-02-27", "150139"},
		// 250.00 CHF at CHF 0.94305, GBP 0.84515: 250 × 0.84515 = 211.2875;
		// 211.2875 / 0.94305 = 224.0469752399... (0.94305 × 224 = 211.2432,
		// remainder 0.0443 / 0.94305 = 0.04697...): 224.05 GBP.
		{"CHF to GBP crosses through the euro", "250.00", "CHF", "GBP", "2026-03-02", "224.05"},
		// 1234.56 EUR × 0.33245 = 410.4294720 (1234.56 × 0.33245 =
		// 370.368 + 37.0368 + 2.46912 + 0.493824 + 0.061728 = 410.429472): 410.429 KWD.
		{"EUR to KWD keeps three decimals", "1234.56", "EUR", "KWD", "2026-03-02", "410.429"},
		// 10.00 × 0.33245 = 3.3245, exactly half a fils: away from zero, 3.325.
		{"EUR to KWD rounds a half away from zero", "10.00", "EUR", "KWD", "2026-03-02", "3.325"},
		{"a negative amount rounds a half away from zero too", "-10.00", "EUR", "KWD", "2026-03-02", "-3.325"},
		// 100.00 EUR × 1.0812 = 108.12 USD, and 108.12 / 1.0812 = 100 EUR.
		{"EUR to USD", "100.00", "EUR", "USD", "2026-03-02", "108.12"},
		{"USD to EUR", "108.12", "USD", "EUR", "2026-03-02", "100.00"},
		// 1 JPY = 1.0812 / 162.43 USD = 0.0066564... → 0.01 USD.
		{"a small amount rounds up to one cent", "1", "JPY", "USD", "2026-03-02", "0.01"},
		// 0.4 × 1.0812 / 162.43 = 0.43248 / 162.43 = 0.00266... → 0.00 USD.
		{"a tiny amount rounds down to zero with the scale kept", "0.4", "JPY", "USD", "2026-03-02", "0.00"},
		{"the same currency is only rounded", "12.345", "GBP", "GBP", "2026-03-02", "12.35"},
		{"EUR to EUR needs no rate on a Sunday", "5", "EUR", "EUR", "2026-03-01", "5.00"},
		// 17745.12 IDR per EUR, 162.43 JPY: 1000000 IDR × 162.43 / 17745.12 =
		// 162430000 / 17745.12 = 9153.5024... (17745.12 × 9153 = 162421083.36,
		// remainder 8916.64 / 17745.12 = 0.5024...) → 9154 JPY.
		{"IDR to JPY", "1000000", "IDR", "JPY", "2026-03-02", "9154"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tab.Convert(dec(tt.amount), tt.from, tt.to, date(tt.on))
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("%s %s → %s on %s = %s, want %s", tt.amount, tt.from, tt.to, tt.on, got, tt.want)
			}
		})
	}
}

func TestConvertMatchesExactArithmetic(t *testing.T) {
	tab := loadTable(t, histFile)
	rates := parseFile(t, histFile)
	rng := rand.New(rand.NewPCG(1, 2))
	curs := []canonical.Currency{"EUR"}
	for _, r := range rates[:29] {
		curs = append(curs, r.Currency)
	}
	_ = tab.Add(Rate{Date: date("2026-03-02"), Currency: "KWD", PerEUR: dec("0.33245")})
	curs = append(curs, "KWD")
	day := date("2026-03-02")
	for range 3000 {
		from, to := curs[rng.IntN(len(curs))], curs[rng.IntN(len(curs))]
		amount := canonical.MustDecimal(fmt.Sprintf("%d.%0*d", rng.Int64N(10_000_000), 1+rng.IntN(4), rng.IntN(1000)))
		if rng.IntN(2) == 0 {
			amount = canonical.NewDecimal(amount.Neg())
		}
		got, err := tab.Convert(amount, from, to, day)
		if err != nil {
			t.Fatal(err)
		}
		rf, _ := tab.Rate(day, from)
		rt, _ := tab.Rate(day, to)
		want := exactConvert(amount, rf, rt, to.MinorUnits())
		if got.String() != want {
			t.Fatalf("%s %s → %s = %s, exact arithmetic gives %s", amount, from, to, got, want)
		}
	}
}

// exactConvert is amount × to / from in rationals, rounded half away from
// zero to places.
func exactConvert(amount, from, to canonical.Decimal, places int) string {
	q := new(big.Rat).Mul(amount.Rat(), to.Rat())
	q.Quo(q, from.Rat())
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	q.Mul(q, new(big.Rat).SetInt(scale))
	neg := q.Sign() < 0
	q.Abs(q)
	q.Add(q, big.NewRat(1, 2))
	n := new(big.Int).Quo(q.Num(), q.Denom())
	if neg {
		n.Neg(n)
	}
	return canonical.NewDecimal(decimalFromBig(n, places)).String()
}

func TestConvertRoundTripsWithinTheRoundingOfBothCurrencies(t *testing.T) {
	tab := loadTable(t, dailyFile)
	day := date("2026-03-02")
	pairs := [][2]canonical.Currency{{"EUR", "USD"}, {"USD", "JPY"}, {"JPY", "USD"}, {"CHF", "GBP"}, {"IDR", "KRW"}, {"HUF", "ISK"}}
	for _, p := range pairs {
		for _, a := range []string{"0.01", "1", "99.99", "1234.56", "1000000", "-250.75"} {
			name := fmt.Sprintf("%s %s to %s and back", a, p[0], p[1])
			t.Run(name, func(t *testing.T) {
				amount := canonical.Money{Amount: dec(a), Currency: p[0]}.Round().Amount
				there, err := tab.Convert(amount, p[0], p[1], day)
				if err != nil {
					t.Fatal(err)
				}
				back, err := tab.Convert(there, p[1], p[0], day)
				if err != nil {
					t.Fatal(err)
				}
				// Half a minor unit of the way there, carried back at the
				// rate, plus half a minor unit of the way back.
				rA, _ := tab.Rate(day, p[0])
				rB, _ := tab.Rate(day, p[1])
				halfA := dec("0.5").Shift(-int32(p[0].MinorUnits()))
				halfB := dec("0.5").Shift(-int32(p[1].MinorUnits()))
				bound := halfA.Add(halfB.Mul(rA.Decimal).DivRound(rB.Decimal, 20))
				if diff := back.Sub(amount.Decimal).Abs(); diff.GreaterThan(bound) {
					t.Errorf("%s → %s %s → %s %s: off by %s, more than %s", amount, there, p[1], back, p[0], diff, bound)
				}
			})
		}
	}
	// A round trip between EUR and a currency with as many decimals is exact.
	usd, _ := tab.Convert(dec("100.00"), "EUR", "USD", day)
	eur, _ := tab.Convert(usd, "USD", "EUR", day)
	if eur.String() != "100.00" {
		t.Errorf("100.00 EUR → %s USD → %s EUR, want 100.00", usd, eur)
	}
}

func TestMissingRatesAreErrorsNeverAnotherDate(t *testing.T) {
	tab := loadTable(t, histFile)
	tests := []struct {
		name     string
		from, to canonical.Currency
		on       string
		missing  canonical.Currency
	}{
		{"a Saturday has no rates", "USD", "JPY", "2026-02-28", "USD"},
		{"a Sunday has no rates even from EUR", "EUR", "USD", "2026-03-01", "USD"},
		{"a date after the file has no rates", "EUR", "GBP", "2026-03-03", "GBP"},
		{"a currency the ECB does not publish", "EUR", "KWD", "2026-03-02", "KWD"},
		{"a source currency the ECB does not publish", "NGN", "USD", "2026-03-02", "NGN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tab.Convert(dec("100"), tt.from, tt.to, date(tt.on))
			var m *MissingRateError
			if !errors.As(err, &m) {
				t.Fatalf("Convert = %s, %v; want a *MissingRateError", got, err)
			}
			if m.Currency != tt.missing || m.Date != date(tt.on) {
				t.Errorf("missing %s on %s, want %s on %s", m.Currency, m.Date, tt.missing, tt.on)
			}
			want := fmt.Sprintf("fxrates: no %s rate for %s", tt.missing, tt.on)
			if err.Error() != want {
				t.Errorf("err %q, want %q", err, want)
			}
		})
	}
	if _, err := tab.Rate(date("2026-02-28"), "USD"); err == nil {
		t.Error("Rate on a Saturday: no error")
	}
}

func TestInvalidArgumentsAreErrorsButNotMissingRates(t *testing.T) {
	tab := loadTable(t, dailyFile)
	tests := []struct {
		name     string
		from, to canonical.Currency
		on       canonical.Date
		msg      string
	}{
		{"an unknown currency", "XYZ", "USD", date("2026-03-02"), `"XYZ" is not an active ISO 4217 currency`},
		{"a lower-case code", "usd", "EUR", date("2026-03-02"), `"usd" is not written as an ISO 4217 code`},
		{"an impossible date", "USD", "EUR", canonical.NewDate(2026, 2, 30), `"2026-02-30" is not a calendar date`},
		{"a target without minor units", "USD", "XDR", date("2026-03-02"), "XDR: the currency has no minor unit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tab.Convert(dec("1"), tt.from, tt.to, tt.on)
			var m *MissingRateError
			if err == nil || errors.As(err, &m) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want a plain error containing %q", err, tt.msg)
			}
		})
	}
}

func TestRateOnOrBeforeFallsBackOnlyWhenAskedAndSaysWhichDate(t *testing.T) {
	tab := loadTable(t, histFile)
	tests := []struct {
		name     string
		on       string
		maxDays  int
		wantDate string // "" for a missing rate
		wantRate string
	}{
		{"a Monday uses its own rate", "2026-03-02", 3, "2026-03-02", "1.0812"},
		{"a Sunday uses Friday's rate within two days", "2026-03-01", 2, "2026-02-27", "1.0788"},
		{"a Saturday uses Friday's rate within one day", "2026-02-28", 1, "2026-02-27", "1.0788"},
		{"a Sunday finds nothing within one day", "2026-03-01", 1, "", ""},
		{"zero days is the exact date only", "2026-03-01", 0, "", ""},
		{"a date before the table finds nothing however far back", "2026-02-20", 1000000, "", ""},
		{"a date after the table reaches back to its last rate", "2026-03-05", 3, "2026-03-02", "1.0812"},
		{"a date after the table finds nothing beyond the window", "2026-03-05", 2, "", ""},
		{"a date far after the table reaches back a long window", "9999-12-31", 2912382, "2026-03-02", "1.0812"},
		// 2026-03-02 to 9999-12-31 is 2912382 days, beyond time.Duration's 292 years.
		{"a date far after the table counts every day of the gap", "9999-12-31", 2912381, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rate, used, err := tab.RateOnOrBefore(date(tt.on), "USD", tt.maxDays)
			if tt.wantDate == "" {
				var m *MissingRateError
				if !errors.As(err, &m) || m.MaxDays != tt.maxDays || m.Date != date(tt.on) {
					t.Fatalf("= %s on %s, %v; want a *MissingRateError for %s within %d days", rate, used, err, tt.on, tt.maxDays)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if used.String() != tt.wantDate || rate.String() != tt.wantRate {
				t.Errorf("= %s on %s, want %s on %s", rate, used, tt.wantRate, tt.wantDate)
			}
		})
	}
	if _, _, err := tab.RateOnOrBefore(date("2026-03-01"), "USD", -1); err == nil {
		t.Error("negative maxDays: no error")
	}
	if _, _, err := tab.RateOnOrBefore(date("2026-03-01"), "USD", 3); err != nil {
		t.Errorf("RateOnOrBefore: %v", err)
	}
	if _, err := tab.Rate(date("2026-03-01"), "USD"); err == nil {
		t.Error("RateOnOrBefore changed what Rate finds")
	}
	var m *MissingRateError
	_, _, err := tab.RateOnOrBefore(date("2026-03-01"), "USD", 1)
	if !errors.As(err, &m) || err.Error() != "fxrates: no USD rate on 2026-03-01 or the 1 days before" {
		t.Errorf("err = %v", err)
	}
}

func TestAddRefusesRatesThatCannotBeUsed(t *testing.T) {
	tests := []struct {
		name string
		r    Rate
	}{
		{"a zero rate", Rate{date("2026-03-02"), "USD", dec("0")}},
		{"a negative rate", Rate{date("2026-03-02"), "USD", dec("-1.08")}},
		{"an unknown currency", Rate{date("2026-03-02"), "XYZ", dec("1.08")}},
		{"an impossible date", Rate{canonical.NewDate(2026, 2, 30), "USD", dec("1.08")}},
		{"no date", Rate{canonical.Date{}, "USD", dec("1.08")}},
		{"EUR other than 1", Rate{date("2026-03-02"), "EUR", dec("1.01")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tab Table
			if err := tab.Add(tt.r); err == nil {
				t.Errorf("Add(%+v) = nil, want an error", tt.r)
			}
			if tab.Len() != 0 {
				t.Errorf("Len = %d after a refused Add", tab.Len())
			}
		})
	}
	var tab Table
	if err := tab.Add(Rate{date("2026-03-02"), "EUR", dec("1.000")}); err != nil {
		t.Errorf("EUR at 1.000: %v", err)
	}
	_ = tab.Add(Rate{date("2026-03-02"), "USD", dec("1.0812")})
	_ = tab.Add(Rate{date("2026-03-02"), "USD", dec("1.0813")})
	if r, _ := tab.Rate(date("2026-03-02"), "USD"); r.String() != "1.0813" || tab.Len() != 1 {
		t.Errorf("after two Adds: %s, Len %d; want the later 1.0813 and one rate", r, tab.Len())
	}
}

func TestTableIsSafeForConcurrentUse(t *testing.T) {
	tab := NewTable()
	rates := parseFile(t, histFile)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(rates); i += 4 {
				if err := tab.Add(rates[i]); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for range 200 {
				_, err := tab.Convert(dec("100.00"), "USD", "JPY", date("2026-02-27"))
				var m *MissingRateError
				if err != nil && !errors.As(err, &m) {
					t.Error(err)
				}
				_, _, _ = tab.RateOnOrBefore(date("2026-03-01"), "GBP", 3)
			}
		})
	}
	wg.Wait()
	if tab.Len() != len(rates) {
		t.Errorf("Len = %d, want %d", tab.Len(), len(rates))
	}
	got, err := tab.Convert(dec("1000.00"), "USD", "JPY", date("2026-02-27"))
	if err != nil || got.String() != "150139" {
		t.Errorf("after concurrent loading: %s, %v", got, err)
	}
}
