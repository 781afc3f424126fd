package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/internal/warnings"
	"github.com/procurehub/procurehub/pipelines"
)

// minimalPDF is a valid one-page PDF: a catalog, a page tree, one empty
// page, a cross-reference table with the objects' byte offsets, a trailer.
func minimalPDF() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
	}
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// smallPNG is a real 2x2 PNG image.
func smallPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// documentHub is a hub with order PO-42 of ACME-DE to SUP-CN, its
// documents and messages in SQLite, and the order events it publishes
// kept in a persistent in-process pub/sub. cfg adds to its config.
type documentHub struct {
	h      http.Handler
	st     *sqlite.Store
	events *gochannel.GoChannel
	order  canonical.Order
}

func newDocumentHub(t *testing.T, change func(*Config)) *documentHub {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	o := canonical.Order{OrderNumber: "PO-42", OrderDate: canonical.NewDate(2026, 3, 2), Buyer: canonical.Party{ID: "ACME-DE", Country: "DE"},
		Supplier: canonical.Party{ID: "SUP-CN", Country: "CN"}, Currency: "EUR", RequestedDeliveryDate: canonical.NewDate(2026, 4, 20),
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "VALVE-50", Quantity: canonical.MustDecimal("40"), Unit: "H87", UnitPrice: canonical.MustDecimal("90.00")}}}
	if _, err := st.UpsertOrders(t.Context(), []*canonical.Order{&o}); err != nil {
		t.Fatal(err)
	}
	ps := gochannel.NewGoChannel(gochannel.Config{Persistent: true}, watermill.NopLogger{})
	t.Cleanup(func() { ps.Close() })
	cfg := Config{Orders: st, Documents: st, Messages: st, Publisher: ps}
	if change != nil {
		change(&cfg)
	}
	return &documentHub{h: Handler(cfg), st: st, events: ps, order: o}
}

// upload posts body as a raw document with the query q.
func (d *documentHub) upload(q url.Values, body []byte) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/orders/PO-42/documents?"+q.Encode(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/octet-stream")
	d.h.ServeHTTP(rec, req)
	return rec
}

func (d *documentHub) get(path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func (d *documentHub) documents(t *testing.T) []Document {
	t.Helper()
	rec := d.get("/api/v1/orders/PO-42/documents")
	var l DocumentList
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &l) != nil {
		t.Fatalf("list documents: %d %s", rec.Code, rec.Body)
	}
	return l.Documents
}

// orderEvents returns the order events published so far (at most n), waiting
// a little for each.
func (d *documentHub) orderEvents(t *testing.T, n int) ([]canonical.OrderEvent, []string) {
	t.Helper()
	msgs, err := d.events.Subscribe(t.Context(), pipelines.TopicOrderEvents)
	if err != nil {
		t.Fatal(err)
	}
	var (
		evs []canonical.OrderEvent
		ids []string
	)
	for len(evs) < n {
		select {
		case m := <-msgs:
			m.Ack()
			var ev canonical.OrderEvent
			if err := json.Unmarshal(m.Payload, &ev); err != nil {
				t.Fatalf("order event %s: %v", m.UUID, err)
			}
			evs, ids = append(evs, ev), append(ids, m.UUID)
		case <-time.After(2 * time.Second):
			t.Fatalf("%d order events published, want %d", len(evs), n)
		}
	}
	return evs, ids
}

func uploaded(t *testing.T, rec *httptest.ResponseRecorder, want int) Document {
	t.Helper()
	var d Document
	if rec.Code != want || json.Unmarshal(rec.Body.Bytes(), &d) != nil {
		t.Fatalf("upload: %d %s; want %d with the document", rec.Code, rec.Body, want)
	}
	return d
}

func typed(typ, name string) url.Values {
	q := url.Values{"type": {typ}}
	if name != "" {
		q.Set("name", name)
	}
	return q
}

