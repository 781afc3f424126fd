package infer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// maxRows is how many data rows of the sample are looked at.
const maxRows = 500

// table is the sample as read: its header and data rows, and the text
// settings found while reading it.
type table struct {
	header   []string
	rows     [][]string
	settings Settings
}

// Encodings as the mapping names them.
const (
	encUTF8   = "utf-8"
	encUTF16  = "utf-16"
	enc1252   = "windows-1252"
	formatCSV = "csv"
	formatXLS = "xlsx"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// detectEncoding names the encoding of b and returns its text as UTF-8
// without a byte order mark: a byte order mark decides (UTF-8, UTF-16),
// then NUL bytes in the first pair (UTF-16 without one), then whether the
// bytes are valid UTF-8; anything else is read as Windows-1252, the code
// page Western ERPs write.
func detectEncoding(b []byte) (enc string, text string, err error) {
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		return encUTF8, string(b[len(bomUTF8):]), nil
	case bytes.HasPrefix(b, bomUTF16LE):
		s, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		return encUTF16, string(s), err
	case bytes.HasPrefix(b, bomUTF16BE):
		s, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		return encUTF16, string(s), err
	case len(b) >= 2 && b[0] != 0 && b[1] == 0:
		s, err := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder().Bytes(b)
		return encUTF16, string(s), err
	case utf8.Valid(b):
		return encUTF8, string(b), nil
	case utf8.Valid(b[:cutRune(b)]):
		// a sample cut inside a character: the character is dropped
		return encUTF8, string(b[:cutRune(b)]), nil
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	return enc1252, string(s), err
}

// cutRune returns the length of b without an incomplete UTF-8 sequence at
// its end (a sample cut at a byte count), or len(b).
func cutRune(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return len(b) // ASCII: nothing cut
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return len(b) - k
			}
			return len(b)
		}
	}
	return len(b)
}

// delimiters are the candidates, in the order that breaks a tie.
var delimiters = []rune{';', ',', '\t', '|'}

// delimiterName is how a mapping writes a delimiter.
func delimiterName(r rune) string {
	if r == '\t' {
		return "tab"
	}
	return string(r)
}

// record is one CSV record with the line it starts on.
type record struct {
	line   int
	fields []string
}

// readRecords reads up to limit non-blank records of text split by delim,
// leniently (stray quotes, ragged rows). A syntax error ends the read; the
// records before it are returned.
func readRecords(text string, delim rune, limit int) []record {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delim
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	var out []record
	for len(out) < limit {
		fields, err := r.Read()
		if err != nil {
			break
		}
		line, _ := r.FieldPos(0)
		if blankRow(fields) {
			continue
		}
		out = append(out, record{line: line, fields: fields})
	}
	return out
}

func blankRow(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// nonEmpty counts the cells with text.
func nonEmpty(fields []string) int {
	n := 0
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			n++
		}
	}
	return n
}

// detectDelimiter picks the delimiter that splits the first lines of text
// into the same number of fields (two or more) most consistently: most
// lines with the most common count, then the larger count, then the order
// of delimiters. A banner line above the header does not count against a
// delimiter. ok is false when no candidate splits any line.
func detectDelimiter(text string) (delim rune, ok bool) {
	best, bestLines, bestWidth := ',', 0, 0
	for _, d := range delimiters {
		recs := readRecords(text, d, 20)
		counts := map[int]int{}
		for _, r := range recs {
			counts[len(r.fields)]++
		}
		width, lines := 0, 0
		for w, n := range counts {
			if w < 2 {
				continue
			}
			if n > lines || (n == lines && w > width) {
				width, lines = w, n
			}
		}
		if lines > bestLines || (lines == bestLines && width > bestWidth) {
			best, bestLines, bestWidth = d, lines, width
		}
	}
	return best, bestLines > 0
}

// detectHeader returns the index of the header among rows. Candidates are
// the rows of labels at the top: rows that fill most of the table's width
// with text that is not a number or a date (a banner line above them,
// "Export from SAP, 01.03.2026", has fewer cells). Of these the row with
// the most known field names wins, the later one on a tie: SAP exports may
// write the technical names (EBELN) above the texts (Purchase Order).
func detectHeader(rows [][]string) (int, bool) {
	width := 0
	for _, r := range rows {
		width = max(width, nonEmpty(r))
	}
	if width == 0 {
		return 0, false
	}
	best, bestNames, found := 0, -1, false
	for i, r := range rows {
		n := nonEmpty(r)
		if n == 0 || float64(n) < 0.6*float64(width) {
			if found {
				break
			}
			continue
		}
		labels := 0
		for _, c := range r {
			c = strings.TrimSpace(c)
			if c != "" && !looksNumeric(c) && dateShapeOf(c) == nil {
				labels++
			}
		}
		if float64(labels) < 0.7*float64(n) {
			if found {
				break
			}
			continue
		}
		found = true
		if names := knownNames(r); names >= bestNames {
			best, bestNames = i, names
		}
	}
	return best, found
}

