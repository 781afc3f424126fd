package infer

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
)

// maxStatuses bounds the status codes listed in a proposal.
const maxStatuses = 200

// infer fills the proposal from a decoded payload.
func infer(p *Proposal, doc any) {
	evs, ships, _, _, evRel, ok := locate(p, doc)
	if !ok {
		p.Shipments = "$"
		p.Notes = append(p.Notes, "no array of objects with a time and a status or text was found: the shipments and events paths and every field must be written by hand")
		p.Missing = slices.Clone(required)
		for _, f := range fieldOrder {
			if !slices.Contains(required, f) {
				p.NotFound = append(p.NotFound, f)
			}
		}
		return
	}
	cols := columns(evs, 2, "\x00")
	if evRel != nil && !evRel[0].all {
		shipCols := columns(uniqueObjects(ships), 2, evRel[0].key)
		for _, c := range shipCols {
			c.shipment = true
		}
		cols = append(cols, shipCols...)
	}

	type pair struct {
		field  string
		col    *column
		score  float64
		reason string
	}
	var pairs []pair
	for _, c := range cols {
		if _, ok := c.path.notation(); !ok {
			continue
		}
		for _, f := range fieldOrder {
			if s, why := scoreField(f, c); s >= minScore {
				pairs = append(pairs, pair{f, c, s, why})
			}
		}
	}
	slices.SortStableFunc(pairs, func(a, b pair) int {
		if d := cmp.Compare(b.score, a.score); d != 0 {
			return d
		}
		if a.col.shipment != b.col.shipment {
			if a.col.shipment {
				return 1
			}
			return -1
		}
		if d := cmp.Compare(len(a.col.path), len(b.col.path)); d != 0 {
			return d
		}
		return cmp.Compare(slices.Index(fieldOrder, a.field), slices.Index(fieldOrder, b.field))
	})
	chosen := map[string]pair{}
	used := map[*column]bool{}
	for _, pr := range pairs {
		if _, done := chosen[pr.field]; done || used[pr.col] {
			continue
		}
		chosen[pr.field] = pr
		used[pr.col] = true
	}
	for _, f := range fieldOrder {
		pr, ok := chosen[f]
		if !ok {
			if slices.Contains(required, f) {
				p.Missing = append(p.Missing, f)
			} else {
				p.NotFound = append(p.NotFound, f)
			}
			continue
		}
		p.Fields = append(p.Fields, Field{Field: f, Path: fieldPath(pr.col), Confidence: round2(pr.score), Reason: pr.reason})
	}

	if pr, ok := chosen[FieldOccurredAt]; ok {
		timeFormat(p, pr.col, cols)
	}
	if pr, ok := chosen[FieldStatus]; ok {
		var desc *column
		if d, ok := chosen[FieldDescription]; ok {
			desc = d.col
		}
		statuses(p, evs, ships, pr.col, desc)
		if len(p.Statuses) == 0 && slices.IndexFunc(p.UnplacedStatuses, writable) < 0 {
			p.Missing = append(p.Missing, "statuses")
		}
	}
}

// fieldPath writes a column's path in the profile's notation: "$." first
// when it starts at the shipment.
func fieldPath(c *column) string {
	s, _ := c.path.notation()
	if !c.shipment {
		return s
	}
	if strings.HasPrefix(s, "[") {
		return "$" + s
	}
	return "$." + s
}

// uniqueObjects drops repeated objects (the shipment of each of its events).
func uniqueObjects(objs []map[string]any) []map[string]any {
	seen := map[uintptr]bool{}
	var out []map[string]any
	for _, o := range objs {
		k := reflect.ValueOf(o).Pointer()
		if !seen[k] {
			seen[k] = true
			out = append(out, o)
		}
	}
	return out
}

func round2(f float64) float64 { return math.Round(min(max(f, 0), 1)*100) / 100 }

var clockRe = regexp.MustCompile(`^\d{1,2}:\d{2}(:\d{2})?$`)

