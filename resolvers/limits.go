package resolvers

import (
	"cmp"
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

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

	// MaxOperations bounds the operations of one document. Validation
	// walks a fragment once for every operation that spreads it, so a
	// document of many operations over one fragment full of variables
	// costs their product. Clients send one operation a document.
	MaxOperations = 20
	// MaxValidationErrors bounds the errors validation reports for one
	// document; such a product of operations and variables once made a
	// million errors, and a response of over a hundred megabytes.
	MaxValidationErrors = 100
	// MaxSameName and MaxLiteralValues bound, as a document is written,
	// the fields of one response name and the literal values of arguments:
	// validation compares every two fields of one response name with
	// their arguments, so a thousand copies of one alias, each with a
	// large literal, took it over ten seconds.
	MaxSameName      = 200
	MaxLiteralValues = 10000
)

// ValidationRules returns gqlparser's default rules with their errors for
// one document capped at MaxValidationErrors; the handler asks for a new
// set for each document it validates, so each gets its own count.
func ValidationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	reported := 0
	for name, rule := range r.GetInner() {
		r.ReplaceRule(name, func(observers *core.Events, addError core.AddErrFunc) {
			rule(observers, func(options ...core.ErrorOption) {
				if reported < MaxValidationErrors {
					reported++
					addError(options...)
				}
			})
		})
	}
	return r
}

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

// QueryLimits is a gqlgen extension that refuses operations whose fields
// nest deeper than MaxDepth, counting every field on the path, leaves
// included, that hold more than MaxFields fields in all, or that ask for
// totalCount more than MaxCounts times. Its exact counts run after
// validation, so fragments exist and do not cycle.
//
// Complexity cannot price a count: it multiplies a connection's fields by
// the page size, yet a count is one query however small the page, and one
// that may read every row of an account (a few hundred milliseconds for a
// filtered count over a hundred thousand rows). Aliases of first: 0 with
// a count each were nearly free by complexity and held every database
// connection for seconds.
//
// Validation itself is not cheap for every document: comparing the fields
// that share a response name takes time quadratic in their number (60,000
// copies of one field took minutes, past any request deadline, since
// validation does not watch the context). So a document not yet in Cache,
// the executor's cache of validated documents, is parsed first and refused
// when it holds more than MaxFields selections as written, which a
// document that passes the exact count never does.
type QueryLimits struct {
	MaxDepth  int
	MaxFields int
	MaxCounts int
	Cache     graphql.Cache[*ast.QueryDocument]
}

var (
	_ graphql.HandlerExtension          = QueryLimits{}
	_ graphql.OperationContextMutator   = QueryLimits{}
	_ graphql.OperationParameterMutator = QueryLimits{}
)

func (d QueryLimits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
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
	if len(doc.Operations) > MaxOperations {
		err := gqlerror.Errorf("document has more than %d operations, over the operation limit of %d", MaxOperations, MaxOperations)
		err.Extensions = map[string]any{"code": "OPERATION_LIMIT_EXCEEDED", "limit": MaxOperations}
		return err
	}
	w := written{names: map[string]int{}}
	for _, op := range doc.Operations {
		w.selections(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		w.selections(f.SelectionSet)
	}
	switch {
	case w.fields > d.MaxFields:
		return d.fieldLimitError()
	case w.maxName > MaxSameName:
		err := gqlerror.Errorf("document selects one response name (%s) more than %d times, over the limit of %d",
			w.maxNameIs, MaxSameName, MaxSameName)
		err.Extensions = map[string]any{"code": "FIELD_LIMIT_EXCEEDED", "limit": MaxSameName}
		return err
	case w.values > MaxLiteralValues:
		err := gqlerror.Errorf("document has more than %d literal values in its arguments, over the limit of %d; "+
			"pass large inputs as variables", MaxLiteralValues, MaxLiteralValues)
		err.Extensions = map[string]any{"code": "VALUE_LIMIT_EXCEEDED", "limit": MaxLiteralValues}
		return err
	}
	return nil
}

// written counts a document as it is written, each fragment once however
// often it is used: its fields and fragments, how often each response
// name (alias or name) occurs, and the literal values of its arguments.
// Validation compares every two fields of one response name, arguments
// included, so the last two bound its cost along with the first.
type written struct {
	fields    int
	names     map[string]int
	maxName   int
	maxNameIs string
	values    int
}

func (w *written) selections(set ast.SelectionSet) {
	w.fields += len(set)
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			name := cmp.Or(sel.Alias, sel.Name)
			w.names[name]++
			if n := w.names[name]; n > w.maxName {
				w.maxName, w.maxNameIs = n, name
			}
			for _, a := range sel.Arguments {
				w.value(a.Value)
			}
			w.directives(sel.Directives)
			w.selections(sel.SelectionSet)
		case *ast.InlineFragment:
			w.directives(sel.Directives)
			w.selections(sel.SelectionSet)
		case *ast.FragmentSpread:
			w.directives(sel.Directives)
		}
	}
}

