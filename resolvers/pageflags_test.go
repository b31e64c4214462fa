package resolvers

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"

	"github.com/interactions-api/interactions/graph"
	"github.com/interactions-api/interactions/graph/model"
)

// TestSelectedPageFlags runs queries through the generated executor and
// records, inside the interactions resolver, which page flags it finds
// selected: the flags count wherever the operation asks for them, and
// only there, since a flag not found selected may come back false.
func TestSelectedPageFlags(t *testing.T) {
	f := newFixture(t)
	var got [2]bool
	exec := executor.New(graph.NewExecutableSchema(graph.Config{
		Resolvers: flagSpy{Resolver: f.r, got: &got}, Complexity: complexity(),
	}))

	for _, tc := range []struct {
		name, query    string
		vars           map[string]any
		previous, next bool
	}{
		{"none", `{ interactions(accountNumber: "ACC-A") { edges { cursor } } }`, nil, false, false},
		{"other pageInfo fields", `{ interactions(accountNumber: "ACC-A") { pageInfo { startCursor endCursor } } }`, nil, false, false},
		{"both", `{ interactions(accountNumber: "ACC-A") { pageInfo { hasPreviousPage hasNextPage } } }`, nil, true, true},
		{"previous", `{ interactions(accountNumber: "ACC-A") { pageInfo { hasPreviousPage } } }`, nil, true, false},
		{"next", `{ interactions(accountNumber: "ACC-A") { pageInfo { endCursor hasNextPage } } }`, nil, false, true},
		{"aliases", `{ interactions(accountNumber: "ACC-A") { info: pageInfo { back: hasPreviousPage } } }`, nil, true, false},
		{"named fragment", `{ interactions(accountNumber: "ACC-A") { ...Conn } }
			fragment Conn on InteractionConnection { pageInfo { ...Info } }
			fragment Info on PageInfo { hasNextPage }`, nil, false, true},
		{"inline fragments", `{ interactions(accountNumber: "ACC-A") { ... on InteractionConnection { pageInfo { ... { hasPreviousPage } } } } }`, nil, true, false},
		{"pageInfo twice", `{ interactions(accountNumber: "ACC-A") { pageInfo { hasNextPage } pageInfo { hasPreviousPage } } }`, nil, true, true},
		{"field twice", `{ interactions(accountNumber: "ACC-A") { pageInfo { hasNextPage } } interactions(accountNumber: "ACC-A") { pageInfo { hasPreviousPage } } }`, nil, true, true},
		{"include true", `query($v: Boolean!) { interactions(accountNumber: "ACC-A") { pageInfo { hasPreviousPage @include(if: $v) } } }`, map[string]any{"v": true}, true, false},
		{"include false", `query($v: Boolean!) { interactions(accountNumber: "ACC-A") { pageInfo { hasPreviousPage @include(if: $v) } } }`, map[string]any{"v": false}, false, false},
		{"skip on pageInfo", `query($v: Boolean!) { interactions(accountNumber: "ACC-A") { pageInfo @skip(if: $v) { hasNextPage } edges { cursor } } }`, map[string]any{"v": true}, false, false},
		{"typename only", `{ interactions(accountNumber: "ACC-A") { __typename pageInfo { __typename } } }`, nil, false, false},
	} {
		got = [2]bool{true, true}
		ctx := graphql.StartOperationTrace(t.Context())
		op, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: tc.query, Variables: tc.vars})
		if errs != nil {
			t.Fatalf("%s: %v", tc.name, errs)
		}
		respond, ctx := exec.DispatchOperation(ctx, op)
		resp := respond(ctx)
		if len(resp.Errors) > 0 {
			t.Fatalf("%s: %v", tc.name, resp.Errors)
		}
		if want := [2]bool{tc.previous, tc.next}; got != want {
			t.Errorf("%s: selected (hasPreviousPage, hasNextPage) = %v, want %v", tc.name, got, want)
		}
		if !json.Valid(resp.Data) {
			t.Errorf("%s: data %s", tc.name, resp.Data)
		}
	}

	// Called outside GraphQL, as the REST route's code could be, the
	// resolver cannot know what is read, so both flags count.
	if p, n := selectedPageFlags(context.Background()); !p || !n {
		t.Errorf("outside an operation: selected %v, %v; want both", p, n)
	}
}

// flagSpy serves the schema from the real resolvers, but records the page
// flags each interactions call finds selected.
type flagSpy struct {
	*Resolver
	got *[2]bool
}

func (s flagSpy) Query() graph.QueryResolver {
	return spyQuery{queryResolver: &queryResolver{s.Resolver}, got: s.got}
}

type spyQuery struct {
	*queryResolver
	got *[2]bool
}

func (q spyQuery) Interactions(ctx context.Context, accountNumber string, first *int, after *string, last *int, before *string, filter *model.InteractionFilter, orderBy *model.InteractionOrder) (*model.InteractionConnection, error) {
	q.got[0], q.got[1] = selectedPageFlags(ctx)
	return q.queryResolver.Interactions(ctx, accountNumber, first, after, last, before, filter, orderBy)
}
