package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tests in this file hold GET /interactions/{account_number} to the
// original service's README and to the REST section of API.md: its clients
// were written against the original's bytes, so bytes are what is checked.

// restItem is an item with the REST keys; pointers are the nullable ones.
type restItem struct {
	ID            int     `json:"id"`
	AccountNumber string  `json:"account_number"`
	Timestamp     string  `json:"timestamp"`
	Reason        string  `json:"reason"`
	Solution      *string `json:"solution"`
	Summary       *string `json:"summary"`
	Channel       string  `json:"channel"`
	AgentID       *string `json:"agent_id"`
	AddressedBy   string  `json:"addressed_by"`
	ExternalID    *string `json:"external_id"`
}

type restPage struct {
	AccountNumber string     `json:"account_number"`
	Items         []restItem `json:"items"`
	NextCursor    *string    `json:"next_cursor"`
}

// The original service's key order, which API.md keeps.
var (
	restPageKeys = []string{"account_number", "items", "next_cursor"}
	restItemKeys = []string{"id", "account_number", "timestamp", "reason", "solution", "summary",
		"channel", "agent_id", "addressed_by", "external_id"}
)

// restDo sends one request and returns the answer without following
// redirects, so that a redirect is seen as one.
func restDo(tb testing.TB, s *testServer, method, path string) (int, http.Header, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, body
}

// restGetPage fetches a page that must succeed, checks the shape every page
// shares, and decodes it.
func restGetPage(tb testing.TB, s *testServer, path string) (restPage, []byte) {
	tb.Helper()
	status, h, body := restDo(tb, s, http.MethodGet, path)
	if status != http.StatusOK {
		tb.Fatalf("GET %s: status %d, body %s; want 200", path, status, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("GET %s: Content-Type %q; want application/json", path, ct)
	}
	restCheckKeys(tb, "GET "+path, body)
	var p restPage
	if err := json.Unmarshal(body, &p); err != nil {
		tb.Fatalf("GET %s: body %s: %v", path, body, err)
	}
	if p.Items == nil {
		tb.Errorf("GET %s: items is null; want a list", path)
	}
	for _, it := range p.Items {
		if it.Channel != strings.ToLower(it.Channel) || it.AddressedBy != strings.ToUpper(it.AddressedBy) {
			tb.Errorf("GET %s: item %d has channel %q, addressed_by %q; want channel lower-case, addressed_by upper-case", path, it.ID, it.Channel, it.AddressedBy)
		}
	}
	if p.NextCursor != nil && (*p.NextCursor == "" || url.QueryEscape(*p.NextCursor) != *p.NextCursor) {
		tb.Errorf("GET %s: next_cursor %q is not URL-safe as it stands", path, *p.NextCursor)
	}
	return p, body
}

// restCheckKeys checks that the page and each item hold every key, in the
// original's order, and nothing else.
func restCheckKeys(tb testing.TB, what string, body []byte) {
	tb.Helper()
	var top []string
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		tb.Fatalf("%s: body %s: %v", what, body, err)
	}
	top = restObjectKeys(tb, what, body)
	if !slices.Equal(top, restPageKeys) {
		tb.Errorf("%s: keys %q; want %q in that order", what, top, restPageKeys)
	}
	for i, raw := range page.Items {
		if keys := restObjectKeys(tb, what, raw); !slices.Equal(keys, restItemKeys) {
			tb.Errorf("%s: items[%d] keys %q; want %q in that order", what, i, keys, restItemKeys)
		}
	}
}

// restObjectKeys lists the keys of a JSON object in the order written.
func restObjectKeys(tb testing.TB, what string, raw []byte) []string {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		tb.Fatalf("%s: %s is not a JSON object", what, raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			tb.Fatalf("%s: %s: %v", what, raw, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			tb.Fatalf("%s: %s: %v", what, raw, err)
		}
	}
	return keys
}

