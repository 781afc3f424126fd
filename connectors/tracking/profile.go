// Package tracking turns carrier and aggregator tracking payloads (a
// webhook body, an API page, a file) into canonical tracking events, driven
// by carrier profiles: YAML files that say where a payload keeps its
// shipments, their events, and each event's fields, and how the carrier's
// status codes map onto procurehub's normalized set
// (canonical.TrackingStatus; see docs/tracking-statuses.md).
//
// A profile:
//
//	name: acme
//	carrier: acme                      # carrier name when fields.carrier gives none
//	shipments: [data.shipments, $]     # where the shipment object(s) are; the first path present wins
//	events: history                    # where each shipment keeps its events; empty: the shipment is one event
//	fields:
//	  tracking_number: $.tracking_no   # "$" is the shipment; other paths start at the event
//	  event_id: id
//	  status: [detail_code, code]      # tried in order: the first code the tables know wins
//	  description: text
//	  occurred_at: time
//	  city: place.city
//	  country: place.country
//	time_format: rfc3339               # rfc3339 (the default), unix, unix_ms, or a Go layout
//	time_zone: Europe/Berlin           # for timestamps without an offset
//	statuses:                          # carrier code → normalized status, case-insensitive
//	  DLV: delivered
//	status_prefixes:                   # for codes not in statuses: the longest matching prefix
//	  TRN_: in_transit
//
// Built-in profiles (aftership, easypost, shippo, freight, demo) are
// embedded and loaded with Builtin.
package tracking

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	// Profiles name IANA zones; the binary may run where the system has no
	// zone database (a scratch container), so carry one.
	_ "time/tzdata"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/config"
)

// Profile says how one carrier's (or aggregator's) JSON maps to tracking
// events. Get one from ParseProfile, LoadProfile, DecodeProfile or Builtin:
// they check and compile it.
type Profile struct {
	// Name names the profile in messages.
	Name string `yaml:"name"`
	// Carrier is the carrier name of events whose fields.carrier gives none.
	Carrier string `yaml:"carrier"`
	// Shipments are paths from the payload to the shipment object(s),
	// tried in order; the first that reaches something is used. An array
	// reached is a list of shipments. Empty: the payload itself ("$").
	Shipments Paths `yaml:"shipments"`
	// Events is the path from a shipment to its array of events. Empty:
	// each shipment object is one event.
	Events string `yaml:"events"`
	// Fields are the paths of an event's fields.
	Fields Fields `yaml:"fields"`
	// TimeFormat is how occurred_at is written: rfc3339 (the default;
	// RFC 3339, with or without fractional seconds, offset or zone), unix
	// (seconds), unix_ms (milliseconds), or a Go time layout.
	TimeFormat string `yaml:"time_format"`
	// TimeZone is the IANA zone of timestamps written without an offset.
	// Without it, such a timestamp is the row error timestamp_without_zone.
	TimeZone string `yaml:"time_zone"`
	// Statuses maps carrier codes to normalized statuses; case-insensitive.
	Statuses map[string]canonical.TrackingStatus `yaml:"statuses"`
	// StatusPrefixes maps code prefixes to normalized statuses, for codes
	// not in Statuses (substatus codes such as "InTransit_003"); the
	// longest matching prefix wins; case-insensitive.
	StatusPrefixes map[string]canonical.TrackingStatus `yaml:"status_prefixes"`

	file string
	node *yaml.Node
	c    *compiled
}

// Fields are the JSON paths of an event's fields. A path starting with "$"
// starts at the shipment; any other path starts at the event.
type Fields struct {
	TrackingNumber string `yaml:"tracking_number"`
	EventID        string `yaml:"event_id"`
	Carrier        string `yaml:"carrier"`
	// Status lists paths to the carrier's status codes, most specific
	// first (a substatus, then the status).
	Status      Paths  `yaml:"status"`
	Description string `yaml:"description"`
	OccurredAt  string `yaml:"occurred_at"`
	City        string `yaml:"city"`
	Country     string `yaml:"country"`
}

