package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The server has no pprof endpoint, and the bench may not change it. So
// the profiling pass builds the same package with one file added through
// `go build -overlay` (nothing is written into the tree): an init that
// serves net/http/pprof on a separate loopback address when
// INTERACTIONS_BENCH_PPROF names one. The measured run uses the plain
// binary; this pass runs after it.
const pprofOverlaySource = `package main

import (
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("INTERACTIONS_BENCH_PPROF")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		panic(err)
	}
	go http.Serve(ln, http.DefaultServeMux)
}
`

// profiledScenarios are profiled, each for the measured duration.
var profiledScenarios = []string{"gql-first", "rest-first", "gql-deep"}

func profile(ctx context.Context, c *config, root, db string, rep *report, scenarios []*scenario) error {
	src := filepath.Join(c.work, "benchpprof.go")
	if err := os.WriteFile(src, []byte(pprofOverlaySource), 0o644); err != nil {
		return err
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, "zz_benchpprof.go"): src}})
	overlayFile := filepath.Join(c.work, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return err
	}
	bin := filepath.Join(c.work, "interactions-pprof")
	logf("profiling pass: building the server with a pprof listener (go build -overlay)")
	if err := runCmd(ctx, root, os.Stderr, "go", "build", "-overlay", overlayFile, "-o", bin, "."); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	pport, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "serve", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--db", db, "--no-seed")
	cmd.Env = append(os.Environ(), "INTERACTIONS_LOG_LEVEL=error", fmt.Sprintf("INTERACTIONS_BENCH_PPROF=127.0.0.1:%d", pport))
	srv, err := start("profiled server", cmd, port, io.Discard)
	if err != nil {
		return err
	}
	defer srv.stop()

	// The scenarios' targets name the measured server's port; point them here.
	oldBase := ""
	for _, s := range scenarios {
		if s.name == "gql-first" {
			u := s.targets[0].URL
			oldBase = u[:strings.Index(u, "/graphql")]
		}
	}
	for _, name := range profiledScenarios {
		var s *scenario
		for _, x := range scenarios {
			if x.name == name {
				s = x
			}
		}
		if s == nil {
			continue
		}
		moved := *s
		moved.targets = append(moved.targets[:0:0], s.targets...)
		for i := range moved.targets {
			moved.targets[i].URL = strings.Replace(moved.targets[i].URL, oldBase, srv.base, 1)
		}
		if _, err := moved.run(c.warmup, c.concurrency); err != nil {
			return err
		}
		secs := max(1, int(c.duration.Seconds()))
		file := filepath.Join(c.profileDir, name+".cpu.pprof")
		logf("profiling pass: %s for %d s", name, secs)
		type got struct {
			body []byte
			err  error
		}
		ch := make(chan got, 1)
		go func() {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", pport, secs))
			if err != nil {
				ch <- got{err: err}
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("pprof: HTTP %d: %s", resp.StatusCode, b)
			}
			ch <- got{b, err}
		}()
		time.Sleep(100 * time.Millisecond)
		st, err := moved.run(time.Duration(secs)*time.Second+500*time.Millisecond, c.concurrency)
		if err != nil {
			return err
		}
		g := <-ch
		if g.err != nil {
			return g.err
		}
		if err := os.MkdirAll(c.profileDir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file, g.body, 0o644); err != nil {
			return err
		}
		var top bytes.Buffer
		pp := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=25", bin, file)
		pp.Stdout, pp.Stderr = &top, &top
		if err := pp.Run(); err != nil {
			return fmt.Errorf("go tool pprof: %w: %s", err, top.String())
		}
		var cum bytes.Buffer
		pp = exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-cum", "-nodecount=30", bin, file)
		pp.Stdout, pp.Stderr = &cum, &cum
		_ = pp.Run()
		rep.profiles = append(rep.profiles, profileResult{
			scenario: fmt.Sprintf("%s (%.0f req/s while profiled)", name, st.rps),
			file:     file,
			top:      trimPprof(top.String()) + "\n\nby cumulative time:\n\n" + trimPprof(cum.String()),
		})
	}
	return nil
}

// trimPprof drops pprof's header lines that name local paths.
func trimPprof(s string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.HasPrefix(l, "File:") || strings.HasPrefix(l, "Build ID:") || strings.HasPrefix(l, "Type:") || strings.HasPrefix(l, "Time:") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}