// restWantError checks a REST error answer: the status, Content-Type, and a
// body of exactly {"error": {"code", "message"}}.
func restWantError(tb testing.TB, what string, status int, h http.Header, body []byte, wantStatus int, wantCode string) string {
	tb.Helper()
	if status != wantStatus {
		tb.Errorf("%s: status %d, body %s; want %d %s", what, status, body, wantStatus, wantCode)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("%s: Content-Type %q; want application/json", what, ct)
	}
	var outer map[string]json.RawMessage
	var inner map[string]string
	if json.Unmarshal(body, &outer) != nil || len(outer) != 1 || json.Unmarshal(outer["error"], &inner) != nil || len(inner) != 2 {
		tb.Fatalf("%s: body %s; want exactly {\"error\": {\"code\", \"message\"}}", what, body)
	}
	if inner["code"] != wantCode || inner["message"] == "" {
		tb.Errorf("%s: error %v; want code %q and a message", what, inner, wantCode)
	}
	return inner["message"]
}

// restFromGraphQL writes a GraphQL node as the REST route must.
func restFromGraphQL(n gqlNode) restItem {
	return restItem{
		ID: n.DatabaseID, AccountNumber: n.AccountNumber, Timestamp: n.Timestamp, Reason: n.Reason,
		Solution: n.Solution, Summary: n.Summary, Channel: strings.ToLower(n.Channel), AgentID: n.AgentID,
		AddressedBy: n.AddressedBy, ExternalID: n.ExternalID,
	}
}

func restLegacyCursor(id int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(`{"last_id": %d}`, id)))
}

// restREADMEItems is the seed README's first page, verbatim.
const restREADMEItems = `[
    {
      "id": 1,
      "account_number": "ACC-001",
      "timestamp": "2025-11-14T10:00:00Z",
      "reason": "billing",
      "solution": "invoice resent via email",
      "summary": "Customer called about missing invoice; agent resent it.",
      "channel": "voice",
      "agent_id": "agent-123",
      "addressed_by": "AGENT"
    },
    {
      "id": 2,
      "account_number": "ACC-001",
      "timestamp": "2025-11-14T11:15:00Z",
      "reason": "technical_support",
      "solution": "modem rebooted and line tested",
      "summary": "Customer reported connectivity issues; agent rebooted modem.",
      "channel": "voice",
      "agent_id": "agent-456",
      "addressed_by": "AGENT"
    }
  ]`

func TestREST_READMEExamples(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)

	// The README predates external_id; API.md adds it, and every key is
	// present, so the expected bytes are the README's plus that key.
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(restREADMEItems)); err != nil {
		t.Fatal(err)
	}
	items := strings.ReplaceAll(compact.String(), `"addressed_by":"AGENT"}`, `"addressed_by":"AGENT","external_id":null}`)
	wantPrefix := `{"account_number":"ACC-001","items":` + items + `,"next_cursor":"`

	page1, body1 := restGetPage(t, s, "/interactions/ACC-001?limit=2")
	if !bytes.HasPrefix(body1, []byte(wantPrefix)) || !bytes.HasSuffix(body1, []byte(`"}`)) {
		t.Fatalf("GET /interactions/ACC-001?limit=2:\n got %s\nwant %s<next_cursor>\"}", body1, wantPrefix)
	}
	if page1.NextCursor == nil {
		t.Fatalf("GET /interactions/ACC-001?limit=2: next_cursor null; want a cursor, rows 3 to 5 remain")
	}

	// The second example, with the original service's own cursor, verbatim.
	page2, body2 := restGetPage(t, s, "/interactions/ACC-001?limit=2&cursor=eyJsYXN0X2lkIjoyfQ==")
	if ids := restIDs(page2); !slices.Equal(ids, []int{3, 4}) || page2.NextCursor == nil {
		t.Errorf("GET /interactions/ACC-001?limit=2&cursor=eyJsYXN0X2lkIjoyfQ==: ids %v, next_cursor %v; want 3, 4 and a cursor", ids, page2.NextCursor)
	}
	_, viaNext := restGetPage(t, s, "/interactions/ACC-001?limit=2&cursor="+*page1.NextCursor)
	if !bytes.Equal(body2, viaNext) {
		t.Errorf("the README's cursor and page 1's next_cursor give different pages:\n%s\n%s", body2, viaNext)
	}

	for _, tc := range []struct {
		cursor string
		want   []int
	}{
		{restLegacyCursor(1), []int{2, 3}},
		{restLegacyCursor(4), []int{5}},
		{restLegacyCursor(5), nil},
		{"eyJsYXN0X2lkIjoyfQ", []int{3, 4}}, // padding dropped
	} {
		p, _ := restGetPage(t, s, "/interactions/ACC-001?limit=2&cursor="+url.QueryEscape(tc.cursor))
		if ids := restIDs(p); !slices.Equal(ids, tc.want) && !(len(ids) == 0 && len(tc.want) == 0) {
			t.Errorf("GET ?limit=2&cursor=%s: ids %v; want %v", tc.cursor, ids, tc.want)
		}
		if last := len(tc.want) == 0 || tc.want[len(tc.want)-1] == 5; last != (p.NextCursor == nil) {
			t.Errorf("GET ?limit=2&cursor=%s: next_cursor %v; want null exactly on the last page", tc.cursor, p.NextCursor)
		}
	}
}

