package bulk

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/interactions-api/interactions/store"
)

// MaxLineBytes bounds one input line. The longest valid row, every text at
// its limit in four-byte characters and escaped, is well under it.
const MaxLineBytes = 1 << 20

// A Reader reads the rows of one input format.
type Reader interface {
	// Read returns the next row and the line it starts on, counting from
	// 1. A *store.InvalidError describes a row that cannot be read; reading
	// goes on after it. io.EOF ends the input; any other error ends reading.
	Read() (rec Record, line int, err error)
	// Offset is how many bytes of the input have been consumed.
	Offset() int64
}

// JSONLReader reads JSON Lines: one JSON object a line, with the keys of
// Record (and "id", which is ignored). Blank lines are skipped.
type JSONLReader struct {
	br     *bufio.Reader
	line   int
	offset int64
	long   []byte
}

// NewJSONLReader returns a reader of r.
func NewJSONLReader(r io.Reader) *JSONLReader {
	return &JSONLReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Offset implements Reader.
func (r *JSONLReader) Offset() int64 { return r.offset }

// Read implements Reader.
func (r *JSONLReader) Read() (Record, int, error) {
	raw, line, err := r.next()
	if err != nil {
		return Record{}, line, err
	}
	rec, err := parseObject(string(raw))
	return rec, line, err
}

// next returns the next line that is not blank, not yet decoded, so that
// the decoding can be spread over several goroutines. The slice is valid
// until the next call.
func (r *JSONLReader) next() ([]byte, int, error) {
	for {
		raw, err := r.readLine()
		if err != nil && !errors.Is(err, errLineTooLong) {
			return nil, r.line, err
		}
		if r.line == 1 {
			raw = bytes.TrimPrefix(raw, utf8BOM)
		}
		if errors.Is(err, errLineTooLong) {
			return nil, r.line, store.Invalid("", "line is longer than %d bytes", MaxLineBytes)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			return raw, r.line, nil
		}
	}
}

var (
	utf8BOM        = []byte("\uFEFF")
	errLineTooLong = errors.New("line too long")
)

// readLine returns the next line without its line break. The slice is
// valid until the next call.
func (r *JSONLReader) readLine() ([]byte, error) {
	r.long = r.long[:0]
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.offset += int64(len(chunk))
		switch {
		case err == nil || (errors.Is(err, io.EOF) && (len(chunk) > 0 || len(r.long) > 0)):
			r.line++
			if tooLong || len(r.long)+len(chunk) > MaxLineBytes+2 {
				return nil, errLineTooLong
			}
			if len(r.long) > 0 {
				chunk = append(r.long, chunk...)
			}
			chunk = bytes.TrimSuffix(chunk, []byte("\n"))
			return bytes.TrimSuffix(chunk, []byte("\r")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			if len(r.long)+len(chunk) > MaxLineBytes+2 {
				tooLong = true
				r.long = r.long[:0]
			} else {
				r.long = append(r.long, chunk...)
			}
		default:
			return nil, err
		}
	}
}

// parseObject reads one JSON object into a Record.
func parseObject(line string) (Record, error) {
	return parseObjectInto(line, new([len(keys)]string))
}

// parseObjectInto reads one JSON object into a Record whose fields point
// into vals. String values without escapes share line's memory, so a row
// costs no allocation unless it has escapes. Unlike encoding/json it
// matches keys exactly, refuses a key given twice, and keeps invalid UTF-8
// as it is, for the checks to name the field.
func parseObjectInto(line string, vals *[len(keys)]string) (Record, error) {
	p := parser{s: line}
	var set, seen [len(keys)]bool
	seenID := false

	p.space()
	if !p.consume('{') {
		return Record{}, p.fail("a row must be a JSON object")
	}
	p.space()
	if !p.consume('}') {
		for {
			if p.peek() != '"' {
				return Record{}, p.fail("expected a key in double quotes")
			}
			key, err := p.str()
			if err != nil {
				return Record{}, err
			}
			p.space()
			if !p.consume(':') {
				return Record{}, p.fail("expected ':' after the key")
			}
			p.space()
			switch i := keyIndex(key); {
			case i == -1:
				return Record{}, store.Invalid("", "unknown key %q; the keys are %s", key, knownKeys)
			case i == -2:
				if seenID {
					return Record{}, store.Invalid("", "key %q appears twice", key)
				}
				seenID = true
				if err := p.skipValue(0); err != nil {
					return Record{}, err
				}
			default:
				if seen[i] {
					return Record{}, store.Invalid("", "key %q appears twice", key)
				}
				seen[i] = true
				switch p.peek() {
				case '"':
					if vals[i], err = p.str(); err != nil {
						return Record{}, err
					}
					set[i] = true
				case 'n':
					if !p.literal("null") {
						return Record{}, p.fail("invalid value")
					}
				default:
					kind, err := p.kind()
					if err != nil {
						return Record{}, err
					}
					return Record{}, store.Invalid(key, "must be a string or null, got %s", kind)
				}
			}
			p.space()
			if p.consume('}') {
				break
			}
			if !p.consume(',') {
				return Record{}, p.fail("expected ',' or '}' after a value")
			}
			p.space()
		}
	}
	p.space()
	if p.i < len(p.s) {
		return Record{}, p.fail("unexpected text after the object")
	}
	return recordOf(vals, &set), nil
}

// maxDepth bounds the nesting of an ignored "id" value.
const maxDepth = 64

type parser struct {
	s string
	i int
}

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) consume(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) literal(word string) bool {
	if strings.HasPrefix(p.s[p.i:], word) {
		p.i += len(word)
		return true
	}
	return false
}

