package mt940_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/mt940"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

func decode(t *testing.T, path string) *connectortest.Recorder {
	t.Helper()
	rec, err := connectortest.DecodeFile(t, mt940.NewDecoder(), path)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return rec
}

func decodeText(t *testing.T, text string) (*connectortest.Recorder, error) {
	t.Helper()
	return connectortest.DecodeBytes(mt940.NewDecoder(), "test.sta", []byte(text))
}

func statements(t *testing.T, rec *connectortest.Recorder) []*canonical.BankStatement {
	t.Helper()
	var out []*canonical.BankStatement
	for _, r := range rec.Records {
		s, ok := r.Value.(*canonical.BankStatement)
		if !ok || r.Type != canonical.TypeBankStatement {
			t.Fatalf("record %s is a %T of type %q, want a *canonical.BankStatement", r.Key, r.Value, r.Type)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("statement %s does not validate: %v", s.StatementID, err)
		}
		out = append(out, s)
	}
	return out
}

func amounts(s *canonical.BankStatement) []string {
	var out []string
	for _, e := range s.Entries {
		out = append(out, e.Amount.String())
	}
	return out
}

func TestReversalsCountByTheirEffectOnTheBalance(t *testing.T) {
	// RD (reversal of a debit) gives money back, RC (reversal of a credit) takes it out.
	st := statements(t, decode(t, "testdata/swift_blocks_uk_gbp.txt"))
	if len(st) != 1 {
		t.Fatalf("%d statements, want 1", len(st))
	}
	s := st[0]
	if got, want := strings.Join(amounts(s), " "), "4800.00 -1320.50 120.00 -45.00"; got != want {
		t.Errorf("amounts %s, want %s", got, want)
	}
	if !s.Entries[2].Reversal || !s.Entries[3].Reversal || s.Entries[0].Reversal {
		t.Error("RD and RC entries must be marked as reversals, C not")
	}
	if s.BalanceCheck != canonical.BalanceOK || s.OpeningBalance.String() != "-1250.00" {
		t.Errorf("balance check %s from an overdrawn opening %s, want ok from -1250.00", s.BalanceCheck, s.OpeningBalance)
	}
	if s.Account.IBAN != "GB70NWBK40516223456789" || s.Account.BIC != "NWBKGB2L" || s.Account.Currency != "GBP" {
		t.Errorf("account %+v, want the IBAN and BIC of BIC/IBAN in GBP", s.Account)
	}
	var types []string
	for _, b := range s.Balances {
		types = append(types, b.Type)
	}
	if got := strings.Join(types, " "); got != "OPBD CLBD CLAV FWAV FWAV" {
		t.Errorf("balance types %s, want OPBD CLBD CLAV FWAV FWAV", got)
	}
}

func TestEntryDatesRollOverTheYearEnd(t *testing.T) {
	s := statements(t, decode(t, "testdata/year_end_rollover.sta"))[0]
	cases := []struct{ value, booking string }{{"2026-12-31", "2027-01-02"}, {"2027-01-02", "2026-12-31"}}
	for i, c := range cases {
		e := s.Entries[i]
		if e.ValueDate.String() != c.value || e.BookingDate.String() != c.booking {
			t.Errorf("entry %d: value %s booked %s, want value %s booked %s", i, e.ValueDate, e.BookingDate, c.value, c.booking)
		}
	}
}

func TestMT942IsAnInterimReportWithFloorLimitsAndTotals(t *testing.T) {
	for _, path := range []string{"testdata/mt942_interim_usd.txt", "testdata/mt942_by_tags_jpy.txt"} {
		t.Run(path, func(t *testing.T) {
			s := statements(t, decode(t, path))[0]
			if s.StatementType != canonical.StatementInterim {
				t.Errorf("statement_type %q, want interim", s.StatementType)
			}
			if s.BalanceCheck != "" || s.FloorLimitDebit == nil || s.FloorLimitCredit == nil || s.Totals == nil || s.CreatedAt.IsZero() {
				t.Errorf("want no balance check, both floor limits, totals and created_at: %+v", s)
			}
		})
	}
	s := statements(t, decode(t, "testdata/mt942_interim_usd.txt"))[0]
	if s.FloorLimitDebit.String() != "500.00" || s.FloorLimitCredit.String() != "1000.00" {
		t.Errorf("floor limits D %s C %s, want 500.00 and 1000.00", s.FloorLimitDebit, s.FloorLimitCredit)
	}
	if s.Totals.DebitCount != 1 || s.Totals.DebitAmount.String() != "12500.00" || s.Totals.CreditCount != 1 || s.Totals.CreditAmount.String() != "48000.00" {
		t.Errorf("totals %+v, want 1 debit of 12500.00 and 1 credit of 48000.00", *s.Totals)
	}
	if want := time.Date(2026, 11, 4, 14, 30, 0, 0, time.UTC); !s.CreatedAt.Equal(want) {
		t.Errorf("created_at %s, want %s", s.CreatedAt, want)
	}
}

