package fleet

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/runnerkit/runnerapi"
)

// GitLab's runner status rules (app/models/ci/runner.rb): online when
// contacted within 2 hours, stale when neither created nor contacted within 7 days.
const (
	OnlineWindow = 2 * time.Hour
	StaleAfter   = 7 * 24 * time.Hour
)

// noProjects skips the projects of a runner's details, which a fleet operation does not need.
var noProjects = &runnerapi.GetRunnerOptions{IncludeProjects: runnerapi.Ptr(false)}

// listPageSize is the page size of runner lists (GitLab's maximum).
const listPageSize = 100

// Filter selects runners: GitLab's runner filters, plus what GitLab cannot
// filter by itself. Filters combine with AND.
type Filter struct {
	// RunnerFilter is sent to GitLab (type, status, paused, tags, version prefix).
	runnerapi.RunnerFilter
	// Types keeps runners of any of these types, filtered by this package
	// (GitLab takes one type); it excludes RunnerFilter.Type.
	Types []runnerapi.RunnerType
	// Owned lists the caller's own runners (GET /runners) instead of every
	// runner of the instance (GET /runners/all, administrators and auditors).
	Owned bool
}

// validate checks what the SDK does not: Types. The SDK checks RunnerFilter
// before the list request is sent.
func (fl *Filter) validate(field string) error {
	if fl == nil {
		return nil
	}
	if fl.Type != nil && len(fl.Types) > 0 {
		return &runnerapi.ValidationError{Field: field + ".Types", Reason: "Type and Types are mutually exclusive"}
	}
	for i, t := range fl.Types {
		if !t.Valid() {
			return &runnerapi.ValidationError{Field: field + ".Types[" + strconv.Itoa(i) + "]",
				Reason: strconv.Quote(string(t)) + " is not instance_type, group_type or project_type"}
		}
	}
	return nil
}

// options returns the list options GitLab filters by.
func (fl *Filter) options() *runnerapi.ListRunnersOptions {
	o := &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{PerPage: listPageSize}}
	if fl == nil {
		return o
	}
	o.RunnerFilter = fl.RunnerFilter
	if len(fl.Types) == 1 {
		o.Type = runnerapi.Ptr(fl.Types[0])
	}
	return o
}

// keep applies what GitLab cannot filter: several types.
func (fl *Filter) keep(r *runnerapi.Runner) bool {
	return fl == nil || len(fl.Types) < 2 || slices.Contains(fl.Types, r.RunnerType)
}

// list iterates over the runners fl selects, one page ahead. total, when
// set, is told how many runners the list holds, if GitLab counts them;
// first, when set, sees the answer of the first page before its runners.
func (f *Fleet) list(ctx context.Context, fl *Filter, total func(int), first func(*runnerapi.Response)) iter.Seq2[*runnerapi.Runner, error] {
	o := fl.options()
	countable := total != nil && (fl == nil || len(fl.Types) < 2) // several types are filtered here, after counting
	return func(yield func(*runnerapi.Runner, error) bool) {
		seq := f.client.Runners.ListAllIter
		if fl != nil && fl.Owned {
			seq = f.client.Runners.ListIter
		}
		opts := []runnerapi.IterOption{runnerapi.WithPagePrefetch(1)}
		if countable || first != nil {
			pages := 0
			opts = append(opts, runnerapi.WithPageResponse(func(r *runnerapi.Response) {
				if pages++; pages == 1 && first != nil {
					first(r)
				}
				if countable && r.TotalItems > 0 {
					total(int(r.TotalItems))
				}
			}))
		}
		for r, err := range seq(ctx, o, opts...) {
			if err != nil {
				yield(nil, err)
				return
			}
			if fl.keep(r) && !yield(r, nil) {
				return
			}
		}
	}
}

