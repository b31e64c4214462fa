package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Interaction is one contact between a customer account and the contact
// centre. Channel and AddressedBy hold the upper-case enum names ("VOICE",
// "AGENT"); nil pointers are absent values.
type Interaction struct {
	ID            int64
	AccountNumber string
	Timestamp     time.Time
	Reason        string
	Solution      *string
	Summary       *string
	Channel       string
	AgentID       *string
	AddressedBy   string
	ExternalID    *string
}

// Position is a place in an account's ordered interactions: a timestamp in
// Unix nanoseconds and the id that breaks ties. It need not be a row that
// exists, so a cursor outlives the row it was made from.
type Position struct {
	Time int64
	ID   int64
}

// Position returns the place of i in its account's order.
func (i *Interaction) Position() Position {
	return Position{Time: i.Timestamp.UnixNano(), ID: i.ID}
}

// Filter narrows an account's interactions. A nil list places no condition;
// a non-nil empty list matches nothing. From is inclusive, To exclusive.
type Filter struct {
	Channels    []string
	AddressedBy []string
	Reasons     []string
	AgentID     *string
	From        *time.Time
	To          *time.Time
}

// matchesNothing reports whether a given-but-empty list rules out every row.
func (f *Filter) matchesNothing() bool {
	return isEmptyList(f.Channels) || isEmptyList(f.AddressedBy) || isEmptyList(f.Reasons)
}

func isEmptyList(l []string) bool { return l != nil && len(l) == 0 }

// PageRequest asks for one page of a connection, as the Relay algorithm
// defines it: W is the filtered set strictly between After and Before (each
// optional) in the requested order; the page is W cut to its first First
// elements, then to the last Last of those. At least one of First and Last
// must be set; the caller applies defaults and bounds.
type PageRequest struct {
	AccountNumber string
	Filter        Filter
	Descending    bool
	After         *Position
	Before        *Position
	First         *int
	Last          *int

	// OmitHasPreviousPage and OmitHasNextPage say that the caller will not
	// read that flag of the Page. A flag the page's own rows answer is set
	// all the same; one that would take a query of its own (HasPreviousPage
	// of a page read forward from After, HasNextPage of one read backward
	// from Before) is left false and the query is not run.
	OmitHasPreviousPage bool
	OmitHasNextPage     bool
}

// Page is the result of a PageRequest, with exact page information: the
// flags say whether rows lie beyond the page in W or, where the request has
// no limit on that side, beyond its cursor in the filtered set. A flag the
// request omits may be false regardless.
type Page struct {
	Interactions    []Interaction
	HasNextPage     bool
	HasPreviousPage bool
}

// CountRequest names a filtered set of one account's interactions.
type CountRequest struct {
	AccountNumber string
	Filter        Filter
}

const interactionColumns = `id, account_number, ts, reason, solution, summary,
	channel, agent_id, addressed_by, external_id`

// Interactions returns the page that req asks for. Every query it runs is a
// seek on the (account_number, ts, id) index; none uses OFFSET.
func (db *DB) Interactions(ctx context.Context, req PageRequest) (Page, error) {
	if req.First == nil && req.Last == nil {
		return Page{}, errors.New("list interactions: neither first nor last is set")
	}
	if req.Filter.matchesNothing() {
		return Page{}, nil
	}

	base := newWhere(req.AccountNumber, &req.Filter)
	window := base.clone()
	if req.After != nil {
		window.seek(req.Descending, ">", *req.After)
	}
	if req.Before != nil {
		window.seek(req.Descending, "<", *req.Before)
	}

	var page Page
	if req.First != nil {
		rows, err := db.list(ctx, window, req.Descending, *req.First+1)
		if err != nil {
			return Page{}, err
		}
		page.HasNextPage = len(rows) > *req.First
		rows = rows[:min(len(rows), *req.First)]
		if req.Last != nil {
			page.HasPreviousPage = len(rows) > *req.Last
			rows = rows[len(rows)-min(len(rows), *req.Last):]
		} else if req.After != nil && !req.OmitHasPreviousPage {
			page.HasPreviousPage, err = db.exists(ctx, base.clone().seek(req.Descending, "<=", *req.After))
			if err != nil {
				return Page{}, err
			}
		}
		page.Interactions = rows
		return page, nil
	}

	// Only last: read W backwards from its end, then restore the order.
	rows, err := db.list(ctx, window, !req.Descending, *req.Last+1)
	if err != nil {
		return Page{}, err
	}
	page.HasPreviousPage = len(rows) > *req.Last
	rows = rows[:min(len(rows), *req.Last)]
	slices.Reverse(rows)
	if req.Before != nil && !req.OmitHasNextPage {
		page.HasNextPage, err = db.exists(ctx, base.clone().seek(req.Descending, ">=", *req.Before))
		if err != nil {
			return Page{}, err
		}
	}
	page.Interactions = rows
	return page, nil
}

