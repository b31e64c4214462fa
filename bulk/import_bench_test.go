package bulk_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/interactions-api/interactions/bulk"
	"github.com/interactions-api/interactions/store"
	"github.com/interactions-api/interactions/synth"
)

var benchRows = flag.Int("bench-rows", 200_000, "rows the import benchmarks generate and import")

// BenchmarkImport imports a generated file into a new database each time:
// into an empty table (one transaction, indexes built at the end) and in
// batches, as into a table that has rows. bench/import.sh measures the
// same through the command, on a million rows.
func BenchmarkImport(b *testing.B) {
	dir := b.TempDir()
	file := filepath.Join(dir, "in.jsonl")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := synth.Write(f, synth.Options{Rows: *benchRows, Accounts: max(1, *benchRows/100), Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}

	for _, bc := range []struct {
		name string
		opts bulk.Options
	}{
		{"Empty", bulk.Options{}},
		{"Batches", bulk.Options{AlwaysBatch: true}},
		{"BatchesSkipInvalid", bulk.Options{AlwaysBatch: true, SkipInvalid: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				b.StopTimer()
				n++
				db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), store.Options{})
				if err != nil {
					b.Fatal(err)
				}
				in, err := os.Open(file)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := bulk.Import(context.Background(), db, in, bc.opts)
				b.StopTimer()
				if err != nil || res.Inserted != *benchRows {
					b.Fatalf("Import = %+v, %v; want %d rows inserted", res, err, *benchRows)
				}
				in.Close()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(*benchRows*n)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
