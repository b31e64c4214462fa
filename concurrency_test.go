package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

// concWalkPage is one page of a walk.
type concWalkPage struct {
	Interactions struct {
		Edges []struct {
			Cursor string `json:"cursor"`
			Node   struct {
				DatabaseID int `json:"databaseId"`
			} `json:"node"`
		} `json:"edges"`
		PageInfo struct {
			HasNextPage     bool    `json:"hasNextPage"`
			HasPreviousPage bool    `json:"hasPreviousPage"`
			StartCursor     *string `json:"startCursor"`
			EndCursor       *string `json:"endCursor"`
		} `json:"pageInfo"`
	} `json:"interactions"`
}

// TestConcurrency_WritersAndWalkers has writers record interactions, some
// with the same external IDs, while walkers page through the same accounts
// forwards and backwards. Nothing may fail, every acknowledged write must be
// readable, each external ID must make one row, and no walk may skip or
// repeat a row that was acknowledged before it began.
func TestConcurrency_WritersAndWalkers(t *testing.T) {
	s := startTestServerOpts(t, store.Options{}, handlerOptions{Tokens: auth.Tokens{Write: mutWriteToken}})
	accounts := []string{"ACC-C1", "ACC-C2"}
	const writers, writesEach, walkers = 4, 60, 4
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	var (
		mu    sync.Mutex
		acked = map[string]map[int]bool{} // account → database IDs acknowledged
		byExt = map[string]int{}          // external ID → database ID
		fails []string
	)
	for _, a := range accounts {
		acked[a] = map[int]bool{}
	}
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fails = append(fails, fmt.Sprintf(format, args...))
	}
	snapshot := func(account string) map[int]bool {
		mu.Lock()
		defer mu.Unlock()
		out := make(map[int]bool, len(acked[account]))
		for id := range acked[account] {
			out[id] = true
		}
		return out
	}

	var writing sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range writesEach {
				account := accounts[rng.IntN(len(accounts))]
				// A third of the writes reuse an external ID another writer
				// may be sending at the same moment.
				ext := fmt.Sprintf("w%d-%d", w, i)
				if i%3 == 0 {
					ext = fmt.Sprintf("shared-%d", i)
					account = accounts[0]
				}
				ts := base.Add(time.Duration(rng.IntN(50)) * time.Minute).Format(time.RFC3339Nano)
				resp, p := mutPost(t, s, mutWriteToken, mutRecord, map[string]any{"input": mutInput(map[string]any{
					"accountNumber": account, "externalId": ext, "timestamp": ts,
				})})
				if resp.Status != 200 || len(resp.Errors) > 0 || p.RecordInteraction == nil {
					fail("write %s: status %d, errors %+v", ext, resp.Status, resp.Errors)
					continue
				}
				id := p.RecordInteraction.Interaction.DatabaseID
				mu.Lock()
				if prev, ok := byExt[account+"/"+ext]; ok && prev != id {
					fails = append(fails, fmt.Sprintf("external ID %s made rows %d and %d", ext, prev, id))
				}
				byExt[account+"/"+ext] = id
				acked[account][id] = true
				mu.Unlock()
			}
		})
	}

	done := make(chan struct{})
	var walking sync.WaitGroup
	walks := 0
	for r := range walkers {
		walking.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				account := accounts[(r+n)%len(accounts)]
				before := snapshot(account)
				seen, err := concWalk(t, s, account, n%2 == 1)
				if err != "" {
					fail("walk %s: %s", account, err)
					return
				}
				for id := range before {
					if seen[id] != 1 {
						fail("walk of %s (backward %v) saw row %d %d times, want once", account, n%2 == 1, id, seen[id])
					}
				}
				mu.Lock()
				walks++
				mu.Unlock()
			}
		})
	}
	writing.Wait()
	close(done)
	walking.Wait()

	for _, f := range fails {
		t.Error(f)
	}
	if walks < walkers {
		t.Errorf("only %d walks finished", walks)
	}
	// After the writers stop, a walk sees every acknowledged row once.
	for _, account := range accounts {
		seen, err := concWalk(t, s, account, false)
		if err != "" {
			t.Fatalf("final walk of %s: %s", account, err)
		}
		want := snapshot(account)
		if len(seen) != len(want) {
			t.Errorf("%s holds %d rows, %d were acknowledged", account, len(seen), len(want))
		}
		for id := range want {
			if seen[id] != 1 {
				t.Errorf("acknowledged row %d of %s seen %d times", id, account, seen[id])
			}
		}
	}
	if logs := s.Logs.String(); strings.Contains(logs, `"level":"ERROR"`) || strings.Contains(logs, "locked") {
		t.Errorf("the server logged errors:\n%s", logs)
	}
	t.Logf("%d writes, %d external IDs, %d walks", writers*writesEach, len(byExt), walks)
}

// concWalk pages through an account with small pages, forwards with
// first/after or backwards with last/before, and counts each row it sees.
// It returns a description of the first failure, or "".
func concWalk(t *testing.T, s *testServer, account string, backward bool) (map[int]int, string) {
	seen := map[int]int{}
	var cursor *string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			return nil, "more than 1000 pages"
		}
		vars := map[string]any{"a": account, "n": 7}
		query := `query($a: String!, $n: Int, $c: String) { interactions(accountNumber: $a, first: $n, after: $c) {
			edges { cursor node { databaseId } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
		if backward {
			query = strings.NewReplacer("first:", "last:", "after:", "before:").Replace(query)
		}
		if cursor != nil {
			vars["c"] = *cursor
		}
		resp := s.graphql(t, "", query, vars)
		if resp.Status != 200 || len(resp.Errors) > 0 {
			return nil, fmt.Sprintf("status %d, errors %+v", resp.Status, resp.Errors)
		}
		var page concWalkPage
		if err := json.Unmarshal(resp.Data, &page); err != nil {
			return nil, err.Error()
		}
		for _, e := range page.Interactions.Edges {
			seen[e.Node.DatabaseID]++
		}
		info := page.Interactions.PageInfo
		more, next := info.HasNextPage, info.EndCursor
		if backward {
			more, next = info.HasPreviousPage, info.StartCursor
		}
		if !more {
			return seen, ""
		}
		cursor = next
	}
}
