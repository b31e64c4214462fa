package resolvers

import (
	"errors"
	"testing"

	"github.com/interactions-api/interactions/store"
)

// FuzzCursorDecode feeds arbitrary text to the cursor decoder: it must
// never panic, refuse with an *store.InvalidError naming the argument, and
// accept only the one spelling it would itself write for the position.
func FuzzCursorDecode(f *testing.F) {
	sc := newScope("ACC-001", &store.Filter{}, false)
	f.Add(sc.encode(store.Position{Time: 1763114400000000000, ID: 2}))
	f.Add(newScope("ACC-001", &store.Filter{}, true).encode(store.Position{Time: 0, ID: 1}))
	f.Add("eyJsYXN0X2lkIjoyfQ==")
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, s string) {
		pos, err := sc.decode("after", &s)
		if err != nil {
			var invalid *store.InvalidError
			if !errors.As(err, &invalid) || invalid.Field != "after" {
				t.Fatalf("decode(%q) = %v, want an *store.InvalidError for after", s, err)
			}
			return
		}
		if pos == nil {
			if s != "" {
				t.Fatalf("decode(%q) gave no position and no error", s)
			}
			return
		}
		if again := sc.encode(*pos); again != s {
			t.Fatalf("decode(%q) accepted a spelling the encoder does not write (%q)", s, again)
		}
	})
}

// FuzzGlobalID does the same for global IDs.
func FuzzGlobalID(f *testing.F) {
	f.Add(globalID(1))
	f.Add(globalID(9223372036854775807))
	f.Add("SW50ZXJhY3Rpb246MA")
	f.Add("not an id")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseGlobalID("id", s)
		if err != nil {
			var invalid *store.InvalidError
			if !errors.As(err, &invalid) || invalid.Field != "id" {
				t.Fatalf("parseGlobalID(%q) = %v, want an *store.InvalidError for id", s, err)
			}
			return
		}
		if id <= 0 || globalID(id) != s {
			t.Fatalf("parseGlobalID(%q) = %d, which does not encode back to it", s, id)
		}
	})
}
