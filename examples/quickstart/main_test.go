package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

// fixedNow is the clock of the fake and of the tour in the deterministic tests.
var fixedNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

func newDemo(t *testing.T) *runnerapitest.Server {
	t.Helper()
	srv := runnerapitest.NewServer(runnerapitest.WithDemoData(), runnerapitest.WithClock(clock))
	t.Cleanup(srv.Close)
	return srv
}

// mutations returns the requests that could change the server's state.
func mutations(srv *runnerapitest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// tableLines returns the lines from the one starting with header up to the first blank line.
func tableLines(t *testing.T, out, header string) []string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, header) {
			end := i
			for end < len(lines) && lines[end] != "" {
				end++
			}
			return lines[i:end]
		}
	}
	t.Fatalf("no table starting with %q in:\n%s", header, out)
	return nil
}

func TestQuickstartTourOnFake(t *testing.T) {
	srv := newDemo(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), env{client: srv.Client(), out: &out, now: clock}, nil))
	got := out.String()

	// The runners table: header, the first 20 runners, then the count of the rest.
	table := tableLines(t, got, "ID  TYPE")
	require.Len(t, table, 1+20+1, got)
	header := table[0]
	for _, col := range []string{"ID", "TYPE", "STATUS", "PAUSED", "DESCRIPTION", "TAGS", "CONTACTED"} {
		assert.Contains(t, header, col)
	}
	// Aligned: every row's description starts in the DESCRIPTION column.
	descCol := strings.Index(header, "DESCRIPTION")
	for _, row := range table[1:21] {
		require.Greater(t, len(row), descCol, row)
		assert.NotEqual(t, byte(' '), row[descCol], "row %q not aligned", row)
		assert.Equal(t, byte(' '), row[descCol-1], "row %q not aligned", row)
	}
	assert.Regexp(t, `^1\s+instance\s+online\s+no\s+shared-docker-large\s+docker,linux,amd64\s+3m ago$`, table[1])
	assert.Regexp(t, `^9\s+instance\s+stale\s+no\s+legacy-ci-box\s+shell\s+45d ago$`, table[9])
	assert.Regexp(t, `^12\s+instance\s+paused\s+yes\s+spare-autoscaler\s+docker\s+30m ago$`, table[12])
	assert.Regexp(t, `^17\s+group\s+stale\s+no\s+web-builders\s+node,docker\s+12d ago$`, table[17])
	assert.Equal(t, "  … and 5 more (ListAllIter walks every page)", table[21])

	// Details, managers and jobs of the first online runner.
	assert.Contains(t, got, "Runner #1 \"shared-docker-large\"\n")
	assert.Regexp(t, `version:\s+18\.5\.0 linux/amd64`, got)
	assert.Contains(t, got, "Managers of runner #1: 1\n")
	assert.Regexp(t, `s_0e1a2b3c4d5e\s+18\.5\.0\s+linux/amd64\s+online\s+3m ago`, got)
	jobs := tableLines(t, got, "  JOB")
	require.Len(t, jobs, 1+5)
	assert.Regexp(t, `^  8\s+success\s+deploy\s+deploy\s+main\s+acme/web/api\s+2m59s$`, jobs[1], "newest job first")
	assert.Regexp(t, `^  4\s+`, jobs[5])

	// The pause really happened, and only on that runner.
	assert.Contains(t, got, "Paused runner #1: paused=true")
	r1, ok := srv.Runner(1)
	require.True(t, ok)
	assert.True(t, r1.Paused)
	r2, _ := srv.Runner(2)
	assert.False(t, r2.Paused)
	assert.Equal(t, []string{"PUT /api/v4/runners/1"}, mutations(srv))

	// Controllers with their scopes.
	ctrls := tableLines(t, got, "ID  STATE")
	require.Len(t, ctrls, 3)
	assert.Regexp(t, `^1\s+enabled\s+instance\s+job admission policy$`, ctrls[1])
	assert.Regexp(t, `^2\s+dry_run\s+runners #5\s+canary policy$`, ctrls[2])
	assert.True(t, strings.HasSuffix(got, "\nDone.\n"))
}

func TestQuickstartReadOnlyChangesNothing(t *testing.T) {
	srv := newDemo(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), env{client: srv.Client(), out: &out, now: clock}, []string{"-read-only"}))
	got := out.String()
	assert.Contains(t, got, "Mode: read-only")
	assert.Contains(t, got, "Skipping the pause step (read-only).")
	assert.NotContains(t, got, "Paused runner")
	assert.Empty(t, mutations(srv))
	r1, _ := srv.Runner(1)
	assert.False(t, r1.Paused)
}