func TestABalanceMismatchIsKeptAndFlagged(t *testing.T) {
	rec := decode(t, "testdata/balance_mismatch.sta")
	st := statements(t, rec)
	if len(st) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("%d statements and %d row errors, want the statement delivered", len(st), len(rec.RowErrors))
	}
	if s := st[0]; s.BalanceCheck != canonical.BalanceMismatch || s.BalanceDifference.String() != "10.00" {
		t.Errorf("balance check %s, difference %s; want mismatch by 10.00", s.BalanceCheck, s.BalanceDifference)
	}
}

func TestGermanGVCDetails(t *testing.T) {
	s := statements(t, decode(t, "testdata/two_statements_crlf.sta"))[0]
	e := s.Entries[1] // a SEPA direct debit
	if e.BankCode != "105" || e.EndToEndID != "VF-2026110401" || e.CreditorReference != "RF714711" ||
		e.RemittanceInfo != "Mobilfunk Rechnung 11/2026 RF714711" || e.CustomerReference != "KD-2026-4471" {
		t.Errorf("direct debit read as %+v", e)
	}
	if c := e.Counterparty; c == nil || c.Name != "Telefonie Nord AG" || c.IBAN != "DE61760501010012345678" || c.BIC != "GENODEF1S10" {
		t.Errorf("counterparty %+v", e.Counterparty)
	}
	if !strings.Contains(e.AdditionalInfo, "MREF+MANDAT-77821") {
		t.Errorf("the mandate reference is lost: additional_info %q", e.AdditionalInfo)
	}
	u := statements(t, decode(t, "testdata/latin1_umlauts.sta"))[0]
	if name := u.Entries[0].Counterparty.Name; name != "Müller & Söhne Maschinenbau" {
		t.Errorf("Latin-1 name read as %q", name)
	}
}

func TestDutchKeywordDetails(t *testing.T) {
	s := statements(t, decode(t, "testdata/dutch_rabobank_keywords.sta"))[0]
	if s.Account.IBAN != "NL54RABO0315274691" || s.Account.Currency != "EUR" {
		t.Errorf("account %+v: want the IBAN without the EUR behind it", s.Account)
	}
	if e := s.Entries[0]; e.CreditorReference != "RF14INV20261104" || e.Counterparty.Name != "Bakkerij De Vries BV" {
		t.Errorf("credit read as %+v", e)
	}
	e := s.Entries[1]
	if e.OriginalAmount == nil || e.OriginalAmount.String() != "1366.00" || e.OriginalCurrency != "USD" || e.Charges == nil || e.Charges.String() != "2.40" {
		t.Errorf("foreign payment read as %+v: want original USD 1366.00 and charges 2.40", e)
	}
}

func TestSplitStatementKeepsItsSequence(t *testing.T) {
	st := statements(t, decode(t, "testdata/split_statement_60m_62m.sta"))
	if len(st) != 2 || st[0].SequenceNumber != "00042/001" || st[1].SequenceNumber != "00042/002" {
		t.Fatalf("want the two parts 00042/001 and 00042/002, got %d statements", len(st))
	}
	if st[0].Balances[1].Type != "ITBD" || st[1].Balances[0].Type != "ITBD" || st[0].BalanceCheck != canonical.BalanceOK || st[1].BalanceCheck != canonical.BalanceOK {
		t.Errorf("intermediate balances: %+v / %+v", st[0].Balances, st[1].Balances)
	}
}

