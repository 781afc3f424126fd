package filesource_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/filesource"
)

// clock is a test clock that moves only when the test says so.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func newClock() *clock { return &clock{now: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)} }

func newSource(t *testing.T, opt filesource.Options) *filesource.Source {
	t.Helper()
	if opt.Partner == "" {
		opt.Partner = "acme"
	}
	s, err := filesource.New(filesource.Local{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func poll(t *testing.T, s *filesource.Source) []string {
	t.Helper()
	ins, err := s.Poll(context.Background())
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	names := []string{}
	for _, in := range ins {
		names = append(names, in.Name)
	}
	return names
}

func TestAFileStillBeingWrittenIsNotTaken(t *testing.T) {
	dir, c := t.TempDir(), newClock()
	s := newSource(t, filesource.Options{Inbox: dir, SettleTime: 2 * time.Second, Now: c.Now})
	path := filepath.Join(dir, "orders.csv")
	write(t, path, "Order No,SKU\n")

	if got := poll(t, s); len(got) != 0 {
		t.Fatalf("first sight: %v, want nothing until the file has settled", got)
	}
	c.Advance(3 * time.Second)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("4500012345,A\n") // the partner is still writing
	f.Close()
	if got := poll(t, s); len(got) != 0 {
		t.Fatalf("after it grew: %v, want nothing", got)
	}
	c.Advance(1 * time.Second)
	if got := poll(t, s); len(got) != 0 {
		t.Fatalf("one second after it grew: %v, want nothing", got)
	}
	c.Advance(1 * time.Second)
	if got := poll(t, s); !slices.Equal(got, []string{"orders.csv"}) {
		t.Fatalf("once stable for the settle time: %v, want orders.csv", got)
	}
}

func TestADoneMarkerCompletesAFile(t *testing.T) {
	dir, c := t.TempDir(), newClock()
	s := newSource(t, filesource.Options{Inbox: dir, DoneMarker: ".done", SettleTime: time.Hour, Now: c.Now})
	write(t, filepath.Join(dir, "orders.csv"), "x")
	c.Advance(2 * time.Hour)
	if got := poll(t, s); len(got) != 0 {
		t.Fatalf("without its marker: %v, want nothing however long it waits", got)
	}
	write(t, filepath.Join(dir, "orders.csv.done"), "")
	ins, err := s.Poll(context.Background())
	if err != nil || len(ins) != 1 || ins[0].Name != "orders.csv" {
		t.Fatalf("with its marker: %v, %v; want orders.csv alone", ins, err)
	}
	if err := s.Settle(context.Background(), ins[0], connectors.Outcome{Status: connectors.StatusDone}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "orders.csv.done")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the marker is still there after settle (%v): it would complete the next orders.csv too early", err)
	}
}

func TestPollTakesOnlyWhatItShould(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"orders.csv", "b.csv", ".hidden.csv", "upload.csv.tmp", "upload.csv.part", "x.csv.filepart", "~lock.csv",
		"orders.csv.receipt.json", "notes.txt",
	} {
		write(t, filepath.Join(dir, name), name)
	}
	if err := os.MkdirAll(filepath.Join(dir, "archive"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "archive", "old.csv"), "old")
	if err := os.Symlink(filepath.Join(dir, "orders.csv"), filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	s := newSource(t, filesource.Options{Inbox: dir, Pattern: "*.csv"})
	got := poll(t, s)
	slices.Sort(got)
	if !slices.Equal(got, []string{"b.csv", "orders.csv"}) {
		t.Errorf("poll = %v, want [b.csv orders.csv]", got)
	}
}

func TestSeveralPatternsTakeWhatAnyOfThemMatches(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"AB_1.csv", "AB_2.CSV", "AB_3.xlsx", "orders.csv", "AB_4.txt"} {
		write(t, filepath.Join(dir, name), name)
	}
	s := newSource(t, filesource.Options{Inbox: dir, Patterns: []string{"AB_*.csv", "AB_*.CSV", "AB_*.xlsx"}})
	got := poll(t, s)
	slices.Sort(got)
	if want := []string{"AB_1.csv", "AB_2.CSV", "AB_3.xlsx"}; !slices.Equal(got, want) {
		t.Errorf("poll = %v, want %v", got, want)
	}
}

func TestPollGivesOldestFirstAndAtMostMaxFiles(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for i, name := range []string{"c.csv", "a.csv", "b.csv"} {
		p := filepath.Join(dir, name)
		write(t, p, name)
		if err := os.Chtimes(p, base, base.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	s := newSource(t, filesource.Options{Inbox: dir, MaxFiles: 2})
	if got := poll(t, s); !slices.Equal(got, []string{"c.csv", "a.csv"}) {
		t.Errorf("poll = %v, want the two oldest [c.csv a.csv]", got)
	}
}

func TestInputsCarryTheirHashAndReopen(t *testing.T) {
	dir := t.TempDir()
	content := strings.Repeat("4500012345,MTR-750-B,4\n", 10000)
	write(t, filepath.Join(dir, "orders.csv"), content)
	s := newSource(t, filesource.Options{Inbox: dir, Partner: "acme", Connector: "erp_export"})
	ins, err := s.Poll(context.Background())
	if err != nil || len(ins) != 1 {
		t.Fatalf("poll = %v, %v", ins, err)
	}
	in := ins[0]
	sum := sha256.Sum256([]byte(content))
	if in.SHA256 != hex.EncodeToString(sum[:]) || in.Size != int64(len(content)) || in.Partner != "acme" || in.Connector != "erp_export" {
		t.Errorf("input = %+v", in)
	}
	for i := 0; i < 2; i++ {
		rc, err := in.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != content {
			t.Errorf("open #%d gave %d bytes, want the whole file", i+1, len(b))
		}
	}
}

func readReceipt(t *testing.T, path string) filesource.Receipt {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r filesource.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("receipt %s: %v", path, err)
	}
	return r
}

func TestSettleMovesTheFileAndWritesAReceipt(t *testing.T) {
	tests := []struct {
		status connectors.Status
		dir    string
	}{
		{connectors.StatusDone, "archive/2026/03/02"},
		{connectors.StatusDuplicate, "archive/2026/03/02"},
		{connectors.StatusPartial, "quarantine"},
		{connectors.StatusRejected, "quarantine"},
	}
	for _, tt := range tests {
		t.Run(string(tt.status)+" goes to "+tt.dir, func(t *testing.T) {
			dir, c := t.TempDir(), newClock()
			write(t, filepath.Join(dir, "orders.csv"), "content")
			s := newSource(t, filesource.Options{Inbox: dir, Now: c.Now})
			ins, err := s.Poll(context.Background())
			if err != nil || len(ins) != 1 {
				t.Fatalf("poll = %v, %v", ins, err)
			}
			received := c.Now()
			c.Advance(5 * time.Second)
			o := connectors.Outcome{Status: tt.status, Accepted: 1, Rejected: 2,
				RowErrors: []connectors.RowError{{File: "orders.csv", Line: 3, Field: "lines.quantity", Code: "invalid_decimal", Message: `"x" is not a decimal`}}}
			if err := s.Settle(context.Background(), ins[0], o); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "orders.csv")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the file is still in the inbox")
			}
			if b, err := os.ReadFile(filepath.Join(dir, tt.dir, "orders.csv")); err != nil || string(b) != "content" {
				t.Errorf("moved file: %q, %v", b, err)
			}
			r := readReceipt(t, filepath.Join(dir, tt.dir, "orders.csv.receipt.json"))
			if inOutbox := readReceipt(t, filepath.Join(dir, "outbox", "orders.csv.receipt.json")); !reflect.DeepEqual(inOutbox, r) {
				t.Errorf("outbox receipt %+v differs from the one beside the file %+v", inOutbox, r)
			}
			rejected, err := os.ReadFile(filepath.Join(dir, "outbox", "orders.csv.rejected.csv"))
			wantCSV := "file,sheet,line,column,field,code,message\norders.csv,,3,,lines.quantity,invalid_decimal,\"\"\"x\"\" is not a decimal\"\n"
			if err != nil || string(rejected) != wantCSV {
				t.Errorf("outbox rejected rows = %q, %v; want %q", rejected, err, wantCSV)
			}
			if r.File != "orders.csv" || r.Partner != "acme" || r.SHA256 != ins[0].SHA256 || r.Status != tt.status ||
				r.Accepted != 1 || r.Rejected != 2 || len(r.RowErrors) != 1 || r.RowErrors[0].Line != 3 ||
				!r.ReceivedAt.Equal(received) || !r.SettledAt.Equal(c.Now()) {
				t.Errorf("receipt = %+v", r)
			}
			if got := poll(t, s); len(got) != 0 {
				t.Errorf("after settle, poll = %v", got)
			}
		})
	}
}

