package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
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
	Seed        bool     `env:"INTERACTIONS_SEED" default:"true" negatable:"" help:"Insert the demo interactions into a database that has none."`
	CORSOrigins []string `name:"cors-origins" env:"INTERACTIONS_CORS_ORIGINS" default:"*" sep:"," help:"Origins allowed to call the API from a browser, comma-separated; * allows any origin, without credentials."`
	WriteToken  string   `env:"INTERACTIONS_WRITE_TOKEN" help:"Bearer token that recordInteraction needs; unset keeps writes closed."`
	ReadToken   string   `env:"INTERACTIONS_READ_TOKEN" help:"Bearer token every GraphQL and REST request needs; unset keeps reads open."`

	CORSCredentials bool          `name:"cors-credentials" env:"INTERACTIONS_CORS_CREDENTIALS" help:"Let browsers send credentials cross-origin; needs an explicit origin list."`
	Playground      bool          `env:"INTERACTIONS_PLAYGROUND" default:"true" negatable:"" help:"Serve the GraphQL playground at /."`
	Introspection   bool          `env:"INTERACTIONS_INTROSPECTION" default:"true" negatable:"" help:"Answer GraphQL introspection queries (the playground needs them)."`
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
		return err
	}
	defer db.Close()

	ln, err := net.Listen("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	if err != nil {
		return err
	}
	srv := newHTTPServer(newHandler(db, logger, handlerOptions{
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
		ReadTimeout:     s.ReadTimeout,
	}), logger, connLimits{
		ReadHeader: s.ReadHeaderTimeout, Read: s.ReadTimeout, Write: s.WriteTimeout, Idle: s.IdleTimeout,
	})
	logger.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("db", s.DB))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(newSlowHeaderListener(ln, logger, s.ReadHeaderTimeout)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
