package infer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// seg is one step of a path: a key, or every element of an array ([*]).
type seg struct {
	key string
	all bool
}

// jpath is a path from some value, generic over array indexes.
type jpath []seg

// maxDepth bounds how deep Infer looks into a payload.
const maxDepth = 24

// maxLook bounds the objects of one place that are looked at to score it
// and to find its fields: a sample's first events tell as much as all.
const maxLook = 500

// String writes the path in the profile's notation; the empty path is "$".
// ok is false for a key the notation cannot hold (one with both quote
// characters, or a ${ that configuration would interpolate).
func (p jpath) notation() (s string, ok bool) {
	var b strings.Builder
	for _, sg := range p {
		if sg.all {
			b.WriteString("[*]")
			continue
		}
		k := sg.key
		switch {
		case k == "" || strings.Contains(k, "${"):
			return "", false
		case plainKey(k):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
		case !strings.Contains(k, `"`):
			b.WriteString(`["` + k + `"]`)
		case !strings.Contains(k, `'`):
			b.WriteString(`['` + k + `']`)
		default:
			return "", false
		}
	}
	if b.Len() == 0 {
		return "$", true
	}
	return b.String(), true
}

// plainKey reports whether a key can be written bare in a path.
func plainKey(k string) bool {
	if strings.TrimSpace(k) != k {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(".[]\"'$*", r) {
			return false
		}
	}
	return true
}

// String is the notation, or a readable form of a path it cannot hold.
func (p jpath) String() string {
	if s, ok := p.notation(); ok {
		return s
	}
	var parts []string
	for _, sg := range p {
		if sg.all {
			parts = append(parts, "[*]")
		} else {
			parts = append(parts, strconv.Quote(sg.key))
		}
	}
	return strings.Join(parts, ".")
}

// id is a unique string of the path, for maps.
func (p jpath) id() string {
	var b strings.Builder
	for _, sg := range p {
		if sg.all {
			b.WriteString("\x01")
		} else {
			b.WriteString("\x00" + sg.key)
		}
	}
	return b.String()
}

// hasPrefix reports whether q starts with p.
func (p jpath) hasPrefix(q jpath) bool {
	return len(q) <= len(p) && slices.Equal(p[:len(q)], q)
}

// eval returns every value a generic path reaches from v.
func (p jpath) eval(v any) []any {
	cur := []any{v}
	for _, s := range p {
		var next []any
		for _, x := range cur {
			switch {
			case s.all:
				if a, ok := x.([]any); ok {
					for _, e := range a {
						if e != nil {
							next = append(next, e)
						}
					}
				}
			default:
				if m, ok := x.(map[string]any); ok {
					if e, ok := m[s.key]; ok && e != nil {
						next = append(next, e)
					}
				}
			}
		}
		cur = next
	}
	return cur
}

// candidate is a place in the payload that may hold the events: an array
// of objects (every array the generic path reaches) or a lone object.
type candidate struct {
	path   jpath // to the array, or to the lone object
	single bool
	objs   []map[string]any
	score  float64 // how event-like the objects are, 0..1
	bonus  float64 // from the array's key name
}

func (c *candidate) total() float64 { return c.score + c.bonus }

// findCandidates walks the payload for arrays of objects and lone objects.
func findCandidates(doc any) []*candidate {
	byPath := map[string]*candidate{}
	var order []*candidate
	add := func(p jpath, single bool, objs []map[string]any) {
		k := fmt.Sprintf("%v|%s", single, p.id())
		c := byPath[k]
		if c == nil {
			c = &candidate{path: slices.Clone(p), single: single}
			byPath[k] = c
			order = append(order, c)
		}
		c.objs = append(c.objs, objs...)
	}
	var walk func(v any, p jpath, inArray bool)
	walk = func(v any, p jpath, inArray bool) {
		if len(p) > maxDepth {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if !inArray {
				add(p, true, []map[string]any{x})
			}
			for _, k := range sortedKeys(x) {
				walk(x[k], append(p, seg{key: k}), false)
			}
		case []any:
			var objs []map[string]any
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					objs = append(objs, m)
				}
			}
			if len(objs) > 0 {
				add(p, false, objs)
			}
			child := append(p, seg{all: true})
			for _, e := range x {
				walk(e, child, true)
			}
		}
	}
	walk(doc, nil, false)
	return order
}

// eventBonus are array key names that hold events; shipmentBonus those
// that hold shipments.
var (
	eventKeys = []string{"events", "event", "checkpoints", "trackingdetails", "trackinghistory", "history", "milestones",
		"scans", "scanevents", "activities", "activity", "trackingevents", "statushistory", "traces", "ereignisse", "sendungsverlauf",
		"verlauf", "historie", "evenements", "eventos", "statuses", "trackevents", "details", "updates", "movements"}
	shipmentKeys = []string{"shipments", "trackings", "trackers", "parcels", "packages", "containers", "consignments", "sendungen", "results", "items", "data", "shipment"}
)

