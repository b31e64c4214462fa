// Command serialmarshal rewrites gqlgen's generated executor so that list
// elements are marshalled on the calling goroutine: every call of
// graphql.MarshalSliceConcurrently becomes a call of marshalSliceSerially,
// a function of the same signature written by hand in the same package.
// gqlgen has no setting for this (worker_limit still starts a goroutine per
// element). go generate runs it right after gqlgen:
//
//	go run ./internal/serialmarshal graph/generated.go
//
// It fails, and writes nothing, unless it finds at least one call and every
// call has the shape it was written for, so that a gqlgen upgrade that
// changes the generated code stops go generate instead of leaving lists
// concurrent, or rewritten into something else.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"slices"
)

const (
	fromPackage = "graphql"
	fromFunc    = "MarshalSliceConcurrently"
	toFunc      = "marshalSliceSerially"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: serialmarshal FILE.go")
		os.Exit(2)
	}
	path := os.Args[1]
	src, err := os.ReadFile(path)
	if err == nil {
		var out []byte
		var n int
		if out, n, err = rewrite(path, src); err == nil {
			err = os.WriteFile(path, out, 0o644)
			if err == nil {
				fmt.Printf("serialmarshal: %s: %d list marshallers made serial\n", path, n)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "serialmarshal: %v\n", err)
		os.Exit(1)
	}
}

// rewrite returns src with every call of graphql.MarshalSliceConcurrently
// renamed, and the number of calls it renamed.
func rewrite(name string, src []byte) ([]byte, int, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, 0, err
	}
	if slices.ContainsFunc(file.Decls, declares(toFunc)) {
		return nil, 0, fmt.Errorf("%s declares %s itself; expected it in a hand-written file", name, toFunc)
	}

	// Spans of the selector expressions to replace, in file order.
	var spans [][2]int
	var problems []error
	ast.Inspect(file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != fromFunc {
			return true
		}
		pos := fset.Position(sel.Pos())
		if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != fromPackage {
			problems = append(problems, fmt.Errorf("%s: %s used on something other than package %s", pos, fromFunc, fromPackage))
			return true
		}
		spans = append(spans, [2]int{fset.Position(sel.Pos()).Offset, fset.Position(sel.End()).Offset})
		return true
	})
	// Each use must be a call with gqlgen's five arguments, the last a
	// function literal func(ctx context.Context, i int) graphql.Marshaler:
	// that is the contract marshalSliceSerially keeps.
	calls := 0
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != fromFunc {
			return true
		}
		calls++
		if err := checkCall(fset, call); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", fset.Position(call.Pos()), err))
		}
		return true
	})
	switch {
	case len(spans) == 0:
		problems = append(problems, fmt.Errorf("%s: no call of %s.%s found; gqlgen's generated code has changed, so check that list elements are still marshalled as marshalSliceSerially assumes before adapting this rewrite", name, fromPackage, fromFunc))
	case calls != len(spans):
		problems = append(problems, fmt.Errorf("%s: %s.%s appears %d times but is called %d times; only calls can be rewritten", name, fromPackage, fromFunc, len(spans), calls))
	}
	if len(problems) > 0 {
		return nil, 0, errors.Join(problems...)
	}

	var out bytes.Buffer
	last := 0
	for _, s := range spans {
		out.Write(src[last:s[0]])
		out.WriteString(toFunc)
		last = s[1]
	}
	out.Write(src[last:])
	formatted, err := format.Source(out.Bytes())
	if err != nil {
		return nil, 0, fmt.Errorf("%s: rewritten code does not parse: %w", name, err)
	}
	return formatted, len(spans), nil
}

func checkCall(fset *token.FileSet, call *ast.CallExpr) error {
	if len(call.Args) != 5 || call.Ellipsis.IsValid() {
		return fmt.Errorf("%s called with %d arguments, want 5", fromFunc, len(call.Args))
	}
	lit, ok := call.Args[4].(*ast.FuncLit)
	if !ok {
		return fmt.Errorf("last argument of %s is not a function literal", fromFunc)
	}
	want := "func(ctx context.Context, i int) graphql.Marshaler"
	if got := exprString(fset, lit.Type); got != want {
		return fmt.Errorf("element marshaller is %s, want %s", got, want)
	}
	return nil
}

func exprString(fset *token.FileSet, e ast.Expr) string {
	var b bytes.Buffer
	if err := format.Node(&b, fset, e); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return b.String()
}

func declares(name string) func(ast.Decl) bool {
	return func(d ast.Decl) bool {
		fn, ok := d.(*ast.FuncDecl)
		return ok && fn.Recv == nil && fn.Name.Name == name
	}
}
