package main

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/interactions-api/interactions/store"
)

// The tests in this file hold the GraphQL side of the service to the read
// rules of API.md, over a real HTTP listener and a real SQLite file.

// gqlStartServerAt serves a seeded database file whose path the test
// chooses, so that it can add the rows the seed lacks through its own
// connection.
func gqlStartServerAt(tb testing.TB, path string, corsOrigins []string) *testServer {
	tb.Helper()
	return startTestServerAt(tb, path, store.Options{Seed: true}, handlerOptions{CORSOrigins: corsOrigins})
}

// gqlRow is a row to add to a test database; empty optional strings are NULL.
type gqlRow struct {
	Account     string
	TS          time.Time
	Reason      string
	Channel     string // upper-case, as the store keeps it
	AddressedBy string
	AgentID     string
	ExternalID  string
}

// gqlInsert adds rows to the database file at path through a connection of
// its own and returns their ids, in order.
func gqlInsert(tb testing.TB, path string, rows ...gqlRow) []int {
	tb.Helper()
	conn, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer conn.Close()
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	ids := make([]int, len(rows))
	for i, r := range rows {
		if r.Reason == "" {
			r.Reason = "billing"
		}
		if r.Channel == "" {
			r.Channel = "VOICE"
		}
		if r.AddressedBy == "" {
			r.AddressedBy = "AGENT"
		}
		res, err := conn.Exec(`INSERT INTO interactions
			(account_number, ts, reason, solution, summary, channel, agent_id, addressed_by, external_id)
			VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?)`,
			r.Account, r.TS.UnixNano(), r.Reason, r.Channel, null(r.AgentID), r.AddressedBy, null(r.ExternalID))
		if err != nil {
			tb.Fatalf("insert %+v: %v", r, err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			tb.Fatal(err)
		}
		ids[i] = int(id)
	}
	return ids
}

// gqlExec runs a statement on the database file at path through a
// connection of its own.
func gqlExec(tb testing.TB, path, stmt string, args ...any) {
	tb.Helper()
	conn, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer conn.Close()
	if _, err := conn.Exec(stmt, args...); err != nil {
		tb.Fatalf("%s %v: %v", stmt, args, err)
	}
}

// gqlResult is an HTTP answer from /graphql, raw and, when it is JSON,
// decoded.
type gqlResult struct {
	gqlResponse
	Header http.Header
	Body   []byte
}

// gqlDo sends one request to the server and decodes a JSON answer. Every
// GraphQL error of every answer must carry extensions.code (API.md,
// Errors), so that is checked here, for every test, once.
func gqlDo(tb testing.TB, s *testServer, method, path, contentType string, body []byte, header http.Header) gqlResult {
	tb.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	out := gqlResult{gqlResponse: gqlResponse{Status: resp.StatusCode}, Header: resp.Header, Body: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/graphql-response+json") {
		if err := json.Unmarshal(raw, &out.gqlResponse); err != nil {
			tb.Fatalf("%s %s: status %d, body %q is not JSON: %v", method, path, resp.StatusCode, raw, err)
		}
		out.Status = resp.StatusCode
		gqlCheckCodes(tb, method+" "+path, out.gqlResponse, raw)
	}
	return out
}

func gqlCheckCodes(tb testing.TB, what string, r gqlResponse, raw []byte) {
	tb.Helper()
	for i, e := range r.Errors {
		if code, _ := e.Extensions["code"].(string); code == "" {
			tb.Errorf("%s: errors[%d] has no extensions.code; body: %s", what, i, raw)
		}
	}
}

// gqlQuery posts a query as JSON, as Apollo and urql do.
func gqlQuery(tb testing.TB, s *testServer, query string, vars map[string]any) gqlResult {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		tb.Fatal(err)
	}
	return gqlDo(tb, s, http.MethodPost, "/graphql", "application/json", body, nil)
}

const gqlNodeFields = `id databaseId accountNumber timestamp reason solution summary channel agentId addressedBy externalId`

const gqlConnFields = `edges { cursor node { ` + gqlNodeFields + ` } }
	nodes { ` + gqlNodeFields + ` }
	pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	totalCount`

type gqlNode struct {
	ID            string  `json:"id"`
	DatabaseID    int     `json:"databaseId"`
	AccountNumber string  `json:"accountNumber"`
	Timestamp     string  `json:"timestamp"`
	Reason        string  `json:"reason"`
	Solution      *string `json:"solution"`
	Summary       *string `json:"summary"`
	Channel       string  `json:"channel"`
	AgentID       *string `json:"agentId"`
	AddressedBy   string  `json:"addressedBy"`
	ExternalID    *string `json:"externalId"`
}

type gqlPageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

type gqlConn struct {
	Edges []struct {
		Cursor string  `json:"cursor"`
		Node   gqlNode `json:"node"`
	} `json:"edges"`
	Nodes      []gqlNode   `json:"nodes"`
	PageInfo   gqlPageInfo `json:"pageInfo"`
	TotalCount int         `json:"totalCount"`
}

func (c gqlConn) ids() []int {
	out := make([]int, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node.DatabaseID
	}
	return out
}

func (c gqlConn) cursors() []string {
	out := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Cursor
	}
	return out
}

// gqlArgTypes are the interactions field's arguments and the types of the
// variables that carry them.
var gqlArgTypes = map[string]string{
	"accountNumber": "String!", "first": "Int", "after": "String", "last": "Int",
	"before": "String", "filter": "InteractionFilter", "orderBy": "InteractionOrder",
}

// gqlInteractionsQuery passes exactly the arguments in vars, so that an
// argument the test leaves out is absent, not null, and its default applies.
func gqlInteractionsQuery(vars map[string]any) string {
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	decls := make([]string, len(names))
	args := make([]string, len(names))
	for i, n := range names {
		decls[i] = "$" + n + ": " + gqlArgTypes[n]
		args[i] = n + ": $" + n
	}
	return fmt.Sprintf("query(%s) { interactions(%s) { %s } }",
		strings.Join(decls, ", "), strings.Join(args, ", "), gqlConnFields)
}

// gqlPage asks for one page and fails the test unless it came back whole.
func gqlPage(tb testing.TB, s *testServer, vars map[string]any) gqlConn {
	tb.Helper()
	res := gqlQuery(tb, s, gqlInteractionsQuery(vars), vars)
	if res.Status != http.StatusOK || len(res.Errors) > 0 {
		tb.Fatalf("interactions(%v): status %d, body %s; want 200 without errors", vars, res.Status, res.Body)
	}
	var data struct {
		Interactions gqlConn `json:"interactions"`
	}
	if err := json.Unmarshal(res.Data, &data); err != nil {
		tb.Fatalf("interactions(%v): data %s: %v", vars, res.Data, err)
	}
	c := data.Interactions
	// nodes is a shortcut for edges' nodes; holding it to that here checks
	// it on every page every test asks for.
	edgeNodes := make([]gqlNode, len(c.Edges))
	for i, e := range c.Edges {
		edgeNodes[i] = e.Node
	}
	if !reflect.DeepEqual(edgeNodes, c.Nodes) && !(len(edgeNodes) == 0 && len(c.Nodes) == 0) {
		tb.Errorf("interactions(%v): nodes %+v differ from edges' nodes %+v", vars, c.Nodes, edgeNodes)
	}
	// Cursors are URL-safe and short, on every page.
	for _, cur := range c.cursors() {
		if len(cur) == 0 || len(cur) > 200 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			tb.Errorf("interactions(%v): cursor %q is not 1 to 200 characters of A-Z a-z 0-9 - _", vars, cur)
		}
	}
	if n := len(c.Edges); n == 0 {
		if c.PageInfo.StartCursor != nil || c.PageInfo.EndCursor != nil {
			tb.Errorf("interactions(%v): no edges but startCursor %v, endCursor %v; want both null", vars, c.PageInfo.StartCursor, c.PageInfo.EndCursor)
		}
	} else if c.PageInfo.StartCursor == nil || *c.PageInfo.StartCursor != c.Edges[0].Cursor ||
		c.PageInfo.EndCursor == nil || *c.PageInfo.EndCursor != c.Edges[n-1].Cursor {
		tb.Errorf("interactions(%v): startCursor/endCursor %v/%v are not the first and last edge's cursors %q/%q",
			vars, c.PageInfo.StartCursor, c.PageInfo.EndCursor, c.Edges[0].Cursor, c.Edges[n-1].Cursor)
	}
	return c
}

