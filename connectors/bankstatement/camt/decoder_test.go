package camt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/camt"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

func decode(t *testing.T, path string) (*connectortest.Recorder, []*canonical.BankStatement) {
	t.Helper()
	rec, err := connectortest.DecodeFile(t, decoder(t, formatOf(path)), path)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	var out []*canonical.BankStatement
	for _, r := range rec.Records {
		out = append(out, r.Value.(*canonical.BankStatement))
	}
	return rec, out
}

func dec(s string) canonical.Decimal { return canonical.MustDecimal(s) }

func TestNewDecoderRejectsAnUnknownFormat(t *testing.T) {
	if _, err := camt.NewDecoder("mt940"); err == nil {
		t.Error("NewDecoder(mt940) gave no error")
	}
	for _, f := range []string{camt.FormatCAMT053, camt.FormatCAMT052, camt.FormatCAMT054} {
		if _, err := camt.NewDecoder(f); err != nil {
			t.Errorf("NewDecoder(%s): %v", f, err)
		}
	}
}

func TestStatementsAddUpAndNameTheOtherSide(t *testing.T) {
	rec, st := decode(t, "testdata/camt053_v02_two_statements.xml")
	if len(st) != 2 || len(rec.RowErrors) != 0 {
		t.Fatalf("%d statements and %d row errors, want 2 and 0", len(st), len(rec.RowErrors))
	}
	s := st[0]
	if s.BalanceCheck != canonical.BalanceOK || !s.ClosingBalance.Equal(dec("16184.60")) {
		t.Errorf("first statement: balance check %q, closing %v; want ok and 16184.60", s.BalanceCheck, s.ClosingBalance)
	}
	if rec.Records[0].Key != "DE85500100000123456789" {
		t.Errorf("key %q, want the account IBAN", rec.Records[0].Key)
	}
	in, out := s.Entries[0], s.Entries[1]
	if in.Counterparty == nil || in.Counterparty.Name != "Müller Maschinenbau GmbH" {
		t.Errorf("a credit's counterparty is %+v, want the debtor Müller Maschinenbau GmbH", in.Counterparty)
	}
	if out.Counterparty == nil || out.Counterparty.Name != "Stadtwerke Köln GmbH" || !out.Amount.Equal(dec("-1190.50")) {
		t.Errorf("a debit is %v to %+v, want -1190.50 to the creditor Stadtwerke Köln GmbH", out.Amount, out.Counterparty)
	}
	if out.EndToEndID != "" {
		t.Errorf("end_to_end_id %q: NOTPROVIDED must be dropped", out.EndToEndID)
	}
	if s.Totals == nil || s.Totals.DebitCount != 2 || !s.Totals.DebitAmount.Equal(dec("1195.40")) {
		t.Errorf("totals %+v, want 2 debits of 1195.40 as the bank sent them", s.Totals)
	}
	if s.SequenceNumber != "41" || s.CreatedAt.IsZero() {
		t.Errorf("sequence %q created %v, want 41 and the creation time", s.SequenceNumber, s.CreatedAt)
	}
	if st[1].OpeningBalance.Sign() >= 0 {
		t.Errorf("an overdrawn opening balance (DBIT) reads %v, want it negative", st[1].OpeningBalance)
	}
}

func TestABatchBecomesOneEntryPerPaymentThatStillBalances(t *testing.T) {
	_, st := decode(t, "testdata/camt053_v08_batched_txdtls.xml")
	s := st[0]
	if len(s.Entries) != 5 {
		t.Fatalf("%d entries, want 3 from the batch, 1 credit and 1 reversal", len(s.Entries))
	}
	want := []string{"-7800.00", "-3450.00", "-1200.00"}
	for i, w := range want {
		if !s.Entries[i].Amount.Equal(dec(w)) {
			t.Errorf("batch payment %d is %v, want %s", i+1, s.Entries[i].Amount, w)
		}
	}
	if s.Entries[2].Counterparty == nil || s.Entries[2].Counterparty.IBAN != "FR1930004008280001234567897" {
		t.Errorf("the payment with its amount in AmtDtls/TxAmt went to %+v, want the French supplier", s.Entries[2].Counterparty)
	}
	if s.BalanceCheck != canonical.BalanceOK || s.OpeningBalance == nil || !s.OpeningBalance.Equal(dec("48210.37")) {
		t.Errorf("balance check %q opening %v: want ok from the previous closing (PRCD) 48210.37", s.BalanceCheck, s.OpeningBalance)
	}
	if got := s.Entries[1].CreditorReference; got != "RF54VDB20260098" {
		t.Errorf("creditor reference %q, want RF54VDB20260098 without spaces", got)
	}
	rv := s.Entries[4]
	if !rv.Reversal || rv.Amount.Sign() >= 0 || rv.Counterparty == nil || rv.Counterparty.Name != "Tuincentrum De Linde" {
		t.Errorf("the reversed credit is %v reversal=%v to %+v; want negative, a reversal, naming the original payer", rv.Amount, rv.Reversal, rv.Counterparty)
	}
	if s.Entries[0].BookingDate.String() != "2026-03-11" {
		t.Errorf("booking date from DtTm is %s, want 2026-03-11", s.Entries[0].BookingDate)
	}
}

