package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxReadStmts bounds the prepared read statements kept. The texts of a
// page's queries are few (a shape of filter, order and cursors each), but
// the length of a filter list is part of the text, so a client could make
// as many as it likes; past the bound, a text runs unprepared.
const maxReadStmts = 64

// readStmts keeps a prepared statement per query text of the read pool.
// Preparing costs more than running a page's query: SQLite compiles the
// text, and with modernc.org/sqlite a query run unprepared is compiled a
// second time at its first step, once its arguments are bound. A
// statement prepared once is compiled once per pooled connection.
type readStmts struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	closed bool
}

// queryRead runs query on the read pool through its prepared statement.
func (db *DB) queryRead(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := db.readStmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, query, args...)
}

// queryRowRead is queryRead for a query of one row.
func (db *DB) queryRowRead(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.readStmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, query, args...)
}

// readStmt returns the prepared statement of query, preparing it on first
// use, or nil when it is not kept: the cache is full, or preparing failed,
// in which case running the query unprepared reports the error.
func (db *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	c := &db.stmts
	c.mu.Lock()
	st, ok := c.stmts[query]
	full := c.closed || len(c.stmts) >= maxReadStmts
	c.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	// Prepared outside the lock, so that other queries need not wait;
	// two requests may then prepare the same text, and one is closed.
	st, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept, ok := c.stmts[query]; ok {
		st.Close()
		return kept
	}
	if c.closed || len(c.stmts) >= maxReadStmts {
		st.Close()
		return nil
	}
	if c.stmts == nil {
		c.stmts = make(map[string]*sql.Stmt)
	}
	c.stmts[query] = st
	return st
}

// close closes the kept statements; none is kept after it.
func (c *readStmts) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	c.stmts, c.closed = nil, true
	return errors.Join(errs...)
}
