package store

import (
	"slices"
	"strings"
	"testing"
)

// TestOmittedPageFlagSkipsItsQuery runs each page with and without the
// Omit flags on a read pool that records every statement (see
// openPlanDB): omitting the flag that would take a query of its own drops
// exactly that EXISTS query and changes nothing else of the page, and
// omitting any other flag changes nothing at all.
func TestOmittedPageFlagSkipsItsQuery(t *testing.T) {
	db, rec := openPlanDB(t)
	ctx := t.Context()
	n, three := 10, 3
	for _, desc := range []bool{false, true} {
		whole, err := db.Interactions(ctx, PageRequest{AccountNumber: "ACC-001", Descending: desc, First: &n})
		if err != nil {
			t.Fatal(err)
		}
		mid := whole.Interactions[5].Position()
		for _, tc := range []struct {
			name string
			req  PageRequest
			// the flag that takes an EXISTS query of its own, if any
			costly string
		}{
			{"first after", PageRequest{First: &n, After: &mid}, "previous"},
			{"last before", PageRequest{Last: &n, Before: &mid}, "next"},
			{"first last after", PageRequest{First: &n, Last: &three, After: &mid}, ""},
			{"first before", PageRequest{First: &n, Before: &mid}, ""},
			{"last after", PageRequest{Last: &n, After: &mid}, ""},
			{"first", PageRequest{First: &n}, ""},
		} {
			tc.req.AccountNumber, tc.req.Descending = "ACC-001", desc
			rec.take()
			full, err := db.Interactions(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			fullQueries := rec.take()
			if want := 1 + boolInt(tc.costly != ""); len(fullQueries) != want {
				t.Fatalf("desc %v, %s: %d statements, want %d: %v", desc, tc.name, len(fullQueries), want, fullQueries)
			}
			if tc.costly == "previous" && !full.HasPreviousPage || tc.costly == "next" && !full.HasNextPage {
				t.Fatalf("desc %v, %s: page %+v lacks the flag this test means to omit", desc, tc.name, flags(full))
			}

			for _, omit := range []string{"previous", "next", "both"} {
				req := tc.req
				req.OmitHasPreviousPage = omit != "next"
				req.OmitHasNextPage = omit != "previous"
				got, err := db.Interactions(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				queries := rec.take()

				want := full
				wantQueries := fullQueries
				if spared := tc.costly != "" && (omit == "both" || omit == tc.costly); spared {
					wantQueries = fullQueries[:1]
					if !strings.HasPrefix(fullQueries[1].query, "SELECT EXISTS") {
						t.Fatalf("desc %v, %s: second statement is not the EXISTS: %v", desc, tc.name, fullQueries[1])
					}
					if tc.costly == "previous" {
						want.HasPreviousPage = false
					} else {
						want.HasNextPage = false
					}
				}
				if !slices.EqualFunc(queries, wantQueries, func(a, b executedPlan) bool { return a.query == b.query }) {
					t.Errorf("desc %v, %s, omitting %s: ran %v, want %v", desc, tc.name, omit, queries, wantQueries)
				}
				if !slices.Equal(ids(got.Interactions), ids(full.Interactions)) || flags(got) != flags(want) {
					t.Errorf("desc %v, %s, omitting %s: rows %v %+v, want %v %+v",
						desc, tc.name, omit, ids(got.Interactions), flags(got), ids(full.Interactions), flags(want))
				}
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func flags(p Page) [2]bool { return [2]bool{p.HasPreviousPage, p.HasNextPage} }