func TestSettleWritesRepliesToTheOutboxAndNamesThemInTheReceipt(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "po-0042.edi"), "UNA...")
	s := newSource(t, filesource.Options{Inbox: dir})
	ins, err := s.Poll(context.Background())
	if err != nil || len(ins) != 1 {
		t.Fatalf("poll = %v, %v", ins, err)
	}
	ack := "UNB+UNOC:3+BUYER+SUPPLIER'UNH+1+CONTRL:D:3:UN'"
	o := connectors.Outcome{Status: connectors.StatusDone, Accepted: 1,
		Replies: []connectors.Reply{{Name: "po-0042.edi.contrl", Content: []byte(ack)}}}
	if err := s.Settle(context.Background(), ins[0], o); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "outbox", "po-0042.edi.contrl")); err != nil || string(b) != ack {
		t.Errorf("outbox reply = %q, %v; want %q", b, err, ack)
	}
	r := readReceipt(t, filepath.Join(dir, "outbox", "po-0042.edi.receipt.json"))
	if !reflect.DeepEqual(r.Replies, []string{"po-0042.edi.contrl"}) {
		t.Errorf("receipt replies = %v; want the reply's name", r.Replies)
	}
}

func TestAReplyNamedOutsideTheOutboxIsRefusedAndTheFileStays(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "po.x12"), "ISA...")
	s := newSource(t, filesource.Options{Inbox: dir})
	ins, err := s.Poll(context.Background())
	if err != nil || len(ins) != 1 {
		t.Fatalf("poll = %v, %v", ins, err)
	}
	o := connectors.Outcome{Status: connectors.StatusDone,
		Replies: []connectors.Reply{{Name: "../po.x12.997", Content: []byte("ISA")}}}
	if err := s.Settle(context.Background(), ins[0], o); err == nil || !strings.Contains(err.Error(), "path separator") {
		t.Fatalf("settle = %v; want the unsafe reply name refused", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "po.x12")); err != nil {
		t.Errorf("the file left the inbox although its reply was refused: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "po.x12.997")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the reply was written outside the outbox")
	}
}

