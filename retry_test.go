package runnerapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---- test doubles shared by the reliability tests ----

// fakeClock is a clock whose time moves only when something sleeps on it.
// It records every wait, so tests can assert the waits the client chose
// without spending them.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// newFakeClock starts at a whole second, so HTTP-dates and Unix times are exact.
func newFakeClock(start time.Time) *fakeClock {
	return &fakeClock{now: start.Truncate(time.Second)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	if d > 0 {
		f.now = f.now.Add(d)
	}
	return nil
}

// Sleeps returns the waits recorded so far.
func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// logRecord is one captured slog record with its attributes resolved.
type logRecord struct {
	Msg   string
	Attrs map[string]any
}

// logRecorder is a slog.Handler that keeps every record (all levels).
type logRecorder struct {
	mu       sync.Mutex
	records  []logRecord
	onRecord func(logRecord) // optional, called outside the lock
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{Msg: r.Message, Attrs: map[string]any{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.Resolve().Any()
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, rec)
	cb := h.onRecord
	h.mu.Unlock()
	if cb != nil {
		cb(rec)
	}
	return nil
}

func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

// Records returns the records with message msg.
func (h *logRecorder) Records(msg string) []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logRecord
	for _, r := range h.records {
		if r.Msg == msg {
			out = append(out, r)
		}
	}
	return out
}

// resetConnection makes the server drop the connection after it has read
// the request: the client sees a reset and never gets an answer.
func resetConnection(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	hj, ok := w.(http.Hijacker)
	require.True(t, ok, "server must support hijacking")
	conn, _, err := hj.Hijack()
	require.NoError(t, err)
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST instead of FIN
	}
	_ = conn.Close()
}

// closedAddr returns a loopback address nobody listens on: dialing it is refused.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// refusingTransport dials a closed port for the first `refusals` connections
// (a real "connection refused"), then the real address. dials counts every dial.
func refusingTransport(t *testing.T, refusals int32, dials *atomic.Int32) *http.Transport {
	t.Helper()
	dead := closedAddr(t)
	var d net.Dialer
	tr := &http.Transport{DisableKeepAlives: false}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) <= refusals {
			return d.DialContext(ctx, network, dead)
		}
		return d.DialContext(ctx, network, addr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// ---- the retry matrix ----

type failureKind string

const (
	failReset   failureKind = "connection reset after the request was read"
	failRefused failureKind = "connection refused"
)

func statusFailure(code int) failureKind { return failureKind(strconv.Itoa(code)) }

// matrixCall is one SDK call per HTTP method.
type matrixCall struct {
	method string
	call   func(ctx context.Context, c *Client) (*Response, error)
}

var matrixCalls = []matrixCall{
	{http.MethodGet, func(ctx context.Context, c *Client) (*Response, error) {
		_, r, err := c.Runners.Get(ctx, 7, nil)
		return r, err
	}},
	{http.MethodPut, func(ctx context.Context, c *Client) (*Response, error) {
		_, r, err := c.Runners.Pause(ctx, 7)
		return r, err
	}},
	{http.MethodDelete, func(ctx context.Context, c *Client) (*Response, error) {
		return c.Runners.Delete(ctx, 7)
	}},
	{http.MethodPost, func(ctx context.Context, c *Client) (*Response, error) {
		_, r, err := c.Runners.Create(ctx, InstanceRunnerOwner(), nil)
		return r, err
	}},
}

// answerOK gives the success answer of a matrix call.
func answerOK(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPost:
		serveJSON(w, http.StatusCreated, []byte(`{"id":9,"token":"glrt-created-token-0123456789","token_expires_at":null}`))
	default:
		serveJSON(w, http.StatusOK, []byte(`{"id":7,"description":"matrix"}`))
	}
}

