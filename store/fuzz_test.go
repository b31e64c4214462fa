package store

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseTime holds the Time scalar's parser to its rules on any input:
// no panic; it accepts and refuses what the regular expression it
// replaced did; an accepted time lies in 1970 to 2200 and survives a round
// trip through FormatTime exactly; a refusal is an *InvalidError.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2025-11-14T10:00:00Z", "2025-11-14T10:00:00.5+01:00", "1970-01-01T00:00:00Z",
		"2200-12-31T23:59:59.999999999Z", "2201-01-01T00:00:00Z", "2025-11-14T10:00:00", "x",
		"2025-11-14T10:00:00,5Z", "2025-11-14T10:00:00+24:00", "2025-11-14T10:00:00.1234567890Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sameAsReference(t, s)
		got, err := ParseTime(s)
		if err != nil {
			var invalid *InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("ParseTime(%q) = %v, want an *InvalidError", s, err)
			}
			return
		}
		if got.Before(minTime) || !got.Before(endTime) || got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, outside the years 1970 to 2200 or not in UTC", s, got)
		}
		back, err := ParseTime(FormatTime(got))
		if err != nil || !back.Equal(got) {
			t.Fatalf("ParseTime(%q) = %v, whose formatting %q does not parse back (%v)", s, got, FormatTime(got), err)
		}
	})
}
