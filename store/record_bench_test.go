package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/interactions-api/interactions/store"
)

// BenchmarkInsertBatch measures the import's write path: batches of 5,000
// rows with unique external IDs over 1,000 accounts into one database.
func BenchmarkInsertBatch(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	const batchSize = 5000
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]store.Interaction, batchSize)
	summary := "Customer asked about the last invoice; agent explained the pro-rated charge."
	n := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batchSize {
		for j := range batch {
			n++
			ext := fmt.Sprintf("ext-%09d", n)
			agent := fmt.Sprintf("agent-%03d", n%300)
			batch[j] = store.Interaction{
				AccountNumber: fmt.Sprintf("ACC-%06d", n%1000),
				Timestamp:     base.Add(time.Duration(n) * time.Minute),
				Reason:        "billing",
				Summary:       &summary,
				Channel:       "VOICE",
				AgentID:       &agent,
				AddressedBy:   "AGENT",
				ExternalID:    &ext,
			}
		}
		if _, err := db.InsertBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
