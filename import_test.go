package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/interactions-api/interactions/bulk"
	"github.com/interactions-api/interactions/synth"
)

// importTestRun runs the command line args as main does and returns what
// it printed.
func importTestRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// importTestQuery returns the one integer a query on the database gives.
func importTestQuery(t *testing.T, dbPath, query string) int {
	t.Helper()
	db, err := sql.Open("sqlite", dbPath+"?_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s on %s: %v", query, dbPath, err)
	}
	return n
}

func importTestCount(t *testing.T, dbPath string) int {
	t.Helper()
	return importTestQuery(t, dbPath, `SELECT count(*) FROM interactions`)
}

// importTestLine is a valid JSON line of account acc with external ID ext.
func importTestLine(acc, ext string) string {
	b, _ := json.Marshal(map[string]any{
		"account_number": acc, "timestamp": "2025-11-14T10:00:00Z", "reason": "billing",
		"channel": "voice", "addressed_by": "AGENT", "agent_id": "agent-1", "external_id": ext,
	})
	return string(b)
}

func importTestWrite(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportCommand(t *testing.T) {
	good := importTestWrite(t, "good.jsonl", importTestLine("ACC-1", "a"), importTestLine("ACC-1", "b"), importTestLine("ACC-2", "a"))
	mixed := importTestWrite(t, "mixed.jsonl",
		importTestLine("ACC-1", "a"),
		`{"account_number":"ACC-1","timestamp":"x","reason":"billing","channel":"voice","addressed_by":"AGENT"}`,
		importTestLine("ACC-1", "b"),
		"{",
		importTestLine("ACC-2", "a"))
	csv := importTestWrite(t, "good.csv",
		"account_number,timestamp,reason,channel,addressed_by,external_id",
		"ACC-1,2025-11-14T10:00:00Z,billing,voice,AGENT,a",
		"ACC-3,2025-11-14T10:00:00Z,billing,chat,BOT,c")
	csvNamedTxt := importTestWrite(t, "data.txt", "account_number,timestamp,reason,channel,addressed_by", "ACC-4,2025-11-14T10:00:00Z,billing,sms,BOT")

	for _, tc := range []struct {
		name       string
		args       []string // the database flag is added
		stdin      string
		wantErr    string // "" for success
		wantOut    string // a regexp the summary must match
		wantStderr []string
		wantRows   int
	}{
		{name: "JSONL", args: []string{"import", good}, wantOut: `^3 rows read: 3 inserted, 0 already present, 0 invalid, in [0-9.]+ s \([0-9]+ rows/s\)\n$`, wantRows: 3},
		{name: "Strict", args: []string{"import", mixed},
			wantErr:    "nothing imported: 2 of 5 rows are invalid; fix them, or import the valid ones with --skip-invalid",
			wantOut:    `^5 rows read: 0 inserted, 0 already present, 2 invalid`,
			wantStderr: []string{`line 2: timestamp: "x" is not an RFC 3339 time`, `line 4: invalid JSON`}},
		{name: "SkipInvalid", args: []string{"import", "--skip-invalid", mixed},
			wantOut:    `^5 rows read: 3 inserted, 0 already present, 2 invalid`,
			wantStderr: []string{`line 2: timestamp:`, `line 4: invalid JSON`}, wantRows: 3},
		{name: "CSVByExtension", args: []string{"import", csv}, wantOut: `^2 rows read: 2 inserted`, wantRows: 2},
		{name: "CSVByFlag", args: []string{"import", "--format", "csv", csvNamedTxt}, wantOut: `^1 rows read: 1 inserted`, wantRows: 1},
		{name: "JSONLByFlag", args: []string{"import", "--format", "jsonl", csv}, wantErr: "nothing imported: 3 of 3 rows are invalid"},
		{name: "Stdin", args: []string{"import", "-"}, stdin: importTestLine("ACC-9", "s") + "\n", wantOut: `^1 rows read: 1 inserted`, wantRows: 1},
		{name: "StdinInBatches", args: []string{"import", "--no-bulk-load", "--batch-size", "1", "-"},
			stdin: importTestLine("ACC-9", "s") + "\n" + importTestLine("ACC-9", "t") + "\n", wantOut: `^2 rows read: 2 inserted`, wantRows: 2},
		{name: "MissingFile", args: []string{"import", filepath.Join(t.TempDir(), "nope.jsonl")}, wantErr: "no such file"},
		{name: "BadBatchSize", args: []string{"import", "--batch-size", "0", good}, wantErr: "--batch-size must be at least 1"},
		{name: "BadFormat", args: []string{"import", "--format", "xml", good}, wantErr: "--format must be one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "interactions.db")
			if tc.stdin != "" {
				old := importStdin
				// A pipe, which cannot seek, as standard input often is.
				importStdin = struct{ io.Reader }{strings.NewReader(tc.stdin)}
				t.Cleanup(func() { importStdin = old })
			}
			args := append(append([]string{}, tc.args[:1]...), append([]string{"--db", dbPath}, tc.args[1:]...)...)
			stdout, stderr, err := importTestRun(t, args...)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("run %q: %v, want success\nstderr: %s", args, err, stderr)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("run %q: error %v, want one containing %q", args, err, tc.wantErr)
			}
			if tc.wantOut != "" && !regexp.MustCompile(tc.wantOut).MatchString(stdout) {
				t.Errorf("run %q printed %q, want it to match %q", args, stdout, tc.wantOut)
			}
			for _, want := range tc.wantStderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("run %q: stderr %q does not list %q", args, stderr, want)
				}
			}
			if tc.wantErr != "" && !strings.Contains(tc.wantErr, "invalid") {
				return
			}
			if got := importTestCount(t, dbPath); got != tc.wantRows {
				t.Errorf("after run %q the database holds %d rows, want %d", args, got, tc.wantRows)
			}
		})
	}
}

