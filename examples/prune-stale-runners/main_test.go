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
	"github.com/runnerkit/runnerapi/fleet"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

var fixedNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time                                   { return fixedNow }
func (fixedClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func newDemo(t *testing.T) *runnerapitest.Server {
	t.Helper()
	srv := runnerapitest.NewServer(runnerapitest.WithDemoData(), runnerapitest.WithClock(fixedClock{}.Now))
	t.Cleanup(srv.Close)
	return srv
}

func runOn(t *testing.T, client *runnerapi.Client, args ...string) (string, error) {
	t.Helper()
	f, err := fleet.New(client, fleet.WithClock(fixedClock{}))
	require.NoError(t, err)
	var out bytes.Buffer
	err = run(context.Background(), f, &out, args)
	return out.String(), err
}

var rowID = regexp.MustCompile(`(?m)^  #(\d+) `)

func listedIDs(out string) []int64 {
	var ids []int64
	for _, m := range rowID.FindAllStringSubmatch(out, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

func deletes(srv *runnerapitest.Server) []runnerapitest.RecordedRequest {
	var out []runnerapitest.RecordedRequest
	for _, r := range srv.Requests() {
		if r.Method == http.MethodDelete {
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
	out, err := runOn(t, srv.Client())
	require.NoError(t, err)
	assert.Equal(t, defaultStale, listedIDs(out))
	assert.Contains(t, out, `#25 instance_type "abandoned-registration": never contacted, created 20d ago`)
	assert.Contains(t, out, "Dry run: nothing deleted.")
	assert.Empty(t, deletes(srv))
	assert.Len(t, srv.RunnerIDs(), 25)
}

func TestPruneApplyDeletesOnlyStaleRunners(t *testing.T) {
	srv := newDemo(t)
	before := srv.RunnerIDs()
	out, err := runOn(t, srv.Client(), "-apply")
	require.NoError(t, err)
	assert.Contains(t, out, "Deleted 6, skipped 0, failed 0.")
	want := slices.DeleteFunc(before, func(id int64) bool { return slices.Contains(defaultStale, id) })
	assert.Equal(t, want, srv.RunnerIDs())
	for _, d := range deletes(srv) {
		assert.Equal(t, fixedNow.Format(http.TimeFormat), d.Header.Get("If-Unmodified-Since"), d.Path)
	}
}

func TestPruneFilters(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []int64
	}{
		{"group runners", []string{"-type", "group_type"}, []int64{17, 18}},
		{"one tag", []string{"-tag", "shell"}, []int64{9, 10, 11}},
		{"two tags", []string{"-tag", "node,docker"}, []int64{17, 18}},
		{"30 days", []string{"-older-than", "30d"}, []int64{9, 10, 11}},
		{"below the stale threshold", []string{"-older-than", "36h"}, []int64{9, 10, 11, 17, 18, 22, 25}},
		{"nothing matches", []string{"-type", "project_type"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDemo(t)
			out, err := runOn(t, srv.Client(), tt.args...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, listedIDs(out))
			assert.Empty(t, deletes(srv))
		})
	}
}

func TestPruneApplyReportsSkipsAndFailures(t *testing.T) {
	srv := newDemo(t)
	srv.AddFault(http.MethodDelete, "/api/v4/runners/10", 1, runnerapitest.Fault{Status: http.StatusPreconditionFailed})
	srv.AddFault(http.MethodDelete, "/api/v4/runners/17", 1, runnerapitest.Fault{Status: http.StatusInternalServerError})
	out, err := runOn(t, srv.Client(), "-apply")
	require.ErrorIs(t, err, runnerapi.ErrServer)
	assert.Contains(t, out, "skipped #10 changed since the scan")
	assert.Contains(t, out, "failed #17 ")
	assert.Contains(t, out, "Deleted 4, skipped 1, failed 1.")
}

func TestPruneAsNonAdminChecksOwnRunners(t *testing.T) {
	srv := newDemo(t)
	owner := srv.AddUser("team-owner", false)
	team := srv.AddGroup("team", 0)
	srv.AddGroupMember(team.ID, owner.ID, runnerapitest.RoleOwner)
	old := fixedNow.Add(-40 * 24 * time.Hour)
	recent := fixedNow.Add(-time.Hour)
	staleID := srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", GroupID: team.ID, CreatedAt: old, ContactedAt: &old}).ID
	srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", GroupID: team.ID, CreatedAt: old, ContactedAt: &recent})
	client, err := runnerapi.NewClient(srv.URL(), runnerapi.WithPrivateToken(owner.Token), runnerapi.WithoutRetries())
	require.NoError(t, err)
	out, err := runOn(t, client, "-apply")
	require.NoError(t, err)
	assert.Contains(t, out, "Not an administrator's token")
	assert.Equal(t, []int64{staleID}, listedIDs(out))
	_, exists := srv.Runner(9)
	assert.True(t, exists, "an instance runner the user cannot see is untouched")
}

func TestPruneRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-older-than", "1x"}, {"-older-than", "0d"}, {"-older-than", "-5d"}, {"-type", "shared"}, {"extra"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			srv := newDemo(t)
			_, err := runOn(t, srv.Client(), args...)
			require.Error(t, err)
			assert.Empty(t, srv.Requests(), "nothing is sent for a bad command line")
		})
	}
}

func TestPruneStartWithoutEnvUsesTheFake(t *testing.T) {
	t.Setenv("GITLAB_URL", "")
	t.Setenv("GITLAB_TOKEN", "")
	var out bytes.Buffer
	require.NoError(t, start(context.Background(), &out, nil))
	assert.True(t, strings.HasPrefix(out.String(), "Backend: embedded fake GitLab with demo data at http://127.0.0.1:"), out.String())
	assert.Equal(t, defaultStale, listedIDs(out.String()))
}
