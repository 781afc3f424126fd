package catalog

import (
	"fmt"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/validation/yamlx"
	"gopkg.in/yaml.v3"
)

// The catalog file, as written. Keys are declared once, here.
type fileCatalog struct {
	Suppliers  []fileSupplier `yaml:"suppliers"`
	Items      []fileItem     `yaml:"items"`
	Categories []fileCategory `yaml:"categories"`
}

type fileSupplier struct {
	ID            string   `yaml:"id"`
	Name          string   `yaml:"name"`
	Currency      string   `yaml:"currency"`
	Country       string   `yaml:"country"`
	Rating        string   `yaml:"rating"`
	PaymentTerms  []string `yaml:"payment_terms"`
	Incoterm      string   `yaml:"incoterm"`
	IncotermPlace string   `yaml:"incoterm_place"`
}

type fileItem struct {
	Supplier         string            `yaml:"supplier"`
	SKU              string            `yaml:"sku"`
	BuyerSKU         string            `yaml:"buyer_sku"`
	Description      string            `yaml:"description"`
	Specs            map[string]string `yaml:"specs"`
	Unit             string            `yaml:"unit"`
	PackSize         yamlx.Decimal     `yaml:"pack_size"`
	MOQ              yamlx.Decimal     `yaml:"moq"`
	CapacityPerWeek  yamlx.Decimal     `yaml:"capacity_per_week"`
	CapacityPerMonth yamlx.Decimal     `yaml:"capacity_per_month"`
	LeadTimeDays     int               `yaml:"lead_time_days"`
	Prices           []filePrice       `yaml:"prices"`
	HSCode           string            `yaml:"hs_code"`
	Category         string            `yaml:"category"`
	OriginCountry    string            `yaml:"origin_country"`
	Incoterm         string            `yaml:"incoterm"`
	IncotermPlace    string            `yaml:"incoterm_place"`
	PaymentTerms     string            `yaml:"payment_terms"`
}

type filePrice struct {
	ValidFrom yamlx.Date    `yaml:"valid_from"`
	ValidTo   yamlx.Date    `yaml:"valid_to"`
	Currency  string        `yaml:"currency"`
	UnitPrice yamlx.Decimal `yaml:"unit_price"`
}

type fileCategory struct {
	Name       string   `yaml:"name"`
	HSPrefixes []string `yaml:"hs_prefixes"`
}

// LoadFile reads a catalog YAML file (see Load).
func LoadFile(path string) (*Catalog, error) {
	doc, err := config.ParseFile(path, nil)
	if err != nil {
		return nil, err
	}
	return load(doc)
}

