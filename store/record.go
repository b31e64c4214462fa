package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The longest text each field may hold, in characters. They are far above
// what a contact centre writes, and bound what one row can cost to store
// and to send back in a page of 100.
const (
	MaxReasonLength     = 128
	MaxAgentIDLength    = 128
	MaxExternalIDLength = 256
	MaxSolutionLength   = 4000
	MaxSummaryLength    = 16000
)

// Channels and AddressedByValues are the enum values, upper-case as stored.
var (
	Channels          = []string{"VOICE", "CHAT", "EMAIL", "SMS", "SOCIAL", "WEB"}
	AddressedByValues = []string{"AGENT", "BOT"}
)

// Check reports the first rule it breaks as an *InvalidError whose Field is
// the GraphQL input field's name (accountNumber, reason, ...).
func (it *Interaction) Check() error {
	if err := CheckAccountNumber("accountNumber", it.AccountNumber); err != nil {
		return err
	}
	if err := CheckTime(it.Timestamp); err != nil {
		return &InvalidError{Field: "timestamp", Message: err.(*InvalidError).Message}
	}
	if err := checkText("reason", it.Reason, MaxReasonLength, false); err != nil {
		return err
	}
	if strings.TrimSpace(it.Reason) == "" {
		return Invalid("reason", "must not be empty or only white space")
	}
	if !slices.Contains(Channels, it.Channel) {
		return Invalid("channel", "%q is not one of %v", it.Channel, Channels)
	}
	if !slices.Contains(AddressedByValues, it.AddressedBy) {
		return Invalid("addressedBy", "%q is not one of %v", it.AddressedBy, AddressedByValues)
	}
	for _, f := range []struct {
		name      string
		value     *string
		max       int
		multiline bool
	}{
		{"solution", it.Solution, MaxSolutionLength, true},
		{"summary", it.Summary, MaxSummaryLength, true},
		{"agentId", it.AgentID, MaxAgentIDLength, false},
		{"externalId", it.ExternalID, MaxExternalIDLength, false},
	} {
		if f.value == nil {
			continue
		}
		if err := checkText(f.name, *f.value, f.max, f.multiline); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name  string
		value *string
	}{{"agentId", it.AgentID}, {"externalId", it.ExternalID}} {
		if f.value != nil && strings.TrimSpace(*f.value) == "" {
			return Invalid(f.name, "must not be empty or only white space; leave it out instead")
		}
	}
	return nil
}