func TestAnUploadedPDFAndPNGDownloadByteIdenticalAsTheirSniffedType(t *testing.T) {
	hub := newDocumentHub(t, nil)
	pdf, img := minimalPDF(), smallPNG(t)
	tests := []struct {
		name, typ, as string
		body          []byte
		media, file   string
	}{
		{"a packing list as a PDF", "packing_list", "PL-0042.pdf", pdf, "application/pdf", `attachment; filename=PL-0042.pdf`},
		{"a PNG named .pdf is stored as a PNG", "bill_of_lading", "BL-77.pdf", img, "image/png", `attachment; filename=BL-77.pdf.png`},
		{"a document without a name is named after its type", "certificate_of_origin", "", pdf, "application/pdf", `attachment; filename=certificate_of_origin.pdf`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := uploaded(t, hub.upload(typed(tt.typ, tt.as), tt.body), http.StatusCreated)
			if d.MediaType != tt.media || d.Size != int64(len(tt.body)) || d.Type != tt.typ {
				t.Errorf("stored %+v; want %s of %d bytes as %s", d, tt.media, len(tt.body), tt.typ)
			}
			rec := hub.get(fmt.Sprintf("/api/v1/orders/PO-42/documents/%d", d.ID))
			if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), tt.body) {
				t.Fatalf("download: %d, %d bytes; want 200 and the %d bytes uploaded", rec.Code, rec.Body.Len(), len(tt.body))
			}
			h := rec.Header()
			if h.Get("Content-Type") != tt.media || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Disposition") != tt.file {
				t.Errorf("download headers: type %q, nosniff %q, disposition %q; want %q, nosniff, %q",
					h.Get("Content-Type"), h.Get("X-Content-Type-Options"), h.Get("Content-Disposition"), tt.media, tt.file)
			}
		})
	}
	if n := len(hub.documents(t)); n != len(tests) {
		t.Errorf("%d documents listed, want %d", n, len(tests))
	}
}

// form posts a multipart form as the dashboard does: the fields, then
// the file under filename.
func (d *documentHub) form(filename string, fields map[string]string, content []byte) *httptest.ResponseRecorder {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/orders/PO-42/documents", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, req)
	return rec
}

func TestADocumentIsUploadedFromTheDashboardsForm(t *testing.T) {
	hub := newDocumentHub(t, nil)
	form := hub.form
	d := uploaded(t, form("Invoice 2026-118.pdf", map[string]string{"type": "commercial_invoice"}, minimalPDF()), http.StatusCreated)
	if d.Name != "Invoice 2026-118.pdf" || d.Type != "commercial_invoice" || d.MediaType != "application/pdf" {
		t.Errorf("form upload stored %+v; want the file's name, the form's type, a PDF", d)
	}
	if rec := form("../../etc/cron.d/x.pdf", map[string]string{"type": "other"}, minimalPDF()); rec.Code != http.StatusBadRequest {
		t.Errorf("a form file named ../../etc/cron.d/x.pdf: %d %s, want 400", rec.Code, rec.Body)
	}
	if rec := form("scan.pdf", nil, minimalPDF()); rec.Code != http.StatusBadRequest {
		t.Errorf("a form without a type: %d %s, want 400", rec.Code, rec.Body)
	}
	if n := len(hub.documents(t)); n != 1 {
		t.Errorf("%d documents after one good form and two bad ones, want 1", n)
	}
}

