package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// StatusNeedsReview is the status of an order whose validation found
// errors: it waits for a person, or a corrected version from its source.
const StatusNeedsReview = "needs_review"

// OrderFindings are the validation findings of an order's content.
type OrderFindings struct {
	BuyerID     string
	OrderNumber string
	ContentHash string          // of the order content validated (ContentHash)
	Errors      int             // findings of severity error
	Warnings    int             // findings of severity warning
	Findings    json.RawMessage // JSON array of the findings
	UpdatedAt   time.Time
}

// CheckFindings applies the rules both stores share.
func CheckFindings(f OrderFindings) error {
	switch {
	case f.OrderNumber == "" || f.ContentHash == "":
		return fmt.Errorf("%w: findings need an order number and a content hash", ErrInvalid)
	case f.Errors < 0 || f.Warnings < 0:
		return fmt.Errorf("%w: negative finding counts", ErrInvalid)
	case !json.Valid(f.Findings):
		return fmt.Errorf("%w: findings are not JSON", ErrInvalid)
	}
	return nil
}

// ReviewStatus is the status findings give an order that is submitted or
// waiting for review: needs_review with errors, submitted without.
func ReviewStatus(f OrderFindings) string {
	if f.Errors > 0 {
		return StatusNeedsReview
	}
	return StatusSubmitted
}
