package store

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// rfc3339Reference is the regular expression ParseTime used to check the
// shape of a time before isRFC3339 replaced it; isRFC3339 must accept
// exactly what it matches.
var rfc3339Reference = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-](([01]\d|2[0-3]):[0-5]\d))$`)

// parseTimeReference is ParseTime as it was with the regular expression.
func parseTimeReference(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !rfc3339Reference.MatchString(s) {
		return time.Time{}, notRFC3339(s)
	}
	if err := CheckTime(t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// sameAsReference fails t when ParseTime and parseTimeReference disagree on
// s: on whether it is accepted, on the instant, or on the error message.
func sameAsReference(t *testing.T, s string) {
	t.Helper()
	if got, want := isRFC3339(s), rfc3339Reference.MatchString(s); got != want {
		t.Fatalf("isRFC3339(%q) = %v, the regular expression says %v", s, got, want)
	}
	got, err := ParseTime(s)
	want, wantErr := parseTimeReference(s)
	switch {
	case (err == nil) != (wantErr == nil):
		t.Fatalf("ParseTime(%q) = %v, %v; the reference gives %v, %v", s, got, err, want, wantErr)
	case err != nil && err.Error() != wantErr.Error():
		t.Fatalf("ParseTime(%q) fails with %q; the reference with %q", s, err, wantErr)
	case !got.Equal(want) || got.Location() != want.Location():
		t.Fatalf("ParseTime(%q) = %v; the reference gives %v", s, got, want)
	}
}

// TestParseTimeMatchesReference compares ParseTime with the regular
// expression it replaced on every short ending of a time and on many
// random edits of valid times.
func TestParseTimeMatchesReference(t *testing.T) {
	// Characters that matter to the shape, and some that are close to them.
	const alphabet = "0123456789-:.,TtZz+ \n\u00e9\u0660"
	runes := []rune(alphabet)

	// Every ending of up to three characters, after a date and time and
	// after the start of a fraction or an offset.
	var endings func(prefix string, n int)
	endings = func(prefix string, n int) {
		for _, base := range []string{"2025-11-14T10:00:00", "2025-11-14T10:00:00.1", "2025-11-14T10:00:00+0", "2025-11-14T10:00:00-23:"} {
			sameAsReference(t, base+prefix)
		}
		if n == 0 {
			return
		}
		for _, r := range runes {
			endings(prefix+string(r), n-1)
		}
	}
	endings("", 3)

	// Every offset from -29:99 to +29:99, and every fraction length.
	for _, sign := range "+-" {
		for h := range 30 {
			for m := range 100 {
				sameAsReference(t, "2025-11-14T10:00:00"+string(sign)+twoDigits(h)+":"+twoDigits(m))
			}
		}
	}
	for n := range 12 {
		sameAsReference(t, "2025-11-14T10:00:00."+strings.Repeat("7", n)+"Z")
	}

	// Random edits: replace, insert, delete or cut at random places.
	seeds := []string{
		"2025-11-14T10:00:00Z", "2025-11-14T10:00:00.5+01:00", "1970-01-01T00:00:00Z",
		"2200-12-31T23:59:59.999999999Z", "2201-01-01T00:00:00Z", "2024-02-29T23:59:59-23:59",
		"2025-11-14T10:00:00.123456789-00:00", "0000-00-00T00:00:00Z", "9999-99-99T99:99:99.9+99:99",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	edits := 200_000
	if testing.Short() {
		edits = 20_000
	}
	for range edits {
		b := []rune(seeds[rng.IntN(len(seeds))])
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(b) + 1)
			r := runes[rng.IntN(len(runes))]
			switch op := rng.IntN(4); {
			case op == 0 && i < len(b):
				b[i] = r
			case op == 1:
				b = append(b[:i], append([]rune{r}, b[i:]...)...)
			case op == 2 && i < len(b):
				b = append(b[:i], b[i+1:]...)
			case op == 3:
				b = b[:i]
			}
		}
		sameAsReference(t, string(b))
	}
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// checkTextReference is checkText as it was, in three passes over s.
func checkTextReference(field, s string, maxLen int, multiline bool) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return Invalid(field, "must be at most %d characters, got %d", maxLen, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return Invalid(field, "must not contain the control character %q", r)
		}
	}
	return nil
}

// TestCheckTextMatchesReference compares checkText with the three passes it
// replaced on random texts made of the characters each rule is about.
func TestCheckTextMatchesReference(t *testing.T) {
	pieces := []string{
		"a", "Z", " ", "~", "\x00", "\x1f", "\x7f", "\n", "\r", "\t", "\u0080", "\u009f", "\u00a0",
		"é", "€", "\U0001F600", "\uFFFD", "\u2028", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\x80", "\xf4\x90\x80\x80",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	texts := 200_000
	if testing.Short() {
		texts = 20_000
	}
	for range texts {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s, maxLen, multiline := b.String(), rng.IntN(10), rng.IntN(2) == 0
		got, want := checkText("f", s, maxLen, multiline), checkTextReference("f", s, maxLen, multiline)
		if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
			t.Fatalf("checkText(%q, %d, %v) = %v; the reference gives %v", s, maxLen, multiline, got, want)
		}
	}
}
