package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/interactions-api/interactions/bulk"
	"github.com/interactions-api/interactions/store"
)

// importCmd loads a file of interactions into the database.
type importCmd struct {
	DB          string `env:"INTERACTIONS_DB" default:"./interactions.db" help:"Path of the SQLite database file; created when missing."`
	Format      string `enum:"jsonl,csv,auto" default:"auto" help:"Input format: jsonl or csv. By default csv for a .csv file, else jsonl (also for standard input)."`
	SkipInvalid bool   `help:"Import the valid rows of an input that has invalid ones. Without it, one invalid row means nothing is imported."`
	BatchSize   int    `default:"5000" help:"Rows per transaction when the database already has interactions (or with --no-bulk-load); a crash keeps whole batches."`
	BulkLoad    bool   `default:"true" negatable:"" help:"Into an empty database, load everything in one transaction and build the indexes once at the end (several times faster; a crash leaves the database empty)."`
	File        string `arg:"" help:"JSON Lines or CSV file to import; - for standard input."`
}

func (c *importCmd) Validate() error {
	if c.BatchSize < 1 {
		return fmt.Errorf("--batch-size must be at least 1, got %d", c.BatchSize)
	}
	return nil
}

// Run imports the file and prints what it did.
func (c *importCmd) Run(ctx context.Context, out streams) error {
	in, size, closeIn, err := c.open()
	if err != nil {
		return err
	}
	defer closeIn()

	// Rows live only from being read until they are stored, over a heap of
	// a few megabytes, so at the default GOGC the collector would run every
	// few milliseconds; a larger ratio costs tens of megabytes and saves
	// about a twentieth of the import's CPU. A GOGC from the environment
	// still wins.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}

	db, err := store.Open(ctx, c.DB, store.Options{Seed: false})
	if err != nil {
		return err
	}
	defer db.Close()

	opts := bulk.Options{
		Format:      c.format(),
		SkipInvalid: c.SkipInvalid,
		BatchSize:   c.BatchSize,
		AlwaysBatch: !c.BulkLoad,
	}
	// Every invalid row is listed as it is found, so that a file with
	// millions of them is never held in memory, and the first show at once.
	opts.BadLine = func(b bulk.BadLine) { fmt.Fprintln(out.stderr, b) }
	var bar *importBar
	if isTerminal(out.stderr) {
		bar = newImportBar(out.stderr, size)
		opts.Progress = bar.update
		opts.BadLine = bar.badLine
	}
	res, err := bulk.Import(ctx, db, in, opts)
	if bar != nil {
		bar.close()
	}

	switch {
	case errors.Is(err, bulk.ErrInvalidRows):
		fmt.Fprintf(out.stdout, "%s\n", summary(&res))
		return fmt.Errorf("nothing imported: %d of %d rows are invalid; fix them, or import the valid ones with --skip-invalid", res.Invalid, res.Read)
	case err != nil:
		return fmt.Errorf("import %s: %w", c.File, err)
	}
	fmt.Fprintf(out.stdout, "%s\n", summary(&res))
	return nil
}

// summary is the one line an import ends with, for people and scripts.
func summary(res *bulk.Result) string {
	return fmt.Sprintf("%d rows read: %d inserted, %d already present, %d invalid, in %.2f s (%.0f rows/s)",
		res.Read, res.Inserted, res.AlreadyPresent, res.Invalid, res.Elapsed.Seconds(), res.RowsPerSecond())
}

// importStdin is what "-" reads; a variable so that tests can feed it.
var importStdin io.Reader = os.Stdin

// open opens the input and returns its size, or -1 when unknown. The
// reader is the *os.File itself, so that Import can seek in a regular file
// rather than copy it.
func (c *importCmd) open() (in io.Reader, size int64, closeIn func() error, err error) {
	in, closeIn = importStdin, func() error { return nil }
	if c.File != "-" {
		f, err := os.Open(c.File)
		if err != nil {
			return nil, 0, nil, err
		}
		in, closeIn = f, f.Close
	}
	size = -1
	if f, ok := in.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	return in, size, closeIn, nil
}

func (c *importCmd) format() bulk.Format {
	switch {
	case c.Format == "csv":
		return bulk.CSV
	case c.Format == "jsonl":
		return bulk.JSONL
	case c.File != "-" && strings.EqualFold(filepath.Ext(c.File), ".csv"):
		return bulk.CSV
	}
	return bulk.JSONL
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// importBar shows an import's progress on a terminal: bytes of the input
// read in each phase, against the file's size when it has one.
type importBar struct {
	mu    sync.Mutex
	w     io.Writer
	bar   *progressbar.ProgressBar
	phase bulk.Phase
}

func newImportBar(w io.Writer, size int64) *importBar {
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSpinnerType(14),
		// No goroutine of the bar's own redrawing the spinner, so that
		// badLine, under b.mu, is the only writer while it prints.
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
	return &importBar{w: w, bar: bar}
}

func (b *importBar) update(p bulk.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.Phase != b.phase {
		b.phase = p.Phase
		if p.Phase != bulk.PhaseIndex {
			b.bar.Reset()
		}
		b.bar.Describe(fmt.Sprintf("%-16s", p.Phase))
	}
	b.bar.Set64(p.Bytes)
}

// badLine lists an invalid row on the bar's terminal, clearing the bar
// first so that the line does not run into it; the next update draws it
// again beneath.
func (b *importBar) badLine(bad bulk.BadLine) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar.Clear()
	fmt.Fprintln(b.w, bad)
}

func (b *importBar) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar.Finish()
	b.bar.Clear()
}
