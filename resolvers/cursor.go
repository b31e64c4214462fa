package resolvers

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/interactions-api/interactions/store"
)

// A cursor is the URL-safe base64, without padding, of
//
//	version (1 byte) | direction (1 byte) | query digest (8 bytes) |
//	timestamp in Unix ns (varint) | id (varint)
//
// The digest binds the cursor to its account and filter, and the direction
// to its order, so a cursor used in another query is rejected instead of
// silently marking a position in a different set. The position is that of a
// row, not the row itself: it stays valid after the row is deleted.
const (
	cursorVersion   = 1
	digestSize      = 8
	maxCursorLength = 200
)

// scope is what a cursor is bound to: the account and filter, canonicalised
// so that queries with the same meaning share cursors, and the direction.
type scope struct {
	digest     [digestSize]byte
	descending bool
}

func newScope(account string, f *store.Filter, descending bool) scope {
	h := sha256.New()
	var buf []byte
	writeString := func(s string) {
		buf = binary.AppendUvarint(buf[:0], uint64(len(s)))
		h.Write(buf)
		h.Write([]byte(s))
	}
	writeList := func(l []string) {
		if l == nil {
			writeString("-")
			return
		}
		l = slices.Compact(slices.Sorted(slices.Values(l)))
		writeString("+" + strings.Repeat(".", len(l)))
		for _, s := range l {
			writeString(s)
		}
	}
	writeString(account)
	writeList(f.Channels)
	writeList(f.AddressedBy)
	writeList(f.Reasons)
	if f.AgentID == nil {
		writeList(nil)
	} else {
		writeList([]string{*f.AgentID})
	}
	for _, t := range [...]*int64{unixNano(f.From), unixNano(f.To)} {
		buf = buf[:0]
		if t == nil {
			buf = append(buf, 0)
		} else {
			buf = binary.AppendVarint(append(buf, 1), *t)
		}
		h.Write(buf)
	}

	var s scope
	copy(s.digest[:], h.Sum(nil))
	s.descending = descending
	return s
}

func (s scope) encode(p store.Position) string {
	b := make([]byte, 0, 2+digestSize+2*binary.MaxVarintLen64)
	b = append(b, cursorVersion, direction(s.descending))
	b = append(b, s.digest[:]...)
	b = binary.AppendVarint(b, p.Time)
	b = binary.AppendVarint(b, p.ID)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decode reads cursor c, given as argument arg, in this scope. An empty
// cursor counts as none.
func (s scope) decode(arg string, c *string) (*store.Position, error) {
	if c == nil || *c == "" {
		return nil, nil
	}
	malformed := store.Invalid(arg, "malformed cursor: use a cursor exactly as this API returned it")
	if len(*c) > maxCursorLength {
		return nil, malformed
	}
	b, err := base64.RawURLEncoding.DecodeString(*c)
	// The decoder skips line breaks and ignores stray low bits; insisting on
	// the canonical spelling keeps one cursor per position.
	if err != nil || base64.RawURLEncoding.EncodeToString(b) != *c || len(b) < 2+digestSize || b[0] != cursorVersion || b[1] > 1 {
		return nil, malformed
	}
	rest := b[2+digestSize:]
	ts, n := binary.Varint(rest)
	if n <= 0 {
		return nil, malformed
	}
	id, m := binary.Varint(rest[n:])
	if m <= 0 || n+m != len(rest) {
		return nil, malformed
	}
	// A varint can be written with needless continuation bytes; only the
	// shortest form is one this API wrote.
	if binary.PutVarint(make([]byte, binary.MaxVarintLen64), ts) != n ||
		binary.PutVarint(make([]byte, binary.MaxVarintLen64), id) != m {
		return nil, malformed
	}

	if b[1] != direction(s.descending) {
		return nil, store.Invalid(arg, "cursor was made for %s order, and this query asks for %s order",
			directionName(b[1] == 1), directionName(s.descending))
	}
	if string(b[2:2+digestSize]) != string(s.digest[:]) {
		return nil, store.Invalid(arg, "cursor was made for another account or filter than this query's")
	}
	return &store.Position{Time: ts, ID: id}, nil
}

func direction(descending bool) byte {
	if descending {
		return 1
	}
	return 0
}

func directionName(descending bool) string {
	if descending {
		return "descending (DESC)"
	}
	return "ascending (ASC)"
}
