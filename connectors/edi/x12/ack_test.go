package x12_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/x12"
)

// ackNow is the date and time of the acknowledgements in these tests.
func ackNow() time.Time { return time.Date(2026, 12, 4, 17, 5, 0, 0, time.FixedZone("CET", 3600)) }

const (
	testISA = "ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*SZHOMEGOODS    *261201*1030*U*00401*000000777*0*T*>~\n"
	testIEA = "IEA*1*000000777~\n"
)

// group is a GS...GE around sets (each ST...SE), with a correct GE.
func group(code, control string, sets ...string) string {
	return fmt.Sprintf("GS*%s*ACMERETAIL*SZHOMEGOODS*20261201*1030*%s*X*004010~\n%sGE*%d*%s~\n", code, control, strings.Join(sets, ""), len(sets), control)
}

// order850 is an 850 with ST02 control whose BEG05 is date; seCount
// overrides SE01 when not 0.
func order850(control, date string, seCount int) string {
	body := []string{
		"BEG*00*SA*PO-" + control + "**" + date,
		"CUR*BY*USD",
		"N1*BY*ACME RETAIL INC*92*ACME-US",
		"N1*SE*SHENZHEN HOMEGOODS*92*CN-SZHG",
		"PO1*1*10*EA*4.35*PE*VP*SZ-LMP-220",
		"CTT*1",
	}
	n := len(body) + 2
	if seCount != 0 {
		n = seCount
	}
	return "ST*850*" + control + "~\n" + strings.Join(body, "~\n") + "~\nSE*" + strconv.Itoa(n) + "*" + control + "~\n"
}

// ackSegments is an acknowledgement read back: its segments, each split
// into elements. It checks the envelopes as it reads: ISA13 = IEA02, IEA01
// and GE01 the groups and sets counted, GS06 = GE02, ST02 = SE02, SE01 the
// segments counted from ST to SE.
func ackSegments(t *testing.T, content []byte) [][]string {
	t.Helper()
	text := string(content)
	if !strings.HasSuffix(text, "~\n") {
		t.Fatalf("the acknowledgement does not end with a segment terminator: %q", text)
	}
	var segs [][]string
	for _, s := range strings.Split(strings.TrimSuffix(text, "~\n"), "~\n") {
		segs = append(segs, strings.Split(s, "*"))
	}
	var isa, gs, st []string
	groups, sets, stAt := 0, 0, 0
	for i, s := range segs {
		switch s[0] {
		case "ISA":
			if len(s) != 17 || len(strings.Join(s, "*")) != 105 {
				t.Errorf("ISA is not 16 fixed-length elements: %q", strings.Join(s, "*"))
			}
			isa, groups = s, 0
		case "GS":
			gs, sets = s, 0
			groups++
		case "ST":
			st, stAt = s, i
			sets++
		case "SE":
			if want := strconv.Itoa(i - stAt + 1); s[1] != want || s[2] != st[2] {
				t.Errorf("%s: want SE*%s*%s", strings.Join(s, "*"), want, st[2])
			}
		case "GE":
			if s[1] != strconv.Itoa(sets) || s[2] != gs[6] {
				t.Errorf("%s: want GE*%d*%s", strings.Join(s, "*"), sets, gs[6])
			}
		case "IEA":
			if s[1] != strconv.Itoa(groups) || s[2] != isa[13] {
				t.Errorf("%s: want IEA*%d*%s", strings.Join(s, "*"), groups, isa[13])
			}
		}
	}
	return segs
}

// lines returns the segments with one of the ids, as text.
func lines(segs [][]string, ids ...string) []string {
	var out []string
	for _, s := range segs {
		for _, id := range ids {
			if s[0] == id {
				out = append(out, strings.Join(s, "*"))
			}
		}
	}
	return out
}

