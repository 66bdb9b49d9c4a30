package runnerapi

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Rate-limit headers are read on every answer; reading them must not allocate.
func TestParseRateLimitDoesNotAllocate(t *testing.T) {
	h := http.Header{}
	h.Set("RateLimit-Limit", "600")
	h.Set("RateLimit-Remaining", "599")
	h.Set("RateLimit-Reset", "1700000000")
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	now := time.Unix(1_699_999_990, 0)
	rl := parseRateLimit(h, now)
	assert.Equal(t, 600, rl.Limit)
	assert.Equal(t, 599, rl.Remaining)
	assert.Equal(t, "throttle_authenticated_api", rl.Name)
	assert.Equal(t, time.Unix(1_700_000_000, 0), rl.Reset)
	assert.Zero(t, testing.AllocsPerRun(50, func() { parseRateLimit(h, now) }))
}

func TestEnumDecoding(t *testing.T) {
	var r Runner
	require.NoError(t, json.Unmarshal([]byte(`{"runner_type":"group_type","status":"st\u0061le","job_execution_status":"future_value"}`), &r))
	assert.Equal(t, RunnerTypeGroup, r.RunnerType)
	assert.Equal(t, RunnerStatusStale, r.Status, "escaped strings decode too")
	assert.Equal(t, JobExecutionStatus("future_value"), r.JobExecutionStatus, "unknown values are kept")

	r.RunnerType = RunnerTypeProject
	require.NoError(t, json.Unmarshal([]byte(`{"runner_type":null}`), &r))
	assert.Equal(t, RunnerTypeProject, r.RunnerType, "null leaves the value as a plain string would")

	require.Error(t, json.Unmarshal([]byte(`{"runner_type":5}`), &r))

	lits := map[string][]byte{}
	lit := func(s string) []byte { return lits[s] }
	for _, s := range []string{`"instance_type"`, `"online"`, `"ref_protected"`, `"success"`, `"idle"`, `"dry_run"`} {
		lits[s] = []byte(s)
	}
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"RunnerType", func() { var v RunnerType; _ = v.UnmarshalJSON(lit(`"instance_type"`)) }},
		{"RunnerStatus", func() { var v RunnerStatus; _ = v.UnmarshalJSON(lit(`"online"`)) }},
		{"AccessLevel", func() { var v AccessLevel; _ = v.UnmarshalJSON(lit(`"ref_protected"`)) }},
		{"JobStatus", func() { var v JobStatus; _ = v.UnmarshalJSON(lit(`"success"`)) }},
		{"JobExecutionStatus", func() { var v JobExecutionStatus; _ = v.UnmarshalJSON(lit(`"idle"`)) }},
		{"RunnerControllerState", func() { var v RunnerControllerState; _ = v.UnmarshalJSON(lit(`"dry_run"`)) }},
	} {
		assert.Zero(t, testing.AllocsPerRun(20, c.run), c.name)
	}
}

// TestNullListElementIsDecodeError: [null, {...}] never yields a nil item.
func TestNullListElementIsDecodeError(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, 200, []byte(`[null,{"id":1}]`))
	})
	runners, _, err := ts.Client.Runners.ListAll(context.Background(), nil)
	require.ErrorIs(t, err, ErrInvalidResponse)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, de.Error(), "null")
	assert.Nil(t, runners)
	for r, err := range ts.Client.Runners.ListAllIter(context.Background(), nil) {
		require.ErrorIs(t, err, ErrInvalidResponse)
		assert.Nil(t, r)
	}
}

// TestTrailingDataIsDecodeError: a body that holds more than one JSON value is malformed.
func TestTrailingDataIsDecodeError(t *testing.T) {
	for path, body := range map[string]string{
		"/api/v4/runners/1":   `{"id":1} garbage`,
		"/api/v4/runners/all": `[{"id":1}] [{"id":2}]`,
	} {
		ts := newTestServer(t)
		ts.Mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(body)) })
		var err error
		if strings.HasSuffix(path, "all") {
			_, _, err = ts.Client.Runners.ListAll(context.Background(), nil)
		} else {
			_, _, err = ts.Client.Runners.Get(context.Background(), 1, nil)
		}
		require.ErrorIs(t, err, ErrInvalidResponse, body)
	}
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(" {\"id\":1}\n\n ")) })
	_, _, err := ts.Client.Runners.Get(context.Background(), 1, nil)
	require.NoError(t, err, "whitespace around the value is fine")
}

