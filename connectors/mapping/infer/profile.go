package infer

import (
	"strings"
	"unicode"

	"github.com/procurehub/procurehub/canonical"
)

// column is what the values of one column look like: how many of its
// non-empty cells are of each kind.
type column struct {
	header string
	norm   string // normHeader(header)
	index  int
	values []string // the non-empty cells
	n      int      // len(values)

	numbers    int // numbers in any notation
	fractions  int // numbers with a fraction for certain
	ints       int // whole numbers of 1 to 6 digits
	dates      int
	currencies int // ISO 4217
	countries  int // ISO 3166-1 alpha-2
	incoterms  int // Incoterms 2020, with or without a place
	units      int // UN/ECE Rec 20 codes
	unitWords  int // unit words with a known code (Stk, pcs, kg)
	gtins      int // GTIN with a valid check digit
	hsCodes    int // 6, 8 or 10 digits, maybe with dots
	percents   int // "45%"
	words      int // text with letters and a space or more than 3 letters
	distinct   int
	lineSeq    bool // whole numbers that restart or rise, like 10, 20, 30 or 1, 2, 1
	varies     bool // values differ between rows of one record (see markVarying)

	shapes     []numberShape
	dateShapes []*dateShape
}

// profileColumns describes every column of the table.
func profileColumns(t *table) []*column {
	width := len(t.header)
	for _, r := range t.rows {
		width = max(width, len(r))
	}
	cols := make([]*column, width)
	for i := range cols {
		c := &column{header: cell(t.header, i), index: i}
		c.norm = normHeader(c.header)
		for _, r := range t.rows {
			if v := cell(r, i); v != "" {
				c.values = append(c.values, v)
			}
		}
		c.profile()
		cols[i] = c
	}
	return cols
}

func (c *column) profile() {
	c.n = len(c.values)
	seen := map[string]bool{}
	prev, rising := -1, 0
	for _, v := range c.values {
		seen[v] = true
		if ds := dateShapeOf(v); ds != nil {
			c.dates++
			c.dateShapes = append(c.dateShapes, ds)
		} else if ns := numberShapeOf(v); ns.ok {
			c.numbers++
			c.shapes = append(c.shapes, ns)
			if ns.fraction {
				c.fractions++
			}
		}
		if allDigits(v) && len(v) <= 6 {
			c.ints++
			n := atoi(v)
			if n > prev || n <= 1 || n == 10 {
				rising++
			}
			prev = n
		}
		up := strings.ToUpper(v)
		if len(v) == 3 && canonical.Currency(up).Valid() {
			c.currencies++
		}
		if len(v) == 2 && canonical.Country(up).Valid() {
			c.countries++
		}
		if t, _, err := canonical.ParseIncotermPlace(v); err == nil && t != "" {
			c.incoterms++
		}
		if _, err := canonical.ParseUnit(v); err == nil {
			c.units++
		} else if _, ok := unitWords[foldWord(v)]; ok {
			c.unitWords++
		}
		if (len(v) == 8 || len(v) >= 12) && canonical.ValidGTIN(v) {
			c.gtins++
		}
		if h, err := canonical.ParseHSCode(v); err == nil && (len(h) >= 8 || strings.Contains(v, ".")) {
			c.hsCodes++
		}
		if strings.HasSuffix(v, "%") && numberShapeOf(strings.TrimSpace(strings.TrimSuffix(v, "%"))).ok {
			c.percents++
		}
		if isWords(v) {
			c.words++
		}
	}
	c.distinct = len(seen)
	c.lineSeq = c.n > 0 && c.ints == c.n && rising == c.n
}

// share is the part of the column's cells counted by k.
func (c *column) share(k int) float64 {
	if c.n == 0 {
		return 0
	}
	return float64(k) / float64(c.n)
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// isWords reports free text: letters, and a space or more than three of
// them ("Hex bolt M8", "Schraube").
func isWords(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters > 3 || (letters > 1 && strings.ContainsRune(s, ' '))
}

// unitWords are units as people write them, with their UN/ECE Rec 20 code,
// keyed by foldWord.
var unitWords = map[string]string{
	"pcs": "H87", "pc": "H87", "piece": "H87", "pieces": "H87", "stk": "H87", "stck": "H87", "stuck": "H87",
	"st": "H87", "pz": "H87", "pza": "H87", "pzas": "H87", "piece(s)": "H87", "stuk": "H87", "pca": "H87",
	"unit": "H87", "units": "H87", "un": "H87", "und": "H87", "unid": "H87", "个": "H87", "件": "H87",
	"只": "H87", "cai": "H87", "chiec": "H87", "個": "H87", "本": "H87", "ea": "EA", "each": "EA",
	"kg": "KGM", "kgs": "KGM", "g": "GRM", "t": "TNE", "m": "MTR", "mm": "MMT", "cm": "CMT", "l": "LTR",
	"lt": "LTR", "ml": "MLT", "m2": "MTK", "qm": "MTK", "box": "BX", "boxes": "BX", "ctn": "CT", "ctns": "CT",
	"carton": "CT", "kar": "CT", "karton": "CT", "set": "SET", "sets": "SET", "satz": "SET", "bo": "SET",
	"pair": "PR", "pairs": "PR", "paar": "PR", "pak": "PK", "pack": "PK", "pkg": "PK", "roll": "RO",
	"rolle": "RO", "dz": "DZN", "dozen": "DZN", "公斤": "KGM", "千克": "KGM", "米": "MTR", "套": "SET",
	"箱": "CT", "对": "PR", "卷": "RO",
}

// foldWord folds a unit word for unitWords: lower case, accents dropped,
// dots dropped ("Stk." is stk, "Stück" stuck).
func foldWord(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	return strings.ReplaceAll(fold(s), " ", "")
}

// isUnitCode reports a UN/ECE Rec 20 code the mapping reads as it is.
func isUnitCode(s string) bool {
	_, err := canonical.ParseUnit(s)
	return err == nil
}