func TestSettleNeverOverwritesAnArchivedFile(t *testing.T) {
	dir, c := t.TempDir(), newClock()
	s := newSource(t, filesource.Options{Inbox: dir, Now: c.Now})
	ctx := context.Background()
	for i, content := range []string{"first", "second", "third"} {
		write(t, filepath.Join(dir, "orders.csv"), content)
		ins, err := s.Poll(ctx)
		if err != nil || len(ins) != 1 {
			t.Fatalf("poll #%d = %v, %v", i+1, ins, err)
		}
		if err := s.Settle(ctx, ins[0], connectors.Outcome{Status: connectors.StatusDone}); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{
		"orders.csv":                    "first",
		"orders.20260302T093000Z.csv":   "second",
		"orders.20260302T093000Z-2.csv": "third",
	}
	for name, content := range want {
		b, err := os.ReadFile(filepath.Join(dir, "archive/2026/03/02", name))
		if err != nil || string(b) != content {
			t.Errorf("archive/2026/03/02/%s = %q, %v; want %q", name, b, err, content)
		}
		if r := readReceipt(t, filepath.Join(dir, "archive/2026/03/02", name+".receipt.json")); r.File != "orders.csv" {
			t.Errorf("receipt of %s names %q", name, r.File)
		}
	}
}

func TestSettleLeavesAFileThatChangedSinceItWasTaken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "orders.csv")
	write(t, path, "first")
	s := newSource(t, filesource.Options{Inbox: dir})
	ins, err := s.Poll(context.Background())
	if err != nil || len(ins) != 1 {
		t.Fatalf("poll = %v, %v", ins, err)
	}
	write(t, path, "a new export under the same name")
	if err := s.Settle(context.Background(), ins[0], connectors.Outcome{Status: connectors.StatusDone}); err == nil {
		t.Fatal("settle moved a file whose content was never decoded")
	}
	ins, err = s.Poll(context.Background())
	if err != nil || len(ins) != 1 || ins[0].Size != int64(len("a new export under the same name")) {
		t.Errorf("the changed file is not offered again: %v, %v", ins, err)
	}
}

