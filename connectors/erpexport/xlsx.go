package erpexport

// The XLSX decoder (format xlsx): ERP exports and supplier documents saved
// as Excel workbooks, read through the same mappings as the CSV files.
//
// How a workbook is read, in order:
//
//  1. The input is spooled to a temporary file (excelize needs random
//     access to the zip) and looked at before any XML is parsed: an empty
//     file, a CSV or another text named .xlsx, a legacy .xls, a
//     password-protected workbook (an encrypted OLE container), a truncated
//     zip, or a zip whose declared sizes add up to too much (a zip bomb) is a
//     *connectors.FileError.
//  2. The workbook and its relationships give the sheets in order; the
//     mapping's sheet (name or 1-based position, default the first) is
//     chosen, or a FileError lists the sheets there are.
//  3. The merged ranges of the selected sheet are read (they come after
//     the cells in its XML) in a quick pass that looks for nothing else,
//     while excelize opens the workbook.
//  4. The rows are streamed with excelize's Rows iterator, with raw cell
//     values (the XML text: no float rounding, no number formats applied).
//     Beside it, in a goroutine of its own, the sheet is checked
//     (scanSheet): its zip checksum, its XML as excelize's parser takes it
//     (which stops quietly where it gives up, losing the rows after), and
//     the order of its rows and cells; the check writes each cell's type
//     and style to a journal, which the decode reads in step with
//     excelize's rows: excelize's iterator does not give them, and they
//     make numbers, dates and text each read as what they are (see
//     cellText). Records and row errors wait behind a gate until the check
//     has passed, so that nothing of a broken sheet is published.
//  5. The header is the mapping's header_row, or the first of the first 20
//     non-empty rows that fits the mapping; the rows after it go to the
//     mapping's RowBuilder, like the CSV decoder's.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
	"github.com/xuri/excelize/v2"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// FormatXLSX is the format name of Excel workbooks (`procurehub parse --format xlsx`).
const FormatXLSX = "xlsx"

// File error codes of the XLSX decoder (CodeNoHeader too, for a sheet
// without a header).
const (
	CodeNotXLSX       = "not_xlsx"       // not an XLSX workbook: text, a legacy .xls, another zip
	CodeEncrypted     = "encrypted"      // a password-protected workbook
	CodeCorruptXLSX   = "corrupt_xlsx"   // a damaged or truncated workbook
	CodeTooLarge      = "too_large"      // over a size limit, or a likely zip bomb
	CodeMissingSheet  = "missing_sheet"  // the mapping's sheet is not in the workbook
	CodeNotWorksheet  = "not_worksheet"  // the mapping's sheet is a chart sheet or another non-grid sheet
	CodeCellError     = "cell_error"     // row error: a cell shows a formula error such as #N/A
	CodeNotCalculated = "not_calculated" // row error: a formula cell has no calculated value stored
)

// Limits of the XLSX decoder. A workbook over one of them is refused with
// a CodeTooLarge file error before its XML is parsed.
const (
	// xlsxMaxFile bounds the workbook file itself.
	xlsxMaxFile = 1 << 30
	// xlsxMaxUnzip bounds what the zip declares its parts unpack to, in all
	// (excelize's UnzipSizeLimit). A 1,000,000-row export is about 600 MB
	// of sheet XML.
	xlsxMaxUnzip = 4 << 30
	// xlsxMaxInMemory bounds the parts excelize holds in memory while the
	// workbook is open: every part but the worksheets and the shared string
	// table that are larger than xlsxXMLInMemory, which it unpacks to
	// temporary files and streams.
	xlsxMaxInMemory = 256 << 20
	// xlsxXMLInMemory is excelize's UnzipXMLSizeLimit: larger worksheets and
	// shared string tables are unpacked to temporary files.
	xlsxXMLInMemory = 16 << 20
	// xlsxMaxRatio is the highest unpacked-to-packed ratio a part larger
	// than xlsxRatioFloor may declare. Sheet XML packs about 10 to 30 times;
	// a zip bomb over 1,000 times.
	xlsxMaxRatio   = 200
	xlsxRatioFloor = 16 << 20
	// xlsxMaxParts bounds the number of parts in the zip.
	xlsxMaxParts = 10000
	// xlsxMaxMerges bounds the merged ranges of the selected sheet.
	xlsxMaxMerges = 1 << 20
	// xlsxHeaderSearch is how many non-empty rows are tried as the header
	// when the mapping does not name the header row.
	xlsxHeaderSearch = 20
)

// Spreadsheet bounds (Excel's): rows and columns of a sheet.
const (
	maxSheetRows = 1 << 20 // 1,048,576
	maxSheetCols = 1 << 14 // 16,384, column XFD
)

// XLSXDecoder reads XLSX workbooks (ERP exports, supplier documents) into
// canonical records through a mapping: the sheet it names (default the
// first), the header row it names or the first row that fits it, then one
// record per group of rows, as the CSV Decoder does. Only the selected
// sheet's XML is parsed (excelize unpacks the others, when large, to
// temporary files). Memory stays bounded however large the sheet: the
// workbook is spooled to a temporary file, large sheets and shared string
// tables are streamed from disk, and rows go to the mapping one at a time.
// One XLSXDecoder may decode several inputs at once.
//
// The mapping keys encoding and delimiter do not apply to workbooks.
type XLSXDecoder struct {
	rules      *mapping.Rules
	columns    map[string]colKind // lower-case trimmed header → how its cells are read
	dateLayout string             // Go layout of the mapping's preferred date notation
	decimal    byte               // the mapping's decimal mark
}

var _ connectors.Decoder = (*XLSXDecoder)(nil)

// colKind is how the cells of a mapped column are read (see cellText).
type colKind uint8

const (
	colText   colKind = iota // text, codes, lists: a number is written plainly
	colNumber                // decimals, counts, percentages: a number in the mapping's notation
	colDate                  // dates: a serial number becomes a date in the mapping's notation
)

// NewXLSXDecoder checks the mapping and returns an XLSX decoder for it:
//
//	m, err := mapping.Load("configs/partners/acme-gmbh.mapping.yaml")
//	d, err := erpexport.NewXLSXDecoder(m)
//	err = d.Decode(ctx, connectors.Input{Name: "orders.xlsx"}, file, sink)
func NewXLSXDecoder(m *mapping.Mapping) (*XLSXDecoder, error) {
	r, err := m.Compile()
	if err != nil {
		return nil, err
	}
	d := &XLSXDecoder{rules: r, columns: map[string]colKind{}, decimal: '.'}
	if m.DecimalMark == "," {
		d.decimal = ','
	}
	d.dateLayout = preferredDateLayout(m.DateFormats)
	// Which columns hold dates and which numbers is the mapping's knowledge.
	for header, k := range r.ColumnKinds() {
		switch k {
		case mapping.CellDate:
			d.columns[headerKey(header)] = colDate
		case mapping.CellNumber:
			d.columns[headerKey(header)] = colNumber
		default:
			d.columns[headerKey(header)] = colText
		}
	}
	return d, nil
}

// headerKey is how a header is looked up: the builder's matching, ignoring
// case and surrounding spaces.
func headerKey(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
}

// preferredDateLayout turns the mapping's first date notation with a
// four-digit year (else its first) into a Go layout: the form dates stored
// as numbers are written in for the mapping to read. "DD.MM.YYYY" gives
// "02.01.2006"; a time part is written as midnight.
func preferredDateLayout(formats []string) string {
	if len(formats) == 0 {
		return "2006-01-02"
	}
	chosen := formats[0]
	for _, f := range formats {
		if strings.Contains(f, "YYYY") {
			chosen = f
			break
		}
	}
	var b strings.Builder
	tokens := []struct{ token, layout string }{
		{"YYYY", "2006"}, {"YY", "06"}, {"MM", "01"}, {"M", "1"}, {"DD", "02"}, {"D", "2"},
		{"hh", "15"}, {"mm", "04"}, {"ss", "05"},
	}
next:
	for i := 0; i < len(chosen); {
		for _, t := range tokens {
			if strings.HasPrefix(chosen[i:], t.token) {
				b.WriteString(t.layout)
				i += len(t.token)
				continue next
			}
		}
		b.WriteByte(chosen[i])
		i++
	}
	return b.String()
}

// Decode reads one workbook: the mapping's sheet, from its header row on.
// Lines are spreadsheet rows (1-based) and RowError.Sheet and each record's
// lineage name the sheet. Empty rows are skipped. A workbook that cannot be
// read, a missing sheet, a header that does not fit the mapping or a sheet
// whose XML is broken anywhere is a *connectors.FileError, and out gets
// nothing before the whole sheet has been checked (were excelize's parser
// still to stop early on XML the check took, the FileError would come
// after records). Decode uses temporary files (the workbook, excelize's
// unpacked sheets, the journal of cells) and goroutines of its own, and
// removes or ends them all before it returns. It checks ctx every few
// hundred rows and returns ctx.Err() once it is cancelled.
func (d *XLSXDecoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x := &xlsxRead{d: d, ctx: ctx, in: in, out: out}
	defer x.close()
	if err := x.open(r); err != nil {
		return err
	}
	err := x.decode()
	if err != nil && ctx.Err() == nil {
		// A broken sheet is what to say first, whatever its rows gave.
		if checkErr := x.checkFailed(); checkErr != nil {
			return checkErr
		}
	}
	return err
}

// xlsxRead is one Decode: the open workbook and where the reading is.
type xlsxRead struct {
	d   *XLSXDecoder
	ctx context.Context
	in  connectors.Input
	out connectors.Sink

	tmp      *os.File // the spooled workbook
	zr       *zip.Reader
	book     *excelize.File
	sheet    string    // the selected sheet's name as the workbook writes it
	part     *zip.File // its XML
	date1904 bool
	merges   []mergeRange
	journal  *cellJournal
	styles   map[int]numFormat

	// The check of the sheet, running in the background (see startCheck).
	checked   chan struct{} // closed when it has ended
	checkErr  error         // its result, set before checked is closed
	stopCheck context.CancelFunc
}

