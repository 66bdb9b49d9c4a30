package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

var fixedNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

func newDemo(t *testing.T) *runnerapitest.Server {
	t.Helper()
	srv := runnerapitest.NewServer(runnerapitest.WithDemoData(), runnerapitest.WithClock(clock))
	t.Cleanup(srv.Close)
	return srv
}

func runOn(t *testing.T, client *runnerapi.Client, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), env{client: client, out: &out, now: clock}, args)
	return out.String(), err
}

// fullSecret matches a controller token with any of its secret part.
var fullSecret = regexp.MustCompile(`glrct-[0-9a-f]{6,}`)

func TestControllersWalkthroughKeep(t *testing.T) {
	srv := newDemo(t)
	out, err := runOn(t, srv.Client(), "-keep", "-description", "job admission")
	require.NoError(t, err)

	assert.Contains(t, out, "1. Created runner controller #3 \"job admission\" in state dry_run")
	assert.Contains(t, out, "2. Scoped controller #3 to the whole instance\n")
	assert.Contains(t, out, "3. Created token #4 \"admission webhook\": glrct-****** (30 chars, redacted) (the secret is shown only once)\n")
	assert.Contains(t, out, "4. Rotated token #4: the new token is #5: glrct-****** (30 chars, redacted)\n")
	assert.Contains(t, out, "   old token #4 is revoked: GET answers 404\n")
	assert.Regexp(t, `(?m)^1\s+enabled\s+instance\s+2\s+job admission policy$`, out)
	assert.Regexp(t, `(?m)^2\s+dry_run\s+runners #5\s+1\s+canary policy$`, out)
	assert.Regexp(t, `(?m)^3\s+dry_run\s+instance\s+1\s+job admission$`, out)
	assert.Regexp(t, `(?m)^5\s+admission webhook\s+never$`, out)
	assert.Contains(t, out, "Scopes of controller #3: instance\n")
	assert.True(t, strings.HasSuffix(out, "\nKept controller #3 (-keep).\n"), out)
	assert.NotRegexp(t, fullSecret, out, "no token secret is printed")

	// The fake's state: one controller and two tokens created (create + rotate), one still active.
	c := srv.Counters()
	assert.EqualValues(t, 1, c.ControllersCreated)
	assert.EqualValues(t, 2, c.ControllerTokensCreated)
	assert.Equal(t, []int64{1, 2, 3}, srv.ControllerIDs())
	assert.Equal(t, 1, srv.ControllerTokenCount(3))

	// What was sent to create it.
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/api/v4/runner_controllers" {
			var body map[string]any
			require.NoError(t, json.Unmarshal(r.Body, &body))
			assert.Equal(t, map[string]any{"description": "job admission", "state": "dry_run"}, body)
		}
	}
	got, _, err := srv.Client().RunnerControllers.Get(context.Background(), 3)
	require.NoError(t, err)
	assert.Equal(t, runnerapi.RunnerControllerStateDryRun, got.State)
	scopes, _, err := srv.Client().RunnerControllers.ListScopes(context.Background(), 3)
	require.NoError(t, err)
	assert.True(t, scopes.InstanceScoped())
}

func TestControllersWalkthroughDeletesByDefault(t *testing.T) {
	srv := newDemo(t)
	out, err := runOn(t, srv.Client())
	require.NoError(t, err)
	assert.Contains(t, out, "1. Created runner controller #3 \"runnerapi controllers example\" in state dry_run")
	assert.True(t, strings.HasSuffix(out, "\nDeleted controller #3 (use -keep to keep it).\n"), out)
	assert.EqualValues(t, 1, srv.Counters().ControllersCreated)
	assert.Equal(t, []int64{1, 2}, srv.ControllerIDs(), "the demo controllers are untouched, ours is gone")
	assert.Equal(t, 2, srv.ControllerTokenCount(1))
}

func TestControllersCleansUpWhenAStepFails(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		status int
		want   error
	}{
		{"instance scope conflict", http.MethodPost, "/api/v4/runner_controllers/3/scopes/instance", http.StatusConflict, runnerapi.ErrConflict},
		{"token create fails", http.MethodPost, "/api/v4/runner_controllers/3/tokens", http.StatusInternalServerError, runnerapi.ErrServer},
		{"rotate fails", http.MethodPost, "/api/v4/runner_controllers/3/tokens/4/rotate", http.StatusBadGateway, runnerapi.ErrServer},
		{"old token read fails", http.MethodGet, "/api/v4/runner_controllers/3/tokens/4", http.StatusInternalServerError, runnerapi.ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDemo(t)
			srv.SetFaultFunc(func(r *http.Request) runnerapitest.Fault {
				if r.Method == tt.method && r.URL.Path == tt.path {
					return runnerapitest.Fault{Status: tt.status}
				}
				return runnerapitest.Fault{}
			})
			out, err := runOn(t, srv.Client(), "-keep")
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, out, "Cleanup: deleted controller #3 after the failure.")
			assert.Equal(t, []int64{1, 2}, srv.ControllerIDs())
		})
	}
}

// A rotation that leaves the old token usable would be a security bug; the
// walkthrough must notice it rather than report success.
func TestControllersDetectsAnOldTokenThatSurvivesRotation(t *testing.T) {
	srv := newDemo(t)
	srv.SetFaultFunc(func(r *http.Request) runnerapitest.Fault {
		// A 200 fault answers the old token's GET with a JSON body, as a broken server would.
		if r.Method == http.MethodGet && r.URL.Path == "/api/v4/runner_controllers/3/tokens/4" {
			return runnerapitest.Fault{Status: http.StatusOK}
		}
		return runnerapitest.Fault{}
	})
	_, err := runOn(t, srv.Client())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "old token #4 is still active after the rotation")
	assert.Equal(t, []int64{1, 2}, srv.ControllerIDs())
}

func TestControllersExplainsForbiddenAndUnlicensed(t *testing.T) {
	t.Run("non-admin", func(t *testing.T) {
		srv := newDemo(t)
		dev := srv.AddUser("dev", false)
		client, err := runnerapi.NewClient(srv.URL(), runnerapi.WithPrivateToken(dev.Token), runnerapi.WithoutRetries())
		require.NoError(t, err)
		out, err := runOn(t, client)
		require.ErrorIs(t, err, runnerapi.ErrForbidden)
		assert.Contains(t, err.Error(), "runner controllers need an administrator's token")
		assert.Empty(t, out)
	})
	t.Run("unlicensed", func(t *testing.T) {
		srv := newDemo(t)
		srv.SetControllersLicensed(false)
		out, err := runOn(t, srv.Client())
		require.ErrorIs(t, err, runnerapi.ErrNotFound)
		assert.Contains(t, err.Error(), "not available on this instance")
		assert.Empty(t, out)
		assert.Zero(t, srv.Counters().ControllersCreated)
	})
}

func TestControllersStartWithoutEnvUsesTheFake(t *testing.T) {
	t.Setenv("GITLAB_URL", "")
	t.Setenv("GITLAB_TOKEN", "")
	var out bytes.Buffer
	require.NoError(t, start(context.Background(), &out, nil))
	got := out.String()
	assert.True(t, strings.HasPrefix(got, "Backend: embedded fake GitLab with demo data at http://127.0.0.1:"), got)
	assert.Contains(t, got, "Deleted controller #3")

	_, err := parseFlags(&out, []string{"stray"})
	require.ErrorContains(t, err, `unexpected argument "stray"`)
}
