package api

import (
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/settlement/approval"
	"github.com/procurehub/procurehub/internal/settlement/match"
	"github.com/procurehub/procurehub/internal/settlement/reconcile"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/pipelines"
)

// The matrix's settlement fixture, per side n (1, 2): invoice INV-n of
// supplier Sn for PO-n (38.00 EUR), PO-n's payment plan (a 30% deposit,
// pending, asked for by u-treasurer; a 70% balance against the bill of
// lading, which is on file, planned), a bank entry paying 11.40 EUR, and
// Sn's account added by u-treasurer, waiting to be verified.

const matrixTreasurer = "u-treasurer"

var matrixAccounts = [2]string{"DE89370400440532013000", "GB82WEST12345698765432"}

func matrixEntryID(n int) string {
	return store.BankEntryID(matrixAccounts[n-1], "STMT-"+string(rune('0'+n)), "", 1)
}

func seedSettlement(t *testing.T, st *sqlite.Store, pub message.Publisher) *pipelines.Settlement {
	t.Helper()
	ctx := t.Context()
	s := &pipelines.Settlement{Store: st, Pub: pub, Config: pipelines.SettlementConfig{
		HomeCurrency: "EUR", Tolerances: match.DefaultTolerances(), Risk: risk.DefaultConfig(), Reconcile: reconcile.DefaultConfig(),
		Approval: approval.Policy{Currency: "EUR", SingleLimit: canonical.MustDecimal("1000"), DualLimit: canonical.MustDecimal("10000"), Senior: []string{"u-cfo"}},
	}}
	for n := 1; n <= 2; n++ {
		buyer, supplier, order := "B"+itoa1(n), "S"+itoa1(n), "PO-"+itoa1(n)
		inv := &canonical.Invoice{InvoiceNumber: "INV-" + itoa1(n), InvoiceDate: canonical.NewDate(2026, 4, 21), OrderNumbers: []string{order},
			Supplier: canonical.Party{ID: supplier}, Buyer: canonical.Party{ID: buyer}, Currency: "EUR",
			Lines:       []canonical.InvoiceLine{{LineNumber: 1, SKU: "SKU-1", Quantity: canonical.MustDecimal("4"), Unit: "H87", UnitPrice: canonical.MustDecimal("9.50")}},
			TotalAmount: canonical.MustDecimal("38.00"), DueDate: canonical.NewDate(2026, 5, 21)}
		if _, err := st.UpsertInvoices(ctx, "test", []*canonical.Invoice{inv}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PaymentPlan(ctx, buyer, order); err != nil {
			t.Fatal(err)
		}
		if ok, err := st.SetPaymentStatus(ctx, store.PaymentRequestID(buyer, order, 1), store.PaymentPlanned, store.PaymentPending, matrixTreasurer, ""); err != nil || !ok {
			t.Fatalf("deposit of %s to pending: %v %v", order, ok, err)
		}
		if _, _, err := st.AddOrderDocument(ctx, store.OrderDocument{BuyerID: buyer, OrderNumber: order, Type: store.DocumentBillOfLading,
			Name: "BL-" + order + ".pdf", MediaType: "application/pdf", SHA256: "00", Size: 1, Content: minimalPDF()}); err != nil {
			t.Fatal(err)
		}
		stmt := &canonical.BankStatement{StatementID: "STMT-" + itoa1(n), Account: canonical.BankAccount{IBAN: matrixAccounts[n-1], Currency: "EUR"},
			Entries: []canonical.BankTransaction{{Amount: canonical.MustDecimal("-11.40"), Currency: "EUR",
				BookingDate: canonical.NewDate(2026, 4, 25), ValueDate: canonical.NewDate(2026, 4, 25), RemittanceInfo: "deposit"}}}
		if _, err := st.UpsertStatements(ctx, "test", []*canonical.BankStatement{stmt}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddSupplierAccount(ctx, store.SupplierAccount{SupplierID: supplier, Account: matrixAccounts[n-1],
			Status: store.AccountPending, AddedBy: matrixTreasurer, AddedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func itoa1(n int) string { return string(rune('0' + n)) }

func init() {
	n := func(s int) int { return s + 1 }
	add := map[string]probe{
		"GET /api/v1/invoices": func(_ auth.Role, _ int) (string, string) { return "/api/v1/invoices", "" },
		"GET /api/v1/invoices/{supplier}/{invoice_number}": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/invoices/S" + itoa1(n(s)) + "/INV-" + itoa1(n(s)), ""
		},
		"POST /api/v1/invoices/{supplier}/{invoice_number}/override": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/invoices/S" + itoa1(n(s)) + "/INV-" + itoa1(n(s)) + "/override", `{"line": 0, "reason": "agreed by phone"}`
		},
		"GET /api/v1/orders/{order_number}/payment-plan": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/orders/PO-" + itoa1(n(s)) + "/payment-plan", ""
		},
		"GET /api/v1/payment-requests": func(_ auth.Role, _ int) (string, string) { return "/api/v1/payment-requests", "" },
		"GET /api/v1/payment-requests/{id}": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/payment-requests/" + store.PaymentRequestID("B"+itoa1(n(s)), "PO-"+itoa1(n(s)), 1), ""
		},
		"POST /api/v1/payment-requests/{id}/request": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/payment-requests/" + store.PaymentRequestID("B"+itoa1(n(s)), "PO-"+itoa1(n(s)), 2) + "/request", ""
		},
		"POST /api/v1/payment-requests/{id}/approve": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/payment-requests/" + store.PaymentRequestID("B"+itoa1(n(s)), "PO-"+itoa1(n(s)), 1) + "/approve", `{"comment": "deposit as agreed"}`
		},
		"POST /api/v1/payment-requests/{id}/reject": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/payment-requests/" + store.PaymentRequestID("B"+itoa1(n(s)), "PO-"+itoa1(n(s)), 1) + "/reject", `{"comment": "wrong amount"}`
		},
		"GET /api/v1/bank-entries": func(_ auth.Role, _ int) (string, string) { return "/api/v1/bank-entries?status=unmatched", "" },
		"POST /api/v1/bank-entries/{id}/match": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/bank-entries/" + matrixEntryID(n(s)) + "/match",
				`{"allocations": [{"supplier_id": "S` + itoa1(n(s)) + `", "invoice_number": "INV-` + itoa1(n(s)) + `", "amount": "11.40"}]}`
		},
		"POST /api/v1/bank-entries/{id}/ignore": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/bank-entries/" + matrixEntryID(n(s)) + "/ignore", `{"reason": "own transfer"}`
		},
		"GET /api/v1/suppliers/{supplier}/bank-accounts": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/suppliers/S" + itoa1(n(s)) + "/bank-accounts", ""
		},
		"POST /api/v1/suppliers/{supplier}/bank-accounts": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/suppliers/S" + itoa1(n(s)) + "/bank-accounts", `{"account": "NL91 ABNA 0417 1643 00", "bic": "ABNANL2A"}`
		},
		"POST /api/v1/suppliers/{supplier}/bank-accounts/{account}/verify": func(_ auth.Role, s int) (string, string) {
			return "/api/v1/suppliers/S" + itoa1(n(s)) + "/bank-accounts/" + matrixAccounts[s] + "/verify", ""
		},
		"GET /api/v1/settlement/kpis": func(_ auth.Role, _ int) (string, string) { return "/api/v1/settlement/kpis", "" },
	}
	for k, p := range add {
		matrixProbes[k] = p
	}
}
