// Package bench compares runnerapi with gitlab.com/gitlab-org/api/client-go
// and with a floor written with bare net/http and encoding/json, against the
// same local servers. See BENCHMARKS.md for the results and how to rerun them.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	gitlab "gitlab.com/gitlab-org/api/client-go"
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
// offset pagination headers, after latency per request. Pages are rendered
// once and cached, so the server costs the same for every client.
type listServer struct {
	total   int
	latency time.Duration
	mu      sync.Mutex
	pages   map[string][]byte
}

// newListServer returns a list server with every 100-runner page rendered in
// advance, so that neither the server's work nor its cache is measured.
func newListServer(total int, latency time.Duration) *listServer {
	s := &listServer{total: total, latency: latency, pages: map[string][]byte{}}
	for p := 1; p <= max((total+99)/100, 1); p++ {
		s.page(p, 100)
	}
	return s
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
	pages := max((s.total+perPage-1)/perPage, 1)
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

func newDetailsServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(detailsBody)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// transport is one pooled transport per client, sized alike for all three.
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

// floorRunnerDetails is the least a client can do: one GET, one decode.
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

func floorGet(hc *http.Client, url string) (*floorRunnerDetails, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var d floorRunnerDetails
	return &d, json.NewDecoder(resp.Body).Decode(&d)
}

// BenchmarkGetRunner compares one GET /runners/:id with a full decode.
func BenchmarkGetRunner(b *testing.B) {
	srv := newDetailsServer(b)
	ctx := context.Background()
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: transport()}
		url := srv.URL + "/api/v4/runners/6"
		b.ReportAllocs()
		for b.Loop() {
			if _, err := floorGet(hc, url); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("runnerapi", func(b *testing.B) {
		c := newRunnerapi(b, srv.URL)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.Runners.Get(ctx, 6, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client-go", func(b *testing.B) {
		c := newClientGo(b, srv.URL)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.Runners.GetRunnerDetails(6, gitlab.WithContext(ctx)); err != nil {
				b.Fatal(err)
			}
		}
	})
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

// BenchmarkIterate10k walks 10,000 runners, 100 per page, with 10 ms of
// server latency per request; ns/op is the wall time of a full iteration.
func BenchmarkIterate10k(b *testing.B) {
	const total = 10000
	srv := httptest.NewServer(newListServer(total, 10*time.Millisecond))
	b.Cleanup(srv.Close)
	ctx := context.Background()
	check := func(b *testing.B, n int, err error) {
		if err != nil {
			b.Fatal(err)
		}
		if n != total {
			b.Fatalf("saw %d runners, want %d", n, total)
		}
	}
	b.Run("client-go-Scan2", func(b *testing.B) {
		c := newClientGo(b, srv.URL)
		for b.Loop() {
			n, err := iterClientGo(c, nil)
			check(b, n, err)
		}
	})
	for _, prefetch := range []int{0, 4, 8} {
		b.Run("runnerapi-prefetch"+strconv.Itoa(prefetch), func(b *testing.B) {
			c := newRunnerapi(b, srv.URL)
			for b.Loop() {
				n, err := iterRunnerapi(ctx, c, prefetch, nil)
				check(b, n, err)
			}
		})
	}
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
// means memory is O(page), not O(total). ns/op includes the forced collections.
func BenchmarkPeakHeap(b *testing.B) {
	ctx := context.Background()
	for _, total := range []int{10000, 100000} {
		srv := httptest.NewServer(newListServer(total, 0))
		b.Cleanup(srv.Close)
		for _, prefetch := range []int{0, 4} {
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

// TestClientsAgree checks that the three clients see the same data, so the
// benchmarks compare like with like. It runs with plain `go test`.
func TestClientsAgree(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(detailsBody)
	}))
	defer srv.Close()
	ctx := context.Background()
	floor, err := floorGet(&http.Client{}, srv.URL+"/api/v4/runners/6")
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
	if ours.ID != floor.ID || int64(theirs.ID) != floor.ID || ours.Description != theirs.Description || len(ours.TagList) != len(floor.TagList) {
		t.Fatalf("clients disagree: ours %d %q, client-go %d %q, floor %d", ours.ID, ours.Description, theirs.ID, theirs.Description, floor.ID)
	}

	list := httptest.NewServer(newListServer(1234, 0))
	defer list.Close()
	for _, prefetch := range []int{0, 4} {
		n, err := iterRunnerapi(ctx, newRunnerapi(t, list.URL), prefetch, nil)
		if err != nil || n != 1234 {
			t.Fatalf("runnerapi prefetch %d: %d runners, %v", prefetch, n, err)
		}
	}
	if n, err := iterClientGo(newClientGo(t, list.URL), nil); err != nil || n != 1234 {
		t.Fatalf("client-go: %d runners, %v", n, err)
	}
}
