package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	s := startTestServer(t)
	if err := run(context.Background(), []string{"healthcheck", "--url", s.URL + "/readyz"}, io.Discard, io.Discard); err != nil {
		t.Errorf("healthcheck of a ready server: %v", err)
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	err := run(context.Background(), []string{"healthcheck", "--url", down.URL + "/readyz"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("healthcheck of an unready server = %v, want an error naming 503", err)
	}
	if err := run(context.Background(), []string{"healthcheck", "--port", "1"}, io.Discard, io.Discard); err == nil {
		t.Error("healthcheck with nothing listening succeeded")
	}
}