func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// fail reports a syntax error at the current column.
func (p *parser) fail(what string) error {
	if p.i >= len(p.s) {
		return store.Invalid("", "invalid JSON: %s, found the end of the line", what)
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return store.Invalid("", "invalid JSON at column %d: %s, found %q", p.i+1, what, r)
}

// plain marks the bytes that a string can hold as they are: not a quote,
// a backslash or a control character.
var plain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// str reads a JSON string starting at its opening quote.
func (p *parser) str() (string, error) {
	p.i++
	start, i, s := p.i, p.i, p.s
	for i < len(s) && plain[s[i]] {
		i++
	}
	p.i = i
	switch {
	case i == len(s):
		return "", p.fail("unterminated string")
	case s[i] == '"':
		p.i++
		return s[start:i], nil
	case s[i] == '\\':
		return p.escaped(start)
	}
	return "", p.fail("a control character must be escaped in a string")
}

// escaped finishes a string that has escapes, from its first one on.
func (p *parser) escaped(start int) (string, error) {
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", p.fail("a control character must be escaped in a string")
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		p.i++
		switch e := p.peek(); e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4(p.i + 1)
			if !ok {
				return "", p.fail(`\u must be followed by four hexadecimal digits`)
			}
			p.i += 4
			if utf16.IsSurrogate(r) {
				// A lone surrogate becomes U+FFFD, as encoding/json does.
				r2, ok := p.hex4(p.i + 3)
				if ok && p.s[p.i+1] == '\\' && p.s[p.i+2] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						p.i += 6
						r = dec
					}
				}
				if utf16.IsSurrogate(r) {
					r = utf8.RuneError
				}
			}
			b.WriteRune(r)
		default:
			return "", p.fail("invalid escape")
		}
		p.i++
	}
	return "", p.fail("unterminated string")
}

// hex4 reads four hexadecimal digits at i.
func (p *parser) hex4(i int) (rune, bool) {
	if i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// kind names the JSON value at the current position, checking its syntax.
func (p *parser) kind() (string, error) {
	start := p.i
	if err := p.skipValue(0); err != nil {
		return "", err
	}
	switch c := p.s[start]; {
	case c == '{':
		return "an object", nil
	case c == '[':
		return "an array", nil
	case c == 't' || c == 'f':
		return "a boolean", nil
	default:
		return "a number", nil
	}
}

// skipValue moves past one JSON value of any kind.
func (p *parser) skipValue(depth int) error {
	if depth > maxDepth {
		return p.fail(fmt.Sprintf("values nested more than %d deep", maxDepth))
	}
	switch c := p.peek(); {
	case c == '"':
		_, err := p.str()
		return err
	case c == 'n' && p.literal("null"), c == 't' && p.literal("true"), c == 'f' && p.literal("false"):
		return nil
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	case c == '{' || c == '[':
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		p.i++
		p.space()
		if p.consume(end) {
			return nil
		}
		for {
			if c == '{' {
				if p.peek() != '"' {
					return p.fail("expected a key in double quotes")
				}
				if _, err := p.str(); err != nil {
					return err
				}
				p.space()
				if !p.consume(':') {
					return p.fail("expected ':' after the key")
				}
				p.space()
			}
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			p.space()
			if p.consume(end) {
				return nil
			}
			if !p.consume(',') {
				return p.fail(fmt.Sprintf("expected ',' or '%c'", end))
			}
			p.space()
		}
	}
	return p.fail("expected a value")
}

// number moves past a JSON number.
func (p *parser) number() error {
	p.consume('-')
	if !p.consume('0') {
		if !p.digits() {
			return p.fail("expected a digit")
		}
	}
	if p.consume('.') && !p.digits() {
		return p.fail("expected a digit after the decimal point")
	}
	if p.consume('e') || p.consume('E') {
		if !p.consume('+') {
			p.consume('-')
		}
		if !p.digits() {
			return p.fail("expected a digit in the exponent")
		}
	}
	return nil
}

func (p *parser) digits() bool {
	start := p.i
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}
