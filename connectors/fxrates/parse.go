// Package fxrates reads the euro foreign exchange reference rates that the
// European Central Bank publishes (eurofxref-daily.xml, eurofxref-hist-90d.xml,
// eurofxref-hist.xml), keeps them in a concurrency-safe Table and converts
// amounts between currencies through the euro.
//
// The canonical model has no record type for FX rates, so this package is
// not a connectors.Decoder: Parse streams Rate values to a callback, and
// Table holds them for lookups and conversions.
package fxrates

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/internal/xmlbound"
)

// Rate is one reference rate: how many units of Currency one euro buys on
// Date. PerEUR keeps the digits as the ECB published them ("1.0812",
// "162.43").
type Rate struct {
	Date     canonical.Date
	Currency canonical.Currency
	PerEUR   canonical.Decimal
}

// Stable codes of a *ParseError.
const (
	CodeMalformedXML      = "malformed_xml"      // not well-formed XML
	CodeTruncated         = "truncated"          // the input ends inside an element
	CodeNotECB            = "not_ecb_rates"      // well-formed XML, but not the ECB Envelope/Cube layout
	CodeInvalidDate       = "invalid_date"       // Cube time is not a YYYY-MM-DD calendar date
	CodeDuplicateDate     = "duplicate_date"     // one date twice in a file
	CodeInvalidRate       = "invalid_rate"       // rate is missing, not a plain decimal, or not positive
	CodeInvalidCurrency   = "invalid_currency"   // currency is missing or not an ISO 4217 code
	CodeDuplicateCurrency = "duplicate_currency" // one currency twice on one date
	CodeXMLLimit          = "xml_limit"          // the XML crosses a bound (size, nesting, token, attributes) or declares a DTD
)

// maxInputBytes bounds a reference rate file: the full history since 1999
// is about 10 MB and grows by some 300 KB a year. The other bounds are
// xmlbound's defaults: elements nested deeper than 256, a text, tag or
// comment longer than 1 MiB, more than 256 attributes on an element.
const maxInputBytes = 16 << 20

// ParseError is a problem in a reference rate file, with the 1-based line
// and the XML path where it was found. It prints as
//
//	line 9: gesmes:Envelope/Cube/Cube[@time='2026-03-02']/Cube[@currency='USD']: rate "abc" is not a decimal
//
// Callers that know the file name put it in front.
type ParseError struct {
	Line    int
	Path    string
	Code    string
	Message string
	Err     error // the underlying error, when there is one (*canonical.ParseError, *xml.SyntaxError)
}

func (e *ParseError) Error() string {
	s := "line " + strconv.Itoa(e.Line) + ": "
	if e.Path != "" {
		s += e.Path + ": "
	}
	return s + e.Message
}

func (e *ParseError) Unwrap() error { return e.Err }

// legacyCurrencies are the codes the ECB historical file carries for
// currencies that have since left ISO 4217 (replaced by the euro or
// redenominated). canonical has no such currency, so their rates are
// checked like any other and then passed over.
var legacyCurrencies = map[string]bool{
	"BGN": true, "CYP": true, "EEK": true, "HRK": true, "LTL": true, "LVL": true,
	"MTL": true, "ROL": true, "SIT": true, "SKK": true, "TRL": true,
}

// Cube kinds, from their attributes.
const (
	kindOther = iota // any other element, or a Cube without attributes (the ECB wraps the dates in one)
	kindDate         // <Cube time='2026-03-02'>
	kindRate         // <Cube currency='USD' rate='1.0812'/>
)

type frame struct {
	name xml.Name
	kind int
	attr string // the time or currency attribute, for the error path
}

// ctxCheckEvery is how many tokens Parse reads between looks at ctx.
const ctxCheckEvery = 1024

