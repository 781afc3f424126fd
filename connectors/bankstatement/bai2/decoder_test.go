package bai2_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/bai2"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

func decode(t *testing.T, name string) (*connectortest.Recorder, []*canonical.BankStatement) {
	t.Helper()
	rec, err := connectortest.DecodeFile(t, bai2.NewDecoder(), filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	var stmts []*canonical.BankStatement
	for _, r := range rec.Records {
		s := r.Value.(*canonical.BankStatement)
		if r.Type != canonical.TypeBankStatement || r.Key != s.Account.Number {
			t.Errorf("record type %q key %q, want bank_statement keyed by its account", r.Type, r.Key)
		}
		stmts = append(stmts, s)
	}
	return rec, stmts
}

func same(t *testing.T, what string, got *canonical.Decimal, want string) {
	t.Helper()
	if got == nil || got.String() != want {
		t.Errorf("%s = %v, want %s", what, got, want)
	}
}

func TestTwoGroupsThreeAccounts(t *testing.T) {
	rec, st := decode(t, "two_groups_three_accounts.bai")
	if len(rec.RowErrors) > 0 || len(st) != 3 {
		t.Fatalf("got %d statements and row errors %v, want 3 clean statements", len(st), rec.RowErrors)
	}
	usd, cad := st[0], st[2]
	t.Run("the opening and closing ledger are the statement's balances and they add up", func(t *testing.T) {
		same(t, "opening", usd.OpeningBalance, "12500.00")
		same(t, "closing", usd.ClosingBalance, "11875.50")
		if usd.BalanceCheck != canonical.BalanceOK || usd.StatementType != canonical.StatementEndOfDay {
			t.Errorf("balance_check %q type %q, want ok and statement", usd.BalanceCheck, usd.StatementType)
		}
		if usd.OpeningDate != canonical.NewDate(2026, 3, 1) || usd.ClosingDate != usd.OpeningDate {
			t.Errorf("dates %v %v, want the as-of date 2026-03-01", usd.OpeningDate, usd.ClosingDate)
		}
	})
	t.Run("debits are negative, credits positive, with the BAI type code as bank code", func(t *testing.T) {
		var got []string
		for _, e := range usd.Entries {
			got = append(got, e.BankCode+" "+e.Amount.String())
		}
		want := []string{"165 1825.50", "142 750.00", "475 -1200.00", "495 -2000.00"}
		if !slices.Equal(got, want) {
			t.Errorf("entries %v, want %v", got, want)
		}
	})
	t.Run("the wire's text goes on in its 88 continuation", func(t *testing.T) {
		if got := usd.Entries[3].RemittanceInfo; got != "OUTGOING WIRE SHENZHEN PRECISION PARTS CO PO 2026-0317 DEPOSIT 30 PCT" {
			t.Errorf("remittance_info %q", got)
		}
		if got := usd.Entries[3].CustomerReference; got != "PO-2026-0317" {
			t.Errorf("customer_reference %q, want PO-2026-0317", got)
		}
	})
	t.Run("the 100 and 400 summaries are the bank's totals", func(t *testing.T) {
		tot := usd.Totals
		if tot == nil || tot.CreditCount != 2 || tot.DebitCount != 2 {
			t.Fatalf("totals %+v, want 2 credits and 2 debits", tot)
		}
		same(t, "credit_amount", tot.CreditAmount, "2575.50")
		same(t, "debit_amount", tot.DebitAmount, "3200.00")
	})
	t.Run("the CAD account takes its currency from its group header", func(t *testing.T) {
		if cad.Account.Currency != "CAD" || cad.Entries[0].Currency != "CAD" {
			t.Errorf("currency %q / %q, want CAD", cad.Account.Currency, cad.Entries[0].Currency)
		}
		same(t, "closing", cad.ClosingBalance, "80000.12")
		if cad.StatementID != "1042-2-1" {
			t.Errorf("statement_id %q, want file id, group and the account's place in it (no account number)", cad.StatementID)
		}
	})
	t.Run("each statement points at its 03 line", func(t *testing.T) {
		var lines []int
		for _, s := range st {
			lines = append(lines, s.Source.Line)
		}
		if !slices.Equal(lines, []int{3, 11, 15}) || st[0].Source.File != "two_groups_three_accounts.bai" {
			t.Errorf("source lines %v file %q, want 3, 11, 15 in two_groups_three_accounts.bai", lines, st[0].Source.File)
		}
	})
}

func TestCurrencyMinorUnits(t *testing.T) {
	_, st := decode(t, "default_currency_usd_cad_jpy.bai")
	var got []string
	for _, s := range st {
		got = append(got, string(s.Account.Currency)+" "+s.ClosingBalance.String())
	}
	// 02 without currency is USD; the 03's CAD wins over it; JPY has no decimals.
	want := []string{"USD 14850.00", "CAD 80125.12", "JPY 11250000"}
	if !slices.Equal(got, want) {
		t.Errorf("closing balances %v, want %v", got, want)
	}
	if e := st[2].Entries[0]; e.Amount.String() != "-1250000" {
		t.Errorf("JPY wire %s, want -1250000", e.Amount)
	}
}

func TestFundsTypesDoNotShiftFields(t *testing.T) {
	rec, st := decode(t, "funds_types.bai")
	if len(rec.RowErrors) > 0 || len(st) != 1 {
		t.Fatalf("row errors %v", rec.RowErrors)
	}
	var refs []string
	for _, e := range st[0].Entries {
		refs = append(refs, e.BankReference+"|"+e.CustomerReference+"|"+e.Amount.String())
	}
	want := []string{
		"BR260304-0001||1500.00", "BR260304-0002||2000.00", "BR260304-0003|DEP-0304|1000.00",
		"BR260304-0004|INV-88440|500.00", "BR260304-0005||-1500.00", "BR260304-0006||0.00",
	}
	if !slices.Equal(refs, want) {
		t.Errorf("references %v\nwant %v", refs, want)
	}
	if st[0].Entries[0].ValueDate != canonical.NewDate(2026, 3, 5) {
		t.Errorf("V funds value date %v, want 2026-03-05", st[0].Entries[0].ValueDate)
	}
	if e := st[0].Entries[5]; e.Status != canonical.EntryInfo || e.BankCode != "890" {
		t.Errorf("890 entry status %q, want info", e.Status)
	}
	if st[0].BalanceCheck != canonical.BalanceOK {
		t.Errorf("balance_check %q, want ok (the 890 note moves no money)", st[0].BalanceCheck)
	}
}

func TestCurrentDayReportIsInterim(t *testing.T) {
	_, st := decode(t, "current_day_interim.bai")
	s := st[0]
	if s.StatementType != canonical.StatementInterim || s.ClosingBalance != nil || s.BalanceCheck != "" {
		t.Errorf("type %q closing %v check %q, want interim without a closing ledger or a balance check", s.StatementType, s.ClosingBalance, s.BalanceCheck)
	}
	var types []string
	for _, b := range s.Balances {
		types = append(types, b.Type)
	}
	if !slices.Equal(types, []string{"OPBD", "OPAV", "BAI-060", "BAI-072"}) {
		t.Errorf("balance types %v", types)
	}
}

func TestBankFiguresThatDoNotAddUpAreKeptAndFlagged(t *testing.T) {
	rec, st := decode(t, "closing_balance_mismatch.bai")
	if len(st) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("got %d statements, %v: a mismatch must be emitted, not dropped", len(st), rec.RowErrors)
	}
	if st[0].BalanceCheck != canonical.BalanceMismatch {
		t.Errorf("balance_check %q, want mismatch", st[0].BalanceCheck)
	}
	same(t, "balance_difference", st[0].BalanceDifference, "-350.00")
}

