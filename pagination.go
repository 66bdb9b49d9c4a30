package runnerapi

import (
	"context"
	"fmt"
	"hash/maphash"
	"iter"
	"sync"
	"time"
)

// Iterators over GitLab's paginated lists.
//
// Each <Method>Iter twin takes the arguments of <Method> and returns an
// iter.Seq2 that yields every item of every page in server order:
//
//	opt := &runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Type: runnerapi.Ptr(runnerapi.RunnerTypeInstance)}}
//	for r, err := range client.Runners.ListAllIter(ctx, opt) {
//		if err != nil {
//			return err // the iteration ends after an error
//		}
//		fmt.Println(r.ID, r.Description)
//	}
//
// Offset lists follow X-Next-Page and end on a page whose X-Next-Page is
// empty; they never need X-Total, which GitLab omits above 10,000 rows.
// Keyset lists (ListJobs with Pagination "keyset") follow the cursor of the
// Link rel="next" URL; only the cursor is taken from it and applied to the
// client's own base URL, because GitLab builds that URL from its configured
// external host, which may differ from the one the client talks to (a proxy,
// a port-forward).
//
// An unset PerPage becomes 100 (GitLab's maximum) to save round trips. The
// caller's options are never modified. Breaking out of the loop stops
// fetching; a cancelled context ends the iteration with the context's error.
// The trailing options are IterOptions: any RequestOption (applied to every
// page request), WithPagePrefetch and WithPageResponse. They are read once,
// when the loop starts.
//
// A server that cannot be followed ends the iteration with
// ErrInvalidResponse, after the items that came before: an X-Next-Page that
// does not move forward, a keyset cursor that repeats one already followed
// (a cycle; cursors are remembered as 64-bit hashes, 16 bytes or so per page,
// so a false alarm has odds of about pages²/2⁶⁵), or maxEmptyRun empty pages
// in a row that still name a next page.
//
// # Prefetch
//
// With WithPrefetch (client) or WithPagePrefetch (one call), an offset
// iterator fetches ahead of the caller: pages 1..n are requested at once when
// the loop starts, and each page the caller has read is replaced by the next
// one, whether or not GitLab sent the page count, so n requests are in
// flight whenever the iterator waits for the network (n-1 while the caller's
// loop body runs). Items still come out in server order, an error comes out
// at the position of the page that failed (pages after it are discarded),
// memory stays bounded by about n+1 pages, and no request or goroutine
// outlives the loop.
//
// The price is speculation at the end of the list: the iterator stops at the
// first page that is empty or has an empty X-Next-Page, and the requests for
// the pages after it, at most n-1 small ones answered with an empty list, are
// discarded. When GitLab sends X-Total-Pages (up to 10,000 rows) the iterator
// requests no page past it once the first page has answered, so only a list
// shorter than n pages costs the extra requests.
//
// When the loop ends (break, an error, the end of the list) while its
// context is live, the pages still in flight that were requested before the
// last page read arrived are given up to that page's round-trip time (at
// most 50 ms) to finish, and are then cancelled: a cancelled HTTP/1.1
// request closes its connection, and letting nearly finished pages complete
// keeps those connections for the next call. When the context is done,
// everything is cancelled at once. Either way the loop returns only after
// every fetch has returned.
//
// Keyset lists cannot be requested ahead, since each cursor comes from the
// page before: with prefetch they stay one request at a time, the next page
// being fetched while the caller reads the current one.
//
// # Lists that change while they are walked
//
// Each page is GitLab's answer at the moment its own request is served;
// nothing is deduplicated or re-sorted. Offset paging slices the list by
// position at that moment, so between two neighbouring pages, for every row
// inserted before their boundary in the time between the two requests, one
// item is yielded twice (the last of the earlier page comes again), and for
// every row removed before it one item is skipped; rows inserted or removed
// after the boundary do not matter. That is all offset paging allows, and it
// holds with and without prefetch; prefetch changes only when the requests
// are served: neighbouring pages are requested at nearly the same time, and
// a later page may be served before an earlier one, which turns the effect
// of a change around (an insertion then skips an item, a removal duplicates
// one). The walk follows the server's X-Next-Page, not its own plan: when the
// list grows past a page count sent earlier, iteration goes on. Keyset lists
// are walked in cursor order, and a keyset cursor is a position in the sort
// order, not an offset: rows inserted or removed elsewhere do not shift it.

