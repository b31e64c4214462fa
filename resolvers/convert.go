package resolvers

import (
	"slices"
	"time"

	"github.com/interactions-api/interactions/graph/model"
	"github.com/interactions-api/interactions/store"
)

func toModel(it *store.Interaction) model.Interaction {
	return model.Interaction{
		ID:            globalID(it.ID),
		DatabaseID:    int(it.ID),
		AccountNumber: it.AccountNumber,
		Timestamp:     it.Timestamp,
		Reason:        it.Reason,
		Solution:      it.Solution,
		Summary:       it.Summary,
		Channel:       model.Channel(it.Channel),
		AgentID:       it.AgentID,
		AddressedBy:   model.AddressedBy(it.AddressedBy),
		ExternalID:    it.ExternalID,
	}
}

// toFilter converts the GraphQL filter, keeping the difference between an
// absent list (no condition) and an empty one (matches nothing).
func toFilter(f *model.InteractionFilter) store.Filter {
	if f == nil {
		return store.Filter{}
	}
	return store.Filter{
		Channels:    enumStrings(f.Channels),
		AddressedBy: enumStrings(f.AddressedBy),
		Reasons:     enumStrings(f.Reasons),
		AgentID:     f.AgentID,
		From:        f.From,
		To:          f.To,
	}
}

// enumStrings converts a filter list to a sorted set: repeated entries do
// not change what it matches, nor, for cursors, what query it is.
func enumStrings[E ~string](values []E) []string {
	if values == nil {
		return nil
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func unixNano(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	n := t.UnixNano()
	return &n
}