func (w *written) directives(list ast.DirectiveList) {
	for _, d := range list {
		for _, a := range d.Arguments {
			w.value(a.Value)
		}
	}
}

func (w *written) value(v *ast.Value) {
	if v == nil {
		return
	}
	w.values++
	for _, c := range v.Children {
		w.value(c.Value)
	}
}

func (d QueryLimits) fieldLimitError() *gqlerror.Error {
	err := gqlerror.Errorf("operation has more than %d fields (aliases and fragment uses included), over the field limit of %d",
		d.MaxFields, d.MaxFields)
	err.Extensions = map[string]any{"code": "FIELD_LIMIT_EXCEEDED", "limit": d.MaxFields}
	return err
}

func (QueryLimits) ExtensionName() string                   { return "QueryLimits" }
func (QueryLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (d QueryLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	m := measureSet(op.SelectionSet)
	if m.depth > d.MaxDepth {
		err := gqlerror.Errorf("operation is more than %d fields deep, over the depth limit of %d", d.MaxDepth, d.MaxDepth)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED", "limit": d.MaxDepth}
		return err
	}
	if d.MaxFields > 0 && m.fields > d.MaxFields {
		return d.fieldLimitError()
	}
	if d.MaxCounts > 0 && m.counts > d.MaxCounts {
		err := gqlerror.Errorf("operation asks for totalCount more than %d times, over the count limit of %d", d.MaxCounts, d.MaxCounts)
		err.Extensions = map[string]any{"code": "COUNT_LIMIT_EXCEEDED", "limit": d.MaxCounts}
		return err
	}
	return nil
}

// measure is what the limits count in a selection set as executed, each
// fragment counted wherever it is used.
type measure struct {
	depth  int // fields on the longest path, leaves included
	fields int
	counts int // totalCount fields, the only fields of that name in the schema
}

// measureSet measures set, visiting each fragment's definition once: a
// document of a few lines whose fragments each spread the next twice
// asks for 2^n fields, and a walk that expanded every use took minutes
// to find that out. Sums stop growing at saturated, far over any limit.
func measureSet(set ast.SelectionSet) measure {
	var memo map[string]measure
	var walk func(ast.SelectionSet) measure
	walk = func(set ast.SelectionSet) measure {
		var total measure
		for _, sel := range set {
			var m measure
			switch sel := sel.(type) {
			case *ast.Field:
				m = walk(sel.SelectionSet)
				m.depth++
				m.fields = saturate(m.fields + 1)
				if sel.Name == "totalCount" {
					m.counts = saturate(m.counts + 1)
				}
			case *ast.InlineFragment:
				m = walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				if sel.Definition == nil {
					continue
				}
				var ok bool
				if m, ok = memo[sel.Name]; !ok {
					// Validation has refused fragment cycles, so this ends.
					m = walk(sel.Definition.SelectionSet)
					if memo == nil {
						memo = make(map[string]measure)
					}
					memo[sel.Name] = m
				}
			}
			total.depth = max(total.depth, m.depth)
			total.fields = saturate(total.fields + m.fields)
			total.counts = saturate(total.counts + m.counts)
		}
		return total
	}
	return walk(set)
}

const saturated = 1 << 40

func saturate(n int) int { return min(n, saturated) }
