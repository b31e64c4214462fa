// Package synth writes synthetic interactions for demos and benchmarks: a
// deterministic JSON Lines file in the REST route's keys, shaped like a
// contact centre's export rather than like uniform noise, so that what is
// measured on it (index locality, page sizes, the skew of one big account)
// resembles production.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Options describe the file to write.
type Options struct {
	// Rows is how many interactions to write.
	Rows int
	// Accounts is how many distinct account numbers they spread over. The
	// first, ACC-000001, holds about a tenth of the rows; the rest share the
	// remainder with a skew towards the lower numbers.
	Accounts int
	// Seed selects the data: the same options give the same bytes.
	Seed uint64
}

// End is the instant the generated history stops; it spans the two years
// before. A fixed date keeps the output independent of when it is made.
var End = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)

// Start is where the history begins.
var Start = End.AddDate(-2, 0, 0)

// NumAgents is how many agents (agent-001 onwards) take the human contacts.
const NumAgents = 150

// Shares of the rows with a special shape, in per mille.
const (
	bigAccountShare = 100 // ACC-000001
	repeatedTime    = 30  // same instant as the row before
	offsetZone      = 100 // written with a UTC offset instead of Z
	millisecond     = 200 // carrying milliseconds
	pendingShare    = 50  // neither summary nor solution yet
	unsolvedShare   = 40  // a summary but no solution
)

