package runnerapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStaticRateLimit checks WithRateLimit's token bucket through the client:
// a burst goes at once, then requests are spaced 1/rps apart.
func TestStaticRateLimit(t *testing.T) {
	clk := newFakeClock(time.Now())
	logs := &logRecorder{}
	ts := newTestServer(t, WithRateLimit(2, 2), withClock(clk), WithLogger(slog.New(logs)))
	ts.Mux.HandleFunc("GET /api/v4/runners/7", answerOK)
	for range 5 {
		_, _, err := ts.Client.Runners.Get(context.Background(), 7, nil)
		require.NoError(t, err)
	}
	half := 500 * time.Millisecond
	assert.Equal(t, []time.Duration{half, half, half}, clk.Sleeps())
	var logged []time.Duration
	for _, r := range logs.Records("runnerapi rate limit wait") {
		logged = append(logged, r.Attrs["wait"].(time.Duration))
	}
	assert.Equal(t, clk.Sleeps(), logged, "limiter waits are in the debug log")
	assert.Len(t, ts.Requests(), 5)
}

// TestStaticRateLimitRefills checks that idle time refills the bucket, up to the burst.
func TestStaticRateLimitRefills(t *testing.T) {
	clk := newFakeClock(time.Now())
	l := newRateLimiter()
	l.clock = clk
	l.setStatic(1, 3)
	for range 3 {
		assert.Zero(t, l.reserveNow())
	}
	assert.Equal(t, time.Second, l.reserveNow())
	clk.now = clk.now.Add(time.Hour) // idle: refills to the burst, not beyond
	for range 3 {
		assert.Zero(t, l.reserveNow())
	}
	assert.Equal(t, time.Second, l.reserveNow())
}

// TestRetriesCountAgainstTheLimiter checks that a retry waits for the bucket too.
func TestRetriesCountAgainstTheLimiter(t *testing.T) {
	retryClock := newFakeClock(time.Now())
	limClock := newFakeClock(time.Now())
	ts := newTestServer(t, WithRetry(2, 0, 0), WithRateLimit(1, 1), withClock(retryClock))
	ts.Client.limiter.clock = limClock
	var n atomic.Int32
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			serveJSON(w, 503, nil)
			return
		}
		answerOK(w, r)
	})
	_, resp, err := ts.Client.Runners.Get(context.Background(), 7, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.Equal(t, []time.Duration{time.Second}, limClock.Sleeps(), "the retry waited for a token")
}

func TestWithRateLimitValidation(t *testing.T) {
	for _, tt := range []struct {
		rps   float64
		burst int
	}{{0, 1}, {-1, 1}, {1, 0}, {nan(), 1}, {inf(), 1}} {
		_, err := NewClient("https://gitlab.example.com", WithRateLimit(tt.rps, tt.burst))
		require.ErrorIs(t, err, ErrInvalidInput, "%v/%d", tt.rps, tt.burst)
	}
}

func nan() float64 { z := 0.0; return z / z }
func inf() float64 { z := 0.0; return 1 / z }

// quotaServer imitates GitLab's throttle on the fake clock: limit requests
// per 60 s window, answered with RateLimit-* headers, and 429 with
// Retry-After once the window's quota is used up.
type quotaServer struct {
	clk       *fakeClock
	limit     int
	mu        sync.Mutex
	windowEnd time.Time
	used      int
	throttled int
	served    int
}

