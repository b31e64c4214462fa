package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
)

func TestServeCmd_Settings(t *testing.T) {
	parse := func(t *testing.T, args ...string) serveCmd {
		t.Helper()
		var c cli
		parser, err := kong.New(&c, kong.Exit(func(int) { t.Fatal("parser exited") }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse(args); err != nil {
			t.Fatalf("parse %q: %v", args, err)
		}
		return c.Serve
	}

	defaults := serveCmd{Port: 8080, DB: "./interactions.db", Seed: true, CORSOrigins: []string{"*"},
		Playground: true, Introspection: true, RequestTimeout: 10 * time.Second, ShutdownTimeout: 15 * time.Second,
		LogLevel: "info", LogFormat: "auto", MaxBodyBytes: 1 << 20, MaxComplexity: 5000, MaxDepth: 15, MaxFields: 1000, MaxCounts: 10,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}

	t.Run("Defaults", func(t *testing.T) {
		if got := parse(t); !reflect.DeepEqual(got, defaults) {
			t.Errorf("defaults = %+v, want %+v", got, defaults)
		}
	})
	t.Run("Environment", func(t *testing.T) {
		for k, v := range map[string]string{
			"PORT": "9090", "INTERACTIONS_DB": "/data/x.db", "INTERACTIONS_SEED": "false",
			"INTERACTIONS_CORS_ORIGINS": "https://a.example,https://b.example", "INTERACTIONS_CORS_CREDENTIALS": "true",
			"INTERACTIONS_WRITE_TOKEN": "w", "INTERACTIONS_READ_TOKEN": "r", "INTERACTIONS_PLAYGROUND": "false",
			"INTERACTIONS_INTROSPECTION": "false", "INTERACTIONS_REQUEST_TIMEOUT": "3s",
			"INTERACTIONS_SHUTDOWN_TIMEOUT": "1m", "INTERACTIONS_LOG_LEVEL": "debug", "INTERACTIONS_LOG_FORMAT": "text",
			"INTERACTIONS_HOST": "127.0.0.1", "INTERACTIONS_MAX_BODY_BYTES": "2048", "INTERACTIONS_MAX_COMPLEXITY": "100",
			"INTERACTIONS_MAX_DEPTH": "8", "INTERACTIONS_MAX_FIELDS": "50", "INTERACTIONS_MAX_COUNTS": "3",
			"INTERACTIONS_READ_HEADER_TIMEOUT": "2s", "INTERACTIONS_READ_TIMEOUT": "5s",
			"INTERACTIONS_WRITE_TIMEOUT": "20s", "INTERACTIONS_IDLE_TIMEOUT": "30s",
		} {
			t.Setenv(k, v)
		}
		want := serveCmd{Port: 9090, Host: "127.0.0.1", DB: "/data/x.db", Seed: false,
			CORSOrigins: []string{"https://a.example", "https://b.example"}, CORSCredentials: true,
			WriteToken: "w", ReadToken: "r", RequestTimeout: 3 * time.Second, ShutdownTimeout: time.Minute,
			LogLevel: "debug", LogFormat: "text", MaxBodyBytes: 2048, MaxComplexity: 100, MaxDepth: 8, MaxFields: 50, MaxCounts: 3,
			ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 20 * time.Second, IdleTimeout: 30 * time.Second}
		if got := parse(t); !reflect.DeepEqual(got, want) {
			t.Errorf("from the environment = %+v, want %+v", got, want)
		}
	})
	t.Run("FlagsOverEnvironment", func(t *testing.T) {
		t.Setenv("PORT", "9090")
		got := parse(t, "serve", "--port", "7070", "--db", "y.db", "--no-seed", "--cors-origins", "https://c.example")
		want := defaults
		want.Port, want.DB, want.Seed, want.CORSOrigins = 7070, "y.db", false, []string{"https://c.example"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("from flags = %+v, want %+v", got, want)
		}
	})
	t.Run("WildcardOrigins", func(t *testing.T) {
		got := parse(t, "serve", "--cors-origins", "https://*.example.com,http://localhost:*,HTTPS://A.Example:8443")
		want := []string{"https://*.example.com", "http://localhost:*", "HTTPS://A.Example:8443"}
		if !reflect.DeepEqual(got.CORSOrigins, want) {
			t.Fatalf("origins = %q, want %q", got.CORSOrigins, want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("Validate refused origins rs/cors accepts: %v", err)
		}
	})

	t.Run("ErrOriginSpaceFromEnvironment", func(t *testing.T) {
		t.Setenv("INTERACTIONS_CORS_ORIGINS", "https://a.example, https://b.example")
		err := run(context.Background(), nil, io.Discard, io.Discard)
		if want := `INTERACTIONS_CORS_ORIGINS) has " https://b.example"`; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("run = %v, want an error containing %s", err, want)
		}
	})

	// The startup cases must fail before serving; they get their own
	// database so that none is left in the package's folder.
	dir := t.TempDir()
	missingDir := filepath.Join(dir, "missing", "x.db")
	db := []string{"--db", filepath.Join(dir, "ok.db")}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := fmt.Sprint(taken.Addr().(*net.TCPAddr).Port)

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ErrOriginSpace", []string{"--cors-origins", "https://a.example, https://b.example"}, `INTERACTIONS_CORS_ORIGINS) has " https://b.example"`},
		{"ErrOriginSlash", []string{"--cors-origins", "https://a.example/"}, `"https://a.example/", which is not an origin: it has a path`},
		{"ErrOriginPath", []string{"--cors-origins", "https://a.example/app"}, `"https://a.example/app", which is not an origin`},
		{"ErrOriginNotURL", []string{"--cors-origins", "not a url"}, `INTERACTIONS_CORS_ORIGINS) has "not a url"`},
		{"ErrOriginNoScheme", []string{"--cors-origins", "a.example"}, `"a.example", which is not an origin`},
		{"ErrOriginScheme", []string{"--cors-origins", "ftp://a.example"}, "scheme is not http or https"},
		{"ErrOriginQuery", []string{"--cors-origins", "https://a.example?x=1"}, "it has a query"},
		{"ErrOriginEmptyQuery", []string{"--cors-origins", "https://a.example?"}, "it has a query"},
		{"ErrOriginUserInfo", []string{"--cors-origins", "https://u:p@a.example"}, "it has user info"},
		{"ErrOriginPort", []string{"--cors-origins", "https://a.example:70000"}, "port is not from 1 to 65535"},
		{"ErrOriginTwoWildcards", []string{"--cors-origins", "https://*.*.example.com"}, "only one *"},
		{"ErrOriginWildcardHost", []string{"--cors-origins", "https://*", "--cors-credentials"}, "whole host"},
		{"ErrOriginWildcardHostPort", []string{"--cors-origins", "http://*:8080"}, "whole host"},
		{"ErrOriginWildcardPath", []string{"--cors-origins", "https://a.example/*"}, "it has a path"},
		{"ErrDBDirMissing", []string{"--db", missingDir}, fmt.Sprintf("open --db (INTERACTIONS_DB) %q: ", missingDir)},
		{"ErrHostInvalid", append([]string{"--host", "999.1.1.1", "--port", "0"}, db...), `--host (INTERACTIONS_HOST) "999.1.1.1"`},
		{"ErrPortTaken", append([]string{"--host", "127.0.0.1", "--port", takenPort}, db...),
			fmt.Sprintf("listen on 127.0.0.1:%s, from --host (INTERACTIONS_HOST) \"127.0.0.1\" and --port (PORT) %s: ", takenPort, takenPort)},
		{"ErrPort", []string{"--port", "70000"}, "PORT"},
		{"ErrCredentialsWithWildcard", []string{"--cors-credentials"}, "INTERACTIONS_CORS_ORIGINS"},
		{"ErrTimeout", []string{"--request-timeout", "0s"}, "INTERACTIONS_REQUEST_TIMEOUT"},
		{"ErrIdleTimeout", []string{"--idle-timeout=-1s"}, "INTERACTIONS_IDLE_TIMEOUT"},
		{"ErrHeaderOverRead", []string{"--read-header-timeout", "1m", "--read-timeout", "30s"}, "INTERACTIONS_READ_HEADER_TIMEOUT"},
		{"ErrRequestNotUnderWrite", []string{"--request-timeout", "1m", "--write-timeout", "1m"}, "INTERACTIONS_WRITE_TIMEOUT"},
		{"ErrLogLevel", []string{"--log-level", "loud"}, "log-level"},
		{"ErrMaxDepth", []string{"--max-depth", "0"}, "INTERACTIONS_MAX_DEPTH"},
		{"ErrMaxCounts", []string{"--max-counts", "0"}, "INTERACTIONS_MAX_COUNTS"},
		{"ErrSameTokens", []string{"--write-token", "x", "--read-token", "x"}, "must differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run %q = %v, want an error naming %s", tc.args, err, tc.want)
			}
		})
	}
}