// TestMalformedStatementsAreRejectedOneByOne: each bad statement is one
// row error at the line of its problem; the good ones still arrive.
func TestMalformedStatementsAreRejectedOneByOne(t *testing.T) {
	cases := []struct {
		file    string
		lines   []int
		codes   []string
		records int
	}{
		{"truncated.sta", []int{12}, []string{mt940.CodeTruncated}, 1},
		{"wrong_tags.sta", []int{5}, []string{mt940.CodeUnknownTag}, 1},
		{"bad_dates.sta", []int{5, 11}, []string{canonical.CodeInvalidDate, canonical.CodeInvalidDate}, 1},
		{"amount_overflow.sta", []int{5}, []string{mt940.CodeAmountOverflow}, 1},
		{"duplicate_statement.sta", []int{8}, []string{canonical.CodeDuplicate}, 1},
		{"decimal_point_and_precision.sta", []int{5, 8}, []string{canonical.CodeInvalidDecimal, canonical.CodeTooPrecise}, 1},
		{"stray_text_and_currency_mismatch.sta", []int{2, 7}, []string{canonical.CodeCurrency, mt940.CodeUnexpectedText}, 1},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			rec := decode(t, "testdata/"+c.file)
			if len(rec.Records) != c.records {
				t.Errorf("%d statements arrived, want %d", len(rec.Records), c.records)
			}
			if len(rec.RowErrors) != len(c.lines) {
				t.Fatalf("row errors %v, want %d", rec.RowErrors, len(c.lines))
			}
			for i, e := range rec.RowErrors {
				if e.Line != c.lines[i] || e.Code != c.codes[i] || e.File != c.file || e.Message == "" {
					t.Errorf("row error %d: %v (line %d, code %s), want line %d, code %s", i, e, e.Line, e.Code, c.lines[i], c.codes[i])
				}
			}
		})
	}
	dup := decode(t, "testdata/duplicate_statement.sta").RowErrors[0]
	if !strings.Contains(dup.Message, "line 1") {
		t.Errorf("the duplicate's error %q does not name the first statement's line", dup.Message)
	}
}

func TestFilesThatAreNotMT940AreFileErrors(t *testing.T) {
	for file, code := range map[string]string{"not_mt940.csv": mt940.CodeNotMT940, "empty.sta": mt940.CodeEmpty} {
		rec, err := connectortest.DecodeFile(t, mt940.NewDecoder(), "testdata/"+file)
		var fe *connectors.FileError
		if !errors.As(err, &fe) || fe.Code != code {
			t.Errorf("%s: Decode = %v, want a file error %s", file, err, code)
		}
		if len(rec.Records)+len(rec.RowErrors) > 0 {
			t.Errorf("%s: something was emitted before the file error", file)
		}
	}
}

var fullIBAN = regexp.MustCompile(`[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}`)

func TestErrorMessagesNeverShowAFullAccountNumber(t *testing.T) {
	inputs := map[string]string{}
	for _, path := range testdataFiles(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inputs[path] = string(b)
	}
	inputs["bad account"] = ":20:X\n:25:DE95100200300004711816\n:28C:1\n:60F:C261103EUR1,00\n:62F:C261104EUR2,00\n-\n" +
		":20:X\n:25:DE95100200300004711815\n:28C:1\n:60F:C261103EUR1,00\n:62F:C261104EUR1,00\n-\n" +
		":20:X\n:25:DE95100200300004711815\n:28C:1\n:60F:C261103EUR1,00\n:62F:C261104EUR1,00\n-\n"
	for name, text := range inputs {
		rec, _ := decodeText(t, text)
		for _, e := range rec.RowErrors {
			if m := fullIBAN.FindString(e.Message); m != "" || strings.Contains(e.Message, "0004711815") {
				t.Errorf("%s: row error shows an account number: %s", name, e.Message)
			}
		}
	}
}

func TestAccountForms(t *testing.T) {
	cases := []struct{ in, iban, number, bic, currency string }{
		{"DE95100200300004711815", "DE95100200300004711815", "", "", "EUR"},
		{"10020030/0004711815", "", "10020030/0004711815", "", "EUR"},
		{"COBADEFFXXX/DE71200411110987654321", "DE71200411110987654321", "", "COBADEFFXXX", "EUR"},
		{"NL54RABO0315274691EUR", "NL54RABO0315274691", "", "", "EUR"},
		{"DE95100200300004711816", "", "DE95100200300004711816", "", "EUR"}, // fails mod 97: kept as the bank's number
	}
	for _, c := range cases {
		rec, err := decodeText(t, ":20:A\n:25:"+c.in+"\n:28C:1\n:60F:C261103EUR1,00\n:62F:C261104EUR1,00\n-\n")
		if err != nil || len(rec.Records) != 1 {
			t.Fatalf("%s: %v %v", c.in, err, rec.RowErrors)
		}
		a := rec.Records[0].Value.(*canonical.BankStatement).Account
		if a.IBAN != c.iban || a.Number != c.number || a.BIC != c.bic || string(a.Currency) != c.currency {
			t.Errorf(":25:%s read as %+v", c.in, a)
		}
		if key := rec.Records[0].Key; key != c.iban+c.number {
			t.Errorf(":25:%s keyed %q", c.in, key)
		}
	}
}

