package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/runnerkit/runnerapi"
)

// DrainOptions tunes Drain. A nil *DrainOptions takes every default.
type DrainOptions struct {
	// Timeout bounds the wait for running jobs, on the Fleet's clock (default 1 hour).
	Timeout time.Duration
	// MinPoll and MaxPoll bound the wait between checks: it starts at MinPoll
	// and doubles up to MaxPoll (defaults 5 s and 1 minute).
	MinPoll, MaxPoll time.Duration
	// Maintenance, when set, runs once for each runner as soon as it is idle.
	Maintenance Op
	// Unpause lets each runner pick up jobs again after its maintenance
	// succeeded (or, without Maintenance, once it is idle). A runner that
	// was already paused before the drain stays paused: the drain restores
	// what it changed, nothing more. Runners stay paused otherwise, also
	// after a timeout or a failure.
	Unpause bool
}

// Defaults of DrainOptions.
const (
	DefaultDrainTimeout = time.Hour
	DefaultMinPoll      = 5 * time.Second
	DefaultMaxPoll      = time.Minute
)

func (o *DrainOptions) withDefaults() (DrainOptions, error) {
	var d DrainOptions
	if o != nil {
		d = *o
	}
	for _, v := range []struct {
		name string
		d    *time.Duration
		def  time.Duration
	}{{"Timeout", &d.Timeout, DefaultDrainTimeout}, {"MinPoll", &d.MinPoll, DefaultMinPoll}, {"MaxPoll", &d.MaxPoll, DefaultMaxPoll}} {
		if *v.d < 0 {
			return d, &runnerapi.ValidationError{Field: "DrainOptions." + v.name, Reason: v.d.String() + " is negative"}
		}
		if *v.d == 0 {
			*v.d = v.def
		}
	}
	if d.MaxPoll < d.MinPoll {
		return d, &runnerapi.ValidationError{Field: "DrainOptions.MaxPoll", Reason: d.MaxPoll.String() + " is less than MinPoll " + d.MinPoll.String()}
	}
	return d, nil
}

// ErrDrainTimeout matches a *DrainTimeoutError.
var ErrDrainTimeout = errors.New("fleet: drain timed out")

// DrainTimeoutError is the failure of a runner that still ran jobs when the
// drain's timeout passed. The runner stays paused.
type DrainTimeoutError struct {
	Timeout time.Duration
	// Jobs are the IDs of the jobs still running (empty if they could not be listed).
	Jobs []int64
	// ListErr is why the running jobs could not be listed, if they could not.
	ListErr error
}

// Error names the timeout and the jobs still running.
func (e *DrainTimeoutError) Error() string {
	s := fmt.Sprintf("fleet: still running jobs after %s: %v", e.Timeout, e.Jobs)
	if e.ListErr != nil {
		s += fmt.Sprintf(" (listing them failed: %v)", e.ListErr)
	}
	return s
}

// Is matches ErrDrainTimeout.
func (e *DrainTimeoutError) Is(target error) bool { return target == ErrDrainTimeout }

