package runnerapi

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pgServer serves items with ids 1..total in pages, with GitLab's headers.
// Link URLs name the external host, as GitLab's do when its configured URL
// differs from the one the client uses.
type pgServer struct {
	total    int
	counts   bool   // send X-Total and X-Total-Pages
	keyset   bool   // cursor pagination instead of offset
	external string // scheme://host of the Link URLs
	status   map[string]int
	// hold, when set, runs before a page is answered (to force an order).
	hold func(page string)

	mu          sync.Mutex
	queries     []url.Values
	paths       []string
	inflight    int
	maxInflight int
	arrived     map[string]chan struct{}
}

func newPgServer(total int) *pgServer {
	return &pgServer{total: total, external: "https://gitlab.external.example", status: map[string]int{}, arrived: map[string]chan struct{}{}}
}

// arrival returns a channel closed when the request for page (or cursor) key arrives.
func (p *pgServer) arrival(key string) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch, ok := p.arrived[key]
	if !ok {
		ch = make(chan struct{})
		p.arrived[key] = ch
	}
	return ch
}

func (p *pgServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key := q.Get("page")
	if p.keyset {
		key = q.Get("cursor")
	}
	p.mu.Lock()
	p.queries = append(p.queries, q)
	p.paths = append(p.paths, r.URL.EscapedPath())
	p.inflight++
	p.maxInflight = max(p.maxInflight, p.inflight)
	p.mu.Unlock()
	p.markArrived(key)
	defer func() {
		p.mu.Lock()
		p.inflight--
		p.mu.Unlock()
	}()
	if p.hold != nil {
		p.hold(key)
	}
	if st, ok := p.status[key]; ok {
		serveJSON(w, st, []byte(`{"message":"500 Internal Server Error"}`))
		return
	}
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 {
		perPage = 20
	}
	perPage = min(perPage, 100)
	var from int // items from+1 .. from+perPage
	page := 1
	if p.keyset {
		if c := q.Get("cursor"); c != "" {
			from, _ = strconv.Atoi(strings.TrimPrefix(c, "after-"))
		}
	} else {
		if v := q.Get("page"); v != "" {
			page, _ = strconv.Atoi(v)
		}
		from = (page - 1) * perPage
	}
	p.mu.Lock()
	total := p.total
	p.mu.Unlock()
	to := min(from+perPage, total)
	var b strings.Builder
	b.WriteByte('[')
	for id := from + 1; id <= to; id++ {
		if id > from+1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"description":"item %d"}`, id, id)
	}
	b.WriteByte(']')
	h := w.Header()
	link := func(params url.Values) string {
		return p.external + r.URL.Path + "?" + params.Encode()
	}
	if p.keyset {
		if to < total {
			next := url.Values{"pagination": {"keyset"}, "per_page": {strconv.Itoa(perPage)}, "cursor": {"after-" + strconv.Itoa(to)}}
			h.Set("Link", "<"+link(next)+`>; rel="next"`)
		}
	} else {
		pages := max((total+perPage-1)/perPage, 1)
		at := func(n int) string {
			v := url.Values{"per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(n)}}
			return link(v)
		}
		h.Set("X-Page", strconv.Itoa(page))
		h.Set("X-Per-Page", strconv.Itoa(perPage))
		var links []string
		if page > 1 {
			h.Set("X-Prev-Page", strconv.Itoa(page-1))
			links = append(links, "<"+at(page-1)+`>; rel="prev"`)
		} else {
			h.Set("X-Prev-Page", "")
		}
		if page < pages {
			h.Set("X-Next-Page", strconv.Itoa(page+1))
			links = append(links, "<"+at(page+1)+`>; rel="next"`)
		} else {
			h.Set("X-Next-Page", "")
		}
		links = append(links, "<"+at(1)+`>; rel="first"`)
		if p.counts {
			h.Set("X-Total", strconv.Itoa(total))
			h.Set("X-Total-Pages", strconv.Itoa(pages))
			links = append(links, "<"+at(pages)+`>; rel="last"`)
		}
		h.Set("Link", strings.Join(links, ", "))
	}
	serveJSON(w, http.StatusOK, []byte(b.String()))
}

// markArrived closes the arrival channel of key, once: a page can be asked
// for twice (a prefetch that restarted where the server pointed).
func (p *pgServer) markArrived(key string) {
	ch := p.arrival(key)
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-ch:
	default:
		close(ch)
	}
}

func (p *pgServer) Queries() []url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]url.Values(nil), p.queries...)
}

// startPg serves p and returns a client for it (no retries) whose transport
// counts the requests in flight on the client side.
func startPg(t *testing.T, p *pgServer, opts ...Option) *Client {
	c, _ := startPgCounted(t, p, opts...)
	return c
}

// startPgCounted is startPg, also returning the counting transport.
func startPgCounted(t *testing.T, p *pgServer, opts ...Option) (*Client, *countingTransport) {
	t.Helper()
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	ct := &countingTransport{rt: defaultTransport()}
	t.Cleanup(ct.rt.CloseIdleConnections)
	all := append([]Option{WithPrivateToken(testToken), WithoutRetries(), WithHTTPClient(&http.Client{Transport: ct})}, opts...)
	c, err := NewClient(srv.URL, all...)
	require.NoError(t, err)
	return c, ct
}

// countingTransport tracks how many requests are in flight: from RoundTrip
// until the response body is closed.
type countingTransport struct {
	rt            *http.Transport
	mu            sync.Mutex
	inflight, max int
}

func (ct *countingTransport) add(d int) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.inflight += d
	ct.max = max(ct.max, ct.inflight)
}

// InFlight is the number of requests started and not yet finished.
func (ct *countingTransport) InFlight() int {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return ct.inflight
}

func (ct *countingTransport) Max() int {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return ct.max
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.add(1)
	resp, err := ct.rt.RoundTrip(r)
	if err != nil {
		ct.add(-1)
		return nil, err
	}
	resp.Body = &countedBody{ReadCloser: resp.Body, done: func() { ct.add(-1) }}
	return resp, nil
}

// countedBody calls done once, on the first Close.
type countedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *countedBody) Close() error {
	b.once.Do(b.done)
	return b.ReadCloser.Close()
}

// requireIteratorDone checks, right after a loop over an iterator has
// returned, that nothing the iterator started is still running: every
// request it sent has finished (its body closed, or its RoundTrip failed).
// The iterator's goroutines exist only to run those requests, and it waits
// for them before the loop returns, so the check is exact at that instant,
// needs no waiting, and ignores goroutines the iterator does not own (the
// test server's handlers, the transport's idle connections).
func requireIteratorDone(t *testing.T, ct *countingTransport) {
	t.Helper()
	require.Zero(t, ct.InFlight(), "requests still in flight after the loop returned")
}

// ids drains seq, returning the ids seen and the first error.
func ids[T any](seq iter.Seq2[*T, error], id func(*T) int64) ([]int64, error) {
	var out []int64
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, id(v))
	}
	return out, nil
}

func seqIDs(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

// pgIter is one of the eight iterators, reduced to the ids it yields.
type pgIter struct {
	name string
	path string
	run  func(ctx context.Context, c *Client, opts ...IterOption) ([]int64, error)
}

var (
	runnerID     = func(r *Runner) int64 { return r.ID }
	projectIDOf  = func(p *Project) int64 { return p.ID }
	jobID        = func(j *Job) int64 { return j.ID }
	controllerID = func(r *RunnerController) int64 { return r.ID }
	ctlTokenID   = func(r *RunnerControllerToken) int64 { return r.ID }
)

func allIters() []pgIter {
	return []pgIter{
		{"Runners.ListIter", "/api/v4/runners", func(ctx context.Context, c *Client, o ...IterOption) ([]int64, error) {
			return ids(c.Runners.ListIter(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{TagList: []string{"linux"}}}, o...), runnerID)
		}},
		{"Runners.ListAllIter", "/api/v4/runners/all", func(ctx context.Context, c *Client, o ...IterOption) ([]int64, error) {
			return ids(c.Runners.ListAllIter(ctx, nil, o...), runnerID)
		}},
		{"Runners.ListJobsIter", "/api/v4/runners/7/jobs", func(ctx context.Context, c *Client, o ...IterOption) ([]int64, error) {
			return ids(c.Runners.ListJobsIter(ctx, 7, &ListRunnerJobsOptions{Status: Ptr(JobStatusSuccess)}, o...), jobID)
		}},
		{"Runners.ListProjectsIter", "/api/v4/runners/7/projects", func(ctx context.Context, c *Client, o ...IterOption) ([]int64, error) {
			return ids(c.Runners.ListProjectsIter(ctx, 7, nil, o...), projectIDOf)
		}},
		{"Runners.ListProjectRunnersIter", "/api/v4/projects/gitlab-org%2Fgitlab/runners", func(ctx context.Context, c *Client, o ...IterOption) ([]int64, error) {
			return ids(c.Runners.ListProjectRunnersIter(ctx, ProjectPath("gitlab-org/gitlab"), nil, o...), runnerID)
		}},
		{"Runners.ListGroupRunnersIter", "/api/v4/groups/9/runners", func(ctx context.Context, c *Client, o ...IterOption) ([]int64, error) {
			return ids(c.Runners.ListGroupRunnersIter(ctx, GroupID(9), nil, o...), runnerID)
		}},
		{"RunnerControllers.ListIter", "/api/v4/runner_controllers", func(ctx context.Context, c *Client, o ...IterOption) ([]int64, error) {
			return ids(c.RunnerControllers.ListIter(ctx, nil, o...), controllerID)
		}},
		{"RunnerControllers.ListTokensIter", "/api/v4/runner_controllers/3/tokens", func(ctx context.Context, c *Client, o ...IterOption) ([]int64, error) {
			return ids(c.RunnerControllers.ListTokensIter(ctx, 3, nil, o...), ctlTokenID)
		}},
	}
}

// TestIterEveryListToTheLastPage: each of the eight iterators walks all pages,
// stops on the empty X-Next-Page without any totals, asks 100 per page, and
// sends nothing to the host named in the Link header.
func TestIterEveryListToTheLastPage(t *testing.T) {
	for _, it := range allIters() {
		for _, prefetch := range []int{0, 3} {
			t.Run(fmt.Sprintf("%s/prefetch=%d", it.name, prefetch), func(t *testing.T) {
				foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					t.Errorf("request reached the Link host: %s", r.URL)
				}))
				defer foreign.Close()
				p := newPgServer(250)
				p.external = foreign.URL
				c := startPg(t, p)
				got, err := it.run(context.Background(), c, WithPagePrefetch(prefetch))
				require.NoError(t, err)
				assert.Equal(t, seqIDs(250), got)
				qs := p.Queries()
				asked := map[string]int{}
				for _, q := range qs {
					asked[q.Get("page")]++
					assert.Equal(t, "100", q.Get("per_page"))
				}
				for _, page := range []string{"1", "2", "3"} {
					assert.Equal(t, 1, asked[page], "page %s", page)
				}
				if prefetch == 0 {
					require.Len(t, qs, 3, "pages 1..3 and not one more")
					for i, q := range qs {
						assert.Equal(t, strconv.Itoa(i+1), q.Get("page"))
					}
				} else {
					assert.LessOrEqual(t, len(qs), 3+prefetch-1, "at most n-1 requests past the last page")
				}
				p.mu.Lock()
				defer p.mu.Unlock()
				for _, path := range p.paths {
					assert.Equal(t, it.path, path)
				}
			})
		}
	}
}

// TestIterTwinsForEveryPaginatedList: every paginated List method has an Iter twin.
func TestIterTwinsForEveryPaginatedList(t *testing.T) {
	assert.Len(t, allIters(), 8)
	for _, it := range allIters() {
		svc, method, _ := strings.Cut(it.name, ".")
		var typ = map[string]any{"Runners": &RunnersService{}, "RunnerControllers": &RunnerControllersService{}}[svc]
		m, ok := reflectMethod(typ, method)
		require.True(t, ok, it.name)
		base, ok := reflectMethod(typ, strings.TrimSuffix(method, "Iter"))
		require.True(t, ok, it.name)
		assert.Equal(t, base.Type.NumIn(), m.Type.NumIn(), "%s takes the arguments of its list method", it.name)
	}
}

// TestIterFiltersAndStartPage: filters are sent on every page, a Page set by
// the caller is where iteration starts, and the caller's options are untouched.
func TestIterFiltersAndStartPage(t *testing.T) {
	p := newPgServer(95)
	c := startPg(t, p)
	opt := &ListRunnersOptions{RunnerFilter: RunnerFilter{TagList: []string{"docker", "linux"}, Type: Ptr(RunnerTypeGroup)}, ListOptions: ListOptions{Page: 2, PerPage: 30}}
	before := *opt
	beforeTags := append([]string(nil), opt.TagList...)
	got, err := ids(c.Runners.ListAllIter(context.Background(), opt), runnerID)
	require.NoError(t, err)
	assert.Equal(t, seqIDs(95)[30:], got)
	for i, q := range p.Queries() {
		assert.Equal(t, strconv.Itoa(i+2), q.Get("page"))
		assert.Equal(t, "30", q.Get("per_page"))
		assert.Equal(t, "docker,linux", q.Get("tag_list"))
		assert.Equal(t, "group_type", q.Get("type"))
	}
	assert.Equal(t, before, *opt, "options must not be mutated")
	assert.Equal(t, beforeTags, opt.TagList)
}

// TestIterEmptyList: an empty list yields nothing; it costs one request
// sequentially and at most n with prefetch n (pages 1..n are requested
// before the first answer tells the list is empty).
func TestIterEmptyList(t *testing.T) {
	for _, prefetch := range []int{0, 4} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			p := newPgServer(0)
			p.counts = true
			c, ct := startPgCounted(t, p, WithPrefetch(prefetch))
			got, err := ids(c.Runners.ListAllIter(context.Background(), nil), runnerID)
			require.NoError(t, err)
			assert.Empty(t, got)
			assert.GreaterOrEqual(t, len(p.Queries()), 1)
			assert.LessOrEqual(t, len(p.Queries()), max(prefetch, 1))
			requireIteratorDone(t, ct)
		})
	}
}

// TestIterKeysetCursor: keyset iteration follows the cursor of Link
// rel="next" (whose host is foreign) against the client's own base URL.
func TestIterKeysetCursor(t *testing.T) {
	for _, prefetch := range []int{0, 2} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			p := newPgServer(230)
			p.keyset = true
			c := startPg(t, p, WithPrefetch(prefetch))
			opt := &ListRunnerJobsOptions{Pagination: Ptr(PaginationKeyset), OrderBy: Ptr(OrderByID), Sort: Ptr(SortDesc)}
			got, err := ids(c.Runners.ListJobsIter(context.Background(), 7, opt), jobID)
			require.NoError(t, err)
			assert.Equal(t, seqIDs(230), got)
			qs := p.Queries()
			require.Len(t, qs, 3)
			assert.Equal(t, []string{"", "after-100", "after-200"}, []string{qs[0].Get("cursor"), qs[1].Get("cursor"), qs[2].Get("cursor")})
			for _, q := range qs {
				assert.Equal(t, "keyset", q.Get("pagination"))
				assert.Equal(t, "id", q.Get("order_by"))
				assert.Equal(t, "desc", q.Get("sort"))
				assert.Empty(t, q.Get("page"), "keyset requests carry no page")
			}
			assert.Nil(t, opt.Cursor, "options must not be mutated")
		})
	}
}

// TestIterEarlyBreak: breaking out of the loop stops fetching.
func TestIterEarlyBreak(t *testing.T) {
	p := newPgServer(1000)
	c := startPg(t, p)
	n := 0
	for _, err := range c.Runners.ListAllIter(context.Background(), nil) {
		require.NoError(t, err)
		if n++; n == 150 {
			break
		}
	}
	assert.Len(t, p.Queries(), 2, "only the pages the caller read were fetched")
}

// TestIterCancellation: cancelling the context ends the iteration with the context's error.
func TestIterCancellation(t *testing.T) {
	for _, prefetch := range []int{0, 4} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			p := newPgServer(1000)
			p.counts = true
			c, ct := startPgCounted(t, p, WithPrefetch(prefetch))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var got []int64
			var last error
			for r, err := range c.Runners.ListAllIter(ctx, nil) {
				if err != nil {
					last = err
					continue
				}
				got = append(got, r.ID)
				if r.ID == 120 {
					cancel()
				}
			}
			assert.ErrorIs(t, last, context.Canceled)
			assert.Equal(t, seqIDs(200), got, "the page being read is finished, then the error")
			requireIteratorDone(t, ct)
		})
	}
}

// TestIterPrefetchOrderAndBound: with prefetch 4 and a known count, later
// pages complete before earlier ones, items still come out in server order,
// and no more than 4 requests are ever in flight.
func TestIterPrefetchOrderAndBound(t *testing.T) {
	p := newPgServer(1000)
	p.counts = true
	p.hold = func(page string) {
		// Page 2 is answered only after page 5 has arrived, page 6 after page 9.
		switch page {
		case "2":
			<-p.arrival("5")
		case "6":
			<-p.arrival("9")
		}
	}
	c, ct := startPgCounted(t, p, WithPrefetch(4))
	got, err := ids(c.Runners.ListAllIter(context.Background(), nil), runnerID)
	require.NoError(t, err)
	assert.Equal(t, seqIDs(1000), got)
	assert.Len(t, p.Queries(), 10)
	assert.LessOrEqual(t, ct.Max(), 4, "at most n pages in flight")
	assert.GreaterOrEqual(t, ct.Max(), 2, "page 2 waits for page 5, so both were in flight at once")
}

// TestIterPrefetchSpeculative: with prefetch n the first n pages are
// requested at once, whether or not GitLab sends totals (it omits them above
// 10,000 rows): page 1 is answered only once page n has arrived. Items come
// out in server order, no more than n requests are ever in flight, and the
// requests past the end are bounded: none when totals are known, at most
// n-1 when they are not.
func TestIterPrefetchSpeculative(t *testing.T) {
	for _, counts := range []bool{false, true} {
		for _, n := range []int{2, 4, 8} {
			t.Run(fmt.Sprintf("counts=%t/prefetch=%d", counts, n), func(t *testing.T) {
				p := newPgServer(1000) // 10 pages of 100
				p.counts = counts
				last := strconv.Itoa(n)
				p.hold = func(page string) {
					if page != "1" {
						return
					}
					select {
					case <-p.arrival(last):
					case <-time.After(10 * time.Second): // only reached when the test fails
						t.Errorf("page %s was not requested while page 1 was in flight", last)
					}
				}
				c, ct := startPgCounted(t, p, WithPrefetch(n))
				got, err := ids(c.Runners.ListAllIter(context.Background(), nil), runnerID)
				require.NoError(t, err)
				assert.Equal(t, seqIDs(1000), got)
				assert.LessOrEqual(t, ct.Max(), n, "at most n pages in flight")
				requested := map[string]bool{}
				for _, q := range p.Queries() {
					requested[q.Get("page")] = true
				}
				for page := 1; page <= 10; page++ {
					assert.True(t, requested[strconv.Itoa(page)], "page %d", page)
				}
				if counts {
					assert.Len(t, p.Queries(), 10, "totals known: no request past the last page")
				} else {
					assert.LessOrEqual(t, len(p.Queries()), 10+n-1, "at most n-1 requests past the last page")
				}
			})
		}
	}
}

// TestIterPrefetchShortList: a list shorter than the prefetch window is read
// whole and in order, with at most n-1 requests past its end.
func TestIterPrefetchShortList(t *testing.T) {
	for _, counts := range []bool{false, true} {
		for _, total := range []int{0, 1, 100, 250} {
			t.Run(fmt.Sprintf("counts=%t/total=%d", counts, total), func(t *testing.T) {
				p := newPgServer(total)
				p.counts = counts
				c, ct := startPgCounted(t, p, WithPrefetch(8))
				got, err := ids(c.Runners.ListAllIter(context.Background(), nil), runnerID)
				require.NoError(t, err)
				assert.Equal(t, seqIDs(total), append([]int64{}, got...))
				pages := max((total+99)/100, 1)
				assert.LessOrEqual(t, len(p.Queries()), pages+7)
				assert.Zero(t, ct.InFlight(), "every request has returned")
			})
		}
	}
}

// TestIterErrorPosition: a failing page's error comes out after the items of
// the pages before it, and nothing after it, with or without prefetch.
func TestIterErrorPosition(t *testing.T) {
	for _, prefetch := range []int{0, 1, 4} {
		for _, counts := range []bool{false, true} {
			t.Run(fmt.Sprintf("prefetch=%d/counts=%t", prefetch, counts), func(t *testing.T) {
				p := newPgServer(1000)
				p.counts = counts
				p.status["3"] = http.StatusInternalServerError
				c, ct := startPgCounted(t, p, WithPrefetch(prefetch))
				var got []int64
				var errs []error
				for r, err := range c.Runners.ListAllIter(context.Background(), nil) {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					got = append(got, r.ID)
				}
				assert.Equal(t, seqIDs(200), got)
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], ErrServer)
				requireIteratorDone(t, ct)
			})
		}
	}
}

// TestIterBreakWithPrefetchLeavesNoGoroutine: breaking out while pages are
// in flight cancels them and waits for them before the loop returns, with
// and without totals. The prefetched pages hang until their request is
// cancelled, so an iterator that did not cancel, or did not wait, is caught
// at the instant the loop returns.
func TestIterBreakWithPrefetchLeavesNoGoroutine(t *testing.T) {
	for _, counts := range []bool{false, true} {
		t.Run(fmt.Sprintf("counts=%t", counts), func(t *testing.T) {
			p := newPgServer(10000)
			p.counts = counts
			release := make(chan struct{})
			p.hold = func(page string) {
				if page != "1" {
					<-release // the prefetched pages hang until the test ends
				}
			}
			c, ct := startPgCounted(t, p, WithPrefetch(8))
			t.Cleanup(func() { close(release) }) // runs before the server's Close
			n := 0
			for _, err := range c.Runners.ListAllIter(context.Background(), nil) {
				require.NoError(t, err)
				if n++; n == 10 {
					for page := 2; page <= 8; page++ {
						<-p.arrival(strconv.Itoa(page)) // all seven are at the server, and hang there
					}
					assert.Equal(t, 7, ct.InFlight(), "pages 2..8 are in flight while page 1 is read")
					break
				}
			}
			requireIteratorDone(t, ct)
		})
	}
}

// TestIterPrefetchWaitsForItsFetches: the same property one level down,
// without HTTP: at the instant the loop returns (break, error, end, or a
// cancelled context), every fetch the iterator started has returned, however
// the fetches were left hanging.
func TestIterPrefetchWaitsForItsFetches(t *testing.T) {
	c, err := NewClient("https://gitlab.example.com", WithPrivateToken(testToken))
	require.NoError(t, err)
	type item struct{ id int64 }
	cases := []struct {
		name  string
		stop  int64 // break after this item (0: never)
		fail  int64 // this page fails
		pages int64 // the list ends after this page
	}{
		{"break", 150, 0, 1000},
		{"error", 0, 2, 1000},
		{"end", 0, 0, 2},
	}
	for _, tc := range cases {
		for _, keyset := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/keyset=%t", tc.name, keyset), func(t *testing.T) {
				var mu sync.Mutex
				started, returned := 0, 0
				fetch := func(ctx context.Context, at pageCursor, _ []RequestOption) ([]*item, *Response, error) {
					mu.Lock()
					started++
					mu.Unlock()
					defer func() {
						mu.Lock()
						returned++
						mu.Unlock()
					}()
					page := at.page
					if keyset {
						page = 1
						if at.cursor != "" {
							page, _ = strconv.ParseInt(at.cursor, 10, 64)
						}
					}
					if page > 2 {
						<-ctx.Done() // the walk never needs these: they hang until cancelled
						return nil, nil, ctx.Err()
					}
					if page == tc.fail {
						return nil, nil, fmt.Errorf("page %d: %w", page, ErrServer)
					}
					resp := &Response{}
					if page < tc.pages {
						resp.NextPage = page + 1
						resp.NextCursor = strconv.FormatInt(page+1, 10)
					}
					items := make([]*item, 100)
					for i := range items {
						items[i] = &item{id: (page-1)*100 + int64(i) + 1}
					}
					return items, resp, nil
				}
				ctx := context.Background()
				start := pageCursor{page: 1}
				if keyset {
					start = pageCursor{}
				}
				n := int64(0)
				for it, err := range paginate(ctx, c, []IterOption{WithPagePrefetch(4)}, keyset, start, fetch) {
					if err != nil {
						break
					}
					n++
					if it.id != n {
						t.Fatalf("item %d at position %d", it.id, n)
					}
					if n == tc.stop {
						break
					}
				}
				mu.Lock()
				defer mu.Unlock()
				assert.Equal(t, started, returned, "fetches still running after the loop returned")
				assert.GreaterOrEqual(t, started, 2)
			})
		}
	}
}

// TestIterInvalidInput: bad options and a negative prefetch fail before any request.
func TestIterInvalidInput(t *testing.T) {
	p := newPgServer(10)
	c := startPg(t, p)
	_, err := ids(c.Runners.ListAllIter(context.Background(), &ListRunnersOptions{RunnerFilter: RunnerFilter{Type: Ptr(RunnerType("bogus"))}}), runnerID)
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = ids(c.Runners.ListJobsIter(context.Background(), 0, nil), jobID)
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = ids(c.Runners.ListAllIter(context.Background(), nil, WithPagePrefetch(-1)), runnerID)
	assert.ErrorIs(t, err, ErrInvalidInput)
	assert.Empty(t, p.Queries())
	_, err = NewClient("https://gitlab.example.com", WithPrefetch(-1))
	assert.ErrorIs(t, err, ErrInvalidInput)
}

// TestIterListChangesWhileWalked: the walk follows the server's
// X-Next-Page, not a plan made from X-Total-Pages: a list that grows past the
// count sent on page 1 is read to its new end, one that shrinks ends where
// the server says. The changes are made in page 3's (or page 2's) handler,
// and later pages are answered only after it, so each page sees the list as
// a sequential walk would.
func TestIterListChangesWhileWalked(t *testing.T) {
	cases := []struct {
		name   string
		counts bool
		at     string // the page whose handler changes the list
		total  int    // the new total
		want   int
	}{
		{"grows past the count", true, "3", 450, 450},
		{"grows, no count", false, "3", 450, 450},
		{"shrinks below the count", true, "2", 150, 150},
		{"shrinks, no count", false, "2", 150, 150},
	}
	for _, tc := range cases {
		for _, prefetch := range []int{0, 1, 4} {
			t.Run(fmt.Sprintf("%s/prefetch=%d", tc.name, prefetch), func(t *testing.T) {
				p := newPgServer(300)
				p.counts = tc.counts
				changed := make(chan struct{})
				p.hold = func(page string) {
					n, _ := strconv.Atoi(page)
					at, _ := strconv.Atoi(tc.at)
					switch {
					case n == at:
						p.mu.Lock()
						p.total = tc.total // a runner registration burst, or a cleanup, while we list
						p.mu.Unlock()
						close(changed)
					case n > at:
						<-changed
					}
				}
				c, ct := startPgCounted(t, p, WithPrefetch(prefetch))
				got, err := ids(c.Runners.ListAllIter(context.Background(), nil), runnerID)
				require.NoError(t, err)
				assert.Equal(t, seqIDs(tc.want), got)
				requireIteratorDone(t, ct)
			})
		}
	}
}

// TestIterPrefetchCancelsSkippedPages: pages launched ahead that the server's
// X-Next-Page skips are cancelled at once, not at the end of the loop: the
// fetch of page 5 goes on only after the fetches of the skipped pages 2 and 4
// have returned. Pages nobody needs hang until they are cancelled.
func TestIterPrefetchCancelsSkippedPages(t *testing.T) {
	c, err := NewClient("https://gitlab.example.com", WithPrivateToken(testToken))
	require.NoError(t, err)
	type item struct{ id int64 }
	gone := map[int64]chan struct{}{2: make(chan struct{}), 4: make(chan struct{})}
	fetch := func(ctx context.Context, at pageCursor, _ []RequestOption) ([]*item, *Response, error) {
		next := map[int64]int64{1: 3, 3: 5, 5: 0}
		switch at.page {
		case 1, 3:
		case 5:
			for _, p := range []int64{2, 4} {
				select {
				case <-gone[p]:
				case <-time.After(10 * time.Second): // only reached when the test fails
					t.Errorf("page %d is still being fetched after the server skipped it", p)
				}
			}
		default:
			<-ctx.Done()
			if ch, ok := gone[at.page]; ok {
				close(ch)
			}
			return nil, nil, ctx.Err()
		}
		return []*item{{at.page}}, &Response{NextPage: next[at.page]}, nil
	}
	var got []int64
	for it, err := range paginate(context.Background(), c, []IterOption{WithPagePrefetch(4)}, false, pageCursor{page: 1}, fetch) {
		require.NoError(t, err)
		got = append(got, it.id)
	}
	assert.Equal(t, []int64{1, 3, 5}, got)
}

// TestIterFollowsServerNextPage: a server whose X-Next-Page skips a page is
// followed where it points, with or without prefetch (the pages launched
// ahead are discarded).
func TestIterFollowsServerNextPage(t *testing.T) {
	pages := func(key string) ([]int, string) {
		switch key {
		case "", "1":
			return []int{1}, "3"
		case "2":
			return []int{2}, "3"
		case "3":
			return []int{3}, "5"
		case "5":
			return []int{5}, ""
		}
		return []int{99}, strconv.Itoa(100)
	}
	for _, prefetch := range []int{0, 1, 2, 8} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			srv := httptest.NewServer(&loopServer{pages: pages})
			defer srv.Close()
			c, err := NewClient(srv.URL, WithPrivateToken(testToken), WithoutRetries(), WithPrefetch(prefetch))
			require.NoError(t, err)
			got, err := ids(c.Runners.ListAllIter(context.Background(), nil), runnerID)
			require.NoError(t, err)
			assert.Equal(t, []int64{1, 3, 5}, got)
		})
	}
}

// TestIterOptionsApart: iterator options are a type of their own. Every
// <Method>Iter takes ...IterOption and every other method ...RequestOption;
// a RequestOption is an IterOption, WithPagePrefetch is not a RequestOption
// (so passing it to Get does not compile). The request options of an
// iterator call reach every page request and are each applied once per
// request, not once more to look for iterator settings.
func TestIterOptionsApart(t *testing.T) {
	reqOpt := reflect.TypeOf(RequestOption(nil))
	iterOpt := reflect.TypeOf((*IterOption)(nil)).Elem()
	assert.True(t, reqOpt.Implements(iterOpt), "a RequestOption is an IterOption")
	assert.False(t, reflect.TypeOf(WithPagePrefetch(1)).AssignableTo(reqOpt), "WithPagePrefetch is not a RequestOption")
	for _, svc := range []any{&RunnersService{}, &RunnerControllersService{}} {
		typ := reflect.TypeOf(svc)
		for i := 0; i < typ.NumMethod(); i++ {
			m := typ.Method(i)
			if !m.Type.IsVariadic() {
				continue
			}
			last := m.Type.In(m.Type.NumIn() - 1).Elem()
			want := reqOpt
			if strings.HasSuffix(m.Name, "Iter") {
				want = iterOpt
			}
			assert.Equal(t, want, last, "%s.%s", typ.Elem().Name(), m.Name)
		}
	}

	for _, prefetch := range []int{0, 2} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			p := newPgServer(250)
			c := startPg(t, p)
			var mu sync.Mutex
			applied := 0
			counted := RequestOption(func(rc *requestConfig) error {
				mu.Lock()
				applied++
				mu.Unlock()
				return nil
			})
			got, err := ids(c.Runners.ListAllIter(context.Background(), nil, WithQuery("x-probe", "1"), counted, WithPagePrefetch(prefetch)), runnerID)
			require.NoError(t, err)
			assert.Equal(t, seqIDs(250), got)
			qs := p.Queries()
			for _, q := range qs {
				assert.Equal(t, "1", q.Get("x-probe"), "request options reach every page")
			}
			mu.Lock()
			defer mu.Unlock()
			if prefetch == 0 {
				assert.Equal(t, 3, applied, "once per request and no more")
			} else {
				assert.LessOrEqual(t, applied, len(qs)+prefetch, "once per request started (cancelled ones may not reach the server)")
			}
		})
	}
}

// reflectMethod looks up an exported method of v's type.
func reflectMethod(v any, name string) (reflect.Method, bool) {
	return reflect.TypeOf(v).MethodByName(name)
}

// loopServer answers a list endpoint from a table: for each page (offset) or
// cursor (keyset) key, the ids of the page and where it says the next page is.
// Keys missing from the table, and every request after the first
// loopServerGiveUp, are answered with an empty last page. It counts the
// requests, so a test can prove the iterator stopped.
const loopServerGiveUp = 1000

type loopServer struct {
	keyset bool
	pages  func(key string) (ids []int, next string)
	mu     sync.Mutex
	n      int
}

func (s *loopServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	key := r.URL.Query().Get("page")
	if s.keyset {
		key = r.URL.Query().Get("cursor")
	}
	var items []int
	var next string
	if n <= loopServerGiveUp {
		items, next = s.pages(key)
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d}`, id)
	}
	b.WriteByte(']')
	if s.keyset {
		if next != "" {
			w.Header().Set("Link", `<https://gitlab.example.com/api/v4/runners/7/jobs?pagination=keyset&cursor=`+next+`>; rel="next"`)
		}
	} else {
		w.Header().Set("X-Page", key)
		w.Header().Set("X-Next-Page", next)
	}
	serveJSON(w, http.StatusOK, []byte(b.String()))
}

