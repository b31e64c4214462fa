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
	"sync"
	"testing"

	"github.com/interactions-api/interactions/store"
)

// testServer is the whole service on a real HTTP listener, over a seeded
// SQLite file in a temporary folder.
type testServer struct {
	*httptest.Server
	DB   *store.DB
	Logs *syncBuffer
}

// syncBuffer is a bytes.Buffer that the server's goroutines may write
// while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startTestServer(tb testing.TB) *testServer {
	tb.Helper()
	return startTestServerWith(tb, store.Options{Seed: true}, []string{"*"})
}

func startTestServerWith(tb testing.TB, opts store.Options, corsOrigins []string) *testServer {
	tb.Helper()
	return startTestServerOpts(tb, opts, handlerOptions{CORSOrigins: corsOrigins})
}

func startTestServerOpts(tb testing.TB, opts store.Options, hopts handlerOptions) *testServer {
	tb.Helper()
	return startTestServerAt(tb, filepath.Join(tb.TempDir(), "interactions.db"), opts, hopts)
}

// startTestServerAt serves the database file at path, which the test may
// also open itself to add rows.
func startTestServerAt(tb testing.TB, path string, opts store.Options, hopts handlerOptions) *testServer {
	tb.Helper()
	db, err := store.Open(context.Background(), path, opts)
	if err != nil {
		tb.Fatalf("open store at %s: %v", path, err)
	}
	if hopts.CORSOrigins == nil {
		hopts.CORSOrigins = []string{"*"}
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	srv := httptest.NewServer(newHandler(db, logger, hopts))
	tb.Cleanup(func() {
		srv.Close()
		db.Close()
	})
	return &testServer{Server: srv, DB: db, Logs: logs}
}

// gqlResponse is a GraphQL response with its data left raw.
type gqlResponse struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// graphql posts query with variables to /graphql, with the bearer token
// when one is given, and decodes the answer.
func (s *testServer) graphql(tb testing.TB, token, query string, variables map[string]any) gqlResponse {
	tb.Helper()
	return s.postJSONAs(tb, token, map[string]any{"query": query, "variables": variables})
}

// postJSON posts body, as JSON, to /graphql.
func (s *testServer) postJSON(tb testing.TB, body map[string]any) gqlResponse {
	tb.Helper()
	return s.postJSONAs(tb, "", body)
}

func (s *testServer) postJSONAs(tb testing.TB, token string, payload map[string]any) gqlResponse {
	tb.Helper()
	out, err := postGraphQL(s.URL, token, payload)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// postGraphQL posts payload to baseURL's /graphql and decodes the answer;
// it is safe to call from any goroutine.
func postGraphQL(baseURL, token string, payload map[string]any) (gqlResponse, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return gqlResponse{}, err
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return gqlResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return gqlResponse{}, fmt.Errorf("POST /graphql: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return gqlResponse{}, fmt.Errorf("read response: %w", err)
	}
	out := gqlResponse{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		return gqlResponse{}, fmt.Errorf("POST /graphql: status %d, body %q is not JSON: %w", resp.StatusCode, raw, err)
	}
	return out, nil
}

// get requests path and returns the status, headers and body.
func (s *testServer) get(tb testing.TB, path string) (int, http.Header, []byte) {
	tb.Helper()
	resp, err := http.Get(s.URL + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp.StatusCode, resp.Header, body
}

func TestRun_ServeHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"serve", "--help"}, &out, io.Discard); err != nil {
		t.Fatalf("run serve --help: %v", err)
	}
	for _, want := range []string{"PORT", "INTERACTIONS_DB", "INTERACTIONS_SEED", "INTERACTIONS_CORS_ORIGINS"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("serve --help does not mention %s:\n%s", want, out.String())
		}
	}
}
