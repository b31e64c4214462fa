package bulk_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/bulk"
)

// Options.BadLine gets every invalid row once, in input order, beyond the
// MaxBadLines that Result keeps, whatever path the import takes.
func TestImport_BadLineGetsEveryRow(t *testing.T) {
	for _, s := range setups {
		for _, skip := range []bool{false, true} {
			name := s.name + "/Strict"
			if skip {
				name = s.name + "/SkipInvalid"
			}
			t.Run(name, func(t *testing.T) {
				db := openTestDB(t)
				prefill(t, db, s.prefill)
				var got []bulk.BadLine
				opts := s.opts
				opts.SkipInvalid = skip
				opts.MaxBadLines = 1
				opts.BadLine = func(b bulk.BadLine) { got = append(got, b) }
				res, err := bulk.Import(context.Background(), db.DB, strings.NewReader(mixedInput), opts)
				if skip && err != nil || !skip && !errors.Is(err, bulk.ErrInvalidRows) {
					t.Fatalf("Import(mixed input, SkipInvalid %v) error = %v", skip, err)
				}
				if !slices.Equal(got, mixedBad) {
					t.Errorf("BadLine got\n%v\nwant\n%v", got, mixedBad)
				}
				if !slices.Equal(res.Bad, mixedBad[:1]) || res.Invalid != len(mixedBad) {
					t.Errorf("Result keeps %v of %d invalid rows, want %v of %d", res.Bad, res.Invalid, mixedBad[:1], len(mixedBad))
				}
			})
		}
	}
}
