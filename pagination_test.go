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
	"runtime"
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
	close(p.arrival(key))
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

// requireGoroutinesBack waits, boundedly, for the goroutine count to return
// to base once idle connections are closed. It is an eventual check of a
// property, not a timing assertion.
func requireGoroutinesBack(t *testing.T, base int, ct *countingTransport) {
	t.Helper()
	for i := 0; i < 500; i++ {
		ct.rt.CloseIdleConnections()
		if runtime.NumGoroutine() <= base {
			return
		}
		runtime.Gosched()
		time.Sleep(2 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("goroutines: %d, baseline %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
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
	run  func(ctx context.Context, c *Client, opts ...RequestOption) ([]int64, error)
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
		{"Runners.ListIter", "/api/v4/runners", func(ctx context.Context, c *Client, o ...RequestOption) ([]int64, error) {
			return ids(c.Runners.ListIter(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{TagList: []string{"linux"}}}, o...), runnerID)
		}},
		{"Runners.ListAllIter", "/api/v4/runners/all", func(ctx context.Context, c *Client, o ...RequestOption) ([]int64, error) {
			return ids(c.Runners.ListAllIter(ctx, nil, o...), runnerID)
		}},
		{"Runners.ListJobsIter", "/api/v4/runners/7/jobs", func(ctx context.Context, c *Client, o ...RequestOption) ([]int64, error) {
			return ids(c.Runners.ListJobsIter(ctx, 7, &ListRunnerJobsOptions{Status: Ptr(JobStatusSuccess)}, o...), jobID)
		}},
		{"Runners.ListProjectsIter", "/api/v4/runners/7/projects", func(ctx context.Context, c *Client, o ...RequestOption) ([]int64, error) {
			return ids(c.Runners.ListProjectsIter(ctx, 7, nil, o...), projectIDOf)
		}},
		{"Runners.ListProjectRunnersIter", "/api/v4/projects/gitlab-org%2Fgitlab/runners", func(ctx context.Context, c *Client, o ...RequestOption) ([]int64, error) {
			return ids(c.Runners.ListProjectRunnersIter(ctx, ProjectPath("gitlab-org/gitlab"), nil, o...), runnerID)
		}},
		{"Runners.ListGroupRunnersIter", "/api/v4/groups/9/runners", func(ctx context.Context, c *Client, o ...RequestOption) ([]int64, error) {
			return ids(c.Runners.ListGroupRunnersIter(ctx, GroupID(9), nil, o...), runnerID)
		}},
		{"RunnerControllers.ListIter", "/api/v4/runner_controllers", func(ctx context.Context, c *Client, o ...RequestOption) ([]int64, error) {
			return ids(c.RunnerControllers.ListIter(ctx, nil, o...), controllerID)
		}},
		{"RunnerControllers.ListTokensIter", "/api/v4/runner_controllers/3/tokens", func(ctx context.Context, c *Client, o ...RequestOption) ([]int64, error) {
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
				require.Len(t, qs, 3, "pages 1..3 and not one more")
				for i, q := range qs {
					assert.Equal(t, strconv.Itoa(i+1), q.Get("page"))
					assert.Equal(t, "100", q.Get("per_page"))
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

// TestIterEmptyList: an empty list yields nothing and makes one request.
func TestIterEmptyList(t *testing.T) {
	p := newPgServer(0)
	p.counts = true
	c := startPg(t, p, WithPrefetch(4))
	got, err := ids(c.Runners.ListAllIter(context.Background(), nil), runnerID)
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.Len(t, p.Queries(), 1)
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
			base := runtime.NumGoroutine()
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
			requireGoroutinesBack(t, base, ct)
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

// TestIterPrefetchUnknownCount: without totals the iterator stays one page ahead.
func TestIterPrefetchUnknownCount(t *testing.T) {
	p := newPgServer(1000)
	p.hold = func(page string) {
		if page == "2" {
			// Page 3 can only be requested while page 2 is still open if the
			// iterator ran two ahead, which it must not: answer page 2 first.
			p.mu.Lock()
			_, early := p.arrived["3"]
			p.mu.Unlock()
			assert.False(t, early)
		}
	}
	c, ct := startPgCounted(t, p, WithPrefetch(8))
	got, err := ids(c.Runners.ListAllIter(context.Background(), nil), runnerID)
	require.NoError(t, err)
	assert.Equal(t, seqIDs(1000), got)
	assert.LessOrEqual(t, ct.Max(), 1, "one page ahead when the count is unknown")
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
				base := runtime.NumGoroutine()
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
				requireGoroutinesBack(t, base, ct)
			})
		}
	}
}

// TestIterBreakWithPrefetchLeavesNoGoroutine: breaking out while pages are in
// flight cancels and awaits them before the loop returns.
func TestIterBreakWithPrefetchLeavesNoGoroutine(t *testing.T) {
	p := newPgServer(10000)
	p.counts = true
	release := make(chan struct{})
	p.hold = func(page string) {
		if page != "1" {
			<-release // the prefetched pages hang until the test ends
		}
	}
	c, ct := startPgCounted(t, p, WithPrefetch(8))
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	base := runtime.NumGoroutine()
	n := 0
	for _, err := range c.Runners.ListAllIter(context.Background(), nil) {
		require.NoError(t, err)
		if n++; n == 10 {
			break
		}
	}
	requireGoroutinesBack(t, base, ct)
}

// TestIterBadNextPage: a server whose X-Next-Page does not advance ends the
// iteration with ErrInvalidResponse instead of looping forever.
func TestIterBadNextPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Next-Page", "1")
		serveJSON(w, 200, []byte(`[{"id":1}]`))
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, WithPrivateToken(testToken))
	require.NoError(t, err)
	for _, prefetch := range []int{0, 2} {
		got, err := ids(c.Runners.ListAllIter(context.Background(), nil, WithPagePrefetch(prefetch)), runnerID)
		assert.Equal(t, []int64{1}, got)
		assert.ErrorIs(t, err, ErrInvalidResponse)
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

// TestIterListGrowsPastCount: when the list grows while prefetching on a
// known count, iteration follows X-Next-Page past the count.
func TestIterListGrowsPastCount(t *testing.T) {
	p := newPgServer(300)
	p.counts = true
	p.hold = func(page string) {
		if page == "3" {
			p.mu.Lock()
			p.total = 450 // a runner registration burst while we list
			p.mu.Unlock()
		}
	}
	c := startPg(t, p, WithPrefetch(4))
	got, err := ids(c.Runners.ListAllIter(context.Background(), nil), runnerID)
	require.NoError(t, err)
	assert.Equal(t, seqIDs(450), got)
}

// reflectMethod looks up an exported method of v's type.
func reflectMethod(v any, name string) (reflect.Method, bool) {
	return reflect.TypeOf(v).MethodByName(name)
}
