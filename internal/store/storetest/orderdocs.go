package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/procurehub/procurehub/internal/store"
)

// --- order documents and messages ---

// packingList is the content of a small document: the suite never looks
// inside, so any bytes do, NUL and high bytes included (stored as binary).
var packingList = []byte("%PDF-1.4\n\x00\xff\xfe packing list PL-0042\n%%EOF\n")

func addDocument(t *testing.T, s Store, d store.OrderDocument) (store.OrderDocument, bool) {
	t.Helper()
	got, added, err := s.AddOrderDocument(t.Context(), d)
	if err != nil {
		t.Fatalf("AddOrderDocument(%s %q): %v", d.Type, d.Name, err)
	}
	return got, added
}

func plDocument() store.OrderDocument {
	return store.OrderDocument{BuyerID: "acme-de", OrderNumber: "PO-1", Type: store.DocumentPackingList, Name: "PL-0042.pdf",
		MediaType: "application/pdf", UploadedBy: "u-sup-1", Party: "shenzhen-parts", Content: packingList}
}

func documentReadBack(t *testing.T, s Store) {
	d, added := addDocument(t, s, plDocument())
	sum := sha256.Sum256(packingList)
	if !added || d.ID == 0 {
		t.Fatalf("first upload: added %v id %d; want a new document with an id", added, d.ID)
	}
	if d.SHA256 != hex.EncodeToString(sum[:]) || d.Size != int64(len(packingList)) || d.Content != nil {
		t.Errorf("stored %+v; want the content's sha256 and size, no content in the answer", d)
	}
	got, err := s.GetOrderDocument(t.Context(), "acme-de", "PO-1", d.ID)
	if err != nil {
		t.Fatalf("GetOrderDocument: %v", err)
	}
	if !bytes.Equal(got.Content, packingList) {
		t.Errorf("content read back %q, want the bytes written %q", got.Content, packingList)
	}
	want := fmt.Sprintf("%d acme-de PO-1 packing_list PL-0042.pdf application/pdf u-sup-1 shenzhen-parts", d.ID)
	if line := fmt.Sprintf("%d %s %s %s %s %s %s %s", got.ID, got.BuyerID, got.OrderNumber, got.Type, got.Name, got.MediaType,
		got.UploadedBy, got.Party); line != want || got.SHA256 != d.SHA256 || got.CreatedAt.IsZero() {
		t.Errorf("read back %q sha %s created %v; want %q with the same sha256 and a time", line, got.SHA256, got.CreatedAt, want)
	}
	list, err := s.OrderDocuments(t.Context(), "acme-de", "PO-1")
	if err != nil || len(list) != 1 || list[0].ID != d.ID || list[0].Content != nil || list[0].Size != d.Size {
		t.Errorf("OrderDocuments = %+v, %v; want the one document without content", list, err)
	}
}

func documentTwice(t *testing.T, s Store) {
	first, _ := addDocument(t, s, plDocument())
	again := plDocument()
	again.Name, again.UploadedBy = "packing-list-copy.pdf", "u-buyer-1"
	got, added := addDocument(t, s, again)
	if added || got.ID != first.ID || got.Name != "PL-0042.pdf" {
		t.Errorf("the same content again: added %v id %d name %q; want document %d under its first name", added, got.ID, got.Name, first.ID)
	}
	asInvoice := plDocument()
	asInvoice.Type = store.DocumentCommercialInvoice
	otherOrder := plDocument()
	otherOrder.OrderNumber = "PO-2"
	otherBuyer := plDocument()
	otherBuyer.BuyerID = "other-buyer"
	for _, d := range []store.OrderDocument{asInvoice, otherOrder, otherBuyer} {
		if got, added := addDocument(t, s, d); !added || got.ID == first.ID {
			t.Errorf("%s of %s/%s: added %v id %d; want a document of its own", d.Type, d.BuyerID, d.OrderNumber, added, got.ID)
		}
	}
	list, err := s.OrderDocuments(t.Context(), "acme-de", "PO-1")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, d := range list {
		types = append(types, d.Type)
	}
	if strings.Join(types, ",") != "packing_list,commercial_invoice" {
		t.Errorf("documents of PO-1: %v; want packing_list then commercial_invoice, in upload order", types)
	}
}

