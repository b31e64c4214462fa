package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// connLimits are the HTTP server's connection timeouts.
type connLimits struct {
	ReadHeader time.Duration
	Read       time.Duration
	Write      time.Duration
	Idle       time.Duration
}

// newHTTPServer serves handler under limits. net/http closes a connection
// whose request headers do not arrive in time without answering; the
// server built here answers 408 naming the setting instead, so a client on
// a slow link learns which limit it met. It must serve a listener wrapped
// by slowHeaderListener.
func newHTTPServer(handler http.Handler, logger *slog.Logger, limits connLimits) *http.Server {
	return &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, ok := r.Context().Value(connKey{}).(*slowHeaderConn); ok {
				c.serving(true)
			}
			handler.ServeHTTP(w, r)
		}),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		// A request is over only once net/http has read what its handler
		// left of the body and interrupted its own background read, after
		// the handler returned: neither those bytes nor that timeout
		// belong to a next request.
		ConnState: func(c net.Conn, state http.ConnState) {
			if c, ok := c.(*slowHeaderConn); ok && state == http.StateIdle {
				c.serving(false)
			}
		},
		ReadHeaderTimeout: limits.ReadHeader,
		ReadTimeout:       limits.Read,
		WriteTimeout:      limits.Write,
		IdleTimeout:       limits.Idle,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

type connKey struct{}

// slowHeaderListener wraps each connection it accepts in a slowHeaderConn.
type slowHeaderListener struct {
	net.Listener
	logger *slog.Logger
	reply  []byte
}

func newSlowHeaderListener(ln net.Listener, logger *slog.Logger, limit time.Duration) *slowHeaderListener {
	msg := fmt.Sprintf("request headers were not received within the limit of %s (INTERACTIONS_READ_HEADER_TIMEOUT)\n", limit)
	reply := fmt.Sprintf("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(msg), msg)
	return &slowHeaderListener{Listener: ln, logger: logger, reply: []byte(reply)}
}

func (l *slowHeaderListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &slowHeaderConn{Conn: c, l: l}, nil
}

// slowHeaderConn answers 408 when a read times out part way into a
// request's headers. A request runs from its handler's start until net/http
// marks the connection idle; a timeout inside it (a slow body, which the
// handler answers itself, or net/http's own interruption of its background
// read) passes through untouched, and so does one between requests with
// no byte of the next yet read (an idle keep-alive connection).
type slowHeaderConn struct {
	net.Conn
	l *slowHeaderListener

	mu      sync.Mutex
	inside  bool // a request's headers are read and it is not over yet
	started bool // a request's first bytes came after the last one was over
	replied bool
}

func (c *slowHeaderConn) serving(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inside = on
	c.started = false
}

// Write refuses what net/http writes after the 408: for headers dripped
// byte by byte it goes on to answer 400 for the part it read.
func (c *slowHeaderConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	replied := c.replied
	c.mu.Unlock()
	if replied {
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

func (c *slowHeaderConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > 0 && !c.inside {
		c.started = true
	}
	if err != nil && c.started && !c.inside && !c.replied && errors.Is(err, os.ErrDeadlineExceeded) {
		c.replied = true
		// The server gives up on this connection once Read returns, so
		// the answer is written now, bounded so a client that does not
		// read cannot hold it.
		c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		c.Conn.Write(c.l.reply)
		c.l.logger.Info("request headers timed out", slog.String("remote_addr", c.RemoteAddr().String()))
	}
	return n, err
}
