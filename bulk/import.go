package bulk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/interactions-api/interactions/store"
)

// Format is an input format.
type Format string

// The formats Import reads.
const (
	JSONL Format = "jsonl"
	CSV   Format = "csv"
)

// Defaults of Options.
const (
	DefaultBatchSize   = 5000
	DefaultMaxBadLines = 1000
)

// progressEvery is how many rows pass between two Progress calls.
const progressEvery = 4096

// Options tune Import.
type Options struct {
	// Format is the input's format; JSONL when empty.
	Format Format
	// SkipInvalid imports the valid rows of an input that has invalid
	// ones. Without it, one invalid row means nothing is imported.
	SkipInvalid bool
	// BatchSize is how many rows each transaction stores when the table
	// already has rows (or AlwaysBatch is set); DefaultBatchSize when 0.
	BatchSize int
	// AlwaysBatch commits every BatchSize rows even into an empty table,
	// instead of loading it in one transaction.
	AlwaysBatch bool
	// MaxBadLines is how many bad lines Result keeps; DefaultMaxBadLines
	// when 0. Every one is counted, and passed to BadLine.
	MaxBadLines int
	// BadLine, when set, is called with every invalid row, in input order,
	// as the import finds it: a caller that lists them all need not hold
	// them all. It may be called from another goroutine than Import's,
	// but never twice at once nor at once with Progress.
	BadLine func(BadLine)
	// Progress, when set, is called as the input is read, from another
	// goroutine than Import's but never twice at once.
	Progress func(Progress)
}

// Phase is a stage of an import.
type Phase string

// The phases, in the order they can come.
const (
	// PhaseCheck reads the input only to check it, before a batched import
	// that must store nothing when a row is invalid.
	PhaseCheck Phase = "checking"
	// PhaseImport reads the input and stores its rows.
	PhaseImport Phase = "importing"
	// PhaseIndex builds the indexes after loading an empty table.
	PhaseIndex Phase = "building indexes"
)

// Progress is how far an import has read its input in the current phase.
type Progress struct {
	Phase Phase
	Rows  int
	Bytes int64
}

// BadLine is an input row that was not imported, and why.
type BadLine struct {
	// Line is the physical line the row starts on, from 1 (a CSV header
	// is line 1).
	Line   int
	Reason string
}

func (b BadLine) String() string { return fmt.Sprintf("line %d: %s", b.Line, b.Reason) }

// Result counts what an import did.
type Result struct {
	// Read counts the rows read, valid or not (not blank lines or a header).
	Read int
	// Inserted counts the rows stored.
	Inserted int
	// AlreadyPresent counts the valid rows not stored because their
	// account already has an interaction with their external ID, stored
	// before or earlier in the input.
	AlreadyPresent int
	// Invalid counts the rows that failed a check.
	Invalid int
	// Bad lists the first Options.MaxBadLines invalid rows in input order.
	Bad []BadLine
	// Loaded is set when the table was empty and loaded in one transaction.
	Loaded  bool
	Elapsed time.Duration
}

// RowsPerSecond is the rate at which the import read and stored its input.
func (r *Result) RowsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Read) / r.Elapsed.Seconds()
}

// ErrInvalidRows is returned, with nothing stored, when a row is invalid
// and Options.SkipInvalid is not set. Result.Bad lists the rows.
var ErrInvalidRows = errors.New("the input has invalid rows; nothing was imported")

