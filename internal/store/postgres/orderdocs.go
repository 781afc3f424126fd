package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

const orderDocumentColumns = `id, buyer_id, order_number, document_type, name, media_type, sha256, size,
	uploaded_by, party, created_at`

func scanOrderDocument(row pgx.Row, content *[]byte) (store.OrderDocument, error) {
	var d store.OrderDocument
	dest := []any{&d.ID, &d.BuyerID, &d.OrderNumber, &d.Type, &d.Name, &d.MediaType, &d.SHA256, &d.Size,
		&d.UploadedBy, &d.Party, &d.CreatedAt}
	if content != nil {
		dest = append(dest, content)
	}
	if err := row.Scan(dest...); err != nil {
		return d, err
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return d, nil
}

// AddOrderDocument stores a document of an order (store.CheckOrderDocument
// validates it and fills in its sha256 and size) and returns it as stored,
// without its content, and whether it is new: the same content as the same
// type of the same order again is the document stored first, under its
// first name. Of concurrent adds of one, exactly one is new.
func (s *Store) AddOrderDocument(ctx context.Context, d store.OrderDocument) (store.OrderDocument, bool, error) {
	if err := store.CheckOrderDocument(&d); err != nil {
		return store.OrderDocument{}, false, fmt.Errorf("postgres: add document: %w", err)
	}
	got, err := scanOrderDocument(s.pool.QueryRow(ctx, `INSERT INTO order_documents (buyer_id, order_number,
			document_type, name, media_type, sha256, size, content, uploaded_by, party)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT ON CONSTRAINT order_documents_key DO NOTHING
		RETURNING `+orderDocumentColumns,
		d.BuyerID, d.OrderNumber, d.Type, d.Name, d.MediaType, d.SHA256, d.Size, d.Content, d.UploadedBy, d.Party), nil)
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.OrderDocument{}, false, fmt.Errorf("postgres: add document %q of order %s: %w", d.Name, d.OrderNumber, translate(err))
	}
	got, err = scanOrderDocument(s.pool.QueryRow(ctx, `SELECT `+orderDocumentColumns+` FROM order_documents
		WHERE buyer_id = $1 AND order_number = $2 AND document_type = $3 AND sha256 = $4`,
		d.BuyerID, d.OrderNumber, d.Type, d.SHA256), nil)
	if err != nil {
		return store.OrderDocument{}, false, fmt.Errorf("postgres: add document %q of order %s: %w", d.Name, d.OrderNumber, translate(err))
	}
	return got, false, nil
}

// OrderDocuments returns the documents of an order in upload order,
// without their content; none (an empty slice) when it has none.
func (s *Store) OrderDocuments(ctx context.Context, buyerID, orderNumber string) ([]store.OrderDocument, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+orderDocumentColumns+` FROM order_documents
		WHERE buyer_id = $1 AND order_number = $2 ORDER BY id`, buyerID, orderNumber)
	if err != nil {
		return nil, fmt.Errorf("postgres: documents of order %s: %w", orderNumber, translate(err))
	}
	defer rows.Close()
	out := []store.OrderDocument{}
	for rows.Next() {
		d, err := scanOrderDocument(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("postgres: documents of order %s: %w", orderNumber, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: documents of order %s: %w", orderNumber, translate(err))
	}
	return out, nil
}

// GetOrderDocument returns a document of an order with its content. A
// document that does not exist, or is another order's, is ErrNotFound.
func (s *Store) GetOrderDocument(ctx context.Context, buyerID, orderNumber string, id int64) (store.OrderDocument, error) {
	var content []byte
	d, err := scanOrderDocument(s.pool.QueryRow(ctx, `SELECT `+orderDocumentColumns+`, content FROM order_documents
		WHERE id = $1 AND buyer_id = $2 AND order_number = $3`, id, buyerID, orderNumber), &content)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.OrderDocument{}, fmt.Errorf("postgres: document %d of order %s: %w", id, orderNumber, store.ErrNotFound)
	}
	if err != nil {
		return store.OrderDocument{}, fmt.Errorf("postgres: document %d of order %s: %w", id, orderNumber, translate(err))
	}
	d.Content = content
	return d, nil
}

const orderMessageColumns = `id, buyer_id, order_number, author, party, text, idempotency_key, created_at`

func scanOrderMessage(row pgx.Row) (store.OrderMessage, error) {
	var m store.OrderMessage
	if err := row.Scan(&m.ID, &m.BuyerID, &m.OrderNumber, &m.Author, &m.Party, &m.Text, &m.IdempotencyKey, &m.CreatedAt); err != nil {
		return m, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return m, nil
}

// AddOrderMessage adds a message to an order's thread
// (store.CheckOrderMessage validates it) and returns it as stored, and
// whether it is new: a message with the idempotency key of one the same
// author of the same party posted on the order before is that message.
// Of concurrent posts with one key, exactly one is new.
func (s *Store) AddOrderMessage(ctx context.Context, m store.OrderMessage) (store.OrderMessage, bool, error) {
	if err := store.CheckOrderMessage(m); err != nil {
		return store.OrderMessage{}, false, fmt.Errorf("postgres: add message: %w", err)
	}
	got, err := scanOrderMessage(s.pool.QueryRow(ctx, `INSERT INTO order_messages (buyer_id, order_number, author, party, text, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (buyer_id, order_number, party, author, idempotency_key) WHERE idempotency_key <> '' DO NOTHING
		RETURNING `+orderMessageColumns, m.BuyerID, m.OrderNumber, m.Author, m.Party, m.Text, m.IdempotencyKey))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.OrderMessage{}, false, fmt.Errorf("postgres: add message on order %s: %w", m.OrderNumber, translate(err))
	}
	got, err = scanOrderMessage(s.pool.QueryRow(ctx, `SELECT `+orderMessageColumns+` FROM order_messages
		WHERE buyer_id = $1 AND order_number = $2 AND party = $3 AND author = $4 AND idempotency_key = $5`,
		m.BuyerID, m.OrderNumber, m.Party, m.Author, m.IdempotencyKey))
	if err != nil {
		return store.OrderMessage{}, false, fmt.Errorf("postgres: add message on order %s: %w", m.OrderNumber, translate(err))
	}
	return got, false, nil
}

// OrderMessages returns a page of an order's thread, oldest first, and the
// cursor of the next page ("" after the last). A filter without a buyer id
// or an order number is ErrInvalid.
func (s *Store) OrderMessages(ctx context.Context, f store.MessageFilter) ([]store.OrderMessage, string, error) {
	if f.BuyerID == "" || f.OrderNumber == "" {
		return nil, "", fmt.Errorf("postgres: messages: %w: buyer_id and order_number are required", store.ErrInvalid)
	}
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: messages of order %s: %w", f.OrderNumber, err)
	}
	limit := page.Limit(f.Limit)
	rows, err := s.pool.Query(ctx, `SELECT `+orderMessageColumns+` FROM order_messages
		WHERE buyer_id = $1 AND order_number = $2 AND id > $3
		ORDER BY id LIMIT `+strconv.Itoa(limit+1), f.BuyerID, f.OrderNumber, after)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: messages of order %s: %w", f.OrderNumber, translate(err))
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
			return nil, "", fmt.Errorf("postgres: messages of order %s: %w", f.OrderNumber, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: messages of order %s: %w", f.OrderNumber, translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(out[len(out)-1].ID)
	}
	return out, next, nil
}
