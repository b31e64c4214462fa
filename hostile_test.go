package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

// TestHostileRequests sends requests meant to hurt the service. Each gets
// its documented refusal (a limit is an executed response, 200, as gqlgen
// answers it); afterwards the server still answers, nothing was
// written, and the heap is back near where it started.
func TestHostileRequests(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{Tokens: auth.Tokens{Write: mutWriteToken}})
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	aliases := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: %s", i, field)
		}
		b.WriteString(" }")
		return b.String()
	}
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = "SW50ZXJhY3Rpb246MQ"
	}
	quote := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	sqlish := `x' OR '1'='1'; DROP TABLE interactions; --`
	record := func(field, value string) string {
		return `{"query":"mutation($in: RecordInteractionInput!) { recordInteraction(input: $in) { created } }",` +
			`"variables":{"in":{"accountNumber":"ACC-H","reason":"billing","channel":"VOICE","addressedBy":"BOT",` + quote(field) + `:` + quote(value) + `}}}`
	}
	gql := func(query string, vars map[string]any) string {
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		return string(b)
	}
	page := `query($a: String!, $c: String, $f: InteractionFilter) { interactions(accountNumber: $a, after: $c, filter: $f) { totalCount edges { node { id } } } }`

	tests := []struct {
		name        string
		contentType string
		header      [2]string
		body        string
		status      int
		code        string // extensions.code of the first error, or "" for a clean answer
	}{
		{"BodyOver1MiB", "application/json", [2]string{}, `{"query":"` + strings.Repeat(" ", 2<<20) + `{ __typename }"}`, 413, "REQUEST_BODY_TOO_LARGE"},
		{"Depth60", "application/json", [2]string{}, gql("{ __schema { types { fields { type {"+strings.Repeat(" ofType {", 60)+" name"+strings.Repeat(" }", 64)+" }", nil), 200, "DEPTH_LIMIT_EXCEEDED"},
		// Refused on its written size, before validation compares the aliases.
		{"TenThousandAliases", "application/json", [2]string{}, gql(aliases(10000, "__typename"), nil), 200, "FIELD_LIMIT_EXCEEDED"},
		{"TwentyThousandSameName", "application/json", [2]string{}, gql("{"+strings.Repeat(" __typename", 20000)+" }", nil), 200, "FIELD_LIMIT_EXCEEDED"},
		{"AliasedPages", "application/json", [2]string{}, gql(aliases(50, `interactions(accountNumber: "ACC-001", first: 100) { edges { node { id summary } } }`), nil), 200, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"TenThousandNodeIDs", "application/json", [2]string{}, gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}), 200, "BAD_USER_INPUT"},
		{"LongAccountNumber", "application/json", [2]string{}, gql(page, map[string]any{"a": strings.Repeat("A", 100000)}), 200, "BAD_USER_INPUT"},
		{"LongCursor", "application/json", [2]string{}, gql(page, map[string]any{"a": "ACC-001", "c": strings.Repeat("A", 100000)}), 200, "BAD_USER_INPUT"},
		{"NULInAccount", "application/json", [2]string{}, gql(page, map[string]any{"a": "ACC\x00001"}), 200, "BAD_USER_INPUT"},
		{"SQLInAccount", "application/json", [2]string{}, gql(page, map[string]any{"a": "x'OR'1'='1';DROP--"}), 200, ""},
		{"SQLInCursor", "application/json", [2]string{}, gql(page, map[string]any{"a": "ACC-001", "c": sqlish}), 200, "BAD_USER_INPUT"},
		{"SQLInFilter", "application/json", [2]string{}, gql(page, map[string]any{"a": "ACC-001", "f": map[string]any{"reasons": []string{sqlish}, "agentId": sqlish}}), 200, ""},
		{"InvalidUTF8", "application/json", [2]string{}, "{\"query\":\"{ interactions(accountNumber: \\\"\xff\\\") { totalCount } }\"}", 400, "BAD_REQUEST"},
		{"MalformedJSON", "application/json", [2]string{}, `{"query": "{ __typename }"`, 400, "BAD_REQUEST"},
		{"Batch", "application/json", [2]string{}, `[{"query":"{ __typename }"},{"query":"{ __typename }"}]`, 400, "BAD_REQUEST"},
		{"TextPlain", "text/plain", [2]string{}, `{"query":"{ __typename }"}`, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"Form", "application/x-www-form-urlencoded", [2]string{}, `query=%7B__typename%7D`, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"Multipart", "multipart/form-data; boundary=x", [2]string{}, "--x\r\n\r\n--x--", 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"HugeHeader", "application/json", [2]string{"X-Junk", strings.Repeat("j", 2<<20)}, `{"query":"{ __typename }"}`, 431, ""},
		{"WriteNULReason", "application/json", [2]string{"Authorization", "Bearer " + mutWriteToken}, record("reason", "bill\x00ing"), 200, "BAD_USER_INPUT"},
		{"WriteSQLText", "application/json", [2]string{"Authorization", "Bearer " + mutWriteToken}, record("summary", strings.Repeat(sqlish, 1000)), 200, "BAD_USER_INPUT"},
		{"WriteHugeSummary", "application/json", [2]string{"Authorization", "Bearer " + mutWriteToken}, record("summary", strings.Repeat("é", 200000)), 200, "BAD_USER_INPUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader([]byte(tc.body)))
			req.Header.Set("Content-Type", tc.contentType)
			if tc.header[0] != "" {
				req.Header.Set(tc.header[0], tc.header[1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("the connection was dropped: %v", err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.status, raw)
			}
			if tc.status == 431 {
				return // Go's server answers this one in plain text
			}
			var answer struct {
				Errors []struct {
					Message    string         `json:"message"`
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(raw, &answer); err != nil {
				t.Fatalf("answer is not JSON: %.300s", raw)
			}
			got := ""
			if len(answer.Errors) > 0 {
				got, _ = answer.Errors[0].Extensions["code"].(string)
			}
			if got != tc.code {
				t.Errorf("code %q, want %q: %.300s", got, tc.code, raw)
			}
		})
	}

	// The SQL-looking text summary (within limits) is stored as text.
	resp := s.postJSONAs(t, mutWriteToken, map[string]any{"query": mutRecord, "variables": map[string]any{
		"input": mutInput(map[string]any{"accountNumber": "ACC-SQL", "summary": sqlish, "reason": sqlish, "agentId": "a'--"})}})
	if len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `DROP TABLE interactions`) {
		t.Errorf("recording SQL-looking text: %+v", resp)
	}

	if status, _, _ := s.get(t, "/healthz"); status != http.StatusOK {
		t.Errorf("after the hostile requests /healthz answers %d", status)
	}
	if n := mutCount(t, s, "", "ACC-001"); n != 5 {
		t.Errorf("ACC-001 holds %d rows after the hostile requests, want the 5 seeded", n)
	}
	if n := mutCount(t, s, "", "ACC-H"); n != 0 {
		t.Errorf("refused writes stored %d rows", n)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 64<<20 {
		t.Errorf("the heap grew by %d MiB over the hostile requests and stayed", grew>>20)
	}
}
