// Package camt decodes ISO 20022 bank-to-customer cash management messages
// into canonical bank statements: camt.053 (end-of-day statement), camt.052
// (intraday account report, statement_type interim) and camt.054 (debit and
// credit notification, statement_type notification), versions .001.02 to
// .001.08, under the ISO namespaces or a bank's own namespace that ends the
// same way.
//
// The document is streamed with encoding/xml: only one Stmt, Rpt or Ntfctn
// is held in memory at a time, so memory does not grow with the file (only a
// small set of statement identifiers, to catch a statement sent twice).
//
// What is a row error and what is not:
//
//   - A statement with a bad part (an amount that is not a decimal or has
//     more than 18 digits, an impossible date, an unknown CdtDbtInd or Sts,
//     no Id, no account, a canonical validation problem) is one row error
//     naming the XML path of the bad part ("Document/BkToCstmrStmt/Stmt[2]/
//     Ntry[5]/Amt") and its line; the statement is not published and the
//     next statement is read.
//   - The same statement (Id and account) a second time is a row error
//     naming the first.
//   - An element the message does not have beside its statements (a <Rpt>
//     in a camt.053) is a row error and is left out.
//   - XML that breaks off (a truncated file, a mismatched tag) ends the
//     input with a row error at the line where it broke: the statements
//     before it are published, nothing after it can be read.
//   - A file that is not XML, not an ISO 20022 Document, or another message
//     than the decoder's format (a camt.054 given to the camt053 decoder) is
//     a *connectors.FileError before anything is published.
//   - XML that crosses a bound (see maxInputBytes and the xmlbound
//     defaults: elements nested deeper than 256, a text, tag or comment
//     longer than 1 MiB, more than 256 attributes on an element, an input
//     larger than 256 MiB) or that declares a DTD or an entity is refused
//     with code xml_limit where it crosses it, like XML that breaks off: a
//     file error before the message, else a row error after the statements
//     before it.
//
// Batched entries: an Ntry with several TxDtls becomes one canonical entry
// per TxDtls, each with its own amount (TxDtls/Amt, else
// TxDtls/AmtDtls/TxAmt/Amt), when every TxDtls has an amount in the entry's
// currency and their signed sum equals the Ntry amount. When the batch has
// no amounts per transaction, the Ntry stays one entry. When the amounts
// are there but do not add up, the Ntry also stays one entry (the balance
// is the bank's booked figure, so the statement still balances and is
// published), and a row error with code batch_mismatch says by how much
// the details are off, so the difference is seen rather than smoothed over.
package camt

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"golang.org/x/text/encoding/ianaindex"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/internal/xmlbound"
)

// Format names (`procurehub parse --format camt053`).
const (
	FormatCAMT053 = "camt053"
	FormatCAMT052 = "camt052"
	FormatCAMT054 = "camt054"
)

// connectorKind is the Source.Connector of records when the input names none.
const connectorKind = "bank_statement"

// Stable codes of row and file errors from this package (besides the
// canonical validation codes).
const (
	CodeNotXML            = "not_xml"            // file: the input is not XML
	CodeWrongMessage      = "wrong_message"      // file: not the decoder's camt message
	CodeBadVersion        = "bad_version"        // file: a version outside .001.02 to .001.08
	CodeMalformedXML      = "malformed_xml"      // row (file, before the message): the XML breaks off here
	CodeAmountDigits      = "amount_digits"      // row: an amount with more than 18 digits
	CodeInvalidCode       = "invalid_code"       // row: CdtDbtInd, Sts or a balance type not known
	CodeBatchMismatch     = "batch_mismatch"     // row: the TxDtls amounts do not add up to their Ntry
	CodeUnexpectedElement = "unexpected_element" // row: an element the message does not have, left out
	CodeXMLLimit          = "xml_limit"          // row (file, before the message): the XML crosses a bound or declares a DTD
)

// maxInputBytes bounds a camt file: a year of end-of-day statements of a
// busy account is far less; the other bounds are xmlbound's defaults.
const maxInputBytes = 256 << 20

// message is one camt message kind.
type message struct {
	format    string
	name      string // "camt.053"
	container string // the element under Document
	item      string // the repeated statement element
	typ       canonical.StatementType
	what      string // for messages: "an end-of-day statement"
}

var messages = []message{
	{FormatCAMT053, "camt.053", "BkToCstmrStmt", "Stmt", canonical.StatementEndOfDay, "a bank-to-customer statement"},
	{FormatCAMT052, "camt.052", "BkToCstmrAcctRpt", "Rpt", canonical.StatementInterim, "an intraday account report"},
	{FormatCAMT054, "camt.054", "BkToCstmrDbtCdtNtfctn", "Ntfctn", canonical.StatementNotification, "a debit/credit notification"},
}