func TestCancelledDecodeStopsPromptly(t *testing.T) {
	content, n := generate(2<<20, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var rec connectortest.Recorder
	if err := mt940.NewDecoder().Decode(ctx, connectortest.InputOf("big.sta", content), bytes.NewReader(content), &rec); !errors.Is(err, context.Canceled) || len(rec.Records) > 0 {
		t.Errorf("cancelled before: Decode = %v with %d records", err, len(rec.Records))
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	rec = connectortest.Recorder{OnRecord: func(connectors.Record) { cancel() }}
	err := mt940.NewDecoder().Decode(ctx, connectortest.InputOf("big.sta", content), bytes.NewReader(content), &rec)
	if !errors.Is(err, context.Canceled) || len(rec.Records) > n/10 {
		t.Errorf("cancelled on the first record: Decode = %v after %d of %d statements", err, len(rec.Records), n)
	}
}

// peakSink counts statements and samples the heap as they arrive.
type peakSink struct {
	statements, rowErrors, entries int
	peak                           uint64
}

func (s *peakSink) Record(_ context.Context, r connectors.Record) error {
	s.statements++
	s.entries += len(r.Value.(*canonical.BankStatement).Entries)
	if s.statements%500 == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.peak = max(s.peak, ms.HeapAlloc)
	}
	return nil
}

func (s *peakSink) RowError(context.Context, connectors.RowError) error { s.rowErrors++; return nil }

func TestA50MBFileStreamsInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB: not in -short")
	}
	const size = 50 << 20
	gen := newStatementGen(size, 50)
	runtime.GC()
	var sink peakSink
	if err := mt940.NewDecoder().Decode(context.Background(), connectors.Input{Name: "big.sta"}, gen, &sink); err != nil {
		t.Fatal(err)
	}
	if sink.statements != gen.statements || sink.rowErrors != 0 || sink.entries != 50*gen.statements {
		t.Fatalf("%d statements (%d entries) and %d row errors, want %d and 0", sink.statements, sink.entries, sink.rowErrors, gen.statements)
	}
	if limit := uint64(16 << 20); sink.peak > limit {
		t.Errorf("the heap reached %d MiB for a %d MiB file: the decoder holds more than one statement", sink.peak>>20, size>>20)
	}
	t.Logf("%d statements, peak heap %.1f MiB", sink.statements, float64(sink.peak)/(1<<20))
}

func TestStatementLineMarksAndFundsCodes(t *testing.T) {
	cases := []struct {
		line     string
		amount   string
		reversal bool
		status   canonical.EntryStatus
		funds    string
		bankCode string
		custRef  string
		bankRef  string
	}{
		{"2611041104C100,00NTRFNONREF", "100.00", false, canonical.EntryBooked, "", "NTRF", "", ""},
		{"2611041104DR100,NMSCINV-4711//BANK-1", "-100.00", false, canonical.EntryBooked, "R", "NMSC", "INV-4711", "BANK-1"},
		{"261104RD100NRTINONREF//R-1", "100.00", true, canonical.EntryBooked, "", "NRTI", "", "R-1"},
		{"261104RCR100,5NRTI", "-100.50", true, canonical.EntryBooked, "R", "NRTI", "", ""},
		{"2611041104EC100,00NTRFNONREF", "100.00", false, canonical.EntryPending, "", "NTRF", "", ""},
		{"2611041104ED0000100,00S103PO-1//X", "-100.00", false, canonical.EntryPending, "", "S103", "PO-1", "X"},
	}
	for _, c := range cases {
		rec, err := decodeText(t, ":20:A\n:25:DE95100200300004711815\n:28C:1\n:34F:EUR0,\n:61:"+c.line+"\n-\n")
		if err != nil || len(rec.Records) != 1 {
			t.Fatalf(":61:%s: %v %v", c.line, err, rec.RowErrors)
		}
		e := rec.Records[0].Value.(*canonical.BankStatement).Entries[0]
		if e.Amount.String() != c.amount || e.Reversal != c.reversal || e.Status != c.status || e.FundsCode != c.funds ||
			e.BankCode != c.bankCode || e.CustomerReference != c.custRef || e.BankReference != c.bankRef {
			t.Errorf(":61:%s read as %s reversal %v %s funds %q code %s refs %q //%q", c.line, e.Amount, e.Reversal, e.Status, e.FundsCode, e.BankCode, e.CustomerReference, e.BankReference)
		}
	}
}