func (s *loopServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// TestIterPaginationGuards: every way a server can make an iterator loop
// ends with ErrInvalidResponse after the items that came before it, with and
// without prefetch, after a bounded number of requests: a keyset cursor that
// repeats itself (A→A) or comes back after others (A→B→A), an X-Next-Page
// that does not move forward, and a run of empty pages that keep pointing
// forward (offset and keyset). The server gives up after 1,000 requests, so
// an iterator without the guard ends without an error instead of looping.
func TestIterPaginationGuards(t *testing.T) {
	const giveUp = loopServerGiveUp
	cases := []struct {
		name    string
		keyset  bool
		pages   func(key string) ([]int, string)
		wantIDs []int64
		maxReqs int
	}{
		{"keyset cursor repeats", true, func(key string) ([]int, string) {
			switch key {
			case "":
				return []int{1, 2}, "A"
			case "A":
				return []int{3, 4}, "A"
			}
			return nil, ""
		}, []int64{1, 2, 3, 4}, 2},
		{"keyset cursor cycle A-B-A", true, func(key string) ([]int, string) {
			switch key {
			case "":
				return []int{1, 2}, "A"
			case "A":
				return []int{3, 4}, "B"
			case "B":
				return []int{5, 6}, "A"
			}
			return nil, ""
		}, []int64{1, 2, 3, 4, 5, 6}, 3},
		{"keyset cycle back to the first cursor", true, func(key string) ([]int, string) {
			switch key {
			case "S": // the caller's starting cursor
				return []int{1}, "T"
			case "T":
				return []int{2}, "S"
			}
			return nil, ""
		}, []int64{1, 2}, 2},
		{"keyset empty pages pointing forward", true, func(key string) ([]int, string) {
			if key == "" {
				return []int{1}, "c1"
			}
			k, _ := strconv.Atoi(strings.TrimPrefix(key, "c"))
			if k >= giveUp {
				return nil, ""
			}
			return nil, "c" + strconv.Itoa(k+1)
		}, []int64{1}, 1 + maxEmptyRun},
		{"offset next page does not advance", false, func(key string) ([]int, string) {
			switch key {
			case "", "1":
				return []int{1}, "2"
			case "2":
				return []int{2}, "2"
			}
			return nil, ""
		}, []int64{1, 2}, 2 + 8},
		{"offset next page points back", false, func(key string) ([]int, string) {
			return []int{1}, "1"
		}, []int64{1}, 1 + 8},
		{"offset empty pages pointing forward", false, func(key string) ([]int, string) {
			k, _ := strconv.Atoi(key)
			k = max(k, 1)
			if k >= giveUp {
				return nil, ""
			}
			if k == 1 {
				return []int{1}, "2"
			}
			return nil, strconv.Itoa(k + 1)
		}, []int64{1}, 1 + maxEmptyRun + 8},
	}
	for _, tc := range cases {
		for _, prefetch := range []int{0, 1, 8} {
			t.Run(fmt.Sprintf("%s/prefetch=%d", tc.name, prefetch), func(t *testing.T) {
				s := &loopServer{keyset: tc.keyset, pages: tc.pages}
				srv := httptest.NewServer(s)
				defer srv.Close()
				c, err := NewClient(srv.URL, WithPrivateToken(testToken), WithoutRetries(), WithPrefetch(prefetch))
				require.NoError(t, err)
				opt := &ListRunnerJobsOptions{}
				if tc.keyset {
					opt.Pagination = Ptr(PaginationKeyset)
					if strings.Contains(tc.name, "first cursor") {
						opt.Cursor = Ptr("S")
					}
				}
				got, err := ids(c.Runners.ListJobsIter(context.Background(), 7, opt), jobID)
				assert.ErrorIs(t, err, ErrInvalidResponse)
				assert.Equal(t, tc.wantIDs, got)
				assert.LessOrEqual(t, s.requests(), tc.maxReqs, "requests sent")
			})
		}
	}
}

// TestIterPageResponse: WithPageResponse sees every page's Response once,
// in page order, before the page's items are yielded, sequentially and
// with prefetch; a nil function is refused before any request.
func TestIterPageResponse(t *testing.T) {
	for _, prefetch := range []int{0, 1, 4} {
		t.Run(fmt.Sprintf("prefetch=%d", prefetch), func(t *testing.T) {
			p := newPgServer(250)
			p.counts = true
			c := startPg(t, p)
			var pages, before []int64
			var totals []int64
			yielded := int64(0)
			seen := WithPageResponse(func(r *Response) {
				pages = append(pages, r.CurrentPage)
				before = append(before, yielded)
				totals = append(totals, r.TotalItems)
			})
			for _, err := range c.Runners.ListAllIter(context.Background(), nil, seen, WithPagePrefetch(prefetch)) {
				require.NoError(t, err)
				yielded++
			}
			assert.Equal(t, int64(250), yielded)
			assert.Equal(t, []int64{1, 2, 3}, pages)
			assert.Equal(t, []int64{0, 100, 200}, before)
			assert.Equal(t, []int64{250, 250, 250}, totals)
		})
	}
	t.Run("nil", func(t *testing.T) {
		p := newPgServer(10)
		c := startPg(t, p)
		n := 0
		for _, err := range c.Runners.ListAllIter(context.Background(), nil, WithPageResponse(nil)) {
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "WithPageResponse", ve.Field)
			n++
		}
		assert.Equal(t, 1, n)
		assert.Empty(t, p.Queries())
	})
}
