package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/procurehub/procurehub/internal/kpi"
)

// kpisView is what /ui/kpis draws: the total, a table per group, two bar
// charts (on-time rate, order cycle) and the export links.
type kpisView struct {
	GroupBy    string
	Dimensions []string
	From, To   string
	Report     kpi.Report
	OnTime     template.HTML // inline SVG
	Cycle      template.HTML
	CSVURL     string // the export links, with the page's filters
	XLSXURL    string
}

// kpisPage is /ui/kpis?group_by=...&from=...&to=...: the KPIs the API
// computes for the user's scope (the API narrows a buyer or supplier to
// its own orders).
func (s *server) kpisPage(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	in := r.URL.Query()
	v := kpisView{GroupBy: in.Get("group_by"), Dimensions: []string{"month", "supplier", "carrier", "lane", "buyer"},
		From: in.Get("from"), To: in.Get("to")}
	if v.GroupBy == "" {
		v.GroupBy = "month"
	}
	q := url.Values{"group_by": {v.GroupBy}}
	for k, val := range map[string]string{"from": v.From, "to": v.To} {
		if val != "" {
			q.Set(k, val)
		}
	}
	res, err := s.getJSON(ctx, sess, "/api/v1/kpis", q, &v.Report)
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The KPIs could not be read.")
		return
	}
	if res.Status != http.StatusOK {
		s.apiFailed(w, r, res, "the KPIs")
		return
	}
	v.CSVURL = "/ui/kpis/export/csv?" + q.Encode()
	v.XLSXURL = "/ui/kpis/export/xlsx?" + q.Encode()
	bars := func(value func(kpi.Group) (float64, bool), unit string, max float64) template.HTML {
		var b []bar
		for _, g := range v.Report.Groups {
			if x, ok := value(g); ok {
				b = append(b, bar{Label: g.Key, Value: x})
			}
		}
		return barChart(b, unit, max)
	}
	v.OnTime = bars(func(g kpi.Group) (float64, bool) {
		if g.OnTimeRate == nil {
			return 0, false
		}
		return *g.OnTimeRate * 100, true
	}, "%", 100)
	v.Cycle = bars(func(g kpi.Group) (float64, bool) {
		if g.CycleDays.Median == nil {
			return 0, false
		}
		return *g.CycleDays.Median, true
	}, " d", 0)
	s.render(w, r, sess, http.StatusOK, "kpis", "KPIs", v)
}

// kpisExport hands the API's CSV or XLSX export to the browser, as the user.
func (s *server) kpisExport(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	q := url.Values{}
	for _, k := range []string{"group_by", "from", "to"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	format := r.PathValue("format")
	if format != "csv" && format != "xlsx" {
		s.fail(w, r, nil, http.StatusNotFound, "There is no such export.")
		return
	}
	q.Set("format", format)
	res, err := s.call(ctx, sess, http.MethodGet, "/api/v1/kpis", q, nil)
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The KPIs could not be read.")
		return
	}
	if res.Status != http.StatusOK {
		s.apiFailed(w, r, res, "the KPIs")
		return
	}
	for _, h := range []string{"Content-Type", "Content-Disposition"} {
		w.Header().Set(h, res.Header.Get(h))
	}
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(res.Body)
}

// bar is one bar of a chart.
type bar struct {
	Label string
	Value float64
}

// barChart draws horizontal bars as inline SVG (no script, no CDN): one
// row per bar with its label and value. max is the scale's end; 0 scales
// to the largest value.
func barChart(bars []bar, unit string, max float64) template.HTML {
	if len(bars) == 0 {
		return template.HTML(`<p class="empty">No data yet.</p>`)
	}
	if max <= 0 {
		for _, b := range bars {
			max = math.Max(max, b.Value)
		}
		if max <= 0 {
			max = 1
		}
	}
	const rowH, labelW, barW, valueW = 22, 160, 320, 70
	h := rowH * len(bars)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" role="img" viewBox="0 0 %d %d" width="%d" height="%d">`,
		labelW+barW+valueW, h, labelW+barW+valueW, h)
	for i, b := range bars {
		y := i * rowH
		wd := int(math.Round(math.Min(b.Value, max) / max * barW))
		fmt.Fprintf(&sb, `<g><title>%s: %s</title>`, template.HTMLEscapeString(b.Label), formatValue(b.Value, unit))
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" class="label">%s</text>`, labelW-6, y+15, template.HTMLEscapeString(b.Label))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" class="chart-bar"/>`, labelW, y+4, wd, rowH-8)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="value">%s</text></g>`, labelW+wd+6, y+15, formatValue(b.Value, unit))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every text in it is escaped above
}

func formatValue(v float64, unit string) string {
	return template.HTMLEscapeString(fmt.Sprintf("%.1f%s", v, unit))
}
