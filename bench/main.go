// Command bench measures the Interactions API end to end on this machine:
// it builds the server, generates and imports synthetic interactions,
// starts the real binary on 127.0.0.1 and drives it in a closed loop with
// vegeta, beside a minimal net/http baseline over the same store query.
// It writes a Markdown report and fails (exit 1, the first bad body
// printed) on any error response.
//
// The full run (about 3.5 minutes on 2 cores):
//
//	go run ./bench -rows 1000000 -accounts 10000 -duration 10s -concurrency 16 -out bench/RESULTS.md
//
// A quick one: go run ./bench -rows 200000 -duration 5s -out /tmp/results.md
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type config struct {
	rows, accounts, concurrency int
	seed                        uint64
	duration, warmup            time.Duration
	out, work, profileDir       string
	keep, profile, strict       bool
	only, overlay               string
}

func main() {
	var c config
	var serveBase, baseDB string
	flag.IntVar(&c.rows, "rows", 1_000_000, "interactions to generate")
	flag.IntVar(&c.accounts, "accounts", 0, "accounts (default rows/100); ACC-000001 gets about a tenth of the rows")
	flag.Uint64Var(&c.seed, "seed", 1, "generator seed")
	flag.IntVar(&c.concurrency, "concurrency", 16, "closed-loop workers (and connections) per scenario")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "measured time per scenario")
	flag.DurationVar(&c.warmup, "warmup", 0, "unmeasured warm-up per scenario (default min(2s, duration/4))")
	flag.StringVar(&c.out, "out", "bench/RESULTS.md", "report file")
	flag.StringVar(&c.work, "work", "", "work directory (default a new temporary one, removed afterwards)")
	flag.BoolVar(&c.keep, "keep", false, "keep the work directory (data, databases, profiles, server log)")
	flag.BoolVar(&c.profile, "profile", true, "after the measured run, CPU-profile the server during the GraphQL and REST first-page scenarios")
	flag.StringVar(&c.profileDir, "profile-dir", "", "where to keep the CPU profiles (default the work directory)")
	flag.BoolVar(&c.strict, "strict", false, "also exit 1 when a target is missed")
	flag.StringVar(&c.only, "only", "", "comma-separated scenario names to run (default all)")
	flag.StringVar(&c.overlay, "overlay", "", "build the measured server with this go build -overlay file (to try a change without touching the tree)")
	flag.StringVar(&serveBase, "serve-baseline", "", "internal: serve the baseline on this address")
	flag.StringVar(&baseDB, "baseline-db", "", "internal: the baseline's database")
	flag.Parse()

	if serveBase != "" {
		if err := serveBaseline(baseDB, serveBase); err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(1)
		}
		return
	}
	if c.accounts == 0 {
		c.accounts = max(1, c.rows/100)
	}
	if c.warmup == 0 {
		c.warmup = min(2*time.Second, c.duration/4)
	}
	if err := run(&c); err != nil {
		fmt.Fprintln(os.Stderr, "\nBENCH FAILED:", err)
		os.Exit(1)
	}
}

// report is everything the Markdown file shows.
type report struct {
	cfg                  *config
	date                 time.Time
	goVersion, cpu       string
	cores                int
	loadBefore           string
	genTime, importTime  time.Duration
	importLine           string
	dbSize, walSize      int64
	bigAccount           string
	bigRows, deepAt      int
	results              []stats
	peakRSS, baselineRSS int64
	profiles             []profileResult
	notes                []string
}

type profileResult struct {
	scenario, file, top string
}

