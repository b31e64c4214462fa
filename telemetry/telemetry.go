// Package telemetry observes the HTTP service: one access log line and a
// set of Prometheus metrics per request, with the route, the status and,
// for GraphQL, the operation's name.
package telemetry

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/interactions-api/interactions/requestid"
)

// Telemetry holds the metrics of one server. Each server has a registry of
// its own, so that tests can run several side by side.
type Telemetry struct {
	logger   *slog.Logger
	registry *prometheus.Registry

	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	operations *prometheus.CounterVec

	// Operation names are chosen by clients, authenticated or not, and each
	// distinct one is a series /metrics holds for the life of the process:
	// only the first MaxOperationNames distinct names get a series of their
	// own, so that a client cycling through names cannot grow /metrics (and
	// the memory behind it) without bound. The operations a service's own
	// clients run are few and come early, so they keep their names.
	opMu    sync.Mutex
	opNames map[string]struct{}
}

// MaxOperationNames bounds the distinct GraphQL operation names that
// get a series of their own; later new names count as OtherOperation.
const MaxOperationNames = 100

// OtherOperation is the operation label of the names past
// MaxOperationNames, and OtherMethod the method label of requests whose
// method is not one of HTTP's standard ones.
const (
	OtherOperation = "other"
	OtherMethod    = "OTHER"
)

// New returns the telemetry of a server logging to logger, with database
// pool statistics for each named pool.
func New(logger *slog.Logger, pools map[string]*sql.DB) *Telemetry {
	t := &Telemetry{
		logger:   logger,
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interactions_http_requests_total",
			Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "interactions_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interactions_graphql_operations_total",
			Help: "GraphQL operations by operation name and result (ok, or error when the response has errors).",
		}, []string{"operation", "result"}),
		opNames: make(map[string]struct{}),
	}
	t.registry.MustRegister(t.requests, t.latency, t.operations,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, db := range pools {
		t.registry.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
	return t
}

// Handler serves the metrics in Prometheus' text format.
func (t *Telemetry) Handler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{})
}

// request is what the layers of one request learn about it, for the access
// log line written when it ends.
type request struct {
	operation string
}

type ctxKey struct{}

// SetOperation records the GraphQL operation a request runs, and whether
// its response had errors; it does nothing outside Middleware.
func (t *Telemetry) SetOperation(ctx context.Context, name string, failed bool) {
	if r, ok := ctx.Value(ctxKey{}).(*request); ok {
		r.operation = name
	}
	if name == "" {
		name = "(anonymous)"
	}
	result := "ok"
	if failed {
		result = "error"
	}
	t.operations.WithLabelValues(t.operationLabel(name), result).Inc()
}

// operationLabel is name while it is among the first MaxOperationNames
// distinct names seen, and OtherOperation otherwise.
func (t *Telemetry) operationLabel(name string) string {
	t.opMu.Lock()
	defer t.opMu.Unlock()
	if _, ok := t.opNames[name]; ok {
		return name
	}
	if len(t.opNames) >= MaxOperationNames {
		return OtherOperation
	}
	t.opNames[name] = struct{}{}
	return name
}

// methodLabel is method when it is one of HTTP's standard methods and
// OtherMethod otherwise: net/http serves any token as a method, and each
// distinct one would otherwise be a series of its own.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return OtherMethod
}

// Middleware logs and counts each request. route names the pattern the
// request matched, so that the labels stay few whatever the paths.
func (t *Telemetry) Middleware(route func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &request{}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, info))
		next.ServeHTTP(rec, r)

		elapsed := time.Since(start)
		name := route(r)
		t.requests.WithLabelValues(name, methodLabel(r.Method), strconv.Itoa(rec.status)).Inc()
		t.latency.WithLabelValues(name).Observe(elapsed.Seconds())
		// Only what identifies the request: never its headers (tokens) nor
		// its body or the response's (interaction text).
		t.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("route", name),
			slog.Int("status", rec.status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.Int64("bytes", rec.bytes),
			slog.String("request_id", requestid.FromContext(r.Context())),
			slog.String("operation", info.operation),
		)
	})
}

// recorder notes the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *recorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection beneath.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
