package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/fleet"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

// pausedAll reports whether every runner in ids is paused on the fake.
func pausedAll(t *testing.T, srv *runnerapitest.Server, ids []int64) bool {
	t.Helper()
	for _, id := range ids {
		if st, ok := srv.Runner(id); !ok || !st.Paused {
			return false
		}
	}
	return true
}

func TestDrainJobsFinishWhileDraining(t *testing.T) {
	for _, unpause := range []bool{false, true} {
		t.Run(map[bool]string{false: "stay paused", true: "unpause"}[unpause], func(t *testing.T) {
			e := newEnv(t, fleet.WithConcurrency(2))
			rs := e.srv.AddRunners(3, runnerapitest.RunnerSpec{})
			jobA := e.srv.AddJobs(1, runnerapitest.JobSpec{RunnerID: rs[0].ID, Status: "running"})[0]
			jobB := e.srv.AddJobs(2, runnerapitest.JobSpec{RunnerID: rs[1].ID, Status: "running"})
			e.srv.AddJobs(1, runnerapitest.JobSpec{RunnerID: rs[2].ID, Status: "success"})
			var pausedAtFirstWait bool
			e.clock.onSleep = func(n int, _ time.Time) {
				switch n {
				case 1:
					pausedAtFirstWait = pausedAll(t, e.srv, ids(rs[:2]))
					require.NoError(t, e.srv.FinishJob(jobA, "success"))
				case 2:
					require.NoError(t, e.srv.FinishJob(jobB[0], "failed"))
				case 3:
					require.NoError(t, e.srv.FinishJob(jobB[1], "canceled"))
				}
			}
			var mu sync.Mutex
			var maintained []int64
			maintenance := func(_ context.Context, id int64) error {
				mu.Lock()
				defer mu.Unlock()
				st, _ := e.srv.Runner(id)
				assert.True(t, st.Paused, "maintenance runs on a paused runner")
				maintained = append(maintained, id)
				return nil
			}
			rep := e.fleet.Drain(context.Background(), ids(rs), &fleet.DrainOptions{
				MinPoll: 10 * time.Second, MaxPoll: 30 * time.Second, Maintenance: maintenance, Unpause: unpause})
			require.NoError(t, rep.Err())
			assert.Equal(t, 3, rep.Done)
			assert.True(t, pausedAtFirstWait, "the busy runners are paused before the first wait")
			assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}, e.clock.Sleeps(), "capped backoff")
			assert.ElementsMatch(t, ids(rs), maintained)
			assert.Equal(t, rs[2].ID, maintained[0], "the idle runner goes first")
			assert.Equal(t, rs[1].ID, maintained[2], "the runner whose jobs end last goes last")
			for _, r := range rs {
				st, _ := e.srv.Runner(r.ID)
				assert.Equal(t, !unpause, st.Paused, "unpaused only when asked")
			}
			assert.Equal(t, 60*time.Second, rep.Duration)
		})
	}
}

func TestDrainTimeoutListsRunningJobs(t *testing.T) {
	e := newEnv(t)
	rs := e.srv.AddRunners(2, runnerapitest.RunnerSpec{})
	stuck := e.srv.AddJobs(2, runnerapitest.JobSpec{RunnerID: rs[0].ID, Status: "running"})
	called := false
	rep := e.fleet.Drain(context.Background(), ids(rs), &fleet.DrainOptions{
		Timeout: time.Minute, MinPoll: 5 * time.Second, MaxPoll: 20 * time.Second, Unpause: true,
		Maintenance: func(_ context.Context, id int64) error {
			called = called || id == rs[0].ID
			return nil
		}})
	assert.Equal(t, 1, rep.Done)
	assert.Equal(t, 1, rep.Failed)
	it := rep.Items[0]
	assert.Equal(t, fleet.Failed, it.Outcome)
	assert.Equal(t, stuck, it.RunningJobs)
	var te *fleet.DrainTimeoutError
	require.ErrorAs(t, it.Err, &te)
	assert.Equal(t, stuck, te.Jobs)
	assert.ErrorIs(t, rep.Err(), fleet.ErrDrainTimeout)
	assert.False(t, called, "no maintenance on a busy runner")
	st, _ := e.srv.Runner(rs[0].ID)
	assert.True(t, st.Paused, "a timed-out runner stays paused")
	st, _ = e.srv.Runner(rs[1].ID)
	assert.False(t, st.Paused, "the idle one was unpaused")
	assert.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 20 * time.Second, 5 * time.Second},
		e.clock.Sleeps(), "the last wait ends at the deadline")
}

