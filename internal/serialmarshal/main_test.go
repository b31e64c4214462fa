package main

import (
	"strings"
	"testing"
)

const header = `package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

`

const gqlgenList = `func list(ctx context.Context, v []int) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return graphql.MarshalInt(v[i])
	})
	return ret
}
`

func TestRewrite(t *testing.T) {
	src := header + gqlgenList + strings.ReplaceAll(gqlgenList, "func list(", "func other(")
	out, n, err := rewrite("generated.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("rewrote %d calls, want 2", n)
	}
	want := strings.ReplaceAll(src, "graphql.MarshalSliceConcurrently(", "marshalSliceSerially(")
	if string(out) != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", out, want)
	}
}

// TestRewriteRefuses: whatever the rewrite was not written for stops it,
// so that go generate fails instead of leaving the code as gqlgen wrote it.
func TestRewriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, src, wantErr string
	}{
		{"no call", header + "func f() {}\n", "no call of graphql.MarshalSliceConcurrently"},
		{"already rewritten", header + strings.ReplaceAll(gqlgenList, "graphql.MarshalSliceConcurrently", "marshalSliceSerially"),
			"no call of graphql.MarshalSliceConcurrently"},
		{"other arguments", header + strings.ReplaceAll(gqlgenList, "len(v), 0, false,", "len(v), 0,"), "with 4 arguments, want 5"},
		{"other callback", header + strings.ReplaceAll(gqlgenList, "i int) graphql.Marshaler {", "i int, sel any) graphql.Marshaler {"),
			"element marshaller is func(ctx context.Context, i int, sel any) graphql.Marshaler"},
		{"callback not literal", header + `func f(ctx context.Context, m func(context.Context, int) graphql.Marshaler) {
	graphql.MarshalSliceConcurrently(ctx, 1, 0, false, m)
}
`, "not a function literal"},
		{"not called", header + gqlgenList + "var f = graphql.MarshalSliceConcurrently\n", "appears 2 times but is called 1 times"},
		{"declared here", header + gqlgenList + "func marshalSliceSerially() {}\n", "declares marshalSliceSerially itself"},
		{"not Go", "package graph\nfunc {", "expected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := rewrite("generated.go", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
			if out != nil {
				t.Errorf("wrote output despite the error")
			}
		})
	}
}
