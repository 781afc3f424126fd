package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/ordering"
)

// DemandPlanner turns demand lines into purchase orders: a plan, and when
// create is true, the orders sent on to be stored and validated.
type DemandPlanner interface {
	PlanDemand(ctx context.Context, lines []ordering.DemandLine, create bool) (ordering.Plan, error)
}

// DemandRequest is the JSON body of POST /api/v1/demand (a CSV body with
// the columns of ordering.ReadCSV is taken too, as text/csv).
type DemandRequest struct {
	Lines []ordering.DemandLine `json:"lines"`
}

// DemandResponse is what POST /api/v1/demand answers.
type DemandResponse struct {
	// DryRun: the plan was only shown; no order was created.
	DryRun    bool                  `json:"dry_run"`
	Plan      ordering.Plan         `json:"plan"`
	RowErrors []connectors.RowError `json:"row_errors,omitempty"`
}

// maxDemandBody bounds a demand request.
const maxDemandBody = 8 << 20

// postDemand plans demand into orders: ?dry_run=true shows the orders it
// would create (200); otherwise they are created (201) and go through
// validation like every order.
func (s *server) postDemand(w http.ResponseWriter, r *http.Request) {
	dry := false
	if v := r.URL.Query().Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_dry_run", "dry_run must be true or false")
			return
		}
		dry = b
	}
	body := http.MaxBytesReader(w, r.Body, maxDemandBody)
	var (
		lines   []ordering.DemandLine
		rowErrs []connectors.RowError
	)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "text/csv":
		var err error
		lines, rowErrs, err = ordering.ReadCSV(r.Context(), "demand.csv", body)
		var fe *connectors.FileError
		if errors.As(err, &fe) {
			writeError(w, http.StatusBadRequest, fe.Code, fe.Error())
			return
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_body", "the demand CSV was not read: "+err.Error())
			return
		}
	case "application/json", "":
		var req DemandRequest
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
			writeError(w, http.StatusBadRequest, "bad_body", "the demand is not JSON of the expected shape: "+err.Error())
			return
		}
		lines = req.Lines
	default:
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json or text/csv")
		return
	}
	if len(lines) == 0 {
		writeError(w, http.StatusBadRequest, "no_demand", "no demand line to plan")
		return
	}
	plan, err := s.cfg.Demand.PlanDemand(r.Context(), lines, !dry)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	status := http.StatusCreated
	if dry {
		status = http.StatusOK
	}
	audit(r, "", nil, map[string]any{"dry_run": dry, "orders": len(plan.Orders)})
	writeJSON(w, status, DemandResponse{DryRun: dry, Plan: plan, RowErrors: rowErrs})
}
