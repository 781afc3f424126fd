package edifact

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

var ackNow = time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC)

// ackInterchangeRead is one CONTRL interchange read back.
type ackInterchangeRead struct {
	unb  segment
	body []segment // UNH..UNT included
}

// seg returns the body segments with tag.
func (a ackInterchangeRead) segs(tag string) []segment {
	var out []segment
	for _, s := range a.body {
		if s.tag == tag {
			out = append(out, s)
		}
	}
	return out
}

// readAck reads back the acknowledgement with the package's own scanner
// and checks its envelopes: one UNH..UNT per UNB..UNZ, counts and
// references that agree.
func readAck(t *testing.T, content []byte) []ackInterchangeRead {
	t.Helper()
	if !bytes.HasPrefix(content, []byte("UNA:+.? '")) {
		t.Fatalf("the acknowledgement does not begin with the standard UNA:\n%s", content)
	}
	sc := scanner{br: bufio.NewReader(bytes.NewReader(content)), d: defaultDelimiters, cs: charsetAny}
	var (
		out []ackInterchangeRead
		cur *ackInterchangeRead
	)
	for {
		s, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read back: %v\n%s", err, content)
		}
		switch s.tag {
		case "UNA":
		case "UNB":
			out = append(out, ackInterchangeRead{unb: s})
			cur = &out[len(out)-1]
		case "UNZ":
			if cur == nil {
				t.Fatal("UNZ without UNB")
			}
			if s.el(0, 0) != "1" || s.el(1, 0) != cur.unb.el(4, 0) {
				t.Errorf("UNZ+%s+%s for one message in interchange %s", s.el(0, 0), s.el(1, 0), cur.unb.el(4, 0))
			}
			cur = nil
		default:
			if cur == nil {
				t.Fatalf("segment %s outside an interchange", s.tag)
			}
			cur.body = append(cur.body, s)
		}
	}
	if cur != nil {
		t.Fatal("the last interchange has no UNZ")
	}
	for _, ic := range out {
		if len(ic.body) < 3 || ic.body[0].tag != "UNH" || ic.body[len(ic.body)-1].tag != "UNT" {
			t.Fatalf("interchange %s: not one UNH..UNT message", ic.unb.el(4, 0))
		}
		unh, unt := ic.body[0], ic.body[len(ic.body)-1]
		if unh.el(1, 0) != "CONTRL" || unh.el(1, 1) != "D" || unh.el(1, 2) != "3" || unh.el(1, 3) != "UN" {
			t.Errorf("UNH message identifier %v, want CONTRL:D:3:UN", unh.els[1])
		}
		if unt.el(0, 0) != strconv.Itoa(len(ic.body)) || unt.el(1, 0) != unh.el(0, 0) {
			t.Errorf("UNT+%s+%s for %d segments of message %s", unt.el(0, 0), unt.el(1, 0), len(ic.body), unh.el(0, 0))
		}
	}
	return out
}

// decodeAck decodes content and returns what was recorded.
func decodeAck(t *testing.T, opt Options, content string) *connectortest.Recorder {
	t.Helper()
	if opt.Now == nil {
		opt.Now = func() time.Time { return ackNow }
	}
	rec, err := connectortest.DecodeBytes(NewDecoder(opt), "in.edi", []byte(content))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return rec
}

// onlyAck decodes content and reads back its single reply.
func onlyAck(t *testing.T, content string) []ackInterchangeRead {
	t.Helper()
	rec := decodeAck(t, Options{}, content)
	if len(rec.Replies) != 1 {
		t.Fatalf("%d replies, want 1", len(rec.Replies))
	}
	if rec.Replies[0].Name != "in.edi.contrl" {
		t.Errorf("reply name %q, want in.edi.contrl", rec.Replies[0].Name)
	}
	return readAck(t, rec.Replies[0].Content)
}

func orders(ref, body string) string {
	return "UNH+" + ref + "+ORDERS:D:96A:UN:EAN008'\n" + body + "UNT+" + strconv.Itoa(strings.Count(body, "'")+2) + "+" + ref + "'\n"
}

const goodBody = "BGM+220+PO-1+9'\nDTM+137:20260310:102'\nNAD+BY+4012345000009::9'\nCUX+2:EUR:9'\nLIN+1++4012345678901:SRV'\nQTY+21:6:PCE'\nPRI+AAA:4.35'\n"

