package match

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/shopspring/decimal"
)

// DocumentType is a portal document type (the store's Document* values).
type DocumentType string

// The document types a payment stage can require.
const (
	DocCommercialInvoice   DocumentType = "commercial_invoice"
	DocPackingList         DocumentType = "packing_list"
	DocBillOfLading        DocumentType = "bill_of_lading"
	DocCertificateOfOrigin DocumentType = "certificate_of_origin"
	DocCustomsDeclaration  DocumentType = "customs_declaration"
)

// documentOrder is the order documents are listed in.
var documentOrder = []DocumentType{DocCommercialInvoice, DocPackingList, DocBillOfLading, DocCertificateOfOrigin, DocCustomsDeclaration}

// documentPhrases is the phrase table: the ways terms name a document, in
// English, German, French, Spanish and Chinese, matched on the upper-cased
// terms with runs of space made one. Latin-script phrases match at word
// boundaries ("BL" is not found in "BLUE"). A transport document (sea or
// air waybill, forwarder's cargo receipt) counts as bill_of_lading: the
// portal has one type for the transport document.
var documentPhrases = []struct {
	doc     DocumentType
	phrases []string
}{
	{DocBillOfLading, []string{
		"B/L", "BL", "B/LS", "BILL OF LADING", "BILLS OF LADING", "OCEAN BILL", "SEA WAYBILL", "AIR WAYBILL", "AWB", "FCR",
		"KONNOSSEMENT", "FRACHTBRIEF", // German
		"CONNAISSEMENT", "LETTRE DE TRANSPORT AÉRIEN", // French
		"CONOCIMIENTO DE EMBARQUE", "GUÍA AÉREA", "GUIA AEREA", // Spanish
		"提单", "海运提单", "空运单", // Chinese
	}},
	{DocCommercialInvoice, []string{
		"COMMERCIAL INVOICE", "COMM. INVOICE", "INVOICE",
		"HANDELSRECHNUNG", "RECHNUNG",
		"FACTURE COMMERCIALE", "FACTURE",
		"FACTURA COMERCIAL", "FACTURA",
		"商业发票", "发票",
	}},
	{DocPackingList, []string{
		"PACKING LIST", "PACKING-LIST", "PACKLIST",
		"PACKLISTE", "PACKING LISTE",
		"LISTE DE COLISAGE", "COLISAGE",
		"LISTA DE EMPAQUE", "LISTA DE EMBALAJE",
		"装箱单",
	}},
	{DocCertificateOfOrigin, []string{
		"CERTIFICATE OF ORIGIN", "C/O", "COO", "FORM A", "FORM E",
		"URSPRUNGSZEUGNIS",
		"CERTIFICAT D'ORIGINE", "CERTIFICAT D’ORIGINE",
		"CERTIFICADO DE ORIGEN",
		"原产地证", "产地证",
	}},
	{DocCustomsDeclaration, []string{
		"CUSTOMS DECLARATION", "EXPORT DECLARATION",
		"ZOLLANMELDUNG", "AUSFUHRANMELDUNG",
		"DÉCLARATION EN DOUANE", "DECLARATION EN DOUANE", "DÉCLARATION DOUANIÈRE",
		"DECLARACIÓN ADUANERA", "DECLARACION ADUANERA", "DECLARACIÓN DE ADUANA",
		"报关单",
	}},
}

// defaultDocuments are the documents a method needs when its terms name
// none: a letter of credit pays against invoice, packing list and B/L; the
// collections (D/P, D/A, CAD) release the B/L against the invoice. T/T and
// open account need none.
var defaultDocuments = map[validation.PaymentMethod][]DocumentType{
	validation.MethodLC:  {DocCommercialInvoice, DocPackingList, DocBillOfLading},
	validation.MethodDP:  {DocCommercialInvoice, DocBillOfLading},
	validation.MethodDA:  {DocCommercialInvoice, DocBillOfLading},
	validation.MethodCAD: {DocCommercialInvoice, DocBillOfLading},
}

// Stage names.
const (
	StageDeposit = "deposit" // paid before shipment
	StageBalance = "balance" // the rest, after a deposit
	StagePayment = "payment" // the whole amount in one stage
)

// Stage is one payment of an order's terms and the documents it needs.
type Stage struct {
	Name      string            `json:"name"`
	Percent   canonical.Decimal `json:"percent"`
	Documents []DocumentType    `json:"documents,omitempty"`
}

// Plan is the payment stages read from an order's terms.
type Plan struct {
	Terms  string                   `json:"terms"`
	Method validation.PaymentMethod `json:"method"`
	Stages []Stage                  `json:"stages"`
}

