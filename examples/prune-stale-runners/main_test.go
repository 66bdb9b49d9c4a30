package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
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

func runOn(t *testing.T, srv *runnerapitest.Server, client *runnerapi.Client, args ...string) (string, error) {
	t.Helper()
	if client == nil {
		client = srv.Client()
	}
	var out bytes.Buffer
	err := run(context.Background(), env{client: client, out: &out, now: clock}, args)
	return out.String(), err
}

var rowID = regexp.MustCompile(`(?m)^(\d+)\s+(instance|group|project)\s`)

// listedIDs returns the runner IDs in the output's table.
func listedIDs(out string) []int64 {
	var ids []int64
	for _, m := range rowID.FindAllStringSubmatch(out, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// requestsOf returns the requests with this method.
func requestsOf(srv *runnerapitest.Server, method string) []runnerapitest.RecordedRequest {
	var out []runnerapitest.RecordedRequest
	for _, r := range srv.Requests() {
		if r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// In the demo fleet, with the clock at fixedNow: 9-11 last contacted 45 days
// ago, 17-18 12 days ago, 25 created 20 days ago and never contacted, 22
// created 3 days ago and never contacted, 7-8 contacted 5 hours ago; the rest
// within the last 2 hours.
var defaultStale = []int64{9, 10, 11, 17, 18, 25}

func TestPruneDryRunDeletesNothing(t *testing.T) {
	srv := newDemo(t)
	before := srv.RunnerIDs()
	out, err := runOn(t, srv, nil)
	require.NoError(t, err)

	assert.Equal(t, defaultStale, listedIDs(out))
	assert.Contains(t, out, "no activity since 2026-03-07 12:00 UTC (older than 7d), type: any, tags: any")
	assert.Contains(t, out, "Server-side filter: status=stale")
	assert.Regexp(t, `(?m)^25\s+instance\s+stale\s+abandoned-registration\s+-\s+never\s+20d ago$`, out)
	assert.Contains(t, out, "Dry run: nothing deleted. Re-run with -apply to delete these 6 runner(s).")

	assert.Empty(t, requestsOf(srv, http.MethodDelete))
	assert.Zero(t, srv.Counters().RunnersDeleted)
	assert.Equal(t, before, srv.RunnerIDs())
	// The list went through the admin endpoint with the stale filter.
	lists := 0
	for _, r := range requestsOf(srv, http.MethodGet) {
		if r.Path == "/api/v4/runners/all" {
			lists++
			assert.Contains(t, r.RawQuery, "status=stale")
		}
	}
	assert.Equal(t, 1, lists)
}

func TestPruneApplyDeletesOnlyStaleRunners(t *testing.T) {
	srv := newDemo(t)
	before := srv.RunnerIDs()
	out, err := runOn(t, srv, nil, "-apply")
	require.NoError(t, err)

	for _, id := range defaultStale {
		assert.Contains(t, out, "  deleted runner #"+strconv.FormatInt(id, 10)+" (")
	}
	assert.Contains(t, out, "Deleted 6 of 6 runner(s).")
	assert.EqualValues(t, 6, srv.Counters().RunnersDeleted)
	want := slices.DeleteFunc(before, func(id int64) bool { return slices.Contains(defaultStale, id) })
	assert.Equal(t, want, srv.RunnerIDs())

	// Each delete is conditional on the runner not having changed since the scan.
	deletes := requestsOf(srv, http.MethodDelete)
	require.Len(t, deletes, 6)
	for _, d := range deletes {
		assert.Equal(t, fixedNow.Format(http.TimeFormat), d.Header.Get("If-Unmodified-Since"), d.Path)
	}
}

func TestPruneFilters(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		want       []int64
		wantStatus bool // the server-side status=stale filter was used
		wantQuery  string
	}{
		{"group runners", []string{"-type", "group_type"}, []int64{17, 18}, true, "type=group_type"},
		{"one tag", []string{"-tag", "shell"}, []int64{9, 10, 11}, true, "tag_list=shell"},
		{"comma list of tags", []string{"-tag", "node,docker"}, []int64{17, 18}, true, "tag_list=node%2Cdocker"},
		{"repeated tag flag", []string{"-tag", "node", "-tag", "docker"}, []int64{17, 18}, true, "tag_list=node%2Cdocker"},
		{"30 days", []string{"-older-than", "30d"}, []int64{9, 10, 11}, true, ""},
		{"720h equals 30 days", []string{"-older-than", "720h"}, []int64{9, 10, 11}, true, ""},
		{"below the stale threshold", []string{"-older-than", "1d12h"}, []int64{9, 10, 11, 17, 18, 22, 25}, false, ""},
		{"4 hours", []string{"-older-than", "4h"}, []int64{7, 8, 9, 10, 11, 17, 18, 22, 25}, false, ""},
		{"nothing matches", []string{"-type", "project_type"}, nil, true, "type=project_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDemo(t)
			out, err := runOn(t, srv, nil, tt.args...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, listedIDs(out))
			if tt.want == nil {
				assert.Contains(t, out, "Found 0 stale runner(s)")
				assert.NotContains(t, out, "Dry run")
			}
			assert.Empty(t, requestsOf(srv, http.MethodDelete))
			var query string
			for _, r := range requestsOf(srv, http.MethodGet) {
				if r.Path == "/api/v4/runners/all" {
					query = r.RawQuery
				}
			}
			assert.Equal(t, tt.wantStatus, strings.Contains(query, "status=stale"), query)
			assert.Contains(t, query, tt.wantQuery)
		})
	}
}

func TestPruneApplyReportsSkipsAndFailures(t *testing.T) {
	srv := newDemo(t)
	srv.AddFault(http.MethodDelete, "/api/v4/runners/10", 1, runnerapitest.Fault{Status: http.StatusPreconditionFailed})
	srv.AddFault(http.MethodDelete, "/api/v4/runners/17", 1, runnerapitest.Fault{Status: http.StatusInternalServerError})
	srv.AddFault(http.MethodDelete, "/api/v4/runners/18", 1, runnerapitest.Fault{Status: http.StatusNotFound})
	out, err := runOn(t, srv, nil, "-apply")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 runner(s) could not be deleted")

	assert.Contains(t, out, "  skipped runner #10: changed since the scan (412)")
	assert.Contains(t, out, "  FAILED runner #17: ")
	assert.Contains(t, out, "  skipped runner #18: already gone (404)")
	assert.Contains(t, out, "Deleted 3 of 6 runner(s).")
	// The failure did not stop the runners after it.
	assert.EqualValues(t, 3, srv.Counters().RunnersDeleted)
	for id, gone := range map[int64]bool{9: true, 10: false, 11: true, 17: false, 18: false, 25: true} {
		_, exists := srv.Runner(id)
		assert.Equal(t, !gone, exists, "runner %d", id)
	}
}

func TestPruneAsNonAdminChecksOwnRunners(t *testing.T) {
	srv := newDemo(t)
	owner := srv.AddUser("team-owner", false)
	team := srv.AddGroup("team", 0)
	srv.AddGroupMember(team.ID, owner.ID, runnerapitest.RoleOwner)
	old := fixedNow.Add(-40 * 24 * time.Hour)
	recent := fixedNow.Add(-time.Hour)
	staleID := srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", GroupID: team.ID, Description: "team-old", CreatedAt: old, ContactedAt: &old}).ID
	liveID := srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", GroupID: team.ID, Description: "team-live", CreatedAt: old, ContactedAt: &recent}).ID
	client, err := runnerapi.NewClient(srv.URL(), runnerapi.WithPrivateToken(owner.Token), runnerapi.WithoutRetries())
	require.NoError(t, err)

	out, err := runOn(t, srv, client, "-apply")
	require.NoError(t, err)
	assert.Contains(t, out, "Not an administrator's token: only the runners you own are checked")
	assert.Equal(t, []int64{staleID}, listedIDs(out))
	_, exists := srv.Runner(staleID)
	assert.False(t, exists)
	_, exists = srv.Runner(liveID)
	assert.True(t, exists)
	_, exists = srv.Runner(9) // an instance runner the user cannot see is untouched
	assert.True(t, exists)
}

func TestPruneRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-older-than", "1x"}, `invalid value "1x" for flag -older-than`},
		{[]string{"-older-than", "0s"}, "-older-than must be positive"},
		{[]string{"-older-than", "-5d"}, "invalid day count"},
		{[]string{"-type", "shared"}, `-type "shared" is not instance_type, group_type or project_type`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			srv := newDemo(t)
			_, err := runOn(t, srv, nil, tt.args...)
			require.ErrorContains(t, err, tt.want)
			assert.Empty(t, srv.Requests(), "nothing is sent for a bad command line")
		})
	}
}