// CountInteractions returns the size of the filtered set req names.
func (db *DB) CountInteractions(ctx context.Context, req CountRequest) (int, error) {
	if req.Filter.matchesNothing() {
		return 0, nil
	}
	w := newWhere(req.AccountNumber, &req.Filter)
	var n int
	err := db.queryRowRead(ctx, `SELECT count(*) FROM interactions WHERE `+w.String(), w.args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count interactions: %w", err)
	}
	return n, nil
}

// InteractionsByID returns the interactions among ids that exist, keyed by id.
func (db *DB) InteractionsByID(ctx context.Context, ids []int64) (map[int64]Interaction, error) {
	found := make(map[int64]Interaction, len(ids))
	if len(ids) == 0 {
		return found, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	query := `SELECT ` + interactionColumns + ` FROM interactions WHERE id IN (` + placeholders(len(ids)) + `)`
	rows, err := db.queryRead(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("get interactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it Interaction
		if err := scanInteraction(rows, &it); err != nil {
			return nil, fmt.Errorf("get interactions: %w", err)
		}
		found[it.ID] = it
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get interactions: %w", err)
	}
	return found, nil
}

// PositionOf returns the position of interaction id in account's order, or
// ErrNotFound when the account has no interaction with that id.
func (db *DB) PositionOf(ctx context.Context, account string, id int64) (Position, error) {
	pos := Position{ID: id}
	err := db.queryRowRead(ctx,
		`SELECT ts FROM interactions WHERE id = ? AND account_number = ?`, id, account).Scan(&pos.Time)
	if errors.Is(err, sql.ErrNoRows) {
		return Position{}, ErrNotFound
	}
	if err != nil {
		return Position{}, fmt.Errorf("find interaction position: %w", err)
	}
	return pos, nil
}

func (db *DB) list(ctx context.Context, w *where, descending bool, limit int) ([]Interaction, error) {
	dir := "ASC"
	if descending {
		dir = "DESC"
	}
	query := `SELECT ` + interactionColumns + ` FROM interactions WHERE ` + w.String() +
		` ORDER BY ts ` + dir + `, id ` + dir + ` LIMIT ?`
	rows, err := db.queryRead(ctx, query, append(w.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list interactions: %w", err)
	}
	defer rows.Close()

	out := make([]Interaction, 0, min(limit, 101))
	for rows.Next() {
		out = append(out, Interaction{})
		if err := scanInteraction(rows, &out[len(out)-1]); err != nil {
			return nil, fmt.Errorf("list interactions: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list interactions: %w", err)
	}
	return out, nil
}

func (db *DB) exists(ctx context.Context, w *where) (bool, error) {
	var found bool
	err := db.queryRowRead(ctx,
		`SELECT EXISTS (SELECT 1 FROM interactions WHERE `+w.String()+`)`, w.args...).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("look for interactions beyond cursor: %w", err)
	}
	return found, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

func scanInteraction(rows scanner, it *Interaction) error {
	var ts int64
	err := rows.Scan(&it.ID, &it.AccountNumber, &ts, &it.Reason, &it.Solution, &it.Summary,
		&it.Channel, &it.AgentID, &it.AddressedBy, &it.ExternalID)
	it.Timestamp = time.Unix(0, ts).UTC()
	return err
}

// where is a conjunction of SQL conditions with their arguments.
type where struct {
	conds []string
	args  []any
}

func newWhere(account string, f *Filter) *where {
	w := &where{}
	w.add("account_number = ?", account)
	w.in("channel", f.Channels)
	w.in("addressed_by", f.AddressedBy)
	w.in("reason", f.Reasons)
	if f.AgentID != nil {
		w.add("agent_id = ?", *f.AgentID)
	}
	if f.From != nil {
		w.add("ts >= ?", f.From.UnixNano())
	}
	if f.To != nil {
		w.add("ts < ?", f.To.UnixNano())
	}
	return w
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) in(column string, values []string) {
	if values == nil {
		return
	}
	w.conds = append(w.conds, column+" IN ("+placeholders(len(values))+")")
	for _, v := range values {
		w.args = append(w.args, v)
	}
}

// seek keeps the rows on one side of p in the given order: op is written as
// for ascending order ("after" is ">") and flipped for descending.
func (w *where) seek(descending bool, op string, p Position) *where {
	if descending {
		op = strings.NewReplacer("<", ">", ">", "<").Replace(op)
	}
	// SQLite bounds an index range by one condition per side. Offered the
	// filter's from (or to) and a cursor on the same side, it picks the
	// filter's and reads every row from there to the cursor, so a page
	// would cost more the deeper it lies. The "+" keeps the filter's bound
	// as a plain test and leaves the range to the cursor.
	bound := "ts < ?"
	if op[0] == '>' {
		bound = "ts >= ?"
	}
	if i := slices.Index(w.conds, bound); i >= 0 {
		w.conds[i] = "+" + bound
	}
	w.add("(ts, id) "+op+" (?, ?)", p.Time, p.ID)
	return w
}

func (w *where) clone() *where {
	return &where{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