// Import reads rows from in and stores the valid ones in db, checked as the
// recordInteraction mutation checks its input. A row whose account already
// has its external ID is not stored again, so importing the same input
// twice stores it once.
//
// Into an empty table, the whole input is loaded in one transaction and the
// indexes built once at the end, much faster than batches; a crash or an
// invalid row (unless SkipInvalid) leaves the table empty. Otherwise rows
// are stored in transactions of Options.BatchSize: a crash leaves whole
// batches, and importing again completes the rest. Without SkipInvalid
// such an import first reads the whole input to check it, then again to
// store it; an input that is not a file it can seek in is spooled to a
// temporary file meanwhile.
func Import(ctx context.Context, db *store.DB, in io.Reader, opts Options) (res Result, err error) {
	start := time.Now()
	defer func() { res.Elapsed = time.Since(start) }()
	if opts.Format == "" {
		opts.Format = JSONL
	}
	if opts.Format != JSONL && opts.Format != CSV {
		return res, fmt.Errorf("unknown input format %q; the formats are jsonl and csv", opts.Format)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.MaxBadLines <= 0 {
		opts.MaxBadLines = DefaultMaxBadLines
	}
	im := &importer{db: db, opts: opts, res: &res}
	src := newSource(in)
	defer src.close()

	if !opts.AlwaysBatch {
		loaded, err := im.load(ctx, src)
		if loaded || err != nil {
			return res, err
		}
	}
	return res, im.batches(ctx, src)
}

type importer struct {
	db   *store.DB
	opts Options
	res  *Result
}

// load loads an empty table in one transaction, or reports loaded false
// having read nothing when the table has rows.
func (im *importer) load(ctx context.Context, src *source) (loaded bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		started bool
		openErr error
		rows    = make(chan []store.Interaction, 4)
		done    = make(chan struct{})
		scanned scanResult
		scanErr error
	)
	next := func() ([]store.Interaction, error) {
		if !started {
			started = true
			r, err := im.newReader(src.first(false))
			if err != nil {
				openErr = err
				return nil, err
			}
			go func() {
				defer close(done)
				defer close(rows)
				scanned, scanErr = im.scan(ctx, r, scanOptions{
					phase: PhaseImport, emit: sender(ctx, rows),
					stopEmitting: !im.opts.SkipInvalid,
				})
			}()
		}
		if batch, ok := <-rows; ok {
			return batch, nil
		}
		<-done
		switch {
		case scanErr != nil:
			return nil, scanErr
		case scanned.invalid > 0 && !im.opts.SkipInvalid:
			return nil, ErrInvalidRows
		}
		im.progress(Progress{Phase: PhaseIndex, Rows: scanned.read, Bytes: scanned.bytes})
		return nil, io.EOF
	}

	inserted, duplicates, err := im.db.Load(ctx, next)
	if started && openErr == nil {
		cancel()
		for range rows {
		}
		<-done
		im.res.Read, im.res.Invalid, im.res.Bad = scanned.read, scanned.invalid, scanned.bad
	}
	switch {
	case errors.Is(err, store.ErrNotEmpty) && !started:
		return false, nil
	case openErr != nil:
		return false, openErr
	case errors.Is(err, ErrInvalidRows):
		return false, ErrInvalidRows
	case err != nil:
		return false, err
	}
	im.res.Inserted, im.res.AlreadyPresent, im.res.Loaded = inserted, duplicates, true
	return true, nil
}

// batches stores the input in transactions of BatchSize rows, having first
// checked all of it unless invalid rows are to be skipped.
func (im *importer) batches(ctx context.Context, src *source) error {
	strict := !im.opts.SkipInvalid
	in, err := src.first(strict)
	if err != nil {
		return err
	}
	if strict {
		r, err := im.newReader(in, nil)
		if err != nil {
			return err
		}
		checked, err := im.scan(ctx, r, scanOptions{phase: PhaseCheck})
		if err != nil {
			return err
		}
		im.res.Read, im.res.Invalid, im.res.Bad = checked.read, checked.invalid, checked.bad
		if checked.invalid > 0 {
			return ErrInvalidRows
		}
		if in, err = src.again(); err != nil {
			return err
		}
	}
	r, err := im.newReader(in, nil)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows := make(chan []store.Interaction, 1)
	var (
		scanned scanResult
		scanErr error
	)
	go func() {
		defer close(rows)
		scanned, scanErr = im.scan(ctx, r, scanOptions{
			phase: PhaseImport, size: im.opts.BatchSize, emit: sender(ctx, rows), failOnInvalid: strict,
		})
	}()
	var insertErr error
	for batch := range rows {
		if insertErr != nil {
			continue
		}
		n, err := im.db.InsertBatch(ctx, batch)
		if err != nil {
			insertErr = err
			cancel()
			continue
		}
		im.res.Inserted += n
		im.res.AlreadyPresent += len(batch) - n
	}
	if insertErr != nil {
		return insertErr
	}
	if scanErr != nil {
		return scanErr
	}
	im.res.Read, im.res.Invalid, im.res.Bad = scanned.read, scanned.invalid, scanned.bad
	return nil
}

