package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/interactions-api/interactions/store"
)

// The baseline is the least a server can do for the same page: the same
// store query, its rows written with encoding/json, no GraphQL, no
// middleware. It runs in its own process (this program, re-executed with
// -serve-baseline) so that it meets the load as the product does.
//
//	GET /baseline/{account}?limit=N&after=CURSOR
//
// CURSOR is one of the product's cursors; only its position is read (the
// product also checks its digest, which costs a SHA-256 per request).

type baselineItem struct {
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

type baselinePage struct {
	AccountNumber string         `json:"account_number"`
	Items         []baselineItem `json:"items"`
	HasNextPage   bool           `json:"has_next_page"`
}

func serveBaseline(dbPath, addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /baseline/{account}", func(w http.ResponseWriter, r *http.Request) {
		n := 20
		if s := r.URL.Query().Get("limit"); s != "" {
			if n, err = strconv.Atoi(s); err != nil {
				http.Error(w, "bad limit", http.StatusBadRequest)
				return
			}
		}
		// It answers has_next_page only, so, like the REST route, it spares
		// the query that finds hasPreviousPage.
		req := store.PageRequest{AccountNumber: r.PathValue("account"), First: &n, OmitHasPreviousPage: true}
		if c := r.URL.Query().Get("after"); c != "" {
			p, err := cursorPosition(c)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			req.After = &p
		}
		page, err := db.Interactions(r.Context(), req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out := baselinePage{AccountNumber: req.AccountNumber, Items: make([]baselineItem, len(page.Interactions)), HasNextPage: page.HasNextPage}
		for i := range page.Interactions {
			it := &page.Interactions[i]
			out.Items[i] = baselineItem{
				ID: it.ID, AccountNumber: it.AccountNumber, Timestamp: store.FormatTime(it.Timestamp),
				Reason: it.Reason, Solution: it.Solution, Summary: it.Summary,
				Channel: strings.ToLower(it.Channel), AgentID: it.AgentID,
				AddressedBy: it.AddressedBy, ExternalID: it.ExternalID,
			}
		}
		body, err := json.Marshal(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// cursorPosition reads the position out of a product cursor: base64url of
// version, direction, an 8-byte digest, then the timestamp and id varints.
func cursorPosition(c string) (store.Position, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 10 {
		return store.Position{}, fmt.Errorf("bad cursor %q", c)
	}
	rest := b[10:]
	ts, n := binary.Varint(rest)
	if n <= 0 {
		return store.Position{}, fmt.Errorf("bad cursor %q", c)
	}
	id, m := binary.Varint(rest[n:])
	if m <= 0 {
		return store.Position{}, fmt.Errorf("bad cursor %q", c)
	}
	return store.Position{Time: ts, ID: id}, nil
}
