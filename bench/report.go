package main

import (
	"fmt"
	"strings"
	"time"
)

func (r *report) find(name string) *stats {
	for i := range r.results {
		if r.results[i].name == name {
			return &r.results[i]
		}
	}
	return nil
}

type target struct {
	what, measured, limit string
	ok                    bool
}

func (r *report) targets() []target {
	var out []target
	ratioP50 := func(deep, first, what string) {
		d, f := r.find(deep), r.find(first)
		if d == nil || f == nil {
			return
		}
		x := d.p50.Seconds() / f.p50.Seconds()
		out = append(out, target{what, fmt.Sprintf("%.2fx (%s / %s)", x, ms(d.p50), ms(f.p50)), "≤ 1.30x", x <= 1.3})
	}
	ratioP50("gql-deep", "gql-first", "GraphQL deep page p50 / first page p50")
	ratioP50("rest-deep", "rest-first", "REST deep page p50 / first page p50")
	ratioRPS := func(name, baseName, what string, limit float64) {
		p, b := r.find(name), r.find(baseName)
		if p == nil || b == nil {
			return
		}
		x := p.rps / b.rps
		out = append(out, target{what, fmt.Sprintf("%.0f%% (%.0f / %.0f req/s)", 100*x, p.rps, b.rps), fmt.Sprintf("≥ %.0f%%", 100*limit), x >= limit})
	}
	ratioRPS("gql-first", "baseline-first", "GraphQL first-page throughput / baseline", 0.70)
	ratioRPS("rest-first", "baseline-first", "REST first-page throughput / baseline", 0.85)
	ratioRPS("gql-deep", "baseline-deep", "GraphQL deep-page throughput / baseline deep (not a target)", 0)
	ratioRPS("rest-deep", "baseline-deep", "REST deep-page throughput / baseline deep (not a target)", 0)
	if r.peakRSS > 0 {
		out = append(out, target{"server peak RSS (VmHWM) over the run", mb(r.peakRSS), "< 150 MB", r.peakRSS < 150<<20})
	}
	return out
}

func (r *report) missedTargets() []string {
	var m []string
	for _, t := range r.targets() {
		if !t.ok {
			m = append(m, t.what+": "+t.measured)
		}
	}
	return m
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func (r *report) markdown() string {
	c := r.cfg
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Benchmark results\n\n")
	w("Produced by `go run ./bench` (see `bench/README.md`). The full run is:\n\n")
	w("```sh\ngo run ./bench -rows 1000000 -accounts 10000 -duration 10s -concurrency 16 -out bench/RESULTS.md\n```\n\n")
	w("This run: `go run ./bench -rows %d -accounts %d -duration %s -concurrency %d`, warm-up %s per scenario.\n\n",
		c.rows, c.accounts, c.duration, c.concurrency, c.warmup)
	w("- Date: %s\n", r.date.UTC().Format("2006-01-02 15:04 MST"))
	w("- Machine: %d cores (%s), load average before the run %s; server, baseline and load generator share these cores over 127.0.0.1\n", r.cores, r.cpu, r.loadBefore)
	w("- Go: %s\n", r.goVersion)
	w("- Data: %d interactions over %d accounts (`generate --seed %d`); %s has %d, deep pages start after row %d (%.0f%%)\n",
		c.rows, c.accounts, c.seed, r.bigAccount, r.bigRows, r.deepAt, 100*float64(r.deepAt)/float64(max(1, r.bigRows)))
	w("- Generate: %.1f s\n", r.genTime.Seconds())
	w("- Import: %.1f s wall, **%.0f rows/s** (the command's own line: `%s`)\n", r.importTime.Seconds(), float64(c.rows)/r.importTime.Seconds(), r.importLine)
	w("- Database size after import: **%s**", mb(r.dbSize))
	if r.walSize > 0 {
		w(" (+ %s WAL)", mb(r.walSize))
	}
	w("\n- Server peak RSS (VmHWM, whole run): **%s**; baseline process: %s\n\n", mb(r.peakRSS), mb(r.baselineRSS))

	w("## Scenarios\n\nClosed loop: %d vegeta workers, each with its own keep-alive connection, sending the next request when the last is answered. Every response is checked (HTTP 200, no `\"errors\"`, the expected shape); any other answer fails the run. *Server CPU/req* is the serving process's user+system CPU time (from `/proc/PID/stat`) over the measured interval divided by its requests: unlike req/s, it hardly moves with what else the shared machine runs.\n\n", c.concurrency)
	w("| scenario | what | requests | req/s | p50 | p99 | max | errors | vs baseline | server CPU/req | CPU vs baseline |\n")
	w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.results {
		vs, cpuVs := "", ""
		var base *stats
		switch {
		case strings.HasSuffix(s.name, "-first") && s.name != "baseline-first":
			base = r.find("baseline-first")
		case strings.HasSuffix(s.name, "-deep") && s.name != "baseline-deep", s.name == "gql-last-before":
			base = r.find("baseline-deep")
		}
		if base != nil {
			vs = fmt.Sprintf("%.0f%%", 100*s.rps/base.rps)
			if base.cpuPerRequest > 0 {
				cpuVs = fmt.Sprintf("%.2fx", s.cpuPerRequest.Seconds()/base.cpuPerRequest.Seconds())
			}
		}
		w("| %s | %s | %d | %.0f | %s | %s | %s | %d | %s | %.0f µs | %s |\n", s.name, s.what, s.requests, s.rps, ms(s.p50), ms(s.p99), ms(s.max), s.errors, vs, float64(s.cpuPerRequest.Microseconds()), cpuVs)
	}

	w("\n## Targets\n\n| target | measured | wanted | |\n| --- | --- | --- | --- |\n")
	for _, t := range r.targets() {
		mark := "holds"
		if !t.ok {
			mark = "**missed**"
		}
		if strings.Contains(t.what, "not a target") {
			mark = ""
		}
		w("| %s | %s | %s | %s |\n", t.what, t.measured, t.wanted(), mark)
	}
	for _, n := range r.notes {
		w("\n%s\n", n)
	}
	if len(r.profiles) > 0 {
		w("\n## CPU profiles of the server\n\nTaken after the measured run, from the same code built with a pprof listener added through `go build -overlay` (the server has no pprof endpoint). Load generator and baseline are not in these profiles, but they share the 2 cores.\n")
		for _, p := range r.profiles {
			w("\n### %s\n\n```\n%s\n```\n", p.scenario, p.top)
		}
	}
	return b.String()
}

func (t target) wanted() string {
	if strings.Contains(t.what, "not a target") {
		return ""
	}
	return t.limit
}
