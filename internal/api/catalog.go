package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// CatalogReader is what the API reads stored catalog items from.
type CatalogReader interface {
	CatalogItems(ctx context.Context, f store.CatalogFilter) ([]store.StoredCatalogItem, string, error)
	GetCatalogItem(ctx context.Context, supplierID, sku string) (*store.StoredCatalogItem, error)
}

// CatalogImporter takes valid catalog items into the catalog the way a
// partner's price list file goes: published to procurehub.catalog.v1,
// stored by the catalog sink, then in the live catalog that validation
// and the demand planner read. applied reports whether every item was in
// the live catalog before the importer stopped waiting; false means it
// was published and will be applied shortly.
type CatalogImporter interface {
	ImportCatalogItems(ctx context.Context, items []canonical.CatalogItem) (applied bool, err error)
}

// CatalogItem is a catalog item as the API shows it: the canonical fields
// plus the hub's own.
type CatalogItem struct {
	canonical.CatalogItem
	// Partner is who last changed its content ("api" for items posted here).
	Partner   string    `json:"partner,omitempty"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func fromStoredCatalogItem(it store.StoredCatalogItem) CatalogItem {
	return CatalogItem{CatalogItem: *it.Item, Partner: it.Partner, Version: it.Version, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
}

// CatalogList is the body of GET /api/v1/catalog/items.
type CatalogList struct {
	Items      []CatalogItem `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// CatalogImport is the JSON body of POST /api/v1/catalog/items.
type CatalogImport struct {
	Items []canonical.CatalogItem `json:"items"`
}

// InvalidCatalogItem is one refused item of a POST: its position in the
// request's items and every problem, with paths from the request's root
// ("items[2].prices[0].currency").
type InvalidCatalogItem struct {
	Index    int                    `json:"index"`
	Problems []canonical.FieldError `json:"problems"`
}

// CatalogImportResponse is what POST /api/v1/catalog/items answers.
type CatalogImportResponse struct {
	// DryRun: the items were only validated; nothing was published.
	DryRun bool `json:"dry_run"`
	// Accepted is how many items were valid (all of them, or none was taken).
	Accepted int `json:"accepted"`
	// Applied: every item is stored and in the live catalog, so orders
	// validated from now on are checked against it (201). False on a
	// taken request means published, not yet applied (202).
	Applied bool                 `json:"applied"`
	Invalid []InvalidCatalogItem `json:"invalid,omitempty"`
}

// maxCatalogBody bounds a catalog import request.
const maxCatalogBody = 16 << 20

// listCatalogItems answers GET /catalog/items?supplier=&sku=&limit=&cursor=:
// stored items in the order they were first stored, a page at a time.
func (s *server) listCatalogItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.CatalogFilter{SupplierID: q.Get("supplier"), SKU: q.Get("sku"), Cursor: q.Get("cursor")}
	var ok bool
	if f.Limit, ok = pageLimit(w, q.Get("limit")); !ok {
		return
	}
	items, next, err := s.cfg.Catalog.CatalogItems(r.Context(), f)
	if !s.listed(w, r, err) {
		return
	}
	out := CatalogList{Items: make([]CatalogItem, 0, len(items)), NextCursor: next}
	for _, it := range items {
		out.Items = append(out.Items, fromStoredCatalogItem(it))
	}
	writeJSON(w, http.StatusOK, out)
}

// getCatalogItem answers GET /catalog/items/{supplier}/{sku}; a sku with a
// slash is sent percent-encoded (%2F).
func (s *server) getCatalogItem(w http.ResponseWriter, r *http.Request) {
	supplier, sku := pathParam(r, "supplier"), pathParam(r, "sku")
	it, err := s.cfg.Catalog.GetCatalogItem(r.Context(), supplier, sku)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "catalog_item_not_found", fmt.Sprintf("no catalog item %q of supplier %q", sku, supplier))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fromStoredCatalogItem(*it))
}

// postCatalogItems answers POST /catalog/items with {"items": [...]} of
// canonical catalog items.
//
// Every item is validated first, and when any is invalid nothing is taken:
// 422 names each invalid item by its index with every problem's field
// path. A price list is one document: taking the valid part alone would
// leave the catalog with some of a supplier's new prices and some of its
// old ones, and the caller would have to work out which were taken. Since
// the same item sent again changes nothing, the caller fixes the items and
// sends the whole list again.
//
// ?dry_run=true stops after validation (200). Otherwise the items are
// published to procurehub.catalog.v1, not written to the store here: file
// imports go that way, so there is one path into the store (one sink, one
// idempotency rule, one refresh of the live catalog, the topic as the
// record of every catalog change). The request then waits, bounded, until
// the live catalog holds every item: 201 when it does, so an order
// validated after the answer is checked against the new items, 202 when
// it was published but not yet applied.
func (s *server) postCatalogItems(w http.ResponseWriter, r *http.Request) {
	dry := false
	if v := r.URL.Query().Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_dry_run", "dry_run must be true or false")
			return
		}
		dry = b
	}
	var req CatalogImport
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCatalogBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		msg := "the body is not JSON of the shape {\"items\": [...]}: " + err.Error()
		if errors.Is(err, io.EOF) {
			msg = "the body is empty; send {\"items\": [...]}"
		}
		writeError(w, http.StatusBadRequest, "bad_body", msg)
		return
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "bad_body", "the body holds more than one JSON value")
		return
	}
	if len(req.Items) == 0 {
		writeError(w, http.StatusBadRequest, "no_items", "no catalog item to import")
		return
	}
	var invalid []InvalidCatalogItem
	for i := range req.Items {
		err := req.Items[i].Validate()
		if err == nil {
			continue
		}
		bad := InvalidCatalogItem{Index: i}
		if ve := canonical.AsValidationError(err); ve != nil {
			for _, p := range ve.Problems {
				p.Path = fmt.Sprintf("items[%d].%s", i, p.Path)
				bad.Problems = append(bad.Problems, p)
			}
		} else {
			bad.Problems = []canonical.FieldError{{Path: fmt.Sprintf("items[%d]", i), Code: "invalid", Message: err.Error()}}
		}
		invalid = append(invalid, bad)
	}
	if own, ok := supplierOnly(r); ok {
		for i, it := range req.Items {
			if it.Supplier.ID != own {
				writeError(w, http.StatusForbidden, "forbidden",
					fmt.Sprintf("items[%d] is of supplier %q; a supplier posts only its own items (%q); nothing was taken", i, it.Supplier.ID, own))
				return
			}
		}
	}
	if len(invalid) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, struct {
			Error apiError `json:"error"`
			CatalogImportResponse
		}{
			Error:                 apiError{Code: "invalid_items", Message: fmt.Sprintf("%d of %d items are invalid; nothing was taken", len(invalid), len(req.Items))},
			CatalogImportResponse: CatalogImportResponse{DryRun: dry, Invalid: invalid},
		})
		return
	}
	if dry {
		writeJSON(w, http.StatusOK, CatalogImportResponse{DryRun: true, Accepted: len(req.Items)})
		return
	}
	applied, err := s.cfg.CatalogImport.ImportCatalogItems(r.Context(), req.Items)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	status := http.StatusCreated
	if !applied {
		status = http.StatusAccepted
	}
	audit(r, req.Items[0].Supplier.ID, nil, map[string]int{"items": len(req.Items)})
	writeJSON(w, status, CatalogImportResponse{Accepted: len(req.Items), Applied: applied})
}

// pathParam returns a path parameter decoded: chi hands it over still
// percent-encoded when the request path was (a "/" sent as %2F).
func pathParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if r.URL.RawPath == "" {
		return v
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
