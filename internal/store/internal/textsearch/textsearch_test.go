package textsearch

import (
	"errors"
	"slices"
	"testing"

	"github.com/procurehub/procurehub/internal/store"
)

func TestWords(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"", nil},
		{"  \t\n ", nil},
		{"brake", []string{"brake"}},
		{" brake  PAD\tceramic ", []string{"brake", "PAD", "ceramic"}},
		{"pad pad", []string{"pad"}},
	}
	for _, tt := range tests {
		got, err := Words(tt.q)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, %v; want %q", tt.q, got, err, tt.want)
		}
	}
	for _, q := range []string{"bad\xffbyte", "nul\x00byte"} {
		if _, err := Words(q); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Words(%q) error %v, want ErrInvalid", q, err)
		}
	}
}

func TestContainsEscapesMetacharacters(t *testing.T) {
	tests := map[string]string{
		"PO-1":   `%PO-1%`,
		"50%":    `%50\%%`,
		"A_B":    `%A\_B%`,
		`C:\dir`: `%C:\\dir%`,
		"Müller": `%Müller%`,
		"%_\\%_": `%\%\_\\\%\_%`,
	}
	for word, want := range tests {
		if got := Contains(word); got != want {
			t.Errorf("Contains(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestVerbatim(t *testing.T) {
	for word, want := range map[string]bool{
		"brake": true, "Müller": true, "50%": true, "A&B": false, `12"`: false, `a\b`: false, "<x>": false,
	} {
		if got := Verbatim(word); got != want {
			t.Errorf("Verbatim(%q) = %v, want %v", word, got, want)
		}
	}
}
