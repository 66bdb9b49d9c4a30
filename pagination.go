package runnerapi

import (
	"context"
	"fmt"
	"iter"
	"sync"
)

// Iterators over GitLab's paginated lists.
//
// Each <Method>Iter twin takes the arguments of <Method> and returns an
// iter.Seq2 that yields every item of every page in server order:
//
//	for r, err := range client.Runners.ListAllIter(ctx, &runnerapi.ListRunnersOptions{Type: runnerapi.Ptr(runnerapi.RunnerTypeInstance)}) {
//		if err != nil {
//			return err // the iteration ends after an error
//		}
//		fmt.Println(r.ID, r.Description)
//	}
//
// Offset lists follow X-Next-Page and end on an empty one; they never need
// X-Total, which GitLab omits above 10,000 rows. Keyset lists (ListJobs with
// Pagination "keyset") follow the cursor of the Link rel="next" URL; only the
// cursor is taken from it and applied to the client's own base URL, because
// GitLab builds that URL from its configured external host, which may differ
// from the one the client talks to (a proxy, a port-forward).
//
// An unset PerPage becomes 100 (GitLab's maximum) to save round trips. The
// caller's options are never modified. Breaking out of the loop stops
// fetching; a cancelled context ends the iteration with the context's error.
//
// With WithPrefetch (client) or WithPagePrefetch (one call), up to n further
// pages are fetched while the caller consumes the current one: n at a time
// when GitLab sent the page count, one ahead when it did not (keyset lists,
// more than 10,000 rows). Items still come out in server order, an error
// comes out at the position of the page that failed, memory stays bounded by
// about n+1 pages, and no goroutine outlives the loop.

// iterPerPage is the page size iterators ask for when the caller set none.
const iterPerPage = 100

// pageCursor says which page to fetch: an offset page number, or a keyset cursor.
type pageCursor struct {
	page   int64
	cursor string
}

// pageFunc fetches one page of a list.
type pageFunc[T any] func(ctx context.Context, at pageCursor) ([]*T, *Response, error)

// pageResult is one fetched page.
type pageResult[T any] struct {
	items []*T
	resp  *Response
	err   error
}

// nextCursor returns where the page after resp starts, and false on the last page.
func nextCursor(keyset bool, at pageCursor, resp *Response) (pageCursor, bool, error) {
	if keyset {
		if resp.NextCursor == "" {
			return pageCursor{}, false, nil
		}
		if resp.NextCursor == at.cursor {
			return pageCursor{}, false, fmt.Errorf("%w: keyset cursor did not advance", ErrInvalidResponse)
		}
		return pageCursor{cursor: resp.NextCursor}, true, nil
	}
	if resp.NextPage == 0 {
		return pageCursor{}, false, nil
	}
	if resp.NextPage <= at.page {
		return pageCursor{}, false, fmt.Errorf("%w: X-Next-Page %d does not follow page %d", ErrInvalidResponse, resp.NextPage, at.page)
	}
	return pageCursor{page: resp.NextPage}, true, nil
}

// prefetchOf returns the prefetch depth of a call: the request option if set, else the client's.
func (c *Client) prefetchOf(opts []RequestOption) (int, error) {
	rc := &requestConfig{prefetch: -1}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(rc); err != nil {
			return 0, err
		}
	}
	if rc.prefetch >= 0 {
		return rc.prefetch, nil
	}
	return c.prefetch, nil
}

// paginate is the one mechanism behind every <Method>Iter: it walks the pages
// of fetch from start, sequentially or with prefetch.
func paginate[T any](ctx context.Context, c *Client, opts []RequestOption, keyset bool, start pageCursor, fetch pageFunc[T]) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		n, err := c.prefetchOf(opts)
		if err != nil {
			yield(nil, err)
			return
		}
		if n <= 0 {
			walkSequential(ctx, keyset, start, fetch, yield)
			return
		}
		walkPrefetch(ctx, n, keyset, start, fetch, yield)
	}
}

// emit yields the items of one page; it reports false when the caller stopped.
func emit[T any](items []*T, yield func(*T, error) bool) bool {
	for _, it := range items {
		if !yield(it, nil) {
			return false
		}
	}
	return true
}