func TestABatchThatDoesNotAddUpIsKeptWholeAndReported(t *testing.T) {
	rec, st := decode(t, "testdata/camt053_v04_batch_amounts_do_not_add_up.xml")
	if len(st) != 2 || len(st[0].Entries) != 1 || !st[0].Entries[0].Amount.Equal(dec("-5000.00")) {
		t.Fatalf("want the 5000.00 batch kept as one entry in a published statement, got %d statements", len(st))
	}
	if len(rec.RowErrors) != 1 || rec.RowErrors[0].Code != camt.CodeBatchMismatch || !strings.Contains(rec.RowErrors[0].Message, "-4900.00") {
		t.Errorf("row errors %+v, want one batch_mismatch saying the details add up to -4900.00", rec.RowErrors)
	}
}

func TestIntradayReportsAndNotifications(t *testing.T) {
	_, st := decode(t, "testdata/camt052_v04_intraday_swiss_qr.xml")
	s := st[0]
	if s.StatementType != canonical.StatementInterim || s.BalanceCheck != "" {
		t.Errorf("camt.052: type %q check %q, want interim and no check without a closing balance", s.StatementType, s.BalanceCheck)
	}
	if s.Entries[1].Status != canonical.EntryPending || s.Entries[0].CreditorReference != "210000000003139471430009017" {
		t.Errorf("camt.052: status %q, QR reference %q", s.Entries[1].Status, s.Entries[0].CreditorReference)
	}
	_, st = decode(t, "testdata/camt054_v06_credit_notification_usd_converted.xml")
	n := st[0]
	e := n.Entries[0]
	if n.StatementType != canonical.StatementNotification || e.OriginalCurrency != "USD" || !e.OriginalAmount.Equal(dec("10000.00")) || !e.Charges.Equal(dec("25.00")) {
		t.Errorf("camt.054: type %q, original %v %s, charges %v; want notification, USD 10000.00, 25.00", n.StatementType, e.OriginalAmount, e.OriginalCurrency, e.Charges)
	}
	if e.Counterparty == nil || e.Counterparty.Account != "000123456789" || e.Counterparty.BIC != "CHASUS33XXX" {
		t.Errorf("camt.054: counterparty %+v, want the US account number and its bank's BIC", e.Counterparty)
	}
}

func TestAClosingBalanceThatDoesNotAddUpIsPublishedAsAMismatch(t *testing.T) {
	rec, st := decode(t, "testdata/camt053_v04_closing_balance_mismatch.xml")
	if len(st) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("%d statements, %d row errors; a mismatch is kept, not dropped", len(st), len(rec.RowErrors))
	}
	if st[0].BalanceCheck != canonical.BalanceMismatch || !st[0].BalanceDifference.Equal(dec("10.00")) {
		t.Errorf("check %q difference %v, want mismatch by 10.00", st[0].BalanceCheck, st[0].BalanceDifference)
	}
}

func TestTheWrongMessageIsAFileErrorThatSaysWhatItIs(t *testing.T) {
	tests := []struct {
		name, path, format, code, says string
	}{
		{"a camt.054 given to the camt.053 decoder", "testdata/camt053_given_a_camt054_notification.xml", camt.FormatCAMT053, camt.CodeWrongMessage, "camt054"},
		{"a camt.053 given to the camt.052 decoder", "testdata/camt053_v02_two_statements.xml", camt.FormatCAMT052, camt.CodeWrongMessage, "camt.053"},
		{"version .001.09", "testdata/camt053_v09_unsupported_version.xml", camt.FormatCAMT053, camt.CodeBadVersion, ".001.09"},
		{"an MT940 text file", "testdata/camt053_mt940_text_not_xml.xml", camt.FormatCAMT053, camt.CodeNotXML, "camt.053"},
		{"a file cut off in its Document element", "testdata/camt053_cut_off_before_the_message.xml", camt.FormatCAMT053, camt.CodeMalformedXML, "breaks off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := connectortest.DecodeFile(t, decoder(t, tt.format), tt.path)
			var fe *connectors.FileError
			if !errors.As(err, &fe) || fe.Code != tt.code || !strings.Contains(fe.Message, tt.says) {
				t.Fatalf("Decode = %v, want a %s file error that says %q", err, tt.code, tt.says)
			}
			if len(rec.Records)+len(rec.RowErrors) > 0 {
				t.Errorf("%d records and %d row errors before a file error", len(rec.Records), len(rec.RowErrors))
			}
		})
	}
}