// TestRetryMatrix sends each method into each failure, failing the first two
// attempts, and counts what reached the server. Idempotent methods recover;
// POST is sent again only after a 429 or a refused connection.
func TestRetryMatrix(t *testing.T) {
	failures := []failureKind{failReset, failRefused,
		statusFailure(429), statusFailure(500), statusFailure(502), statusFailure(503), statusFailure(504),
		statusFailure(501), statusFailure(400), statusFailure(404), statusFailure(409)}

	for _, mc := range matrixCalls {
		for _, fk := range failures {
			t.Run(mc.method+"/"+string(fk), func(t *testing.T) {
				const failFirst = 2
				code, _ := strconv.Atoi(string(fk))
				idempotent := mc.method != http.MethodPost
				retried := false
				switch {
				case fk == failRefused, code == 429:
					retried = true
				case fk == failReset, code >= 500 && code != 501:
					retried = idempotent
				}

				var opts []Option
				var dials atomic.Int32
				if fk == failRefused {
					opts = append(opts, WithHTTPClient(&http.Client{Transport: refusingTransport(t, failFirst, &dials)}))
				}
				logs := &logRecorder{}
				opts = append(opts, WithRetry(3, 0, 0), WithLogger(slog.New(logs)))
				ts := newTestServer(t, opts...)
				var seen atomic.Int32
				ts.Mux.HandleFunc("/api/v4/", func(w http.ResponseWriter, r *http.Request) {
					n := seen.Add(1)
					if fk == failRefused || n > failFirst {
						answerOK(w, r)
						return
					}
					if fk == failReset {
						resetConnection(t, w)
						return
					}
					serveJSON(w, code, []byte(`{"message":"injected `+string(fk)+`"}`))
				})

				resp, err := mc.call(context.Background(), ts.Client)

				reached := len(ts.Requests())
				for _, r := range ts.Requests() {
					assert.Equal(t, mc.method, r.Method)
				}
				var attempts int
				switch {
				case retried:
					require.NoError(t, err)
					attempts = failFirst + 1
					if fk == failRefused {
						assert.Equal(t, 1, reached, "refused attempts never reach the server")
						assert.EqualValues(t, failFirst+1, dials.Load())
					} else {
						assert.Equal(t, failFirst+1, reached)
					}
					require.NotNil(t, resp)
					assert.Equal(t, attempts, resp.Attempts)
				case fk == failReset:
					attempts = 1
					assert.Equal(t, 1, reached, "a %s whose answer was lost must be sent exactly once", mc.method)
					var re *RequestError
					require.ErrorAs(t, err, &re)
					assert.Equal(t, 1, re.Attempts)
				default:
					attempts = 1
					assert.Equal(t, 1, reached, "%s answered %d must be sent exactly once", mc.method, code)
					var er *ErrorResponse
					require.ErrorAs(t, err, &er)
					assert.Equal(t, code, er.StatusCode)
					require.NotNil(t, resp)
					assert.Equal(t, 1, resp.Attempts)
				}
				assert.Len(t, logs.Records("runnerapi request"), attempts, "one debug line per attempt")
				assert.Len(t, logs.Records("runnerapi retry wait"), attempts-1, "one wait line per retry")
				for i, rec := range logs.Records("runnerapi request") {
					assert.EqualValues(t, i+1, rec.Attrs["attempt"])
				}
			})
		}
	}
}

// TestPOSTAnswered502IsSentOnce is the headline figure: a POST answered 502
// reaches the server exactly once, even with generous retries.
func TestPOSTAnswered502IsSentOnce(t *testing.T) {
	ts := newTestServer(t, WithRetry(10, 0, 0))
	ts.Mux.HandleFunc("POST /api/v4/user/runners", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusBadGateway, []byte(`{"message":"502 Bad Gateway"}`))
	})
	_, resp, err := ts.Client.Runners.Create(context.Background(), InstanceRunnerOwner(), nil)
	require.ErrorIs(t, err, ErrServer)
	posts := len(ts.Requests())
	assert.Equal(t, 1, posts)
	assert.Equal(t, 1, resp.Attempts)
	t.Logf("FIGURE attempts of a POST answered 502: %d (server count), Response.Attempts=%d", posts, resp.Attempts)
}