// gqlWantBadInput checks that an executed answer (HTTP 200) holds a
// BAD_USER_INPUT error naming argument.
func gqlWantBadInput(tb testing.TB, what string, res gqlResult, argument string) {
	tb.Helper()
	if res.Status != http.StatusOK {
		tb.Errorf("%s: status %d; want 200 (an executed response), body %s", what, res.Status, res.Body)
	}
	if len(res.Errors) == 0 {
		tb.Fatalf("%s: no errors, body %s; want BAD_USER_INPUT for %s", what, res.Body, argument)
	}
	for _, e := range res.Errors {
		if e.Extensions["code"] == "BAD_USER_INPUT" && e.Extensions["argument"] == argument {
			return
		}
	}
	tb.Errorf("%s: errors %s; want one with extensions {code: BAD_USER_INPUT, argument: %q}", what, res.Body, argument)
}

func gqlIDs(ids ...int) []int { return ids }

func TestGraphQL_Order(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)

	def := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001"})
	if got, want := def.ids(), gqlIDs(1, 2, 3, 4, 5); !slices.Equal(got, want) {
		t.Fatalf("interactions(ACC-001) with no orderBy: ids %v; want the seed rows in order %v", got, want)
	}
	if got, want := gqlPage(t, s, map[string]any{"accountNumber": "ACC-002"}).ids(), gqlIDs(6, 7); !slices.Equal(got, want) {
		t.Errorf("interactions(ACC-002): ids %v; want %v", got, want)
	}

	t.Run("explicit ASC is the default order, cursors included", func(t *testing.T) {
		asc := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001",
			"orderBy": map[string]any{"field": "TIMESTAMP", "direction": "ASC"}})
		if !reflect.DeepEqual(asc, def) {
			t.Errorf("orderBy {TIMESTAMP, ASC}: %+v\nwant the default answer %+v", asc, def)
		}
		// As a literal too: the default is declared in the schema, and a
		// literal takes another path through gqlgen than a variable.
		res := gqlQuery(t, s, `{ interactions(accountNumber: "ACC-001", orderBy: {field: TIMESTAMP, direction: ASC}) { `+gqlConnFields+` } }`, nil)
		var data struct{ Interactions gqlConn }
		if err := json.Unmarshal(res.Data, &data); err != nil || len(res.Errors) > 0 {
			t.Fatalf("literal orderBy ASC: body %s", res.Body)
		}
		if !reflect.DeepEqual(data.Interactions, def) {
			t.Errorf("literal orderBy ASC: %+v\nwant the default answer %+v", data.Interactions, def)
		}
	})

	t.Run("DESC", func(t *testing.T) {
		desc := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001",
			"orderBy": map[string]any{"field": "TIMESTAMP", "direction": "DESC"}})
		if got, want := desc.ids(), gqlIDs(5, 4, 3, 2, 1); !slices.Equal(got, want) {
			t.Errorf("orderBy DESC: ids %v; want %v", got, want)
		}
		if desc.PageInfo.HasNextPage || desc.PageInfo.HasPreviousPage || desc.TotalCount != 5 {
			t.Errorf("orderBy DESC, whole set: pageInfo %+v, totalCount %d; want no next, no previous, 5", desc.PageInfo, desc.TotalCount)
		}
	})
}

// TestGraphQL_OrderTies checks that timestamp, not insertion, orders rows,
// and that databaseId breaks ties in the requested direction.
func TestGraphQL_OrderTies(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "interactions.db")
	s := gqlStartServerAt(t, path, []string{"*"})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := gqlInsert(t, path,
		gqlRow{Account: "TIES", TS: t0.Add(2 * time.Hour)},
		gqlRow{Account: "TIES", TS: t0.Add(time.Hour)},
		gqlRow{Account: "TIES", TS: t0.Add(time.Hour)},
		gqlRow{Account: "TIES", TS: t0},
	)
	asc := []int{ids[3], ids[1], ids[2], ids[0]}
	desc := []int{ids[0], ids[2], ids[1], ids[3]}
	for _, tc := range []struct {
		dir  string
		want []int
	}{{"ASC", asc}, {"DESC", desc}} {
		t.Run(tc.dir, func(t *testing.T) {
			order := map[string]any{"field": "TIMESTAMP", "direction": tc.dir}
			all := gqlPage(t, s, map[string]any{"accountNumber": "TIES", "orderBy": order})
			if !slices.Equal(all.ids(), tc.want) {
				t.Fatalf("orderBy %s: ids %v; want %v", tc.dir, all.ids(), tc.want)
			}
			// Page one row at a time so that every seek crosses the tie.
			var walked []int
			after := ""
			for range 10 {
				p := gqlPage(t, s, map[string]any{"accountNumber": "TIES", "orderBy": order, "first": 1, "after": after})
				walked = append(walked, p.ids()...)
				if !p.PageInfo.HasNextPage {
					break
				}
				after = *p.PageInfo.EndCursor
			}
			if !slices.Equal(walked, tc.want) {
				t.Errorf("orderBy %s, first: 1 page by page: ids %v; want %v", tc.dir, walked, tc.want)
			}
		})
	}
}

// gqlSeedPage returns the page of ACC-001's seeded rows and each row's
// cursor by its database ID, after checking that the seed is the five
// rows expected.
func gqlSeedPage(t *testing.T, s *testServer) (gqlConn, map[int]string) {
	t.Helper()
	all := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001"})
	if !slices.Equal(all.ids(), gqlIDs(1, 2, 3, 4, 5)) {
		t.Fatalf("interactions(ACC-001): ids %v; want 1..5", all.ids())
	}
	c := map[int]string{}
	for _, e := range all.Edges {
		c[e.Node.DatabaseID] = e.Cursor
	}
	return all, c
}