// TestRun_ServesSeededDatabase starts the command as a user would, twice on
// the same file: the first start seeds, the second seeds nothing again.
func TestRun_ServesSeededDatabase(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "interactions.db")
	for start := 1; start <= 2; start++ {
		port := freePort(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"--port", fmt.Sprint(port), "--host", "127.0.0.1", "--db", dbPath}, io.Discard, io.Discard)
		}()

		url := fmt.Sprintf("http://127.0.0.1:%d/interactions/ACC-001?limit=100", port)
		var page struct {
			Items []struct {
				ID int `json:"id"`
			} `json:"items"`
		}
		waitFor(t, func() error {
			resp, err := http.Get(url)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			return json.NewDecoder(resp.Body).Decode(&page)
		})
		if got, want := len(page.Items), 5; got != want {
			t.Errorf("start %d: GET %s gave %d items, want %d (seeded once)", start, url, got, want)
		}

		cancel()
		if err := <-done; err != nil {
			t.Fatalf("start %d: run returned %v after its context ended, want nil", start, err)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitFor retries f until it succeeds, for as long as a slow machine needs
// to start a server; it is a wait, not a timing assertion.
func waitFor(t *testing.T, f func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err = f(); err == nil {
			return
		}
	}
	t.Fatalf("gave up waiting: %v", err)
}

// TestServeCmd_HelpShowsBoolDefaults checks that serve --help gives the
// default of each boolean flag, which kong leaves out of the flag's column.
func TestServeCmd_HelpShowsBoolDefaults(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"serve", "--help"}, &out, io.Discard); err != nil {
		t.Fatalf("run serve --help: %v", err)
	}
	// The help wraps its text to the terminal's width anywhere.
	help := strings.Join(strings.Fields(out.String()), " ")
	for flag, want := range map[string]string{
		"--[no-]seed":          "(default: true)",
		"--[no-]playground":    "(default: true)",
		"--[no-]introspection": "(default: true)",
		"--cors-credentials":   "(default: false)",
	} {
		_, entry, ok := strings.Cut(help, " "+flag+" ")
		if !ok {
			t.Errorf("serve --help has no %s:\n%s", flag, out.String())
			continue
		}
		entry, _, _ = strings.Cut(entry, " --")
		if !strings.Contains(entry, want) {
			t.Errorf("serve --help gives %s as %q, want it to say %s", flag, entry, want)
		}
	}
}
