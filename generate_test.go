package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/synth"
)

func TestGenerateCommand(t *testing.T) {
	var want bytes.Buffer
	if err := synth.Write(&want, synth.Options{Rows: 300, Accounts: 20, Seed: 9}); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, err := importTestRun(t, "generate", "-n", "300", "--accounts", "20", "--seed", "9")
	if err != nil || stdout != want.String() {
		t.Errorf("generate -n 300 --accounts 20 --seed 9 wrote %d bytes (%v, %s), want synth.Write's %d", len(stdout), err, stderr, want.Len())
	}

	out := filepath.Join(t.TempDir(), "gen.jsonl")
	if _, _, err := importTestRun(t, "generate", "-n", "300", "--accounts", "20", "--seed", "9", "-o", out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Errorf("generate -o %s wrote %d bytes (%v), want the same %d as to standard output", out, len(got), err, want.Len())
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("generate -o made a file with mode %v (%v), want 0644", fi.Mode(), err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.tmp")); len(leftovers) != 0 {
		t.Errorf("generate -o left temporary files %q", leftovers)
	}

	other, _, err := importTestRun(t, "generate", "-n", "300", "--accounts", "20", "--seed", "10")
	if err != nil || other == want.String() {
		t.Errorf("generate with seeds 9 and 10 wrote the same bytes (%v)", err)
	}

	defaults, _, err := importTestRun(t, "generate")
	if n := strings.Count(defaults, "\n"); err != nil || n != 10000 {
		t.Errorf("generate with no flags wrote %d lines (%v), want 10000", n, err)
	}
}

// TestGenerateCommand_Import imports what generate writes: every row is
// valid and none is lost.
func TestGenerateCommand_Import(t *testing.T) {
	dir := t.TempDir()
	file, dbPath := filepath.Join(dir, "gen.jsonl"), filepath.Join(dir, "gen.db")
	if _, _, err := importTestRun(t, "generate", "-n", "2000", "--accounts", "50", "-o", file); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := importTestRun(t, "import", "--db", dbPath, file)
	if err != nil || !strings.HasPrefix(stdout, "2000 rows read: 2000 inserted, 0 already present, 0 invalid") {
		t.Errorf("importing 2000 generated rows printed %q (%v)\n%s", stdout, err, stderr)
	}
}

func TestGenerateCommand_BadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"generate", "--rows=-1"}, "-n (--rows) must not be negative"},
		{[]string{"generate", "--accounts", "0"}, "--accounts must be at least 1"},
		{[]string{"generate", "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "x.jsonl")}, "no such file"},
	} {
		if _, _, err := importTestRun(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %q = %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}
