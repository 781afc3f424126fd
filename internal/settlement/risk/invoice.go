package risk

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// InvoiceInput is an invoice with what is known about its supplier.
type InvoiceInput struct {
	Invoice canonical.Invoice
	// History is the supplier's earlier invoices, in any order. It may hold
	// an invoice with the same number: a resend, or a changed version.
	History []canonical.Invoice
	// Accounts are the supplier's bank accounts on file.
	Accounts []store.SupplierAccount
	// SupplierCountry is where the supplier is established, "" when unknown.
	SupplierCountry canonical.Country
}

// CheckInvoice raises the findings on one supplier invoice, sorted by kind,
// then subject.
//
//   - DuplicateInvoice: an earlier invoice with the same number (spaces and
//     case ignored) and other content is critical and blocks; one with the
//     same content, lineage aside, is a resend and raises nothing. An
//     earlier invoice under another number with the same total, currency
//     and invoice date is a warning that blocks.
//   - AccountChanged: the payee account is compared with the accounts on
//     file (spaces and case ignored). Pending, revoked or unknown: critical,
//     blocks. No account on file at all: a warning that still blocks. No
//     payee account on the invoice: nothing.
//   - AmountOutlier: with at least MinHistory earlier invoices of the
//     supplier in the invoice's currency, the total is an outlier when it is
//     above the largest of them and above median + OutlierFactor × spread,
//     where spread is the median absolute deviation scaled by 1.4826 (the
//     standard deviation for normally spread amounts) but never less than a
//     quarter of the median, so a supplier who always bills the same amount
//     is not flagged for a small rise. Only amounts above the usual are
//     flagged: an unusually small invoice loses little if it is wrong.
//     Warning, blocks.
//   - SplitInvoice: the invoice and the earlier invoices of the same
//     supplier to the same buyer, in LimitCurrency, dated within
//     SplitWindowDays of it, each under ApprovalLimit, when there are at
//     least two and together they exceed the limit. Warning, blocks.
//   - BeneficiaryCountry: the payee account's country (IBAN, else BIC) is
//     neither SupplierCountry nor the country of a verified account on
//     file. Nothing when neither of those is known. Warning, blocks.
func CheckInvoice(in InvoiceInput, cfg Config) []Finding {
	inv := in.Invoice
	history := sameSupplier(inv, in.History)
	accounts := make([]store.SupplierAccount, 0, len(in.Accounts))
	for _, a := range in.Accounts {
		if a.SupplierID == "" || inv.Supplier.ID == "" || a.SupplierID == inv.Supplier.ID {
			accounts = append(accounts, a)
		}
	}
	var fs []Finding
	fs = append(fs, duplicates(inv, history)...)
	fs = append(fs, accountFindings(inv, accounts, in.SupplierCountry)...)
	fs = append(fs, outlier(inv, history, cfg)...)
	fs = append(fs, split(inv, history, cfg)...)
	return sortFindings(fs)
}

// sameSupplier keeps the history invoices of the invoice's supplier: a
// caller's query may be wider than one supplier, and another supplier's
// invoice is no evidence about this one.
func sameSupplier(inv canonical.Invoice, history []canonical.Invoice) []canonical.Invoice {
	out := make([]canonical.Invoice, 0, len(history))
	for _, h := range history {
		if h.Supplier.ID == inv.Supplier.ID || h.Supplier.ID == "" || inv.Supplier.ID == "" {
			out = append(out, h)
		}
	}
	return out
}

