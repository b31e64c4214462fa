package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// NoIntrospection refuses, before anything runs, operations that select
// __schema or __type on a server with introspection switched off. Left to
// gqlgen, such a field fails while executing with an uncoded error, which
// reads to a client as the server's fault. __typename stays allowed: it is
// not introspection of the schema, and clients such as Apollo add it.
type NoIntrospection struct{}

var (
	_ graphql.HandlerExtension        = NoIntrospection{}
	_ graphql.OperationContextMutator = NoIntrospection{}
)

func (NoIntrospection) ExtensionName() string                   { return "NoIntrospection" }
func (NoIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (NoIntrospection) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil || !selectsIntrospection(op.SelectionSet, map[string]bool{}) {
		return nil
	}
	err := gqlerror.Errorf("introspection is switched off on this server (INTERACTIONS_INTROSPECTION)")
	err.Extensions = map[string]any{"code": CodeIntrospectionDisabled}
	return err
}

// selectsIntrospection reports whether set, at the root of an operation,
// selects __schema or __type, directly or through fragments. Each fragment
// is looked into once (seen), however often it is spread.
func selectsIntrospection(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__schema" || sel.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if selectsIntrospection(sel.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if sel.Definition != nil && !seen[sel.Name] {
				seen[sel.Name] = true
				if selectsIntrospection(sel.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}
