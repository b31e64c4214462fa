package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

func TestSwitches_PlaygroundAndIntrospectionOff(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{NoPlayground: true, NoIntrospection: true})
	if status, _, _ := s.get(t, "/"); status != http.StatusNotFound {
		t.Errorf("GET / with the playground off: %d, want 404", status)
	}
	for _, q := range []string{
		`{ __schema { types { name } } }`,
		`query Q { ...F } fragment F on Query { __type(name: "Interaction") { name } }`,
		`{ ... on Query { __schema { queryType { name } } } }`,
	} {
		resp := s.graphql(t, "", q, nil)
		if resp.Status != http.StatusOK || len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "INTROSPECTION_DISABLED" ||
			!strings.Contains(resp.Errors[0].Message, "INTERACTIONS_INTROSPECTION") || string(resp.Data) != "" && string(resp.Data) != "null" {
			t.Errorf("introspection switched off, %s: %d %s %+v; want only INTROSPECTION_DISABLED naming the setting",
				q, resp.Status, resp.Data, resp.Errors)
		}
	}
	if strings.Contains(s.Logs.String(), `"level":"ERROR"`) {
		t.Errorf("a refused introspection query was logged as an error:\n%s", s.Logs)
	}
	if resp := s.graphql(t, "", `{ __typename }`, nil); len(resp.Errors) > 0 {
		t.Errorf("__typename with introspection off: %+v", resp.Errors)
	}
	if resp := s.graphql(t, "", `{ interactions(accountNumber: "ACC-001") { totalCount } }`, nil); len(resp.Errors) > 0 {
		t.Errorf("queries with introspection off: %+v", resp.Errors)
	}
}

// TestSwitches_PersistedQueries follows Apollo Client's protocol: the hash
// alone first, then hash and text when the server does not know it, then
// the hash alone again.
func TestSwitches_PersistedQueries(t *testing.T) {
	s := startTestServer(t)
	query := `{ interactions(accountNumber: "ACC-001", first: 1) { totalCount } }`
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}

	post := func(withQuery bool) gqlResponse {
		body := map[string]any{"extensions": ext}
		if withQuery {
			body["query"] = query
		}
		return s.postJSON(t, body)
	}
	if resp := post(false); len(resp.Errors) == 0 || resp.Errors[0].Message != "PersistedQueryNotFound" {
		t.Fatalf("unknown hash: %+v, want PersistedQueryNotFound", resp)
	}
	if resp := post(true); len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `"totalCount":5`) {
		t.Fatalf("hash with query: %+v", resp)
	}
	if resp := post(false); len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `"totalCount":5`) {
		t.Fatalf("known hash alone: %+v", resp)
	}
}

func TestSwitches_CORSCredentials(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{
		CORSOrigins: []string{"https://app.example"}, CORSCredentials: true,
	})
	req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight with credentials allowed: %v", resp.Header)
	}
}

// TestSwitches_PersistedMutationOverGET saves a mutation by hash with POST,
// then sends the hash alone over GET: it is refused as a mutation written
// out in the query string is, with 405, and nothing is written.
func TestSwitches_PersistedMutationOverGET(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{Tokens: auth.Tokens{Write: "w"}})
	mutation := `mutation { recordInteraction(input: {accountNumber: "ACC-GET", timestamp: "2025-11-20T09:00:00Z", reason: "x", channel: VOICE, addressedBy: AGENT}) { created } }`
	sum := sha256.Sum256([]byte(mutation))
	hash := hex.EncodeToString(sum[:])
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
	// Saved without a token: the write is refused, the text is kept.
	s.postJSON(t, map[string]any{"query": mutation, "extensions": ext})

	extJSON, _ := json.Marshal(ext)
	status, h, body := s.get(t, "/graphql?extensions="+url.QueryEscape(string(extJSON)))
	if status != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" || !strings.Contains(string(body), `"METHOD_NOT_ALLOWED"`) {
		t.Errorf("a saved mutation by hash over GET: %d %s; want 405 METHOD_NOT_ALLOWED", status, body)
	}
	if resp := s.graphql(t, "", `{ interactions(accountNumber: "ACC-GET") { totalCount } }`, nil); !strings.Contains(string(resp.Data), `"totalCount":0`) {
		t.Errorf("after the refusals: %s %+v, want nothing written", resp.Data, resp.Errors)
	}
}