func (x *xlsxRead) fileError(code, format string, args ...any) error {
	return &connectors.FileError{File: x.in.Name, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (x *xlsxRead) close() {
	if x.stopCheck != nil {
		x.stopCheck()
		<-x.checked
	}
	if x.journal != nil {
		x.journal.close()
	}
	if x.book != nil {
		_ = x.book.Close() // removes excelize's temporary files
	}
	if x.tmp != nil {
		_ = x.tmp.Close()
		_ = os.Remove(x.tmp.Name())
	}
}

// open spools r, checks the package and selects the sheet.
func (x *xlsxRead) open(r io.Reader) error {
	size, err := x.spool(r)
	if err != nil {
		return err
	}
	if err := x.openZip(size); err != nil {
		return err
	}
	if err := x.checkSizes(); err != nil {
		return err
	}
	if err := x.selectSheet(); err != nil {
		return err
	}
	if err := x.ctx.Err(); err != nil {
		return err
	}
	// Three things at once, each reading the spooled file on its own:
	// excelize opens the workbook (it unpacks large sheets to temporary
	// files), the sheet is checked in the background (see check), and the
	// merged ranges are read here. open waits for excelize; the check goes
	// on while the rows are read, and close waits for it.
	var book *excelize.File
	var bookErr error
	opened := make(chan struct{})
	go func() {
		defer close(opened)
		book, bookErr = excelize.OpenFile(x.tmp.Name(), excelize.Options{
			RawCellValue:      true,
			UnzipSizeLimit:    xlsxMaxUnzip,
			UnzipXMLSizeLimit: xlsxXMLInMemory,
		})
	}()
	if err = x.startCheck(); err == nil {
		err = x.scanMerges()
	}
	<-opened
	x.book = book
	if err != nil {
		return err
	}
	if bookErr != nil {
		return x.fileError(CodeCorruptXLSX, "the workbook cannot be opened: %v", bookErr)
	}
	return x.ctx.Err()
}

// startCheck starts checking the sheet in the background; the check's
// goroutine ends when the check does, or when stopCheck cancels it, and
// closes x.checked then.
func (x *xlsxRead) startCheck() error {
	j, err := newCellJournal()
	if err != nil {
		return fmt.Errorf("%s: %s: %w", FormatXLSX, x.in.Name, err)
	}
	x.journal = j
	ctx, cancel := context.WithCancel(x.ctx)
	x.stopCheck = cancel
	x.checked = make(chan struct{})
	go func() {
		defer close(x.checked)
		err := x.check(ctx)
		if err == nil {
			err = j.w.Flush()
		}
		x.checkErr = err
		j.finish(err)
	}()
	return nil
}

// checkFailed returns the check's error once it has ended with one.
func (x *xlsxRead) checkFailed() error {
	select {
	case <-x.checked:
		return x.checkErr
	default:
		return nil
	}
}

// check checks the shared string table, then the sheet.
func (x *xlsxRead) check(ctx context.Context) error {
	shared, err := x.scanShared(ctx)
	if err != nil {
		return err
	}
	return x.scanSheet(ctx, shared)
}

// spool copies r to a temporary file, at most xlsxMaxFile bytes.
func (x *xlsxRead) spool(r io.Reader) (int64, error) {
	tmp, err := os.CreateTemp("", "procurehub-xlsx-*.xlsx")
	if err != nil {
		return 0, fmt.Errorf("%s: %s: spool: %w", FormatXLSX, x.in.Name, err)
	}
	x.tmp = tmp
	n, err := io.Copy(tmp, io.LimitReader(ctxReader{x.ctx, r}, xlsxMaxFile+1))
	if err != nil {
		if ctxErr := x.ctx.Err(); ctxErr != nil {
			return 0, ctxErr
		}
		return 0, fmt.Errorf("%s: %s: spool: %w", FormatXLSX, x.in.Name, err)
	}
	if n > xlsxMaxFile {
		return 0, x.fileError(CodeTooLarge, "the workbook is larger than %s", byteSize(xlsxMaxFile))
	}
	return n, nil
}

// ctxReader stops a copy once its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// oleSignature starts every OLE compound file: legacy .xls workbooks and
// encrypted (password-protected) OOXML packages.
var oleSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// openZip tells what the file is when it is not a zip, and opens the zip.
func (x *xlsxRead) openZip(size int64) error {
	if size == 0 {
		return x.fileError(CodeNotXLSX, "the file is empty (0 bytes): it is not an XLSX workbook")
	}
	head := make([]byte, 512)
	n, err := x.tmp.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %s: %w", FormatXLSX, x.in.Name, err)
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, oleSignature):
		if x.encrypted() {
			return x.fileError(CodeEncrypted, "the workbook is password-protected (encrypted): save it without a password")
		}
		return x.fileError(CodeNotXLSX, "this is a legacy Excel 97-2003 workbook (.xls) or another OLE document, not XLSX: save it as .xlsx")
	case !bytes.HasPrefix(head, []byte("PK")):
		if looksLikeText(head) {
			return x.fileError(CodeNotXLSX, "the file is text, not an XLSX workbook (a CSV file named .xlsx?)")
		}
		return x.fileError(CodeNotXLSX, "the file is not an XLSX workbook (not a zip archive)")
	}
	zr, err := zip.NewReader(x.tmp, size)
	if err != nil {
		return x.fileError(CodeCorruptXLSX, "the workbook's zip archive is damaged or truncated: %v", err)
	}
	x.zr = zr
	return nil
}

// encrypted reports whether the OLE file holds an encrypted OOXML package.
func (x *xlsxRead) encrypted() bool {
	doc, err := mscfb.New(x.tmp)
	if err != nil {
		return false
	}
	for entry, err := doc.Next(); err == nil; entry, err = doc.Next() {
		if entry.Name == "EncryptedPackage" || entry.Name == "EncryptionInfo" {
			return true
		}
	}
	return false
}

// looksLikeText reports whether the start of a file reads as text: valid
// UTF-8 (a cut rune at the end allowed) without control bytes other than
// tabs and line breaks.
func looksLikeText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
		b = b[n:]
	}
	return true
}