// TestPOSTLostResponseOnReusedConnection checks that neither the SDK nor Go's
// transport replays a POST whose answer was lost on a kept-alive connection
// (Go's transport silently retries some requests on reused connections).
func TestPOSTLostResponseOnReusedConnection(t *testing.T) {
	ts := newTestServer(t, WithRetry(5, 0, 0))
	ts.Mux.HandleFunc("GET /api/v4/runners/7", answerOK)
	ts.Mux.HandleFunc("POST /api/v4/user/runners", func(w http.ResponseWriter, r *http.Request) {
		resetConnection(t, w)
	})
	_, _, err := ts.Client.Runners.Get(context.Background(), 7, nil) // leaves an idle keep-alive connection
	require.NoError(t, err)
	_, _, err = ts.Client.Runners.Create(context.Background(), InstanceRunnerOwner(), nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	posts := 0
	for _, r := range ts.Requests() {
		if r.Method == http.MethodPost {
			posts++
		}
	}
	assert.Equal(t, 1, posts, "the POST reached the server once")
}

// TestTransportReplayIsCounted checks that a GET which Go's transport sends
// again by itself (its reused keep-alive connection was reset before any
// answer) counts as two attempts on the Response and in the debug log,
// because the server saw it twice.
func TestTransportReplayIsCounted(t *testing.T) {
	logs := &logRecorder{}
	ts := newTestServer(t, WithRetry(5, 0, 0), WithLogger(slog.New(logs)))
	var n atomic.Int32
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 {
			resetConnection(t, w)
			return
		}
		answerOK(w, r)
	})
	_, resp, err := ts.Client.Runners.Get(context.Background(), 7, nil) // leaves an idle keep-alive connection
	require.NoError(t, err)
	require.Equal(t, 1, resp.Attempts)

	_, resp, err = ts.Client.Runners.Get(context.Background(), 7, nil)
	require.NoError(t, err)
	require.EqualValues(t, 3, n.Load(), "the second call reached the server twice")
	assert.Equal(t, 2, resp.Attempts, "Attempts counts the transport's own replay")
	replays := logs.Records("runnerapi transport replay")
	require.Len(t, replays, 1)
	assert.EqualValues(t, 1, replays[0].Attrs["replays"])
	assert.EqualValues(t, 2, replays[0].Attrs["attempt"])
	assert.Empty(t, logs.Records("runnerapi retry wait"), "the retry loop itself did not retry")
}

// TestRefusedEveryTimeReportsAttempts checks the attempt count on a
// RequestError when no attempt ever connects, for every method.
func TestRefusedEveryTimeReportsAttempts(t *testing.T) {
	for _, mc := range matrixCalls {
		t.Run(mc.method, func(t *testing.T) {
			logs := &logRecorder{}
			c, err := NewClient("http://"+closedAddr(t), WithPrivateToken(testToken), WithRetry(3, 0, 0), WithLogger(slog.New(logs)))
			require.NoError(t, err)
			_, err = mc.call(context.Background(), c)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 4, re.Attempts)
			assert.Contains(t, re.Error(), "after 4 attempts")
			assert.Len(t, logs.Records("runnerapi request"), 4)
			waits := logs.Records("runnerapi retry wait")
			require.Len(t, waits, 3)
			assert.Contains(t, waits[0].Attrs["reason"], "refused")
		})
	}
}

