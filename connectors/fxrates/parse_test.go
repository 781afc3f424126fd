package fxrates

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
)

func TestParseDailyGivesEveryCurrencyOfTheDayWithItsPublishedDigits(t *testing.T) {
	rates := parseFile(t, dailyFile)
	if len(rates) != 29 {
		t.Fatalf("got %d rates, want the 29 currencies of the file", len(rates))
	}
	want := map[canonical.Currency]string{
		"USD": "1.0812", "JPY": "162.43", "GBP": "0.84515", "CHF": "0.94305",
		"ISK": "150.90", // trailing zero kept as published
		"TRY": "38.9410", "IDR": "17745.12", "ZAR": "19.8437",
	}
	seen := map[canonical.Currency]bool{}
	for _, r := range rates {
		if r.Date != date("2026-03-02") {
			t.Errorf("%s dated %s, want 2026-03-02", r.Currency, r.Date)
		}
		if seen[r.Currency] {
			t.Errorf("%s given twice", r.Currency)
		}
		seen[r.Currency] = true
		if w, ok := want[r.Currency]; ok && r.PerEUR.String() != w {
			t.Errorf("%s = %s, want %s exactly", r.Currency, r.PerEUR, w)
		}
	}
	if rates[0].Currency != "USD" || rates[len(rates)-1].Currency != "ZAR" {
		t.Errorf("rates not in file order: first %s, last %s", rates[0].Currency, rates[len(rates)-1].Currency)
	}
}

func TestParseHistoricalGivesEachDateInFileOrder(t *testing.T) {
	rates := parseFile(t, histFile)
	if len(rates) != 3*29 {
		t.Fatalf("got %d rates, want 3 dates × 29 currencies", len(rates))
	}
	var dates []string
	for _, r := range rates {
		if len(dates) == 0 || dates[len(dates)-1] != r.Date.String() {
			dates = append(dates, r.Date.String())
		}
	}
	if got, want := strings.Join(dates, " "), "2026-03-02 2026-02-27 2026-02-26"; got != want {
		t.Errorf("dates %s, want %s", got, want)
	}
	for _, r := range rates {
		if r.Date == date("2026-02-27") && r.Currency == "USD" && r.PerEUR.String() != "1.0788" {
			t.Errorf("USD on 2026-02-27 = %s, want 1.0788", r.PerEUR)
		}
	}
}

