package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/interactions-api/interactions/graph"
	"github.com/interactions-api/interactions/graph/model"
)

// Default query limits. A page of 100 interactions with every field costs
// about 1,500, so MaxComplexity admits a few full pages in one request and
// refuses requests that multiply them through aliases. MaxFields counts
// every field of the operation, aliases and fragment uses included; the
// playground's introspection query has a few hundred.
const (
	MaxComplexity = 5000
	MaxDepth      = 15
	MaxFields     = 1000
	MaxCounts     = 10
)

// complexity prices a connection by the rows it may return, so that cost
// follows the work done: a field under edges or nodes counts once a row.
func complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Query.Interactions = func(child int, _ string, first *int, _ *string, last *int, _ *string, _ *model.InteractionFilter, _ *model.InteractionOrder) int {
		n := DefaultPageSize
		switch {
		case first != nil:
			n = *first
		case last != nil:
			n = *last
		}
		// A size out of range is refused by the resolver with a message
		// naming the argument; clamping keeps the cost from refusing it first.
		return 1 + child*min(max(n, 1), MaxPageSize)
	}
	c.Query.Nodes = func(child int, ids []string) int {
		return 1 + child*min(max(len(ids), 1), MaxNodes)
	}
	return c
}

// CountLimit is a gqlgen extension that refuses operations asking for
// totalCount more than Max times, fragments counted where they are used.
// Complexity cannot price a count: it multiplies a connection's fields by
// the page size, yet a count is one query however small the page, and one
// that may read every row of an account (a few hundred milliseconds for a
// filtered count over a hundred thousand rows). Aliases of first: 0 with
// a count each were nearly free by complexity and held every database
// connection for seconds.
type CountLimit struct {
	Max int
}

var (
	_ graphql.HandlerExtension        = CountLimit{}
	_ graphql.OperationContextMutator = CountLimit{}
)

func (CountLimit) ExtensionName() string                   { return "CountLimit" }
func (CountLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l CountLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if n := countFields(op.SelectionSet, "totalCount", l.Max+1); n > l.Max {
		err := gqlerror.Errorf("operation asks for totalCount more than %d times, over the count limit of %d", l.Max, l.Max)
		err.Extensions = map[string]any{"code": "COUNT_LIMIT_EXCEEDED", "limit": l.Max}
		return err
	}
	return nil
}

// countFields counts the fields called name in set as executed, stopping
// once the count reaches stop. totalCount is the only field of that name
// in the schema.
func countFields(set ast.SelectionSet, name string, stop int) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == name {
				n++
			}
			n += countFields(sel.SelectionSet, name, stop-n)
		case *ast.InlineFragment:
			n += countFields(sel.SelectionSet, name, stop-n)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				n += countFields(sel.Definition.SelectionSet, name, stop-n)
			}
		}
		if n >= stop {
			return n
		}
	}
	return n
}

// DepthLimit is a gqlgen extension that refuses operations whose fields
// nest deeper than Max, counting every field on the path, leaves included,
// or that hold more than MaxFields fields in all. Its exact counts run after
// validation, so fragments exist and do not cycle.
//
// Validation itself is not cheap for every document: comparing the fields
// that share a response name takes time quadratic in their number (60,000
// copies of one field took minutes, past any request deadline, since
// validation does not watch the context). So a document not yet in Cache,
// the executor's cache of validated documents, is parsed first and refused
// when it holds more than MaxFields selections as written, which a
// document that passes the exact count never does.
type DepthLimit struct {
	Max       int
	MaxFields int
	Cache     graphql.Cache[*ast.QueryDocument]
}

var (
	_ graphql.HandlerExtension          = DepthLimit{}
	_ graphql.OperationContextMutator   = DepthLimit{}
	_ graphql.OperationParameterMutator = DepthLimit{}
)

func (d DepthLimit) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if d.MaxFields <= 0 || params.Query == "" {
		return nil
	}
	if d.Cache != nil {
		if _, ok := d.Cache.Get(ctx, params.Query); ok {
			return nil
		}
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: params.Query})
	if err != nil {
		// The executor parses it again and reports the error as its own.
		return nil
	}
	n := 0
	for _, op := range doc.Operations {
		n += writtenSelections(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += writtenSelections(f.SelectionSet)
	}
	if n > d.MaxFields {
		return d.fieldLimitError()
	}
	return nil
}

// writtenSelections counts the fields and fragments of set as the document
// writes them, each fragment once however often it is used.
func writtenSelections(set ast.SelectionSet) int {
	n := len(set)
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			n += writtenSelections(sel.SelectionSet)
		case *ast.InlineFragment:
			n += writtenSelections(sel.SelectionSet)
		}
	}
	return n
}

func (d DepthLimit) fieldLimitError() *gqlerror.Error {
	err := gqlerror.Errorf("operation has more than %d fields (aliases and fragment uses included), over the field limit of %d",
		d.MaxFields, d.MaxFields)
	err.Extensions = map[string]any{"code": "FIELD_LIMIT_EXCEEDED", "limit": d.MaxFields}
	return err
}

func (DepthLimit) ExtensionName() string                   { return "DepthLimit" }
func (DepthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d DepthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if depth := selectionDepth(op.SelectionSet, d.Max+1); depth > d.Max {
		err := gqlerror.Errorf("operation is more than %d fields deep, over the depth limit of %d", d.Max, d.Max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED", "limit": d.Max}
		return err
	}
	if d.MaxFields > 0 {
		if n := fieldCount(op.SelectionSet, d.MaxFields+1); n > d.MaxFields {
			return d.fieldLimitError()
		}
	}
	return nil
}

// fieldCount counts the fields of set as executed, each fragment counted
// where it is used, stopping once the count reaches stop.
func fieldCount(set ast.SelectionSet, stop int) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			n += 1 + fieldCount(sel.SelectionSet, stop-n-1)
		case *ast.InlineFragment:
			n += fieldCount(sel.SelectionSet, stop-n)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				n += fieldCount(sel.Definition.SelectionSet, stop-n)
			}
		}
		if n >= stop {
			return n
		}
	}
	return n
}

// selectionDepth returns the depth of set, stopping once it passes stop so
// that a hostile query costs no more to measure than to refuse.
func selectionDepth(set ast.SelectionSet, stop int) int {
	depth := 0
	for _, sel := range set {
		var d int
		switch sel := sel.(type) {
		case *ast.Field:
			if stop <= 1 {
				return 1
			}
			d = 1 + selectionDepth(sel.SelectionSet, stop-1)
		case *ast.InlineFragment:
			d = selectionDepth(sel.SelectionSet, stop)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				d = selectionDepth(sel.Definition.SelectionSet, stop)
			}
		}
		depth = max(depth, d)
		if depth >= stop {
			return depth
		}
	}
	return depth
}
