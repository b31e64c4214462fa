package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

const (
	mutWriteToken = "w-0123456789abcdef"
	mutReadToken  = "r-0123456789abcdef"
)

const mutRecord = `mutation Record($input: RecordInteractionInput!) {
	recordInteraction(input: $input) {
		clientMutationId
		created
		interaction {
			id databaseId accountNumber timestamp reason solution summary
			channel agentId addressedBy externalId
		}
	}
}`

type mutPayload struct {
	RecordInteraction *struct {
		ClientMutationID *string `json:"clientMutationId"`
		Created          bool    `json:"created"`
		Interaction      gqlNode `json:"interaction"`
	} `json:"recordInteraction"`
}

// mutPost sends a GraphQL request with an optional bearer token and
// decodes a recordInteraction payload when there is one.
func mutPost(tb testing.TB, s *testServer, token, query string, variables map[string]any) (gqlResponse, mutPayload) {
	tb.Helper()
	out := s.graphql(tb, token, query, variables)
	var p mutPayload
	if len(out.Data) > 0 {
		json.Unmarshal(out.Data, &p)
	}
	return out, p
}

func mutInput(overrides map[string]any) map[string]any {
	in := map[string]any{
		"accountNumber": "ACC-900",
		"timestamp":     "2026-01-02T03:04:05.5+02:00",
		"reason":        "billing",
		"solution":      "refund issued",
		"summary":       "Customer disputed a roaming charge; agent refunded it.",
		"channel":       "VOICE",
		"agentId":       "agent-007",
		"addressedBy":   "AGENT",
		"externalId":    "src-1",
	}
	for k, v := range overrides {
		if v == nil {
			delete(in, k)
		} else {
			in[k] = v
		}
	}
	return in
}

// mutCount counts an account's interactions through the API.
func mutCount(tb testing.TB, s *testServer, token, account string) int {
	tb.Helper()
	resp, _ := mutPost(tb, s, token, `query($a: String!) { interactions(accountNumber: $a) { totalCount } }`,
		map[string]any{"a": account})
	var d struct {
		Interactions struct{ TotalCount int } `json:"interactions"`
	}
	if err := json.Unmarshal(resp.Data, &d); err != nil || len(resp.Errors) > 0 {
		tb.Fatalf("count %s: %+v", account, resp)
	}
	return d.Interactions.TotalCount
}

func mutErrorCode(resp gqlResponse) string {
	if len(resp.Errors) == 0 {
		return ""
	}
	code, _ := resp.Errors[0].Extensions["code"].(string)
	return code
}

func TestMutation_WritesClosedByDefault(t *testing.T) {
	s := startTestServer(t)
	for _, token := range []string{"", "anything"} {
		resp, p := mutPost(t, s, token, mutRecord, map[string]any{"input": mutInput(nil)})
		want := auth.CodeForbidden
		if got := mutErrorCode(resp); got != want || resp.Status != http.StatusOK || p.RecordInteraction != nil {
			t.Fatalf("token %q: status %d, code %q, payload %+v; want 200, %s and no payload", token, resp.Status, got, p, want)
		}
		if !strings.Contains(resp.Errors[0].Message, "INTERACTIONS_WRITE_TOKEN") {
			t.Errorf("message %q does not say how to open writes", resp.Errors[0].Message)
		}
	}
	if n := mutCount(t, s, "", "ACC-900"); n != 0 {
		t.Errorf("a refused mutation wrote %d rows", n)
	}
}

