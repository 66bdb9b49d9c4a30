package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi/runnerapitest"
)

var t0 = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// testClock advances at once on Sleep and calls onSleep.
type testClock struct {
	mu      sync.Mutex
	now     time.Time
	onSleep func(n int)
	n       int
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.n++
	n, hook := c.n, c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return nil
}

type result struct {
	code           int
	stdout, stderr string
	srv            *runnerapitest.Server
}

// runDemo runs runnerctl with -demo on a fake that shares a test clock.
func runDemo(t *testing.T, clk *testClock, args ...string) result {
	t.Helper()
	if clk == nil {
		clk = &testClock{now: t0}
	}
	var srv *runnerapitest.Server
	newDemo = func() *runnerapitest.Server {
		srv = runnerapitest.NewServer(runnerapitest.WithDemoData(), runnerapitest.WithClock(clk.Now))
		return srv
	}
	clock = clk
	keep := false
	t.Cleanup(func() {
		if !keep && srv != nil {
			srv.Close()
		}
	})
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"-demo"}, args...), &out, &errb, func(string) string { return "" }, false)
	return result{code, out.String(), errb.String(), srv}
}

func count(srv *runnerapitest.Server, method string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}

func TestInventoryFormats(t *testing.T) {
	t.Run("table", func(t *testing.T) {
		r := runDemo(t, nil, "inventory")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "ID  TYPE")
		assert.Contains(t, r.stdout, "legacy-ci-box")
		assert.Contains(t, r.stdout, "25 runners\n")
		assert.Empty(t, r.stderr, "no progress when stderr is not a terminal")
	})
	t.Run("json", func(t *testing.T) {
		r := runDemo(t, nil, "inventory", "-format", "json", "-type", "group_type")
		require.Equal(t, exitOK, r.code, r.stderr)
		var rows []inventoryRow
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
		require.Len(t, rows, 5)
		for _, row := range rows {
			assert.Equal(t, "group_type", row.Type)
		}
		assert.Equal(t, []string{"18.5.0"}, rows[0].Versions)
	})
	t.Run("csv", func(t *testing.T) {
		r := runDemo(t, nil, "inventory", "-format", "csv", "-tag", "docker,linux")
		require.Equal(t, exitOK, r.code, r.stderr)
		recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		require.NoError(t, err)
		assert.Equal(t, inventoryHeader, recs[0])
		assert.Len(t, recs, 1+8)
	})
	t.Run("sends no change", func(t *testing.T) {
		r := runDemo(t, nil, "inventory")
		assert.Equal(t, 0, count(r.srv, http.MethodPut)+count(r.srv, http.MethodDelete)+count(r.srv, http.MethodPost))
	})
}

func TestPruneDryRunSendsNoDelete(t *testing.T) {
	for _, format := range []string{"table", "json"} {
		t.Run(format, func(t *testing.T) {
			r := runDemo(t, nil, "prune", "-older-than", "7d", "-format", format)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Equal(t, 0, count(r.srv, http.MethodDelete))
			assert.Len(t, r.srv.RunnerIDs(), 25)
			if format == "json" {
				var plan struct {
					Candidates []struct {
						ID     int64  `json:"id"`
						Reason string `json:"reason"`
					} `json:"candidates"`
					ScanTime time.Time `json:"scan_time"`
				}
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &plan))
				assert.Len(t, plan.Candidates, 6)
				assert.Equal(t, t0, plan.ScanTime)
			} else {
				assert.Contains(t, r.stdout, "6 runners would be deleted")
				assert.Contains(t, r.stdout, "Dry run: nothing was deleted")
			}
		})
	}
}

func TestPruneApply(t *testing.T) {
	r := runDemo(t, nil, "prune", "-older-than", "30d", "-apply")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "prune: 3 done, 0 skipped, 0 failed")
	assert.Equal(t, 3, count(r.srv, http.MethodDelete))
	assert.Len(t, r.srv.RunnerIDs(), 22)
}

