package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
	"github.com/interactions-api/interactions/telemetry"
)

// metricSeries returns, for each series of the metric named name in a
// Prometheus text exposition, the value of label and the sample's value.
func metricSeries(t *testing.T, body []byte, name, label string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		end := strings.LastIndexByte(line, '}')
		labels, value := line[len(name)+1:end], strings.TrimSpace(line[end+1:])
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("series %q: value: %v", line, err)
		}
		key := label + `="`
		i := strings.Index(labels, key)
		if i < 0 {
			t.Fatalf("series %q has no %s label", line, label)
		}
		rest := labels[i+len(key):]
		out[rest[:strings.IndexByte(rest, '"')]] += v
	}
	return out
}

func TestMetrics_MethodLabelBounded(t *testing.T) {
	s := startTestServer(t)
	const odd = 50
	for i := range odd {
		req, err := http.NewRequest(fmt.Sprintf("M%05d", i), s.URL+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s /healthz: %v", req.Method, err)
		}
		resp.Body.Close()
	}
	s.get(t, "/healthz")

	status, _, body := s.get(t, "/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", status)
	}
	methods := metricSeries(t, body, "interactions_http_requests_total", "method")
	standard := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
		"DELETE": true, "OPTIONS": true, "CONNECT": true, "TRACE": true, telemetry.OtherMethod: true}
	for m := range methods {
		if !standard[m] {
			t.Errorf("method label %q: want only standard methods and %s", m, telemetry.OtherMethod)
		}
	}
	if got := methods[telemetry.OtherMethod]; got != odd {
		t.Errorf("method=%q counts %v requests, want %d", telemetry.OtherMethod, got, odd)
	}
	if methods["GET"] < 1 {
		t.Errorf("method=GET counts %v requests, want the GET /healthz", methods["GET"])
	}
}

func TestMetrics_OperationLabelBounded(t *testing.T) {
	s := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{Tokens: auth.Tokens{Read: mutReadToken}})
	const names = telemetry.MaxOperationNames + 50
	for i := range names {
		q := fmt.Sprintf(`query Op%03d { interactions(accountNumber: "ACC-001") { totalCount } }`, i)
		if resp := s.graphql(t, mutReadToken, q, nil); len(resp.Errors) > 0 {
			t.Fatalf("Op%03d: %v", i, resp.Errors)
		}
	}
	// A name already given a series keeps it once the bound is reached.
	s.graphql(t, mutReadToken, `query Op000 { interactions(accountNumber: "ACC-001") { totalCount } }`, nil)

	_, _, body := s.get(t, "/metrics")
	ops := metricSeries(t, body, "interactions_graphql_operations_total", "operation")
	if len(ops) != telemetry.MaxOperationNames+1 {
		t.Errorf("%d operation label values, want %d names and %q", len(ops), telemetry.MaxOperationNames, telemetry.OtherOperation)
	}
	if got := ops[telemetry.OtherOperation]; got != names-telemetry.MaxOperationNames {
		t.Errorf("operation=%q counts %v operations, want %d", telemetry.OtherOperation, got, names-telemetry.MaxOperationNames)
	}
	if got := ops["Op000"]; got != 2 {
		t.Errorf("operation=Op000 counts %v operations, want 2", got)
	}
	if last := fmt.Sprintf("Op%03d", telemetry.MaxOperationNames-1); ops[last] != 1 {
		t.Errorf("operation=%s counts %v operations, want 1", last, ops[last])
	}
	if _, ok := ops[fmt.Sprintf("Op%03d", telemetry.MaxOperationNames)]; ok {
		t.Errorf("operation Op%03d, past the bound, has a series of its own", telemetry.MaxOperationNames)
	}
}
