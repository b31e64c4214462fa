package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

// serveCmd is the server's configuration.
type serveCmd struct {
	Port        int      `env:"PORT" default:"8080" help:"TCP port to listen on."`
	Host        string   `env:"INTERACTIONS_HOST" default:"" help:"Address to listen on; empty for every interface."`
	DB          string   `env:"INTERACTIONS_DB" default:"./interactions.db" help:"Path of the SQLite database file; created when missing."`
	Seed        bool     `env:"INTERACTIONS_SEED" default:"true" negatable:"" help:"Insert the demo interactions into a database that has none (default: ${default})."`
	CORSOrigins []string `name:"cors-origins" env:"INTERACTIONS_CORS_ORIGINS" default:"*" sep:"," help:"Origins allowed to call the API from a browser, comma-separated, each scheme://host[:port] (http or https, no path; one * may stand in for part of it, as in https://*.example.com); * alone allows any origin, without credentials."`
	WriteToken  string   `env:"INTERACTIONS_WRITE_TOKEN" help:"Bearer token that recordInteraction needs; unset keeps writes closed."`
	ReadToken   string   `env:"INTERACTIONS_READ_TOKEN" help:"Bearer token every GraphQL and REST request needs; unset keeps reads open."`

	CORSCredentials bool          `name:"cors-credentials" env:"INTERACTIONS_CORS_CREDENTIALS" default:"false" help:"Let browsers send credentials cross-origin; needs an explicit origin list (default: ${default})."`
	Playground      bool          `env:"INTERACTIONS_PLAYGROUND" default:"true" negatable:"" help:"Serve the GraphQL playground at / (default: ${default})."`
	Introspection   bool          `env:"INTERACTIONS_INTROSPECTION" default:"true" negatable:"" help:"Answer GraphQL introspection queries, which the playground needs (default: ${default})."`
	RequestTimeout  time.Duration `env:"INTERACTIONS_REQUEST_TIMEOUT" default:"10s" help:"Deadline of each request, passed to every database call."`
	ShutdownTimeout time.Duration `env:"INTERACTIONS_SHUTDOWN_TIMEOUT" default:"15s" help:"How long a stopping server lets requests in flight finish."`

	ReadHeaderTimeout time.Duration `env:"INTERACTIONS_READ_HEADER_TIMEOUT" default:"10s" help:"How long a client may take to send a request's headers (408 after it)."`
	ReadTimeout       time.Duration `env:"INTERACTIONS_READ_TIMEOUT" default:"30s" help:"How long a client may take to send a whole request, body included (408 after it)."`
	WriteTimeout      time.Duration `env:"INTERACTIONS_WRITE_TIMEOUT" default:"1m" help:"How long the server may take to write a response once it has the headers; longer than the request timeout."`
	IdleTimeout       time.Duration `env:"INTERACTIONS_IDLE_TIMEOUT" default:"2m" help:"How long a keep-alive connection may wait for its next request."`
	MaxBodyBytes      int64         `env:"INTERACTIONS_MAX_BODY_BYTES" default:"1048576" help:"Largest GraphQL request body, in bytes (413 above it)."`
	MaxComplexity     int           `env:"INTERACTIONS_MAX_COMPLEXITY" default:"5000" help:"Largest query complexity; a connection's fields count once per row it may return."`
	MaxDepth          int           `env:"INTERACTIONS_MAX_DEPTH" default:"15" help:"Deepest nesting of fields in a query."`
	MaxFields         int           `env:"INTERACTIONS_MAX_FIELDS" default:"1000" help:"Most fields in a query, aliases and fragment uses included."`
	MaxCounts         int           `env:"INTERACTIONS_MAX_COUNTS" default:"10" help:"Most totalCount fields in a query; each may read every row of an account."`
	LogLevel          string        `env:"INTERACTIONS_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Least severe log level written: debug, info, warn or error."`
	LogFormat         string        `env:"INTERACTIONS_LOG_FORMAT" default:"auto" enum:"auto,json,text" help:"Log format: json, text, or auto (text on a terminal, JSON otherwise)."`
}

