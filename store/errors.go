package store

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned when a looked-up interaction does not exist.
var ErrNotFound = errors.New("not found")

// InvalidError reports input that breaks one of the API's rules. Its message
// is written for the client; Field names the argument or input field at
// fault ("first", "filter.from") when the code that found it knows it.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Invalid returns an *InvalidError for field with a formatted message.
func Invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrUnavailable is returned when the database cannot take a write for a
// reason outside the request: the disk is full, the file is read-only, or
// another process (an import, say) held the write lock past the busy
// timeout. The write was not made, reads go on, and a retry succeeds once
// the cause is gone.
var ErrUnavailable = errors.New("the database cannot take writes now (disk full, read-only, or locked by another writer); nothing was written")

// storageError marks errors of the storage beneath SQLite, and of locks
// another writer held too long, as ErrUnavailable, keeping the driver's
// error for the log.
func storageError(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff { // the primary code, without the extended bits
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY,
		// The store writes through one connection, so a lock it could not
		// get in the busy timeout is another writer's (an import, say),
		// which ends on its own.
		sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
