package infer

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func TestDetectEncoding(t *testing.T) {
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("Menge;Währung\n")
	utf16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String("Menge;Währung\n")
	utf16noBOM, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().String("Menge;Währung\n")
	cp1252, _ := charmap.Windows1252.NewEncoder().String("Menge;Währung;Preis €\n")
	tests := []struct {
		name, in, enc, text string
	}{
		{"a UTF-8 byte order mark is UTF-8 and is dropped", "\xEF\xBB\xBFMenge;Währung\n", "utf-8", "Menge;Währung\n"},
		{"a UTF-16 little endian byte order mark is UTF-16", utf16le, "utf-16", "Menge;Währung\n"},
		{"a UTF-16 big endian byte order mark is UTF-16", utf16be, "utf-16", "Menge;Währung\n"},
		{"NUL bytes after ASCII without a byte order mark are UTF-16", utf16noBOM, "utf-16", "Menge;Währung\n"},
		{"valid UTF-8 without a byte order mark is UTF-8", "Menge;Währung\n", "utf-8", "Menge;Währung\n"},
		{"plain ASCII is UTF-8", "Qty,Price\n", "utf-8", "Qty,Price\n"},
		{"a sample cut inside a UTF-8 character is UTF-8 without it", "Menge;Währung\nStück;\xE2\x82", "utf-8", "Menge;Währung\nStück;"},
		{"invalid UTF-8 is Windows-1252 with umlauts and the euro sign", cp1252, "windows-1252", "Menge;Währung;Preis €\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, text, err := detectEncoding([]byte(tt.in))
			if err != nil || enc != tt.enc || text != tt.text {
				t.Errorf("detectEncoding = %q, %q, %v; want %q, %q", enc, text, err, tt.enc, tt.text)
			}
		})
	}
}

