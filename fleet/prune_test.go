package fleet_test

import (
	"context"
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

// boundaryFleet seeds runners at and around a cutoff of age before t0 and
// returns their IDs by name.
func boundaryFleet(e *env, age time.Duration) map[string]int64 {
	old := t0.Add(-400 * day)
	ms := time.Millisecond
	specs := map[string]runnerapitest.RunnerSpec{
		"contact at cutoff":        {CreatedAt: old, ContactedAt: ago(age)},
		"contact 1ms before":       {CreatedAt: old, ContactedAt: ago(age + ms)},
		"contact 1ms after":        {CreatedAt: old, ContactedAt: ago(age - ms)},
		"contact recent":           {CreatedAt: old, ContactedAt: ago(time.Minute)},
		"never, created at cutoff": {CreatedAt: t0.Add(-age)},
		"never, created 1ms after": {CreatedAt: t0.Add(-age + ms)},
		"never, created long ago":  {CreatedAt: old},
	}
	out := map[string]int64{}
	for name, spec := range specs {
		spec.Description = name
		out[name] = e.srv.AddRunner(spec).ID
	}
	return out
}

func TestPlanPruneBoundaries(t *testing.T) {
	for _, age := range []time.Duration{0, 30 * day, 36 * time.Hour} {
		t.Run(fmt.Sprint(age), func(t *testing.T) {
			e := newEnv(t)
			cutoff := age
			if cutoff == 0 {
				cutoff = fleet.StaleAfter // GitLab's rule
			}
			byName := boundaryFleet(e, cutoff)
			plan, err := e.fleet.PlanPrune(context.Background(), &fleet.PrunePolicy{OlderThan: age})
			require.NoError(t, err)
			assert.Equal(t, t0, plan.ScanTime)
			assert.Equal(t, t0.Add(-cutoff), plan.Cutoff)
			got := map[string]fleet.Candidate{}
			for _, c := range plan.Candidates {
				got[c.Description] = c
			}
			for _, name := range []string{"contact at cutoff", "contact 1ms before", "never, created at cutoff", "never, created long ago"} {
				c, ok := got[name]
				if assert.True(t, ok, "%s must be pruned", name) {
					assert.Equal(t, byName[name], c.ID)
				}
			}
			assert.Len(t, plan.Candidates, 4, "only those: %v", got)
			assert.True(t, got["never, created long ago"].NeverContacted)
			assert.Contains(t, got["never, created long ago"].Reason, "never contacted, created 400d ago")
			assert.False(t, got["contact at cutoff"].NeverContacted)
			assert.Equal(t, t0.Add(-cutoff), got["contact at cutoff"].LastActivity)
			assert.Contains(t, got["contact at cutoff"].Reason, "no contact for ")
			assert.Empty(t, e.requests(http.MethodDelete, ""), "a plan changes nothing")
			assert.Empty(t, e.requests(http.MethodPut, ""))
			lists := e.requests(http.MethodGet, "/runners/all")
			require.NotEmpty(t, lists)
			if cutoff >= fleet.StaleAfter {
				assert.Contains(t, lists[0].RawQuery, "status=stale", "GitLab narrows the list")
			} else {
				assert.NotContains(t, lists[0].RawQuery, "status=")
			}
		})
	}
}

func TestPlanPruneTypeTagAndKeep(t *testing.T) {
	e := newEnv(t)
	g := e.srv.AddGroup("g", 0)
	old := t0.Add(-30 * day)
	inst := e.srv.AddRunner(runnerapitest.RunnerSpec{CreatedAt: old, Tags: []string{"docker"}})
	instKeep := e.srv.AddRunner(runnerapitest.RunnerSpec{CreatedAt: old, Tags: []string{"docker"}, Description: "keep me"})
	grp := e.srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", GroupID: g.ID, CreatedAt: old, Tags: []string{"docker", "k8s"}})
	e.srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", GroupID: g.ID, CreatedAt: old, Tags: []string{"shell"}})
	e.srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", GroupID: g.ID, CreatedAt: t0, Tags: []string{"docker"}})
	keep := func(r *fleet.Record) bool { return r.Runner.Description == "keep me" }
	tests := []struct {
		name   string
		policy fleet.PrunePolicy
		want   []int64
		kept   int
	}{
		{"instance only", fleet.PrunePolicy{Filter: fleet.Filter{Types: []runnerapi.RunnerType{runnerapi.RunnerTypeInstance}}}, []int64{inst.ID, instKeep.ID}, 0},
		{"docker tag", fleet.PrunePolicy{Filter: fleet.Filter{RunnerFilter: runnerapi.RunnerFilter{TagList: []string{"docker"}}}}, []int64{inst.ID, instKeep.ID, grp.ID}, 0},
		{"group with k8s", fleet.PrunePolicy{Filter: fleet.Filter{Types: []runnerapi.RunnerType{runnerapi.RunnerTypeGroup}, RunnerFilter: runnerapi.RunnerFilter{TagList: []string{"k8s"}}}}, []int64{grp.ID}, 0},
		{"keep", fleet.PrunePolicy{Filter: fleet.Filter{RunnerFilter: runnerapi.RunnerFilter{TagList: []string{"docker"}}}, Keep: keep}, []int64{inst.ID, grp.ID}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := e.fleet.PlanPrune(context.Background(), &tt.policy)
			require.NoError(t, err)
			assert.Equal(t, tt.want, plan.IDs())
			assert.Equal(t, tt.kept, plan.Kept)
		})
	}
}