func (im *importer) newReader(in io.Reader, err error) (Reader, error) {
	if err != nil {
		return nil, err
	}
	if im.opts.Format == CSV {
		return NewCSVReader(in)
	}
	return NewJSONLReader(in), nil
}

func (im *importer) progress(p Progress) {
	if im.opts.Progress != nil {
		im.opts.Progress(p)
	}
}

type scanOptions struct {
	phase Phase
	// size is how many valid rows emit gets at a time; when 0, it gets
	// the valid rows of each chunk as they come.
	size int
	// emit, when set, gets the valid rows.
	emit func([]store.Interaction) error
	// stopEmitting stops emitting rows at the first invalid one, since
	// none will be stored; reading goes on to find every invalid row.
	stopEmitting bool
	// failOnInvalid makes an invalid row an error: the input was checked
	// before, and it has changed since.
	failOnInvalid bool
}

type scanResult struct {
	read, invalid int
	bad           []BadLine
	bytes         int64
}

// scanChunk is how many rows the reading goroutine hands a worker at once.
const scanChunk = 512

// row is one row as read, before decoding and checking.
type row struct {
	line int
	raw  string // a JSON line still to decode, or ""
	rec  Record // the row read, when raw is ""
	err  error  // why the row could not be read
}

// chunk is a run of consecutive rows, checked by a worker.
type chunk struct {
	rows   []row
	jsonl  bool  // the rows are JSON lines still to decode
	offset int64 // bytes of the input read up to the end of the chunk
	err    error // an error that ends the input after these rows
	done   chan struct{}

	valid []store.Interaction
	// invalid[i] is why rows[i] is invalid, or nil.
	invalid []error
}

// scan reads every row of r, decoding and checking each, and handles them
// in input order. Decoding and checking cost about what SQLite spends
// storing a row, so they run on every core: one goroutine reads, workers
// check whole chunks, and scan itself takes the chunks back in order.
func (im *importer) scan(ctx context.Context, r Reader, o scanOptions) (res scanResult, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *chunk, workers)
	ordered := make(chan *chunk, 2*workers)
	go readChunks(ctx, r, work, ordered)
	for range workers {
		go func() {
			for c := range work {
				c.check()
			}
		}()
	}
	defer func() {
		// Let the reader and the workers finish before returning.
		cancel()
		for c := range ordered {
			<-c.done
		}
	}()

	var batch []store.Interaction
	flush := func() error {
		if len(batch) == 0 || o.emit == nil {
			return nil
		}
		err := o.emit(batch)
		batch = nil
		return err
	}
	nextProgress := progressEvery
	for c := range ordered {
		<-c.done
		for i, rw := range c.rows {
			res.read++
			why := c.invalid[i]
			if why == nil {
				continue
			}
			if o.failOnInvalid {
				return res, fmt.Errorf("line %d changed after it was checked: %w", rw.line, why)
			}
			res.invalid++
			bad := BadLine{Line: rw.line, Reason: why.Error()}
			if len(res.bad) < im.opts.MaxBadLines {
				res.bad = append(res.bad, bad)
			}
			if im.opts.BadLine != nil {
				im.opts.BadLine(bad)
			}
			if o.stopEmitting {
				o.emit, batch = nil, nil
			}
		}
		if o.size == 0 && o.emit != nil && len(c.valid) > 0 {
			if err := o.emit(c.valid); err != nil {
				return res, err
			}
		}
		for _, it := range c.valid {
			if o.emit == nil || o.size == 0 {
				break
			}
			if batch == nil {
				batch = make([]store.Interaction, 0, o.size)
			}
			batch = append(batch, it)
			if len(batch) == o.size {
				if err := flush(); err != nil {
					return res, err
				}
			}
		}
		res.bytes = c.offset
		if c.err != nil {
			return res, c.err
		}
		if res.read >= nextProgress {
			nextProgress = res.read + progressEvery
			im.progress(Progress{Phase: o.phase, Rows: res.read, Bytes: res.bytes})
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	im.progress(Progress{Phase: o.phase, Rows: res.read, Bytes: res.bytes})
	return res, flush()
}

// readChunks reads r into chunks, handing each to a worker on work and,
// in order, to scan on ordered.
func readChunks(ctx context.Context, r Reader, work, ordered chan<- *chunk) {
	defer close(ordered)
	defer close(work)
	jsonl, _ := r.(*JSONLReader)
	textSize := 0
	for {
		c := &chunk{rows: make([]row, 0, scanChunk), jsonl: jsonl != nil, done: make(chan struct{})}
		// The JSON lines of a chunk share one string rather than costing
		// an allocation each; ends[i] is where rows[i]'s ends in it.
		var text strings.Builder
		var ends []int
		if jsonl != nil {
			text.Grow(textSize)
			ends = make([]int, 0, scanChunk)
		}
		for len(c.rows) < scanChunk {
			var rw row
			var err error
			if jsonl != nil {
				var raw []byte
				raw, rw.line, err = jsonl.next()
				text.Write(raw)
				ends = append(ends, text.Len())
			} else {
				rw.rec, rw.line, err = r.Read()
			}
			var invalid *store.InvalidError
			if errors.As(err, &invalid) {
				rw.err, err = err, nil
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					c.err = err
				}
				break
			}
			c.rows = append(c.rows, rw)
		}
		if jsonl != nil {
			all, start := text.String(), 0
			for i := range c.rows {
				c.rows[i].raw, start = all[start:ends[i]], ends[i]
			}
			textSize = len(all) + len(all)/8
		}
		c.offset = r.Offset()
		last := c.err != nil || len(c.rows) < scanChunk
		select {
		case ordered <- c:
		case <-ctx.Done():
			return
		}
		work <- c
		if last {
			return
		}
	}
}