// checkSizes refuses a zip whose declared sizes are too large or too
// compressed before anything is unpacked; the zip reader holds every part
// to its declared size.
func (x *xlsxRead) checkSizes() error {
	if len(x.zr.File) > xlsxMaxParts {
		return x.fileError(CodeTooLarge, "the workbook has %d parts (at most %d)", len(x.zr.File), xlsxMaxParts)
	}
	var total, inMemory uint64
	names := make(map[string]bool, len(x.zr.File))
	for _, f := range x.zr.File {
		// excelize keeps one part per name, the last; this decoder checks
		// the first: a zip with a name twice is refused.
		key := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if names[key] {
			return x.fileError(CodeCorruptXLSX, "the workbook's zip holds %s twice", f.Name)
		}
		names[key] = true
		size := f.UncompressedSize64
		total += size
		if total > xlsxMaxUnzip {
			return x.fileError(CodeTooLarge, "the workbook unpacks to more than %s", byteSize(xlsxMaxUnzip))
		}
		if size > xlsxRatioFloor && size/max(f.CompressedSize64, 1) > xlsxMaxRatio {
			return x.fileError(CodeTooLarge, "part %s would unpack to %s from %s (%d to 1): refused as a likely zip bomb",
				f.Name, byteSize(size), byteSize(f.CompressedSize64), size/max(f.CompressedSize64, 1))
		}
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		streamed := (strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml") && size > xlsxXMLInMemory
		if !streamed {
			inMemory += size
		}
	}
	if inMemory > xlsxMaxInMemory {
		return x.fileError(CodeTooLarge, "the workbook's parts held in memory unpack to more than %s", byteSize(xlsxMaxInMemory))
	}
	return nil
}

// byteSize prints a size for a message: "200 MB", "195 KB".
func byteSize[T int | int64 | uint64](n T) string {
	switch v := float64(n); {
	case v >= 1<<30:
		return strconv.FormatFloat(v/(1<<30), 'f', 1, 64) + " GB"
	case v >= 1<<20:
		return strconv.FormatFloat(v/(1<<20), 'f', 0, 64) + " MB"
	case v >= 1<<10:
		return strconv.FormatFloat(v/(1<<10), 'f', 0, 64) + " KB"
	}
	return strconv.FormatInt(int64(n), 10) + " bytes"
}

// sheetEntry is a sheet of the workbook, in the workbook's order.
type sheetEntry struct {
	name string
	part string // zip path of its XML
	kind string // worksheet, chartsheet, dialogsheet, macrosheet
}

// selectSheet finds the workbook's sheets and picks the mapping's.
func (x *xlsxRead) selectSheet() error {
	sheets, err := x.sheets()
	if err != nil {
		return err
	}
	name, pos := x.d.rules.Sheet()
	var s *sheetEntry
	switch {
	case len(sheets) == 0:
		return x.fileError(CodeNoHeader, "the workbook has no sheets")
	case name != "":
		for i := range sheets {
			if strings.EqualFold(strings.TrimSpace(sheets[i].name), name) {
				s = &sheets[i]
				break
			}
		}
		if s == nil {
			return x.fileError(CodeMissingSheet, "the workbook has no sheet %q; its sheets are %s", name, sheetList(sheets))
		}
	case pos > len(sheets):
		return x.fileError(CodeMissingSheet, "the mapping reads sheet %d but the workbook has %d: %s", pos, len(sheets), sheetList(sheets))
	case pos > 0:
		s = &sheets[pos-1]
	default:
		s = &sheets[0]
	}
	if s.kind != "worksheet" {
		return x.fileError(CodeNotWorksheet, "sheet %q is a %s, not a worksheet of cells", s.name, strings.TrimSuffix(s.kind, "sheet")+" sheet")
	}
	x.sheet = s.name
	x.part = x.zipPart(s.part)
	if x.part == nil {
		return x.fileError(CodeCorruptXLSX, "the workbook names sheet %q but its part %s is missing", s.name, s.part)
	}
	return nil
}

func sheetList(sheets []sheetEntry) string {
	names := make([]string, len(sheets))
	for i, s := range sheets {
		names[i] = strconv.Quote(s.name)
	}
	return strings.Join(names, ", ")
}

// zipPart finds a part by its path: as written, then ignoring case (zip
// names may use backslashes; excelize reads them as slashes).
func (x *xlsxRead) zipPart(name string) *zip.File {
	for _, f := range x.zr.File {
		if strings.ReplaceAll(f.Name, `\`, "/") == name {
			return f
		}
	}
	for _, f := range x.zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, `\`, "/"), name) {
			return f
		}
	}
	return nil
}

// maxSmallPart bounds the workbook and relationship parts read here.
const maxSmallPart = 16 << 20

// readPart reads a small part whole.
func (x *xlsxRead) readPart(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > maxSmallPart {
		return nil, x.fileError(CodeTooLarge, "part %s unpacks to %s (at most %s)", f.Name, byteSize(f.UncompressedSize64), byteSize(maxSmallPart))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, x.fileError(CodeCorruptXLSX, "part %s cannot be read: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, x.fileError(CodeCorruptXLSX, "part %s is damaged: %v", f.Name, err)
	}
	return b, nil
}

// relationship is one entry of a .rels part.
type relationship struct {
	id, typ, target string
}

// rels reads a relationships part; a missing part has none.
func (x *xlsxRead) rels(name string) ([]relationship, error) {
	f := x.zipPart(name)
	if f == nil {
		return nil, nil
	}
	b, err := x.readPart(f)
	if err != nil {
		return nil, err
	}
	var out []relationship
	err = xmlElements(b, func(e xml.StartElement) {
		if e.Name.Local != "Relationship" {
			return
		}
		var r relationship
		for _, a := range e.Attr {
			switch a.Name.Local {
			case "Id":
				r.id = a.Value
			case "Type":
				r.typ = a.Value
			case "Target":
				r.target = a.Value
			}
		}
		out = append(out, r)
	})
	if err != nil {
		return nil, x.fileError(CodeCorruptXLSX, "part %s is not readable XML: %v", name, err)
	}
	return out, nil
}

// xmlElements calls fn with every start element of an XML document.
func xmlElements(b []byte, fn func(xml.StartElement)) error {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if e, ok := tok.(xml.StartElement); ok {
			fn(e)
		}
	}
}

// sheets lists the workbook's sheets the way excelize finds them: the
// package's officeDocument relationship names the workbook part, whose
// relationships name each sheet's part.
func (x *xlsxRead) sheets() ([]sheetEntry, error) {
	pkgRels, err := x.rels("_rels/.rels")
	if err != nil {
		return nil, err
	}
	wbPath := ""
	for _, r := range pkgRels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			wbPath = strings.TrimPrefix(r.target, "/")
		}
	}
	if wbPath == "" || x.zipPart(wbPath) == nil {
		if f := x.zipPart("mimetype"); f != nil {
			if b, err := x.readPart(f); err == nil && bytes.Contains(b, []byte("opendocument")) {
				return nil, x.fileError(CodeNotXLSX, "this is an OpenDocument file, not XLSX: save it as .xlsx")
			}
		}
		return nil, x.fileError(CodeNotXLSX, "the file is a zip archive but not an XLSX workbook (it has no workbook part)")
	}
	dir := path.Dir(wbPath)
	wbRels, err := x.rels(path.Join(dir, "_rels", path.Base(wbPath)+".rels"))
	if err != nil {
		return nil, err
	}
	b, err := x.readPart(x.zipPart(wbPath))
	if err != nil {
		return nil, err
	}
	var sheets []sheetEntry
	err = xmlElements(b, func(e xml.StartElement) {
		switch e.Name.Local {
		case "workbookPr":
			for _, a := range e.Attr {
				if a.Name.Local == "date1904" {
					x.date1904 = a.Value == "1" || strings.EqualFold(a.Value, "true")
				}
			}
		case "sheet":
			var name, id string
			for _, a := range e.Attr {
				switch {
				case a.Name.Local == "name":
					name = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					id = a.Value
				}
			}
			s := sheetEntry{name: name, kind: "worksheet"}
			for _, r := range wbRels {
				if r.id != id {
					continue
				}
				if strings.HasPrefix(r.target, "/") {
					s.part = path.Clean(strings.TrimPrefix(r.target, "/"))
				} else {
					s.part = path.Clean(path.Join(dir, r.target))
				}
				s.part = strings.TrimPrefix(s.part, "/")
				s.kind = r.typ[strings.LastIndexByte(r.typ, '/')+1:]
				if s.kind == "xlMacrosheet" || s.kind == "xlIntlMacrosheet" {
					s.kind = "macrosheet"
				}
			}
			sheets = append(sheets, s)
		}
	})
	if err != nil {
		return nil, x.fileError(CodeCorruptXLSX, "part %s is not readable XML: %v", wbPath, err)
	}
	return sheets, nil
}

// sheetError is a FileError for a problem found in the sheet's XML.
func (x *xlsxRead) sheetError(err error) error {
	var fe *connectors.FileError
	if errors.As(err, &fe) {
		return err
	}
	var se *sheetXMLError
	if errors.As(err, &se) {
		e := &connectors.FileError{File: x.in.Name, Line: se.row, Code: CodeCorruptXLSX,
			Message: fmt.Sprintf("sheet %q: %s", x.sheet, se.msg)}
		if se.code != "" {
			e.Code = se.code
		}
		return e
	}
	return &connectors.FileError{File: x.in.Name, Code: CodeCorruptXLSX,
		Message: fmt.Sprintf("sheet %q is damaged: %v", x.sheet, err)}
}

// decode streams the rows of the selected sheet to the mapping.
func (x *xlsxRead) decode() error {
	rows, err := x.book.Rows(x.sheet)
	if err != nil {
		return x.fileError(CodeCorruptXLSX, "sheet %q cannot be read: %v", x.sheet, err)
	}
	defer rows.Close()
	merged := mergeFill{ranges: x.merges}
	g := &gate{x: x, out: x.out}
	h := headerSearch{x: x, out: g}
	var b mapping.RowBuilder
	var cols []int
	var kinds []colKind
	headerEnd := 0
	n := 0
	for rows.Next() {
		n++
		if n%ctxCheckEvery == 0 {
			if err := x.ctx.Err(); err != nil {
				return err
			}
			if err := x.checkFailed(); err != nil {
				return err
			}
		}
		cells, err := rows.Columns()
		if err != nil {
			return x.fileError(CodeCorruptXLSX, "sheet %q, row %d cannot be read: %v", x.sheet, n, err)
		}
		info, err := x.journal.row(n)
		if err != nil {
			return x.sheetError(err)
		}
		merged.startRow(n, cells, info)
		if b == nil {
			found, err := h.row(n, cells, &merged)
			if err != nil {
				return err
			}
			if found != nil {
				b, cols = found, found.Columns()
				kinds = make([]colKind, len(cols))
				for i, c := range cols {
					kinds[i] = x.d.columns[headerKey(h.header[c])]
				}
				headerEnd = merged.bottom(n, cols)
			}
			continue
		}
		if n <= headerEnd || blankRow(cells) {
			continue
		}
		if err := x.row(b, n, cells, info, cols, kinds, h.header, &merged); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return x.fileError(CodeTooLarge, "sheet %q: %v", x.sheet, err)
	}
	// excelize stops quietly at XML its parser refuses; the journal of
	// the checked sheet still has rows then.
	if next, err := x.journal.rest(); err != nil || next > 0 {
		if err == nil {
			err = &sheetXMLError{row: next, msg: fmt.Sprintf("the sheet's XML cannot be read from row %d on", next)}
		}
		return x.sheetError(err)
	}
	if b == nil {
		return h.notFound(n)
	}
	if err := b.Finish(x.ctx); err != nil {
		return err
	}
	return g.release(x.ctx)
}

// gate holds records and row errors back until the check of the sheet has
// passed, so that nothing of a sheet that turns out to be broken reaches
// the sink. The check is much faster than excelize's rows: it is usually
// over after the first few thousand rows; gate waits for it when it holds
// gateHold of them.
type gate struct {
	x    *xlsxRead
	out  connectors.Sink
	open bool
	held []heldItem
}

// heldItem is a record or a row error held back.
type heldItem struct {
	record *connectors.Record
	rowErr *connectors.RowError
}

const gateHold = 4096

func (g *gate) Record(ctx context.Context, r connectors.Record) error {
	if g.open {
		return g.out.Record(ctx, r)
	}
	g.held = append(g.held, heldItem{record: &r})
	return g.full(ctx)
}

func (g *gate) RowError(ctx context.Context, e connectors.RowError) error {
	if g.open {
		return g.out.RowError(ctx, e)
	}
	g.held = append(g.held, heldItem{rowErr: &e})
	return g.full(ctx)
}

func (g *gate) full(ctx context.Context) error {
	if len(g.held) < gateHold {
		select {
		case <-g.x.checked:
		default:
			return nil
		}
	}
	return g.release(ctx)
}

// release waits for the check and, when it passed, lets through what was
// held and everything after.
func (g *gate) release(ctx context.Context) error {
	if g.open {
		return nil
	}
	select {
	case <-g.x.checked:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := g.x.checkErr; err != nil {
		return err
	}
	g.open = true
	for i, h := range g.held {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		if h.record != nil {
			err = g.out.Record(ctx, *h.record)
		} else {
			err = g.out.RowError(ctx, *h.rowErr)
		}
		if err != nil {
			return err
		}
		g.held[i] = heldItem{}
	}
	g.held = nil
	return nil
}

// blankRow reports whether every cell is empty or spaces.
func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// row converts the cells the builder reads and hands the row on; a cell
// that cannot be read (a formula error, a formula never calculated) makes
// it a bad row.
func (x *xlsxRead) row(b mapping.RowBuilder, n int, cells []string, info []cellInfo, cols []int, kinds []colKind, header []string, merged *mergeFill) error {
	var bad *connectors.RowError
	for i, c := range cols {
		v, ci := "", cellInfo{}
		if c < len(cells) {
			v = cells[c]
		}
		if c < len(info) {
			ci = info[c]
		}
		if v == "" && ci.kind == cellNumber && ci.text {
			// excelize's parser gave up inside this row.
			return x.sheetError(&sheetXMLError{row: n, msg: fmt.Sprintf("cell %s cannot be read", cellName(c, n))})
		}
		if v == "" && !ci.value {
			// A merged cell below its range's top row is empty (often a
			// styled <c/>): it takes the range's value.
			if fv, fi, ok := merged.value(n, c); ok {
				v, ci = fv, fi
			}
		}
		if v == "" && !ci.formula {
			continue
		}
		s, rowErr := x.cellText(v, ci, kinds[i])
		if rowErr != nil {
			if bad == nil {
				rowErr.Column, rowErr.Field = c+1, header[c]
				rowErr.Message = fmt.Sprintf("cell %s %s", cellName(c, n), rowErr.Message)
				bad = rowErr
			}
			continue
		}
		if c >= len(cells) {
			cells = append(cells, make([]string, c+1-len(cells))...)
		}
		cells[c] = s
	}
	if bad != nil {
		return b.BadRow(x.ctx, n, cells, *bad)
	}
	return b.Row(x.ctx, n, cells)
}

// cellName is the A1 name of a 0-based column and a row.
func cellName(col, row int) string {
	name, err := excelize.CoordinatesToCellName(col+1, row)
	if err != nil {
		return fmt.Sprintf("R%dC%d", row, col+1)
	}
	return name
}

// cellText is the text of a cell as the mapping reads it. Excel stores
// numbers without a notation; text cells are passed as written, for the
// mapping's decimal mark, thousands separator and date formats to read.
// A number (a cell of type n):
//   - in a column mapped to a date field, or with a date format in a text
//     column, is a date serial: it becomes the date in the mapping's first
//     date notation with a four-digit year (46083 → "2026-03-02", or
//     "02.03.2026"); a serial out of Excel's range stays a number, for
//     the mapping to refuse;
//   - otherwise it is written plainly from the stored XML text, exactly
//     (never through a float) unless it has more than 15 significant digits,
//     which are float noise Excel itself never shows (185.40000000000001 →
//     185.4): percentages times 100 (0.455 with format 0.0% → 45.5), zeros
//     added up to the decimals its number format shows (741.6 with format
//     0.00 → 741.60, so the canonical scale is the one in the sheet, as in a
//     CSV export of it), and with the mapping's decimal mark in number
//     columns ("741,60" when decimal_mark is ",").
//
// A cell of type d (an ISO 8601 date) becomes the date in that notation; a
// formula cell without a stored result and an error value (#N/A) are row
// errors.
func (x *xlsxRead) cellText(v string, ci cellInfo, kind colKind) (string, *connectors.RowError) {
	switch {
	case ci.formula && !ci.value:
		return "", &connectors.RowError{Code: CodeNotCalculated,
			Message: "has a formula without a calculated value (recalculate and save the workbook in a spreadsheet program)"}
	case ci.kind == cellError:
		return "", &connectors.RowError{Code: CodeCellError, Message: fmt.Sprintf("shows the error %s", strings.TrimSpace(v))}
	case ci.kind == cellDate:
		iso := strings.TrimSpace(v)
		if len(iso) > 10 {
			iso = iso[:10] // 2026-03-02T00:00:00: the day
		}
		if t, err := time.Parse("2006-01-02", iso); err == nil {
			return t.Format(x.d.dateLayout), nil
		}
		return v, nil
	case ci.kind != cellNumber:
		return v, nil
	}
	num, ok := parseNumber(strings.TrimSpace(v))
	if !ok {
		return v, nil
	}
	f := x.numFormat(int(ci.style))
	// A number column stays a number whatever its format shows.
	if kind == colDate || (kind == colText && f.class == fmtDate) {
		if t, ok := serialDate(num, x.date1904); ok {
			return t.Format(x.d.dateLayout), nil
		}
		if kind == colDate {
			return v, nil
		}
	}
	if f.class == fmtPercent {
		num.exp += 2
	}
	mark := byte('.')
	if kind == colNumber {
		mark = x.d.decimal
	}
	return num.text(f.decimals, mark), nil
}

// numFormat classifies a cell style's number format, once per style.
func (x *xlsxRead) numFormat(style int) numFormat {
	if style <= 0 {
		return numFormat{}
	}
	if f, ok := x.styles[style]; ok {
		return f
	}
	if x.styles == nil {
		x.styles = map[int]numFormat{}
	}
	var f numFormat
	if s, err := x.book.GetStyle(style); err == nil && s != nil {
		code, ok := builtinFormats[s.NumFmt]
		if s.CustomNumFmt != nil {
			code, ok = *s.CustomNumFmt, true
		}
		switch {
		case ok:
			f = classifyFormat(code)
		case isBuiltinDate(s.NumFmt):
			f = numFormat{class: fmtDate}
		}
	}
	x.styles[style] = f
	return f
}

// numFormat is what a number format means for the text of a number.
type numFormat struct {
	class    fmtClass
	decimals int // zeros shown after the decimal mark (fmtNumber, fmtPercent)
}

type fmtClass uint8

const (
	fmtGeneral fmtClass = iota
	fmtNumber           // fixed decimals: 0.00, #,##0.00, currency and accounting formats
	fmtPercent
	fmtDate // date or time
	fmtOther
)

// builtinFormats are the built-in number formats that matter here (the
// others are General, text or dates, see isBuiltinDate).
var builtinFormats = map[int]string{
	1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 5: "#,##0;(#,##0)", 6: "#,##0;[Red](#,##0)",
	7: "#,##0.00;(#,##0.00)", 8: "#,##0.00;[Red](#,##0.00)", 9: "0%", 10: "0.00%", 11: "0.00E+00",
	12: "# ?/?", 13: "# ??/??", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
	40: "#,##0.00;[Red](#,##0.00)", 41: `_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)`,
	42: `_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)`, 43: `_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)`,
	44: `_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)`, 48: "##0.0E+0", 49: "@",
}

// isBuiltinDate reports whether a built-in format id is a date or time
// format (including the locale-specific ones excelize knows).
func isBuiltinDate(id int) bool {
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
		(id >= 50 && id <= 58) || (id >= 71 && id <= 81)
}

// classifyFormat reads a format code's first section (positive numbers):
// dates and times have y, m, d, h or s outside quotes and brackets (or an
// elapsed-time bracket such as [h]); percentages a %; fixed decimals are
// the 0s after the first decimal point.
func classifyFormat(code string) numFormat {
	if strings.EqualFold(strings.TrimSpace(code), "general") {
		return numFormat{}
	}
	var plain strings.Builder // the first section without quoted text and escapes
	inQuote := false
scan:
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case inQuote:
			inQuote = c != '"'
		case c == '"':
			inQuote = true
		case c == '\\' || c == '_' || c == '*':
			i++ // the next character is literal, or a padding character
		case c == ';':
			break scan
		case c == '[':
			end := strings.IndexByte(code[i:], ']')
			if end < 0 {
				break scan
			}
			inner := strings.ToLower(code[i+1 : i+end])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				return numFormat{class: fmtDate}
			}
			i += end
		default:
			plain.WriteByte(c)
		}
	}
	p := plain.String()
	lower := strings.ToLower(p)
	switch {
	case strings.ContainsAny(lower, "ymdhs") && !strings.ContainsAny(lower, "e"):
		return numFormat{class: fmtDate}
	case strings.ContainsAny(lower, "ymdhs"):
		// "e" is an exponent unless it is a year (era) in a date; a
		// scientific format has no other letters.
		if strings.Contains(lower, "e+") || strings.Contains(lower, "e-") {
			return numFormat{class: fmtOther}
		}
		return numFormat{class: fmtDate}
	case strings.Contains(lower, "e+") || strings.Contains(lower, "e-") || strings.Contains(p, "/") || p == "@":
		return numFormat{class: fmtOther}
	}
	f := numFormat{class: fmtNumber}
	if strings.Contains(p, "%") {
		f.class = fmtPercent
	}
	if dot := strings.IndexByte(p, '.'); dot >= 0 {
		for _, c := range p[dot+1:] {
			if c != '0' {
				break
			}
			f.decimals++
		}
	}
	return f
}

// decNum is a decimal number from the XML text of a cell: digits × 10^exp.
type decNum struct {
	neg    bool
	digits string // no leading zeros; "" is zero
	exp    int
}

// parseNumber reads the XML text of a number: [-+]digits[.digits][E[-+]digits].
// More than 15 significant digits are rounded to 15 (float noise; Excel
// shows 15).
func parseNumber(s string) (decNum, bool) {
	var n decNum
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		n.neg = s[i] == '-'
		i++
	}
	var digits []byte
	seenDigit, point := false, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			seenDigit = true
			if c == '0' && len(digits) == 0 {
				if point {
					n.exp--
				}
				continue
			}
			digits = append(digits, c)
			if point {
				n.exp--
			}
		case c == '.' && !point:
			point = true
		default:
			goto exponent
		}
	}
exponent:
	if !seenDigit {
		return decNum{}, false
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return decNum{}, false
		}
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 400 || e < -400 {
			return decNum{}, false
		}
		n.exp += e
	}
	// Drop trailing zeros: 741.60 and 741.6 are the same number here; the
	// format's decimals decide the zeros shown.
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		n.exp++
	}
	if len(digits) > 15 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return decNum{}, false
		}
		return parseNumber(strconv.FormatFloat(f, 'e', 14, 64))
	}
	n.digits = string(digits)
	if n.digits == "" {
		n.neg, n.exp = false, 0
	}
	return n, true
}

// text writes the number plainly, with at least minDecimals decimals and
// mark as the decimal mark.
func (n decNum) text(minDecimals int, mark byte) string {
	var b []byte
	if n.neg {
		b = append(b, '-')
	}
	decimals := max(-n.exp, 0)
	switch intDigits := len(n.digits) + n.exp; {
	case n.digits == "":
		b = append(b, '0')
	case intDigits <= 0:
		b = append(b, '0')
	case n.exp >= 0:
		b = append(b, n.digits...)
		for range n.exp {
			b = append(b, '0')
		}
	default:
		b = append(b, n.digits[:intDigits]...)
	}
	if decimals == 0 && minDecimals == 0 {
		return string(b)
	}
	b = append(b, mark)
	if decimals > 0 {
		for range max(0, -(len(n.digits) + n.exp)) {
			b = append(b, '0')
		}
		b = append(b, n.digits[max(0, len(n.digits)+n.exp):]...)
	}
	for i := decimals; i < minDecimals; i++ {
		b = append(b, '0')
	}
	return string(b)
}

// serialDate is the day of an Excel date serial (the time of day is
// dropped). The 1900 date system counts 1900-02-29, which never was: serial
// 60 is refused and the serials before it are a day off.
func serialDate(n decNum, date1904 bool) (time.Time, bool) {
	if n.neg || len(n.digits)+n.exp > 7 {
		return time.Time{}, false
	}
	days := 0
	for i := 0; i < len(n.digits)+n.exp; i++ {
		d := 0
		if i < len(n.digits) {
			d = int(n.digits[i] - '0')
		}
		days = days*10 + d
	}
	switch {
	case date1904:
		return time.Date(1904, time.January, 1+days, 0, 0, 0, 0, time.UTC), days <= 2957003
	case days < 1 || days == 60 || days > 2958465: // 9999-12-31
		return time.Time{}, false
	case days < 60:
		return time.Date(1899, time.December, 31+days, 0, 0, 0, 0, time.UTC), true
	}
	return time.Date(1899, time.December, 30+days, 0, 0, 0, 0, time.UTC), true
}

// headerSearch finds the header row: the mapping's header_row, or the
// first of the first xlsxHeaderSearch non-empty rows that fits the mapping.
type headerSearch struct {
	x        *xlsxRead
	out      connectors.Sink // the builder's
	header   []string        // the header found
	nonEmpty int
	first    error // the error of the first non-empty row
}

// row tries row n as the header; it returns the builder once a row fits.
func (h *headerSearch) row(n int, cells []string, merged *mergeFill) (mapping.RowBuilder, error) {
	r := h.x.d.rules
	if r.HeaderRowSet() && n != r.HeaderRow() {
		return nil, nil
	}
	if blankRow(cells) && !merged.covers(n) {
		if r.HeaderRowSet() {
			return nil, &connectors.FileError{File: h.x.in.Name, Line: n, Code: CodeNoHeader,
				Message: fmt.Sprintf("the header row %d of sheet %q is empty", n, h.x.sheet)}
		}
		return nil, nil
	}
	h.nonEmpty++
	if !r.HeaderRowSet() && h.nonEmpty > xlsxHeaderSearch {
		return nil, h.notFound(n)
	}
	connector := h.x.in.Connector
	if connector == "" {
		connector = Kind
	}
	src := canonical.Source{Connector: connector, Partner: h.x.in.Partner, File: h.x.in.Name, Sheet: h.x.sheet, Line: n}
	var firstErr error
	for _, header := range merged.headers(n, cells) {
		b, err := r.NewBuilder(src, header, h.out)
		if err == nil {
			h.header = header
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if h.first == nil {
		h.first = firstErr
	}
	if r.HeaderRowSet() {
		return nil, h.explain(firstErr)
	}
	return nil, nil
}

// notFound is the error when no row fitted: the first non-empty row's.
func (h *headerSearch) notFound(rows int) error {
	r := h.x.d.rules
	switch {
	case r.HeaderRowSet() && rows < r.HeaderRow():
		return &connectors.FileError{File: h.x.in.Name, Line: r.HeaderRow(), Code: CodeNoHeader,
			Message: fmt.Sprintf("sheet %q ends before its header row %d", h.x.sheet, r.HeaderRow())}
	case h.first == nil:
		return &connectors.FileError{File: h.x.in.Name, Code: CodeNoHeader,
			Message: fmt.Sprintf("sheet %q is empty: there is no header", h.x.sheet)}
	}
	return h.explain(h.first)
}

// explain adds where the header was looked for to a builder's file error.
func (h *headerSearch) explain(err error) error {
	var fe *connectors.FileError
	if !errors.As(err, &fe) {
		return err
	}
	e := *fe
	if h.x.d.rules.HeaderRowSet() {
		e.Message += fmt.Sprintf(" (sheet %q, header row %d)", h.x.sheet, e.Line)
	} else {
		e.Message += fmt.Sprintf(" (sheet %q: none of its first %d non-empty rows fits the mapping; this is the first of them)", h.x.sheet, min(h.nonEmpty, xlsxHeaderSearch))
	}
	return &e
}

// mergeRange is a merged range: rows r0..r1 (1-based), columns c0..c1 (0-based).
type mergeRange struct {
	r0, c0, r1, c1 int32
}

// mergeFill gives the cells of merged ranges their value while the rows
// stream by. A merged range's value is in its top-left cell and belongs to
// the range's first column, on every row the range covers: "Order No"
// merged over A1:A2 is the header of column A whether the header is row 1
// or row 2, and an order number merged down over the rows of its order
// fills each of them. A title merged across columns ("Price" over C1:D1)
// names its first column only, so that it is never in a header twice; on
// the row below such a title, its columns are also tried as "Price net",
// "Price gross" (see headers).
type mergeFill struct {
	ranges []mergeRange // sorted by r0
	next   int          // first range not yet started
	active []activeMerge
	above  []activeMerge // ranges that ended on the row above, for headers
}

type activeMerge struct {
	mergeRange
	value string
	info  cellInfo
}

// startRow moves to row n: ranges starting on it take their value from
// cells, ranges that ended are dropped.
func (m *mergeFill) startRow(n int, cells []string, info []cellInfo) {
	m.above = m.above[:0]
	kept := m.active[:0]
	for _, a := range m.active {
		if int(a.r1) >= n {
			kept = append(kept, a)
		} else if int(a.r1) == n-1 {
			m.above = append(m.above, a)
		}
	}
	m.active = kept
	for m.next < len(m.ranges) && int(m.ranges[m.next].r0) <= n {
		rg := m.ranges[m.next]
		m.next++
		if int(rg.r1) < n {
			continue
		}
		a := activeMerge{mergeRange: rg}
		if int(rg.r0) == n {
			if c := int(rg.c0); c < len(cells) {
				a.value = cells[c]
			}
			if c := int(rg.c0); c < len(info) {
				a.info = info[c]
			}
		}
		m.active = append(m.active, a)
	}
}

// value is the value of cell (n, c) from a merged range over it, below the
// range's top row.
func (m *mergeFill) value(n, c int) (string, cellInfo, bool) {
	for _, a := range m.active {
		if int(a.c0) == c && int(a.r0) < n && n <= int(a.r1) {
			return a.value, a.info, true
		}
	}
	return "", cellInfo{}, false
}

// covers reports whether a range starting above row n fills a cell of it.
func (m *mergeFill) covers(n int) bool {
	for _, a := range m.active {
		if int(a.r0) < n && a.value != "" {
			return true
		}
	}
	return false
}

// bottom is the last row of the header that starts on row n: the header
// cells of the columns the builder reads may be merged down over more rows
// (a two-row header), which are then not data.
func (m *mergeFill) bottom(n int, cols []int) int {
	end := n
	for _, a := range m.active {
		if int(a.r0) <= n && slices.Contains(cols, int(a.c0)) {
			end = max(end, int(a.r1))
		}
	}
	return end
}

// headers are the ways row n may be read as a header: with titles merged
// across columns on the row above joined to the row's own headers ("Price
// net"), then as the row stands; both with merged cells filled down.
func (m *mergeFill) headers(n int, cells []string) [][]string {
	base := slices.Clone(cells)
	for _, a := range m.active {
		c := int(a.c0)
		if int(a.r0) < n && a.value != "" {
			for len(base) <= c {
				base = append(base, "")
			}
			if strings.TrimSpace(base[c]) == "" {
				base[c] = a.value
			}
		}
	}
	var groups []activeMerge
	for _, a := range m.above {
		if a.c1 > a.c0 && strings.TrimSpace(a.value) != "" {
			groups = append(groups, a)
		}
	}
	if len(groups) == 0 {
		return [][]string{base}
	}
	joined := slices.Clone(base)
	for _, g := range groups {
		title := strings.TrimSpace(g.value)
		for c := int(g.c0); c <= int(g.c1) && c < maxSheetCols; c++ {
			for len(joined) <= c {
				joined = append(joined, "")
			}
			switch sub := strings.TrimSpace(joined[c]); {
			case sub != "":
				joined[c] = title + " " + sub
			case c == int(g.c0):
				joined[c] = title
			}
		}
	}
	return [][]string{joined, base}
}

// cellKind is a cell's type (its t attribute).
type cellKind uint8

const (
	cellNone   cellKind = iota // no cell element
	cellNumber                 // n, or no type
	cellShared                 // s: shared string
	cellInline                 // inlineStr
	cellString                 // str: a formula's text result
	cellBool                   // b
	cellError                  // e: #N/A, #DIV/0!, ...
	cellDate                   // d: ISO 8601 date
)

// cellInfo is what the sheet's XML says about one cell beyond its value.
type cellInfo struct {
	kind    cellKind
	formula bool  // has a formula
	value   bool  // has a stored value: a <v> element (a formula's result may be ""), or an inline string
	text    bool  // its <v> has text
	style   int32 // index into the workbook's cell formats
}

// sheetXMLError is a problem in the sheet's XML, at a row when known.
type sheetXMLError struct {
	row  int
	code string // CodeCorruptXLSX unless set
	msg  string
}

func (e *sheetXMLError) Error() string {
	if e.row > 0 {
		return fmt.Sprintf("row %d: %s", e.row, e.msg)
	}
	return e.msg
}

// cellJournal keeps what scanSheet learns about each cell (type, style,
// formula, stored value) for the rows excelize reads: about three bytes a
// cell in a temporary file, written by the check and read by the decode
// in step with excelize's Rows, while the check goes on ahead. A row is
// its number (as the gap from the row before), its cell count, then per
// cell the gap from the column before, a byte of kind and flags, and the
// style.
type cellJournal struct {
	f   *os.File
	w   *bufio.Writer // the check's side
	buf []byte
	out int // last row written

	mu        sync.Mutex
	grown     *sync.Cond // signalled when committed grows or the check ends
	committed int64      // bytes written to f
	done      bool       // the check has ended
	err       error      // and with this error

	r       *bufio.Reader // the decode's side
	lastRow int           // last row read
	next    int           // the row read ahead, 0 when none
	cells   []cellInfo
}

func newCellJournal() (*cellJournal, error) {
	f, err := os.CreateTemp("", "procurehub-xlsx-cells-*")
	if err != nil {
		return nil, err
	}
	j := &cellJournal{f: f}
	j.grown = sync.NewCond(&j.mu)
	j.w = bufio.NewWriterSize(&journalWriter{j: j}, 64<<10)
	j.r = bufio.NewReaderSize(&journalReader{j: j}, 64<<10)
	return j, nil
}

func (j *cellJournal) close() {
	_ = j.f.Close()
	_ = os.Remove(j.f.Name())
}

// finish marks the end of the check; err is its result.
func (j *cellJournal) finish(err error) {
	j.mu.Lock()
	j.done, j.err = true, err
	j.grown.Broadcast()
	j.mu.Unlock()
}

// journalWriter writes to the journal's file and lets the reader know.
type journalWriter struct {
	j   *cellJournal
	off int64
}

func (w *journalWriter) Write(p []byte) (int, error) {
	n, err := w.j.f.WriteAt(p, w.off)
	w.off += int64(n)
	w.j.mu.Lock()
	w.j.committed = w.off
	w.j.grown.Broadcast()
	w.j.mu.Unlock()
	return n, err
}

// journalReader reads what the check has written, waiting for more until
// the check ends; a failed check's error ends the reading.
type journalReader struct {
	j   *cellJournal
	off int64
}

func (r *journalReader) Read(p []byte) (int, error) {
	j := r.j
	j.mu.Lock()
	for r.off >= j.committed && !j.done {
		j.grown.Wait()
	}
	avail, err := j.committed-r.off, j.err
	j.mu.Unlock()
	if avail == 0 {
		if err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	n, err := j.f.ReadAt(p[:min(int64(len(p)), avail)], r.off)
	r.off += int64(n)
	if n > 0 && errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

// Flags of a journal cell, beside its kind in the low bits.
const (
	jFormula = 1 << 4
	jValue   = 1 << 5
	jText    = 1 << 6
)

// write adds a row; rows come in order and a row without cells is left out.
func (j *cellJournal) write(row int, cells []cellInfo) error {
	n := 0
	for _, c := range cells {
		if c.kind != cellNone {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	b := binary.AppendUvarint(j.buf[:0], uint64(row-j.out))
	b = binary.AppendUvarint(b, uint64(n))
	prev := -1
	for col, c := range cells {
		if c.kind == cellNone {
			continue
		}
		flags := byte(c.kind)
		if c.formula {
			flags |= jFormula
		}
		if c.value {
			flags |= jValue
		}
		if c.text {
			flags |= jText
		}
		b = binary.AppendUvarint(b, uint64(col-prev))
		b = append(b, flags)
		b = binary.AppendUvarint(b, uint64(c.style))
		prev = col
	}
	j.buf, j.out = b, row
	_, err := j.w.Write(b)
	return err
}

// row returns the cells of row n, by 0-based column; rows are asked in
// order. nil when the row has no cells.
func (j *cellJournal) row(n int) ([]cellInfo, error) {
	if j.next == 0 {
		if err := j.read(); err != nil {
			return nil, err
		}
	}
	switch {
	case j.next == 0 || j.next > n:
		return nil, nil
	case j.next < n:
		return nil, &sheetXMLError{row: j.next, msg: "the rows do not line up with the spreadsheet reader's"}
	}
	j.next = 0
	return j.cells, nil
}

// rest returns the next row not yet asked for, 0 when there is none.
func (j *cellJournal) rest() (int, error) {
	if j.next == 0 {
		if err := j.read(); err != nil {
			return 0, err
		}
	}
	return j.next, nil
}

// read reads the next row into j.next and j.cells.
func (j *cellJournal) read() error {
	gap, err := binary.ReadUvarint(j.r)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	n, err := binary.ReadUvarint(j.r)
	if err != nil {
		return err
	}
	j.lastRow += int(gap)
	j.next = j.lastRow
	j.cells = j.cells[:0]
	col := -1
	for range n {
		d, err := binary.ReadUvarint(j.r)
		if err != nil {
			return err
		}
		flags, err := j.r.ReadByte()
		if err != nil {
			return err
		}
		style, err := binary.ReadUvarint(j.r)
		if err != nil {
			return err
		}
		col += int(d)
		for len(j.cells) < col {
			j.cells = append(j.cells, cellInfo{})
		}
		j.cells = append(j.cells, cellInfo{kind: cellKind(flags & 0x0F), formula: flags&jFormula != 0,
			value: flags&jValue != 0, text: flags&jText != 0, style: int32(style)})
	}
	return nil
}

// sheetScanner reads a worksheet's XML row by row without building XML
// tokens: for each row, the type, style and formula of each cell, which
// excelize's Rows iterator does not tell. It checks the order of rows and
// cells as it goes: excelize places a cell by its position in the XML, so
// a sheet with cells out of order would give values under the wrong
// headers. With its tagReader strict, it checks the XML as encoding/xml
// would read it.
type sheetScanner struct {
	t       tagReader
	shared  int  // strings in the workbook's shared string table
	inData  bool // inside sheetData
	done    bool // past sheetData
	lastRow int
	cells   []cellInfo
}

func newSheetScanner(r io.Reader) *sheetScanner {
	return &sheetScanner{t: tagReader{r: r, buf: make([]byte, 256<<10)}}
}

// truncated is the error for a sheet whose XML ends too soon.
func (s *sheetScanner) truncated() error {
	t := &s.t
	var xe *xmlError
	switch {
	case errors.As(t.err, &xe) && s.lastRow > 0:
		return &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("row %d or the XML right after it cannot be read: %v", s.lastRow, xe)}
	case errors.As(t.err, &xe):
		return &sheetXMLError{msg: fmt.Sprintf("the sheet's XML cannot be read: %v", xe)}
	case t.err != nil && !errors.Is(t.err, io.ErrUnexpectedEOF):
		return &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("the sheet's XML is damaged after row %d: %v", s.lastRow, t.err)}
	}
	if s.lastRow == 0 {
		return &sheetXMLError{msg: "the sheet's XML ends before the end of its cells (is the file truncated?)"}
	}
	return &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("the sheet's XML ends after row %d, before the end of its cells (is the file truncated?)", s.lastRow)}
}

// nextRow reads the next row element: its number and its cells (in
// s.cells, by 0-based column). ok is false after the last row.
func (s *sheetScanner) nextRow() (row int, ok bool, err error) {
	s.cells = s.cells[:0]
	t := &s.t
	for !s.inData {
		if s.done {
			return 0, false, nil
		}
		if !t.next() {
			return 0, false, s.truncated()
		}
		switch {
		case t.isEnd:
		case string(t.name) == "sheetData":
			s.inData = !t.isEmpty
			s.done = t.isEmpty
		case cellTag(t.name):
			return 0, false, &sheetXMLError{msg: fmt.Sprintf("the sheet has a <%s> element before its cells", t.name)}
		}
	}
	// Children of sheetData: rows only (excelize takes a <row> at any depth).
	if !t.next() {
		return 0, false, s.truncated()
	}
	if t.isEnd { // </sheetData>
		s.inData, s.done = false, true
		return 0, false, nil
	}
	if string(t.name) != "row" {
		return 0, false, &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("the sheet's cells hold a <%s> element, which is not a row", t.name)}
	}
	if row, err = s.rowNumber(t.attrs); err != nil {
		return 0, false, err
	}
	s.lastRow = row
	if t.isEmpty {
		return row, true, nil
	}
	// Children of the row: cells, and extensions skipped whole.
	col := -1
	for {
		if !t.next() {
			return 0, false, s.truncated()
		}
		if t.isEnd { // </row>
			return row, true, nil
		}
		if string(t.name) != "c" {
			if string(t.name) != "extLst" {
				return 0, false, &sheetXMLError{row: row, msg: fmt.Sprintf("the row holds a <%s> element, which is not a cell", t.name)}
			}
			if err := s.skipElement(); err != nil {
				return 0, false, err
			}
			continue
		}
		c, info, err := s.cell(t.attrs, col)
		if err != nil {
			return 0, false, err
		}
		if !t.isEmpty {
			if err := s.cellBody(&info); err != nil {
				return 0, false, err
			}
		}
		col = c
		if col < len(s.cells) {
			s.cells[col] = info
			continue
		}
		for len(s.cells) < col {
			s.cells = append(s.cells, cellInfo{})
		}
		s.cells = append(s.cells, info)
	}
}

// cellTag reports whether a tag name is one excelize's row iterator takes
// wherever it is: row, c, and a cell's f, v and is.
func cellTag(name []byte) bool {
	switch string(name) {
	case "row", "c", "f", "v", "is":
		return true
	}
	return false
}

// skipElement reads past the end of the element whose start tag was just
// read (an extension); it must not hold what excelize would take for cells.
func (s *sheetScanner) skipElement() error {
	t := &s.t
	if t.isEmpty {
		return nil
	}
	for depth := 1; depth > 0; {
		if !t.next() {
			return s.truncated()
		}
		switch {
		case t.isEnd:
			depth--
		case cellTag(t.name):
			return &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("an extension element holds a <%s> element", t.name)}
		case !t.isEmpty:
			depth++
		}
	}
	return nil
}

// cellBody reads a cell's children, after its start tag: a formula (f),
// a value (v; text in it or not) and an inline string (is), each at most
// once, and extensions. A shared string's index must be in the table.
func (s *sheetScanner) cellBody(info *cellInfo) error {
	t := &s.t
	const (
		childF = iota
		childV
		childIs
		childOther
		childNone
	)
	names := [...]string{"f", "v", "is", "extension"}
	child := childNone // the child element open at depth 2
	var seen [3]bool
	for depth := 1; depth > 0; {
		if !t.next() {
			return s.truncated()
		}
		if t.isEnd {
			depth--
			if depth == 1 {
				if child == childV {
					info.text = info.text || t.text
				}
				child = childNone
			}
			continue
		}
		if depth > 1 {
			// Inside a child: v and f hold text only; is holds rich text
			// runs; nothing holds what excelize would take for a cell.
			if child == childV || child == childF || cellTag(t.name) {
				return &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("a cell's <%s> holds a <%s> element", names[child], t.name)}
			}
		} else {
			i := childOther
			switch string(t.name) {
			case "f":
				i, info.formula = childF, true
			case "v":
				i, info.value = childV, true
				if info.kind == cellShared && !t.isEmpty {
					if err := s.sharedIndex(); err != nil {
						return err
					}
				}
			case "is":
				i, info.value = childIs, true
			}
			if i != childOther {
				if seen[i] {
					return &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("a cell has two <%s> elements", t.name)}
				}
				seen[i] = true
			}
			if !t.isEmpty {
				child = i
			}
		}
		if !t.isEmpty {
			depth++
		}
	}
	return nil
}

// sharedIndex checks the shared string index in the <v> just opened, read
// as excelize reads it: a number (anything else is 0) within the table.
func (s *sheetScanner) sharedIndex() error {
	text, ok := s.t.peekText()
	if !ok {
		return s.truncated()
	}
	if bytes.IndexByte(text, '&') >= 0 {
		return &sheetXMLError{row: s.lastRow, msg: "a shared string index is written with an entity"}
	}
	i, err := strconv.Atoi(strings.TrimSpace(string(text)))
	if err != nil {
		i = 0
	}
	if trimmed := bytes.TrimSpace(text); len(trimmed) > 0 && (i < 0 || i >= s.shared) {
		return &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("shared string %s is not in the workbook's table of %d", clipBytes(trimmed), s.shared)}
	}
	return nil
}

// rowNumber reads a row element's r attribute: a row without one follows
// the row before, as excelize reads it.
func (s *sheetScanner) rowNumber(attrs []byte) (int, error) {
	r := s.lastRow + 1
	if v, ok := attr(attrs, "r"); ok {
		n, ok := atoi(v)
		switch {
		case !ok:
			return 0, &sheetXMLError{row: s.lastRow + 1, msg: fmt.Sprintf("row number %q is not a number", v)}
		case n > 0:
			r = n
		}
	}
	if r <= s.lastRow {
		return 0, &sheetXMLError{row: r, msg: fmt.Sprintf("row %d comes after row %d: the rows are out of order", r, s.lastRow)}
	}
	if r > maxSheetRows {
		return 0, &sheetXMLError{row: r, code: CodeTooLarge, msg: fmt.Sprintf("row %d is beyond the last row a sheet has (%d)", r, maxSheetRows)}
	}
	return r, nil
}

// cell reads a cell element's attributes; prev is the column of the cell
// before in the row (-1 for none).
func (s *sheetScanner) cell(attrs []byte, prev int) (int, cellInfo, error) {
	info := cellInfo{kind: cellNumber}
	col := prev + 1
	for a := attrs; ; {
		name, val, rest, ok := nextAttr(a)
		if !ok {
			break
		}
		a = rest
		switch string(name) {
		case "r":
			c, ok := columnOf(val)
			if !ok {
				return 0, info, &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("cell reference %q is not a cell", val)}
			}
			col = c
		case "t":
			info.kind = kindOf(val)
		case "s":
			n, ok := atoi(val)
			if !ok {
				return 0, info, &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("cell style %q is not a number", clipBytes(val))}
			}
			info.style = int32(n)
		}
	}
	switch {
	case col <= prev:
		return 0, info, &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("cell %s comes after cell %s: the cells are out of order", cellName(col, s.lastRow), cellName(prev, s.lastRow))}
	case col >= maxSheetCols:
		return 0, info, &sheetXMLError{row: s.lastRow, msg: fmt.Sprintf("a cell is beyond the last column a sheet has (%d)", maxSheetCols)}
	}
	return col, info, nil
}

// atoi reads a whole number of at most 9 digits, as strconv.Atoi reads
// it but for a sign: the attributes read with it have none.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func kindOf(t []byte) cellKind {
	switch string(t) {
	case "", "n":
		return cellNumber
	case "s":
		return cellShared
	case "inlineStr":
		return cellInline
	case "b":
		return cellBool
	case "e":
		return cellError
	case "d":
		return cellDate
	}
	return cellString
}

// columnOf reads the 0-based column of a cell reference such as "AB12".
func columnOf(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
		if col > maxSheetCols {
			return 0, false
		}
	}
	if i == 0 {
		return 0, false
	}
	// The row part must be a row, as excelize checks, though only the
	// column is used.
	if row, ok := atoi(ref[i:]); !ok || row < 1 || row > maxSheetRows {
		return 0, false
	}
	return col - 1, true
}

// scanSheet reads the selected sheet's XML before excelize's rows are
// let through, to refuse a sheet excelize would read only in part:
// excelize's row iterator stops quietly at XML its parser refuses, and
// places cells by their order in the XML. Up to the end of the cells it
// checks what encoding/xml checks (tags, entities, characters) and the
// order of rows and cells, and writes each cell's type and style to the
// journal; it checks the zip checksum.
func (x *xlsxRead) scanSheet(ctx context.Context, shared int) error {
	rc, err := x.part.Open()
	if err != nil {
		return x.fileError(CodeCorruptXLSX, "sheet %q cannot be read: %v", x.sheet, err)
	}
	defer rc.Close()
	s := newSheetScanner(ctxReader{ctx, rc})
	s.t.strict = true
	s.shared = shared
	for {
		row, ok, err := s.nextRow()
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			return x.sheetError(err)
		}
		if !ok {
			break
		}
		if err := x.journal.write(row, s.cells); err != nil {
			return fmt.Errorf("%s: %s: %w", FormatXLSX, x.in.Name, err)
		}
	}
	t := &s.t
	t.strict = false
	for t.next() { // to the end, for the checksum
	}
	if t.err != nil && !errors.Is(t.err, io.ErrUnexpectedEOF) && ctx.Err() == nil {
		return x.fileError(CodeCorruptXLSX, "sheet %q is damaged: %v", x.sheet, t.err)
	}
	return ctx.Err()
}

// scanMerges reads the merged ranges of the sheet, which its XML has after
// the cells: it looks only for mergeCell tags, so it costs little more than
// unpacking the sheet.
func (x *xlsxRead) scanMerges() error {
	rc, err := x.part.Open()
	if err != nil {
		return x.fileError(CodeCorruptXLSX, "sheet %q cannot be read: %v", x.sheet, err)
	}
	defer rc.Close()
	t := tagReader{r: ctxReader{x.ctx, rc}, buf: make([]byte, 256<<10)}
	for t.seek("mergeCell") {
		if t.isEnd {
			continue
		}
		if len(x.merges) == xlsxMaxMerges {
			return x.fileError(CodeTooLarge, "sheet %q has more than %d merged ranges", x.sheet, xlsxMaxMerges)
		}
		ref, _ := attr(t.attrs, "ref")
		if rg, ok := parseRange(string(ref)); ok && (rg.r0 != rg.r1 || rg.c0 != rg.c1) {
			x.merges = append(x.merges, rg)
		}
	}
	switch {
	case x.ctx.Err() != nil:
		return x.ctx.Err()
	case t.err != nil && !errors.Is(t.err, io.ErrUnexpectedEOF):
		return x.fileError(CodeCorruptXLSX, "sheet %q is damaged: %v", x.sheet, t.err)
	}
	slices.SortStableFunc(x.merges, func(a, b mergeRange) int { return int(a.r0) - int(b.r0) })
	return nil
}

// scanShared counts the strings of the workbook's shared string table
// (excelize reads it from xl/sharedStrings.xml), checking its XML as the
// sheet's is checked: excelize fails the row of a cell that points past
// the table.
func (x *xlsxRead) scanShared(ctx context.Context) (int, error) {
	f := x.zipPart("xl/sharedStrings.xml")
	if f == nil {
		return 0, nil
	}
	rc, err := f.Open()
	if err != nil {
		return 0, x.fileError(CodeCorruptXLSX, "the shared string table cannot be read: %v", err)
	}
	defer rc.Close()
	t := tagReader{r: ctxReader{ctx, rc}, buf: make([]byte, 64<<10), strict: true}
	n, depth := 0, 0
	for t.next() {
		if t.isEnd {
			depth--
			continue
		}
		if string(t.name) == "si" {
			if depth != 1 {
				return 0, x.fileError(CodeCorruptXLSX, "the shared string table has a string inside another")
			}
			n++
		}
		if !t.isEmpty {
			depth++
		}
	}
	switch {
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case t.err != nil || depth != 0:
		return 0, x.fileError(CodeCorruptXLSX, "the shared string table is damaged: %v", cmp.Or(t.err, io.ErrUnexpectedEOF))
	}
	return n, nil
}

// parseRange reads "A1:B2" (or a single cell).
func parseRange(ref string) (mergeRange, bool) {
	from, to, found := strings.Cut(ref, ":")
	if !found {
		to = from
	}
	c0, r0, err0 := excelize.CellNameToCoordinates(from)
	c1, r1, err1 := excelize.CellNameToCoordinates(to)
	if err0 != nil || err1 != nil {
		return mergeRange{}, false
	}
	return mergeRange{r0: int32(min(r0, r1)), c0: int32(min(c0, c1) - 1), r1: int32(max(r0, r1)), c1: int32(max(c0, c1) - 1)}, true
}

// tagReader walks the tags of an XML stream without building tokens. It
// skips comments, processing instructions, CDATA and doctype declarations,
// and tells whether character data came before each tag. Text never holds
// a "<" (XML escapes it), so every "<" starts markup.
type tagReader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	err      error

	// strict checks the XML as encoding/xml reads it (see checkTag,
	// checkText); names and open are its stack of open elements.
	strict bool
	names  []byte
	open   []int // where each open element's name starts in names

	// The tag last read; slices point into buf until the next call.
	qname   []byte // the name as written, with its namespace prefix
	name    []byte // local name, without the prefix
	attrs   []byte // the attribute text
	isEnd   bool   // </name>
	isEmpty bool   // <name/>
	text    bool   // character data came before it
}

// maxTag bounds what must be held at once: one tag, or one cell.
const maxTag = 4 << 20

var errTagTooLong = errors.New("a tag or a cell is longer than 4 MB")

// fill keeps the unread bytes and reads more; false when nothing came.
func (t *tagReader) fill() bool {
	if t.eof || t.err != nil {
		return false
	}
	if t.pos > 0 {
		t.end = copy(t.buf, t.buf[t.pos:t.end])
		t.pos = 0
	}
	if t.end == len(t.buf) {
		if len(t.buf) >= maxTag {
			t.err = errTagTooLong
			return false
		}
		t.buf = append(t.buf, make([]byte, len(t.buf))...)
	}
	for {
		n, err := t.r.Read(t.buf[t.end:])
		t.end += n
		if err == io.EOF {
			t.eof = true
		} else if err != nil {
			t.err = err
		}
		if n > 0 || t.eof || t.err != nil {
			return n > 0
		}
	}
}

// peekText returns the character data from here to the next "<" without
// reading past it.
func (t *tagReader) peekText() ([]byte, bool) {
	for {
		if i := bytes.IndexByte(t.buf[t.pos:t.end], '<'); i >= 0 {
			return t.buf[t.pos : t.pos+i], true
		}
		if !t.more() {
			return nil, false
		}
	}
}

// more reads more bytes for something unfinished; at the end of the
// stream that is io.ErrUnexpectedEOF.
func (t *tagReader) more() bool {
	if t.fill() {
		return true
	}
	if t.err == nil {
		t.err = io.ErrUnexpectedEOF
	}
	return false
}

// next reads the next start or end tag; false at the end of the stream or
// on an error (t.err).
func (t *tagReader) next() bool {
	t.text = false
	for {
		i := bytes.IndexByte(t.buf[t.pos:t.end], '<')
		if i < 0 {
			if t.end > t.pos {
				t.text = true
			}
			keep := 0
			if t.strict {
				// Text cut by the read (a rune, an entity, "]]") is
				// checked once it is whole.
				keep = textTail(t.buf[t.pos:t.end])
				if !t.check(checkText(t.buf[t.pos:t.end-keep], false)) {
					return false
				}
			}
			t.pos = t.end - keep
			if !t.fill() {
				if keep > 0 && t.err == nil {
					t.err = io.ErrUnexpectedEOF
				}
				return false
			}
			continue
		}
		if i > 0 {
			t.text = true
			if t.strict && !t.check(checkText(t.buf[t.pos:t.pos+i], false)) {
				return false
			}
		}
		t.pos += i
		b := t.buf[t.pos:t.end]
		if len(b) < 9 && !t.eof && b[len(b)-1] != '>' {
			// Too short to tell a comment or CDATA from a tag.
			if !t.more() {
				return false
			}
			continue
		}
		var skip []byte // the end of a construct to skip
		switch {
		case bytes.HasPrefix(b, []byte("<!--")):
			skip = []byte("-->")
		case bytes.HasPrefix(b, []byte("<![CDATA[")):
			skip = []byte("]]>")
			t.text = true
		case len(b) > 1 && b[1] == '?':
			skip = []byte("?>")
		case len(b) > 1 && b[1] == '!':
			skip = []byte(">")
		}
		if skip != nil && t.strict {
			// Checked whole: the construct must fit in the buffer.
			end := bytes.Index(b[2:], skip)
			if end < 0 {
				if !t.more() {
					return false
				}
				continue
			}
			if !t.check(checkConstruct(b[:2+end+len(skip)])) {
				return false
			}
			t.pos += 2 + end + len(skip)
			continue
		}
		if skip != nil {
			t.pos += 2
			if !t.skipPast(skip) {
				return false
			}
			continue
		}
		if end, ok := tagEnd(b); ok {
			t.parse(b[1:end])
			t.pos += end + 1
			if t.strict && !t.check(t.checkTag()) {
				return false
			}
			return true
		}
		if !t.more() {
			return false
		}
	}
}

// check records a problem found in strict mode; false when there is one.
func (t *tagReader) check(err error) bool {
	if err != nil {
		t.err = err
		return false
	}
	return true
}

// xmlError is XML that encoding/xml (which excelize reads the sheet with)
// refuses; excelize's row iterator stops there without an error, so the
// strict pass refuses it first.
type xmlError struct{ msg string }

func (e *xmlError) Error() string { return e.msg }

// checkTag checks the tag just read as encoding/xml would: a name, quoted
// attributes without "<", matching end tags.
func (t *tagReader) checkTag() error {
	if !xmlName(t.qname) {
		return &xmlError{fmt.Sprintf("%q is not a valid tag", clipBytes(t.qname))}
	}
	if t.isEnd {
		if len(bytes.TrimLeft(t.attrs, " \t\r\n")) > 0 || t.isEmpty {
			return &xmlError{fmt.Sprintf("end tag </%s> has more than its name", t.qname)}
		}
		n := len(t.open)
		if n == 0 {
			return &xmlError{fmt.Sprintf("end tag </%s> closes nothing", t.qname)}
		}
		top := t.names[t.open[n-1]:]
		if !bytes.Equal(top, t.qname) {
			return &xmlError{fmt.Sprintf("element <%s> is closed by </%s>", top, t.qname)}
		}
		t.names, t.open = t.names[:t.open[n-1]], t.open[:n-1]
		return nil
	}
	a := t.attrs
	for {
		name, val, rest, ok := nextAttr(a)
		if !ok {
			break
		}
		if !xmlName(name) {
			return &xmlError{fmt.Sprintf("tag <%s> has an attribute without a valid name", t.qname)}
		}
		if bytes.IndexByte(val, '<') >= 0 {
			return &xmlError{fmt.Sprintf("tag <%s> has a \"<\" in an attribute value", t.qname)}
		}
		if err := checkText(val, true); err != nil {
			return err
		}
		a = rest
	}
	if len(bytes.TrimLeft(a, " \t\r\n")) > 0 {
		return &xmlError{fmt.Sprintf("tag <%s> has an attribute without a quoted value", t.qname)}
	}
	if !t.isEmpty {
		if len(t.open) >= maxDepth {
			return &xmlError{fmt.Sprintf("elements are nested more than %d deep", maxDepth)}
		}
		t.open = append(t.open, len(t.names))
		t.names = append(t.names, t.qname...)
	}
	return nil
}

// maxDepth bounds the nesting of elements in strict mode.
const maxDepth = 256

// xmlName reports whether b is an element or attribute name encoding/xml
// reads (ASCII only: sheet XML has no other).
func xmlName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i, c := range b {
		switch {
		case c >= 0x80:
			return false
		case c|0x20 >= 'a' && c|0x20 <= 'z', c == '_', c == ':':
		case i > 0 && (c >= '0' && c <= '9' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// checkConstruct checks a comment, CDATA section, processing instruction
// or declaration, whole, as encoding/xml would read it.
func checkConstruct(b []byte) error {
	switch {
	case bytes.HasPrefix(b, []byte("<!--")):
		body := b[4 : len(b)-3]
		if bytes.Contains(body, []byte("--")) || bytes.HasSuffix(body, []byte("-")) {
			return &xmlError{`a comment has "--" in it`}
		}
		return checkRunes(body)
	case bytes.HasPrefix(b, []byte("<![CDATA[")):
		return checkRunes(b[9 : len(b)-3])
	case bytes.HasPrefix(b, []byte("<?")):
		body := b[2 : len(b)-2]
		target, rest, _ := bytes.Cut(body, []byte(" "))
		if !xmlName(target) {
			return &xmlError{"a processing instruction has no valid name"}
		}
		if string(target) == "xml" {
			if v, ok := attr(rest, "version"); ok && string(v) != "1.0" {
				return &xmlError{fmt.Sprintf("XML version %q is not read", v)}
			}
			if e, ok := attr(rest, "encoding"); ok && !strings.EqualFold(string(e), "utf-8") {
				return &xmlError{fmt.Sprintf("the sheet's XML is in %q; only UTF-8 is read", e)}
			}
		}
		return checkRunes(body)
	}
	return &xmlError{"a sheet's XML has no DOCTYPE or other declarations"}
}

// checkText checks character data (or an attribute value) as encoding/xml
// does: known entities only, characters XML allows, valid UTF-8, and no
// "]]>" outside CDATA.
func checkText(b []byte, attrValue bool) error {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c >= 0x20 && c < 0x80 && c != '&' && c != ']':
			i++
		case c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '&':
			n, ok := entity(b[i:])
			if !ok {
				return &xmlError{fmt.Sprintf("%q is not an entity XML knows", clipBytes(b[i:min(len(b), i+12)]))}
			}
			i += n
		case c == ']':
			if !attrValue && bytes.HasPrefix(b[i:], []byte("]]>")) {
				return &xmlError{`"]]>" in text`}
			}
			i++
		case c < 0x80:
			return &xmlError{fmt.Sprintf("the character %U is not allowed in XML", rune(c))}
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return &xmlError{"the text is not valid UTF-8"}
			}
			if !xmlChar(r) {
				return &xmlError{fmt.Sprintf("the character %U is not allowed in XML", r)}
			}
			i += size
		}
	}
	return nil
}

// checkRunes checks text without entities (CDATA, comments).
func checkRunes(b []byte) error {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			return &xmlError{"the text is not valid UTF-8"}
		}
		if !xmlChar(r) {
			return &xmlError{fmt.Sprintf("the character %U is not allowed in XML", r)}
		}
		b = b[size:]
	}
	return nil
}

// entity reads the entity reference at the start of b ("&amp;", "&#10;")
// and gives its length; only the five named entities XML predefines are known.
func entity(b []byte) (int, bool) {
	semi := bytes.IndexByte(b[:min(len(b), 12)], ';')
	if semi < 0 {
		return 0, false
	}
	name := b[1:semi]
	switch string(name) {
	case "lt", "gt", "amp", "apos", "quot":
		return semi + 1, true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || len(digits) == 0 || n > unicode.MaxRune {
		return 0, false
	}
	r := rune(n)
	if r >= 0xD800 && r <= 0xDFFF {
		return semi + 1, true // encoding/xml reads a surrogate as U+FFFD
	}
	return semi + 1, xmlChar(r)
}

// xmlChar reports whether XML 1.0 allows the character.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// textTail is how many bytes at the end of text may be cut by a read: an
// unfinished entity, rune, or "]]".
func textTail(b []byte) int {
	keep := 0
	if amp := bytes.LastIndexByte(b, '&'); amp >= 0 && len(b)-amp < 12 && bytes.IndexByte(b[amp:], ';') < 0 {
		keep = len(b) - amp
	}
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if c := b[len(b)-i]; c >= 0xC0 { // the start of a rune
			if !utf8.FullRune(b[len(b)-i:]) {
				keep = max(keep, i)
			}
			break
		} else if c < 0x80 {
			break
		}
	}
	if bytes.HasSuffix(b, []byte("]")) {
		keep = max(keep, 2)
	}
	return min(keep, len(b))
}

func clipBytes(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// seek moves to the next tag whose local name is name and reads it; the
// text in between is not looked at but for that name.
func (t *tagReader) seek(name string) bool {
	for {
		if i := nameIndex(t.buf[t.pos:t.end], name); i >= 0 {
			t.pos += i
			return t.next()
		}
		// Keep a tail that may hold the start of a tag split by the read.
		t.pos = max(t.pos, t.end-64)
		if !t.fill() {
			return false
		}
	}
}

// nameIndex finds the "<" of a tag named name (a start or end tag, with
// or without a namespace prefix) in b, or -1. A name cut off at the end of
// b counts: the caller reads the whole tag and looks at its name again.
func nameIndex(b []byte, name string) int {
	for off := 0; ; {
		k := bytes.Index(b[off:], []byte(name))
		if k < 0 {
			return -1
		}
		k += off
		off = k + 1
		if after := k + len(name); after < len(b) && !isSpace(b[after]) && b[after] != '/' && b[after] != '>' {
			continue // a longer name: mergeCells
		}
		p := k - 1
		if p >= 0 && b[p] == ':' {
			for p--; p >= 0 && isNameByte(b[p]); p-- {
			}
		}
		if p >= 0 && b[p] == '/' {
			p--
		}
		if p >= 0 && b[p] == '<' {
			return p
		}
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// skipPast moves past the next occurrence of end without holding what it skips.
func (t *tagReader) skipPast(end []byte) bool {
	for {
		if i := bytes.Index(t.buf[t.pos:t.end], end); i >= 0 {
			t.pos += i + len(end)
			return true
		}
		t.pos = max(t.pos, t.end-len(end)+1)
		if !t.more() {
			return false
		}
	}
}

// tagEnd finds the > that closes the tag at the start of b, outside quotes.
func tagEnd(b []byte) (int, bool) {
	end := bytes.IndexByte(b, '>')
	if end < 0 {
		return 0, false
	}
	if bytes.IndexByte(b[:end], '\'') < 0 && bytes.Count(b[:end], []byte{'"'})%2 == 0 {
		return end, true // the usual tag: no > inside its quotes
	}
	var quote byte
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i, true
		}
	}
	return 0, false
}

// parse reads a tag's text between < and >.
func (t *tagReader) parse(s []byte) {
	t.isEnd = len(s) > 0 && s[0] == '/'
	if t.isEnd {
		s = s[1:]
	}
	t.isEmpty = len(s) > 0 && s[len(s)-1] == '/'
	if t.isEmpty {
		s = s[:len(s)-1]
	}
	n := 0
	for n < len(s) && !isSpace(s[n]) {
		n++
	}
	t.qname = s[:n]
	t.name = t.qname
	if i := bytes.LastIndexByte(t.qname, ':'); i >= 0 {
		t.name = t.qname[i+1:]
	}
	t.attrs = s[n:]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// nextAttr reads the first attribute of a: its local name and its value
// (entities are not decoded: the attributes read here never need it).
func nextAttr(a []byte) (name, val, rest []byte, ok bool) {
	for len(a) > 0 && isSpace(a[0]) {
		a = a[1:]
	}
	eq := bytes.IndexByte(a, '=')
	if eq < 0 {
		return nil, nil, nil, false
	}
	name = a[:eq]
	for len(name) > 0 && isSpace(name[len(name)-1]) {
		name = name[:len(name)-1]
	}
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	a = a[eq+1:]
	for len(a) > 0 && isSpace(a[0]) {
		a = a[1:]
	}
	if len(a) == 0 || (a[0] != '"' && a[0] != '\'') {
		return nil, nil, nil, false
	}
	end := bytes.IndexByte(a[1:], a[0])
	if end < 0 {
		return nil, nil, nil, false
	}
	return name, a[1 : end+1], a[end+2:], true
}

// attr finds an attribute by local name.
func attr(a []byte, want string) ([]byte, bool) {
	for {
		name, val, rest, ok := nextAttr(a)
		if !ok {
			return nil, false
		}
		if string(name) == want {
			return val, true
		}
		a = rest
	}
}
