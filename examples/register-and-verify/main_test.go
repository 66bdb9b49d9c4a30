package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

var fixedNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func newDemo(t *testing.T) *runnerapitest.Server {
	t.Helper()
	srv := runnerapitest.NewServer(runnerapitest.WithDemoData(), runnerapitest.WithClock(func() time.Time { return fixedNow }))
	t.Cleanup(srv.Close)
	return srv
}

func runOn(t *testing.T, client *runnerapi.Client, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), env{client: client, out: &out}, args)
	return out.String(), err
}

// issuedToken returns the runner token the program sent to POST /runners/verify.
func issuedToken(t *testing.T, srv *runnerapitest.Server) string {
	t.Helper()
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/api/v4/runners/verify" {
			var body struct {
				Token string `json:"token"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &body))
			return body.Token
		}
	}
	t.Fatal("no POST /runners/verify was sent")
	return ""
}

func TestRegisterVerifyDeleteWorkflow(t *testing.T) {
	srv := newDemo(t)
	before := srv.RunnerIDs()
	out, err := runOn(t, srv.Client(), "-tags", "example, gpu", "-description", "ci smoke runner", "-system-id", "s_0123456789ab")
	require.NoError(t, err)

	want := []string{
		"1. Created instance runner #26 (POST /user/runners)",
		"   description: ci smoke runner",
		"   tags:        example,gpu",
		"   token:       glrt-t1_****** (32 chars, redacted), expires: never",
		"   status:      never_contacted (no runner process has used the token yet)",
		"2. Verified the token (POST /runners/verify) as manager s_0123456789ab: runner #26",
		"   managers:    1 (s_0123456789ab)",
		"3. Unregistered runner #26 with its own token (DELETE /runners)",
		"4. Runner #26 is gone: GET /runners/26 answers 404",
		"   and its token is refused: POST /runners/verify answers 403",
	}
	assert.Equal(t, strings.Join(want, "\n")+"\n", out)

	token := issuedToken(t, srv)
	require.True(t, strings.HasPrefix(token, "glrt-"), "a created runner has a glrt- token")
	assert.NotContains(t, out, token)
	assert.NotContains(t, out, token[len("glrt-t1_"):len("glrt-t1_")+6], "no part of the secret is printed")

	c := srv.Counters()
	assert.EqualValues(t, 1, c.RunnersCreated)
	assert.EqualValues(t, 1, c.RunnersDeleted)
	assert.Equal(t, before, srv.RunnerIDs(), "nothing left behind")

	// What reached the server, in order; runner-token calls carry no user credentials.
	var calls []string
	for _, r := range srv.Requests() {
		calls = append(calls, r.Method+" "+r.Path)
		switch r.Path {
		case "/api/v4/user/runners":
			var body map[string]any
			require.NoError(t, json.Unmarshal(r.Body, &body))
			assert.Equal(t, "instance_type", body["runner_type"])
			assert.Equal(t, "ci smoke runner", body["description"])
			assert.Equal(t, []any{"example", "gpu"}, body["tag_list"])
			assert.Equal(t, srv.AdminToken(), r.Header.Get("Private-Token"))
		case "/api/v4/runners/verify", "/api/v4/runners":
			assert.Empty(t, r.Header.Get("Private-Token"), r.Method+" "+r.Path)
			assert.Contains(t, string(r.Body), token, "the token travels in the body")
		}
		assert.NotContains(t, r.RawQuery, token)
	}
	assert.Equal(t, []string{
		"POST /api/v4/user/runners",
		"GET /api/v4/runners/26",
		"POST /api/v4/runners/verify",
		"GET /api/v4/runners/26/managers",
		"DELETE /api/v4/runners",
		"GET /api/v4/runners/26",
		"POST /api/v4/runners/verify",
	}, calls)
}

func TestRegisterCleansUpWhenAStepFails(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		status int
		want   error
	}{
		{"verify refused", http.MethodPost, "/api/v4/runners/verify", http.StatusForbidden, runnerapi.ErrForbidden},
		{"managers fail", http.MethodGet, "/api/v4/runners/26/managers", http.StatusInternalServerError, runnerapi.ErrServer},
		{"delete by token fails", http.MethodDelete, "/api/v4/runners", http.StatusBadGateway, runnerapi.ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDemo(t)
			before := srv.RunnerIDs()
			// Exact-path faults: the prefix "/api/v4/runners" must not hit the cleanup DELETE /runners/26.
			srv.SetFaultFunc(func(r *http.Request) runnerapitest.Fault {
				if r.Method == tt.method && r.URL.Path == tt.path {
					return runnerapitest.Fault{Status: tt.status}
				}
				return runnerapitest.Fault{}
			})
			out, err := runOn(t, srv.Client(), "-system-id", "s_0123456789ab")
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, out, "Cleanup: deleted runner #26 after the failure.")
			assert.EqualValues(t, 1, srv.Counters().RunnersCreated)
			assert.EqualValues(t, 1, srv.Counters().RunnersDeleted)
			assert.Equal(t, before, srv.RunnerIDs(), "the runner was removed by ID")
		})
	}
}

func TestRegisterNeedsAnAdministrator(t *testing.T) {
	srv := newDemo(t)
	dev := srv.AddUser("dev", false)
	client, err := runnerapi.NewClient(srv.URL(), runnerapi.WithPrivateToken(dev.Token), runnerapi.WithoutRetries())
	require.NoError(t, err)
	out, err := runOn(t, client)
	require.ErrorIs(t, err, runnerapi.ErrForbidden)
	assert.Contains(t, err.Error(), "creating an instance runner needs an administrator's token")
	assert.Empty(t, out)
	assert.Zero(t, srv.Counters().RunnersCreated)
}

func TestRegisterDefaultsAndStart(t *testing.T) {
	t.Setenv("GITLAB_URL", "")
	t.Setenv("GITLAB_TOKEN", "")
	var out bytes.Buffer
	require.NoError(t, start(context.Background(), &out, nil))
	got := out.String()
	assert.True(t, strings.HasPrefix(got, "Backend: embedded fake GitLab with demo data at http://127.0.0.1:"), got)
	assert.Contains(t, got, "   tags:        example,docker\n")
	assert.Regexp(t, `as manager s_[0-9a-f]{12}: runner #26\n`, got)
	assert.Contains(t, got, "4. Runner #26 is gone")

	_, err := parseFlags(&out, []string{"stray"})
	require.ErrorContains(t, err, `unexpected argument "stray"`)
}
