package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

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
}

// Timeouts of the HTTP server. No request the API serves needs longer.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 15 * time.Second
)

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
	}
	return nil
}

// Run serves until ctx is done, then drains requests and closes the database.
func (s *serveCmd) Run(ctx context.Context, out streams) error {
	logger := slog.New(slog.NewJSONHandler(out.stderr, nil))

	db, err := store.Open(ctx, s.DB, store.Options{Seed: s.Seed})
	if err != nil {
		return err
	}
	defer db.Close()

	ln, err := net.Listen("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: newHandler(db, logger, handlerOptions{
			CORSOrigins: s.CORSOrigins,
			Tokens:      auth.Tokens{Read: s.ReadToken, Write: s.WriteToken},
		}),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("db", s.DB))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
