package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/warnings"
	"github.com/procurehub/procurehub/pipelines"
)

// Order documents and message threads.
//
// The parties of an order upload its documents: POST
// /orders/{order_number}/documents?type=packing_list&name=PL-0042.pdf with
// the document as the raw body, or as multipart/form-data with a "file"
// field (and optional "type" and "name" fields) from the dashboard's form.
// A document is a PDF or an image (PNG, JPEG, TIFF, WebP): what it is comes
// from its first bytes, never from its name or the Content-Type header, and
// anything else is 415. A body over Config.MaxDocumentBytes (10 MiB by
// default) is 413 and nothing is stored. The name is shown as given and
// never used as a path: a name with a path separator, "..", a control or
// bidi-control character, or over 200 characters is 400. The same content
// as the same type of the same order is one document (200 with it; a new
// one is 201).
//
// Who uploads: buyers, suppliers, logistics providers and customs brokers
// any type; finance only commercial invoices; viewers nothing (403). Every
// party that sees the order reads its documents.
//
// Each upload is published on procurehub.order-events.v1 as an order event
// "document_received" whose data is {"document_type", "document_number"
// (the name), "document_id", "sha256"}, the event the early-warning rule
// documents_missing reads; the same document uploaded again publishes the
// same event (the same id), which the store keeps once.
//
// Each order has one message thread: POST /orders/{order_number}/messages
// {"text": "..."} (not blank, at most 4000 characters; viewers read only)
// and GET .../messages, oldest first, paged with limit and cursor. Each
// message is published as an order event "message_posted" whose summary is
// its first 80 characters. A post with an Idempotency-Key header that its
// author sent before with the same text is the message posted then (200,
// nothing new; 409 when the text differs).

// DocumentStore keeps the documents of orders (both stores implement it).
type DocumentStore interface {
	AddOrderDocument(ctx context.Context, d store.OrderDocument) (store.OrderDocument, bool, error)
	OrderDocuments(ctx context.Context, buyerID, orderNumber string) ([]store.OrderDocument, error)
	GetOrderDocument(ctx context.Context, buyerID, orderNumber string, id int64) (store.OrderDocument, error)
}

// MessageStore keeps the message threads of orders (both stores implement it).
type MessageStore interface {
	AddOrderMessage(ctx context.Context, m store.OrderMessage) (store.OrderMessage, bool, error)
	OrderMessages(ctx context.Context, f store.MessageFilter) ([]store.OrderMessage, string, error)
}

// DefaultMaxDocumentBytes is the largest document taken when
// Config.MaxDocumentBytes is 0: 10 MiB.
const DefaultMaxDocumentBytes = 10 << 20

// maxDocumentName is the most characters a document's name may have.
const maxDocumentName = 200

// EventMessagePosted is the order event type of a message posted on an
// order's thread; its Data is {"message_id", "party"}.
const EventMessagePosted canonical.OrderEventType = "message_posted"

// DocumentReceivedData is the Data of the "document_received" order event
// the API publishes for an upload: what warnings.FactsOf reads, plus the
// document's id and sha256.
type DocumentReceivedData struct {
	warnings.DocumentReceived
	DocumentID int64  `json:"document_id"`
	SHA256     string `json:"sha256"`
}

