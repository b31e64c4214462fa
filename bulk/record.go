// Package bulk imports interactions from JSON Lines and CSV files: reading
// and checking each row as the recordInteraction mutation would, and
// storing them in large transactions that a crash leaves whole or absent.
package bulk

import (
	"strings"

	"github.com/interactions-api/interactions/store"
)

// The input's keys (JSON Lines) or column names (CSV): the REST route's
// names, so that its items can be imported as they are.
const (
	KeyAccountNumber = "account_number"
	KeyTimestamp     = "timestamp"
	KeyReason        = "reason"
	KeySolution      = "solution"
	KeySummary       = "summary"
	KeyChannel       = "channel"
	KeyAgentID       = "agent_id"
	KeyAddressedBy   = "addressed_by"
	KeyExternalID    = "external_id"
	// KeyID is the REST route's row id. It is accepted and ignored: the
	// database gives each imported row an id of its own.
	KeyID = "id"
)

// keys are the keys a Record holds, in the order of Record.fields.
var keys = [...]string{
	KeyAccountNumber, KeyTimestamp, KeyReason, KeySolution, KeySummary,
	KeyChannel, KeyAgentID, KeyAddressedBy, KeyExternalID,
}

// knownKeys lists every accepted key for error messages.
var knownKeys = strings.Join(keys[:], ", ") + " and " + KeyID

// keyIndex returns the position of key in keys, -2 for KeyID, or -1.
func keyIndex(key string) int {
	switch key {
	case KeyAccountNumber:
		return 0
	case KeyTimestamp:
		return 1
	case KeyReason:
		return 2
	case KeySolution:
		return 3
	case KeySummary:
		return 4
	case KeyChannel:
		return 5
	case KeyAgentID:
		return 6
	case KeyAddressedBy:
		return 7
	case KeyExternalID:
		return 8
	case KeyID:
		return -2
	}
	return -1
}

// Record is one input row as written, before any check. A nil field was
// absent, null, or (in CSV) an empty cell.
type Record struct {
	AccountNumber *string
	Timestamp     *string
	Reason        *string
	Solution      *string
	Summary       *string
	Channel       *string
	AgentID       *string
	AddressedBy   *string
	ExternalID    *string
}

// fields returns pointers to r's fields in the order of keys.
func (r *Record) fields() [len(keys)]**string {
	return [...]**string{
		&r.AccountNumber, &r.Timestamp, &r.Reason, &r.Solution, &r.Summary,
		&r.Channel, &r.AgentID, &r.AddressedBy, &r.ExternalID,
	}
}

// recordOf returns a Record whose fields point into vals where set[i].
func recordOf(vals *[len(keys)]string, set *[len(keys)]bool) Record {
	var r Record
	for i, f := range r.fields() {
		if set[i] {
			*f = &vals[i]
		}
	}
	return r
}

// restKeys maps the GraphQL input fields that store.Interaction.Check names
// to the keys of this input.
var restKeys = map[string]string{
	"accountNumber": KeyAccountNumber,
	"agentId":       KeyAgentID,
	"addressedBy":   KeyAddressedBy,
	"externalId":    KeyExternalID,
}

// enum values as this input may write them: the REST route writes channel
// in lower case and addressed_by in upper case, GraphQL both in upper case;
// either case is accepted for both.
var (
	channels    = caseMap(store.Channels)
	addressedBy = caseMap(store.AddressedByValues)
)

func caseMap(values []string) map[string]string {
	m := make(map[string]string, 2*len(values))
	for _, v := range values {
		m[v] = v
		m[strings.ToLower(v)] = v
	}
	return m
}

// Interaction checks r as the recordInteraction mutation checks its input,
// with a timestamp required, and converts it. The error is a
// *store.InvalidError whose Field is the key at fault.
func (r *Record) Interaction() (store.Interaction, error) {
	for _, req := range []struct {
		key   string
		value *string
	}{
		{KeyAccountNumber, r.AccountNumber},
		{KeyTimestamp, r.Timestamp},
		{KeyReason, r.Reason},
		{KeyChannel, r.Channel},
		{KeyAddressedBy, r.AddressedBy},
	} {
		if req.value == nil {
			return store.Interaction{}, store.Invalid(req.key, "is required")
		}
	}
	ts, err := store.ParseTime(*r.Timestamp)
	if err != nil {
		return store.Interaction{}, relabel(err, KeyTimestamp)
	}
	channel, ok := channels[*r.Channel]
	if !ok {
		return store.Interaction{}, store.Invalid(KeyChannel,
			"%q is not one of voice, chat, email, sms, social, web (in lower or upper case)", *r.Channel)
	}
	by, ok := addressedBy[*r.AddressedBy]
	if !ok {
		return store.Interaction{}, store.Invalid(KeyAddressedBy,
			"%q is not one of AGENT, BOT (in upper or lower case)", *r.AddressedBy)
	}
	it := store.Interaction{
		AccountNumber: *r.AccountNumber,
		Timestamp:     ts,
		Reason:        *r.Reason,
		Solution:      r.Solution,
		Summary:       r.Summary,
		Channel:       channel,
		AgentID:       r.AgentID,
		AddressedBy:   by,
		ExternalID:    r.ExternalID,
	}
	if err := it.Check(); err != nil {
		return store.Interaction{}, relabel(err, "")
	}
	return it, nil
}

// relabel names the input's key in an *store.InvalidError: field when the
// error names none, else the key for the GraphQL field it names.
func relabel(err error, field string) error {
	invalid, ok := err.(*store.InvalidError)
	if !ok {
		return err
	}
	out := *invalid
	switch {
	case out.Field == "":
		out.Field = field
	case restKeys[out.Field] != "":
		out.Field = restKeys[out.Field]
	}
	return &out
}