// TestRetryableDecisionTable checks the pure retry matrix, including methods
// the SDK does not use today.
func TestRetryableDecisionTable(t *testing.T) {
	dialErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	readErr := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	answer := func(code int) *http.Response { return &http.Response{StatusCode: code, Header: http.Header{}} }
	tests := []struct {
		method string
		resp   *http.Response
		err    error
		want   bool
	}{
		{"GET", nil, readErr, true},
		{"HEAD", nil, readErr, true},
		{"PUT", nil, readErr, true},
		{"DELETE", nil, readErr, true},
		{"POST", nil, readErr, false},
		{"PATCH", nil, readErr, false},
		{"POST", nil, dialErr, true},
		{"PATCH", nil, dialErr, true},
		{"POST", nil, &net.DNSError{Err: "no such host", Name: "gitlab.invalid"}, true},
		{"GET", nil, context.Canceled, false},
		{"GET", nil, fmt.Errorf("wrapped: %w", context.DeadlineExceeded), false},
		{"GET", nil, &RedirectError{StatusCode: 302, Reason: "no"}, false},
		{"GET", nil, errors.New(`unsupported protocol scheme "ftp"`), false},
		{"GET", nil, &url.Error{Op: "Get", URL: "u", Err: errors.New(`net/http: invalid header field value for "Runner-Token"`)}, false},
		{"GET", nil, errors.New(`net/http: invalid header field name "X\nY"`), false},
		{"POST", answer(429), nil, true},
		{"POST", answer(500), nil, false},
		{"POST", answer(502), nil, false},
		{"POST", answer(503), nil, false},
		{"PATCH", answer(503), nil, false},
		{"GET", answer(500), nil, true},
		{"GET", answer(501), nil, false},
		{"GET", answer(599), nil, true},
		{"GET", answer(600), nil, false},
		{"DELETE", answer(504), nil, true},
		{"PUT", answer(429), nil, true},
		{"GET", answer(404), nil, false},
		{"GET", answer(408), nil, false},
		{"GET", answer(200), nil, false},
	}
	for _, tt := range tests {
		name := tt.method + " "
		if tt.err != nil {
			name += tt.err.Error()
		} else {
			name += strconv.Itoa(tt.resp.StatusCode)
		}
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tt.want, retryable(tt.method, tt.resp, tt.err))
		})
	}
}

// ---- waits ----

// retryWaitLogs returns the "wait" attribute of each retry wait log line.
func retryWaitLogs(logs *logRecorder) []time.Duration {
	var out []time.Duration
	for _, r := range logs.Records("runnerapi retry wait") {
		out = append(out, r.Attrs["wait"].(time.Duration))
	}
	return out
}

// TestServerRequestedWaits checks that the wait before a retry is the one the
// server asked for, in each header form, observed through the fake clock and
// the debug log.
func TestServerRequestedWaits(t *testing.T) {
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header http.Header
		want   time.Duration
	}{
		{"Retry-After seconds", 429, http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"Retry-After HTTP-date", 429, http.Header{"Retry-After": {start.Add(12 * time.Second).Format(http.TimeFormat)}}, 12 * time.Second},
		{"Retry-After HTTP-date in the past", 429, http.Header{"Retry-After": {start.Add(-time.Hour).Format(http.TimeFormat)}}, 0},
		{"RateLimit-Reset Unix time (current GitLab)", 429, http.Header{"RateLimit-Reset": {strconv.FormatInt(start.Add(20*time.Second).Unix(), 10)}}, 20 * time.Second},
		{"RateLimit-Reset seconds-until (older GitLab)", 429, http.Header{"RateLimit-Reset": {"15"}}, 15 * time.Second},
		{"Retry-After wins over RateLimit-Reset", 429, http.Header{"Retry-After": {"3"}, "RateLimit-Reset": {"40"}}, 3 * time.Second},
		{"503 with Retry-After", 503, http.Header{"Retry-After": {"9"}}, 9 * time.Second},
		{"503 ignores RateLimit-Reset", 503, http.Header{"RateLimit-Reset": {"40"}}, 0},
		{"garbage Retry-After falls back to backoff", 429, http.Header{"Retry-After": {"soon"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock(start)
			logs := &logRecorder{}
			ts := newTestServer(t, WithRetry(2, 0, 0), withClock(clk), WithLogger(slog.New(logs)))
			var n atomic.Int32
			ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					for k, vs := range tt.header {
						w.Header()[k] = vs
					}
					serveJSON(w, tt.status, []byte(`{"message":"slow down"}`))
					return
				}
				answerOK(w, r)
			})
			_, resp, err := ts.Client.Runners.Get(context.Background(), 7, nil)
			require.NoError(t, err)
			assert.Equal(t, 2, resp.Attempts)
			assert.Equal(t, []time.Duration{tt.want}, clk.Sleeps(), "wait spent before the retry")
			assert.Equal(t, []time.Duration{tt.want}, retryWaitLogs(logs), "wait reported in the debug log")
		})
	}
}

