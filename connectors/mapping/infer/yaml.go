package infer

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// YAML writes the proposal as a mapping file in the style of the partner
// mappings under configs/partners: a header comment that says where it was
// inferred from and that a person must review it, the text settings, the
// columns with a comment giving each one's confidence and reason, value
// maps for unit words, and the columns that were not placed. When the
// document's key or another needed field was not found the file says so
// at the top and lists them; mapping.Parse refuses it until they are added.
func (p *Proposal) YAML() []byte {
	var b strings.Builder
	name := p.FileName
	if name == "" {
		name = "a sample"
	}
	fmt.Fprintf(&b, "# Proposed mapping, inferred from %s on %s.\n", comment(name), p.InferredAt.Format("2006-01-02"))
	b.WriteString("# It is a guess from a sample and MUST be reviewed before use: check each\n")
	b.WriteString("# column below against its confidence (0..1) and reason, and the settings.\n")
	if len(p.Missing) > 0 {
		fmt.Fprintf(&b, "# NOT READY: a mapping of %s needs these, and no column was found:\n", p.Document)
		fmt.Fprintf(&b, "#   %s\n", strings.Join(p.Missing, ", "))
		b.WriteString("# It does not load until each has a column (or, but for the key, a constant).\n")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "document: %s\n", p.Document)
	s := p.Settings
	if s.Format == formatCSV {
		fmt.Fprintf(&b, "encoding: %s\n", s.Encoding)
		fmt.Fprintf(&b, "delimiter: %s\n", scalar(s.Delimiter))
	}
	if s.Sheet != "" {
		fmt.Fprintf(&b, "sheet: %s\n", scalar(s.Sheet))
	}
	fmt.Fprintf(&b, "header_row: %d", max(s.HeaderRow, 1))
	if s.HeaderRow > 1 {
		fmt.Fprintf(&b, "  # the lines above the header are skipped")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "decimal_mark: %s\n", scalar(s.DecimalMark))
	if s.ThousandsSeparator != "" {
		fmt.Fprintf(&b, "thousands_separator: %s\n", scalar(s.ThousandsSeparator))
	}
	formats := make([]string, len(s.DateFormats))
	for i, f := range s.DateFormats {
		formats[i] = scalar(f)
	}
	fmt.Fprintf(&b, "date_formats: [%s]\n", strings.Join(formats, ", "))
	for _, n := range s.Notes {
		fmt.Fprintf(&b, "# check: %s\n", comment(n))
	}

	b.WriteString("\n# canonical field: column header in the file  # confidence, reason\n")
	if len(p.Fields) == 0 {
		b.WriteString("columns: {}\n")
	} else {
		b.WriteString("columns:\n")
		lines := make([]string, len(p.Fields))
		width := 0
		for i, f := range p.Fields {
			lines[i] = fmt.Sprintf("  %s: %s", f.Field, scalar(f.Column))
			width = max(width, displayWidth(lines[i]))
		}
		for i, f := range p.Fields {
			pad := strings.Repeat(" ", width-displayWidth(lines[i])+2)
			fmt.Fprintf(&b, "%s%s# %.2f %s\n", lines[i], pad, f.Confidence, comment(f.Reason))
		}
	}
	if len(p.Missing) > 0 {
		b.WriteString("# Not found, needed by the document (a column above, or a constant):\n")
		for _, m := range p.Missing {
			fmt.Fprintf(&b, "#   %s: ???", m)
			if h := constantHint[m]; h != "" {
				fmt.Fprintf(&b, "  # %s", h)
			}
			b.WriteString("\n")
		}
	}

	if len(p.Constants) > 0 || len(p.NeedConstants) > 0 {
		b.WriteString("\n")
	}
	if len(p.Constants) > 0 {
		b.WriteString("# Given when the proposal was made; used where a cell is empty.\nconstants:\n")
		keys := make([]string, 0, len(p.Constants))
		for k := range p.Constants {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s: %s\n", k, scalar(p.Constants[k]))
		}
	}
	if len(p.NeedConstants) > 0 {
		b.WriteString("# Every record needs these and no column feeds them: give each a constant\n")
		b.WriteString("# (under constants:) or its records are rejected.\n")
		for _, f := range p.NeedConstants {
			fmt.Fprintf(&b, "#   %s: %s\n", f, constantHint[f])
		}
	}

	var valueFields []Field
	for _, f := range p.Fields {
		if len(f.Values) > 0 {
			valueFields = append(valueFields, f)
		}
	}
	if len(valueFields) > 0 {
		b.WriteString("\n# Text in the sample → canonical codes (UN/ECE Rec 20 units, Incoterms rules).\nvalues:\n")
		for _, f := range valueFields {
			fmt.Fprintf(&b, "  %s:\n", f.Field)
			keys := make([]string, 0, len(f.Values))
			for k := range f.Values {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, "    %s: %s\n", scalar(k), scalar(f.Values[k]))
			}
		}
	}

	if len(p.Unplaced) > 0 {
		b.WriteString("\n# Columns not placed (map them by hand if they matter):\n")
		for _, u := range p.Unplaced {
			h := u.Column
			if h == "" {
				h = "(no header)"
			}
			fmt.Fprintf(&b, "#   %s (column %d): %s\n", comment(strconv.Quote(h)), u.Index+1, comment(u.Note))
		}
	}
	return []byte(b.String())
}

// constantHint says what a needed constant holds.
var constantHint = map[string]string{
	"buyer.id":          "the buyer's id (for example ACME-DE)",
	"currency":          "ISO 4217 code (for example EUR)",
	"lines.unit":        "UN/ECE Rec 20 unit code (for example H87 for pieces)",
	"unit":              "UN/ECE Rec 20 unit code (for example H87 for pieces)",
	"lines.quantity":    "the quantity of every line",
	"supplier.id":       "the supplier's id",
	"gross_weight.unit": "unit of mass (KGM, LBR)",
}

// plainSafe matches text YAML reads back as the same string without quotes.
var plainSafe = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} ._/()\-]*$`)

// yamlWords are plain scalars YAML would read as something other than a
// string.
var yamlWords = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "null": true, "y": true, "n": true}

// scalar writes s as a YAML scalar that reads back as s (and through the
// config loader's ${VAR} interpolation, which "$${" escapes).
func scalar(s string) string {
	if plainSafe.MatchString(s) && !strings.HasSuffix(s, " ") && !yamlWords[strings.ToLower(s)] && !looksNumeric(s) {
		return s
	}
	s = strings.ReplaceAll(s, "${", "$${")
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == unicode.ReplacementChar || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			fmt.Fprintf(&b, `\U%08X`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// displayWidth is how many columns s takes in a terminal or editor: East
// Asian wide characters take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// comment makes s safe inside a YAML comment: one line.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
}
