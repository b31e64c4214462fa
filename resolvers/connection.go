package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/interactions-api/interactions/graph/model"
	"github.com/interactions-api/interactions/store"
)

// Page sizes of the interactions connection, and the most distinct values
// one filter list may hold: SQLite caps the parameters of a statement, and
// a list long enough to reach that cap is no real query.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	MaxFilterValues = 100
)

// pageArgs are the interactions field's arguments as gqlgen passes them.
type pageArgs struct {
	accountNumber string
	first, last   *int
	after, before *string
	filter        *model.InteractionFilter
	orderBy       *model.InteractionOrder
}

// pageRequest checks the arguments and turns them into a store request,
// returning with it the scope its cursors belong to.
func pageRequest(a pageArgs) (store.PageRequest, scope, error) {
	if err := store.CheckAccountNumber("accountNumber", a.accountNumber); err != nil {
		return store.PageRequest{}, scope{}, err
	}
	for _, n := range []struct {
		arg string
		v   *int
	}{{"first", a.first}, {"last", a.last}} {
		if n.v != nil && (*n.v < 0 || *n.v > MaxPageSize) {
			return store.PageRequest{}, scope{}, store.Invalid(n.arg,
				"must be between 0 and %d, got %d", MaxPageSize, *n.v)
		}
	}

	filter := toFilter(a.filter)
	for _, l := range []struct {
		arg    string
		values []string
	}{{"filter.channels", filter.Channels}, {"filter.addressedBy", filter.AddressedBy}, {"filter.reasons", filter.Reasons}} {
		if len(l.values) > MaxFilterValues {
			return store.PageRequest{}, scope{}, store.Invalid(l.arg,
				"at most %d distinct values may be given, got %d", MaxFilterValues, len(l.values))
		}
	}

	req := store.PageRequest{
		AccountNumber: a.accountNumber,
		Filter:        filter,
		Descending:    a.orderBy != nil && a.orderBy.Direction == model.OrderDirectionDesc,
		First:         a.first,
		Last:          a.last,
	}
	sc := newScope(req.AccountNumber, &req.Filter, req.Descending)
	var err error
	if req.After, err = sc.decode("after", a.after); err != nil {
		return store.PageRequest{}, scope{}, err
	}
	if req.Before, err = sc.decode("before", a.before); err != nil {
		return store.PageRequest{}, scope{}, err
	}

	if req.First == nil && req.Last == nil {
		n := DefaultPageSize
		if req.Before != nil && req.After == nil {
			req.Last = &n
		} else {
			req.First = &n
		}
	}
	return req, sc, nil
}

// interactions answers the interactions field for args. Only the page
// flags the caller wants are sure to be exact: an unwanted one may cost a
// query of its own, which the store is then told to skip.
func (r *Resolver) interactions(ctx context.Context, args pageArgs, wantPrevious, wantNext bool) (*model.InteractionConnection, error) {
	req, sc, err := pageRequest(args)
	if err != nil {
		return nil, err
	}
	req.OmitHasPreviousPage, req.OmitHasNextPage = !wantPrevious, !wantNext
	page, err := r.store.Interactions(ctx, req)
	if err != nil {
		return nil, err
	}
	return connection(sc, &req, &page), nil
}

// selectedPageFlags reports whether the GraphQL field being resolved, an
// InteractionConnection, selects pageInfo's hasPreviousPage and hasNextPage,
// under any alias or fragment and as @skip and @include leave them. Outside
// a GraphQL operation both count as selected, so a caller that does not say
// what it reads gets exact flags.
func selectedPageFlags(ctx context.Context) (previous, next bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return true, true
	}
	op := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(op, fc.Field.Selections, []string{"InteractionConnection"}) {
		if f.Name != "pageInfo" {
			continue
		}
		for _, g := range graphql.CollectFields(op, f.Selections, []string{"PageInfo"}) {
			switch g.Name {
			case "hasPreviousPage":
				previous = true
			case "hasNextPage":
				next = true
			}
		}
	}
	return previous, next
}

func connection(sc scope, req *store.PageRequest, page *store.Page) *model.InteractionConnection {
	conn := &model.InteractionConnection{
		Edges: make([]model.InteractionEdge, len(page.Interactions)),
		Nodes: make([]model.Interaction, len(page.Interactions)),
		PageInfo: &model.PageInfo{
			HasNextPage:     page.HasNextPage,
			HasPreviousPage: page.HasPreviousPage,
		},
		Count: store.CountRequest{AccountNumber: req.AccountNumber, Filter: req.Filter},
	}
	for i := range page.Interactions {
		it := &page.Interactions[i]
		conn.Nodes[i] = toModel(it)
		conn.Edges[i] = model.InteractionEdge{Cursor: sc.encode(it.Position()), Node: &conn.Nodes[i]}
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	return conn
}