func TestBadStatementsAreRowErrorsWithPathAndLineAndTheRestArrives(t *testing.T) {
	tests := []struct {
		file, field, code string
		line, records     int
	}{
		{"camt053_v04_bad_booking_date.xml", "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/BookgDt/Dt", canonical.CodeInvalidDate, 51, 1},
		{"camt053_v04_amount_over_18_digits.xml", "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt", camt.CodeAmountDigits, 47, 1},
		{"camt053_v04_amount_tag_misspelt.xml", "Document/BkToCstmrStmt/Stmt[2]/Ntry[1]/Amt", canonical.CodeRequired, 88, 1},
		{"camt053_v04_duplicate_statement.xml", "Document/BkToCstmrStmt/Stmt[3]/Id", canonical.CodeDuplicate, 209, 2},
		{"camt053_v04_truncated_in_second_statement.xml", "Document/BkToCstmrStmt/Stmt[2]", camt.CodeMalformedXML, 169, 1},
		{"camt053_v04_closing_tag_mismatch.xml", "Document/BkToCstmrStmt/Stmt[2]", camt.CodeMalformedXML, 177, 1},
		{"camt053_v04_report_inside_a_statement_message.xml", "Document/BkToCstmrStmt/Rpt", camt.CodeUnexpectedElement, 209, 2},
		{"camt053_v04_counterparty_iban_check_digits_wrong.xml", "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/RltdPties", canonical.CodeInvalidIBAN, 87, 1},
		{"camt053_v04_entry_in_usd_on_eur_account.xml", "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt", canonical.CodeCurrency, 46, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rec, _ := decode(t, filepath.Join("testdata", tt.file))
			if len(rec.RowErrors) != 1 {
				t.Fatalf("row errors %+v, want one", rec.RowErrors)
			}
			e := rec.RowErrors[0]
			if e.Field != tt.field || e.Code != tt.code || e.Line != tt.line || e.File != tt.file {
				t.Errorf("row error %+v, want %s:%d %s %s", e, tt.file, tt.line, tt.field, tt.code)
			}
			if len(rec.Records) != tt.records {
				t.Errorf("%d good statements arrived, want %d", len(rec.Records), tt.records)
			}
		})
	}
	rec, _ := decode(t, "testdata/camt053_v04_duplicate_statement.xml")
	if msg := rec.RowErrors[0].Message; !strings.Contains(msg, "Stmt[1] on line 8") {
		t.Errorf("the duplicate's message %q does not name the first statement", msg)
	}
}

var fullIBAN = regexp.MustCompile(`[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}`)

func TestEveryStatementValidatesAndNoMessageShowsAnAccount(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, path := range files {
		rec, err := connectortest.DecodeFile(t, decoder(t, formatOf(path)), path)
		var fe *connectors.FileError
		if errors.As(err, &fe) && fullIBAN.MatchString(fe.Message) {
			t.Errorf("%s: file error shows an account: %s", path, fe.Message)
		}
		for _, e := range rec.RowErrors {
			if fullIBAN.MatchString(e.Message) || strings.Contains(e.Message, "000123456789") {
				t.Errorf("%s: row error shows an account: %s", path, e.Message)
			}
			if e.Line <= 0 || !strings.HasPrefix(e.Field, "Document/") {
				t.Errorf("%s: row error without line or XML path: %+v", path, e)
			}
		}
		for _, r := range rec.Records {
			s := r.Value.(*canonical.BankStatement)
			if err := s.Validate(); err != nil {
				t.Errorf("%s: statement %s does not validate: %v", path, s.StatementID, err)
			}
			if s.Source == nil || s.Source.Line <= 0 || !strings.HasPrefix(s.Source.Segment, "Document/") {
				t.Errorf("%s: statement %s has no lineage: %+v", path, s.StatementID, s.Source)
			}
		}
	}
}

// heapSink keeps nothing and samples the heap every 100 statements.
type heapSink struct {
	records, rowErrors int
	peak               uint64
}