// TestRetryAfterZeroStillBacksOffToMinimum checks that "retry now" never
// undercuts the configured minimum wait.
func TestRetryAfterZeroStillBacksOffToMinimum(t *testing.T) {
	clk := newFakeClock(time.Now())
	ts := newTestServer(t, WithRetry(1, 250*time.Millisecond, 250*time.Millisecond), withClock(clk))
	var n atomic.Int32
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			serveJSON(w, 429, nil)
			return
		}
		answerOK(w, r)
	})
	_, _, err := ts.Client.Runners.Get(context.Background(), 7, nil)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{250 * time.Millisecond}, clk.Sleeps())
}

// TestExponentialBackoffWithJitter checks the waits chosen without a server
// hint: each within [min, min·2^n] capped at max, and not all the same.
func TestExponentialBackoffWithJitter(t *testing.T) {
	const minWait, maxWait = 100 * time.Millisecond, time.Second
	clk := newFakeClock(time.Now())
	logs := &logRecorder{}
	ts := newTestServer(t, WithRetry(5, minWait, maxWait), withClock(clk), WithLogger(slog.New(logs)))
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusServiceUnavailable, []byte(`{"message":"down"}`))
	})
	_, resp, err := ts.Client.Runners.Get(context.Background(), 7, nil)
	require.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 6, resp.Attempts)
	waits := clk.Sleeps()
	require.Len(t, waits, 5)
	assert.Equal(t, waits, retryWaitLogs(logs))
	for i, w := range waits {
		ceil := min(minWait<<i, maxWait)
		assert.GreaterOrEqual(t, w, minWait, "wait %d", i)
		assert.LessOrEqual(t, w, ceil, "wait %d", i)
	}
}

func TestExpBackoffBounds(t *testing.T) {
	tests := []struct {
		min, max time.Duration
		attempt  int
		lo, hi   time.Duration
	}{
		{0, 0, 3, 0, 0},
		{time.Second, time.Second, 5, time.Second, time.Second},
		{100 * time.Millisecond, 30 * time.Second, 0, 100 * time.Millisecond, 100 * time.Millisecond},
		{100 * time.Millisecond, 30 * time.Second, 1, 100 * time.Millisecond, 200 * time.Millisecond},
		{100 * time.Millisecond, 30 * time.Second, 3, 100 * time.Millisecond, 800 * time.Millisecond},
		{100 * time.Millisecond, 30 * time.Second, 62, 100 * time.Millisecond, 30 * time.Second},
		{3, time.Duration(1<<63 - 1), 200, 3, time.Duration(1<<63 - 1)},
		{0, time.Second, 4, 0, time.Second},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := expBackoff(tt.min, tt.max, tt.attempt)
			require.GreaterOrEqual(t, d, tt.lo, "%+v", tt)
			require.LessOrEqual(t, d, tt.hi, "%+v", tt)
			seen[d] = true
		}
		if tt.hi-tt.lo > time.Millisecond {
			assert.Greater(t, len(seen), 1, "jitter expected for %+v", tt)
		}
	}
}

