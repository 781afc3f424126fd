package fxrates

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"testing"
	"time"
)

// generateHistory writes an ECB history file of at least size bytes: one
// dated Cube per weekday going back from 2026-03-02, 29 currencies a day,
// laid out as the ECB lays out eurofxref-hist.xml.
func generateHistory(size int) []byte {
	currencies := []string{"USD", "JPY", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF",
		"ISK", "NOK", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW",
		"MXN", "MYR", "NZD", "PHP", "SGD", "THB", "ZAR"}
	var b bytes.Buffer
	b.Grow(size + 4096)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender>
		<gesmes:name>European Central Bank</gesmes:name>
	</gesmes:Sender>
	<Cube>
`)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for i := 0; b.Len() < size; i++ {
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			day = day.AddDate(0, 0, -1)
		}
		fmt.Fprintf(&b, "\t\t<Cube time='%s'>\n", day.Format(time.DateOnly))
		for j, c := range currencies {
			// A rate that moves with the day: 1 to 5 digits before the point, 4 after.
			v := 10000 + (i*7919+j*104729)%90000
			for range j % 5 {
				v *= 10
			}
			fmt.Fprintf(&b, "\t\t\t<Cube currency='%s' rate='%d.%04d'/>\n", c, v/10000, v%10000)
		}
		b.WriteString("\t\t</Cube>\n")
		day = day.AddDate(0, 0, -1)
	}
	b.WriteString("\t</Cube>\n</gesmes:Envelope>\n")
	return b.Bytes()
}

const benchSize = 30 << 20

func BenchmarkParse(b *testing.B) {
	data := generateHistory(benchSize)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := Parse(context.Background(), bytes.NewReader(data), func(Rate) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			b.Fatal("no rates")
		}
	}
}

// BenchmarkPlainRead reads the same bytes in 4 KiB pieces, as the XML
// decoder's bufio.Reader does, and does nothing with them: the floor under
// any parser.
func BenchmarkPlainRead(b *testing.B) {
	data := generateHistory(benchSize)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	buf := make([]byte, 4096)
	for b.Loop() {
		r, n := bytes.NewReader(data), 0
		for {
			m, err := r.Read(buf)
			n += m
			if err == io.EOF {
				break
			}
		}
		if n != len(data) {
			b.Fatalf("read %d bytes of %d", n, len(data))
		}
	}
}

// BenchmarkRawTokens only tokenizes the same bytes with encoding/xml: what
// Parse costs beyond that is its checking and decimal parsing.
func BenchmarkRawTokens(b *testing.B) {
	data := generateHistory(benchSize)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			_, err := d.RawToken()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
