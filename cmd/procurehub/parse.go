package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/app"
)

var _ connectors.Replier = (*printSink)(nil)

func cmdParse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("parse", stderr)
	format := fs.String("format", "", "input `FORMAT`: "+strings.Join(formatNames(), ", "))
	mappingPath := fs.String("mapping", "", "mapping `FILE` for tabular formats")
	profile := fs.String("profile", "", "tracking: carrier profile `NAME` (built in) or FILE.yaml")
	repliesDir := fs.String("replies", "", "write replies to the sender (EDI acknowledgements) into `DIR`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	factory, ok := app.Formats[*format]
	if !ok {
		fmt.Fprintf(stderr, "procurehub parse: --format must be one of %s\n", strings.Join(formatNames(), ", "))
		return errUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: procurehub parse --format FORMAT [--mapping FILE] [--profile NAME] [--replies DIR] FILE...")
		return errUsage
	}
	dec, err := factory(app.ParseOptions{Mapping: *mappingPath, Profile: *profile})
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(stdout, 64<<10)
	defer out.Flush()
	failed := false
	for _, path := range fs.Args() {
		sink := &printSink{out: out, errw: stderr}
		in, err := fileInput(path)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = dec.Decode(ctx, in, f, sink)
		f.Close()
		var fe *connectors.FileError
		switch {
		case errors.As(err, &fe):
			fmt.Fprintln(stderr, fe.Error())
			failed = true
		case err != nil:
			return fmt.Errorf("%s: %w", path, err)
		}
		if sink.err != nil {
			return sink.err
		}
		if sink.rejected > 0 {
			failed = true
		}
		for _, r := range sink.replies {
			if *repliesDir == "" {
				fmt.Fprintf(stderr, "%s: reply %s not written (use --replies DIR)\n", path, r.Name)
				continue
			}
			if err := os.WriteFile(filepath.Join(*repliesDir, filepath.Base(r.Name)), r.Content, 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "%s: %d records, %d rows rejected\n", path, sink.records, sink.rejected)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if failed {
		return exitError{code: 1}
	}
	return nil
}

func formatNames() []string {
	names := make([]string, 0, len(app.Formats))
	for k := range app.Formats {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// fileInput describes a local file as a connector input.
func fileInput(path string) (connectors.Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return connectors.Input{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return connectors.Input{}, fmt.Errorf("%s: %w", path, err)
	}
	return connectors.Input{
		Partner: "", Connector: "parse", Name: filepath.Base(path),
		SHA256: hex.EncodeToString(h.Sum(nil)), Size: n,
		Open: func() (io.ReadCloser, error) { return os.Open(path) },
	}, nil
}

// printSink writes records as {"type","data"} JSON Lines and row errors to stderr.
type printSink struct {
	out      *bufio.Writer
	errw     io.Writer
	records  int
	rejected int
	replies  []connectors.Reply
	err      error
}

// Reply keeps a reply to the sender; cmdParse writes it to --replies.
func (s *printSink) Reply(_ context.Context, r connectors.Reply) error {
	s.replies = append(s.replies, r)
	return nil
}

func (s *printSink) Record(_ context.Context, r connectors.Record) error {
	data, err := json.Marshal(r.Value)
	if err != nil {
		s.err = fmt.Errorf("encode %s %s: %w", r.Type, r.Key, err)
		return s.err
	}
	line, err := json.Marshal(canonical.Envelope{Type: r.Type, Data: data})
	if err != nil {
		s.err = err
		return err
	}
	s.records++
	s.out.Write(line)
	return s.out.WriteByte('\n')
}

func (s *printSink) RowError(_ context.Context, e connectors.RowError) error {
	if e.Warning {
		_, err := fmt.Fprintln(s.errw, "warning: "+e.Error())
		return err
	}
	s.rejected++
	_, err := fmt.Fprintln(s.errw, e.Error())
	return err
}
