// Package page holds the keyset pagination the stores share: page size
// limits and the opaque cursor handed to callers between pages.
package page

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/procurehub/procurehub/internal/store"
)

// Limit returns the page size to use for a requested limit: store.DefaultLimit
// when n is 0 or less, store.MaxLimit when n is above it, n otherwise.
func Limit(n int) int {
	switch {
	case n <= 0:
		return store.DefaultLimit
	case n > store.MaxLimit:
		return store.MaxLimit
	}
	return n
}

// cursorPrefix versions the cursor format so a later format can tell old
// cursors apart.
const cursorPrefix = "v1:"

// Cursor encodes the row id of the last item of a page. The next page starts
// after it (rows are listed by id, newest first).
func Cursor(lastID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(lastID, 10)))
}

// ParseCursor decodes a cursor made by Cursor. The empty cursor means the
// first page and returns 0. Anything else that is not a cursor is an error
// wrapping store.ErrInvalid.
func ParseCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, fmt.Errorf("%w: malformed cursor", store.ErrInvalid)
	}
	digits, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, fmt.Errorf("%w: malformed cursor", store.ErrInvalid)
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: malformed cursor", store.ErrInvalid)
	}
	return id, nil
}
