package demand_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/demand"
	"github.com/procurehub/procurehub/connectors/filesource"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
)

func TestConformance(t *testing.T) {
	golden, err := filepath.Glob("testdata/*.csv")
	if err != nil {
		t.Fatal(err)
	}
	p := planner(t, "catalog-flanges-and-bolts.yaml")
	_, build := demand.Kind(p)
	d, err := demand.NewDecoder(p, demand.DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	connectortest.Run(t, connectortest.Suite{
		Spec:      demand.Spec(),
		New:       build,
		Decoder:   d,
		Golden:    golden,
		Malformed: []string{"testdata/demand-unknown-sku-and-bad-quantity.csv", "testdata/demand-more-flanges-than-nine-weeks-make.csv"},
		LargeInput: func() []byte {
			// Every line goes to its own ship-to, so every line is an order.
			var b bytes.Buffer
			b.WriteString("buyer_sku,quantity,need_by,ship_to_name,ship_to_city,ship_to_country\n")
			for i := range 3000 {
				fmt.Fprintf(&b, "B-BOLT,200,2026-08-03,Store %d,Hamburg,DE\n", i)
			}
			return b.Bytes()
		},
		NewSource: func(t *testing.T, dir string) connectors.Source {
			entry := fmt.Sprintf("name: nordhafen\nkind: demand\nsettings:\n  inbox: %q\n  settle_time: 0s\n", dir)
			c, err := build(context.Background(), connectortest.Config(t, entry, t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			return c.Source
		},
		SourceFiles: []string{"testdata/demand-flanges-and-bolts.csv", "testdata/demand-unknown-sku-and-bad-quantity.csv"},
	})
}

// TestInboxFileBecomesOrdersAndReceipt takes a demand file from a local
// inbox through the file source and the decoder as the runtime does, and
// settles it: the orders are what the catalog makes of the demand, and the
// receipt in the outbox names every line that was not ordered.
func TestInboxFileBecomesOrdersAndReceipt(t *testing.T) {
	inbox := t.TempDir()
	copyTo(t, inbox, "demand-unknown-sku-and-bad-quantity.csv")
	c := connector(t, planner(t, "catalog-flanges-and-bolts.yaml"), inbox, "prefix: NH-")
	ctx := context.Background()

	ins, err := c.Source.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 {
		t.Fatalf("poll gave %d inputs, want the demand file", len(ins))
	}
	in := ins[0]
	rc, err := in.Open()
	if err != nil {
		t.Fatal(err)
	}
	var rec connectortest.Recorder
	err = c.Decoder.Decode(ctx, in, rc, &rec)
	rc.Close()
	if err != nil {
		t.Fatalf("decode: %v", err)
	}

	t.Run("the planned lines are ordered, rounded up to pack size and MOQ", func(t *testing.T) {
		got := map[string]string{}
		for _, o := range orders(&rec) {
			got[o.Supplier.ID] = lines(o)
			if !strings.HasPrefix(o.OrderNumber, "NH-"+in.SHA256[:8]+"-") {
				t.Errorf("order number %q does not start with the prefix and the file's sha256 %s", o.OrderNumber, in.SHA256[:8])
			}
			if err := o.Validate(); err != nil {
				t.Errorf("order %s does not validate: %v", o.OrderNumber, err)
			}
			if o.Source == nil || o.Source.File != in.Name || o.Source.Connector != demand.KindName {
				t.Errorf("order %s source = %+v, want the file and the demand connector", o.OrderNumber, o.Source)
			}
		}
		want := map[string]string{
			"SUP-IT-FLANGE": "FL-DN80 200",   // 130 in packs of 100
			"SUP-DE-BOLT":   "SK-M12-80 200", // 130, MOQ 200
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("orders by supplier = %v, want %v", got, want)
		}
		for _, r := range rec.Records {
			o := r.Value.(*canonical.Order)
			if r.Type != canonical.TypeOrder || r.Key != o.OrderNumber {
				t.Errorf("record type %q key %q, want an order keyed by its number %q", r.Type, r.Key, o.OrderNumber)
			}
		}
	})

	t.Run("the orders pass the validation against the catalog they were planned from", func(t *testing.T) {
		v, err := validation.New(nil, validation.Options{Catalog: loadCatalog(t, "catalog-flanges-and-bolts.yaml"), Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orders(&rec) {
			fs, err := v.Validate(ctx, validation.Input{Order: *o})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.Severity == validation.SeverityError {
					t.Errorf("order %s: %s", o.OrderNumber, f)
				}
			}
		}
	})

	outcome := connectors.Outcome{Status: connectors.StatusPartial, Accepted: len(rec.Records), Rejected: len(rec.RowErrors), RowErrors: rec.RowErrors}
	if err := c.Source.Settle(ctx, in, outcome); err != nil {
		t.Fatal(err)
	}
	t.Run("the receipt names the unknown SKU and the bad row with their lines", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(inbox, "outbox", in.Name+filesource.ReceiptSuffix))
		if err != nil {
			t.Fatal(err)
		}
		var r filesource.Receipt
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range r.RowErrors {
			got = append(got, e.Error()+" ["+e.Code+"]")
		}
		want := []string{
			`demand-unknown-sku-and-bad-quantity.csv:3: buyer_sku: no catalog item has buyer SKU "B-GASKET-80" [no_supplier]`,
			`demand-unknown-sku-and-bad-quantity.csv:4: quantity: "12,5O" is not a decimal [invalid_decimal]`,
		}
		if r.Accepted != 2 || !slices.Equal(got, want) {
			t.Errorf("receipt: accepted %d, row errors\n%s\nwant accepted 2, row errors\n%s", r.Accepted, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("the file is quarantined and not taken again", func(t *testing.T) {
		if _, err := os.Stat(filepath.Join(inbox, "quarantine", in.Name)); err != nil {
			t.Errorf("not in the quarantine: %v", err)
		}
		again, err := c.Source.Poll(ctx)
		if err != nil || len(again) != 0 {
			t.Errorf("poll after settle = %d inputs, %v; want none", len(again), err)
		}
	})
}

// TestWhatTheReceiptSays decodes each demand file and checks what the
// partner reads in the receipt: the rows not ordered, with their line and
// code, the warnings, or why the whole file was refused.
func TestWhatTheReceiptSays(t *testing.T) {
	d := decoder(t, "catalog-flanges-and-bolts.yaml")
	for _, tc := range []struct {
		name, file string
		orders     int
		rowErrors  string // "line code", in line order
		fileError  string // the file error's code; nothing is planned
	}{
		{name: "a demand the catalog can serve is ordered in full",
			file: "demand-flanges-and-bolts.csv", orders: 3},
		{name: "an unknown SKU and a bad quantity are rejected rows and the rest is ordered",
			file: "demand-unknown-sku-and-bad-quantity.csv", orders: 2, rowErrors: "3 no_supplier, 4 invalid_decimal"},
		{name: "what capacity cannot make in nine weeks is a rejected row and the rest is ordered",
			file: "demand-more-flanges-than-nine-weeks-make.csv", orders: 10, rowErrors: "3 capacity_short, 3 late (warning)"},
		{name: "a need-by date no supplier can meet is ordered late with a warning",
			file: "demand-late-flanges.csv", orders: 1, rowErrors: "2 late (warning)"},
		{name: "a header without rows is refused: there is nothing to order",
			file: "demand-header-only.csv", fileError: demand.CodeNoDemand},
		{name: "an empty file is refused",
			file: "demand-empty.csv", fileError: ordering.CodeEmpty},
		{name: "a file without the need_by column is refused",
			file: "demand-missing-need-by-column.csv", fileError: ordering.CodeMissingColumn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := connectortest.DecodeFile(t, d, filepath.Join("testdata", tc.file))
			var fe *connectors.FileError
			switch {
			case tc.fileError != "":
				if !errors.As(err, &fe) || fe.Code != tc.fileError {
					t.Fatalf("Decode = %v, want a file error %s", err, tc.fileError)
				}
				if len(rec.Records)+len(rec.RowErrors) > 0 {
					t.Errorf("a refused file gave %d orders and %d row errors, want nothing", len(rec.Records), len(rec.RowErrors))
				}
				return
			case err != nil:
				t.Fatalf("Decode = %v", err)
			}
			if got := rowErrors(rec); got != tc.rowErrors {
				t.Errorf("row errors %q, want %q", got, tc.rowErrors)
			}
			if len(rec.Records) != tc.orders {
				for _, o := range orders(rec) {
					t.Logf("%s %s %s: %s", o.OrderNumber, o.Supplier.ID, o.RequestedDeliveryDate, lines(o))
				}
				t.Errorf("%d orders, want %d", len(rec.Records), tc.orders)
			}
			for _, e := range rec.RowErrors {
				if e.File != tc.file || e.Message == "" {
					t.Errorf("row error without the file or a message: %+v", e)
				}
			}
		})
	}
}

// TestTheSameFileMakesTheSameOrders: order numbers come from the file's
// content and from what makes each order, so taking a file again updates
// its orders instead of making a second set.
func TestTheSameFileMakesTheSameOrders(t *testing.T) {
	const file = "demand-unknown-sku-and-bad-quantity.csv"
	first := decodeFile(t, decoder(t, "catalog-flanges-and-bolts.yaml"), file)
	if len(first.Records) == 0 {
		t.Fatal("no orders")
	}
	number := regexp.MustCompile(`^DMD-[0-9a-f]{8}-[0-9a-f]{6}$`)
	for _, o := range orders(first) {
		if !number.MatchString(o.OrderNumber) {
			t.Errorf("order number %q is not DMD-<8 hex of the file>-<6 hex of the order>", o.OrderNumber)
		}
	}

	t.Run("a replay of the file gives the same order numbers", func(t *testing.T) {
		again := decodeFile(t, decoder(t, "catalog-flanges-and-bolts.yaml"), file)
		if got, want := numbers(again), numbers(first); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("replay numbers %v, want %v", got, want)
		}
	})
	t.Run("after a catalog fix the file keeps its orders' numbers and the new line joins its supplier's order", func(t *testing.T) {
		fixed := decodeFile(t, decoder(t, "catalog-with-the-missing-gasket.yaml"), file)
		if got, want := numbers(fixed), numbers(first); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("numbers after the fix %v, want the first ones %v", got, want)
		}
		for _, o := range orders(fixed) {
			if o.Supplier.ID == "SUP-IT-FLANGE" && lines(o) != "FL-DN80 200, GK-DN80 40" {
				t.Errorf("flange order %s has %s, want the gasket added", o.OrderNumber, lines(o))
			}
		}
		if got := rowErrors(fixed); got != "4 invalid_decimal" {
			t.Errorf("row errors after the fix %q, want only the bad quantity", got)
		}
	})
	t.Run("a changed file is new demand with new numbers", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		changed, err := connectortest.DecodeBytes(decoder(t, "catalog-flanges-and-bolts.yaml"), file, append(b, "B-BOLT,50,H87,2026-08-03,REQ-5,Nordhafen DC,Hamburg,20457,DE\n"...))
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range numbers(changed) {
			if numbers(first)[k] == n {
				t.Errorf("order %s of the changed file has the number of the first file's", n)
			}
		}
	})
	t.Run("the prefix setting starts every number", func(t *testing.T) {
		d, err := demand.NewDecoder(planner(t, "catalog-flanges-and-bolts.yaml"), demand.DecoderOptions{Prefix: "ACME-PO-"})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orders(decodeFile(t, d, file)) {
			if !strings.HasPrefix(o.OrderNumber, "ACME-PO-") {
				t.Errorf("order number %q does not start with ACME-PO-", o.OrderNumber)
			}
		}
	})
}

// TestACorrectedFileUnderItsNameUpdatesItsOrders: with number_by: name,
// a partner that fixes the bad row and drops the file again under its
// name gets the orders of the first drop updated, not a second set.
func TestACorrectedFileUnderItsNameUpdatesItsOrders(t *testing.T) {
	inbox := t.TempDir()
	c := connector(t, planner(t, "catalog-flanges-and-bolts.yaml"), inbox, "number_by: name")
	ctx := context.Background()
	take := func(content string) *connectortest.Recorder {
		t.Helper()
		if err := os.WriteFile(filepath.Join(inbox, "demand-w31.csv"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		ins, err := c.Source.Poll(ctx)
		if err != nil || len(ins) != 1 {
			t.Fatalf("poll = %d inputs, %v; want the demand file", len(ins), err)
		}
		rc, err := ins[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var rec connectortest.Recorder
		if err := c.Decoder.Decode(ctx, ins[0], rc, &rec); err != nil {
			t.Fatal(err)
		}
		o := connectors.Outcome{Status: connectors.StatusDone, Accepted: len(rec.Records), Rejected: len(rec.RowErrors), RowErrors: rec.RowErrors}
		if len(rec.RowErrors) > 0 {
			o.Status = connectors.StatusPartial
		}
		if err := c.Source.Settle(ctx, ins[0], o); err != nil {
			t.Fatal(err)
		}
		return &rec
	}
	b, err := os.ReadFile("testdata/demand-unknown-sku-and-bad-quantity.csv")
	if err != nil {
		t.Fatal(err)
	}
	first := take(string(b))
	corrected := take(strings.Replace(string(b), `"12,5O"`, "125", 1))
	if got := rowErrors(corrected); got != "3 no_supplier" {
		t.Errorf("row errors of the corrected file %q, want only the unknown SKU", got)
	}
	if got, want := numbers(corrected), numbers(first); len(want) != 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("numbers of the corrected file %v, want the first file's %v", got, want)
	}
	for _, o := range orders(corrected) {
		if o.Supplier.ID == "SUP-DE-BOLT" && lines(o) != "SK-M12-80 200, SK-M12-80 200" {
			t.Errorf("bolt order %s has %s, want the corrected line beside the first", o.OrderNumber, lines(o))
		}
	}
}

// TestALivePlannerPlansWithTheCatalogOfTheMoment: items imported into the
// live catalog are planned from the next file on; before there is any
// catalog, every line comes back unplanned rather than the file stuck.
func TestALivePlannerPlansWithTheCatalogOfTheMoment(t *testing.T) {
	var current atomic.Pointer[catalog.Catalog]
	p, err := demand.NewLivePlanner(ordering.Options{Now: clock, Buyer: buyer}, current.Load)
	if err != nil {
		t.Fatal(err)
	}
	d, err := demand.NewDecoder(p, demand.DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const file = "demand-unknown-sku-and-bad-quantity.csv"
	for _, tc := range []struct {
		name, catalog string
		rowErrors     string
		orders        int
	}{
		{name: "before any catalog every line is unplanned", rowErrors: "2 no_supplier, 3 no_supplier, 4 invalid_decimal, 5 no_supplier"},
		{name: "with the catalog the known SKUs are ordered", catalog: "catalog-flanges-and-bolts.yaml", rowErrors: "3 no_supplier, 4 invalid_decimal", orders: 2},
		{name: "once the gasket is imported it is ordered too", catalog: "catalog-with-the-missing-gasket.yaml", rowErrors: "4 invalid_decimal", orders: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			current.Store(nil)
			if tc.catalog != "" {
				current.Store(loadCatalog(t, tc.catalog))
			}
			rec := decodeFile(t, d, file)
			if got := rowErrors(rec); got != tc.rowErrors {
				t.Errorf("row errors %q, want %q", got, tc.rowErrors)
			}
			if len(rec.Records) != tc.orders {
				t.Errorf("%d orders, want %d", len(rec.Records), tc.orders)
			}
		})
	}
}

func TestOrderNumbersOfOrdersThatLookAlike(t *testing.T) {
	numbers := demand.OrderNumbers("DMD-", strings.Repeat("ab", 32))
	o := canonical.Order{Supplier: canonical.Party{ID: "SUP-1"}, RequestedDeliveryDate: canonical.NewDate(2026, 8, 3)}
	first, second := numbers(1, &o), numbers(2, &o)
	if first == second || second != first+"-2" {
		t.Errorf("two orders with the same key are numbered %q and %q, want the second %q", first, second, first+"-2")
	}
	other := o
	other.RequestedDeliveryDate = canonical.NewDate(2026, 8, 10)
	if n := numbers(3, &other); strings.HasPrefix(n, first) {
		t.Errorf("an order delivered a week later is numbered %q, like %q", n, first)
	}
}

// failingPlanner is a planner whose commitments lookup fails: the store
// is down.
type failingPlanner struct{}

var errStoreDown = errors.New("store: connection refused")

func (failingPlanner) Plan(context.Context, []ordering.DemandLine, ordering.Numbers) (ordering.Plan, error) {
	return ordering.Plan{}, errStoreDown
}

// TestPlannerFailureIsNotTheFilesFault: when the planner cannot plan (the
// store cannot say what is committed), the file is not refused and nothing
// is ordered; the runtime takes it again at the next poll.
func TestPlannerFailureIsNotTheFilesFault(t *testing.T) {
	d, err := demand.NewDecoder(failingPlanner{}, demand.DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := connectortest.DecodeFile(t, d, "testdata/demand-unknown-sku-and-bad-quantity.csv")
	var fe *connectors.FileError
	if !errors.Is(err, errStoreDown) || errors.As(err, &fe) {
		t.Fatalf("Decode = %v, want the planner's error and no file error", err)
	}
	if len(rec.Records)+len(rec.RowErrors) > 0 {
		t.Errorf("%d orders and %d row errors before the failure, want nothing: the retry reports them", len(rec.Records), len(rec.RowErrors))
	}
}

func TestSettingsErrors(t *testing.T) {
	p := planner(t, "catalog-flanges-and-bolts.yaml")
	for _, tc := range []struct {
		name     string
		planner  demand.Planner
		settings string
		want     string
	}{
		{name: "a misspelt key is reported with its position",
			planner: p, settings: "  inbox: ./in\n  prefx: X-\n", want: "example.yaml:5:3"},
		{name: "the inbox is required",
			planner: p, settings: "  prefix: X-\n", want: "inbox is required"},
		{name: "a prefix with a blank is refused",
			planner: p, settings: "  inbox: ./in\n  prefix: \"PO 1\"\n", want: `prefix "PO 1" may hold only printable ASCII`},
		{name: "a prefix too long for an order number is refused",
			planner: p, settings: "  inbox: ./in\n  prefix: A-VERY-LONG-PREFIX-\n", want: "longer than 16 characters"},
		{name: "numbering by anything but content or name is refused",
			planner: p, settings: "  inbox: ./in\n  number_by: date\n", want: `number_by "date" is not content or name`},
		{name: "without a planner the partner cannot be built",
			planner: nil, settings: "  inbox: ./in\n", want: "needs ordering.buyer_id and validation.catalog"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, build := demand.Kind(tc.planner)
			entry := "name: nordhafen\nkind: demand\nsettings:\n" + tc.settings
			_, err := build(context.Background(), connectortest.Config(t, entry, t.TempDir()))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("build = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// FuzzDecode: whatever bytes come in, the decoder keeps the invariants of
// every decoder, and every order it makes is numbered from the file.
func FuzzDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/*.csv")
	d := decoder(f, "catalog-flanges-and-bolts.yaml")
	f.Fuzz(func(t *testing.T, content []byte) {
		rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.csv", content)
		for _, o := range orders(rec) {
			if !strings.HasPrefix(o.OrderNumber, demand.DefaultPrefix) {
				t.Fatalf("order number %q without the prefix", o.OrderNumber)
			}
		}
	})
}
