package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// fuzzServe runs one request through the whole handler in process, which
// is fast enough for a fuzzer; the other tests cover the listener.
func fuzzServe(s *testServer, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Config.Handler.ServeHTTP(rec, req)
	return rec
}

// FuzzGraphQLBody posts arbitrary bodies: no answer may be a 5xx, and every
// answer in GraphQL's shape must carry a code on each error.
func FuzzGraphQLBody(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{ interactions(accountNumber: \"ACC-001\", first: 2) { edges { cursor node { id } } pageInfo { hasNextPage } } }"}`,
		`{"query":"query($f: InteractionFilter) { interactions(accountNumber: \"ACC-001\", filter: $f) { totalCount } }","variables":{"f":{"channels":["VOICE"],"from":"2025-11-14T10:00:00Z"}}}`,
		`{"query":"{ nodes(ids: [\"SW50ZXJhY3Rpb246MQ\", \"x\"]) { id } }"}`,
		`{"query":"mutation { recordInteraction(input: {accountNumber: \"A\", reason: \"r\", channel: VOICE, addressedBy: BOT}) { created } }"}`,
		`{"query":"{ __schema { types { name } } }"}`,
		`[{"query":"{ __typename }"}]`, `{"query": 1}`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	s := startTestServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := fuzzServe(s, req)
		fuzzCheckGraphQLAnswer(t, string(body), rec)
	})
}

func fuzzCheckGraphQLAnswer(t *testing.T, input string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("request %q: status %d %s", input, rec.Code, rec.Body.String())
	}
	var answer struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatalf("request %q: answer %q is not JSON", input, rec.Body.String())
	}
	for _, e := range answer.Errors {
		if code, _ := e.Extensions["code"].(string); code == "" || code == "INTERNAL_SERVER_ERROR" {
			t.Fatalf("request %q: error without a client code: %s", input, rec.Body.String())
		}
	}
}

// FuzzGraphQLGet does the same for GET /graphql query strings.
func FuzzGraphQLGet(f *testing.F) {
	f.Add("{ interactions(accountNumber: \"ACC-001\") { totalCount } }", "", "")
	f.Add("mutation { __typename }", "", "")
	f.Add("{ __typename }", "{bad", "[1]")
	s := startTestServer(f)
	f.Fuzz(func(t *testing.T, query, variables, extensions string) {
		q := url.Values{"query": {query}}
		if variables != "" {
			q.Set("variables", variables)
		}
		if extensions != "" {
			q.Set("extensions", extensions)
		}
		req := httptest.NewRequest(http.MethodGet, "/graphql?"+q.Encode(), nil)
		fuzzCheckGraphQLAnswer(t, q.Encode(), fuzzServe(s, req))
	})
}

// FuzzREST requests arbitrary account numbers and query strings from the
// REST route: every answer is a documented status with a JSON body, and a
// 4xx carries one of the documented error codes.
func FuzzREST(f *testing.F) {
	f.Add("ACC-001", "limit=2")
	f.Add("ACC-001", "limit=2&cursor=eyJsYXN0X2lkIjoyfQ==")
	f.Add("ACC%2F001", "cursor=AQC2RIRJ_IFNSICguLSK0-33MAQ")
	f.Add("%FF", "limit=;cursor=")
	f.Add("", "limit=-1")
	s := startTestServer(f)
	codes := []string{"invalid_limit", "invalid_cursor", "invalid_account_number", "invalid_query", "not_found",
		"method_not_allowed", "unauthenticated"}
	f.Fuzz(func(t *testing.T, account, query string) {
		target := "/interactions/" + account + "?" + query
		u, err := url.ParseRequestURI(target)
		if err != nil || strings.ContainsAny(target, " \r\n\t#") {
			return // not a request line an HTTP client could send
		}
		req := httptest.NewRequest(http.MethodGet, u.RequestURI(), nil)
		rec := fuzzServe(s, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusMovedPermanently,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		default:
			t.Fatalf("GET %s: status %d %s", target, rec.Code, rec.Body.String())
		}
		if rec.Code == http.StatusBadRequest || rec.Code == http.StatusNotFound && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Message == "" {
				t.Fatalf("GET %s: %d %q is not an error body", target, rec.Code, rec.Body.String())
			}
			known := false
			for _, c := range codes {
				known = known || c == e.Error.Code
			}
			if !known {
				t.Fatalf("GET %s: undocumented error code %q", target, e.Error.Code)
			}
		}
	})
}
