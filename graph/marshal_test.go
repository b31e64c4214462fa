package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/interactions-api/interactions/graph/model"
)

// TestGeneratedListsAreSerial guards the go generate step that rewrites
// generated.go: if gqlgen's code were regenerated without it, lists would
// go back to a goroutine per element.
func TestGeneratedListsAreSerial(t *testing.T) {
	src := readGenerated(t)
	if n := strings.Count(src, "marshalSliceSerially("); n == 0 {
		t.Error("generated.go never calls marshalSliceSerially; run go generate ./...")
	}
	if strings.Contains(src, "MarshalSliceConcurrently") {
		t.Error("generated.go still calls graphql.MarshalSliceConcurrently; run go generate ./...")
	}
}

func readGenerated(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("generated.go")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMarshalSliceSerially checks what the generated code relies on: every
// element is marshalled once, in order, on the calling goroutine, under a
// FieldContext of its own whose Index is the element's and whose parent is
// the list's; a panicking element becomes a null and one error on its path,
// and leaves the others alone.
func TestMarshalSliceSerially(t *testing.T) {
	var recovered []any
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter,
		func(ctx context.Context, v any) error {
			recovered = append(recovered, v)
			return fmt.Errorf("element failed: %v", v)
		})
	list := &graphql.FieldContext{Object: "Query", Field: graphql.CollectedField{Field: &ast.Field{Alias: "things"}}}
	ctx = graphql.WithFieldContext(ctx, list)

	// Appending without a lock: under -race, elements marshalled on other
	// goroutines would be reported.
	var order []int
	ret := marshalSliceSerially(ctx, 4, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		order = append(order, i)
		fc := graphql.GetFieldContext(ctx)
		if fc.Index == nil || *fc.Index != i {
			t.Errorf("element %d: FieldContext index %v", i, fc.Index)
		}
		if fc.Parent != list {
			t.Errorf("element %d: FieldContext parent is not the list's", i)
		}
		if i == 2 {
			panic("element two")
		}
		return graphql.MarshalInt(i)
	})

	if want := []int{0, 1, 2, 3}; !reflect.DeepEqual(order, want) {
		t.Errorf("elements marshalled in order %v, want %v", order, want)
	}
	if got := marshalJSON(ret); got != "[0,1,null,3]" {
		t.Errorf("list marshalled as %s, want [0,1,null,3]", got)
	}
	if !reflect.DeepEqual(recovered, []any{"element two"}) {
		t.Errorf("recover func got %v, want the one panic", recovered)
	}
	errs := graphql.GetErrors(ctx)
	if len(errs) != 1 || errs[0].Message != "element failed: element two" ||
		errs[0].Path.String() != "things[2]" {
		t.Errorf("errors %+v, want one on things[2]", errs)
	}

	if ret := marshalSliceSerially(ctx, 0, 0, false, nil); ret == nil || len(ret) != 0 {
		t.Errorf("empty list marshalled as %#v, want an empty non-nil Array", ret)
	}
}

// TestMarshalSliceSeriallyOmitPanicHandler: with gqlgen's omit_panic_handler,
// a panic is left to the caller, as gqlgen's own function leaves it.
func TestMarshalSliceSeriallyOmitPanicHandler(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	defer func() {
		if r := recover(); r != "through" {
			t.Errorf("recovered %v, want the element's panic", r)
		}
	}()
	marshalSliceSerially(ctx, 2, 0, true, func(ctx context.Context, i int) graphql.Marshaler {
		if i == 1 {
			panic("through")
		}
		return graphql.Null
	})
	t.Error("the element's panic did not reach the caller")
}

// TestListElementPanicOverHTTP serves the generated schema over HTTP with a
// nodes resolver that returns, between two interactions, a Node the
// generated code cannot marshal, which makes it panic inside that list
// element. The server answers 200 with the other elements, a null in the
// bad one's place and one error on its path; and it keeps answering.
func TestListElementPanicOverHTTP(t *testing.T) {
	var recovered []string
	srv := handler.New(NewExecutableSchema(Config{Resolvers: fakeRoot{}}))
	srv.AddTransport(transport.POST{})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		recovered = append(recovered, graphql.GetPath(ctx).String())
		return gqlerror.Errorf("internal error")
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	for _, tc := range []struct {
		ids      string
		wantData string
		wantPath string
	}{
		{`["a", "bad", "c"]`, `{"nodes":[{"id":"a"},null,{"id":"c"}]}`, "nodes[1]"},
		{`["bad"]`, `{"nodes":[null]}`, "nodes[0]"},
		{`["a", "b"]`, `{"nodes":[{"id":"a"},{"id":"b"}]}`, ""},
	} {
		recovered = nil
		status, body := post(t, ts.URL, `{ nodes(ids: `+tc.ids+`) { id } }`)
		var resp struct {
			Data   json.RawMessage
			Errors []struct {
				Message string
				Path    []any
			}
		}
		if err := json.Unmarshal(body, &resp); err != nil || status != http.StatusOK {
			t.Fatalf("ids %s: %d %s", tc.ids, status, body)
		}
		if string(resp.Data) != tc.wantData {
			t.Errorf("ids %s: data %s, want %s", tc.ids, resp.Data, tc.wantData)
		}
		if tc.wantPath == "" {
			if len(resp.Errors) != 0 || len(recovered) != 0 {
				t.Errorf("ids %s: errors %+v, recovered %v, want none", tc.ids, resp.Errors, recovered)
			}
			continue
		}
		if len(resp.Errors) != 1 || resp.Errors[0].Message != "internal error" ||
			pathString(resp.Errors[0].Path) != tc.wantPath {
			t.Errorf("ids %s: errors %+v, want one internal error on %s", tc.ids, resp.Errors, tc.wantPath)
		}
		if !reflect.DeepEqual(recovered, []string{tc.wantPath}) {
			t.Errorf("ids %s: recover func saw paths %v, want [%s]", tc.ids, recovered, tc.wantPath)
		}
	}
}

// pathString writes a JSON error path as gqlgen's ast.Path does.
func pathString(p []any) string {
	var b strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(e)
		case float64:
			fmt.Fprintf(&b, "[%d]", int(e))
		}
	}
	return b.String()
}

func post(t *testing.T, url, query string) (int, []byte) {
	t.Helper()
	payload, err := json.Marshal(map[string]string{"query": query})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func marshalJSON(m graphql.Marshaler) string {
	var b bytes.Buffer
	m.MarshalGQL(&b)
	return b.String()
}

// foreignNode implements model.Node but is no type of the schema, and not
// a graphql.Marshaler either, so the generated code cannot marshal it.
type foreignNode struct{}

func (foreignNode) IsNode()       {}
func (foreignNode) GetID() string { return "bad" }

type fakeRoot struct{}

func (fakeRoot) InteractionConnection() InteractionConnectionResolver { return nil }
func (fakeRoot) Mutation() MutationResolver                           { return nil }
func (fakeRoot) Query() QueryResolver                                 { return fakeQuery{} }

type fakeQuery struct{}

func (fakeQuery) Interactions(context.Context, string, *int, *string, *int, *string, *model.InteractionFilter, *model.InteractionOrder) (*model.InteractionConnection, error) {
	return nil, fmt.Errorf("not served here")
}

func (fakeQuery) Node(context.Context, string) (model.Node, error) { return nil, nil }

func (fakeQuery) Nodes(_ context.Context, ids []string) ([]model.Node, error) {
	out := make([]model.Node, len(ids))
	for i, id := range ids {
		if id == "bad" {
			out[i] = foreignNode{}
		} else {
			out[i] = model.Interaction{ID: id}
		}
	}
	return out, nil
}
