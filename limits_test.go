package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/interactions-api/interactions/store"
)

// limitsIntrospection is the shape of the query GraphiQL-based playgrounds
// send on load, with the deepest type reference they use (nine ofType).
var limitsIntrospection = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name` + strings.Repeat(" ofType { kind name", 9) + strings.Repeat(" }", 9) + `
}`

func TestLimits(t *testing.T) {
	s := startTestServer(t)

	t.Run("PlaygroundIntrospectionPasses", func(t *testing.T) {
		resp := s.graphql(t, "", limitsIntrospection, nil)
		if resp.Status != http.StatusOK || len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `"Interaction"`) {
			t.Errorf("introspection: status %d, errors %+v", resp.Status, resp.Errors)
		}
	})

	t.Run("DepthOver15Refused", func(t *testing.T) {
		for _, levels := range []int{10, 11, 60} {
			q := "{ __schema { types { fields { type {" + strings.Repeat(" ofType {", levels) + " name" +
				strings.Repeat(" }", levels) + " } } } } }"
			resp := s.graphql(t, "", q, nil)
			refused := len(resp.Errors) > 0 && resp.Errors[0].Extensions["code"] == "DEPTH_LIMIT_EXCEEDED"
			if want := 4+levels+1 > 15; refused != want {
				t.Errorf("%d fields deep: refused %v, want %v (errors %+v)", 4+levels+1, refused, want, resp.Errors)
			}
			if refused && (!strings.Contains(resp.Errors[0].Message, "15") || resp.Status >= 500) {
				t.Errorf("depth refusal %d %q does not name the limit 15", resp.Status, resp.Errors[0].Message)
			}
		}
	})

	t.Run("AliasesMultiplyingPagesRefused", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{")
		for i := range 10 {
			fmt.Fprintf(&b, ` a%d: interactions(accountNumber: "ACC-001", first: 100) { edges { cursor node { id databaseId timestamp reason summary solution channel agentId addressedBy externalId accountNumber } } }`, i)
		}
		b.WriteString(" }")
		resp := s.graphql(t, "", b.String(), nil)
		if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" ||
			!strings.Contains(resp.Errors[0].Message, "5000") || resp.Status >= 500 {
			t.Errorf("10 aliased pages of 100: status %d, errors %+v; want COMPLEXITY_LIMIT_EXCEEDED naming 5000",
				resp.Status, resp.Errors)
		}
	})

	t.Run("OneFullPageAllowed", func(t *testing.T) {
		resp := s.graphql(t, "", `{ interactions(accountNumber: "ACC-001", first: 100) { totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { id databaseId timestamp reason summary solution channel agentId addressedBy externalId accountNumber } } } }`, nil)
		if len(resp.Errors) > 0 {
			t.Errorf("a full page of 100: %+v", resp.Errors)
		}
	})
}

func TestLimits_RequestTimeout(t *testing.T) {
	// A deadline that has passed before the first database call makes
	// every read hit it, with no timing involved.
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{RequestTimeout: time.Nanosecond})
	resp := s.graphql(t, "", `{ interactions(accountNumber: "ACC-001") { totalCount } }`, nil)
	if resp.Status != http.StatusOK || len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != "REQUEST_TIMEOUT" ||
		!strings.Contains(resp.Errors[0].Message, "1ns") {
		t.Errorf("GraphQL past the deadline: %d %+v; want REQUEST_TIMEOUT naming 1ns", resp.Status, resp.Errors)
	}
	status, _, body := s.get(t, "/interactions/ACC-001")
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), `"code":"timeout"`) {
		t.Errorf("REST past the deadline: %d %s; want 503 timeout", status, body)
	}
	if strings.Contains(s.Logs.String(), `"level":"ERROR"`) {
		t.Errorf("a timeout was logged as an internal error:\n%s", s.Logs.String())
	}
}

func TestLimits_Configured(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{
		MaxBodyBytes: 400, MaxComplexity: 30, MaxDepth: 3, MaxFields: 12, MaxCounts: 2,
	})
	tests := []struct {
		name, query, code, limit string
	}{
		{"Fields", "{" + strings.Repeat(" __typename", 13) + " }", "FIELD_LIMIT_EXCEEDED", "12"},
		{"Depth", `{ interactions(accountNumber: "ACC-001", first: 1) { edges { node { id } } } }`, "DEPTH_LIMIT_EXCEEDED", "3"},
		{"Complexity", `{ interactions(accountNumber: "ACC-001", first: 20) { pageInfo { hasNextPage } totalCount } }`, "COMPLEXITY_LIMIT_EXCEEDED", "30"},
		{"BodyBytes", `{ __typename }` + strings.Repeat(" ", 400), "REQUEST_BODY_TOO_LARGE", "400"},
		{"Counts", `query { ...C b: interactions(accountNumber: "ACC-002", first: 0) { totalCount } }
			fragment C on Query { a: interactions(accountNumber: "ACC-001", first: 0) { totalCount c: totalCount } }`,
			"COUNT_LIMIT_EXCEEDED", "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.graphql(t, "", tc.query, nil)
			if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != tc.code ||
				!strings.Contains(resp.Errors[0].Message, tc.limit) || resp.Status >= 500 {
				t.Errorf("status %d, errors %+v; want %s naming %s", resp.Status, resp.Errors, tc.code, tc.limit)
			}
		})
	}
	if resp := s.graphql(t, "", `{ interactions(accountNumber: "ACC-001", first: 2) { totalCount } }`, nil); len(resp.Errors) > 0 {
		t.Errorf("a query within every limit: %+v", resp.Errors)
	}
	if resp := s.graphql(t, "", `{ a: interactions(accountNumber: "ACC-001", first: 0) { totalCount }
		b: interactions(accountNumber: "ACC-002", first: 0) { totalCount } }`, nil); len(resp.Errors) > 0 {
		t.Errorf("two counts under a count limit of 2: %+v", resp.Errors)
	}
}

func TestLimits_PlaygroundIntrospectionWithinFieldLimit(t *testing.T) {
	s := startTestServer(t)
	resp := s.graphql(t, "", limitsIntrospection, nil)
	if len(resp.Errors) > 0 {
		t.Errorf("introspection under the default field limit: %+v", resp.Errors)
	}
}

// TestLimits_FieldsCountedBeforeValidation sends a document whose fields,
// as written, are over the limit and which also fails validation: the
// field limit must answer, proving the count ran first. Validating many
// fields of one response name takes time quadratic in their number, and
// validation does not watch the request's deadline.
func TestLimits_FieldsCountedBeforeValidation(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{MaxFields: 50})
	query := "{ " + strings.Repeat("__typename ", 2000) + "nope }"
	resp := s.graphql(t, "", query, nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "FIELD_LIMIT_EXCEEDED" || !strings.Contains(resp.Errors[0].Message, "50") {
		t.Errorf("2,001 fields and an unknown one: %d %+v; want only FIELD_LIMIT_EXCEEDED naming 50", resp.Status, resp.Errors)
	}

	// A fragment counts once as written; used 11 times it counts 11 times
	// in the exact count after validation, which refuses it there.
	frag := "fragment F on Query { a: __typename b: __typename c: __typename d: __typename e: __typename } "
	spreads := "{ " + strings.Repeat("...F ", 11) + "}"
	resp = s.graphql(t, "", frag+spreads, nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "FIELD_LIMIT_EXCEEDED" {
		t.Errorf("a fragment of 5 used 11 times: %d %+v; want FIELD_LIMIT_EXCEEDED", resp.Status, resp.Errors)
	}

	// Under the limit, and again once the document is cached.
	for range 2 {
		resp = s.graphql(t, "", frag+"{ ...F ...F }", nil)
		if len(resp.Errors) != 0 || !strings.Contains(string(resp.Data), `"a":"Query"`) {
			t.Errorf("a fragment of 5 used twice: %s %+v", resp.Data, resp.Errors)
		}
	}
}

// TestLimits_FragmentsSpreadTwice sends a short document whose fragments
// each spread the next one twice: 40 lines that ask for 2^40 fields.
// Walks that expand every use of a fragment (gqlgen's complexity among
// them) take exponential time on it; the field limit must refuse it first.
func TestLimits_FragmentsSpreadTwice(t *testing.T) {
	s := startTestServer(t)
	var doc strings.Builder
	doc.WriteString("query { ...F0 }\n")
	const n = 40
	for i := range n {
		fmt.Fprintf(&doc, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&doc, "fragment F%d on Query { __typename }\n", n)
	resp := s.graphql(t, "", doc.String(), nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "FIELD_LIMIT_EXCEEDED" {
		t.Errorf("2^%d fields through fragments: %d %+v; want FIELD_LIMIT_EXCEEDED", n, resp.Status, resp.Errors)
	}

	// The same shape of five levels makes 32 counts in 33 fields.
	doc.Reset()
	doc.WriteString("query { interactions(accountNumber: \"ACC-001\", first: 0) { ...C0 } }\n")
	for i := range 5 {
		fmt.Fprintf(&doc, "fragment C%d on InteractionConnection { ...C%d ...C%d }\n", i, i+1, i+1)
	}
	doc.WriteString("fragment C5 on InteractionConnection { totalCount }\n")
	resp = s.graphql(t, "", doc.String(), nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "COUNT_LIMIT_EXCEEDED" {
		t.Errorf("32 counts through fragments: %d %+v; want COUNT_LIMIT_EXCEEDED", resp.Status, resp.Errors)
	}
}

// TestLimits_OperationsAndValidationErrors covers a document whose cost is
// the product of its operations and the variables of a fragment they all
// spread: the operations are bounded, and so are the errors validation
// reports for one document.
func TestLimits_OperationsAndValidationErrors(t *testing.T) {
	s := startTestServer(t)
	vars := make([]string, 300)
	for i := range vars {
		vars[i] = fmt.Sprintf("$v%d", i)
	}
	frag := "fragment F on Query { nodes(ids: [" + strings.Join(vars, ",") + "]) { id } }\n"

	var ops strings.Builder
	for i := range 21 {
		fmt.Fprintf(&ops, "query Q%d { ...F }\n", i)
	}
	resp := s.postJSON(t, map[string]any{"query": ops.String() + frag, "operationName": "Q0"})
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "OPERATION_LIMIT_EXCEEDED" || !strings.Contains(resp.Errors[0].Message, "20") {
		t.Errorf("21 operations: %d, %d errors, first %+v; want one OPERATION_LIMIT_EXCEEDED naming 20",
			resp.Status, len(resp.Errors), resp.Errors[:min(1, len(resp.Errors))])
	}

	// 3 operations × 300 undefined variables would be 900 errors.
	ops.Reset()
	for i := range 3 {
		fmt.Fprintf(&ops, "query Q%d { ...F }\n", i)
	}
	resp = s.postJSON(t, map[string]any{"query": ops.String() + frag, "operationName": "Q0"})
	if resp.Status != http.StatusUnprocessableEntity || len(resp.Errors) != 100 {
		t.Errorf("900 undefined variable uses: %d with %d errors; want 422 with 100", resp.Status, len(resp.Errors))
	}
}

// TestLimits_SameNameAndLiterals bounds what validation compares pairwise:
// the fields of one response name, and the literal values they carry.
func TestLimits_SameNameAndLiterals(t *testing.T) {
	s := startTestServer(t)
	resp := s.graphql(t, "", "{ "+strings.Repeat("a: __typename ", 201)+"}", nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "FIELD_LIMIT_EXCEEDED" ||
		!strings.Contains(resp.Errors[0].Message, "(a) more than 200") {
		t.Errorf("201 fields named a: %d %+v; want FIELD_LIMIT_EXCEEDED naming a and 200", resp.Status, resp.Errors)
	}
	ids := strings.TrimSuffix(strings.Repeat(`"x",`, 10001), ",")
	resp = s.graphql(t, "", `{ nodes(ids: [`+ids+`]) { id } }`, nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "VALUE_LIMIT_EXCEEDED" || !strings.Contains(resp.Errors[0].Message, "10000") {
		t.Errorf("10,001 literal values: %d %+v; want VALUE_LIMIT_EXCEEDED naming 10000", resp.Status, resp.Errors)
	}
	// 200 of one name, and literals in a filter, are within the limits.
	resp = s.graphql(t, "", "{ "+strings.Repeat("a: __typename ", 200)+` b: interactions(accountNumber: "ACC-001", filter: {reasons: ["billing"]}) { totalCount } }`, nil)
	if len(resp.Errors) != 0 {
		t.Errorf("200 fields named a and a filter: %+v", resp.Errors)
	}
}