// checkText allows line breaks and tabs only in multiline fields, and no
// other control character anywhere: they have no place in these texts and
// can forge lines in logs and terminals that show them.
//
// It reads s once, with a shortcut for ASCII, as an import runs it on every
// text of every row; it reports the first problem in the order invalid
// UTF-8, length, control character.
func checkText(field, s string, maxLen int, multiline bool) error {
	n := 0
	control := rune(-1)
	for i := 0; i < len(s); n++ {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			if (c < 0x20 || c == 0x7f) && control < 0 && !(multiline && (c == '\n' || c == '\r' || c == '\t')) {
				control = rune(c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return Invalid(field, "must be valid UTF-8")
		}
		i += size
		if unicode.IsControl(r) && control < 0 {
			control = r
		}
	}
	if n > maxLen {
		return Invalid(field, "must be at most %d characters, got %d", maxLen, n)
	}
	if control >= 0 {
		return Invalid(field, "must not contain the control character %q", control)
	}
	return nil
}

const insertInteraction = `
	INSERT INTO interactions (
		account_number, ts, reason, solution, summary,
		channel, agent_id, addressed_by, external_id
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (account_number, external_id) WHERE external_id IS NOT NULL DO NOTHING`

func insertArgs(it *Interaction) []any {
	return []any{
		it.AccountNumber, it.Timestamp.UnixNano(), it.Reason, it.Solution, it.Summary,
		it.Channel, it.AgentID, it.AddressedBy, it.ExternalID,
	}
}

// Record stores it and returns it with its ID, and created true. When the
// account already has an interaction with it's external ID, Record returns
// that one unchanged, and created false: the unique index decides, so two
// identical calls at once still make one row. The caller checks it first.
func (db *DB) Record(ctx context.Context, it Interaction) (Interaction, bool, error) {
	stored, created, err := db.record(ctx, it)
	return stored, created, storageError(err)
}

func (db *DB) record(ctx context.Context, it Interaction) (stored Interaction, created bool, err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return Interaction{}, false, fmt.Errorf("record interaction: %w", err)
	}
	defer tx.Rollback()

	var id int64
	err = tx.QueryRowContext(ctx, insertInteraction+` RETURNING id`, insertArgs(&it)...).Scan(&id)
	switch {
	case err == nil:
		created = true
		it.ID = id
		stored = it
		stored.Timestamp = it.Timestamp.UTC()
	case errors.Is(err, sql.ErrNoRows):
		row := tx.QueryRowContext(ctx, `SELECT `+interactionColumns+` FROM interactions
			WHERE account_number = ? AND external_id = ?`, it.AccountNumber, it.ExternalID)
		if err := scanInteraction(row, &stored); err != nil {
			return Interaction{}, false, fmt.Errorf("record interaction: find existing: %w", err)
		}
	default:
		return Interaction{}, false, fmt.Errorf("record interaction: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Interaction{}, false, fmt.Errorf("record interaction: %w", err)
	}
	return stored, created, nil
}

// InsertBatch inserts rows in one transaction, skipping those whose
// (account, external ID) is already stored, and returns how many it
// inserted. Either the whole batch is stored or, on error or a crash, none
// of it. The caller checks every row first.
//
// It leaves the write connection with a larger page cache and checkpoints
// less often, as suits a run of batches: the rows of a batch land all over
// both indexes, whose pages then stay in memory from one batch to the
// next, and are copied to the database once for several batches.
func (db *DB) InsertBatch(ctx context.Context, rows []Interaction) (inserted int, err error) {
	err = db.withDriverConn(ctx, func(c driverConn) (err error) {
		for _, pragma := range []string{"cache_size = -65536", "wal_autocheckpoint = 10000"} {
			if _, err := c.ExecContext(ctx, "PRAGMA "+pragma, nil); err != nil {
				return err
			}
		}
		tx, err := c.BeginTx(ctx, driver.TxOptions{})
		if err != nil {
			return err
		}
		defer rollbackUnlessCommitted(tx, &err)
		done := false
		inserted, err = insertAll(ctx, c, onConflictSkip, func() ([]Interaction, error) {
			if done {
				return nil, io.EOF
			}
			done = true
			return rows, nil
		})
		if err != nil {
			return err
		}
		return tx.Commit()
	})
	if err != nil {
		return 0, fmt.Errorf("insert batch: %w", storageError(err))
	}
	return inserted, nil
}

// ErrNotEmpty is returned by Load when the table already has rows.
var ErrNotEmpty = errors.New("the database already has interactions")

// Load stores every row that next returns, in order, in a table that must
// be empty (ErrNotEmpty otherwise), as one transaction: the table's indexes
// are dropped at the start and built once at the end, which is several
// times faster than keeping them up to date row by row. A row whose
// (account, external ID) an earlier row already has is dropped and
// counted in duplicates. next returns io.EOF after the last rows; any other
// error from it, a cancelled ctx or a crash of the process leaves the table
// empty and its indexes as they were, since nothing is committed before
// the end. The load does not sync to disk: a power cut or an OS crash
// during it, or soon after, can damage the database, which held nothing
// before. Other writers wait for the lock meanwhile (and give up after
// the busy timeout); readers see the empty table. The caller checks every
// row first.
func (db *DB) Load(ctx context.Context, next func() ([]Interaction, error)) (inserted, duplicates int, err error) {
	err = db.withDriverConn(ctx, func(c driverConn) (err error) {
		restore, err := setPragmas(ctx, c, map[string]string{
			// Nothing is committed before the end and the table was empty,
			// so a power cut can cost the load but no earlier data; a
			// crash of the process loses nothing SQLite wrote to the OS.
			// Skipping the syncs saves the load's final checkpoint a flush
			// of the whole database.
			"synchronous": "OFF",
			// The sorts that build the indexes come after the rows have all
			// been read, when the other cores are idle. On 2 idle cores,
			// worker threads build a million rows' indexes in 1.3 s rather
			// than 1.8 s, for 0.5 s more CPU (their merges take extra
			// passes over temporary files), which makes them a little
			// slower than none when other work keeps the cores busy.
			"threads": strconv.Itoa(runtime.GOMAXPROCS(0)),
		})
		if err != nil {
			return err
		}
		defer restore()
		tx, err := c.BeginTx(ctx, driver.TxOptions{})
		if err != nil {
			return err
		}
		defer rollbackUnlessCommitted(tx, &err)

		found, err := queryAll(ctx, c, `SELECT EXISTS (SELECT 1 FROM interactions)`)
		if err != nil {
			return err
		}
		if found[0][0].(int64) != 0 {
			return ErrNotEmpty
		}
		// The indexes are rebuilt from their own stored definitions, so that
		// a migration that changes or adds one needs no change here.
		indexes, err := queryAll(ctx, c, `SELECT name, sql FROM sqlite_schema
			WHERE type = 'index' AND tbl_name = 'interactions' AND sql IS NOT NULL`)
		if err != nil {
			return err
		}
		for _, ix := range indexes {
			if _, err := c.ExecContext(ctx, `DROP INDEX "`+ix[0].(string)+`"`, nil); err != nil {
				return err
			}
		}

		if inserted, err = insertAll(ctx, c, "", next); err != nil {
			return err
		}

		for _, ix := range indexes {
			_, err := c.ExecContext(ctx, ix[1].(string), nil)
			if isUniqueViolation(err) && duplicates == 0 {
				if duplicates, err = dropLaterDuplicates(ctx, c); err == nil {
					_, err = c.ExecContext(ctx, ix[1].(string), nil)
				}
			}
			if err != nil {
				return err
			}
		}
		inserted -= duplicates
		return tx.Commit()
	})
	if err != nil {
		return 0, 0, fmt.Errorf("load interactions: %w", err)
	}
	return inserted, duplicates, nil
}

// dropLaterDuplicates deletes every row whose (account, external ID) a row
// with a lower id also has, keeping the first one loaded as Record would.
func dropLaterDuplicates(ctx context.Context, c driverConn) (int, error) {
	res, err := c.ExecContext(ctx, `DELETE FROM interactions WHERE external_id IS NOT NULL AND id NOT IN (
		SELECT min(id) FROM interactions WHERE external_id IS NOT NULL GROUP BY account_number, external_id)`, nil)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// driverConn is the SQLite driver's connection. The bulk writes use it
// directly, holding it for their whole transaction: its pragmas, the
// schema changes of a load and the virtual table of input.go all belong
// to that one connection.
type driverConn interface {
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
}

// withDriverConn runs f on the write connection.
func (db *DB) withDriverConn(ctx context.Context, f func(c driverConn) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driverConn)
		if !ok {
			return fmt.Errorf("the SQLite driver's connection %T lacks a method the bulk writes use", dc)
		}
		return f(c)
	})
}