// Document is an order document as the API shows it (never its content:
// GET .../documents/{document_id} downloads that).
type Document struct {
	ID          int64     `json:"document_id"`
	OrderNumber string    `json:"order_number"`
	BuyerID     string    `json:"buyer_id"`
	Type        string    `json:"document_type"`
	Name        string    `json:"name"`
	MediaType   string    `json:"media_type"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	UploadedBy  string    `json:"uploaded_by,omitempty"`
	Party       string    `json:"party,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

func documentOf(d store.OrderDocument) Document {
	return Document{ID: d.ID, OrderNumber: d.OrderNumber, BuyerID: d.BuyerID, Type: d.Type, Name: d.Name, MediaType: d.MediaType,
		SHA256: d.SHA256, Size: d.Size, UploadedBy: d.UploadedBy, Party: d.Party, CreatedAt: d.CreatedAt}
}

// DocumentList is the body of GET /orders/{order_number}/documents, in
// upload order.
type DocumentList struct {
	Documents []Document `json:"documents"`
}

// Message is one message of an order's thread.
type Message struct {
	ID          int64     `json:"message_id"`
	OrderNumber string    `json:"order_number"`
	BuyerID     string    `json:"buyer_id"`
	Author      string    `json:"author,omitempty"`
	Party       string    `json:"party,omitempty"`
	Text        string    `json:"text"`
	CreatedAt   time.Time `json:"created_at"`
}

func messageOf(m store.OrderMessage) Message {
	return Message{ID: m.ID, OrderNumber: m.OrderNumber, BuyerID: m.BuyerID, Author: m.Author, Party: m.Party, Text: m.Text,
		CreatedAt: m.CreatedAt}
}

// MessageList is the body of GET /orders/{order_number}/messages: oldest
// first.
type MessageList struct {
	Messages   []Message `json:"messages"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// MessageRequest is the body of POST /orders/{order_number}/messages.
type MessageRequest struct {
	Text string `json:"text"`
}

// maxMessageBody bounds a message request: 4000 characters of up to 4
// bytes, escaped, fit.
const maxMessageBody = 64 << 10

// documentRoutes are the document and message routes of the table.
func (s *server) documentRoutes() []Route {
	c := s.cfg
	docs, msgs := c.Documents != nil, c.Messages != nil
	publish := c.Publisher != nil
	uploaders := []auth.Role{auth.RoleBuyer, auth.RoleSupplier, auth.RoleLogistics, auth.RoleCustoms, auth.RoleFinance}
	return []Route{
		{Method: http.MethodGet, Pattern: "/orders/{order_number}/documents", Summary: "The order's documents, in upload order (without content).",
			Roles: readers, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: docs, Handler: s.listDocuments},
		{Method: http.MethodPost, Pattern: "/orders/{order_number}/documents",
			Summary: "Upload a document (PDF, PNG, JPEG, TIFF or WebP, sniffed from its bytes) as the raw body or a multipart \"file\" field; finance uploads only commercial invoices.",
			Roles:   uploaders, Write: true, Scope: ScopeOrder, Query: []string{"buyer", "type", "name"},
			Enabled: docs && publish, Handler: s.postDocument},
		{Method: http.MethodGet, Pattern: "/orders/{order_number}/documents/{document_id}", Summary: "Download a document as its sniffed media type, as an attachment.",
			Roles: readers, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: docs, Handler: s.getDocument},
		{Method: http.MethodGet, Pattern: "/orders/{order_number}/messages", Summary: "The order's message thread, oldest first (paged).",
			Roles: readers, Scope: ScopeOrder, Query: []string{"buyer", "limit", "cursor"},
			Enabled: msgs, Handler: s.listMessages},
		{Method: http.MethodPost, Pattern: "/orders/{order_number}/messages", Summary: "Post a message (1 to 4000 characters) on the order's thread.",
			Roles: orderActors, Write: true, Scope: ScopeOrder, Query: []string{"buyer"},
			Request: objectOf("text", Schema{"type": "string", "minLength": 1, "maxLength": store.MaxMessageLength}),
			Enabled: msgs && publish, Handler: s.postMessage},
	}
}

// orderOf reads the order of the request's path ({order_number}, ?buyer=);
// it answers 404 itself and returns nil when there is none.
func (s *server) orderOf(w http.ResponseWriter, r *http.Request) *store.StoredOrder {
	number := chi.URLParam(r, "order_number")
	o, err := s.cfg.Orders.GetOrder(r.Context(), r.URL.Query().Get("buyer"), number)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "order_not_found", "no order "+strconv.Quote(number))
		return nil
	}
	if err != nil {
		s.internal(w, r, err)
		return nil
	}
	return o
}

// mayUpload reports whether p may upload a document of type typ: an
// admin, a buyer, a supplier, a logistics provider or a customs broker any
// type, finance only commercial invoices, a viewer nothing.
func mayUpload(p auth.Principal, typ string) bool {
	if slices.ContainsFunc([]auth.Role{auth.RoleBuyer, auth.RoleSupplier, auth.RoleLogistics, auth.RoleCustoms}, p.Has) {
		return true
	}
	return p.Has(auth.RoleFinance) && typ == store.DocumentCommercialInvoice
}

// mayPost reports whether p may post on an order's thread: any role but
// a viewer's.
func mayPost(p auth.Principal) bool {
	return slices.ContainsFunc(p.Roles, func(r auth.Role) bool { return r != auth.RoleViewer && r.Valid() })
}

func (s *server) maxDocumentBytes() int64 {
	if s.cfg.MaxDocumentBytes > 0 {
		return s.cfg.MaxDocumentBytes
	}
	return DefaultMaxDocumentBytes
}

// mediaTypes are the media types a document may have, with the file
// extensions that go with each (the first is given to a download whose
// name has none of them).
var mediaTypes = map[string][]string{
	"application/pdf": {".pdf"},
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/tiff":      {".tif", ".tiff"},
	"image/webp":      {".webp"},
}

// sniffDocument returns the media type of a document from its first
// bytes: a PDF header, the PNG signature, a JPEG start of image, a TIFF
// byte order mark, a RIFF WebP header; "" for anything else.
func sniffDocument(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "image/tiff"
	case len(b) >= 12 && bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

// checkDocumentName says why a document name is refused, "" when it is
// taken: a name is shown as given but may not look like a path.
func checkDocumentName(name string) string {
	switch {
	case !utf8.ValidString(name):
		return "the name is not valid UTF-8"
	case strings.TrimSpace(name) == "":
		return "the name is blank"
	case utf8.RuneCountInString(name) > maxDocumentName:
		return fmt.Sprintf("the name has %d characters, at most %d are taken", utf8.RuneCountInString(name), maxDocumentName)
	case strings.ContainsAny(name, `/\`):
		return "the name holds a path separator"
	case strings.Contains(name, ".."):
		return `the name holds ".."`
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return fmt.Sprintf("the name holds the control character %U", r)
		}
	}
	return ""
}

// downloadName is the file name a download is offered under: the
// document's name with anything but letters, digits, space and ._-()+
// replaced by "_", a leading dot too, and the extension of its media type
// added when the name has another (a PNG uploaded as "PL-0042.pdf"
// downloads as "PL-0042.pdf.png").
func downloadName(d store.OrderDocument) string {
	name := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" ._-()+", r) {
			return r
		}
		return '_'
	}, d.Name)
	if strings.HasPrefix(name, ".") {
		name = "_" + name[1:]
	}
	exts := mediaTypes[d.MediaType]
	if len(exts) > 0 && !slices.Contains(exts, strings.ToLower(path.Ext(name))) {
		// Trailing dots and spaces would make "0." into "0..pdf" (and
		// Windows drops them anyway).
		name = strings.TrimRight(name, ". ")
		if name == "" {
			name = "document"
		}
		name += exts[0]
	}
	return name
}

// upload is what a POST .../documents carries.
type upload struct {
	typ, name string
	content   []byte
}

// readUpload reads an upload from the raw body or a multipart form; it
// answers 400 or 413 itself and reports false when the body is not one.
func (s *server) readUpload(w http.ResponseWriter, r *http.Request) (upload, bool) {
	limit := s.maxDocumentBytes()
	q := r.URL.Query()
	up := upload{typ: q.Get("type"), name: q.Get("name")}
	// A form names the document by its "name" field or else by the file's
	// own name; the query's name wins over both.
	var formName, fileName string
	tooLarge := func() (upload, bool) {
		writeError(w, http.StatusRequestEntityTooLarge, "document_too_large",
			fmt.Sprintf("a document may have at most %d bytes", limit))
		return upload{}, false
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		if r.ContentLength > limit {
			return tooLarge()
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge()
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_body", "the body could not be read: "+err.Error())
			return upload{}, false
		}
		up.content = b
		return up, true
	}
	// A form: the file, and a little room for the other fields and the
	// part headers.
	const formRoom = 64 << 10
	if r.ContentLength > limit+formRoom {
		return tooLarge()
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, limit+formRoom), params["boundary"])
	sawFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge()
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_form", "the multipart form could not be read: "+err.Error())
			return upload{}, false
		}
		switch part.FormName() {
		case "file":
			b, err := io.ReadAll(io.LimitReader(part, limit+1))
			if errors.As(err, &mbe) || int64(len(b)) > limit {
				return tooLarge()
			}
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_form", "the file field could not be read: "+err.Error())
				return upload{}, false
			}
			up.content, sawFile = b, true
			// The file name as sent: Part.FileName would cut a path down to
			// its last element, hiding a traversal attempt.
			if _, dp, err := mime.ParseMediaType(part.Header.Get("Content-Disposition")); err == nil {
				fileName = dp["filename"]
			}
		case "type", "name":
			b, err := io.ReadAll(io.LimitReader(part, 4<<10))
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_form", "the "+part.FormName()+" field could not be read: "+err.Error())
				return upload{}, false
			}
			if part.FormName() == "type" && up.typ == "" {
				up.typ = string(b)
			}
			if part.FormName() == "name" {
				formName = string(b)
			}
		}
		part.Close()
	}
	if !sawFile {
		writeError(w, http.StatusBadRequest, "bad_form", `the multipart form has no "file" field`)
		return upload{}, false
	}
	for _, n := range []string{formName, fileName} {
		if up.name == "" {
			up.name = n
		}
	}
	return up, true
}

func (s *server) postDocument(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// What the query says is checked before the body is read.
	if t := q.Get("type"); t != "" && !slices.Contains(store.DocumentTypes(), t) {
		writeError(w, http.StatusBadRequest, "bad_document_type", "type must be one of "+strings.Join(store.DocumentTypes(), ", "))
		return
	}
	if n := q.Get("name"); q.Has("name") {
		if why := checkDocumentName(n); why != "" {
			writeError(w, http.StatusBadRequest, "bad_document_name", why)
			return
		}
	}
	p, authenticated := auth.FromContext(r.Context()) // not authenticated: the API runs open
	if authenticated && q.Get("type") != "" && !mayUpload(p, q.Get("type")) {
		writeError(w, http.StatusForbidden, "forbidden", "your roles may not upload a "+q.Get("type"))
		return
	}
	o := s.orderOf(w, r)
	if o == nil {
		return
	}
	up, ok := s.readUpload(w, r)
	if !ok {
		return
	}
	if !slices.Contains(store.DocumentTypes(), up.typ) {
		writeError(w, http.StatusBadRequest, "bad_document_type", "type must be one of "+strings.Join(store.DocumentTypes(), ", "))
		return
	}
	if authenticated && !mayUpload(p, up.typ) {
		writeError(w, http.StatusForbidden, "forbidden", "your roles may not upload a "+up.typ)
		return
	}
	if len(up.content) == 0 {
		writeError(w, http.StatusBadRequest, "empty_document", "the document is empty")
		return
	}
	media := sniffDocument(up.content)
	if media == "" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_document",
			"a document must be a PDF or a PNG, JPEG, TIFF or WebP image (judged by its content)")
		return
	}
	if up.name == "" {
		up.name = up.typ + mediaTypes[media][0]
	}
	if why := checkDocumentName(up.name); why != "" {
		writeError(w, http.StatusBadRequest, "bad_document_name", why)
		return
	}
	d, added, err := s.cfg.Documents.AddOrderDocument(r.Context(), store.OrderDocument{
		BuyerID: o.Order.Buyer.ID, OrderNumber: o.Order.OrderNumber, Type: up.typ, Name: up.name, MediaType: media,
		UploadedBy: p.UserID, Party: p.PartyID, Content: up.content})
	if errors.Is(err, store.ErrInvalid) {
		writeError(w, http.StatusBadRequest, "bad_document", err.Error())
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if err := s.publishOrderEvent(documentEvent(d)); err != nil {
		s.internal(w, r, fmt.Errorf("document %d of order %s is stored, its event is not published: %w", d.ID, d.OrderNumber, err))
		return
	}
	out := documentOf(d)
	audit(r, o.Order.OrderNumber, nil, out)
	code := http.StatusCreated
	if !added {
		code = http.StatusOK
	}
	writeJSON(w, code, out)
}

// documentEvent is the order event of an uploaded document: the same
// document gives the same event.
func documentEvent(d store.OrderDocument) canonical.OrderEvent {
	data, _ := json.Marshal(DocumentReceivedData{ // plain strings and numbers: cannot fail
		DocumentReceived: warnings.DocumentReceived{DocumentType: d.Type, DocumentNumber: d.Name},
		DocumentID:       d.ID, SHA256: d.SHA256})
	summary := strings.ReplaceAll(d.Type, "_", " ") + " " + d.Name + " received"
	if d.Party != "" {
		summary += " from " + d.Party
	}
	return canonical.OrderEvent{
		EventID:     fmt.Sprintf("document:%s:%s:%d", d.BuyerID, d.OrderNumber, d.ID),
		OrderNumber: d.OrderNumber, BuyerID: d.BuyerID, Type: warnings.EventDocumentReceived,
		OccurredAt: d.CreatedAt, Actor: d.UploadedBy, Summary: summary, Data: data,
		Source: &canonical.Source{Connector: "portal", Partner: pipelines.HubPartner, File: d.Name},
	}
}

// publishOrderEvent publishes an event the portal made on
// procurehub.order-events.v1, as the hub's, with a message id derived from
// the event id (publishing it again is the same message), keyed by the
// order number; the order event sink stores it.
func (s *server) publishOrderEvent(ev canonical.OrderEvent) error {
	return pipelines.PublishOrderEvents(s.cfg.Publisher, "portal", &ev)
}

func (s *server) listDocuments(w http.ResponseWriter, r *http.Request) {
	o := s.orderOf(w, r)
	if o == nil {
		return
	}
	ds, err := s.cfg.Documents.OrderDocuments(r.Context(), o.Order.Buyer.ID, o.Order.OrderNumber)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := DocumentList{Documents: make([]Document, 0, len(ds))}
	for _, d := range ds {
		out.Documents = append(out.Documents, documentOf(d))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) getDocument(w http.ResponseWriter, r *http.Request) {
	raw := chi.URLParam(r, "document_id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "bad_document_id", "the document id is a whole number from 1")
		return
	}
	o := s.orderOf(w, r)
	if o == nil {
		return
	}
	d, err := s.cfg.Documents.GetOrderDocument(r.Context(), o.Order.Buyer.ID, o.Order.OrderNumber, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "document_not_found", "order "+strconv.Quote(o.Order.OrderNumber)+" has no document "+raw)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", d.MediaType)
	h.Set("Content-Length", strconv.Itoa(len(d.Content)))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": downloadName(d)}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", strconv.Quote(d.SHA256))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(d.Content) // the client went away; nothing to do
}

func (s *server) postMessage(w http.ResponseWriter, r *http.Request) {
	p, authenticated := auth.FromContext(r.Context()) // not authenticated: the API runs open
	if authenticated && !mayPost(p) {
		writeError(w, http.StatusForbidden, "forbidden", "a viewer reads the thread but does not post")
		return
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > maxIdempotencyKey || !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
		writeError(w, http.StatusBadRequest, "bad_idempotency_key",
			fmt.Sprintf("Idempotency-Key is text of at most %d bytes", maxIdempotencyKey))
		return
	}
	var req MessageRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxMessageBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "message_too_large",
				fmt.Sprintf("a message has at most %d characters", store.MaxMessageLength))
			return
		}
		writeError(w, http.StatusBadRequest, "bad_body", `the body is not JSON of the shape {"text": "..."}: `+err.Error())
		return
	}
	switch n := utf8.RuneCountInString(req.Text); {
	case strings.TrimSpace(req.Text) == "":
		writeError(w, http.StatusBadRequest, "empty_message", "the message has no text")
		return
	case n > store.MaxMessageLength:
		writeError(w, http.StatusBadRequest, "message_too_long",
			fmt.Sprintf("the message has %d characters, at most %d are taken", n, store.MaxMessageLength))
		return
	}
	o := s.orderOf(w, r)
	if o == nil {
		return
	}
	m, added, err := s.cfg.Messages.AddOrderMessage(r.Context(), store.OrderMessage{BuyerID: o.Order.Buyer.ID, OrderNumber: o.Order.OrderNumber,
		Author: p.UserID, Party: p.PartyID, Text: req.Text, IdempotencyKey: key})
	if errors.Is(err, store.ErrInvalid) {
		writeError(w, http.StatusBadRequest, "bad_message", err.Error())
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !added && m.Text != req.Text {
		writeError(w, http.StatusConflict, "idempotency_key_reused",
			"this Idempotency-Key was used for another message on order "+strconv.Quote(m.OrderNumber)+"; send a new key")
		return
	}
	// A retried post publishes its event again (the same message id): what
	// a failed publish left out is made good, the sink keeps it once.
	if err := s.publishOrderEvent(messageEvent(m)); err != nil {
		s.internal(w, r, fmt.Errorf("message %d on order %s is stored, its event is not published: %w", m.ID, m.OrderNumber, err))
		return
	}
	out := messageOf(m)
	audit(r, o.Order.OrderNumber, nil, out)
	code := http.StatusCreated
	if !added {
		code = http.StatusOK
	}
	writeJSON(w, code, out)
}

// summaryLength is how many characters of a message its event's summary
// shows.
const summaryLength = 80

// messageEvent is the order event of a posted message: its summary is the
// first 80 characters of the text on one line.
func messageEvent(m store.OrderMessage) canonical.OrderEvent {
	summary := strings.Join(strings.Fields(m.Text), " ")
	if rs := []rune(summary); len(rs) > summaryLength {
		summary = string(rs[:summaryLength])
	}
	data, _ := json.Marshal(map[string]any{"message_id": m.ID, "party": m.Party}) // cannot fail
	return canonical.OrderEvent{
		EventID:     fmt.Sprintf("message:%s:%s:%d", m.BuyerID, m.OrderNumber, m.ID),
		OrderNumber: m.OrderNumber, BuyerID: m.BuyerID, Type: EventMessagePosted,
		OccurredAt: m.CreatedAt, Actor: m.Author, Summary: summary, Data: data,
		Source: &canonical.Source{Connector: "portal", Partner: pipelines.HubPartner},
	}
}

func (s *server) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := pageLimit(w, q.Get("limit"))
	if !ok {
		return
	}
	o := s.orderOf(w, r)
	if o == nil {
		return
	}
	ms, next, err := s.cfg.Messages.OrderMessages(r.Context(), store.MessageFilter{BuyerID: o.Order.Buyer.ID,
		OrderNumber: o.Order.OrderNumber, Limit: limit, Cursor: q.Get("cursor")})
	if !s.listed(w, r, err) {
		return
	}
	out := MessageList{Messages: make([]Message, 0, len(ms)), NextCursor: next}
	for _, m := range ms {
		out.Messages = append(out.Messages, messageOf(m))
	}
	writeJSON(w, http.StatusOK, out)
}
