package main

import (
	"bufio"
	"bytes"
	"errors"
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

// server is the command started as a child process.
type server struct {
	cmd    *exec.Cmd
	addr   string
	dbPath string
	// logs are the process's stdout and stderr; read them only once it
	// has exited, as the copying goroutine writes them until then.
	logs   *bytes.Buffer
	exited chan error
}

// startServer builds and starts the command with extra serve flags, and
// waits until it answers.
func startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	bin := buildBinary(t)
	s := &server{
		dbPath: filepath.Join(t.TempDir(), "interactions.db"),
		logs:   new(bytes.Buffer),
		exited: make(chan error, 1),
	}
	port := freePort(t)
	s.addr = fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{"serve", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--db", s.dbPath}, extra...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
	})
	waitFor(t, func() error {
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err
	})
	return s
}

const inFlightBody = `{"query":"{ interactions(accountNumber: \"ACC-001\") { totalCount } }"}`

// sendHalfRequest sends a GraphQL request's headers and the first half of
// its body: the request stays in flight until the rest is sent or the
// server cuts it off. It returns once the server has accepted it.
func (s *server) sendHalfRequest(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		s.addr, len(inFlightBody), inFlightBody[:len(inFlightBody)/2])

	// A connection still in the kernel's backlog when the listener closes
	// is reset. The server accepts in order, so once a later connection has
	// been answered, ours has been accepted.
	later := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := later.Get("http://" + s.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return conn
}

// wait waits for the process to exit and returns its error.
func (s *server) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.exited:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("server still running 30s after SIGTERM")
		return nil
	}
}

// closedCleanly reports whether the database was closed cleanly: SQLite
// removes the write-ahead log when the last connection closes, having
// checkpointed it into the database.
func (s *server) closedCleanly(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(s.dbPath + "-wal"); !os.IsNotExist(err) {
		t.Errorf("%s-wal is still there after shutdown (err %v): the database was not closed cleanly", s.dbPath, err)
	}
}

// TestShutdown_DrainsInFlightRequest sends SIGTERM to a real server while
// a request is half sent: the server stops accepting, lets the request
// finish, and closes the database cleanly.
func TestShutdown_DrainsInFlightRequest(t *testing.T) {
	s := startServer(t)
	conn := s.sendHalfRequest(t)

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Once the listener is closed, shutdown has begun with our request
	// still in flight.
	waitFor(t, func() error {
		c, err := net.Dial("tcp", s.addr)
		if err == nil {
			c.Close()
			return fmt.Errorf("still accepting connections")
		}
		return nil
	})

	if _, err := conn.Write([]byte(inFlightBody[len(inFlightBody)/2:])); err != nil {
		t.Fatalf("finish the request after SIGTERM: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the response to the in-flight request: %v", err)
	}
	var answer bytes.Buffer
	answer.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(answer.String(), `"totalCount":5`) {
		t.Errorf("in-flight request: %d %s, want 200 with totalCount 5", resp.StatusCode, answer.String())
	}

	if err := s.wait(t); err != nil {
		t.Errorf("server exited with %v after SIGTERM, want status 0\n%s", err, s.logs.String())
	}
	s.closedCleanly(t)
	if !strings.Contains(s.logs.String(), "shutting down") {
		t.Errorf("logs do not record the shutdown:\n%s", s.logs.String())
	}
}

// TestShutdown_CutsOffRequestsPastTimeout sends SIGTERM while a request is
// half sent and never finishes it: once the shutdown timeout passes, the
// server cuts the request off, waits for its handler before closing the
// database, and exits 1 with an error that names the setting.
func TestShutdown_CutsOffRequestsPastTimeout(t *testing.T) {
	s := startServer(t, "--shutdown-timeout", "1s")
	conn := s.sendHalfRequest(t)

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := s.wait(t)
	logs := s.logs.String()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("server exited with %v after its shutdown timeout, want status 1\n%s", err, logs)
	}
	const want = "interactions: shutdown timeout of 1s (INTERACTIONS_SHUTDOWN_TIMEOUT) passed with requests in flight; they were cut off"
	if !strings.Contains(logs, want) {
		t.Errorf("output does not end with %q:\n%s", want, logs)
	}
	if !strings.Contains(logs, `"level":"WARN"`) || !strings.Contains(logs, `"INTERACTIONS_SHUTDOWN_TIMEOUT":"1s"`) {
		t.Errorf("no warning naming INTERACTIONS_SHUTDOWN_TIMEOUT and its value in the logs:\n%s", logs)
	}
	// The request is logged when its handler returns; the process must
	// have waited for that before closing the database and exiting.
	if !strings.Contains(logs, `"route":"/graphql"`) {
		t.Errorf("the cut-off request's handler did not return before the process exited:\n%s", logs)
	}
	if strings.Contains(logs, "database is closed") {
		t.Errorf("a handler ran after the database was closed:\n%s", logs)
	}
	s.closedCleanly(t)

	// The request was cut off: its connection ends without a response.
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
		t.Errorf("the cut-off request was answered %d, want its connection closed", resp.StatusCode)
	}
}
