package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds the command into a temporary folder, for tests that
// need a real process to signal or kill.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "interactions")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestShutdown_DrainsInFlightRequest sends SIGTERM to a real server while
// a request is half sent: the server stops accepting, lets the request
// finish, and closes the database cleanly.
func TestShutdown_DrainsInFlightRequest(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "interactions.db")
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--db", dbPath)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})
	waitFor(t, func() error {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err
	})

	body := `{"query":"{ interactions(accountNumber: \"ACC-001\") { totalCount } }"}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		addr, len(body), body[:half])

	// A connection still in the kernel's backlog when the listener closes
	// is reset. The server accepts in order, so once a later connection has
	// been answered, ours has been accepted.
	later := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := later.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Once the listener is closed, shutdown has begun with our request
	// still in flight.
	waitFor(t, func() error {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return fmt.Errorf("still accepting connections")
		}
		return nil
	})

	if _, err := conn.Write([]byte(body[half:])); err != nil {
		t.Fatalf("finish the request after SIGTERM: %v", err)
	}
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the response to the in-flight request: %v", err)
	}
	var answer bytes.Buffer
	answer.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(answer.String(), `"totalCount":5`) {
		t.Errorf("in-flight request: %d %s, want 200 with totalCount 5", resp.StatusCode, answer.String())
	}

	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("server exited with %v after SIGTERM, want status 0\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("server still running 30s after SIGTERM\n%s", logs.String())
	}
	// SQLite removes the write-ahead log when the last connection closes
	// cleanly, having checkpointed it into the database.
	if _, err := os.Stat(dbPath + "-wal"); !os.IsNotExist(err) {
		t.Errorf("%s-wal is still there after shutdown (err %v): the database was not closed cleanly", dbPath, err)
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("logs do not record the shutdown:\n%s", logs.String())
	}
}
