package infer

import (
	"fmt"
	"sync"

	"github.com/procurehub/procurehub/connectors/mapping"

	"github.com/procurehub/procurehub/canonical"
	"math"
	"slices"
	"sort"
	"strings"
)

// kind is what a field's values look like.
type kind uint8

const (
	kText kind = iota
	kID        // a reference such as an order number or SKU
	kName      // a name or free text
	kCurrency
	kCountry
	kIncoterm
	kUnit
	kDate
	kDecimal
	kLineNumber
	kCount
	kPercent
	kHSCode
	kGTIN
	kList
)

// fieldKinds gives the kind of every field; a field not listed is text.
var fieldKinds = map[string]kind{
	"order_number": kID, "order_numbers": kList, "response_number": kID, "shipment_id": kID, "invoice_number": kID,
	"buyer.id": kID, "supplier.id": kID, "lines.sku": kID, "lines.buyer_sku": kID, "sku": kID, "buyer_sku": kID,
	"lines.order_number": kID, "tracking_numbers": kList, "payee_account": kID, "payee_account.bic": kID,
	"buyer.name": kName, "supplier.name": kName, "ship_to.name": kName, "lines.description": kName, "description": kName,
	"carrier": kName, "payee_account.name": kName, "note": kName, "category": kName, "payment_terms": kName, "incoterm_place": kName,
	"currency": kCurrency, "prices.currency": kCurrency,
	"ship_to.country": kCountry, "lines.origin_country": kCountry, "origin_country": kCountry,
	"incoterm":   kIncoterm,
	"lines.unit": kUnit, "unit": kUnit, "gross_weight.unit": kUnit,
	"order_date": kDate, "requested_delivery_date": kDate, "response_date": kDate, "ship_date": kDate, "estimated_arrival": kDate,
	"invoice_date": kDate, "due_date": kDate, "report_date": kDate, "expected_ready_date": kDate, "lines.delivery_date": kDate,
	"prices.valid_from": kDate, "prices.valid_to": kDate,
	"total_amount": kDecimal, "gross_weight.value": kDecimal, "line_total": kDecimal, "tax_amount": kDecimal, "payable_amount": kDecimal,
	"pack_size": kDecimal, "moq": kDecimal, "capacity_per_week": kDecimal, "capacity_per_month": kDecimal, "lines.quantity": kDecimal,
	"lines.unit_price": kDecimal, "lines.amount": kDecimal, "prices.unit_price": kDecimal,
	"lines.line_number": kLineNumber, "packages": kCount, "lead_time_days": kCount,
	"percent_complete": kPercent, "lines.hs_code": kHSCode, "hs_code": kHSCode, "lines.gtin": kGTIN,
}

// typed reports kinds whose values can contradict a header.
func (k kind) typed() bool {
	return k >= kCurrency
}

// fit says how well a column's values suit a field of kind k, from 0 to 1,
// with the evidence in words ("" when the values say nothing).
func fit(k kind, c *column) (float64, string) {
	if c.n == 0 {
		return 0.5, "the sample has no values in this column"
	}
	count := func(n int, what string) (float64, string) {
		s := c.share(n)
		if s >= 0.8 {
			return s, fmt.Sprintf("values look like %s (%d/%d)", what, n, c.n)
		}
		return s, fmt.Sprintf("only %d/%d values look like %s", n, c.n, what)
	}
	switch k {
	case kCurrency:
		return count(c.currencies, "ISO 4217 currencies")
	case kCountry:
		return count(c.countries, "ISO 3166 countries")
	case kIncoterm:
		return count(c.incoterms, "Incoterms 2020 rules")
	case kUnit:
		return count(c.units+c.unitWords, "units of measure")
	case kDate:
		return count(c.dates, "dates")
	case kDecimal:
		s, why := count(c.numbers, "numbers")
		if c.dates > 0 {
			s = min(s, 1-c.share(c.dates))
		}
		return s, why
	case kCount:
		return count(c.ints, "whole numbers")
	case kLineNumber:
		s, why := count(c.ints, "line numbers")
		if c.lineSeq {
			return 1, why
		}
		return s * 0.8, why
	case kPercent:
		s, why := count(c.percents, "percentages")
		if s < 0.8 && c.share(c.numbers) >= 0.8 {
			return 0.7, fmt.Sprintf("values are numbers (%d/%d)", c.numbers, c.n)
		}
		return s, why
	case kHSCode:
		return count(c.hsCodes, "HS codes")
	case kGTIN:
		return count(c.gtins, "GTINs with a valid check digit")
	case kName:
		if why := codesNotText(c); why != "" {
			return 0.1, why
		}
		if c.share(c.words) >= 0.6 {
			return 0.9, ""
		}
		return 0.5, ""
	case kID, kList, kText:
		if why := codesNotText(c); why != "" {
			return 0.15, why
		}
		return 0.6, ""
	}
	return 0.5, ""
}