func interchange(ref, test string, msgs ...string) string {
	return "UNB+UNOA:3+4012345000009:14+4098765000002:14+260310:0830+" + ref + "++++++" + test + "'\n" +
		strings.Join(msgs, "") + "UNZ+" + strconv.Itoa(len(msgs)) + "+" + ref + "'\n"
}

func els(s segment, i int) string { return strings.Join(s.els[i], ":") }

// ucm returns the UCM of message ref and the UCS/UCD after it.
func ucmOf(t *testing.T, ic ackInterchangeRead, ref string) (ucm segment, ucs, ucd *segment) {
	t.Helper()
	for i, s := range ic.body {
		if s.tag != "UCM" || s.el(0, 0) != ref {
			continue
		}
		if i+1 < len(ic.body) && ic.body[i+1].tag == "UCS" {
			ucs = &ic.body[i+1]
			if i+2 < len(ic.body) && ic.body[i+2].tag == "UCD" {
				ucd = &ic.body[i+2]
			}
		}
		return s, ucs, ucd
	}
	t.Fatalf("no UCM for message %s", ref)
	return
}

func TestAGoodOrderIsAcknowledgedWithAction7ForTheInterchangeAndTheMessage(t *testing.T) {
	acks := onlyAck(t, interchange("ICR42", "1", orders("M1", goodBody)))
	if len(acks) != 1 {
		t.Fatalf("%d CONTRL interchanges, want 1", len(acks))
	}
	ic := acks[0]
	if got := els(ic.unb, 0) + "+" + els(ic.unb, 1) + "+" + els(ic.unb, 2) + "+" + els(ic.unb, 3); got != "UNOA:3+4098765000002:14+4012345000009:14+260310:0915" {
		t.Errorf("UNB %s: want the inbound charset, sender and recipient swapped, Now in UTC", got)
	}
	if ic.unb.el(10, 0) != "1" {
		t.Errorf("UNB test indicator %q, want the inbound's 1", ic.unb.el(10, 0))
	}
	if ref := ic.unb.el(4, 0); len(ref) == 0 || len(ref) > 14 || ref == "ICR42" {
		t.Errorf("control reference %q: want its own, at most 14 characters", ref)
	}
	uci := ic.segs("UCI")
	if len(uci) != 1 || els(uci[0], 0) != "ICR42" || els(uci[0], 1) != "4012345000009:14" || els(uci[0], 2) != "4098765000002:14" || els(uci[0], 3) != "7" || len(uci[0].els) != 4 {
		t.Errorf("UCI %v, want ICR42, the inbound sender and recipient, action 7 and no error", uci)
	}
	ucm, ucs, _ := ucmOf(t, ic, "M1")
	if els(ucm, 1) != "ORDERS:D:96A:UN:EAN008" || els(ucm, 2) != "7" || len(ucm.els) != 3 || ucs != nil {
		t.Errorf("UCM %v, want the message identifier and action 7 alone", ucm.els)
	}
}

func TestAMessageWithABadDateIsRejectedNamingItsSegmentAndElement(t *testing.T) {
	bad := strings.Replace(goodBody, "20260310", "20261310", 1)
	acks := onlyAck(t, interchange("ICR1", "", orders("M1", goodBody), orders("M2", bad)))
	if a, _, _ := ucmOf(t, acks[0], "M1"); els(a, 2) != "7" {
		t.Errorf("the good message has action %s, want 7", els(a, 2))
	}
	ucm, ucs, ucd := ucmOf(t, acks[0], "M2")
	if els(ucm, 2) != "4" {
		t.Errorf("UCM action %s, want 4 (rejected)", els(ucm, 2))
	}
	// DTM is the third segment counting UNH; its C507 is element 2 (the
	// tag is 1), the date component 2; 12 is invalid value.
	if ucs == nil || els(*ucs, 0) != "3" || len(ucs.els) != 1 {
		t.Fatalf("UCS %v, want the DTM's position 3 and no segment error", ucs)
	}
	if ucd == nil || els(*ucd, 0) != "12" || els(*ucd, 1) != "2:2" {
		t.Errorf("UCD %v, want 12 at 2:2", ucd)
	}
	if uci := acks[0].segs("UCI")[0]; els(uci, 3) != "7" {
		t.Errorf("UCI action %s, want 7: the interchange is taken, one message rejected", els(uci, 3))
	}
}

