package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/fleet"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

func TestNewValidates(t *testing.T) {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	tests := []struct {
		name   string
		client *runnerapi.Client
		opts   []fleet.Option
		field  string
	}{
		{"nil client", nil, nil, "client"},
		{"zero concurrency", srv.Client(), []fleet.Option{fleet.WithConcurrency(0)}, "WithConcurrency"},
		{"nil clock", srv.Client(), []fleet.Option{fleet.WithClock(nil)}, "WithClock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := fleet.New(tt.client, tt.opts...)
			assert.Nil(t, f)
			var ve *runnerapi.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.ErrorIs(t, err, runnerapi.ErrInvalidInput)
		})
	}
}

func TestEachEveryItemHasAnOutcome(t *testing.T) {
	e := newEnv(t, fleet.WithConcurrency(3))
	boom := errors.New("boom")
	ids := []int64{1, 2, 3, 4, 5, 6, 7}
	rep := e.fleet.Each(context.Background(), ids, func(_ context.Context, id int64) error {
		switch id % 3 {
		case 0:
			return fleet.Skip(fmt.Sprintf("multiple of 3: %d", id))
		case 1:
			return nil
		}
		return fmt.Errorf("runner %d: %w", id, boom)
	})
	require.Len(t, rep.Items, len(ids))
	for i, it := range rep.Items {
		assert.Equal(t, ids[i], it.RunnerID, "items keep the input order")
		switch ids[i] % 3 {
		case 0:
			assert.Equal(t, fleet.Skipped, it.Outcome)
			assert.Equal(t, fmt.Sprintf("multiple of 3: %d", ids[i]), it.Reason)
		case 1:
			assert.Equal(t, fleet.Done, it.Outcome)
		default:
			assert.Equal(t, fleet.Failed, it.Outcome)
			assert.ErrorIs(t, it.Err, boom)
		}
	}
	assert.Equal(t, [3]int{3, 2, 2}, [3]int{rep.Done, rep.Skipped, rep.Failed})
	err := rep.Err()
	require.Error(t, err)
	assert.ErrorIs(t, err, boom)
	var ie *fleet.ItemError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, int64(2), ie.RunnerID)
	assert.Contains(t, err.Error(), "fleet: each runner 5:")
	assert.Equal(t, "done skipped failed", fmt.Sprint(fleet.Done, fleet.Skipped, fleet.Failed))
}

func TestEachNoFailureMeansNilErr(t *testing.T) {
	e := newEnv(t)
	rep := e.fleet.Each(context.Background(), []int64{1, 2}, func(context.Context, int64) error { return nil })
	assert.NoError(t, rep.Err())
	assert.Equal(t, 2, rep.Done)
	rep = e.fleet.Each(context.Background(), []int64{1}, nil)
	assert.ErrorContains(t, rep.Err(), "op must not be nil")
}

func TestEachCancellationStopsNewWork(t *testing.T) {
	const workers, n = 3, 10
	e := newEnv(t, fleet.WithConcurrency(workers))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started atomic.Int64
	var all sync.WaitGroup
	all.Add(workers)
	go func() { all.Wait(); cancel() }()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	rep := e.fleet.Each(ctx, ids, func(ctx context.Context, _ int64) error {
		started.Add(1)
		all.Done()
		<-ctx.Done() // in flight until cancelled
		return ctx.Err()
	})
	assert.Equal(t, int64(workers), started.Load(), "no op starts after the cancel")
	require.Len(t, rep.Items, n)
	notStarted := 0
	for _, it := range rep.Items {
		require.Equal(t, fleet.Failed, it.Outcome, "item %d", it.RunnerID)
		assert.ErrorIs(t, it.Err, context.Canceled)
		if errors.Is(it.Err, fleet.ErrNotStarted) {
			notStarted++
		}
	}
	assert.Equal(t, n-workers, notStarted)
	assert.Equal(t, n, rep.Failed)
	noFleetGoroutines(t)
}

func TestEachRespectsConcurrency(t *testing.T) {
	e := newEnv(t, fleet.WithConcurrency(4))
	var in, peak atomic.Int64
	ids := make([]int64, 50)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	rep := e.fleet.Each(context.Background(), ids, func(context.Context, int64) error {
		n := in.Add(1)
		defer in.Add(-1)
		for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
		}
		return nil
	})
	assert.Equal(t, 50, rep.Done)
	assert.LessOrEqual(t, peak.Load(), int64(4))
	noFleetGoroutines(t)
}

func TestEachProgress(t *testing.T) {
	var got []fleet.Progress
	e := newEnv(t, fleet.WithConcurrency(4), fleet.WithProgress(func(p fleet.Progress) { got = append(got, p) }))
	rep := e.fleet.Each(context.Background(), []int64{1, 2, 3, 4, 5}, func(_ context.Context, id int64) error {
		if id == 3 {
			return errors.New("no")
		}
		return nil
	})
	require.Len(t, got, 5)
	seen := map[int64]bool{}
	for i, p := range got {
		assert.Equal(t, "each", p.Op)
		assert.Equal(t, i+1, p.Done)
		assert.Equal(t, 5, p.Total)
		seen[p.Current] = true
	}
	assert.Len(t, seen, 5)
	assert.Equal(t, 1, got[4].Failed)
	assert.Equal(t, 1, rep.Failed)
}

// A POST that fails with a 5xx may have taken effect: Each never sends it
// again, even with a client that retries other methods.
func TestEachNeverReplaysPOST(t *testing.T) {
	clk := newClock()
	srv := runnerapitest.NewServer(runnerapitest.WithClock(clk.Now))
	defer srv.Close()
	rs := srv.AddRunners(3, runnerapitest.RunnerSpec{})
	client := srv.Client(runnerapi.WithRetry(3, time.Millisecond, time.Millisecond))
	f, err := fleet.New(client, fleet.WithClock(clk))
	require.NoError(t, err)
	srv.AddFault(http.MethodPost, fmt.Sprintf("/runners/%d/reset_authentication_token", rs[1].ID), 5,
		runnerapitest.Fault{Status: http.StatusBadGateway, AfterCommit: true})
	rep := f.Each(context.Background(), ids(rs), func(ctx context.Context, id int64) error {
		_, _, err := client.Runners.ResetAuthenticationToken(ctx, id)
		return err
	})
	assert.Equal(t, 2, rep.Done)
	assert.Equal(t, fleet.Failed, rep.Items[1].Outcome)
	assert.ErrorIs(t, rep.Items[1].Err, runnerapi.ErrServer)
	posts := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost {
			posts++
		}
	}
	assert.Equal(t, 3, posts, "one POST per runner, none replayed")
}

func TestPauseUnpause(t *testing.T) {
	e := newEnv(t)
	rs := e.srv.AddRunners(5, runnerapitest.RunnerSpec{})
	rep := e.fleet.Pause(context.Background(), append(ids(rs), 9999))
	assert.Equal(t, 5, rep.Done)
	assert.Equal(t, 1, rep.Failed)
	assert.ErrorIs(t, rep.Items[5].Err, runnerapi.ErrNotFound)
	for _, r := range rs {
		st, _ := e.srv.Runner(r.ID)
		assert.True(t, st.Paused)
	}
	rep = e.fleet.Unpause(context.Background(), ids(rs[:2]))
	require.NoError(t, rep.Err())
	for i, r := range rs {
		st, _ := e.srv.Runner(r.ID)
		assert.Equal(t, i >= 2, st.Paused)
	}
}