func decodeAck(t *testing.T, opt x12.Options, name, content string) (*connectortest.Recorder, [][]string) {
	t.Helper()
	if opt.Now == nil {
		opt.Now = ackNow
	}
	rec, err := connectortest.DecodeBytes(x12.NewDecoder(opt), name, []byte(content))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(rec.Replies) != 1 {
		t.Fatalf("%d replies, want one acknowledgement", len(rec.Replies))
	}
	return rec, ackSegments(t, rec.Replies[0].Content)
}

func wantLines(t *testing.T, segs [][]string, want []string, ids ...string) {
	t.Helper()
	got := lines(segs, ids...)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%v segments:\n%s\nwant:\n%s", ids, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOneGoodOrderIsAcknowledgedAsAccepted(t *testing.T) {
	rec, segs := decodeAck(t, x12.Options{}, "po.x12", testISA+group("PO", "41", order850("0001", "20261201", 0))+testIEA)
	if got := rec.Replies[0].Name; got != "po.x12.997" {
		t.Errorf("reply named %q, want po.x12.997", got)
	}
	isa := segs[0]
	if isa[5] != "ZZ" || strings.TrimSpace(isa[6]) != "SZHOMEGOODS" || strings.TrimSpace(isa[8]) != "ACMERETAIL" {
		t.Errorf("ISA sender %q receiver %q: not the inbound's swapped", isa[6], isa[8])
	}
	if isa[9] != "261204" || isa[10] != "1605" || isa[11] != "U" || isa[12] != "00401" || isa[15] != "T" || isa[16] != ":" {
		t.Errorf("ISA09-16 = %q, want the time in UTC, U, 00401, the inbound's usage T and ':'", isa[9:])
	}
	if len(isa[13]) != 9 || isa[13] == "000000000" {
		t.Errorf("ISA13 %q is not a 9-digit control number", isa[13])
	}
	wantLines(t, segs, []string{"GS*FA*SZHOMEGOODS*ACMERETAIL*20261204*1605*1*X*004010"}, "GS")
	wantLines(t, segs, []string{"ST*997*0001", "AK1*PO*41", "AK2*850*0001", "AK5*A", "AK9*A*1*1*1"}, "ST", "AK1", "AK2", "AK3", "AK4", "AK5", "AK9")
}

func TestASetRejectedForABadDateIsNamedInItsAcknowledgement(t *testing.T) {
	t.Run("one of two rejected: the group is partially accepted", func(t *testing.T) {
		_, segs := decodeAck(t, x12.Options{}, "po.x12", testISA+group("PO", "42", order850("0001", "20261331", 0), order850("0002", "20261201", 0))+testIEA)
		wantLines(t, segs, []string{"AK2*850*0001", "AK3*BEG*2**8", "AK4*5*373*8*20261331", "AK5*R*5", "AK2*850*0002", "AK5*A", "AK9*P*2*2*1"},
			"AK2", "AK3", "AK4", "AK5", "AK9")
	})
	t.Run("all rejected: the group is rejected", func(t *testing.T) {
		_, segs := decodeAck(t, x12.Options{}, "po.x12", testISA+group("PO", "43", order850("0001", "2026-12-01", 0))+testIEA)
		wantLines(t, segs, []string{"AK4*5*373*8*2026-12-01", "AK5*R*5", "AK9*R*1*1*0"}, "AK4", "AK5", "AK9")
	})
}

func TestAWrongSegmentCountIsAcceptedWithAnErrorNoted(t *testing.T) {
	rec, segs := decodeAck(t, x12.Options{}, "po.x12", testISA+group("PO", "44", order850("0001", "20261201", 12))+testIEA)
	if len(rec.Records) != 1 {
		t.Fatalf("%d records, want the order taken", len(rec.Records))
	}
	wantLines(t, segs, []string{"AK2*850*0001", "AK5*E*4", "AK9*E*1*1*1"}, "AK2", "AK3", "AK5", "AK9")
}

