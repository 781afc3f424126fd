package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/connectors/mapping/infer"
	"github.com/procurehub/procurehub/internal/store"
)

// Onboarding is partner onboarding for admins: the configured partners
// that read through a mapping, dry runs of a partner's file (with its
// mapping or one under review), and the partner's mapping versions.
type Onboarding interface {
	Partners(ctx context.Context) ([]OnboardingPartner, error)
	// DryRun decodes and validates sample as partner sends it, with mapping
	// instead of the partner's when given; nothing is published. The
	// result is JSON. ErrUnknownPartner for a partner not configured; an
	// error wrapping ErrBadMapping for a mapping that does not load.
	DryRun(ctx context.Context, partner, fileName string, sample, mapping []byte) (any, error)
	MappingVersions(ctx context.Context, partner string) ([]store.MappingVersion, error)
	// SaveMapping checks content as a mapping of partner's documents and
	// keeps it as the partner's next version; see SavedMapping.
	SaveMapping(ctx context.Context, partner string, content []byte) (SavedMapping, error)
}

// OnboardingPartner is a configured partner that reads through a mapping.
type OnboardingPartner struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Mapping is the mapping file the config names, or "inline".
	Mapping string `json:"mapping"`
	// Version is the version of the mapping the hub runs with (0: none recorded yet).
	Version int `json:"version"`
}

// SavedMapping is where a saved mapping went.
type SavedMapping struct {
	Partner string `json:"partner"`
	Version int    `json:"version"`
	Added   bool   `json:"added"` // false: the same content was a version already
	// File is the partner's mapping file the content was written to; ""
	// when the config holds the mapping inline (copy it there).
	File string `json:"file,omitempty"`
	Note string `json:"note"`
}

// Errors an Onboarding returns.
var (
	ErrUnknownPartner = errors.New("no such partner in the hub's config")
	ErrBadMapping     = errors.New("the mapping does not load")
)

// mappingVersionOut is a mapping version as the API shows it.
type mappingVersionOut struct {
	Version   int    `json:"version"`
	SHA256    string `json:"sha256"`
	CreatedAt string `json:"created_at"`
	Content   string `json:"content"`
}

// maxMappingBody bounds a posted mapping.
const maxMappingBody = 1 << 20

func (s *server) onboardingRoutes() []Route {
	on := s.cfg.Onboarding != nil
	return []Route{
		{Method: http.MethodGet, Pattern: "/onboarding/partners", Summary: "Partners that read through a mapping, with the mapping version they run.",
			Roles: adminsOnly, Scope: ScopeAdmin, Enabled: on, Handler: s.onboardingPartners},
		{Method: http.MethodPost, Pattern: "/onboarding/proposals",
			Summary: "Propose a mapping from a sample file (the body, CSV or XLSX): settings, a column per field with its confidence and reason, unplaced columns, and the mapping as YAML.",
			Roles:   adminsOnly, Scope: ScopeAdmin, Query: []string{"document", "file_name", "constant"}, Enabled: on, Handler: s.proposeMapping},
		{Method: http.MethodPost, Pattern: "/onboarding/partners/{partner}/dry-run",
			Summary: "Dry run a sample file (multipart: sample, and mapping to try instead of the partner's): records, rejected rows, validation findings; nothing is published.",
			Roles:   adminsOnly, Scope: ScopeAdmin, Query: []string{"file_name"}, Enabled: on, Handler: s.dryRun},
		{Method: http.MethodGet, Pattern: "/onboarding/partners/{partner}/mappings", Summary: "The partner's mapping versions, oldest first.",
			Roles: adminsOnly, Scope: ScopeAdmin, Enabled: on, Handler: s.mappingVersions},
		{Method: http.MethodPost, Pattern: "/onboarding/partners/{partner}/mappings",
			Summary: "Save a reviewed mapping (the body, YAML) as the partner's next version and write it to its mapping file; the hub reads with it from its next start.",
			Roles:   adminsOnly, Write: true, Scope: ScopeAdmin, Enabled: on, Handler: s.saveMapping},
	}
}

