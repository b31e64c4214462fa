// Package scalar binds the schema's custom scalars to Go types for gqlgen.
package scalar

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/interactions-api/interactions/store"
)

// MarshalTime writes t as the API writes every time: RFC 3339 in UTC.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(store.FormatTime(t)))
	})
}

// UnmarshalTime reads a Time input. The error is a *store.InvalidError
// without a field: the error presenter names the field from the error's path.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, store.Invalid("", "a Time must be a string, got %s", describe(v))
	}
	return store.ParseTime(s)
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int, int32, int64, float64, json.Number:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	default:
		return "a value of another type"
	}
}
