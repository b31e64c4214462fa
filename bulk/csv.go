package bulk

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/interactions-api/interactions/store"
)

// CSVReader reads CSV with a header row naming its columns, in any order,
// with the keys of Record; the optional ones may be left out, and an "id"
// column is ignored. An empty cell is null.
type CSVReader struct {
	r *csv.Reader
	// columns maps each column to its position in keys; -2 is "id".
	columns []int
}

// NewCSVReader reads the header row of r. An error in it (an unknown,
// repeated or missing column) is returned here, as an *store.InvalidError
// when it is the header's content that is wrong.
func NewCSVReader(r io.Reader) (*CSVReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, store.Invalid("", "line 1: the input is empty; CSV needs a header row naming its columns")
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return nil, store.Invalid("", "line %d: header row: %v", perr.StartLine, perr.Err)
	}
	if err != nil {
		return nil, err
	}
	line, _ := cr.FieldPos(0)
	c := &CSVReader{r: cr, columns: make([]int, len(header))}
	var have [len(keys)]bool
	seen := make(map[string]bool, len(header))
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF")
		}
		name = strings.TrimSpace(name)
		if seen[name] {
			return nil, store.Invalid("", "line %d: column %q appears twice in the header", line, name)
		}
		seen[name] = true
		k := keyIndex(name)
		if k == -1 {
			return nil, store.Invalid("", "line %d: unknown column %q in the header; the columns are %s", line, name, knownKeys)
		}
		c.columns[i] = k
		if k >= 0 {
			have[k] = true
		}
	}
	var missing []string
	for _, k := range []int{0, 1, 2, 5, 7} {
		if !have[k] {
			missing = append(missing, keys[k])
		}
	}
	if len(missing) > 0 {
		return nil, store.Invalid("", "line %d: the header lacks the required column(s) %s", line, strings.Join(missing, ", "))
	}
	return c, nil
}

// Offset implements Reader.
func (c *CSVReader) Offset() int64 { return c.r.InputOffset() }

// Read implements Reader.
func (c *CSVReader) Read() (Record, int, error) {
	cells, err := c.r.Read()
	var perr *csv.ParseError
	switch {
	case errors.As(err, &perr) && errors.Is(perr.Err, csv.ErrFieldCount):
		return Record{}, perr.StartLine, store.Invalid("", "the row has %d fields, the header %d", len(cells), len(c.columns))
	case errors.As(err, &perr):
		return Record{}, perr.StartLine, store.Invalid("", "invalid CSV at line %d, column %d: %v", perr.Line, perr.Column, perr.Err)
	case err != nil:
		return Record{}, 0, err
	}
	line, _ := c.r.FieldPos(0)
	vals := new([len(keys)]string)
	var set [len(keys)]bool
	for i, cell := range cells {
		if k := c.columns[i]; k >= 0 && cell != "" {
			vals[k] = cell
			set[k] = true
		}
	}
	return recordOf(vals, &set), line, nil
}