func (s *server) onboardingPartners(w http.ResponseWriter, r *http.Request) {
	ps, err := s.cfg.Onboarding.Partners(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if ps == nil {
		ps = []OnboardingPartner{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"partners": ps})
}

func (s *server) proposeMapping(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := infer.Options{Document: q.Get("document"), FileName: q.Get("file_name")}
	for _, c := range q["constant"] {
		k, v, ok := strings.Cut(c, "=")
		if !ok || strings.TrimSpace(k) == "" {
			writeError(w, http.StatusBadRequest, "bad_constant", fmt.Sprintf("constant %q is not FIELD=VALUE", c))
			return
		}
		if opts.Constants == nil {
			opts.Constants = map[string]string{}
		}
		opts.Constants[strings.TrimSpace(k)] = v
	}
	sample, ok := readBody(w, r, infer.MaxSampleSize, "sample")
	if !ok {
		return
	}
	p, err := infer.Infer(sample, opts)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "not_a_table", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"proposal": p, "yaml": string(p.YAML())})
}

func (s *server) dryRun(w http.ResponseWriter, r *http.Request) {
	partner := chi.URLParam(r, "partner")
	name := r.URL.Query().Get("file_name")
	var sample, mapping []byte
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, infer.MaxSampleSize+maxMappingBody+64<<10), params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_form", "multipart body: "+err.Error())
				return
			}
			b, err := io.ReadAll(io.LimitReader(part, infer.MaxSampleSize+1))
			if err != nil {
				writeError(w, http.StatusBadRequest, "bad_form", "multipart body: "+err.Error())
				return
			}
			switch part.FormName() {
			case "sample":
				sample = b
				if name == "" {
					name = part.FileName()
				}
			case "mapping":
				mapping = b
			}
		}
	} else {
		var ok bool
		if sample, ok = readBody(w, r, infer.MaxSampleSize, "sample"); !ok {
			return
		}
	}
	if len(sample) == 0 {
		writeError(w, http.StatusBadRequest, "no_sample", "send the sample file as the body or as the multipart part \"sample\"")
		return
	}
	if len(sample) > infer.MaxSampleSize || len(mapping) > maxMappingBody {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a sample is at most %d bytes, a mapping %d", infer.MaxSampleSize, maxMappingBody))
		return
	}
	if name == "" {
		name = "sample"
	}
	if len(bytes.TrimSpace(mapping)) == 0 {
		mapping = nil
	}
	out, err := s.cfg.Onboarding.DryRun(r.Context(), partner, name, sample, mapping)
	if s.onboardingError(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) mappingVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := s.cfg.Onboarding.MappingVersions(r.Context(), chi.URLParam(r, "partner"))
	if s.onboardingError(w, r, err) {
		return
	}
	out := make([]mappingVersionOut, len(vs))
	for i, v := range vs {
		out[i] = mappingVersionOut{Version: v.Version, SHA256: v.SHA256, CreatedAt: v.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Content: string(v.Content)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": out})
}

func (s *server) saveMapping(w http.ResponseWriter, r *http.Request) {
	partner := chi.URLParam(r, "partner")
	body, ok := readBody(w, r, maxMappingBody, "mapping")
	if !ok {
		return
	}
	saved, err := s.cfg.Onboarding.SaveMapping(r.Context(), partner, body)
	if s.onboardingError(w, r, err) {
		return
	}
	audit(r, partner, nil, saved)
	writeJSON(w, http.StatusOK, saved)
}

// onboardingError answers err, if any, and reports whether it did.
func (s *server) onboardingError(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrUnknownPartner):
		writeError(w, http.StatusNotFound, "unknown_partner", err.Error())
	case errors.Is(err, ErrBadMapping):
		writeError(w, http.StatusUnprocessableEntity, "bad_mapping", err.Error())
	default:
		s.internal(w, r, err)
	}
	return true
}

// readBody reads a request body of at most limit bytes, answering 413 or
// 400 itself.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, what string) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the %s is larger than %d bytes", what, limit))
		return nil, false
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_body", err.Error())
		return nil, false
	case len(b) == 0:
		writeError(w, http.StatusBadRequest, "empty_body", "the body must hold the "+what)
		return nil, false
	}
	return b, true
}