func TestTwoGroupsGetTwoAcknowledgementsInOneInterchange(t *testing.T) {
	_, segs := decodeAck(t, x12.Options{}, "po.x12", testISA+group("PO", "45", order850("0001", "20261201", 0))+group("PO", "46", order850("0001", "20261202", 0))+testIEA)
	if n := len(lines(segs, "ISA")); n != 1 {
		t.Errorf("%d ISAs, want one interchange", n)
	}
	wantLines(t, segs, []string{"AK1*PO*45", "AK9*A*1*1*1", "AK1*PO*46", "AK9*A*1*1*1"}, "AK1", "AK9")
	if n := len(lines(segs, "ST")); n != 2 {
		t.Errorf("%d ST 997s, want one per group", n)
	}
}

func TestAnUnsupportedSetTypeIsRejectedAsNotSupported(t *testing.T) {
	wms := "ST*940*0001~\nW05*N*WO-1~\nSE*3*0001~\n"
	rec, segs := decodeAck(t, x12.Options{}, "wms.x12", testISA+group("OW", "47", wms)+testIEA)
	if len(rec.RowErrors) != 1 || rec.RowErrors[0].Code != x12.CodeUnsupportedSet {
		t.Errorf("row errors %v, want one unsupported_transaction", rec.RowErrors)
	}
	wantLines(t, segs, []string{"AK1*OW*47", "AK2*940*0001", "AK5*R*1", "AK9*R*1*1*0"}, "AK1", "AK2", "AK3", "AK5", "AK9")
}

func TestImplementationAcknowledgement999(t *testing.T) {
	rec, segs := decodeAck(t, x12.Options{Acknowledgement: "999"}, "po.x12",
		testISA+group("PO", "48", order850("0001", "20261331", 0), order850("0002", "20261201", 13))+testIEA)
	if got := rec.Replies[0].Name; got != "po.x12.999" {
		t.Errorf("reply named %q, want po.x12.999", got)
	}
	wantLines(t, segs, []string{"GS*FA*SZHOMEGOODS*ACMERETAIL*20261204*1605*1*X*005010X231A1"}, "GS")
	wantLines(t, segs, []string{
		"ST*999*0001*005010X231A1", "AK1*PO*48*004010",
		"AK2*850*0001", "IK3*BEG*2**8", "IK4*5*373*8*20261331", "IK5*R*5",
		"AK2*850*0002", "IK5*E*4",
		"AK9*P*2*2*1",
	}, "ST", "AK1", "AK2", "IK3", "IK4", "IK5", "AK9")
	if n := len(lines(segs, "AK3", "AK4", "AK5")); n != 0 {
		t.Errorf("a 999 with %d 997 segments (AK3, AK4, AK5)", n)
	}
}

func TestAnAcknowledgementReceivedIsNotAcknowledged(t *testing.T) {
	fa := "ST*997*0001~\nAK1*PO*41~\nAK9*A*1*1*1~\nSE*4*0001~\n"
	rec, err := connectortest.DecodeBytes(x12.NewDecoder(x12.Options{Now: ackNow}), "fa.x12", []byte(testISA+group("FA", "49", fa)+testIEA))
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Replies) != 0 {
		t.Errorf("a 997 received was answered with %q", rec.Replies[0].Content)
	}
	if len(rec.RowErrors) != 1 || rec.RowErrors[0].Code != x12.CodeUnsupportedSet {
		t.Errorf("row errors %v, want the 997 reported as an unsupported set", rec.RowErrors)
	}
}

func TestNoAcknowledgementWhenTurnedOffOrNotX12(t *testing.T) {
	good := testISA + group("PO", "50", order850("0001", "20261201", 0)) + testIEA
	for _, c := range []struct {
		name, content string
		opt           x12.Options
	}{
		{"acknowledgement none", good, x12.Options{Acknowledgement: "none"}},
		{"a file that is not X12", "order_number,sku\nPO-1,A\n", x12.Options{}},
		{"an ISA too short to read", "ISA*00*~GS*PO~", x12.Options{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec, _ := connectortest.DecodeBytes(x12.NewDecoder(c.opt), "in.x12", []byte(c.content))
			if len(rec.Replies) != 0 {
				t.Errorf("replied %q", rec.Replies[0].Content)
			}
		})
	}
}

