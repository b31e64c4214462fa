package main

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// These tests read the Dockerfile with BuildKit's own parser, so continued
// lines, flags and JSON forms are understood as docker build understands
// them. They check the promises the image makes to its users without
// building it; .ci/docker-smoke.sh builds and runs it.

// dockerfileStage is one FROM and the instructions that follow it.
type dockerfileStage struct {
	from         *parser.Node
	instructions []*parser.Node
}

// dockerfileParsed is the Dockerfile split into the ARGs before the first
// FROM, which only FROM lines can use, and its stages.
type dockerfileParsed struct {
	metaArgs []*parser.Node
	stages   []dockerfileStage
}

func dockerfileParse(tb testing.TB) dockerfileParsed {
	tb.Helper()
	f, err := os.Open("Dockerfile")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		tb.Fatalf("parse Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		tb.Errorf("Dockerfile: %s", w.Short)
	}

	var p dockerfileParsed
	for _, n := range res.AST.Children {
		switch {
		case strings.EqualFold(n.Value, "from"):
			p.stages = append(p.stages, dockerfileStage{from: n})
		case len(p.stages) == 0 && strings.EqualFold(n.Value, "arg"):
			p.metaArgs = append(p.metaArgs, n)
		case len(p.stages) > 0:
			last := &p.stages[len(p.stages)-1]
			last.instructions = append(last.instructions, n)
		}
	}
	if len(p.stages) == 0 {
		tb.Fatal("Dockerfile has no FROM")
	}
	return p
}

// dockerfileWords returns an instruction's arguments, whether it was
// written in shell or JSON form.
func dockerfileWords(n *parser.Node) []string {
	var words []string
	for a := n.Next; a != nil; a = a.Next {
		words = append(words, a.Value)
	}
	return words
}

// all returns the stage's instructions of one kind, such as "env";
// instructions are not case-sensitive.
func (s dockerfileStage) all(kind string) []*parser.Node {
	var out []*parser.Node
	for _, n := range s.instructions {
		if strings.EqualFold(n.Value, kind) {
			out = append(out, n)
		}
	}
	return out
}

// env returns the variables the stage's ENV lines set; a later
// line wins, as in a build.
func (s dockerfileStage) env() map[string]string {
	env := map[string]string{}
	for _, n := range s.all("env") {
		// The parser gives each variable as name, value, separator.
		words := dockerfileWords(n)
		for i := 0; i+1 < len(words); i += 3 {
			env[words[i]] = words[i+1]
		}
	}
	return env
}

// dockerfileUsesArg matches a reference to a build argument: $NAME or ${NAME}.
var dockerfileUsesArg = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

func TestDockerfile_BuilderImageIsAnArg(t *testing.T) {
	p := dockerfileParse(t)
	if len(p.stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a builder and a final stage", len(p.stages))
	}

	// A machine that cannot pull golang:… passes its own builder image.
	image := dockerfileWords(p.stages[0].from)[0]
	m := dockerfileUsesArg.FindStringSubmatch(image)
	if m == nil {
		t.Fatalf("builder stage is FROM %q, want its image taken from an ARG", image)
	}
	for _, a := range p.metaArgs {
		name, def, hasDefault := strings.Cut(dockerfileWords(a)[0], "=")
		if name != m[1] {
			continue
		}
		// Without a default, a plain docker build would have no image.
		if !hasDefault || def == "" {
			t.Errorf("ARG %s has no default image", name)
		}
		return
	}
	t.Errorf("builder stage is FROM %q, but no ARG %s comes before the first FROM", image, m[1])
}

func TestDockerfile_StaticBinary(t *testing.T) {
	p := dockerfileParse(t)
	build := p.stages[0]

	// cgo would link the binary against the builder's libc, which the
	// final image does not have.
	var builds int
	for _, run := range build.all("run") {
		cmd := strings.Join(dockerfileWords(run), " ")
		if !strings.Contains(cmd, "go build") {
			continue
		}
		builds++
		if !slices.Contains(strings.Fields(cmd), "CGO_ENABLED=0") && build.env()["CGO_ENABLED"] != "0" {
			t.Errorf("RUN %s: CGO_ENABLED=0 is not set for it", cmd)
		}
	}
	if builds == 0 {
		t.Error("builder stage has no RUN with go build")
	}
}

func TestDockerfile_FinalStageRunsAsNonRoot(t *testing.T) {
	p := dockerfileParse(t)
	final := p.stages[len(p.stages)-1]

	users := final.all("user")
	if len(users) == 0 {
		t.Fatal("final stage has no USER: the server would run as root")
	}
	// The last USER is the one the container runs as. It must be numeric:
	// an image with no /etc/passwd cannot resolve a name, and Kubernetes'
	// runAsNonRoot can only verify a number.
	spec := dockerfileWords(users[len(users)-1])[0]
	for _, part := range strings.Split(spec, ":") {
		id, err := strconv.Atoi(part)
		if err != nil || id == 0 {
			t.Errorf("USER %s: want numeric, non-zero user and group ids", spec)
		}
	}
}

func TestDockerfile_Expose8080(t *testing.T) {
	p := dockerfileParse(t)
	final := p.stages[len(p.stages)-1]

	for _, n := range final.all("expose") {
		for _, port := range dockerfileWords(n) {
			if port == "8080" || port == "8080/tcp" {
				return
			}
		}
	}
	t.Error("final stage does not EXPOSE 8080, the server's default PORT")
}

func TestDockerfile_DatabaseOnDataVolume(t *testing.T) {
	p := dockerfileParse(t)
	final := p.stages[len(p.stages)-1]

	var volume bool
	for _, n := range final.all("volume") {
		volume = volume || slices.Contains(dockerfileWords(n), "/data")
	}
	if !volume {
		t.Error("final stage has no VOLUME /data")
	}

	// The database must live on the volume, or it is lost with the container.
	db, ok := final.env()["INTERACTIONS_DB"]
	if !ok {
		t.Fatal("final stage does not set INTERACTIONS_DB")
	}
	if !strings.HasPrefix(db, "/data/") {
		t.Errorf("INTERACTIONS_DB=%s, want a file in /data", db)
	}
}
