package simulate

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// File is one generated file, Path relative to the work directory.
type File struct {
	Path string
	Data []byte
}

// Phase is what one kind of partner sends, fed together: the files of
// one or more inboxes.
type Phase struct {
	Name  string
	Files []File
	// Invoices are the invoice numbers of the phase's files: the phase is
	// taken once the store holds them.
	Invoices []string
}

// Inboxes of the generated hub config, relative to the work directory.
const (
	inboxOrders        = "inbox/buyer-erp"
	inboxConfirmations = "inbox/supplier-confirmations"
	inboxEDI           = "inbox/supplier-edi"
	inboxInvoices      = "inbox/supplier-invoices"
	inboxBankPrefix    = "inbox/bank-"
	fxFile             = "fx/eurofxref-hist-2026.xml"
)

// SetupFiles are the catalog, rules, mappings and FX rates the hub is
// configured with.
func (w *World) SetupFiles() []File {
	return []File{
		{"catalog.yaml", w.catalogYAML()},
		{"rules.yaml", []byte(rulesYAML)},
		{"orders.mapping.yaml", []byte(ordersMapping)},
		{"confirmations.mapping.yaml", []byte(confirmationsMapping)},
		{"invoices.mapping.yaml", []byte(invoicesMapping)},
		{fxFile, w.fxXML()},
	}
}

// Phases are the partner files in the order they are fed.
func (w *World) Phases() []Phase {
	out := []Phase{
		{Name: "orders", Files: w.orderFiles()},
		{Name: "confirmations", Files: w.confirmationFiles()},
		{Name: "asns", Files: w.asnFiles()},
	}
	out = append(out, w.invoicePhases()...)
	return append(out, Phase{Name: "bank statements", Files: w.bankFiles()})
}

// week names the ISO week of t: "2026-W07".
func week(t time.Time) string {
	y, wk := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, wk)
}

func money(cents int64) string {
	return decimal.New(cents, -2).StringFixed(2)
}

func csvBytes(rows [][]string) []byte {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	_ = cw.WriteAll(rows) // a bytes.Buffer does not fail
	return b.Bytes()
}

// grouped turns rows keyed by file name into files sorted by name.
func grouped(dir string, header []string, rows map[string][][]string) []File {
	var out []File
	for _, name := range sortedKeys(rows) {
		out = append(out, File{dir + "/" + name, csvBytes(append([][]string{header}, rows[name]...))})
	}
	return out
}

const ordersMapping = `# The buyers' ERP export: one row per order line, one file per buyer and
# week. Written by procurehub simulate.
document: order
delimiter: ","
decimal_mark: "."
date_formats: [YYYY-MM-DD]
columns:
  order_number: PO Number
  order_date: Order Date
  buyer.id: Buyer
  buyer.name: Buyer Name
  supplier.id: Vendor
  supplier.name: Vendor Name
  currency: Currency
  incoterm: Incoterm
  incoterm_place: Incoterm Place
  payment_terms: Payment Terms
  requested_delivery_date: Need By
  ship_to.name: Ship To
  ship_to.country: Ship To Country
  lines.line_number: Line
  lines.sku: Vendor Part
  lines.description: Description
  lines.quantity: Qty
  lines.unit: UoM
  lines.unit_price: Unit Price
  lines.hs_code: HS Code
  lines.origin_country: Origin
optional_columns: [lines.hs_code]
`

var orderHeader = []string{"PO Number", "Order Date", "Buyer", "Buyer Name", "Vendor", "Vendor Name", "Currency", "Incoterm",
	"Incoterm Place", "Payment Terms", "Need By", "Ship To", "Ship To Country", "Line", "Vendor Part", "Description", "Qty",
	"UoM", "Unit Price", "HS Code", "Origin"}

func (w *World) orderFiles() []File {
	rows := map[string][][]string{}
	for _, o := range w.Orders {
		name := fmt.Sprintf("orders-%s-%s.csv", o.Buyer.ID, week(o.OrderDate))
		for _, l := range o.Lines {
			rows[name] = append(rows[name], []string{o.Number, o.OrderDate.Format(time.DateOnly), o.Buyer.ID, o.Buyer.Name,
				o.Supplier.ID, o.Supplier.Name, o.Supplier.Currency, "FCA", o.Supplier.Port, o.Supplier.Terms,
				o.Requested.Format(time.DateOnly), o.Buyer.Name + " " + o.Buyer.City, o.Buyer.Country,
				fmt.Sprint(l.No), l.SKU, l.Desc, fmt.Sprint(l.Qty), l.Unit, money(l.Cents), l.HS, l.Origin})
		}
	}
	return grouped(inboxOrders, orderHeader, rows)
}

