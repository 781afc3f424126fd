package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/procurehub/procurehub/connectors/mapping/infer"
	trackinfer "github.com/procurehub/procurehub/connectors/tracking/infer"
	"github.com/procurehub/procurehub/internal/app"
)

const partnerUsage = `usage:
  procurehub partner init --kind erp_export --sample FILE [--name NAME] [--document DOC] [--constant FIELD=VALUE]... [--out DIR] [--force]
      propose a mapping from a sample export (CSV or XLSX): writes DIR/NAME.mapping.yaml with a
      confidence per column and the columns it could not place, and prints the partner's config entry
  procurehub partner init --kind tracking --sample PAYLOAD.json [--name NAME] [--out DIR] [--force]
      propose a carrier profile from a sample JSON payload (webhook body or API page): writes
      DIR/NAME.profile.yaml with the events' path, a confidence per field and the status codes mapped
  procurehub partner test [--config FILE] [--mapping FILE] [--golden FILE [--update]] NAME FILE
      dry run: decode FILE as partner NAME sends it, validate it, print the canonical records, rejected
      rows and validation findings; publish nothing. --golden compares with (or, new or --update, writes)
      a golden output, so that a mapping change is reviewed as a diff
`

func cmdPartner(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, partnerUsage)
		return errUsage
	}
	switch args[0] {
	case "init":
		return cmdPartnerInit(args[1:], stdout, stderr)
	case "test":
		return cmdPartnerTest(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, partnerUsage)
		return nil
	}
	fmt.Fprintf(stderr, "procurehub partner: unknown subcommand %q\n\n%s", args[0], partnerUsage)
	return errUsage
}

// constants is a repeatable FIELD=VALUE flag.
type constants map[string]string

func (c constants) String() string { return fmt.Sprint(map[string]string(c)) }

func (c constants) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("%q is not FIELD=VALUE", s)
	}
	c[strings.TrimSpace(k)] = v
	return nil
}

func cmdPartnerInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("partner init", stderr)
	kind := fs.String("kind", "erp_export", "connector `KIND`: erp_export (CSV or XLSX exports and supplier documents) or tracking (a carrier's JSON)")
	sample := fs.String("sample", "", "a sample `FILE` as the partner sends it")
	name := fs.String("name", "", "partner `NAME` (default: the sample's name without extension)")
	document := fs.String("document", "", "what the rows are: order (default), order_response, shipment, invoice, production_progress, catalog_item")
	out := fs.String("out", ".", "`DIR` to write NAME.mapping.yaml into")
	force := fs.Bool("force", false, "replace an existing mapping file")
	consts := constants{}
	fs.Var(consts, "constant", "`FIELD=VALUE` known beforehand, e.g. buyer.id=ACME-DE (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *sample == "" || fs.NArg() > 0 {
		fmt.Fprint(stderr, partnerUsage)
		return errUsage
	}
	if *kind != "erp_export" && *kind != "tracking" {
		return fmt.Errorf("--kind %s: proposals are made for erp_export partners (CSV/XLSX) and tracking partners (JSON)", *kind)
	}
	b, err := os.ReadFile(*sample)
	if err != nil {
		return err
	}
	if *name == "" {
		base := filepath.Base(*sample)
		*name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if *kind == "tracking" {
		p, err := trackinfer.Infer(b, trackinfer.Options{Name: *name, FileName: filepath.Base(*sample)})
		if err != nil {
			return fmt.Errorf("%s: %w", *sample, err)
		}
		target := filepath.Join(*out, *name+".profile.yaml")
		if err := writeNew(target, p.YAML(), *force); err != nil {
			return err
		}
		printProfile(stdout, p)
		fmt.Fprintf(stdout, `
wrote %s — review it. The partner's entry in the hub's config:

  - name: %s
    kind: tracking
    settings:
      profile_file: %s
      webhook: {secret: "${%s_WEBHOOK_SECRET}"}    # or poll: {url: ..., interval: ...}

try the sample through it:
  procurehub parse --format tracking --profile %s %s
`, target, *name, target, envName(*name), target, *sample)
		return nil
	}
	p, err := infer.Infer(b, infer.Options{Document: *document, FileName: filepath.Base(*sample), Constants: consts})
	if err != nil {
		return fmt.Errorf("%s: %w", *sample, err)
	}
	target := filepath.Join(*out, *name+".mapping.yaml")
	if err := writeNew(target, p.YAML(), *force); err != nil {
		return err
	}
	printProposal(stdout, p)
	format := ""
	if p.Settings.Format == "xlsx" {
		format = "\n      format: xlsx"
	}
	fmt.Fprintf(stdout, `
wrote %s — review it. The partner's entry in the hub's config:

  - name: %s
    kind: erp_export
    settings:
      inbox: ./var/inbox/%s%s
      mapping: %s

then try it without publishing anything:
  procurehub partner test --config CONFIG %s %s
`, target, *name, *name, format, target, *name, *sample)
	return nil
}

