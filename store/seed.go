package store

import (
	"context"
	"fmt"
	"time"
)

// seedInteractions are the demo rows of a new database. The first two are
// the ones the original REST service's README shows for ACC-001, so its
// examples answer the same here.
var seedInteractions = []Interaction{
	{
		AccountNumber: "ACC-001", Timestamp: seedTime("2025-11-14T10:00:00Z"), Reason: "billing",
		Solution: ptr("invoice resent via email"), Summary: ptr("Customer called about missing invoice; agent resent it."),
		Channel: "VOICE", AgentID: ptr("agent-123"), AddressedBy: "AGENT",
	},
	{
		AccountNumber: "ACC-001", Timestamp: seedTime("2025-11-14T11:15:00Z"), Reason: "technical_support",
		Solution: ptr("modem rebooted and line tested"), Summary: ptr("Customer reported connectivity issues; agent rebooted modem."),
		Channel: "VOICE", AgentID: ptr("agent-456"), AddressedBy: "AGENT",
	},
	{
		AccountNumber: "ACC-001", Timestamp: seedTime("2025-11-15T09:30:00Z"), Reason: "billing",
		Solution: ptr("payment plan explained"), Summary: ptr("Customer asked in chat how to split a large bill; bot linked the payment plan page."),
		Channel: "CHAT", AddressedBy: "BOT",
	},
	{
		AccountNumber: "ACC-001", Timestamp: seedTime("2025-11-16T14:05:00Z"), Reason: "plan_change",
		Solution: ptr("upgraded to 500 Mbps plan"), Summary: ptr("Customer emailed to upgrade the plan; agent applied it from the next cycle."),
		Channel: "EMAIL", AgentID: ptr("agent-123"), AddressedBy: "AGENT",
	},
	{
		AccountNumber: "ACC-001", Timestamp: seedTime("2025-11-18T08:45:00Z"), Reason: "technical_support",
		Channel: "SMS", AddressedBy: "BOT",
	},
	{
		AccountNumber: "ACC-002", Timestamp: seedTime("2025-11-14T12:00:00Z"), Reason: "cancellation",
		Solution: ptr("retention offer accepted"), Summary: ptr("Customer wanted to cancel; agent offered three months at half price."),
		Channel: "VOICE", AgentID: ptr("agent-789"), AddressedBy: "AGENT",
	},
	{
		AccountNumber: "ACC-002", Timestamp: seedTime("2025-11-17T16:20:00Z"), Reason: "billing",
		Solution: ptr("duplicate charge refunded"), Summary: ptr("Customer reported a duplicate charge on the web form; agent refunded it."),
		Channel: "WEB", AgentID: ptr("agent-456"), AddressedBy: "AGENT",
	},
}

// seed inserts seedInteractions into a database that has no interactions,
// in one transaction, so a restart never seeds twice.
func (db *DB) seed(ctx context.Context) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer tx.Rollback()

	var seeded bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM interactions)`).Scan(&seeded); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if seeded {
		return nil
	}
	for i := range seedInteractions {
		_, err := tx.ExecContext(ctx, insertInteraction, insertArgs(&seedInteractions[i])...)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return tx.Commit()
}

func seedTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(s string) *string { return &s }
