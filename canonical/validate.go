package canonical

import (
	"fmt"
	"strings"
)

// FieldError is one validation problem at a field path such as "lines[2].unit_price".
type FieldError struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Path + ": " + e.Message }

// ValidationError lists every problem found in a record, not just the first.
type ValidationError struct {
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "invalid: " + strings.Join(msgs, "; ")
}

// problems collects FieldErrors while a validator walks a record.
type problems []FieldError

func (p *problems) add(path, code, format string, args ...any) {
	*p = append(*p, FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// Validate checks an order and returns a *ValidationError listing every problem.
func (o *Order) Validate() error {
	var p problems
	if strings.TrimSpace(o.OrderNumber) == "" {
		p.add("order_number", "required", "is required")
	}
	if o.Buyer.ID == "" {
		p.add("buyer.id", "required", "is required")
	}
	if !o.Currency.Valid() {
		p.add("currency", "invalid_currency", "%q is not an ISO 4217 currency", o.Currency)
	}
	if o.Incoterm != "" && !o.Incoterm.Valid() {
		p.add("incoterm", "invalid_incoterm", "%q is not an Incoterms 2020 rule", o.Incoterm)
	}
	if len(o.Lines) == 0 {
		p.add("lines", "required", "an order needs at least one line")
	}
	for i, l := range o.Lines {
		at := fmt.Sprintf("lines[%d].", i)
		if !l.Quantity.IsPositive() {
			p.add(at+"quantity", "not_positive", "must be greater than zero, got %s", l.Quantity)
		}
		if l.UnitPrice.IsNegative() {
			p.add(at+"unit_price", "negative", "must not be negative, got %s", l.UnitPrice)
		}
	}
	return p.err()
}
