package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// --- order documents and message threads ---
//
// The parties of an order upload its documents (a commercial invoice, a
// packing list...) through the portal. A document is kept with its content,
// once per (buyer id, order number, document type, sha256): the same content
// uploaded again as the same type of the same order is the document already
// stored, whatever name it came under. Documents of an order list in upload
// order, without their content.
//
// Each order has one message thread for the parties on it: messages list
// oldest first (by arrival), with the keyset cursor of ListOrders. A
// message posted again with the same idempotency key by the same author is
// the message stored first.

// Document types.
const (
	DocumentCommercialInvoice   = "commercial_invoice"
	DocumentPackingList         = "packing_list"
	DocumentBillOfLading        = "bill_of_lading"
	DocumentCertificateOfOrigin = "certificate_of_origin"
	DocumentCustomsDeclaration  = "customs_declaration"
	DocumentOther               = "other"
)

// DocumentTypes lists the document types an order's documents may have.
func DocumentTypes() []string {
	return []string{DocumentCommercialInvoice, DocumentPackingList, DocumentBillOfLading,
		DocumentCertificateOfOrigin, DocumentCustomsDeclaration, DocumentOther}
}

// MaxMessageLength is the most characters a message may have.
const MaxMessageLength = 4000

// OrderDocument is a document of an order.
type OrderDocument struct {
	ID          int64 // given by the store
	BuyerID     string
	OrderNumber string
	// Type is one of DocumentTypes.
	Type string
	// Name is the name the uploader gave (a document number, a file
	// name); it is shown, never used as a path.
	Name string
	// MediaType is what the content is, as sniffed from its bytes
	// ("application/pdf", "image/png"...).
	MediaType string
	// SHA256 is the hex sha256 of Content; Size its length in bytes.
	SHA256 string
	Size   int64
	// UploadedBy is the user who uploaded it and Party that user's party;
	// both empty when the API had no caller identity.
	UploadedBy string
	Party      string
	CreatedAt  time.Time // when the store took it
	// Content is the document itself; only GetOrderDocument fills it.
	Content []byte
}

// CheckOrderDocument validates a document for AddOrderDocument: it needs a
// buyer id, an order number, a known type, a name, a media type and content
// whose sha256 and size it fills in. Text must be valid UTF-8 without NUL.
// An error wraps ErrInvalid.
func CheckOrderDocument(d *OrderDocument) error {
	switch {
	case strings.TrimSpace(d.BuyerID) == "":
		return fmt.Errorf("%w: document: buyer_id is required", ErrInvalid)
	case strings.TrimSpace(d.OrderNumber) == "":
		return fmt.Errorf("%w: document: order_number is required", ErrInvalid)
	case !slices.Contains(DocumentTypes(), d.Type):
		return fmt.Errorf("%w: document of order %s: unknown type %q (want one of %s)", ErrInvalid, d.OrderNumber, d.Type,
			strings.Join(DocumentTypes(), ", "))
	case strings.TrimSpace(d.Name) == "":
		return fmt.Errorf("%w: document of order %s: name is required", ErrInvalid, d.OrderNumber)
	case d.MediaType == "":
		return fmt.Errorf("%w: document %q of order %s: media_type is required", ErrInvalid, d.Name, d.OrderNumber)
	case len(d.Content) == 0:
		return fmt.Errorf("%w: document %q of order %s: content is empty", ErrInvalid, d.Name, d.OrderNumber)
	}
	for _, s := range []string{d.BuyerID, d.OrderNumber, d.Name, d.MediaType, d.UploadedBy, d.Party} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return fmt.Errorf("%w: document of order %s: text %q is not valid UTF-8 without NUL", ErrInvalid, d.OrderNumber, s)
		}
	}
	sum := sha256.Sum256(d.Content)
	d.SHA256, d.Size = hex.EncodeToString(sum[:]), int64(len(d.Content))
	return nil
}

// OrderMessage is one message of an order's thread.
type OrderMessage struct {
	ID          int64 // given by the store; later messages have larger ids
	BuyerID     string
	OrderNumber string
	// Author is the user who wrote it and Party that user's party; both
	// empty when the API had no caller identity.
	Author string
	Party  string
	Text   string
	// IdempotencyKey, when not empty, makes a retried post the message
	// stored first: one message per (buyer id, order number, party,
	// author, key).
	IdempotencyKey string
	CreatedAt      time.Time // when the store took it
}

// MessageFilter selects the messages of one order for OrderMessages.
type MessageFilter struct {
	BuyerID     string // required
	OrderNumber string // required
	Limit       int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor      string // opaque, the nextCursor of the previous page; "" for the first page
}

// CheckOrderMessage validates a message for AddOrderMessage: it needs a
// buyer id, an order number and text that is not blank, of at most
// MaxMessageLength characters, valid UTF-8 without NUL. An error wraps
// ErrInvalid.
func CheckOrderMessage(m OrderMessage) error {
	switch {
	case strings.TrimSpace(m.BuyerID) == "":
		return fmt.Errorf("%w: message: buyer_id is required", ErrInvalid)
	case strings.TrimSpace(m.OrderNumber) == "":
		return fmt.Errorf("%w: message: order_number is required", ErrInvalid)
	case strings.TrimSpace(m.Text) == "":
		return fmt.Errorf("%w: message on order %s: text is empty", ErrInvalid, m.OrderNumber)
	case utf8.RuneCountInString(m.Text) > MaxMessageLength:
		return fmt.Errorf("%w: message on order %s: text has %d characters, at most %d are taken", ErrInvalid, m.OrderNumber,
			utf8.RuneCountInString(m.Text), MaxMessageLength)
	}
	for _, s := range []string{m.BuyerID, m.OrderNumber, m.Author, m.Party, m.Text, m.IdempotencyKey} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return fmt.Errorf("%w: message on order %s: text is not valid UTF-8 without NUL", ErrInvalid, m.OrderNumber)
		}
	}
	return nil
}