func TestGraphQL_Pagination(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	all, c := gqlSeedPage(t, s)

	for _, tc := range []struct {
		name       string
		args       map[string]any
		want       []int
		next, prev bool
	}{
		{"first 2", map[string]any{"first": 2}, gqlIDs(1, 2), true, false},
		{"first 5, the whole set", map[string]any{"first": 5}, gqlIDs(1, 2, 3, 4, 5), false, false},
		{"first 100", map[string]any{"first": 100}, gqlIDs(1, 2, 3, 4, 5), false, false},
		{"first 2 after 2: previous exists before the cursor", map[string]any{"first": 2, "after": c[2]}, gqlIDs(3, 4), true, true},
		{"first 2 after 4: the end", map[string]any{"first": 2, "after": c[4]}, gqlIDs(5), false, true},
		{"first 2 after 5: past the end", map[string]any{"first": 2, "after": c[5]}, nil, false, true},
		{"last 2", map[string]any{"last": 2}, gqlIDs(4, 5), false, true},
		{"last 5", map[string]any{"last": 5}, gqlIDs(1, 2, 3, 4, 5), false, false},
		{"last 2 before 4: next exists from the cursor on", map[string]any{"last": 2, "before": c[4]}, gqlIDs(2, 3), true, true},
		{"last 2 before 2: the start", map[string]any{"last": 2, "before": c[2]}, gqlIDs(1), true, false},
		{"last 2 before 1: before the start", map[string]any{"last": 2, "before": c[1]}, nil, true, false},
		{"last 2 after 2", map[string]any{"last": 2, "after": c[2]}, gqlIDs(4, 5), false, true},
		{"last 3 after 2: all of W", map[string]any{"last": 3, "after": c[2]}, gqlIDs(3, 4, 5), false, false},
		{"first 2 before 5", map[string]any{"first": 2, "before": c[5]}, gqlIDs(1, 2), true, false},
		{"after and before, default first 20", map[string]any{"after": c[1], "before": c[5]}, gqlIDs(2, 3, 4), false, true},
		{"before only, default last 20", map[string]any{"before": c[3]}, gqlIDs(1, 2), true, false},
		{"after only, default first 20", map[string]any{"after": c[3]}, gqlIDs(4, 5), false, true},
		{"first and last, no cursors", map[string]any{"first": 4, "last": 2}, gqlIDs(3, 4), true, true},
		{"both pairs: first 2 after 1, last 1 before 5", map[string]any{"first": 2, "after": c[1], "last": 1, "before": c[5]}, gqlIDs(3), true, true},
		{"both pairs: first 3 after 1, last 2 before 5", map[string]any{"first": 3, "after": c[1], "last": 2, "before": c[5]}, gqlIDs(3, 4), false, true},
		// last applies, so hasPreviousPage is about W alone, though rows lie
		// before the after cursor.
		{"both pairs: first 2 after 1, last 5 before 5", map[string]any{"first": 2, "after": c[1], "last": 5, "before": c[5]}, gqlIDs(2, 3), true, false},
		{"after and before the same row: empty W", map[string]any{"first": 2, "after": c[3], "before": c[3]}, nil, false, true},
		{"first 0", map[string]any{"first": 0}, nil, true, false},
		{"last 0", map[string]any{"last": 0}, nil, false, true},
		{"first 0 after 5", map[string]any{"first": 0, "after": c[5]}, nil, false, true},
		{"empty after counts as none", map[string]any{"first": 2, "after": ""}, gqlIDs(1, 2), true, false},
		{"empty before counts as none", map[string]any{"last": 2, "before": ""}, gqlIDs(4, 5), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{"accountNumber": "ACC-001"}
			for k, v := range tc.args {
				vars[k] = v
			}
			p := gqlPage(t, s, vars)
			if got := p.ids(); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("interactions(%v): ids %v; want %v", tc.args, got, tc.want)
			}
			if p.PageInfo.HasNextPage != tc.next || p.PageInfo.HasPreviousPage != tc.prev {
				t.Errorf("interactions(%v): hasNextPage %v, hasPreviousPage %v; want %v, %v",
					tc.args, p.PageInfo.HasNextPage, p.PageInfo.HasPreviousPage, tc.next, tc.prev)
			}
			if p.TotalCount != 5 {
				t.Errorf("interactions(%v): totalCount %d; want 5 (cursors and page size ignored)", tc.args, p.TotalCount)
			}
			// A row's cursor does not depend on the page it came in.
			for _, e := range p.Edges {
				if e.Cursor != c[e.Node.DatabaseID] {
					t.Errorf("interactions(%v): row %d has cursor %q; the whole-set page gave it %q", tc.args, e.Node.DatabaseID, e.Cursor, c[e.Node.DatabaseID])
				}
			}
		})
	}

	t.Run("DESC pages", func(t *testing.T) {
		desc := map[string]any{"field": "TIMESTAMP", "direction": "DESC"}
		p1 := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "orderBy": desc, "first": 2})
		p2 := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "orderBy": desc, "first": 2, "after": *p1.PageInfo.EndCursor})
		back := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "orderBy": desc, "last": 2, "before": *p2.PageInfo.StartCursor})
		for _, tc := range []struct {
			name       string
			p          gqlConn
			want       []int
			next, prev bool
		}{
			{"first 2", p1, gqlIDs(5, 4), true, false},
			{"first 2 after", p2, gqlIDs(3, 2), true, true},
			{"last 2 before", back, gqlIDs(5, 4), true, false},
		} {
			if !slices.Equal(tc.p.ids(), tc.want) || tc.p.PageInfo.HasNextPage != tc.next || tc.p.PageInfo.HasPreviousPage != tc.prev {
				t.Errorf("DESC %s: ids %v, pageInfo %+v; want ids %v, hasNextPage %v, hasPreviousPage %v",
					tc.name, tc.p.ids(), tc.p.PageInfo, tc.want, tc.next, tc.prev)
			}
		}
	})

	t.Run("same row, same cursor, whatever the page", func(t *testing.T) {
		again := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001"})
		if !slices.Equal(again.cursors(), all.cursors()) {
			t.Errorf("same query twice: cursors %q then %q", all.cursors(), again.cursors())
		}
	})
}