// TestCutSuccessBodyIsRetried: for a retryable method, reading the body is
// part of the attempt: a connection reset in the middle of it is retried.
func TestCutSuccessBodyIsRetried(t *testing.T) {
	body := []byte(`{"id":1,"description":"` + strings.Repeat("x", 180) + `"}`)
	var n atomic.Int32
	ts := newTestServer(t, WithRetry(2, 0, 0))
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(200)
			_, _ = w.Write(body[:14])
			w.(http.Flusher).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		serveJSON(w, 200, body)
	})
	r, resp, err := ts.Client.Runners.Get(context.Background(), 1, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, r.ID)
	assert.Equal(t, 2, resp.Attempts)

	// A POST is not sent again: the server may have acted on it.
	n.Store(0)
	_, resp, err = ts.Client.Runners.Create(context.Background(), InstanceRunnerOwner(), nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, 1, resp.Attempts)
}

// endlessBody is an endless JSON string: `{"description":"xxxx…` that never ends.
type endlessBody struct{ sent int64 }

func (b *endlessBody) Read(p []byte) (int, error) {
	const head = `{"description":"`
	n := 0
	for n < len(p) {
		if b.sent < int64(len(head)) {
			k := copy(p[n:], head[b.sent:])
			n += k
			b.sent += int64(k)
			continue
		}
		p[n] = 'x'
		n++
		b.sent++
	}
	return n, nil
}

func (*endlessBody) Close() error { return nil }

// endlessTransport answers every request with 200 and a body of size bytes
// (-1 length: chunked) generated on the fly.
type endlessTransport struct{ size int64 }

func (t endlessTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body := io.ReadCloser(&endlessBody{})
	if t.size > 0 {
		body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(body, t.size), body}
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
		ContentLength: -1, Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// TestHugeAnswerHeapStaysBounded: a 2 GiB answer with the default 64 MiB
// limit allocates less than 1.5× the limit in total (so its peak heap is
// lower still) and fails with ErrResponseTooLarge.
func TestHugeAnswerHeapStaysBounded(t *testing.T) {
	const limit = defaultMaxResponseBytes
	c, err := NewClient("https://gitlab.test", WithHTTPClient(&http.Client{Transport: endlessTransport{size: 2 << 30}}), WithoutRetries())
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err = c.Runners.Get(context.Background(), 1, nil)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrResponseTooLarge)
	total := after.TotalAlloc - before.TotalAlloc
	t.Logf("FIGURE 2 GiB answer, limit %d MiB: %.1f MiB allocated (%.2f× the limit)", limit>>20, float64(total)/(1<<20), float64(total)/limit)
	assert.Less(t, float64(total), 1.5*limit)
}

// errorPageCalls is how many calls TestErrorPagesKeepTheConnection makes;
// -args -error-page-calls=1000 reproduces the figure.
var errorPageCalls = flag.Int("error-page-calls", 100, "calls made by TestErrorPagesKeepTheConnection")

// TestErrorPagesKeepTheConnection: 100 KB error pages (a proxy's HTML) are
// drained, so that every call reuses one connection, with retries too.
func TestErrorPagesKeepTheConnection(t *testing.T) {
	page := []byte("<html><title>502 Bad Gateway</title>" + strings.Repeat("<p>padding</p>", 100_000/14) + "</html>")
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write(page)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, WithRetry(1, 0, 0))
	require.NoError(t, err)
	calls := *errorPageCalls
	for i := 0; i < calls; i++ {
		_, _, err := c.Runners.Get(context.Background(), 1, nil)
		require.ErrorIs(t, err, ErrServer)
	}
	t.Logf("FIGURE %d calls answered with a %d-byte error page (2 attempts each): %d TCP connections", calls, len(page), conns.Load())
	assert.EqualValues(t, 1, conns.Load())
}

// lyingLengthTransport answers 200 with a small body under a huge claimed Content-Length.
type lyingLengthTransport struct{ length int64 }

func (t lyingLengthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"id":1}`)), ContentLength: t.length, Request: req,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// TestClaimedLengthIsNotAllocatedUpFront: a server's Content-Length is a
// claim, not bytes received. With a large WithMaxResponseSize, a huge
// claimed length must not make the client allocate it (or panic on it)
// before any byte arrived.
func TestClaimedLengthIsNotAllocatedUpFront(t *testing.T) {
	for _, length := range []int64{1 << 62, 1<<63 - 1, 4 << 30} {
		t.Run(strconv.FormatInt(length, 10), func(t *testing.T) {
			c, err := NewClient("https://gitlab.test", WithHTTPClient(&http.Client{Transport: lyingLengthTransport{length}}),
				WithoutRetries(), WithMaxResponseSize(1<<63-1))
			require.NoError(t, err)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r, _, err := c.Runners.Get(context.Background(), 1, nil)
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			assert.EqualValues(t, 1, r.ID)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(2*defaultMaxResponseBytes), "allocated at most the pre-allocation cap")
		})
	}
}
