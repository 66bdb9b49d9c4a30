// Package fleet runs the operations people who operate GitLab runners
// automate, on top of runnerapi. A Fleet (New) offers:
//
//   - Inventory: streams every runner a Filter selects with its details and
//     managers, fetched concurrently, plus derived facts (a Record); memory
//     stays proportional to the concurrency, not to the fleet.
//
//   - PlanPrune and ApplyPrune: the runners idle past a cutoff (GitLab's
//     stale rule by default), planned without changing anything, then
//     deleted only if unchanged since the scan (If-Unmodified-Since).
//
//   - Drain: pause runners, wait until their jobs finish, run a maintenance
//     step, optionally unpause.
//
//   - Each, Pause, Unpause: any per-runner operation with bounded
//     concurrency, the client's rate-limit pacing and prompt cancellation.
//
//   - RenewToken: a runner renews its own authentication token before it
//     expires, without ever losing it silently.
//
// A prune, for example:
//
//	f, err := fleet.New(client, fleet.WithConcurrency(16))
//	plan, err := f.PlanPrune(ctx, &fleet.PrunePolicy{OlderThan: 30 * 24 * time.Hour})
//	report := f.ApplyPrune(ctx, plan)
//	if err := report.Err(); err != nil { … }
//
// Every bulk operation returns a Report with one Item per runner it was given:
// done, skipped with a reason, or failed with a typed error, with counts, the
// duration and an Err that joins the failures. Nothing is retried by this
// package: the client's retry policy applies to each request, so a POST is
// never replayed after a failure that may have taken effect. Requests are
// paced by the client's rate limiter (see runnerapi.WithRateLimit and the
// adaptive pacing that follows GitLab's RateLimit-* headers).
//
// Tests run it on runnerapitest with a shared Clock (WithClock), so that
// staleness, token expiry and the waits of Drain follow the fake's time.
package fleet

import (
	"context"
	"strconv"
	"time"

	"github.com/runnerkit/runnerapi"
)

// DefaultConcurrency is how many requests a Fleet has in flight at most,
// unless WithConcurrency says otherwise.
const DefaultConcurrency = 8

// Fleet runs operations over many runners with one runnerapi client.
// It is safe for concurrent use.
type Fleet struct {
	client      *runnerapi.Client
	concurrency int
	progress    func(Progress)
	clock       Clock
}

// Option configures a Fleet in New.
type Option func(*Fleet) error

// New returns a Fleet that sends its requests with client.
func New(client *runnerapi.Client, opts ...Option) (*Fleet, error) {
	if client == nil {
		return nil, &runnerapi.ValidationError{Field: "client", Reason: "must not be nil"}
	}
	f := &Fleet{client: client, concurrency: DefaultConcurrency, clock: realClock{}}
	for _, o := range opts {
		if err := o(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// WithConcurrency sets how many requests the Fleet keeps in flight at most
// (default 8). The client's rate limiter still paces them.
func WithConcurrency(n int) Option {
	return func(f *Fleet) error {
		if n < 1 {
			return &runnerapi.ValidationError{Field: "WithConcurrency", Reason: strconv.Itoa(n) + " is not at least 1"}
		}
		f.concurrency = n
		return nil
	}
}

// WithProgress calls fn each time an item of an operation finishes. Calls
// are made one at a time, never concurrently, and must return quickly.
func WithProgress(fn func(Progress)) Option {
	return func(f *Fleet) error {
		f.progress = fn
		return nil
	}
}

// WithClock replaces the wall clock: the time that decides staleness and
// token expiry, and the waits between polls of Drain. Tests pass a clock
// shared with runnerapitest.WithClock whose Sleep advances time at once.
func WithClock(c Clock) Option {
	return func(f *Fleet) error {
		if c == nil {
			return &runnerapi.ValidationError{Field: "WithClock", Reason: "must not be nil"}
		}
		f.clock = c
		return nil
	}
}

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Progress is the state of a running operation, given to WithProgress.
type Progress struct {
	// Op names the operation: "inventory", "prune", "drain", "pause", "unpause" or "each".
	Op string
	// Done counts the finished items, failed and skipped ones included.
	Done int
	// Failed counts the failed items.
	Failed int
	// Total is the number of items, or 0 while it is not known: Inventory
	// takes it from GitLab's X-Total, which GitLab omits above 10,000 runners.
	Total int
	// Current is the runner whose item just finished.
	Current int64
}