func TestMutation_Tokens(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{
		Tokens: auth.Tokens{Read: mutReadToken, Write: mutWriteToken},
	})
	tests := []struct {
		name, token, want string
	}{
		{"NoToken", "", auth.CodeUnauthenticated},
		{"WrongToken", "nope", auth.CodeUnauthenticated},
		{"ReadToken", mutReadToken, auth.CodeForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, p := mutPost(t, s, tc.token, mutRecord, map[string]any{"input": mutInput(nil)})
			if got := mutErrorCode(resp); got != tc.want || resp.Status != http.StatusOK || p.RecordInteraction != nil {
				t.Errorf("status %d, code %q, payload %+v; want 200 and %s", resp.Status, got, p, tc.want)
			}
		})
	}
	if n := mutCount(t, s, mutWriteToken, "ACC-900"); n != 0 {
		t.Fatalf("refused mutations wrote %d rows", n)
	}

	t.Run("ReadsNeedAToken", func(t *testing.T) {
		resp, _ := mutPost(t, s, "", `{ interactions(accountNumber: "ACC-001") { totalCount } }`, nil)
		if got := mutErrorCode(resp); got != auth.CodeUnauthenticated || resp.Status != http.StatusOK {
			t.Errorf("read without token: status %d, code %q; want 200 UNAUTHENTICATED", resp.Status, got)
		}
		for _, token := range []string{mutReadToken, mutWriteToken} {
			if n := mutCount(t, s, token, "ACC-001"); n != 5 {
				t.Errorf("read with token %q: totalCount %d, want 5", token, n)
			}
		}
		status, hdr, body := s.get(t, "/interactions/ACC-001")
		if status != http.StatusUnauthorized || !strings.Contains(string(body), `"code":"unauthenticated"`) ||
			hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("REST without token: %d %s %v; want 401 unauthenticated with WWW-Authenticate", status, body, hdr)
		}
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/interactions/ACC-001", nil)
		req.Header.Set("Authorization", "Bearer "+mutReadToken)
		resp2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp2.Body.Close()
		if resp2.StatusCode != http.StatusOK {
			t.Errorf("REST with the read token: %d, want 200", resp2.StatusCode)
		}
		for _, open := range []string{"/healthz", "/readyz", "/"} {
			if status, _, _ := s.get(t, open); status != http.StatusOK {
				t.Errorf("GET %s without token: %d, want 200 (it stays open)", open, status)
			}
		}
	})

	t.Run("WriteToken", func(t *testing.T) {
		resp, p := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{"clientMutationId": "c-1"})})
		if len(resp.Errors) > 0 || p.RecordInteraction == nil {
			t.Fatalf("record with the write token: %+v", resp)
		}
		got := p.RecordInteraction
		if !got.Created || got.ClientMutationID == nil || *got.ClientMutationID != "c-1" {
			t.Errorf("created %v, clientMutationId %v; want true and c-1", got.Created, got.ClientMutationID)
		}
		it := got.Interaction
		if it.Timestamp != "2026-01-02T01:04:05.5Z" || it.Channel != "VOICE" || it.AddressedBy != "AGENT" ||
			it.AccountNumber != "ACC-900" || *it.ExternalID != "src-1" || *it.AgentID != "agent-007" {
			t.Errorf("recorded %+v, want the input with its time in UTC", it)
		}
		// The new row is readable, and refetchable by its ID.
		node, _ := mutPost(t, s, mutReadToken, `query($id: ID!) { node(id: $id) { ... on Interaction { databaseId } } }`,
			map[string]any{"id": it.ID})
		if !strings.Contains(string(node.Data), fmt.Sprintf(`"databaseId":%d`, it.DatabaseID)) {
			t.Errorf("node(%s) = %s, want databaseId %d", it.ID, node.Data, it.DatabaseID)
		}
	})
}

func TestMutation_Idempotent(t *testing.T) {
	s := startTestServerOpts(t, store.Options{}, handlerOptions{Tokens: auth.Tokens{Write: mutWriteToken}})
	_, first := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{"clientMutationId": "a"})})
	resp, again := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{
		"clientMutationId": "b", "reason": "complaint", "summary": "different", "timestamp": "2026-05-05T00:00:00Z",
	})})
	if first.RecordInteraction == nil || again.RecordInteraction == nil {
		t.Fatalf("record twice: %+v", resp)
	}
	if again.RecordInteraction.Created {
		t.Error("second record with the same externalId: created true, want false")
	}
	if !reflect.DeepEqual(again.RecordInteraction.Interaction, first.RecordInteraction.Interaction) {
		t.Errorf("second record returned %+v, want the first unchanged %+v",
			again.RecordInteraction.Interaction, first.RecordInteraction.Interaction)
	}
	if c := again.RecordInteraction.ClientMutationID; c == nil || *c != "b" {
		t.Errorf("clientMutationId %v, want the second request's b", c)
	}
	// The same externalId under another account is another interaction.
	_, other := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{"accountNumber": "ACC-901"})})
	if other.RecordInteraction == nil || !other.RecordInteraction.Created {
		t.Errorf("same externalId, other account: %+v, want created", other.RecordInteraction)
	}
	// Without an externalId nothing is deduplicated.
	for range 2 {
		_, p := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{"externalId": nil})})
		if p.RecordInteraction == nil || !p.RecordInteraction.Created {
			t.Errorf("record without externalId: %+v, want created", p.RecordInteraction)
		}
	}
	if n := mutCount(t, s, "", "ACC-900"); n != 3 {
		t.Errorf("ACC-900 has %d rows, want 3", n)
	}
}

// TestMutation_ConcurrentSameExternalID sends identical mutations at once:
// the unique index, not a read-then-write check, must leave one row.
func TestMutation_ConcurrentSameExternalID(t *testing.T) {
	s := startTestServerOpts(t, store.Options{}, handlerOptions{Tokens: auth.Tokens{Write: mutWriteToken}})
	const n = 16
	var wg sync.WaitGroup
	results := make([]mutPayload, n)
	errs := make([]gqlResponse, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i], results[i] = mutPost(t, s, mutWriteToken, mutRecord,
				map[string]any{"input": mutInput(map[string]any{"externalId": "same"})})
		})
	}
	close(start)
	wg.Wait()

	created, ids := 0, map[int]bool{}
	for i, p := range results {
		if p.RecordInteraction == nil {
			t.Fatalf("call %d: %+v", i, errs[i])
		}
		if p.RecordInteraction.Created {
			created++
		}
		ids[p.RecordInteraction.Interaction.DatabaseID] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("%d concurrent identical calls: %d created, %d distinct ids; want 1 and 1", n, created, len(ids))
	}
	if got := mutCount(t, s, "", "ACC-900"); got != 1 {
		t.Errorf("rows after concurrent calls: %d, want 1", got)
	}
}

