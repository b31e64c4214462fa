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
}

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
	t.operations.WithLabelValues(name, result).Inc()
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
		t.requests.WithLabelValues(name, r.Method, strconv.Itoa(rec.status)).Inc()
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