// iterPerPage is the page size iterators ask for when the caller set none.
const iterPerPage = 100

// maxEmptyRun is how many empty pages in a row an iterator takes while the
// server still names a next page; the last of them ends the iteration with
// ErrInvalidResponse. GitLab never sends one (its empty pages are last pages).
const maxEmptyRun = 10

// pageCursor says which page to fetch: an offset page number, or a keyset cursor.
type pageCursor struct {
	page   int64
	cursor string
}

// pageFunc fetches one page of a list, with the call's request options.
type pageFunc[T any] func(ctx context.Context, at pageCursor, opts []RequestOption) ([]*T, *Response, error)

// pageResult is one fetched page.
type pageResult[T any] struct {
	items []*T
	resp  *Response
	err   error
	took  time.Duration // from launch to answer, with prefetch
}

// chain follows the pages of one iteration and refuses the ones that would
// make it loop.
type chain struct {
	keyset bool
	empty  int // empty pages in a row that named a next page
	seed   maphash.Seed
	seen   map[uint64]struct{} // hashes of the keyset cursors followed
}

// next returns where the page at, which held n items and was answered with
// resp, says the next page starts; false on the last page.
func (ch *chain) next(at pageCursor, n int, resp *Response) (pageCursor, bool, error) {
	var next pageCursor
	if ch.keyset {
		if resp.NextCursor == "" {
			return pageCursor{}, false, nil
		}
		next.cursor = resp.NextCursor
	} else {
		if resp.NextPage == 0 {
			return pageCursor{}, false, nil
		}
		if resp.NextPage <= at.page {
			return pageCursor{}, false, fmt.Errorf("%w: X-Next-Page %d does not follow page %d", ErrInvalidResponse, resp.NextPage, at.page)
		}
		next.page = resp.NextPage
	}
	if n > 0 {
		ch.empty = 0
	} else if ch.empty++; ch.empty >= maxEmptyRun {
		return pageCursor{}, false, fmt.Errorf("%w: %d empty pages in a row that still name a next page", ErrInvalidResponse, ch.empty)
	}
	if ch.keyset {
		if ch.seen == nil {
			ch.seed = maphash.MakeSeed()
			ch.seen = map[uint64]struct{}{maphash.String(ch.seed, at.cursor): {}}
		}
		h := maphash.String(ch.seed, next.cursor)
		if _, ok := ch.seen[h]; ok {
			return pageCursor{}, false, fmt.Errorf("%w: keyset cursor of the next page was already followed (the pages form a cycle)", ErrInvalidResponse)
		}
		ch.seen[h] = struct{}{}
	}
	return next, true, nil
}

// paginate is the one mechanism behind every <Method>Iter: it walks the pages
// of fetch from start, sequentially or with prefetch.
func paginate[T any](ctx context.Context, c *Client, opts []IterOption, keyset bool, start pageCursor, fetch pageFunc[T]) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if err := c.ready(ctx); err != nil {
			yield(nil, err)
			return
		}
		ic, err := c.iterConfigOf(opts)
		if err != nil {
			yield(nil, err)
			return
		}
		w := &walker[T]{chain: chain{keyset: keyset}, yield: yield, fetch: fetch, opts: ic.req, onPage: ic.onPage}
		if ic.prefetch <= 0 {
			w.sequential(ctx, start)
			return
		}
		w.prefetch(ctx, ic.prefetch, start)
	}
}

// walker is the state of one iteration.
type walker[T any] struct {
	chain chain
	yield func(*T, error) bool
	fetch pageFunc[T]
	opts  []RequestOption
	// onPage, when set, sees each page's Response before its items.
	onPage func(*Response)
}