// IDs returns the IDs of the runners fl selects, from the runner list alone
// (no request per runner).
func (f *Fleet) IDs(ctx context.Context, fl *Filter) ([]int64, error) {
	if err := fl.validate("Filter"); err != nil {
		return nil, err
	}
	var ids []int64
	for r, err := range f.list(ctx, fl, nil, nil) {
		if err != nil {
			return nil, err
		}
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// Record is one runner of an inventory: its details, its managers, and facts
// derived from them at the inventory's time.
type Record struct {
	// Runner is the runner's details (GET /runners/:id, without projects).
	Runner *runnerapi.RunnerDetails
	// Managers are the machines running the runner (GET /runners/:id/managers).
	Managers []*runnerapi.RunnerManager
	// LastContact is the latest contact of the runner or any of its managers; nil if none ever contacted GitLab.
	LastContact *time.Time
	// LastActivity is LastContact, or the creation time for a runner that never
	// contacted GitLab: what GitLab's stale rule looks at. Zero when the server
	// sent neither.
	LastActivity time.Time
	// Versions are the distinct versions of the managers, sorted.
	Versions []string
	// OnlineManagers counts the managers that contacted GitLab within OnlineWindow.
	OnlineManagers int
	// Online says whether the runner contacted GitLab within OnlineWindow.
	Online bool
	// Stale follows GitLab's rule: last activity at least StaleAfter ago.
	Stale bool
	// Paused says whether the runner ignores new jobs.
	Paused bool
	// Busy says whether the runner is running jobs (job_execution_status "active").
	Busy bool
}

func newRecord(d *runnerapi.RunnerDetails, mgrs []*runnerapi.RunnerManager, now time.Time) *Record {
	rec := &Record{Runner: d, Managers: mgrs, Paused: d.IsPaused(), Busy: d.JobExecutionStatus == runnerapi.JobExecutionStatusActive}
	latest := func(t *time.Time) {
		if t != nil && (rec.LastContact == nil || t.After(*rec.LastContact)) {
			rec.LastContact = t
		}
	}
	latest(d.ContactedAt)
	for _, m := range mgrs {
		latest(m.ContactedAt)
		if m.ContactedAt != nil && m.ContactedAt.After(now.Add(-OnlineWindow)) {
			rec.OnlineManagers++
		}
		if m.Version != "" && !slices.Contains(rec.Versions, m.Version) {
			rec.Versions = append(rec.Versions, m.Version)
		}
		if m.JobExecutionStatus == runnerapi.JobExecutionStatusActive {
			rec.Busy = true
		}
	}
	slices.Sort(rec.Versions)
	switch {
	case rec.LastContact != nil && d.CreatedAt != nil && d.CreatedAt.After(*rec.LastContact):
		rec.LastActivity = *d.CreatedAt
	case rec.LastContact != nil:
		rec.LastActivity = *rec.LastContact
	case d.CreatedAt != nil:
		rec.LastActivity = *d.CreatedAt
	}
	rec.Online = rec.LastContact != nil && rec.LastContact.After(now.Add(-OnlineWindow))
	rec.Stale = !rec.LastActivity.IsZero() && !rec.LastActivity.After(now.Add(-StaleAfter))
	return rec
}

// Inventory yields one Record per runner fl selects (nil selects every
// runner of the instance), in the order GitLab lists them. Each runner's
// details and managers are fetched concurrently, at most the Fleet's
// concurrency requests at a time, while the list is read one page ahead;
// memory stays proportional to the concurrency, not to the fleet.
//
// A runner that fails to load is yielded as (nil, *ItemError) and the
// iteration goes on; a runner deleted while the inventory runs (404) is left
// out. A failure of the list itself is yielded last. Breaking out of the
// loop stops every request in flight.
func (f *Fleet) Inventory(ctx context.Context, fl *Filter) iter.Seq2[*Record, error] {
	return f.inventory(ctx, "inventory", fl, f.clock.Now, nil)
}

type invResult struct {
	rec  *Record
	err  error
	gone bool
}

// inventory is Inventory with the time the records are judged at (now) and a
// look at the first page's answer (first, may be nil).
func (f *Fleet) inventory(ctx context.Context, op string, fl *Filter, now func() time.Time, first func(*runnerapi.Response)) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		if err := fl.validate("Filter"); err != nil {
			yield(nil, err)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		var fetches sync.WaitGroup
		produced := make(chan struct{})
		stop := make(chan struct{}) // closed when the consumer is gone
		defer func() {
			close(stop)
			cancel()
			<-produced
			fetches.Wait()
		}()
		t := f.newTracker(op, 0)
		sem := make(chan struct{}, f.concurrency)
		order := make(chan chan invResult, 2*f.concurrency)
		go func() {
			defer close(produced)
			defer close(order)
			for r, err := range f.list(ctx, fl, t.setTotal, first) {
				slot := make(chan invResult, 1)
				if err != nil {
					slot <- invResult{err: err}
				}
				select {
				case order <- slot:
				case <-stop:
					return
				}
				if err != nil {
					return
				}
				fetches.Add(1)
				go func() {
					defer fetches.Done()
					slot <- f.fetch(ctx, sem, r, now())
				}()
			}
		}()
		for slot := range order {
			res := <-slot
			if res.gone {
				continue
			}
			if res.rec != nil {
				t.finish(res.rec.Runner.ID, false)
			} else if ie := (*ItemError)(nil); errors.As(res.err, &ie) {
				t.finish(ie.RunnerID, true)
			}
			if !yield(res.rec, res.err) {
				return
			}
		}
	}
}

// acquire takes a request slot, or fails when ctx ends first.
func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetch loads a runner's details and managers concurrently.
func (f *Fleet) fetch(ctx context.Context, sem chan struct{}, r *runnerapi.Runner, now time.Time) invResult {
	var mgrs []*runnerapi.RunnerManager
	var merr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if merr = acquire(ctx, sem); merr != nil {
			return
		}
		mgrs, _, merr = f.client.Runners.ListManagers(ctx, r.ID)
		<-sem
	}()
	d, err := f.details(ctx, sem, r.ID)
	<-done
	if err == nil {
		err = merr
	}
	switch {
	case errors.Is(err, runnerapi.ErrNotFound):
		return invResult{gone: true}
	case err != nil:
		return invResult{err: &ItemError{Op: "inventory", RunnerID: r.ID, Err: err}}
	}
	return invResult{rec: newRecord(d, mgrs, now)}
}

// details gets a runner without its projects, holding a request slot.
func (f *Fleet) details(ctx context.Context, sem chan struct{}, id int64) (*runnerapi.RunnerDetails, error) {
	if err := acquire(ctx, sem); err != nil {
		return nil, err
	}
	defer func() { <-sem }()
	d, _, err := f.client.Runners.Get(ctx, id, noProjects)
	return d, err
}