// timeFormat sets the time format of the occurred_at column, with a time
// zone and notes when the times have no offset or could be read two ways.
func timeFormat(p *Proposal, c *column, cols []*column) {
	f, share := timeFormatOfColumn(c)
	p.TimeFormat = f.name
	p.TimeFormatConf = round2(0.5 + 0.5*share)
	p.TimeFormatReason = fmt.Sprintf("%d of %d values read as %s", int(share*float64(len(c.values))+0.5), len(c.values), f.describe())
	if !f.zoned && !f.epoch {
		p.TimeZone = "UTC"
		p.Notes = append(p.Notes, "the times have no UTC offset: time_zone UTC is a guess; set the zone the carrier writes its times in")
	}
	for _, pair := range [][2]string{{"02/01/2006", "01/02/2006"}, {"01/02/2006", "02/01/2006"}} {
		if strings.HasPrefix(f.name, pair[0]) {
			alt := tformat{name: pair[1] + strings.TrimPrefix(f.name, pair[0])}
			if slices.IndexFunc(c.values, func(v string) bool { return !alt.reads(v) }) < 0 {
				p.Notes = append(p.Notes, fmt.Sprintf("the dates read both day first (%q) and month first (%q): check which the carrier writes", f.name, alt.name))
				p.TimeFormatConf = min(p.TimeFormatConf, 0.5)
			}
		}
	}
	if !strings.Contains(f.name, "15") && !strings.Contains(f.name, "3:04") && !f.epoch && f.name != "rfc3339" {
		for _, o := range cols {
			if o != c && o.shipment == c.shipment && len(o.values) > 0 && o.share(clockRe.MatchString) == 1 {
				p.Notes = append(p.Notes, fmt.Sprintf("occurred_at has dates only; the time of day is at %s, which a profile cannot join to it", fieldPath(o)))
				p.TimeFormatConf = min(p.TimeFormatConf, 0.5)
				break
			}
		}
	}
}

// statuses guesses the normalized status of each distinct status code of
// the events. A code that names no status is guessed from the
// descriptions of its events, if they agree.
func statuses(p *Proposal, evs, ships []map[string]any, status, desc *column) {
	type seen struct {
		code  string
		count int
		descs []string
	}
	var order []*seen
	byKey := map[string]*seen{}
	for i, ev := range evs {
		code := valueAt(ev, ships[i], status)
		if code == "" {
			continue
		}
		k := strings.ToLower(code)
		s := byKey[k]
		if s == nil {
			if len(order) >= maxStatuses {
				continue
			}
			s = &seen{code: code}
			byKey[k] = s
			order = append(order, s)
		}
		s.count++
		if desc != nil {
			if d := valueAt(ev, ships[i], desc); d != "" && len(s.descs) < 20 {
				s.descs = append(s.descs, d)
			}
		}
	}
	for _, s := range order {
		st, conf, why := guessStatus(s.code)
		if strings.Contains(s.code, "${") {
			conf = 0 // configuration would interpolate it: a person writes it
		}
		if conf == 0 {
			st, conf, why = guessFromDescriptions(s.descs)
		}
		if conf == 0 {
			p.UnplacedStatuses = append(p.UnplacedStatuses, s.code)
			continue
		}
		p.Statuses = append(p.Statuses, Status{Code: s.code, Status: st, Confidence: round2(conf), Reason: why, Count: s.count})
	}
}

// guessFromDescriptions guesses a status from the texts of a code's
// events: the status most of them name, when it is most of them.
func guessFromDescriptions(descs []string) (canonical.TrackingStatus, float64, string) {
	votes := map[canonical.TrackingStatus]int{}
	var first map[canonical.TrackingStatus]string = map[canonical.TrackingStatus]string{}
	for _, d := range descs {
		if st, conf, _ := guessStatus(d); conf > 0 {
			votes[st]++
			if first[st] == "" {
				first[st] = d
			}
		}
	}
	var best canonical.TrackingStatus
	for _, st := range canonical.TrackingStatuses() {
		if votes[st] > votes[best] {
			best = st
		}
	}
	if best == "" || votes[best]*2 <= len(descs) {
		return "", 0, ""
	}
	conf := 0.5 * float64(votes[best]) / float64(len(descs))
	return best, max(conf, 0.3), fmt.Sprintf("from the description of its events, such as %q", clip(first[best]))
}

// writable reports whether a status code can be a key of the profile's
// status table as it is (configuration interpolates ${VARS}).
func writable(code string) bool { return !strings.Contains(code, "${") }

// valueAt is the text of a column's value for one event.
func valueAt(ev, ship map[string]any, c *column) string {
	var v any = ev
	if c.shipment {
		v = ship
	}
	got := c.path.eval(v)
	if len(got) == 0 {
		return ""
	}
	switch x := got[0].(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	}
	return ""
}

// clip shortens a value for a message.
func clip(s string) string {
	r := []rune(s)
	if len(r) <= 60 {
		return s
	}
	return string(r[:60]) + "…"
}