const confirmationsMapping = `# The suppliers' order confirmations, one row per order line, one file
# per supplier and week. Written by procurehub simulate.
document: order_response
date_formats: [YYYY-MM-DD]
columns:
  order_number: PO No.
  response_number: Confirmation No.
  response_date: Confirmation Date
  buyer.id: Customer
  supplier.id: Supplier
  lines.line_number: Item
  lines.sku: Part No.
  lines.status: Status
  lines.quantity: Qty
  lines.unit_price: Unit Price
  lines.delivery_date: Ship Date
values:
  lines.status: {Confirmed: accepted, Changed: changed, Rejected: rejected}
`

func (w *World) confirmationFiles() []File {
	header := []string{"PO No.", "Confirmation No.", "Confirmation Date", "Customer", "Supplier", "Item", "Part No.", "Status", "Qty", "Unit Price", "Ship Date"}
	rows := map[string][][]string{}
	for _, o := range w.Orders {
		if o.ConfirmedAt.IsZero() {
			continue
		}
		name := fmt.Sprintf("confirmations-%s-%s.csv", o.Supplier.Sender, week(o.ConfirmedAt))
		for _, l := range o.Lines {
			rows[name] = append(rows[name], []string{o.Number, "OC-" + o.Number, o.ConfirmedAt.Format(time.DateOnly), o.Buyer.ID,
				o.Supplier.ID, fmt.Sprint(l.No), l.SKU, "Confirmed", fmt.Sprint(l.Qty), money(l.Cents),
				o.Shipments[0].ShipDate.Format(time.DateOnly)})
		}
	}
	return grouped(inboxConfirmations, header, rows)
}

// x12 writes one interchange of transaction sets (each without ST/SE).
func x12(sender, functional string, at time.Time, ctrl int, sets [][]string, setID string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "ISA*00*          *00*          *ZZ*%-15s*ZZ*%-15s*%s*0800*U*00401*%09d*0*P*>~\n",
		sender, "PROCUREHUB", at.Format("060102"), ctrl)
	fmt.Fprintf(&b, "GS*%s*%s*PROCUREHUB*%s*0800*%d*X*004010~\n", functional, sender, at.Format("20060102"), ctrl)
	for i, segs := range sets {
		fmt.Fprintf(&b, "ST*%s*%04d~\n", setID, i+1)
		for _, s := range segs {
			b.WriteString(s + "~\n")
		}
		fmt.Fprintf(&b, "SE*%d*%04d~\n", len(segs)+2, i+1)
	}
	fmt.Fprintf(&b, "GE*%d*%d~\nIEA*1*%09d~\n", len(sets), ctrl, ctrl)
	return []byte(b.String())
}

type x12Group struct {
	sender string
	at     time.Time
	sets   [][]string
}

func x12Files(prefix, functional, setID string, groups map[string]*x12Group, ctrlBase int) []File {
	var out []File
	for i, name := range sortedKeys(groups) {
		g := groups[name]
		out = append(out, File{inboxEDI + "/" + prefix + name + ".x12", x12(g.sender, functional, g.at, ctrlBase+i, g.sets, setID)})
	}
	return out
}

func (w *World) asnFiles() []File {
	groups := map[string]*x12Group{}
	end := w.Config.YearEnd.Add(dayDur)
	for _, o := range w.Orders {
		for _, s := range o.Shipments {
			if !s.ShipDate.Before(end) {
				continue
			}
			key := o.Supplier.Sender + "-" + week(s.ShipDate)
			g := groups[key]
			if g == nil {
				g = &x12Group{sender: o.Supplier.Sender, at: s.ShipDate}
				groups[key] = g
			}
			g.at = maxTime(g.at, s.ShipDate)
			segs := []string{
				fmt.Sprintf("BSN*00*%s*%s*0800", s.ID, s.ShipDate.Format("20060102")),
				"HL*1**S",
				fmt.Sprintf("TD1*CTN25*%d****G*%d*KG", len(s.Lines)*4, 80*len(s.Lines)),
				fmt.Sprintf("TD5*B*2*%s*S*%s", s.Carrier.Code, s.Carrier.Name),
				"REF*CN*" + s.Tracking,
				"DTM*011*" + s.ShipDate.Format("20060102"),
				fmt.Sprintf("N1*BY*%s*92*%s", strings.ToUpper(o.Buyer.Name), o.Buyer.ID),
				fmt.Sprintf("N1*SF*%s*92*%s", strings.ToUpper(o.Supplier.Name), o.Supplier.ID),
				"HL*2*1*O",
				"PRF*" + o.Number,
			}
			for i, l := range s.Lines {
				segs = append(segs, fmt.Sprintf("HL*%d*2*I", i+3), fmt.Sprintf("LIN*%d*VP*%s", l.No, l.SKU),
					fmt.Sprintf("SN1**%d*EA", l.Qty))
			}
			g.sets = append(g.sets, segs)
		}
	}
	return x12Files("asn-", "SH", "856", groups, 100000)
}

