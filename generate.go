package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/interactions-api/interactions/synth"
)

// generateCmd writes synthetic interactions for demos and benchmarks.
type generateCmd struct {
	Rows     int    `name:"rows" short:"n" default:"10000" help:"Number of interactions to write."`
	Accounts int    `default:"1000" help:"Number of accounts; ACC-000001 gets about a tenth of the rows."`
	Seed     uint64 `default:"1" help:"Seed: the same flags write the same bytes."`
	Output   string `short:"o" default:"-" help:"File to write; - for standard output."`
}

func (c *generateCmd) Validate() error {
	if c.Rows < 0 {
		return fmt.Errorf("-n (--rows) must not be negative, got %d", c.Rows)
	}
	if c.Accounts < 1 {
		return fmt.Errorf("--accounts must be at least 1, got %d", c.Accounts)
	}
	return nil
}

// Run writes the file. A file is written beside its final name and renamed
// when complete, so that an interrupted run leaves no half file to import.
func (c *generateCmd) Run(ctx context.Context, out streams) error {
	opts := synth.Options{Rows: c.Rows, Accounts: c.Accounts, Seed: c.Seed}
	if c.Output == "-" {
		return synth.Write(ctxWriter{ctx, out.stdout}, opts)
	}
	f, err := os.CreateTemp(filepath.Dir(c.Output), "."+filepath.Base(c.Output)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := synth.Write(ctxWriter{ctx, f}, opts); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file readable by its owner only; an output file
	// gets the usual permissions.
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), c.Output)
}

// ctxWriter stops a write once ctx is done, so that an interrupt ends a
// long generation: the command's context, not the signal, sees it.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (w ctxWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}
