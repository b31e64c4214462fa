package bulk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/interactions-api/interactions/store"
	"github.com/interactions-api/interactions/synth"
)

// absent marks a key that testRow leaves out.
type absent struct{}

// testRow returns a valid JSON line with the REST keys, changed by
// overrides: a value replaces the key's, nil writes null, absent{} drops
// the key, and a (valid) json.RawMessage is written as it is.
func testRow(overrides map[string]any) string {
	row := map[string]any{
		"account_number": "ACC-1",
		"timestamp":      "2025-11-14T10:00:00Z",
		"reason":         "billing",
		"solution":       "invoice resent",
		"summary":        "Customer called about a missing invoice.",
		"channel":        "voice",
		"agent_id":       "agent-123",
		"addressed_by":   "AGENT",
		"external_id":    "ext-1",
	}
	for k, v := range overrides {
		if _, ok := v.(absent); ok {
			delete(row, k)
		} else {
			row[k] = v
		}
	}
	b, err := json.Marshal(row)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// readOne reads the first row of a JSON Lines input and converts it.
func readOne(line string) (store.Interaction, error) {
	rec, _, err := NewJSONLReader(strings.NewReader(line)).Read()
	if err != nil {
		return store.Interaction{}, err
	}
	return rec.Interaction()
}

func TestReadJSONL_Valid(t *testing.T) {
	ts := time.Date(2025, 11, 14, 10, 0, 0, 0, time.UTC)
	ptr := func(s string) *string { return &s }
	base := store.Interaction{
		AccountNumber: "ACC-1", Timestamp: ts, Reason: "billing",
		Solution: ptr("invoice resent"), Summary: ptr("Customer called about a missing invoice."),
		Channel: "VOICE", AgentID: ptr("agent-123"), AddressedBy: "AGENT", ExternalID: ptr("ext-1"),
	}
	with := func(f func(*store.Interaction)) store.Interaction {
		it := base
		f(&it)
		return it
	}
	for _, tc := range []struct {
		name string
		line string
		want store.Interaction
	}{
		{"AllKeys", testRow(nil), base},
		{"UpperCaseChannel", testRow(map[string]any{"channel": "VOICE"}), base},
		{"LowerCaseAddressedBy", testRow(map[string]any{"addressed_by": "agent"}), base},
		{"OptionalKeysNull", testRow(map[string]any{"solution": nil, "summary": nil, "agent_id": nil, "external_id": nil}),
			with(func(it *store.Interaction) { it.Solution, it.Summary, it.AgentID, it.ExternalID = nil, nil, nil, nil })},
		{"OptionalKeysAbsent", testRow(map[string]any{"solution": absent{}, "summary": absent{}, "agent_id": absent{}, "external_id": absent{}}),
			with(func(it *store.Interaction) { it.Solution, it.Summary, it.AgentID, it.ExternalID = nil, nil, nil, nil })},
		{"RESTItemID", testRow(map[string]any{"id": 17}), base},
		{"IDOfAnyKind", testRow(map[string]any{"id": map[string]any{"a": []any{1.5e3, "x", nil, true}}}), base},
		{"OffsetTime", testRow(map[string]any{"timestamp": "2025-11-14T12:00:00.250+02:00"}),
			with(func(it *store.Interaction) { it.Timestamp = ts.Add(250 * time.Millisecond) })},
		{"Escapes", `{"account_number":"ACC-1","timestamp":"2025-11-14T10:00:00Z","reason":"billing","solution":"invoice resent",` +
			`"summary":"Line one\nCaf\u00e9 \ud83d\ude00 \"quoted\" \\ \/","channel":"voice","agent_id":"agent-123","addressed_by":"AGENT","external_id":"ext-1"}`,
			with(func(it *store.Interaction) { it.Summary = ptr("Line one\nCafé 😀 \"quoted\" \\ /") })},
		{"EscapedKey", strings.Replace(testRow(nil), `"reason"`, `"reas\u006fn"`, 1), base},
		{"WhiteSpaceAndCRLF", " \t" + strings.ReplaceAll(testRow(nil), ",", " ,\t") + " \r\n", base},
		{"ByteOrderMark", "\uFEFF" + testRow(nil), base},
		{"LoneSurrogate", testRow(map[string]any{"summary": json.RawMessage(`"a\ud800b"`)}),
			with(func(it *store.Interaction) { it.Summary = ptr("a\uFFFDb") })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readOne(tc.line)
			if err != nil {
				t.Fatalf("read %s: %v, want no error", tc.line, err)
			}
			if !sameInteraction(got, tc.want) {
				t.Errorf("read %s\n got %s\nwant %s", tc.line, show(got), show(tc.want))
			}
		})
	}
}

