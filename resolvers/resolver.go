// Package resolvers answers the GraphQL schema from the store. Resolvers
// stay thin: they check and convert arguments, make one store call, and
// shape the result; the SQL lives in package store.
package resolvers

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"github.com/interactions-api/interactions/graph"
	"github.com/interactions-api/interactions/store"
)

// Resolver is the root of the schema's resolvers.
type Resolver struct {
	store  *store.DB
	logger *slog.Logger
}

// New returns a Resolver reading from db and logging internal errors to logger.
func New(db *store.DB, logger *slog.Logger) *Resolver {
	return &Resolver{store: db, logger: logger}
}

// Schema returns the executable schema served by r.
func (r *Resolver) Schema() graphql.ExecutableSchema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: r, Complexity: complexity()})
}

// Page answers the REST route: the first rows after the cursor, with no
// filter and in the default order, and when rows lie beyond them the
// cursor to pass for the next page. It checks the arguments and makes
// cursors as the interactions field does, so both give the same rows and
// the same cursors, but it builds nothing the route does not return: no
// global IDs, one cursor rather than one per row, no hasPreviousPage.
func (r *Resolver) Page(ctx context.Context, account string, first int, after string) ([]store.Interaction, *string, error) {
	req, sc, err := pageRequest(pageArgs{accountNumber: account, first: &first, after: &after})
	if err != nil {
		return nil, nil, err
	}
	req.OmitHasPreviousPage = true
	page, err := r.store.Interactions(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	var next *string
	if n := len(page.Interactions); page.HasNextPage && n > 0 {
		c := sc.encode(page.Interactions[n-1].Position())
		next = &c
	}
	return page.Interactions, next, nil
}

// CursorAfterRow returns the cursor, in the REST route's query, of the
// interaction with database id in account; it is how the original
// service's {"last_id": N} cursors keep working. The error is a
// *store.InvalidError for argument when the account has no such row.
func (r *Resolver) CursorAfterRow(ctx context.Context, argument, account string, id int64) (string, error) {
	if err := store.CheckAccountNumber("accountNumber", account); err != nil {
		return "", err
	}
	pos, err := r.store.PositionOf(ctx, account, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", store.Invalid(argument, "cursor names interaction %d, which is not one of account %s's", id, account)
	}
	if err != nil {
		return "", err
	}
	return newScope(account, &store.Filter{}, false).encode(pos), nil
}
