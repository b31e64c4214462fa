// Package rest serves the original REST route,
// GET /interactions/{account_number}?limit=&cursor=, with the JSON of the
// service it replaces, from the same resolver as the GraphQL field.
package rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/requestid"
	"github.com/interactions-api/interactions/resolvers"
	"github.com/interactions-api/interactions/store"
)

// Error codes of the REST route.
const (
	CodeInvalidLimit         = "invalid_limit"
	CodeInvalidCursor        = "invalid_cursor"
	CodeInvalidAccountNumber = "invalid_account_number"
	CodeUnauthenticated      = "unauthenticated"
	CodeInvalidQuery         = "invalid_query"
	CodeTimeout              = "timeout"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeInternal             = "internal"
)

// Handler serves the REST route.
type Handler struct {
	resolver *resolvers.Resolver
	logger   *slog.Logger
}

// New returns a Handler answering from resolver.
func New(resolver *resolvers.Resolver, logger *slog.Logger) *Handler {
	return &Handler{resolver: resolver, logger: logger}
}

// Register adds the route, and JSON 404s for the paths around it, to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("/interactions/{account_number}", h.serveInteractions)
	mux.HandleFunc("/interactions/", h.serveNotFound)
	mux.HandleFunc("/interactions", h.serveNotFound)
}

// page is the route's response body; the field order is the original's.
type page struct {
	AccountNumber string  `json:"account_number"`
	Items         []item  `json:"items"`
	NextCursor    *string `json:"next_cursor"`
}

