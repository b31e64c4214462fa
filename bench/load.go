package main

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// scenario is one closed-loop load: a fixed list of targets taken in turn
// by concurrency workers, each sending its next request as soon as the
// previous one is answered.
type scenario struct {
	name    string
	what    string
	targets []vegeta.Target
	// check returns a non-empty reason when a 200 body is still wrong.
	check func(body []byte) string
}

// stats is what one scenario measured.
type stats struct {
	name, what       string
	requests, errors int
	elapsed          time.Duration
	rps              float64
	p50, p99, max    time.Duration
	bytesPerResponse float64
	cpuPerRequest    time.Duration // the server's CPU time per request
}

// badResponse is the first wrong answer a scenario met.
type badResponse struct {
	scenario, url, reason string
	code                  uint16
	body                  []byte
}

func (b *badResponse) Error() string {
	body := b.body
	if len(body) > 2000 {
		body = append(body[:2000:2000], "…"...)
	}
	return fmt.Sprintf("scenario %s: bad response from %s: %s (HTTP %d)\nbody: %s", b.scenario, b.url, b.reason, b.code, body)
}

func (s *scenario) targeter() vegeta.Targeter {
	var next atomic.Uint64
	return func(t *vegeta.Target) error {
		*t = s.targets[(next.Add(1)-1)%uint64(len(s.targets))]
		return nil
	}
}

// run drives the scenario for d with concurrency workers and no rate
// limit. It stops at the first bad response and returns it as the error.
func (s *scenario) run(d time.Duration, concurrency int) (stats, error) {
	atk := vegeta.NewAttacker(
		vegeta.Workers(uint64(concurrency)),
		vegeta.MaxWorkers(uint64(concurrency)),
		vegeta.Connections(concurrency),
		vegeta.MaxConnections(concurrency),
		vegeta.KeepAlive(true),
		vegeta.Redirects(vegeta.NoFollow),
		vegeta.Timeout(30*time.Second),
	)
	start := time.Now()
	var (
		lat   = make([]time.Duration, 0, 1<<16)
		bad   *badResponse
		bytes int
		errs  int
	)
	// Rate 0: as fast as the workers go (a closed loop).
	for res := range atk.Attack(s.targeter(), vegeta.ConstantPacer{}, d, s.name) {
		reason := ""
		switch {
		case res.Error != "":
			reason = res.Error
		case res.Code != http.StatusOK:
			reason = "status is not 200"
		case s.check != nil:
			reason = s.check(res.Body)
		}
		if reason != "" {
			errs++
			if bad == nil {
				bad = &badResponse{scenario: s.name, url: res.URL, reason: reason, code: res.Code, body: res.Body}
				atk.Stop()
			}
			continue
		}
		lat = append(lat, res.Latency)
		bytes += len(res.Body)
	}
	elapsed := time.Since(start)
	st := stats{name: s.name, what: s.what, requests: len(lat) + errs, errors: errs, elapsed: elapsed}
	if bad != nil {
		return st, bad
	}
	if len(lat) == 0 {
		return st, fmt.Errorf("scenario %s: no response in %s", s.name, d)
	}
	slices.Sort(lat)
	st.rps = float64(len(lat)) / elapsed.Seconds()
	st.p50 = quantile(lat, 0.50)
	st.p99 = quantile(lat, 0.99)
	st.max = lat[len(lat)-1]
	st.bytesPerResponse = float64(bytes) / float64(len(lat))
	return st, nil
}

// quantile is the nearest-rank quantile of sorted.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Body checks.

func graphqlOK(body []byte) string {
	if bytes.Contains(body, []byte(`"errors"`)) {
		return `body has "errors"`
	}
	if !bytes.HasPrefix(body, []byte(`{"data":{"interactions":`)) {
		return "body is not a data.interactions response"
	}
	return ""
}

// graphqlEdges also insists the page has rows, so that a wrong cursor or
// account cannot pass as a fast empty page.
func graphqlEdges(body []byte) string {
	if r := graphqlOK(body); r != "" {
		return r
	}
	if !bytes.Contains(body, []byte(`"databaseId":`)) {
		return "page has no rows"
	}
	return ""
}

func restOK(body []byte) string {
	if !bytes.HasPrefix(body, []byte(`{"account_number":`)) || bytes.Contains(body, []byte(`"error":`)) {
		return "body is not a REST page"
	}
	if !bytes.Contains(body, []byte(`"id":`)) {
		return "page has no rows"
	}
	return ""
}

func baselineOK(body []byte) string {
	if !bytes.HasPrefix(body, []byte(`{"account_number":`)) || !bytes.Contains(body, []byte(`"id":`)) {
		return "body is not a baseline page with rows"
	}
	return ""
}
