package resolvers

import (
	"context"

	"github.com/interactions-api/interactions/graph"
	"github.com/interactions-api/interactions/graph/model"
)

func (r *interactionConnectionResolver) TotalCount(ctx context.Context, obj *model.InteractionConnection) (int, error) {
	return r.store.CountInteractions(ctx, obj.Count)
}

func (r *queryResolver) Interactions(ctx context.Context, accountNumber string, first *int, after *string, last *int, before *string, filter *model.InteractionFilter, orderBy *model.InteractionOrder) (*model.InteractionConnection, error) {
	req, sc, err := pageRequest(pageArgs{accountNumber, first, last, after, before, filter, orderBy})
	if err != nil {
		return nil, err
	}
	page, err := r.store.Interactions(ctx, req)
	if err != nil {
		return nil, err
	}
	return connection(sc, &req, &page), nil
}

func (r *queryResolver) Node(ctx context.Context, id string) (model.Node, error) {
	dbID, err := parseGlobalID("id", id)
	if err != nil {
		return nil, err
	}
	found, err := r.store.InteractionsByID(ctx, []int64{dbID})
	if err != nil {
		return nil, err
	}
	it, ok := found[dbID]
	if !ok {
		return nil, nil
	}
	return toModel(&it), nil
}

func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	return r.nodes(ctx, ids)
}

func (r *Resolver) InteractionConnection() graph.InteractionConnectionResolver {
	return &interactionConnectionResolver{r}
}

func (r *Resolver) Query() graph.QueryResolver { return &queryResolver{r} }

type (
	interactionConnectionResolver struct{ *Resolver }
	queryResolver                 struct{ *Resolver }
)