// Parse streams the reference rates of an ECB eurofxref file (daily, 90 days
// or full history) from r to fn, one Rate per currency and date, in the
// order of the file. It reads r token by token and holds one date's
// currencies at a time, so the 25-year history never sits in memory.
//
// The first problem stops parsing and is returned as a *ParseError naming
// the line and XML path: malformed or truncated XML, a root that is not
// gesmes:Envelope, no dated Cube at all, XML that crosses a bound (an input
// larger than 16 MiB, elements nested deeper than 256, a token longer than
// 1 MiB, more than 256 attributes on an element) or declares a DTD, a date that is not a calendar date
// or that appears twice, a rate that is not a plain positive decimal, a
// currency that is not an ISO 4217 code in upper case, a currency twice on
// one date. Rates already handed to fn stay handed: callers that want all
// or nothing fill a fresh Table and swap it in when Parse returns nil.
// Rates of currencies that have left ISO 4217 since the ECB published them
// (CYP, EEK, LTL, LVL, MTL, SIT, SKK, TRL, ROL, HRK, BGN) are checked and
// then passed over.
//
// An error from fn stops parsing and is returned as it is; so is ctx.Err()
// once ctx is cancelled. A failing read of r is returned wrapped.
func Parse(ctx context.Context, r io.Reader, fn func(Rate) error) error {
	return parse(ctx, r, fn, xmlbound.Limits{MaxBytes: maxInputBytes})
}

// parse is Parse with the bounds lim (tests lower them).
func parse(ctx context.Context, r io.Reader, fn func(Rate) error, lim xmlbound.Limits) error {
	src := &sourceReader{r: r}
	p := parser{
		src:    src,
		d:      xml.NewDecoder(xmlbound.NewReader(src, lim)),
		seenCc: make(map[canonical.Currency]int, 32),
		dates:  make(map[canonical.Date]int, 64),
	}
	return p.run(ctx, fn)
}

type parser struct {
	src      *sourceReader
	d        *xml.Decoder
	stack    []frame
	rootSeen bool
	rootDone bool
	inDate   bool
	date     canonical.Date
	seenCc   map[canonical.Currency]int // currencies of the current date → line
	dates    map[canonical.Date]int     // dates seen → line
}

func (p *parser) run(ctx context.Context, fn func(Rate) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for n := 1; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		before := p.line()
		tok, err := p.d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			if p.src.err != nil {
				return fmt.Errorf("fxrates: read: %w", p.src.err)
			}
			if be := xmlbound.AsError(err); be != nil {
				return &ParseError{Line: be.Line, Path: p.path(), Code: CodeXMLLimit, Message: be.Msg, Err: err}
			}
			// Everything else is the decoder's complaint about the XML:
			// a *xml.SyntaxError, or an unsupported version or encoding.
			line, msg, code := p.line(), err.Error(), CodeMalformedXML
			var syn *xml.SyntaxError
			if errors.As(err, &syn) {
				line, msg = syn.Line, syn.Msg
				if strings.Contains(msg, "unexpected EOF") {
					code = CodeTruncated
				}
			}
			return &ParseError{Line: line, Path: p.path(), Code: code, Message: msg, Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.start(t, fn); err != nil {
				return err
			}
		case xml.EndElement:
			if err := p.end(t); err != nil {
				return err
			}
		case xml.CharData:
			if len(p.stack) == 0 {
				if text := strings.TrimSpace(string(t)); text != "" {
					// The line where the text starts, not where the token ends.
					lead := string(t[:strings.Index(string(t), text)])
					return &ParseError{Line: before + strings.Count(lead, "\n"), Code: CodeNotECB,
						Message: fmt.Sprintf("text %s outside the root element: not an ECB reference rate file", quote(text))}
				}
			}
		}
	}
	switch {
	case len(p.stack) > 0:
		return p.errorf(CodeTruncated, "the input ends before </%s>", qname(p.stack[len(p.stack)-1].name))
	case !p.rootSeen:
		return p.errorf(CodeNotECB, "empty input: no gesmes:Envelope")
	case len(p.dates) == 0:
		return p.errorf(CodeNotECB, "no dated Cube: not an ECB reference rate file")
	}
	return nil
}