func TestDrainCancellation(t *testing.T) {
	e := newEnv(t)
	rs := e.srv.AddRunners(2, runnerapitest.RunnerSpec{})
	e.srv.AddJobs(1, runnerapitest.JobSpec{RunnerID: rs[0].ID, Status: "running"})
	e.srv.AddJobs(1, runnerapitest.JobSpec{RunnerID: rs[1].ID, Status: "running"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.clock.onSleep = func(n int, _ time.Time) {
		if n == 2 {
			cancel()
		}
	}
	rep := e.fleet.Drain(ctx, ids(rs), &fleet.DrainOptions{Unpause: true})
	assert.Equal(t, 2, rep.Failed)
	for _, it := range rep.Items {
		assert.ErrorIs(t, it.Err, context.Canceled)
	}
	assert.Len(t, e.clock.Sleeps(), 2, "no check after the cancel")
	assert.True(t, pausedAll(t, e.srv, ids(rs)), "cancelled runners stay paused")
	noFleetGoroutines(t)
}

func TestDrainFailures(t *testing.T) {
	e := newEnv(t)
	rs := e.srv.AddRunners(3, runnerapitest.RunnerSpec{})
	e.srv.AddFault(http.MethodPut, fmt.Sprintf("/runners/%d", rs[0].ID), 1, runnerapitest.Fault{Status: http.StatusForbidden})
	broken := errors.New("disk full")
	rep := e.fleet.Drain(context.Background(), append(ids(rs), 999), &fleet.DrainOptions{
		Unpause: true,
		Maintenance: func(_ context.Context, id int64) error {
			if id == rs[2].ID {
				return broken
			}
			return nil
		}})
	assert.Equal(t, 1, rep.Done)
	assert.Equal(t, 3, rep.Failed)
	var pauseFailed int
	for _, it := range rep.Items {
		if errors.Is(it.Err, runnerapi.ErrForbidden) || errors.Is(it.Err, runnerapi.ErrNotFound) {
			pauseFailed++
			assert.Contains(t, it.Err.Error(), "pause:")
		}
	}
	assert.Equal(t, 2, pauseFailed)
	assert.ErrorIs(t, rep.Items[2].Err, broken)
	st, _ := e.srv.Runner(rs[2].ID)
	assert.True(t, st.Paused, "not unpaused after a failed maintenance")
	assert.Empty(t, e.clock.Sleeps(), "nothing to wait for")
}

func TestDrainValidates(t *testing.T) {
	tests := []struct {
		opts  fleet.DrainOptions
		field string
	}{
		{fleet.DrainOptions{Timeout: -1}, "DrainOptions.Timeout"},
		{fleet.DrainOptions{MinPoll: time.Minute, MaxPoll: time.Second}, "DrainOptions.MaxPoll"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			e := newEnv(t)
			rep := e.fleet.Drain(context.Background(), []int64{1}, &tt.opts)
			var ve *runnerapi.ValidationError
			require.ErrorAs(t, rep.Err(), &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.Empty(t, e.srv.Requests())
		})
	}
}

// olderServer fronts srv like a GitLab that predates job_execution_status:
// the field is removed from every runner answer.
func olderServer(t *testing.T, srv *runnerapitest.Server) *runnerapi.Client {
	t.Helper()
	target, err := url.Parse(srv.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		var obj map[string]any
		if json.Unmarshal(body, &obj) == nil {
			delete(obj, "job_execution_status")
			body, _ = json.Marshal(obj)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Del("Content-Length")
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	c, err := runnerapi.NewClient(front.URL, runnerapi.WithPrivateToken(srv.AdminToken()), runnerapi.WithoutRetries())
	require.NoError(t, err)
	return c
}

func TestDrainWithoutJobExecutionStatusListsRunningJobs(t *testing.T) {
	clk := newClock()
	srv := runnerapitest.NewServer(runnerapitest.WithClock(clk.Now))
	defer srv.Close()
	rs := srv.AddRunners(1, runnerapitest.RunnerSpec{})
	job := srv.AddJobs(1, runnerapitest.JobSpec{RunnerID: rs[0].ID, Status: "running"})[0]
	f, err := fleet.New(olderServer(t, srv), fleet.WithClock(clk))
	require.NoError(t, err)
	clk.onSleep = func(n int, _ time.Time) {
		if n == 2 {
			require.NoError(t, srv.FinishJob(job, "success"))
		}
	}
	srv.ResetRequests()
	rep := f.Drain(context.Background(), ids(rs), nil)
	require.NoError(t, rep.Err())
	assert.Len(t, clk.Sleeps(), 2)
	jobLists := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/jobs") {
			jobLists++
			assert.Contains(t, r.RawQuery, "status=running")
		}
	}
	assert.Equal(t, 3, jobLists, "one job list per check")
}

// TestDrainUnpauseRestoresOnlyWhatItPaused: a runner paused before the drain
// (taken out of service for a reason of its own) is neither paused again nor
// unpaused by Drain with Unpause; the others are unpaused once idle.
func TestDrainUnpauseRestoresOnlyWhatItPaused(t *testing.T) {
	e := newEnv(t)
	active := e.srv.AddRunners(2, runnerapitest.RunnerSpec{})
	prePaused := e.srv.AddRunners(1, runnerapitest.RunnerSpec{Paused: true})[0]
	all := append(ids(active), prePaused.ID)
	rep := e.fleet.Drain(context.Background(), all, &fleet.DrainOptions{Unpause: true})
	require.NoError(t, rep.Err())
	assert.Equal(t, 3, rep.Done)
	for _, r := range active {
		st, _ := e.srv.Runner(r.ID)
		assert.False(t, st.Paused, "runner %d was paused by the drain and unpaused after it", r.ID)
	}
	st, _ := e.srv.Runner(prePaused.ID)
	assert.True(t, st.Paused, "the runner paused before the drain stays paused")
	assert.Empty(t, e.requests(http.MethodPut, fmt.Sprintf("/runners/%d", prePaused.ID)), "no PUT for a runner already paused")
	assert.Len(t, e.requests(http.MethodPut, fmt.Sprintf("/runners/%d", active[0].ID)), 2, "pause, then unpause")
}