func TestPauseUnpauseByIDAndTag(t *testing.T) {
	r := runDemo(t, nil, "pause", "-tag", "k8s")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "pause: 3 done")
	for _, id := range []int64{14, 15, 16} {
		st, _ := r.srv.Runner(id)
		assert.True(t, st.Paused)
	}
	r = runDemo(t, nil, "unpause", "-format", "json", "12", "13")
	require.Equal(t, exitOK, r.code, r.stderr)
	var rep struct {
		Op    string `json:"op"`
		Done  int    `json:"done"`
		Items []struct {
			ID      int64  `json:"id"`
			Outcome string `json:"outcome"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, "unpause", rep.Op)
	assert.Equal(t, 2, rep.Done)
	st, _ := r.srv.Runner(12)
	assert.False(t, st.Paused)
}

func TestSomeItemsFailExitsOne(t *testing.T) {
	r := runDemo(t, nil, "pause", "2", "9999")
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stdout, "9999")
	assert.Contains(t, r.stdout, "failed")
	assert.Contains(t, r.stderr, "pause: 1 of 2 failed")
}

func TestDrain(t *testing.T) {
	t.Run("idle runners", func(t *testing.T) {
		r := runDemo(t, nil, "drain", "-unpause", "2", "3")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "drain: 2 done")
		st, _ := r.srv.Runner(2)
		assert.False(t, st.Paused)
	})
	t.Run("timeout", func(t *testing.T) {
		clk := &testClock{now: t0}
		// Runner 1 has a running job in the demo data that never ends.
		r := runDemo(t, clk, "drain", "-timeout", "2m", "-format", "json", "1")
		assert.Equal(t, exitFailed, r.code)
		assert.Contains(t, r.stdout, `"running_jobs"`)
		assert.Contains(t, r.stderr, "drain: 1 of 1 failed")
		st, _ := r.srv.Runner(1)
		assert.True(t, st.Paused)
	})
}

func TestRenewToken(t *testing.T) {
	t.Run("demo runner", func(t *testing.T) {
		r := runDemo(t, nil, "renew-token", "-before", "7d")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "renewed: new token expires")
	})
	t.Run("token file", func(t *testing.T) {
		clk := &testClock{now: t0}
		file := filepath.Join(t.TempDir(), "token")
		var srv *runnerapitest.Server
		var old string
		newDemo = func() *runnerapitest.Server {
			srv = runnerapitest.NewServer(runnerapitest.WithDemoData(), runnerapitest.WithClock(clk.Now))
			rr := srv.AddRunner(runnerapitest.RunnerSpec{})
			exp := t0.Add(time.Hour)
			require.NoError(t, srv.SetRunnerTokenExpiry(rr.ID, &exp))
			old = rr.Token
			require.NoError(t, os.WriteFile(file, []byte(old+"\n"), 0o600))
			return srv
		}
		clock = clk
		defer func() { srv.Close() }()
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"-demo", "renew-token", "-token-file", file}, &out, &errb, func(string) string { return "" }, false)
		require.Equal(t, exitOK, code, errb.String())
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		renewed := strings.TrimSpace(string(b))
		assert.NotEqual(t, old, renewed)
		assert.NotContains(t, out.String()+errb.String(), renewed, "the token is never printed")
		fi, err := os.Stat(file)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	})
}

func TestUsageErrorsExitTwo(t *testing.T) {
	tests := [][]string{
		{},
		{"frobnicate"},
		{"inventory", "-format", "xml"},
		{"inventory", "-nope"},
		{"prune", "-older-than", "soon"},
		{"pause"},
		{"pause", "abc"},
		{"pause", "-tag", "x", "12"},
		{"drain", "-poll", "1m", "-max-poll", "1s", "1"},
		{"inventory", "-type", "shared"},
		{"-concurrency", "0", "inventory"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runDemo(t, nil, args...)
			assert.Equal(t, exitUsage, r.code, r.stdout+r.stderr)
			assert.NotEmpty(t, r.stderr)
			if r.srv != nil {
				assert.Equal(t, 0, count(r.srv, http.MethodPut)+count(r.srv, http.MethodDelete))
			}
		})
	}
}

func TestNeedsEnvironmentWithoutDemo(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"inventory"}, &out, &errb, func(string) string { return "" }, false)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "GITLAB_URL")
}

func TestEnvironmentAndProgress(t *testing.T) {
	srv := runnerapitest.NewServer(runnerapitest.WithDemoData())
	defer srv.Close()
	env := map[string]string{"GITLAB_URL": srv.URL(), "GITLAB_TOKEN": srv.AdminToken()}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"inventory", "-format", "csv"}, &out, &errb, func(k string) string { return env[k] }, true)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, errb.String(), "inventory: 25/25 done", "progress on a terminal")
	assert.NotContains(t, out.String(), "done,", "progress never goes to stdout")
}

func TestHelpExitsZero(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, exitOK, run(context.Background(), []string{"-h"}, &out, &errb, func(string) string { return "" }, false))
	assert.Equal(t, exitOK, run(context.Background(), []string{"-demo", "prune", "-h"}, &out, &errb, func(string) string { return "" }, false))
	assert.Contains(t, errb.String(), "-older-than")
}

// TestUsageErrorsNameTheAllowedValues: a bad filter value is answered with
// the values that are allowed, like the SDK's own validation errors.
func TestUsageErrorsNameTheAllowedValues(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"inventory", "-status", "asleep"}, `-status: "asleep" is not one of online, offline, stale, never_contacted, paused`},
		{[]string{"inventory", "-type", "shared"}, `-type: "shared" is not one of instance_type, group_type, project_type`},
		{[]string{"inventory", "-paused", "maybe"}, `-paused: "maybe" is not true or false`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runDemo(t, nil, tt.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}
