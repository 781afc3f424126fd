package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestReadPagesWalksEveryPageAndStopsAtItsBound(t *testing.T) {
	pages := map[string]struct {
		items []int
		next  string
	}{"": {[]int{1, 2}, "b"}, "b": {[]int{3, 4}, "c"}, "c": {[]int{5}, ""}}
	page := func(cursor string) ([]int, string, error) {
		p, ok := pages[cursor]
		if !ok {
			return nil, "", fmt.Errorf("no page %q", cursor)
		}
		return p.items, p.next, nil
	}
	if got, more, err := ReadPages(0, page); err != nil || more || !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("unbounded: %v %v %v; want every item", got, more, err)
	}
	if got, more, err := ReadPages(3, page); err != nil || !more || !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Errorf("bounded at 3: %v %v %v; want the pages up to 3 items and more", got, more, err)
	}
	if got, more, err := ReadPages(5, page); err != nil || more || len(got) != 5 {
		t.Errorf("bounded at exactly the length: %v %v %v; want all, no more", got, more, err)
	}
	boom := errors.New("boom")
	if _, _, err := ReadPages(0, func(string) ([]int, string, error) { return nil, "", boom }); !errors.Is(err, boom) {
		t.Errorf("a failing page: %v", err)
	}
}