// Load reads a catalog from YAML bytes named file: suppliers, items (each
// naming its supplier) and categories. Decoding is strict; every problem
// (unknown key, bad code, negative quantity, item of an unknown supplier) is
// a *config.Error naming file:line:column, all of them in a config.Errors.
// Codes are read the way partners write them ("usd", "PCE", "9405.42").
func Load(file string, b []byte) (*Catalog, error) {
	doc, err := config.Parse(file, b, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	return load(doc)
}

func load(doc *config.Document) (*Catalog, error) {
	var f fileCatalog
	if err := config.Decode(doc.File, doc.Root, &f); err != nil {
		return nil, err
	}
	var errs config.Errors
	bad := func(path yamlx.Path, format string, args ...any) {
		errs = append(errs, yamlx.Errorf(doc.File, doc.Root, path, false, format, args...))
	}
	code := func(path yamlx.Path, v string, required bool, parse func(string) error) {
		if v == "" {
			if required {
				bad(path, "%s is required", yamlx.PathString(path))
			}
			return
		}
		if err := parse(v); err != nil {
			bad(path, "%s", err.Error())
		}
	}
	var suppliers []Supplier
	seen := map[string]bool{}
	for i, fs := range f.Suppliers {
		p := func(k string) yamlx.Path { return yamlx.Path{"suppliers", i, k} }
		s := Supplier{ID: fs.ID, Name: fs.Name, Rating: Rating(fs.Rating), PaymentTerms: fs.PaymentTerms, IncotermPlace: fs.IncotermPlace}
		if fs.ID == "" {
			bad(yamlx.Path{"suppliers", i}, "suppliers[%d].id is required", i)
		} else if seen[fs.ID] {
			bad(p("id"), "supplier %s is listed twice", fs.ID)
		}
		seen[fs.ID] = true
		code(p("currency"), fs.Currency, true, func(v string) (err error) { s.Currency, err = canonical.ParseCurrency(v); return })
		code(p("country"), fs.Country, true, func(v string) (err error) { s.Country, err = canonical.ParseCountry(v); return })
		code(p("incoterm"), fs.Incoterm, false, func(v string) (err error) { s.Incoterm, err = canonical.ParseIncoterm(v); return })
		if fs.Rating != "" && !s.Rating.Valid() {
			bad(p("rating"), "rating %q is not A, B or C", fs.Rating)
		}
		suppliers = append(suppliers, s)
	}
	var items []Item
	skus := map[itemKey]bool{}
	for i, fi := range f.Items {
		p := func(k string) yamlx.Path { return yamlx.Path{"items", i, k} }
		it := Item{
			SupplierID: fi.Supplier, SKU: fi.SKU, BuyerSKU: fi.BuyerSKU, Description: fi.Description, Specs: fi.Specs,
			PackSize: fi.PackSize.Decimal, MOQ: fi.MOQ.Decimal, CapacityPerWeek: fi.CapacityPerWeek.Decimal,
			CapacityPerMonth: fi.CapacityPerMonth.Decimal, LeadTimeDays: fi.LeadTimeDays, Category: fi.Category,
			IncotermPlace: fi.IncotermPlace, PaymentTerms: fi.PaymentTerms,
		}
		switch {
		case fi.Supplier == "":
			bad(yamlx.Path{"items", i}, "items[%d].supplier is required", i)
		case !seen[fi.Supplier]:
			bad(p("supplier"), "unknown supplier %q: list it under suppliers", fi.Supplier)
		}
		if fi.SKU == "" {
			bad(yamlx.Path{"items", i}, "items[%d].sku is required", i)
		} else if skus[itemKey{fi.Supplier, fi.SKU}] {
			bad(p("sku"), "supplier %s: sku %s is listed twice", fi.Supplier, fi.SKU)
		}
		skus[itemKey{fi.Supplier, fi.SKU}] = true
		code(p("unit"), fi.Unit, true, func(v string) (err error) { it.Unit, err = canonical.ParseUnit(v); return })
		code(p("hs_code"), fi.HSCode, false, func(v string) (err error) { it.HSCode, err = canonical.ParseHSCode(v); return })
		code(p("origin_country"), fi.OriginCountry, false, func(v string) (err error) { it.OriginCountry, err = canonical.ParseCountry(v); return })
		code(p("incoterm"), fi.Incoterm, false, func(v string) (err error) { it.Incoterm, err = canonical.ParseIncoterm(v); return })
		for _, q := range []struct {
			key string
			v   canonical.Decimal
		}{{"pack_size", it.PackSize}, {"moq", it.MOQ}, {"capacity_per_week", it.CapacityPerWeek}, {"capacity_per_month", it.CapacityPerMonth}} {
			if q.v.IsNegative() {
				bad(p(q.key), "%s must not be negative, got %s", q.key, q.v)
			}
		}
		if fi.LeadTimeDays < 0 {
			bad(p("lead_time_days"), "lead_time_days must not be negative, got %d", fi.LeadTimeDays)
		}
		if fi.Category != "" && !hasCategory(f.Categories, fi.Category) {
			bad(p("category"), "unknown category %q: list it under categories", fi.Category)
		}
		for j, fp := range fi.Prices {
			pp := func(k string) yamlx.Path { return yamlx.Path{"items", i, "prices", j, k} }
			pr := Price{ValidFrom: fp.ValidFrom.Date, ValidTo: fp.ValidTo.Date, UnitPrice: fp.UnitPrice.Decimal}
			code(pp("currency"), fp.Currency, true, func(v string) (err error) { pr.Currency, err = canonical.ParseCurrency(v); return })
			if !fp.UnitPrice.Set {
				bad(yamlx.Path{"items", i, "prices", j}, "unit_price is required")
			} else if pr.UnitPrice.IsNegative() {
				bad(pp("unit_price"), "unit_price must not be negative, got %s", pr.UnitPrice)
			}
			if !pr.ValidFrom.IsZero() && !pr.ValidTo.IsZero() && pr.ValidTo.Before(pr.ValidFrom) {
				bad(pp("valid_to"), "valid_to %s is before valid_from %s", pr.ValidTo, pr.ValidFrom)
			}
			it.Prices = append(it.Prices, pr)
		}
		items = append(items, it)
	}
	var cats []Category
	for i, fc := range f.Categories {
		if fc.Name == "" {
			bad(yamlx.Path{"categories", i}, "categories[%d].name is required", i)
		}
		for j, pre := range fc.HSPrefixes {
			if pre == "" || !isDigits(pre) || len(pre) > 10 {
				bad(yamlx.Path{"categories", i, "hs_prefixes", j}, "hs prefix %q is not 1 to 10 digits", pre)
			}
		}
		cats = append(cats, Category(fc))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	c, err := New(suppliers, items, cats)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doc.File, err)
	}
	return c, nil
}

func hasCategory(cats []fileCategory, name string) bool {
	for _, c := range cats {
		if c.Name == name {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

var _ yaml.Unmarshaler = (*yamlx.Decimal)(nil)
