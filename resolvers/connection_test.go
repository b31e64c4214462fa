package resolvers

import (
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/interactions-api/interactions/graph/model"
	"github.com/interactions-api/interactions/store"
)

// The tests here hold the interactions connection to the pagination rules
// of API.md. A reference implementation of those rules, written from the
// text and kept as simple as possible (filter a slice, cut it), answers
// every query beside the real resolver over a real SQLite file.

// Environment variables that make a failing random run repeatable.
const (
	envSeed  = "INTERACTIONS_TEST_SEED"  // the generator's seed
	envCases = "INTERACTIONS_TEST_CASES" // how many random queries
)

// ---------------------------------------------------------------------------
// Fixture: a store on a temporary file, with a second connection that
// inserts and deletes rows behind its back, and the same rows in memory.

type refRow struct {
	id          int64
	account     string
	ts          int64
	reason      string
	channel     model.Channel
	agentID     *string
	addressedBy model.AddressedBy
}

func (r *refRow) pos() position { return position{r.ts, r.id} }

// position is a place in an account's order, as a cursor marks it.
type position struct{ ts, id int64 }

// before reports whether a comes before b in ascending or descending order.
func (a position) before(b position, desc bool) bool {
	if desc {
		a, b = b, a
	}
	return a.ts < b.ts || a.ts == b.ts && a.id < b.id
}

