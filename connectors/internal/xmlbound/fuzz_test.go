package xmlbound

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzReader checks that the Reader follows the markup as encoding/xml
// reads it: a document encoding/xml reads whole passes unchanged with its
// own depth as the bound, and is refused as too deep one level below.
func FuzzReader(f *testing.F) {
	f.Add(`<?xml version="1.0"?><!-- c --><r a='>' b="/"><x:e/><![CDATA[<a>]]><?p >?></r>`)
	f.Add("<!DOCTYPE html>\n<html><body/></html>")
	f.Add(nested(5))
	f.Fuzz(func(t *testing.T, in string) {
		plain, depth, err := tokens(xml.NewDecoder(strings.NewReader(in)))
		if err != nil || depth == 0 {
			return
		}
		lim := Limits{MaxBytes: 1 << 30, MaxDepth: depth, MaxToken: 1 << 30, MaxAttrs: 1 << 30}
		got, _, err := tokens(xml.NewDecoder(NewReader(strings.NewReader(in), lim)))
		if errors.Is(err, ErrDTD) {
			return
		}
		if err != nil {
			t.Fatalf("refused with its own depth %d as the bound: %v", depth, err)
		}
		if got != plain {
			t.Fatalf("read %d tokens through the Reader, %d without", got, plain)
		}
		if depth > 1 {
			lim.MaxDepth = depth - 1
			if _, _, err := tokens(xml.NewDecoder(NewReader(strings.NewReader(in), lim))); !errors.Is(err, ErrTooDeep) {
				t.Fatalf("bound %d under its depth %d: err = %v, want ErrTooDeep", depth-1, depth, err)
			}
		}
	})
}

// tokens reads d to its end: the tokens read and the deepest nesting.
func tokens(d *xml.Decoder) (n, deepest int, err error) {
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return n, deepest, nil
		}
		if err != nil {
			return n, deepest, err
		}
		n++
		switch tok.(type) {
		case xml.StartElement:
			depth++
			deepest = max(deepest, depth)
		case xml.EndElement:
			depth--
		}
	}
}