// TestGraphQL_PageFlagAlone asks for one page flag at a time, through a
// fragment and an alias: the server skips the query for a flag nobody
// selected, so each flag must still be exact when it is the only one
// selected, and the page must not change with what pageInfo holds.
func TestGraphQL_PageFlagAlone(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	_, c := gqlSeedPage(t, s)
	const query = `query($a: String!, $first: Int, $after: String, $last: Int, $before: String) {
		interactions(accountNumber: $a, first: $first, after: $after, last: $last, before: $before) {
			edges { node { databaseId } }
			...Flags
		}
	}`
	fragments := map[string]string{
		"hasPreviousPage": `fragment Flags on InteractionConnection { pageInfo { flag: hasPreviousPage } }`,
		"hasNextPage":     `fragment Flags on InteractionConnection { info: pageInfo { ... on PageInfo { flag: hasNextPage } } }`,
		"neither":         `fragment Flags on InteractionConnection { pageInfo { endCursor } }`,
	}
	for _, tc := range []struct {
		args       map[string]any
		want       []int
		next, prev bool
	}{
		{map[string]any{"first": 2, "after": c[2]}, gqlIDs(3, 4), true, true},
		{map[string]any{"first": 2, "after": c[5]}, nil, false, true},
		{map[string]any{"first": 2, "after": c[1], "last": 1}, gqlIDs(3), true, true},
		{map[string]any{"last": 2, "before": c[4]}, gqlIDs(2, 3), true, true},
		{map[string]any{"last": 2, "before": c[1]}, nil, true, false},
		{map[string]any{"first": 2}, gqlIDs(1, 2), true, false},
		{map[string]any{"last": 2}, gqlIDs(4, 5), false, true},
	} {
		vars := map[string]any{"a": "ACC-001"}
		for k, v := range tc.args {
			vars[k] = v
		}
		for flag, fragment := range fragments {
			res := gqlQuery(t, s, query+"\n"+fragment, vars)
			var data struct {
				Interactions struct {
					Edges []struct {
						Node struct{ DatabaseID int } `json:"node"`
					} `json:"edges"`
					PageInfo *struct{ Flag *bool } `json:"pageInfo"`
					Info     *struct{ Flag *bool } `json:"info"`
				} `json:"interactions"`
			}
			if res.Status != http.StatusOK || len(res.Errors) > 0 || json.Unmarshal(res.Data, &data) != nil {
				t.Fatalf("%v selecting %s: %d %s", tc.args, flag, res.Status, res.Body)
			}
			var ids []int
			for _, e := range data.Interactions.Edges {
				ids = append(ids, e.Node.DatabaseID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("%v selecting %s: ids %v, want %v", tc.args, flag, ids, tc.want)
			}
			info := data.Interactions.PageInfo
			if info == nil {
				info = data.Interactions.Info
			}
			switch {
			case flag == "neither":
				if info == nil || info.Flag != nil {
					t.Errorf("%v selecting neither flag: pageInfo %s", tc.args, res.Data)
				}
			case info == nil || info.Flag == nil:
				t.Errorf("%v selecting %s: no flag in %s", tc.args, flag, res.Data)
			case flag == "hasPreviousPage" && *info.Flag != tc.prev, flag == "hasNextPage" && *info.Flag != tc.next:
				t.Errorf("%v selecting only %s: %v, want %v", tc.args, flag, *info.Flag, !*info.Flag)
			}
		}
	}
}

// TestGraphQL_DefaultPageSize needs more rows than the seed has.
func TestGraphQL_DefaultPageSize(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "interactions.db")
	s := gqlStartServerAt(t, path, []string{"*"})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]gqlRow, 25)
	for i := range rows {
		rows[i] = gqlRow{Account: "MANY", TS: t0.Add(time.Duration(i) * time.Minute)}
	}
	ids := gqlInsert(t, path, rows...)

	p1 := gqlPage(t, s, map[string]any{"accountNumber": "MANY"})
	if !slices.Equal(p1.ids(), ids[:20]) || !p1.PageInfo.HasNextPage || p1.PageInfo.HasPreviousPage || p1.TotalCount != 25 {
		t.Errorf("interactions(MANY) with neither first nor last: ids %v, pageInfo %+v, totalCount %d; want the first 20 %v, next but no previous, 25",
			p1.ids(), p1.PageInfo, p1.TotalCount, ids[:20])
	}
	p2 := gqlPage(t, s, map[string]any{"accountNumber": "MANY", "after": *p1.PageInfo.EndCursor})
	if !slices.Equal(p2.ids(), ids[20:]) || p2.PageInfo.HasNextPage || !p2.PageInfo.HasPreviousPage {
		t.Errorf("interactions(MANY, after: end of page 1): ids %v, pageInfo %+v; want %v, no next, previous", p2.ids(), p2.PageInfo, ids[20:])
	}
	back := gqlPage(t, s, map[string]any{"accountNumber": "MANY", "before": *p2.PageInfo.EndCursor})
	if !slices.Equal(back.ids(), ids[4:24]) || !back.PageInfo.HasNextPage || !back.PageInfo.HasPreviousPage {
		t.Errorf("interactions(MANY, before: last row) : ids %v, pageInfo %+v; want the last 20 before it %v, next and previous", back.ids(), back.PageInfo, ids[4:24])
	}
	full := gqlPage(t, s, map[string]any{"accountNumber": "MANY", "first": 100})
	if !slices.Equal(full.ids(), ids) || full.PageInfo.HasNextPage {
		t.Errorf("interactions(MANY, first: 100): ids %v, hasNextPage %v; want all 25, false", full.ids(), full.PageInfo.HasNextPage)
	}
}

// TestGraphQL_CursorsArePositions checks the keyset promises: rows added
// while a client pages are neither skipped nor repeated among the rows that
// existed when it started, and a cursor whose row was deleted still works.
func TestGraphQL_CursorsArePositions(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "interactions.db")
	s := gqlStartServerAt(t, path, []string{"*"})

	p1 := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 2})
	gqlInsert(t, path,
		gqlRow{Account: "ACC-001", TS: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},    // before the page
		gqlRow{Account: "ACC-001", TS: time.Date(2025, 11, 14, 10, 0, 0, 0, time.UTC)}, // ties row 1
	)
	p2 := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 2, "after": *p1.PageInfo.EndCursor})
	if !slices.Equal(p2.ids(), gqlIDs(3, 4)) {
		t.Errorf("after rows were added before the cursor: page 2 ids %v; want 3, 4", p2.ids())
	}

	gqlExec(t, path, `DELETE FROM interactions WHERE id IN (3, 4)`)
	p3 := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 2, "after": *p2.PageInfo.EndCursor})
	if !slices.Equal(p3.ids(), gqlIDs(5)) || p3.PageInfo.HasNextPage || p3.PageInfo.HasPreviousPage != true {
		t.Errorf("after the cursor's row was deleted: ids %v, pageInfo %+v; want 5, no next, previous", p3.ids(), p3.PageInfo)
	}
	back := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "last": 1, "before": *p2.PageInfo.StartCursor})
	if !slices.Equal(back.ids(), gqlIDs(2)) || !back.PageInfo.HasNextPage {
		t.Errorf("before a deleted row's cursor: ids %v, pageInfo %+v; want 2 with a next page", back.ids(), back.PageInfo)
	}
}