func restIDs(p restPage) []int {
	ids := make([]int, len(p.Items))
	for i, it := range p.Items {
		ids[i] = it.ID
	}
	return ids
}

func TestREST_Values(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	p, body := restGetPage(t, s, "/interactions/ACC-001")
	if !slices.Equal(restIDs(p), []int{1, 2, 3, 4, 5}) || p.NextCursor != nil {
		t.Fatalf("GET /interactions/ACC-001: ids %v, next_cursor %v; want 1..5 and null (default limit 20)", restIDs(p), p.NextCursor)
	}
	// Row 5 has no solution, summary, agent or external ID: each is null,
	// and still present.
	want5 := `{"id":5,"account_number":"ACC-001","timestamp":"2025-11-18T08:45:00Z","reason":"technical_support",` +
		`"solution":null,"summary":null,"channel":"sms","agent_id":null,"addressed_by":"BOT","external_id":null}]`
	if !bytes.Contains(body, []byte(want5)) {
		t.Errorf("GET /interactions/ACC-001: body %s; want the last item written as %s", body, want5)
	}
	channels := map[int]string{}
	for _, it := range p.Items {
		channels[it.ID] = it.Channel
	}
	if want := map[int]string{1: "voice", 2: "voice", 3: "chat", 4: "email", 5: "sms"}; !reflect.DeepEqual(channels, want) {
		t.Errorf("GET /interactions/ACC-001: channels %v; want %v", channels, want)
	}
	p2, _ := restGetPage(t, s, "/interactions/ACC-002")
	if !slices.Equal(restIDs(p2), []int{6, 7}) || p2.Items[1].Channel != "web" || p2.AccountNumber != "ACC-002" {
		t.Errorf("GET /interactions/ACC-002: %+v; want ids 6, 7, the second on channel web", p2)
	}
}