type item struct {
	ID            int64   `json:"id"`
	AccountNumber string  `json:"account_number"`
	Timestamp     string  `json:"timestamp"`
	Reason        string  `json:"reason"`
	Solution      *string `json:"solution"`
	Summary       *string `json:"summary"`
	Channel       string  `json:"channel"`
	AgentID       *string `json:"agent_id"`
	AddressedBy   string  `json:"addressed_by"`
	ExternalID    *string `json:"external_id"`
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (h *Handler) serveInteractions(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.writeError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed here; use GET or HEAD", r.Method))
		return
	}
	ctx := r.Context()
	if err := auth.CheckRead(ctx); err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="interactions"`)
		h.writeError(w, http.StatusUnauthorized, CodeUnauthenticated, err.Error())
		return
	}
	account := r.PathValue("account_number")
	if err := store.CheckAccountNumber("account_number", account); err != nil {
		h.writeError(w, http.StatusBadRequest, CodeInvalidAccountNumber, err.Error())
		return
	}

	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		h.writeError(w, http.StatusBadRequest, CodeInvalidQuery, "the query string is malformed; separate parameters with &")
		return
	}
	limit := resolvers.DefaultPageSize
	if s := lastValue(q, "limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > resolvers.MaxPageSize {
			h.writeError(w, http.StatusBadRequest, CodeInvalidLimit,
				fmt.Sprintf("limit must be a whole number from 1 to %d, got %q", resolvers.MaxPageSize, s))
			return
		}
		limit = n
	}

	cursor := lastValue(q, "cursor")
	if id, ok := legacyCursor(cursor); ok {
		c, err := h.resolver.CursorAfterRow(ctx, "cursor", account, id)
		if err != nil {
			h.writeResolverError(w, r, err)
			return
		}
		cursor = c
	}

	rows, next, err := h.resolver.Page(ctx, account, limit, cursor)
	if err != nil {
		h.writeResolverError(w, r, err)
		return
	}
	body := page{AccountNumber: account, Items: make([]item, len(rows)), NextCursor: next}
	for i := range rows {
		body.Items[i] = toItem(&rows[i])
	}
	h.writeJSON(w, http.StatusOK, body)
}

// lastValue returns the last value of a repeated parameter, as the original
// service did.
func lastValue(q url.Values, key string) string {
	values := q[key]
	if len(values) == 0 {
		return ""
	}
	return values[len(values)-1]
}

func (h *Handler) serveNotFound(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, http.StatusNotFound, CodeNotFound,
		fmt.Sprintf("no route for %s; use /interactions/{account_number}", r.URL.Path))
}

func toItem(it *store.Interaction) item {
	return item{
		ID:            it.ID,
		AccountNumber: it.AccountNumber,
		Timestamp:     store.FormatTime(it.Timestamp),
		Reason:        it.Reason,
		Solution:      it.Solution,
		Summary:       it.Summary,
		Channel:       strings.ToLower(it.Channel),
		AgentID:       it.AgentID,
		AddressedBy:   it.AddressedBy,
		ExternalID:    it.ExternalID,
	}
}

// legacyCursor reads the original service's cursor, the base64 of
// {"last_id": N}. Its base64 is the standard alphabet, padded, and a client
// that did not escape it may have had its '+' turned into a space.
func legacyCursor(s string) (int64, bool) {
	s = strings.ReplaceAll(s, " ", "+")
	if !strings.HasPrefix(s, "eyJ") { // base64 of `{"`
		return 0, false
	}
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return 0, false
	}
	// Decoded as a map, because struct decoding would match keys in any
	// case and take {"LAST_ID": 2} for the original's cursor.
	var c map[string]json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&c) != nil || len(c) != 1 {
		return 0, false
	}
	id, err := strconv.ParseInt(string(c["last_id"]), 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

func (h *Handler) writeResolverError(w http.ResponseWriter, r *http.Request, err error) {
	var invalid *store.InvalidError
	if errors.As(err, &invalid) {
		code := CodeInvalidCursor
		switch invalid.Field {
		case "accountNumber", "account_number":
			code = CodeInvalidAccountNumber
		case "first":
			code = CodeInvalidLimit
		}
		// The resolver names GraphQL's arguments; the client here sent REST's.
		msg := invalid.Message
		if code == CodeInvalidCursor {
			msg = "cursor: " + msg
		}
		h.writeError(w, http.StatusBadRequest, code, msg)
		return
	}
	var timeout *resolvers.TimeoutError
	if errors.As(context.Cause(r.Context()), &timeout) {
		h.writeError(w, http.StatusServiceUnavailable, CodeTimeout, timeout.Error())
		return
	}
	id := requestid.FromContext(r.Context())
	h.logger.ErrorContext(r.Context(), "rest request failed",
		slog.String("request_id", id), slog.String("path", r.URL.Path), slog.Any("error", err))
	h.writeError(w, http.StatusInternalServerError, CodeInternal, fmt.Sprintf("internal error (request ID %s)", id))
}

func (h *Handler) writeError(w http.ResponseWriter, status int, code, msg string) {
	var body errorBody
	body.Error.Code = code
	body.Error.Message = msg
	h.writeJSON(w, status, body)
}

// writeJSON writes v as compact JSON, leaving <, >, &, U+2028 and U+2029
// unescaped and no trailing newline, byte for byte as the original service
// (Python's json with ensure_ascii off) did.
func (h *Handler) writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		h.logger.Error("encode rest response", slog.Any("error", err))
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	body := unescapeLineSeparators(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// unescapeLineSeparators turns encoding/json's \u2028 and \u2029, which it
// writes whatever it is told, back into the characters, in place. Every
// backslash in JSON begins an escape, so escapes are stepped over whole:
// the text \u2028 itself, encoded as \\u2028, is left as it is.
func unescapeLineSeparators(b []byte) []byte {
	out := b[:0]
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && (string(b[i+2:i+6]) == "2028" || string(b[i+2:i+6]) == "2029") {
			r := '\u2028'
			if b[i+5] == '9' {
				r = '\u2029'
			}
			// Three bytes for six: out never overtakes i.
			out = utf8.AppendRune(out, r)
			i += 5
			continue
		}
		out = append(out, b[i], b[i+1])
		i++
	}
	return out
}