// Write writes opts.Rows interactions to w, one JSON object a line, in
// timestamp order as a source system would export them. Every key is
// present, null where there is no value; channel is lower-case and
// addressed_by upper-case, as the REST route writes them.
func Write(w io.Writer, opts Options) error {
	if opts.Rows < 0 {
		return fmt.Errorf("synth: rows must not be negative, got %d", opts.Rows)
	}
	if opts.Accounts < 1 {
		return fmt.Errorf("synth: accounts must be at least 1, got %d", opts.Accounts)
	}
	g := &generator{
		rng:  rand.New(rand.NewPCG(opts.Seed, 0x1d7a_5e3c_9b20_4f61)),
		opts: opts,
	}
	// The external IDs are a bijection of the row number, so they are
	// unique without a set, and the seed moves them so that two files made
	// with different seeds do not collide when imported into one database.
	g.extOffset = g.rng.Uint64() & extMask

	times := g.times()
	bw := bufio.NewWriterSize(w, 1<<16)
	line := make([]byte, 0, 1024)
	for i, t := range times {
		line = g.appendRow(line[:0], i, t)
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

type generator struct {
	rng       *rand.Rand
	opts      Options
	extOffset uint64
}

// times draws one instant per row over the two years, weighted towards
// working hours and days as a contact centre's traffic is, sorted, with a
// share of rows repeating the instant before them exactly.
func (g *generator) times() []int64 {
	days := int(End.Sub(Start).Hours() / 24)
	out := make([]int64, g.opts.Rows)
	for i := range out {
		var day time.Time
		for {
			day = Start.AddDate(0, 0, g.rng.IntN(days))
			wd := day.Weekday()
			if (wd != time.Saturday && wd != time.Sunday) || g.rng.IntN(100) < 35 {
				break
			}
		}
		t := day.Add(time.Duration(pick(g.rng, hourWeights[:])) * time.Hour).
			Add(time.Duration(g.rng.IntN(3600)) * time.Second)
		if g.rng.IntN(1000) < millisecond {
			t = t.Add(time.Duration(1+g.rng.IntN(999)) * time.Millisecond)
		}
		out[i] = t.UnixNano()
	}
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if g.rng.IntN(1000) < repeatedTime {
			out[i] = out[i-1]
		}
	}
	return out
}

// hourWeights is the share of contacts starting in each hour of the day.
var hourWeights = [24]int{
	1, 1, 1, 1, 1, 2, 4, 10, 30, 45, 50, 48,
	40, 44, 46, 42, 36, 28, 20, 14, 10, 6, 3, 2,
}

// extMask bounds external IDs to 48 bits: twelve hexadecimal digits.
const extMask = 1<<48 - 1

// externalID is a bijection of i on 48 bits (an odd multiplier and an
// offset, modulo 2^48), so distinct rows never share an ID.
func (g *generator) externalID(i int) uint64 {
	return (uint64(i)*0x9e37_79b9_7f4b + g.extOffset) & extMask
}

func (g *generator) account() int {
	if g.opts.Accounts == 1 || g.rng.IntN(1000) < bigAccountShare {
		return 1
	}
	// Squaring a uniform draw favours the low numbers: a few busy accounts,
	// a long tail of quiet ones.
	u := g.rng.Float64()
	return 2 + int(u*u*float64(g.opts.Accounts-1))
}

func (g *generator) appendRow(b []byte, i int, ts int64) []byte {
	r := g.rng
	reason := &reasons[pick(r, reasonWeights[:])]
	ch := &channels[pick(r, channelWeights[:])]
	bot := r.IntN(100) < ch.botPercent*reason.botFactor/100

	b = append(b, `{"account_number":"ACC-`...)
	b = appendPadded(b, g.account(), 6)
	b = append(b, `","timestamp":"`...)
	b = appendTime(b, r, ts)
	b = append(b, `","reason":`...)
	b = appendJSONString(b, reason.name)

	var solution, summary string
	switch n := r.IntN(1000); {
	case n < pendingShare:
	case n < pendingShare+unsolvedShare:
		summary = fill(r, reason.summaries[r.IntN(len(reason.summaries))], ch.name, bot)
	default:
		summary = fill(r, reason.summaries[r.IntN(len(reason.summaries))], ch.name, bot)
		solution = fill(r, reason.solutions[r.IntN(len(reason.solutions))], ch.name, bot)
	}
	if summary != "" && ch.name == "email" && r.IntN(4) == 0 {
		summary = "Subject: " + reason.subject + "\n\n" + summary
	}
	b = append(b, `,"solution":`...)
	b = appendOptional(b, solution)
	b = append(b, `,"summary":`...)
	b = appendOptional(b, summary)
	b = append(b, `,"channel":"`...)
	b = append(b, ch.name...)
	b = append(b, `","agent_id":`...)
	if bot {
		b = append(b, `null,"addressed_by":"BOT"`...)
	} else {
		// Squared like the accounts: senior agents take more contacts.
		u := r.Float64()
		b = append(b, `"agent-`...)
		b = appendPadded(b, 1+int(u*u*NumAgents), 3)
		b = append(b, `","addressed_by":"AGENT"`...)
	}
	b = append(b, `,"external_id":"`...)
	b = append(b, ch.extPrefix...)
	b = appendHex12(b, g.externalID(i))
	b = append(b, "\"}\n"...)
	return b
}

var zones = []*time.Location{
	time.FixedZone("", 1*3600),
	time.FixedZone("", 2*3600),
	time.FixedZone("", -5*3600),
	time.FixedZone("", 5*3600+1800),
}

// appendTime writes ts in RFC 3339, mostly in UTC with Z and sometimes in
// a local offset, as exports from several sites would.
func appendTime(b []byte, r *rand.Rand, ts int64) []byte {
	t := time.Unix(0, ts).UTC()
	if r.IntN(1000) < offsetZone {
		t = t.In(zones[r.IntN(len(zones))])
	}
	return t.AppendFormat(b, time.RFC3339Nano)
}

func appendPadded(b []byte, n, width int) []byte {
	for range width - digits(n) {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(n), 10)
}

func digits(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

func appendHex12(b []byte, v uint64) []byte {
	const hex = "0123456789abcdef"
	for shift := 44; shift >= 0; shift -= 4 {
		b = append(b, hex[(v>>shift)&0xf])
	}
	return b
}

func appendOptional(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendJSONString quotes s for JSON. The texts come from the templates
// below, valid UTF-8, so only quotes, backslashes and control characters
// need escaping.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			_, size := utf8.DecodeRuneInString(s[i:])
			b = append(b, s[i:i+size]...)
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}

// pick returns an index into weights, each drawn in proportion to its
// weight.
func pick(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}
