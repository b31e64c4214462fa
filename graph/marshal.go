package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSliceSerially takes the place of graphql.MarshalSliceConcurrently
// in generated.go (go generate rewrites the calls; see
// internal/serialmarshal). gqlgen starts a goroutine per list element, and
// for this schema's elements, plain structs with no resolver behind their
// fields, starting and growing those goroutines' stacks cost more than
// marshalling the element itself. Here the elements are marshalled in order
// on the calling goroutine, each with the FieldContext (Index i) and panic
// recovery that gqlgen gives it, so paths, errors and null propagation are
// what they were. The signature is gqlgen's, so that the rewrite only
// renames the function; workerLimit bounds goroutines, and there are none.
//
// Were a list element to get a field whose resolver waits (on the store,
// say), its elements would wait one after another, where gqlgen's function
// lets them wait together: such a field wants a dataloader, or this
// function a second look.
func marshalSliceSerially(
	ctx context.Context,
	length int,
	workerLimit int64,
	omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	_ = workerLimit
	ret := make(graphql.Array, length)
	// One allocation each for every element's index and FieldContext: the
	// context chain of element i keeps &indexes[i] and &fcs[i] alive, and
	// they hold nothing that outlives the response.
	indexes := make([]int, length)
	fcs := make([]graphql.FieldContext, length)
	for i := range ret {
		indexes[i] = i
		fcs[i].Index = &indexes[i]
		elemCtx := graphql.WithFieldContext(ctx, &fcs[i])
		if omitPanicHandler {
			ret[i] = marshalElement(elemCtx, i)
		} else {
			ret[i] = marshalRecovering(elemCtx, i, marshalElement)
		}
	}
	return ret
}

// marshalRecovering marshals element i, turning a panic into an error on
// the element's path and a null in its place: one bad element of a nullable
// list then leaves the others intact.
func marshalRecovering(ctx context.Context, i int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshalElement(ctx, i)
}
