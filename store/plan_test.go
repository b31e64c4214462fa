package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The plans are checked on the statements the store really runs: the read
// pool is swapped for one whose connections run EXPLAIN QUERY PLAN on every
// query, with its arguments, just before running it. That way the test
// cannot drift from the SQL text that Interactions and CountInteractions
// build, and the store needs no test hook.
//
// ANALYZE is deliberately not run: the server never runs it, so the planner
// sees what it sees in production, with no sqlite_stat1 to lean on.

// executedPlan is one statement the store ran on the read pool, with the
// detail column of its EXPLAIN QUERY PLAN rows.
type executedPlan struct {
	query   string
	plan    []string
	program []instruction
}

// instruction is one row of EXPLAIN: a VDBE opcode and its operands.
type instruction struct {
	opcode     string
	p1, p2, p3 int64
	p4         string
}

func (p executedPlan) String() string {
	return fmt.Sprintf("%s\n=> %q", strings.Join(strings.Fields(p.query), " "), p.plan)
}

// planRecorder is a driver.Connector over the sqlite driver that records the
// plan of every query run through it.
type planRecorder struct {
	drv driver.Driver
	dsn string

	mu       sync.Mutex
	plans    []executedPlan
	prepared map[string]int // statements prepared, by text
}

func (r *planRecorder) Connect(context.Context) (driver.Conn, error) {
	c, err := r.drv.Open(r.dsn)
	if err != nil {
		return nil, err
	}
	return &planConn{Conn: c, rec: r}, nil
}

func (r *planRecorder) Driver() driver.Driver { return r.drv }

// take returns the plans recorded since the last call and forgets them.
func (r *planRecorder) take() []executedPlan {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.plans
	r.plans = nil
	return p
}

type planConn struct {
	driver.Conn
	rec *planRecorder
}

func (c *planConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, err := c.record(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return q.QueryContext(ctx, query, args)
}

// PrepareContext prepares statements whose every query is recorded too:
// the store runs its read queries through prepared statements.
func (c *planConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	p, ok := c.Conn.(driver.ConnPrepareContext)
	if !ok {
		return nil, errors.New("plan recorder: the sqlite connection does not implement ConnPrepareContext")
	}
	st, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.rec.mu.Lock()
	if c.rec.prepared == nil {
		c.rec.prepared = map[string]int{}
	}
	c.rec.prepared[query]++
	c.rec.mu.Unlock()
	q, ok := st.(driver.StmtQueryContext)
	if !ok {
		st.Close()
		return nil, errors.New("plan recorder: the sqlite statement does not implement StmtQueryContext")
	}
	return &planStmt{Stmt: st, query: q, conn: c, text: query}, nil
}

type planStmt struct {
	driver.Stmt
	query driver.StmtQueryContext
	conn  *planConn
	text  string
}

func (s *planStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if _, err := s.conn.record(ctx, s.text, args); err != nil {
		return nil, err
	}
	return s.query.QueryContext(ctx, args)
}

// record explains query with args on c and keeps the plan.
func (c *planConn) record(ctx context.Context, query string, args []driver.NamedValue) (driver.QueryerContext, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, errors.New("plan recorder: the sqlite connection does not implement QueryerContext")
	}
	plan, err := explain(ctx, q, query, args)
	if err != nil {
		return nil, fmt.Errorf("explain query plan %q: %w", query, err)
	}
	prog, err := bytecode(ctx, q, query, args)
	if err != nil {
		return nil, fmt.Errorf("explain %q: %w", query, err)
	}
	c.rec.mu.Lock()
	c.rec.plans = append(c.rec.plans, executedPlan{query: query, plan: plan, program: prog})
	c.rec.mu.Unlock()
	return q, nil
}

func explain(ctx context.Context, q driver.QueryerContext, query string, args []driver.NamedValue) ([]string, error) {
	rows, err := q.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// Columns: id, parent, notused, detail.
	dest := make([]driver.Value, len(rows.Columns()))
	var details []string
	for {
		err := rows.Next(dest)
		if err == io.EOF {
			return details, nil
		}
		if err != nil {
			return nil, err
		}
		switch d := dest[len(dest)-1].(type) {
		case string:
			details = append(details, d)
		case []byte:
			details = append(details, string(d))
		default:
			return nil, fmt.Errorf("plan detail of type %T", d)
		}
	}
}

