package resolvers

import (
	"context"
	"reflect"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// ExactEnumVariables is a gqlgen extension that refuses, as a validation
// failure (HTTP 422), a variable holding an enum value in the wrong case.
// gqlparser compares enum values in variables case-insensitively, so
// "voice" passes its validation and fails only later, when the generated
// code unmarshals it into Channel: an untyped resolver error that the
// presenter can only call internal. Enum values are case-sensitive in
// GraphQL and literals already fail validation; this makes variables fail
// the same way.
type ExactEnumVariables struct {
	schema *ast.Schema
}

var (
	_ graphql.HandlerExtension        = (*ExactEnumVariables)(nil)
	_ graphql.OperationContextMutator = (*ExactEnumVariables)(nil)
)

func (*ExactEnumVariables) ExtensionName() string { return "ExactEnumVariables" }

func (e *ExactEnumVariables) Validate(es graphql.ExecutableSchema) error {
	e.schema = es.Schema()
	return nil
}

// MutateOperationContext runs after gqlgen has validated and coerced the
// variables, so every value already has the shape of its type.
func (e *ExactEnumVariables) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	for _, def := range oc.Operation.VariableDefinitions {
		path := ast.Path{ast.PathName("variable"), ast.PathName(def.Variable)}
		if err := e.check(def.Type, oc.Variables[def.Variable], path); err != nil {
			errcode.Set(err, errcode.ValidationFailed)
			return err
		}
	}
	return nil
}

func (e *ExactEnumVariables) check(typ *ast.Type, v any, path ast.Path) *gqlerror.Error {
	if v == nil || typ == nil {
		return nil
	}
	if typ.Elem != nil {
		// Coercion may leave a list as any slice type, such as []string
		// for a single value given where a list is expected.
		list := reflect.ValueOf(v)
		if list.Kind() != reflect.Slice {
			return e.check(typ.Elem, v, path)
		}
		for i := range list.Len() {
			if err := e.check(typ.Elem, list.Index(i).Interface(), append(slices.Clip(path), ast.PathIndex(i))); err != nil {
				return err
			}
		}
		return nil
	}
	def := e.schema.Types[typ.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Enum:
		s, ok := v.(string)
		if !ok || def.EnumValues.ForName(s) != nil {
			return nil
		}
		return gqlerror.ErrorPathf(path, "%s is not a valid %s: enum values are case-sensitive", s, def.Name)
	case ast.InputObject:
		fields, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, f := range def.Fields {
			if err := e.check(f.Type, fields[f.Name], append(slices.Clip(path), ast.PathName(f.Name))); err != nil {
				return err
			}
		}
	}
	return nil
}
