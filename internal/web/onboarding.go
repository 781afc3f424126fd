package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/mapping/infer"
)

// maxUISample bounds a sample uploaded through the page (it rides along
// in the page's forms); `procurehub partner init` takes up to 8 MiB.
const maxUISample = 1 << 20

// onboardingView is what /ui/onboarding shows: the partners that read
// through a mapping, and, once a sample was uploaded, the proposal, the
// mapping under review, its dry run and, once saved, where it went.
type onboardingView struct {
	Partners []onboardingPartner
	Partner  string // the partner the review is for
	Document string
	BuyerID  string

	SampleName string
	Sample     string // base64, carried by the forms
	Proposal   *infer.Proposal
	YAML       string // the mapping under review (the proposal, as edited)
	DryRun     *dryRun
	Saved      *savedMapping
	Error      string // what the API said about the mapping under review
	Documents  []string
}

type onboardingPartner struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Mapping string `json:"mapping"`
	Version int    `json:"version"`
}

// dryRun is the API's dry run, as the page shows it.
type dryRun struct {
	File    string `json:"file"`
	Records []struct {
		Type   string          `json:"type"`
		Key    string          `json:"key"`
		Data   json.RawMessage `json:"data"`
		Errors int             `json:"errors"`
	} `json:"records"`
	RowErrors []connectors.RowError `json:"row_errors"`
	FileError *connectors.FileError `json:"file_error"`
	Held      int                   `json:"held"`
}

type savedMapping struct {
	Version int    `json:"version"`
	Added   bool   `json:"added"`
	File    string `json:"file"`
	Note    string `json:"note"`
}

// onboardingPage is GET /ui/onboarding: the partners and the upload form.
func (s *server) onboardingPage(w http.ResponseWriter, r *http.Request) {
	v := &onboardingView{Partner: r.URL.Query().Get("partner")}
	if !s.loadPartners(w, r, v) {
		return
	}
	s.render(w, r, sessionOf(r.Context()), http.StatusOK, "onboarding", "Partner onboarding", v)
}

func (s *server) loadPartners(w http.ResponseWriter, r *http.Request, v *onboardingView) bool {
	var body struct {
		Partners []onboardingPartner `json:"partners"`
	}
	res, err := s.getJSON(r.Context(), sessionOf(r.Context()), "/api/v1/onboarding/partners", nil, &body)
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The partners could not be read.")
		return false
	}
	if res.Status != http.StatusOK {
		s.apiFailed(w, r, res, "partner onboarding (admins only)")
		return false
	}
	v.Partners = body.Partners
	v.Documents = []string{"order", "order_response", "shipment", "invoice", "production_progress", "catalog_item"}
	if v.Partner == "" && len(v.Partners) > 0 {
		v.Partner = v.Partners[0].Name
	}
	return true
}

// onboardingPost is POST /ui/onboarding/{step}: propose (a sample was
// uploaded), test (the mapping under review, on the sample) or save.
func (s *server) onboardingPost(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	f := r.PostForm
	v := &onboardingView{Partner: f.Get("partner"), Document: f.Get("document"), BuyerID: strings.TrimSpace(f.Get("buyer_id")),
		YAML: f.Get("yaml"), SampleName: f.Get("sample_name"), Sample: f.Get("sample")}
	if !s.loadPartners(w, r, v) {
		return
	}
	sample, err := base64.StdEncoding.DecodeString(v.Sample)
	if err != nil {
		sample = nil
	}
	step := r.PathValue("step")
	switch step {
	case "propose", "test", "save":
	default:
		s.fail(w, r, nil, http.StatusNotFound, "No such onboarding step.")
		return
	}
	if step == "propose" {
		file, hdr, err := r.FormFile("file")
		if err != nil {
			s.fail(w, r, nil, http.StatusBadRequest, "Choose a sample file to upload.")
			return
		}
		sample, err = io.ReadAll(io.LimitReader(file, maxUISample+1))
		file.Close()
		if err != nil || len(sample) > maxUISample {
			s.fail(w, r, err, http.StatusRequestEntityTooLarge, "The sample is over 1 MiB: a few hundred rows do; or use procurehub partner init.")
			return
		}
		v.SampleName, v.Sample = hdr.Filename, base64.StdEncoding.EncodeToString(sample)
		q := url.Values{"file_name": {hdr.Filename}}
		if v.Document != "" {
			q.Set("document", v.Document)
		}
		if v.BuyerID != "" {
			q.Set("constant", "buyer.id="+v.BuyerID)
		}
		res, err := s.callRaw(ctx, sess, http.MethodPost, "/api/v1/onboarding/proposals", q, "application/octet-stream", sample)
		if err != nil {
			s.fail(w, r, err, http.StatusBadGateway, "The sample could not be sent.")
			return
		}
		var out struct {
			Proposal *infer.Proposal `json:"proposal"`
			YAML     string          `json:"yaml"`
		}
		switch {
		case res.OK() && json.Unmarshal(res.Body, &out) == nil:
			v.Proposal, v.YAML = out.Proposal, out.YAML
		case res.Status == http.StatusUnprocessableEntity:
			v.Error = res.Message()
		default:
			s.apiFailed(w, r, res, "propose a mapping")
			return
		}
	}
	if len(sample) == 0 && step != "save" {
		s.fail(w, r, nil, http.StatusBadRequest, "Upload a sample first.")
		return
	}
	partner := url.PathEscape(v.Partner)
	switch {
	case step == "save":
		res, err := s.callRaw(ctx, sess, http.MethodPost, "/api/v1/onboarding/partners/"+partner+"/mappings", nil, "application/yaml", []byte(v.YAML))
		if err != nil {
			s.fail(w, r, err, http.StatusBadGateway, "The mapping could not be sent.")
			return
		}
		switch {
		case res.OK():
			v.Saved = &savedMapping{}
			if err := json.Unmarshal(res.Body, v.Saved); err != nil {
				s.fail(w, r, err, http.StatusBadGateway, "The answer could not be read.")
				return
			}
			s.loadPartners(w, r, v) // the new version
		case res.Status == http.StatusUnprocessableEntity || res.Status == http.StatusNotFound:
			v.Error = res.Message()
		default:
			s.apiFailed(w, r, res, "save the mapping")
			return
		}
	case v.Error == "" && v.Partner != "":
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		fw, _ := mw.CreateFormFile("sample", v.SampleName)
		fw.Write(sample)
		mw.WriteField("mapping", v.YAML)
		mw.Close()
		res, err := s.callRaw(ctx, sess, http.MethodPost, "/api/v1/onboarding/partners/"+partner+"/dry-run", nil, mw.FormDataContentType(), form.Bytes())
		if err != nil {
			s.fail(w, r, err, http.StatusBadGateway, "The dry run could not be sent.")
			return
		}
		switch {
		case res.OK():
			v.DryRun = &dryRun{}
			if err := json.Unmarshal(res.Body, v.DryRun); err != nil {
				s.fail(w, r, err, http.StatusBadGateway, "The dry run's answer could not be read.")
				return
			}
		case res.Status == http.StatusUnprocessableEntity || res.Status == http.StatusNotFound:
			v.Error = res.Message()
		default:
			s.apiFailed(w, r, res, "dry run")
			return
		}
	}
	s.render(w, r, sess, http.StatusOK, "onboarding", "Partner onboarding", v)
}
