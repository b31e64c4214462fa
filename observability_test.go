package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

func TestMetrics(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{Tokens: auth.Tokens{Read: mutReadToken}})
	s.graphql(t, mutReadToken, `query Page { interactions(accountNumber: "ACC-001") { totalCount } }`, nil)
	s.graphql(t, mutReadToken, `query Broken { interactions(accountNumber: "") { totalCount } }`, nil)
	s.get(t, "/interactions/ACC-001") // 401: no token

	status, _, body := s.get(t, "/metrics") // open without a token
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", status)
	}
	for _, want := range []string{
		`interactions_graphql_operations_total{operation="Page",result="ok"} 1`,
		`interactions_graphql_operations_total{operation="Broken",result="error"} 1`,
		`interactions_http_requests_total{method="POST",route="/graphql",status="200"} 2`,
		`interactions_http_requests_total{method="GET",route="/interactions/{account_number}",status="401"} 1`,
		`interactions_http_request_duration_seconds_bucket{route="/graphql",le="+Inf"} 2`,
		`go_sql_open_connections{db_name="read"}`,
		`go_sql_open_connections{db_name="write"}`,
		`go_goroutines `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestAccessLog(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{Tokens: auth.Tokens{Write: mutWriteToken}})
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/interactions/ACC-001?limit=2", nil)
	req.Header.Set("X-Request-ID", "trace-abc")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-ID"); got != "trace-abc" {
		t.Errorf("X-Request-ID answered %q, want the client's trace-abc", got)
	}
	mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{"summary": "secret summary text"})})

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.Logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d access lines, want 2:\n%s", len(lines), s.Logs.String())
	}
	rest, gql := lines[0], lines[1]
	if rest["route"] != "/interactions/{account_number}" || rest["status"] != float64(200) || rest["method"] != "GET" ||
		rest["request_id"] != "trace-abc" || rest["bytes"].(float64) <= 0 || rest["duration_ms"] == nil {
		t.Errorf("REST access line %v lacks route, status, method, request ID, bytes or duration", rest)
	}
	if gql["operation"] != "Record" || gql["route"] != "/graphql" {
		t.Errorf("GraphQL access line %v, want operation Record on /graphql", gql)
	}
	if logs := s.Logs.String(); strings.Contains(logs, mutWriteToken) || strings.Contains(logs, "secret summary text") {
		t.Errorf("logs hold a token or interaction text:\n%s", logs)
	}
}
