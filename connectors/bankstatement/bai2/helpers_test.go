package bai2_test

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/procurehub/procurehub/connectors"
)

// writeLarge writes a well-formed BAI2 file of groups × accounts × details
// (USD prior-day reports, a credit and a debit in turn) with correct
// trailers, so that its size can be anything without holding it in memory.
func writeLarge(w io.Writer, groups, accounts, details int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	fileRecords, fileTotal := 2, int64(0)
	fmt.Fprintf(bw, "01,122099999,PROCUREHUB01,260302,0615,9001,,,2/\n")
	for g := range groups {
		groupRecords, groupTotal := 2, int64(0)
		fmt.Fprintf(bw, "02,PROCUREHUB01,122099999,1,260301,2400,USD,2/\n")
		for a := range accounts {
			opening := int64(1_000_000_00)
			var sum int64
			for d := range details {
				amt := int64(1000 + d%9000)
				if d%2 == 1 {
					sum -= amt
				} else {
					sum += amt
				}
			}
			closing := opening + sum
			total := opening + closing
			fmt.Fprintf(bw, "03,44%04d%06d,,010,%d,,Z,015,%d,,Z/\n", g, a, opening, closing)
			for d := range details {
				amt := int64(1000 + d%9000)
				code := 165
				if d%2 == 1 {
					code = 475
				}
				total += amt
				fmt.Fprintf(bw, "16,%d,%d,Z,BR%08d,INV-%06d,PAYMENT FOR INVOICE %06d FROM SUPPLIER NUMBER %04d\n", code, amt, d, d, d, a%10000)
			}
			fmt.Fprintf(bw, "49,%d,%d/\n", total, details+2)
			groupRecords += details + 2
			groupTotal += total
		}
		fmt.Fprintf(bw, "98,%d,%d,%d/\n", groupTotal, accounts, groupRecords)
		fileRecords += groupRecords
		fileTotal += groupTotal
	}
	fmt.Fprintf(bw, "99,%d,%d,%d/\n", fileTotal, groups, fileRecords)
	return bw.Flush()
}

// counter is a sink that counts and keeps nothing.
type counter struct {
	records, rowErrors int
	onRecord           func()
	firstError         *connectors.RowError
}

func (c *counter) Record(context.Context, connectors.Record) error {
	c.records++
	if c.onRecord != nil {
		c.onRecord()
	}
	return nil
}

func (c *counter) RowError(_ context.Context, e connectors.RowError) error {
	c.rowErrors++
	if c.firstError == nil {
		c.firstError = &e
	}
	return nil
}