func documentOfAnotherOrder(t *testing.T, s Store) {
	d, _ := addDocument(t, s, plDocument())
	for _, k := range [][2]string{{"acme-de", "PO-2"}, {"other-buyer", "PO-1"}} {
		if _, err := s.GetOrderDocument(t.Context(), k[0], k[1], d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("document %d as one of %s/%s: err = %v, want ErrNotFound", d.ID, k[0], k[1], err)
		}
	}
	if _, err := s.GetOrderDocument(t.Context(), "acme-de", "PO-1", d.ID+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a document id never given: err = %v, want ErrNotFound", err)
	}
	if list, err := s.OrderDocuments(t.Context(), "acme-de", "PO-2"); err != nil || list == nil || len(list) != 0 {
		t.Errorf("documents of an order without any: %v, %v; want an empty list", list, err)
	}
}

func documentRefused(t *testing.T, s Store) {
	tests := []struct {
		name    string
		breakIt func(d *store.OrderDocument)
	}{
		{"a document of an unknown type", func(d *store.OrderDocument) { d.Type = "selfie" }},
		{"a document without content", func(d *store.OrderDocument) { d.Content = nil }},
		{"a document without a name", func(d *store.OrderDocument) { d.Name = " " }},
		{"a document without an order number", func(d *store.OrderDocument) { d.OrderNumber = "" }},
		{"a document with a NUL in its name", func(d *store.OrderDocument) { d.Name = "PL\x00.pdf" }},
		{"a document with invalid UTF-8 in its name", func(d *store.OrderDocument) { d.Name = "PL\xff.pdf" }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			d := plDocument()
			tt.breakIt(&d)
			if _, _, err := s.AddOrderDocument(t.Context(), d); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if list, err := s.OrderDocuments(t.Context(), "acme-de", "PO-1"); err != nil || len(list) != 0 {
		t.Errorf("documents after refusals: %d, %v; want none", len(list), err)
	}
}

func concurrentDocuments(t *testing.T, s Store) {
	const n = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added int
		ids   = map[int64]bool{}
	)
	for range n {
		wg.Go(func() {
			d, ok, err := s.AddOrderDocument(t.Context(), plDocument())
			if err != nil {
				t.Errorf("AddOrderDocument: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[d.ID] = true
			if ok {
				added++
			}
		})
	}
	wg.Wait()
	if added != 1 || len(ids) != 1 {
		t.Errorf("%d uploads: %d new, ids %v; want exactly one new document, one id", n, added, ids)
	}
}

func addMessage(t *testing.T, s Store, order, author, text string) store.OrderMessage {
	t.Helper()
	m, added, err := s.AddOrderMessage(t.Context(), store.OrderMessage{BuyerID: "acme-de", OrderNumber: order, Author: author,
		Party: "party-of-" + author, Text: text})
	if err != nil || !added {
		t.Fatalf("AddOrderMessage(%q) = added %v, %v; want a new message", text, added, err)
	}
	return m
}

func messageThread(t *testing.T, s Store) {
	m := addMessage(t, s, "PO-1", "u-buyer-1", "Can you ship by Friday?")
	if m.ID == 0 || m.CreatedAt.IsZero() || m.Author != "u-buyer-1" || m.Party != "party-of-u-buyer-1" || m.Text != "Can you ship by Friday?" {
		t.Errorf("stored message %+v; want it as written with an id and a time", m)
	}
	addMessage(t, s, "PO-2", "u-buyer-1", "another order's thread")
	for i := 2; i <= 5; i++ {
		addMessage(t, s, "PO-1", "u-sup-1", fmt.Sprintf("reply %d", i))
	}
	var (
		texts  []string
		cursor string
		pages  int
	)
	for {
		ms, next, err := s.OrderMessages(t.Context(), store.MessageFilter{BuyerID: "acme-de", OrderNumber: "PO-1", Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatalf("OrderMessages page %d: %v", pages+1, err)
		}
		pages++
		for _, m := range ms {
			texts = append(texts, m.Text)
		}
		if next == "" || pages > 5 {
			break
		}
		cursor = next
	}
	if got := strings.Join(texts, "|"); got != "Can you ship by Friday?|reply 2|reply 3|reply 4|reply 5" || pages != 3 {
		t.Errorf("thread of PO-1 in %d pages: %s; want 5 messages oldest first in 3 pages of 2", pages, got)
	}
	if _, _, err := s.OrderMessages(t.Context(), store.MessageFilter{BuyerID: "acme-de", OrderNumber: "PO-1", Cursor: "not-a-cursor"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: err = %v, want ErrInvalid", err)
	}
	if ms, _, err := s.OrderMessages(t.Context(), store.MessageFilter{BuyerID: "other-buyer", OrderNumber: "PO-1"}); err != nil || len(ms) != 0 {
		t.Errorf("PO-1 of another buyer: %d messages, %v; want none", len(ms), err)
	}
}

func messageRefused(t *testing.T, s Store) {
	for name, text := range map[string]string{
		"an empty message":                 "",
		"a blank message":                  " \n\t",
		"a message of 4001 characters":     strings.Repeat("ü", store.MaxMessageLength+1),
		"a message with a NUL in its text": "hello\x00",
	} {
		_, _, err := s.AddOrderMessage(t.Context(), store.OrderMessage{BuyerID: "acme-de", OrderNumber: "PO-1", Text: text})
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if m := addMessage(t, s, "PO-1", "u-1", strings.Repeat("ü", store.MaxMessageLength)); len([]rune(m.Text)) != store.MaxMessageLength {
		t.Errorf("a message of exactly 4000 characters came back with %d", len([]rune(m.Text)))
	}
	if ms, _, err := s.OrderMessages(t.Context(), store.MessageFilter{BuyerID: "acme-de", OrderNumber: "PO-1"}); err != nil || len(ms) != 1 {
		t.Errorf("thread after refusals: %d messages, %v; want only the one of 4000 characters", len(ms), err)
	}
}

func messageIdempotencyKey(t *testing.T, s Store) {
	post := func(author, party, key, text string) (store.OrderMessage, bool) {
		t.Helper()
		m, added, err := s.AddOrderMessage(t.Context(), store.OrderMessage{BuyerID: "acme-de", OrderNumber: "PO-1", Author: author,
			Party: party, Text: text, IdempotencyKey: key})
		if err != nil {
			t.Fatalf("AddOrderMessage(%s, %q): %v", author, key, err)
		}
		return m, added
	}
	first, added := post("u-buyer-1", "acme-de", "k-1", "Can you ship by Friday?")
	if !added || first.IdempotencyKey != "k-1" {
		t.Fatalf("first post: added %v %+v; want a new message with its key", added, first)
	}
	if again, added := post("u-buyer-1", "acme-de", "k-1", "Can you ship by Friday?"); added || again.ID != first.ID {
		t.Errorf("the retried post: added %v id %d; want message %d", added, again.ID, first.ID)
	}
	// The same key of another author, and posts without a key, are messages of their own.
	if m, added := post("u-sup-1", "shenzhen-parts", "k-1", "Yes."); !added || m.ID == first.ID {
		t.Errorf("another author's key k-1: added %v id %d; want a message of its own", added, m.ID)
	}
	for range 2 {
		if _, added := post("u-buyer-1", "acme-de", "", "Thanks!"); !added {
			t.Error("a post without a key was not added")
		}
	}
	ms, _, err := s.OrderMessages(t.Context(), store.MessageFilter{BuyerID: "acme-de", OrderNumber: "PO-1"})
	if err != nil || len(ms) != 4 {
		t.Errorf("thread: %d messages, %v; want 4 (the retry is not one)", len(ms), err)
	}

	const n = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fresh int
		ids   = map[int64]bool{}
	)
	for range n {
		wg.Go(func() {
			m, added, err := s.AddOrderMessage(t.Context(), store.OrderMessage{BuyerID: "acme-de", OrderNumber: "PO-1",
				Author: "u-sup-1", Party: "shenzhen-parts", Text: "shipped", IdempotencyKey: "k-concurrent"})
			if err != nil {
				t.Errorf("concurrent post: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[m.ID] = true
			if added {
				fresh++
			}
		})
	}
	wg.Wait()
	if fresh != 1 || len(ids) != 1 {
		t.Errorf("%d concurrent posts with one key: %d new, ids %v; want exactly one message", n, fresh, ids)
	}
}