func TestGraphQL_Filters(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	// Seed ACC-001: 1 VOICE AGENT billing agent-123 11-14T10:00, 2 VOICE AGENT
	// technical_support agent-456 11-14T11:15, 3 CHAT BOT billing 11-15T09:30,
	// 4 EMAIL AGENT plan_change agent-123 11-16T14:05, 5 SMS BOT
	// technical_support 11-18T08:45.
	for _, tc := range []struct {
		name   string
		filter map[string]any
		want   []int
	}{
		{"no conditions", map[string]any{}, gqlIDs(1, 2, 3, 4, 5)},
		{"channels VOICE", map[string]any{"channels": []string{"VOICE"}}, gqlIDs(1, 2)},
		{"channels any of CHAT, SMS", map[string]any{"channels": []string{"SMS", "CHAT"}}, gqlIDs(3, 5)},
		{"channels WEB: none here", map[string]any{"channels": []string{"WEB"}}, nil},
		{"addressedBy BOT", map[string]any{"addressedBy": []string{"BOT"}}, gqlIDs(3, 5)},
		{"addressedBy AGENT, BOT", map[string]any{"addressedBy": []string{"AGENT", "BOT"}}, gqlIDs(1, 2, 3, 4, 5)},
		{"reasons billing", map[string]any{"reasons": []string{"billing"}}, gqlIDs(1, 3)},
		{"reasons any of", map[string]any{"reasons": []string{"plan_change", "billing"}}, gqlIDs(1, 3, 4)},
		{"reasons exact match only", map[string]any{"reasons": []string{"bill", "Billing"}}, nil},
		{"agentId", map[string]any{"agentId": "agent-123"}, gqlIDs(1, 4)},
		{"from is inclusive", map[string]any{"from": "2025-11-14T11:15:00Z"}, gqlIDs(2, 3, 4, 5)},
		{"to is exclusive", map[string]any{"to": "2025-11-15T09:30:00Z"}, gqlIDs(1, 2)},
		{"from and to", map[string]any{"from": "2025-11-14T11:15:00Z", "to": "2025-11-16T14:05:00Z"}, gqlIDs(2, 3)},
		{"from with an offset is the same instant", map[string]any{"from": "2025-11-14T12:15:00+01:00"}, gqlIDs(2, 3, 4, 5)},
		{"to with a negative offset is the same instant", map[string]any{"to": "2025-11-15T04:30:00-05:00"}, gqlIDs(1, 2)},
		{"from one nanosecond later", map[string]any{"from": "2025-11-14T11:15:00.000000001Z"}, gqlIDs(3, 4, 5)},
		{"all conditions together", map[string]any{"channels": []string{"VOICE", "EMAIL"}, "addressedBy": []string{"AGENT"},
			"reasons": []string{"billing", "plan_change"}, "agentId": "agent-123", "from": "2025-11-14T10:00:00Z", "to": "2025-11-17T00:00:00Z"}, gqlIDs(1, 4)},
		{"channels empty matches nothing", map[string]any{"channels": []string{}}, nil},
		{"addressedBy empty matches nothing", map[string]any{"addressedBy": []string{}}, nil},
		{"reasons empty matches nothing", map[string]any{"reasons": []string{}}, nil},
		{"an empty list beside others still matches nothing", map[string]any{"channels": []string{"VOICE"}, "reasons": []string{}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "filter": tc.filter})
			if got := p.ids(); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("interactions(ACC-001, filter: %v): ids %v; want %v", tc.filter, got, tc.want)
			}
			if p.TotalCount != len(tc.want) {
				t.Errorf("interactions(ACC-001, filter: %v): totalCount %d; want %d", tc.filter, p.TotalCount, len(tc.want))
			}
			if len(tc.want) > 1 {
				// totalCount is the filtered set's, whatever the page.
				one := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "filter": tc.filter, "first": 1, "after": p.Edges[0].Cursor})
				if one.TotalCount != len(tc.want) || !slices.Equal(one.ids(), tc.want[1:2]) || one.PageInfo.HasNextPage != (len(tc.want) > 2) || !one.PageInfo.HasPreviousPage {
					t.Errorf("interactions(ACC-001, filter: %v, first: 1, after: first row): ids %v, pageInfo %+v, totalCount %d; want %v, hasNextPage %v, hasPreviousPage true, %d",
						tc.filter, one.ids(), one.PageInfo, one.TotalCount, tc.want[1:2], len(tc.want) > 2, len(tc.want))
				}
			}
		})
	}

	t.Run("pageInfo within a filter", func(t *testing.T) {
		// Rows 1 and 4 (agent-123) bound rows 2 and 3 of another agent:
		// pageInfo must look only at the filtered set.
		p := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "filter": map[string]any{"agentId": "agent-123"}, "first": 1})
		q := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "filter": map[string]any{"agentId": "agent-123"}, "first": 1, "after": *p.PageInfo.EndCursor})
		if !slices.Equal(q.ids(), gqlIDs(4)) || q.PageInfo.HasNextPage || !q.PageInfo.HasPreviousPage {
			t.Errorf("agentId agent-123, first 1 after row 1: ids %v, pageInfo %+v; want 4, no next, previous", q.ids(), q.PageInfo)
		}
	})

	t.Run("cursors are bound to the filter's meaning, not its spelling", func(t *testing.T) {
		f1 := map[string]any{"channels": []string{"VOICE", "CHAT"}, "from": "2025-11-14T10:00:00Z"}
		f2 := map[string]any{"channels": []string{"CHAT", "VOICE", "VOICE"}, "from": "2025-11-14T11:00:00+01:00"}
		p := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "filter": f1, "first": 1})
		q := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "filter": f2, "first": 1, "after": *p.PageInfo.EndCursor})
		if !slices.Equal(q.ids(), gqlIDs(2)) {
			t.Errorf("cursor of filter %v used in the same filter spelled %v: ids %v; want 2", f1, f2, q.ids())
		}
		r := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "filter": f2, "first": 3})
		if !slices.Equal(r.cursors(), gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "filter": f1, "first": 3}).cursors()) {
			t.Errorf("filter %v and %v gave different cursors for the same rows", f1, f2)
		}
	})
}

func TestGraphQL_Times(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "interactions.db")
	s := gqlStartServerAt(t, path, []string{"*"})
	base := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		ts   time.Time
		want string
	}{
		{base, "2025-11-20T10:00:00Z"},
		{base.Add(500 * time.Millisecond), "2025-11-20T10:00:00.5Z"},
		{base.Add(120 * time.Millisecond), "2025-11-20T10:00:00.12Z"},
		{base.Add(123456789), "2025-11-20T10:00:00.123456789Z"},
		{base.Add(1), "2025-11-20T10:00:00.000000001Z"},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), "1970-01-01T00:00:00Z"},
		{time.Date(2200, 12, 31, 23, 59, 59, 999999999, time.UTC), "2200-12-31T23:59:59.999999999Z"},
	}
	rows := make([]gqlRow, len(cases))
	for i, c := range cases {
		rows[i] = gqlRow{Account: "TIMES", TS: c.ts}
	}
	ids := gqlInsert(t, path, rows...)
	p := gqlPage(t, s, map[string]any{"accountNumber": "TIMES"})
	got := map[int]string{}
	for _, n := range p.Nodes {
		got[n.DatabaseID] = n.Timestamp
	}
	for i, c := range cases {
		if got[ids[i]] != c.want {
			t.Errorf("row %d stored at %d ns: timestamp %q; want %q", ids[i], c.ts.UnixNano(), got[ids[i]], c.want)
		}
	}
	seed := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 1})
	if seed.Nodes[0].Timestamp != "2025-11-14T10:00:00Z" {
		t.Errorf("seed row 1: timestamp %q; want 2025-11-14T10:00:00Z", seed.Nodes[0].Timestamp)
	}

	// Filter bounds are kept to the nanosecond, and compared as instants.
	for _, tc := range []struct {
		filter map[string]any
		want   []int
	}{
		{map[string]any{"from": "2025-11-20T10:00:00.123456789Z", "to": "2025-11-20T10:00:00.12345679Z"}, ids[3:4]},
		{map[string]any{"from": "2025-11-20T11:00:00.123456789+01:00", "to": "2025-11-20T10:00:00.123456790Z"}, ids[3:4]},
		{map[string]any{"from": "2025-11-20T10:00:00.000000001Z", "to": "2025-11-20T10:00:00.12Z"}, ids[4:5]},
		{map[string]any{"from": "2025-11-20T10:00:00.12Z", "to": "2025-11-20T10:00:00.120000001Z"}, ids[2:3]},
	} {
		p := gqlPage(t, s, map[string]any{"accountNumber": "TIMES", "filter": tc.filter})
		if !slices.Equal(p.ids(), tc.want) {
			t.Errorf("interactions(TIMES, filter: %v): ids %v; want %v", tc.filter, p.ids(), tc.want)
		}
	}
}