func TestAWrongUNTCountIsNotedWhileTheMessageIsAccepted(t *testing.T) {
	msg := strings.Replace(orders("M1", goodBody), "UNT+9+", "UNT+12+", 1)
	rec := decodeAck(t, Options{}, interchange("ICR1", "", msg))
	if len(rec.Records) != 1 {
		t.Fatalf("%d records, want the message taken", len(rec.Records))
	}
	ucm, _, _ := ucmOf(t, readAck(t, rec.Replies[0].Content)[0], "M1")
	if got := strings.Join([]string{els(ucm, 2), els(ucm, 3), els(ucm, 4), els(ucm, 5)}, "+"); got != "7+29+UNT+2" {
		t.Errorf("UCM %s, want 7+29+UNT+2 (accepted, count does not match, UNT element 2)", got)
	}
}

func TestAWrongUNZCountIsNotedInTheUCI(t *testing.T) {
	in := strings.Replace(interchange("ICR1", "", orders("M1", goodBody)), "UNZ+1+", "UNZ+2+", 1)
	uci := onlyAck(t, in)[0].segs("UCI")[0]
	if got := strings.Join([]string{els(uci, 3), els(uci, 4), els(uci, 5), els(uci, 6)}, "+"); got != "7+29+UNZ+2" {
		t.Errorf("UCI %s, want 7+29+UNZ+2", got)
	}
}

func TestTwoInterchangesInOneFileGetTwoCONTRLInterchanges(t *testing.T) {
	acks := onlyAck(t, interchange("FIRST", "", orders("M1", goodBody))+interchange("SECOND", "", orders("M1", goodBody), orders("M2", goodBody)))
	if len(acks) != 2 {
		t.Fatalf("%d CONTRL interchanges, want 2", len(acks))
	}
	if a, b := acks[0].unb.el(4, 0), acks[1].unb.el(4, 0); a == b {
		t.Errorf("both acknowledgements have control reference %s", a)
	}
	for i, want := range []string{"FIRST", "SECOND"} {
		if got := acks[i].segs("UCI")[0].el(0, 0); got != want {
			t.Errorf("acknowledgement %d answers %s, want %s", i+1, got, want)
		}
	}
	if n := len(acks[1].segs("UCM")); n != 2 {
		t.Errorf("the second acknowledgement has %d UCM, want 2", n)
	}
}

func TestAnUnsupportedMessageTypeIsRejectedAsAValueNotSupportedInUNH(t *testing.T) {
	msg := strings.Replace(orders("M1", goodBody), "ORDERS", "ORDCHG", 1)
	rec := decodeAck(t, Options{}, interchange("ICR1", "", msg))
	if len(rec.RowErrors) != 1 || rec.RowErrors[0].Code != CodeUnsupportedMessage {
		t.Fatalf("row errors %+v", rec.RowErrors)
	}
	ucm, ucs, _ := ucmOf(t, readAck(t, rec.Replies[0].Content)[0], "M1")
	if got := strings.Join([]string{els(ucm, 2), els(ucm, 3), els(ucm, 4), els(ucm, 5)}, "+"); got != "4+14+UNH+3:1" || ucs != nil {
		t.Errorf("UCM %s (UCS %v), want 4+14+UNH+3:1: message type (S009 0065) not supported", got, ucs)
	}
}

func TestAReceivedCONTRLIsReportedButNeverAcknowledged(t *testing.T) {
	contrl := "UNH+1+CONTRL:D:3:UN'\nUCI+X9+4098765000002:14+4012345000009:14+7'\nUNT+3+1'\n"
	rec := decodeAck(t, Options{}, interchange("ICR1", "", contrl))
	if len(rec.RowErrors) != 1 || rec.RowErrors[0].Code != CodeUnsupportedMessage {
		t.Errorf("row errors %+v, want the CONTRL reported as an unsupported message", rec.RowErrors)
	}
	if len(rec.Replies) != 0 {
		t.Errorf("a CONTRL was answered:\n%s", rec.Replies[0].Content)
	}
	// An order beside it in another interchange is still answered, alone.
	rec = decodeAck(t, Options{}, interchange("ICR1", "", contrl)+interchange("ICR2", "", orders("M1", goodBody)))
	if len(rec.Replies) != 1 {
		t.Fatalf("%d replies, want 1", len(rec.Replies))
	}
	acks := readAck(t, rec.Replies[0].Content)
	if len(acks) != 1 || acks[0].segs("UCI")[0].el(0, 0) != "ICR2" {
		t.Errorf("acknowledged %d interchanges, want ICR2 alone", len(acks))
	}
}