func (s *serveCmd) Validate() error {
	if s.Port < 0 || s.Port > 65535 {
		return fmt.Errorf("--port (PORT) must be from 0 to 65535, got %d", s.Port)
	}
	if s.WriteToken != "" && s.WriteToken == s.ReadToken {
		return errors.New("INTERACTIONS_WRITE_TOKEN and INTERACTIONS_READ_TOKEN must differ, or the read token could write")
	}
	for _, o := range s.CORSOrigins {
		if o == "" {
			return errors.New("--cors-origins (INTERACTIONS_CORS_ORIGINS) has an empty origin")
		}
		if reason := checkOrigin(o); reason != "" {
			return fmt.Errorf("--cors-origins (INTERACTIONS_CORS_ORIGINS) has %q, which is not an origin: %s; "+
				"want * or scheme://host[:port] with scheme http or https", o, reason)
		}
		if o == "*" && s.CORSCredentials {
			return errors.New("--cors-credentials (INTERACTIONS_CORS_CREDENTIALS) needs an explicit list in " +
				"--cors-origins (INTERACTIONS_CORS_ORIGINS), not *: any site could act with a user's credentials")
		}
	}
	for _, l := range []struct {
		name  string
		value int64
	}{
		{"--max-body-bytes (INTERACTIONS_MAX_BODY_BYTES)", s.MaxBodyBytes},
		{"--max-complexity (INTERACTIONS_MAX_COMPLEXITY)", int64(s.MaxComplexity)},
		{"--max-depth (INTERACTIONS_MAX_DEPTH)", int64(s.MaxDepth)},
		{"--max-fields (INTERACTIONS_MAX_FIELDS)", int64(s.MaxFields)},
		{"--max-counts (INTERACTIONS_MAX_COUNTS)", int64(s.MaxCounts)},
	} {
		if l.value <= 0 {
			return fmt.Errorf("%s must be positive, got %d", l.name, l.value)
		}
	}
	for _, l := range []struct {
		name  string
		value time.Duration
	}{
		{"--request-timeout (INTERACTIONS_REQUEST_TIMEOUT)", s.RequestTimeout},
		{"--read-header-timeout (INTERACTIONS_READ_HEADER_TIMEOUT)", s.ReadHeaderTimeout},
		{"--read-timeout (INTERACTIONS_READ_TIMEOUT)", s.ReadTimeout},
		{"--write-timeout (INTERACTIONS_WRITE_TIMEOUT)", s.WriteTimeout},
		{"--idle-timeout (INTERACTIONS_IDLE_TIMEOUT)", s.IdleTimeout},
	} {
		if l.value <= 0 {
			return fmt.Errorf("%s must be positive, got %s", l.name, l.value)
		}
	}
	if s.ReadHeaderTimeout > s.ReadTimeout {
		return fmt.Errorf("--read-header-timeout (INTERACTIONS_READ_HEADER_TIMEOUT) %s must not exceed "+
			"--read-timeout (INTERACTIONS_READ_TIMEOUT) %s, which bounds the whole request", s.ReadHeaderTimeout, s.ReadTimeout)
	}
	// The write deadline is the connection's and cuts a response off
	// without a word; the request deadline must pass first so that a slow
	// request is still answered with an error that names its limit.
	if s.RequestTimeout >= s.WriteTimeout {
		return fmt.Errorf("--request-timeout (INTERACTIONS_REQUEST_TIMEOUT) %s must be shorter than "+
			"--write-timeout (INTERACTIONS_WRITE_TIMEOUT) %s, so a slow request is answered before the connection is cut",
			s.RequestTimeout, s.WriteTimeout)
	}
	if s.ShutdownTimeout < 0 {
		return fmt.Errorf("--shutdown-timeout (INTERACTIONS_SHUTDOWN_TIMEOUT) must not be negative, got %s", s.ShutdownTimeout)
	}
	return nil
}

// checkOrigin says what is wrong with o as an allowed CORS origin, or ""
// when nothing is. A browser's Origin header is exactly scheme://host[:port],
// and rs/cors compares it with each allowed origin as a string, so anything
// more (a trailing slash, a space left by "a, b") never matches and would
// fail every preflight without a word.
func checkOrigin(o string) string {
	if o == "*" {
		return ""
	}
	if strings.TrimSpace(o) != o {
		return "it has spaces around it"
	}
	// rs/cors takes one * as standing for any run of characters. Put
	// something in its place that would parse in a host and in a port,
	// the places it can sensibly stand.
	switch strings.Count(o, "*") {
	case 0:
		return checkConcreteOrigin(o)
	case 1:
		// A * for the whole host lets any site in, and unlike * alone it
		// would pass the check against credentials.
		if _, rest, ok := strings.Cut(o, "://"); ok && (rest == "*" || strings.HasPrefix(rest, "*:")) {
			return "a * for the whole host allows any site; use * alone, which refuses credentials"
		}
		reason := checkConcreteOrigin(strings.Replace(o, "*", "x", 1))
		if reason != "" && checkConcreteOrigin(strings.Replace(o, "*", "1", 1)) == "" {
			return ""
		}
		return reason
	default:
		return "only one * may stand in for part of an origin"
	}
}