func bytecode(ctx context.Context, q driver.QueryerContext, query string, args []driver.NamedValue) ([]instruction, error) {
	rows, err := q.QueryContext(ctx, "EXPLAIN "+query, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// Columns: addr, opcode, p1, p2, p3, p4, p5, comment.
	dest := make([]driver.Value, len(rows.Columns()))
	var prog []instruction
	for {
		err := rows.Next(dest)
		if err == io.EOF {
			return prog, nil
		}
		if err != nil {
			return nil, err
		}
		in := instruction{opcode: fmt.Sprint(text(dest[1])), p4: fmt.Sprint(text(dest[5]))}
		for i, p := range []*int64{&in.p1, &in.p2, &in.p3} {
			n, ok := dest[2+i].(int64)
			if !ok {
				return nil, fmt.Errorf("EXPLAIN operand p%d of type %T", i+1, dest[2+i])
			}
			*p = n
		}
		prog = append(prog, in)
	}
}

func text(v driver.Value) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// openPlanDB opens a store whose read pool records query plans, with a few
// hundred rows that the queries below can find (the plan does not depend on
// them without ANALYZE, but a query that finds rows runs its whole path).
func openPlanDB(t *testing.T) (*DB, *planRecorder) {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "plan.db")
	db, err := Open(ctx, path, Options{Seed: true})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })

	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	channels := []string{"VOICE", "CHAT", "EMAIL", "SMS", "SOCIAL", "WEB"}
	for i := range 300 {
		var agent any
		if i%3 != 0 {
			agent = fmt.Sprintf("agent-%d", i%4)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO interactions
			(account_number, ts, reason, channel, agent_id, addressed_by) VALUES (?, ?, ?, ?, ?, ?)`,
			fmt.Sprintf("ACC-%03d", 1+i%3), planTime.Add(time.Duration(i%50)*time.Minute).UnixNano(),
			[]string{"billing", "technical_support"}[i%2], channels[i%len(channels)], agent,
			[]string{"AGENT", "BOT"}[i%2])
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	rec := &planRecorder{drv: db.read.Driver(), dsn: dsn(path, true)}
	if err := db.read.Close(); err != nil {
		t.Fatal(err)
	}
	db.read = sql.OpenDB(rec)
	return db, rec
}

var planTime = time.Date(2025, 11, 14, 10, 0, 0, 0, time.UTC)

var (
	// A search of the account's index: an equality on account_number, then
	// whatever ranges the planner could add on ts and the rowid.
	searchAccountIndex = regexp.MustCompile(`^SEARCH interactions USING (COVERING )?INDEX interactions_account_ts \(account_number=\?( AND .*)?\)$`)
	// A range on ts that a cursor's (ts, id) > (?, ?) turns into. SQLite
	// does not carry a row-value range on to the rowid that ends the index,
	// so the range is "ts>?", not "(ts,rowid)>(?,?)": among rows sharing the
	// cursor's timestamp, the seek reads those before the cursor too. That
	// costs only as many rows as share one instant, so it is accepted here.
	seekInIndex = regexp.MustCompile(`\(account_number=\? AND (\(ts,rowid\)|ts)[<>]`)
)

// checkPlan fails t unless every step of plan reads interactions through a
// search of interactions_account_ts (or a rowid lookup when byID) and no
// step sorts. Any SCAN of interactions fails, a full scan of an index too:
// that is no seek either.
func checkPlan(t *testing.T, p executedPlan, byID bool) {
	t.Helper()
	named := false
	for _, step := range p.plan {
		switch {
		case strings.Contains(step, "TEMP B-TREE"):
			t.Errorf("plan sorts in a temporary b-tree (%q) for\n%s\nplan: %q", step, p.query, p.plan)
		case strings.HasPrefix(step, "SCAN interactions"):
			t.Errorf("plan scans the table (%q) for\n%s\nplan: %q", step, p.query, p.plan)
		case strings.HasPrefix(step, "SEARCH interactions"):
			if byID {
				if !strings.Contains(step, "USING INTEGER PRIMARY KEY (rowid=?)") {
					t.Errorf("plan step %q is not a rowid lookup for\n%s", step, p.query)
				}
				continue
			}
			if !searchAccountIndex.MatchString(step) {
				t.Errorf("plan step %q is not a search on interactions_account_ts by account for\n%s", step, p.query)
			}
			named = true
		}
	}
	if !byID && !named {
		t.Errorf("plan never names interactions_account_ts for\n%s\nplan: %q", p.query, p.plan)
	}
}

// checkSeek fails t unless the index search has a range on ts, as a
// cursor's condition gives it. Without one, a page after the millionth row
// reads the million rows before it. Which bound the range starts from is
// checkSeekBounds's concern.
func checkSeek(t *testing.T, p executedPlan) {
	t.Helper()
	for _, step := range p.plan {
		if seekInIndex.MatchString(step) {
			return
		}
	}
	t.Errorf("plan does not seek to the cursor position in the index for\n%s\nplan: %q", p.query, p.plan)
}

// The plan's text cannot say which of two bounds on ts starts the index
// seek: "ts>?" reads the same whether the seek starts at a filter's from or
// at the cursor. The bytecode can: the seek and end-of-range opcodes compare
// the index against registers, and the registers are loaded from numbered
// parameters.

// seekOpcodes position an index cursor at the start of a range; endOpcodes
// test for its end.
var (
	seekOpcodes = map[string]bool{"SeekGE": true, "SeekGT": true, "SeekLE": true, "SeekLT": true}
	endOpcodes  = map[string]bool{"IdxGE": true, "IdxGT": true, "IdxLE": true, "IdxLT": true}
)

// keyParameter returns the number of the SQL parameter ("?" counted from 1)
// that the ts part of an index key holds when the instruction at addr
// compares it (the key's first register is the account, its second ts), or
// 0 when the key stops at the account.
func keyParameter(prog []instruction, addr int) (int64, error) {
	in := prog[addr]
	n, err := strconv.ParseInt(in.p4, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s at %d: key length %q: %w", in.opcode, addr, in.p4, err)
	}
	if n < 2 {
		return 0, nil
	}
	return registerParameter(prog, addr, in.p3+1)
}

// registerParameter follows reg back from addr to the Variable that loaded
// it, through copies, looking first at the code before addr and then at the
// once-only code that Init jumps to at the end of the program.
func registerParameter(prog []instruction, addr int, reg int64) (int64, error) {
	order := make([]int, 0, len(prog))
	for i := addr - 1; i > 0; i-- {
		order = append(order, i)
	}
	if len(prog) > 0 && prog[0].opcode == "Init" {
		for i := len(prog) - 1; i >= int(prog[0].p2) && i > addr; i-- {
			order = append(order, i)
		}
	}
	for _, i := range order {
		in := prog[i]
		switch {
		case in.opcode == "Variable" && in.p2 == reg:
			return in.p1, nil
		case in.opcode == "SCopy" && in.p2 == reg,
			in.opcode == "Copy" && in.p2 <= reg && reg <= in.p2+in.p3:
			return registerParameter(prog, i, in.p1+(reg-in.p2))
		}
	}
	return 0, fmt.Errorf("register %d at %d is not loaded from a parameter", reg, addr)
}

// parameterOf returns the number of the first "?" of cond in query, or 0
// when query does not contain cond.
func parameterOf(query, cond string) int64 {
	i := strings.Index(query, cond)
	if i < 0 {
		return 0
	}
	return int64(strings.Count(query[:i], "?")) + 1
}

// checkSeekBounds fails t unless the list query p reads the index from the
// tightest bound on each side: from the cursor when there is one on that
// side, else from the filter's bound on ts, else from the account's edge.
// A seek that starts at the filter's from instead of a cursor past it reads
// every row in between, so a page would cost more the deeper it is.
func checkSeekBounds(t *testing.T, p executedPlan) {
	t.Helper()
	lowerCursor, lowerFilter := "AND (ts, id) > (?, ?)", "AND ts >= ?"
	upperCursor, upperFilter := "AND (ts, id) < (?, ?)", "AND ts < ?"
	tightest := func(cursor, filter string) int64 {
		if n := parameterOf(p.query, cursor); n > 0 {
			return n
		}
		return parameterOf(p.query, filter)
	}
	wantStart, wantEnd := tightest(lowerCursor, lowerFilter), tightest(upperCursor, upperFilter)
	if strings.Contains(p.query, "ORDER BY ts DESC") {
		wantStart, wantEnd = wantEnd, wantStart
	}

	seek := slices.IndexFunc(p.program, func(in instruction) bool { return seekOpcodes[in.opcode] })
	if seek < 0 {
		t.Errorf("no index seek in the program of\n%v", p)
		return
	}
	end := -1
	for i := seek + 1; i < len(p.program); i++ {
		if in := p.program[i]; endOpcodes[in.opcode] && in.p1 == p.program[seek].p1 {
			end = i
			break
		}
	}
	for _, c := range []struct {
		what string
		addr int
		want int64
	}{{"start", seek, wantStart}, {"end", end, wantEnd}} {
		if c.addr < 0 {
			t.Errorf("no end-of-range test in the program of\n%v", p)
			continue
		}
		got, err := keyParameter(p.program, c.addr)
		if err != nil {
			t.Errorf("%v in the program of\n%v", err, p)
			continue
		}
		if got != c.want {
			t.Errorf("the index range's %s compares ts with parameter %d, want %d (0: none) for\n%v\nbytecode:\n%s",
				c.what, got, c.want, p, listing(p.program))
		}
	}
}

func listing(prog []instruction) string {
	var b strings.Builder
	for i, in := range prog {
		fmt.Fprintf(&b, "%3d %-12s %3d %3d %3d %s\n", i, in.opcode, in.p1, in.p2, in.p3, in.p4)
	}
	return b.String()
}

func TestQueryPlans(t *testing.T) {
	db, rec := openPlanDB(t)
	ctx := t.Context()

	agent := "agent-1"
	from := planTime.Add(5 * time.Minute)
	to := planTime.Add(40 * time.Minute)
	filters := []struct {
		name string
		f    Filter
	}{
		{"no filter", Filter{}},
		{"channels", Filter{Channels: []string{"VOICE", "CHAT"}}},
		{"addressedBy", Filter{AddressedBy: []string{"AGENT"}}},
		{"reasons", Filter{Reasons: []string{"billing", "technical_support", "plan_change"}}},
		{"agentId", Filter{AgentID: &agent}},
		{"from", Filter{From: &from}},
		{"to", Filter{To: &to}},
		{"from and to", Filter{From: &from, To: &to}},
		{"all", Filter{
			Channels: []string{"VOICE", "CHAT", "SMS"}, AddressedBy: []string{"AGENT", "BOT"},
			Reasons: []string{"billing"}, AgentID: &agent, From: &from, To: &to,
		}},
	}
	after := &Position{Time: planTime.Add(10 * time.Minute).UnixNano(), ID: 40}
	before := &Position{Time: planTime.Add(30 * time.Minute).UnixNano(), ID: 200}
	cursors := []struct {
		name          string
		after, before *Position
	}{
		{"no cursor", nil, nil},
		{"after", after, nil},
		{"before", nil, before},
		{"after and before", after, before},
	}
	ten, five := 10, 5
	limits := []struct {
		name        string
		first, last *int
	}{
		{"first", &ten, nil},
		{"last", nil, &ten},
		{"first and last", &ten, &five},
	}

	for _, desc := range []bool{false, true} {
		dir := "ASC"
		if desc {
			dir = "DESC"
		}
		for _, f := range filters {
			for _, c := range cursors {
				for _, l := range limits {
					name := strings.Join([]string{dir, f.name, c.name, l.name}, "/")
					t.Run(name, func(t *testing.T) {
						req := PageRequest{
							AccountNumber: "ACC-001", Filter: f.f, Descending: desc,
							After: c.after, Before: c.before, First: l.first, Last: l.last,
						}
						rec.take()
						if _, err := db.Interactions(ctx, req); err != nil {
							t.Fatalf("Interactions(%+v): %v", req, err)
						}
						plans := rec.take()
						// One list query, plus one EXISTS when a flag
						// depends on rows beyond a cursor.
						wantStatements := 1
						if (l.first != nil && l.last == nil && c.after != nil) || (l.first == nil && c.before != nil) {
							wantStatements = 2
						}
						if len(plans) != wantStatements {
							t.Fatalf("Interactions(%+v) ran %d statements, want %d: %v", req, len(plans), wantStatements, plans)
						}
						for _, p := range plans {
							checkPlan(t, p, false)
							if strings.Contains(p.query, "(ts, id)") {
								checkSeek(t, p)
							}
							if strings.Contains(p.query, "ORDER BY") {
								checkSeekBounds(t, p)
							}
						}
					})
				}
			}
		}
	}

	for _, f := range filters {
		t.Run("count/"+f.name, func(t *testing.T) {
			rec.take()
			if _, err := db.CountInteractions(ctx, CountRequest{AccountNumber: "ACC-001", Filter: f.f}); err != nil {
				t.Fatalf("CountInteractions(%s): %v", f.name, err)
			}
			plans := rec.take()
			if len(plans) != 1 {
				t.Fatalf("CountInteractions(%s) ran %d statements, want 1: %v", f.name, len(plans), plans)
			}
			checkPlan(t, plans[0], false)
		})
	}

	t.Run("PositionOf", func(t *testing.T) {
		rec.take()
		if _, err := db.PositionOf(ctx, "ACC-001", 3); err != nil {
			t.Fatalf("PositionOf(ACC-001, 3): %v", err)
		}
		for _, p := range rec.take() {
			checkPlan(t, p, true)
		}
	})
	t.Run("InteractionsByID", func(t *testing.T) {
		rec.take()
		if _, err := db.InteractionsByID(ctx, []int64{1, 5, 99, 100000}); err != nil {
			t.Fatalf("InteractionsByID: %v", err)
		}
		for _, p := range rec.take() {
			checkPlan(t, p, true)
		}
	})
}

// The recorder must see the statements at all, or every check above passes
// vacuously; this also shows one plan in the test log for the curious.
func TestQueryPlansAreRecorded(t *testing.T) {
	db, rec := openPlanDB(t)
	first := 2
	if _, err := db.Interactions(t.Context(), PageRequest{AccountNumber: "ACC-001", First: &first}); err != nil {
		t.Fatal(err)
	}
	plans := rec.take()
	if len(plans) != 1 || !strings.Contains(plans[0].query, "ORDER BY ts ASC, id ASC") || len(plans[0].plan) == 0 {
		t.Fatalf("Interactions(ACC-001, first 2) recorded %v, want one list query with its plan", plans)
	}
	t.Logf("%v", plans[0])
}