func TestSeveralRecordsPerLine(t *testing.T) {
	rec, st := decode(t, "several_records_per_line.bai")
	if len(rec.RowErrors) > 0 || len(st) != 2 {
		t.Fatalf("%d statements, row errors %v", len(st), rec.RowErrors)
	}
	if n := len(st[0].Entries); n != 3 {
		t.Errorf("first account has %d entries, want 3 (two share a line with the 03)", n)
	}
	// A text runs to the end of its line: its "/" is text, not a record end.
	if got := st[1].Entries[0].RemittanceInfo; got != "WIRE OUT HAMBURG TOOLING GMBH/ORDER 0322" {
		t.Errorf("remittance_info %q", got)
	}
}

func TestMalformedAccountsAreReportedAndTheRestArrives(t *testing.T) {
	tests := []struct {
		file  string
		codes []string // row error codes in order
		lines []int
		keys  []string // accounts still emitted
	}{
		{"truncated_missing_trailers.bai", []string{"missing_trailer", "missing_trailer", "missing_trailer"}, []int{16, 16, 16}, []string{"4410005521", "4410007788"}},
		{"wrong_record_codes.bai", []string{"unexpected_record", "unexpected_record", "record_count", "record_count"}, []int{6, 14, 15, 21}, []string{"4410007788", "9001234567"}},
		{"bad_dates.bai", []string{"invalid_date", "invalid_date"}, []int{2, 9}, []string{"9001234575"}},
		{"amount_overflow.bai", []string{"amount_overflow"}, []int{7}, []string{"4410007788", "9001234567"}},
		{"account_control_total_mismatch.bai", []string{"control_total"}, []int{10}, []string{"4410007788", "9001234567"}},
		{"record_count_mismatch.bai", []string{"record_count", "record_count", "record_count"}, []int{10, 18, 19}, []string{"4410007788", "9001234567"}},
		{"group_and_file_control_total_mismatch.bai", []string{"control_total", "control_total"}, []int{18, 19}, []string{"4410005521", "4410007788", "9001234567"}},
		{"duplicate_account.bai", []string{"duplicate_account"}, []int{11}, []string{"4410005521", "9001234567"}},
		{"loan_type_code_in_detail.bai", []string{"invalid_type_code"}, []int{7}, []string{"4410007788", "9001234567"}},
		{"test_only_group.bai", []string{"group_status"}, []int{14}, []string{"4410005521", "4410007788"}},
		{"content_after_file_trailer.bai", []string{"after_file_trailer"}, []int{20}, []string{"4410005521", "4410007788", "9001234567"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rec, st := decode(t, tt.file)
			var codes []string
			var lines []int
			for _, e := range rec.RowErrors {
				codes, lines = append(codes, e.Code), append(lines, e.Line)
				if e.File != tt.file || e.Message == "" {
					t.Errorf("row error without file or message: %+v", e)
				}
			}
			var keys []string
			for _, s := range st {
				keys = append(keys, s.Account.Number)
			}
			if !slices.Equal(codes, tt.codes) || !slices.Equal(lines, tt.lines) {
				t.Errorf("row errors %v at lines %v, want %v at %v\n%v", codes, lines, tt.codes, tt.lines, rec.RowErrors)
			}
			if !slices.Equal(keys, tt.keys) {
				t.Errorf("accounts emitted %v, want %v", keys, tt.keys)
			}
		})
	}
}

