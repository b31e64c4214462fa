package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// healthcheckCmd asks a running server whether it is ready. The image has
// no shell or curl, so its HEALTHCHECK runs the binary itself.
type healthcheckCmd struct {
	Port    int           `env:"PORT" default:"8080" help:"Port of the server to check, on 127.0.0.1."`
	URL     string        `name:"url" help:"Full URL to check instead of http://127.0.0.1:PORT/readyz."`
	Timeout time.Duration `default:"3s" help:"How long to wait for the answer."`
}

// Run returns nil when the server answers 200, and an error saying what
// it answered otherwise, which makes the process exit 1.
func (h *healthcheckCmd) Run(ctx context.Context, out streams) error {
	url := h.URL
	if url == "" {
		url = "http://127.0.0.1:" + strconv.Itoa(h.Port) + "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	fmt.Fprintln(out.stdout, "ok")
	return nil
}