// numberKey is how invoice numbers are compared: "inv 1" and "INV1" are
// the same number as a supplier's clerk would type it twice.
func numberKey(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

func baseData(inv canonical.Invoice) map[string]string {
	d := map[string]string{"invoice_number": inv.InvoiceNumber}
	if inv.Supplier.ID != "" {
		d["supplier_id"] = inv.Supplier.ID
	}
	if len(inv.OrderNumbers) > 0 {
		d["order_number"] = strings.Join(inv.OrderNumbers, ",")
	}
	return d
}

func money(d decimal.Decimal, cur canonical.Currency) string {
	places := int32(cur.MinorUnits())
	s := d.StringFixed(places)
	if cur == "" {
		return s
	}
	return s + " " + string(cur)
}

func content(inv canonical.Invoice) []byte {
	b, err := store.InvoiceContent(&inv)
	if err != nil {
		// A canonical invoice always marshals; should one not, its printed
		// form still tells two versions apart.
		return fmt.Appendf(nil, "%+v", inv)
	}
	return b
}

// --- duplicates ---

func duplicates(inv canonical.Invoice, history []canonical.Invoice) []Finding {
	key := numberKey(inv.InvoiceNumber)
	if key == "" {
		return nil
	}
	mine := content(inv)
	var changed [][]byte
	changedInv := map[string]canonical.Invoice{}
	resend := false
	others := map[string]canonical.Invoice{} // by number key: same amount and date
	for _, h := range history {
		if numberKey(h.InvoiceNumber) == key {
			c := content(h)
			if bytes.Equal(c, mine) {
				resend = true
				continue
			}
			if _, seen := changedInv[string(c)]; !seen {
				changed = append(changed, c)
				changedInv[string(c)] = h
			}
			continue
		}
		if sameAmountAndDate(inv, h) {
			k := numberKey(h.InvoiceNumber)
			if prev, ok := others[k]; !ok || bytes.Compare(content(h), content(prev)) < 0 {
				others[k] = h
			}
		}
	}
	var fs []Finding
	// An identical earlier version means this is a resend; an earlier change
	// between versions was raised when that version arrived.
	if !resend && len(changed) > 0 {
		slices.SortFunc(changed, bytes.Compare)
		h := changedInv[string(changed[0])]
		diffs := differences(inv, h)
		data := baseData(inv)
		data["total"] = inv.TotalAmount.String()
		data["currency"] = string(inv.Currency)
		data["earlier_total"] = h.TotalAmount.String()
		data["earlier_currency"] = string(h.Currency)
		data["differences"] = strconv.Itoa(len(diffs))
		fs = append(fs, Finding{
			Kind:     DuplicateInvoice,
			Severity: SeverityCritical,
			Blocks:   true,
			Subject:  fmt.Sprintf("invoice %s was already received with other content", inv.InvoiceNumber),
			Message: fmt.Sprintf("Invoice %s from supplier %s was already received under the same number, but the content differs: %s. "+
				"A supplier does not reuse an invoice number for another bill; two versions under one number can be paid twice or the wrong one paid.",
				inv.InvoiceNumber, supplierName(inv), strings.Join(diffs, "; ")),
			Action: "Ask the supplier which version is valid and cancel the other before paying.",
			Data:   data,
		})
	}
	for _, k := range sortedKeys(others) {
		h := others[k]
		data := baseData(inv)
		data["total"] = inv.TotalAmount.String()
		data["currency"] = string(inv.Currency)
		data["invoice_date"] = inv.InvoiceDate.String()
		data["other_invoice_number"] = h.InvoiceNumber
		fs = append(fs, Finding{
			Kind:     DuplicateInvoice,
			Severity: SeverityWarning,
			Blocks:   true,
			Subject:  fmt.Sprintf("invoice %s repeats the amount and date of invoice %s", inv.InvoiceNumber, h.InvoiceNumber),
			Message: fmt.Sprintf("Invoice %s from supplier %s totals %s dated %s, exactly as invoice %s of the same supplier (%s dated %s). "+
				"The same bill sent again under a new number is a common way to be paid twice.",
				inv.InvoiceNumber, supplierName(inv), money(inv.TotalAmount.Decimal, inv.Currency), inv.InvoiceDate,
				h.InvoiceNumber, money(h.TotalAmount.Decimal, h.Currency), h.InvoiceDate),
			Action: fmt.Sprintf("Check that invoice %s bills other goods or services than invoice %s before paying it.", inv.InvoiceNumber, h.InvoiceNumber),
			Data:   data,
		})
	}
	return fs
}

func sameAmountAndDate(a, b canonical.Invoice) bool {
	return !a.TotalAmount.IsZero() && a.Currency == b.Currency &&
		a.TotalAmount.Decimal.Equal(b.TotalAmount.Decimal) &&
		!a.InvoiceDate.IsZero() && a.InvoiceDate == b.InvoiceDate
}

func supplierName(inv canonical.Invoice) string {
	switch {
	case inv.Supplier.ID != "" && inv.Supplier.Name != "":
		return inv.Supplier.ID + " (" + inv.Supplier.Name + ")"
	case inv.Supplier.ID != "":
		return inv.Supplier.ID
	case inv.Supplier.Name != "":
		return inv.Supplier.Name
	}
	return "(unknown)"
}

// differences names what a finance user would compare between two
// versions of one invoice; accounts appear masked.
func differences(now, before canonical.Invoice) []string {
	var d []string
	if now.Currency != before.Currency || !now.TotalAmount.Decimal.Equal(before.TotalAmount.Decimal) {
		d = append(d, fmt.Sprintf("total %s now, %s before", money(now.TotalAmount.Decimal, now.Currency), money(before.TotalAmount.Decimal, before.Currency)))
	}
	if now.InvoiceDate != before.InvoiceDate {
		d = append(d, fmt.Sprintf("invoice date %s now, %s before", dateOrNone(now.InvoiceDate), dateOrNone(before.InvoiceDate)))
	}
	if now.DueDate != before.DueDate {
		d = append(d, fmt.Sprintf("due date %s now, %s before", dateOrNone(now.DueDate), dateOrNone(before.DueDate)))
	}
	if a, b := payeeKey(now.PayeeAccount), payeeKey(before.PayeeAccount); a != b {
		d = append(d, fmt.Sprintf("payee account %s now, %s before", maskedOrNone(a), maskedOrNone(b)))
	}
	if a, b := strings.Join(now.OrderNumbers, ","), strings.Join(before.OrderNumbers, ","); a != b {
		d = append(d, fmt.Sprintf("orders %s now, %s before", orNone(a), orNone(b)))
	}
	if now.Buyer.ID != before.Buyer.ID {
		d = append(d, fmt.Sprintf("buyer %s now, %s before", orNone(now.Buyer.ID), orNone(before.Buyer.ID)))
	}
	if len(now.Lines) != len(before.Lines) {
		d = append(d, fmt.Sprintf("%d lines now, %d before", len(now.Lines), len(before.Lines)))
	}
	if len(d) == 0 {
		d = append(d, "the totals, dates, orders and payee account agree, other details (lines, parties or how amounts are written) differ")
	}
	return d
}

func dateOrNone(d canonical.Date) string {
	if d.IsZero() {
		return "none"
	}
	return d.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func maskedOrNone(account string) string {
	if account == "" {
		return "none"
	}
	return maskAccount(account)
}

// payeeKey is the account an invoice asks to be paid to, normalised: the
// IBAN when given, else the national account number.
func payeeKey(c *canonical.Counterparty) string {
	if c == nil {
		return ""
	}
	if k := normalizeAccount(c.IBAN); k != "" {
		return k
	}
	return normalizeAccount(c.Account)
}

// --- accounts ---

func accountFindings(inv canonical.Invoice, accounts []store.SupplierAccount, supplierCountry canonical.Country) []Finding {
	key := payeeKey(inv.PayeeAccount)
	if key == "" {
		return nil
	}
	masked := maskAccount(key)
	var fs []Finding
	data := func() map[string]string {
		d := baseData(inv)
		d["payee_account"] = masked
		return d
	}
	if len(accounts) == 0 {
		d := data()
		d["account_status"] = "none_on_file"
		fs = append(fs, Finding{
			Kind:     AccountChanged,
			Severity: SeverityWarning,
			Blocks:   true,
			Subject:  fmt.Sprintf("no verified account on file for supplier %s", orNone(inv.Supplier.ID)),
			Message: fmt.Sprintf("Invoice %s asks to be paid to account %s, but supplier %s has no bank account on file to compare it with. "+
				"Paying an account nobody has confirmed with the supplier is how invoice redirection fraud succeeds.",
				inv.InvoiceNumber, masked, supplierName(inv)),
			Action: "Confirm the account with the supplier through a known contact (not the invoice's), record it and have a second person verify it.",
			Data:   d,
		})
	} else {
		status := "" // of the matching account on file; "" when none matches
		for _, a := range accounts {
			if normalizeAccount(a.Account) != key {
				continue
			}
			// The best status wins: the same account on file twice, once
			// verified, is verified.
			if rank(a.Status) > rank(status) {
				status = a.Status
			}
		}
		if status != store.AccountVerified {
			verified := 0
			for _, a := range accounts {
				if a.Status == store.AccountVerified {
					verified++
				}
			}
			var seen, why string
			switch status {
			case store.AccountPending:
				seen, why = "is on file but not yet verified", "it was added but no second person has confirmed it with the supplier"
			case store.AccountRevoked:
				seen, why = "was revoked", "a revoked account was withdrawn on purpose, often because it was compromised or closed"
			case "":
				seen, why = "is not on file", "a new account on an invoice is the usual sign of invoice redirection fraud"
			default:
				seen, why = fmt.Sprintf("is on file with status %q", status), "only a verified account may be paid"
			}
			d := data()
			d["account_status"] = orNone(status)
			d["verified_accounts"] = strconv.Itoa(verified)
			fs = append(fs, Finding{
				Kind:     AccountChanged,
				Severity: SeverityCritical,
				Blocks:   true,
				Subject:  fmt.Sprintf("invoice %s asks payment to an account that %s", inv.InvoiceNumber, seen),
				Message: fmt.Sprintf("Invoice %s from supplier %s asks to be paid to account %s, which %s; the supplier has %d verified account(s) on file. Payment waits because %s.",
					inv.InvoiceNumber, supplierName(inv), masked, seen, verified, why),
				Action: "Call the supplier on a number already on file (not one from the invoice) to confirm the account, then have it verified before paying.",
				Data:   d,
			})
		}
	}
	if f, ok := countryFinding(inv, key, masked, accounts, supplierCountry); ok {
		fs = append(fs, f)
	}
	return fs
}

func rank(status string) int {
	switch status {
	case store.AccountVerified:
		return 3
	case store.AccountPending:
		return 2
	case store.AccountRevoked:
		return 1
	case "":
		return -1
	}
	return 0
}

func countryFinding(inv canonical.Invoice, key, masked string, accounts []store.SupplierAccount, supplierCountry canonical.Country) (Finding, bool) {
	payee := accountCountry(key, inv.PayeeAccount.BIC)
	if payee == "" {
		return Finding{}, false
	}
	verified := map[canonical.Country]bool{}
	for _, a := range accounts {
		if a.Status != store.AccountVerified {
			continue
		}
		c := a.Country
		if c == "" {
			c = accountCountry(a.Account, a.BIC)
		}
		if c != "" {
			verified[c] = true
		}
	}
	if (supplierCountry == "" && len(verified) == 0) || payee == supplierCountry || verified[payee] {
		return Finding{}, false
	}
	var vs []string
	for _, c := range sortedKeys(verified) {
		vs = append(vs, string(c))
	}
	compared := []string{}
	if supplierCountry != "" {
		compared = append(compared, fmt.Sprintf("the supplier is in %s", supplierCountry))
	}
	if len(vs) > 0 {
		compared = append(compared, fmt.Sprintf("its verified accounts are in %s", strings.Join(vs, ", ")))
	} else {
		compared = append(compared, "it has no verified account")
	}
	d := baseData(inv)
	d["payee_account"] = masked
	d["payee_country"] = string(payee)
	if supplierCountry != "" {
		d["supplier_country"] = string(supplierCountry)
	}
	if len(vs) > 0 {
		d["verified_countries"] = strings.Join(vs, ",")
	}
	return Finding{
		Kind:     BeneficiaryCountry,
		Severity: SeverityWarning,
		Blocks:   true,
		Subject:  fmt.Sprintf("invoice %s asks payment to a bank in %s", inv.InvoiceNumber, payee),
		Message: fmt.Sprintf("Invoice %s from supplier %s asks to be paid to account %s at a bank in %s, while %s. "+
			"Money sent abroad to an unexpected country is hard to recall, and a foreign account is typical of redirection fraud.",
			inv.InvoiceNumber, supplierName(inv), masked, payee, strings.Join(compared, " and ")),
		Action: fmt.Sprintf("Ask the supplier, on a contact already on file, why it is paid in %s; record the answer with the account's verification.", payee),
		Data:   d,
	}, true
}

// --- outliers ---

func outlier(inv canonical.Invoice, history []canonical.Invoice, cfg Config) []Finding {
	f := cfg.OutlierFactor
	if !(f > 0) || math.IsInf(f, 0) || !inv.TotalAmount.IsPositive() {
		return nil
	}
	minHistory := max(cfg.MinHistory, 3)
	key := numberKey(inv.InvoiceNumber)
	// One amount per invoice number: a resend or a corrected version must
	// not count twice. The largest version stands, so a correction upwards
	// does not make the invoice look more unusual.
	byNumber := map[string]decimal.Decimal{}
	for _, h := range history {
		k := numberKey(h.InvoiceNumber)
		if k == key || h.Currency != inv.Currency || !h.TotalAmount.IsPositive() {
			continue
		}
		if prev, ok := byNumber[k]; !ok || h.TotalAmount.Decimal.GreaterThan(prev) {
			byNumber[k] = h.TotalAmount.Decimal
		}
	}
	if len(byNumber) < minHistory {
		return nil
	}
	amounts := make([]decimal.Decimal, 0, len(byNumber))
	for _, k := range sortedKeys(byNumber) {
		amounts = append(amounts, byNumber[k])
	}
	med := median(amounts)
	devs := make([]decimal.Decimal, len(amounts))
	for i, a := range amounts {
		devs[i] = a.Sub(med).Abs()
	}
	spread := decimal.Max(median(devs).Mul(decimal.RequireFromString("1.4826")), med.Div(decimal.NewFromInt(4)))
	threshold := med.Add(decimal.NewFromFloat(f).Mul(spread))
	largest := decimal.Max(amounts[0], amounts[1:]...)
	total := inv.TotalAmount.Decimal
	if !total.GreaterThan(threshold) || !total.GreaterThan(largest) {
		return nil
	}
	cur := inv.Currency
	ratio := total.Div(med).Round(1)
	d := baseData(inv)
	d["total"] = inv.TotalAmount.String()
	d["currency"] = string(cur)
	d["history_count"] = strconv.Itoa(len(amounts))
	d["history_median"] = med.StringFixed(int32(cur.MinorUnits()))
	d["history_max"] = largest.StringFixed(int32(cur.MinorUnits()))
	d["spread"] = spread.StringFixed(int32(cur.MinorUnits()))
	d["threshold"] = threshold.StringFixed(int32(cur.MinorUnits()))
	return []Finding{{
		Kind:     AmountOutlier,
		Severity: SeverityWarning,
		Blocks:   true,
		Subject:  fmt.Sprintf("invoice %s is %s times the supplier's usual amount", inv.InvoiceNumber, ratio),
		Message: fmt.Sprintf("Invoice %s from supplier %s totals %s. The supplier's %d earlier %s invoices have a median of %s and the largest was %s; "+
			"anything above %s (the median plus %s times the usual spread of %s) is far outside its history. "+
			"An inflated amount or a misplaced decimal separator would be paid in full.",
			inv.InvoiceNumber, supplierName(inv), money(total, cur), len(amounts), orNone(string(cur)), money(med, cur), money(largest, cur),
			money(threshold, cur), strconv.FormatFloat(f, 'g', -1, 64), money(spread, cur)),
		Action: "Compare the invoice with its order and delivery; confirm the amount with the buyer who ordered before paying.",
		Data:   d,
	}}
}

// median of xs, which it sorts.
func median(xs []decimal.Decimal) decimal.Decimal {
	slices.SortFunc(xs, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return xs[n/2-1].Add(xs[n/2]).Div(decimal.NewFromInt(2))
}

// --- split invoices ---

func split(inv canonical.Invoice, history []canonical.Invoice, cfg Config) []Finding {
	limit := cfg.ApprovalLimit.Decimal
	if !limit.IsPositive() || cfg.SplitWindowDays < 0 || cfg.LimitCurrency == "" || inv.Currency != cfg.LimitCurrency || inv.InvoiceDate.IsZero() {
		return nil
	}
	under := func(x canonical.Invoice) bool {
		return x.TotalAmount.IsPositive() && x.TotalAmount.Decimal.LessThan(limit)
	}
	if !under(inv) {
		// An invoice over the limit goes to the approver anyway.
		return nil
	}
	key := numberKey(inv.InvoiceNumber)
	day := dayNumber(inv.InvoiceDate)
	window := int64(cfg.SplitWindowDays)
	members := map[string]canonical.Invoice{}
	for _, h := range history {
		k := numberKey(h.InvoiceNumber)
		if k == key || h.Buyer.ID != inv.Buyer.ID || h.Currency != cfg.LimitCurrency || h.InvoiceDate.IsZero() || !under(h) {
			continue
		}
		if diff := dayNumber(h.InvoiceDate) - day; diff < -window || diff > window {
			continue
		}
		// One version per number: the largest, so a corrected resend
		// neither counts twice nor hides the split.
		if prev, ok := members[k]; !ok || h.TotalAmount.Decimal.GreaterThan(prev.TotalAmount.Decimal) {
			members[k] = h
		}
	}
	if len(members) == 0 {
		return nil
	}
	sum := inv.TotalAmount.Decimal
	numbers := []string{inv.InvoiceNumber}
	parts := []string{fmt.Sprintf("%s of %s (%s)", inv.InvoiceNumber, inv.InvoiceDate, money(inv.TotalAmount.Decimal, inv.Currency))}
	for _, k := range sortedKeys(members) {
		h := members[k]
		sum = sum.Add(h.TotalAmount.Decimal)
		numbers = append(numbers, h.InvoiceNumber)
		parts = append(parts, fmt.Sprintf("%s of %s (%s)", h.InvoiceNumber, h.InvoiceDate, money(h.TotalAmount.Decimal, h.Currency)))
	}
	if !sum.GreaterThan(limit) {
		return nil
	}
	cur := cfg.LimitCurrency
	d := baseData(inv)
	d["invoices"] = strings.Join(numbers, ",")
	d["sum"] = sum.StringFixed(int32(cur.MinorUnits()))
	d["approval_limit"] = limit.StringFixed(int32(cur.MinorUnits()))
	d["currency"] = string(cur)
	d["window_days"] = strconv.Itoa(cfg.SplitWindowDays)
	if inv.Buyer.ID != "" {
		d["buyer_id"] = inv.Buyer.ID
	}
	return []Finding{{
		Kind:     SplitInvoice,
		Severity: SeverityWarning,
		Blocks:   true,
		Subject:  fmt.Sprintf("%d invoices of supplier %s together exceed the approval limit", len(numbers), orNone(inv.Supplier.ID)),
		Message: fmt.Sprintf("Supplier %s sent %d invoices to buyer %s within %d days, each under the approval limit of %s but together %s: %s. "+
			"Splitting one purchase into smaller invoices keeps it away from the approver the full amount needs.",
			supplierName(inv), len(numbers), orNone(inv.Buyer.ID), cfg.SplitWindowDays, money(limit, cur), money(sum, cur), strings.Join(parts, ", ")),
		Action: fmt.Sprintf("Have an approver for %s review the invoices together before paying any of them.", money(sum, cur)),
		Data:   d,
	}}
}

// dayNumber counts days since 1970-01-01, so dates compare across months.
func dayNumber(d canonical.Date) int64 {
	return d.Time().Unix() / 86400
}