func TestDetectDelimiter(t *testing.T) {
	tests := []struct {
		name, in string
		want     rune
	}{
		{"semicolons with decimal commas in the values", "Menge;Preis;Wert\n1,5;2,25;3,38\n2;1,00;2,00\n", ';'},
		{"commas with semicolons inside quoted text", "Order,Description,Qty\n1,\"bolt; hex\",5\n2,\"nut; M8\",6\n", ','},
		{"tabs", "A\tB\tC\n1\t2\t3\n", '\t'},
		{"pipes", "A|B|C\n1|2,5|3\n4|5,5|6\n", '|'},
		{"a banner line above the header does not count", "Export from ERP, 2026-03-01, all plants\nA;B;C;D\n1;2;3;4\n5;6;7;8\n", ';'},
		{"the delimiter consistent across lines beats one frequent in a single line", "a,b,c,d,e;f\n1;2\n3;4\n5;6\n", ';'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := detectDelimiter(tt.in); got != tt.want || !ok {
				t.Errorf("detectDelimiter = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
	t.Run("one column has no delimiter", func(t *testing.T) {
		if _, ok := detectDelimiter("Order\n1\n2\n"); ok {
			t.Error("a one-column file has a delimiter")
		}
	})
}

func TestDetectHeader(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want int
	}{
		{"the first line", [][]string{{"PO", "Qty", "Price"}, {"A-1", "2", "3.50"}}, 0},
		{"below a banner line", [][]string{{"SAP export 01.03.2026"}, {"PO", "Qty", "Price"}, {"A-1", "2", "3.50"}}, 1},
		{"below an empty line", [][]string{{"", "", ""}, {"PO", "Qty", "Price"}, {"A-1", "2", "3.50"}}, 1},
		{"the texts below technical names", [][]string{{"EBELN", "XYZ01", "ZZ02"}, {"Purchase Order", "Quantity", "Net Price"}, {"45001", "2", "3.50"}}, 1},
		{"not a row of text data below the header", [][]string{{"Order", "Description", "Supplier"}, {"A", "Steel bolt", "Acme"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := detectHeader(tt.rows); got != tt.want || !ok {
				t.Errorf("detectHeader = %d, %v; want %d", got, ok, tt.want)
			}
		})
	}
	t.Run("numbers only have no header", func(t *testing.T) {
		if _, ok := detectHeader([][]string{{"1", "2"}, {"3", "4"}}); ok {
			t.Error("found a header among numbers")
		}
	})
}

func TestNumberShape(t *testing.T) {
	tests := []struct {
		in                          string
		ok                          bool
		decimal, thousands, ambiguo byte
	}{
		{"4.473,60", true, ',', '.', 0},
		{"1,234.50", true, '.', ',', 0},
		{"1,481,400.00", true, '.', ',', 0},
		{"12,5", true, ',', 0, 0},
		{"0,125", true, ',', 0, 0},
		{"3.5", true, '.', 0, 0},
		{"1.234", true, 0, 0, '.'},
		{"1,234", true, 0, 0, ','},
		{"1.234.567", true, 0, '.', 0},
		{"1 000", true, 0, ' ', 0},
		{"1'234.50", true, '.', '\'', 0},
		{"-42", true, 0, 0, 0},
		{"8471.30.00", false, 0, 0, 0},
		{"12.34.56", false, 0, 0, 0},
		{"A-100", false, 0, 0, 0},
		{"1.2345,6", false, 0, 0, 0},
		{"", false, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s := numberShapeOf(tt.in)
			if s.ok != tt.ok || s.decimal != tt.decimal || s.thousands != tt.thousands || s.ambiguous != tt.ambiguo {
				t.Errorf("numberShapeOf(%q) = %+v", tt.in, s)
			}
		})
	}
}

// columnsOf profiles a table given as columns of values.
func columnsOf(cols ...[]string) []*column {
	var out []*column
	for i, vals := range cols {
		c := &column{header: "c", index: i, values: vals}
		c.profile()
		out = append(out, c)
	}
	return out
}

func TestDetectNumbers(t *testing.T) {
	tests := []struct {
		name       string
		cols       [][]string
		mark, sep  string
		wantReason string
	}{
		{"German amounts have a decimal comma and thousands points", [][]string{{"4.473,60", "12,50"}, {"1.200", "10"}}, ",", ".", ""},
		{"US amounts have a decimal point and thousands commas", [][]string{{"1,234.50", "0.25"}}, ".", ",", ""},
		{"decimal commas without thousands", [][]string{{"0,35", "12,80"}}, ",", "", ""},
		{"decimal points without thousands", [][]string{{"0.35", "12.80"}}, ".", "", ""},
		{"French amounts group thousands with spaces", [][]string{{"0,18", "0,07"}, {"500", "1 000"}}, ",", " ", ""},
		{"1.234 is a thousands point when the file's decimals are commas", [][]string{{"1.234", "2.400"}, {"0,35", "0,12"}}, ",", ".", ""},
		{"1,234 is a thousands comma when the file's decimals are points", [][]string{{"1,234", "2,400"}, {"0.35", "0.12"}}, ".", ",", ""},
		{"the majority of columns decides over one odd column", [][]string{{"0,35"}, {"12,80"}, {"8471.30"}}, ",", "", ""},
		{"whole numbers only keep the default", [][]string{{"10", "20"}}, ".", "", ""},
		{"dates do not vote", [][]string{{"01.03.2026", "02.03.2026"}, {"1.5", "2.5"}}, ".", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark, sep := detectNumbers(columnsOf(tt.cols...))
			if mark != tt.mark || sep != tt.sep {
				t.Errorf("detectNumbers = %q, %q; want %q, %q", mark, sep, tt.mark, tt.sep)
			}
		})
	}
}

func TestDetectDateFormats(t *testing.T) {
	tests := []struct {
		name     string
		cols     [][]string
		mark     string
		want     []string
		wantNote string
	}{
		{"German dotted dates", [][]string{{"01.03.2026", "15.04.2026"}}, ",", []string{"DD.MM.YYYY"}, ""},
		{"ISO dates", [][]string{{"2026-03-01", "2026-12-31"}}, ".", []string{"YYYY-MM-DD"}, ""},
		{"a day above 12 makes slashed dates day first", [][]string{{"05/03/2026", "28/03/2026"}}, ".", []string{"DD/MM/YYYY"}, ""},
		{"a second part above 12 makes slashed dates month first", [][]string{{"03/14/2026", "04/30/2026"}}, ",", []string{"MM/DD/YYYY"}, ""},
		{"undecided slashed dates follow a decimal point to month first, with a note", [][]string{{"03/04/2026", "05/06/2026"}}, ".", []string{"MM/DD/YYYY"}, "is a guess"},
		{"undecided slashed dates follow a decimal comma to day first, with a note", [][]string{{"03/04/2026", "05/06/2026"}}, ",", []string{"DD/MM/YYYY"}, "is a guess"},
		{"compact dates", [][]string{{"20260301", "20261231"}}, ".", []string{"YYYYMMDD"}, ""},
		{"days and months without leading zeros", [][]string{{"1.3.2026", "15.10.2026"}}, ",", []string{"D.M.YYYY"}, ""},
		{"two-digit years", [][]string{{"01.03.26", "15.04.26"}}, ",", []string{"DD.MM.YY"}, ""},
		{"dates with a time", [][]string{{"2026-03-01 10:15:00", "2026-03-02 08:00:00"}}, ".", []string{"YYYY-MM-DD hh:mm:ss"}, ""},
		{"slashed year first", [][]string{{"2026/03/02", "2026/04/05"}}, ".", []string{"YYYY/MM/DD"}, ""},
		{"two notations, the more frequent first", [][]string{{"2026-03-01", "2026-03-02", "2026-03-03"}, {"15.04.2026", "16.04.2026"}}, ",", []string{"YYYY-MM-DD", "DD.MM.YYYY"}, ""},
		{"both orders in one file are listed with a note", [][]string{{"13/01/2026", "01/13/2026"}}, ".", []string{"DD/MM/YYYY", "MM/DD/YYYY"}, "both day first and month first"},
		{"no dates keep the default", [][]string{{"A-1", "B-2"}}, ".", []string{"YYYY-MM-DD"}, ""},
		{"order numbers of eight digits are not dates", [][]string{{"45000123", "45000124"}}, ".", []string{"YYYY-MM-DD"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, notes := detectDateFormats(columnsOf(tt.cols...), tt.mark)
			if !slices.Equal(got, tt.want) {
				t.Errorf("formats = %q, want %q", got, tt.want)
			}
			joined := strings.Join(notes, "; ")
			if (tt.wantNote == "") != (joined == "") || !strings.Contains(joined, tt.wantNote) {
				t.Errorf("notes = %q, want one with %q", joined, tt.wantNote)
			}
		})
	}
}

func TestNormHeader(t *testing.T) {
	same := [][]string{
		{"PO No.", "PO Nr", "PO #", "PO N°", "PO Number", "po-number", "  PO_NUM ", "PO Nº"},
		{"Bestellnummer", "Bestell-Nr.", "Bestellnr", "BESTELL NR"},
		{"Número de pedido", "numero de pedido", "Nº de pedido"},
		{"Währung", "WAHRUNG", "währung"},
		{"Số đơn hàng", "so don hang"},
		{"ＰＯ　Ｎｏ", "PO No"},
	}
	for _, group := range same {
		for _, h := range group[1:] {
			if normHeader(h) != normHeader(group[0]) {
				t.Errorf("normHeader(%q) = %q, but normHeader(%q) = %q", h, normHeader(h), group[0], normHeader(group[0]))
			}
		}
	}
}

func TestHeaderSynonymsMatchAcrossLanguages(t *testing.T) {
	tests := []struct{ header, field string }{
		{"PO No", "order_number"}, {"Bestellnummer", "order_number"}, {"Bestell-Nr.", "order_number"},
		{"N° commande", "order_number"}, {"Número de pedido", "order_number"}, {"采购单号", "order_number"}, {"订单号", "order_number"},
		{"Menge", "lines.quantity"}, {"Quantité", "lines.quantity"}, {"数量", "lines.quantity"}, {"Số lượng", "lines.quantity"},
		{"Währung", "currency"}, {"Devise", "currency"}, {"币种", "currency"}, {"通貨", "currency"},
		{"EAN", "lines.gtin"}, {"Zolltarifnummer", "lines.hs_code"}, {"Ursprungsland", "lines.origin_country"},
	}
	for _, tt := range tests {
		if m := matchHeader(normHeader(tt.header), tt.field); !m.exact {
			t.Errorf("%q is not a synonym of %s (score %.2f)", tt.header, tt.field, m.score)
		}
	}
	if m := matchHeader(normHeader("Supplier Name"), "supplier.id"); m.exact || m.score >= 0.9 {
		t.Errorf("Supplier Name matches supplier.id as well as a synonym: %+v", m)
	}
}

func TestInferRefusesWhatIsNotATable(t *testing.T) {
	tests := []struct {
		name   string
		sample string
		opts   Options
		want   error
		inMsg  string
	}{
		{"an empty sample", "", Options{}, ErrEmpty, ""},
		{"a sample above the size limit", strings.Repeat("a;b\n", MaxSampleSize/4+1), Options{}, ErrTooLarge, "larger than"},
		{"only spaces and line breaks", " \n\r\n ", Options{}, ErrEmpty, ""},
		{"numbers only", "1;2\n3;4\n", Options{}, ErrNoHeader, "column names"},
		{"binary data named .csv", "PK\x03\x04\x00\x00bin", Options{}, nil, "not a text file"},
		{"not a spreadsheet named .xlsx", "Order;Qty\n", Options{FileName: "orders.xlsx"}, nil, "not an XLSX spreadsheet"},
		{"an unknown document type", "Order;Qty\nA;1\n", Options{Document: "quote"}, nil, `"quote" is not a document type`},
		{"a constant of a field the document lacks", "Order;Qty\nA;1\n", Options{Constants: map[string]string{"shipment_id": "X"}}, nil, `"shipment_id" is not a field of document order`},
		{"a constant for the key", "Order;Qty\nA;1\n", Options{Constants: map[string]string{"order_number": "X"}}, nil, "order_number cannot be a constant"},
		{"a constant that is not a currency", "Order;Qty\nA;1\n", Options{Constants: map[string]string{"currency": "EURO"}}, nil, "currency"},
		{"an empty constant", "Order;Qty\nA;1\n", Options{Constants: map[string]string{"buyer.id": " "}}, nil, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Infer([]byte(tt.sample), tt.opts)
			if err == nil {
				t.Fatalf("no error, proposal %+v", p)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("error %q does not say %q", err, tt.inMsg)
			}
		})
	}
}

func TestScalarReadsBackAsWritten(t *testing.T) {
	plain := []string{"Bestellnummer", "Bestell-Nr.", "采购单号", "Unit Price"}
	for _, s := range plain {
		if got := scalar(s); got != s {
			t.Errorf("scalar(%q) = %s, want it plain", s, got)
		}
	}
	quoted := map[string]string{
		"N° commande": `"N° commande"`, "yes": `"yes"`, "2026": `"2026"`, "Qty: ordered": `"Qty: ordered"`,
		"#": `"#"`, `say "hi"`: `"say \"hi\""`, "${HOME}": `"$${HOME}"`, "a\tb": `"a\tb"`, ";": `";"`,
	}
	for in, want := range quoted {
		if got := scalar(in); got != want {
			t.Errorf("scalar(%q) = %s, want %s", in, got, want)
		}
	}
}
