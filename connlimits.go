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
				defer c.serving(false)
			}
			handler.ServeHTTP(w, r)
		}),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		// A request is over only once net/http has read what its handler
		// left of the body, after the handler returned; the bytes of that
		// read are not the next request's.
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
	return &slowHeaderConn{Conn: c, l: l, accepted: time.Now()}, nil
}

// slowHeaderConn answers 408 when a read times out part way into a
// request's headers. Between requests (keep-alive, idle timeout) and while
// a handler runs (the body, whose timeout the handler answers itself) a
// timeout passes through untouched, as does net/http's own interruption of
// its background read after a handler, since no byte of a request has come
// then.
type slowHeaderConn struct {
	net.Conn
	l *slowHeaderListener

	accepted time.Time

	mu       sync.Mutex
	inside   bool // a handler is serving a request of this connection
	started  bool // a request's first bytes came after the last handler ended
	aborting bool // the read deadline is in the past: net/http is interrupting a read
	replied  bool
}

// SetReadDeadline notes a deadline set in the past, which is how net/http
// interrupts its background read once a handler is done: that read's
// timeout is no client's fault, even when the body the handler left
// unread has just been read.
func (c *slowHeaderConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.aborting = !t.IsZero() && t.Before(c.accepted)
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
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
	if err != nil && c.started && !c.inside && !c.aborting && !c.replied && errors.Is(err, os.ErrDeadlineExceeded) {
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