// walkSequential fetches one page at a time.
func walkSequential[T any](ctx context.Context, keyset bool, at pageCursor, fetch pageFunc[T], yield func(*T, error) bool) {
	for {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		items, resp, err := fetch(ctx, at)
		if err != nil {
			yield(nil, err)
			return
		}
		if !emit(items, yield) {
			return
		}
		next, more, err := nextCursor(keyset, at, resp)
		if err != nil {
			yield(nil, err)
			return
		}
		if !more {
			return
		}
		at = next
	}
}

// walkPrefetch fetches pages ahead of the consumer. Futures are consumed in
// page order, so items and errors come out exactly where sequential
// iteration would put them. All fetches run under a context that is
// cancelled, and waited for, before walkPrefetch returns.
func walkPrefetch[T any](ctx context.Context, n int, keyset bool, start pageCursor, fetch pageFunc[T], yield func(*T, error) bool) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	type future struct {
		at pageCursor
		ch chan pageResult[T]
	}
	launch := func(at pageCursor) future {
		f := future{at: at, ch: make(chan pageResult[T], 1)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			items, resp, err := fetch(ctx, at)
			f.ch <- pageResult[T]{items, resp, err}
		}()
		return f
	}
	await := func(f future) (pageResult[T], bool) {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return pageResult[T]{}, false
		}
		select {
		case r := <-f.ch:
			if r.err != nil && ctx.Err() != nil {
				r.err = ctx.Err()
			}
			return r, true
		case <-ctx.Done():
			yield(nil, ctx.Err())
			return pageResult[T]{}, false
		}
	}

	// The first page tells whether the page count is known.
	at := start
	cur, ok := await(launch(at))
	if !ok {
		return
	}
	var queue []future
	// With a known count, pages up to totalPages are launched n ahead.
	var lastLaunched, totalPages int64
	if !keyset && cur.err == nil && cur.resp.TotalPages > 0 && cur.resp.NextPage > 0 {
		totalPages, lastLaunched = cur.resp.TotalPages, at.page
	}
	fill := func() {
		for totalPages > 0 && len(queue) < n && lastLaunched < totalPages {
			lastLaunched++
			queue = append(queue, launch(pageCursor{page: lastLaunched}))
		}
	}
	fill()
	for {
		if cur.err != nil {
			yield(nil, cur.err)
			return
		}
		next, more, err := nextCursor(keyset, at, cur.resp)
		if more && (len(queue) == 0 || queue[0].at != next) {
			// Count unknown, or the server's next page is not the one
			// launched (the list changed): go on one page ahead. Futures
			// already launched are cancelled and awaited on return.
			totalPages, queue = 0, []future{launch(next)}
		}
		if !emit(cur.items, yield) {
			return
		}
		if err != nil {
			yield(nil, err)
			return
		}
		if !more {
			return
		}
		// Await before refilling, so that at most n fetches run while the
		// caller holds one page: about n+1 pages in memory.
		f := queue[0]
		queue = queue[1:]
		if cur, ok = await(f); !ok {
			return
		}
		fill()
		at = next
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
func offsetIter[T, O any](ctx context.Context, c *Client, opt *O, lo func(*O) *ListOptions, opts []RequestOption,
	list func(context.Context, *O, ...RequestOption) ([]*T, *Response, error)) iter.Seq2[*T, error] {
	base := copyOr(opt)
	return paginate(ctx, c, opts, false, startOf(lo(&base)), func(ctx context.Context, at pageCursor) ([]*T, *Response, error) {
		o := base
		*lo(&o) = withPage(*lo(&base), at)
		return list(ctx, &o, opts...)
	})
}

// ListIter iterates over Runners.List (GET /runners).
func (s *RunnersService) ListIter(ctx context.Context, opt *ListRunnersOptions, opts ...RequestOption) iter.Seq2[*Runner, error] {
	return offsetIter(ctx, s.client, opt, func(o *ListRunnersOptions) *ListOptions { return &o.ListOptions }, opts, s.List)
}

// ListAllIter iterates over Runners.ListAll (GET /runners/all).
func (s *RunnersService) ListAllIter(ctx context.Context, opt *ListRunnersOptions, opts ...RequestOption) iter.Seq2[*Runner, error] {
	return offsetIter(ctx, s.client, opt, func(o *ListRunnersOptions) *ListOptions { return &o.ListOptions }, opts, s.ListAll)
}

// ListJobsIter iterates over Runners.ListJobs (GET /runners/:id/jobs), by
// keyset when opt.Pagination is "keyset". Offset iteration of a runner's jobs
// ends with a 405 past GitLab's offset limit (50,000 jobs by default); use
// keyset pagination (with OrderBy "id", Sort "desc") for longer histories.
func (s *RunnersService) ListJobsIter(ctx context.Context, id int64, opt *ListRunnerJobsOptions, opts ...RequestOption) iter.Seq2[*Job, error] {
	base := copyOr(opt)
	list := func(ctx context.Context, o *ListRunnerJobsOptions, opts ...RequestOption) ([]*Job, *Response, error) {
		return s.ListJobs(ctx, id, o, opts...)
	}
	if base.Pagination == nil || *base.Pagination != PaginationKeyset {
		return offsetIter(ctx, s.client, &base, func(o *ListRunnerJobsOptions) *ListOptions { return &o.ListOptions }, opts, list)
	}
	start := pageCursor{}
	if base.Cursor != nil {
		start.cursor = *base.Cursor
	}
	return paginate(ctx, s.client, opts, true, start, func(ctx context.Context, at pageCursor) ([]*Job, *Response, error) {
		o := base
		o.ListOptions = withPage(base.ListOptions, pageCursor{})
		o.Cursor = nil
		if at.cursor != "" {
			o.Cursor = Ptr(at.cursor)
		}
		return list(ctx, &o, opts...)
	})
}

// ListProjectsIter iterates over Runners.ListProjects (GET /runners/:id/projects).
func (s *RunnersService) ListProjectsIter(ctx context.Context, id int64, opt *ListRunnerProjectsOptions, opts ...RequestOption) iter.Seq2[*Project, error] {
	return offsetIter(ctx, s.client, opt, func(o *ListRunnerProjectsOptions) *ListOptions { return &o.ListOptions }, opts,
		func(ctx context.Context, o *ListRunnerProjectsOptions, opts ...RequestOption) ([]*Project, *Response, error) {
			return s.ListProjects(ctx, id, o, opts...)
		})
}

// ListProjectRunnersIter iterates over Runners.ListProjectRunners (GET /projects/:id/runners).
func (s *RunnersService) ListProjectRunnersIter(ctx context.Context, project ProjectRef, opt *ListProjectRunnersOptions, opts ...RequestOption) iter.Seq2[*Runner, error] {
	return offsetIter(ctx, s.client, opt, func(o *ListProjectRunnersOptions) *ListOptions { return &o.ListOptions }, opts,
		func(ctx context.Context, o *ListProjectRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
			return s.ListProjectRunners(ctx, project, o, opts...)
		})
}

// ListGroupRunnersIter iterates over Runners.ListGroupRunners (GET /groups/:id/runners).
func (s *RunnersService) ListGroupRunnersIter(ctx context.Context, group GroupRef, opt *ListGroupRunnersOptions, opts ...RequestOption) iter.Seq2[*Runner, error] {
	return offsetIter(ctx, s.client, opt, func(o *ListGroupRunnersOptions) *ListOptions { return &o.ListOptions }, opts,
		func(ctx context.Context, o *ListGroupRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
			return s.ListGroupRunners(ctx, group, o, opts...)
		})
}

// ListIter iterates over RunnerControllers.List (GET /runner_controllers).
func (s *RunnerControllersService) ListIter(ctx context.Context, opt *ListRunnerControllersOptions, opts ...RequestOption) iter.Seq2[*RunnerController, error] {
	return offsetIter(ctx, s.client, opt, func(o *ListRunnerControllersOptions) *ListOptions { return &o.ListOptions }, opts, s.List)
}

// ListTokensIter iterates over RunnerControllers.ListTokens (GET /runner_controllers/:id/tokens).
func (s *RunnerControllersService) ListTokensIter(ctx context.Context, id int64, opt *ListRunnerControllerTokensOptions, opts ...RequestOption) iter.Seq2[*RunnerControllerToken, error] {
	return offsetIter(ctx, s.client, opt, func(o *ListRunnerControllerTokensOptions) *ListOptions { return &o.ListOptions }, opts,
		func(ctx context.Context, o *ListRunnerControllerTokensOptions, opts ...RequestOption) ([]*RunnerControllerToken, *Response, error) {
			return s.ListTokens(ctx, id, o, opts...)
		})
}