// TestREST_WalkMatchesGraphQL pages through accounts at several limits and
// holds each page to the GraphQL field it is served by.
func TestREST_WalkMatchesGraphQL(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "interactions.db")
	s := gqlStartServerAt(t, path, []string{"*"})
	// Out-of-order timestamps, ties and external IDs, so that the order is
	// visibly (timestamp, id) and external_id is written when present.
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]gqlRow, 25)
	for i := range rows {
		rows[i] = gqlRow{Account: "WALK", TS: t0.Add(time.Duration((i*7)%10) * time.Hour).Add(time.Duration(i%3) * time.Millisecond / 2),
			Channel: []string{"VOICE", "CHAT", "EMAIL", "SMS", "SOCIAL", "WEB"}[i%6], AddressedBy: []string{"AGENT", "BOT"}[i%2]}
		if i%4 == 0 {
			rows[i].ExternalID = fmt.Sprintf("ext-%d", i)
			rows[i].AgentID = "agent-9"
		}
	}
	gqlInsert(t, path, rows...)

	for _, tc := range []struct {
		account string
		limit   int // 0: left out
	}{
		{"ACC-001", 1}, {"ACC-001", 2}, {"ACC-001", 4}, {"ACC-001", 5}, {"ACC-001", 0}, {"ACC-002", 1},
		{"WALK", 1}, {"WALK", 7}, {"WALK", 0}, {"WALK", 25}, {"WALK", 100},
	} {
		t.Run(fmt.Sprintf("%s limit %d", tc.account, tc.limit), func(t *testing.T) {
			all := gqlPage(t, s, map[string]any{"accountNumber": tc.account, "first": 100})
			limit := tc.limit
			if limit == 0 {
				limit = 20
			}
			var walked []int
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 30 {
					t.Fatalf("more than 30 pages; walked %v", walked)
				}
				q := url.Values{}
				if tc.limit != 0 {
					q.Set("limit", fmt.Sprint(tc.limit))
				}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				reqPath := "/interactions/" + tc.account + "?" + q.Encode()
				p, _ := restGetPage(t, s, reqPath)
				if p.AccountNumber != tc.account {
					t.Errorf("GET %s: account_number %q; want %q", reqPath, p.AccountNumber, tc.account)
				}

				// The same page over GraphQL: same items, and next_cursor is
				// its endCursor exactly when there is a next page.
				g := gqlPage(t, s, map[string]any{"accountNumber": tc.account, "first": limit, "after": cursor})
				want := make([]restItem, len(g.Nodes))
				for i, n := range g.Nodes {
					want[i] = restFromGraphQL(n)
				}
				if !reflect.DeepEqual(p.Items, want) {
					t.Errorf("GET %s: items %+v\nwant GraphQL's %+v", reqPath, p.Items, want)
				}
				var wantNext *string
				if g.PageInfo.HasNextPage {
					wantNext = g.PageInfo.EndCursor
				}
				if !reflect.DeepEqual(p.NextCursor, wantNext) {
					t.Errorf("GET %s: next_cursor %v; want GraphQL's endCursor %v when hasNextPage %v",
						reqPath, restDeref(p.NextCursor), restDeref(wantNext), g.PageInfo.HasNextPage)
				}

				walked = append(walked, restIDs(p)...)
				if p.NextCursor == nil {
					break
				}
				if len(p.Items) != limit {
					t.Errorf("GET %s: %d items before the last page; want %d", reqPath, len(p.Items), limit)
				}
				cursor = *p.NextCursor
			}
			if !slices.Equal(walked, all.ids()) {
				t.Errorf("walking limit %d: ids %v; want every row exactly once, in order: %v", tc.limit, walked, all.ids())
			}
		})
	}

	t.Run("a GraphQL endCursor is a REST cursor", func(t *testing.T) {
		g := gqlPage(t, s, map[string]any{"accountNumber": "WALK", "first": 3})
		rest, _ := restGetPage(t, s, "/interactions/WALK?limit=4&cursor="+*g.PageInfo.EndCursor)
		g2 := gqlPage(t, s, map[string]any{"accountNumber": "WALK", "first": 4, "after": *g.PageInfo.EndCursor})
		if !slices.Equal(restIDs(rest), g2.ids()) {
			t.Errorf("REST after GraphQL endCursor: ids %v; want %v", restIDs(rest), g2.ids())
		}
		// A legacy cursor means the same position as the row's own cursor.
		legacy, _ := restGetPage(t, s, "/interactions/WALK?limit=4&cursor="+url.QueryEscape(restLegacyCursor(g.Nodes[2].DatabaseID)))
		if !reflect.DeepEqual(legacy, rest) {
			t.Errorf("REST after {\"last_id\": %d}: %+v; want the page after that row's cursor %+v", g.Nodes[2].DatabaseID, legacy, rest)
		}
	})
}

