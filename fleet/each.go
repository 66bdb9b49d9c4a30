package fleet

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Op is an operation on one runner, for Each.
type Op func(ctx context.Context, id int64) error

// Each runs op for every id with at most the Fleet's concurrency in flight,
// paced by the client's rate limiter. op's error decides the item's outcome:
// nil is done, an error from Skip is skipped, anything else failed. Each does
// not retry: a failed op is reported, never run again. When ctx ends, no new
// op starts; items not begun fail with ErrNotStarted, and Each returns once
// the ops in flight have returned, with no goroutine left behind.
func (f *Fleet) Each(ctx context.Context, ids []int64, op Op) *Report {
	rep := f.newReport("each", ids)
	if op == nil {
		rep.fatal = fmt.Errorf("fleet: Each: op must not be nil")
		return f.finish(rep)
	}
	return f.eachOp(ctx, rep, op)
}

// eachOp runs op over every item of rep and finishes rep.
func (f *Fleet) eachOp(ctx context.Context, rep *Report, op Op) *Report {
	t := f.newTracker(rep.Op, len(rep.Items))
	items := make([]*Item, len(rep.Items))
	for i := range rep.Items {
		items[i] = &rep.Items[i]
	}
	f.run(ctx, items, func(ctx context.Context, it *Item) {
		set(it, op(ctx, it.RunnerID))
		t.finish(it.RunnerID, it.Outcome == Failed)
	}, func(it *Item) { t.finish(it.RunnerID, true) })
	return f.finish(rep)
}

// run calls fn for each item with at most f.concurrency calls at once. Once
// ctx is done no new call starts: the remaining items are marked failed with
// ErrNotStarted and passed to notStarted. run returns when every call has.
func (f *Fleet) run(ctx context.Context, items []*Item, fn func(context.Context, *Item), notStarted func(*Item)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(f.concurrency, len(items))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) {
					return
				}
				it := items[i]
				if err := ctx.Err(); err != nil {
					it.Outcome, it.Err = Failed, fmt.Errorf("%w: %w", ErrNotStarted, err)
					if notStarted != nil {
						notStarted(it)
					}
					continue
				}
				fn(ctx, it)
			}
		}()
	}
	wg.Wait()
}

// Pause pauses every runner in ids (PUT /runners/:id with paused=true).
func (f *Fleet) Pause(ctx context.Context, ids []int64) *Report {
	rep := f.newReport("pause", ids)
	return f.eachOp(ctx, rep, f.pause)
}

// Unpause lets every runner in ids pick up jobs again (PUT /runners/:id with paused=false).
func (f *Fleet) Unpause(ctx context.Context, ids []int64) *Report {
	rep := f.newReport("unpause", ids)
	return f.eachOp(ctx, rep, f.unpause)
}

func (f *Fleet) pause(ctx context.Context, id int64) error {
	_, _, err := f.client.Runners.Pause(ctx, id)
	return err
}

func (f *Fleet) unpause(ctx context.Context, id int64) error {
	_, _, err := f.client.Runners.Unpause(ctx, id)
	return err
}
