package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/playground"
	"github.com/interactions-api/interactions/requestid"
	"github.com/interactions-api/interactions/resolvers"
	"github.com/interactions-api/interactions/rest"
	"github.com/interactions-api/interactions/store"
	"github.com/interactions-api/interactions/telemetry"
)

// defaultMaxBodyBytes bounds a GraphQL request body.
const defaultMaxBodyBytes = 1 << 20

// handlerOptions are the settings the routes depend on. The zero value
// of each field is the default.
type handlerOptions struct {
	CORSOrigins     []string
	CORSCredentials bool
	Tokens          auth.Tokens
	NoPlayground    bool
	NoIntrospection bool
	RequestTimeout  time.Duration // 0: defaultRequestTimeout
	MaxBodyBytes    int64         // 0: defaultMaxBodyBytes
	MaxComplexity   int           // 0: resolvers.MaxComplexity
	MaxDepth        int           // 0: resolvers.MaxDepth
	MaxFields       int           // 0: resolvers.MaxFields
	MaxCounts       int           // 0: resolvers.MaxCounts
	ReadTimeout     time.Duration // the server's, named when a body is too slow; 0: none set

	persisted graphql.Cache[string] // persisted queries by hash; nil: a cache of the GraphQL handler's own
}

const defaultRequestTimeout = 10 * time.Second

// newHandler wires every route of the service around db.
func newHandler(db *store.DB, logger *slog.Logger, opts handlerOptions) http.Handler {
	res := resolvers.New(db, logger)
	tel := telemetry.New(logger, db.Pools())

	mux := http.NewServeMux()
	// Apollo Client and urql send a query's hash first and the text only
	// when the server does not know it yet. The transport looks a hash up
	// too, to refuse a saved mutation sent over GET as it refuses one sent
	// as text.
	opts.persisted = lru.New[string](1000)
	mux.Handle("/graphql", graphqlTransport(cmp.Or(opts.MaxBodyBytes, defaultMaxBodyBytes), opts.ReadTimeout, opts.persisted,
		newGraphQL(res, logger, tel, opts)))
	mux.Handle("GET /metrics", tel.Handler())
	if !opts.NoPlayground {
		mux.Handle("GET /{$}", playground.Handler("Interactions API", "/graphql"))
		mux.Handle("GET "+playground.AssetPrefix, playground.AssetsHandler())
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := db.Ping(r.Context()); err != nil {
			logger.ErrorContext(r.Context(), "readiness check failed", slog.Any("error", err))
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	rest.New(res, logger).Register(mux)

	c := cors.New(cors.Options{
		AllowedOrigins:   opts.CORSOrigins,
		AllowCredentials: opts.CORSCredentials,
		AllowedMethods:   []string{http.MethodGet, http.MethodHead, http.MethodPost},
		AllowedHeaders:   []string{"Content-Type", "Authorization", requestid.Header},
		ExposedHeaders:   []string{requestid.Header},
		MaxAge:           600,
	})
	route := func(r *http.Request) string {
		if _, pattern := mux.Handler(r); pattern != "" {
			return pattern
		}
		return "unmatched"
	}
	timeout := cmp.Or(opts.RequestTimeout, defaultRequestTimeout)
	return requestid.Middleware(tel.Middleware(route, c.Handler(auth.Middleware(opts.Tokens, withDeadline(timeout, mux)))))
}

// withDeadline gives each request a deadline that every database call
// honours. Its cause names the limit, for the error the client gets.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeoutCause(r.Context(), d, &resolvers.TimeoutError{Limit: d})
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// newGraphQL builds the GraphQL handler with only the transports the API
// documents: POST with a JSON body, and GET for queries. Multipart and form
// transports are left out because a cross-site HTML form could use them.
func newGraphQL(res *resolvers.Resolver, logger *slog.Logger, tel *telemetry.Telemetry, opts handlerOptions) *handler.Server {
	return newGraphQLPostingWith(postTransport{}, res, logger, tel, opts)
}

// newGraphQLPostingWith is newGraphQL with post as the POST transport; the
// tests compare postTransport with gqlgen's own through it.
func newGraphQLPostingWith(post graphql.Transport, res *resolvers.Resolver, logger *slog.Logger, tel *telemetry.Telemetry, opts handlerOptions) *handler.Server {
	srv := handler.New(res.Schema())
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(post)
	queryCache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queryCache)
	srv.SetValidationRulesFn(resolvers.ValidationRules)
	if opts.NoIntrospection {
		srv.Use(resolvers.NoIntrospection{})
	} else {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: cmp.Or[graphql.Cache[string]](opts.persisted, lru.New[string](1000))})
	srv.Use(resolvers.QueryLimits{
		MaxDepth:  cmp.Or(opts.MaxDepth, resolvers.MaxDepth),
		MaxFields: cmp.Or(opts.MaxFields, resolvers.MaxFields),
		MaxCounts: cmp.Or(opts.MaxCounts, resolvers.MaxCounts),
		Cache:     queryCache,
	})
	// After the limits above: gqlgen's complexity walk expands every use of
	// a fragment, which takes exponential time on a document whose
	// fragments spread each other twice; those limits refuse such a
	// document first.
	srv.Use(extension.FixedComplexityLimit(cmp.Or(opts.MaxComplexity, resolvers.MaxComplexity)))
	srv.Use(&resolvers.ExactEnumVariables{})
	srv.SetErrorPresenter(res.PresentError)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		respond := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := respond(ctx)
			if resp == nil && ctx.Err() != nil {
				// gqlgen answers an operation whose context has ended with
				// no response at all; the client is owed the reason.
				resp = &graphql.Response{Errors: gqlerror.List{res.PresentError(ctx, context.Cause(ctx))}}
			}
			return resp
		}
	})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		name := ""
		if graphql.HasOperationContext(ctx) {
			if op := graphql.GetOperationContext(ctx).Operation; op != nil {
				name = op.Name
			}
		}
		tel.SetOperation(ctx, name, resp != nil && len(resp.Errors) > 0)
		return resp
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "graphql resolver panicked",
			slog.String("request_id", requestid.FromContext(ctx)),
			slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
		return fmt.Errorf("panic: %v", v)
	})
	return srv
}

