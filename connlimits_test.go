package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConnectionTimeouts runs the real command with short connection
// timeouts and talks to it over raw TCP, the way a slow or stalled client
// does. Each limit a request meets is answered with a status and a message
// naming its setting; only a connection with no request pending is closed
// without an answer.
func TestConnectionTimeouts(t *testing.T) {
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--port", fmt.Sprint(port), "--host", "127.0.0.1",
			"--db", filepath.Join(t.TempDir(), "interactions.db"),
			"--read-header-timeout", "500ms", "--read-timeout", "1s", "--idle-timeout", "500ms",
			"--write-timeout", "3s", "--request-timeout", "2s"}, io.Discard, logs)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	waitFor(t, func() error {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err
	})

	dial := func(t *testing.T) (net.Conn, *bufio.Reader) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		// Only a guard against a hung test: every answer below comes after
		// at most a second of the server's own limits.
		c.SetDeadline(time.Now().Add(20 * time.Second))
		return c, bufio.NewReader(c)
	}
	send := func(t *testing.T, c net.Conn, s string) {
		t.Helper()
		if _, err := io.WriteString(c, s); err != nil {
			t.Fatal(err)
		}
	}
	const query = `{"query":"{ interactions(accountNumber: \"ACC-001\", first: 1) { totalCount } }"}`
	postQuery := "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(query), query)

	t.Run("SlowHeaders", func(t *testing.T) {
		c, r := dial(t)
		send(t, c, "GET /interactions/ACC-001 HTTP/1.1\r\nHost: x\r\n")
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("no answer to headers that stopped half way: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestTimeout || !resp.Close ||
			!strings.Contains(string(body), "INTERACTIONS_READ_HEADER_TIMEOUT") || !strings.Contains(string(body), "500ms") {
			t.Errorf("slow headers: %d close=%v %q; want 408, closing, naming INTERACTIONS_READ_HEADER_TIMEOUT and 500ms",
				resp.StatusCode, resp.Close, body)
		}
		if _, err := r.ReadByte(); err != io.EOF {
			t.Errorf("after the 408 the connection should be closed; read gave %v", err)
		}
		if !strings.Contains(logs.String(), "request headers timed out") {
			t.Errorf("the refusal was not logged:\n%s", logs)
		}
	})

	t.Run("DrippedHeaders", func(t *testing.T) {
		// Headers that keep coming, a byte at a time, still meet the limit,
		// and the 408 must be the only answer on the connection.
		c, r := dial(t)
		headers := "GET /interactions/ACC-001 HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Slow: b\r\n", 20) + "\r\n"
		go func() {
			for i := range len(headers) {
				if _, err := io.WriteString(c, headers[i:i+1]); err != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		all, _ := io.ReadAll(r)
		if n := strings.Count(string(all), "HTTP/1.1 "); n != 1 || !strings.HasPrefix(string(all), "HTTP/1.1 408 ") {
			t.Errorf("dripped headers got %d answers:\n%s\nwant one 408", n, all)
		}
	})

	t.Run("DeclaredBodyTooLarge", func(t *testing.T) {
		// Refused on its declared length at once: no 100 Continue, and no
		// wait for a body that would be refused anyway.
		c, r := dial(t)
		send(t, c, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
			"Content-Length: 99999999999\r\nExpect: 100-continue\r\n\r\n")
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "REQUEST_BODY_TOO_LARGE") {
			t.Errorf("a declared length of 99999999999: %d %s; want 413 REQUEST_BODY_TOO_LARGE", resp.StatusCode, body)
		}
	})

	t.Run("SlowBody", func(t *testing.T) {
		c, r := dial(t)
		send(t, c, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":")
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("no answer to a body that stopped half way: %v", err)
		}
		var got gqlResponse
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			t.Fatalf("408 body: %v", err)
		}
		if resp.StatusCode != http.StatusRequestTimeout || !resp.Close || len(got.Errors) != 1 ||
			got.Errors[0].Extensions["code"] != "REQUEST_TIMEOUT" ||
			!strings.Contains(got.Errors[0].Message, "INTERACTIONS_READ_TIMEOUT") || !strings.Contains(got.Errors[0].Message, "1s") {
			t.Errorf("slow body: %d close=%v %+v; want 408 REQUEST_TIMEOUT naming INTERACTIONS_READ_TIMEOUT and 1s",
				resp.StatusCode, resp.Close, got.Errors)
		}
	})

	t.Run("KeepAliveThenIdle", func(t *testing.T) {
		// Two whole requests on one connection, the second sent at once:
		// neither the end of the first handler nor the wait between them
		// may produce a 408. Then the idle connection is closed silently.
		c, r := dial(t)
		for i := range 2 {
			send(t, c, postQuery)
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("request %d on a kept-alive connection: %v", i+1, err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"totalCount"`) {
				t.Fatalf("request %d on a kept-alive connection: %d %s", i+1, resp.StatusCode, body)
			}
		}
		rest, err := io.ReadAll(r)
		if err != nil || len(rest) != 0 {
			t.Errorf("an idle connection should be closed with nothing written; got %q, %v", rest, err)
		}
	})

	t.Run("UnreadBodyThenIdle", func(t *testing.T) {
		// The handler answers without reading the body; net/http reads it
		// after the handler is done, then interrupts its own background
		// read. Neither may count as a request that timed out, and the
		// idle connection is then closed with nothing more written.
		c, r := dial(t)
		send(t, c, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n"+strings.Repeat("a", 20000))
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		rest, err := io.ReadAll(r)
		if resp.StatusCode != http.StatusOK || err != nil || len(rest) != 0 {
			t.Errorf("GET with an unread body: %d, then %q, %v; want 200 and a close with nothing written", resp.StatusCode, rest, err)
		}
	})

	t.Run("PartBodyAfterHandler", func(t *testing.T) {
		// A 404 whose body comes in part after the handler has run:
		// net/http waits for the rest up to the read timeout, then answers
		// the 404 and closes. The headers came in time, so no 408.
		c, r := dial(t)
		send(t, c, "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
		// Time for the handler to run first; were it slower, the test
		// would pass without telling anything, never fail.
		time.Sleep(300 * time.Millisecond)
		send(t, c, "12345")
		all, _ := io.ReadAll(r)
		if n := strings.Count(string(all), "HTTP/1.1 "); n != 1 || !strings.HasPrefix(string(all), "HTTP/1.1 404 ") {
			t.Errorf("a 404 with part of its body late got %d answers:\n%s\nwant one 404", n, all)
		}
	})

	t.Run("NoRequestNoAnswer", func(t *testing.T) {
		// A connection that never starts a request is closed when the
		// header timeout passes; there is no request to answer.
		_, r := dial(t)
		rest, err := io.ReadAll(r)
		if err != nil || len(rest) != 0 {
			t.Errorf("a connection that sent nothing got %q, %v; want a close with nothing written", rest, err)
		}
	})
}
