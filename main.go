// Command interactions serves a contact centre's interaction history over
// GraphQL and a REST compatibility route, from SQLite.
package main

//go:generate go tool gqlgen generate
//go:generate go run ./internal/serialmarshal graph/generated.go

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

// cli is the command line. Each setting has one flag and one environment
// variable; the names of the variables are fixed by the API contract.
type cli struct {
	Serve       serveCmd       `cmd:"" default:"withargs" help:"Serve the GraphQL API, the REST route and the playground (the default command)."`
	Import      importCmd      `cmd:"" help:"Import interactions from a JSON Lines or CSV file (REST keys), checked as the mutation checks them."`
	Generate    generateCmd    `cmd:"" help:"Write deterministic synthetic interactions as JSON Lines, for demos and benchmarks."`
	Healthcheck healthcheckCmd `cmd:"" help:"Exit 0 when the server on this machine is ready, 1 otherwise (the image's HEALTHCHECK)."`
}

// streams are the outputs a command writes to, bound into each Run.
type streams struct {
	stdout, stderr io.Writer
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "interactions:", err)
		os.Exit(1)
	}
}

// run parses args and runs the chosen command until it ends or ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c cli
	exited := false
	parser, err := kong.New(&c,
		kong.Name("interactions"),
		kong.Description("The Interactions API: a customer's contact-centre history over GraphQL and REST."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(int) { exited = true }),
		kong.BindTo(ctx, (*context.Context)(nil)),
	)
	if err != nil {
		return err
	}
	kctx, err := parser.Parse(args)
	if exited {
		return nil // --help was printed
	}
	if err != nil {
		return err
	}
	return kctx.Run(streams{stdout: stdout, stderr: stderr})
}