func TestGraphQL_BadUserInput(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	acc1 := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 2})
	acc2 := gqlPage(t, s, map[string]any{"accountNumber": "ACC-002", "first": 1})
	voice := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 1, "filter": map[string]any{"channels": []string{"VOICE"}}})
	desc := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 1, "orderBy": map[string]any{"field": "TIMESTAMP", "direction": "DESC"}})
	c2 := *acc1.PageInfo.EndCursor
	// A well-formed cursor with one character changed: decodes, but its
	// digest no longer matches any query.
	raw, err := base64.RawURLEncoding.DecodeString(c2)
	if err != nil {
		t.Fatalf("cursor %q is not unpadded URL-safe base64: %v", c2, err)
	}
	raw[4] ^= 1 // inside the digest that binds it to its query
	tampered := base64.RawURLEncoding.EncodeToString(raw)

	for _, tc := range []struct {
		name     string
		vars     map[string]any
		argument string
		inMsg    string
	}{
		{"first 101", map[string]any{"accountNumber": "ACC-001", "first": 101}, "first", "100"},
		{"first -1", map[string]any{"accountNumber": "ACC-001", "first": -1}, "first", "100"},
		{"last 101", map[string]any{"accountNumber": "ACC-001", "last": 101}, "last", "100"},
		{"last -1", map[string]any{"accountNumber": "ACC-001", "last": -1}, "last", "100"},
		{"empty accountNumber", map[string]any{"accountNumber": ""}, "accountNumber", ""},
		{"65-character accountNumber", map[string]any{"accountNumber": strings.Repeat("A", 65)}, "accountNumber", "64"},
		{"65 multi-byte characters", map[string]any{"accountNumber": strings.Repeat("é", 65)}, "accountNumber", "64"},
		{"accountNumber with a space", map[string]any{"accountNumber": "ACC 001"}, "accountNumber", ""},
		{"accountNumber with a tab", map[string]any{"accountNumber": "ACC-001\t"}, "accountNumber", ""},
		{"accountNumber with a no-break space", map[string]any{"accountNumber": "ACC\u00a0001"}, "accountNumber", ""},
		{"accountNumber with a control character", map[string]any{"accountNumber": "ACC\x01001"}, "accountNumber", ""},
		{"accountNumber with DEL", map[string]any{"accountNumber": "ACC\x7f001"}, "accountNumber", ""},
		{"malformed after", map[string]any{"accountNumber": "ACC-001", "after": "not a cursor"}, "after", "cursor"},
		{"malformed after, base64 padding", map[string]any{"accountNumber": "ACC-001", "after": c2 + "="}, "after", "cursor"},
		{"after in the original REST format", map[string]any{"accountNumber": "ACC-001", "after": "eyJsYXN0X2lkIjoyfQ=="}, "after", "cursor"},
		{"malformed before", map[string]any{"accountNumber": "ACC-001", "before": "abc"}, "before", "cursor"},
		{"after over 200 characters", map[string]any{"accountNumber": "ACC-001", "after": strings.Repeat("A", 201)}, "after", "cursor"},
		{"tampered after", map[string]any{"accountNumber": "ACC-001", "after": tampered}, "after", "cursor"},
		{"after from another account", map[string]any{"accountNumber": "ACC-001", "after": *acc2.PageInfo.EndCursor}, "after", "account"},
		{"before from another account", map[string]any{"accountNumber": "ACC-002", "before": c2}, "before", "account"},
		{"after from another filter", map[string]any{"accountNumber": "ACC-001", "after": *voice.PageInfo.EndCursor}, "after", "filter"},
		{"after without the filter it was made in", map[string]any{"accountNumber": "ACC-001", "after": c2, "filter": map[string]any{"channels": []string{"VOICE"}}}, "after", "filter"},
		{"after from another order", map[string]any{"accountNumber": "ACC-001", "after": *desc.PageInfo.EndCursor}, "after", "order"},
		{"ASC after in DESC order", map[string]any{"accountNumber": "ACC-001", "after": c2, "orderBy": map[string]any{"field": "TIMESTAMP", "direction": "DESC"}}, "after", "order"},
		{"filter.from without a zone", map[string]any{"accountNumber": "ACC-001", "filter": map[string]any{"from": "2025-11-14T10:00:00"}}, "filter.from", ""},
		{"filter.from as a date", map[string]any{"accountNumber": "ACC-001", "filter": map[string]any{"from": "2025-11-14"}}, "filter.from", ""},
		{"filter.from as a number", map[string]any{"accountNumber": "ACC-001", "filter": map[string]any{"from": 1763114400}}, "filter.from", ""},
		{"filter.to after 2200", map[string]any{"accountNumber": "ACC-001", "filter": map[string]any{"to": "2201-01-01T00:00:00Z"}}, "filter.to", ""},
		{"filter.to before 1970", map[string]any{"accountNumber": "ACC-001", "filter": map[string]any{"to": "1969-12-31T23:59:59.999999999Z"}}, "filter.to", ""},
		{"filter.to in 1970 by its offset, 1969 in UTC", map[string]any{"accountNumber": "ACC-001", "filter": map[string]any{"to": "1970-01-01T00:30:00+01:00"}}, "filter.to", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := gqlQuery(t, s, gqlInteractionsQuery(tc.vars), tc.vars)
			gqlWantBadInput(t, fmt.Sprintf("interactions(%q) via variables", tc.vars), res, tc.argument)
			if tc.inMsg != "" && len(res.Errors) > 0 && !strings.Contains(strings.ToLower(res.Errors[0].Message), tc.inMsg) {
				t.Errorf("interactions(%q): message %q does not mention %q", tc.vars, res.Errors[0].Message, tc.inMsg)
			}
			if len(res.Errors) > 0 && !strings.Contains(res.Errors[0].Message, tc.argument) {
				t.Errorf("interactions(%q): message %q does not name the argument %s", tc.vars, res.Errors[0].Message, tc.argument)
			}
		})
	}

	// The same rules reached through literals, which gqlgen coerces on
	// another path than variables.
	for _, tc := range []struct {
		name, args, argument string
	}{
		{"first 101", `first: 101`, "first"},
		{"last -1", `last: -1`, "last"},
		{"filter.from without a zone", `filter: {from: "2025-11-14T10:00:00"}`, "filter.from"},
		{"filter.to after 2200", `filter: {to: "2201-01-01T00:00:00Z"}`, "filter.to"},
		{"filter.to before 1970", `filter: {to: "1969-12-31T23:59:59Z"}`, "filter.to"},
		{"malformed after", `after: "%%%"`, "after"},
	} {
		t.Run("literal "+tc.name, func(t *testing.T) {
			q := `{ interactions(accountNumber: "ACC-001", ` + tc.args + `) { totalCount } }`
			gqlWantBadInput(t, q, gqlQuery(t, s, q, nil), tc.argument)
		})
	}
	for _, acc := range []string{``, `ACC 001`, `ACC\t001`, `ACC\u0001001`, strings.Repeat("A", 65)} {
		q := `{ interactions(accountNumber: "` + acc + `") { totalCount } }`
		gqlWantBadInput(t, q, gqlQuery(t, s, q, nil), "accountNumber")
	}

	t.Run("valid edge cases are accepted", func(t *testing.T) {
		for _, vars := range []map[string]any{
			{"accountNumber": strings.Repeat("A", 64)},
			{"accountNumber": strings.Repeat("é", 64)},
			{"accountNumber": "ACC-001", "filter": map[string]any{"from": "1970-01-01T00:00:00Z", "to": "2200-12-31T23:59:59.999999999Z"}},
			{"accountNumber": "ACC-001", "filter": map[string]any{"to": "2201-01-01T00:30:00+01:00"}},
		} {
			gqlPage(t, s, vars)
		}
	})
}

func TestGraphQL_ValidationFailures(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"lower-case enum literal", `{ interactions(accountNumber: "ACC-001", filter: {channels: [voice]}) { totalCount } }`, nil},
		{"lower-case enum variable", `query($f: InteractionFilter) { interactions(accountNumber: "ACC-001", filter: $f) { totalCount } }`,
			map[string]any{"f": map[string]any{"channels": []string{"voice"}}}},
		{"lower-case order direction", `{ interactions(accountNumber: "ACC-001", orderBy: {field: TIMESTAMP, direction: asc}) { totalCount } }`, nil},
		{"lower-case order direction variable", `query($o: InteractionOrder) { interactions(accountNumber: "ACC-001", orderBy: $o) { totalCount } }`,
			map[string]any{"o": map[string]any{"field": "TIMESTAMP", "direction": "desc"}}},
		{"mixed-case enum list variable", `query($c: [Channel!]) { interactions(accountNumber: "ACC-001", filter: {channels: $c}) { totalCount } }`,
			map[string]any{"c": []string{"VOICE", "Chat"}}},
		{"unknown enum variable", `query($f: InteractionFilter) { interactions(accountNumber: "ACC-001", filter: $f) { totalCount } }`,
			map[string]any{"f": map[string]any{"addressedBy": []string{"HUMAN"}}}},
		{"missing required argument", `{ interactions { totalCount } }`, nil},
		{"missing required variable", `query($a: String!) { interactions(accountNumber: $a) { totalCount } }`, nil},
		{"missing required input field", `{ interactions(accountNumber: "ACC-001", orderBy: {direction: ASC}) { totalCount } }`, nil},
		{"unknown field", `{ interactions(accountNumber: "ACC-001") { count } }`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := gqlQuery(t, s, tc.query, tc.vars)
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d; want 422, body %s", tc.query, res.Status, res.Body)
			}
			if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("%s: body %s; want an error with code GRAPHQL_VALIDATION_FAILED", tc.query, res.Body)
			}
			if len(res.Data) > 0 && string(res.Data) != "null" {
				t.Errorf("%s: data %s; want none, nothing is executed", tc.query, res.Data)
			}
		})
	}
	t.Run("parse failure", func(t *testing.T) {
		res := gqlQuery(t, s, `{ interactions(accountNumber: "ACC-001") { totalCount }`, nil)
		if res.Status != http.StatusUnprocessableEntity || len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "GRAPHQL_PARSE_FAILED" {
			t.Errorf("unterminated query: status %d, body %s; want 422 GRAPHQL_PARSE_FAILED", res.Status, res.Body)
		}
	})
}