func TestSourceLifecycleErrors(t *testing.T) {
	t.Run("a missing inbox is an error of poll", func(t *testing.T) {
		s := newSource(t, filesource.Options{Inbox: filepath.Join(t.TempDir(), "nope")})
		if _, err := s.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("poll = %v", err)
		}
	})
	t.Run("close twice is safe and poll after close fails", func(t *testing.T) {
		s := newSource(t, filesource.Options{Inbox: t.TempDir()})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Poll(context.Background()); err == nil {
			t.Error("poll after close succeeded")
		}
	})
	t.Run("an unknown status is not settled", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "a.csv"), "a")
		s := newSource(t, filesource.Options{Inbox: dir})
		if err := s.Settle(context.Background(), connectors.Input{Name: "a.csv"}, connectors.Outcome{Status: "maybe"}); err == nil {
			t.Error("settled with an unknown status")
		}
		if _, err := os.Stat(filepath.Join(dir, "a.csv")); err != nil {
			t.Errorf("the file moved: %v", err)
		}
	})
	t.Run("bad options are refused", func(t *testing.T) {
		for _, opt := range []filesource.Options{
			{},
			{Inbox: "in", Pattern: "["},
			{Inbox: "in", Archive: "in"},
			{Inbox: "in", SettleTime: -time.Second},
			{Inbox: "in", DoneMarker: "done/x"},
		} {
			if _, err := filesource.New(filesource.Local{}, opt); err == nil {
				t.Errorf("New(%+v) succeeded", opt)
			}
		}
	})
}

// listingFS is Local with extra names in its listings, as a broken or
// hostile server would send them.
type listingFS struct {
	filesource.Local
	extra []string
}

func (l listingFS) List(ctx context.Context, dir string) ([]filesource.FileInfo, error) {
	list, err := l.Local.List(ctx, dir)
	for _, name := range l.extra {
		list = append(list, filesource.FileInfo{Name: name, Size: 10, ModTime: time.Unix(0, 0)})
	}
	return list, err
}

func TestANameThatCouldLeaveTheInboxIsRefusedAndReported(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "orders.csv"), "content")
	s, err := filesource.New(listingFS{extra: []string{"../etc/passwd", "..", `a\b.csv`, "bell\a.csv"}}, filesource.Options{Inbox: dir})
	if err != nil {
		t.Fatal(err)
	}
	ins, err := s.Poll(context.Background())
	if len(ins) != 1 || ins[0].Name != "orders.csv" {
		t.Errorf("poll offered %v; want orders.csv alone", ins)
	}
	for _, name := range []string{`"../etc/passwd"`, `".."`, `"a\\b.csv"`, `"bell\a.csv"`} {
		if err == nil || !strings.Contains(err.Error(), "refusing "+name) {
			t.Errorf("poll error %v does not report %s", err, name)
		}
	}
}

func TestRenameCompletionTakesFinalNamesAtOnceAndNeverTempNames(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "orders.csv"), "complete")
	write(t, filepath.Join(dir, "orders2.csv.uploading"), "half")
	s := newSource(t, filesource.Options{Inbox: dir, Completion: filesource.CompleteRename, SettleTime: time.Hour,
		TempPatterns: []string{"*.uploading"}})
	if got := poll(t, s); !slices.Equal(got, []string{"orders.csv"}) {
		t.Errorf("poll = %v; want orders.csv at first sight and not the *.uploading file", got)
	}
}

// cutFS is Local whose reads stop half-way with an error the first n
// times, like a connection dropped mid-download.
type cutFS struct {
	filesource.Local
	cuts *int
}

func (c cutFS) Open(name string) (io.ReadCloser, error) {
	f, err := c.Local.Open(name)
	if err != nil || *c.cuts == 0 {
		return f, err
	}
	*c.cuts--
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(f, 3), errReader{errors.New("connection reset by peer")}), f}, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestASpooledDownloadCutShortIsRetriedAndInputsReadTheSpooledCopy(t *testing.T) {
	dir, spool := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "orders.csv")
	write(t, path, "4500012345;A;2\n")
	write(t, filepath.Join(spool, "download-left-by-a-crash"), "stale")
	cuts := 1
	s, err := filesource.New(cutFS{cuts: &cuts}, filesource.Options{Inbox: dir, Spool: spool})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if left, _ := filepath.Glob(filepath.Join(spool, "*")); len(left) != 0 {
		t.Errorf("spool not emptied at start: %v", left)
	}
	ins, err := s.Poll(context.Background())
	if len(ins) != 0 || err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("poll with a cut download = %v, %v; want nothing and the error", ins, err)
	}
	if left, _ := filepath.Glob(filepath.Join(spool, "*")); len(left) != 0 {
		t.Errorf("a cut download left %v in the spool", left)
	}
	ins, err = s.Poll(context.Background())
	if err != nil || len(ins) != 1 {
		t.Fatalf("retry: %v, %v", ins, err)
	}
	if err := os.Remove(path); err != nil { // the server is gone; the spooled copy is what is decoded
		t.Fatal(err)
	}
	rc, err := ins[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if sum := sha256.Sum256(b); string(b) != "4500012345;A;2\n" || hex.EncodeToString(sum[:]) != ins[0].SHA256 {
		t.Errorf("input reads %q; want the content that was hashed", b)
	}
}
