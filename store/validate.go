package store

import (
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

// ParseTime reads an RFC 3339 time that carries a zone (Z or an offset) and
// falls in the years 1970 to 2200 once in UTC, keeping every nanosecond.
func ParseTime(s string) (time.Time, error) {
	if !isRFC3339(s) {
		return time.Time{}, notRFC3339(s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, notRFC3339(s)
	}
	if err := CheckTime(t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func notRFC3339(s string) error {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return Invalid("", "%q is not an RFC 3339 time with a zone and at most nine fraction digits, such as 2025-11-14T10:00:00Z", s)
}

// isRFC3339 reports whether s has the shape ParseTime accepts, which
// time.Parse alone does not hold to: it takes a comma before the fraction
// and offsets of 24 hours, and drops fraction digits past the ninth
// instead of refusing them. time.Parse then checks the ranges of the date
// and the clock. Written out rather than as a regular expression, which
// cost an import more than the rest of the time's parsing.
func isRFC3339(s string) bool {
	const layout = "dddd-dd-ddTdd:dd:dd" // d is an ASCII digit
	if len(s) <= len(layout) {
		return false
	}
	for i := range len(layout) {
		if layout[i] == 'd' && !isDigit(s[i]) || layout[i] != 'd' && s[i] != layout[i] {
			return false
		}
	}
	rest := s[len(layout):]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		if n == 1 || n > 10 {
			return false // no digit, or more than nine
		}
		rest = rest[n:]
	}
	if rest == "Z" {
		return true
	}
	if len(rest) != len("+hh:mm") || rest[0] != '+' && rest[0] != '-' || rest[3] != ':' {
		return false
	}
	h1, h2, m1, m2 := rest[1], rest[2], rest[4], rest[5]
	hour := (h1 == '0' || h1 == '1') && isDigit(h2) || h1 == '2' && '0' <= h2 && h2 <= '3'
	return hour && '0' <= m1 && m1 <= '5' && isDigit(m2)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

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
