package infer

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/procurehub/procurehub/canonical"
)

// YAML writes the proposal as a tracking profile file in the style of the
// built-in profiles: a header comment that says where it was inferred from
// and that a person must review it, then the profile with a comment giving
// each field's confidence and reason, and the status table with each
// guess's confidence; codes no guess was made for are listed in a comment.
// When a required field was not found the file says so at the top and
// tracking.ParseProfile refuses it until a person adds the field.
//
// When no status code could be placed, the codes found are written as
// unknown (a profile needs a status table to load), each marked for review.
func (p *Proposal) YAML() []byte {
	var b strings.Builder
	name := p.FileName
	if name == "" {
		name = "a sample"
	}
	fmt.Fprintf(&b, "# Tracking profile %s, proposed from %s on %s.\n", comment(p.Name), comment(name), p.InferredAt.Format("2006-01-02"))
	b.WriteString("# It is inferred from one sample and MUST be reviewed before use: check each\n")
	b.WriteString("# field against its confidence (0..1) and reason, and each status guess.\n")
	if len(p.Missing) > 0 {
		fmt.Fprintf(&b, "# NOT READY: no path was found for %s, which a profile requires;\n", strings.Join(p.Missing, ", "))
		b.WriteString("# it does not load until a person adds them.\n")
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "# check: %s\n", comment(n))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "name: %s\n", scalar(p.Name))
	line(&b, "carrier: "+scalar(p.Carrier), "the carrier name of events whose fields.carrier gives none")
	line(&b, "shipments: "+scalar(p.Shipments), shipmentsComment(p))
	if p.Events != "" {
		line(&b, "events: "+scalar(p.Events), p.EventsReason)
	}
	b.WriteString("fields:\n")
	for _, f := range fieldOrder {
		fd, ok := p.Field(f)
		switch {
		case ok:
			line(&b, "  "+f+": "+scalar(fd.Path), fmt.Sprintf("%.2f: %s", fd.Confidence, fd.Reason))
		case slices.Contains(p.Missing, f):
			fmt.Fprintf(&b, "  # %s: NOT FOUND, required: add the path of the event's %s\n", f, strings.ReplaceAll(f, "_", " "))
		default:
			fmt.Fprintf(&b, "  # %s: not found\n", f)
		}
	}
	if p.TimeFormat != "" {
		line(&b, "time_format: "+scalar(p.TimeFormat), fmt.Sprintf("%.2f: %s", p.TimeFormatConf, p.TimeFormatReason))
	}
	if p.TimeZone != "" {
		line(&b, "time_zone: "+scalar(p.TimeZone), "CHECK: a guess; the times have no UTC offset")
	}
	b.WriteString("statuses:")
	switch {
	case len(p.Statuses) > 0:
		b.WriteString("  # carrier code: normalized status\n")
		for _, s := range p.Statuses {
			line(&b, "  "+scalar(s.Code)+": "+string(s.Status), fmt.Sprintf("%.2f: %s (%s)", s.Confidence, s.Reason, events(s.Count)))
		}
	case slices.IndexFunc(p.UnplacedStatuses, writable) >= 0:
		b.WriteString("  # no code could be placed: each is written as unknown for the profile to load\n")
		for _, c := range p.UnplacedStatuses {
			if !writable(c) {
				fmt.Fprintf(&b, "  # %s: ?\n", comment(scalar(c)))
				continue
			}
			line(&b, "  "+scalar(c)+": "+string(canonical.TrackingUnknown), "NOT PLACED: give its normalized status")
		}
	default:
		b.WriteString(" {}  # none found: add carrier code: normalized status\n")
	}
	if len(p.UnplacedStatuses) > 0 && (len(p.Statuses) > 0 || slices.IndexFunc(p.UnplacedStatuses, writable) < 0) {
		b.WriteString("# Status codes found that no guess was made for; add each with its\n# normalized status (events of these codes get status unknown):\n")
		for _, c := range p.UnplacedStatuses {
			fmt.Fprintf(&b, "#   %s: ?\n", comment(scalar(c)))
		}
	}
	b.WriteString("# Normalized statuses: ")
	var all []string
	for _, s := range canonical.TrackingStatuses() {
		all = append(all, string(s))
	}
	b.WriteString(strings.Join(all, ", ") + ".\n")
	return []byte(b.String())
}

func shipmentsComment(p *Proposal) string {
	if p.Events == "" && p.EventsReason != "" {
		return "each shipment object is one event: " + p.EventsReason
	}
	if p.Shipments == "$" {
		return "the payload is the shipment"
	}
	return "where the shipment object(s) are"
}

func events(n int) string {
	if n == 1 {
		return "1 event"
	}
	return strconv.Itoa(n) + " events"
}

// line writes a YAML line with a trailing comment, aligned.
func line(b *strings.Builder, entry, note string) {
	b.WriteString(entry)
	if note != "" {
		b.WriteString(strings.Repeat(" ", max(2, 40-utf8.RuneCountInString(entry))))
		b.WriteString("# " + comment(note))
	}
	b.WriteString("\n")
}

// comment makes text safe to write in a comment: one line.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return ' '
		}
		return r
	}, s)
}

var plainRe = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_.$\-\[\]*/]*$`)

// scalar writes a YAML scalar: plain when that reads back as the same
// string, else double-quoted.
func scalar(s string) string {
	if plainRe.MatchString(s) && !strings.HasSuffix(s, ":") {
		switch strings.ToLower(s) {
		case "true", "false", "null", "yes", "no", "on", "off", "y", "n":
		default:
			return s
		}
	}
	return strconv.Quote(s)
}