// codesNotText says why a column's values are not free text or
// references: they are dates, amounts, currencies or Incoterms; "" when
// they may be text.
func codesNotText(c *column) string {
	for _, k := range []struct {
		n    int
		what string
	}{{c.dates, "dates"}, {c.fractions, "amounts"}, {c.currencies, "ISO 4217 currencies"}, {c.incoterms, "Incoterms 2020 rules"}} {
		if c.share(k.n) >= 0.8 {
			return fmt.Sprintf("but values look like %s (%d/%d)", k.what, k.n, c.n)
		}
	}
	return ""
}

// valueOnly is the score a column gets for a field from its values alone,
// for kinds distinct enough to place a column without a header match.
var valueOnly = map[kind]float64{kCurrency: 0.7, kIncoterm: 0.7, kGTIN: 0.7, kHSCode: 0.5, kPercent: 0.5, kUnit: 0.4, kCountry: 0.35}

// minScore is the least score that places a column.
const minScore = 0.3

// candidate is a column that could feed a field.
type candidate struct {
	col    *column
	field  string
	order  int // the field's position in the document
	score  float64
	reason string
}

// score rates column c for field f. A field of the document (not of its
// lines) whose values change within one record (varies) scores less: an
// order has one total_amount, its lines each their own amount.
func score(c *column, f string) (float64, string) {
	s, reason := baseScore(c, f)
	if s > 0 && c.varies && !isLineField(f) {
		s *= 0.5
		reason += "; but values change within one record"
	}
	return s, reason
}

func baseScore(c *column, f string) (float64, string) {
	k := fieldKinds[f]
	m := matchHeader(c.norm, f)
	v, why := fit(k, c)
	if m.score == 0 {
		base, ok := valueOnly[k]
		if !ok || v < 0.9 {
			return 0, ""
		}
		return base * v, why + " (no header match)"
	}
	var reason string
	if m.exact {
		reason = fmt.Sprintf("header synonym %q (%s)", m.syn.text, m.syn.lang)
	} else {
		reason = fmt.Sprintf("header contains %q (%s)", m.syn.text, m.syn.lang)
	}
	s := 0.75*m.score + 0.25*v
	if (k.typed() || v <= 0.15) && v < 0.5 && c.n > 0 {
		s *= 0.6
	}
	if why != "" {
		reason += "; " + why
	}
	return s, reason
}