func (p *parser) start(t xml.StartElement, fn func(Rate) error) error {
	if p.rootDone {
		return p.errorf(CodeMalformedXML, "<%s> after the end of the root element", qname(t.Name))
	}
	f := frame{name: t.Name}
	if len(p.stack) == 0 {
		if t.Name.Local != "Envelope" {
			return p.errorf(CodeNotECB, "root element is <%s>, not gesmes:Envelope: not an ECB reference rate file", qname(t.Name))
		}
		p.rootSeen = true
		p.stack = append(p.stack, f)
		return nil
	}
	if t.Name.Local != "Cube" {
		if p.inDate {
			p.stack = append(p.stack, f)
			return p.errorf(CodeNotECB, "unexpected <%s> inside a dated Cube", qname(t.Name))
		}
		p.stack = append(p.stack, f)
		return nil
	}
	var timeAttr, curAttr, rateAttr string
	var hasTime, hasCur, hasRate bool
	for _, a := range t.Attr {
		var dup bool
		switch a.Name.Local {
		case "time":
			dup = hasTime
			timeAttr, hasTime = a.Value, true
		case "currency":
			dup = hasCur
			curAttr, hasCur = a.Value, true
		case "rate":
			dup = hasRate
			rateAttr, hasRate = a.Value, true
		}
		if dup {
			p.stack = append(p.stack, f)
			return p.errorf(CodeMalformedXML, "attribute %s given twice", a.Name.Local)
		}
	}
	switch {
	case hasTime:
		f.kind, f.attr = kindDate, timeAttr
		p.stack = append(p.stack, f)
		if p.inDate {
			return p.errorf(CodeNotECB, "a dated Cube inside another dated Cube")
		}
		if hasCur || hasRate {
			return p.errorf(CodeNotECB, "a Cube with both a time and a currency or rate")
		}
		d, err := canonical.ParseDate(timeAttr)
		if err != nil {
			return p.wrap(CodeInvalidDate, err, "time %s", err.Error())
		}
		line := p.line()
		if first, dup := p.dates[d]; dup {
			return p.errorf(CodeDuplicateDate, "date %s appears twice (first on line %d)", d, first)
		}
		p.dates[d] = line
		p.inDate, p.date = true, d
		clear(p.seenCc)
		return nil
	case hasCur || hasRate:
		f.kind, f.attr = kindRate, curAttr
		p.stack = append(p.stack, f)
		if !p.inDate {
			return p.errorf(CodeNotECB, "a rate outside a dated Cube")
		}
		return p.rate(curAttr, hasCur, rateAttr, hasRate, fn)
	}
	p.stack = append(p.stack, f)
	if p.inDate {
		return p.errorf(CodeNotECB, "a Cube without time, currency or rate inside a dated Cube")
	}
	return nil
}

func (p *parser) rate(curAttr string, hasCur bool, rateAttr string, hasRate bool, fn func(Rate) error) error {
	if !hasCur || curAttr == "" {
		return p.errorf(CodeInvalidCurrency, "currency is missing")
	}
	if !hasRate {
		return p.errorf(CodeInvalidRate, "rate is missing")
	}
	c := canonical.Currency(curAttr)
	legacy := false
	if !c.Valid() {
		if legacyCurrencies[curAttr] {
			legacy = true
		} else if pc, err := canonical.ParseCurrency(curAttr); err != nil {
			return p.wrap(CodeInvalidCurrency, err, "currency %s", err.Error())
		} else {
			return p.errorf(CodeInvalidCurrency, "currency %s is not written as its ISO 4217 code %s", quote(curAttr), pc)
		}
	}
	if c == "EUR" {
		return p.errorf(CodeInvalidCurrency, "a rate for EUR in a table of rates per 1 EUR")
	}
	v, err := parseRate(rateAttr)
	if err != nil {
		return p.wrap(CodeInvalidRate, err, "%s", err.Error())
	}
	if first, dup := p.seenCc[c]; dup {
		return p.errorf(CodeDuplicateCurrency, "currency %s appears twice on %s (first on line %d)", c, p.date, first)
	}
	p.seenCc[c] = p.line()
	if legacy {
		return nil
	}
	return fn(Rate{Date: p.date, Currency: c, PerEUR: v})
}