func TestImportCommand_Again(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "interactions.db")
	t.Setenv("INTERACTIONS_DB", dbPath)
	file := importTestWrite(t, "in.jsonl", importTestLine("ACC-1", "a"), importTestLine("ACC-1", "b"))
	if _, stderr, err := importTestRun(t, "import", file); err != nil {
		t.Fatalf("first import: %v\n%s", err, stderr)
	}
	stdout, _, err := importTestRun(t, "import", file)
	if err != nil || !strings.HasPrefix(stdout, "2 rows read: 0 inserted, 2 already present, 0 invalid") {
		t.Errorf("importing the same file again printed %q, %v; want 0 inserted, 2 already present", stdout, err)
	}
	if n := importTestCount(t, dbPath); n != 2 {
		t.Errorf("after importing twice into $INTERACTIONS_DB it holds %d rows, want 2", n)
	}
}

// TestImportCommand_ManyBadLines lists every invalid row with its line
// number, more of them than bulk.Result keeps, whichever way the import
// goes: loaded at once, checked before batches, or skipped.
func TestImportCommand_ManyBadLines(t *testing.T) {
	n := bulk.DefaultMaxBadLines + 200
	lines := make([]string, n)
	for i := range lines {
		lines[i] = "not json"
	}
	file := importTestWrite(t, "bad.jsonl", lines...)
	for _, flags := range [][]string{nil, {"--no-bulk-load"}, {"--skip-invalid"}, {"--skip-invalid", "--no-bulk-load"}} {
		t.Run(strings.Join(append([]string{"import"}, flags...), " "), func(t *testing.T) {
			args := append(append([]string{"import", "--db", filepath.Join(t.TempDir(), "x.db")}, flags...), file)
			stdout, stderr, err := importTestRun(t, args...)
			if skip := len(flags) > 0 && flags[0] == "--skip-invalid"; skip != (err == nil) {
				t.Fatalf("run %q: %v", args, err)
			}
			if want := fmt.Sprintf("%d rows read: 0 inserted, 0 already present, %d invalid", n, n); !strings.HasPrefix(stdout, want) {
				t.Errorf("run %q printed %q, want %q", args, stdout, want)
			}
			listed := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(listed) != n {
				t.Fatalf("run %q listed %d lines on stderr, want one for each of the %d invalid rows", args, len(listed), n)
			}
			for i, l := range listed {
				if want := fmt.Sprintf("line %d: invalid JSON", i+1); !strings.HasPrefix(l, want) {
					t.Fatalf("run %q: stderr line %d is %q, want %q and its reason", args, i+1, l, want)
				}
			}
		})
	}
}

func TestImportCommand_Help(t *testing.T) {
	stdout, _, err := importTestRun(t, "import", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INTERACTIONS_DB", "--skip-invalid", "--batch-size", "--format", "--[no-]bulk-load"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("import --help does not mention %s:\n%s", want, stdout)
		}
	}
}

