package resolvers

import (
	"errors"

	"github.com/interactions-api/interactions/graph/model"
	"github.com/interactions-api/interactions/store"
)

// fromInput converts the mutation's input; a missing timestamp is now.
func (r *Resolver) fromInput(in *model.RecordInteractionInput) store.Interaction {
	it := store.Interaction{
		AccountNumber: in.AccountNumber,
		Reason:        in.Reason,
		Solution:      in.Solution,
		Summary:       in.Summary,
		Channel:       string(in.Channel),
		AgentID:       in.AgentID,
		AddressedBy:   string(in.AddressedBy),
		ExternalID:    in.ExternalID,
	}
	if in.Timestamp != nil {
		it.Timestamp = *in.Timestamp
	} else {
		it.Timestamp = r.store.Now().UTC()
	}
	return it
}

// inInput moves an *store.InvalidError under the argument "input", so that
// its field reads as the client wrote it: input.reason.
func inInput(err error) error {
	var invalid *store.InvalidError
	if errors.As(err, &invalid) && invalid.Field != "" {
		return &store.InvalidError{Field: "input." + invalid.Field, Message: invalid.Message}
	}
	return err
}