// check decodes and checks the chunk's rows.
func (c *chunk) check() {
	defer close(c.done)
	c.invalid = make([]error, len(c.rows))
	c.valid = make([]store.Interaction, 0, len(c.rows))
	// One array for the values of the whole chunk, which its rows point
	// into, rather than an allocation a row.
	var vals [][len(keys)]string
	if c.jsonl {
		vals = make([][len(keys)]string, len(c.rows))
	}
	for i := range c.rows {
		rw := &c.rows[i]
		err := rw.err
		if err == nil && rw.raw != "" {
			rw.rec, err = parseObjectInto(rw.raw, &vals[i])
		}
		var it store.Interaction
		if err == nil {
			it, err = rw.rec.Interaction()
		}
		if err != nil {
			c.invalid[i] = err
			continue
		}
		c.valid = append(c.valid, it)
	}
}

// sender returns an emit function that hands rows over on ch.
func sender(ctx context.Context, ch chan<- []store.Interaction) func([]store.Interaction) error {
	return func(rows []store.Interaction) error {
		select {
		case ch <- rows:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// source gives the input to read once more when it must be read twice:
// by seeking back when it is a file, or from a temporary copy made during
// the first reading when it is a stream.
type source struct {
	in       io.Reader
	start    int64
	seekable bool
	spool    *os.File
}

func newSource(in io.Reader) *source {
	s := &source{in: in}
	if seeker, ok := in.(io.Seeker); ok {
		if off, err := seeker.Seek(0, io.SeekCurrent); err == nil {
			s.start, s.seekable = off, true
		}
	}
	return s
}

// first returns the input for its first reading, spooled if it will be
// read again and cannot seek.
func (s *source) first(again bool) (io.Reader, error) {
	if !again || s.seekable {
		return s.in, nil
	}
	f, err := os.CreateTemp("", "interactions-import-*.spool")
	if err != nil {
		return nil, fmt.Errorf("spool the input for a second reading: %w", err)
	}
	s.spool = f
	return io.TeeReader(s.in, f), nil
}

// again returns the input from its start once more.
func (s *source) again() (io.Reader, error) {
	switch {
	case s.spool != nil:
		if _, err := s.spool.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("read the spooled input again: %w", err)
		}
		return s.spool, nil
	case s.seekable:
		if _, err := s.in.(io.Seeker).Seek(s.start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("read the input again: %w", err)
		}
		return s.in, nil
	}
	return nil, errors.New("the input cannot be read again")
}

func (s *source) close() {
	if s.spool != nil {
		s.spool.Close()
		os.Remove(s.spool.Name())
	}
}
