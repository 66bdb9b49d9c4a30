package runnerapitest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPythonGitlabCLI drives a client nobody here wrote, python-gitlab's CLI
// (Debian package gitlab-cli), against the fake, and checks its outputs and
// the fake's resulting state. .ci/run installs it.
func TestPythonGitlabCLI(t *testing.T) {
	bin, err := exec.LookPath("python-gitlab")
	if err != nil {
		if os.Getenv("RUNNERAPI_REQUIRE_PYTHON_GITLAB") != "" {
			t.Fatal("python-gitlab is required (RUNNERAPI_REQUIRE_PYTHON_GITLAB is set) but not installed: apt-get install -y gitlab-cli")
		}
		t.Skip("python-gitlab is not installed; install Debian's gitlab-cli package (apt-get install -y gitlab-cli) to run this test")
	}
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	p := s.AddProject("web", g.ID)
	inst := s.AddRunner(RunnerSpec{Description: "shared", Tags: []string{"docker"}})
	prj := s.AddRunner(RunnerSpec{Type: "project_type", Description: "web-runner", ProjectIDs: []int64{p.ID}})
	other := s.AddRunner(RunnerSpec{Type: "group_type", Description: "group-runner", GroupID: g.ID})
	home := t.TempDir()

	cli := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		all := append([]string{"--server-url", s.URL(), "--private-token", s.AdminToken(), "-o", "json"}, args...)
		cmd := exec.CommandContext(ctx, bin, all...)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "python-gitlab %v: %s", args, out)
		return out
	}
	type runnerOut struct {
		ID          int64  `json:"id"`
		Description string `json:"description"`
		RunnerType  string `json:"runner_type"`
		Status      string `json:"status"`
	}
	var all []runnerOut
	require.NoError(t, json.Unmarshal(cli("runner-all", "list"), &all))
	assert.Equal(t, []runnerOut{
		{inst.ID, "shared", "instance_type", "never_contacted"},
		{prj.ID, "web-runner", "project_type", "never_contacted"},
		{other.ID, "group-runner", "group_type", "never_contacted"},
	}, all)

	var one map[string]any
	require.NoError(t, json.Unmarshal(cli("runner", "get", "--id", strconv.FormatInt(inst.ID, 10)), &one))
	assert.Equal(t, "shared", one["description"])
	assert.Equal(t, []any{"docker"}, one["tag_list"])

	cli("runner", "update", "--id", strconv.FormatInt(inst.ID, 10), "--description", "renamed by python-gitlab")
	st, _ := s.Runner(inst.ID)
	assert.Equal(t, "renamed by python-gitlab", st.Description)

	var projRunners []runnerOut
	require.NoError(t, json.Unmarshal(cli("project-runner", "list", "--project-id", strconv.FormatInt(p.ID, 10)), &projRunners))
	var ids []int64
	for _, r := range projRunners {
		ids = append(ids, r.ID)
	}
	assert.Equal(t, []int64{inst.ID, prj.ID, other.ID}, ids, "instance, own and ancestor-group runners")

	cli("runner", "delete", "--id", strconv.FormatInt(prj.ID, 10))
	_, ok := s.Runner(prj.ID)
	assert.False(t, ok)
	assert.Equal(t, int64(1), s.Counters().RunnersDeleted)

	var seen []string
	for _, r := range s.Requests() {
		seen = append(seen, r.Method+" "+r.Path)
	}
	assert.Contains(t, seen, "GET /api/v4/user", "python-gitlab authenticates first")
}