// Paths is one path or a list of them; in YAML a string or a sequence.
type Paths []string

// UnmarshalYAML takes a string or a sequence of strings.
func (p *Paths) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*p = nil
			return nil
		}
		*p = Paths{n.Value}
		return nil
	case yaml.SequenceNode:
		var ss []string
		if err := n.Decode(&ss); err != nil {
			return err
		}
		*p = ss
		return nil
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a path or a list of paths", n.Line)}}
}

// compiled is a checked profile, ready to evaluate.
type compiled struct {
	shipments []Path
	events    Path // zero: the shipment is the event
	fields    []fieldPath
	status    []fieldPath
	timeFmt   string
	zone      *time.Location
	statuses  map[string]canonical.TrackingStatus // lower-cased codes
	prefixes  []prefix                            // longest first
}

// fieldPath is the compiled path of one event field.
type fieldPath struct {
	name     string // canonical field name
	path     Path
	shipment bool // starts at the shipment
}

type prefix struct {
	prefix string // lower case
	status canonical.TrackingStatus
}

// Field names of compiled.fields, in this order.
const (
	fTrackingNumber = iota
	fEventID
	fCarrier
	fDescription
	fOccurredAt
	fCity
	fCountry
	numFields
)

// ParseProfile reads a profile held in memory strictly (an unknown key is
// an error naming file:line:column) and compiles it. file names it in errors.
func ParseProfile(file string, b []byte) (*Profile, error) {
	doc, err := config.Parse(file, b, nil)
	if err != nil {
		return nil, err
	}
	return DecodeProfile(doc.File, doc.Root)
}

// LoadProfile reads a profile file (${VARS} interpolated) and compiles it.
func LoadProfile(path string) (*Profile, error) {
	doc, err := config.ParseFile(path, nil)
	if err != nil {
		return nil, err
	}
	return DecodeProfile(doc.File, doc.Root)
}

// DecodeProfile decodes a profile from a YAML node (a profile file, or a
// profile written inline in a partner config) strictly and compiles it.
// Every problem is reported, each as a *config.Error with file:line:column.
func DecodeProfile(file string, node *yaml.Node) (*Profile, error) {
	var p Profile
	if err := config.Decode(file, node, &p); err != nil {
		return nil, err
	}
	p.file, p.node = file, node
	if err := p.Compile(); err != nil {
		return nil, err
	}
	return &p, nil
}

//go:embed profiles/*.yaml
var builtinFS embed.FS