// TestQuickstartAgainstInstanceFromEnv drives start the way `go run` does
// with GITLAB_URL and GITLAB_TOKEN set, pointing at a fake that plays a real
// instance: the tour must be read-only and must survive the controller API
// being forbidden (non-admin) or missing (no licence).
func TestQuickstartAgainstInstanceFromEnv(t *testing.T) {
	tests := []struct {
		name        string
		admin       bool
		unlicensed  bool
		wantScope   string
		wantRunner  string
		wantCtrlMsg string
	}{
		{
			name:        "non-admin sees own runners, controllers 403",
			wantScope:   "Runners: runners you own (this token is not an administrator's)",
			wantRunner:  `Runner #26 "team-runner"`,
			wantCtrlMsg: "Runner controllers: not available to this token (403: administrators only).",
		},
		{
			name:        "admin on an unlicensed instance, controllers 404",
			admin:       true,
			unlicensed:  true,
			wantScope:   "Runners: all runners of the instance",
			wantRunner:  `Runner #1 "shared-docker-large"`,
			wantCtrlMsg: "Runner controllers: not available on this instance (404: needs GitLab 18.9+ with an Ultimate licence).",
		},
		{
			name:        "admin on a licensed instance",
			admin:       true,
			wantScope:   "Runners: all runners of the instance",
			wantRunner:  `Runner #1 "shared-docker-large"`,
			wantCtrlMsg: "Runner controllers: 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDemo(t)
			token := srv.AdminToken()
			if !tt.admin {
				dev := srv.AddUser("dev", false)
				team := srv.AddGroup("team", 0)
				srv.AddGroupMember(team.ID, dev.ID, runnerapitest.RoleOwner)
				contacted := fixedNow.Add(-time.Minute)
				srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", GroupID: team.ID, Description: "team-runner", ContactedAt: &contacted})
				token = dev.Token
			}
			srv.SetControllersLicensed(!tt.unlicensed)
			t.Setenv("GITLAB_URL", srv.URL())
			t.Setenv("GITLAB_TOKEN", token)

			var out bytes.Buffer
			require.NoError(t, start(context.Background(), &out, nil))
			got := out.String()
			assert.True(t, strings.HasPrefix(got, "Backend: GitLab at "+srv.URL()+" (from GITLAB_URL and GITLAB_TOKEN)\n"), got)
			assert.Contains(t, got, "Mode: read-only")
			assert.Contains(t, got, tt.wantScope)
			assert.Contains(t, got, tt.wantRunner)
			assert.Contains(t, got, tt.wantCtrlMsg)
			assert.Contains(t, got, "Done.")
			assert.Empty(t, mutations(srv), "read-only against a real instance")
			assert.NotContains(t, got, token)
		})
	}
}

func TestQuickstartWithoutEnvStartsTheFake(t *testing.T) {
	t.Setenv("GITLAB_URL", "")
	t.Setenv("GITLAB_TOKEN", "")
	var out bytes.Buffer
	require.NoError(t, start(context.Background(), &out, nil))
	got := out.String()
	assert.True(t, strings.HasPrefix(got, "Backend: embedded fake GitLab with demo data at http://127.0.0.1:"), got)
	assert.Contains(t, got, "ID  TYPE")
	assert.Contains(t, got, "Paused runner #1: paused=true")
}

func TestQuickstartRefusesHalfConfiguredEnv(t *testing.T) {
	t.Setenv("GITLAB_URL", "https://gitlab.example.com")
	t.Setenv("GITLAB_TOKEN", "")
	var out bytes.Buffer
	err := start(context.Background(), &out, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set both GITLAB_URL and GITLAB_TOKEN")
	assert.Empty(t, out.String())
}

func TestQuickstartFailsOnUnexpectedErrors(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		status int
		want   error
	}{
		{"runner list 500", http.MethodGet, "/api/v4/runners/all", 500, runnerapi.ErrServer},
		{"runner details 404", http.MethodGet, "/api/v4/runners/3", 404, runnerapi.ErrNotFound},
		{"pause 502", http.MethodPut, "/api/v4/runners/1", 502, runnerapi.ErrServer},
		{"controllers 401", http.MethodGet, "/api/v4/runner_controllers", 401, runnerapi.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDemo(t)
			srv.AddFault(tt.method, tt.path, 1, runnerapitest.Fault{Status: tt.status})
			var out bytes.Buffer
			err := run(context.Background(), env{client: srv.Client(), out: &out, now: clock}, nil)
			require.ErrorIs(t, err, tt.want)
			assert.NotContains(t, out.String(), "Done.")
		})
	}
}
