package synth_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/interactions-api/interactions/bulk"
	"github.com/interactions-api/interactions/synth"
)

func generate(t *testing.T, opts synth.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := synth.Write(&buf, opts); err != nil {
		t.Fatalf("Write(%+v): %v", opts, err)
	}
	return buf.Bytes()
}

func TestWrite_Deterministic(t *testing.T) {
	opts := synth.Options{Rows: 2000, Accounts: 100, Seed: 42}
	a, b := generate(t, opts), generate(t, opts)
	if !bytes.Equal(a, b) {
		t.Errorf("Write(%+v) twice gave different bytes", opts)
	}
	other := opts
	other.Seed = 43
	if c := generate(t, other); bytes.Equal(a, c) {
		t.Errorf("Write with seeds 42 and 43 gave the same bytes")
	}
	if n := bytes.Count(a, []byte("\n")); n != opts.Rows {
		t.Errorf("Write(%+v) wrote %d lines, want %d", opts, n, opts.Rows)
	}
}

// row is a generated line as encoding/json reads it.
type row struct {
	AccountNumber string  `json:"account_number"`
	Timestamp     string  `json:"timestamp"`
	Reason        string  `json:"reason"`
	Solution      *string `json:"solution"`
	Summary       *string `json:"summary"`
	Channel       string  `json:"channel"`
	AgentID       *string `json:"agent_id"`
	AddressedBy   string  `json:"addressed_by"`
	ExternalID    string  `json:"external_id"`
}

func TestWrite_Shape(t *testing.T) {
	const rows, accounts = 20000, 1000
	data := generate(t, synth.Options{Rows: rows, Accounts: accounts, Seed: 1})

	perAccount := map[string]int{}
	externalIDs := map[string]bool{}
	channels, reasons := map[string]int{}, map[string]int{}
	var bots, botsWithAgent, noSolution, repeats, offsets int
	var prev time.Time
	accountRE := regexp.MustCompile(`^ACC-\d{6}$`)
	agentRE := regexp.MustCompile(`^agent-\d{3}$`)
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var keys map[string]any
		if err := json.Unmarshal(line, &keys); err != nil || len(keys) != 9 {
			t.Fatalf("line %d: %s: want a JSON object with the 9 REST keys (%v)", i+1, line, err)
		}
		var r row
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if !accountRE.MatchString(r.AccountNumber) {
			t.Errorf("line %d: account %q, want ACC- and six digits", i+1, r.AccountNumber)
		}
		perAccount[r.AccountNumber]++
		if externalIDs[r.ExternalID] {
			t.Errorf("line %d: external ID %q repeats an earlier one", i+1, r.ExternalID)
		}
		externalIDs[r.ExternalID] = true
		channels[r.Channel]++
		reasons[r.Reason]++

		ts, err := time.Parse(time.RFC3339Nano, r.Timestamp)
		if err != nil || ts.Before(synth.Start) || !ts.Before(synth.End) {
			t.Errorf("line %d: timestamp %q, want RFC 3339 from %v to %v", i+1, r.Timestamp, synth.Start, synth.End)
		}
		if ts.Before(prev) {
			t.Errorf("line %d: timestamp %v comes before the previous line's %v", i+1, ts, prev)
		}
		if ts.Equal(prev) {
			repeats++
		}
		prev = ts
		if !strings.HasSuffix(r.Timestamp, "Z") {
			offsets++
		}

		switch r.AddressedBy {
		case "BOT":
			bots++
			if r.AgentID != nil {
				botsWithAgent++
			}
		case "AGENT":
			if r.AgentID == nil || !agentRE.MatchString(*r.AgentID) {
				t.Errorf("line %d: an AGENT row with agent_id %v, want agent-NNN", i+1, r.AgentID)
			}
		default:
			t.Errorf("line %d: addressed_by %q, want AGENT or BOT", i+1, r.AddressedBy)
		}
		if r.Solution == nil {
			noSolution++
		}
	}

	top, largest := "", 0
	for acc, n := range perAccount {
		if n > largest {
			top, largest = acc, n
		}
	}
	if share := float64(largest) / rows; top != "ACC-000001" || share < 0.08 || share > 0.12 {
		t.Errorf("the largest account is %s with %.1f%% of the rows, want ACC-000001 with 8 to 12%%", top, 100*share)
	}
	if len(perAccount) > accounts || len(perAccount) < accounts/2 {
		t.Errorf("the rows spread over %d accounts, want most of the %d asked for", len(perAccount), accounts)
	}
	if botsWithAgent > 0 || bots == 0 {
		t.Errorf("%d BOT rows, %d of them with an agent_id; want some, none with one", bots, botsWithAgent)
	}
	for name, got := range map[string]int{"repeated timestamps": repeats, "timestamps with an offset": offsets, "rows without a solution": noSolution} {
		if got < rows/100 || got > rows/4 {
			t.Errorf("%d %s among %d rows, want a few percent", got, name, rows)
		}
	}
	wantChannels := []string{"chat", "email", "sms", "social", "voice", "web"}
	if got := slices.Sorted(maps.Keys(channels)); !slices.Equal(got, wantChannels) {
		t.Errorf("channels %v, want every one of %v in lower case", got, wantChannels)
	}
	if channels["voice"] <= channels["social"] {
		t.Errorf("channel counts %v, want voice far more common than social", channels)
	}
	for _, r := range []string{"billing", "technical_support", "plan_change", "cancellation", "outage_report",
		"payment_arrangement", "address_change", "device_return", "roaming", "complaint"} {
		if reasons[r] == 0 {
			t.Errorf("no row has the reason %q (reasons: %v)", r, reasons)
		}
	}
}

// TestWrite_Valid reads the generated rows as the import does: every one
// must pass the checks the mutation makes.
func TestWrite_Valid(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		data := generate(t, synth.Options{Rows: 5000, Accounts: 1 + int(seed)*300, Seed: seed})
		r := bulk.NewJSONLReader(bytes.NewReader(data))
		n := 0
		for {
			rec, line, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err == nil {
				_, err = rec.Interaction()
			}
			if err != nil {
				t.Fatalf("seed %d, line %d does not pass the import's checks: %v", seed, line, err)
			}
			n++
		}
		if n != 5000 {
			t.Errorf("seed %d: read %d rows, want 5000", seed, n)
		}
	}
}

func TestWrite_EdgeOptions(t *testing.T) {
	if data := generate(t, synth.Options{Rows: 0, Accounts: 5}); len(data) != 0 {
		t.Errorf("Write(Rows: 0) wrote %q, want nothing", data)
	}
	data := generate(t, synth.Options{Rows: 100, Accounts: 1})
	if n := bytes.Count(data, []byte(`"account_number":"ACC-000001"`)); n != 100 {
		t.Errorf("Write(Accounts: 1) gave ACC-000001 %d of 100 rows, want all", n)
	}
	for _, opts := range []synth.Options{{Rows: -1, Accounts: 1}, {Rows: 1, Accounts: 0}} {
		if err := synth.Write(io.Discard, opts); err == nil {
			t.Errorf("Write(%+v) succeeded, want an error", opts)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWrite_WriterError(t *testing.T) {
	err := synth.Write(failingWriter{}, synth.Options{Rows: 10000, Accounts: 10})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Write to a failing writer = %v, want its error", err)
	}
}