func (q *quotaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	now := q.clk.Now()
	if !now.Before(q.windowEnd) {
		q.windowEnd = now.Truncate(time.Minute).Add(time.Minute)
		q.used = 0
	}
	q.used++
	remaining := max(q.limit-q.used, 0)
	over := q.used > q.limit
	if over {
		q.throttled++
	} else {
		q.served++
	}
	reset := q.windowEnd
	q.mu.Unlock()

	h := w.Header()
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	h.Set("RateLimit-Limit", strconv.Itoa(q.limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if over {
		h.Set("Retry-After", strconv.Itoa(int(reset.Sub(now)/time.Second)))
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("Retry later\n"))
		return
	}
	answerOK(w, r)
}

// TestAdaptivePacingAvoidsThrottling runs a bulk job of 45 requests against a
// quota of 10 per minute. With the default adaptive limiter the client slows
// down before the quota runs out and is never throttled; with it turned off
// (the control) the same job hits 429s.
func TestAdaptivePacingAvoidsThrottling(t *testing.T) {
	const jobs = 45
	run := func(t *testing.T, opts ...Option) (*quotaServer, []error, *fakeClock) {
		clk := newFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		q := &quotaServer{clk: clk, limit: 10}
		ts := newTestServer(t, append([]Option{withClock(clk)}, opts...)...)
		ts.Mux.Handle("/api/v4/", q)
		var errs []error
		for range jobs {
			if _, _, err := ts.Client.Runners.Get(context.Background(), 7, nil); err != nil {
				errs = append(errs, err)
			}
		}
		return q, errs, clk
	}

	t.Run("adaptive (default)", func(t *testing.T) {
		q, errs, clk := run(t)
		assert.Empty(t, errs)
		assert.Zero(t, q.throttled, "the server never had to throttle")
		assert.Equal(t, jobs, q.served)
		var total time.Duration
		for _, d := range clk.Sleeps() {
			total += d
		}
		// 45 requests at 10 per minute span five windows: at least three whole minutes of waiting.
		assert.GreaterOrEqual(t, total, 3*time.Minute, "the client spread its requests over the windows")
		t.Logf("adaptive: served=%d throttled=%d paced waits=%d (fake time %s)", q.served, q.throttled, len(clk.Sleeps()), total)
	})

	t.Run("control: adaptation off", func(t *testing.T) {
		q, errs, _ := run(t, WithoutAdaptiveRateLimit())
		assert.NotZero(t, q.throttled, "without pacing the same job is throttled")
		for _, err := range errs {
			assert.ErrorIs(t, err, ErrRateLimited)
		}
		t.Logf("control: served=%d throttled=%d", q.served, q.throttled)
	})
}

// TestAdaptivePacingSpreadsRemainingQuota checks the pacing arithmetic: with
// 9 of 100 left and 30 s to the reset, requests start 3 s apart; with plenty
// left there is no pacing; with none left, the next request waits for the reset.
func TestAdaptivePacingSpreadsRemainingQuota(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clk := newFakeClock(start)
	l := newRateLimiter()
	l.clock = clk
	reset := start.Add(30 * time.Second)

	l.observe(RateLimit{Limit: 100, Remaining: 50, Reset: reset})
	assert.Zero(t, l.reserveNow())
	assert.Zero(t, l.reserveNow())

	l.observe(RateLimit{Limit: 100, Remaining: 9, Reset: reset})
	assert.Zero(t, l.reserveNow(), "first paced slot is now")
	assert.Equal(t, 3*time.Second, l.reserveNow())
	assert.Equal(t, 6*time.Second, l.reserveNow(), "concurrent callers queue one interval apart")

	l.observe(RateLimit{Limit: 100, Remaining: 0, Reset: reset})
	assert.Equal(t, 30*time.Second, l.reserveNow(), "quota used up: wait for the reset")
	assert.Equal(t, 30*time.Second, l.reserveNow(), "after the reset the quota is fresh: no extra spacing")

	l.observe(RateLimit{Limit: 100, Remaining: 100, Reset: reset.Add(time.Minute)})
	assert.Zero(t, l.reserveNow(), "plenty left: pacing off")
}

// TestAdaptivePacingWithoutResetOrWithSkew checks the fallbacks: no
// RateLimit-Reset assumes GitLab's 60 s window, and a reset far in the
// future (clock skew) is clamped to it.
func TestAdaptivePacingWithoutResetOrWithSkew(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for name, rl := range map[string]RateLimit{
		"no reset":         {Limit: 100, Remaining: 0},
		"reset in an hour": {Limit: 100, Remaining: 0, Reset: start.Add(time.Hour)},
	} {
		t.Run(name, func(t *testing.T) {
			clk := newFakeClock(start)
			l := newRateLimiter()
			l.clock = clk
			l.observe(rl)
			assert.Equal(t, rateWindow, l.reserveNow())
		})
	}
}

// TestAdaptivePacingIgnoresIncompleteHeaders checks that answers without a
// quota, or with adaptation turned off, change nothing.
func TestAdaptivePacingIgnoresIncompleteHeaders(t *testing.T) {
	clk := newFakeClock(time.Now())
	l := newRateLimiter()
	l.clock = clk
	l.observe(RateLimit{Remaining: -1})
	l.observe(RateLimit{Limit: 100, Remaining: -1})
	l.observe(RateLimit{Limit: 0, Remaining: 0})
	assert.Zero(t, l.reserveNow())

	off := newRateLimiter()
	off.clock = clk
	off.adaptive = false
	off.observe(RateLimit{Limit: 100, Remaining: 0, Reset: clk.Now().Add(time.Minute)})
	assert.Zero(t, off.reserveNow())
}

// TestLimiterWaitHonoursContext checks that a limiter wait ends with the context.
func TestLimiterWaitHonoursContext(t *testing.T) {
	l := newRateLimiter()
	l.setStatic(1, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.reserve(ctx, time.Hour)
	require.ErrorIs(t, err, context.Canceled)

	ts := newTestServer(t, WithRateLimit(0.001, 1))
	ts.Mux.HandleFunc("GET /api/v4/runners/7", answerOK)
	_, _, err = ts.Client.Runners.Get(context.Background(), 7, nil) // uses the burst
	require.NoError(t, err)
	_, _, err = ts.Client.Runners.Get(ctx, 7, nil) // would wait ~17 minutes
	require.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Zero(t, re.Attempts, "nothing was sent")
	assert.Len(t, ts.Requests(), 1)
}

// TestLimiterConcurrentUse hammers one limiter from many goroutines (run with -race).
func TestLimiterConcurrentUse(t *testing.T) {
	clk := newFakeClock(time.Now())
	l := newRateLimiter()
	l.clock = clk
	l.setStatic(100, 10)
	var wg sync.WaitGroup
	var total atomic.Int64
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if j%10 == 0 {
					l.observe(RateLimit{Limit: 1000, Remaining: i * j, Reset: clk.Now().Add(time.Minute)})
				}
				total.Add(int64(l.reserveNow()))
			}
		}()
	}
	wg.Wait()
	assert.Positive(t, total.Load(), "800 requests over a burst of 10 had to wait")
}

