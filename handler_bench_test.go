package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/interactions-api/interactions/store"
)

// The handler benchmarks serve one request at a time through the whole
// handler (middleware, GraphQL or REST, store, JSON) without a network,
// so that their figures are the server's own cost of a page. Beside ns/op
// they report cpu-ns/op, the process's CPU time (garbage collection
// included) per request, which other load on a shared machine moves far
// less than elapsed time.

const (
	handlerBenchAccount = "ACC-000001"
	handlerBenchRows    = 5000
	handlerBenchNode    = `id databaseId accountNumber timestamp reason solution summary channel agentId addressedBy externalId`
)

type handlerBench struct {
	h    http.Handler
	deep string // a cursor after about 90% of the account's rows
}

func newHandlerBench(b *testing.B) *handlerBench {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	summary := "Customer asked about the last invoice; agent explained the pro-rated charge."
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]store.Interaction, handlerBenchRows)
	for i := range rows {
		agent := fmt.Sprintf("agent-%03d", i%300)
		ext := fmt.Sprintf("ext-%06d", i)
		rows[i] = store.Interaction{
			AccountNumber: handlerBenchAccount,
			Timestamp:     base.Add(time.Duration(i) * time.Minute),
			Reason:        "billing",
			Summary:       &summary,
			Channel:       "VOICE",
			AgentID:       &agent,
			AddressedBy:   "AGENT",
			ExternalID:    &ext,
		}
	}
	if _, err := db.InsertBatch(ctx, rows); err != nil {
		b.Fatal(err)
	}
	// Logging at error level, as go run ./bench serves: no access log line.
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	hb := &handlerBench{h: newHandler(db, logger, handlerOptions{})}

	// Walk the account over REST to a cursor at 90%, as a client would.
	cursor := ""
	for seen := 0; seen < handlerBenchRows*9/10; seen += 100 {
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		hb.decode(b, hb.get(b, "/interactions/"+handlerBenchAccount+"?limit=100&cursor="+cursor), &page)
		cursor = page.NextCursor
	}
	hb.deep = cursor
	return hb
}

func (hb *handlerBench) get(b *testing.B, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	hb.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	return rec
}

func (hb *handlerBench) decode(b *testing.B, rec *httptest.ResponseRecorder, v any) {
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		b.Fatalf("%v: %s", err, rec.Body)
	}
}

func (hb *handlerBench) graphql(b *testing.B, query string, vars map[string]any) {
	b.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		b.Fatal(err)
	}
	// Checked once, outside the timed loop: every answer is the same.
	check := func(rec *httptest.ResponseRecorder) {
		if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) ||
			strings.Count(rec.Body.String(), `"databaseId"`) != 20 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	serve := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		hb.h.ServeHTTP(rec, req)
		return rec
	}
	check(serve())
	loop(b, func() { serve() })
}

func (hb *handlerBench) rest(b *testing.B, target string) {
	b.Helper()
	rec := hb.get(b, target)
	if n := strings.Count(rec.Body.String(), `"external_id"`); n != 20 {
		b.Fatalf("%d items: %s", n, rec.Body)
	}
	loop(b, func() { hb.get(b, target) })
}

func loop(b *testing.B, serve func()) {
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	for b.Loop() {
		serve()
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The queries are those of go run ./bench.
func BenchmarkHandler_GraphQLFirstPage(b *testing.B) {
	hb := newHandlerBench(b)
	hb.graphql(b, `query First($a: String!) { interactions(accountNumber: $a, first: 20) { edges { cursor node { `+
		handlerBenchNode+` } } pageInfo { hasNextPage endCursor } } }`, map[string]any{"a": handlerBenchAccount})
}

func BenchmarkHandler_GraphQLDeepPage(b *testing.B) {
	hb := newHandlerBench(b)
	hb.graphql(b, `query Deep($a: String!, $c: String!) { interactions(accountNumber: $a, first: 20, after: $c) { edges { cursor node { `+
		handlerBenchNode+` } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`, map[string]any{"a": handlerBenchAccount, "c": hb.deep})
}

func BenchmarkHandler_RESTFirstPage(b *testing.B) {
	hb := newHandlerBench(b)
	hb.rest(b, "/interactions/"+handlerBenchAccount+"?limit=20")
}

func BenchmarkHandler_RESTDeepPage(b *testing.B) {
	hb := newHandlerBench(b)
	hb.rest(b, "/interactions/"+handlerBenchAccount+"?limit=20&cursor="+hb.deep)
}
