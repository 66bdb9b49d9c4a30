package runnerapitest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonGitlab returns a runner of python-gitlab's CLI (Debian package
// gitlab-cli, 3.12) against s with token, or skips when it is missing and
// RUNNERAPI_REQUIRE_PYTHON_GITLAB is unset (.ci/run sets it).
func pythonGitlab(t *testing.T, s *Server) func(token string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("python-gitlab")
	if err != nil {
		if os.Getenv("RUNNERAPI_REQUIRE_PYTHON_GITLAB") != "" {
			t.Fatal("python-gitlab is required (RUNNERAPI_REQUIRE_PYTHON_GITLAB is set) but not installed: apt-get install -y gitlab-cli")
		}
		t.Skip("python-gitlab is not installed; install Debian's gitlab-cli package (apt-get install -y gitlab-cli) to run this test")
	}
	home := t.TempDir()
	return func(token string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		all := append([]string{"--server-url", s.URL(), "--private-token", token, "-o", "json"}, args...)
		cmd := exec.CommandContext(ctx, bin, all...)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

type cliRunner struct {
	ID          int64  `json:"id"`
	Description string `json:"description"`
	RunnerType  string `json:"runner_type"`
	Status      string `json:"status"`
}

func cliIDs(t *testing.T, out string) []int64 {
	t.Helper()
	var rs []cliRunner
	require.NoError(t, json.Unmarshal([]byte(out), &rs), out)
	ids := []int64{}
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func idArg(id int64) string { return strconv.FormatInt(id, 10) }

// TestPythonGitlabCLI drives every runner command of python-gitlab 3.12's
// CLI (runner list/get/create/update/delete/all/verify, runner-all,
// runner-job, group-runner, project-runner list/create/delete, pagination
// and --sudo), a client nobody here wrote, and checks each against the
// fake's state afterwards.
func TestPythonGitlabCLI(t *testing.T) {
	s := newTestFake(t)
	cli := pythonGitlab(t, s)
	admin := s.AdminToken()
	ok := func(token string, args ...string) string {
		t.Helper()
		out, err := cli(token, args...)
		require.NoError(t, err, "python-gitlab %v: %s", args, out)
		return out
	}

	g := s.AddGroup("acme", 0)
	sub := s.AddGroup("infra", g.ID)
	p := s.AddProject("web", sub.ID)
	p2 := s.AddProject("api", g.ID)
	dev := s.AddUser("dev", false)
	s.AddProjectMember(p.ID, dev.ID, RoleMaintainer)
	contacted := testNow.Add(-time.Minute)
	inst := s.AddRunner(RunnerSpec{Description: "shared", Tags: []string{"docker"}, ContactedAt: &contacted})
	prj := s.AddRunner(RunnerSpec{Type: "project_type", Description: "web-runner", ProjectIDs: []int64{p.ID}})
	grp := s.AddRunner(RunnerSpec{Type: "group_type", Description: "group-runner", GroupID: g.ID, Paused: true})
	spare := s.AddRunner(RunnerSpec{Type: "project_type", Description: "api-runner", ProjectIDs: []int64{p2.ID}})
	s.AddJobs(5, JobSpec{RunnerID: inst.ID, ProjectID: p.ID, Status: "success"})
	s.AddJobs(2, JobSpec{RunnerID: inst.ID, ProjectID: p.ID, Status: "failed"})

	t.Run("runner-all list", func(t *testing.T) {
		var all []cliRunner
		require.NoError(t, json.Unmarshal([]byte(ok(admin, "runner-all", "list")), &all))
		assert.Equal(t, []cliRunner{
			{inst.ID, "shared", "instance_type", "online"},
			{prj.ID, "web-runner", "project_type", "never_contacted"},
			{grp.ID, "group-runner", "group_type", "never_contacted"},
			{spare.ID, "api-runner", "project_type", "never_contacted"},
		}, all)
	})
	t.Run("runner-all list filters", func(t *testing.T) {
		assert.Equal(t, []int64{grp.ID}, cliIDs(t, ok(admin, "runner-all", "list", "--type", "group_type")))
		assert.Equal(t, []int64{inst.ID}, cliIDs(t, ok(admin, "runner-all", "list", "--status", "online")))
		assert.Equal(t, []int64{grp.ID}, cliIDs(t, ok(admin, "runner-all", "list", "--paused", "true")))
		assert.Equal(t, []int64{inst.ID}, cliIDs(t, ok(admin, "runner-all", "list", "--tag-list", "docker")))
		assert.Equal(t, []int64{inst.ID}, cliIDs(t, ok(admin, "runner-all", "list", "--scope", "shared")))
	})
	t.Run("runner-all list pagination", func(t *testing.T) {
		assert.Equal(t, []int64{inst.ID, prj.ID}, cliIDs(t, ok(admin, "runner-all", "list", "--per-page", "2", "--page", "1")), "page 1 of 2")
		assert.Equal(t, []int64{spare.ID}, cliIDs(t, ok(admin, "runner-all", "list", "--per-page", "3", "--page", "2")))
		assert.Equal(t, []int64{}, cliIDs(t, ok(admin, "runner-all", "list", "--per-page", "3", "--page", "9")), "past the end")
		assert.Equal(t, []int64{inst.ID, prj.ID, grp.ID, spare.ID}, cliIDs(t, ok(admin, "runner-all", "list", "--per-page", "1", "--get-all")), "follows every page")
	})
	t.Run("runner list: the caller's runners, with --sudo", func(t *testing.T) {
		assert.Equal(t, []int64{}, cliIDs(t, ok(admin, "runner", "list")), "root maintains nothing")
		assert.Equal(t, []int64{prj.ID}, cliIDs(t, ok(dev.Token, "runner", "list")))
		assert.Equal(t, []int64{prj.ID}, cliIDs(t, ok(admin, "runner", "list", "--sudo", "dev")), "python-gitlab sends sudo as a parameter")
		assert.Equal(t, []int64{}, cliIDs(t, ok(dev.Token, "runner", "list", "--status", "online")))
		out, err := cli(dev.Token, "runner", "list", "--sudo", "root")
		require.Error(t, err, out)
		assert.Contains(t, out, "Must be admin to use sudo")
		out, err = cli(dev.Token, "runner", "list", "--scope", "shared")
		require.Error(t, err, out)
		assert.Contains(t, out, "Scope contains invalid value")
	})
	t.Run("runner all", func(t *testing.T) {
		// The CLI insists on an --id for this action and sends it along: an undeclared parameter GitLab ignores.
		assert.Equal(t, []int64{prj.ID, grp.ID, spare.ID}, cliIDs(t, ok(admin, "runner", "all", "--id", "999", "--scope", "specific")))
	})
	t.Run("runner get", func(t *testing.T) {
		var one map[string]any
		require.NoError(t, json.Unmarshal([]byte(ok(admin, "runner", "get", "--id", idArg(inst.ID))), &one))
		assert.Equal(t, "shared", one["description"])
		assert.Equal(t, []any{"docker"}, one["tag_list"])
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, one["created_at"])
		out, err := cli(dev.Token, "runner", "get", "--id", idArg(spare.ID))
		require.Error(t, err, out)
		assert.Contains(t, out, "403")
	})
	t.Run("runner update of each attribute", func(t *testing.T) {
		id := idArg(inst.ID)
		updates := []struct {
			flag, value string
			check       func(RunnerState)
		}{
			{"--description", "renamed by python-gitlab", func(st RunnerState) { assert.Equal(t, "renamed by python-gitlab", st.Description) }},
			{"--active", "false", func(st RunnerState) { assert.True(t, st.Paused) }},
			{"--active", "on", func(st RunnerState) { assert.False(t, st.Paused) }},
			{"--tag-list", "docker,linux, arm64", func(st RunnerState) { assert.Equal(t, []string{"docker", "linux", "arm64"}, st.Tags) }},
			{"--run-untagged", "no", func(st RunnerState) { assert.False(t, st.RunUntagged) }},
			{"--locked", "yes", func(st RunnerState) { assert.True(t, st.Locked) }},
			{"--locked", "off", func(st RunnerState) { assert.False(t, st.Locked) }},
			{"--access-level", "ref_protected", func(st RunnerState) { assert.Equal(t, "ref_protected", st.AccessLevel) }},
			{"--maximum-timeout", "3600", func(st RunnerState) {
				require.NotNil(t, st.MaximumTimeout)
				assert.Equal(t, int64(3600), *st.MaximumTimeout)
			}},
		}
		for _, u := range updates {
			ok(admin, "runner", "update", "--id", id, u.flag, u.value)
			st, found := s.Runner(inst.ID)
			require.True(t, found)
			u.check(st)
		}
		for _, bad := range []struct{ flag, value, want string }{
			{"--locked", "maybe", "locked is invalid"},
			{"--access-level", "everyone", "access_level does not have a valid value"},
			{"--maximum-timeout", "60", "needs to be at least 10 minutes"},
		} {
			out, err := cli(admin, "runner", "update", "--id", id, bad.flag, bad.value)
			require.Error(t, err, out)
			assert.Contains(t, out, bad.want)
		}
		out, err := cli(dev.Token, "runner", "update", "--id", idArg(grp.ID), "--description", "x")
		require.Error(t, err, out)
		assert.Contains(t, out, "403")
	})
	t.Run("runner-job list", func(t *testing.T) {
		var jobs []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		require.NoError(t, json.Unmarshal([]byte(ok(admin, "runner-job", "list", "--runner-id", idArg(inst.ID))), &jobs))
		assert.Len(t, jobs, 7)
		require.NoError(t, json.Unmarshal([]byte(ok(admin, "runner-job", "list", "--runner-id", idArg(inst.ID), "--status", "failed")), &jobs))
		assert.Equal(t, []string{"failed", "failed"}, []string{jobs[0].Status, jobs[1].Status})
		require.NoError(t, json.Unmarshal([]byte(ok(admin, "runner-job", "list", "--runner-id", idArg(inst.ID), "--per-page", "3", "--page", "3")), &jobs))
		assert.Len(t, jobs, 1)
		require.NoError(t, json.Unmarshal([]byte(ok(admin, "runner-job", "list", "--runner-id", idArg(inst.ID), "--per-page", "2", "--get-all")), &jobs))
		assert.Len(t, jobs, 7)
		// Keyset pagination: python-gitlab follows the Link rel="next" cursors.
		require.NoError(t, json.Unmarshal([]byte(ok(admin, "--pagination", "keyset", "--order-by", "id", "--per-page", "3",
			"runner-job", "list", "--runner-id", idArg(inst.ID), "--get-all")), &jobs))
		require.Len(t, jobs, 7)
		assert.Greater(t, jobs[0].ID, jobs[6].ID, "keyset pages are id-descending")
		var keyset int
		for _, r := range s.Requests() {
			if strings.Contains(r.RawQuery, "cursor=") {
				keyset++
			}
		}
		assert.Equal(t, 2, keyset, "two follow-up pages by cursor")
	})
	t.Run("group-runner list", func(t *testing.T) {
		gid := idArg(g.ID)
		assert.Equal(t, []int64{inst.ID, grp.ID}, cliIDs(t, ok(admin, "group-runner", "list", "--group-id", gid)))
		assert.Equal(t, []int64{inst.ID, grp.ID}, cliIDs(t, ok(admin, "group-runner", "list", "--group-id", gid, "--scope", "paused")), "scope is not a parameter here: ignored")
		assert.Equal(t, []int64{inst.ID}, cliIDs(t, ok(admin, "group-runner", "list", "--group-id", gid, "--tag-list", "docker,linux")))
		assert.Equal(t, []int64{grp.ID}, cliIDs(t, ok(admin, "group-runner", "list", "--group-id", "acme", "--per-page", "1", "--page", "2")), "by full path")
	})
	t.Run("project-runner list", func(t *testing.T) {
		assert.Equal(t, []int64{inst.ID, prj.ID, grp.ID}, cliIDs(t, ok(admin, "project-runner", "list", "--project-id", idArg(p.ID))), "instance, own and ancestor-group runners")
		assert.Equal(t, []int64{prj.ID, grp.ID}, cliIDs(t, ok(dev.Token, "project-runner", "list", "--project-id", "acme/infra/web", "--scope", "specific")))
	})
	t.Run("project-runner create and delete", func(t *testing.T) {
		var assigned cliRunner
		require.NoError(t, json.Unmarshal([]byte(ok(admin, "project-runner", "create", "--project-id", idArg(p2.ID), "--runner-id", idArg(prj.ID))), &assigned))
		assert.Equal(t, prj.ID, assigned.ID)
		st, _ := s.Runner(prj.ID)
		assert.Equal(t, []int64{p.ID, p2.ID}, st.ProjectIDs)
		out, err := cli(admin, "project-runner", "create", "--project-id", idArg(p2.ID), "--runner-id", idArg(grp.ID))
		require.Error(t, err, out)
		assert.Contains(t, out, "Runner is a group runner")
		out, err = cli(admin, "project-runner", "delete", "--project-id", idArg(p.ID), "--id", idArg(prj.ID))
		require.Error(t, err, out)
		assert.Contains(t, out, "You cannot unassign a runner from the owner project")
		ok(admin, "project-runner", "delete", "--project-id", idArg(p2.ID), "--id", idArg(prj.ID))
		st, _ = s.Runner(prj.ID)
		assert.Equal(t, []int64{p.ID}, st.ProjectIDs)
	})
	t.Run("runner create (registration token) and verify", func(t *testing.T) {
		before := s.Counters().RunnersCreated
		out, err := cli(admin, "runner", "create", "--token", p.RegistrationToken, "--info", "gitlab-runner")
		require.Error(t, err, out)
		assert.Contains(t, out, "info is invalid", "a Hash parameter given as a string")
		assert.Equal(t, before, s.Counters().RunnersCreated)

		var reg struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		require.NoError(t, json.Unmarshal([]byte(ok(admin, "runner", "create", "--token", p.RegistrationToken, "--description", "registered",
			"--locked", "off", "--run-untagged", "f", "--tag-list", "a,b", "--access-level", "not_protected", "--maximum-timeout", "7200")), &reg))
		st, found := s.Runner(reg.ID)
		require.True(t, found)
		assert.Equal(t, "project_type", st.Type)
		assert.Equal(t, []int64{p.ID}, st.ProjectIDs)
		assert.Equal(t, "registered", st.Description)
		assert.False(t, st.Locked)
		assert.False(t, st.RunUntagged)
		assert.Equal(t, []string{"a", "b"}, st.Tags)
		assert.True(t, strings.HasPrefix(reg.Token, "glrtr-"), reg.Token)

		ok(admin, "runner", "verify", "--id", idArg(reg.ID), "--token", reg.Token)
		st, _ = s.Runner(reg.ID)
		require.NotNil(t, st.ContactedAt, "verify heartbeats the runner")
		assert.Equal(t, []string{"<legacy>"}, st.Managers)
		out, err = cli(admin, "runner", "verify", "--id", idArg(reg.ID), "--token", "glrt-nope")
		require.Error(t, err, out)
		assert.Contains(t, out, "403")
	})
	t.Run("runner delete", func(t *testing.T) {
		before := s.Counters().RunnersDeleted
		ok(admin, "runner", "delete", "--id", idArg(spare.ID))
		_, found := s.Runner(spare.ID)
		assert.False(t, found)
		assert.Equal(t, before+1, s.Counters().RunnersDeleted)
		out, err := cli(admin, "runner", "delete", "--id", idArg(spare.ID))
		require.Error(t, err, out)
		assert.Contains(t, out, "404")
	})

	var seen []string
	for _, r := range s.Requests() {
		seen = append(seen, r.Method+" "+r.Path)
	}
	assert.Contains(t, seen, "GET /api/v4/user", "python-gitlab authenticates first")
}
