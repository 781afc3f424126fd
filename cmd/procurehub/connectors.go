package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/procurehub/procurehub/internal/app"
)

// cmdConnectors lists connector kinds, their formats and settings, from the specs.
func cmdConnectors(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("connectors", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	reg, err := app.Builtins()
	if err != nil {
		return err
	}
	for _, s := range reg.Specs() {
		fmt.Fprintf(stdout, "%s — %s\n  formats: %s\n  settings:\n", s.Kind, s.Summary, strings.Join(s.Formats, ", "))
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, f := range s.Fields {
			var notes []string
			if f.Required {
				notes = append(notes, "required")
			}
			if f.Default != "" {
				notes = append(notes, "default "+f.Default)
			}
			if f.Secret {
				notes = append(notes, "secret: ${ENV} only")
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", f.Name, f.Type, strings.Join(notes, ", "), f.Description)
		}
		tw.Flush()
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "parse formats: %s\n", strings.Join(formatNames(), ", "))
	return nil
}