// BuiltinNames lists the embedded profiles, sorted.
func BuiltinNames() []string {
	entries, _ := fs.ReadDir(builtinFS, "profiles")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// Builtin returns the embedded profile of that name (see BuiltinNames).
func Builtin(name string) (*Profile, error) {
	b, err := builtinFS.ReadFile(path.Join("profiles", name+".yaml"))
	if err != nil || strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("tracking: no built-in profile %q (there are %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	return ParseProfile("profiles/"+name+".yaml", b)
}

// Compile checks the profile and prepares it for decoding; ParseProfile
// and the others call it. Every problem is reported (joined), with
// file:line:column when the profile was read from YAML.
func (p *Profile) Compile() error {
	cp := compiler{p: p}
	c := &compiled{statuses: map[string]canonical.TrackingStatus{}}
	if strings.TrimSpace(p.Name) == "" {
		cp.fail([]string{"name"}, false, "is required")
	}
	shipments := p.Shipments
	if len(shipments) == 0 {
		shipments = Paths{"$"}
	}
	for i, s := range shipments {
		key := []string{"shipments"}
		if len(p.Shipments) > 1 {
			key = append(key, strconv.Itoa(i))
		}
		if pt, ok := cp.path(key, s); ok {
			c.shipments = append(c.shipments, pt)
		}
	}
	if strings.TrimSpace(p.Events) != "" {
		if pt, ok := cp.path([]string{"events"}, p.Events); ok {
			c.events = pt
		}
	}
	names := [numFields]struct {
		name, src string
		required  bool
	}{
		fTrackingNumber: {"tracking_number", p.Fields.TrackingNumber, true},
		fEventID:        {"event_id", p.Fields.EventID, false},
		fCarrier:        {"carrier", p.Fields.Carrier, false},
		fDescription:    {"description", p.Fields.Description, false},
		fOccurredAt:     {"occurred_at", p.Fields.OccurredAt, true},
		fCity:           {"city", p.Fields.City, false},
		fCountry:        {"country", p.Fields.Country, false},
	}
	c.fields = make([]fieldPath, numFields)
	for i, f := range names {
		c.fields[i].name = f.name
		if strings.TrimSpace(f.src) == "" {
			if f.required {
				cp.fail([]string{"fields"}, false, "%s: a path is required", f.name)
			}
			continue
		}
		if fp, ok := cp.field([]string{"fields", f.name}, f.name, f.src); ok {
			c.fields[i] = fp
		}
	}
	if len(p.Fields.Status) == 0 {
		cp.fail([]string{"fields"}, false, "status: a path is required")
	}
	for i, s := range p.Fields.Status {
		key := []string{"fields", "status"}
		if len(p.Fields.Status) > 1 {
			key = append(key, strconv.Itoa(i))
		}
		if fp, ok := cp.field(key, "status", s); ok {
			c.status = append(c.status, fp)
		}
	}
	if strings.TrimSpace(p.Carrier) == "" && p.Fields.Carrier == "" {
		cp.fail([]string{"carrier"}, false, "carrier or fields.carrier is required: events need a carrier")
	}
	c.timeFmt = strings.TrimSpace(p.TimeFormat)
	switch c.timeFmt {
	case "":
		c.timeFmt = "rfc3339"
	case "rfc3339", "unix", "unix_ms":
	default:
		if !strings.Contains(c.timeFmt, "2006") && !strings.Contains(c.timeFmt, "06") {
			cp.fail([]string{"time_format"}, true, "%q is not rfc3339, unix, unix_ms or a Go time layout (such as \"02.01.2006 15:04\")", p.TimeFormat)
		}
	}
	if z := strings.TrimSpace(p.TimeZone); z != "" {
		loc, err := time.LoadLocation(z)
		if err != nil || z == "Local" {
			cp.fail([]string{"time_zone"}, true, "%q is not an IANA time zone (such as Europe/Berlin or UTC)", p.TimeZone)
		}
		c.zone = loc
	}
	if len(p.Statuses) == 0 && len(p.StatusPrefixes) == 0 {
		cp.fail([]string{"statuses"}, false, "is required: a table of carrier codes and their normalized statuses")
	}
	for _, code := range sortedKeys(p.Statuses) {
		st := p.Statuses[code]
		k := strings.ToLower(strings.TrimSpace(code))
		switch {
		case !st.Valid():
			cp.fail([]string{"statuses", code}, true, "%q is not a normalized status (%s)", st, statusList())
		case k == "":
			cp.fail([]string{"statuses", code}, false, "empty carrier code")
		}
		if prev, dup := c.statuses[k]; dup && prev != st {
			cp.fail([]string{"statuses", code}, false, "%q is listed twice (codes are case-insensitive) with different statuses", code)
		}
		c.statuses[k] = st
	}
	for _, pre := range sortedKeys(p.StatusPrefixes) {
		st := p.StatusPrefixes[pre]
		k := strings.ToLower(strings.TrimSpace(pre))
		switch {
		case !st.Valid():
			cp.fail([]string{"status_prefixes", pre}, true, "%q is not a normalized status (%s)", st, statusList())
		case k == "":
			cp.fail([]string{"status_prefixes", pre}, false, "empty prefix")
		}
		c.prefixes = append(c.prefixes, prefix{prefix: k, status: st})
	}
	slices.SortStableFunc(c.prefixes, func(a, b prefix) int { return len(b.prefix) - len(a.prefix) })
	if len(cp.errs) > 0 {
		return errors.Join(cp.errs...)
	}
	p.c = c
	return nil
}

// Status maps a carrier code to its normalized status: the Statuses entry,
// else the longest matching StatusPrefixes entry. ok is false for a code
// the profile does not know.
func (p *Profile) Status(code string) (st canonical.TrackingStatus, ok bool) {
	if p.c == nil {
		return canonical.TrackingUnknown, false
	}
	return p.c.lookup(code)
}

func (c *compiled) lookup(code string) (canonical.TrackingStatus, bool) {
	k := strings.ToLower(strings.TrimSpace(code))
	if k == "" {
		return canonical.TrackingUnknown, false
	}
	if st, ok := c.statuses[k]; ok {
		return st, true
	}
	for _, pr := range c.prefixes {
		if strings.HasPrefix(k, pr.prefix) {
			return pr.status, true
		}
	}
	return canonical.TrackingUnknown, false
}

// StatusMapping is one row of a profile's status table.
type StatusMapping struct {
	Code   string                   // the carrier code, or a prefix
	Prefix bool                     // Code is a prefix (status_prefixes)
	Status canonical.TrackingStatus // the normalized status
}

// Mappings lists the profile's status table: Statuses in the normalized
// set's order (then by code), then StatusPrefixes likewise. The docs'
// tables are made from it.
func (p *Profile) Mappings() []StatusMapping {
	var out []StatusMapping
	for _, code := range sortedKeys(p.Statuses) {
		out = append(out, StatusMapping{Code: code, Status: p.Statuses[code]})
	}
	n := len(out)
	for _, pre := range sortedKeys(p.StatusPrefixes) {
		out = append(out, StatusMapping{Code: pre, Prefix: true, Status: p.StatusPrefixes[pre]})
	}
	order := func(a, b StatusMapping) int {
		if d := statusOrder(a.Status) - statusOrder(b.Status); d != 0 {
			return d
		}
		return strings.Compare(a.Code, b.Code)
	}
	slices.SortStableFunc(out[:n], order)
	slices.SortStableFunc(out[n:], order)
	return out
}

func statusOrder(s canonical.TrackingStatus) int {
	return slices.Index(canonical.TrackingStatuses(), s)
}

func statusList() string {
	var ss []string
	for _, s := range canonical.TrackingStatuses() {
		ss = append(ss, string(s))
	}
	return strings.Join(ss, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// compiler collects problems with their positions while a profile compiles.
type compiler struct {
	p    *Profile
	errs []error
}

func (cp *compiler) fail(keys []string, atValue bool, format string, args ...any) {
	msg := strings.Join(keys, ".") + ": " + fmt.Sprintf(format, args...)
	if cp.p.node == nil {
		name := cp.p.Name
		if name == "" {
			name = "profile"
		}
		cp.errs = append(cp.errs, fmt.Errorf("tracking: %s: %s", name, msg))
		return
	}
	line, col := position(cp.p.node, keys, atValue)
	cp.errs = append(cp.errs, &config.Error{File: cp.p.file, Line: line, Column: col, Message: msg})
}

// path compiles a path that may fan out ([*]).
func (cp *compiler) path(keys []string, src string) (Path, bool) {
	pt, err := ParsePath(src)
	if err != nil {
		cp.fail(keys, true, "%v", err)
		return pt, false
	}
	return pt, true
}

// field compiles the path of one event field: one value, no [*].
func (cp *compiler) field(keys []string, name, src string) (fieldPath, bool) {
	src = strings.TrimSpace(src)
	pt, ok := cp.path(keys, src)
	if !ok {
		return fieldPath{}, false
	}
	if pt.wildcard() {
		cp.fail(keys, true, "path %q: [*] is not allowed here: a field has one value", src)
		return fieldPath{}, false
	}
	return fieldPath{name: name, path: pt, shipment: strings.HasPrefix(src, "$")}, true
}

// position finds a key path in a YAML tree; numbers index sequences. It
// stops at the deepest node it finds.
func position(n *yaml.Node, keys []string, atValue bool) (line, col int) {
	line, col = n.Line, n.Column
	for i, key := range keys {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for j := 0; j+1 < len(n.Content); j += 2 {
				if k := n.Content[j]; k.Value == key {
					next = n.Content[j+1]
					line, col = k.Line, k.Column
					break
				}
			}
		case yaml.SequenceNode:
			if idx, err := strconv.Atoi(key); err == nil && idx >= 0 && idx < len(n.Content) {
				next = n.Content[idx]
			}
		}
		if next == nil {
			return line, col
		}
		n = next
		if (atValue && i == len(keys)-1) || n.Kind == yaml.SequenceNode && i < len(keys)-1 {
			line, col = n.Line, n.Column
		}
	}
	if atValue && n.Kind != yaml.MappingNode {
		line, col = n.Line, n.Column
	}
	return line, col
}

// ProfileKeys documents every key of a profile, for connector specs that
// take one inline and for generated docs. Names are relative to the
// profile ("fields.status"); a spec prefixes them ("profile.fields.status").
func ProfileKeys() []connectors.Field {
	return []connectors.Field{
		{Name: "name", Type: "string", Required: true, Description: "Names the profile in messages and warnings.", Example: "acme"},
		{Name: "carrier", Type: "string", Description: "Carrier name of events whose fields.carrier gives none; carrier or fields.carrier is required.", Example: "acme"},
		{Name: "shipments", Type: "list", Default: "$", Description: "JSON paths from the payload to the shipment object(s), tried in order; the first that reaches something is used, and an array reached is a list of shipments. A string is a list of one.", Example: "[data.trackings, data.tracking, $]"},
		{Name: "events", Type: "string", Description: "JSON path from a shipment to its array of events; empty when each shipment object is one event.", Example: "checkpoints"},
		{Name: "fields", Type: "map", Required: true, Description: "JSON paths of an event's fields. A path starting with $ starts at the shipment; others start at the event. Paths are dotted keys, [n] indexes and [\"quoted.keys\"]."},
		{Name: "fields.tracking_number", Type: "string", Required: true, Description: "The tracking number; the record key.", Example: "$.tracking_number"},
		{Name: "fields.event_id", Type: "string", Description: "The carrier's event id; without one, an id is derived from carrier, tracking number, code and time, so a re-delivered event keeps its id.", Example: "id"},
		{Name: "fields.carrier", Type: "string", Description: "The carrier's name or code, when the payload has it.", Example: "$.slug"},
		{Name: "fields.status", Type: "list", Required: true, Description: "Paths of the carrier's status codes, most specific first (a substatus, then the status); the first code the profile knows decides. A string is a list of one.", Example: "[subtag, tag]"},
		{Name: "fields.description", Type: "string", Description: "The carrier's text for the event.", Example: "message"},
		{Name: "fields.occurred_at", Type: "string", Required: true, Description: "When the event happened, read with time_format.", Example: "checkpoint_time"},
		{Name: "fields.city", Type: "string", Description: "City of the event's location.", Example: "location.city"},
		{Name: "fields.country", Type: "string", Description: "Country of the event's location, an ISO 3166-1 alpha-2 or alpha-3 code; another value is a warning and is left out.", Example: "location.country"},
		{Name: "time_format", Type: "string", Default: "rfc3339", Description: "How occurred_at is written: rfc3339 (with or without fractional seconds and offset), unix (seconds), unix_ms (milliseconds), or a Go time layout.", Example: "02.01.2006 15:04"},
		{Name: "time_zone", Type: "string", Description: "IANA time zone of timestamps written without an offset; without it such a timestamp is the row error timestamp_without_zone.", Example: "Europe/Berlin"},
		{Name: "statuses", Type: "map", Description: "Carrier code → normalized status (info_received, picked_up, ... delivered, unknown), matched without regard to case. A code in neither table gives status unknown and the warning unknown_status.", Example: "{DLV: delivered}"},
		{Name: "status_prefixes", Type: "map", Description: "Code prefix → normalized status, for codes not in statuses (substatus codes such as InTransit_003); the longest matching prefix wins.", Example: "{InTransit_: in_transit}"},
	}
}