// Drain pauses every runner in ids, then waits until each has no running
// job, checking all waiting runners in rounds with a backoff between rounds.
// A runner is idle when GitLab says so in job_execution_status, or, on
// servers that do not send it, when it has no job with status running. Once
// idle, opts.Maintenance runs for it and, when opts.Unpause is set and the
// maintenance succeeded, the runner is unpaused. The item is done when all
// of that succeeded.
//
// Every runner is paused before the first wait; one already paused is left
// as it is (no request) and is not unpaused afterwards. A runner still busy at the
// timeout fails with a *DrainTimeoutError whose Jobs (also in
// Item.RunningJobs) lists what still runs; it is not unpaused. When ctx ends,
// waiting runners fail with the context's error and stay paused.
func (f *Fleet) Drain(ctx context.Context, ids []int64, opts *DrainOptions) *Report {
	rep := f.newReport("drain", ids)
	o, err := opts.withDefaults()
	if err != nil {
		rep.fatal = err
		return f.finish(rep)
	}
	t := f.newTracker("drain", len(ids))
	deadline := rep.Started.Add(o.Timeout)
	all := make([]*Item, len(rep.Items))
	for i := range rep.Items {
		all[i] = &rep.Items[i]
	}
	fail := func(it *Item) { t.finish(it.RunnerID, true) }

	// Phase 1: pause everything, remembering what was paused already.
	var pending []*Item
	var mu sync.Mutex
	wasPaused := make(map[int64]bool, len(ids))
	f.run(ctx, all, func(ctx context.Context, it *Item) {
		paused, err := f.pauseIfNeeded(ctx, it.RunnerID)
		if err != nil {
			set(it, err)
			fail(it)
			return
		}
		mu.Lock()
		pending = append(pending, it)
		wasPaused[it.RunnerID] = paused
		mu.Unlock()
	}, fail)

	// Phase 2: rounds of checks until every runner is idle or the time is up.
	wait := o.MinPoll
	for len(pending) > 0 {
		var still []*Item
		f.run(ctx, pending, func(ctx context.Context, it *Item) {
			busy, err := f.busy(ctx, it.RunnerID)
			switch {
			case err != nil:
				set(it, fmt.Errorf("check jobs: %w", err))
			case busy:
				mu.Lock()
				still = append(still, it)
				mu.Unlock()
				return
			default:
				mu.Lock()
				unpause := o.Unpause && !wasPaused[it.RunnerID]
				mu.Unlock()
				set(it, f.afterIdle(ctx, it.RunnerID, o.Maintenance, unpause))
			}
			t.finish(it.RunnerID, it.Outcome == Failed)
		}, fail)
		pending = still
		if len(pending) == 0 {
			break
		}
		now := f.clock.Now()
		if !now.Before(deadline) {
			f.run(ctx, pending, func(ctx context.Context, it *Item) {
				jobs, err := f.runningJobs(ctx, it.RunnerID)
				it.RunningJobs = jobs
				set(it, &DrainTimeoutError{Timeout: o.Timeout, Jobs: jobs, ListErr: err})
				fail(it)
			}, fail)
			break
		}
		if err := f.clock.Sleep(ctx, min(wait, deadline.Sub(now))); err != nil {
			for _, it := range pending {
				set(it, fmt.Errorf("waiting for jobs: %w", err))
				fail(it)
			}
			break
		}
		wait = min(2*wait, o.MaxPoll)
	}
	return f.finish(rep)
}

// pauseIfNeeded pauses runner id unless it is paused already, and reports
// whether it was.
func (f *Fleet) pauseIfNeeded(ctx context.Context, id int64) (bool, error) {
	d, _, err := f.client.Runners.Get(ctx, id, noProjects)
	if err != nil {
		return false, fmt.Errorf("pause: %w", err)
	}
	if d.IsPaused() {
		return true, nil
	}
	if err := f.pause(ctx, id); err != nil {
		return false, fmt.Errorf("pause: %w", err)
	}
	return false, nil
}

// afterIdle runs the maintenance step and, if asked, the unpause of an idle runner.
func (f *Fleet) afterIdle(ctx context.Context, id int64, maintenance Op, unpause bool) error {
	if maintenance != nil {
		if err := maintenance(ctx, id); err != nil {
			var skip *SkipError
			if errors.As(err, &skip) {
				return err
			}
			return fmt.Errorf("maintenance: %w", err)
		}
	}
	if unpause {
		if err := f.unpause(ctx, id); err != nil {
			return fmt.Errorf("unpause: %w", err)
		}
	}
	return nil
}

// busy reports whether runner id is running jobs: job_execution_status where
// the server sends it, else whether a job of it has status running.
func (f *Fleet) busy(ctx context.Context, id int64) (bool, error) {
	d, _, err := f.client.Runners.Get(ctx, id, noProjects)
	if err != nil {
		return false, err
	}
	if d.JobExecutionStatus != "" {
		return d.JobExecutionStatus == runnerapi.JobExecutionStatusActive, nil
	}
	jobs, _, err := f.client.Runners.ListJobs(ctx, id, &runnerapi.ListRunnerJobsOptions{
		ListOptions: runnerapi.ListOptions{PerPage: 1}, Status: runnerapi.Ptr(runnerapi.JobStatusRunning)})
	return len(jobs) > 0, err
}

// runningJobs lists the IDs of runner id's running jobs.
func (f *Fleet) runningJobs(ctx context.Context, id int64) ([]int64, error) {
	var ids []int64
	for j, err := range f.client.Runners.ListJobsIter(ctx, id, &runnerapi.ListRunnerJobsOptions{
		ListOptions: runnerapi.ListOptions{PerPage: listPageSize}, Status: runnerapi.Ptr(runnerapi.JobStatusRunning)}) {
		if err != nil {
			return ids, err
		}
		ids = append(ids, j.ID)
	}
	return ids, nil
}
