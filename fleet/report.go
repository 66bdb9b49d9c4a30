package fleet

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Outcome is what happened to one item of an operation.
type Outcome int

// Outcomes of an item.
const (
	// Done: the operation took effect.
	Done Outcome = iota + 1
	// Skipped: deliberately not done; Item.Reason says why.
	Skipped
	// Failed: the operation failed or was not started; Item.Err says why.
	Failed
)

// String returns "done", "skipped" or "failed".
func (o Outcome) String() string {
	switch o {
	case Done:
		return "done"
	case Skipped:
		return "skipped"
	case Failed:
		return "failed"
	}
	return "outcome(" + fmt.Sprint(int(o)) + ")"
}

// Item is the outcome for one runner.
type Item struct {
	RunnerID int64
	Outcome  Outcome
	// Reason says why an item was skipped.
	Reason string
	// Err is why an item failed: a runnerapi error (match it with errors.Is
	// against runnerapi.ErrNotFound and the other sentinels), ErrNotStarted
	// when the context ended before the item began, or a *DrainTimeoutError.
	Err error
	// RunningJobs lists, for Drain, the jobs still running on the runner when the wait timed out.
	RunningJobs []int64
}

// Report is the result of an operation over many runners.
type Report struct {
	// Op names the operation ("prune", "drain", "pause", …).
	Op string
	// Items holds one entry per runner given, in the order given.
	Items []Item
	// Done, Skipped and Failed count the items by outcome.
	Done, Skipped, Failed int
	// Started is when the operation began; Duration how long it ran (on the Fleet's clock).
	Started  time.Time
	Duration time.Duration

	// fatal is a failure of the whole operation, such as invalid input.
	fatal error
}

// Err joins the failures: one *ItemError per failed item, and the failure of
// the operation as a whole (invalid input), if any. It is nil when nothing failed.
func (r *Report) Err() error {
	var errs []error
	if r.fatal != nil {
		errs = append(errs, r.fatal)
	}
	for _, it := range r.Items {
		if it.Outcome == Failed {
			errs = append(errs, &ItemError{Op: r.Op, RunnerID: it.RunnerID, Err: it.Err})
		}
	}
	return errors.Join(errs...)
}

// ItemError is the failure of one item, as joined by Report.Err.
type ItemError struct {
	Op       string
	RunnerID int64
	Err      error
}

// Error returns "fleet: OP runner ID: CAUSE".
func (e *ItemError) Error() string {
	return fmt.Sprintf("fleet: %s runner %d: %v", e.Op, e.RunnerID, e.Err)
}

// Unwrap returns the cause.
func (e *ItemError) Unwrap() error { return e.Err }

// ErrNotStarted is the error of an item that was never begun because the
// context ended first. It is joined with the context's error.
var ErrNotStarted = errors.New("fleet: not started")

// SkipError is returned by an Op to mark its item skipped rather than failed.
type SkipError struct{ Reason string }

// Error returns "fleet: skipped: REASON".
func (e *SkipError) Error() string { return "fleet: skipped: " + e.Reason }

// Skip returns an error that makes Each record the item as skipped with reason.
func Skip(reason string) error { return &SkipError{Reason: reason} }

// tracker counts finished items and calls the progress function, one call at a time.
type tracker struct {
	mu     sync.Mutex
	fn     func(Progress)
	op     string
	total  int
	done   int
	failed int
}

func (f *Fleet) newTracker(op string, total int) *tracker {
	return &tracker{fn: f.progress, op: op, total: total}
}

// setTotal records the number of items once it is known.
func (t *tracker) setTotal(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total = n
}

func (t *tracker) finish(id int64, failed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	if failed {
		t.failed++
	}
	if t.fn != nil {
		t.fn(Progress{Op: t.op, Done: t.done, Failed: t.failed, Total: t.total, Current: id})
	}
}

// newReport starts a report with one pending item per id.
func (f *Fleet) newReport(op string, ids []int64) *Report {
	r := &Report{Op: op, Items: make([]Item, len(ids)), Started: f.clock.Now()}
	for i, id := range ids {
		r.Items[i].RunnerID = id
	}
	return r
}

// finish counts the outcomes and sets the duration.
func (f *Fleet) finish(r *Report) *Report {
	r.Done, r.Skipped, r.Failed = 0, 0, 0
	for _, it := range r.Items {
		switch it.Outcome {
		case Done:
			r.Done++
		case Skipped:
			r.Skipped++
		default:
			r.Failed++
		}
	}
	r.Duration = f.clock.Now().Sub(r.Started)
	return r
}

// set records err as the outcome of it: nil is done, a *SkipError skipped, anything else failed.
func set(it *Item, err error) {
	var skip *SkipError
	switch {
	case err == nil:
		it.Outcome, it.Reason, it.Err = Done, "", nil
	case errors.As(err, &skip):
		it.Outcome, it.Reason, it.Err = Skipped, skip.Reason, nil
	default:
		it.Outcome, it.Err = Failed, err
	}
}