// DocumentsFor reads payment terms (as validation.ParsePaymentTerms reads
// them) and derives the documents each payment stage needs:
//
//   - a deposit below 100% ("T/T 30% deposit") is a deposit stage and a
//     balance stage for the rest; documents named after the balance's
//     percentage (or a word for the balance) are the balance's ("70%
//     against B/L copy"), those named before it the deposit's (usually
//     none: a proforma invoice is no portal document and is not counted);
//   - otherwise one stage (100%, paid in advance or after) needing the
//     named documents;
//   - when the terms name no document, the method's defaults (L/C: invoice,
//     packing list, B/L; D/P, D/A, CAD: invoice, B/L; T/T, open account:
//     none) go on the stage paid after shipment. A 100% prepayment needs
//     none.
func DocumentsFor(terms string) (Plan, error) {
	pt, err := validation.ParsePaymentTerms(terms)
	if err != nil {
		return Plan{}, fmt.Errorf("match: %w", err)
	}
	p := Plan{Terms: terms, Method: pt.Method}
	named := namedDocuments(terms)
	pre := pt.PrepaymentPercent
	switch {
	case pre.IsPositive() && pre.LessThan(hundred):
		var before []DocumentType
		after := named
		if i := balanceStart(terms); i > 0 {
			before, after = namedDocuments(terms[:i]), namedDocuments(terms[i:])
		}
		if len(after) == 0 {
			after = defaultDocuments[pt.Method]
		}
		p.Stages = []Stage{
			{Name: StageDeposit, Percent: canonical.NewDecimal(pre), Documents: before},
			{Name: StageBalance, Percent: canonical.NewDecimal(hundred.Sub(pre)), Documents: slices.Clone(after)},
		}
	case pre.Equal(hundred):
		p.Stages = []Stage{{Name: StagePayment, Percent: canonical.NewDecimal(hundred), Documents: named}}
	default:
		docs := named
		if len(docs) == 0 {
			docs = slices.Clone(defaultDocuments[pt.Method])
		}
		p.Stages = []Stage{{Name: StagePayment, Percent: canonical.NewDecimal(decimal.NewFromInt(100)), Documents: docs}}
	}
	return p, nil
}

var (
	termsPercentSign = regexp.MustCompile(`\d{1,3}(?:[.,]\d+)?\s*%`)
	termsBalanceWord = regexp.MustCompile(`(?i)\b(?:balance|rest|remaining|remainder|restzahlung|restbetrag|solde|saldo|resto)\b|余款|尾款`)
	// A proforma invoice is what a deposit is paid against before there is
	// a commercial invoice; it is no portal document type.
	termsProforma = regexp.MustCompile(`(?i)\bpro[ -]?forma(?: invoice)?\b|\bPI\b|形式发票`)
)

// balanceStart is where the balance part of deposit terms begins: at the
// second percentage ("30% deposit, 70% against B/L"), else at a word for
// the balance ("30% deposit, balance against B/L"); -1 when neither is
// there. Documents named before it belong to the deposit.
func balanceStart(terms string) int {
	if m := termsPercentSign.FindAllStringIndex(terms, 2); len(m) == 2 {
		return m[1][0]
	}
	if m := termsBalanceWord.FindStringIndex(terms); m != nil {
		return m[0]
	}
	return -1
}

// namedDocuments are the documents the terms name, in documentOrder.
func namedDocuments(terms string) []DocumentType {
	terms = termsProforma.ReplaceAllString(terms, " ")
	text := " " + strings.Join(strings.Fields(strings.ToUpper(terms)), " ") + " "
	var found []DocumentType
	for _, d := range documentOrder {
		for _, e := range documentPhrases {
			if e.doc != d {
				continue
			}
			for _, ph := range e.phrases {
				if containsPhrase(text, ph) {
					found = append(found, d)
					break
				}
			}
		}
	}
	// "invoice" inside "commercial invoice" is the same document; a bare
	// "INVOICE" in "open account 30 days from invoice" is a date, not a
	// document: only count it when the terms pay against documents.
	if i := slices.Index(found, DocCommercialInvoice); i >= 0 && !againstDocuments(text) && !containsPhrase(text, "COMMERCIAL INVOICE") {
		found = slices.Delete(found, i, i+1)
	}
	return found
}

// againstDocuments reports whether the terms pay against documents.
func againstDocuments(text string) bool {
	for _, w := range []string{"AGAINST", "GEGEN", "CONTRE", "CONTRA", "凭", "L/C", "D/P", "D/A", "CAD", "DOCUMENTS", "信用证", "付款交单"} {
		if containsPhrase(text, w) {
			return true
		}
	}
	return false
}

// containsPhrase finds ph in text; a phrase starting or ending in a Latin
// letter or digit must not continue a word there.
func containsPhrase(text, ph string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], ph)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(ph)
		if !(wordByte(ph[0]) && start > 0 && wordByte(text[start-1])) &&
			!(wordByte(ph[len(ph)-1]) && end < len(text) && wordByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

func wordByte(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// StageCheck is whether a stage may be paid with the documents received.
type StageCheck struct {
	Stage
	Missing []DocumentType `json:"missing,omitempty"`
	// Blocked is true while a required document is missing.
	Blocked bool     `json:"blocked"`
	Reasons []Reason `json:"reasons,omitempty"`
}

// CodeDocumentMissing is the reason a stage waits for a document.
const CodeDocumentMissing Code = "document_missing"

// Check compares each stage's documents with the document types received
// (the portal's types of the order's documents); a missing one blocks that
// stage only.
func (p Plan) Check(received []string) []StageCheck {
	out := make([]StageCheck, 0, len(p.Stages))
	for _, s := range p.Stages {
		c := StageCheck{Stage: s}
		for _, d := range s.Documents {
			if !slices.Contains(received, string(d)) {
				c.Missing = append(c.Missing, d)
				c.Reasons = append(c.Reasons, reason(CodeDocumentMissing, "%s %s%% needs %s, not received", s.Name, s.Percent, d))
			}
		}
		c.Blocked = len(c.Missing) > 0
		out = append(out, c)
	}
	return out
}