// deliver shows resp to the page observer, yields the items of the page,
// then err; it reports whether to go on to the next page.
func (w *walker[T]) deliver(resp *Response, items []*T, more bool, err error) bool {
	if w.onPage != nil {
		w.onPage(resp)
	}
	for _, it := range items {
		if !w.yield(it, nil) {
			return false
		}
	}
	if err != nil {
		w.yield(nil, err)
		return false
	}
	return more
}

// sequential fetches one page at a time.
func (w *walker[T]) sequential(ctx context.Context, at pageCursor) {
	for {
		if err := ctx.Err(); err != nil {
			w.yield(nil, err)
			return
		}
		items, resp, err := w.fetch(ctx, at, w.opts)
		if err != nil {
			w.yield(nil, err)
			return
		}
		next, more, err := w.chain.next(at, len(items), resp)
		if !w.deliver(resp, items, more, err) {
			return
		}
		at = next
	}
}

// future is a page being fetched.
type future[T any] struct {
	at     pageCursor
	start  time.Time // when it was launched
	cancel context.CancelFunc
	ch     chan pageResult[T] // buffered: the fetch never blocks on it
}

// prefetch keeps up to n fetches ahead of the consumer: for offset lists the
// next n pages, speculatively; for keyset lists the one page whose cursor is
// known. Futures are consumed in page order, so items and errors
// come out exactly where sequential iteration would put them. Every fetch
// runs under a context that is cancelled, and waited for, before prefetch
// returns.
func (w *walker[T]) prefetch(ctx context.Context, n int, start pageCursor) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// window holds the futures of consecutive pages, the next one first.
	window := make([]*future[T], 0, n)
	var last *future[T]    // the last page read
	var took time.Duration // how long it took to arrive
	defer func() {
		if ctx.Err() == nil && last != nil {
			settle(window, last.start.Add(took), min(took, maxSettle))
		}
		cancel()
		wg.Wait()
	}()
	launch := func(at pageCursor) *future[T] {
		fctx, fcancel := context.WithCancel(ctx)
		f := &future[T]{at: at, start: time.Now(), cancel: fcancel, ch: make(chan pageResult[T], 1)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer fcancel()
			items, resp, err := w.fetch(fctx, at, w.opts)
			f.ch <- pageResult[T]{items, resp, err, time.Since(f.start)}
		}()
		return f
	}
	// hi is the last offset page launched; limit the last page by
	// X-Total-Pages (0: unknown), past which nothing is launched.
	var hi, limit int64
	extend := func() {
		for !w.chain.keyset && len(window) < n && (limit == 0 || hi < limit) {
			hi++
			window = append(window, launch(pageCursor{page: hi}))
		}
	}
	window = append(window, launch(start))
	hi = start.page
	extend()

	at := start
	for {
		f := window[0]
		window = append(window[:0], window[1:]...)
		r, ok := w.await(ctx, f)
		if !ok {
			return
		}
		if r.err != nil {
			w.yield(nil, r.err)
			return
		}
		last, took = f, r.took
		next, more, err := w.chain.next(at, len(r.items), r.resp)
		if more {
			// The server may skip pages: the ones it skipped are cancelled.
			skip := 0
			for skip < len(window) && !w.chain.keyset && window[skip].at.page < next.page {
				window[skip].cancel()
				skip++
			}
			window = append(window[:0], window[skip:]...)
			if len(window) == 0 {
				// Keyset, or the server pointed past the window.
				window = append(window, launch(next))
				hi = next.page
			}
			limit = r.resp.TotalPages
		}
		if !w.deliver(r.resp, r.items, more, err) {
			return
		}
		// Refilled only now: a caller that stops in the middle of a page
		// leaves no request that was sent for nothing a moment ago.
		extend()
		at = next
	}
}

// maxSettle bounds how long a stopped iterator waits for the pages still in
// flight. Waiting saves their connections (a cancelled HTTP/1.1 request
// closes its connection, and a new one costs a TCP and TLS handshake); past a
// few round trips the handshake is the cheaper of the two.
const maxSettle = 50 * time.Millisecond

