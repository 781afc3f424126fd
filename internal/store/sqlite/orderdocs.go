package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

const orderDocumentColumns = `id, buyer_id, order_number, document_type, name, media_type, sha256, size,
	uploaded_by, party, created_at`

func scanOrderDocument(row interface{ Scan(...any) error }, content *[]byte) (store.OrderDocument, error) {
	var (
		d       store.OrderDocument
		created string
	)
	dest := []any{&d.ID, &d.BuyerID, &d.OrderNumber, &d.Type, &d.Name, &d.MediaType, &d.SHA256, &d.Size,
		&d.UploadedBy, &d.Party, &created}
	if content != nil {
		dest = append(dest, content)
	}
	if err := row.Scan(dest...); err != nil {
		return d, err
	}
	var err error
	d.CreatedAt, err = parseTime(created)
	return d, err
}

// AddOrderDocument stores a document of an order (store.CheckOrderDocument
// validates it and fills in its sha256 and size) and returns it as stored,
// without its content, and whether it is new: the same content as the same
// type of the same order again is the document stored first, under its
// first name.
func (s *Store) AddOrderDocument(ctx context.Context, d store.OrderDocument) (store.OrderDocument, bool, error) {
	if err := store.CheckOrderDocument(&d); err != nil {
		return store.OrderDocument{}, false, fmt.Errorf("sqlite: add document: %w", err)
	}
	got, err := scanOrderDocument(s.db.QueryRowContext(ctx, `INSERT INTO order_documents (buyer_id, order_number,
			document_type, name, media_type, sha256, size, content, uploaded_by, party, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (buyer_id, order_number, document_type, sha256) DO NOTHING
		RETURNING `+orderDocumentColumns,
		d.BuyerID, d.OrderNumber, d.Type, d.Name, d.MediaType, d.SHA256, d.Size, d.Content, d.UploadedBy, d.Party, now()), nil)
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.OrderDocument{}, false, fmt.Errorf("sqlite: add document %q of order %s: %w", d.Name, d.OrderNumber, translate(err))
	}
	got, err = scanOrderDocument(s.db.QueryRowContext(ctx, `SELECT `+orderDocumentColumns+` FROM order_documents
		WHERE buyer_id = ? AND order_number = ? AND document_type = ? AND sha256 = ?`,
		d.BuyerID, d.OrderNumber, d.Type, d.SHA256), nil)
	if err != nil {
		return store.OrderDocument{}, false, fmt.Errorf("sqlite: add document %q of order %s: %w", d.Name, d.OrderNumber, translate(err))
	}
	return got, false, nil
}

// OrderDocuments returns the documents of an order in upload order,
// without their content; none (an empty slice) when it has none.
func (s *Store) OrderDocuments(ctx context.Context, buyerID, orderNumber string) ([]store.OrderDocument, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+orderDocumentColumns+` FROM order_documents
		WHERE buyer_id = ? AND order_number = ? ORDER BY id`, buyerID, orderNumber)
	if err != nil {
		return nil, fmt.Errorf("sqlite: documents of order %s: %w", orderNumber, translate(err))
	}
	defer rows.Close()
	out := []store.OrderDocument{}
	for rows.Next() {
		d, err := scanOrderDocument(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("sqlite: documents of order %s: %w", orderNumber, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: documents of order %s: %w", orderNumber, translate(err))
	}
	return out, nil
}

// GetOrderDocument returns a document of an order with its content. A
// document that does not exist, or is another order's, is ErrNotFound.
func (s *Store) GetOrderDocument(ctx context.Context, buyerID, orderNumber string, id int64) (store.OrderDocument, error) {
	var content []byte
	d, err := scanOrderDocument(s.db.QueryRowContext(ctx, `SELECT `+orderDocumentColumns+`, content FROM order_documents
		WHERE id = ? AND buyer_id = ? AND order_number = ?`, id, buyerID, orderNumber), &content)
	if errors.Is(err, sql.ErrNoRows) {
		return store.OrderDocument{}, fmt.Errorf("sqlite: document %d of order %s: %w", id, orderNumber, store.ErrNotFound)
	}
	if err != nil {
		return store.OrderDocument{}, fmt.Errorf("sqlite: document %d of order %s: %w", id, orderNumber, translate(err))
	}
	d.Content = content
	return d, nil
}

const orderMessageColumns = `id, buyer_id, order_number, author, party, text, idempotency_key, created_at`

func scanOrderMessage(row interface{ Scan(...any) error }) (store.OrderMessage, error) {
	var (
		m       store.OrderMessage
		created string
	)
	if err := row.Scan(&m.ID, &m.BuyerID, &m.OrderNumber, &m.Author, &m.Party, &m.Text, &m.IdempotencyKey, &created); err != nil {
		return m, err
	}
	var err error
	m.CreatedAt, err = parseTime(created)
	return m, err
}

// AddOrderMessage adds a message to an order's thread
// (store.CheckOrderMessage validates it) and returns it as stored, and
// whether it is new: a message with the idempotency key of one the same
// author of the same party posted on the order before is that message.
func (s *Store) AddOrderMessage(ctx context.Context, m store.OrderMessage) (store.OrderMessage, bool, error) {
	if err := store.CheckOrderMessage(m); err != nil {
		return store.OrderMessage{}, false, fmt.Errorf("sqlite: add message: %w", err)
	}
	got, err := scanOrderMessage(s.db.QueryRowContext(ctx, `INSERT INTO order_messages (buyer_id, order_number, author, party, text,
			idempotency_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (buyer_id, order_number, party, author, idempotency_key) WHERE idempotency_key <> '' DO NOTHING
		RETURNING `+orderMessageColumns, m.BuyerID, m.OrderNumber, m.Author, m.Party, m.Text, m.IdempotencyKey, now()))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.OrderMessage{}, false, fmt.Errorf("sqlite: add message on order %s: %w", m.OrderNumber, translate(err))
	}
	got, err = scanOrderMessage(s.db.QueryRowContext(ctx, `SELECT `+orderMessageColumns+` FROM order_messages
		WHERE buyer_id = ? AND order_number = ? AND party = ? AND author = ? AND idempotency_key = ?`,
		m.BuyerID, m.OrderNumber, m.Party, m.Author, m.IdempotencyKey))
	if err != nil {
		return store.OrderMessage{}, false, fmt.Errorf("sqlite: add message on order %s: %w", m.OrderNumber, translate(err))
	}
	return got, false, nil
}

// OrderMessages returns a page of an order's thread, oldest first, and the
// cursor of the next page ("" after the last). A filter without a buyer id
// or an order number is ErrInvalid.
func (s *Store) OrderMessages(ctx context.Context, f store.MessageFilter) ([]store.OrderMessage, string, error) {
	if f.BuyerID == "" || f.OrderNumber == "" {
		return nil, "", fmt.Errorf("sqlite: messages: %w: buyer_id and order_number are required", store.ErrInvalid)
	}
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: messages of order %s: %w", f.OrderNumber, err)
	}
	limit := page.Limit(f.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+orderMessageColumns+` FROM order_messages
		WHERE buyer_id = ? AND order_number = ? AND id > ? ORDER BY id LIMIT ?`, f.BuyerID, f.OrderNumber, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: messages of order %s: %w", f.OrderNumber, translate(err))
	}
	defer rows.Close()
	var (
		out  = []store.OrderMessage{}
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		m, err := scanOrderMessage(rows)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: messages of order %s: %w", f.OrderNumber, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: messages of order %s: %w", f.OrderNumber, translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(out[len(out)-1].ID)
	}
	return out, next, nil
}