func TestWhatIsNotADocumentIsRefusedAndNothingIsStored(t *testing.T) {
	hub := newDocumentHub(t, func(c *Config) { c.MaxDocumentBytes = 1 << 10 })
	pdf := minimalPDF()
	oversized := append(bytes.Clone(pdf), bytes.Repeat([]byte{' '}, 1<<10)...)
	tests := []struct {
		name string
		q    url.Values
		body []byte
		want int
	}{
		{"an HTML page", typed("packing_list", "PL.pdf"), []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), http.StatusUnsupportedMediaType},
		{"a ZIP archive", typed("packing_list", "PL.pdf"), []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00 docs.zip"), http.StatusUnsupportedMediaType},
		{"a PDF header after a byte of something else", typed("packing_list", "PL.pdf"), append([]byte(" "), pdf...), http.StatusUnsupportedMediaType},
		{"a body one KiB over the limit", typed("packing_list", "PL.pdf"), oversized, http.StatusRequestEntityTooLarge},
		{"an empty body", typed("packing_list", "PL.pdf"), nil, http.StatusBadRequest},
		{"a name going up with ../", typed("packing_list", "../PL.pdf"), pdf, http.StatusBadRequest},
		{"a name with a slash", typed("packing_list", "docs/PL.pdf"), pdf, http.StatusBadRequest},
		{"a name with a backslash", typed("packing_list", `C:\docs\PL.pdf`), pdf, http.StatusBadRequest},
		{"a name with a NUL", typed("packing_list", "PL.pdf\x00.png"), pdf, http.StatusBadRequest},
		{"a name with a newline", typed("packing_list", "PL\n.pdf"), pdf, http.StatusBadRequest},
		{"a name that reverses its extension", typed("packing_list", "PL\u202efdp.exe"), pdf, http.StatusBadRequest},
		{"a name of 201 characters", typed("packing_list", strings.Repeat("p", 197)+".pdf"), pdf, http.StatusBadRequest},
		{"an unknown document type", typed("selfie", "me.png"), pdf, http.StatusBadRequest},
		{"no document type", url.Values{"name": {"PL.pdf"}}, pdf, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			if rec := hub.upload(tt.q, tt.body); rec.Code != tt.want {
				t.Errorf("%d %s, want %d", rec.Code, rec.Body, tt.want)
			}
		})
	}
	if rec := hub.form("PL.pdf", map[string]string{"type": "packing_list"}, oversized); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a form whose file is one KiB over the limit: %d %s, want 413", rec.Code, rec.Body)
	}
	if rec := hub.form("PL.pdf", map[string]string{"type": "packing_list"}, bytes.Repeat(oversized, 100)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a form of 100 KiB: %d %s, want 413", rec.Code, rec.Body)
	}
	if ds := hub.documents(t); len(ds) != 0 {
		t.Errorf("documents after refusals: %+v, want none", ds)
	}
	// A name of exactly 200 characters, and the limit itself, are taken.
	if d := uploaded(t, hub.upload(typed("packing_list", strings.Repeat("p", 196)+".pdf"), pdf), http.StatusCreated); len(d.Name) != 200 {
		t.Errorf("name of %d characters stored, want 200", len(d.Name))
	}
	if rec := hub.upload(typed("other", "x.pdf"), oversized[:1<<10]); rec.Code != http.StatusCreated {
		t.Errorf("a body of exactly the limit: %d %s, want 201", rec.Code, rec.Body)
	}
	for _, path := range []string{"/api/v1/orders/PO-42/documents/999", "/api/v1/orders/PO-99/documents/1"} {
		if rec := hub.get(path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	if rec := hub.get("/api/v1/orders/PO-42/documents/abc"); rec.Code != http.StatusBadRequest {
		t.Errorf("a document id that is not a number: %d, want 400", rec.Code)
	}
}

func TestTheSameDocumentTwiceIsOneDocumentAndTheWarningsSeeIt(t *testing.T) {
	hub := newDocumentHub(t, nil)
	pdf := minimalPDF()
	first := uploaded(t, hub.upload(typed("packing_list", "PL-0042.pdf"), pdf), http.StatusCreated)
	again := uploaded(t, hub.upload(typed("packing_list", "PL-0042 (1).pdf"), pdf), http.StatusOK)
	if again.ID != first.ID || again.Name != "PL-0042.pdf" {
		t.Errorf("the same packing list again: %+v; want document %d under its first name", again, first.ID)
	}
	if ds := hub.documents(t); len(ds) != 1 {
		t.Errorf("%d documents listed, want 1", len(ds))
	}

	evs, ids := hub.orderEvents(t, 2)
	if ids[0] != ids[1] {
		t.Errorf("message ids %v: the same document must publish the same message", ids)
	}
	ev := evs[0]
	var data DocumentReceivedData
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatal(err)
	}
	if ev.Type != warnings.EventDocumentReceived || ev.OrderNumber != "PO-42" || ev.BuyerID != "ACME-DE" ||
		data.DocumentType != "packing_list" || data.DocumentNumber != "PL-0042.pdf" || data.DocumentID != first.ID || data.SHA256 != first.SHA256 {
		t.Errorf("published %+v with data %+v; want document_received of PO-42 naming the packing list", ev, data)
	}
	// The store sink keeps the event once, and the early-warning rules read it.
	sink := &pipelines.OrderEventSink{W: hub.st}
	for _, e := range evs {
		b, _ := json.Marshal(e)
		if err := sink.Handle(message.NewMessage("m", b)); err != nil {
			t.Fatalf("order event sink: %v", err)
		}
	}
	stored, err := hub.st.OrderEvents(t.Context(), "PO-42")
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored events: %d, %v; want the one document event", len(stored), err)
	}
	facts := warnings.FactsOf(lifecycle.Records{Order: hub.order, Events: []canonical.OrderEvent{stored[0].Event}})
	if !slices.Equal(facts.Documents, []string{"packing_list"}) {
		t.Errorf("warnings see documents %v, want [packing_list]", facts.Documents)
	}
}