func restDeref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func TestREST_BadRequests(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	other := gqlPage(t, s, map[string]any{"accountNumber": "ACC-002", "first": 1})
	filtered := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 1, "filter": map[string]any{"channels": []string{"VOICE"}}})
	desc := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 1, "orderBy": map[string]any{"field": "TIMESTAMP", "direction": "DESC"}})

	for _, tc := range []struct {
		name, path, code string
	}{
		{"limit 0", "/interactions/ACC-001?limit=0", "invalid_limit"},
		{"limit 101", "/interactions/ACC-001?limit=101", "invalid_limit"},
		{"limit -1", "/interactions/ACC-001?limit=-1", "invalid_limit"},
		{"limit abc", "/interactions/ACC-001?limit=abc", "invalid_limit"},
		{"limit 1.5", "/interactions/ACC-001?limit=1.5", "invalid_limit"},
		{"limit 2abc", "/interactions/ACC-001?limit=2abc", "invalid_limit"},
		{"limit huge", "/interactions/ACC-001?limit=99999999999999999999", "invalid_limit"},
		{"malformed cursor", "/interactions/ACC-001?cursor=abc", "invalid_cursor"},
		{"cursor of symbols", "/interactions/ACC-001?cursor=%21%21%21", "invalid_cursor"},
		{"base64 JSON without last_id", "/interactions/ACC-001?cursor=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(`{"foo": 1}`))), "invalid_cursor"},
		{"legacy cursor of another account's row", "/interactions/ACC-001?cursor=" + url.QueryEscape(restLegacyCursor(6)), "invalid_cursor"},
		{"legacy cursor of no row", "/interactions/ACC-001?cursor=" + url.QueryEscape(restLegacyCursor(999)), "invalid_cursor"},
		{"legacy cursor of id 0", "/interactions/ACC-001?cursor=" + url.QueryEscape(restLegacyCursor(0)), "invalid_cursor"},
		{"legacy cursor for an account with no rows", "/interactions/NOPE?cursor=" + url.QueryEscape(restLegacyCursor(1)), "invalid_cursor"},
		{"cursor of another account", "/interactions/ACC-001?cursor=" + *other.PageInfo.EndCursor, "invalid_cursor"},
		{"cursor of a filtered connection", "/interactions/ACC-001?cursor=" + *filtered.PageInfo.EndCursor, "invalid_cursor"},
		{"cursor of DESC order", "/interactions/ACC-001?cursor=" + *desc.PageInfo.EndCursor, "invalid_cursor"},
		{"account with a space", "/interactions/ACC%20001", "invalid_account_number"},
		{"account with a tab", "/interactions/ACC%09001", "invalid_account_number"},
		{"account with a control character", "/interactions/ACC%01001", "invalid_account_number"},
		{"account with DEL", "/interactions/ACC%7F001", "invalid_account_number"},
		{"account over 64 characters", "/interactions/" + strings.Repeat("A", 65), "invalid_account_number"},
		{"account over 64 multi-byte characters", "/interactions/" + strings.Repeat("%C3%A9", 65), "invalid_account_number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := restDo(t, s, http.MethodGet, tc.path)
			msg := restWantError(t, "GET "+tc.path, status, h, body, http.StatusBadRequest, tc.code)
			// The message names what the client sent, in REST's terms.
			word := map[string]string{"invalid_limit": "limit", "invalid_cursor": "cursor", "invalid_account_number": "account"}[tc.code]
			if !strings.Contains(strings.ToLower(msg), word) {
				t.Errorf("GET %s: message %q does not mention %s", tc.path, msg, word)
			}
			for _, graphqlTerm := range []string{"after", "first", "accountNumber"} {
				if strings.Contains(msg, graphqlTerm+":") {
					t.Errorf("GET %s: message %q names GraphQL's argument %s, which a REST client did not send", tc.path, msg, graphqlTerm)
				}
			}
		})
	}

	t.Run("64 characters is valid", func(t *testing.T) {
		for _, acc := range []string{strings.Repeat("A", 64), strings.Repeat("%C3%A9", 64)} {
			p, _ := restGetPage(t, s, "/interactions/"+acc)
			if len(p.Items) != 0 || p.NextCursor != nil {
				t.Errorf("GET /interactions/%s: %+v; want an empty page", acc, p)
			}
		}
	})
}

func TestREST_EmptyParametersAreAbsent(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	_, none := restGetPage(t, s, "/interactions/ACC-001")
	_, two := restGetPage(t, s, "/interactions/ACC-001?limit=2")
	for _, tc := range []struct {
		path string
		want []byte
	}{
		{"/interactions/ACC-001?limit=", none},
		{"/interactions/ACC-001?cursor=", none},
		{"/interactions/ACC-001?limit=&cursor=", none},
		{"/interactions/ACC-001?cursor=&limit=2", two},
		{"/interactions/ACC-001?limit=2&cursor=", two},
		{"/interactions/ACC-001?limit=2&unknown=x", two},
	} {
		if _, body := restGetPage(t, s, tc.path); !bytes.Equal(body, tc.want) {
			t.Errorf("GET %s: %s\nwant %s", tc.path, body, tc.want)
		}
	}
}