func TestNotBAI2IsAFileError(t *testing.T) {
	for _, name := range []string{"not_bai2_csv.bai", "empty.bai", "bai_version_3_header.bai"} {
		t.Run(name, func(t *testing.T) {
			rec, err := connectortest.DecodeFile(t, bai2.NewDecoder(), filepath.Join("testdata", name))
			var fe *connectors.FileError
			if !errors.As(err, &fe) || fe.Code != bai2.CodeNotBAI2 {
				t.Fatalf("err = %v, want a not_bai2 *FileError", err)
			}
			if len(rec.Records)+len(rec.RowErrors) > 0 {
				t.Errorf("emitted %d records and %d row errors before the file error", len(rec.Records), len(rec.RowErrors))
			}
		})
	}
}

// accountNumbers are the account numbers of testdata.
var accountNumbers = []string{"4410005521", "4410007788", "9001234567", "9001234575", "7700112233"}

func TestMessagesNeverShowAFullAccountNumber(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bai")
	for _, f := range files {
		rec, err := connectortest.DecodeFile(t, bai2.NewDecoder(), f)
		msgs := []string{}
		if err != nil {
			msgs = append(msgs, err.Error())
		}
		for _, e := range rec.RowErrors {
			msgs = append(msgs, e.Error())
		}
		for _, m := range msgs {
			for _, n := range accountNumbers {
				if strings.Contains(m, n) {
					t.Errorf("%s: message shows an account number: %s", f, m)
				}
			}
		}
	}
}

func TestCancelledContextStopsPromptly(t *testing.T) {
	var buf bytes.Buffer
	if err := writeLarge(&buf, 1, 200, 200); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &counter{}
	c.onRecord = func() {
		if c.records == 3 {
			cancel()
		}
	}
	err := bai2.NewDecoder().Decode(ctx, connectortest.InputOf("large.bai", buf.Bytes()), bytes.NewReader(buf.Bytes()), c)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if c.records > 10 {
		t.Errorf("%d statements after cancel at 3, want a prompt stop", c.records)
	}
}

// TestFiftyMegabytesStreamInFlatMemory decodes a 50 MB file generated on
// the fly: every statement arrives, and the heap stays far below the size
// of the file (one account section at a time).
func TestFiftyMegabytesStreamInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB")
	}
	const groups, accounts, details = 5, 400, 330 // ≈ 50 MB
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeLarge(pw, groups, accounts, details)) }()
	cr := &countingReader{r: pr}
	var peak uint64
	c := &counter{}
	c.onRecord = func() {
		if c.records%100 == 0 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
		}
	}
	start := time.Now()
	if err := bai2.NewDecoder().Decode(context.Background(), connectors.Input{Name: "large.bai"}, cr, c); err != nil {
		t.Fatal(err)
	}
	if c.rowErrors > 0 || c.records != groups*accounts {
		t.Fatalf("%d statements and %d row errors (first %v), want %d clean", c.records, c.rowErrors, c.firstError, groups*accounts)
	}
	if cr.n < 50<<20 {
		t.Fatalf("generated %d bytes, want at least 50 MB", cr.n)
	}
	if peak > 16<<20 {
		t.Errorf("heap peaked at %d MB decoding %d MB: memory grows with the file", peak>>20, cr.n>>20)
	}
	t.Logf("%d MB in %v, heap peak %d MB", cr.n>>20, time.Since(start), peak>>20)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestGoldenFilesExistForAllTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bai")
	for _, f := range files {
		if _, err := os.Stat(connectortest.GoldenPath(f)); err != nil {
			t.Errorf("%s has no golden file", f)
		}
	}
}