const invoicesMapping = `# Invoices a supplier uploads as a spreadsheet instead of EDI, one row
# per line, with the account it asks to be paid to. Written by
# procurehub simulate.
document: invoice
delimiter: ","
date_formats: [YYYY-MM-DD]
columns:
  invoice_number: Invoice No.
  invoice_date: Invoice Date
  due_date: Due Date
  currency: Currency
  supplier.id: Supplier
  buyer.id: Customer
  lines.order_number: PO No.
  lines.line_number: Item
  lines.sku: Part No.
  lines.quantity: Qty
  lines.unit: Unit
  lines.unit_price: Unit Price
  lines.amount: Amount
  total_amount: Total
  payable_amount: Balance Due
  payee_account: Bank Account
`

// invoicePhases sends the invoices in rounds: the n-th invoice of every
// supplier (by the day it is sent) in round n, one 810 per file, and each
// round is fed once the one before is stored. The hub's risk checks read a
// supplier's earlier invoices (duplicates, outliers, split invoices); fed
// all at once, what counts as "earlier" would depend on which partition
// the hub happened to process first, and the same seed could give another
// table.
func (w *World) invoicePhases() []Phase {
	type sent struct {
		inv *Invoice
		at  time.Time
	}
	bySupplier := map[string][]sent{}
	for _, inv := range w.Invoices {
		at := inv.Date
		if inv.Duplicate {
			at = at.AddDate(0, 0, 7) // a resend comes a week later
		}
		id := inv.Order.Supplier.ID
		bySupplier[id] = append(bySupplier[id], sent{inv, at})
	}
	var rounds []Phase
	header := []string{"Invoice No.", "Invoice Date", "Due Date", "Currency", "Supplier", "Customer", "PO No.", "Item", "Part No.",
		"Qty", "Unit", "Unit Price", "Amount", "Total", "Balance Due", "Bank Account"}
	ctrl := 200000
	for _, id := range sortedKeys(bySupplier) {
		list := bySupplier[id]
		sort.SliceStable(list, func(i, j int) bool {
			if !list[i].at.Equal(list[j].at) {
				return list[i].at.Before(list[j].at)
			}
			return list[i].inv.Number < list[j].inv.Number
		})
		for n, x := range list {
			for len(rounds) <= n {
				rounds = append(rounds, Phase{Name: "invoices"})
			}
			inv, o := x.inv, x.inv.Order
			ccy := o.Supplier.Currency
			ph := &rounds[n]
			ph.Invoices = append(ph.Invoices, inv.Number)
			if inv.Fraud {
				var rows [][]string
				for _, l := range inv.Lines {
					rows = append(rows, []string{inv.Number, inv.Date.Format(time.DateOnly), inv.Due.Format(time.DateOnly),
						ccy, o.Supplier.ID, o.Buyer.ID, o.Number, fmt.Sprint(l.No), l.SKU, fmt.Sprint(l.Qty), "EA",
						money(l.Cents), money(l.Qty * l.Cents), money(inv.TotalCents), money(inv.TotalCents), inv.PayeeIBAN})
				}
				ph.Files = append(ph.Files, grouped(inboxInvoices, header, map[string][][]string{"invoice-" + inv.Number + ".csv": rows})...)
				continue
			}
			segs := []string{
				fmt.Sprintf("BIG*%s*%s*%s*%s", inv.Date.Format("20060102"), inv.Number, o.OrderDate.Format("20060102"), o.Number),
				"CUR*SE*" + ccy,
				fmt.Sprintf("N1*BY*%s*92*%s", strings.ToUpper(o.Buyer.Name), o.Buyer.ID),
				fmt.Sprintf("N1*SE*%s*92*%s", strings.ToUpper(o.Supplier.Name), o.Supplier.ID),
				fmt.Sprintf("ITD*01*3*****%s", inv.Due.Format("20060102")),
			}
			for _, l := range inv.Lines {
				segs = append(segs, fmt.Sprintf("IT1*%d*%d*EA*%s**VP*%s", l.No, l.Qty, money(l.Cents), l.SKU))
			}
			segs = append(segs, fmt.Sprintf("TDS*%d", inv.TotalCents), fmt.Sprintf("CTT*%d", len(inv.Lines)))
			ctrl++
			name := fmt.Sprintf("%s/invoice-%s-%s.x12", inboxEDI, o.Supplier.Sender, inv.Number)
			ph.Files = append(ph.Files, File{name, x12(o.Supplier.Sender, "IN", x.at, ctrl, [][]string{segs}, "810")})
		}
	}
	for i := range rounds {
		sort.Slice(rounds[i].Files, func(a, b int) bool { return rounds[i].Files[a].Path < rounds[i].Files[b].Path })
		sort.Strings(rounds[i].Invoices)
	}
	return rounds
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// bankFiles writes one camt.053 per bank and week with a statement per
// account that moved, balances carried from week to week.
func (w *World) bankFiles() []File {
	type entry struct {
		p   Payment
		inv *Invoice
	}
	byWeek := map[string]map[string][]entry{} // bank+week → iban → entries
	for _, inv := range w.Invoices {
		for _, p := range inv.Payments {
			key := p.Account.Bank.Code + "|" + week(p.ValueDate)
			if byWeek[key] == nil {
				byWeek[key] = map[string][]entry{}
			}
			byWeek[key][p.Account.IBAN] = append(byWeek[key][p.Account.IBAN], entry{p, inv})
		}
	}
	balance := map[string]int64{}
	for _, a := range w.Accounts {
		balance[a.IBAN] = 500_000_000_00 // a buyer's operating account
	}
	accounts := map[string]*Account{}
	for _, a := range w.Accounts {
		accounts[a.IBAN] = a
	}
	var out []File
	seq, ref := 0, 0
	for _, key := range sortedKeys(byWeek) {
		bankCode, wk, _ := strings.Cut(key, "|")
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04">
  <BkToCstmrStmt>
`)
		var last time.Time
		for _, es := range byWeek[key] {
			for _, e := range es {
				last = maxTime(last, e.p.ValueDate)
			}
		}
		fmt.Fprintf(&b, "    <GrpHdr><MsgId>%s-%s</MsgId><CreDtTm>%sT06:00:00Z</CreDtTm></GrpHdr>\n", strings.ToUpper(bankCode), wk, last.AddDate(0, 0, 1).Format(time.DateOnly))
		for _, ib := range sortedKeys(byWeek[key]) {
			es := byWeek[key][ib]
			sort.SliceStable(es, func(i, j int) bool { return es[i].p.ValueDate.Before(es[j].p.ValueDate) })
			a := accounts[ib]
			seq++
			open := balance[ib]
			closing := open
			for _, e := range es {
				closing -= e.p.Cents
			}
			balance[ib] = closing
			first := es[0].p.ValueDate
			fmt.Fprintf(&b, "    <Stmt>\n      <Id>%s-%s-%s-%s</Id>\n      <ElctrncSeqNb>%d</ElctrncSeqNb>\n", strings.ToUpper(bankCode), a.Buyer, a.Currency, wk, seq)
			fmt.Fprintf(&b, "      <Acct><Id><IBAN>%s</IBAN></Id><Ccy>%s</Ccy><Svcr><FinInstnId><BICFI>%s</BICFI></FinInstnId></Svcr></Acct>\n", ib, a.Currency, a.Bank.BIC)
			fmt.Fprintf(&b, "      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"%s\">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>%s</Dt></Dt></Bal>\n",
				a.Currency, money(open), first.AddDate(0, 0, -1).Format(time.DateOnly))
			fmt.Fprintf(&b, "      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"%s\">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>%s</Dt></Dt></Bal>\n",
				a.Currency, money(closing), last.Format(time.DateOnly))
			for _, e := range es {
				ref++ // the bank's reference is unique across its accounts
				d := e.p.ValueDate.Format(time.DateOnly)
				fmt.Fprintf(&b, `      <Ntry>
        <Amt Ccy="%s">%s</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>%s</Dt></BookgDt>
        <ValDt><Dt>%s</Dt></ValDt>
        <AcctSvcrRef>%s-%s-%05d</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>%s</EndToEndId></Refs>
          <RltdPties><Cdtr><Nm>%s</Nm></Cdtr></RltdPties>
          <RmtInf><Ustrd>%s</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
`, a.Currency, money(e.p.Cents), d, d, strings.ToUpper(bankCode), wk, ref, e.p.E2E, xmlEscape(e.inv.Order.Supplier.Name), e.inv.Number)
			}
			b.WriteString("    </Stmt>\n")
		}
		b.WriteString("  </BkToCstmrStmt>\n</Document>\n")
		out = append(out, File{inboxBankPrefix + bankCode + "/statement-" + bankCode + "-" + wk + ".xml", []byte(b.String())})
	}
	return out
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Statements counts the statements of the bank files.
func (w *World) statements(files []File) int {
	n := 0
	for _, f := range files {
		n += bytes.Count(f.Data, []byte("<Stmt>"))
	}
	return n
}

const rulesYAML = `# Validation rules of the simulated year: every rule on with its default
# severity; the year's documents are dated 2026 and must not count as "in
# the past" whenever the simulation runs. Written by procurehub simulate.
thresholds:
  price_tolerance_percent: 2
  max_payment_days: 90
  past_date_grace_days: 3650
`

func (w *World) catalogYAML() []byte {
	var b strings.Builder
	b.WriteString("# The suppliers of the simulated year and what they sell. Written by procurehub simulate.\nsuppliers:\n")
	for _, s := range w.Suppliers {
		fmt.Fprintf(&b, "  - id: %s\n    name: %q\n    currency: %s\n    country: %s\n    rating: A\n    payment_terms: [%q]\n    incoterm: FCA\n    incoterm_place: %q\n",
			s.ID, s.Name, s.Currency, s.Country, s.Terms, s.Port)
	}
	b.WriteString("items:\n")
	for _, s := range w.Suppliers {
		for _, it := range s.Goods {
			fmt.Fprintf(&b, "  - supplier: %s\n    sku: %s\n    description: %q\n    unit: EA\n    pack_size: 1\n    moq: 1\n    lead_time_days: %d\n    hs_code: %q\n    origin_country: %s\n    prices:\n      - {valid_from: 2026-01-01, valid_to: 2027-12-31, currency: %s, unit_price: %q}\n",
				s.ID, sku(s, it), it.Description, it.LeadDays, it.HS, s.Country, s.Currency, money(it.Cents))
		}
	}
	return []byte(b.String())
}

// fxDay is one day of ECB reference rates: units per euro.
type fxDay struct {
	date time.Time
	usd  decimal.Decimal
	cny  decimal.Decimal
}

// fxYear walks the euro's USD and CNY rates day by day over the year's
// working days (the ECB publishes none on weekends).
func fxYear(rng *rand.Rand, from, to time.Time) []fxDay {
	usd, cny := 1.0812, 7.8265
	var out []fxDay
	for d := from.AddDate(0, 0, -14); !d.After(to.AddDate(0, 0, 14)); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		usd *= 1 + (rng.Float64()-0.5)*0.008
		cny *= 1 + (rng.Float64()-0.5)*0.008
		out = append(out, fxDay{d, decimal.NewFromFloat(usd).Round(4), decimal.NewFromFloat(cny).Round(4)})
	}
	return out
}

func (w *World) rate(ccy string, d time.Time) decimal.Decimal {
	if ccy == "EUR" {
		return decimal.NewFromInt(1)
	}
	i := sort.Search(len(w.rates), func(i int) bool { return !w.rates[i].date.Before(d) })
	if i == len(w.rates) {
		i--
	}
	if ccy == "USD" {
		return w.rates[i].usd
	}
	return w.rates[i].cny
}

// convert turns cents of one currency into another through the euro at
// the day's reference rates, as the hub converts.
func (w *World) convert(cents int64, from, to string, d time.Time) int64 {
	eur := decimal.New(cents, -2).Div(w.rate(from, d))
	return eur.Mul(w.rate(to, d)).Round(2).Shift(2).IntPart()
}

func (w *World) fxXML() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender>
		<gesmes:name>European Central Bank</gesmes:name>
	</gesmes:Sender>
	<Cube>
`)
	// Newest first, as the ECB writes its history files.
	for i := len(w.rates) - 1; i >= 0; i-- {
		r := w.rates[i]
		fmt.Fprintf(&b, "\t\t<Cube time='%s'>\n\t\t\t<Cube currency='USD' rate='%s'/>\n\t\t\t<Cube currency='CNY' rate='%s'/>\n\t\t</Cube>\n",
			r.date.Format(time.DateOnly), r.usd.String(), r.cny.String())
	}
	b.WriteString("\t</Cube>\n</gesmes:Envelope>\n")
	return []byte(b.String())
}
