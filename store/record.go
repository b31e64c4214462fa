package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The longest text each field may hold, in characters. They are far above
// what a contact centre writes, and bound what one row can cost to store
// and to send back in a page of 100.
const (
	MaxReasonLength     = 128
	MaxAgentIDLength    = 128
	MaxExternalIDLength = 256
	MaxSolutionLength   = 4000
	MaxSummaryLength    = 16000
)

// Channels and AddressedByValues are the enum values, upper-case as stored.
var (
	Channels          = []string{"VOICE", "CHAT", "EMAIL", "SMS", "SOCIAL", "WEB"}
	AddressedByValues = []string{"AGENT", "BOT"}
)

// Check reports the first rule it breaks as an *InvalidError whose Field is
// the GraphQL input field's name (accountNumber, reason, ...).
func (it *Interaction) Check() error {
	if err := CheckAccountNumber("accountNumber", it.AccountNumber); err != nil {
		return err
	}
	if err := CheckTime(it.Timestamp); err != nil {
		return &InvalidError{Field: "timestamp", Message: err.(*InvalidError).Message}
	}
	if err := checkText("reason", it.Reason, MaxReasonLength, false); err != nil {
		return err
	}
	if strings.TrimSpace(it.Reason) == "" {
		return Invalid("reason", "must not be empty or only white space")
	}
	if !slices.Contains(Channels, it.Channel) {
		return Invalid("channel", "%q is not one of %v", it.Channel, Channels)
	}
	if !slices.Contains(AddressedByValues, it.AddressedBy) {
		return Invalid("addressedBy", "%q is not one of %v", it.AddressedBy, AddressedByValues)
	}
	for _, f := range []struct {
		name      string
		value     *string
		max       int
		multiline bool
	}{
		{"solution", it.Solution, MaxSolutionLength, true},
		{"summary", it.Summary, MaxSummaryLength, true},
		{"agentId", it.AgentID, MaxAgentIDLength, false},
		{"externalId", it.ExternalID, MaxExternalIDLength, false},
	} {
		if f.value == nil {
			continue
		}
		if err := checkText(f.name, *f.value, f.max, f.multiline); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name  string
		value *string
	}{{"agentId", it.AgentID}, {"externalId", it.ExternalID}} {
		if f.value != nil && strings.TrimSpace(*f.value) == "" {
			return Invalid(f.name, "must not be empty or only white space; leave it out instead")
		}
	}
	return nil
}

// checkText allows line breaks and tabs only in multiline fields, and no
// other control character anywhere: they have no place in these texts and
// can forge lines in logs and terminals that show them.
func checkText(field, s string, maxLen int, multiline bool) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return Invalid(field, "must be at most %d characters, got %d", maxLen, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return Invalid(field, "must not contain the control character %q", r)
		}
	}
	return nil
}

const insertInteraction = `
	INSERT INTO interactions (
		account_number, ts, reason, solution, summary,
		channel, agent_id, addressed_by, external_id
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (account_number, external_id) WHERE external_id IS NOT NULL DO NOTHING`

func insertArgs(it *Interaction) []any {
	return []any{
		it.AccountNumber, it.Timestamp.UnixNano(), it.Reason, it.Solution, it.Summary,
		it.Channel, it.AgentID, it.AddressedBy, it.ExternalID,
	}
}

// Record stores it and returns it with its ID, and created true. When the
// account already has an interaction with it's external ID, Record returns
// that one unchanged, and created false: the unique index decides, so two
// identical calls at once still make one row. The caller checks it first.
func (db *DB) Record(ctx context.Context, it Interaction) (stored Interaction, created bool, err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return Interaction{}, false, fmt.Errorf("record interaction: %w", err)
	}
	defer tx.Rollback()

	var id int64
	err = tx.QueryRowContext(ctx, insertInteraction+` RETURNING id`, insertArgs(&it)...).Scan(&id)
	switch {
	case err == nil:
		created = true
		it.ID = id
		stored = it
		stored.Timestamp = it.Timestamp.UTC()
	case errors.Is(err, sql.ErrNoRows):
		row := tx.QueryRowContext(ctx, `SELECT `+interactionColumns+` FROM interactions
			WHERE account_number = ? AND external_id = ?`, it.AccountNumber, it.ExternalID)
		if err := scanInteraction(row, &stored); err != nil {
			return Interaction{}, false, fmt.Errorf("record interaction: find existing: %w", err)
		}
	default:
		return Interaction{}, false, fmt.Errorf("record interaction: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Interaction{}, false, fmt.Errorf("record interaction: %w", err)
	}
	return stored, created, nil
}

// InsertBatch inserts rows in one transaction through one prepared
// statement, skipping those whose (account, external ID) is already stored,
// and returns how many it inserted. Either the whole batch is stored or, on
// error or a crash, none of it. The caller checks every row first.
func (db *DB) InsertBatch(ctx context.Context, rows []Interaction) (inserted int, err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("insert batch: %w", err)
	}
	defer tx.Rollback()

	stmt, err := tx.PrepareContext(ctx, insertInteraction)
	if err != nil {
		return 0, fmt.Errorf("insert batch: %w", err)
	}
	defer stmt.Close()
	for i := range rows {
		res, err := stmt.ExecContext(ctx, insertArgs(&rows[i])...)
		if err != nil {
			return 0, fmt.Errorf("insert batch: row %d: %w", i, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("insert batch: %w", err)
		}
		inserted += int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("insert batch: %w", err)
	}
	return inserted, nil
}
