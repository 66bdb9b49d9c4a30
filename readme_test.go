package runnerapi

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// readmeBlock is one fenced code block of README.md.
type readmeBlock struct {
	lang, code string
	line       int
}

var fenceRE = regexp.MustCompile("(?ms)^```(\\w*)\\n(.*?)^```\\n")

// readmeBlocks returns the fenced code blocks of README.md in order.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	var blocks []readmeBlock
	for _, m := range fenceRE.FindAllSubmatchIndex(b, -1) {
		blocks = append(blocks, readmeBlock{
			lang: string(b[m[2]:m[3]]),
			code: string(b[m[4]:m[5]]),
			line: bytes.Count(b[:m[0]], []byte("\n")) + 1,
		})
	}
	return blocks
}

// optionalImports are packages a fragment may use beyond the prelude's; each
// is imported only into the fragments that name it.
var optionalImports = map[string]string{
	"fleet": "github.com/runnerkit/runnerapi/fleet",
}

// snippetPrelude makes a README fragment a function body: ctx and client
// are in scope, the usual packages are imported, and the fragment may
// return an error.
const snippetPrelude = `package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
	%s
)

var (
	_ = errors.Is
	_ = fmt.Println
	_ = log.Fatal
	_ = http.StatusOK
	_ = os.Getenv
	_ = time.Now
	_ = runnerapi.Ptr[int]
	_ = runnerapitest.NewServer
)

func snippet(ctx context.Context, client *runnerapi.Client) error {
	{
`

const snippetPostlude = `
	}
	return nil
}

func main() { _ = snippet }
`

// TestReadmeGoSnippetsBuild builds every Go snippet of README.md (whole
// programs as they are, fragments inside a function that has ctx and
// client), then runs the headline program and compares its output with the
// text block that follows it in the README.
func TestReadmeGoSnippetsBuild(t *testing.T) {
	dir, goRun := snippetModule(t)

	blocks := readmeBlocks(t)
	headline, headlineOut := "", ""
	n := 0
	for i, b := range blocks {
		if b.lang != "go" {
			continue
		}
		pkg := fmt.Sprintf("snippet%02d_line%d", n, b.line)
		n++
		src := b.code
		if !strings.HasPrefix(src, "package ") {
			var extra []string
			for name, path := range optionalImports {
				if strings.Contains(src, name+".") {
					extra = append(extra, strconv.Quote(path))
				}
			}
			src = fmt.Sprintf(snippetPrelude, strings.Join(extra, "\n\t")) + src + snippetPostlude
		} else if headline == "" && strings.Contains(src, "runnerapitest.WithDemoData") {
			headline = pkg
			if i+1 < len(blocks) && blocks[i+1].lang == "text" {
				headlineOut = blocks[i+1].code
			}
		}
		require.NoError(t, os.MkdirAll(filepath.Join(dir, pkg), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, pkg, "main.go"), []byte(src), 0o644))
	}
	require.GreaterOrEqual(t, n, 5, "README.md has Go snippets")
	require.NotEmpty(t, headline, "README.md has a headline program against the demo fake")
	require.NotEmpty(t, headlineOut, "the headline program is followed by a text block with its output")

	run := func(args ...string) string {
		out, err := goRun(args...)
		require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
		return out
	}
	run("vet", "./...")
	got := run("run", "./"+headline)
	require.Equal(t, headlineOut, got, "README.md's headline output is stale")
}

// snippetModule makes an empty module in a temporary directory that
// requires this one (replaced by the working tree), and returns it with a
// function that runs the go command there, offline, and returns its output
// (stdout, or stderr when it fails). It skips the test where no go command
// is on PATH or with -short.
func snippetModule(t *testing.T) (string, func(args ...string) (string, error)) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds programs with the go command")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs(".")
	require.NoError(t, err)
	sum, err := os.ReadFile("go.sum")
	require.NoError(t, err)

	dir := t.TempDir()
	// The snippet module requires what the root module requires, so its
	// module graph is the root's (pruned the same way) and resolves from the
	// module cache alone; with only runnerapi required, the go command would
	// need go.mod files of dependencies' dependencies that a build of the
	// root module never downloads.
	rootMod, err := os.ReadFile("go.mod")
	require.NoError(t, err)
	requires := string(rootMod)[strings.Index(string(rootMod), "\nrequire"):]
	goMod := "module readmesnippets\n\ngo 1.24.0\n\nrequire github.com/runnerkit/runnerapi v0.0.0\n" + requires +
		"\nreplace github.com/runnerkit/runnerapi => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return dir, func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, goCmd, args...)
		cmd.Dir = dir
		// Offline and self-contained: the module cache already holds the
		// dependencies, because this test binary was built from them.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			return errOut.String(), err
		}
		return out.String(), nil
	}
}
