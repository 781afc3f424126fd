package ordergen_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/procurehub/procurehub/internal/validation/ordergen"
)

var today = canonical.NewDate(2026, 6, 1)

func generator(t *testing.T, seed uint64) *ordergen.Generator {
	t.Helper()
	cat, err := catalog.LoadFile("../testdata/catalog-four-suppliers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := ordergen.New(cat, seed, today)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestTheSameSeedMakesTheSameOrders(t *testing.T) {
	run := func(seed uint64) []byte {
		g := generator(t, seed)
		var all []any
		for range 50 {
			all = append(all, g.Clean())
		}
		for _, k := range ordergen.Kinds() {
			inj, err := g.Inject(k)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, inj)
		}
		b, err := json.Marshal(all)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := run(7), run(7), run(8)
	if string(a) != string(b) {
		t.Error("two runs with seed 7 differ")
	}
	if string(a) == string(c) {
		t.Error("seeds 7 and 8 make the same orders")
	}
}

func TestCleanOrdersAreValidCanonicalOrdersAndNeverRepeat(t *testing.T) {
	g := generator(t, 1)
	seen := map[string]bool{}
	for range 500 {
		in := g.Clean()
		if err := in.Order.Validate(); err != nil {
			t.Fatalf("%s: %v", in.Order.OrderNumber, err)
		}
		k := validation.DuplicateKey(&in.Order)
		if seen[k] || seen[in.Order.OrderNumber] {
			t.Fatalf("%s repeats an earlier order", in.Order.OrderNumber)
		}
		seen[k], seen[in.Order.OrderNumber] = true, true
	}
}

func TestEveryKindNamesKnownRulesAndThereAreAtLeastTwelve(t *testing.T) {
	kinds := ordergen.Kinds()
	if len(kinds) < 12 {
		t.Errorf("%d kinds, want at least 12", len(kinds))
	}
	g := generator(t, 2)
	for _, k := range kinds {
		inj, err := g.Inject(k)
		if err != nil {
			t.Fatal(err)
		}
		if inj.Kind != k || len(inj.Expected) == 0 || inj.Detail == "" {
			t.Errorf("%s: %+v", k, inj)
		}
		for _, r := range inj.Expected {
			if !validation.KnownRule(r) {
				t.Errorf("%s expects unknown rule %q", k, r)
			}
		}
		if (k == ordergen.DuplicateOrder) != (inj.Prior != nil) {
			t.Errorf("%s: prior %v", k, inj.Prior)
		}
	}
	if _, err := g.Inject("cosmic_ray"); err == nil {
		t.Error("an unknown kind is injected")
	}
	if !slices.IsSorted(kinds) {
		t.Error("kinds are not in a stable order")
	}
}