func TestAnOrdersMessagesAreReadOldestFirstPageByPage(t *testing.T) {
	hub := newDocumentHub(t, nil)
	post := func(body string) (int, Message) {
		rec := httptest.NewRecorder()
		hub.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/orders/PO-42/messages", strings.NewReader(body)))
		var m Message
		_ = json.Unmarshal(rec.Body.Bytes(), &m)
		return rec.Code, m
	}
	long := strings.Repeat("Die Ventile sind verpackt. ", 6) // 162 characters
	for _, text := range []string{"Can you ship by Friday?", "Yes, on the 14th.", long} {
		if code, m := post(fmt.Sprintf(`{"text": %q}`, text)); code != http.StatusCreated || m.Text != text || m.ID == 0 {
			t.Fatalf("post %q: %d %+v", text, code, m)
		}
	}
	var texts []string
	path, pages := "/api/v1/orders/PO-42/messages?limit=2", 0
	for path != "" && pages < 5 {
		rec := hub.get(path)
		var l MessageList
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &l) != nil {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		pages++
		for _, m := range l.Messages {
			texts = append(texts, m.Text)
		}
		path = ""
		if l.NextCursor != "" {
			path = "/api/v1/orders/PO-42/messages?limit=2&cursor=" + url.QueryEscape(l.NextCursor)
		}
	}
	if got := strings.Join(texts, "|"); got != "Can you ship by Friday?|Yes, on the 14th.|"+long || pages != 2 {
		t.Errorf("thread in %d pages: %q; want the 3 messages oldest first in 2 pages", pages, got)
	}

	// The in-process pub/sub hands stored messages to a new subscriber in
	// any order: the events are told apart by their summaries.
	evs, _ := hub.orderEvents(t, 3)
	var summaries []string
	for _, ev := range evs {
		if ev.Type != EventMessagePosted || ev.OrderNumber != "PO-42" || ev.BuyerID != "ACME-DE" {
			t.Errorf("published %s of %s/%s, want message_posted of ACME-DE/PO-42", ev.Type, ev.BuyerID, ev.OrderNumber)
		}
		summaries = append(summaries, ev.Summary)
	}
	slices.Sort(summaries)
	if want := []string{"Can you ship by Friday?", string([]rune(long)[:80]), "Yes, on the 14th."}; !slices.Equal(summaries, want) {
		t.Errorf("summaries %q; want each message's first 80 characters %q", summaries, want)
	}

	for name, body := range map[string]string{
		"an empty text":               `{"text": ""}`,
		"a blank text":                `{"text": "  \n "}`,
		"a text of 4001 characters":   fmt.Sprintf(`{"text": %q}`, strings.Repeat("ü", 4001)),
		"no text field":               `{}`,
		"an unknown field":            `{"text": "hi", "to": "everyone"}`,
		"a body that is not JSON":     `text=hi`,
		"a text that is not a string": `{"text": 42}`,
	} {
		if code, _ := post(body); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	if code, _ := post(fmt.Sprintf(`{"text": %q}`, strings.Repeat("ü", 4000))); code != http.StatusCreated {
		t.Errorf("a text of exactly 4000 characters: %d, want 201", code)
	}
	if rec := hub.get("/api/v1/orders/PO-99/messages"); rec.Code != http.StatusNotFound {
		t.Errorf("messages of an order that does not exist: %d, want 404", rec.Code)
	}
	if rec := hub.get("/api/v1/orders/PO-42/messages?cursor=nonsense"); rec.Code != http.StatusBadRequest {
		t.Errorf("a cursor the API never gave: %d, want 400", rec.Code)
	}
}

func TestAMessagePostedAgainWithItsIdempotencyKeyIsPostedOnce(t *testing.T) {
	hub := newDocumentHub(t, nil)
	post := func(key, text string) (int, Message) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/api/v1/orders/PO-42/messages", strings.NewReader(fmt.Sprintf(`{"text": %q}`, text)))
		req.Header.Set("Idempotency-Key", key)
		hub.h.ServeHTTP(rec, req)
		var m Message
		_ = json.Unmarshal(rec.Body.Bytes(), &m)
		return rec.Code, m
	}
	code, first := post("form-7f3a", "Pallets are ready.")
	if code != http.StatusCreated {
		t.Fatalf("first post: %d, want 201", code)
	}
	if code, again := post("form-7f3a", "Pallets are ready."); code != http.StatusOK || again.ID != first.ID {
		t.Errorf("the double-submitted form: %d message %d; want 200 and message %d", code, again.ID, first.ID)
	}
	if code, _ := post("form-7f3a", "Pallets are NOT ready."); code != http.StatusConflict {
		t.Errorf("another text under the same key: %d, want 409", code)
	}
	if code, _ := post(strings.Repeat("k", 256), "hi"); code != http.StatusBadRequest {
		t.Errorf("a key of 256 characters: %d, want 400", code)
	}
	ms, _, err := hub.st.OrderMessages(t.Context(), store.MessageFilter{BuyerID: "ACME-DE", OrderNumber: "PO-42"})
	if err != nil || len(ms) != 1 {
		t.Errorf("thread: %d messages, %v; want the one", len(ms), err)
	}
	// Both posts published the same message: the order event sink keeps one.
	_, ids := hub.orderEvents(t, 2)
	if ids[0] != ids[1] {
		t.Errorf("message ids %v: a retried post must publish the same message", ids)
	}
}