func TestParseRejectsBadInputNamingLineAndPath(t *testing.T) {
	const usdPath = "gesmes:Envelope/Cube/Cube[@time='2026-03-02']/Cube[@currency='USD']"
	day := func(rates string) string {
		return ecbDoc("\t\t<Cube time='2026-03-02'>\n" + rates + "\t\t</Cube>\n")
	}
	daily := string(readFile(t, dailyFile))
	tests := []struct {
		name  string
		input string
		code  string
		line  int
		path  string // "" when not checked
		msg   string // a part of the message
	}{
		{"a rate that is not a number", day("\t\t\t<Cube currency='USD' rate='abc'/>\n"),
			CodeInvalidRate, 6, usdPath, `rate "abc" is not a decimal`},
		{"a negative rate", day("\t\t\t<Cube currency='USD' rate='-1.0812'/>\n"),
			CodeInvalidRate, 6, usdPath, `rate "-1.0812" is negative`},
		{"a zero rate", day("\t\t\t<Cube currency='USD' rate='0.0000'/>\n"),
			CodeInvalidRate, 6, usdPath, `rate "0.0000" is zero`},
		{"a rate in exponent notation", day("\t\t\t<Cube currency='USD' rate='1.08e0'/>\n"),
			CodeInvalidRate, 6, usdPath, `rate "1.08e0" is not a decimal`},
		{"a rate with a point and no digits after it", day("\t\t\t<Cube currency='USD' rate='1.'/>\n"),
			CodeInvalidRate, 6, usdPath, `rate "1." is not a decimal`},
		{"an empty rate", day("\t\t\t<Cube currency='USD' rate=''/>\n"),
			CodeInvalidRate, 6, usdPath, `rate is empty`},
		{"a rate without its rate attribute", day("\t\t\t<Cube currency='USD'/>\n"),
			CodeInvalidRate, 6, usdPath, `rate is missing`},
		{"a rate without its currency", day("\t\t\t<Cube rate='1.0812'/>\n"),
			CodeInvalidCurrency, 6, "", `currency is missing`},
		{"an impossible date", ecbDoc("\t\t<Cube time='2026-02-30'>\n\t\t\t<Cube currency='USD' rate='1.0812'/>\n\t\t</Cube>\n"),
			CodeInvalidDate, 5, "gesmes:Envelope/Cube/Cube[@time='2026-02-30']", `time "2026-02-30" is not a date (YYYY-MM-DD)`},
		{"a date in another format", ecbDoc("\t\t<Cube time='02.03.2026'>\n\t\t</Cube>\n"),
			CodeInvalidDate, 5, "", `time "02.03.2026" is not a date`},
		{"a currency twice on one date", day("\t\t\t<Cube currency='USD' rate='1.0812'/>\n\t\t\t<Cube currency='JPY' rate='162.43'/>\n\t\t\t<Cube currency='USD' rate='1.0813'/>\n"),
			CodeDuplicateCurrency, 8, usdPath, `currency USD appears twice on 2026-03-02 (first on line 6)`},
		{"a date twice in a file", ecbDoc("\t\t<Cube time='2026-03-02'>\n\t\t</Cube>\n\t\t<Cube time='2026-03-02'>\n\t\t</Cube>\n"),
			CodeDuplicateDate, 7, "", `date 2026-03-02 appears twice (first on line 5)`},
		{"an unknown currency", day("\t\t\t<Cube currency='XYZ' rate='1.5'/>\n"),
			CodeInvalidCurrency, 6, "gesmes:Envelope/Cube/Cube[@time='2026-03-02']/Cube[@currency='XYZ']", `currency "XYZ" is not an active ISO 4217 currency`},
		{"a currency in lower case", day("\t\t\t<Cube currency='usd' rate='1.0812'/>\n"),
			CodeInvalidCurrency, 6, "", `currency "usd" is not written as its ISO 4217 code USD`},
		{"a currency that is not a code", day("\t\t\t<Cube currency='US Dollar' rate='1.0812'/>\n"),
			CodeInvalidCurrency, 6, "", `is not a currency code`},
		{"a rate for the euro itself", day("\t\t\t<Cube currency='EUR' rate='1'/>\n"),
			CodeInvalidCurrency, 6, "", `a rate for EUR`},
		{"a rate outside a dated Cube", ecbDoc("\t\t<Cube currency='USD' rate='1.0812'/>\n"),
			CodeNotECB, 5, "", `a rate outside a dated Cube`},
		{"a dated Cube inside another", day("\t\t\t<Cube time='2026-03-03'/>\n"),
			CodeNotECB, 6, "", `a dated Cube inside another dated Cube`},
		{"a truncated file", daily[:len(daily)/2],
			CodeTruncated, 0, "", ``},
		{"a file cut after a rate", daily[:strings.Index(daily, "<Cube currency='GBP'")],
			CodeTruncated, 13, "gesmes:Envelope/Cube/Cube[@time='2026-03-02']", `the input ends before </Cube>`},
		{"an element closed by another", day("\t\t\t<Cube currency='USD' rate='1.0812'></Cub>\n"),
			CodeMalformedXML, 6, "", `</Cub> closes <Cube>`},
		{"an HTML error page", "<!DOCTYPE html>\n<html><body>Service unavailable</body></html>\n",
			CodeNotECB, 2, "", `root element is <html>, not gesmes:Envelope`},
		{"plain text", "upstream timeout\n",
			CodeNotECB, 1, "", `text "upstream timeout" outside the root element`},
		{"an empty input", "",
			CodeNotECB, 1, "", `empty input`},
		{"an envelope without dates", ecbDoc(""),
			CodeNotECB, 7, "", `no dated Cube`},
		{"a second root element", ecbDoc("\t\t<Cube time='2026-03-02'/>\n") + "<gesmes:Envelope/>\n",
			CodeMalformedXML, 8, "", `after the end of the root element`},
		{"an XML version the decoder does not know", "<?xml version=\"0\"?>",
			CodeMalformedXML, 1, "", `unsupported version "0"`},
		{"an encoding the decoder does not know", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<gesmes:Envelope/>",
			CodeMalformedXML, 1, "", `encoding "ISO-8859-1" declared but Decoder.CharsetReader is nil`},
		{"an attribute given twice", day("\t\t\t<Cube currency='USD' rate='1.0812' rate='1.0813'/>\n"),
			CodeMalformedXML, 6, "", `attribute rate given twice`},
		{"XML that is not well-formed", day("\t\t\t<Cube currency='USD' rate=1.0812/>\n"),
			CodeMalformedXML, 6, "", `unquoted or missing attribute value`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			err := Parse(context.Background(), strings.NewReader(tt.input), func(Rate) error { return nil })
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *ParseError", err, err)
			}
			if pe.Code != tt.code {
				t.Errorf("code %s, want %s (%v)", pe.Code, tt.code, err)
			}
			if tt.line > 0 && pe.Line != tt.line {
				t.Errorf("line %d, want %d (%v)", pe.Line, tt.line, err)
			}
			if pe.Line < 1 {
				t.Errorf("line %d, want a 1-based line (%v)", pe.Line, err)
			}
			if tt.path != "" && pe.Path != tt.path {
				t.Errorf("path %q, want %q", pe.Path, tt.path)
			}
			if !strings.Contains(pe.Message, tt.msg) {
				t.Errorf("message %q, want it to contain %q", pe.Message, tt.msg)
			}
		})
	}
}

