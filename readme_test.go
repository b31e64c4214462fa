package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/interactions-api/interactions/auth"
	"github.com/interactions-api/interactions/store"
)

// readmeExample is a curl command from README.md and the JSON answer the
// README shows right after it.
type readmeExample struct {
	line    int
	command string
	answer  string
}

// readmeExamples returns every ```sh block whose first line runs curl,
// paired with the ```json block that follows it.
func readmeExamples(t *testing.T) []readmeExample {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	type block struct {
		line       int
		lang, body string
	}
	var blocks []block
	var cur *block
	for i, l := range strings.Split(string(raw), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(l, "```"):
			cur = &block{line: i + 1, lang: strings.TrimPrefix(l, "```")}
		case cur != nil && l == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.body += l + "\n"
		}
	}

	var out []readmeExample
	for i, b := range blocks {
		if b.lang != "sh" || !strings.HasPrefix(b.body, "curl ") {
			continue
		}
		if i+1 == len(blocks) || blocks[i+1].lang != "json" {
			t.Fatalf("README.md:%d: a curl example must be followed by a json block with its answer", b.line)
		}
		out = append(out, readmeExample{line: b.line, command: b.body, answer: blocks[i+1].body})
	}
	return out
}

// TestREADME_Examples runs the README's curl examples, as written, against
// a freshly seeded server, and compares each answer with the one shown.
func TestREADME_Examples(t *testing.T) {
	examples := readmeExamples(t)
	if len(examples) < 4 {
		t.Fatalf("found %d curl examples in README.md, expected the REST and GraphQL ones", len(examples))
	}
	// The README's write example uses the token it tells the reader to set.
	srv := startTestServerOpts(t, store.Options{Seed: true}, handlerOptions{Tokens: auth.Tokens{Write: "change-me"}})

	for _, ex := range examples {
		command := strings.ReplaceAll(ex.command, "http://localhost:8080", srv.URL)
		var stdout, stderr bytes.Buffer
		cmd := exec.Command("bash", "-c", "set -e\n"+command)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("README.md:%d: %s failed: %v\n%s", ex.line, ex.command, err, stderr.String())
			continue
		}
		var got, want any
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
			t.Errorf("README.md:%d: answer %q is not JSON: %v", ex.line, stdout.String(), err)
			continue
		}
		if err := json.Unmarshal([]byte(ex.answer), &want); err != nil {
			t.Fatalf("README.md:%d: the answer shown is not JSON: %v", ex.line, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("README.md:%d: %s\nanswered %s\nREADME shows %s", ex.line, strings.TrimSpace(ex.command),
				stdout.String(), ex.answer)
		}
	}
}
