package bench

// Benchmarks of package fleet against the fake GitLab (runnerapitest).
// Each reports its wall time against the limit the work allows, as a ratio
// from the same run; see BENCHMARKS.md for the recorded figures.

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/fleet"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

// statusCounter counts the answers with each status the client received.
type statusCounter struct {
	base     http.RoundTripper
	requests atomic.Int64
	limited  atomic.Int64
}

func (c *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	c.requests.Add(1)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		c.limited.Add(1)
	}
	return resp, err
}

// fleetTransport is a keep-alive transport sized for n concurrent requests to one host.
func fleetTransport(n int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = n
	return t
}

// BenchmarkFleetInventory: 2,000 runners, details and managers, every
// request behind 10 ms of latency, concurrency 16. The limit is
// (list pages + ceil(4,000/16)) x 10 ms: the list read page after page, then
// the 4,000 per-runner requests 16 at a time.
func BenchmarkFleetInventory(b *testing.B) {
	const runners, concurrency, latency = 2000, 16, 10 * time.Millisecond
	srv := runnerapitest.NewServer()
	defer srv.Close()
	srv.AddRunners(runners, runnerapitest.RunnerSpec{Managers: []runnerapitest.ManagerSpec{{SystemID: "s_1", Version: "18.5.0"}}})
	srv.SetFaultFunc(func(*http.Request) runnerapitest.Fault { return runnerapitest.Fault{Latency: latency} })
	client := srv.Client(runnerapi.WithHTTPClient(&http.Client{Transport: fleetTransport(2 * concurrency)}))
	f, err := fleet.New(client, fleet.WithConcurrency(concurrency))
	if err != nil {
		b.Fatal(err)
	}
	pages := (runners + 99) / 100
	limit := time.Duration(pages+int(math.Ceil(2*runners/float64(concurrency)))) * latency
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		n := 0
		for _, err := range f.Inventory(context.Background(), nil) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != runners {
			b.Fatalf("%d records, want %d", n, runners)
		}
		srv.ResetRequests()
	}
	wall := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(limit.Seconds(), "limit-s")
	b.ReportMetric(float64(wall)/float64(limit), "ratio-to-limit")
}

// BenchmarkFleetBulkPause: 5,000 pauses against the fake's Rack::Attack-style
// quota of 600 requests per second, concurrency 16, with the client's
// adaptive pacing and its retry of 429s. The limit is 5,000/600 s.
func BenchmarkFleetBulkPause(b *testing.B) {
	const runners, quota, concurrency = 5000, 600, 16
	limit := time.Duration(runners) * time.Second / quota
	var failed, limited, sent int64
	var wall time.Duration
	for range b.N {
		b.StopTimer()
		srv := runnerapitest.NewServer(runnerapitest.WithRateLimit(quota, time.Second))
		ids := make([]int64, 0, runners)
		for _, r := range srv.AddRunners(runners, runnerapitest.RunnerSpec{}) {
			ids = append(ids, r.ID)
		}
		sc := &statusCounter{base: fleetTransport(2 * concurrency)}
		client := srv.Client(runnerapi.WithHTTPClient(&http.Client{Transport: sc}),
			runnerapi.WithRetry(20, 100*time.Millisecond, 2*time.Second))
		f, err := fleet.New(client, fleet.WithConcurrency(concurrency))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep := f.Pause(context.Background(), ids)
		wall += time.Since(start)
		b.StopTimer()
		failed += int64(rep.Failed)
		limited += sc.limited.Load()
		sent += sc.requests.Load()
		if err := rep.Err(); err != nil {
			b.Errorf("%d failed: %v", rep.Failed, err)
		}
		srv.Close()
	}
	wall /= time.Duration(b.N)
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(limit.Seconds(), "limit-s")
	b.ReportMetric(float64(wall)/float64(limit), "ratio-to-limit")
	b.ReportMetric(float64(failed)/float64(b.N), "failed/op")
	b.ReportMetric(float64(limited)/float64(b.N), "429s/op")
	b.ReportMetric(float64(sent)/float64(b.N), "requests/op")
}