// TestWaitLongerThanCapFailsAtOnce checks both header forms: a server asking
// for more than the cap gets no retry, and the error carries the wait.
func TestWaitLongerThanCapFailsAtOnce(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name   string
		cap    []Option
		header http.Header
		want   time.Duration
		delta  time.Duration
	}{
		{"Retry-After seconds over the default 60s cap", nil, http.Header{"Retry-After": {"120"}}, 120 * time.Second, 0},
		{"Retry-After HTTP-date over the cap", []Option{WithMaxRetryWait(10 * time.Second)},
			http.Header{"Retry-After": {now.Add(10 * time.Minute).UTC().Format(http.TimeFormat)}}, 10 * time.Minute, 2 * time.Second},
		{"RateLimit-Reset Unix time over the cap", nil,
			http.Header{"RateLimit-Reset": {strconv.FormatInt(now.Add(time.Hour).Unix(), 10)}}, time.Hour, 2 * time.Second},
		{"RateLimit-Reset seconds-until over the cap", nil, http.Header{"RateLimit-Reset": {"1830"}}, 1830 * time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock(now)
			logs := &logRecorder{}
			opts := append([]Option{WithRetry(5, 0, 0), withClock(clk), WithLogger(slog.New(logs))}, tt.cap...)
			ts := newTestServer(t, opts...)
			ts.Mux.HandleFunc("POST /api/v4/user/runners", func(w http.ResponseWriter, r *http.Request) {
				for k, vs := range tt.header {
					w.Header()[k] = vs
				}
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte("Retry later\n"))
			})
			_, resp, err := ts.Client.Runners.Create(context.Background(), InstanceRunnerOwner(), nil)
			require.ErrorIs(t, err, ErrRateLimited)
			var er *ErrorResponse
			require.ErrorAs(t, err, &er)
			assert.InDelta(t, tt.want, er.RetryAfter, float64(tt.delta))
			assert.Equal(t, "Retry later", er.Message)
			assert.Contains(t, er.Error(), "retry after")
			assert.Len(t, ts.Requests(), 1, "no retry")
			assert.Equal(t, 1, resp.Attempts)
			assert.Empty(t, clk.Sleeps(), "nothing was waited")
			assert.Empty(t, logs.Records("runnerapi retry wait"))
		})
	}

	t.Run("a raised cap lets the same wait happen", func(t *testing.T) {
		clk := newFakeClock(now)
		ts := newTestServer(t, WithRetry(5, 0, 0), withClock(clk), WithMaxRetryWait(5*time.Minute))
		var n atomic.Int32
		ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", "120")
				serveJSON(w, 429, nil)
				return
			}
			answerOK(w, r)
		})
		_, _, err := ts.Client.Runners.Get(context.Background(), 7, nil)
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{120 * time.Second}, clk.Sleeps())
	})

	t.Run("503 over the cap is a server error with RetryAfter", func(t *testing.T) {
		ts := newTestServer(t, WithRetry(5, 0, 0))
		ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			serveJSON(w, 503, []byte(`{"message":"maintenance"}`))
		})
		_, _, err := ts.Client.Runners.Get(context.Background(), 7, nil)
		require.ErrorIs(t, err, ErrServer)
		var er *ErrorResponse
		require.ErrorAs(t, err, &er)
		assert.Equal(t, time.Hour, er.RetryAfter)
		assert.Len(t, ts.Requests(), 1)
	})

	t.Run("WithMaxRetryWait rejects non-positive caps", func(t *testing.T) {
		_, err := NewClient("https://gitlab.example.com", WithMaxRetryWait(0))
		require.ErrorIs(t, err, ErrInvalidInput)
	})
}

