// Package auth decides what a request may do from its bearer token: read
// with the read token (when one is configured, reads need it), write with
// the write token (writes are closed while none is configured).
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Codes of the errors this package returns, as GraphQL extensions.code.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
)

// Error is a refusal. Its message is written for the client.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Tokens are the configured secrets; an empty one is not configured.
type Tokens struct {
	Read  string
	Write string
}

// access is what a request's token proves.
type access int

const (
	noToken access = iota
	wrongToken
	readAccess
	writeAccess
)

type ctxKey struct{}

// Middleware records in each request's context what its Authorization
// header proves, for CheckRead and CheckWrite to decide on.
func Middleware(t Tokens, next http.Handler) http.Handler {
	read, write := digest(t.Read), digest(t.Write)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := noToken
		if h := r.Header.Get("Authorization"); h != "" {
			a = wrongToken
			scheme, token, ok := strings.Cut(h, " ")
			if ok && strings.EqualFold(scheme, "Bearer") && token != "" {
				// Comparing digests keeps the comparison constant in time
				// whatever the lengths of the token and the secret.
				d := digest(token)
				switch {
				case t.Write != "" && subtle.ConstantTimeCompare(d, write) == 1:
					a = writeAccess
				case t.Read != "" && subtle.ConstantTimeCompare(d, read) == 1:
					a = readAccess
				}
			}
		}
		ctx := context.WithValue(r.Context(), ctxKey{}, state{access: a, readOpen: t.Read == "", writeOpen: t.Write != ""})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// state is a request's access. Its zero value, for a context that did not
// pass through Middleware, proves nothing and finds everything closed.
type state struct {
	access    access
	readOpen  bool
	writeOpen bool
}

func digest(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func stateFrom(ctx context.Context) state {
	s, _ := ctx.Value(ctxKey{}).(state)
	return s
}

// CheckRead returns nil when the request may read.
func CheckRead(ctx context.Context) error {
	s := stateFrom(ctx)
	switch {
	case s.readOpen, s.access >= readAccess:
		// Open reads ignore the header, so clients and proxies that always
		// send credentials keep working against an open server.
		return nil
	case s.access == wrongToken:
		return &Error{CodeUnauthenticated, "the bearer token in the Authorization header is not valid"}
	default:
		return &Error{CodeUnauthenticated, "reading needs a token: send Authorization: Bearer <read token>"}
	}
}

// CheckWrite returns nil when the request may write. It is checked before
// anything is written.
func CheckWrite(ctx context.Context) error {
	s := stateFrom(ctx)
	switch {
	case !s.writeOpen:
		return &Error{CodeForbidden, "writes are closed on this server: start it with INTERACTIONS_WRITE_TOKEN " +
			"(or --write-token) set to a secret, and send that secret as Authorization: Bearer <token>"}
	case s.access == writeAccess:
		return nil
	case s.access == readAccess:
		return &Error{CodeForbidden, "the read token cannot write: send the write token"}
	case s.access == wrongToken:
		return &Error{CodeUnauthenticated, "the bearer token in the Authorization header is not valid"}
	default:
		return &Error{CodeUnauthenticated, "writing needs the write token: send Authorization: Bearer <write token>"}
	}
}
