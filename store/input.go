package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite/vtab"
)

// The bulk writes hand their rows to SQLite through a virtual table whose
// cursor reads them from Go, and store them with one INSERT … SELECT from
// it. Bound as statement parameters instead, each text was copied into C
// memory, bound and unbound under the connection's mutex, and freed again:
// that cost about as much as SQLite's own work to store the row, and the
// virtual table saves a third of a load's time.
//
// The module is registered once for the process, on the driver's new
// connections; each use creates a table in the connection's temp schema
// that names its input by an ID, and drops it after the INSERT.
const inputModule = "interactions_input"

// inputModuleErr is why the module could not be registered, which the bulk
// writes return.
var inputModuleErr = vtab.RegisterModule(nil, inputModule, inputTables{})

// inputColumns are the columns the virtual table gives, in the order of
// the table's; the id is left to SQLite.
const inputColumns = `account_number, ts, reason, solution, summary, channel, agent_id, addressed_by, external_id`

var (
	// inputs holds the inputs being read, by ID.
	inputs      sync.Map
	lastInputID atomic.Uint64
)

// input is the rows one INSERT reads, as next returns them.
type input struct {
	next  func() ([]Interaction, error)
	rows  []Interaction
	i     int // rows[i] is the current row
	read  int // rows read so far, the current one's rowid
	eof   bool
	err   error // what next returned other than rows or io.EOF
	taken bool  // a cursor has read it: it cannot be read twice
}

// insertAll inserts every row next returns until io.EOF, in one statement
// that ends with onConflict, and returns how many rows it stored. An error
// from next ends the statement and is returned as it is.
func insertAll(ctx context.Context, c driverConn, onConflict string, next func() ([]Interaction, error)) (inserted int, err error) {
	if inputModuleErr != nil {
		return 0, fmt.Errorf("register the virtual table of the bulk writes: %w", inputModuleErr)
	}
	id := strconv.FormatUint(lastInputID.Add(1), 10)
	in := &input{next: next}
	inputs.Store(id, in)
	defer inputs.Delete(id)

	table := `temp."interactions_input_` + id + `"`
	if _, err := c.ExecContext(ctx, `CREATE VIRTUAL TABLE `+table+` USING `+inputModule+`(`+id+`)`, nil); err != nil {
		return 0, err
	}
	defer func() {
		// A failed statement leaves the transaction to be rolled back,
		// which takes the table with it.
		if err == nil {
			_, err = c.ExecContext(ctx, `DROP TABLE `+table, nil)
		}
	}()
	// "WHERE true" tells SQLite's parser that an ON CONFLICT clause
	// belongs to the INSERT, not to a join.
	res, err := c.ExecContext(ctx, `INSERT INTO interactions (`+inputColumns+`)
		SELECT `+inputColumns+` FROM `+table+` WHERE true`+onConflict, nil)
	if in.err != nil {
		return 0, in.err
	}
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// inputTables is the virtual table module.
type inputTables struct{}

func (m inputTables) Create(ctx vtab.Context, args []string) (vtab.Table, error) {
	return m.Connect(ctx, args)
}

// Connect finds the input whose ID is the table's one argument.
func (inputTables) Connect(ctx vtab.Context, args []string) (vtab.Table, error) {
	// args are the module's name, the schema's, the table's, then the
	// table's own arguments.
	if len(args) != 4 {
		return nil, fmt.Errorf("%s takes one argument, the input's ID", inputModule)
	}
	in, ok := inputs.Load(args[3])
	if !ok {
		return nil, fmt.Errorf("%s: no input has the ID %q", inputModule, args[3])
	}
	if err := ctx.Declare(`CREATE TABLE x(` + inputColumns + `)`); err != nil {
		return nil, err
	}
	return inputTable{in.(*input)}, nil
}

type inputTable struct{ in *input }

func (inputTable) BestIndex(*vtab.IndexInfo) error { return nil }
func (inputTable) Disconnect() error               { return nil }
func (inputTable) Destroy() error                  { return nil }

func (t inputTable) Open() (vtab.Cursor, error) { return inputCursor(t), nil }

// inputCursor reads its input once, from the start.
type inputCursor struct{ in *input }

func (c inputCursor) Filter(int, string, []vtab.Value) error {
	if c.in.taken {
		return errors.New("the rows of a bulk write can be read only once")
	}
	c.in.taken, c.in.i = true, -1
	return c.Next()
}

func (c inputCursor) Next() error {
	in := c.in
	in.read++
	for in.i++; in.i >= len(in.rows) && !in.eof; in.i = 0 {
		rows, err := in.next()
		switch {
		case errors.Is(err, io.EOF):
			in.rows, in.eof = nil, true
		case err != nil:
			in.err = err
			return err
		default:
			in.rows = rows
		}
	}
	return nil
}

func (c inputCursor) Eof() bool { return c.in.eof }

func (c inputCursor) Column(col int) (vtab.Value, error) {
	it := &c.in.rows[c.in.i]
	switch col {
	case 0:
		return it.AccountNumber, nil
	case 1:
		return it.Timestamp.UnixNano(), nil
	case 2:
		return it.Reason, nil
	case 3:
		return optional(it.Solution), nil
	case 4:
		return optional(it.Summary), nil
	case 5:
		return it.Channel, nil
	case 6:
		return optional(it.AgentID), nil
	case 7:
		return it.AddressedBy, nil
	case 8:
		return optional(it.ExternalID), nil
	}
	return nil, fmt.Errorf("%s has no column %d", inputModule, col)
}

func (c inputCursor) Rowid() (int64, error) { return int64(c.in.read), nil }
func (inputCursor) Close() error            { return nil }

func optional(s *string) driver.Value {
	if s == nil {
		return nil
	}
	return *s
}