func TestMutation_Validation(t *testing.T) {
	s := startTestServerOpts(t, store.Options{}, handlerOptions{Tokens: auth.Tokens{Write: mutWriteToken}})
	long := func(n int) string { return strings.Repeat("é", n) }
	tests := []struct {
		name      string
		overrides map[string]any
		argument  string
	}{
		{"EmptyAccount", map[string]any{"accountNumber": ""}, "input.accountNumber"},
		{"LongAccount", map[string]any{"accountNumber": long(65)}, "input.accountNumber"},
		{"AccountWithSpace", map[string]any{"accountNumber": "ACC 1"}, "input.accountNumber"},
		{"EmptyReason", map[string]any{"reason": ""}, "input.reason"},
		{"LongReason", map[string]any{"reason": long(store.MaxReasonLength + 1)}, "input.reason"},
		{"ReasonControl", map[string]any{"reason": "bill\ning"}, "input.reason"},
		{"LongSummary", map[string]any{"summary": long(store.MaxSummaryLength + 1)}, "input.summary"},
		{"LongSolution", map[string]any{"solution": long(store.MaxSolutionLength + 1)}, "input.solution"},
		{"LongAgent", map[string]any{"agentId": long(store.MaxAgentIDLength + 1)}, "input.agentId"},
		{"EmptyExternalID", map[string]any{"externalId": ""}, "input.externalId"},
		{"TimeWithoutZone", map[string]any{"timestamp": "2026-01-02T03:04:05"}, "input.timestamp"},
		{"TimeNotRFC3339", map[string]any{"timestamp": "yesterday"}, "input.timestamp"},
		{"TimeTooLate", map[string]any{"timestamp": "2201-01-01T00:00:00Z"}, "input.timestamp"},
		{"TimeTooEarly", map[string]any{"timestamp": "1969-12-31T23:59:59Z"}, "input.timestamp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, p := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(tc.overrides)})
			if resp.Status != http.StatusOK || mutErrorCode(resp) != "BAD_USER_INPUT" || p.RecordInteraction != nil {
				t.Fatalf("status %d, errors %+v; want 200 BAD_USER_INPUT", resp.Status, resp.Errors)
			}
			if got := resp.Errors[0].Extensions["argument"]; got != tc.argument {
				t.Errorf("argument %v, want %s (message %q)", got, tc.argument, resp.Errors[0].Message)
			}
		})
	}
	t.Run("LowerCaseEnum", func(t *testing.T) {
		resp, _ := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{"channel": "voice"})})
		if resp.Status != http.StatusUnprocessableEntity || mutErrorCode(resp) != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("lower-case channel: status %d, errors %+v; want 422 GRAPHQL_VALIDATION_FAILED", resp.Status, resp.Errors)
		}
	})
	t.Run("InvalidUTF8", func(t *testing.T) {
		body := []byte("{\"query\":\"mutation { recordInteraction(input: {accountNumber: \\\"ACC-900\\\", " +
			"reason: \\\"bad \xff\\\", channel: VOICE, addressedBy: BOT}) { created } }\"}")
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+mutWriteToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), "UTF-8") {
			t.Errorf("invalid UTF-8 body: %d %s; want 400 naming UTF-8", resp.StatusCode, raw)
		}
	})
	t.Run("NotJSON", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(`{"query": `))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), `"code":"BAD_REQUEST"`) {
			t.Errorf("truncated JSON body: %d %s; want 400 BAD_REQUEST", resp.StatusCode, raw)
		}
	})
	if n := mutCount(t, s, "", "ACC-900"); n != 0 {
		t.Errorf("invalid mutations wrote %d rows", n)
	}
}

func TestMutation_DefaultTimestampAndGET(t *testing.T) {
	s := startTestServerOpts(t, store.Options{}, handlerOptions{Tokens: auth.Tokens{Write: mutWriteToken}})
	now := time.Date(2026, 3, 4, 5, 6, 7, 800, time.UTC)
	s.DB.Now = func() time.Time { return now }
	_, p := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{"timestamp": nil})})
	if p.RecordInteraction == nil || p.RecordInteraction.Interaction.Timestamp != "2026-03-04T05:06:07.0000008Z" {
		t.Errorf("record without timestamp: %+v, want the server's time 2026-03-04T05:06:07.0000008Z", p.RecordInteraction)
	}

	// A mutation over GET must not run, whatever the token.
	q := `mutation { recordInteraction(input: {accountNumber: "ACC-900", reason: "billing", channel: VOICE, addressedBy: BOT, externalId: "via-get"}) { created } }`
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/graphql?query="+strings.ReplaceAll(q, " ", "%20"), nil)
	req.Header.Set("Authorization", "Bearer "+mutWriteToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(string(raw), `"code":"METHOD_NOT_ALLOWED"`) {
		t.Errorf("mutation over GET: %d %s, want 405 METHOD_NOT_ALLOWED", resp.StatusCode, raw)
	}
	if n := mutCount(t, s, "", "ACC-900"); n != 1 {
		t.Errorf("rows after a mutation over GET: %d, want 1 (the POST before it)", n)
	}
}