// assign proposes a field for the table's columns, one column per field
// and one field per column: the best pairs first.
func assign(p *Proposal, doc string, fields []string, t *table, cols []*column) {
	order := map[string]int{}
	for i, f := range docOrder(doc, fields) {
		order[f] = i
	}
	headerCount := map[string]int{}
	for _, c := range cols {
		headerCount[strings.ToLower(c.header)]++
	}
	markVarying(doc, t, cols)
	var cands []candidate
	for _, c := range cols {
		if c.header == "" || headerCount[strings.ToLower(c.header)] > 1 {
			continue
		}
		for _, f := range fields {
			if s, why := score(c, f); s >= minScore {
				cands = append(cands, candidate{col: c, field: f, order: order[f], score: s, reason: why})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.col.index != b.col.index {
			return a.col.index < b.col.index
		}
		return a.order < b.order
	})
	byField := map[string]candidate{}
	byCol := map[int]candidate{}
	for _, c := range cands {
		if _, ok := byField[c.field]; ok {
			continue
		}
		if _, ok := byCol[c.col.index]; ok {
			continue
		}
		byField[c.field], byCol[c.col.index] = c, c
	}
	for _, c := range byCol {
		f := Field{Field: c.field, Column: c.col.header, Index: c.col.index, Confidence: round2(c.score), Reason: c.reason}
		switch {
		case fieldKinds[c.field] == kUnit:
			f.Values, f.Reason = unitValues(c.col, f.Reason)
		case c.field == "incoterm" && doc != "catalog_item":
			f.Values, f.Reason = incotermValues(c.col, f.Reason)
		}
		p.Fields = append(p.Fields, f)
	}
	sort.Slice(p.Fields, func(i, j int) bool { return order[p.Fields[i].Field] < order[p.Fields[j].Field] })

	for _, c := range cols {
		if _, ok := byCol[c.index]; ok {
			continue
		}
		u := Unplaced{Column: c.header, Index: c.index}
		switch {
		case c.header == "":
			u.Note = "the column has no header"
		case headerCount[strings.ToLower(c.header)] > 1:
			u.Note = fmt.Sprintf("the header %q appears %d times: a mapping cannot tell these columns apart", c.header, headerCount[strings.ToLower(c.header)])
		default:
			u.Note = "no field name matched the header"
			for _, cand := range cands { // sorted best first
				if cand.col != c {
					continue
				}
				if w, ok := byField[cand.field]; ok {
					u.Note = fmt.Sprintf("conflict: also looks like %s (%.2f: %s), but column %q feeds it (%.2f)", cand.field, round2(cand.score), cand.reason, w.col.header, round2(w.score))
				}
				break
			}
		}
		p.Unplaced = append(p.Unplaced, u)
	}
}

// markVarying finds the column that most likely holds the document's key
// and marks the columns whose values change between rows of one key
// (column.varies). A document of one record per row has no such columns.
func markVarying(doc string, t *table, cols []*column) {
	if doc == "production_progress" {
		return
	}
	key := keyField(doc)
	var keyCol *column
	best := minScore
	for _, c := range cols {
		if s, _ := baseScore(c, key); s >= best {
			keyCol, best = c, s
		}
	}
	if keyCol == nil {
		return
	}
	for _, c := range cols {
		if c == keyCol {
			continue
		}
		first := map[string]string{}
		for _, r := range t.rows {
			k, v := cell(r, keyCol.index), cell(r, c.index)
			if k == "" || v == "" {
				continue
			}
			if prev, ok := first[k]; !ok {
				first[k] = v
			} else if prev != v {
				c.varies = true
				break
			}
		}
	}
}

// unitValues proposes a value map for the unit words of a column that are
// not UN/ECE codes ("Stk" → H87) and says which values are neither.
func unitValues(c *column, reason string) (map[string]string, string) {
	values := map[string]string{}
	var unknown []string
	for _, v := range c.values {
		if isUnitCode(v) {
			continue
		}
		if code, ok := unitWords[foldWord(v)]; ok {
			values[v] = code
		} else if !slices.Contains(unknown, v) {
			unknown = append(unknown, v)
		}
	}
	if len(unknown) > 0 {
		reason += fmt.Sprintf("; %s not UN/ECE unit codes: add them under values", quoteList(unknown))
	}
	if len(values) == 0 {
		return nil, reason
	}
	return values, reason
}

// incotermValues maps the cells of an Incoterm column that carry a place
// ("FOB Shanghai") to their rule, since only a catalog reads the place
// from the incoterm cell.
func incotermValues(c *column, reason string) (map[string]string, string) {
	values := map[string]string{}
	for _, v := range c.values {
		if _, err := canonical.ParseIncoterm(v); err == nil {
			continue
		}
		if t, place, err := canonical.ParseIncotermPlace(v); err == nil && place != "" {
			values[v] = string(t)
		}
	}
	if len(values) == 0 {
		return nil, reason
	}
	return values, reason + "; cells carry a place (FOB Shanghai): values keeps the rule, map incoterm_place by hand"
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return q[0] + " is"
	}
	return strings.Join(q, ", ") + " are"
}

func round2(f float64) float64 { return math.Round(min(max(f, 0), 1)*100) / 100 }