func TestARerunWritesTheSameAcknowledgement(t *testing.T) {
	content := testISA + group("PO", "51", order850("0001", "20261201", 0)) + testIEA
	content += strings.Replace(content, "000000777", "000000778", 2)
	_, first := decodeAck(t, x12.Options{}, "po.x12", content)
	_, again := decodeAck(t, x12.Options{}, "po.x12", content)
	c1, c2 := lines(first, "ISA"), lines(again, "ISA")
	if len(c1) != 2 || strings.Join(c1, "\n") != strings.Join(c2, "\n") {
		t.Errorf("ISAs of two runs differ:\n%s\n%s", strings.Join(c1, "\n"), strings.Join(c2, "\n"))
	}
	if first[0][13] == lines(first, "IEA")[1][len("IEA*1*"):] {
		t.Errorf("two interchanges acknowledged with the same control number %s", first[0][13])
	}
	_, other := decodeAck(t, x12.Options{}, "po.x12", content+"\n")
	if other[0][13] == first[0][13] {
		t.Errorf("another content got the same control number %s", first[0][13])
	}
}

// notReplier is a Sink that takes no replies.
type notReplier struct{ records int }

func (n *notReplier) Record(context.Context, connectors.Record) error     { n.records++; return nil }
func (n *notReplier) RowError(context.Context, connectors.RowError) error { return nil }

func TestASinkWithoutRepliesStillGetsTheRecords(t *testing.T) {
	content := []byte(testISA + group("PO", "52", order850("0001", "20261201", 0)) + testIEA)
	var sink notReplier
	if err := x12.NewDecoder(x12.Options{}).Decode(context.Background(), connectortest.InputOf("po.x12", content), bytes.NewReader(content), &sink); err != nil || sink.records != 1 {
		t.Errorf("Decode = %v, %d records", err, sink.records)
	}
}

func TestOptionsValidateRefusesAnUnknownAcknowledgement(t *testing.T) {
	for _, ok := range []string{"", "997", "999", "none"} {
		if err := (x12.Options{Acknowledgement: ok}).Validate(); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	err := x12.Options{Acknowledgement: "TA1"}.Validate()
	if err == nil || !strings.Contains(err.Error(), `"TA1"`) {
		t.Errorf("Validate = %v, want an error naming \"TA1\"", err)
	}
}

func TestAMissingMandatorySegmentIsNamedInTheAcknowledgement(t *testing.T) {
	noBAK := "ST*855*0001~\nN1*BY*ACME RETAIL INC*92*ACME-US~\nPO1*1*10*EA*4.35*PE*VP*SZ-LMP-220~\nACK*IA*10*EA~\nSE*5*0001~\n"
	_, segs := decodeAck(t, x12.Options{}, "poack.x12", testISA+group("PR", "53", noBAK)+testIEA)
	wantLines(t, segs, []string{"AK2*855*0001", "AK3*BAK*5**3", "AK5*R*5", "AK9*R*1*1*0"}, "AK2", "AK3", "AK4", "AK5", "AK9")
}

func TestAControlCharacterIsNamedByItsElement(t *testing.T) {
	content := testISA + group("PO", "54", strings.Replace(order850("0001", "20261201", 0), "SZ-LMP-220", "SZ-LMP\x01220", 1)) + testIEA
	_, segs := decodeAck(t, x12.Options{}, "po.x12", content)
	wantLines(t, segs, []string{"AK3*PO1*6**8", "AK4*7*234*6", "AK5*R*5"}, "AK3", "AK4", "AK5")
}
