package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// A write that another process's lock keeps out is one to retry later, not
// an internal error; the driver's error stays wrapped for the log.
func TestRecord_BusyIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "interactions.db")
	db := openTestDB(t, path, Options{})
	// The store's write pool keeps its one connection, so this spares the
	// test the 5 s the store waits in service.
	if _, err := db.write.ExecContext(t.Context(), "PRAGMA busy_timeout = 50"); err != nil {
		t.Fatalf("shorten busy timeout: %v", err)
	}

	holder := rawDB(t, path)
	conn, err := holder.Conn(t.Context())
	if err != nil {
		t.Fatalf("holder connection: %v", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("take the write lock: %v", err)
	}

	it := Interaction{
		AccountNumber: "ACC-900", Timestamp: time.Date(2025, 11, 20, 9, 0, 0, 0, time.UTC), Reason: "billing",
		Channel: "VOICE", AddressedBy: "BOT", ExternalID: ptr("busy-1"),
	}
	_, _, err = db.Record(t.Context(), it)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Record under another's write lock: %v, want ErrUnavailable", err)
	}
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
		t.Errorf("Record under another's write lock: %v, want the driver's SQLITE_BUSY wrapped", err)
	}

	if _, err := conn.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatalf("release the write lock: %v", err)
	}
	if n := countRows(t, holder); n != 0 {
		t.Fatalf("%d rows after the refused write, want 0", n)
	}

	// Once the lock is gone, the retry the error asks for succeeds.
	if _, created, err := db.Record(t.Context(), it); err != nil || !created {
		t.Fatalf("Record after the lock was released: created %v, %v", created, err)
	}
	if n := countRows(t, holder); n != 1 {
		t.Errorf("%d rows after the retry, want 1", n)
	}
}
