package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/fleet"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

func collect(t *testing.T, f *fleet.Fleet, fl *fleet.Filter) ([]*fleet.Record, []error) {
	t.Helper()
	var recs []*fleet.Record
	var errs []error
	for rec, err := range f.Inventory(context.Background(), fl) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, rec)
	}
	return recs, errs
}

func TestInventoryDerivedFacts(t *testing.T) {
	e := newEnv(t)
	online := e.srv.AddRunner(runnerapitest.RunnerSpec{Description: "online", Tags: []string{"docker"}, CreatedAt: t0.Add(-100 * day),
		ContactedAt: ago(0), Managers: []runnerapitest.ManagerSpec{
			{SystemID: "a", Version: "18.5.0", ContactedAt: ago(10 * time.Minute)},
			{SystemID: "b", Version: "18.4.2", ContactedAt: ago(3 * time.Hour)},
			{SystemID: "c", Version: "18.5.0", ContactedAt: ago(30 * time.Minute)},
		}})
	stale := e.srv.AddRunner(runnerapitest.RunnerSpec{Description: "stale", Paused: true, CreatedAt: t0.Add(-100 * day), ContactedAt: ago(8 * day),
		Managers: []runnerapitest.ManagerSpec{{SystemID: "s", Version: "16.11.0", ContactedAt: ago(8 * day)}}})
	never := e.srv.AddRunner(runnerapitest.RunnerSpec{Description: "never", CreatedAt: t0.Add(-2 * day)})
	e.srv.AddJobs(1, runnerapitest.JobSpec{RunnerID: online.ID, Status: "running"})

	recs, errs := collect(t, e.fleet, nil)
	require.Empty(t, errs)
	require.Len(t, recs, 3)
	byDesc := map[string]*fleet.Record{}
	for _, r := range recs {
		byDesc[r.Runner.Description] = r
	}
	on := byDesc["online"]
	assert.Equal(t, online.ID, on.Runner.ID)
	assert.Equal(t, []string{"18.4.2", "18.5.0"}, on.Versions)
	assert.Equal(t, 2, on.OnlineManagers)
	assert.Len(t, on.Managers, 3)
	assert.True(t, on.Online)
	assert.True(t, on.Busy)
	assert.False(t, on.Stale)
	assert.False(t, on.Paused)
	require.NotNil(t, on.LastContact)
	assert.Equal(t, t0, *on.LastContact)
	assert.Nil(t, on.Runner.Projects, "details are fetched without projects")

	st := byDesc["stale"]
	assert.Equal(t, stale.ID, st.Runner.ID)
	assert.True(t, st.Stale)
	assert.True(t, st.Paused)
	assert.False(t, st.Online)
	assert.False(t, st.Busy)
	assert.Equal(t, 0, st.OnlineManagers)

	nv := byDesc["never"]
	assert.Equal(t, never.ID, nv.Runner.ID)
	assert.Nil(t, nv.LastContact)
	assert.Equal(t, t0.Add(-2*day), nv.LastActivity)
	assert.False(t, nv.Stale)
	assert.Empty(t, nv.Versions)
}

func TestInventoryFilters(t *testing.T) {
	e := newEnv(t)
	g := e.srv.AddGroup("g", 0)
	p := e.srv.AddProject("p", g.ID)
	inst := e.srv.AddRunners(3, runnerapitest.RunnerSpec{Tags: []string{"docker", "linux"}})
	grp := e.srv.AddRunners(2, runnerapitest.RunnerSpec{Type: "group_type", GroupID: g.ID, Tags: []string{"docker"}})
	prj := e.srv.AddRunners(2, runnerapitest.RunnerSpec{Type: "project_type", ProjectIDs: []int64{p.ID}, Tags: []string{"linux"}})
	tests := []struct {
		name string
		fl   *fleet.Filter
		want []int64
	}{
		{"all", nil, append(append(ids(inst), ids(grp)...), ids(prj)...)},
		{"one type", &fleet.Filter{Types: []runnerapi.RunnerType{runnerapi.RunnerTypeGroup}}, ids(grp)},
		{"two types", &fleet.Filter{Types: []runnerapi.RunnerType{runnerapi.RunnerTypeGroup, runnerapi.RunnerTypeProject}}, append(ids(grp), ids(prj)...)},
		{"tags", &fleet.Filter{RunnerFilter: runnerapi.RunnerFilter{TagList: []string{"docker", "linux"}}}, ids(inst)},
		{"type and tag", &fleet.Filter{Types: []runnerapi.RunnerType{runnerapi.RunnerTypeInstance, runnerapi.RunnerTypeProject}, RunnerFilter: runnerapi.RunnerFilter{TagList: []string{"linux"}}}, append(ids(inst), ids(prj)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, errs := collect(t, e.fleet, tt.fl)
			require.Empty(t, errs)
			var got []int64
			for _, r := range recs {
				got = append(got, r.Runner.ID)
			}
			assert.Equal(t, tt.want, got, "in list order")
			ids, err := e.fleet.IDs(context.Background(), tt.fl)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids)
		})
	}
}

