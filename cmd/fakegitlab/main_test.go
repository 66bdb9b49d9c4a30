package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startBinary builds fakegitlab, starts it with args and returns the
// variables it printed; the process is stopped with SIGTERM at cleanup and
// must exit 0.
func startBinary(t *testing.T, args ...string) map[string]string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fakegitlab")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			assert.NoError(t, err, "fakegitlab must exit 0 on SIGTERM; stderr: %s", stderr.String())
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			t.Error("fakegitlab did not stop on SIGTERM")
		}
	})

	vars := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for len(vars) < 2 && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		require.True(t, ok, "not a variable line: %q", sc.Text())
		vars[k] = v
	}
	require.Contains(t, vars, "GITLAB_URL", "stderr: %s", stderr.String())
	require.Contains(t, vars, "GITLAB_TOKEN")
	go func() { _, _ = bufio.NewReader(stdout).WriteTo(os.Stderr) }() // keep the pipe drained
	return vars
}

// syncBuffer is a bytes.Buffer safe to read while the process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestBinaryDemo starts the built binary with -demo and drives it with the
// Go SDK and with python-gitlab's CLI, using only what it printed.
func TestBinaryDemo(t *testing.T) {
	vars := startBinary(t, "-demo")
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, vars["GITLAB_URL"])
	ctx := context.Background()

	c, err := runnerapi.NewClient(vars["GITLAB_URL"], runnerapi.WithPrivateToken(vars["GITLAB_TOKEN"]), runnerapi.WithoutRetries())
	require.NoError(t, err)
	n := 0
	for _, err := range c.Runners.ListAllIter(ctx, nil) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 25, n, "the demo fleet")
	reg, _, err := c.Runners.Create(ctx, runnerapi.InstanceRunnerOwner(), &runnerapi.CreateRunnerOptions{Description: runnerapi.Ptr("from the Go SDK")})
	require.NoError(t, err)

	maria, err := runnerapi.NewClient(vars["GITLAB_URL"], runnerapi.WithPrivateToken(runnerapitest.DemoUserToken), runnerapi.WithoutRetries())
	require.NoError(t, err)
	_, _, err = maria.Runners.ListAll(ctx, nil)
	assert.ErrorIs(t, err, runnerapi.ErrForbidden, "the demo user is not an administrator")

	bin, err := exec.LookPath("python-gitlab")
	if err != nil {
		if os.Getenv("RUNNERAPI_REQUIRE_PYTHON_GITLAB") != "" {
			t.Fatal("python-gitlab is required (RUNNERAPI_REQUIRE_PYTHON_GITLAB is set) but not installed: apt-get install -y gitlab-cli")
		}
		t.Skip("python-gitlab is not installed; install Debian's gitlab-cli (apt-get install -y gitlab-cli)")
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, "--server-url", vars["GITLAB_URL"], "--private-token", vars["GITLAB_TOKEN"],
		"-o", "json", "runner", "get", "--id", "26")
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "python-gitlab: %s", out)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	assert.Equal(t, float64(reg.ID), got["id"])
	assert.Equal(t, "from the Go SDK", got["description"])
}

// TestBinarySeed loads the documented example seed through -seed.
func TestBinarySeed(t *testing.T) {
	vars := startBinary(t, "-seed", "../../testdata/seed/example.json", "-addr", "localhost:0")
	c, err := runnerapi.NewClient(vars["GITLAB_URL"], runnerapi.WithPrivateToken("glpat-example-maria-0001"), runnerapi.WithoutRetries())
	require.NoError(t, err)
	rs, _, err := c.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, rs, 2, "maria's group and project runners")
}

// TestRunFlags covers the flag handling in-process.
func TestRunFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"remote address refused", []string{"-addr", "0.0.0.0:0"}, `-addr "0.0.0.0:0" is not a loopback address`},
		{"all interfaces refused", []string{"-addr", ":8080"}, `-addr ":8080" is not a loopback address`},
		{"bad address", []string{"-addr", "nowhere"}, `-addr "nowhere"`},
		{"missing seed", []string{"-seed", "does-not-exist.json"}, "-seed: open does-not-exist.json"},
		{"bad rate", []string{"-rate-limit", "600/1.5s"}, "PERIOD must be a whole number of seconds"},
		{"bad rate form", []string{"-rate-limit", "fast"}, "want N/PERIOD"},
		{"stray argument", []string{"-demo", "extra"}, `unexpected arguments ["extra"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, stdout.String(), "nothing printed for eval")
		})
	}
	assert.NoError(t, checkAddr("[::1]:0", false))
	assert.NoError(t, checkAddr("0.0.0.0:0", true), "-allow-remote")
}

// TestRunServesUntilCancelled runs in-process with a bad seed, then with a
// quota until the context ends.
func TestRunServesUntilCancelled(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"runners":[{"type":"shared"}]}`), 0o600))
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-seed", bad}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `runners[0].type "shared"`)
	assert.Empty(t, stdout.String())

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-rate-limit", "1/1m"}, pw, &bytes.Buffer{}); _ = pw.Close() }()
	sc := bufio.NewScanner(pr)
	require.True(t, sc.Scan())
	url := strings.TrimPrefix(sc.Text(), "GITLAB_URL=")
	c, err := runnerapi.NewClient(url, runnerapi.WithPrivateToken("glpat-runnerapitest-admin-0001"), runnerapi.WithoutRetries(), runnerapi.WithoutAdaptiveRateLimit())
	require.NoError(t, err)
	_, resp, err := c.Runners.ListAll(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, "1", resp.Header.Get("RateLimit-Limit"), "-rate-limit 1/1m")
	assert.Equal(t, "0", resp.Header.Get("RateLimit-Remaining"))
	cancel()
	assert.NoError(t, <-done)
	assert.Equal(t, `'it'\''s'`, shellQuote("it's"))
	assert.Equal(t, "http://127.0.0.1:1", shellQuote("http://127.0.0.1:1"))
}
