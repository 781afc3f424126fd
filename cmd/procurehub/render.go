package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/edi"
)

// cmdRender writes canonical orders and order responses (JSON Lines, as
// parse prints them) as X12, EDIFACT or UBL documents on stdout.
func cmdRender(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("render", stderr)
	format := fs.String("format", "", "output `FORMAT`: "+strings.Join(encodableFormats(), ", "))
	sender := fs.String("sender", "", "interchange sender `[QUALIFIER:]ID`, e.g. ZZ:PROCUREHUB or 14:4012345000009")
	receiver := fs.String("receiver", "", "interchange receiver `[QUALIFIER:]ID`")
	control := fs.Int("control", 1, "interchange control `NUMBER`; a second interchange (responses) gets the next")
	test := fs.Bool("test", false, "mark the interchange as a test")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, ok := edi.Encodable[*format]; !ok || fs.NArg() == 0 {
		fmt.Fprintf(stderr, "usage: procurehub render --format %s --sender [Q:]ID --receiver [Q:]ID [--control N] FILE.jsonl|-...\n", strings.Join(encodableFormats(), "|"))
		return errUsage
	}
	if *format != "ubl" && (*sender == "" || *receiver == "") {
		fmt.Fprintln(stderr, "procurehub render: --sender and --receiver are required for", *format)
		return errUsage
	}
	var (
		orders    []*canonical.Order
		responses []*canonical.OrderResponse
	)
	for _, path := range fs.Args() {
		o, r, err := readRecords(path)
		if err != nil {
			return err
		}
		orders, responses = append(orders, o...), append(responses, r...)
	}
	out := bufio.NewWriter(stdout)
	n, err := edi.Encode(out, *format, edi.Envelope{Sender: edi.ParseParty(*sender), Receiver: edi.ParseParty(*receiver),
		ControlNumber: *control, Test: *test}, orders, responses)
	if err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d orders, %d order responses written in %d %s interchanges\n", len(orders), len(responses), n, *format)
	return nil
}

func encodableFormats() []string {
	var names []string
	for f := range edi.Encodable {
		names = append(names, f)
	}
	sort.Strings(names)
	return names
}

// readRecords reads the orders and order responses of a JSON Lines file
// ("-" for stdin); a line of another type or that does not parse is an
// error with its line number.
func readRecords(path string) ([]*canonical.Order, []*canonical.OrderResponse, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		r = f
	}
	var (
		orders    []*canonical.Order
		responses []*canonical.OrderResponse
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var env canonical.Envelope
		if err := json.Unmarshal(sc.Bytes(), &env); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		switch env.Type {
		case canonical.TypeOrder:
			o := new(canonical.Order)
			if err := json.Unmarshal(env.Data, o); err != nil {
				return nil, nil, fmt.Errorf("%s:%d: order: %w", path, line, err)
			}
			orders = append(orders, o)
		case canonical.TypeOrderResponse:
			o := new(canonical.OrderResponse)
			if err := json.Unmarshal(env.Data, o); err != nil {
				return nil, nil, fmt.Errorf("%s:%d: order response: %w", path, line, err)
			}
			responses = append(responses, o)
		default:
			return nil, nil, fmt.Errorf("%s:%d: a %q record; render writes orders and order responses", path, line, env.Type)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return orders, responses, nil
}
