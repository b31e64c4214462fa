package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/requestid"
	"github.com/interactions-api/interactions/resolvers"
	"github.com/interactions-api/interactions/telemetry"
)

// TestPanicRecovered serves GraphQL from a resolver without a store, so
// that the first read panics: the client gets INTERNAL_SERVER_ERROR with
// the request ID and nothing of the panic, the log gets the panic with its
// stack, and the server keeps answering.
func TestPanicRecovered(t *testing.T) {
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	res := resolvers.New(nil, logger)
	gql := newGraphQL(res, logger, telemetry.New(logger, nil), handlerOptions{})
	srv := httptest.NewServer(requestid.Middleware(auth.Middleware(auth.Tokens{}, graphqlTransport(defaultMaxBodyBytes, 0, nil, gql))))
	defer srv.Close()
	s := &testServer{Server: srv, Logs: logs}

	for range 2 {
		resp := s.graphql(t, "", `{ interactions(accountNumber: "ACC-001") { totalCount } }`, nil)
		if resp.Status != http.StatusOK || len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" {
			t.Fatalf("panicking resolver: %d %+v, want 200 INTERNAL_SERVER_ERROR", resp.Status, resp.Errors)
		}
		if msg := resp.Errors[0].Message; !strings.Contains(msg, "request ID") || strings.Contains(msg, "nil pointer") {
			t.Errorf("message %q should name the request ID and nothing of the panic", msg)
		}
	}
	if l := logs.String(); !strings.Contains(l, "panicked") || !strings.Contains(l, "goroutine") {
		t.Errorf("log lacks the panic and its stack:\n%.2000s", l)
	}
}