func TestReadJSONL_Invalid(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, tc := range []struct {
		name      string
		line      string
		wantField string
		wantIn    string
	}{
		{"AccountMissing", testRow(map[string]any{"account_number": absent{}}), "account_number", "is required"},
		{"AccountNull", testRow(map[string]any{"account_number": nil}), "account_number", "is required"},
		{"AccountEmpty", testRow(map[string]any{"account_number": ""}), "account_number", "must not be empty"},
		{"AccountSpace", testRow(map[string]any{"account_number": "ACC 1"}), "account_number", "white space"},
		{"AccountTooLong", testRow(map[string]any{"account_number": strings.Repeat("A", 65)}), "account_number", "at most 64"},
		{"TimestampMissing", testRow(map[string]any{"timestamp": absent{}}), "timestamp", "is required"},
		{"TimestampNotTime", testRow(map[string]any{"timestamp": "yesterday"}), "timestamp", `"yesterday" is not an RFC 3339 time`},
		{"TimestampNoZone", testRow(map[string]any{"timestamp": "2025-11-14T10:00:00"}), "timestamp", "RFC 3339"},
		{"TimestampBefore1970", testRow(map[string]any{"timestamp": "1969-12-31T23:59:59Z"}), "timestamp", "1970 to 2200"},
		{"TimestampNumber", testRow(map[string]any{"timestamp": 1700000000}), "timestamp", "must be a string or null, got a number"},
		{"ReasonMissing", testRow(map[string]any{"reason": absent{}}), "reason", "is required"},
		{"ReasonBlank", testRow(map[string]any{"reason": "  "}), "reason", "must not be empty"},
		{"ReasonTooLong", testRow(map[string]any{"reason": long(129)}), "reason", "at most 128 characters, got 129"},
		{"ReasonNewline", testRow(map[string]any{"reason": "bill\ning"}), "reason", "control character"},
		{"SolutionTooLong", testRow(map[string]any{"solution": long(4001)}), "solution", "at most 4000 characters, got 4001"},
		{"SolutionControl", testRow(map[string]any{"solution": "a\u0007b"}), "solution", "control character"},
		{"SummaryTooLong", testRow(map[string]any{"summary": long(16001)}), "summary", "at most 16000 characters, got 16001"},
		{"SummaryArray", testRow(map[string]any{"summary": []string{"a"}}), "summary", "got an array"},
		{"ChannelMissing", testRow(map[string]any{"channel": absent{}}), "channel", "is required"},
		{"ChannelMixedCase", testRow(map[string]any{"channel": "Voice"}), "channel", `"Voice" is not one of voice, chat`},
		{"ChannelUnknown", testRow(map[string]any{"channel": "fax"}), "channel", `"fax" is not one of`},
		{"AgentTooLong", testRow(map[string]any{"agent_id": long(129)}), "agent_id", "at most 128"},
		{"AgentEmpty", testRow(map[string]any{"agent_id": ""}), "agent_id", "must not be empty"},
		{"AgentBoolean", testRow(map[string]any{"agent_id": true}), "agent_id", "got a boolean"},
		{"AddressedByMissing", testRow(map[string]any{"addressed_by": absent{}}), "addressed_by", "is required"},
		{"AddressedByUnknown", testRow(map[string]any{"addressed_by": "HUMAN"}), "addressed_by", `"HUMAN" is not one of AGENT, BOT`},
		{"ExternalIDEmpty", testRow(map[string]any{"external_id": ""}), "external_id", "must not be empty"},
		{"ExternalIDTooLong", testRow(map[string]any{"external_id": strings.Repeat("x", 257)}), "external_id", "at most 256"},
		{"ExternalIDObject", testRow(map[string]any{"external_id": map[string]int{"a": 1}}), "external_id", "got an object"},
		{"InvalidUTF8Summary", strings.Replace(testRow(nil), "missing", "miss\xffing", 1), "summary", "valid UTF-8"},
		{"InvalidUTF8Reason", strings.Replace(testRow(nil), "billing", "bill\xc3ing", 1), "reason", "valid UTF-8"},
		{"UnknownKey", testRow(map[string]any{"accountNumber": "ACC-1"}), "", `unknown key "accountNumber"; the keys are account_number, timestamp`},
		{"UnknownKeyOtherCase", testRow(map[string]any{"Reason": "x"}), "", `unknown key "Reason"`},
		{"DuplicateKey", strings.Replace(testRow(nil), `"reason":"billing"`, `"reason":"billing","reason":"other"`, 1), "", `key "reason" appears twice`},
		{"DuplicateID", strings.Replace(testRow(nil), `{`, `{"id":1,"id":2,`, 1), "", `key "id" appears twice`},
		{"NotAnObject", `["ACC-1"]`, "", "a row must be a JSON object"},
		{"NotJSON", `account_number=ACC-1`, "", "invalid JSON at column 1"},
		{"TrailingComma", strings.Replace(testRow(nil), `}`, `,}`, 1), "", "expected a key in double quotes"},
		{"MissingColon", strings.Replace(testRow(nil), `"reason":`, `"reason" `, 1), "", "expected ':'"},
		{"Unterminated", `{"account_number":"ACC-1`, "", "unterminated string"},
		{"CutShort", `{"account_number":"ACC-1",`, "", "found the end of the line"},
		{"TextAfterObject", testRow(nil) + ` {}`, "", "unexpected text after the object"},
		{"RawControlInString", strings.Replace(testRow(nil), "billing", "bill\ting", 1), "", "control character must be escaped"},
		{"BadEscape", strings.Replace(testRow(nil), "billing", `bill\xing`, 1), "", "invalid escape"},
		{"BadUnicodeEscape", strings.Replace(testRow(nil), "billing", `bill\u12`, 1), "", `\u must be followed by four hexadecimal digits`},
		{"BadNumberID", strings.Replace(testRow(nil), `{`, `{"id":01,`, 1), "", "expected ',' or '}'"},
		{"DeepID", strings.Replace(testRow(nil), `{`, `{"id":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`,`, 1), "", "nested more than 64 deep"},
		{"BadLiteral", strings.Replace(testRow(nil), `"Customer called about a missing invoice."`, `nul`, 1), "", "invalid value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readOne(tc.line)
			var invalid *store.InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("read %.200s = %s, %v; want an *store.InvalidError", tc.line, show(got), err)
			}
			if invalid.Field != tc.wantField || !strings.Contains(invalid.Error(), tc.wantIn) {
				t.Errorf("read %.200s: error %q (field %q); want field %q and a message containing %q",
					tc.line, invalid.Error(), invalid.Field, tc.wantField, tc.wantIn)
			}
			if tc.wantField != "" && !strings.HasPrefix(invalid.Error(), tc.wantField+": ") {
				t.Errorf("read %.200s: error %q does not start with the key %q", tc.line, invalid.Error(), tc.wantField)
			}
		})
	}
}

// TestReadJSONL_Lines checks the line numbers given with rows and errors,
// and that reading goes on after a bad line, a blank one or one too long.
func TestReadJSONL_Lines(t *testing.T) {
	tooLong := testRow(map[string]any{"summary": strings.Repeat("x", MaxLineBytes)})
	input := strings.Join([]string{
		testRow(map[string]any{"external_id": "a"}), // 1
		"",      // 2
		"   \t", // 3
		"{oops", // 4
		tooLong, // 5
		testRow(map[string]any{"external_id": "b"}) + "\r", // 6
		testRow(map[string]any{"external_id": "c"}),        // 7, no final newline
	}, "\n")
	r := NewJSONLReader(strings.NewReader(input))
	type result struct {
		line int
		ext  string
		err  string
	}
	var got []result
	for {
		rec, line, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		res := result{line: line}
		if err != nil {
			res.err = err.Error()
		} else {
			res.ext = *rec.ExternalID
		}
		got = append(got, res)
	}
	want := []result{
		{line: 1, ext: "a"},
		{line: 4, err: `invalid JSON at column 2: expected a key in double quotes, found 'o'`},
		{line: 5, err: fmt.Sprintf("line is longer than %d bytes", MaxLineBytes)},
		{line: 6, ext: "b"},
		{line: 7, ext: "c"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("reading %d lines gave\n%+v\nwant\n%+v", 7, got, want)
	}
	if r.Offset() != int64(len(input)) {
		t.Errorf("Offset() after reading everything = %d, want the input's %d bytes", r.Offset(), len(input))
	}
}

// TestReadJSONL_MatchesEncodingJSON reads generated rows with the reader
// and with encoding/json, which must agree on every value.
func TestReadJSONL_MatchesEncodingJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Options{Rows: 3000, Accounts: 50, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	r := NewJSONLReader(&buf)
	for i, line := range lines {
		rec, n, err := r.Read()
		if err != nil || n != i+1 {
			t.Fatalf("Read() of line %d = line %d, %v; want line %d and no error", i+1, n, err, i+1)
		}
		var want map[string]*string
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatal(err)
		}
		got := map[string]*string{}
		for i, f := range rec.fields() {
			got[keys[i]] = *f
		}
		if !maps.EqualFunc(got, want, func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }) {
			t.Fatalf("line %d: read %v, encoding/json read %v", i+1, got, want)
		}
	}
	if _, _, err := r.Read(); !errors.Is(err, io.EOF) {
		t.Errorf("Read() after the last line: %v, want io.EOF", err)
	}
}

func TestReadCSV(t *testing.T) {
	header := "account_number,timestamp,reason,solution,summary,channel,agent_id,addressed_by,external_id\n"
	for _, tc := range []struct {
		name  string
		input string
		want  []string // per row: "line N: external_id" or "line N: error …"
	}{
		{"AllColumns", header + "ACC-1,2025-11-14T10:00:00Z,billing,resent,called,voice,agent-1,AGENT,e1\n",
			[]string{"line 2: e1"}},
		{"AnyOrderAndOptionalColumnsLeftOut", "external_id,addressed_by,channel,reason,timestamp,account_number\r\n" +
			"e1,BOT,chat,billing,2025-11-14T10:00:00Z,ACC-1\r\n", []string{"line 2: e1"}},
		{"ByteOrderMarkAndSpacedHeader", "\uFEFFaccount_number, timestamp ,reason,channel,addressed_by,external_id,id\n" +
			"ACC-1,2025-11-14T10:00:00Z,billing,web,BOT,e1,99\n", []string{"line 2: e1"}},
		{"QuotedNewlinesKeepPhysicalLines", header +
			"ACC-1,2025-11-14T10:00:00Z,billing,\"two\nlines\",\"and\nthree\nlines\",voice,,AGENT,e1\n" +
			"\n" +
			"ACC-1,2025-11-14T10:00:00Z,billing,,,voice,,AGENT,e2\n",
			[]string{"line 2: e1", "line 7: e2"}},
		{"EmptyCellIsNull", header + "ACC-1,2025-11-14T10:00:00Z,billing,,,voice,,BOT,\n", []string{"line 2: <nil>"}},
		{"EmptyRequiredCell", header + "ACC-1,2025-11-14T10:00:00Z,,,,voice,,BOT,e1\n", []string{"line 2: reason: is required"}},
		{"WrongFieldCount", header + "ACC-1,2025-11-14T10:00:00Z,billing\nACC-1,2025-11-14T10:00:00Z,billing,,,voice,,BOT,e2\n",
			[]string{"line 2: the row has 3 fields, the header 9", "line 3: e2"}},
		{"BareQuote", header + "ACC-1,2025-11-14T10:00:00Z,bil\"ling,,,voice,,BOT,e1\n",
			[]string{`line 2: invalid CSV at line 2, column 31: bare " in non-quoted-field`}},
		{"InvalidUTF8", header + "ACC-1,2025-11-14T10:00:00Z,billing,,s\xffx,voice,,BOT,e1\n", []string{"line 2: summary: must be valid UTF-8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewCSVReader(strings.NewReader(tc.input))
			if err != nil {
				t.Fatalf("NewCSVReader(%q): %v", tc.input, err)
			}
			var got []string
			for {
				rec, line, err := r.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err == nil {
					var it store.Interaction
					if it, err = rec.Interaction(); err == nil {
						ext := "<nil>"
						if it.ExternalID != nil {
							ext = *it.ExternalID
						}
						got = append(got, fmt.Sprintf("line %d: %s", line, ext))
						continue
					}
				}
				got = append(got, fmt.Sprintf("line %d: %v", line, err))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("reading %q gave\n%q\nwant\n%q", tc.input, got, tc.want)
			}
		})
	}
}

func TestReadCSV_HeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{
		{"Empty", "", "line 1: the input is empty; CSV needs a header row"},
		{"UnknownColumn", "account_number,timestamp,reason,channel,addressed_by,agentId\n", `line 1: unknown column "agentId" in the header; the columns are account_number`},
		{"RepeatedColumn", "account_number,timestamp,reason,channel,addressed_by,reason\n", `line 1: column "reason" appears twice`},
		{"MissingRequired", "account_number,reason,channel\n", "line 1: the header lacks the required column(s) timestamp, addressed_by"},
		{"BadQuote", "account_number,\"timestamp\n", `line 1: header row: extraneous or missing " in quoted-field`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCSVReader(strings.NewReader(tc.input))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("NewCSVReader(%q) = %v, want an error starting %q", tc.input, err, tc.want)
			}
		})
	}
}

func sameInteraction(a, b store.Interaction) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.AccountNumber == b.AccountNumber && a.Timestamp.Equal(b.Timestamp) && a.Reason == b.Reason &&
		eq(a.Solution, b.Solution) && eq(a.Summary, b.Summary) && a.Channel == b.Channel &&
		eq(a.AgentID, b.AgentID) && a.AddressedBy == b.AddressedBy && eq(a.ExternalID, b.ExternalID)
}

func show(it store.Interaction) string {
	s := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return fmt.Sprintf("%q", *p)
	}
	return fmt.Sprintf("{%s %s %s sol=%s sum=%s %s agent=%s %s ext=%s}", it.AccountNumber, it.Timestamp.Format(time.RFC3339Nano),
		it.Reason, s(it.Solution), s(it.Summary), it.Channel, s(it.AgentID), it.AddressedBy, s(it.ExternalID))
}