func checkConcreteOrigin(o string) string {
	u, err := url.Parse(o)
	switch {
	case err != nil:
		return "it does not parse as a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "its scheme is not http or https"
	case u.User != nil:
		return "it has user info"
	case u.Hostname() == "":
		return "it has no host"
	case u.Path != "" || u.Opaque != "":
		return "it has a path (not even / is allowed)"
	case u.RawQuery != "" || u.ForceQuery:
		return "it has a query"
	case strings.Contains(o, "#"):
		return "it has a fragment"
	}
	if strings.HasSuffix(u.Host, ":") {
		return "its port is empty"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "its port is not from 1 to 65535"
		}
	}
	return ""
}

// newLogger builds the process's logger from the settings.
func (s *serveCmd) newLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	// The value is one of kong's enum, which UnmarshalText accepts.
	level.UnmarshalText([]byte(s.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	text := s.LogFormat == "text"
	if s.LogFormat == "auto" {
		f, ok := w.(*os.File)
		text = ok && term.IsTerminal(int(f.Fd()))
	}
	if text {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// Run serves until ctx is done, then drains requests and closes the database.
func (s *serveCmd) Run(ctx context.Context, out streams) error {
	logger := s.newLogger(out.stderr)

	db, err := store.Open(ctx, s.DB, store.Options{Seed: s.Seed})
	if err != nil {
		return fmt.Errorf("open --db (INTERACTIONS_DB) %q: %w", s.DB, err)
	}
	defer db.Close()

	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s, from --host (INTERACTIONS_HOST) %q and --port (PORT) %d: %w", addr, s.Host, s.Port, err)
	}
	var handlers handlerGate
	srv := newHTTPServer(handlers.wrap(newHandler(db, logger, handlerOptions{
		CORSOrigins:     s.CORSOrigins,
		CORSCredentials: s.CORSCredentials,
		Tokens:          auth.Tokens{Read: s.ReadToken, Write: s.WriteToken},
		NoPlayground:    !s.Playground,
		NoIntrospection: !s.Introspection,
		RequestTimeout:  s.RequestTimeout,
		MaxBodyBytes:    s.MaxBodyBytes,
		MaxComplexity:   s.MaxComplexity,
		MaxDepth:        s.MaxDepth,
		MaxFields:       s.MaxFields,
		MaxCounts:       s.MaxCounts,
		ReadTimeout:     s.ReadTimeout,
	})), logger, connLimits{
		ReadHeader: s.ReadHeaderTimeout, Read: s.ReadTimeout, Write: s.WriteTimeout, Idle: s.IdleTimeout,
	})
	// Closing a connection ends its request's context only once the server
	// notices; cancelling the base context ends every request's at once, so
	// that cut-off handlers leave their database calls promptly.
	base, cutOff := context.WithCancel(context.Background())
	defer cutOff()
	srv.BaseContext = func(net.Listener) context.Context { return base }
	// Handlers still running when Run returns would meet a closed database.
	stop := func() {
		cutOff()
		srv.Close()
		handlers.closeAndWait()
	}
	logger.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("db", s.DB))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(newSlowHeaderListener(ln, logger, s.ReadHeaderTimeout)) }()
	select {
	case err := <-errc:
		stop()
		return err
	case <-ctx.Done():
	}

	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		logger.Warn("shutdown timeout passed with requests in flight; cutting them off",
			slog.String("INTERACTIONS_SHUTDOWN_TIMEOUT", s.ShutdownTimeout.String()))
		stop()
		return fmt.Errorf("shutdown timeout of %s (INTERACTIONS_SHUTDOWN_TIMEOUT) passed with requests in flight; they were cut off",
			s.ShutdownTimeout)
	}
	stop()
	return err
}

// handlerGate counts the handlers running, so that Run can wait for them
// before it closes the database. Once closed it turns new requests away:
// a connection that had read its request before the server closed may
// still call the handler, and that handler must not outlive the wait.
type handlerGate struct {
	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
}

func (g *handlerGate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.enter() {
			http.Error(w, "the server is shutting down", http.StatusServiceUnavailable)
			return
		}
		defer g.running.Done()
		h.ServeHTTP(w, r)
	})
}

func (g *handlerGate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.running.Add(1)
	return true
}

func (g *handlerGate) closeAndWait() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.running.Wait()
}
