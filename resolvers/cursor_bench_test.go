package resolvers

import (
	"testing"
	"time"

	"github.com/interactions-api/interactions/store"
)

var (
	benchPosition = store.Position{Time: time.Date(2025, 11, 14, 10, 0, 0, 123456789, time.UTC).UnixNano(), ID: 987654}
	benchSink     string
)

func BenchmarkCursorEncode(b *testing.B) {
	sc := newScope("ACC-000001", &store.Filter{}, false)
	b.ReportAllocs()
	for b.Loop() {
		benchSink = sc.encode(benchPosition)
	}
}

func BenchmarkCursorDecode(b *testing.B) {
	sc := newScope("ACC-000001", &store.Filter{}, false)
	c := sc.encode(benchPosition)
	b.ReportAllocs()
	for b.Loop() {
		p, err := sc.decode("after", &c)
		if err != nil || *p != benchPosition {
			b.Fatal(p, err)
		}
	}
}

// newScope runs once per page request (a SHA-256 of the account and filter).
func BenchmarkCursorNewScope(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = newScope("ACC-000001", &store.Filter{}, false)
	}
}

func BenchmarkCursorNewScope_Filtered(b *testing.B) {
	agent := "agent-123"
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := store.Filter{Channels: []string{"VOICE", "EMAIL", "CHAT"}, AddressedBy: []string{"AGENT"}, Reasons: []string{"billing"}, AgentID: &agent, From: &from}
	b.ReportAllocs()
	for b.Loop() {
		_ = newScope("ACC-000001", &f, false)
	}
}

// A page's cursors: one encode per edge, 20 to a page.
func BenchmarkCursorEncode_Page20(b *testing.B) {
	sc := newScope("ACC-000001", &store.Filter{}, false)
	b.ReportAllocs()
	for b.Loop() {
		for i := range 20 {
			benchSink = sc.encode(store.Position{Time: benchPosition.Time + int64(i), ID: benchPosition.ID + int64(i)})
		}
	}
}