// docOrder lists the fields in the order the mapping package documents
// them (its DocumentFields are sorted by name): the document's key first,
// then the others by name with line fields last.
func docOrder(doc string, fields []string) []string {
	out := slices.Clone(fields)
	key := keyField(doc)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a == key) != (b == key) {
			return a == key
		}
		la, lb := isLineField(a), isLineField(b)
		if la != lb {
			return !la
		}
		return false
	})
	return out
}

func isLineField(f string) bool {
	return strings.HasPrefix(f, "lines.") || strings.HasPrefix(f, "prices.")
}

// keyField is the field that names a document's records.
func keyField(doc string) string {
	switch doc {
	case "shipment":
		return "shipment_id"
	case "invoice":
		return "invoice_number"
	case "catalog_item":
		return "sku"
	}
	return "order_number"
}

// missing lists what a mapping of the document needs that neither a
// column nor a constant feeds, as package mapping checks it: the key, the
// fields it refuses a mapping without (mappingNeeds), one of each set of
// alternatives, and the line number of documents whose lines refer to an
// order line.
func missing(doc string, docFields []string, fields []Field, constants map[string]string) []string {
	has := map[string]bool{}
	lines := false
	for _, f := range fields {
		has[f.Field] = true
		lines = lines || isLineField(f.Field)
	}
	key := keyField(doc)
	out := []string{}
	if !has[key] {
		out = append(out, key)
	}
	for f := range constants {
		has[f] = true
	}
	need := func(names ...string) {
		for _, n := range names {
			if has[n] {
				return
			}
		}
		out = append(out, strings.Join(names, " or "))
	}
	for _, f := range mappingNeeds(doc, docFields) {
		need(f)
	}
	switch doc {
	case "production_progress":
		need("percent_complete", "expected_ready_date")
	case "order_response":
		need("status", "lines.status")
	case "shipment":
		need("order_numbers", "lines.order_number")
	}
	if (doc == "order_response" || doc == "shipment") && lines && !has["lines.line_number"] {
		out = append(out, "lines.line_number")
	}
	return out
}

// needsCache holds mappingNeeds per document.
var needsCache sync.Map

// mappingNeeds returns the fields other than the key that package mapping
// refuses a mapping of doc without, found by asking it (its rules change
// as canonical records require more): a mapping that gives every field a
// column loads, one that leaves out a needed field does not.
func mappingNeeds(doc string, fields []string) []string {
	if v, ok := needsCache.Load(doc); ok {
		return v.([]string)
	}
	key := keyField(doc)
	probe := func(skip string) error {
		var b strings.Builder
		fmt.Fprintf(&b, "document: %s\ncolumns:\n", doc)
		for i, f := range fields {
			if f != skip {
				fmt.Fprintf(&b, "  %s: c%d\n", f, i)
			}
		}
		_, err := mapping.Parse("probe.mapping.yaml", []byte(b.String()))
		return err
	}
	out := []string{}
	if probe("") == nil {
		for _, f := range fields {
			// The line number is needed only with other line fields; missing
			// checks that itself.
			if f != key && f != "lines.line_number" && probe(f) != nil {
				out = append(out, f)
			}
		}
	}
	needsCache.Store(doc, out)
	return out
}

// needConstants lists the fields the canonical record of a document
// requires that no column and no constant feeds: they cannot be in the
// mapping's Missing (it loads without them), but every record is rejected.
func needConstants(doc string, fields []Field, constants map[string]string, missing []string) []string {
	has := map[string]bool{}
	for _, m := range missing {
		has[m] = true
	}
	for _, f := range fields {
		has[f.Field] = true
	}
	for f := range constants {
		has[f] = true
	}
	var want []string
	switch doc {
	case "order":
		want = []string{"buyer.id", "currency", "lines.unit"}
	case "invoice":
		want = []string{"currency"}
	case "shipment":
		want = []string{"lines.unit"}
		if has["gross_weight.value"] {
			want = append(want, "gross_weight.unit")
		}
	}
	out := []string{}
	for _, f := range want {
		if !has[f] {
			out = append(out, f)
		}
	}
	return out
}