// Decoder reads one camt message kind. It holds no state between inputs:
// one Decoder may decode several inputs at once.
type Decoder struct {
	msg    message
	limits xmlbound.Limits
}

var _ connectors.Decoder = (*Decoder)(nil)

// NewDecoder returns the decoder of format: FormatCAMT053, FormatCAMT052 or
// FormatCAMT054.
func NewDecoder(format string) (*Decoder, error) {
	for _, m := range messages {
		if m.format == format {
			return &Decoder{msg: m, limits: xmlbound.Limits{MaxBytes: maxInputBytes}}, nil
		}
	}
	return nil, fmt.Errorf("camt: unknown format %q (want %s, %s or %s)", format, FormatCAMT053, FormatCAMT052, FormatCAMT054)
}

// namespaceVersion finds "camt.053.001.08" at the end of a namespace.
var namespaceVersion = regexp.MustCompile(`(camt\.05[0-9]|[a-z]{4}\.[0-9]{3})\.001\.([0-9]{2})$`)

// Decode streams one camt document into out (see the package doc for what
// becomes a row error and what a file error). It checks ctx before each
// statement.
func (d *Decoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	xd := xml.NewDecoder(bufio.NewReaderSize(xmlbound.NewReader(r, d.limits), 64<<10))
	xd.CharsetReader = charsetReader
	s := &session{d: d, in: in, xd: xd, out: out, seen: map[string]seenAt{}}
	s.connector = in.Connector
	if s.connector == "" {
		s.connector = connectorKind
	}
	if err := s.root(); err != nil {
		return err
	}
	return s.body(ctx)
}

func charsetReader(label string, input io.Reader) (io.Reader, error) {
	enc, err := ianaindex.IANA.Encoding(label)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	return enc.NewDecoder().Reader(input), nil
}

type seenAt struct {
	path string
	line int
}

// session is the state of one Decode.
type session struct {
	d         *Decoder
	in        connectors.Input
	xd        *xml.Decoder
	out       connectors.Sink
	connector string
	created   text // GrpHdr/CreDtTm
	seen      map[string]seenAt
}