func run(c *config) (err error) {
	ctx := context.Background()
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if c.work == "" {
		if c.work, err = os.MkdirTemp("", "interactions-bench-"); err != nil {
			return err
		}
		if !c.keep {
			defer os.RemoveAll(c.work)
		}
	}
	if c.profileDir == "" {
		c.profileDir = c.work
	}
	rep := &report{cfg: c, date: time.Now(), cores: runtime.NumCPU(), goVersion: runtime.Version(), cpu: cpuModel(), loadBefore: loadAvg()}
	logf("work directory %s; %d cores, %s, load average %s", c.work, rep.cores, rep.goVersion, rep.loadBefore)

	// Build.
	bin := filepath.Join(c.work, "interactions")
	logf("building the server")
	buildArgs := []string{"build", "-o", bin}
	if c.overlay != "" {
		abs, err := filepath.Abs(c.overlay)
		if err != nil {
			return err
		}
		buildArgs = append(buildArgs, "-overlay", abs)
		rep.notes = append(rep.notes, "The measured server was built with `-overlay "+c.overlay+"`: these are not the tree's figures.")
	}
	if err := runCmd(ctx, root, os.Stderr, "go", append(buildArgs, ".")...); err != nil {
		return err
	}

	// Generate and import.
	data := filepath.Join(c.work, "interactions.jsonl")
	logf("generating %d interactions over %d accounts", c.rows, c.accounts)
	t0 := time.Now()
	if err := runCmd(ctx, c.work, os.Stderr, bin, "generate", "-n", fmt.Sprint(c.rows), "--accounts", fmt.Sprint(c.accounts), "--seed", fmt.Sprint(c.seed), "-o", data); err != nil {
		return err
	}
	rep.genTime = time.Since(t0)
	importDB := filepath.Join(c.work, "import.db")
	logf("importing")
	var out bytes.Buffer
	t0 = time.Now()
	if err := runCmd(ctx, c.work, &out, bin, "import", "--db", importDB, data); err != nil {
		return err
	}
	rep.importTime = time.Since(t0)
	rep.importLine = strings.TrimSpace(out.String())
	logf("import: %s (wall %.2f s, %.0f rows/s)", rep.importLine, rep.importTime.Seconds(), float64(c.rows)/rep.importTime.Seconds())
	rep.dbSize = fileSize(importDB)
	rep.walSize = fileSize(importDB + "-wal")

	serveDB := filepath.Join(c.work, "serve.db")
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(importDB+suffix, serveDB+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}

	// The product.
	logFile, err := os.Create(filepath.Join(c.work, "server.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	port, err := freePort()
	if err != nil {
		return err
	}
	srvCmd := exec.Command(bin, "serve", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--db", serveDB, "--no-seed")
	srvCmd.Env = append(os.Environ(), "INTERACTIONS_LOG_LEVEL=error")
	logf("starting the server on 127.0.0.1:%d", port)
	srv, err := start("server", srvCmd, port, logFile)
	if err != nil {
		return err
	}
	defer srv.stop()

	// The baseline, in its own process over the same file.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bport, err := freePort()
	if err != nil {
		return err
	}
	baseCmd := exec.Command(self, "-serve-baseline", fmt.Sprintf("127.0.0.1:%d", bport), "-baseline-db", serveDB)
	base, err := start("baseline", baseCmd, bport, logFile)
	if err != nil {
		return err
	}
	defer base.stop()

	// Cursors of the large account, by walking it once.
	rep.bigAccount = "ACC-000001"
	cursors, total, deepAt, err := walk(srv.base, rep.bigAccount)
	if err != nil {
		return err
	}
	rep.bigRows, rep.deepAt = total, deepAt
	logf("%s has %d interactions; %d deep cursors around row %d (%.0f%%)", rep.bigAccount, total, len(cursors), deepAt, 100*float64(deepAt)/float64(total))
	if err := sameCursorsInGraphQL(srv.base, rep.bigAccount, cursors); err != nil {
		return err
	}

	scenarios := buildScenarios(c, srv.base, base.base, rep.bigAccount, cursors)
	var only map[string]bool
	if c.only != "" {
		only = map[string]bool{}
		for _, n := range strings.Split(c.only, ",") {
			only[strings.TrimSpace(n)] = true
		}
	}
	for _, s := range scenarios {
		if only != nil && !only[s.name] {
			continue
		}
		logf("scenario %-18s warm-up %s, then %s at concurrency %d", s.name, c.warmup, c.duration, c.concurrency)
		if _, err := s.run(c.warmup, c.concurrency); err != nil {
			return err
		}
		target := srv
		if strings.HasPrefix(s.name, "baseline") {
			target = base
		}
		cpu0 := target.cpu()
		st, err := s.run(c.duration, c.concurrency)
		if err != nil {
			return err
		}
		if st.requests > 0 {
			st.cpuPerRequest = (target.cpu() - cpu0) / time.Duration(st.requests)
		}
		for _, p := range []*proc{srv, base} {
			if err := p.alive(); err != nil {
				return err
			}
		}
		logf("  %8.0f req/s  p50 %-9s p99 %-9s max %-9s (%d requests, %.0f B each, server CPU %s each)", st.rps, st.p50, st.p99, st.max, st.requests, st.bytesPerResponse, st.cpuPerRequest)
		rep.results = append(rep.results, st)
	}
	rep.peakRSS = srv.peak()
	rep.baselineRSS = base.peak()
	srv.stop()
	base.stop()

	if c.profile {
		if err := profile(ctx, c, root, serveDB, rep, scenarios); err != nil {
			rep.notes = append(rep.notes, "profiling failed: "+err.Error())
			logf("profiling failed: %v", err)
		}
	}

	md := rep.markdown()
	if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(c.out, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print("\n" + md)
	logf("wrote %s", c.out)
	if c.keep {
		logf("kept %s", c.work)
	}
	if missed := rep.missedTargets(); c.strict && len(missed) > 0 {
		return fmt.Errorf("targets missed: %s", strings.Join(missed, "; "))
	}
	return nil
}

const nodeFields = `id databaseId accountNumber timestamp reason solution summary channel agentId addressedBy externalId`

var (
	qFirst  = `query First($a: String!) { interactions(accountNumber: $a, first: 20) { edges { cursor node { ` + nodeFields + ` } } pageInfo { hasNextPage endCursor } } }`
	qAfter  = `query Deep($a: String!, $c: String!) { interactions(accountNumber: $a, first: 20, after: $c) { edges { cursor node { ` + nodeFields + ` } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`
	qBefore = `query Back($a: String!, $c: String!) { interactions(accountNumber: $a, last: 20, before: $c) { edges { cursor node { ` + nodeFields + ` } } pageInfo { hasPreviousPage startCursor } } }`
	qCount  = `query Count($a: String!) { interactions(accountNumber: $a) { totalCount } }`
)

func gqlTarget(base, query string, vars map[string]string) vegeta.Target {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return vegeta.Target{Method: http.MethodPost, URL: base + "/graphql", Body: body,
		Header: http.Header{"Content-Type": {"application/json"}}}
}

func getTarget(u string) vegeta.Target { return vegeta.Target{Method: http.MethodGet, URL: u} }

func buildScenarios(c *config, srv, base, big string, cursors []string) []*scenario {
	// Random accounts other than the large one, the same sequence each run.
	rng := rand.New(rand.NewPCG(c.seed, 42))
	accounts := make([]string, 4096)
	for i := range accounts {
		n := 1
		if c.accounts > 1 {
			n = 2 + rng.IntN(c.accounts-1)
		}
		accounts[i] = fmt.Sprintf("ACC-%06d", n)
	}
	each := func(list []string, f func(string) vegeta.Target) []vegeta.Target {
		out := make([]vegeta.Target, len(list))
		for i, v := range list {
			out[i] = f(v)
		}
		return out
	}
	esc := url.QueryEscape
	return []*scenario{
		{name: "baseline-first", what: "baseline (net/http + store + encoding/json), first page of a random account", check: nil,
			targets: each(accounts, func(a string) vegeta.Target { return getTarget(base + "/baseline/" + a + "?limit=20") })},
		{name: "gql-first", what: "GraphQL `first: 20`, random account", check: graphqlOK,
			targets: each(accounts, func(a string) vegeta.Target { return gqlTarget(srv, qFirst, map[string]string{"a": a}) })},
		{name: "rest-first", what: "REST `limit=20`, random account", check: func(b []byte) string {
			if !bytes.HasPrefix(b, []byte(`{"account_number":`)) {
				return "body is not a REST page"
			}
			return ""
		},
			targets: each(accounts, func(a string) vegeta.Target { return getTarget(srv + "/interactions/" + a + "?limit=20") })},
		{name: "baseline-deep", what: "baseline, page of 20 after a ~90% cursor of " + big, check: baselineOK,
			targets: each(cursors, func(cur string) vegeta.Target {
				return getTarget(base + "/baseline/" + big + "?limit=20&after=" + esc(cur))
			})},
		{name: "gql-deep", what: "GraphQL `first: 20, after:` ~90% cursor of " + big, check: graphqlEdges,
			targets: each(cursors, func(cur string) vegeta.Target { return gqlTarget(srv, qAfter, map[string]string{"a": big, "c": cur}) })},
		{name: "gql-last-before", what: "GraphQL `last: 20, before:` ~90% cursor of " + big, check: graphqlEdges,
			targets: each(cursors, func(cur string) vegeta.Target { return gqlTarget(srv, qBefore, map[string]string{"a": big, "c": cur}) })},
		{name: "rest-deep", what: "REST `limit=20&cursor=` ~90% cursor of " + big, check: restOK,
			targets: each(cursors, func(cur string) vegeta.Target {
				return getTarget(srv + "/interactions/" + big + "?limit=20&cursor=" + esc(cur))
			})},
		{name: "gql-total-count", what: "GraphQL `totalCount` alone of " + big, check: func(b []byte) string {
			if r := graphqlOK(b); r != "" {
				return r
			}
			if !bytes.Contains(b, []byte(`"totalCount":`)) || bytes.Contains(b, []byte(`"totalCount":0`)) {
				return "no totalCount"
			}
			return ""
		},
			targets: []vegeta.Target{gqlTarget(srv, qCount, map[string]string{"a": big})}},
	}
}

// walk pages through account over REST, 100 rows at a time, and returns
// the next_cursors that lie between 88% and 92% of its rows, the row count,
// and the row the middle cursor follows.
func walk(base, account string) (cursors []string, total, deepAt int, err error) {
	type restPage struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor *string           `json:"next_cursor"`
	}
	var all []string
	var at []int
	cursor := ""
	for {
		u := base + "/interactions/" + account + "?limit=100"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		resp, err := http.Get(u)
		if err != nil {
			return nil, 0, 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, 0, 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, 0, 0, &badResponse{scenario: "cursor walk", url: u, reason: "status is not 200", code: uint16(resp.StatusCode), body: body}
		}
		var p restPage
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, 0, 0, fmt.Errorf("cursor walk: %s: %w", u, err)
		}
		total += len(p.Items)
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
		all = append(all, cursor)
		at = append(at, total)
	}
	if total < 200 {
		return nil, 0, 0, fmt.Errorf("cursor walk: %s has only %d interactions; generate more rows", account, total)
	}
	for i, n := range at {
		if f := float64(n) / float64(total); f >= 0.88 && f <= 0.92 {
			cursors = append(cursors, all[i])
		}
	}
	if len(cursors) == 0 { // a small account: the one nearest 90%
		i := min(len(all)-1, int(0.9*float64(len(all))))
		cursors = append(cursors, all[i])
	}
	deepAt = at[slicesIndex(all, cursors[len(cursors)/2])]
	return cursors, total, deepAt, nil
}

func slicesIndex(l []string, s string) int {
	for i, v := range l {
		if v == s {
			return i
		}
	}
	return 0
}

// sameCursorsInGraphQL checks that the REST cursors are the GraphQL
// connection's: a GraphQL page of 100 after cursors[0] ends at cursors[1].
func sameCursorsInGraphQL(base, account string, cursors []string) error {
	if len(cursors) < 2 {
		return nil
	}
	q := `query($a: String!, $c: String!) { interactions(accountNumber: $a, first: 100, after: $c) { pageInfo { endCursor } } }`
	body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]string{"a": account, "c": cursors[0]}})
	resp, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r struct {
		Data struct {
			Interactions struct {
				PageInfo struct{ EndCursor string } `json:"pageInfo"`
			} `json:"interactions"`
		} `json:"data"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &r) != nil || r.Data.Interactions.PageInfo.EndCursor != cursors[1] {
		return &badResponse{scenario: "cursor check", url: base + "/graphql", reason: "GraphQL endCursor is not the REST next_cursor", code: uint16(resp.StatusCode), body: b}
	}
	return nil
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the bench inside the repository (go run ./bench)")
	}
	return filepath.Dir(mod), nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

var modelName = regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`)

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	if m := modelName.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return "?"
}