// knownNames counts the cells of a row that name a field of any document.
func knownNames(row []string) int {
	n := 0
	for _, c := range row {
		h := normHeader(c)
		if h == "" {
			continue
		}
		for field := range synonyms {
			if matchHeader(h, field).score >= 0.5 {
				n++
				break
			}
		}
	}
	return n
}

// looksNumeric reports cells made of digits, signs and number punctuation.
func looksNumeric(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-.,' %\u00a0", r):
		default:
			return false
		}
	}
	return digits > 0
}

// readCSV reads a CSV sample: encoding, delimiter, header, rows.
func readCSV(b []byte) (*table, error) {
	enc, text, err := detectEncoding(b)
	if err != nil {
		return nil, fmt.Errorf("infer: decode %s text: %w", enc, err)
	}
	if strings.IndexByte(text, 0) >= 0 {
		return nil, errors.New("infer: the sample is not a text file (it has NUL bytes): is it a spreadsheet saved with a .csv name?")
	}
	if strings.TrimSpace(text) == "" {
		return nil, ErrEmpty
	}
	delim, _ := detectDelimiter(text)
	recs := readRecords(text, delim, maxRows+50)
	if len(recs) == 0 {
		return nil, fmt.Errorf("%w: the sample has no CSV records", ErrNoHeader)
	}
	head := recs[:min(len(recs), 10)]
	rows := make([][]string, len(head))
	for i, r := range head {
		rows[i] = r.fields
	}
	h, ok := detectHeader(rows)
	if !ok {
		return nil, fmt.Errorf("%w: none of the first %d lines looks like column names", ErrNoHeader, len(head))
	}
	t := &table{header: trimAll(recs[h].fields)}
	for _, r := range recs[h+1:] {
		if len(t.rows) == maxRows {
			break
		}
		t.rows = append(t.rows, trimAll(r.fields))
	}
	t.settings = Settings{Format: formatCSV, Encoding: enc, Delimiter: delimiterName(delim), HeaderRow: recs[h].line}
	return t, nil
}

// readXLSX reads the first sheet of a spreadsheet sample. Cells are read as
// the spreadsheet shows them.
func readXLSX(b []byte) (t *table, err error) {
	defer func() {
		// excelize has panicked on malformed archives; a bad sample is an
		// error, never a crash.
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("infer: the spreadsheet cannot be read: %v", r)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("infer: the sample is not an XLSX spreadsheet: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("infer: the spreadsheet has no sheets")
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("infer: read sheet %q: %w", sheets[0], err)
	}
	rows = rows[:min(len(rows), maxRows+50)]
	datesAsText(f, sheets[0], rows)
	rows = rows[:min(len(rows), maxRows+50)]
	head := rows[:min(len(rows), 10)]
	h, ok := detectHeader(head)
	if !ok {
		return nil, fmt.Errorf("%w: none of the first %d rows of sheet %q looks like column names", ErrNoHeader, len(head), sheets[0])
	}
	t = &table{header: trimAll(rows[h])}
	for _, r := range rows[h+1:] {
		if blankRow(r) {
			continue
		}
		t.rows = append(t.rows, trimAll(r))
	}
	t.settings = Settings{Format: formatXLS, Sheet: sheets[0], HeaderRow: h + 1}
	return t, nil
}

// datesAsText writes the cells that a date format shows as dates (their
// value is a serial number) as YYYY-MM-DD, the way the XLSX decoder reads
// a date cell whatever the mapping's date_formats; other cells keep their
// stored value, so numbers have a decimal point.
func datesAsText(f *excelize.File, sheet string, rows [][]string) {
	isDate := map[int]bool{}
	for r, row := range rows {
		for c, v := range row {
			if v == "" || !looksNumeric(v) {
				continue
			}
			ref, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				continue
			}
			style, err := f.GetCellStyle(sheet, ref)
			if err != nil || style == 0 {
				continue
			}
			date, seen := isDate[style]
			if !seen {
				date = dateStyle(f, style)
				isDate[style] = date
			}
			if !date {
				continue
			}
			serial, err := strconv.ParseFloat(v, 64)
			if err != nil || serial < 1 || serial > 2958465 {
				continue
			}
			if t, err := excelize.ExcelDateToTime(serial, false); err == nil {
				rows[r][c] = t.Format("2006-01-02")
			}
		}
	}
}

// dateStyle reports whether a cell style shows numbers as dates: a
// built-in date format or a custom one with days or years.
func dateStyle(f *excelize.File, idx int) bool {
	st, err := f.GetStyle(idx)
	if err != nil || st == nil {
		return false
	}
	if st.CustomNumFmt != nil {
		code := strings.ToLower(*st.CustomNumFmt)
		inQuote := false
		for _, r := range code {
			switch {
			case r == '"':
				inQuote = !inQuote
			case !inQuote && (r == 'd' || r == 'y'):
				return true
			}
		}
		return false
	}
	n := st.NumFmt
	return (n >= 14 && n <= 17) || n == 22 || (n >= 27 && n <= 36) || (n >= 50 && n <= 58)
}

func trimAll(fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = strings.TrimSpace(f)
	}
	return out
}

// cell returns row[i], or "" past the row's end.
func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}
