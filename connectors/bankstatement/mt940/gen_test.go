package mt940_test

import (
	"bytes"
	"fmt"
	"io"
)

// statementGen generates a long MT940 file on the fly, statement by
// statement, so that a test can stream tens of megabytes without holding
// them: German statements of one account, each with perStatement entries
// (credits of 1,234.56 and debits of 987.65 EUR with GVC :86: details),
// each balancing.
type statementGen struct {
	size         int64 // bytes to generate, at least; the last statement is finished
	perStatement int
	written      int64
	statements   int
	buf          bytes.Buffer
}

func newStatementGen(size int64, perStatement int) *statementGen {
	return &statementGen{size: size, perStatement: perStatement}
}

func (g *statementGen) Read(p []byte) (int, error) {
	for g.buf.Len() == 0 {
		if g.written >= g.size {
			return 0, io.EOF
		}
		g.next()
	}
	n, _ := g.buf.Read(p)
	g.written += int64(n)
	return n, nil
}

// next appends one statement to buf.
func (g *statementGen) next() {
	g.statements++
	n := g.statements
	b := &g.buf
	balance := int64(1_000_000_00) // cents
	fmt.Fprintf(b, ":20:GEN%08d\r\n:25:DE95100200300004711815\r\n:28C:%06d/001\r\n", n, n)
	fmt.Fprintf(b, ":60F:C261103EUR%s\r\n", cents(balance))
	for i := 0; i < g.perStatement; i++ {
		if i%2 == 0 {
			balance += 1234_56
			fmt.Fprintf(b, ":61:2611041104CR1234,56NTRFNONREF//BF%08d%04d\r\n", n, i)
			fmt.Fprintf(b, ":86:166?00SEPA-UEBERWEISUNG?20EREF+RE-%08d-%04d?21SVWZ+Rechnung %d-%d\r\n?30COBADEFFXXX?31DE71200411110987654321?32Hansen Werkzeugbau GmbH\r\n", n, i, n, i)
		} else {
			balance -= 987_65
			fmt.Fprintf(b, ":61:2611041104DR987,65NDDTKD-%d//BF%08d%04d\r\n", i, n, i)
			fmt.Fprintf(b, ":86:105?00SEPA-BASIS-LASTSCHRIFT?20EREF+VF-%08d?21MREF+MANDAT-77821?22SVWZ+Mobilfunk\r\n?32Telefonie Nord AG\r\n", n)
		}
	}
	fmt.Fprintf(b, ":62F:C261104EUR%s\r\n-\r\n", cents(balance))
}

func cents(c int64) string { return fmt.Sprintf("%d,%02d", c/100, c%100) }

// generate returns size bytes (or a little more) of generated statements.
func generate(size int64, perStatement int) ([]byte, int) {
	g := newStatementGen(size, perStatement)
	b, _ := io.ReadAll(g)
	return b, g.statements
}
