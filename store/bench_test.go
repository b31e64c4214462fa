package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/interactions-api/interactions/store"
)

// The page benchmarks share one database, built once per test binary:
// benchBigRows interactions of benchBig, interleaved in time with
// benchOtherRows over benchOthers other accounts.
const (
	benchBig       = "ACC-BENCH-BIG"
	benchBigRows   = 200_000
	benchOtherRows = 50_000
	benchOthers    = 1_000
)

var (
	benchOnce sync.Once
	benchDir  string
	benchDB   *store.DB
	benchErr  error
	benchDeep store.Position // the position after about 90% of benchBig
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDB != nil {
		benchDB.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func pageBenchDB(b *testing.B) (*store.DB, store.Position) {
	b.Helper()
	benchOnce.Do(func() { benchErr = buildPageBenchDB() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB, benchDeep
}

func buildPageBenchDB() error {
	ctx := context.Background()
	var err error
	if benchDir, err = os.MkdirTemp("", "store-bench-"); err != nil {
		return err
	}
	if benchDB, err = store.Open(ctx, filepath.Join(benchDir, "bench.db"), store.Options{}); err != nil {
		return err
	}
	channels := []string{"VOICE", "CHAT", "EMAIL", "SMS", "SOCIAL", "WEB"}
	reasons := []string{"billing", "technical_support", "plan_change", "cancellation", "address_change"}
	summary := "Customer asked about the last invoice; agent explained the pro-rated charge."
	solution := "Explained the charge and sent a copy of the invoice."
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	const batchSize = 10_000
	batch := make([]store.Interaction, 0, batchSize)
	total := benchBigRows + benchOtherRows
	for n := range total {
		account := benchBig
		// Every fifth row goes to another account, until they have theirs.
		if n%5 == 4 && n/5 < benchOtherRows {
			account = fmt.Sprintf("ACC-BENCH-%04d", (n/5)%benchOthers)
		}
		it := store.Interaction{
			AccountNumber: account,
			Timestamp:     base.Add(time.Duration(n) * 37 * time.Second),
			Reason:        reasons[n%len(reasons)],
			Summary:       &summary,
			Channel:       channels[n%len(channels)],
			AddressedBy:   "BOT",
		}
		if n%2 == 0 {
			agent := fmt.Sprintf("agent-%03d", n%300)
			it.AgentID = &agent
			it.AddressedBy = "AGENT"
			it.Solution = &solution
		}
		batch = append(batch, it)
		if len(batch) == batchSize || n == total-1 {
			if _, err := benchDB.InsertBatch(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}

	// Walk benchBig to about 90% of its rows, as a client would.
	first := 100
	req := store.PageRequest{AccountNumber: benchBig, First: &first}
	seen := 0
	for seen < benchBigRows*9/10 {
		page, err := benchDB.Interactions(ctx, req)
		if err != nil {
			return err
		}
		if len(page.Interactions) == 0 {
			return fmt.Errorf("walk ended after %d rows", seen)
		}
		seen += len(page.Interactions)
		p := page.Interactions[len(page.Interactions)-1].Position()
		req.After = &p
	}
	benchDeep = *req.After
	return nil
}

func benchPage(b *testing.B, req store.PageRequest, want int) {
	db, _ := pageBenchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		page, err := db.Interactions(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Interactions) != want {
			b.Fatalf("got %d rows, want %d", len(page.Interactions), want)
		}
	}
}

func BenchmarkInteractions_FirstPage(b *testing.B) {
	n := 20
	benchPage(b, store.PageRequest{AccountNumber: benchBig, First: &n}, n)
}

func BenchmarkInteractions_SmallAccountFirstPage(b *testing.B) {
	n := 20
	benchPage(b, store.PageRequest{AccountNumber: "ACC-BENCH-0042", First: &n}, n)
}

func BenchmarkInteractions_DeepPage(b *testing.B) {
	_, deep := pageBenchDB(b)
	n := 20
	benchPage(b, store.PageRequest{AccountNumber: benchBig, First: &n, After: &deep}, n)
}

func BenchmarkInteractions_BackwardPage(b *testing.B) {
	_, deep := pageBenchDB(b)
	n := 20
	benchPage(b, store.PageRequest{AccountNumber: benchBig, Last: &n, Before: &deep}, n)
}

func benchFilter() store.Filter {
	from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	return store.Filter{
		Channels:    []string{"VOICE", "EMAIL"},
		AddressedBy: []string{"AGENT"},
		From:        &from,
		To:          &to,
	}
}

func BenchmarkInteractions_FilteredPage(b *testing.B) {
	n := 20
	benchPage(b, store.PageRequest{AccountNumber: benchBig, Filter: benchFilter(), First: &n}, n)
}

func BenchmarkInteractions_FilteredDeepPage(b *testing.B) {
	_, deep := pageBenchDB(b)
	n := 20
	benchPage(b, store.PageRequest{AccountNumber: benchBig, Filter: benchFilter(), First: &n, After: &deep}, n)
}

func BenchmarkCountInteractions_Large(b *testing.B) {
	db, _ := pageBenchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n, err := db.CountInteractions(ctx, store.CountRequest{AccountNumber: benchBig})
		if err != nil {
			b.Fatal(err)
		}
		if n != benchBigRows {
			b.Fatalf("count %d, want %d", n, benchBigRows)
		}
	}
}