func TestGraphQL_Transport(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	query := []byte(`{"query":"{ interactions(accountNumber: \"ACC-001\") { totalCount } }"}`)

	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/graphql"} {
		t.Run("POST "+ct, func(t *testing.T) {
			res := gqlDo(t, s, http.MethodPost, "/graphql", ct, query, nil)
			if res.Status != http.StatusUnsupportedMediaType {
				t.Errorf("POST /graphql with Content-Type %q: status %d, body %s; want 415", ct, res.Status, res.Body)
			}
			if len(res.Data) > 0 && string(res.Data) != "null" || bytes.Contains(res.Body, []byte("totalCount")) {
				t.Errorf("POST /graphql with Content-Type %q: body %s; want the query refused, not executed", ct, res.Body)
			}
			if len(res.Errors) == 0 {
				t.Errorf("POST /graphql with Content-Type %q: body %s; want a GraphQL error with extensions.code", ct, res.Body)
			}
		})
	}
	t.Run("POST application/json; charset=utf-8 is accepted", func(t *testing.T) {
		res := gqlDo(t, s, http.MethodPost, "/graphql", "application/json; charset=utf-8", query, nil)
		if res.Status != http.StatusOK || !bytes.Contains(res.Data, []byte(`"totalCount":5`)) {
			t.Errorf("POST /graphql as application/json; charset=utf-8: status %d, body %s; want 200 with totalCount 5", res.Status, res.Body)
		}
	})

	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		t.Run(m, func(t *testing.T) {
			res := gqlDo(t, s, m, "/graphql", "application/json", query, nil)
			if res.Status != http.StatusMethodNotAllowed {
				t.Errorf("%s /graphql: status %d, body %s; want 405", m, res.Status, res.Body)
			}
			allow := res.Header.Get("Allow")
			if !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
				t.Errorf("%s /graphql: Allow %q; want it to list GET and POST", m, allow)
			}
			if len(res.Errors) == 0 || len(res.Data) > 0 && string(res.Data) != "null" {
				t.Errorf("%s /graphql: body %s; want a GraphQL error and no data", m, res.Body)
			}
		})
	}

	t.Run("body over 1 MiB", func(t *testing.T) {
		big := []byte(`{"query":"{ interactions(accountNumber: \"ACC-001\") { totalCount } }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`)
		res := gqlDo(t, s, http.MethodPost, "/graphql", "application/json", big, nil)
		if res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("POST /graphql with a %d-byte body: status %d, body %.300s; want 413", len(big), res.Status, res.Body)
		}
	})

	t.Run("GET runs a query", func(t *testing.T) {
		v := url.Values{}
		v.Set("query", `query($a: String!) { interactions(accountNumber: $a, first: 2) { nodes { databaseId } totalCount } }`)
		v.Set("variables", `{"a":"ACC-001"}`)
		res := gqlDo(t, s, http.MethodGet, "/graphql?"+v.Encode(), "", nil, nil)
		if res.Status != http.StatusOK || len(res.Errors) > 0 ||
			string(res.Data) != `{"interactions":{"nodes":[{"databaseId":1},{"databaseId":2}],"totalCount":5}}` {
			t.Errorf("GET /graphql?%s: status %d, body %s; want 200 with ids 1, 2 and totalCount 5", v.Encode(), res.Status, res.Body)
		}
	})
}

