package auth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/interactions-api/interactions/auth"
)

// check sends one request through the middleware with the Authorization
// header given (none when empty) and returns what CheckRead and CheckWrite
// decide, as error codes ("" for allowed).
func check(t *testing.T, tokens auth.Tokens, header string) (read, write string) {
	t.Helper()
	h := auth.Middleware(tokens, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		read, write = code(auth.CheckRead(r.Context())), code(auth.CheckWrite(r.Context()))
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	if header != "" {
		req.Header.Set("Authorization", header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return read, write
}

func code(err error) string {
	if err == nil {
		return ""
	}
	var e *auth.Error
	if !errors.As(err, &e) {
		return "not an *auth.Error: " + err.Error()
	}
	return e.Code
}

func TestMiddleware(t *testing.T) {
	const (
		unauth    = auth.CodeUnauthenticated
		forbidden = auth.CodeForbidden
	)
	both := auth.Tokens{Read: "r-secret", Write: "w-secret"}
	tests := []struct {
		name             string
		tokens           auth.Tokens
		header           string
		wantRead, wantWr string
	}{
		{"NothingConfigured/NoToken", auth.Tokens{}, "", "", forbidden},
		{"NothingConfigured/AnyToken", auth.Tokens{}, "Bearer x", "", forbidden},
		{"NothingConfigured/Basic", auth.Tokens{}, "Basic dXNlcjpwYXNz", "", forbidden},
		{"WriteOnly/NoToken", auth.Tokens{Write: "w-secret"}, "", "", unauth},
		{"WriteOnly/WriteToken", auth.Tokens{Write: "w-secret"}, "Bearer w-secret", "", ""},
		{"WriteOnly/WrongToken", auth.Tokens{Write: "w-secret"}, "Bearer w-secreT", "", unauth},
		{"Both/NoToken", both, "", unauth, unauth},
		{"Both/ReadToken", both, "Bearer r-secret", "", forbidden},
		{"Both/WriteToken", both, "Bearer w-secret", "", ""},
		{"Both/SchemeCase", both, "bearer w-secret", "", ""},
		{"Both/OtherScheme", both, "Basic w-secret", unauth, unauth},
		{"Both/EmptyBearer", both, "Bearer ", unauth, unauth},
		{"Both/Prefix", both, "Bearer w-secre", unauth, unauth},
		{"ReadOnly/ReadToken", auth.Tokens{Read: "r-secret"}, "Bearer r-secret", "", forbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			read, write := check(t, tc.tokens, tc.header)
			if read != tc.wantRead || write != tc.wantWr {
				t.Errorf("tokens %+v, Authorization %q: read %q, write %q; want read %q, write %q",
					tc.tokens, tc.header, read, write, tc.wantRead, tc.wantWr)
			}
		})
	}
}

func TestCheck_OutsideMiddleware(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if got := code(auth.CheckRead(req.Context())); got != auth.CodeUnauthenticated {
		t.Errorf("CheckRead without the middleware = %q, want %q", got, auth.CodeUnauthenticated)
	}
	if got := code(auth.CheckWrite(req.Context())); got != auth.CodeForbidden {
		t.Errorf("CheckWrite without the middleware = %q, want %q", got, auth.CodeForbidden)
	}
}