func TestInformationAfterTheClosingBalanceIsNotAnEntrysRemittance(t *testing.T) {
	rec, err := decodeText(t, ":20:A\n:25:DE95100200300004711815\n:28C:1\n:60F:C261103EUR1,00\n:61:2611041104C1,00NTRFNONREF\n:86:Rechnung 1\n:62F:C261104EUR2,00\n:86:Kontostand ohne Gewaehr\n-\n")
	if err != nil || len(rec.Records) != 1 {
		t.Fatalf("%v %v", err, rec.RowErrors)
	}
	if got := rec.Records[0].Value.(*canonical.BankStatement).Entries[0].RemittanceInfo; got != "Rechnung 1" {
		t.Errorf("remittance %q, want the entry's own", got)
	}
}

func TestTheBlockHeaderSaysWhichMessageItIs(t *testing.T) {
	body := ":20:A\n:25:DE95100200300004711815\n:28C:1\n:60F:C261103EUR1,00\n:62F:C261104EUR1,00\n-}\n"
	for header, want := range map[string]canonical.StatementType{
		"{1:F01COBADEFFAXXX0000000000}{2:I940COBADEFFXXXXN}{4:\n": canonical.StatementEndOfDay,
		"{1:F01COBADEFFAXXX0000000000}{2:O942COBADEFFXXXXN}{4:\n": canonical.StatementInterim,
	} {
		rec, err := decodeText(t, header+body)
		if err != nil || len(rec.Records) != 1 {
			t.Fatalf("%v %v", err, rec.RowErrors)
		}
		if got := rec.Records[0].Value.(*canonical.BankStatement).StatementType; got != want {
			t.Errorf("%s: statement_type %s, want %s", header[30:40], got, want)
		}
	}
}

func TestAnOverlongLineRejectsItsStatementOnly(t *testing.T) {
	good := ":20:B\n:25:DE95100200300004711815\n:28C:2\n:60F:C261103EUR1,00\n:62F:C261104EUR1,00\n-\n"
	text := ":20:A\n:25:DE95100200300004711815\n:28C:1\n:60F:C261103EUR1,00\n:86:" + strings.Repeat("x", 100<<10) + "\n:62F:C261104EUR1,00\n-\n" + good
	rec, err := decodeText(t, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.RowErrors) != 1 || rec.RowErrors[0].Line != 5 || rec.RowErrors[0].Code != mt940.CodeLineTooLong {
		t.Errorf("row errors %v, want one line_too_long on line 5", rec.RowErrors)
	}
	if len(rec.Records) != 1 || rec.Records[0].Value.(*canonical.BankStatement).StatementID != "B" {
		t.Errorf("%d statements, want the good one B", len(rec.Records))
	}
	if _, err := decodeText(t, strings.Repeat("x", 100<<10)); err == nil {
		t.Error("a file starting with a 100 KiB line is not an MT940 file")
	}
}

func TestASpaceAtTheEndOfAWrappedDetailsLineSeparatesWords(t *testing.T) {
	text := ":20:A  \n:25:DE95100200300004711815 \n:28C:1\n:60F:C261103EUR1,00   \n" +
		":61:2611041104CR1,00NTRFNONREF\n" +
		":86:166?00GUTSCHRIFT?20SVWZ+Rechnung 2026-0042 \nvom 03.11.2026?32Hansen       \n?33Werkzeugbau GmbH   \n" +
		":62F:C261104EUR2,00  \n-  \n"
	rec, err := decodeText(t, text)
	if err != nil || len(rec.Records) != 1 {
		t.Fatalf("%v %v", err, rec.RowErrors)
	}
	e := rec.Records[0].Value.(*canonical.BankStatement).Entries[0]
	if e.RemittanceInfo != "Rechnung 2026-0042 vom 03.11.2026" || e.Counterparty.Name != "Hansen Werkzeugbau GmbH" {
		t.Errorf("remittance %q, name %q", e.RemittanceInfo, e.Counterparty.Name)
	}
}