// settle waits, for up to grace in all, for the fetches of window launched
// before the instant before to finish, and drops their results; the others
// are left to be cancelled. The iterator calls it when the caller stopped or
// the list ended while its context is still live: pages requested before the
// last page read arrived have been under way about as long as it took, so
// they are about to arrive, and letting them finish keeps their connections
// in the pool. Pages requested after it would cost the caller a whole round
// trip more.
func settle[T any](window []*future[T], before time.Time, grace time.Duration) {
	if grace <= 0 || len(window) == 0 {
		return
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	for _, f := range window {
		if !f.start.Before(before) {
			continue
		}
		select {
		case <-f.ch:
		case <-t.C:
			return
		}
	}
}

// await returns the result of f; false (after yielding the context's error)
// when the context ended first.
func (w *walker[T]) await(ctx context.Context, f *future[T]) (pageResult[T], bool) {
	if err := ctx.Err(); err != nil {
		w.yield(nil, err)
		return pageResult[T]{}, false
	}
	select {
	case r := <-f.ch:
		if r.err != nil && ctx.Err() != nil {
			r.err = ctx.Err()
		}
		return r, true
	case <-ctx.Done():
		w.yield(nil, ctx.Err())
		return pageResult[T]{}, false
	}
}

// withPage returns a copy of lo positioned at page, with the iterator's default page size.
func withPage(lo ListOptions, at pageCursor) ListOptions {
	if lo.PerPage == 0 {
		lo.PerPage = iterPerPage
	}
	if at.page > 0 {
		lo.Page = at.page
	}
	return lo
}

// startOf is the first page an offset iterator fetches.
func startOf(lo *ListOptions) pageCursor {
	if lo != nil && lo.Page > 0 {
		return pageCursor{page: lo.Page}
	}
	return pageCursor{page: 1}
}

// copyOr returns a shallow copy of *opt, or a zero value when opt is nil.
func copyOr[O any](opt *O) O {
	var o O
	if opt != nil {
		o = *opt
	}
	return o
}

// offsetIter builds an offset iterator over a list whose options embed ListOptions.
func offsetIter[T, O any](ctx context.Context, c *Client, opt *O, lo func(*O) *ListOptions, opts []IterOption,
	list func(context.Context, *O, ...RequestOption) ([]*T, *Response, error)) iter.Seq2[*T, error] {
	base := copyOr(opt)
	return paginate(ctx, c, opts, false, startOf(lo(&base)), func(ctx context.Context, at pageCursor, ro []RequestOption) ([]*T, *Response, error) {
		o := base
		*lo(&o) = withPage(*lo(&base), at)
		return list(ctx, &o, ro...)
	})
}

// ListIter iterates over Runners.List (GET /runners).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-available-runners
func (s *RunnersService) ListIter(ctx context.Context, opt *ListRunnersOptions, opts ...IterOption) iter.Seq2[*Runner, error] {
	return offsetIter(ctx, s.c(), opt, func(o *ListRunnersOptions) *ListOptions { return &o.ListOptions }, opts, s.List)
}

// ListAllIter iterates over Runners.ListAll (GET /runners/all).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-runners
func (s *RunnersService) ListAllIter(ctx context.Context, opt *ListRunnersOptions, opts ...IterOption) iter.Seq2[*Runner, error] {
	return offsetIter(ctx, s.c(), opt, func(o *ListRunnersOptions) *ListOptions { return &o.ListOptions }, opts, s.ListAll)
}

// ListJobsIter iterates over Runners.ListJobs (GET /runners/:id/jobs), by
// keyset when opt.Pagination is "keyset". Offset iteration of a runner's jobs
// ends with a 405 past GitLab's offset limit (50,000 jobs by default); use
// keyset pagination (with OrderBy "id", Sort "desc") for longer histories.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-jobs-processed-by-a-runner
func (s *RunnersService) ListJobsIter(ctx context.Context, id int64, opt *ListRunnerJobsOptions, opts ...IterOption) iter.Seq2[*Job, error] {
	base := copyOr(opt)
	list := func(ctx context.Context, o *ListRunnerJobsOptions, opts ...RequestOption) ([]*Job, *Response, error) {
		return s.ListJobs(ctx, id, o, opts...)
	}
	if base.Pagination == nil || *base.Pagination != PaginationKeyset {
		return offsetIter(ctx, s.c(), &base, func(o *ListRunnerJobsOptions) *ListOptions { return &o.ListOptions }, opts, list)
	}
	start := pageCursor{}
	if base.Cursor != nil {
		start.cursor = *base.Cursor
	}
	return paginate(ctx, s.c(), opts, true, start, func(ctx context.Context, at pageCursor, ro []RequestOption) ([]*Job, *Response, error) {
		o := base
		o.ListOptions = withPage(base.ListOptions, pageCursor{})
		o.Cursor = nil
		if at.cursor != "" {
			o.Cursor = Ptr(at.cursor)
		}
		return list(ctx, &o, ro...)
	})
}

// ListProjectsIter iterates over Runners.ListProjects (GET /runners/:id/projects).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/
func (s *RunnersService) ListProjectsIter(ctx context.Context, id int64, opt *ListRunnerProjectsOptions, opts ...IterOption) iter.Seq2[*Project, error] {
	return offsetIter(ctx, s.c(), opt, func(o *ListRunnerProjectsOptions) *ListOptions { return &o.ListOptions }, opts,
		func(ctx context.Context, o *ListRunnerProjectsOptions, opts ...RequestOption) ([]*Project, *Response, error) {
			return s.ListProjects(ctx, id, o, opts...)
		})
}

// ListProjectRunnersIter iterates over Runners.ListProjectRunners (GET /projects/:id/runners).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-of-a-projects-runners
func (s *RunnersService) ListProjectRunnersIter(ctx context.Context, project ProjectRef, opt *ListProjectRunnersOptions, opts ...IterOption) iter.Seq2[*Runner, error] {
	return offsetIter(ctx, s.c(), opt, func(o *ListProjectRunnersOptions) *ListOptions { return &o.ListOptions }, opts,
		func(ctx context.Context, o *ListProjectRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
			return s.ListProjectRunners(ctx, project, o, opts...)
		})
}

// ListGroupRunnersIter iterates over Runners.ListGroupRunners (GET /groups/:id/runners).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-of-a-groups-runners
func (s *RunnersService) ListGroupRunnersIter(ctx context.Context, group GroupRef, opt *ListGroupRunnersOptions, opts ...IterOption) iter.Seq2[*Runner, error] {
	return offsetIter(ctx, s.c(), opt, func(o *ListGroupRunnersOptions) *ListOptions { return &o.ListOptions }, opts,
		func(ctx context.Context, o *ListGroupRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
			return s.ListGroupRunners(ctx, group, o, opts...)
		})
}

// ListIter iterates over RunnerControllers.List (GET /runner_controllers).
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#list-all-runner-controllers
func (s *RunnerControllersService) ListIter(ctx context.Context, opt *ListRunnerControllersOptions, opts ...IterOption) iter.Seq2[*RunnerController, error] {
	return offsetIter(ctx, s.c(), opt, func(o *ListRunnerControllersOptions) *ListOptions { return &o.ListOptions }, opts, s.List)
}

// ListTokensIter iterates over RunnerControllers.ListTokens (GET /runner_controllers/:id/tokens).
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controller_tokens/#list-all-runner-controller-tokens
func (s *RunnerControllersService) ListTokensIter(ctx context.Context, id int64, opt *ListRunnerControllerTokensOptions, opts ...IterOption) iter.Seq2[*RunnerControllerToken, error] {
	return offsetIter(ctx, s.c(), opt, func(o *ListRunnerControllerTokensOptions) *ListOptions { return &o.ListOptions }, opts,
		func(ctx context.Context, o *ListRunnerControllerTokensOptions, opts ...RequestOption) ([]*RunnerControllerToken, *Response, error) {
			return s.ListTokens(ctx, id, o, opts...)
		})
}