// importTestRaceEnabled reports whether the tests run with -race.
func importTestRaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// importTestBuild builds the command into a temporary folder.
func importTestBuild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "interactions")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestImportCrash kills a real import with SIGKILL half way, then checks
// the database and imports again: whole batches or nothing are stored, the
// database is sound, and the second run completes the first with no
// duplicates.
func TestImportCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 100,000 rows twice")
	}
	bin := importTestBuild(t)
	// The checks below run SQLite in this process, which the race detector
	// slows twentyfold; the imports themselves run in a normal binary.
	rows, batch := 100_000, 1000
	if importTestRaceEnabled() {
		rows, batch = 30_000, 300
	}
	file := filepath.Join(t.TempDir(), "in.jsonl")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.Write(f, synth.Options{Rows: rows, Accounts: 1000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// killWhen starts an import and kills it once ready says so.
	killWhen := func(t *testing.T, dbPath string, ready func() error, flags ...string) {
		t.Helper()
		args := append([]string{"import", "--db", dbPath}, flags...)
		cmd := exec.Command(bin, append(args, file)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Polled more often than waitFor does, to kill the import early on.
		for deadline := time.Now().Add(time.Minute); ready() != nil; time.Sleep(2 * time.Millisecond) {
			select {
			case err := <-exited:
				t.Fatalf("the import ended (%v) before it could be killed:\n%s", err, out.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting to kill the import: %v", ready())
			}
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		if err := <-exited; err == nil {
			t.Fatalf("the import ended normally before SIGKILL reached it:\n%s", out.String())
		}
	}
	// check verifies the database after the kill and after the second run.
	check := func(t *testing.T, dbPath string) {
		t.Helper()
		db, err := sql.Open("sqlite", dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var ok string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
			t.Errorf("PRAGMA integrity_check = %q, %v; want ok", ok, err)
		}
		var indexes int
		db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'interactions' AND sql IS NOT NULL`).Scan(&indexes)
		if indexes != 2 {
			t.Errorf("the table has %d indexes, want its 2", indexes)
		}
	}
	again := func(t *testing.T, dbPath string, stored int, flags ...string) {
		t.Helper()
		args := append([]string{"import", "--db", dbPath}, flags...)
		out, err := exec.Command(bin, append(args, file)...).CombinedOutput()
		want := fmt.Sprintf("%d rows read: %d inserted, %d already present, 0 invalid", rows, rows-stored, stored)
		if err != nil || !strings.HasPrefix(string(out), want) {
			t.Errorf("importing again printed %q, %v; want %q", out, err, want)
		}
		check(t, dbPath)
		if n := importTestCount(t, dbPath); n != rows {
			t.Errorf("after importing again the database holds %d rows, want the file's %d", n, rows)
		}
		dups := importTestQuery(t, dbPath, `SELECT count(*) FROM (SELECT 1 FROM interactions GROUP BY account_number, external_id HAVING count(*) > 1)`)
		if dups != 0 {
			t.Errorf("after importing again %d (account, external ID) pairs are stored twice, want none", dups)
		}
	}

	t.Run("Batches", func(t *testing.T) {
		dbPath := filepath.Join(t.TempDir(), "interactions.db")
		flags := []string{"--no-bulk-load", "--batch-size", fmt.Sprint(batch)}
		poll, err := sql.Open("sqlite", dbPath+"?_pragma=query_only(1)")
		if err != nil {
			t.Fatal(err)
		}
		defer poll.Close()
		killWhen(t, dbPath, func() error {
			if _, err := os.Stat(dbPath); err != nil {
				return err
			}
			var n int
			if err := poll.QueryRow(`SELECT count(*) FROM interactions`).Scan(&n); err != nil {
				return err // the schema is not there yet
			}
			if n == 0 {
				return errors.New("no batch committed yet")
			}
			return nil
		}, flags...)
		stored := importTestCount(t, dbPath)
		t.Logf("SIGKILL left %d of %d rows", stored, rows)
		if stored == 0 || stored >= rows || stored%batch != 0 {
			t.Errorf("after SIGKILL the database holds %d rows, want a whole number of %d-row batches, fewer than %d", stored, batch, rows)
		}
		check(t, dbPath)
		again(t, dbPath, stored, flags...)
	})

	t.Run("Load", func(t *testing.T) {
		dbPath := filepath.Join(t.TempDir(), "interactions.db")
		killWhen(t, dbPath, func() error {
			// The rows are committed only at the end; the write-ahead log
			// growing shows the load under way.
			if fi, err := os.Stat(dbPath + "-wal"); err != nil || fi.Size() < 1<<20 {
				return errors.New("the load has not written 1 MiB yet")
			}
			return nil
		})
		if n := importTestCount(t, dbPath); n != 0 {
			t.Errorf("after SIGKILL during a load the database holds %d rows, want none", n)
		}
		check(t, dbPath)
		again(t, dbPath, 0)
	})
}
