package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

// TestDiskFull puts the database on a tiny tmpfs and records until the disk
// is full: the failing write is refused with SERVICE_UNAVAILABLE and writes
// nothing, reads go on, and writes work again once the disk is larger.
// Mounting needs root, which CI has; elsewhere the test says why it skips.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs; CI runs it as root")
	}
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mount := func(opts string) {
		t.Helper()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
			t.Fatalf("mount -o %s: %v %s", opts, err, out)
		}
	}
	mount("size=512k")
	t.Cleanup(func() { exec.Command("umount", dir).Run() })

	s := startTestServerAt(t, filepath.Join(dir, "interactions.db"), store.Options{Seed: true},
		handlerOptions{Tokens: auth.Tokens{Write: mutWriteToken}})
	summary := strings.Repeat("s", store.MaxSummaryLength)
	record := func(i int) gqlResponse {
		resp, _ := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{
			"accountNumber": "ACC-FULL", "externalId": fmt.Sprint("full-", i), "summary": summary,
		})})
		return resp
	}

	stored := 0
	var refused gqlResponse
	for i := range 200 {
		resp := record(i)
		if len(resp.Errors) > 0 {
			refused = resp
			break
		}
		stored++
	}
	if len(refused.Errors) == 0 {
		t.Fatalf("recorded %d large interactions on a 512 KiB disk without an error", stored)
	}
	if refused.Status != 200 || refused.Errors[0].Extensions["code"] != "SERVICE_UNAVAILABLE" {
		t.Fatalf("write on a full disk: status %d, errors %+v; want 200 SERVICE_UNAVAILABLE", refused.Status, refused.Errors)
	}
	if n := mutCount(t, s, "", "ACC-FULL"); n != stored {
		t.Errorf("after the refused write ACC-FULL holds %d rows, want the %d acknowledged", n, stored)
	}
	if n := mutCount(t, s, "", "ACC-001"); n != 5 {
		t.Errorf("reads on a full disk: ACC-001 has %d rows, want 5", n)
	}

	mount("remount,size=16m")
	if resp := record(1000); len(resp.Errors) > 0 {
		t.Fatalf("write after the disk grew: %+v", resp.Errors)
	}
	if n := mutCount(t, s, "", "ACC-FULL"); n != stored+1 {
		t.Errorf("after recovery ACC-FULL holds %d rows, want %d", n, stored+1)
	}
	t.Logf("%d interactions fit before the disk was full", stored)
}