// locate picks where the events are and fills p.Shipments, p.Events and
// p.EventsReason. It returns the events and their shipments (for each
// event, the shipment object it belongs to) and the generic path of the
// shipment level, or ok false when no events were found.
func locate(p *Proposal, doc any) (evs []map[string]any, ships []map[string]any, events jpath, shipPath jpath, evRel jpath, ok bool) {
	cands := findCandidates(doc)
	for _, c := range cands {
		sum := 0.0
		look := c.objs[:min(len(c.objs), maxLook)]
		for _, o := range look {
			sum += eventLikeness(o)
		}
		c.score = sum / float64(len(look))
		if !c.single && len(c.path) > 0 && !c.path[len(c.path)-1].all {
			k := normKey(c.path[len(c.path)-1].key)
			switch {
			case slices.Contains(eventKeys, k):
				c.bonus = 0.1
			case slices.Contains(shipmentKeys, k):
				c.bonus = -0.05
			}
		}
		if c.single {
			c.bonus = -0.1
		}
	}
	better := func(a, b *candidate) bool { // a better than b
		if a.total() != b.total() {
			return a.total() > b.total()
		}
		if len(a.objs) != len(b.objs) {
			return len(a.objs) > len(b.objs)
		}
		return len(a.path) < len(b.path)
	}
	var best *candidate
	for _, c := range cands {
		if c.score >= 0.5 && (best == nil || better(c, best)) {
			best = c
		}
	}
	if best == nil {
		return nil, nil, nil, nil, nil, false
	}
	// Events often sit inside shipments that look like events themselves
	// (a shipment with its latest status and time): take the deepest
	// event-like array under the best place.
	for {
		var inner *candidate
		for _, c := range cands {
			if c.single || c == best || len(c.path) <= len(best.path) || !c.path.hasPrefix(best.path) || c.score < 0.5 {
				continue
			}
			if inner == nil || better(c, inner) {
				inner = c
			}
		}
		if inner == nil {
			break
		}
		best = inner
	}
	events = best.path

	// The shipment level: the deepest object above the events that has a
	// tracking number, unless the events carry their own.
	elem := events
	if !best.single {
		elem = append(slices.Clone(events), seg{all: true})
	}
	tnEvent := bestTrackingKey(best.objs)
	var ship jpath
	found := false
	if !best.single {
		for i := len(events) - 1; i >= 0; i-- {
			if events[i].all {
				continue // events[:i] is an array
			}
			anc := events[:i]
			objs := objectsAt(doc, anc)
			if len(objs) == 0 {
				continue
			}
			s := bestTrackingKeyExcept(objs, events[i].key)
			if s > 0 && s >= tnEvent {
				ship, found = slices.Clone(anc), true
				break
			}
		}
	}
	switch {
	case found:
		shipPath = ship
		evRel = slices.Clone(events[len(ship):])
	case best.single || tnEvent > 0 || !hasObjectAncestor(events):
		// Each event is its own shipment.
		shipPath, evRel = elem, nil
	default:
		// No tracking number anywhere: the nearest object above the events.
		for i := len(events) - 1; i >= 0; i-- {
			if !events[i].all {
				shipPath = slices.Clone(events[:i])
				evRel = slices.Clone(events[i:])
				break
			}
		}
	}
	// Pair each event with its shipment.
	if evRel == nil {
		evs = best.objs
		ships = best.objs
	} else {
		for _, sh := range objectsAt(doc, shipPath) {
			for _, a := range evRel.eval(sh) {
				arr, ok := a.([]any)
				if !ok {
					continue
				}
				for _, e := range arr {
					if m, ok := e.(map[string]any); ok {
						evs = append(evs, m)
						ships = append(ships, sh)
					}
				}
			}
		}
	}
	// In the profile: an array reached by shipments is a list of them.
	sp := shipPath
	if len(sp) > 0 && sp[len(sp)-1].all {
		sp = sp[:len(sp)-1]
	}
	var okS, okE bool
	p.Shipments, okS = sp.notation()
	p.Events, okE = "", true
	if evRel != nil {
		p.Events, okE = evRel.notation()
	}
	if !okS || !okE {
		p.Notes = append(p.Notes, fmt.Sprintf("the events are at %s, whose keys the path notation cannot write", elem))
		return nil, nil, nil, nil, nil, false
	}
	what := "an array of " + strconv.Itoa(len(best.objs)) + " objects"
	if best.single {
		what = "one object"
	}
	p.EventsReason = fmt.Sprintf("%s at %s: %.0f%% of them have a time and a status or text", what, events, best.score*100)
	p.EventCount = len(evs)
	return evs, ships, events, shipPath, evRel, true
}

func hasObjectAncestor(p jpath) bool {
	for _, s := range p {
		if !s.all {
			return true
		}
	}
	return false
}

// objectsAt returns the objects a generic path reaches; arrays reached give
// their object elements.
func objectsAt(doc any, p jpath) []map[string]any {
	var out []map[string]any
	for _, v := range p.eval(doc) {
		switch x := v.(type) {
		case map[string]any:
			out = append(out, x)
		case []any:
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// eventLikeness is 1 for an object with a time-like value and a status or
// text, 0.5 for one of them.
func eventLikeness(o map[string]any) float64 {
	hasTime, hasText := false, false
	for _, l := range leaves(o, 2) {
		if !hasTime && isTimeLike(l.path, l.value) {
			hasTime = true
			continue
		}
		s, isStr := l.value.(string)
		if !hasText && isStr && strings.TrimSpace(s) != "" {
			if nameScore(FieldStatus, l.path) > 0 || nameScore(FieldDescription, l.path) > 0 {
				hasText = true
			}
		}
	}
	score := 0.0
	if hasTime {
		score += 0.5
	}
	if hasText {
		score += 0.5
	}
	return score
}

// bestTrackingKey is the best tracking-number score of any leaf of objs.
func bestTrackingKey(objs []map[string]any) float64 { return bestTrackingKeyExcept(objs, "\x00") }

func bestTrackingKeyExcept(objs []map[string]any, except string) float64 {
	cols := columns(objs, 2, except)
	best := 0.0
	for _, c := range cols {
		if s, _ := scoreField(FieldTrackingNumber, c); s >= minScore {
			best = max(best, s)
		}
	}
	return best
}

// sortedKeys returns the keys of m, sorted, so that Infer is deterministic.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