func TestREST_EscapedAccountNumbers(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "interactions.db")
	s := gqlStartServerAt(t, path, []string{"*"})
	ts := time.Date(2025, 11, 20, 9, 0, 0, 0, time.UTC)
	accounts := []string{"ACC/001", "ACC-é", "a%b", "a+b", "ACC?1#2"}
	rows := make([]gqlRow, len(accounts))
	for i, a := range accounts {
		rows[i] = gqlRow{Account: a, TS: ts}
	}
	ids := gqlInsert(t, path, rows...)

	for _, tc := range []struct {
		path, account string
		id            int
	}{
		{"/interactions/ACC%2F001", "ACC/001", ids[0]},
		{"/interactions/ACC%2f001", "ACC/001", ids[0]},
		{"/interactions/ACC-%C3%A9", "ACC-é", ids[1]},
		{"/interactions/a%25b", "a%b", ids[2]},
		{"/interactions/a+b", "a+b", ids[3]}, // '+' is a plus in a path, not a space
		{"/interactions/a%2Bb", "a+b", ids[3]},
		{"/interactions/ACC%3F1%232", "ACC?1#2", ids[4]},
		{"/interactions/ACC%2D001", "ACC-001", 1},
	} {
		t.Run(tc.path, func(t *testing.T) {
			p, _ := restGetPage(t, s, tc.path)
			if p.AccountNumber != tc.account || len(p.Items) == 0 || p.Items[0].ID != tc.id || p.Items[0].AccountNumber != tc.account {
				t.Errorf("GET %s: %+v; want account_number %q and first item %d of that account", tc.path, p, tc.account, tc.id)
			}
		})
	}
}

func TestREST_Paths(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	for _, p := range []string{"/interactions/", "/interactions", "/interactions/ACC-001/items"} {
		status, h, body := restDo(t, s, http.MethodGet, p)
		if status == http.StatusNotFound && strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			restWantError(t, "GET "+p, status, h, body, http.StatusNotFound, "not_found")
		} else if status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, body %s; want 404", p, status, body)
		}
	}

	// A trailing slash may be refused or redirected to the path without it.
	status, h, body := restDo(t, s, http.MethodGet, "/interactions/ACC-001/?limit=2")
	switch {
	case status == http.StatusNotFound:
	case status >= 300 && status < 400:
		loc, err := url.Parse(h.Get("Location"))
		if err != nil || loc.Path != "/interactions/ACC-001" {
			t.Errorf("GET /interactions/ACC-001/: redirect to %q; want /interactions/ACC-001", h.Get("Location"))
		}
	default:
		t.Errorf("GET /interactions/ACC-001/: status %d, body %s; want 404 or a redirect", status, body)
	}

	_, none := restGetPage(t, s, "/interactions/NO-SUCH-ACCOUNT")
	if want := `{"account_number":"NO-SUCH-ACCOUNT","items":[],"next_cursor":null}`; string(none) != want {
		t.Errorf("GET /interactions/NO-SUCH-ACCOUNT: %s; want %s", none, want)
	}
	_, none = restGetPage(t, s, "/interactions/NO-SUCH-ACCOUNT?limit=1&cursor=")
	if want := `{"account_number":"NO-SUCH-ACCOUNT","items":[],"next_cursor":null}`; string(none) != want {
		t.Errorf("GET /interactions/NO-SUCH-ACCOUNT?limit=1: %s; want %s", none, want)
	}
}

func TestREST_Methods(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	for _, m := range []string{http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodPatch} {
		t.Run(m, func(t *testing.T) {
			status, h, body := restDo(t, s, m, "/interactions/ACC-001")
			restWantError(t, m+" /interactions/ACC-001", status, h, body, http.StatusMethodNotAllowed, "method_not_allowed")
			allow := h.Get("Allow")
			if !strings.Contains(allow, "GET") || !strings.Contains(allow, "HEAD") {
				t.Errorf("%s /interactions/ACC-001: Allow %q; want it to list GET and HEAD", m, allow)
			}
		})
	}
}