// TestWaitPastDeadlineFailsAtOnce checks that the client does not start a
// wait the caller's deadline would cut short: it returns the answer instead.
func TestWaitPastDeadlineFailsAtOnce(t *testing.T) {
	ts := newTestServer(t, WithRetry(5, 0, 0), WithMaxRetryWait(time.Hour))
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "600")
		serveJSON(w, 429, nil)
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _, err := ts.Client.Runners.Get(ctx, 7, nil)
	require.ErrorIs(t, err, ErrRateLimited)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, ts.Requests(), 1)
}

// TestCancelEndsWait: a 429 asking for 30 s, with the context cancelled once
// the server saw the first attempt, returns context.Canceled after one attempt.
func TestCancelEndsWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ts := newTestServer(t, WithRetry(5, 0, 0))
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		cancel()
		w.Header().Set("Retry-After", "30")
		serveJSON(w, 429, []byte(`{"message":"slow down"}`))
	})
	_, _, err := ts.Client.Runners.Get(ctx, 7, nil)
	require.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.LessOrEqual(t, re.Attempts, 1)
	assert.Len(t, ts.Requests(), 1)
}

// TestCancelDuringWait cancels while the client is inside the real 30 s wait
// (the debug line announcing the wait is the signal): the wait ends at once
// and no second attempt is sent.
func TestCancelDuringWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting := make(chan struct{})
	var once sync.Once
	logs := &logRecorder{onRecord: func(r logRecord) {
		if r.Msg == "runnerapi retry wait" {
			once.Do(func() { close(waiting) })
		}
	}}
	go func() {
		<-waiting
		cancel()
	}()
	ts := newTestServer(t, WithRetry(5, 0, 0), WithLogger(slog.New(logs)))
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		serveJSON(w, 429, nil)
	})
	_, _, err := ts.Client.Runners.Get(ctx, 7, nil)
	require.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.Len(t, ts.Requests(), 1)
	waits := retryWaitLogs(logs)
	assert.Equal(t, []time.Duration{30 * time.Second}, waits)
}

// callBoundClock models an endless wait: Sleep returns only when the context
// it was given is done. It refuses a context that is not the call's own, so a
// wait the caller cannot cancel fails the test instead of hanging it.
type callBoundClock struct{ waits atomic.Int32 }

func (*callBoundClock) Now() time.Time { return time.Now() }

func (c *callBoundClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.waits.Add(1)
	if _, ok := ctx.Value(callStateKey{}).(*callState); !ok || ctx.Done() == nil {
		return errors.New("wait is not bound to the caller's context")
	}
	<-ctx.Done()
	return ctx.Err()
}

// TestCancelEndsEndlessWait: with a wait that only cancellation can end, a
// cancel during the wait returns context.Canceled after one attempt.
func TestCancelEndsEndlessWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &logRecorder{onRecord: func(r logRecord) {
		if r.Msg == "runnerapi retry wait" {
			go cancel()
		}
	}}
	clk := &callBoundClock{}
	ts := newTestServer(t, WithRetry(5, 0, 0), withClock(clk), WithLogger(slog.New(logs)))
	ts.Mux.HandleFunc("PUT /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		serveJSON(w, 429, nil)
	})
	_, _, err := ts.Client.Runners.Pause(ctx, 7)
	require.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.EqualValues(t, 1, clk.waits.Load())
	assert.Len(t, ts.Requests(), 1)
}

// TestRealClockSleep checks the wall clock's wait against an already
// cancelled and a live context without spending time.
func TestRealClockSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, realClock{}.Sleep(ctx, time.Hour), context.Canceled)
	require.NoError(t, realClock{}.Sleep(context.Background(), 0))
	require.NoError(t, realClock{}.Sleep(context.Background(), -time.Second))
}