// parseRate reads a rate as the ECB writes it: digits with an optional
// decimal point ("1.0812", "162.43", "17745"), greater than zero.
func parseRate(s string) (canonical.Decimal, error) {
	if s == "" {
		return canonical.Decimal{}, errors.New("rate is empty")
	}
	body, neg := s, false
	if s[0] == '-' {
		body, neg = s[1:], true
	}
	digits, point := 0, false
	for i := 0; i < len(body); i++ {
		switch b := body[i]; {
		case b >= '0' && b <= '9':
			digits++
		case b == '.' && !point && digits > 0 && i+1 < len(body):
			point = true
		default:
			return canonical.Decimal{}, fmt.Errorf("rate %s is not a decimal", quote(s))
		}
	}
	if digits == 0 {
		return canonical.Decimal{}, fmt.Errorf("rate %s is not a decimal", quote(s))
	}
	d, err := canonical.ParseDecimal(body)
	if err != nil {
		return canonical.Decimal{}, fmt.Errorf("rate %w", err)
	}
	if neg {
		if d.IsZero() {
			return canonical.Decimal{}, fmt.Errorf("rate %s is zero: a reference rate is a positive number of units per 1 EUR", quote(s))
		}
		return canonical.Decimal{}, fmt.Errorf("rate %s is negative: a reference rate is a positive number of units per 1 EUR", quote(s))
	}
	if d.IsZero() {
		return canonical.Decimal{}, fmt.Errorf("rate %s is zero: a reference rate is a positive number of units per 1 EUR", quote(s))
	}
	return d, nil
}

func (p *parser) end(t xml.EndElement) error {
	if len(p.stack) == 0 {
		return p.errorf(CodeMalformedXML, "</%s> without a matching start", qname(t.Name))
	}
	top := p.stack[len(p.stack)-1]
	if top.name != t.Name {
		return p.errorf(CodeMalformedXML, "</%s> closes <%s>", qname(t.Name), qname(top.name))
	}
	p.stack = p.stack[:len(p.stack)-1]
	if top.kind == kindDate {
		p.inDate = false
	}
	if len(p.stack) == 0 {
		p.rootDone = true
	}
	return nil
}

// sourceReader keeps the first error of the underlying reader, so that a
// failing read is told apart from the decoder's own errors.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

func (p *parser) line() int {
	l, _ := p.d.InputPos()
	return l
}

// path prints the open elements: gesmes:Envelope/Cube/Cube[@time='2026-03-02'];
// past 8 elements only the first 4 and the last 3 are shown.
func (p *parser) path() string {
	var b strings.Builder
	for i, f := range p.stack {
		if n := len(p.stack); n > 8 && i >= 4 && i < n-3 {
			if i == 4 {
				b.WriteString("/…")
			}
			continue
		}
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(qname(f.name))
		switch f.kind {
		case kindDate:
			b.WriteString("[@time=" + attrQuote(f.attr) + "]")
		case kindRate:
			b.WriteString("[@currency=" + attrQuote(f.attr) + "]")
		}
	}
	return b.String()
}

func (p *parser) errorf(code, format string, args ...any) error {
	return &ParseError{Line: p.line(), Path: p.path(), Code: code, Message: fmt.Sprintf(format, args...)}
}

func (p *parser) wrap(code string, err error, format string, args ...any) error {
	return &ParseError{Line: p.line(), Path: p.path(), Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// quote quotes s for a message, cut to 40 bytes so that a megabyte in an
// attribute does not become a megabyte of log.
func quote(s string) string {
	const maxLen = 40
	if len(s) > maxLen {
		return strconv.Quote(s[:maxLen]) + "..."
	}
	return strconv.Quote(s)
}

func attrQuote(s string) string {
	const maxLen = 40
	cut := ""
	if len(s) > maxLen {
		s, cut = s[:maxLen], "..."
	}
	s = strconv.Quote(s)
	return "'" + strings.ReplaceAll(s[1:len(s)-1], "'", `\'`) + cut + "'"
}