func TestParseDaysAndFormat(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		text string
	}{
		{"7d", 7 * 24 * time.Hour, "7d"},
		{"168h", 7 * 24 * time.Hour, "7d"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{"36h", 36 * time.Hour, "1d12h"},
		{"90m", 90 * time.Minute, "1h30m"},
		{"20m", 20 * time.Minute, "20m"},
		{"2d30m", 48*time.Hour + 30*time.Minute, "2d30m"},
	}
	for _, tt := range tests {
		got, err := parseDays(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.text, days(got), tt.in)
	}
	for _, bad := range []string{"d", "xd", "7dd", "7d1", "1w"} {
		_, err := parseDays(bad)
		assert.Error(t, err, bad)
	}
}

func TestPruneStartWithoutEnvUsesTheFake(t *testing.T) {
	t.Setenv("GITLAB_URL", "")
	t.Setenv("GITLAB_TOKEN", "")
	var out bytes.Buffer
	require.NoError(t, start(context.Background(), &out, nil))
	got := out.String()
	assert.True(t, strings.HasPrefix(got, "Backend: embedded fake GitLab with demo data at http://127.0.0.1:"), got)
	assert.Contains(t, got, "Note: the fake is discarded on exit")
	assert.Equal(t, defaultStale, listedIDs(got))
}