// graphqlTransport refuses, before gqlgen sees them, the requests no
// transport should run: other methods (405), POST bodies that are not JSON
// (415), which a page could send cross-site without a preflight, bodies
// over the size limit (413), and bodies slower than the read timeout (408).
func graphqlTransport(maxBodyBytes int64, readTimeout time.Duration, persisted graphql.Cache[string], next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			q := r.URL.Query()
			for _, values := range q {
				for _, v := range values {
					if !utf8.ValidString(v) {
						writeGraphQLError(w, http.StatusBadRequest, "BAD_REQUEST", "query string is not valid UTF-8")
						return
					}
				}
			}
			for _, param := range []string{"variables", "extensions"} {
				if v := q.Get(param); v != "" && !isJSONObject(v) {
					writeGraphQLError(w, http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED",
						fmt.Sprintf("the %s parameter is not a JSON object", param))
					return
				}
			}
			query := q.Get("query")
			if query == "" && persisted != nil {
				query = persistedQuery(r.Context(), persisted, q.Get("extensions"))
			}
			if !isQuery(query, q.Get("operationName")) {
				w.Header().Set("Allow", "POST")
				writeGraphQLError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
					"GET runs queries only; send mutations with POST")
				return
			}
		case http.MethodOptions:
		case http.MethodPost:
			mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			charset, hasCharset := params["charset"]
			if err != nil || mediaType != "application/json" || hasCharset && !strings.EqualFold(charset, "utf-8") {
				writeGraphQLError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
					"POST /graphql takes a body of Content-Type application/json in UTF-8")
				return
			}
			if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
				writeGraphQLError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
					fmt.Sprintf("Content-Encoding %q is not supported; send the body uncompressed", enc))
				return
			}
			// A declared length over the limit is refused before a byte of
			// the body is read, so a client that waits for 100 Continue is
			// not invited to send it.
			if r.ContentLength > maxBodyBytes {
				writeGraphQLError(w, http.StatusRequestEntityTooLarge, "REQUEST_BODY_TOO_LARGE",
					fmt.Sprintf("request body is over the limit of %d bytes", maxBodyBytes))
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				writeGraphQLError(w, http.StatusRequestEntityTooLarge, "REQUEST_BODY_TOO_LARGE",
					fmt.Sprintf("request body is over the limit of %d bytes", maxBodyBytes))
				return
			case errors.Is(err, os.ErrDeadlineExceeded):
				// The connection cannot be read again, so it is closed after
				// this answer.
				w.Header().Set("Connection", "close")
				writeGraphQLError(w, http.StatusRequestTimeout, "REQUEST_TIMEOUT",
					fmt.Sprintf("request body was not received within the limit of %s (INTERACTIONS_READ_TIMEOUT)", readTimeout))
				return
			case err != nil:
				writeGraphQLError(w, http.StatusBadRequest, "BAD_REQUEST", "request body could not be read")
				return
			case !utf8.Valid(body):
				// encoding/json would quietly turn the bad bytes into U+FFFD
				// and store that; refusing keeps the client's text intact.
				writeGraphQLError(w, http.StatusBadRequest, "BAD_REQUEST", "request body is not valid UTF-8")
				return
			case !json.Valid(body):
				// gqlgen reads the first JSON value and ignores what follows.
				writeGraphQLError(w, http.StatusBadRequest, "BAD_REQUEST", "request body is not one JSON object")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeGraphQLError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
				fmt.Sprintf("method %s is not allowed on /graphql; use POST, or GET for queries", r.Method))
			return
		}
		// A refused token is an executed response (HTTP 200), decided before
		// gqlgen parses anything, so nothing about the schema leaks.
		if r.Method != http.MethodOptions {
			if err := auth.CheckRead(r.Context()); err != nil {
				var refused *auth.Error
				errors.As(err, &refused)
				writeGraphQLError(w, http.StatusOK, refused.Code, refused.Message)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// persistedQuery returns the saved text of the persisted query that the
// extensions parameter names by hash, or "" when it names none known.
func persistedQuery(ctx context.Context, persisted graphql.Cache[string], extensions string) string {
	var ext struct {
		PersistedQuery struct {
			Hash string `json:"sha256Hash"`
		} `json:"persistedQuery"`
	}
	if json.Unmarshal([]byte(extensions), &ext) != nil || ext.PersistedQuery.Hash == "" {
		return ""
	}
	query, _ := persisted.Get(ctx, ext.PersistedQuery.Hash)
	return query
}

func isJSONObject(s string) bool {
	var v map[string]any
	return json.Unmarshal([]byte(s), &v) == nil
}

// isQuery reports whether the operation a GET request would run is not a
// mutation or subscription. A document that does not parse counts as a
// query here, so that gqlgen answers it with its own parse error.
func isQuery(query, operationName string) bool {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return true
	}
	for _, op := range doc.Operations {
		if (operationName == "" || op.Name == operationName) && op.Operation != ast.Query {
			return false
		}
	}
	return true
}

func writeGraphQLError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(graphql.Response{Errors: gqlerror.List{{
		Message:    msg,
		Extensions: map[string]any{"code": code},
	}}})
}
