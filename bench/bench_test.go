// Package bench compares runnerapi with gitlab.com/gitlab-org/api/client-go/v2
// and with floors written with bare net/http and encoding/json, against the
// same local servers. See BENCHMARKS.md for the results and how to rerun them.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
	"golang.org/x/time/rate"
)

const token = "glpat-benchmark-token-000000"

// detailsBody is a realistic runner details answer (the newest GitLab shape).
var detailsBody = func() []byte {
	b, err := os.ReadFile("../testdata/runners/get_newest.json")
	if err != nil {
		panic(err)
	}
	return b
}()

// listServer serves GET /api/v4/runners/all over total runners with GitLab's
// offset pagination headers, after latency per request. Like GitLab it sends
// X-Total and X-Total-Pages only up to 10,000 rows. Pages are rendered once,
// in advance, so the server costs the same for every client.
type listServer struct {
	total   int
	latency time.Duration
	mu      sync.Mutex
	pages   map[string][]byte
	conns   atomic.Int64 // TCP connections accepted (set by serveList)
}

func newListServer(total int, latency time.Duration) *listServer {
	s := &listServer{total: total, latency: latency, pages: map[string][]byte{}}
	for p := 1; p <= max((total+99)/100, 1); p++ {
		s.page(p, 100)
	}
	return s
}

// serveList starts s on loopback, counting the TCP connections it accepts.
func serveList(tb testing.TB, s *listServer) *httptest.Server {
	srv := httptest.NewUnstartedServer(s)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv
}

func (s *listServer) page(page, perPage int) []byte {
	key := strconv.Itoa(page) + "/" + strconv.Itoa(perPage)
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.pages[key]; ok {
		return b
	}
	from := (page - 1) * perPage
	to := min(from+perPage, s.total)
	runners := make([]map[string]any, 0, max(to-from, 0))
	for id := from + 1; id <= to; id++ {
		runners = append(runners, map[string]any{
			"id": id, "description": "runner-" + strconv.Itoa(id), "ip_address": nil, "active": true, "paused": false,
			"is_shared": true, "runner_type": "instance_type", "name": "gitlab-runner", "online": true,
			"created_by": nil, "status": "online", "job_execution_status": "idle",
			"created_at": "2025-07-01T10:00:00.000Z", "contacted_at": "2025-07-15T09:30:00.000Z",
		})
	}
	b, _ := json.Marshal(runners)
	s.pages[key] = b
	return b
}

func (s *listServer) pageCount(perPage int) int { return max((s.total+perPage-1)/perPage, 1) }

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.latency > 0 {
		time.Sleep(s.latency) // simulated network and server time, not a wait for a result
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 {
		perPage = 20
	}
	perPage = min(perPage, 100)
	pages := s.pageCount(perPage)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Prev-Page", "")
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
	}
	h.Set("X-Next-Page", "")
	link := fmt.Sprintf(`<http://%s/api/v4/runners/all?page=1&per_page=%d>; rel="first"`, r.Host, perPage)
	if page < pages {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		link = fmt.Sprintf(`<http://%s/api/v4/runners/all?page=%d&per_page=%d>; rel="next", `, r.Host, page+1, perPage) + link
	}
	if s.total <= 10000 { // GitLab stops counting above 10,000 rows
		h.Set("X-Total", strconv.Itoa(s.total))
		h.Set("X-Total-Pages", strconv.Itoa(pages))
		link += fmt.Sprintf(`, <http://%s/api/v4/runners/all?page=%d&per_page=%d>; rel="last"`, r.Host, pages, perPage)
	}
	h.Set("Link", link)
	_, _ = w.Write(s.page(page, perPage))
}

func newDetailsServer(tb testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(detailsBody)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// transport is one pooled transport per client, sized alike for all.
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}