// TestWithoutRetriesSendsOnce checks that WithoutRetries turns every retry off, even on 429.
func TestWithoutRetriesSendsOnce(t *testing.T) {
	ts := newTestServer(t) // newTestServer uses WithoutRetries
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		serveJSON(w, 429, nil)
	})
	_, resp, err := ts.Client.Runners.Get(context.Background(), 7, nil)
	require.ErrorIs(t, err, ErrRateLimited)
	var er *ErrorResponse
	require.ErrorAs(t, err, &er)
	assert.Equal(t, time.Second, er.RetryAfter)
	assert.Equal(t, 1, resp.Attempts)
	assert.Len(t, ts.Requests(), 1)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{" 42 ", 42 * time.Second, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"99999999999999999999", 0, false},
		{"9223372036854775807", maxServerWait, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-90 * time.Second).Format(http.TimeFormat), 0, true},
		{"Mon, 01 Jan 9999 00:00:00 GMT", maxServerWait, true},
		{"tomorrow", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		d, ok := parseRetryAfter(tt.in, now)
		assert.Equal(t, tt.ok, ok, "%q", tt.in)
		assert.Equal(t, tt.want, d, "%q", tt.in)
	}
}

// TestBackoffObeysTheCapAndTheDeadline: the client's own backoff is a wait
// like any other. It is never longer than WithMaxRetryWait, and one that
// would end after the context's deadline is not slept through: the call
// hands back the last answer (or failure) at once, without another attempt.
func TestBackoffObeysTheCapAndTheDeadline(t *testing.T) {
	t.Run("cap", func(t *testing.T) {
		clk := newFakeClock(time.Now())
		ts := newTestServer(t, WithRetry(2, time.Minute, 2*time.Minute), WithMaxRetryWait(time.Second), withClock(clk))
		ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 503, nil) })
		_, resp, err := ts.Client.Runners.Get(context.Background(), 7, nil)
		require.ErrorIs(t, err, ErrServer)
		require.NotNil(t, resp)
		assert.Equal(t, 3, resp.Attempts)
		sleeps := clk.Sleeps()
		require.Len(t, sleeps, 2)
		for _, d := range sleeps {
			assert.LessOrEqual(t, d, time.Second, "a backoff wait is capped by WithMaxRetryWait")
		}
	})
	t.Run("deadline/answer", func(t *testing.T) {
		clk := newFakeClock(time.Now())
		ts := newTestServer(t, WithRetry(4, 10*time.Second, 10*time.Second), withClock(clk))
		ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 503, nil) })
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, resp, err := ts.Client.Runners.Get(ctx, 7, nil)
		var er *ErrorResponse
		require.ErrorAs(t, err, &er, "the last answer, at once")
		assert.Equal(t, 503, er.StatusCode)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
		require.NotNil(t, resp)
		assert.Equal(t, 1, resp.Attempts)
		assert.Len(t, ts.Requests(), 1)
		assert.Empty(t, clk.Sleeps(), "nothing was waited")
	})
	t.Run("deadline/connection failure", func(t *testing.T) {
		clk := newFakeClock(time.Now())
		c, err := NewClient("http://"+closedAddr(t), WithRetry(4, 10*time.Second, 10*time.Second), withClock(clk))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, resp, err := c.Runners.Get(ctx, 7, nil)
		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "the connection failure, not the deadline")
		assert.Equal(t, 1, re.Attempts)
		require.NotNil(t, resp)
		assert.Equal(t, 1, resp.Attempts)
		assert.Empty(t, clk.Sleeps(), "nothing was waited")
	})
}

// TestDefaultRetryPolicyIsTheDocumentedOne pins the defaults that NewClient,
// WithRetry, WithMaxRetryWait, WithAttemptTimeout and the README state.
func TestDefaultRetryPolicyIsTheDocumentedOne(t *testing.T) {
	c, err := NewClient("https://gitlab.example.com")
	require.NoError(t, err)
	assert.Equal(t, retryPolicy{
		retries:        4,
		waitMin:        500 * time.Millisecond,
		waitMax:        30 * time.Second,
		maxWait:        60 * time.Second,
		attemptTimeout: 60 * time.Second,
	}, c.policy)
}
