package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inputRows returns n valid interactions over three accounts, each with
// an external ID made of prefix and its number.
func inputRows(n int, prefix string) []Interaction {
	rows := make([]Interaction, n)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		ext, summary := fmt.Sprintf("%s%d", prefix, i), fmt.Sprintf("summary «%d»\nline two", i)
		rows[i] = Interaction{
			AccountNumber: fmt.Sprintf("ACC-%d", i%3),
			Timestamp:     base.Add(time.Duration(i) * time.Second),
			Reason:        "billing",
			Channel:       "VOICE",
			AddressedBy:   "AGENT",
			ExternalID:    &ext,
		}
		if i%2 == 0 {
			rows[i].Summary = &summary
		}
	}
	return rows
}

// batches returns a next function for Load that gives rows in batches of
// size, with an empty batch between two, then io.EOF.
func batches(rows []Interaction, size int) func() ([]Interaction, error) {
	empty := false
	return func() ([]Interaction, error) {
		if empty = !empty; empty {
			return []Interaction{}, nil
		}
		if len(rows) == 0 {
			return nil, io.EOF
		}
		batch := rows[:min(size, len(rows))]
		rows = rows[len(batch):]
		return batch, nil
	}
}

// tempTables counts the tables left in the write connection's temp schema.
func tempTables(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.write.QueryRow(`SELECT count(*) FROM temp.sqlite_schema`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func indexCount(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	err := db.write.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'interactions' AND sql IS NOT NULL`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLoadStoresEveryRowExactly loads rows through the virtual table in
// batches of odd sizes, with empty ones between, and reads them back.
func TestLoadStoresEveryRowExactly(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "load.db"), Options{})
	rows := inputRows(2500, "x")
	inserted, duplicates, err := db.Load(t.Context(), batches(rows, 333))
	if err != nil || inserted != len(rows) || duplicates != 0 {
		t.Fatalf("Load = %d, %d, %v; want %d, 0, nil", inserted, duplicates, err, len(rows))
	}
	all, err := db.read.Query(`SELECT ` + interactionColumns + ` FROM interactions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	i := 0
	for ; all.Next(); i++ {
		var got Interaction
		if err := scanInteraction(all, &got); err != nil {
			t.Fatal(err)
		}
		want := rows[i]
		want.ID = int64(i + 1)
		if describe(got) != describe(want) {
			t.Fatalf("row %d reads back as %s, want %s", i, describe(got), describe(want))
		}
	}
	if err := all.Err(); err != nil || i != len(rows) {
		t.Fatalf("read back %d rows (%v), want %d", i, err, len(rows))
	}
	if n := tempTables(t, db); n != 0 {
		t.Errorf("the load left %d tables in the temp schema, want none", n)
	}
	if n := indexCount(t, db); n != 2 {
		t.Errorf("after the load the table has %d indexes, want 2", n)
	}
}

// TestLoadStopsAtAnErrorOfNext stops a load half way with an error of its
// own: Load returns it, the table stays empty with its indexes, and the
// next load on the same connection works.
func TestLoadStopsAtAnErrorOfNext(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "load.db"), Options{})
	stop := errors.New("the input broke")
	rows, calls := inputRows(100, "x"), 0
	_, _, err := db.Load(t.Context(), func() ([]Interaction, error) {
		if calls++; calls == 3 {
			return nil, stop
		}
		return rows, nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Load = %v, want the error next returned", err)
	}
	if n := countRows(t, db.read); n != 0 {
		t.Errorf("after a failed load the table holds %d rows, want none", n)
	}
	if n := indexCount(t, db); n != 2 {
		t.Errorf("after a failed load the table has %d indexes, want 2", n)
	}
	if n := tempTables(t, db); n != 0 {
		t.Errorf("a failed load left %d tables in the temp schema, want none", n)
	}
	if inserted, _, err := db.Load(t.Context(), batches(rows, 30)); err != nil || inserted != len(rows) {
		t.Errorf("Load after a failed one = %d, %v; want %d, nil", inserted, err, len(rows))
	}
}

// TestLoadCancelledWhileReading cancels a load while next waits for rows.
func TestLoadCancelledWhileReading(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "load.db"), Options{})
	ctx, cancel := context.WithCancel(t.Context())
	rows, calls := inputRows(10, "x"), 0
	_, _, err := db.Load(ctx, func() ([]Interaction, error) {
		if calls++; calls == 2 {
			cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return rows, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load = %v, want context.Canceled", err)
	}
	if n := countRows(t, db.read); n != 0 {
		t.Errorf("after a cancelled load the table holds %d rows, want none", n)
	}
}

// TestInsertBatchSkipsStoredExternalIDs inserts batches that repeat
// external IDs, of earlier batches and of their own rows.
func TestInsertBatchSkipsStoredExternalIDs(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "batch.db"), Options{})
	first := inputRows(300, "a")
	if n, err := db.InsertBatch(t.Context(), first); err != nil || n != 300 {
		t.Fatalf("InsertBatch(300 new rows) = %d, %v; want 300", n, err)
	}
	second := append(inputRows(300, "a")[100:], inputRows(50, "b")...)
	second = append(second, inputRows(50, "b")...)
	if n, err := db.InsertBatch(t.Context(), second); err != nil || n != 50 {
		t.Fatalf("InsertBatch(200 stored, 50 new, 50 repeated) = %d, %v; want 50", n, err)
	}
	if n := countRows(t, db.read); n != 350 {
		t.Errorf("the table holds %d rows, want 350", n)
	}
	if n := tempTables(t, db); n != 0 {
		t.Errorf("the batches left %d tables in the temp schema, want none", n)
	}
}

// TestInputTableNeedsAKnownInput creates the virtual table by hand, as no
// code of the store does: without the ID of an input being read, it is
// refused.
func TestInputTableNeedsAKnownInput(t *testing.T) {
	db := openTestDB(t, filepath.Join(t.TempDir(), "input.db"), Options{})
	for _, args := range []string{"", "(1, 2)", "(999999)"} {
		_, err := db.write.Exec(`CREATE VIRTUAL TABLE temp.t USING ` + inputModule + args)
		if err == nil || !strings.Contains(err.Error(), inputModule) {
			t.Errorf("CREATE VIRTUAL TABLE … USING %s%s = %v, want an error naming the module", inputModule, args, err)
		}
	}
}
