package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/edi"
	"github.com/procurehub/procurehub/internal/config"
)

// amendmentDocuments writes each new version of an order, for the
// suppliers that want one (config amendments.documents), as a replacement
// order document into the supplier's directory: "<order>-v<version>.<format>",
// written under a temporary name and renamed when complete, so a supplier
// collecting files never takes half of one.
type amendmentDocuments struct {
	dir        string // the config's directory, for relative dirs
	bySupplier map[string]config.AmendmentDocument

	mu      sync.Mutex
	control int // the last interchange control number handed out
}

func newAmendmentDocuments(cfg *config.App) *amendmentDocuments {
	if len(cfg.Amendments.Documents) == 0 {
		return nil
	}
	d := &amendmentDocuments{dir: cfg.Dir, bySupplier: map[string]config.AmendmentDocument{},
		// Control numbers go up across restarts without a counter to keep:
		// seconds since 2026 (ISA13 has nine digits).
		control: int(time.Since(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Seconds()) % 999_000_000}
	for _, doc := range cfg.Amendments.Documents {
		d.bySupplier[doc.Supplier] = doc
	}
	return d
}

func (d *amendmentDocuments) nextControl() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.control = d.control%999_999_999 + 1
	return d.control
}

// Send writes the order's version for its supplier; nothing when the
// supplier wants no documents.
func (d *amendmentDocuments) Send(_ context.Context, o canonical.Order, version int) error {
	doc, ok := d.bySupplier[o.Supplier.ID]
	if !ok {
		return nil
	}
	var b bytes.Buffer
	env := edi.Envelope{Sender: edi.ParseParty(doc.Sender), Receiver: edi.ParseParty(doc.Receiver),
		ControlNumber: d.nextControl(), Replace: true}
	if _, err := edi.Encode(&b, doc.Format, env, []*canonical.Order{&o}, nil); err != nil {
		return err
	}
	dir := doc.Dir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(d.dir, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := fmt.Sprintf("%s-v%d.%s", safeName(o.OrderNumber), version, doc.Format)
	tmp, err := os.CreateTemp(dir, "."+name+".*.part")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// safeName keeps an order number usable as a file name.
func safeName(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r == '/' || r == '\\' || r < ' ' || r == ':' {
			out[i] = '_'
		}
	}
	return string(out)
}