func TestPlanPruneValidates(t *testing.T) {
	tests := []struct {
		policy fleet.PrunePolicy
		field  string
	}{
		{fleet.PrunePolicy{OlderThan: -time.Hour}, "PrunePolicy.OlderThan"},
		{fleet.PrunePolicy{Filter: fleet.Filter{Types: []runnerapi.RunnerType{"specific"}}}, "PrunePolicy.Types[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			e := newEnv(t)
			plan, err := e.fleet.PlanPrune(context.Background(), &tt.policy)
			assert.Nil(t, plan)
			var ve *runnerapi.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.Empty(t, e.srv.Requests())
		})
	}
}

func TestApplyPruneSkipsRunnersTouchedAfterTheScan(t *testing.T) {
	e := newEnv(t)
	rs := e.srv.AddRunners(4, runnerapitest.RunnerSpec{CreatedAt: t0.Add(-30 * day)})
	plan, err := e.fleet.PlanPrune(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, ids(rs), plan.IDs())

	// Someone pauses runner 2 after the scan.
	e.clock.Advance(2 * time.Second)
	_, _, err = e.srv.Client().Runners.Pause(context.Background(), rs[1].ID)
	require.NoError(t, err)
	// Runner 3 is deleted by someone else.
	_, err = e.srv.Client().Runners.Delete(context.Background(), rs[2].ID)
	require.NoError(t, err)

	e.srv.ResetRequests()
	rep := e.fleet.ApplyPrune(context.Background(), plan)
	require.NoError(t, rep.Err())
	assert.Equal(t, "prune", rep.Op)
	assert.Equal(t, [3]int{2, 2, 0}, [3]int{rep.Done, rep.Skipped, rep.Failed})
	assert.Equal(t, fleet.Skipped, rep.Items[1].Outcome)
	assert.Contains(t, rep.Items[1].Reason, "412")
	assert.Equal(t, fleet.Skipped, rep.Items[2].Outcome)
	assert.Contains(t, rep.Items[2].Reason, "already deleted")
	_, exists := e.srv.Runner(rs[1].ID)
	assert.True(t, exists, "a runner changed after the scan is never deleted")
	for _, i := range []int{0, 3} {
		_, exists := e.srv.Runner(rs[i].ID)
		assert.False(t, exists)
	}
	dels := e.requests(http.MethodDelete, "/runners/")
	require.Len(t, dels, 3, "the runner found gone on the re-read gets no DELETE")
	for _, d := range dels {
		assert.Equal(t, t0.Format(http.TimeFormat), d.Header.Get("If-Unmodified-Since"))
	}
}

func TestApplyPrunePartialFailures(t *testing.T) {
	e := newEnv(t)
	rs := e.srv.AddRunners(5, runnerapitest.RunnerSpec{CreatedAt: t0.Add(-30 * day)})
	plan, err := e.fleet.PlanPrune(context.Background(), nil)
	require.NoError(t, err)
	e.srv.AddFault(http.MethodDelete, fmt.Sprintf("/runners/%d", rs[1].ID), 1, runnerapitest.Fault{Status: http.StatusInternalServerError})
	e.srv.AddFault(http.MethodDelete, fmt.Sprintf("/runners/%d", rs[3].ID), 1, runnerapitest.Fault{Status: http.StatusForbidden})
	e.srv.AddFault(http.MethodDelete, fmt.Sprintf("/runners/%d", rs[4].ID), 1, runnerapitest.Fault{Status: http.StatusNotFound})
	rep := e.fleet.ApplyPrune(context.Background(), plan)
	assert.Equal(t, [3]int{2, 1, 2}, [3]int{rep.Done, rep.Skipped, rep.Failed})
	assert.Equal(t, "already deleted (404)", rep.Items[4].Reason, "gone between the re-read and the delete")
	assert.ErrorIs(t, rep.Items[1].Err, runnerapi.ErrServer)
	assert.ErrorIs(t, rep.Items[3].Err, runnerapi.ErrForbidden)
	err = rep.Err()
	assert.ErrorIs(t, err, runnerapi.ErrServer)
	assert.ErrorIs(t, err, runnerapi.ErrForbidden)
	assert.Contains(t, err.Error(), fmt.Sprintf("fleet: prune runner %d:", rs[1].ID))
	assert.Equal(t, []int64{rs[1].ID, rs[3].ID, rs[4].ID}, e.srv.RunnerIDs())
}