func TestInventoryBadFilterSendsNothing(t *testing.T) {
	tests := []struct {
		fl    fleet.Filter
		field string
	}{
		{fleet.Filter{Types: []runnerapi.RunnerType{"instance_type", "shared"}}, "Filter.Types[1]"},
		{fleet.Filter{RunnerFilter: runnerapi.RunnerFilter{Status: runnerapi.Ptr(runnerapi.RunnerStatus("sleeping"))}}, "ListRunnersOptions.Status"},
		{fleet.Filter{RunnerFilter: runnerapi.RunnerFilter{Type: runnerapi.Ptr(runnerapi.RunnerTypeGroup)}, Types: []runnerapi.RunnerType{runnerapi.RunnerTypeGroup}}, "Filter.Types"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			e := newEnv(t)
			_, errs := collect(t, e.fleet, &tt.fl)
			require.Len(t, errs, 1)
			var ve *runnerapi.ValidationError
			require.ErrorAs(t, errs[0], &ve)
			assert.Equal(t, tt.field, ve.Field)
			_, err := e.fleet.IDs(context.Background(), &tt.fl)
			assert.ErrorIs(t, err, runnerapi.ErrInvalidInput)
			assert.Empty(t, e.srv.Requests())
		})
	}
}

func TestInventoryPerRunnerFailures(t *testing.T) {
	e := newEnv(t)
	rs := e.srv.AddRunners(5, runnerapitest.RunnerSpec{})
	// Runner 2 vanishes after the list (404): left out. Runner 4's managers fail: an ItemError.
	e.srv.AddFault(http.MethodGet, fmt.Sprintf("/runners/%d", rs[1].ID), 1, runnerapitest.Fault{Status: http.StatusNotFound})
	e.srv.AddFault(http.MethodGet, fmt.Sprintf("/runners/%d/managers", rs[3].ID), 1, runnerapitest.Fault{Status: http.StatusInternalServerError})
	recs, errs := collect(t, e.fleet, nil)
	var got []int64
	for _, r := range recs {
		got = append(got, r.Runner.ID)
	}
	assert.Equal(t, []int64{rs[0].ID, rs[2].ID, rs[4].ID}, got)
	require.Len(t, errs, 1)
	var ie *fleet.ItemError
	require.ErrorAs(t, errs[0], &ie)
	assert.Equal(t, rs[3].ID, ie.RunnerID)
	assert.ErrorIs(t, errs[0], runnerapi.ErrServer)
}

func TestInventoryListFailure(t *testing.T) {
	e := newEnv(t)
	e.srv.AddRunners(150, runnerapitest.RunnerSpec{})
	e.srv.SetFaultFunc(func(r *http.Request) runnerapitest.Fault {
		if r.URL.Path == "/api/v4/runners/all" && r.URL.Query().Get("page") == "2" {
			return runnerapitest.Fault{Status: http.StatusForbidden}
		}
		return runnerapitest.Fault{}
	})
	recs, errs := collect(t, e.fleet, nil)
	assert.Len(t, recs, 100, "the first page's runners")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], runnerapi.ErrForbidden)
	var ie *fleet.ItemError
	assert.False(t, errors.As(errs[0], &ie), "a list failure is not an item failure")
}

func TestInventoryBoundedConcurrency(t *testing.T) {
	clk := newClock()
	srv := runnerapitest.NewServer(runnerapitest.WithClock(clk.Now))
	defer srv.Close()
	srv.AddRunners(120, runnerapitest.RunnerSpec{Managers: []runnerapitest.ManagerSpec{{SystemID: "x"}}})
	ct := &countingTransport{base: http.DefaultTransport}
	var progress []fleet.Progress
	f, err := fleet.New(clientWith(srv, ct), fleet.WithClock(clk), fleet.WithConcurrency(3),
		fleet.WithProgress(func(p fleet.Progress) { progress = append(progress, p) }))
	require.NoError(t, err)
	recs, errs := collect(t, f, nil)
	require.Empty(t, errs)
	assert.Len(t, recs, 120)
	// 3 per-runner requests plus the list, read one page ahead.
	assert.LessOrEqual(t, ct.max.Load(), int64(3+2))
	require.Len(t, progress, 120)
	// GitLab counts lists up to 10,000 rows: Total comes from the first page.
	for _, p := range progress {
		assert.Equal(t, 120, p.Total)
	}
	assert.Equal(t, fleet.Progress{Op: "inventory", Done: 120, Total: 120, Current: recs[119].Runner.ID}, progress[119])
	noFleetGoroutines(t)
}

func TestInventoryEarlyBreakStopsEverything(t *testing.T) {
	e := newEnv(t, fleet.WithConcurrency(4))
	e.srv.AddRunners(300, runnerapitest.RunnerSpec{})
	n := 0
	for rec, err := range e.fleet.Inventory(context.Background(), nil) {
		require.NoError(t, err)
		require.NotNil(t, rec)
		if n++; n == 3 {
			break
		}
	}
	noFleetGoroutines(t)
	gets := len(e.requests(http.MethodGet, "/managers"))
	assert.Less(t, gets, 300, "no runner after the break is fetched to the end")
}

func TestInventoryCancelledContext(t *testing.T) {
	e := newEnv(t)
	e.srv.AddRunners(3, runnerapitest.RunnerSpec{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errs []error
	for _, err := range e.fleet.Inventory(ctx, nil) {
		errs = append(errs, err)
	}
	require.NotEmpty(t, errs)
	assert.ErrorIs(t, errs[len(errs)-1], context.Canceled)
	noFleetGoroutines(t)
}
