package edi

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/edi/edifact"
	"github.com/procurehub/procurehub/connectors/edi/ubl"
	"github.com/procurehub/procurehub/connectors/edi/x12"
)

// Party names a sender or receiver in an envelope: an id and, optionally,
// its qualifier (X12 ISA05/07, default ZZ; EDIFACT 0007, e.g. 14 for a GLN).
type Party struct {
	Qualifier string
	ID        string
}

// ParseParty reads "QUALIFIER:ID" or "ID".
func ParseParty(s string) Party {
	if q, id, ok := strings.Cut(s, ":"); ok {
		return Party{Qualifier: q, ID: id}
	}
	return Party{ID: s}
}

// Envelope is what an outbound interchange says about itself, whatever
// the format.
type Envelope struct {
	Sender, Receiver Party
	// ControlNumber is the interchange control number (X12 ISA13/GS06;
	// EDIFACT 0020), unique per sender and receiver; the first interchange
	// of a call gets it, the next ControlNumber+1.
	ControlNumber int
	Date          time.Time // zero: now
	Test          bool
	// Replace writes the orders as replacements of orders sent before, an
	// amendment (X12 BEG01 05, EDIFACT BGM 1225 5). UBL has no such mark
	// on an Order: Replace with ubl is an error.
	Replace bool
}

// Encodable lists, per format, the record types Encode writes.
var Encodable = map[string][]string{
	x12.Format:     {canonical.TypeOrder, canonical.TypeOrderResponse}, // 850, 855
	edifact.Format: {canonical.TypeOrder, canonical.TypeOrderResponse}, // ORDERS, ORDRSP
	ubl.Format:     {canonical.TypeOrder},                              // Order (PEPPOL BIS 3)
}

// Encode writes orders and order responses as documents of format: one
// interchange for the orders and one for the responses (X12, EDIFACT), or
// one UBL Order document (UBL takes exactly one order). It returns how many
// interchanges (or documents) it wrote. Records are validated first; an
// invalid one is an error naming it, and nothing is written.
func Encode(w io.Writer, format string, env Envelope, orders []*canonical.Order, responses []*canonical.OrderResponse) (int, error) {
	if len(orders)+len(responses) == 0 {
		return 0, errors.New("edi: nothing to encode")
	}
	for _, o := range orders {
		if err := o.Validate(); err != nil {
			return 0, fmt.Errorf("edi: order %s: %w", o.OrderNumber, err)
		}
	}
	for _, r := range responses {
		if err := r.Validate(); err != nil {
			return 0, fmt.Errorf("edi: order response %s: %w", r.ResponseNumber, err)
		}
	}
	if env.Date.IsZero() {
		env.Date = time.Now()
	}
	if env.ControlNumber <= 0 {
		return 0, errors.New("edi: the control number must be positive")
	}
	n := 0
	control := env.ControlNumber
	switch format {
	case x12.Format:
		xe := x12.Envelope{SenderQualifier: env.Sender.Qualifier, SenderID: env.Sender.ID,
			ReceiverQualifier: env.Receiver.Qualifier, ReceiverID: env.Receiver.ID, Date: env.Date, Replace: env.Replace}
		if env.Test {
			xe.Usage = "T"
		}
		if len(orders) > 0 {
			xe.ControlNumber = control
			if err := x12.EncodeOrder(w, xe, orders...); err != nil {
				return n, err
			}
			n, control = n+1, control+1
		}
		if len(responses) > 0 {
			xe.ControlNumber = control
			if err := x12.EncodeOrderResponse(w, xe, responses...); err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	case edifact.Format:
		ee := edifact.Envelope{SenderID: env.Sender.ID, SenderQualifier: env.Sender.Qualifier,
			RecipientID: env.Receiver.ID, RecipientQualifier: env.Receiver.Qualifier, Prepared: env.Date, Test: env.Test, Replace: env.Replace}
		if len(orders) > 0 {
			ee.ControlReference = strconv.Itoa(control)
			if err := edifact.EncodeOrder(w, ee, orders...); err != nil {
				return n, err
			}
			n, control = n+1, control+1
		}
		if len(responses) > 0 {
			ee.ControlReference = strconv.Itoa(control)
			if err := edifact.EncodeOrderResponse(w, ee, responses...); err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	case ubl.Format:
		if env.Replace {
			return 0, errors.New("edi: ubl writes no order replacement (an Order has no purpose code): send amendments as x12 or edifact")
		}
		if len(responses) > 0 || len(orders) != 1 {
			return 0, fmt.Errorf("edi: ubl writes one Order document at a time (got %d orders, %d order responses)", len(orders), len(responses))
		}
		if err := ubl.EncodeOrder(w, orders[0]); err != nil {
			return 0, err
		}
		return 1, nil
	}
	return 0, fmt.Errorf("format %q is not an EDI format (use %s)", format, strings.Join(Formats, ", "))
}
