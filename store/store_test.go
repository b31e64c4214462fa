package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func openTestDB(t *testing.T, path string, opts Options) *DB {
	t.Helper()
	db, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("Open(%q, %+v): %v", path, opts, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rawDB opens the file with no pragmas of the store's, to see what the file
// itself holds rather than what the store's connections were told.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("sql.Open(sqlite, %q): %v", path, err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func countRows(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), `SELECT count(*) FROM interactions`).Scan(&n); err != nil {
		t.Fatalf("count interactions: %v", err)
	}
	return n
}

func page(t *testing.T, db *DB, account string) []Interaction {
	t.Helper()
	first := 100
	p, err := db.Interactions(t.Context(), PageRequest{AccountNumber: account, First: &first})
	if err != nil {
		t.Fatalf("Interactions(%s, first 100): %v", account, err)
	}
	return p.Interactions
}

func ids(its []Interaction) []int64 {
	out := make([]int64, len(its))
	for i := range its {
		out[i] = its[i].ID
	}
	return out
}

func TestOpenCreatesFileAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("before Open, os.Stat(%q) = %v, want not exist", path, err)
	}
	openTestDB(t, path, Options{})
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("after Open, os.Stat(%q): %v", path, err)
	}

	rows, err := rawDB(t, path).Query(`SELECT type, name FROM sqlite_schema
		WHERE name NOT LIKE 'sqlite_%' AND tbl_name = 'interactions' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var typ, name string
		if err := rows.Scan(&typ, &name); err != nil {
			t.Fatal(err)
		}
		got = append(got, typ+" "+name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"index interactions_account_external_id", "index interactions_account_ts", "table interactions"}
	if !slices.Equal(got, want) {
		t.Errorf("after Open, schema objects on interactions = %q, want %q", got, want)
	}
}

func TestSeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seeded.db")
	db := openTestDB(t, path, Options{Seed: true})

	// The first two rows are the README's example response of the original
	// service; its clients compare them field by field.
	at := func(s string) time.Time {
		t.Helper()
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	str := func(s string) *string { return &s }
	wantFirstTwo := []Interaction{
		{
			ID: 1, AccountNumber: "ACC-001", Timestamp: at("2025-11-14T10:00:00Z"), Reason: "billing",
			Solution: str("invoice resent via email"),
			Summary:  str("Customer called about missing invoice; agent resent it."),
			Channel:  "VOICE", AgentID: str("agent-123"), AddressedBy: "AGENT",
		},
		{
			ID: 2, AccountNumber: "ACC-001", Timestamp: at("2025-11-14T11:15:00Z"), Reason: "technical_support",
			Solution: str("modem rebooted and line tested"),
			Summary:  str("Customer reported connectivity issues; agent rebooted modem."),
			Channel:  "VOICE", AgentID: str("agent-456"), AddressedBy: "AGENT",
		},
	}

	acc1 := page(t, db, "ACC-001")
	if got, want := ids(acc1), []int64{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Fatalf("Interactions(ACC-001) ids = %v, want %v", got, want)
	}
	for i, want := range wantFirstTwo {
		got := acc1[i]
		if g, w := FormatTime(got.Timestamp), FormatTime(want.Timestamp); g != w {
			t.Errorf("seed row %d timestamp = %s, want %s", want.ID, g, w)
		}
		got.Timestamp, want.Timestamp = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("seed row %d =\n%s\nwant\n%s", want.ID, describe(got), describe(want))
		}
	}
	if got, want := ids(page(t, db, "ACC-002")), []int64{6, 7}; !slices.Equal(got, want) {
		t.Errorf("Interactions(ACC-002) ids = %v, want %v", got, want)
	}
	if got, want := countRows(t, db.read), 7; got != want {
		t.Errorf("rows after seeding = %d, want %d", got, want)
	}

	// A restart opens the same file with Seed set again.
	db.Close()
	db = openTestDB(t, path, Options{Seed: true})
	if got, want := countRows(t, db.read), 7; got != want {
		t.Errorf("rows after re-opening with Seed = %d, want %d (seeded twice?)", got, want)
	}
	if got, want := ids(page(t, db, "ACC-001")), []int64{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("after re-opening, Interactions(ACC-001) ids = %v, want %v", got, want)
	}
}

func describe(it Interaction) string {
	deref := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return "\"" + *p + "\""
	}
	return strings.Join([]string{
		"id=" + strconv.FormatInt(it.ID, 10), it.AccountNumber, FormatTime(it.Timestamp), it.Reason,
		"solution=" + deref(it.Solution), "summary=" + deref(it.Summary), it.Channel,
		"agent=" + deref(it.AgentID), it.AddressedBy, "external=" + deref(it.ExternalID),
	}, " | ")
}

func TestSeedFalseLeavesEmptyDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	db := openTestDB(t, path, Options{Seed: false})
	if got := countRows(t, db.read); got != 0 {
		t.Errorf("Open(Seed: false) left %d rows, want 0", got)
	}
	if got := page(t, db, "ACC-001"); len(got) != 0 {
		t.Errorf("Interactions(ACC-001) on an unseeded db = %v, want none", ids(got))
	}
}

// Seeding is for a database with no rows; one that holds its own rows must
// not get demo rows mixed in on the next start.
func TestSeedSkipsDatabaseWithRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "own.db")
	db := openTestDB(t, path, Options{})
	if _, err := db.write.Exec(`INSERT INTO interactions (account_number, ts, reason, channel, addressed_by)
		VALUES ('ACC-900', 0, 'billing', 'WEB', 'BOT')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openTestDB(t, path, Options{Seed: true})
	if got := countRows(t, db.read); got != 1 {
		t.Errorf("Open(Seed: true) on a db with 1 row of its own: %d rows, want 1", got)
	}
}

