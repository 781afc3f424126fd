package erpexport_test

import (
	"io"
	"strconv"
)

// exportGen streams an ERP export of lines rows (after the header), in
// orders of perOrder lines, without holding it in memory: the benchmark
// and the large inputs of the tests read from it.
type exportGen struct {
	lines, perOrder int
	n               int // rows produced
	buf             []byte
	off             int
	started         bool
}

func newExportGen(lines, perOrder int) *exportGen {
	return &exportGen{lines: lines, perOrder: perOrder}
}

const genHeader = "Order No,Order Date,Supplier,Currency,Incoterm,SKU,Description,Qty,Unit,Unit Price,Amount,HS Code\n"

func (g *exportGen) Read(p []byte) (int, error) {
	for g.off >= len(g.buf) {
		if g.started && g.n >= g.lines {
			return 0, io.EOF
		}
		g.buf, g.off = g.buf[:0], 0
		if !g.started {
			g.buf = append(g.buf, genHeader...)
			g.started = true
		}
		for i := 0; i < 1000 && g.n < g.lines; i++ {
			g.buf = strconv.AppendInt(g.buf, 4500000000+int64(g.n/g.perOrder), 10)
			g.buf = append(g.buf, ",2026-03-02,SUP-SZ-01,EUR,FCA,SKU-"...)
			g.buf = strconv.AppendInt(g.buf, int64(g.n%1000), 10)
			g.buf = append(g.buf, ",Servo motor 750 W,4,pcs,185.40,741.60,8501.52\n"...)
			g.n++
		}
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}