func rollbackUnlessCommitted(tx driver.Tx, err *error) {
	if *err != nil {
		tx.Rollback()
	}
}

// setPragmas sets pragmas on c, outside any transaction, and returns a
// function that sets them back to what they were.
func setPragmas(ctx context.Context, c driverConn, pragmas map[string]string) (restore func(), err error) {
	old := map[string]string{}
	restore = func() {
		for name, value := range old {
			c.ExecContext(context.WithoutCancel(ctx), "PRAGMA "+name+" = "+value, nil)
		}
	}
	for name, value := range pragmas {
		rows, err := queryAll(ctx, c, "PRAGMA "+name)
		if err == nil {
			old[name] = fmt.Sprint(rows[0][0])
			_, err = c.ExecContext(ctx, "PRAGMA "+name+" = "+value, nil)
		}
		if err != nil {
			restore()
			return nil, err
		}
	}
	return restore, nil
}

// queryAll returns every row of a small query's result.
func queryAll(ctx context.Context, c driverConn, query string) ([][]driver.Value, error) {
	rows, err := c.QueryContext(ctx, query, nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all [][]driver.Value
	for {
		row := make([]driver.Value, len(rows.Columns()))
		if err := rows.Next(row); errors.Is(err, io.EOF) {
			return all, nil
		} else if err != nil {
			return nil, err
		}
		all = append(all, row)
	}
}

const onConflictSkip = ` ON CONFLICT (account_number, external_id) WHERE external_id IS NOT NULL DO NOTHING`
