package camt

import (
	"encoding/xml"
	"strings"

	"github.com/procurehub/procurehub/connectors/internal/xmlfield"
)

// The XML shapes of camt.052/053/054 versions .001.02 to .001.08. Element
// names are matched without their namespace, so the ISO namespaces and
// banks' own namespaces read alike. Where versions differ the struct holds
// both shapes (BIC and BICFI, Sts as a code and as Sts/Cd, Dbtr/Nm and
// Dbtr/Pty/Nm, Chrgs as a list and as TtlChrgsAndTaxAmt/Rcrd).

// text is an element's text with the line it starts on, for row errors.
type text = xmlfield.Text

// amount is an amount (or quantity) element with its currency (or unit).
type amount = xmlfield.Amount

// dateChoice is Dt or DtTm (BookgDt, ValDt, Bal/Dt).
type dateChoice struct {
	Dt   text `xml:"Dt"`
	DtTm text `xml:"DtTm"`
}

type finInstn struct {
	BIC   string `xml:"FinInstnId>BIC"`
	BICFI string `xml:"FinInstnId>BICFI"`
}

func (f finInstn) bic() string { return strings.TrimSpace(f.BIC + f.BICFI) }

type accountID struct {
	IBAN string `xml:"Id>IBAN"`
	Othr string `xml:"Id>Othr>Id"`
}

type account struct {
	accountID
	Ccy  string   `xml:"Ccy"`
	Svcr finInstn `xml:"Svcr"`
}

type groupHeader struct {
	MsgID   string `xml:"MsgId"`
	CreDtTm text   `xml:"CreDtTm"`
}

// statement is a Stmt (camt.053), Rpt (camt.052) or Ntfctn (camt.054).
type statement struct {
	ID           text      `xml:"Id"`
	ElctrncSeqNb string    `xml:"ElctrncSeqNb"`
	LglSeqNb     string    `xml:"LglSeqNb"`
	CreDtTm      text      `xml:"CreDtTm"`
	Acct         account   `xml:"Acct"`
	Bal          []balance `xml:"Bal"`
	TxsSummry    *summary  `xml:"TxsSummry"`
	Ntry         []entry   `xml:"Ntry"`
}

type balance struct {
	Cd        string     `xml:"Tp>CdOrPrtry>Cd"`
	Prtry     string     `xml:"Tp>CdOrPrtry>Prtry"`
	Amt       amount     `xml:"Amt"`
	CdtDbtInd text       `xml:"CdtDbtInd"`
	Dt        dateChoice `xml:"Dt"`
}

type sumOfEntries struct {
	NbOfNtries text `xml:"NbOfNtries"`
	Sum        text `xml:"Sum"`
}

type summary struct {
	TtlCdtNtries *sumOfEntries `xml:"TtlCdtNtries"`
	TtlDbtNtries *sumOfEntries `xml:"TtlDbtNtries"`
}

type status struct {
	Code  string `xml:",chardata"` // .001.02 to .001.07: <Sts>BOOK</Sts>
	Cd    string `xml:"Cd"`        // .001.08: <Sts><Cd>BOOK</Cd></Sts>
	Prtry string `xml:"Prtry"`
}

func (s status) code() string {
	if c := strings.TrimSpace(s.Cd); c != "" {
		return c
	}
	if c := strings.TrimSpace(s.Code); c != "" {
		return c
	}
	return strings.TrimSpace(s.Prtry)
}

type bankTxCode struct {
	Domn      string `xml:"Domn>Cd"`
	Fmly      string `xml:"Domn>Fmly>Cd"`
	SubFmly   string `xml:"Domn>Fmly>SubFmlyCd"`
	PrtryCode string `xml:"Prtry>Cd"`
}

func (c *bankTxCode) String() string {
	if c == nil {
		return ""
	}
	if c.Domn != "" {
		parts := []string{strings.TrimSpace(c.Domn)}
		if f := strings.TrimSpace(c.Fmly); f != "" {
			parts = append(parts, f)
			if s := strings.TrimSpace(c.SubFmly); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "-")
	}
	return strings.TrimSpace(c.PrtryCode)
}

type chargeRecord struct {
	Amt       amount `xml:"Amt"`
	CdtDbtInd string `xml:"CdtDbtInd"`
}

// charges is Chrgs: a list of Amt in .001.02/.03 (the element repeats),
// TtlChrgsAndTaxAmt and Rcrd from .001.04 on.
type charges struct {
	Amt   amount         `xml:"Amt"`
	Total amount         `xml:"TtlChrgsAndTaxAmt"`
	Rcrd  []chargeRecord `xml:"Rcrd"`
}

type amountDetails struct {
	InstdAmt amount `xml:"InstdAmt>Amt"`
	TxAmt    amount `xml:"TxAmt>Amt"`
}

type party struct {
	Nm    string `xml:"Nm"`
	PtyNm string `xml:"Pty>Nm"` // .001.08: Party40Choice
}

func (p *party) name() string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(p.Nm + p.PtyNm)
}

type relatedParties struct {
	Dbtr     *party     `xml:"Dbtr"`
	DbtrAcct *accountID `xml:"DbtrAcct"`
	Cdtr     *party     `xml:"Cdtr"`
	CdtrAcct *accountID `xml:"CdtrAcct"`
}

type relatedAgents struct {
	DbtrAgt finInstn `xml:"DbtrAgt"`
	CdtrAgt finInstn `xml:"CdtrAgt"`
}

type refs struct {
	AcctSvcrRef string `xml:"AcctSvcrRef"`
	InstrID     string `xml:"InstrId"`
	EndToEndID  string `xml:"EndToEndId"`
}

type remittance struct {
	Ustrd []string `xml:"Ustrd"`
	Ref   []string `xml:"Strd>CdtrRefInf>Ref"`
}

type txDetails struct {
	Line      int
	Refs      refs            `xml:"Refs"`
	Amt       amount          `xml:"Amt"`
	CdtDbtInd text            `xml:"CdtDbtInd"`
	AmtDtls   amountDetails   `xml:"AmtDtls"`
	BkTxCd    *bankTxCode     `xml:"BkTxCd"`
	Chrgs     []charges       `xml:"Chrgs"`
	RltdPties *relatedParties `xml:"RltdPties"`
	RltdAgts  *relatedAgents  `xml:"RltdAgts"`
	RmtInf    *remittance     `xml:"RmtInf"`
	AddtlInf  string          `xml:"AddtlTxInf"`
}

func (t *txDetails) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	t.Line, _ = d.InputPos()
	type plain txDetails
	return d.DecodeElement((*plain)(t), &start)
}

type entry struct {
	Line        int
	Amt         amount        `xml:"Amt"`
	CdtDbtInd   text          `xml:"CdtDbtInd"`
	RvslInd     string        `xml:"RvslInd"`
	Sts         status        `xml:"Sts"`
	BookgDt     dateChoice    `xml:"BookgDt"`
	ValDt       dateChoice    `xml:"ValDt"`
	AcctSvcrRef string        `xml:"AcctSvcrRef"`
	BkTxCd      *bankTxCode   `xml:"BkTxCd"`
	Chrgs       []charges     `xml:"Chrgs"`
	AmtDtls     amountDetails `xml:"AmtDtls"`
	TxDtls      []txDetails   `xml:"NtryDtls>TxDtls"`
	AddtlInf    string        `xml:"AddtlNtryInf"`
}

func (e *entry) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	e.Line, _ = d.InputPos()
	type plain entry
	return d.DecodeElement((*plain)(e), &start)
}