func newRunnerapi(tb testing.TB, url string, opts ...runnerapi.Option) *runnerapi.Client {
	all := append([]runnerapi.Option{runnerapi.WithPrivateToken(token), runnerapi.WithHTTPClient(&http.Client{Transport: transport()})}, opts...)
	c, err := runnerapi.NewClient(url, all...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func newClientGo(tb testing.TB, url string) *gitlab.Client {
	c, err := gitlab.NewClient(token, gitlab.WithBaseURL(url),
		gitlab.WithHTTPClient(&http.Client{Transport: transport()}),
		gitlab.WithCustomLimiter(rate.NewLimiter(rate.Inf, 0)))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// floorRunnerDetails is the least a client can decode: a few fields.
type floorRunnerDetails struct {
	ID          int64      `json:"id"`
	Description string     `json:"description"`
	Status      string     `json:"status"`
	TagList     []string   `json:"tag_list"`
	ContactedAt *time.Time `json:"contacted_at"`
	Projects    []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"projects"`
}

// floorRunner is the floor's list item.
type floorRunner struct {
	ID          int64  `json:"id"`
	Description string `json:"description"`
	Status      string `json:"status"`
}

// floorGetJSON is the least a client can do: one GET, one decode into v.
func floorGetJSON(ctx context.Context, hc *http.Client, url string, v any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return nil, err
	}
	return resp.Header, nil
}

func floorGet(hc *http.Client, url string) (*floorRunnerDetails, error) {
	var d floorRunnerDetails
	_, err := floorGetJSON(context.Background(), hc, url, &d)
	return &d, err
}

// floorGetSameTypes is the floor decoding into runnerapi's own RunnerDetails,
// so that runnerapi minus this is what the SDK adds around the decode.
func floorGetSameTypes(hc *http.Client, url string) (*runnerapi.RunnerDetails, error) {
	var d runnerapi.RunnerDetails
	_, err := floorGetJSON(context.Background(), hc, url, &d)
	return &d, err
}

// getClient is one way to GET /runners/6.
type getClient struct {
	name string
	get  func() error
}

// getClients builds the four Get contenders against srv.
func getClients(tb testing.TB, srv *httptest.Server) []getClient {
	ctx := context.Background()
	url := srv.URL + "/api/v4/runners/6"
	floorHC := &http.Client{Transport: transport()}
	sameHC := &http.Client{Transport: transport()}
	ours := newRunnerapi(tb, srv.URL)
	theirs := newClientGo(tb, srv.URL)
	return []getClient{
		{"floor", func() error { _, err := floorGet(floorHC, url); return err }},
		{"floor-sametypes", func() error { _, err := floorGetSameTypes(sameHC, url); return err }},
		{"runnerapi", func() error { _, _, err := ours.Runners.Get(ctx, 6, nil); return err }},
		{"client-go", func() error {
			_, _, err := theirs.Runners.GetRunnerDetails(6, gitlab.WithContext(ctx))
			return err
		}},
	}
}

// BenchmarkGetRunner compares one GET /runners/:id with a full decode of the
// newest RunnerDetails shape.
func BenchmarkGetRunner(b *testing.B) {
	srv := newDetailsServer(b)
	for _, gc := range getClients(b, srv) {
		b.Run(gc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := gc.get(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGetRunnerPaired calls every client once per iteration, in an
// order that rotates, and reports runnerapi's time over floor-sametypes' and
// over client-go's as metrics. Noise on a shared 2-core machine then hits all
// clients alike, so the ratios are stable where ns/op of separate benchmarks
// are not.
func BenchmarkGetRunnerPaired(b *testing.B) {
	srv := newDetailsServer(b)
	var clients []getClient
	for _, gc := range getClients(b, srv) {
		if gc.name != "floor" {
			clients = append(clients, gc)
		}
	}
	spent := make([]time.Duration, len(clients))
	i := 0
	for b.Loop() {
		for k := range clients {
			j := (i + k) % len(clients)
			start := time.Now()
			if err := clients[j].get(); err != nil {
				b.Fatal(err)
			}
			spent[j] += time.Since(start)
		}
		i++
	}
	ratio := func(a, b string) float64 {
		var ta, tb time.Duration
		for k, c := range clients {
			switch c.name {
			case a:
				ta = spent[k]
			case b:
				tb = spent[k]
			}
		}
		return float64(ta) / float64(tb)
	}
	b.ReportMetric(ratio("runnerapi", "floor-sametypes"), "runnerapi/floor-sametypes")
	b.ReportMetric(ratio("runnerapi", "client-go"), "runnerapi/client-go")
}

// iterRunnerapi drains ListAllIter and returns the number of runners seen.
func iterRunnerapi(ctx context.Context, c *runnerapi.Client, prefetch int, each func()) (int, error) {
	n := 0
	for _, err := range c.Runners.ListAllIter(ctx, &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{PerPage: 100}}, runnerapi.WithPagePrefetch(prefetch)) {
		if err != nil {
			return n, err
		}
		n++
		if each != nil {
			each()
		}
	}
	return n, nil
}

// iterClientGo drains client-go's Scan2 over ListAllRunners.
func iterClientGo(c *gitlab.Client, each func()) (int, error) {
	opt := &gitlab.ListRunnersOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
	n := 0
	for _, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Runner, *gitlab.Response, error) {
		return c.Runners.ListAllRunners(opt, p)
	}) {
		if err != nil {
			return n, err
		}
		n++
		if each != nil {
			each()
		}
	}
	return n, nil
}

// floorSequential walks every page one at a time with bare net/http,
// following X-Next-Page, decoding each page into []*T.
func floorSequential[T any](hc *http.Client, base string) (int, error) {
	n := 0
	for page := 1; page > 0; {
		var items []*T
		h, err := floorGetJSON(context.Background(), hc, base+"/api/v4/runners/all?per_page=100&page="+strconv.Itoa(page), &items)
		if err != nil {
			return n, err
		}
		n += len(items)
		page, _ = strconv.Atoi(h.Get("X-Next-Page"))
	}
	return n, nil
}

// floorConcurrent is an ideal w-worker client that knows the page count: w
// goroutines take page numbers 1..pages from a counter, GET and decode them
// into runnerapi's own Runner type (so only the scheduling differs from
// runnerapi's), without keeping any order.
func floorConcurrent(hc *http.Client, base string, pages, w int) (int, error) {
	var next, seen atomic.Int64
	errs := make(chan error, w)
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				page := next.Add(1)
				if page > int64(pages) {
					return
				}
				var items []*runnerapi.Runner
				if _, err := floorGetJSON(context.Background(), hc, base+"/api/v4/runners/all?per_page=100&page="+strconv.FormatInt(page, 10), &items); err != nil {
					errs <- err
					return
				}
				seen.Add(int64(len(items)))
			}
		}()
	}
	wg.Wait()
	close(errs)
	return int(seen.Load()), <-errs
}

// walkBench runs f per iteration and checks it saw want runners.
func walkBench(b *testing.B, want int, f func() (int, error)) {
	for b.Loop() {
		n, err := f()
		if err != nil {
			b.Fatal(err)
		}
		if n != want {
			b.Fatalf("saw %d runners, want %d", n, want)
		}
	}
}

// BenchmarkList10kNoLatency walks 10,000 runners (100 pages of 100) with no
// server latency, one page at a time: the CPU cost of listing. It reports
// runners/s and allocs and bytes per runner (client and loopback server
// together, the server's share being the same for all).
func BenchmarkList10kNoLatency(b *testing.B) {
	const total = 10000
	ls := newListServer(total, 0)
	srv := serveList(b, ls)
	ctx := context.Background()
	run := func(name string, f func() (int, error)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			start := time.Now()
			walkBench(b, total, f)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&ms1)
			runners := float64(b.N) * total
			b.ReportMetric(runners/elapsed.Seconds(), "runners/s")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/runners, "allocs/runner")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/runners, "B/runner")
		})
	}
	floorHC := &http.Client{Transport: transport()}
	run("floor", func() (int, error) { return floorSequential[floorRunner](floorHC, srv.URL) })
	sameHC := &http.Client{Transport: transport()}
	run("floor-sametypes", func() (int, error) { return floorSequential[runnerapi.Runner](sameHC, srv.URL) })
	ours := newRunnerapi(b, srv.URL)
	run("runnerapi", func() (int, error) { return iterRunnerapi(ctx, ours, 0, nil) })
	theirs := newClientGo(b, srv.URL)
	run("client-go-Scan2", func() (int, error) { return iterClientGo(theirs, nil) })
}

// BenchmarkList10kNoLatencyPaired walks the 10,000 runners with runnerapi and
// client-go once each per iteration, in alternating order, and reports
// runnerapi's time over client-go's (below 1 is faster).
func BenchmarkList10kNoLatencyPaired(b *testing.B) {
	const total = 10000
	srv := serveList(b, newListServer(total, 0))
	ctx := context.Background()
	ours := newRunnerapi(b, srv.URL)
	theirs := newClientGo(b, srv.URL)
	walks := []func() (int, error){
		func() (int, error) { return iterRunnerapi(ctx, ours, 0, nil) },
		func() (int, error) { return iterClientGo(theirs, nil) },
	}
	var spent [2]time.Duration
	i := 0
	for b.Loop() {
		for k := range walks {
			j := (i + k) % 2
			start := time.Now()
			n, err := walks[j]()
			if err != nil || n != total {
				b.Fatalf("walk %d: %d runners, %v", j, n, err)
			}
			spent[j] += time.Since(start)
		}
		i++
	}
	b.ReportMetric(float64(spent[0])/float64(spent[1]), "runnerapi/client-go")
}

// iterateBench is the body of BenchmarkIterate10k and BenchmarkIterate100k.
func iterateBench(b *testing.B, total int, floorWidths, prefetches []int) {
	ls := newListServer(total, 10*time.Millisecond)
	srv := serveList(b, ls)
	ctx := context.Background()
	pages := ls.pageCount(100)
	for _, w := range floorWidths {
		b.Run("floor-concurrent"+strconv.Itoa(w), func(b *testing.B) {
			hc := &http.Client{Transport: transport()}
			walkBench(b, total, func() (int, error) { return floorConcurrent(hc, srv.URL, pages, w) })
		})
	}
	for _, prefetch := range prefetches {
		b.Run("runnerapi-prefetch"+strconv.Itoa(prefetch), func(b *testing.B) {
			c := newRunnerapi(b, srv.URL)
			walkBench(b, total, func() (int, error) { return iterRunnerapi(ctx, c, prefetch, nil) })
		})
	}
	b.Run("client-go-Scan2", func(b *testing.B) {
		c := newClientGo(b, srv.URL)
		walkBench(b, total, func() (int, error) { return iterClientGo(c, nil) })
	})
}

// BenchmarkIterate10k walks 10,000 runners, 100 per page, with 10 ms of
// server latency per request and X-Total-Pages sent; ns/op is the wall time
// of a full iteration.
func BenchmarkIterate10k(b *testing.B) {
	iterateBench(b, 10000, []int{4, 8}, []int{0, 4, 8})
}

// BenchmarkIterate100k walks 100,000 runners (1,000 pages) with 10 ms per
// page and, as GitLab above 10,000 rows, no totals: only the ideal floor is
// told the page count.
func BenchmarkIterate100k(b *testing.B) {
	iterateBench(b, 100000, []int{8}, []int{4, 8})
}

// peakHeap runs f and returns the peak live heap, in bytes above the heap in
// use before f started. f calls sample after each item; every 1,000th call
// forces a collection and reads HeapAlloc, so the figure is what the
// iteration keeps alive (pages in flight and the page being read), not
// garbage waiting for the collector.
func peakHeap(f func(sample func())) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	seen := 0
	sample := func() {
		if seen++; seen%1000 != 0 {
			return
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapAlloc > base {
			peak = max(peak, m.HeapAlloc-base)
		}
	}
	f(sample)
	return peak
}

// BenchmarkPeakHeap iterates 10,000 and 100,000 runners and reports the peak
// live heap during the walk (peak-heap-KiB): the same figure for both totals
// means memory is O(page), not O(total), also with speculative prefetch
// (100,000 rows come without totals). ns/op includes the forced collections.
func BenchmarkPeakHeap(b *testing.B) {
	ctx := context.Background()
	for _, total := range []int{10000, 100000} {
		srv := serveList(b, newListServer(total, 0))
		for _, prefetch := range []int{0, 4, 8} {
			b.Run(fmt.Sprintf("runnerapi-prefetch%d/%d", prefetch, total), func(b *testing.B) {
				c := newRunnerapi(b, srv.URL)
				var peak uint64
				for b.Loop() {
					peak = max(peak, peakHeap(func(sample func()) {
						n, err := iterRunnerapi(ctx, c, prefetch, sample)
						if err != nil || n != total {
							b.Fatalf("saw %d runners (%v), want %d", n, err, total)
						}
					}))
				}
				b.ReportMetric(float64(peak)/1024, "peak-heap-KiB")
			})
		}
		b.Run(fmt.Sprintf("client-go-Scan2/%d", total), func(b *testing.B) {
			c := newClientGo(b, srv.URL)
			var peak uint64
			for b.Loop() {
				peak = max(peak, peakHeap(func(sample func()) {
					n, err := iterClientGo(c, sample)
					if err != nil || n != total {
						b.Fatalf("saw %d runners (%v), want %d", n, err, total)
					}
				}))
			}
			b.ReportMetric(float64(peak)/1024, "peak-heap-KiB")
		})
	}
}

// BenchmarkEarlyBreak breaks out of a prefetching walk after the first
// runner, with 10 ms per page, and reports the TCP connections the server
// accepted per 1,000 breaks (new-conns/1000-breaks) and the time a break
// costs (ns/op: the first page plus the stop). runnerapi cancels the pages
// in flight, which closes their connections; the two floors show the
// alternatives with bare net/http and 8 requests in flight: cancel them
// (floor-cancel8, what runnerapi does), or let them finish and keep the
// connections (floor-finish8).
func BenchmarkEarlyBreak(b *testing.B) {
	ctx := context.Background()
	perBreak := func(b *testing.B, ls *listServer, f func()) {
		before := ls.conns.Load()
		for b.Loop() {
			f()
		}
		b.ReportMetric(float64(ls.conns.Load()-before)*1000/float64(b.N), "new-conns/1000-breaks")
	}
	for _, prefetch := range []int{4, 8} {
		b.Run("runnerapi-prefetch"+strconv.Itoa(prefetch), func(b *testing.B) {
			ls := newListServer(10000, 10*time.Millisecond)
			srv := serveList(b, ls)
			c := newRunnerapi(b, srv.URL)
			perBreak(b, ls, func() {
				for _, err := range c.Runners.ListAllIter(ctx, nil, runnerapi.WithPagePrefetch(prefetch)) {
					if err != nil {
						b.Fatal(err)
					}
					break
				}
			})
		})
	}
	for _, finish := range []bool{false, true} {
		name := "floor-cancel8"
		if finish {
			name = "floor-finish8"
		}
		b.Run(name, func(b *testing.B) {
			ls := newListServer(10000, 10*time.Millisecond)
			srv := serveList(b, ls)
			hc := &http.Client{Transport: transport()}
			perBreak(b, ls, func() { floorBreak(hc, srv.URL, 8, finish) })
		})
	}
}

// floorBreak requests pages 1..w at once, reads page 1's first runner and
// stops: it cancels the others, or, with finish, waits for them to complete
// and drains their bodies so their connections go back to the pool.
func floorBreak(hc *http.Client, base string, w int, finish bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		body io.ReadCloser
		err  error
	}
	chans := make([]chan result, w)
	for i := range chans {
		chans[i] = make(chan result, 1)
		go func(page int, ch chan result) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v4/runners/all?per_page=100&page="+strconv.Itoa(page), nil)
			req.Header.Set("PRIVATE-TOKEN", token)
			resp, err := hc.Do(req)
			if err != nil {
				ch <- result{err: err}
				return
			}
			ch <- result{body: resp.Body}
		}(i+1, chans[i])
	}
	first := <-chans[0]
	if first.err == nil {
		var items []floorRunner
		_ = json.NewDecoder(first.body).Decode(&items)
		_, _ = io.Copy(io.Discard, first.body)
		first.body.Close()
	}
	if !finish {
		cancel()
	}
	for _, ch := range chans[1:] {
		if r := <-ch; r.err == nil {
			_, _ = io.Copy(io.Discard, r.body)
			r.body.Close()
		}
	}
}

// TestClientsAgree checks that the clients see the same data, so the
// benchmarks compare like with like. It runs with plain `go test`.
func TestClientsAgree(t *testing.T) {
	srv := newDetailsServer(t)
	ctx := context.Background()
	floor, err := floorGet(&http.Client{}, srv.URL+"/api/v4/runners/6")
	if err != nil {
		t.Fatal(err)
	}
	same, err := floorGetSameTypes(&http.Client{}, srv.URL+"/api/v4/runners/6")
	if err != nil {
		t.Fatal(err)
	}
	ours, _, err := newRunnerapi(t, srv.URL).Runners.Get(ctx, 6, nil)
	if err != nil {
		t.Fatal(err)
	}
	theirs, _, err := newClientGo(t, srv.URL).Runners.GetRunnerDetails(6)
	if err != nil {
		t.Fatal(err)
	}
	if ours.ID != floor.ID || same.ID != floor.ID || theirs.ID != floor.ID ||
		ours.Description != theirs.Description || same.Description != ours.Description ||
		len(ours.TagList) != len(floor.TagList) || len(theirs.TagList) != len(floor.TagList) ||
		len(ours.Projects) != len(floor.Projects) || len(theirs.Projects) != len(floor.Projects) {
		t.Fatalf("clients disagree: ours %d %q, client-go %d %q, floor %d", ours.ID, ours.Description, theirs.ID, theirs.Description, floor.ID)
	}

	// Lists: with totals (1,234 rows) and without (10,050 rows, above
	// GitLab's counting limit), every walker sees every runner.
	for _, total := range []int{1234, 10050} {
		ls := newListServer(total, 0)
		list := serveList(t, ls)
		for _, prefetch := range []int{0, 4, 8} {
			if n, err := iterRunnerapi(ctx, newRunnerapi(t, list.URL), prefetch, nil); err != nil || n != total {
				t.Fatalf("runnerapi prefetch %d over %d: %d runners, %v", prefetch, total, n, err)
			}
		}
		if n, err := iterClientGo(newClientGo(t, list.URL), nil); err != nil || n != total {
			t.Fatalf("client-go over %d: %d runners, %v", total, n, err)
		}
		hc := &http.Client{Transport: transport()}
		if n, err := floorSequential[floorRunner](hc, list.URL); err != nil || n != total {
			t.Fatalf("floor over %d: %d runners, %v", total, n, err)
		}
		if n, err := floorConcurrent(hc, list.URL, ls.pageCount(100), 8); err != nil || n != total {
			t.Fatalf("floor-concurrent8 over %d: %d runners, %v", total, n, err)
		}
	}
}

// BenchmarkDecodePage decodes one 100-runner page with encoding/json into
// each client's own list type, without HTTP: the part of a list's cost that
// is the types' (allocs/runner), apart from the request path.
func BenchmarkDecodePage(b *testing.B) {
	page := newListServer(100, 0).page(1, 100)
	decode := func(b *testing.B, v func() any) {
		b.ReportAllocs()
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		for b.Loop() {
			if err := json.Unmarshal(page, v()); err != nil {
				b.Fatal(err)
			}
		}
		runtime.ReadMemStats(&ms1)
		b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/100, "allocs/runner")
	}
	b.Run("runnerapi", func(b *testing.B) { decode(b, func() any { return new([]*runnerapi.Runner) }) })
	b.Run("client-go", func(b *testing.B) { decode(b, func() any { return new([]*gitlab.Runner) }) })
}
