package camt_test

import (
	"fmt"
	"io"
	"strings"
)

// statementGen streams a camt.053.001.08 document of n statements, each
// with perStmt credit entries of 12.34 EUR and balances that add up, without
// holding the document in memory.
type statementGen struct {
	n, perStmt int
	i          int // next statement
	buf        []byte
	done       bool
}

func newStatementGen(n, perStmt int) *statementGen {
	g := &statementGen{n: n, perStmt: perStmt}
	g.buf = []byte(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr>
      <MsgId>GEN-LARGE</MsgId>
      <CreDtTm>2026-04-01T06:00:00+02:00</CreDtTm>
    </GrpHdr>
`)
	return g
}

func (g *statementGen) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.done:
			return 0, io.EOF
		case g.i == g.n:
			g.buf = []byte("  </BkToCstmrStmt>\n</Document>\n")
			g.done = true
		default:
			g.buf = g.statement(g.buf[:0])
			g.i++
		}
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

func (g *statementGen) statement(b []byte) []byte {
	closing := 1234*g.perStmt + 100000 // in cents
	b = fmt.Appendf(b, `    <Stmt>
      <Id>GEN-%08d</Id>
      <ElctrncSeqNb>%d</ElctrncSeqNb>
      <Acct>
        <Id>
          <IBAN>DE85500100000123456789</IBAN>
        </Id>
        <Ccy>EUR</Ccy>
      </Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">1000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-03-31</Dt></Dt>
      </Bal>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">%d.%02d</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-03-31</Dt></Dt>
      </Bal>
`, g.i+1, g.i+1, closing/100, closing%100)
	for j := range g.perStmt {
		b = fmt.Appendf(b, `      <Ntry>
        <Amt Ccy="EUR">12.34</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-03-31</Dt></BookgDt>
        <ValDt><Dt>2026-03-31</Dt></ValDt>
        <AcctSvcrRef>GEN%08d-%04d</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>E2E-%d-%d</EndToEndId></Refs>
            <RltdPties>
              <Dbtr><Pty><Nm>Müller Maschinenbau GmbH</Nm></Pty></Dbtr>
              <DbtrAcct><Id><IBAN>DE66370501980012345678</IBAN></Id></DbtrAcct>
            </RltdPties>
            <RmtInf><Ustrd>RE-2026-%06d</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
`, g.i+1, j, g.i+1, j, j)
	}
	return append(b, "    </Stmt>\n"...)
}

// generated returns the whole generated document (for the benchmarks).
func generated(n, perStmt int) []byte {
	var sb strings.Builder
	_, _ = io.Copy(&sb, newStatementGen(n, perStmt))
	return []byte(sb.String())
}