func (s *heapSink) Record(context.Context, connectors.Record) error {
	s.records++
	if s.records%100 == 0 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.peak = max(s.peak, ms.HeapAlloc)
	}
	return nil
}

func (s *heapSink) RowError(context.Context, connectors.RowError) error { s.rowErrors++; return nil }

func TestAFiftyMegabyteFileStreamsInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 50 MB")
	}
	const stmts, perStmt = 3100, 20 // about 50 MB
	gen := newStatementGen(stmts, perStmt)
	counted := &countingReader{r: gen}
	var sink heapSink
	if err := decoder(t, camt.FormatCAMT053).Decode(context.Background(), connectors.Input{Name: "large.xml"}, counted, &sink); err != nil {
		t.Fatal(err)
	}
	if sink.records != stmts || sink.rowErrors != 0 {
		t.Fatalf("%d statements and %d row errors, want %d and 0", sink.records, sink.rowErrors, stmts)
	}
	if counted.n < 45<<20 {
		t.Fatalf("the generated file is %d bytes, want about 50 MB", counted.n)
	}
	if sink.peak > 16<<20 {
		t.Errorf("the heap reached %d MiB while streaming a %d MiB file: memory grows with the file", sink.peak>>20, counted.n>>20)
	}
	t.Logf("%d MiB streamed, peak heap %d MiB", counted.n>>20, sink.peak>>20)
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestDecodeStopsWhenItsContextIsCancelled(t *testing.T) {
	content := generated(2000, 1)
	ctx, cancel := context.WithCancel(context.Background())
	rec := connectortest.Recorder{OnRecord: func(connectors.Record) { cancel() }}
	err := decoder(t, camt.FormatCAMT053).Decode(ctx, connectortest.InputOf("large.xml", content), strings.NewReader(string(content)), &rec)
	if !errors.Is(err, context.Canceled) || len(rec.Records) > 1 {
		t.Errorf("Decode = %v after %d records, want context.Canceled after the first", err, len(rec.Records))
	}
}

func TestLatin1DocumentsAreRead(t *testing.T) {
	b, err := os.ReadFile("testdata/camt053_v02_two_statements.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)
	s = strings.ReplaceAll(s, "ü", "\xfc") // Müller in Latin-1
	s = strings.ReplaceAll(s, "ö", "\xf6")
	rec, err := connectortest.DecodeBytes(decoder(t, camt.FormatCAMT053), "latin1.xml", []byte(s))
	if err != nil || len(rec.Records) != 2 {
		t.Fatalf("Decode = %v with %d records and %+v", err, len(rec.Records), rec.RowErrors)
	}
	if got := rec.Records[0].Value.(*canonical.BankStatement).Entries[0].Counterparty.Name; got != "Müller Maschinenbau GmbH" {
		t.Errorf("name %q, want Müller Maschinenbau GmbH", got)
	}
}

func TestAUSAccountByNumberWithChargesInTheOldShape(t *testing.T) {
	rec, st := decode(t, "testdata/camt053_v03_us_account_number_wire_charges.xml")
	if len(st) != 1 || rec.Records[0].Key != "0412345678" || st[0].Account.Number != "0412345678" {
		t.Fatalf("want one statement keyed by the account number 0412345678, got %d", len(st))
	}
	e := st[0].Entries[0]
	if !e.Charges.Equal(dec("35.00")) || e.BankCode != "495" || e.Counterparty == nil || e.Counterparty.Account != "7765001234" {
		t.Errorf("charges %v, bank code %q, counterparty %+v; want 25.00 + 10.00 = 35.00, the proprietary code 495 and the payee's account", e.Charges, e.BankCode, e.Counterparty)
	}
	if st[0].SequenceNumber != "79" || st[0].BalanceCheck != canonical.BalanceOK {
		t.Errorf("sequence %q check %q; want the legal sequence number 79 and ok", st[0].SequenceNumber, st[0].BalanceCheck)
	}
}

func TestAFileWithAByteOrderMarkReadsTheSame(t *testing.T) {
	b, err := os.ReadFile("testdata/camt053_v02_two_statements.xml")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := connectortest.DecodeBytes(decoder(t, camt.FormatCAMT053), "bom.xml", append([]byte("\xef\xbb\xbf"), b...))
	if err != nil || len(rec.Records) != 2 || len(rec.RowErrors) != 0 {
		t.Errorf("Decode = %v with %d statements and %d row errors, want the 2 statements", err, len(rec.Records), len(rec.RowErrors))
	}
}