func TestParseErrorPrintsLinePathAndReason(t *testing.T) {
	in := ecbDoc("\t\t<Cube time='2026-03-02'>\n\t\t\t<Cube currency='USD' rate='abc'/>\n\t\t</Cube>\n")
	err := Parse(context.Background(), strings.NewReader(in), func(Rate) error { return nil })
	want := `line 6: gesmes:Envelope/Cube/Cube[@time='2026-03-02']/Cube[@currency='USD']: rate "abc" is not a decimal`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestParseUnwrapsToTheCanonicalError(t *testing.T) {
	in := ecbDoc("\t\t<Cube time='2026-02-30'>\n\t\t</Cube>\n")
	err := Parse(context.Background(), strings.NewReader(in), func(Rate) error { return nil })
	var ce *canonical.ParseError
	if !errors.As(err, &ce) || ce.Code != canonical.CodeInvalidDate {
		t.Errorf("err = %v, want it to wrap a canonical invalid_date error", err)
	}
}

func TestParseGivesTheRatesBeforeTheFirstProblem(t *testing.T) {
	in := ecbDoc("\t\t<Cube time='2026-03-02'>\n\t\t\t<Cube currency='USD' rate='1.0812'/>\n\t\t\t<Cube currency='JPY' rate='x'/>\n\t\t</Cube>\n")
	var got []string
	err := Parse(context.Background(), strings.NewReader(in), func(r Rate) error {
		got = append(got, string(r.Currency))
		return nil
	})
	if err == nil || strings.Join(got, ",") != "USD" {
		t.Errorf("got %v and err %v, want USD then an error", got, err)
	}
}

func TestParsePassesOverCurrenciesThatLeftISO4217(t *testing.T) {
	in := ecbDoc("\t\t<Cube time='2022-12-30'>\n" +
		"\t\t\t<Cube currency='USD' rate='1.0666'/>\n" +
		"\t\t\t<Cube currency='HRK' rate='7.5365'/>\n" +
		"\t\t\t<Cube currency='BGN' rate='1.9558'/>\n" +
		"\t\t</Cube>\n")
	var got []string
	if err := Parse(context.Background(), strings.NewReader(in), func(r Rate) error {
		got = append(got, string(r.Currency))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "USD" {
		t.Errorf("got %v, want only USD (HRK and BGN are no longer ISO 4217 codes)", got)
	}
	bad := ecbDoc("\t\t<Cube time='2022-12-30'>\n\t\t\t<Cube currency='HRK' rate='abc'/>\n\t\t</Cube>\n")
	if err := Parse(context.Background(), strings.NewReader(bad), func(Rate) error { return nil }); err == nil {
		t.Error("a bad HRK rate passed: a legacy currency's rate is still checked")
	}
}

func TestParseStopsWithTheCallbacksError(t *testing.T) {
	stop := errors.New("store is full")
	n := 0
	err := Parse(context.Background(), bytes.NewReader(readFile(t, histFile)), func(Rate) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("err = %v after %d rates, want the callback's error after 3", err, n)
	}
}

func TestParseReturnsPromptlyOnceCancelled(t *testing.T) {
	data := generateHistory(2 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err := Parse(ctx, bytes.NewReader(data), func(Rate) error {
		n++
		if n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n > 10+ctxCheckEvery {
		t.Errorf("%d rates after cancel, want at most %d more", n-10, ctxCheckEvery)
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := Parse(ctx2, strings.NewReader(ecbDoc("")), func(Rate) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("already cancelled: err = %v, want context.Canceled", err)
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestParseWrapsReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("<gesmes:Envelope><Cube>"), failingReader{boom})
	err := Parse(context.Background(), r, func(Rate) error { return nil })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want it to wrap the read error", err)
	}
}
