package mapping

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// progressRecord builds the canonical.OrderEvent of one row of a
// production progress report: type production_progress, occurred at the
// report date (midnight UTC), with a canonical.ProductionProgress as data.
type progressRecord struct {
	e      *canonical.OrderEvent
	p      canonical.ProductionProgress
	report canonical.Date
}

func (r *progressRecord) begin() {
	r.e = &canonical.OrderEvent{Type: canonical.EventProductionProgress}
	r.p, r.report = canonical.ProductionProgress{}, canonical.Date{}
}

func (r *progressRecord) head(f fieldID, v value) {
	switch f {
	case fOrderNumber:
		r.e.OrderNumber = v.s
	case fBuyerID:
		r.e.BuyerID = v.s
	case fReportDate:
		r.report = v.date
	case fPercentComplete:
		r.p.PercentComplete = v.decimalPtr()
	case fExpectedReadyDate:
		r.p.ExpectedReadyDate = v.date
	case fLineNumber:
		r.p.LineNumber = v.n
	case fSKU:
		r.p.SKU = v.s
	case fNote:
		r.p.Note = v.s
	}
}

// A progress report has no lines: lines.line_number and lines.sku name the
// order line a row is about and are fields of the event.
func (r *progressRecord) newLine()                {}
func (r *progressRecord) line(f fieldID, v value) {}

func (r *progressRecord) finish(l lineage) (connectors.Record, []canonical.FieldError) {
	e, p := r.e, r.p
	var extra []canonical.FieldError
	if p.PercentComplete == nil && p.ExpectedReadyDate.IsZero() {
		extra = append(extra, canonical.FieldError{Path: "percent_complete", Code: CodeRequired,
			Message: "is required when expected_ready_date is not given: a progress report tells how far production is or when it will be ready"})
	}
	if !r.report.IsZero() {
		e.OccurredAt = r.report.Time()
	}
	e.Summary = progressSummary(p)
	data, err := json.Marshal(p)
	if err != nil {
		extra = append(extra, canonical.FieldError{Path: "data", Code: canonical.CodeInvalidFormat, Message: err.Error()})
	}
	e.Data = data
	e.EventID = progressEventID(e.BuyerID, e.OrderNumber, r.report, p)
	e.Actor = l.src.Partner
	src := l.src
	e.Source = &src
	return connectors.Record{Type: canonical.TypeOrderEvent, Key: e.OrderNumber, Value: e}, extra
}

// progressSummary is the event's line for a timeline: "45% complete, ready
// 2026-03-01", with "line 10: " in front for a line.
func progressSummary(p canonical.ProductionProgress) string {
	var parts []string
	if p.PercentComplete != nil {
		parts = append(parts, p.PercentComplete.Decimal.String()+"% complete")
	}
	if !p.ExpectedReadyDate.IsZero() {
		parts = append(parts, "ready "+p.ExpectedReadyDate.String())
	}
	s := strings.Join(parts, ", ")
	switch {
	case p.LineNumber > 0:
		s = "line " + strconv.Itoa(p.LineNumber) + ": " + s
	case p.SKU != "":
		s = p.SKU + ": " + s
	}
	return s
}

// progressEventID derives the event id from what the report says, not from
// who sent it or in which file, so that a report sent twice (a replay, the
// same file under another name, another partner config) is deduplicated
// downstream. A report that says something new gets a new id.
func progressEventID(buyer, order string, report canonical.Date, p canonical.ProductionProgress) string {
	percent := ""
	if p.PercentComplete != nil {
		percent = p.PercentComplete.Decimal.String() // 45, 45.0 and 45.00 are one value
	}
	h := sha1.New()
	for _, part := range []string{string(canonical.EventProductionProgress), buyer, order,
		strconv.Itoa(p.LineNumber), p.SKU, report.String(), percent, p.ExpectedReadyDate.String()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
