package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

// The cases in this file are the ones a review of the running service
// found answered wrongly; each one is held to what API.md asks.

func TestGraphQL_RefusedInputs(t *testing.T) {
	s := startTestServer(t)
	filterQuery := `query($f: InteractionFilter) { interactions(accountNumber: "ACC-001", filter: $f) { totalCount } }`
	many := make([]string, 40000)
	for i := range many {
		many[i] = "r" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
	}
	tests := []struct {
		name      string
		query     string
		vars      map[string]any
		status    int
		code      string
		argument  string
		inMessage string
	}{
		{"LowerCaseEnumForList", filterQuery, map[string]any{"f": map[string]any{"channels": "voice"}},
			http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED", "", "case-sensitive"},
		{"TooManyReasons", filterQuery, map[string]any{"f": map[string]any{"reasons": many}},
			http.StatusOK, "BAD_USER_INPUT", "filter.reasons", "100"},
		{"RepeatedChannelsAreOne", filterQuery, map[string]any{"f": map[string]any{"channels": strings.Split(strings.Repeat("VOICE,", 40000)+"CHAT", ",")}},
			http.StatusOK, "", "", ""},
		{"FirstFarOverRange", `{ interactions(accountNumber: "ACC-001", first: 5000) { totalCount edges { node { id reason } } } }`, nil,
			http.StatusOK, "BAD_USER_INPUT", "first", "between 0 and 100"},
		{"OffsetOf24Hours", filterQuery, map[string]any{"f": map[string]any{"from": "2025-11-14T10:00:00+24:00"}},
			http.StatusOK, "BAD_USER_INPUT", "filter.from", "RFC 3339"},
		{"CommaFraction", filterQuery, map[string]any{"f": map[string]any{"from": "2025-11-14T10:00:00,5Z"}},
			http.StatusOK, "BAD_USER_INPUT", "filter.from", "RFC 3339"},
		{"TenFractionDigits", filterQuery, map[string]any{"f": map[string]any{"from": "2025-11-14T10:00:00.0000000001Z"}},
			http.StatusOK, "BAD_USER_INPUT", "filter.from", "nine"},
		{"TimeAsList", filterQuery, map[string]any{"f": map[string]any{"to": []any{1}}},
			http.StatusOK, "BAD_USER_INPUT", "filter.to", "a list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.graphql(t, "", tc.query, tc.vars)
			if resp.Status != tc.status {
				t.Errorf("status %d, want %d (errors %+v)", resp.Status, tc.status, resp.Errors)
			}
			if tc.code == "" {
				if len(resp.Errors) > 0 {
					t.Errorf("errors %+v, want none", resp.Errors)
				}
				return
			}
			if len(resp.Errors) == 0 {
				t.Fatalf("no error, want %s", tc.code)
			}
			e := resp.Errors[0]
			if e.Extensions["code"] != tc.code || tc.argument != "" && e.Extensions["argument"] != tc.argument ||
				!strings.Contains(e.Message, tc.inMessage) {
				t.Errorf("error %+v, want code %s, argument %q, message naming %q", e, tc.code, tc.argument, tc.inMessage)
			}
		})
	}
	if strings.Contains(s.Logs.String(), `"level":"ERROR"`) {
		t.Errorf("a client's mistake was logged as an internal error:\n%s", s.Logs.String())
	}
}

func TestGraphQL_TransportRefusals(t *testing.T) {
	s := startTestServer(t)
	post := func(contentType, encoding, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	query := `{"query":"{ __typename }"}`
	tests := []struct {
		name, contentType, encoding, body string
		status                            int
		code                              string
	}{
		{"TrailingData", "application/json", "", query + " xyz", http.StatusBadRequest, "BAD_REQUEST"},
		{"TwoObjects", "application/json", "", query + query, http.StatusBadRequest, "BAD_REQUEST"},
		{"Gzip", "application/json", "gzip", query, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"},
		{"Latin1", "application/json; charset=iso-8859-1", "", query, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"},
		{"UTF8Charset", "application/json; charset=UTF-8", "", query, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(tc.contentType, tc.encoding, tc.body)
			if status != tc.status || tc.code != "" && !strings.Contains(body, `"code":"`+tc.code+`"`) {
				t.Errorf("status %d, body %s; want %d with code %q", status, body, tc.status, tc.code)
			}
		})
	}

	for _, param := range []string{"variables", "extensions"} {
		t.Run("GET/Bad_"+param, func(t *testing.T) {
			status, _, body := s.get(t, "/graphql?query="+url.QueryEscape("{ __typename }")+"&"+param+"="+url.QueryEscape("{bad"))
			if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"code":"GRAPHQL_PARSE_FAILED"`) {
				t.Errorf("GET with malformed %s: %d %s; want 422 GRAPHQL_PARSE_FAILED", param, status, body)
			}
		})
	}
}

func TestREST_QueryStrings(t *testing.T) {
	s := startTestServer(t)
	items := func(body []byte) int {
		var p struct{ Items []json.RawMessage }
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		return len(p.Items)
	}

	if status, hdr, body := s.get(t, "/interactions/ACC-001?limit=1&limit=2"); status != http.StatusOK || items(body) != 2 ||
		hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("repeated limit: %d, %d items, nosniff %q; want 200 with the last value's 2 items and nosniff",
			status, items(body), hdr.Get("X-Content-Type-Options"))
	}
	if status, _, body := s.get(t, "/interactions/ACC-001?limit=1;cursor=x"); status != http.StatusBadRequest ||
		!strings.Contains(string(body), `"code":"invalid_query"`) {
		t.Errorf("semicolon in the query string: %d %s; want 400 invalid_query", status, body)
	}
	upper := base64.StdEncoding.EncodeToString([]byte(`{"LAST_ID":2}`))
	if status, _, body := s.get(t, "/interactions/ACC-001?cursor="+url.QueryEscape(upper)); status != http.StatusBadRequest ||
		!strings.Contains(string(body), `"code":"invalid_cursor"`) {
		t.Errorf(`cursor {"LAST_ID":2}: %d %s; want 400 invalid_cursor (keys are case-sensitive)`, status, body)
	}
}

func TestAuth_OpenReadsIgnoreCredentials(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{Tokens: auth.Tokens{Write: mutWriteToken}})
	for _, header := range []string{"Bearer not-a-token", "Basic dXNlcjpwYXNz"} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/interactions/ACC-001", nil)
		req.Header.Set("Authorization", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("open reads with Authorization %q: %d, want 200", header, resp.StatusCode)
		}
	}
	resp, _ := mutPost(t, s, "not-a-token", mutRecord, map[string]any{"input": mutInput(nil)})
	if mutErrorCode(resp) != auth.CodeUnauthenticated {
		t.Errorf("write with a wrong token: %+v, want UNAUTHENTICATED", resp.Errors)
	}
	for _, in := range []map[string]any{{"reason": "   "}, {"agentId": ""}, {"externalId": " "}} {
		resp, _ := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(in)})
		if mutErrorCode(resp) != "BAD_USER_INPUT" {
			t.Errorf("record with %v: %+v, want BAD_USER_INPUT", in, resp.Errors)
		}
	}
}