func TestREST_Head(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	for _, p := range []string{
		"/interactions/ACC-001?limit=2",
		"/interactions/ACC-001",
		"/interactions/ACC-001?limit=2&cursor=eyJsYXN0X2lkIjoyfQ==",
		"/interactions/NOPE",
		"/interactions/ACC-001?limit=0",
		"/interactions/ACC%20001",
		"/interactions/",
	} {
		t.Run(p, func(t *testing.T) {
			gs, gh, gb := restDo(t, s, http.MethodGet, p)
			hs, hh, hb := restDo(t, s, http.MethodHead, p)
			if hs != gs {
				t.Errorf("HEAD %s: status %d; GET gave %d", p, hs, gs)
			}
			if len(hb) != 0 {
				t.Errorf("HEAD %s: body %q; want none", p, hb)
			}
			if gh.Get("Content-Length") != fmt.Sprint(len(gb)) {
				t.Errorf("GET %s: Content-Length %q for a %d-byte body", p, gh.Get("Content-Length"), len(gb))
			}
			// Date and the request's own ID differ from one request to the next.
			for _, h := range []http.Header{gh, hh} {
				h.Del("Date")
				h.Del("X-Request-Id")
			}
			if !reflect.DeepEqual(gh, hh) {
				t.Errorf("HEAD %s: headers %v; want GET's %v", p, hh, gh)
			}
		})
	}
}

// TestREST_InternalError closes the database under a running server.
func TestREST_InternalError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "interactions.db")
	s := gqlStartServerAt(t, path, []string{"*"})
	s.DB.Close()

	var ids []string
	for _, p := range []string{"/interactions/ACC-001?limit=2", "/interactions/ACC-001?cursor=eyJsYXN0X2lkIjoyfQ=="} {
		status, h, body := restDo(t, s, http.MethodGet, p)
		msg := restWantError(t, "GET "+p+" on a closed database", status, h, body, http.StatusInternalServerError, "internal")
		id := h.Get("X-Request-ID")
		if id == "" || !strings.Contains(msg, id) {
			t.Errorf("GET %s: message %q; want it to hold the X-Request-ID %q", p, msg, id)
		}
		ids = append(ids, id)
		for _, leak := range []string{"sql", "SQL", "sqlite", "database", "closed", path, filepath.Dir(path), "interactions.db", ".go:"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("GET %s: body %s reveals %q", p, body, leak)
			}
		}
	}

	// Closing waits for the handlers, so the logs are complete and safe to read.
	s.Close()
	logs := s.Logs.String()
	for _, id := range ids {
		if !strings.Contains(logs, id) {
			t.Errorf("logs do not mention request ID %s:\n%s", id, logs)
		}
	}
	if !strings.Contains(logs, "database is closed") {
		t.Errorf("logs do not hold the cause (sql: database is closed):\n%s", logs)
	}
}

// TestREST_TextAsPythonWritesIt checks a text's bytes against what the
// original service's json.dumps (ensure_ascii off) wrote for it: HTML
// characters and the line and paragraph separators raw, control characters
// as short escapes or \u00xx in lower case, and an escape's own text kept.
func TestREST_TextAsPythonWritesIt(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "interactions.db")
	s := gqlStartServerAt(t, path, []string{"*"})
	reason := "a<b>&c\u2028d\u2029e\\u2028f\"g\\h\x01i\x1fj\x7fk\u2027l\\\u2028m"
	gqlInsert(t, path, gqlRow{Account: "ACC-TEXT", TS: time.Date(2025, 11, 20, 9, 0, 0, 0, time.UTC), Reason: reason})

	_, _, body := restDo(t, s, http.MethodGet, "/interactions/ACC-TEXT")
	want := `"reason":"a<b>&c` + "\u2028" + `d` + "\u2029" + `e\\u2028f\"g\\h\u0001i\u001fj` + "\x7f" + `k` + "\u2027" + `l\\` + "\u2028" + `m"`
	if !bytes.Contains(body, []byte(want)) {
		t.Errorf("GET /interactions/ACC-TEXT:\n%s\nwant it to hold\n%s", body, want)
	}
	var p restPage
	if err := json.Unmarshal(body, &p); err != nil || len(p.Items) != 1 || p.Items[0].Reason != reason {
		t.Errorf("the body does not decode back to the stored reason: %v %+v", err, p)
	}
}