func TestAnInterchangeWithItsOwnUNAIsAnsweredWithStandardSeparators(t *testing.T) {
	// Release character !, decimal comma; the reference holds + and ?,
	// which the answer must release with ?.
	in := "UNA:+,! '\nUNB+UNOA:3+4012345000009:14+4098765000002:14+260310:0830+R!+1?'\n" +
		"UNH+1+ORDERS:D:96A:UN:EAN008'\n" + strings.Replace(goodBody, "4.35", "4,35", 1) + "UNT+9+1'\nUNZ+1+R!+1?'\n"
	rec := decodeAck(t, Options{}, in)
	if len(rec.Records) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("%d records, row errors %+v", len(rec.Records), rec.RowErrors)
	}
	content := rec.Replies[0].Content
	if !bytes.Contains(content, []byte("UCI+R?+1??+")) {
		t.Errorf("the reference is not released with ?:\n%s", content)
	}
	acks := readAck(t, content)
	if uci := acks[0].segs("UCI")[0]; uci.el(0, 0) != "R+1?" || uci.el(3, 0) != "7" {
		t.Errorf("UCI read back %v, want reference R+1? and action 7", uci.els)
	}
}

func TestTheSameInputGetsTheSameAcknowledgementOnARerun(t *testing.T) {
	in := interchange("ICR1", "", orders("M1", goodBody))
	a := decodeAck(t, Options{}, in).Replies[0].Content
	b := decodeAck(t, Options{}, in).Replies[0].Content
	if !bytes.Equal(a, b) {
		t.Errorf("two runs gave different acknowledgements:\n%s\n%s", a, b)
	}
	other := decodeAck(t, Options{}, in+" ").Replies[0].Content
	if readAck(t, a)[0].unb.el(4, 0) == readAck(t, other)[0].unb.el(4, 0) {
		t.Error("another input got the same control reference")
	}
}

func TestNoAcknowledgementIsWrittenWhenTurnedOffForAFileErrorOrForASinkWithoutReplies(t *testing.T) {
	in := interchange("ICR1", "", orders("M1", goodBody))
	if rec := decodeAck(t, Options{Acknowledgement: AcknowledgeNone}, in); len(rec.Replies) != 0 {
		t.Error("acknowledgement none: a reply was written")
	}
	rec, err := connectortest.DecodeBytes(NewDecoder(Options{}), "x.csv", []byte("order,qty\n1,2\n"))
	if err == nil || len(rec.Replies) != 0 {
		t.Errorf("a file that is not EDIFACT: err %v, %d replies; want a file error and none", err, len(rec.Replies))
	}
	// A sink that takes no replies gets none, and decoding works as before.
	var only onlySink
	if err := NewDecoder(Options{}).Decode(t.Context(), connectortest.InputOf("in.edi", []byte(in)), strings.NewReader(in), &only); err != nil || only.records != 1 {
		t.Errorf("plain sink: err %v, %d records", err, only.records)
	}
}

type onlySink struct{ records int }

func (s *onlySink) Record(context.Context, connectors.Record) error     { s.records++; return nil }
func (s *onlySink) RowError(context.Context, connectors.RowError) error { return nil }

func TestOptionsValidateRefusesAnUnknownAcknowledgement(t *testing.T) {
	for _, v := range []string{"", "contrl", "none"} {
		if err := (Options{Acknowledgement: v}).Validate(); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	err := (Options{Acknowledgement: "yes"}).Validate()
	if err == nil || !strings.Contains(err.Error(), `"yes"`) || !strings.Contains(err.Error(), "none") {
		t.Errorf("acknowledgement yes: %v, want an error naming the value and the choices", err)
	}
}
