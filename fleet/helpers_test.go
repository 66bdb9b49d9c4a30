package fleet_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/fleet"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

// t0 is the start time of every test clock: a whole second, so that
// If-Unmodified-Since (whole seconds) equals the scan time.
var t0 = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// testClock is shared by the fake and the Fleet. Sleep advances it at once
// and then calls onSleep, so waits take no real time.
type testClock struct {
	mu      sync.Mutex
	now     time.Time
	sleeps  []time.Duration
	onSleep func(n int, now time.Time)
}

func newClock() *testClock { return &testClock{now: t0} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	n, now, hook := len(c.sleeps), c.now, c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook(n, now)
	}
	return ctx.Err()
}

func (c *testClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// env is a fake GitLab on a test clock and a Fleet using it.
type env struct {
	srv   *runnerapitest.Server
	clock *testClock
	fleet *fleet.Fleet
}

func newEnv(t *testing.T, opts ...fleet.Option) *env {
	t.Helper()
	clk := newClock()
	srv := runnerapitest.NewServer(runnerapitest.WithClock(clk.Now))
	t.Cleanup(srv.Close)
	f, err := fleet.New(srv.Client(), append([]fleet.Option{fleet.WithClock(clk)}, opts...)...)
	require.NoError(t, err)
	return &env{srv: srv, clock: clk, fleet: f}
}

func ago(d time.Duration) *time.Time { t := t0.Add(-d); return &t }

// requests returns the recorded requests with method whose path contains part.
func (e *env) requests(method, part string) []runnerapitest.RecordedRequest {
	var out []runnerapitest.RecordedRequest
	for _, r := range e.srv.Requests() {
		if r.Method == method && strings.Contains(r.Path, part) {
			out = append(out, r)
		}
	}
	return out
}

// ids returns the runner IDs of seeded runners.
func ids(rs []runnerapitest.Runner) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// noFleetGoroutines fails unless every goroutine of package fleet has ended.
// A goroutine that has signalled its end may need a moment to exit, so the
// check yields the processor a bounded number of times; it never sleeps.
func noFleetGoroutines(t *testing.T) {
	t.Helper()
	var stack string
	for range 10000 {
		buf := make([]byte, 1<<20)
		stack = string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stack, "runnerapi/fleet.(*Fleet)") {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("fleet goroutines left behind:\n%s", stack)
}

// countingTransport records the largest number of requests in flight at once.
type countingTransport struct {
	base          http.RoundTripper
	inFlight, max atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		m := c.max.Load()
		if n <= m || c.max.CompareAndSwap(m, n) {
			break
		}
	}
	return c.base.RoundTrip(r)
}

// clientWith returns an administrator client of srv sending through rt.
func clientWith(srv *runnerapitest.Server, rt http.RoundTripper) *runnerapi.Client {
	return srv.Client(runnerapi.WithHTTPClient(&http.Client{Transport: rt}))
}
