// Package xmlfield holds the element shapes the XML decoders share (camt,
// UBL): an element's text, or an amount with its currency, each with the
// line it starts on so that row errors can name it.
package xmlfield

import (
	"encoding/xml"
	"strings"
)

// Text is an element's text, trimmed, with the line it starts on.
type Text struct {
	V    string
	Line int
}

// UnmarshalXML reads the element's text and records its line.
func (t *Text) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	t.Line, _ = d.InputPos()
	var s string
	if err := d.DecodeElement(&s, &start); err != nil {
		return err
	}
	t.V = strings.TrimSpace(s)
	return nil
}

// Amount is an amount element with its currency — <Amt Ccy="EUR">1234.50</Amt>
// (ISO 20022) or <cbc:PayableAmount currencyID="EUR"> (UBL) — or a quantity
// with its unitCode; Set says the element was there.
type Amount struct {
	V        string
	Currency string
	Unit     string
	Line     int
	Set      bool
}

// UnmarshalXML reads the element's text and its currency or unit attribute.
func (a *Amount) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	a.Line, _ = d.InputPos()
	a.Set = true
	for _, at := range start.Attr {
		switch at.Name.Local {
		case "Ccy", "currencyID":
			a.Currency = strings.TrimSpace(at.Value)
		case "unitCode":
			a.Unit = strings.TrimSpace(at.Value)
		}
	}
	var s string
	if err := d.DecodeElement(&s, &start); err != nil {
		return err
	}
	a.V = strings.TrimSpace(s)
	return nil
}