func TestGraphQL_Node(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	p := gqlPage(t, s, map[string]any{"accountNumber": "ACC-001", "first": 3})
	unknown := base64.RawURLEncoding.EncodeToString([]byte("Interaction:999999"))
	const nodeQuery = `query($id: ID!) { node(id: $id) { __typename id ... on Interaction { ` + gqlNodeFields + ` } } }`

	t.Run("refetch by an edge node's id", func(t *testing.T) {
		for _, e := range p.Edges {
			res := gqlQuery(t, s, nodeQuery, map[string]any{"id": e.Node.ID})
			var data struct {
				Node *struct {
					Typename string `json:"__typename"`
					gqlNode
				} `json:"node"`
			}
			if err := json.Unmarshal(res.Data, &data); err != nil || len(res.Errors) > 0 || data.Node == nil {
				t.Fatalf("node(id: %q): body %s; want the interaction", e.Node.ID, res.Body)
			}
			if data.Node.Typename != "Interaction" || !reflect.DeepEqual(data.Node.gqlNode, e.Node) {
				t.Errorf("node(id: %q): %+v; want the edge's node %+v", e.Node.ID, *data.Node, e.Node)
			}
		}
	})

	t.Run("unknown but well-formed id is null", func(t *testing.T) {
		res := gqlQuery(t, s, nodeQuery, map[string]any{"id": unknown})
		if res.Status != http.StatusOK || len(res.Errors) > 0 || string(res.Data) != `{"node":null}` {
			t.Errorf("node(id: %q): status %d, body %s; want 200, data {node: null}, no errors", unknown, res.Status, res.Body)
		}
	})

	for _, bad := range []string{"", "1", "not-an-id", "SW50ZXJhY3Rpb246MQ==", base64.RawURLEncoding.EncodeToString([]byte("Other:1")),
		base64.RawURLEncoding.EncodeToString([]byte("Interaction:x")), base64.RawURLEncoding.EncodeToString([]byte("Interaction:-1"))} {
		t.Run("malformed id "+bad, func(t *testing.T) {
			res := gqlQuery(t, s, nodeQuery, map[string]any{"id": bad})
			gqlWantBadInput(t, fmt.Sprintf("node(id: %q)", bad), res, "id")
			if string(res.Data) != `{"node":null}` {
				t.Errorf("node(id: %q): data %s; want {node: null}", bad, res.Data)
			}
		})
	}

	t.Run("nodes keeps length and order", func(t *testing.T) {
		ids := []string{p.Edges[2].Node.ID, unknown, "bad id", p.Edges[0].Node.ID, p.Edges[2].Node.ID, "Zm9v"}
		res := gqlQuery(t, s, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Interaction { databaseId } } }`, map[string]any{"ids": ids})
		if res.Status != http.StatusOK {
			t.Fatalf("nodes(ids: %q): status %d; want 200, body %s", ids, res.Status, res.Body)
		}
		if want := `{"nodes":[{"databaseId":3},null,null,{"databaseId":1},{"databaseId":3},null]}`; string(res.Data) != want {
			t.Errorf("nodes(ids: %q): data %s; want %s", ids, res.Data, want)
		}
		var paths []string
		for _, e := range res.Errors {
			b, _ := json.Marshal(e.Path)
			paths = append(paths, string(b))
			if e.Extensions["code"] != "BAD_USER_INPUT" {
				t.Errorf("nodes(ids: %q): error %q has code %v; want BAD_USER_INPUT", ids, e.Message, e.Extensions["code"])
			}
			if a, _ := e.Extensions["argument"].(string); !strings.HasPrefix(a, "ids") {
				t.Errorf("nodes(ids: %q): error %q has argument %q; want ids", ids, e.Message, a)
			}
		}
		sort.Strings(paths)
		if want := []string{`["nodes",2]`, `["nodes",5]`}; !slices.Equal(paths, want) {
			t.Errorf("nodes(ids: %q): error paths %v; want %v, one per malformed id; body %s", ids, paths, want, res.Body)
		}
	})

	t.Run("nodes with no ids", func(t *testing.T) {
		res := gqlQuery(t, s, `{ nodes(ids: []) { id } }`, nil)
		if res.Status != http.StatusOK || len(res.Errors) > 0 || string(res.Data) != `{"nodes":[]}` {
			t.Errorf("nodes(ids: []): status %d, body %s; want 200 and []", res.Status, res.Body)
		}
	})

	t.Run("nodes over 100 ids", func(t *testing.T) {
		ids := make([]string, 101)
		for i := range ids {
			ids[i] = p.Edges[0].Node.ID
		}
		res := gqlQuery(t, s, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
		gqlWantBadInput(t, "nodes(ids: 101 ids)", res, "ids")
		res = gqlQuery(t, s, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids[:100]})
		if res.Status != http.StatusOK || len(res.Errors) > 0 {
			t.Errorf("nodes(ids: 100 ids): status %d, body %.300s; want 200 without errors", res.Status, res.Body)
		}
	})
}

// TestGraphQL_InternalError closes the database under a running server, the
// simplest way to make the store fail as it would on a broken disk.
func TestGraphQL_InternalError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "interactions.db")
	s := gqlStartServerAt(t, path, []string{"*"})
	s.DB.Close()

	var ids []string
	for _, tc := range []struct{ name, query string }{
		{"interactions", `{ interactions(accountNumber: "ACC-001") { totalCount edges { cursor } } }`},
		{"totalCount", `{ interactions(accountNumber: "ACC-001", first: 0) { totalCount } }`},
		{"node", `{ node(id: "` + base64.RawURLEncoding.EncodeToString([]byte("Interaction:1")) + `") { id } }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": tc.query})
			res := gqlDo(t, s, http.MethodPost, "/graphql", "application/json", body, nil)
			id := res.Header.Get("X-Request-ID")
			if id == "" {
				t.Fatalf("%s: no X-Request-ID response header", tc.query)
			}
			ids = append(ids, id)
			if res.Status != http.StatusOK || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" {
				t.Fatalf("%s on a closed database: status %d, body %s; want 200 with one INTERNAL_SERVER_ERROR", tc.query, res.Status, res.Body)
			}
			msg := res.Errors[0].Message
			if !strings.Contains(msg, id) {
				t.Errorf("%s: message %q does not hold the request ID %q", tc.query, msg, id)
			}
			for _, leak := range []string{"sql", "SQL", "sqlite", "database", "closed", path, filepath.Dir(path), "interactions.db", ".go:", "goroutine"} {
				if strings.Contains(string(res.Body), leak) {
					t.Errorf("%s: response %s reveals %q", tc.query, res.Body, leak)
				}
			}
		})
	}

	t.Run("a client's request ID is kept", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"query": `{ interactions(accountNumber: "ACC-001") { totalCount } }`})
		res := gqlDo(t, s, http.MethodPost, "/graphql", "application/json", body, http.Header{"X-Request-Id": {"client-req-42"}})
		if res.Header.Get("X-Request-ID") != "client-req-42" || len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, "client-req-42") {
			t.Errorf("with X-Request-ID client-req-42: header %q, body %s; want the ID echoed in both", res.Header.Get("X-Request-ID"), res.Body)
		}
	})

	t.Run("readyz fails", func(t *testing.T) {
		if status, _, body := s.get(t, "/readyz"); status != http.StatusServiceUnavailable {
			t.Errorf("GET /readyz on a closed database: status %d, body %q; want 503", status, body)
		}
	})

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

func TestGraphQL_CORS(t *testing.T) {
	t.Parallel()
	preflight := func(t *testing.T, s *testServer, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		// Browsers send the names lower-case and sorted (Fetch standard);
		// rs/cors refuses any other spelling as not coming from a browser.
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("OPTIONS /graphql: %v", err)
		}
		resp.Body.Close()
		return resp
	}

	t.Run("default origins *", func(t *testing.T) {
		s := startTestServer(t)
		resp := preflight(t, s, "https://anywhere.example")
		if resp.StatusCode/100 != 2 {
			t.Errorf("preflight: status %d; want 2xx", resp.StatusCode)
		}
		h := resp.Header
		if got := h.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("preflight from https://anywhere.example: Access-Control-Allow-Origin %q; want *", got)
		}
		if got := h.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") {
			t.Errorf("preflight: Access-Control-Allow-Methods %q; want it to include POST", got)
		}
		allowed := strings.ToLower(strings.Join(h.Values("Access-Control-Allow-Headers"), ","))
		for _, want := range []string{"content-type", "authorization"} {
			if !strings.Contains(allowed, want) {
				t.Errorf("preflight: Access-Control-Allow-Headers %q; want it to include %s", allowed, want)
			}
		}
		if got := h.Get("Access-Control-Allow-Credentials"); got == "true" {
			t.Errorf("preflight with origins *: Access-Control-Allow-Credentials %q; want none", got)
		}

		body, _ := json.Marshal(map[string]any{"query": `{ interactions(accountNumber: "ACC-001") { totalCount } }`})
		res := gqlDo(t, s, http.MethodPost, "/graphql", "application/json", body, http.Header{"Origin": {"https://anywhere.example"}})
		if res.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") &&
			!strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "X-Request-ID") {
			t.Errorf("POST with an Origin: Access-Control-Allow-Origin %q, Expose-Headers %q; want * and X-Request-ID",
				res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Access-Control-Expose-Headers"))
		}
	})

	t.Run("a configured list", func(t *testing.T) {
		s := startTestServerWith(t, store.Options{Seed: true}, []string{"https://app.example"})
		if got := preflight(t, s, "https://app.example").Header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
			t.Errorf("preflight from the allowed origin: Access-Control-Allow-Origin %q; want https://app.example", got)
		}
		resp := preflight(t, s, "https://evil.example")
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight from https://evil.example with only https://app.example allowed: Access-Control-Allow-Origin %q; want none", got)
		}
		body, _ := json.Marshal(map[string]any{"query": `{ interactions(accountNumber: "ACC-001") { totalCount } }`})
		res := gqlDo(t, s, http.MethodPost, "/graphql", "application/json", body, http.Header{"Origin": {"https://evil.example"}})
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("POST from https://evil.example: Access-Control-Allow-Origin %q; want none", got)
		}
	})
}

func TestGraphQL_OtherEndpoints(t *testing.T) {
	t.Parallel()
	s := startTestServer(t)
	status, h, body := s.get(t, "/")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") ||
		!bytes.Contains(bytes.ToLower(body), []byte("<html")) || !bytes.Contains(body, []byte("/graphql")) {
		t.Errorf("GET /: status %d, Content-Type %q, body %.200q; want 200 with the playground's HTML pointing at /graphql", status, h.Get("Content-Type"), body)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if status, _, body := s.get(t, p); status != http.StatusOK {
			t.Errorf("GET %s: status %d, body %q; want 200", p, status, body)
		}
	}
	if status, _, _ := s.get(t, "/nowhere"); status != http.StatusNotFound {
		t.Errorf("GET /nowhere: status %d; want 404", status)
	}
}