type fixture struct {
	t    *testing.T
	db   *store.DB
	raw  *sql.DB
	r    *Resolver
	rows map[int64]*refRow
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "interactions.db")
	db, err := store.Open(t.Context(), path, store.Options{Seed: false})
	if err != nil {
		t.Fatalf("store.Open(%q): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	// The store has no delete, and the test wants ids it can choose, so
	// rows are written through a connection of the test's own.
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return &fixture{t: t, db: db, raw: raw, r: New(db, slog.New(slog.DiscardHandler)), rows: map[int64]*refRow{}}
}

// insert stores rows in one transaction, giving each its id (the one it
// carries when not zero) and remembering it.
func (f *fixture) insert(rows ...refRow) []int64 {
	f.t.Helper()
	tx, err := f.raw.Begin()
	if err != nil {
		f.t.Fatal(err)
	}
	defer tx.Rollback()
	ids := make([]int64, len(rows))
	for i := range rows {
		r := rows[i]
		var id any
		if r.id != 0 {
			id = r.id
		}
		res, err := tx.Exec(`INSERT INTO interactions
			(id, account_number, ts, reason, channel, agent_id, addressed_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, r.account, r.ts, r.reason, string(r.channel), r.agentID, string(r.addressedBy))
		if err != nil {
			f.t.Fatalf("insert %+v: %v", r, err)
		}
		if r.id, err = res.LastInsertId(); err != nil {
			f.t.Fatal(err)
		}
		ids[i] = r.id
		f.rows[r.id] = &r
	}
	if err := tx.Commit(); err != nil {
		f.t.Fatal(err)
	}
	return ids
}

func (f *fixture) delete(id int64) {
	f.t.Helper()
	if _, err := f.raw.Exec(`DELETE FROM interactions WHERE id = ?`, id); err != nil {
		f.t.Fatalf("delete %d: %v", id, err)
	}
	delete(f.rows, id)
}

// query is one call of the interactions field, arguments as gqlgen passes
// them.
type query struct {
	account       string
	first, last   *int
	after, before *string
	filter        *model.InteractionFilter
	orderBy       *model.InteractionOrder
}

func (f *fixture) run(q query) (*model.InteractionConnection, error) {
	return f.r.Query().Interactions(f.t.Context(), q.account, q.first, q.after, q.last, q.before, q.filter, q.orderBy)
}

func (f *fixture) mustRun(q query) *model.InteractionConnection {
	f.t.Helper()
	conn, err := f.run(q)
	if err != nil {
		f.t.Fatalf("Interactions(%s): %v", q, err)
	}
	return conn
}

func (f *fixture) totalCount(conn *model.InteractionConnection) int {
	f.t.Helper()
	n, err := f.r.InteractionConnection().TotalCount(f.t.Context(), conn)
	if err != nil {
		f.t.Fatalf("TotalCount: %v", err)
	}
	return n
}

func (q query) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "account %q", q.account)
	for _, n := range []struct {
		name string
		v    *int
	}{{"first", q.first}, {"last", q.last}} {
		if n.v != nil {
			fmt.Fprintf(&b, ", %s %d", n.name, *n.v)
		}
	}
	for _, c := range []struct {
		name string
		v    *string
	}{{"after", q.after}, {"before", q.before}} {
		if c.v != nil {
			fmt.Fprintf(&b, ", %s %q", c.name, *c.v)
		}
	}
	if q.filter != nil {
		fmt.Fprintf(&b, ", filter %s", describeFilter(q.filter))
	}
	if q.orderBy != nil {
		fmt.Fprintf(&b, ", orderBy %s", q.orderBy.Direction)
	}
	return b.String()
}

func describeFilter(fl *model.InteractionFilter) string {
	var parts []string
	if fl.Channels != nil {
		parts = append(parts, fmt.Sprintf("channels %v", fl.Channels))
	}
	if fl.AddressedBy != nil {
		parts = append(parts, fmt.Sprintf("addressedBy %v", fl.AddressedBy))
	}
	if fl.Reasons != nil {
		parts = append(parts, fmt.Sprintf("reasons %q", fl.Reasons))
	}
	if fl.AgentID != nil {
		parts = append(parts, fmt.Sprintf("agentId %q", *fl.AgentID))
	}
	if fl.From != nil {
		parts = append(parts, "from "+fl.From.Format(time.RFC3339Nano))
	}
	if fl.To != nil {
		parts = append(parts, "to "+fl.To.Format(time.RFC3339Nano))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// ---------------------------------------------------------------------------
// The reference: API.md's "Pagination rules", applied to the rows in memory.

func matches(r *refRow, fl *model.InteractionFilter) bool {
	if fl == nil {
		return true
	}
	switch {
	case fl.Channels != nil && !slices.Contains(fl.Channels, r.channel),
		fl.AddressedBy != nil && !slices.Contains(fl.AddressedBy, r.addressedBy),
		fl.Reasons != nil && !slices.Contains(fl.Reasons, r.reason),
		fl.AgentID != nil && (r.agentID == nil || *r.agentID != *fl.AgentID),
		fl.From != nil && r.ts < fl.From.UnixNano(),
		fl.To != nil && r.ts >= fl.To.UnixNano():
		return false
	}
	return true
}

// filtered is the filtered set in the query's order.
func (f *fixture) filtered(account string, fl *model.InteractionFilter, desc bool) []*refRow {
	var set []*refRow
	for _, r := range f.rows {
		if r.account == account && matches(r, fl) {
			set = append(set, r)
		}
	}
	slices.SortFunc(set, func(a, b *refRow) int {
		switch {
		case a.pos().before(b.pos(), desc):
			return -1
		case b.pos().before(a.pos(), desc):
			return 1
		}
		return 0
	})
	return set
}

type expected struct {
	ids              []int64
	hasNext, hasPrev bool
	total            int
}

// expect answers a query by the letter of API.md. after and before are the
// positions the cursors mark, nil when absent (an empty cursor is absent).
func (f *fixture) expect(account string, fl *model.InteractionFilter, desc bool, first, last *int, after, before *position) expected {
	set := f.filtered(account, fl, desc)

	// W: the filtered, ordered set strictly after `after` and strictly
	// before `before`.
	var w []*refRow
	for _, r := range set {
		if (after == nil || after.before(r.pos(), desc)) && (before == nil || r.pos().before(*before, desc)) {
			w = append(w, r)
		}
	}
	// Neither first nor last: first 20, except last 20 when only before
	// is given.
	if first == nil && last == nil {
		n := DefaultPageSize
		if before != nil && after == nil {
			last = &n
		} else {
			first = &n
		}
	}
	// Cut W to its first `first`, then to the last `last` of those; the
	// page is w[start:end].
	start, end := 0, len(w)
	if first != nil {
		end = min(*first, len(w))
	}
	if last != nil {
		start = max(0, end-*last)
	}

	var e expected
	for _, r := range w[start:end] {
		e.ids = append(e.ids, r.id)
	}
	switch {
	case first != nil:
		e.hasNext = end < len(w)
	case before != nil:
		// An element of the filtered set at or after the before position.
		e.hasNext = slices.ContainsFunc(set, func(r *refRow) bool { return !r.pos().before(*before, desc) })
	}
	switch {
	case last != nil:
		e.hasPrev = start > 0
	case after != nil:
		// An element of the filtered set at or before the after position.
		e.hasPrev = slices.ContainsFunc(set, func(r *refRow) bool { return !after.before(r.pos(), desc) })
	}
	e.total = len(set)
	return e
}

// ---------------------------------------------------------------------------
// Cursors, as a client sees them.

var cursorAlphabet = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func checkCursorShape(t *testing.T, c string) {
	t.Helper()
	if !cursorAlphabet.MatchString(c) || len(c) > 200 {
		t.Errorf("cursor %q (%d chars) is not 1 to 200 characters of A-Z a-z 0-9 - _", c, len(c))
	}
}

// testScope is everything a cursor is bound to, kept by meaning: the account,
// the filter with its lists sorted and de-duplicated and its times as
// instants, and the order. What the tests learnt of its cursors is kept
// with it.
type testScope struct {
	account string
	filter  *model.InteractionFilter // canonical; nil for no filter
	desc    bool
	key     string

	cursors  []string            // every cursor an answer in this scope gave
	cursorAt map[string]position // where each cursor points
	cursorOf map[position]string // the cursor each position got
}

func newTestScope(account string, fl *model.InteractionFilter, desc bool) *testScope {
	s := &testScope{account: account, desc: desc, cursorAt: map[string]position{}, cursorOf: map[position]string{}}
	key := []string{account, strconv.FormatBool(desc)}
	if fl != nil {
		c := &model.InteractionFilter{
			Channels: canonical(fl.Channels), AddressedBy: canonical(fl.AddressedBy), Reasons: canonical(fl.Reasons),
			AgentID: fl.AgentID, From: utc(fl.From), To: utc(fl.To),
		}
		s.filter = c
		key = append(key, listKey(c.Channels), listKey(c.AddressedBy), listKey(c.Reasons))
		if c.AgentID != nil {
			key = append(key, "agent="+strconv.Quote(*c.AgentID))
		} else {
			key = append(key, "agent-")
		}
		for _, tm := range []*time.Time{c.From, c.To} {
			if tm != nil {
				key = append(key, strconv.FormatInt(tm.UnixNano(), 10))
			} else {
				key = append(key, "-")
			}
		}
		if strings.Join(key[2:], "|") == "-|-|-|agent-|-|-" {
			// A filter with no condition means what no filter means.
			s.filter, key = nil, key[:2]
		}
	}
	s.key = strings.Join(key, "|")
	return s
}

func canonical[E ~string](l []E) []E {
	if l == nil {
		return nil
	}
	return slices.Compact(slices.Sorted(slices.Values(l)))
}

func listKey[E ~string](l []E) string {
	if l == nil {
		return "-"
	}
	return fmt.Sprintf("%q", l)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// spell writes the scope's filter and order as a client might: lists
// shuffled, with repeats, times in another offset, an empty filter object
// for none, the default order spelt out or left out.
func (s *testScope) spell(rng *rand.Rand) (*model.InteractionFilter, *model.InteractionOrder) {
	var fl *model.InteractionFilter
	if s.filter != nil {
		fl = &model.InteractionFilter{
			Channels: reshuffle(rng, s.filter.Channels), AddressedBy: reshuffle(rng, s.filter.AddressedBy),
			Reasons: reshuffle(rng, s.filter.Reasons), AgentID: s.filter.AgentID,
			From: inSomeZone(rng, s.filter.From), To: inSomeZone(rng, s.filter.To),
		}
	} else if rng.IntN(3) == 0 {
		fl = &model.InteractionFilter{}
	}
	var order *model.InteractionOrder
	switch {
	case s.desc:
		order = &model.InteractionOrder{Field: model.InteractionOrderFieldTimestamp, Direction: model.OrderDirectionDesc}
	case rng.IntN(2) == 0:
		order = &model.InteractionOrder{Field: model.InteractionOrderFieldTimestamp, Direction: model.OrderDirectionAsc}
	}
	return fl, order
}

func reshuffle[E any](rng *rand.Rand, l []E) []E {
	if l == nil {
		return nil
	}
	out := make([]E, len(l), len(l)+1)
	copy(out, l)
	if len(out) > 0 && rng.IntN(3) == 0 {
		out = append(out, out[rng.IntN(len(out))])
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func inSomeZone(rng *rand.Rand, t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	offset := (rng.IntN(26*4+1) - 12*4) * 15 * 60 // -12:00 to +14:00
	z := t.In(time.FixedZone(fmt.Sprintf("offset %d", offset), offset))
	return &z
}

// learn records the cursor the implementation gave a row in this scope,
// failing when it contradicts an earlier answer: one position, one cursor.
func (s *testScope) learn(t *testing.T, c string, p position, q query) {
	t.Helper()
	checkCursorShape(t, c)
	if old, ok := s.cursorOf[p]; ok && old != c {
		t.Fatalf("Interactions(%s): row %d got cursor %q, but %q in an earlier answer of the same query", q, p.id, c, old)
	}
	if old, ok := s.cursorAt[c]; ok && old != p {
		t.Fatalf("Interactions(%s): cursor %q marks row %d at %d, but marked %+v in an earlier answer", q, c, p.id, p.ts, old)
	}
	if _, ok := s.cursorAt[c]; !ok {
		s.cursorAt[c] = p
		s.cursors = append(s.cursors, c)
	}
	s.cursorOf[p] = c
}

// check compares an answer with the reference, edges, nodes, pageInfo and
// totalCount, and learns the answer's cursors.
func (f *fixture) check(s *testScope, q query, conn *model.InteractionConnection) {
	f.t.Helper()
	t := f.t
	pos := func(c *string) *position {
		if c == nil || *c == "" {
			return nil
		}
		p, ok := s.cursorAt[*c]
		if !ok {
			t.Fatalf("test bug: cursor %q is not one of scope %s", *c, s.key)
		}
		return &p
	}
	want := f.expect(s.account, s.filter, s.desc, q.first, q.last, pos(q.after), pos(q.before))

	got := make([]int64, len(conn.Edges))
	for i, e := range conn.Edges {
		got[i] = int64(e.Node.DatabaseID)
	}
	if !slices.Equal(got, want.ids) {
		t.Fatalf("Interactions(%s) edges = %v, want %v", q, got, want.ids)
	}
	if len(conn.Nodes) != len(conn.Edges) {
		t.Fatalf("Interactions(%s) has %d nodes and %d edges", q, len(conn.Nodes), len(conn.Edges))
	}
	for i, e := range conn.Edges {
		r := f.rows[got[i]]
		n := e.Node
		if n.DatabaseID != conn.Nodes[i].DatabaseID {
			t.Fatalf("Interactions(%s) node %d is %d, edge's node is %d", q, i, conn.Nodes[i].DatabaseID, n.DatabaseID)
		}
		if n.AccountNumber != r.account || n.Timestamp.UnixNano() != r.ts || n.Reason != r.reason ||
			n.Channel != r.channel || n.AddressedBy != r.addressedBy || !equalPtr(n.AgentID, r.agentID) {
			t.Fatalf("Interactions(%s) node %+v, want row %+v", q, *n, *r)
		}
		s.learn(t, e.Cursor, r.pos(), q)
	}

	pi := conn.PageInfo
	if pi.HasNextPage != want.hasNext || pi.HasPreviousPage != want.hasPrev {
		t.Fatalf("Interactions(%s) pageInfo hasNextPage %v, hasPreviousPage %v; want %v, %v (edges %v)",
			q, pi.HasNextPage, pi.HasPreviousPage, want.hasNext, want.hasPrev, got)
	}
	var wantStart, wantEnd *string
	if n := len(conn.Edges); n > 0 {
		wantStart, wantEnd = &conn.Edges[0].Cursor, &conn.Edges[n-1].Cursor
	}
	if !equalPtr(pi.StartCursor, wantStart) || !equalPtr(pi.EndCursor, wantEnd) {
		t.Fatalf("Interactions(%s) startCursor %v, endCursor %v; want the first and last edge's, %v and %v",
			q, deref(pi.StartCursor), deref(pi.EndCursor), deref(wantStart), deref(wantEnd))
	}
	if n := f.totalCount(conn); n != want.total {
		t.Fatalf("Interactions(%s) totalCount = %d, want %d", q, n, want.total)
	}
}

func equalPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

func intp(n int) *int              { return &n }
func strp(s string) *string        { return &s }
func timep(t time.Time) *time.Time { return &t }

// ---------------------------------------------------------------------------
// Random data and queries.

var (
	accounts  = []string{"ACC-A", "ACC-B", "ACC-C"}
	reasons   = []string{"billing", "technical_support", "plan_change", "cancellation", "outage"}
	agents    = []string{"agent-1", "agent-2", "agent-3", "agent-4"}
	baseTime  = time.Date(2025, 11, 14, 10, 0, 0, 0, time.UTC)
	instants  []int64 // few, so that many rows share a timestamp
	accountOf = map[string]int{"ACC-A": 220, "ACC-B": 140, "ACC-C": 40}
)

func init() {
	for i := range 30 {
		// Some instants differ by a nanosecond, so that filter bounds and
		// cursors are compared to the nanosecond.
		t := baseTime.Add(time.Duration(i/2) * 37 * time.Minute).Add(time.Duration(i%2) * time.Nanosecond)
		instants = append(instants, t.UnixNano())
	}
}

func randomRow(rng *rand.Rand, account string) refRow {
	r := refRow{
		account:     account,
		ts:          instants[rng.IntN(len(instants))],
		reason:      reasons[rng.IntN(len(reasons))],
		channel:     model.AllChannel[rng.IntN(len(model.AllChannel))],
		addressedBy: model.AllAddressedBy[rng.IntN(len(model.AllAddressedBy))],
	}
	if rng.IntN(10) < 7 {
		r.agentID = strp(agents[rng.IntN(len(agents))])
	}
	return r
}

// populate inserts a few hundred rows in random order, so that ids do not
// follow timestamps and ties are broken by ids in no particular pattern.
func (f *fixture) populate(rng *rand.Rand) {
	var rows []refRow
	for _, a := range accounts {
		for range accountOf[a] {
			rows = append(rows, randomRow(rng, a))
		}
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	f.insert(rows...)
}

func randomSubset[E any](rng *rand.Rand, all []E, extra ...E) []E {
	pool := append(slices.Clone(all), extra...)
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	return pool[:1+rng.IntN(min(3, len(pool)))]
}

func randomBound(rng *rand.Rand) *time.Time {
	// An instant rows have (from is inclusive, to exclusive), or one a
	// nanosecond either side of it.
	ns := instants[rng.IntN(len(instants))] + int64(rng.IntN(3)-1)
	return timep(time.Unix(0, ns).UTC())
}

func randomFilter(rng *rand.Rand) *model.InteractionFilter {
	fl := &model.InteractionFilter{}
	if rng.IntN(10) < 3 {
		fl.Channels = randomSubset(rng, model.AllChannel)
	}
	if rng.IntN(10) < 2 {
		fl.AddressedBy = randomSubset(rng, model.AllAddressedBy)
	}
	if rng.IntN(10) < 3 {
		fl.Reasons = randomSubset(rng, reasons, "no_such_reason")
	}
	if rng.IntN(10) < 2 {
		fl.AgentID = strp(randomSubset(rng, agents, "agent-none")[0])
	}
	if rng.IntN(10) < 3 {
		fl.From = randomBound(rng)
	}
	if rng.IntN(10) < 3 {
		fl.To = randomBound(rng)
	}
	// A list given but empty matches nothing.
	if rng.IntN(20) == 0 {
		switch rng.IntN(3) {
		case 0:
			fl.Channels = []model.Channel{}
		case 1:
			fl.AddressedBy = []model.AddressedBy{}
		case 2:
			fl.Reasons = []string{}
		}
	}
	return fl
}

func randomSize(rng *rand.Rand) int {
	switch n := rng.IntN(20); {
	case n == 0:
		return 0
	case n < 9:
		return 1 + rng.IntN(5)
	case n < 16:
		return rng.IntN(31)
	default:
		return rng.IntN(MaxPageSize + 1)
	}
}

func (s *testScope) randomCursor(rng *rand.Rand, absentPercent int) *string {
	switch n := rng.IntN(100); {
	case n < absentPercent || len(s.cursors) == 0:
		return nil
	case n < absentPercent+5:
		return strp("")
	default:
		return strp(s.cursors[rng.IntN(len(s.cursors))])
	}
}

func randomSeed(t *testing.T) uint64 {
	t.Helper()
	if v := os.Getenv(envSeed); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", envSeed, v, err)
		}
		return seed
	}
	return rand.Uint64()
}

func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := randomSeed(t)
	t.Logf("random seed %d; run again with %s=%d to repeat", seed, envSeed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// ---------------------------------------------------------------------------
// The property test.

func TestConnectionMatchesReference(t *testing.T) {
	rng := newRand(t)
	cases := 3000
	if testing.Short() {
		cases = 500
	}
	if v := os.Getenv(envCases); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s=%q: %v", envCases, v, err)
		}
		cases = n
	}

	f := newFixture(t)
	f.populate(rng)

	// A fixed set of scopes, so that cursors pile up in each and come back
	// as after and before: every account unfiltered in both orders, an
	// account with no rows, and random filters.
	var scopes []*testScope
	byKey := map[string]*testScope{}
	add := func(s *testScope) {
		if _, ok := byKey[s.key]; !ok {
			byKey[s.key] = s
			scopes = append(scopes, s)
		}
	}
	for _, a := range append(slices.Clone(accounts), "ACC-NONE") {
		add(newTestScope(a, nil, false))
		add(newTestScope(a, nil, true))
	}
	plain := len(scopes)
	for range 60 {
		add(newTestScope(accounts[rng.IntN(len(accounts))], randomFilter(rng), rng.IntN(2) == 0))
	}

	start := time.Now()
	var stats struct {
		queries, crossScope, deletes, inserts, deletedCursors int
		nonEmpty, hasNext, hasPrev, bothCursors, firstAndLast int
	}
	for i := range cases {
		// Rows come and go between queries: a deleted row's cursor must
		// still mark its place, and new rows simply join the order.
		switch {
		case i%40 == 39 && len(f.rows) > 0:
			f.delete(pickRowToDelete(rng, f, scopes))
			stats.deletes++
		case i%60 == 59:
			f.insert(randomRow(rng, accounts[rng.IntN(len(accounts))]))
			stats.inserts++
		}

		s := scopes[rng.IntN(plain)]
		if rng.IntN(10) < 6 {
			s = scopes[plain+rng.IntN(len(scopes)-plain)]
		}
		fl, order := s.spell(rng)
		q := query{account: s.account, filter: fl, orderBy: order}
		switch rng.IntN(20) {
		case 0, 1, 2, 3, 4, 5, 6:
			q.first = intp(randomSize(rng))
		case 7, 8, 9, 10, 11:
			q.last = intp(randomSize(rng))
		case 12, 13, 14:
			q.first, q.last = intp(randomSize(rng)), intp(randomSize(rng))
		}
		q.after = s.randomCursor(rng, 45)
		q.before = s.randomCursor(rng, 55)

		// Now and then, a cursor of another scope, which must be refused.
		if other := scopes[rng.IntN(len(scopes))]; other.key != s.key && len(other.cursors) > 0 && rng.IntN(30) == 0 {
			arg := "after"
			c := other.cursors[rng.IntN(len(other.cursors))]
			if rng.IntN(2) == 0 {
				q.after = &c
			} else {
				arg, q.before = "before", &c
			}
			_, err := f.run(q)
			checkInvalid(t, fmt.Sprintf("Interactions(%s) with a cursor of scope %s", q, other.key), err, arg)
			stats.crossScope++
			continue
		}

		for _, c := range []*string{q.after, q.before} {
			if c != nil && *c != "" {
				if _, live := f.rows[s.cursorAt[*c].id]; !live || f.rows[s.cursorAt[*c].id].pos() != s.cursorAt[*c] {
					stats.deletedCursors++
				}
			}
		}
		conn, err := f.run(q)
		if err != nil {
			t.Fatalf("Interactions(%s): %v", q, err)
		}
		f.check(s, q, conn)
		stats.queries++
		count := func(n *int, cond bool) {
			if cond {
				*n++
			}
		}
		count(&stats.nonEmpty, len(conn.Edges) > 0)
		count(&stats.hasNext, conn.PageInfo.HasNextPage)
		count(&stats.hasPrev, conn.PageInfo.HasPreviousPage)
		count(&stats.bothCursors, q.after != nil && *q.after != "" && q.before != nil && *q.before != "")
		count(&stats.firstAndLast, q.first != nil && q.last != nil)
	}
	// The counts show that the random queries reach the cases that matter.
	t.Logf("%d random queries over %d scopes in %v: %d with edges, %d hasNextPage, %d hasPreviousPage, "+
		"%d with after and before, %d with first and last, %d with a deleted row's cursor; "+
		"%d refused cross-scope cursors; %d deletes, %d inserts",
		stats.queries, len(scopes), time.Since(start), stats.nonEmpty, stats.hasNext, stats.hasPrev,
		stats.bothCursors, stats.firstAndLast, stats.deletedCursors, stats.crossScope, stats.deletes, stats.inserts)
}

// pickRowToDelete prefers rows whose cursors the scopes hold, so that
// cursors of deleted rows come back as after and before.
func pickRowToDelete(rng *rand.Rand, f *fixture, scopes []*testScope) int64 {
	if rng.IntN(10) < 7 {
		s := scopes[rng.IntN(len(scopes))]
		if len(s.cursors) > 0 {
			p := s.cursorAt[s.cursors[rng.IntN(len(s.cursors))]]
			if r, ok := f.rows[p.id]; ok && r.pos() == p {
				return p.id
			}
		}
	}
	// Not the first key of a range over the map: its order changes from
	// run to run, and a seed must repeat a run exactly.
	ids := slices.Sorted(maps.Keys(f.rows))
	return ids[rng.IntN(len(ids))]
}

func checkInvalid(t *testing.T, call string, err error, field string) {
	t.Helper()
	var invalid *store.InvalidError
	if !errors.As(err, &invalid) {
		t.Fatalf("%s = %v, want an *store.InvalidError naming %s", call, err, field)
	}
	if invalid.Field != field {
		t.Fatalf("%s error names %q (%v), want %q", call, invalid.Field, err, field)
	}
}

// Walking a connection to its end, forwards with first/after or backwards
// with last/before, must meet every row of the filtered set exactly once,
// in order.
func TestConnectionWalks(t *testing.T) {
	rng := newRand(t)
	f := newFixture(t)
	f.populate(rng)

	var scopes []*testScope
	for _, a := range append(slices.Clone(accounts), "ACC-NONE") {
		scopes = append(scopes, newTestScope(a, nil, false), newTestScope(a, nil, true))
	}
	for range 30 {
		scopes = append(scopes, newTestScope(accounts[rng.IntN(len(accounts))], randomFilter(rng), rng.IntN(2) == 0))
	}

	for _, s := range scopes {
		var want []int64
		for _, r := range f.filtered(s.account, s.filter, s.desc) {
			want = append(want, r.id)
		}
		for _, forward := range []bool{true, false} {
			name := "forward " + s.key
			if !forward {
				name = "backward " + s.key
			}
			t.Run(name, func(t *testing.T) {
				f.t = t
				var got []int64
				var cursor *string
				for pages := 0; ; pages++ {
					if pages > len(want)+1 {
						t.Fatalf("walk not over after %d pages; got %v, want %v", pages, got, want)
					}
					// Mostly small pages, so that there are many; now and
					// then the default size.
					var size *int
					if rng.IntN(5) > 0 {
						size = intp(1 + rng.IntN(9))
					}
					fl, order := s.spell(rng)
					q := query{account: s.account, filter: fl, orderBy: order}
					if forward {
						q.first, q.after = size, cursor
					} else {
						q.last, q.before = size, cursor
						if size == nil && cursor == nil {
							// Without a before, the default is first 20,
							// which would not start from the end.
							q.last = intp(DefaultPageSize)
						}
					}
					conn := f.mustRun(q)
					f.check(s, q, conn)
					page := make([]int64, len(conn.Edges))
					for i, e := range conn.Edges {
						page[i] = int64(e.Node.DatabaseID)
					}
					if forward {
						got = append(got, page...)
						if !conn.PageInfo.HasNextPage {
							break
						}
						cursor = conn.PageInfo.EndCursor
					} else {
						got = append(page, got...)
						if !conn.PageInfo.HasPreviousPage {
							break
						}
						cursor = conn.PageInfo.StartCursor
					}
					if cursor == nil {
						t.Fatalf("Interactions(%s) has more pages but no cursor to reach them", q)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("walk met %v, want the filtered set %v", got, want)
				}
			})
		}
	}
}

// ---------------------------------------------------------------------------
// Table tests.

// sequential makes a fixture whose account rows are ids 1..n at increasing
// timestamps, so that expected pages can be written as id ranges.
func sequential(t *testing.T, account string, n int) *fixture {
	t.Helper()
	f := newFixture(t)
	rows := make([]refRow, n)
	for i := range rows {
		rows[i] = refRow{
			account: account, ts: baseTime.Add(time.Duration(i) * time.Minute).UnixNano(), reason: reasons[i%len(reasons)],
			channel: model.AllChannel[i%len(model.AllChannel)], addressedBy: model.AllAddressedBy[i%2],
		}
	}
	f.insert(rows...)
	return f
}

func idRange(from, to int) []int64 {
	var out []int64
	if from <= to {
		for i := from; i <= to; i++ {
			out = append(out, int64(i))
		}
	} else {
		for i := from; i >= to; i-- {
			out = append(out, int64(i))
		}
	}
	return out
}

// cursorsOf returns each row's cursor in the query's scope, by database id.
func (f *fixture) cursorsOf(account string, fl *model.InteractionFilter, order *model.InteractionOrder) map[int64]string {
	f.t.Helper()
	conn := f.mustRun(query{account: account, first: intp(MaxPageSize), filter: fl, orderBy: order})
	out := map[int64]string{}
	for _, e := range conn.Edges {
		out[int64(e.Node.DatabaseID)] = e.Cursor
	}
	return out
}

type pageWant struct {
	ids              []int64
	hasNext, hasPrev bool
}

func checkPage(t *testing.T, q query, conn *model.InteractionConnection, want pageWant) {
	t.Helper()
	got := make([]int64, len(conn.Edges))
	for i, e := range conn.Edges {
		got[i] = int64(e.Node.DatabaseID)
	}
	if !slices.Equal(got, want.ids) {
		t.Errorf("Interactions(%s) edges = %v, want %v", q, got, want.ids)
	}
	pi := conn.PageInfo
	if pi.HasNextPage != want.hasNext || pi.HasPreviousPage != want.hasPrev {
		t.Errorf("Interactions(%s) hasNextPage %v, hasPreviousPage %v; want %v, %v",
			q, pi.HasNextPage, pi.HasPreviousPage, want.hasNext, want.hasPrev)
	}
	if len(conn.Edges) == 0 && (pi.StartCursor != nil || pi.EndCursor != nil) {
		t.Errorf("Interactions(%s) with no edges has startCursor %s, endCursor %s; want null",
			q, deref(pi.StartCursor), deref(pi.EndCursor))
	}
}

var desc = &model.InteractionOrder{Field: model.InteractionOrderFieldTimestamp, Direction: model.OrderDirectionDesc}

func TestDefaultPageSize(t *testing.T) {
	f := sequential(t, "ACC-1", 45)
	c := f.cursorsOf("ACC-1", nil, nil)
	cd := f.cursorsOf("ACC-1", nil, desc)
	for _, tc := range []struct {
		name string
		q    query
		want pageWant
	}{
		{"no arguments: first 20", query{}, pageWant{idRange(1, 20), true, false}},
		{"after only: first 20 after it", query{after: strp(c[5])}, pageWant{idRange(6, 25), true, true}},
		{"before only: last 20 before it", query{before: strp(c[40])}, pageWant{idRange(20, 39), true, true}},
		{"after and before: first 20 between", query{after: strp(c[5]), before: strp(c[40])}, pageWant{idRange(6, 25), true, true}},
		{"before near the start: what there is", query{before: strp(c[4])}, pageWant{idRange(1, 3), true, false}},
		{"DESC, no arguments", query{orderBy: desc}, pageWant{idRange(45, 26), true, false}},
		{"DESC, before only", query{orderBy: desc, before: strp(cd[10])}, pageWant{idRange(30, 11), true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.account = "ACC-1"
			checkPage(t, tc.q, f.mustRun(tc.q), tc.want)
		})
	}
}

func TestPageSizeOutOfRange(t *testing.T) {
	f := sequential(t, "ACC-1", 3)
	for _, tc := range []struct {
		name  string
		q     query
		field string
	}{
		{"first 101", query{first: intp(101)}, "first"},
		{"first -1", query{first: intp(-1)}, "first"},
		{"first huge", query{first: intp(1 << 40)}, "first"},
		{"last 101", query{last: intp(101)}, "last"},
		{"last -1", query{last: intp(-1)}, "last"},
		{"last 101 with a valid first", query{first: intp(5), last: intp(101)}, "last"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.account = "ACC-1"
			_, err := f.run(tc.q)
			checkInvalid(t, fmt.Sprintf("Interactions(%s)", tc.q), err, tc.field)
			// The error must tell the client what it may ask for.
			if msg := err.Error(); !strings.Contains(msg, "0") || !strings.Contains(msg, "100") {
				t.Errorf("Interactions(%s) error %q does not give the range 0 to 100", tc.q, msg)
			}
		})
	}
	for _, n := range []int{0, 1, 100} {
		for _, arg := range []string{"first", "last"} {
			q := query{account: "ACC-1"}
			if arg == "first" {
				q.first = intp(n)
			} else {
				q.last = intp(n)
			}
			if _, err := f.run(q); err != nil {
				t.Errorf("Interactions(%s) = %v, want no error", q, err)
			}
		}
	}
}

func TestZeroPageSize(t *testing.T) {
	f := sequential(t, "ACC-1", 5)
	c := f.cursorsOf("ACC-1", nil, nil)
	for _, tc := range []struct {
		name string
		q    query
		want pageWant
	}{
		// An empty page at the start of W: all of W lies after it.
		{"first 0", query{account: "ACC-1", first: intp(0)}, pageWant{nil, true, false}},
		{"first 0 after the last row", query{account: "ACC-1", first: intp(0), after: strp(c[5])}, pageWant{nil, false, true}},
		{"first 0 after a row", query{account: "ACC-1", first: intp(0), after: strp(c[2])}, pageWant{nil, true, true}},
		{"first 0 before a row", query{account: "ACC-1", first: intp(0), before: strp(c[3])}, pageWant{nil, true, false}},
		// An empty page at the end of W: all of W lies before it.
		{"last 0", query{account: "ACC-1", last: intp(0)}, pageWant{nil, false, true}},
		{"last 0 before the first row", query{account: "ACC-1", last: intp(0), before: strp(c[1])}, pageWant{nil, true, false}},
		{"last 0 before a row", query{account: "ACC-1", last: intp(0), before: strp(c[3])}, pageWant{nil, true, true}},
		{"last 0 after a row", query{account: "ACC-1", last: intp(0), after: strp(c[3])}, pageWant{nil, false, true}},
		{"first 3, last 0", query{account: "ACC-1", first: intp(3), last: intp(0)}, pageWant{nil, true, true}},
		{"first 0, last 3", query{account: "ACC-1", first: intp(0), last: intp(3)}, pageWant{nil, true, false}},
		{"first 0, no rows", query{account: "ACC-NONE", first: intp(0)}, pageWant{nil, false, false}},
		{"last 0, no rows", query{account: "ACC-NONE", last: intp(0)}, pageWant{nil, false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkPage(t, tc.q, f.mustRun(tc.q), tc.want)
		})
	}
}

func TestMalformedCursor(t *testing.T) {
	f := sequential(t, "ACC-1", 3)
	valid := f.cursorsOf("ACC-1", nil, nil)[2]
	raw, err := base64.RawURLEncoding.DecodeString(valid)
	if err != nil {
		t.Fatalf("cursor %q is not unpadded URL-safe base64: %v", valid, err)
	}
	reencode := func(change func(b []byte) []byte) string {
		return base64.RawURLEncoding.EncodeToString(change(slices.Clone(raw)))
	}
	for _, tc := range []struct {
		name, cursor string
	}{
		{"one character", "x"},
		{"not base64", "!!!!"},
		{"padded", valid + "=="},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/"},
		{"with a line break", valid[:4] + "\n" + valid[4:]},
		{"garbage of base64", base64.RawURLEncoding.EncodeToString([]byte("hello, world"))},
		{"a REST last_id cursor", "eyJsYXN0X2lkIjoyfQ"},
		{"cut short", valid[:len(valid)-2]},
		{"trailing byte", reencode(func(b []byte) []byte { return append(b, 0) })},
		{"unknown version", reencode(func(b []byte) []byte { b[0] = 99; return b })},
		{"unknown direction", reencode(func(b []byte) []byte { b[1] = 7; return b })},
		{"too long", strings.Repeat("A", 201)},
		{"too long but valid base64 of a cursor and more", valid + strings.Repeat("A", 200)},
	} {
		for _, arg := range []string{"after", "before"} {
			t.Run(tc.name+"/"+arg, func(t *testing.T) {
				q := query{account: "ACC-1"}
				if arg == "after" {
					q.after = &tc.cursor
				} else {
					q.before = &tc.cursor
				}
				_, err := f.run(q)
				checkInvalid(t, fmt.Sprintf("Interactions(%s)", q), err, arg)
			})
		}
	}
}

func TestCursorOfAnotherQuery(t *testing.T) {
	f := newFixture(t)
	for _, a := range []string{"ACC-1", "ACC-2"} {
		for i := range 4 {
			f.insert(refRow{account: a, ts: baseTime.Add(time.Duration(i) * time.Hour).UnixNano(), reason: "billing",
				channel: model.ChannelVoice, agentID: strp("agent-1"), addressedBy: model.AddressedByAgent})
		}
	}
	voice := &model.InteractionFilter{Channels: []model.Channel{model.ChannelVoice}}
	from := &model.InteractionFilter{From: timep(baseTime)}
	agent := &model.InteractionFilter{AgentID: strp("agent-1")}
	for _, tc := range []struct {
		name   string
		made   query // the query a cursor comes from
		usedIn query // the query it is given to
	}{
		{"another account", query{account: "ACC-1"}, query{account: "ACC-2"}},
		{"filtered, used unfiltered", query{account: "ACC-1", filter: voice}, query{account: "ACC-1"}},
		{"unfiltered, used filtered", query{account: "ACC-1"}, query{account: "ACC-1", filter: voice}},
		{"another channel list", query{account: "ACC-1", filter: voice},
			query{account: "ACC-1", filter: &model.InteractionFilter{Channels: []model.Channel{model.ChannelVoice, model.ChannelChat}}}},
		{"another agent", query{account: "ACC-1", filter: agent},
			query{account: "ACC-1", filter: &model.InteractionFilter{AgentID: strp("agent-2")}}},
		{"from a nanosecond later", query{account: "ACC-1", filter: from},
			query{account: "ACC-1", filter: &model.InteractionFilter{From: timep(baseTime.Add(1))}}},
		{"another to", query{account: "ACC-1", filter: &model.InteractionFilter{To: timep(baseTime.Add(3 * time.Hour))}},
			query{account: "ACC-1", filter: &model.InteractionFilter{To: timep(baseTime.Add(2 * time.Hour))}}},
		// An empty list matches nothing, so no page of it has a cursor to
		// give; one from the unfiltered query is still not one of its own.
		{"unfiltered, used with an empty list", query{account: "ACC-1"},
			query{account: "ACC-1", filter: &model.InteractionFilter{Channels: []model.Channel{}}}},
		{"from turned into to", query{account: "ACC-1", filter: from},
			query{account: "ACC-1", filter: &model.InteractionFilter{To: timep(baseTime)}}},
		{"agentId turned into reasons", query{account: "ACC-1", filter: agent},
			query{account: "ACC-1", filter: &model.InteractionFilter{Reasons: []string{"agent-1"}}}},
		{"ASC used in DESC", query{account: "ACC-1"}, query{account: "ACC-1", orderBy: desc}},
		{"DESC used in ASC", query{account: "ACC-1", orderBy: desc}, query{account: "ACC-1"}},
	} {
		c := f.cursorsOf(tc.made.account, tc.made.filter, tc.made.orderBy)
		if len(c) == 0 {
			t.Fatalf("Interactions(%s) gave no cursors", tc.made)
		}
		for _, arg := range []string{"after", "before"} {
			t.Run(tc.name+"/"+arg, func(t *testing.T) {
				q := tc.usedIn
				cursor := c[slices.Sorted(maps.Keys(c))[len(c)/2]]
				if arg == "after" {
					q.after = &cursor
				} else {
					q.before = &cursor
				}
				_, err := f.run(q)
				checkInvalid(t, fmt.Sprintf("Interactions(%s) with a cursor of (%s)", q, tc.made), err, arg)
			})
		}
	}
}

// Queries that mean the same give the same cursors and take each other's.
func TestCursorSameMeaning(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := newFixture(t)
	f.populate(rng)

	from, to := time.Unix(0, instants[3]).UTC(), time.Unix(0, instants[25]).UTC()
	east, west := time.FixedZone("+05:30", 5*3600+1800), time.FixedZone("-08:00", -8*3600)
	a := &model.InteractionFilter{
		Channels:    []model.Channel{model.ChannelVoice, model.ChannelChat, model.ChannelEmail},
		AddressedBy: []model.AddressedBy{model.AddressedByAgent, model.AddressedByBot},
		Reasons:     []string{"billing", "outage", "technical_support"},
		From:        &from, To: &to,
	}
	b := &model.InteractionFilter{
		Channels:    []model.Channel{model.ChannelEmail, model.ChannelVoice, model.ChannelChat, model.ChannelVoice},
		AddressedBy: []model.AddressedBy{model.AddressedByBot, model.AddressedByAgent, model.AddressedByBot},
		Reasons:     []string{"technical_support", "billing", "billing", "outage"},
		From:        timep(from.In(east)), To: timep(to.In(west)),
	}
	asc := &model.InteractionOrder{Field: model.InteractionOrderFieldTimestamp, Direction: model.OrderDirectionAsc}

	for _, tc := range []struct {
		name string
		a, b query
	}{
		{"lists reordered, repeated, times in other offsets",
			query{account: "ACC-A", filter: a}, query{account: "ACC-A", filter: b}},
		{"the same, in DESC",
			query{account: "ACC-A", filter: a, orderBy: desc}, query{account: "ACC-A", filter: b, orderBy: desc}},
		{"no filter and an empty filter object",
			query{account: "ACC-B"}, query{account: "ACC-B", filter: &model.InteractionFilter{}}},
		{"default order and ASC spelt out",
			query{account: "ACC-B"}, query{account: "ACC-B", orderBy: asc}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca := f.cursorsOf(tc.a.account, tc.a.filter, tc.a.orderBy)
			cb := f.cursorsOf(tc.b.account, tc.b.filter, tc.b.orderBy)
			if len(ca) < 6 {
				t.Fatalf("Interactions(%s) found %d rows; the test needs a few more", tc.a, len(ca))
			}
			for id, c := range ca {
				if cb[id] != c {
					t.Errorf("row %d: cursor %q in (%s) but %q in (%s)", id, c, tc.a, cb[id], tc.b)
				}
			}
			// a's cursors page through b.
			qa, qb := tc.a, tc.b
			qa.first, qb.first = intp(3), intp(3)
			pa := f.mustRun(qa)
			qa.after, qb.after = pa.PageInfo.EndCursor, pa.PageInfo.EndCursor
			na, err := f.run(qa)
			if err != nil {
				t.Fatal(err)
			}
			nb, err := f.run(qb)
			if err != nil {
				t.Fatalf("Interactions(%s) with the endCursor of (%s): %v", qb, qa, err)
			}
			checkPage(t, qb, nb, pageWant{edgeIDs(na), na.PageInfo.HasNextPage, na.PageInfo.HasPreviousPage})
		})
	}
}

func edgeIDs(conn *model.InteractionConnection) []int64 {
	out := make([]int64, len(conn.Edges))
	for i, e := range conn.Edges {
		out[i] = int64(e.Node.DatabaseID)
	}
	return out
}

func TestEmptyCursorIsAbsent(t *testing.T) {
	f := sequential(t, "ACC-1", 30)
	c := f.cursorsOf("ACC-1", nil, nil)
	empty := strp("")
	for _, tc := range []struct {
		name string
		q    query
		want pageWant
	}{
		{"after empty", query{after: empty}, pageWant{idRange(1, 20), true, false}},
		// Only before would mean last 20; an empty before is no before,
		// so the default is first 20.
		{"before empty", query{before: empty}, pageWant{idRange(1, 20), true, false}},
		{"both empty", query{after: empty, before: empty}, pageWant{idRange(1, 20), true, false}},
		{"after empty, before given: last 20 before it", query{after: empty, before: strp(c[25])}, pageWant{idRange(5, 24), true, true}},
		{"after given, before empty", query{after: strp(c[25]), before: empty}, pageWant{idRange(26, 30), false, true}},
		{"last 3, before empty", query{last: intp(3), before: empty}, pageWant{idRange(28, 30), false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.account = "ACC-1"
			checkPage(t, tc.q, f.mustRun(tc.q), tc.want)
		})
	}
}

// A deleted row's cursor marks a position, not a row.
func TestCursorOfDeletedRow(t *testing.T) {
	f := sequential(t, "ACC-1", 10)
	c := f.cursorsOf("ACC-1", nil, nil)
	cd := f.cursorsOf("ACC-1", nil, desc)
	f.delete(5)
	for _, tc := range []struct {
		name string
		q    query
		want pageWant
	}{
		{"after", query{after: strp(c[5])}, pageWant{idRange(6, 10), false, true}},
		{"before", query{before: strp(c[5])}, pageWant{idRange(1, 4), true, false}},
		{"first 2 after", query{first: intp(2), after: strp(c[5])}, pageWant{idRange(6, 7), true, true}},
		{"last 2 before", query{last: intp(2), before: strp(c[5])}, pageWant{idRange(3, 4), true, true}},
		{"DESC after", query{orderBy: desc, after: strp(cd[5])}, pageWant{idRange(4, 1), false, true}},
		{"DESC before", query{orderBy: desc, before: strp(cd[5])}, pageWant{idRange(10, 6), true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.account = "ACC-1"
			checkPage(t, tc.q, f.mustRun(tc.q), tc.want)
		})
	}

	// With nothing left at or past the position, the flags that look past
	// a cursor must say so.
	for _, id := range []int64{6, 7, 8, 9, 10} {
		f.delete(id)
	}
	q := query{account: "ACC-1", before: strp(c[5])}
	checkPage(t, q, f.mustRun(q), pageWant{idRange(1, 4), false, false})
	for _, id := range []int64{1, 2, 3, 4} {
		f.delete(id)
	}
	q = query{account: "ACC-1", after: strp(c[5])}
	checkPage(t, q, f.mustRun(q), pageWant{nil, false, false})
}

// Cursors go into URLs and query strings unescaped, so their alphabet and
// length hold even for the largest timestamp and id a row can have.
func TestCursorShape(t *testing.T) {
	f := newFixture(t)
	last := time.Date(2200, 12, 31, 23, 59, 59, 999999999, time.UTC)
	f.insert(
		refRow{id: 1, account: "ACC-1", ts: 0, reason: "billing", channel: model.ChannelWeb, addressedBy: model.AddressedByBot},
		refRow{id: 1<<63 - 1, account: "ACC-1", ts: last.UnixNano(), reason: "billing", channel: model.ChannelWeb, addressedBy: model.AddressedByBot},
	)
	long := strings.Repeat("x", store.MaxAccountNumberLength)
	f.insert(refRow{account: long, ts: last.UnixNano(), reason: "billing", channel: model.ChannelWeb, addressedBy: model.AddressedByBot})
	everything := &model.InteractionFilter{
		Channels: model.AllChannel, AddressedBy: model.AllAddressedBy, Reasons: []string{"billing", strings.Repeat("r", 500)},
		AgentID: nil, From: timep(time.Unix(0, 0)), To: timep(last.Add(1)),
	}
	for _, q := range []query{
		{account: "ACC-1"},
		{account: "ACC-1", orderBy: desc},
		{account: "ACC-1", filter: everything},
		{account: long, filter: everything, orderBy: desc},
	} {
		q.first = intp(10)
		conn := f.mustRun(q)
		if len(conn.Edges) == 0 {
			t.Fatalf("Interactions(%s) found no rows", q)
		}
		for _, e := range conn.Edges {
			checkCursorShape(t, e.Cursor)
		}
	}
}

func TestAccountNumber(t *testing.T) {
	f := sequential(t, "ACC-1", 3)
	for _, account := range []string{"", "ACC 1", "ACC-1\n", "ACC\x00", strings.Repeat("a", 65), "\xff"} {
		_, err := f.run(query{account: account})
		checkInvalid(t, fmt.Sprintf("Interactions(account %q)", account), err, "accountNumber")
	}
	q := query{account: "ACC-NOBODY", first: intp(5)}
	conn := f.mustRun(q)
	checkPage(t, q, conn, pageWant{nil, false, false})
	if n := f.totalCount(conn); n != 0 {
		t.Errorf("Interactions(%s) totalCount = %d, want 0", q, n)
	}
}

// A list given but empty matches nothing, whatever else the filter says.
func TestEmptyFilterList(t *testing.T) {
	f := sequential(t, "ACC-1", 5)
	for _, fl := range []*model.InteractionFilter{
		{Channels: []model.Channel{}},
		{AddressedBy: []model.AddressedBy{}},
		{Reasons: []string{}},
		{Channels: model.AllChannel, Reasons: []string{}},
	} {
		for _, q := range []query{
			{account: "ACC-1", filter: fl},
			{account: "ACC-1", filter: fl, last: intp(3)},
			{account: "ACC-1", filter: fl, first: intp(0), orderBy: desc},
		} {
			conn := f.mustRun(q)
			checkPage(t, q, conn, pageWant{nil, false, false})
			if n := f.totalCount(conn); n != 0 {
				t.Errorf("Interactions(%s) totalCount = %d, want 0", q, n)
			}
		}
	}
}
