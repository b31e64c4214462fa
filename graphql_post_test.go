package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/requestid"
	"github.com/interactions-api/interactions/resolvers"
	"github.com/interactions-api/interactions/store"
	"github.com/interactions-api/interactions/telemetry"
)

// awkwardText holds what JSON encoders disagree on: HTML's special
// characters, which json.Marshal escapes, the two line separators that end
// a JavaScript line, quotes, backslashes, control characters, and text
// beyond ASCII.
const awkwardText = "<b>Tom & Jerry</b> \u2028 \u2029 \"quoted\" back\\slash tab\t nl\n cr\r bell\x07 é 日本 😀 \u00e2\u0080\u00a8"

// TestPostTransportMatchesGqlgen serves the same database twice, once with
// postTransport and once with gqlgen's transport.POST, and sends both the
// same requests: successful pages whose text needs escaping, executed
// requests with errors, requests refused before they run, and every kind
// of Accept header. Status, Content-Type and body must be the same bytes.
func TestPostTransportMatchesGqlgen(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "interactions.db"), store.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	agent, ext := awkwardText, "ext <&> \u2028"
	summary := awkwardText
	rows := []store.Interaction{{
		AccountNumber: "ACC-AWKWARD", Timestamp: time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC),
		Reason: awkwardText, Summary: &summary, Solution: &summary, Channel: "CHAT",
		AgentID: &agent, AddressedBy: "AGENT", ExternalID: &ext,
	}, {
		AccountNumber: "ACC-AWKWARD", Timestamp: time.Date(2025, 1, 2, 3, 4, 6, 0, time.UTC),
		Reason: "&&&<<<>>>", Channel: "WEB", AddressedBy: "BOT",
	}}
	if _, err := db.InsertBatch(ctx, rows); err != nil {
		t.Fatal(err)
	}

	serve := func(post graphql.Transport) *httptest.Server {
		logger := slog.New(slog.DiscardHandler)
		gql := newGraphQLPostingWith(post, resolvers.New(db, logger), logger, telemetry.New(logger, nil), handlerOptions{})
		srv := httptest.NewServer(requestid.Middleware(auth.Middleware(auth.Tokens{}, graphqlTransport(defaultMaxBodyBytes, 0, nil, gql))))
		t.Cleanup(srv.Close)
		return srv
	}
	ours, theirs := serve(postTransport{}), serve(transport.POST{})

	page := `query($a: String!, $after: String) { interactions(accountNumber: $a, first: 5, after: $after) {
		edges { cursor node { id databaseId accountNumber timestamp reason solution summary channel agentId addressedBy externalId __typename } }
		nodes { reason } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`
	unknownHash := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("ab", 32)}}
	bodies := []map[string]any{
		{"query": page, "variables": map[string]any{"a": "ACC-AWKWARD"}},
		{"query": page, "variables": map[string]any{"a": "ACC-001"}},
		{"query": page, "variables": map[string]any{"a": "ACC-NONE"}},
		{"query": `{ __typename }`},
		{"query": `{ __schema { types { name description fields { name description } } } }`},
		{"query": `{ nodes(ids: ["SW50ZXJhY3Rpb246MQ", "SW50ZXJhY3Rpb246OTk5OTk", "bad"]) { id } }`},
		{"query": page, "variables": map[string]any{"a": "ACC-001", "after": "not a cursor"}},
		{"query": page, "variables": map[string]any{"a": "not an account"}},
		{"query": page, "variables": map[string]any{"a": 12}},
		{"query": page},
		{"query": `{ interactions(accountNumber: "ACC-001") { nope } }`},
		{"query": `{ interactions(`},
		{"query": `query A { __typename } query B { __typename }`},
		{"query": `query A { __typename }`, "operationName": "B"},
		{"query": `mutation { recordInteraction(input: {accountNumber: "bad", reason: "x", channel: VOICE, addressedBy: BOT}) { created } }`},
		{"query": `{ __typename }`, "extensions": unknownHash},
		{"extensions": unknownHash},
		{"query": 12},
		{"query": `{ __typename }`, "variables": "not an object"},
		{},
	}
	accepts := []string{"", "application/json", "application/graphql-response+json",
		"application/graphql-response+json, application/json;q=0.9", "application/*", "*/*",
		"text/html", "text/html, */*;q=0.1", "nonsense;;;", "application/json;charset=utf-8"}

	for _, body := range bodies {
		payload, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		for _, accept := range accepts {
			got, want := post(t, ours.URL, payload, accept), post(t, theirs.URL, payload, accept)
			if got != want {
				t.Errorf("body %s, Accept %q:\npostTransport: %s\ngqlgen:        %s", payload, accept, got, want)
			}
		}
	}
	// The requests above must include successful ones with text to escape,
	// or the comparison proves nothing about the direct path.
	if got := post(t, ours.URL, mustJSON(t, bodies[0]), ""); !strings.Contains(got, `\u003cb\u003eTom \u0026 Jerry`) || !strings.Contains(got, `\u2028 \u2029`) || strings.Contains(got, `"errors"`) {
		t.Errorf("awkward page: %s", got)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends payload to /graphql and returns the answer's status, media
// type and body as one string.
func post(t *testing.T, url string, payload []byte, accept string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Status + " " + resp.Header.Get("Content-Type") + " " + string(body)
}

// TestAppendResponse compares appendResponse with json.Marshal on data as
// gqlgen's marshallers write it, for awkward and random strings, and on
// responses that carry more than data.
func TestAppendResponse(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab<>&\"\\/\u2028\u2029\u2027\u202a\x00\x1f\x7f é€😀\t\n")
	texts := []string{"", awkwardText, "\u2028", "\u2029\u2028", "&", "\xe2\x80", "\xe2", "x\xe2\x80\xa8"}
	for range 500 {
		r := make([]rune, rng.IntN(20))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(r))
	}

	check := func(resp *graphql.Response) {
		t.Helper()
		want, wantErr := json.Marshal(resp)
		got, err := appendResponse([]byte("prefix"), resp)
		if wantErr != nil || err != nil {
			t.Fatalf("%+v: json.Marshal error %v, appendResponse error %v", resp, wantErr, err)
		}
		if string(got) != "prefix"+string(want) {
			t.Fatalf("appendResponse:\n%q\njson.Marshal:\n%q", got[len("prefix"):], want)
		}
	}
	for _, s := range texts {
		fs := graphql.NewFieldSet([]graphql.CollectedField{{Field: &ast.Field{Alias: "s"}}, {Field: &ast.Field{Alias: "l"}}})
		fs.Values[0] = graphql.MarshalString(s)
		fs.Values[1] = graphql.Array{graphql.MarshalString(s), graphql.Null, graphql.MarshalInt(len(s))}
		var data bytes.Buffer
		fs.MarshalGQL(&data)
		check(&graphql.Response{Data: data.Bytes()})
	}
	yes := true
	for _, resp := range []*graphql.Response{
		nil,
		{},
		{Data: []byte(`null`)},
		{Data: []byte(`{"a":"<"}`), Errors: gqlerror.List{{Message: "<bad> & worse", Path: ast.Path{ast.PathName("a")}}}},
		{Data: []byte(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
		{Data: []byte(`{"a":1}`), Label: "l", Path: ast.Path{ast.PathIndex(1)}, HasNext: &yes},
	} {
		check(resp)
	}
}
