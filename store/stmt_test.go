package store

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestReadStatementsPreparedOnce runs the same pages again and again, from
// several goroutines, on a read pool that counts what is prepared: each
// text is prepared at most once per pooled connection, however many times
// it runs, and every answer is the same.
func TestReadStatementsPreparedOnce(t *testing.T) {
	db, rec := openPlanDB(t)
	// As Open sizes the read pool on 2 cores: fewer connections than
	// goroutines, so that statements meet connections they were not
	// prepared on.
	const maxConns = 4
	db.read.SetMaxOpenConns(maxConns)
	db.read.SetMaxIdleConns(maxConns)
	ctx := t.Context()
	n := 5
	first, err := db.Interactions(ctx, PageRequest{AccountNumber: "ACC-001", First: &n})
	if err != nil {
		t.Fatal(err)
	}
	after := first.Interactions[2].Position()
	reqs := []PageRequest{
		{AccountNumber: "ACC-001", First: &n},
		{AccountNumber: "ACC-002", First: &n, After: &after},
		{AccountNumber: "ACC-001", Last: &n, Before: &after, Descending: true},
	}
	want := make([][]int64, len(reqs))
	for i, req := range reqs {
		p, err := db.Interactions(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = ids(p.Interactions)
	}

	const goroutines, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for range goroutines {
		wg.Go(func() {
			for range rounds {
				for i, req := range reqs {
					p, err := db.Interactions(ctx, req)
					if err == nil && fmt.Sprint(ids(p.Interactions)) != fmt.Sprint(want[i]) {
						err = fmt.Errorf("page %+v: %v, want %v", req, ids(p.Interactions), want[i])
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	runs := len(rec.take())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.prepared) == 0 || runs < goroutines*rounds*len(reqs) {
		t.Fatalf("%d statements prepared, %d run: the recorder saw nothing", len(rec.prepared), runs)
	}
	for text, times := range rec.prepared {
		if times > maxConns {
			t.Errorf("prepared %d times on a pool of %d connections: %s", times, maxConns, text)
		}
	}
}

// TestReadStatementsBounded: texts past maxReadStmts still run, unprepared,
// and the statements kept stay at the bound.
func TestReadStatementsBounded(t *testing.T) {
	db, _ := openPlanDB(t)
	ctx := t.Context()
	want := -1
	for i := range maxReadStmts + 10 {
		// A reasons list one longer each time is a new text each time.
		reasons := []string{"billing"}
		for j := range i {
			reasons = append(reasons, fmt.Sprintf("r%d", j))
		}
		n, err := db.CountInteractions(ctx, CountRequest{AccountNumber: "ACC-002", Filter: Filter{Reasons: reasons}})
		if err != nil {
			t.Fatalf("%d reasons: %v", len(reasons), err)
		}
		// Only billing matches: every list counts the same rows.
		if want < 0 {
			want = n
		}
		if n != want || n == 0 {
			t.Fatalf("%d reasons: count %d, want %d as with billing alone", len(reasons), n, want)
		}
	}
	db.stmts.mu.Lock()
	kept := len(db.stmts.stmts)
	db.stmts.mu.Unlock()
	if kept != maxReadStmts {
		t.Errorf("%d statements kept, want the bound, %d", kept, maxReadStmts)
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CountInteractions(ctx, CountRequest{AccountNumber: "ACC-002"}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("count after Close: %v, want an error saying it is closed", err)
	}
}
