// Package store keeps interactions in SQLite and owns every SQL statement the
// service runs: the schema and its migrations, the seed rows, and the keyset
// queries behind each page.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeout is how long a connection waits for another's lock before
// SQLite reports SQLITE_BUSY. Writers queue behind the single write
// connection, so this is only reached under a long checkpoint or an import.
const busyTimeout = 5 * time.Second

// DB is the interactions database. Reads go through a pool of read-only
// connections; writes go through a single connection, which is the most
// SQLite allows at once and spares writers from busy retries.
type DB struct {
	read  *sql.DB
	write *sql.DB
	stmts readStmts // prepared statements of read

	// Now is the clock used where a write needs the current time.
	Now func() time.Time
}

// Options tune Open.
type Options struct {
	// Seed inserts the demo interactions when the database has none.
	Seed bool
}

// Open opens (creating if need be) the SQLite database file at path,
// brings its schema up to date and, when opts.Seed is set and the table is
// empty, inserts the seed interactions.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open database: path %q must be a plain file path without '?'", path)
	}
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)

	db := &DB{write: write, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		write.Close()
		return nil, err
	}

	// The readers are opened after the migrations so that query_only can
	// never meet a database that still needs its schema written.
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db.read = read

	if opts.Seed {
		if err := db.seed(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// dsn builds a modernc.org/sqlite data source name. WAL lets readers run
// beside the writer; synchronous=NORMAL is durable across process crashes
// in WAL mode, losing at most the last commits on a power cut.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// Take the write lock when the transaction starts, not at its first
		// write, so that a transaction never fails half way on a lock upgrade.
		q.Set("_txlock", "immediate")
	}
	// The driver cuts the query off a plain path at its first "?", so a
	// database path must not contain one; Open rejects such a path.
	return path + "?" + q.Encode()
}

func (db *DB) migrate(ctx context.Context) error {
	provider, err := goose.NewProvider(goose.DialectSQLite3, db.write, migrationsDir())
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Ping reports whether the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Pools returns the read and write connection pools by name, for metrics.
func (db *DB) Pools() map[string]*sql.DB {
	return map[string]*sql.DB{"read": db.read, "write": db.write}
}

// Close closes both pools.
func (db *DB) Close() error {
	errs := []error{db.stmts.close()}
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}
