package bulk_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/interactions-api/interactions/bulk"
	"github.com/interactions-api/interactions/store"
)

// testDB is a real SQLite file in a temporary folder, opened as the import
// command opens it, with a plain connection beside it to look inside.
type testDB struct {
	*store.DB
	path string
	raw  *sql.DB
}

func openTestDB(t *testing.T) *testDB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "interactions.db")
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatalf("store.Open(%s): %v", path, err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		raw.Close()
		db.Close()
	})
	return &testDB{DB: db, path: path, raw: raw}
}

func (db *testDB) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := db.raw.QueryRow(`SELECT count(*) FROM interactions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// stored returns "account/external_id: summary" for each row, in id order.
func (db *testDB) stored(t *testing.T) []string {
	t.Helper()
	rows, err := db.raw.Query(`SELECT account_number, coalesce(external_id, '-'), coalesce(summary, '-') FROM interactions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var acc, ext, sum string
		if err := rows.Scan(&acc, &ext, &sum); err != nil {
			t.Fatal(err)
		}
		out = append(out, acc+"/"+ext+": "+sum)
	}
	return out
}

// indexes returns the table's index definitions.
func (db *testDB) indexes(t *testing.T) []string {
	t.Helper()
	rows, err := db.raw.Query(`SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'interactions' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// line returns a valid JSON line for account acc and external ID ext,
// with summary sum.
func line(acc, ext, sum string) string {
	b, _ := json.Marshal(map[string]any{
		"id": 1, "account_number": acc, "timestamp": "2025-11-14T10:00:00Z", "reason": "billing",
		"solution": nil, "summary": sum, "channel": "voice", "agent_id": "agent-1", "addressed_by": "AGENT", "external_id": ext,
	})
	return string(b)
}

// goodLines returns n valid lines over three accounts.
func goodLines(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = line(fmt.Sprintf("ACC-%d", i%3), fmt.Sprintf("e%d", i), "row "+fmt.Sprint(i))
	}
	return out
}

// mixedInput is 8 valid rows and 3 invalid ones, with a blank line.
var mixedInput = strings.Join([]string{
	line("ACC-1", "e1", "one"), // 1
	line("ACC-1", "e2", "two"), // 2
	strings.Replace(line("ACC-1", "e3", "three"), "2025-11-14T10:00:00Z", "2025-11-14 10:00", 1), // 3
	line("ACC-2", "e1", "four"),  // 4
	"",                           // 5
	`{"account_number": "ACC-2"`, // 6
	line("ACC-2", "e2", "five"),  // 7
	line("ACC-2", "e3", "six"),   // 8
	strings.Replace(line("ACC-3", "e1", "x"), `"voice"`, `"pigeon"`, 1), // 9
	line("ACC-3", "e2", "seven"),                                        // 10
	line("ACC-3", "e3", "eight"),                                        // 11
}, "\n") + "\n"

var mixedBad = []bulk.BadLine{
	{Line: 3, Reason: `timestamp: "2025-11-14 10:00" is not an RFC 3339 time with a zone and at most nine fraction digits, such as 2025-11-14T10:00:00Z`},
	{Line: 6, Reason: `invalid JSON: expected ',' or '}' after a value, found the end of the line`},
	{Line: 9, Reason: `channel: "pigeon" is not one of voice, chat, email, sms, social, web (in lower or upper case)`},
}

// setups are the states an import can start from: an empty database
// (loaded in one transaction), the same in batches, and a database that
// has rows already.
var setups = []struct {
	name    string
	opts    bulk.Options
	prefill int
}{
	{"Empty", bulk.Options{}, 0},
	{"EmptyInBatches", bulk.Options{AlwaysBatch: true, BatchSize: 3}, 0},
	{"HasRows", bulk.Options{BatchSize: 3}, 5},
}

// prefill stores n rows of an account that no test input has.
func prefill(t *testing.T, db *testDB, n int) {
	t.Helper()
	if n == 0 {
		return
	}
	lines := make([]string, n)
	for i := range lines {
		lines[i] = line("PRE-1", fmt.Sprint(i), "prefilled")
	}
	res, err := bulk.Import(context.Background(), db.DB, strings.NewReader(strings.Join(lines, "\n")), bulk.Options{})
	if err != nil || res.Inserted != n {
		t.Fatalf("prefill: Import = %+v, %v; want %d rows inserted", res, err, n)
	}
}

func TestImport_StrictWritesNothing(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			before, indexes := db.stored(t), db.indexes(t)

			res, err := bulk.Import(context.Background(), db.DB, strings.NewReader(mixedInput), s.opts)
			if !errors.Is(err, bulk.ErrInvalidRows) {
				t.Fatalf("Import(mixed input) error = %v, want ErrInvalidRows", err)
			}
			if res.Read != 10 || res.Invalid != 3 || res.Inserted != 0 || res.AlreadyPresent != 0 {
				t.Errorf("Import(mixed input) = %+v, want 10 read, 3 invalid, none inserted", res)
			}
			if !slices.Equal(res.Bad, mixedBad) {
				t.Errorf("Import(mixed input) bad lines\n%v\nwant\n%v", res.Bad, mixedBad)
			}
			if after := db.stored(t); !slices.Equal(after, before) {
				t.Errorf("after a refused import the table holds %q, want it unchanged: %q", after, before)
			}
			if got := db.indexes(t); !slices.Equal(got, indexes) {
				t.Errorf("after a refused import the indexes are %q, want %q", got, indexes)
			}
		})
	}
}

func TestImport_SkipInvalid(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			opts := s.opts
			opts.SkipInvalid = true
			res, err := bulk.Import(context.Background(), db.DB, strings.NewReader(mixedInput), opts)
			if err != nil {
				t.Fatalf("Import(mixed input, SkipInvalid) error = %v, want none", err)
			}
			if res.Read != 10 || res.Invalid != 3 || res.Inserted != 7 || res.AlreadyPresent != 0 {
				t.Errorf("Import(mixed input, SkipInvalid) = %+v, want 10 read, 3 invalid, 7 inserted", res)
			}
			if !slices.Equal(res.Bad, mixedBad) {
				t.Errorf("Import(mixed input, SkipInvalid) bad lines\n%v\nwant\n%v", res.Bad, mixedBad)
			}
			want := []string{"ACC-1/e1: one", "ACC-1/e2: two", "ACC-2/e1: four", "ACC-2/e2: five", "ACC-2/e3: six", "ACC-3/e2: seven", "ACC-3/e3: eight"}
			if got := db.stored(t)[s.prefill:]; !slices.Equal(got, want) {
				t.Errorf("after Import(mixed input, SkipInvalid) the new rows are\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestImport_ReimportAddsNothing(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			input := strings.Join(goodLines(20), "\n")
			first, err := bulk.Import(context.Background(), db.DB, strings.NewReader(input), s.opts)
			if err != nil || first.Inserted != 20 || first.AlreadyPresent != 0 {
				t.Fatalf("first Import = %+v, %v; want 20 inserted", first, err)
			}
			stored := db.stored(t)
			again, err := bulk.Import(context.Background(), db.DB, strings.NewReader(input), s.opts)
			if err != nil || again.Read != 20 || again.Inserted != 0 || again.AlreadyPresent != 20 || again.Loaded {
				t.Errorf("second Import of the same input = %+v, %v; want 20 read, 0 inserted, 20 already present, in batches", again, err)
			}
			if got := db.stored(t); !slices.Equal(got, stored) {
				t.Errorf("after importing again the table holds %d rows, want the %d it had", len(got), len(stored))
			}
		})
	}
}

// TestImport_DuplicatesInInput keeps the first of two rows with the same
// account and external ID, as recordInteraction would.
func TestImport_DuplicatesInInput(t *testing.T) {
	input := strings.Join([]string{
		line("ACC-1", "e1", "first"),
		line("ACC-1", "e2", "other"),
		line("ACC-2", "e1", "other account"),
		line("ACC-1", "e1", "second"),
		line("ACC-1", "e1", "third"),
	}, "\n")
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			res, err := bulk.Import(context.Background(), db.DB, strings.NewReader(input), s.opts)
			if err != nil || res.Inserted != 3 || res.AlreadyPresent != 2 {
				t.Fatalf("Import(input with duplicates) = %+v, %v; want 3 inserted, 2 already present", res, err)
			}
			want := []string{"ACC-1/e1: first", "ACC-1/e2: other", "ACC-2/e1: other account"}
			if got := db.stored(t)[s.prefill:]; !slices.Equal(got, want) {
				t.Errorf("after Import(input with duplicates) the new rows are %q, want %q", got, want)
			}
		})
	}
}

// TestImport_LoadRebuildsIndexes checks that loading an empty table leaves
// the indexes exactly as the migrations made them, and that the unique one
// works afterwards.
func TestImport_LoadRebuildsIndexes(t *testing.T) {
	db := openTestDB(t)
	want := db.indexes(t)
	if len(want) != 2 {
		t.Fatalf("a new database has indexes %q, want the two of the migrations", want)
	}
	res, err := bulk.Import(context.Background(), db.DB, strings.NewReader(strings.Join(goodLines(100), "\n")), bulk.Options{})
	if err != nil || !res.Loaded || res.Inserted != 100 {
		t.Fatalf("Import into an empty table = %+v, %v; want 100 rows loaded in one transaction", res, err)
	}
	if got := db.indexes(t); !slices.Equal(got, want) {
		t.Errorf("after loading, the indexes are\n%q\nwant\n%q", got, want)
	}
	var check string
	if err := db.raw.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v; want ok", check, err)
	}
	_, err = db.raw.Exec(`INSERT INTO interactions (account_number, ts, reason, channel, addressed_by, external_id)
		VALUES ('ACC-0', 0, 'x', 'VOICE', 'BOT', 'e0')`)
	if err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Errorf("inserting a second ACC-0/e0 after loading: %v, want a UNIQUE constraint error", err)
	}
}

// TestImport_StoredValues checks what a row becomes: the time in UTC to
// the nanosecond, the enums in upper case, nulls kept.
func TestImport_StoredValues(t *testing.T) {
	input := `{"account_number":"ACC-7","timestamp":"2025-11-14T12:00:00.123456789+02:00","reason":"billing",` +
		`"solution":null,"summary":"Caf\u00e9\nsecond line","channel":"chat","agent_id":null,"addressed_by":"bot","external_id":"c-1"}` + "\n"
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			if _, err := bulk.Import(context.Background(), db.DB, strings.NewReader(input), s.opts); err != nil {
				t.Fatal(err)
			}
			first := 10
			page, err := db.Interactions(context.Background(), store.PageRequest{AccountNumber: "ACC-7", First: &first})
			if err != nil || len(page.Interactions) != 1 {
				t.Fatalf("Interactions(ACC-7) = %+v, %v; want the one imported row", page, err)
			}
			got := page.Interactions[0]
			summary := "Café\nsecond line"
			want := store.Interaction{
				ID: got.ID, AccountNumber: "ACC-7", Timestamp: time.Date(2025, 11, 14, 10, 0, 0, 123456789, time.UTC),
				Reason: "billing", Summary: &summary, Channel: "CHAT", AddressedBy: "BOT", ExternalID: &[]string{"c-1"}[0],
			}
			if fmt.Sprint(deref(got)) != fmt.Sprint(deref(want)) || got.Timestamp.Location() != time.UTC {
				t.Errorf("stored row\n %v\nwant\n %v", deref(got), deref(want))
			}
		})
	}
}

func deref(it store.Interaction) []any {
	s := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return []any{it.AccountNumber, it.Timestamp.Format(time.RFC3339Nano), it.Reason, s(it.Solution), s(it.Summary),
		it.Channel, s(it.AgentID), it.AddressedBy, s(it.ExternalID)}
}

// streamOnly hides the Seek of its reader, as a pipe has none.
type streamOnly struct{ io.Reader }

// TestImport_Stream reads an input that cannot be read twice: a checked
// import into a table with rows spools it to read it again.
func TestImport_Stream(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			input := strings.Join(goodLines(10), "\n")
			res, err := bulk.Import(context.Background(), db.DB, streamOnly{strings.NewReader(input)}, s.opts)
			if err != nil || res.Read != 10 || res.Inserted != 10 {
				t.Errorf("Import(stream) = %+v, %v; want 10 read and stored", res, err)
			}
			_, err = bulk.Import(context.Background(), db.DB, streamOnly{strings.NewReader(mixedInput)}, s.opts)
			if !errors.Is(err, bulk.ErrInvalidRows) {
				t.Errorf("Import(stream of mixed input) = %v, want ErrInvalidRows", err)
			}
		})
	}
}

// changingInput reads as valid rows the first time and as changed ones
// after a seek back, as a file rewritten during an import would.
type changingInput struct {
	*strings.Reader
	seeks int
}

func (c *changingInput) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		c.seeks++
		c.Reader = strings.NewReader(mixedInput)
	}
	return c.Reader.Seek(off, whence)
}

func TestImport_InputChangedAfterCheck(t *testing.T) {
	db := openTestDB(t)
	prefill(t, db, 1)
	in := &changingInput{Reader: strings.NewReader(strings.Join(goodLines(12), "\n"))}
	_, err := bulk.Import(context.Background(), db.DB, in, bulk.Options{BatchSize: 100})
	if err == nil || !strings.Contains(err.Error(), "line 3 changed after it was checked") {
		t.Errorf("Import(input that changes between readings) = %v, want an error naming line 3", err)
	}
	if in.seeks != 1 {
		t.Errorf("Import sought back %d times, want once", in.seeks)
	}
	if n := db.count(t); n != 1 {
		t.Errorf("after the failed import the table holds %d rows, want the 1 it had", n)
	}
}

func TestImport_CSV(t *testing.T) {
	input := "external_id,account_number,timestamp,reason,channel,addressed_by,summary\n" +
		"e1,ACC-1,2025-11-14T10:00:00Z,billing,voice,AGENT,\"one,\nwith a comma\"\n" +
		"e2,ACC-1,2025-11-14T10:00:00Z,billing,fax,AGENT,two\n" +
		"e3,ACC-1,2025-11-14T10:00:00Z,billing,sms,BOT,\n"
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			opts := s.opts
			opts.Format = bulk.CSV
			res, err := bulk.Import(context.Background(), db.DB, strings.NewReader(input), opts)
			wantBad := []bulk.BadLine{{Line: 4, Reason: `channel: "fax" is not one of voice, chat, email, sms, social, web (in lower or upper case)`}}
			if !errors.Is(err, bulk.ErrInvalidRows) || !slices.Equal(res.Bad, wantBad) {
				t.Errorf("Import(CSV) = %+v, %v; want ErrInvalidRows and bad lines %v", res, err, wantBad)
			}
			opts.SkipInvalid = true
			if _, err := bulk.Import(context.Background(), db.DB, strings.NewReader(input), opts); err != nil {
				t.Fatal(err)
			}
			want := []string{"ACC-1/e1: one,\nwith a comma", "ACC-1/e3: -"}
			if got := db.stored(t)[s.prefill:]; !slices.Equal(got, want) {
				t.Errorf("after Import(CSV, SkipInvalid) the new rows are %q, want %q", got, want)
			}
		})
	}
}

func TestImport_CSVHeaderError(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			indexes := db.indexes(t)
			opts := s.opts
			opts.Format = bulk.CSV
			_, err := bulk.Import(context.Background(), db.DB, strings.NewReader("account_number,when\nACC-1,x\n"), opts)
			var invalid *store.InvalidError
			if !errors.As(err, &invalid) || !strings.Contains(err.Error(), `line 1: unknown column "when"`) {
				t.Errorf("Import(CSV with a bad header) = %v, want an *store.InvalidError naming the column", err)
			}
			if n := db.count(t); n != s.prefill {
				t.Errorf("after Import(CSV with a bad header) the table holds %d rows, want %d", n, s.prefill)
			}
			if got := db.indexes(t); !slices.Equal(got, indexes) {
				t.Errorf("after Import(CSV with a bad header) the indexes are %q, want %q", got, indexes)
			}
		})
	}
}

func TestImport_Progress(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			input := strings.Join(goodLines(10_000), "\n") + "\n"
			var phases []bulk.Phase
			var last bulk.Progress
			opts := s.opts
			opts.BatchSize = 1000
			opts.Progress = func(p bulk.Progress) {
				if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
					phases = append(phases, p.Phase)
				}
				last = p
			}
			if _, err := bulk.Import(context.Background(), db.DB, strings.NewReader(input), opts); err != nil {
				t.Fatal(err)
			}
			want := []bulk.Phase{bulk.PhaseImport, bulk.PhaseIndex}
			if s.prefill > 0 || opts.AlwaysBatch {
				want = []bulk.Phase{bulk.PhaseCheck, bulk.PhaseImport}
			}
			if !slices.Equal(phases, want) {
				t.Errorf("Import reported the phases %q, want %q", phases, want)
			}
			if last.Rows != 10_000 || last.Bytes != int64(len(input)) {
				t.Errorf("the last progress was %+v, want 10000 rows and %d bytes", last, len(input))
			}
		})
	}
}

func TestImport_Cancelled(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := bulk.Import(ctx, db.DB, strings.NewReader(strings.Join(goodLines(10_000), "\n")), s.opts)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Import with a cancelled context = %v, want context.Canceled", err)
			}
			if n := db.count(t); n != s.prefill {
				t.Errorf("after a cancelled import the table holds %d rows, want %d", n, s.prefill)
			}
		})
	}
}

func TestImport_BadOptions(t *testing.T) {
	db := openTestDB(t)
	_, err := bulk.Import(context.Background(), db.DB, strings.NewReader(""), bulk.Options{Format: "xml"})
	if err == nil || !strings.Contains(err.Error(), `unknown input format "xml"`) {
		t.Errorf("Import(Format: xml) = %v, want an error naming the format", err)
	}
}

// TestImport_ManyChunks imports an input of several reading chunks with
// blank, invalid and overlong lines among the valid ones, and summaries
// with escapes, and checks that every valid row is stored with its own
// values and every bad one reported on its own line.
func TestImport_ManyChunks(t *testing.T) {
	tooLong := line("ACC-9", "long", strings.Repeat("x", bulk.MaxLineBytes))
	var lines, want []string
	var bad []int
	for i := range 1300 {
		switch {
		case i%97 == 5:
			lines = append(lines, "")
		case i%131 == 7:
			lines, bad = append(lines, `{"account_number": "ACC-1", "oops"}`), append(bad, len(lines)+1)
		case i == 511 || i == 1025:
			lines, bad = append(lines, tooLong), append(bad, len(lines)+1)
		default:
			acc, ext, sum := fmt.Sprintf("ACC-%d", i%7), fmt.Sprintf("e%d", i), fmt.Sprintf("row %d\t«%d»\n", i, i)
			if i%3 == 0 {
				sum = fmt.Sprintf("row %d", i)
			}
			lines, want = append(lines, line(acc, ext, sum)), append(want, acc+"/"+ext+": "+sum)
		}
	}
	input := strings.Join(lines, "\n") + "\n"
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			db := openTestDB(t)
			prefill(t, db, s.prefill)
			opts := s.opts
			opts.SkipInvalid = true
			res, err := bulk.Import(context.Background(), db.DB, strings.NewReader(input), opts)
			if err != nil || res.Inserted != len(want) || res.Invalid != len(bad) {
				t.Fatalf("Import = %+v, %v; want %d inserted and %d invalid", res, err, len(want), len(bad))
			}
			var gotBad []int
			for _, b := range res.Bad {
				gotBad = append(gotBad, b.Line)
			}
			if !slices.Equal(gotBad, bad) {
				t.Errorf("bad lines %v, want %v", gotBad, bad)
			}
			if got := db.stored(t)[s.prefill:]; !slices.Equal(got, want) {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("stored row %d is %q, want %q", i, got[i], want[i])
					}
				}
				t.Fatalf("stored %d rows, want %d", len(got), len(want))
			}
		})
	}
}