// inventoryServer answers the three requests of an inventory for total
// runners with O(1) memory per request: list pages are rendered on the fly
// (no totals, as GitLab above 10,000 rows), details and managers from one
// template. Unlike the fake, it keeps no per-runner state, so the heap it
// adds is the same for any fleet size and what grows is the client's.
type inventoryServer struct{ total int }

func (s inventoryServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	path := strings.TrimPrefix(r.URL.Path, "/api/v4/runners/")
	if path == "all" {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		perPage := 100
		from, to := (page-1)*perPage+1, min(page*perPage, s.total)
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Per-Page", strconv.Itoa(perPage))
		next := ""
		if to < s.total {
			next = strconv.Itoa(page + 1)
		}
		w.Header().Set("X-Next-Page", next)
		w.Header().Set("X-Prev-Page", "")
		var buf strings.Builder
		buf.WriteByte('[')
		for id := from; id <= to; id++ {
			if id > from {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"id":%d,"description":"runner-%d","ip_address":null,"active":true,"paused":false,"is_shared":true,"runner_type":"instance_type","name":"gitlab-runner","online":true,"status":"online","job_execution_status":"idle","created_at":"2025-07-01T10:00:00.000Z"}`, id, id)
		}
		buf.WriteByte(']')
		_, _ = w.Write([]byte(buf.String()))
		return
	}
	id, rest, _ := strings.Cut(path, "/")
	if rest == "managers" {
		_, _ = fmt.Fprintf(w, `[{"id":%s,"system_id":"s_1","version":"18.5.0","revision":"cc489270","platform":"linux","architecture":"amd64","ip_address":"10.0.0.1","status":"online","job_execution_status":"idle","created_at":"2025-07-01T10:00:00.000Z","contacted_at":"2025-07-15T09:30:00.000Z"}]`, id)
		return
	}
	_, _ = fmt.Fprintf(w, `{"id":%s,"description":"runner","ip_address":null,"active":true,"paused":false,"is_shared":true,"runner_type":"instance_type","name":"gitlab-runner","online":true,"status":"online","job_execution_status":"idle","created_at":"2025-07-01T10:00:00.000Z","tag_list":["docker"],"run_untagged":true,"locked":false,"maximum_timeout":null,"access_level":"not_protected","version":"18.5.0","revision":"cc489270","platform":"linux","architecture":"amd64","contacted_at":"2025-07-15T09:30:00.000Z","maintenance_note":null,"groups":[]}`, id)
}

// BenchmarkFleetInventoryPeakHeap: the live heap while an Inventory runs
// over 10,000 and over 100,000 runners, above the heap before it started,
// sampled after a GC at 20 evenly spaced points (the same number for both
// sizes, so the maximum is taken over as many samples). Streaming keeps it
// the same.
func BenchmarkFleetInventoryPeakHeap(b *testing.B) {
	const samples = 20
	for _, runners := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("runners=%d", runners), func(b *testing.B) {
			srv := httptest.NewServer(inventoryServer{total: runners})
			defer srv.Close()
			client, err := runnerapi.NewClient(srv.URL, runnerapi.WithPrivateToken(token),
				runnerapi.WithHTTPClient(&http.Client{Transport: fleetTransport(16)}))
			if err != nil {
				b.Fatal(err)
			}
			f, err := fleet.New(client, fleet.WithConcurrency(8))
			if err != nil {
				b.Fatal(err)
			}
			live := func() uint64 {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				return ms.HeapAlloc
			}
			var peak uint64
			for range b.N {
				base := live()
				n := 0
				for _, err := range f.Inventory(context.Background(), nil) {
					if err != nil {
						b.Fatal(err)
					}
					if n++; n%(runners/samples) == 0 {
						if h := live(); h > base && h-base > peak {
							peak = h - base
						}
					}
				}
				if n != runners {
					b.Fatalf("%d records, want %d", n, runners)
				}
			}
			b.ReportMetric(float64(peak)/1024, "peak-live-KiB")
		})
	}
}
