package store

import (
	"regexp"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxAccountNumberLength is the longest account number, in characters.
const MaxAccountNumberLength = 64

// CheckAccountNumber reports, as an *InvalidError for field, why s is not a
// valid account number: 1 to 64 characters of valid UTF-8, none of them
// white space or a control character.
func CheckAccountNumber(field, s string) error {
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return Invalid(field, "account number must not be empty")
	case n > MaxAccountNumberLength:
		return Invalid(field, "account number must be at most %d characters, got %d", MaxAccountNumberLength, n)
	case !utf8.ValidString(s):
		return Invalid(field, "account number must be valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return Invalid(field, "account number must not contain white space or control characters, found %q", r)
		}
	}
	return nil
}

// The instants the service keeps: from the start of 1970 to the end of 2200,
// in UTC. As Unix nanoseconds they fit an SQLite INTEGER with room to spare.
var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	endTime = time.Date(2201, 1, 1, 0, 0, 0, 0, time.UTC)
)

// rfc3339 is the shape ParseTime accepts. time.Parse alone is looser than
// RFC 3339: it takes a comma before the fraction and offsets of 24 hours,
// and drops fraction digits past the ninth instead of refusing them.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-](([01]\d|2[0-3]):[0-5]\d))$`)

// ParseTime reads an RFC 3339 time that carries a zone (Z or an offset) and
// falls in the years 1970 to 2200 once in UTC, keeping every nanosecond.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !rfc3339.MatchString(s) {
		if len(s) > 64 {
			s = s[:64] + "…"
		}
		return time.Time{}, Invalid("", "%q is not an RFC 3339 time with a zone and at most nine fraction digits, such as 2025-11-14T10:00:00Z", s)
	}
	if err := CheckTime(t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// CheckTime reports whether t, in UTC, falls in the years 1970 to 2200.
func CheckTime(t time.Time) error {
	if t.Before(minTime) || !t.Before(endTime) {
		return Invalid("", "time %s is outside the years 1970 to 2200 (UTC)", t.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// FormatTime writes t as RFC 3339 in UTC with a Z, trimming the fraction's
// trailing zeros and leaving it out when it is zero.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