// TestLimiterWaitObeysMaxRetryWaitAndDeadline: a 429 with RateLimit-Remaining
// 0 and a missing or garbage RateLimit-Reset makes the limiter assume a
// 60 s window; that wait obeys WithMaxRetryWait and the context's deadline
// like any other, failing at once instead of sleeping.
func TestLimiterWaitObeysMaxRetryWaitAndDeadline(t *testing.T) {
	for _, reset := range []string{"", "garbage"} {
		for _, bound := range []string{"max retry wait", "deadline"} {
			t.Run(bound+"/reset="+reset, func(t *testing.T) {
				clk := newFakeClock(time.Now())
				opts := []Option{withClock(clk), WithRetry(3, 0, 0)}
				ctx := context.Background()
				if bound == "max retry wait" {
					opts = append(opts, WithMaxRetryWait(5*time.Second))
				} else {
					var cancel context.CancelFunc
					ctx, cancel = context.WithDeadline(ctx, clk.Now().Add(10*time.Second))
					defer cancel()
				}
				ts := newTestServer(t, opts...)
				ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("RateLimit-Limit", "100")
					w.Header().Set("RateLimit-Remaining", "0")
					if reset != "" {
						w.Header().Set("RateLimit-Reset", reset)
					}
					w.WriteHeader(http.StatusTooManyRequests)
				})
				_, _, err := ts.Client.Runners.Get(ctx, 1, nil)
				require.ErrorIs(t, err, ErrRateLimited)
				assert.Len(t, ts.Requests(), 1, "no second attempt")
				for _, d := range clk.Sleeps() {
					assert.LessOrEqual(t, d, 5*time.Second, "no wait beyond the bound")
				}

				// The next call meets the limiter first, and fails at once too.
				_, resp, err := ts.Client.Runners.Get(ctx, 1, nil)
				require.ErrorIs(t, err, ErrRateLimited)
				assert.Len(t, ts.Requests(), 1, "nothing sent")
				assert.Nil(t, resp, "no attempt was made")
				for _, d := range clk.Sleeps() {
					assert.LessOrEqual(t, d, 5*time.Second, "no wait beyond the bound")
				}
			})
		}
	}
}

// TestBurstBoundHoldsAfterAThrottle: with WithRateLimit(200, 16) no second
// ever sees more than 216 request starts, also right after an adaptive pause.
func TestBurstBoundHoldsAfterAThrottle(t *testing.T) {
	clk := newFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	l := newRateLimiter()
	l.clock = clk
	l.setStatic(200, 16)
	start := clk.Now()
	l.observe(RateLimit{Limit: 1000, Remaining: 0, Reset: start.Add(2 * time.Second)})
	var starts []time.Time
	for range 600 {
		d, err := l.reserve(context.Background(), time.Minute)
		require.NoError(t, err)
		starts = append(starts, clk.Now().Add(d))
	}
	worst := 0
	for i, s := range starts {
		n := 0
		for _, o := range starts[i:] {
			if o.Sub(s) < time.Second {
				n++
			}
		}
		worst = max(worst, n)
	}
	t.Logf("FIGURE most request starts in one second after a throttle: %d (bound 216)", worst)
	assert.LessOrEqual(t, worst, 216)
	assert.False(t, starts[0].Before(start.Add(2*time.Second)), "nothing starts before the reset")
}

// reserveNow books a slot with no cap on the wait.
func (l *rateLimiter) reserveNow() time.Duration {
	d, err := l.reserve(context.Background(), 100*365*24*time.Hour)
	if err != nil {
		panic(err)
	}
	return d
}
