package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// crashStart starts the built server on dbPath with writes open and waits
// until it answers.
func crashStart(t *testing.T, bin, dbPath string) (*testServer, *exec.Cmd) {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(bin, "serve", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--db", dbPath, "--no-seed")
	cmd.Env = append(cmd.Environ(), "INTERACTIONS_WRITE_TOKEN="+mutWriteToken)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, func() error {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})
	// Against a process, a testServer is only its URL.
	return &testServer{Server: &httptest.Server{URL: url}, Logs: &syncBuffer{}}, cmd
}

// TestCrash_AcknowledgedWritesSurviveSIGKILL kills a real server in the
// middle of a burst of writes. After a restart every write it acknowledged
// is there, the database passes integrity_check, and the service answers.
func TestCrash_AcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	dbPath := filepath.Join(t.TempDir(), "interactions.db")
	srv, cmd := crashStart(t, bin, dbPath)

	var (
		mu    sync.Mutex
		acked = map[string]string{} // external ID → global ID
		count atomic.Int64
		wg    sync.WaitGroup
	)
	killed := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-killed:
					return
				default:
				}
				ext := fmt.Sprintf("crash-%d-%d", w, i)
				resp, err := postGraphQL(srv.URL, mutWriteToken, map[string]any{"query": mutRecord,
					"variables": map[string]any{"input": mutInput(map[string]any{"accountNumber": "ACC-CRASH", "externalId": ext})}})
				if err != nil {
					return // the server is gone
				}
				var p mutPayload
				json.Unmarshal(resp.Data, &p)
				if resp.Status != http.StatusOK || p.RecordInteraction == nil {
					t.Errorf("write %s before the kill: %+v", ext, resp)
					return
				}
				mu.Lock()
				acked[ext] = p.RecordInteraction.Interaction.ID
				mu.Unlock()
				if count.Add(1) == 300 {
					cmd.Process.Kill()
					close(killed)
				}
			}
		})
	}
	wg.Wait()
	cmd.Wait()

	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check after SIGKILL: %q, %v", check, err)
	}
	db.Close()

	srv, _ = crashStart(t, bin, dbPath)
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 300 {
		t.Fatalf("only %d writes were acknowledged before the kill", len(acked))
	}
	ids := make([]string, 0, len(acked))
	for _, id := range acked {
		ids = append(ids, id)
	}
	found := 0
	for start := 0; start < len(ids); start += 100 {
		resp := srv.graphql(t, "", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
			map[string]any{"ids": ids[start:min(start+100, len(ids))]})
		var d struct {
			Nodes []*struct{ ID string } `json:"nodes"`
		}
		if err := json.Unmarshal(resp.Data, &d); err != nil || len(resp.Errors) > 0 {
			t.Fatalf("nodes after restart: %+v", resp)
		}
		for _, n := range d.Nodes {
			if n != nil {
				found++
			}
		}
	}
	if found != len(ids) {
		t.Errorf("after SIGKILL and restart %d of %d acknowledged writes are readable", found, len(ids))
	}
}