func TestWhoMayUploadDocumentsAndPostMessages(t *testing.T) {
	// Each request carries the principal named in its X-Test-As header:
	// "role@party".
	as := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			role, party, _ := strings.Cut(r.Header.Get("X-Test-As"), "@")
			p := auth.Principal{UserID: "u-" + role, PartyID: party, Roles: []auth.Role{auth.Role(role)}}
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
	hub := newDocumentHub(t, func(c *Config) { c.Authenticate = as })
	do := func(method, who, path string, body []byte) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("X-Test-As", who)
		hub.h.ServeHTTP(rec, req)
		return rec.Code
	}
	pdf := minimalPDF()
	tests := []struct {
		name, method, who, path string
		body                    []byte
		want                    int
	}{
		{"the supplier uploads a packing list", "POST", "supplier@SUP-CN", "/api/v1/orders/PO-42/documents?type=packing_list&name=PL.pdf", pdf, http.StatusCreated},
		{"finance uploads a commercial invoice", "POST", "finance@ACME-DE", "/api/v1/orders/PO-42/documents?type=commercial_invoice&name=INV.pdf", pdf, http.StatusCreated},
		{"finance may not upload a bill of lading", "POST", "finance@ACME-DE", "/api/v1/orders/PO-42/documents?type=bill_of_lading&name=BL.pdf", pdf, http.StatusForbidden},
		{"a viewer may not upload", "POST", "viewer@ACME-DE", "/api/v1/orders/PO-42/documents?type=other&name=x.pdf", pdf, http.StatusForbidden},
		{"a viewer reads the documents", "GET", "viewer@ACME-DE", "/api/v1/orders/PO-42/documents", nil, http.StatusOK},
		{"another supplier does not see the order", "GET", "supplier@SUP-OTHER", "/api/v1/orders/PO-42/documents/1", nil, http.StatusNotFound},
		{"another supplier may not upload to it", "POST", "supplier@SUP-OTHER", "/api/v1/orders/PO-42/documents?type=other&name=x.pdf", pdf, http.StatusNotFound},
		{"the buyer posts a message", "POST", "buyer@ACME-DE", "/api/v1/orders/PO-42/messages", []byte(`{"text": "ship it"}`), http.StatusCreated},
		{"a viewer may not post a message", "POST", "viewer@ACME-DE", "/api/v1/orders/PO-42/messages", []byte(`{"text": "hi"}`), http.StatusForbidden},
		{"a viewer reads the thread", "GET", "viewer@ACME-DE", "/api/v1/orders/PO-42/messages", nil, http.StatusOK},
		{"another supplier does not read the thread", "GET", "supplier@SUP-OTHER", "/api/v1/orders/PO-42/messages", nil, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := do(tt.method, tt.who, tt.path, tt.body); got != tt.want {
				t.Errorf("%s %s as %s: %d, want %d", tt.method, tt.path, tt.who, got, tt.want)
			}
		})
	}
	ds, err := hub.st.OrderDocuments(t.Context(), "ACME-DE", "PO-42")
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, d := range ds {
		who = append(who, d.Type+" by "+d.UploadedBy+" of "+d.Party)
	}
	if got := strings.Join(who, ", "); got != "packing_list by u-supplier of SUP-CN, commercial_invoice by u-finance of ACME-DE" {
		t.Errorf("documents: %s; want the supplier's packing list and finance's invoice with their uploaders", got)
	}
	ms, _, err := hub.st.OrderMessages(t.Context(), store.MessageFilter{BuyerID: "ACME-DE", OrderNumber: "PO-42"})
	if err != nil || len(ms) != 1 || ms[0].Author != "u-buyer" || ms[0].Party != "ACME-DE" {
		t.Errorf("thread: %+v, %v; want the buyer's one message with its author and party", ms, err)
	}
}