// writeNew writes a proposal to path, refusing to replace a file (a
// reviewed one, maybe) unless force.
func writeNew(path string, content []byte, force bool) error {
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; review it, or write again with --force", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// envName makes a partner name an environment variable prefix.
func envName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
}

func printProfile(w io.Writer, p *trackinfer.Proposal) {
	fmt.Fprintf(w, "%d events at %s (%s)", p.EventCount, p.Events, p.EventsReason)
	if p.Shipments != "" {
		fmt.Fprintf(w, ", in shipments at %s", p.Shipments)
	}
	fmt.Fprintln(w)
	if p.TimeFormat != "" {
		fmt.Fprintf(w, "times: %s (%s)\n", p.TimeFormat, p.TimeFormatReason)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nFIELD\tPATH\tCONFIDENCE\tWHY")
	for _, f := range p.Fields {
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\n", f.Field, f.Path, f.Confidence, f.Reason)
	}
	fmt.Fprintln(tw, "\nSTATUS CODE\tCANONICAL\tCONFIDENCE\tWHY")
	for _, st := range p.Statuses {
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\n", st.Code, st.Status, st.Confidence, st.Reason)
	}
	tw.Flush()
	if len(p.UnplacedStatuses) > 0 {
		fmt.Fprintf(w, "status codes not placed (map them by hand): %s\n", strings.Join(p.UnplacedStatuses, ", "))
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if len(p.Missing) > 0 {
		fmt.Fprintf(w, "MISSING (the profile does not load until added): %s\n", strings.Join(p.Missing, ", "))
	}
}

func printProposal(w io.Writer, p *infer.Proposal) {
	s := p.Settings
	fmt.Fprintf(w, "%s, %d data rows: %s", p.Document, p.Rows, s.Format)
	if s.Format != "xlsx" {
		fmt.Fprintf(w, ", %s, delimiter %q", s.Encoding, s.Delimiter)
	}
	fmt.Fprintf(w, ", header row %d, decimal mark %q, thousands %q, dates %v\n", s.HeaderRow, s.DecimalMark,
		s.ThousandsSeparator, s.DateFormats)
	for _, n := range s.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nFIELD\tCOLUMN\tCONFIDENCE\tWHY")
	for _, f := range p.Fields {
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\n", f.Field, f.Column, f.Confidence, f.Reason)
	}
	tw.Flush()
	for _, u := range p.Unplaced {
		fmt.Fprintf(w, "not placed: %q (%s)\n", u.Column, u.Note)
	}
	if len(p.Missing) > 0 {
		fmt.Fprintf(w, "MISSING (the mapping does not load until added): %s\n", strings.Join(p.Missing, ", "))
	}
	if len(p.NeedConstants) > 0 {
		fmt.Fprintf(w, "needs a constant (or a column) for every record: %s — e.g. --constant %s=VALUE\n",
			strings.Join(p.NeedConstants, ", "), p.NeedConstants[0])
	}
}

func cmdPartnerTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("partner test", stderr)
	configPath := fs.String("config", "", "config `FILE` that names the partner; without it, the embedded demo config")
	mappingPath := fs.String("mapping", "", "try this mapping `FILE` instead of the partner's (a proposal under review)")
	golden := fs.String("golden", "", "compare the output with this golden `FILE`; written when it does not exist")
	update := fs.Bool("update", false, "with --golden: write the golden file from this run")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || (*update && *golden == "") {
		fmt.Fprint(stderr, partnerUsage)
		return errUsage
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	content, err := os.ReadFile(fs.Arg(1))
	if err != nil {
		return err
	}
	o := app.DryRunOptions{Config: cfg, Partner: fs.Arg(0), Name: fs.Arg(1), Content: content}
	if *mappingPath != "" {
		if o.Mapping, err = os.ReadFile(*mappingPath); err != nil {
			return err
		}
	}
	run, err := app.PartnerDryRun(ctx, o)
	if err != nil {
		return err
	}
	got := run.Golden()
	if *golden == "" {
		if _, err := stdout.Write(got); err != nil {
			return err
		}
		fmt.Fprintln(stderr, run.Summary())
		return nil
	}
	want, err := os.ReadFile(*golden)
	switch {
	case *update || errors.Is(err, os.ErrNotExist):
		if err := os.WriteFile(*golden, got, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\ngolden output written to %s\n", run.Summary(), *golden)
		return nil
	case err != nil:
		return err
	}
	if diff := app.GoldenDiff(want, got, 40); diff != "" {
		fmt.Fprintf(stdout, "%s\nthe output differs from %s:\n%s", run.Summary(), *golden, diff)
		fmt.Fprintln(stdout, "review the difference; accept it with --update")
		return exitError{code: 1}
	}
	fmt.Fprintf(stdout, "%s\nsame as %s\n", run.Summary(), *golden)
	return nil
}