func (s *session) fileError(line int, code, format string, args ...any) error {
	return &connectors.FileError{File: s.in.Name, Line: line, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (s *session) line() int {
	l, _ := s.xd.InputPos()
	return l
}

// root reads up to the message container and checks that it is ours.
func (s *session) root() error {
	want := s.d.msg
	var doc *xml.StartElement
	for {
		tok, err := s.xd.Token()
		if err != nil {
			if be := xmlbound.AsError(err); be != nil {
				return s.fileError(be.Line, CodeXMLLimit, "the %s file is refused: %s", want.name, be.Detail())
			}
			if errors.Is(err, io.EOF) {
				if doc == nil {
					return s.fileError(0, CodeNotXML, "the file has no XML element: it is not a %s file", want.name)
				}
				return s.fileError(s.line(), CodeWrongMessage, "the Document ends before its message: not a %s file", want.name)
			}
			if doc != nil {
				return s.fileError(s.line(), CodeMalformedXML, "the %s file breaks off before its first statement: %s", want.name, xmlReason(err))
			}
			return s.fileError(s.line(), CodeNotXML, "not a %s file: it is not well-formed XML (%v)", want.name, xmlReason(err))
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if doc == nil {
			if se.Name.Local != "Document" {
				return s.fileError(s.line(), CodeWrongMessage, "not an ISO 20022 %s file: its root element is <%s>, not <Document>", want.name, clip(se.Name.Local))
			}
			doc = &se
			if err := s.checkNamespace(se.Name.Space); err != nil {
				return err
			}
			continue
		}
		if se.Name.Local == want.container {
			return nil
		}
		for _, m := range messages {
			if se.Name.Local == m.container {
				return s.fileError(s.line(), CodeWrongMessage, "this is %s (%s, <%s>), not %s: decode it with format %s", m.name, m.what, m.container, want.name, m.format)
			}
		}
		return s.fileError(s.line(), CodeWrongMessage, "not a %s file: the Document holds <%s>, not <%s>", want.name, clip(se.Name.Local), want.container)
	}
}

func (s *session) checkNamespace(ns string) error {
	want := s.d.msg
	if ns == "" {
		return nil // judged by the message element
	}
	m := namespaceVersion.FindStringSubmatch(ns)
	if m == nil {
		return s.fileError(s.line(), CodeWrongMessage, "not a %s file: the Document namespace %q names no ISO 20022 message", want.name, clip(ns))
	}
	if m[1] != want.name {
		for _, o := range messages {
			if o.name == m[1] {
				return s.fileError(s.line(), CodeWrongMessage, "this is %s.001.%s (%s), not %s: decode it with format %s", o.name, m[2], o.what, want.name, o.format)
			}
		}
		return s.fileError(s.line(), CodeWrongMessage, "this is an ISO 20022 %s.001.%s message, not %s", m[1], m[2], want.name)
	}
	if v, _ := strconv.Atoi(m[2]); v < 2 || v > 8 {
		return s.fileError(s.line(), CodeBadVersion, "%s version .001.%s is not supported (versions .001.02 to .001.08 are)", want.name, m[2])
	}
	return nil
}

// body reads the container's children: GrpHdr and the statements.
func (s *session) body(ctx context.Context) error {
	msg := s.d.msg
	base := "Document/" + msg.container
	n := 0
	for {
		tok, err := s.xd.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return s.broken(ctx, base, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "GrpHdr":
				var h groupHeader
				if err := s.xd.DecodeElement(&h, &t); err != nil {
					return s.broken(ctx, base+"/GrpHdr", err)
				}
				s.created = h.CreDtTm
			case msg.item:
				n++
				path := fmt.Sprintf("%s/%s[%d]", base, msg.item, n)
				if err := ctx.Err(); err != nil {
					return err
				}
				line := s.line()
				var st statement
				if err := s.xd.DecodeElement(&st, &t); err != nil {
					return s.broken(ctx, path, err)
				}
				if err := s.statement(ctx, path, line, &st); err != nil {
					return err
				}
			case "SplmtryData":
				if err := s.xd.Skip(); err != nil {
					return s.broken(ctx, base+"/SplmtryData", err)
				}
			default:
				// Not silently dropped: an element the message does not
				// have here (a <Rpt> in a camt.053) may hold entries.
				line := s.line()
				if err := s.xd.Skip(); err != nil {
					return s.broken(ctx, base+"/"+t.Name.Local, err)
				}
				if err := s.out.RowError(ctx, connectors.RowError{
					File: s.in.Name, Line: line, Field: base + "/" + clip(t.Name.Local), Code: CodeUnexpectedElement,
					Message: fmt.Sprintf("<%s> does not belong in <%s> and is left out (a %s holds GrpHdr and %s elements)", clip(t.Name.Local), msg.container, msg.name, msg.item),
				}); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if t.Name.Local == msg.container {
				return s.trailer(ctx)
			}
		}
	}
}

// trailer reads what follows the container; only closing tags and
// whitespace may.
func (s *session) trailer(ctx context.Context) error {
	for {
		_, err := s.xd.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if be := xmlbound.AsError(err); be != nil {
			return s.refused(ctx, "Document", be)
		}
		if err != nil {
			var se *xml.SyntaxError
			line := s.line()
			if errors.As(err, &se) && se.Line > 0 {
				line = se.Line
			}
			return s.out.RowError(ctx, connectors.RowError{
				File: s.in.Name, Line: line, Field: "Document", Code: CodeMalformedXML,
				Message: fmt.Sprintf("the XML breaks off after <%s> (%s): the file may be cut off; the statements in it were read", s.d.msg.container, xmlReason(err)),
			})
		}
	}
}

// broken reports XML that cannot be read on as a row error at path.
func (s *session) broken(ctx context.Context, path string, err error) error {
	if be := xmlbound.AsError(err); be != nil {
		return s.refused(ctx, path, be)
	}
	var se *xml.SyntaxError
	line := s.line()
	if errors.As(err, &se) && se.Line > 0 {
		line = se.Line
	}
	return s.out.RowError(ctx, connectors.RowError{
		File: s.in.Name, Line: line, Field: path, Code: CodeMalformedXML,
		Message: fmt.Sprintf("the XML breaks off in %s (%s): the statements before it were read, nothing after it can be", path, xmlReason(err)),
	})
}

// refused reports XML that crosses a bound as a row error at path: reading
// stops there, as for XML that breaks off.
func (s *session) refused(ctx context.Context, path string, be *xmlbound.Error) error {
	return s.out.RowError(ctx, connectors.RowError{
		File: s.in.Name, Line: be.Line, Field: path, Code: CodeXMLLimit,
		Message: fmt.Sprintf("the XML is refused in %s: %s; the statements before it were read, nothing after it is", path, be.Detail()),
	})
}

func xmlReason(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

// clip shortens a value for an error message.
func clip(s string) string {
	const n = 40
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
