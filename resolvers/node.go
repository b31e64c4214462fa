package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/interactions-api/interactions/graph/model"
	"github.com/interactions-api/interactions/store"
)

// MaxNodes is the most IDs one nodes(ids:) call may ask for.
const MaxNodes = 100

// nodes keeps the length and order of ids: each place holds its node, or
// null when the ID is unknown; a malformed ID also adds an error whose path
// names its place, so one bad ID does not fail the others.
func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > MaxNodes {
		return nil, store.Invalid("ids", "at most %d IDs may be fetched at once, got %d", MaxNodes, len(ids))
	}
	dbIDs := make([]int64, len(ids))
	valid := make([]int64, 0, len(ids))
	for i, id := range ids {
		dbID, err := parseGlobalID("ids", id)
		if err != nil {
			graphql.AddError(ctx, graphql.ErrorOnPath(
				graphql.WithPathContext(ctx, graphql.NewPathWithIndex(i)), err))
			continue
		}
		dbIDs[i] = dbID
		valid = append(valid, dbID)
	}

	found, err := r.store.InteractionsByID(ctx, valid)
	if err != nil {
		return nil, err
	}
	out := make([]model.Node, len(ids))
	for i, dbID := range dbIDs {
		if it, ok := found[dbID]; ok {
			out[i] = toModel(&it)
		}
	}
	return out, nil
}