func TestADownloadIsOfferedUnderANameThatIsSafeToSave(t *testing.T) {
	tests := []struct {
		name, media, want string
	}{
		{"PL-0042.pdf", "application/pdf", "PL-0042.pdf"},
		{"Invoice 2026 (copy).PDF", "application/pdf", "Invoice 2026 (copy).PDF"},
		{"Packliste Müller.pdf", "application/pdf", "Packliste Müller.pdf"},
		{`PL";x=.pdf`, "application/pdf", "PL__x_.pdf"},
		{".htaccess", "image/png", "_htaccess.png"},
		{"scan.jpeg", "image/jpeg", "scan.jpeg"},
		{"BL-77.pdf", "image/tiff", "BL-77.pdf.tif"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q as %s downloads as %q", tt.name, tt.media, tt.want), func(t *testing.T) {
			if got := downloadName(store.OrderDocument{Name: tt.name, MediaType: tt.media}); got != tt.want {
				t.Errorf("downloadName = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzDocumentName checks that a name the API takes never downloads under
// a name that is a path, hidden, or breaks out of its header.
func FuzzDocumentName(f *testing.F) {
	for _, seed := range []string{"PL-0042.pdf", "../PL.pdf", `C:\x.pdf`, "a\x00b", "Packliste Müller.pdf", "PL\u202efdp.exe", `"a";b`, "..", "."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if checkDocumentName(name) != "" {
			return
		}
		got := downloadName(store.OrderDocument{Name: name, MediaType: "application/pdf"})
		if strings.ContainsAny(got, "/\\\"';") || strings.HasPrefix(got, ".") || strings.Contains(got, "..") || !strings.HasSuffix(strings.ToLower(got), ".pdf") {
			t.Errorf("name %q taken, downloads as %q", name, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f {
				t.Errorf("name %q taken, downloads as %q with a control character", name, got)
			}
		}
	})
}