func TestOpenRejectsPath(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{
		filepath.Join(dir, "a?b.db"),
		filepath.Join(dir, "x.db") + "?_pragma=foreign_keys(0)",
		"file:" + filepath.Join(dir, "f.db"),
		"",
	} {
		t.Run(path, func(t *testing.T) {
			db, err := Open(t.Context(), path, Options{Seed: true})
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) = nil error, want one", path)
			}
		})
	}
	// The driver would cut the path at '?' and open "a" instead; refusing
	// must leave nothing behind.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("after refused Opens, %s holds %d entries, want none", dir, len(entries))
	}
}

func TestConnectionPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pragmas.db")
	db := openTestDB(t, path, Options{Seed: true})
	ctx := t.Context()

	type pragmas struct {
		JournalMode string
		ForeignKeys int
		QueryOnly   int
		BusyTimeout int
		Synchronous int
	}
	read := func(t *testing.T, c *sql.Conn) pragmas {
		t.Helper()
		var p pragmas
		for _, q := range []struct {
			pragma string
			dest   any
		}{
			{"journal_mode", &p.JournalMode},
			{"foreign_keys", &p.ForeignKeys},
			{"query_only", &p.QueryOnly},
			{"busy_timeout", &p.BusyTimeout},
			{"synchronous", &p.Synchronous},
		} {
			if err := c.QueryRowContext(ctx, "PRAGMA "+q.pragma).Scan(q.dest); err != nil {
				t.Fatalf("PRAGMA %s: %v", q.pragma, err)
			}
		}
		return p
	}
	const normal = 1
	for _, pool := range []struct {
		name  string
		db    *sql.DB
		conns int
		want  pragmas
	}{
		{"write", db.write, 1, pragmas{"wal", 1, 0, 5000, normal}},
		// Several readers held at once, so that each is a connection of
		// its own and every one of them got the pragmas, not just the first.
		{"read", db.read, 3, pragmas{"wal", 1, 1, 5000, normal}},
	} {
		t.Run(pool.name, func(t *testing.T) {
			var held []*sql.Conn
			for range pool.conns {
				c, err := pool.db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, c)
			}
			for i, c := range held {
				if got := read(t, c); got != pool.want {
					t.Errorf("%s connection %d pragmas = %+v, want %+v", pool.name, i, got, pool.want)
				}
			}
			for _, c := range held {
				c.Close()
			}
		})
	}

	// WAL is a property of the file: any later opener, with no pragma of
	// its own, must find it.
	var mode string
	if err := rawDB(t, path).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("PRAGMA journal_mode on a fresh connection to the file = %q, want wal", mode)
	}

	// query_only is what keeps a read path from ever writing.
	if _, err := db.read.ExecContext(ctx, `DELETE FROM interactions`); err == nil {
		t.Errorf("DELETE through the read pool succeeded, want it refused")
	}
	if got := countRows(t, db.read); got != 7 {
		t.Errorf("rows after a refused DELETE = %d, want 7", got)
	}
}

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // FormatTime of the result; "" when ParseTime must fail
	}{
		{"2025-11-14T10:00:00Z", "2025-11-14T10:00:00Z"},
		{"2025-11-14T12:00:00+02:00", "2025-11-14T10:00:00Z"},
		{"2025-11-14T05:30:00-04:30", "2025-11-14T10:00:00Z"},
		{"2025-11-14T10:00:00-00:00", "2025-11-14T10:00:00Z"},
		{"2025-11-14T00:30:00+01:00", "2025-11-13T23:30:00Z"},
		{"2025-11-14T10:00:00.123456789Z", "2025-11-14T10:00:00.123456789Z"},
		{"2025-11-14T10:00:00.000000001+01:00", "2025-11-14T09:00:00.000000001Z"},
		{"2025-11-14T10:00:00.500Z", "2025-11-14T10:00:00.5Z"},
		{"2025-11-14T10:00:00.120000000Z", "2025-11-14T10:00:00.12Z"},
		{"2025-11-14T10:00:00.000Z", "2025-11-14T10:00:00Z"},
		{"1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"},
		{"1969-12-31T23:59:59.999999999Z", ""},
		{"2200-12-31T23:59:59.999999999Z", "2200-12-31T23:59:59.999999999Z"},
		{"2201-01-01T00:00:00Z", ""},
		// The boundary is judged on the instant in UTC, not on the digits.
		{"1970-01-01T00:30:00+01:00", ""},
		{"1969-12-31T23:30:00-01:00", "1970-01-01T00:30:00Z"},
		{"2200-12-31T23:30:00-01:00", ""},
		{"2201-01-01T00:30:00+01:00", "2200-12-31T23:30:00Z"},
		// A zone is required.
		{"2025-11-14T10:00:00", ""},
		{"2025-11-14T10:00:00.5", ""},
		{"2025-11-14", ""},
		{"2025-11-14 10:00:00Z", ""},
		{"", ""},
		{"yesterday", ""},
		{"2025-13-01T00:00:00Z", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseTime(c.in)
			if c.want == "" {
				var invalid *InvalidError
				if !errors.As(err, &invalid) {
					t.Fatalf("ParseTime(%q) = %v, %v; want an *InvalidError", c.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", c.in, err)
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) location = %v, want UTC", c.in, got.Location())
			}
			if s := FormatTime(got); s != c.want {
				t.Errorf("FormatTime(ParseTime(%q)) = %q, want %q", c.in, s, c.want)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	plus2 := time.FixedZone("+02:00", 2*60*60)
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2025, 11, 14, 10, 0, 0, 0, time.UTC), "2025-11-14T10:00:00Z"},
		{time.Date(2025, 11, 14, 10, 0, 0, 500_000_000, time.UTC), "2025-11-14T10:00:00.5Z"},
		{time.Date(2025, 11, 14, 10, 0, 0, 123_456_789, time.UTC), "2025-11-14T10:00:00.123456789Z"},
		{time.Date(2025, 11, 14, 10, 0, 0, 100, time.UTC), "2025-11-14T10:00:00.0000001Z"},
		{time.Date(2025, 11, 14, 12, 0, 0, 10_000_000, plus2), "2025-11-14T10:00:00.01Z"},
		{time.Date(2025, 11, 14, 1, 0, 0, 0, plus2), "2025-11-13T23:00:00Z"},
		{time.Unix(0, 0), "1970-01-01T00:00:00Z"},
	} {
		if got := FormatTime(c.in); got != c.want {
			t.Errorf("FormatTime(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCheckTime(t *testing.T) {
	plus1 := time.FixedZone("+01:00", 60*60)
	minus1 := time.FixedZone("-01:00", -60*60)
	start := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2201, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		in   time.Time
		ok   bool
	}{
		{"start of 1970", start, true},
		{"1ns before 1970", start.Add(-time.Nanosecond), false},
		{"last ns of 2200", end.Add(-time.Nanosecond), true},
		{"start of 2201", end, false},
		{"1970 in +01:00 is 1969 in UTC", time.Date(1970, 1, 1, 0, 30, 0, 0, plus1), false},
		{"1969 in -01:00 is 1970 in UTC", time.Date(1969, 12, 31, 23, 30, 0, 0, minus1), true},
		{"2200 in -01:00 is 2201 in UTC", time.Date(2200, 12, 31, 23, 30, 0, 0, minus1), false},
		{"2201 in +01:00 is 2200 in UTC", time.Date(2201, 1, 1, 0, 30, 0, 0, plus1), true},
		{"zero time", time.Time{}, false},
		{"now", time.Now(), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckTime(c.in)
			var invalid *InvalidError
			switch {
			case c.ok && err != nil:
				t.Errorf("CheckTime(%v) = %v, want nil", c.in, err)
			case !c.ok && !errors.As(err, &invalid):
				t.Errorf("CheckTime(%v) = %v, want an *InvalidError", c.in, err)
			}
		})
	}
}

func TestCheckAccountNumber(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain", "ACC-001", true},
		{"non-ASCII letters", "账户-1é", true},
		{"empty", "", false},
		{"64 ASCII", strings.Repeat("a", 64), true},
		{"65 ASCII", strings.Repeat("a", 65), false},
		// Counted in characters: 64 two-byte and four-byte characters are
		// 128 and 256 bytes, and still 64 characters.
		{"64 two-byte", strings.Repeat("é", 64), true},
		{"65 two-byte", strings.Repeat("é", 65), false},
		{"64 four-byte", strings.Repeat("😀", 64), true},
		{"65 four-byte", strings.Repeat("😀", 65), false},
		{"space", "ACC 001", false},
		{"leading space", " ACC-001", false},
		{"trailing newline", "ACC-001\n", false},
		{"tab", "ACC\t001", false},
		{"no-break space", "ACC\u00a0001", false},
		{"em space", "ACC\u2003001", false},
		{"ideographic space", "ACC\u3000001", false},
		{"line separator", "ACC\u2028001", false},
		{"NUL", "ACC\x00001", false},
		{"DEL", "ACC\x7f001", false},
		{"escape", "ACC\x1b[31m", false},
		{"C1 control", "ACC\u009b001", false},
		{"invalid byte", "ACC\xff001", false},
		{"truncated sequence", "ACC-\xc3", false},
		{"encoded surrogate", "ACC\xed\xa0\x80", false},
		{"65 invalid bytes", strings.Repeat("\xff", 65), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckAccountNumber("accountNumber", c.in)
			if c.ok {
				if err != nil {
					t.Errorf("CheckAccountNumber(%q) = %v, want nil", c.in, err)
				}
				return
			}
			var invalid *InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("CheckAccountNumber(%q) = %v, want an *InvalidError", c.in, err)
			}
			if invalid.Field != "accountNumber" {
				t.Errorf("CheckAccountNumber(%q) error field = %q, want accountNumber", c.in, invalid.Field)
			}
		})
	}
}
