package erpexport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// File error codes for text that cannot be read as a table.
const (
	CodeNoHeader         = "no_header"         // the file ends before its header row
	CodeNotText          = "not_text"          // NUL bytes: a spreadsheet or PDF named .csv
	CodeEncodingMismatch = "encoding_mismatch" // a byte order mark contradicts the mapping's encoding
)

// Row error codes of the CSV reader.
const (
	CodeFieldCount      = "field_count"      // a row has more or fewer fields than the header
	CodeInvalidEncoding = "invalid_encoding" // a cell is not valid UTF-8 in a UTF-8 file
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// utf16Form is the byte order and BOM policy UTF-16 text is read with.
type utf16Form struct {
	Order unicode.Endianness
	BOM   unicode.BOMPolicy
}

// readBufferSize is the read buffer; delimiter detection looks at most this far.
const readBufferSize = 64 << 10

// textMode says how the bytes of cells become UTF-8.
type textMode uint8

const (
	modeUndecided textMode = iota // ASCII so far: UTF-8 or Windows-1252, the first non-ASCII cell decides
	modeUTF8                      // UTF-8; invalid bytes are a row error
	modeLegacy                    // a single-byte encoding, converted cell by cell
)

// cellText converts and checks the text of the cells a mapping reads. The
// CSV itself is split on the raw bytes: delimiters, quotes and line breaks
// are ASCII, which UTF-8, Latin-1 and Windows-1252 all write the same way,
// so only cells that are used need converting.
type cellText struct {
	mode textMode
	cm   *charmap.Charmap // the single-byte encoding of modeLegacy (and of modeUndecided, should it come to that)
}

// convert returns s as UTF-8. ok is false when s is not valid UTF-8 in a
// file that is UTF-8. In modeUndecided, the first non-ASCII cell decides:
// valid UTF-8 makes the file UTF-8, anything else Windows-1252 (or the
// mapping's single-byte encoding). Everything before was ASCII, which reads
// the same in both, so deciding late loses nothing.
func (t *cellText) convert(s string) (string, bool) {
	i := firstNonASCII(s)
	if i < 0 {
		return s, true
	}
	switch t.mode {
	case modeLegacy:
		return t.decode(s, i), true
	case modeUTF8:
		return s, utf8.ValidString(s[i:])
	}
	if utf8.ValidString(s[i:]) {
		t.mode = modeUTF8
		return s, true
	}
	t.mode = modeLegacy
	return t.decode(s, i), true
}

// decode converts s from the single-byte encoding; s[:i] is ASCII.
func (t *cellText) decode(s string, i int) string {
	b := make([]byte, 0, len(s)+len(s)/2)
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, c)
		} else {
			b = utf8.AppendRune(b, t.cm.DecodeByte(c))
		}
	}
	return string(b)
}

func firstNonASCII(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// openText prepares r for the CSV reader: a byte order mark is honoured or
// checked against the mapping's encoding, UTF-16 is converted to UTF-8 as
// a stream, and a file that is not text is refused with a *FileError.
func openText(r io.Reader, encoding, file string) (*bufio.Reader, *cellText, error) {
	fileErr := func(code, format string, args ...any) error {
		return &connectors.FileError{File: file, Line: 1, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	br := bufio.NewReaderSize(r, readBufferSize)
	head, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	text := &cellText{mode: modeUTF8, cm: charmap.Windows1252}
	var utf16 *utf16Form
	switch encoding {
	case mapping.EncodingAuto:
		switch {
		case bytes.HasPrefix(head, bomUTF8):
			br.Discard(len(bomUTF8))
		case bytes.HasPrefix(head, bomUTF16LE):
			utf16 = &utf16Form{Order: unicode.LittleEndian, BOM: unicode.ExpectBOM}
		case bytes.HasPrefix(head, bomUTF16BE):
			utf16 = &utf16Form{Order: unicode.BigEndian, BOM: unicode.ExpectBOM}
		case len(head) >= 2 && head[0] != 0 && head[1] == 0: // "O\x00r\x00": UTF-16 LE without a BOM
			utf16 = &utf16Form{Order: unicode.LittleEndian, BOM: unicode.IgnoreBOM}
		case len(head) >= 2 && head[0] == 0 && head[1] != 0:
			utf16 = &utf16Form{Order: unicode.BigEndian, BOM: unicode.IgnoreBOM}
		default:
			text.mode = modeUndecided
		}
	case mapping.EncodingUTF8:
		if bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE) {
			return nil, nil, fileErr(CodeEncodingMismatch, "the file starts with a UTF-16 byte order mark, but the mapping says encoding: utf-8")
		}
		if bytes.HasPrefix(head, bomUTF8) {
			br.Discard(len(bomUTF8))
		}
	case mapping.EncodingUTF16:
		if bytes.HasPrefix(head, bomUTF8) {
			return nil, nil, fileErr(CodeEncodingMismatch, "the file starts with a UTF-8 byte order mark, but the mapping says encoding: utf-16")
		}
		utf16 = &utf16Form{Order: unicode.LittleEndian, BOM: unicode.UseBOM}
	case mapping.EncodingLatin1, mapping.EncodingWindows1252:
		if bytes.HasPrefix(head, bomUTF8) || bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE) {
			return nil, nil, fileErr(CodeEncodingMismatch, "the file starts with a Unicode byte order mark, but the mapping says encoding: %s", encoding)
		}
		text.mode = modeLegacy
		if encoding == mapping.EncodingLatin1 {
			text.cm = charmap.ISO8859_1
		}
	default:
		return nil, nil, fmt.Errorf("unknown encoding %q", encoding)
	}
	if utf16 != nil {
		dec := unicode.UTF16(utf16.Order, utf16.BOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, dec), readBufferSize)
	}
	start, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	if bytes.IndexByte(start, 0) >= 0 {
		return nil, nil, fileErr(CodeNotText, "this is not a text file (it has NUL bytes): is it a spreadsheet or a PDF saved with a .csv name?")
	}
	return br, text, nil
}

// skipLines reads past n lines (a banner above the header) and returns how
// many there were.
func skipLines(br *bufio.Reader, n int) (int, error) {
	skipped := 0
	for skipped < n {
		_, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			skipped++
		case errors.Is(err, bufio.ErrBufferFull): // a long line: read on
		case errors.Is(err, io.EOF):
			return skipped, nil
		default:
			return skipped, fmt.Errorf("read: %w", err)
		}
	}
	return skipped, nil
}

// delimiterCandidates are the delimiters detection chooses from, in the
// order that breaks a tie.
var delimiterCandidates = []byte{';', ',', '\t', '|'}

// detectDelimiter returns the candidate found most often, outside quotes,
// in the first non-blank line (the header); ',' when none is.
func detectDelimiter(br *bufio.Reader) rune {
	b, _ := br.Peek(readBufferSize)
	counts := make([]int, len(delimiterCandidates))
	inQuote, blank := false, true
scan:
	for _, c := range b {
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n':
			if !blank {
				break scan
			}
		case c == '\r' || c == ' ':
		default:
			blank = false
			if i := bytes.IndexByte(delimiterCandidates, c); i >= 0 {
				counts[i]++
			}
		}
	}
	best := 0
	for i := range counts {
		if counts[i] > counts[best] {
			best = i
		}
	}
	if counts[best] == 0 {
		return ','
	}
	return rune(delimiterCandidates[best])
}
