// Package requestid gives every HTTP request an ID that its logs and its
// error messages share, taken from the X-Request-ID header when the client
// or a proxy sent a usable one.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// Header is the request and response header that carries the ID.
const Header = "X-Request-ID"

// maxLength bounds an ID taken from a client, which is logged verbatim.
const maxLength = 128

type ctxKey struct{}

// FromContext returns the request's ID, or "" outside a request.
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// Middleware puts the request's ID in its context and in the response's
// X-Request-ID header.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(Header)
		if !usable(id) {
			id = newID()
		}
		w.Header().Set(Header, id)
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), id)))
	})
}

// usable accepts IDs of printable ASCII without spaces, so that a client's
// ID cannot forge log lines or headers.
func usable(id string) bool {
	if id == "" || len(id) > maxLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