func TestPlanPruneReportsRunnersItCouldNotExamine(t *testing.T) {
	e := newEnv(t)
	rs := e.srv.AddRunners(3, runnerapitest.RunnerSpec{CreatedAt: t0.Add(-30 * day)})
	e.srv.AddFault(http.MethodGet, fmt.Sprintf("/runners/%d", rs[0].ID), 1, runnerapitest.Fault{Status: http.StatusBadGateway})
	plan, err := e.fleet.PlanPrune(context.Background(), nil)
	require.Error(t, err)
	var ie *fleet.ItemError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, rs[0].ID, ie.RunnerID)
	require.NotNil(t, plan)
	assert.Equal(t, ids(rs[1:]), plan.IDs())
}

func TestApplyPruneNilPlan(t *testing.T) {
	e := newEnv(t)
	rep := e.fleet.ApplyPrune(context.Background(), nil)
	assert.ErrorIs(t, rep.Err(), runnerapi.ErrInvalidInput)
	assert.Empty(t, e.srv.Requests())
}

// GitLab records a runner's contacts without touching updated_at (and only
// every 40-55 minutes), so If-Unmodified-Since alone does not protect a
// stale runner that comes back between plan and apply.
func TestApplyPruneSkipsRunnersThatContactedGitLabAfterTheScan(t *testing.T) {
	e := newEnv(t)
	rs := e.srv.AddRunners(3, runnerapitest.RunnerSpec{CreatedAt: t0.Add(-30 * day), ContactedAt: ago(20 * day)})
	plan, err := e.fleet.PlanPrune(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, ids(rs), plan.IDs())

	e.clock.Advance(time.Minute)
	_, _, err = e.srv.Client().Runners.Verify(context.Background(), rs[1].Token, nil) // the runner is back
	require.NoError(t, err)

	rep := e.fleet.ApplyPrune(context.Background(), plan)
	require.NoError(t, rep.Err())
	assert.Equal(t, [3]int{2, 1, 0}, [3]int{rep.Done, rep.Skipped, rep.Failed})
	assert.Equal(t, fleet.Skipped, rep.Items[1].Outcome)
	assert.Contains(t, rep.Items[1].Reason, "contacted GitLab since the scan")
	assert.Equal(t, []int64{rs[1].ID}, e.srv.RunnerIDs())
}

// TestPruneScanTimeIsGitLabsWhenTheLocalClockRunsAhead: the machine running
// the prune is 10 minutes ahead of GitLab. A runner changed on GitLab one
// minute after the scan must still be skipped (412), so the scan time is
// GitLab's (the Date of the first list page), not the local clock's.
func TestPruneScanTimeIsGitLabsWhenTheLocalClockRunsAhead(t *testing.T) {
	server := newClock()
	srv := runnerapitest.NewServer(runnerapitest.WithClock(server.Now))
	t.Cleanup(srv.Close)
	local := newClock()
	local.Advance(10 * time.Minute)
	f, err := fleet.New(srv.Client(), fleet.WithClock(local))
	require.NoError(t, err)
	rs := srv.AddRunners(2, runnerapitest.RunnerSpec{CreatedAt: t0.Add(-30 * day)})

	plan, err := f.PlanPrune(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, t0, plan.ScanTime, "GitLab's time of the scan")
	assert.Equal(t, t0.Add(-fleet.StaleAfter), plan.Cutoff)
	require.Equal(t, ids(rs), plan.IDs())

	server.Advance(time.Minute)
	_, _, err = srv.Client().Runners.Update(context.Background(), rs[0].ID, &runnerapi.UpdateRunnerOptions{Description: runnerapi.Ptr("back in use")})
	require.NoError(t, err)
	rep := f.ApplyPrune(context.Background(), plan)
	require.NoError(t, rep.Err())
	assert.Equal(t, fleet.Skipped, rep.Items[0].Outcome, "changed on GitLab after the scan: %+v", rep.Items[0])
	assert.Contains(t, rep.Items[0].Reason, "412")
	_, exists := srv.Runner(rs[0].ID)
	assert.True(t, exists, "a runner changed after the scan is never deleted, whatever the local clock says")
	assert.Equal(t, fleet.Done, rep.Items[1].Outcome)
}
