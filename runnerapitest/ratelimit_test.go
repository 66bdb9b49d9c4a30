package runnerapitest

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRateLimitQuota: Rack::Attack's fixed windows on the fake's clock,
// its headers on every answer and its 429.
func TestRateLimitQuota(t *testing.T) {
	now := time.Unix(1_800_000_010, 0) // 10 s into a 60 s window
	s := NewServer(WithClock(func() time.Time { return now }), WithRateLimit(3, time.Minute))
	defer s.Close()
	admin := s.AdminToken()

	for i := 1; i <= 3; i++ {
		status, h, body := do(t, s, "GET", "/runners/all", admin, "")
		require.Equal(t, 200, status, body)
		assert.Equal(t, "throttle_authenticated_api", h.Get("RateLimit-Name"))
		assert.Equal(t, "3", h.Get("RateLimit-Limit"))
		assert.Equal(t, strconv.Itoa(i), h.Get("RateLimit-Observed"))
		assert.Equal(t, strconv.Itoa(3-i), h.Get("RateLimit-Remaining"))
		assert.Equal(t, "1800000060", h.Get("RateLimit-Reset"), "Unix seconds of the window's end")
		assert.Empty(t, h.Get("Retry-After"), "only on the 429")
	}

	// Over the quota: the request never reaches the API.
	status, h, body := do(t, s, "POST", "/user/runners", admin, `{"runner_type":"instance_type"}`)
	assert.Equal(t, 429, status)
	assert.Equal(t, "Retry later\n", body)
	assert.Equal(t, "text/plain", h.Get("Content-Type"))
	assert.Equal(t, "50", h.Get("Retry-After"), "period - now mod period")
	assert.Equal(t, "4", h.Get("RateLimit-Observed"), "throttled requests count too")
	assert.Equal(t, "0", h.Get("RateLimit-Remaining"))
	assert.Equal(t, "Fri, 15 Jan 2027 08:01:00 GMT", h.Get("RateLimit-ResetTime"))
	assert.Equal(t, int64(0), s.Counters().RunnersCreated)

	// Another client (no user token: by IP) has its own quota.
	status, h, _ = do(t, s, "POST", "/runners/verify", "", `{"token":"glrt-nope"}`)
	assert.Equal(t, 403, status)
	assert.Equal(t, "throttle_unauthenticated_api", h.Get("RateLimit-Name"))
	assert.Equal(t, "1", h.Get("RateLimit-Observed"))

	// The next window starts afresh.
	now = now.Add(50 * time.Second)
	status, h, _ = do(t, s, "GET", "/runners/all", admin, "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "1", h.Get("RateLimit-Observed"))
	assert.Equal(t, "1800000120", h.Get("RateLimit-Reset"))
}

// TestRateLimitNormalisedLimit: RateLimit-Limit is the quota per 60 s, rounded up.
func TestRateLimitNormalisedLimit(t *testing.T) {
	tests := []struct {
		requests int
		period   time.Duration
		want     string
	}{
		{600, time.Second, "36000"},
		{100, 2 * time.Minute, "50"},
		{7, 7 * time.Minute, "1"},
		{10, 7 * time.Second, "86"},
	}
	for _, tt := range tests {
		s := NewServer(WithRateLimit(tt.requests, tt.period))
		_, h, _ := do(t, s, "GET", "/user", s.AdminToken(), "")
		assert.Equal(t, tt.want, h.Get("RateLimit-Limit"), "%d per %v", tt.requests, tt.period)
		s.Close()
	}
}

// TestRateLimitBadConfig: the quota's arguments are checked.
func TestRateLimitBadConfig(t *testing.T) {
	for _, tt := range []struct {
		requests int
		period   time.Duration
		want     string
	}{
		{0, time.Second, "requests must be positive"},
		{5, 0, "whole number of seconds"},
		{5, 1500 * time.Millisecond, "whole number of seconds"},
	} {
		msg := func() (msg string) {
			defer func() { msg, _ = recover().(string) }()
			NewServer(WithRateLimit(tt.requests, tt.period)).Close()
			return ""
		}()
		assert.Contains(t, msg, tt.want, "%d per %v", tt.requests, tt.period)
	}
}

// TestRateLimitSDKSeesLimits: the SDK reads the quota from the headers and
// gets ErrRateLimited on the 429.
func TestRateLimitSDKSeesLimits(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := NewServer(WithClock(func() time.Time { return now }), WithRateLimit(2, time.Minute))
	defer s.Close()
	// Without its adaptive pacing the SDK would wait for the (fake-clock) reset.
	c := s.Client(runnerapi.WithoutAdaptiveRateLimit())
	ctx := context.Background()
	_, resp, err := c.Runners.ListAll(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, "1", resp.Header.Get("RateLimit-Remaining"))
	_, _, err = c.Runners.ListAll(ctx, nil)
	require.NoError(t, err)
	_, resp, err = c.Runners.ListAll(ctx, nil)
	assert.ErrorIs(t, err, runnerapi.ErrRateLimited)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
}

// BenchmarkRateLimit pairs the same request to a fake without and with
// the quota, alternating within each iteration so both see the same machine
// load; it reports each side's time per request and their ratio.
func BenchmarkRateLimit(b *testing.B) {
	off := NewServer()
	defer off.Close()
	on := NewServer(WithRateLimit(1<<30, time.Hour))
	defer on.Close()
	client := &http.Client{}
	send := func(s *Server) time.Duration {
		req, _ := http.NewRequest("GET", s.URL()+"/api/v4/user", nil)
		req.Header.Set("PRIVATE-TOKEN", s.AdminToken())
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Body.Close()
		return time.Since(start)
	}
	var tOff, tOn time.Duration
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			tOff += send(off)
			tOn += send(on)
		} else {
			tOn += send(on)
			tOff += send(off)
		}
	}
	b.ReportMetric(float64(tOff.Nanoseconds())/float64(b.N), "off-ns/req")
	b.ReportMetric(float64(tOn.Nanoseconds())/float64(b.N), "on-ns/req")
	b.ReportMetric(float64(tOn)/float64(tOff), "on/off")
}

// TestClientAs: a client authenticated as a seeded non-admin user.
func TestClientAs(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	p := s.AddProject("web", g.ID)
	dev := s.AddUser("dev", false)
	s.AddProjectMember(p.ID, dev.ID, RoleMaintainer)
	mine := s.AddRunner(RunnerSpec{Type: "project_type", ProjectIDs: []int64{p.ID}})
	s.AddRunner(RunnerSpec{})
	ctx := context.Background()
	rs, _, err := s.ClientAs(dev).Runners.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, mine.ID, rs[0].ID)
	_, _, err = s.ClientAs(dev).Runners.ListAll(ctx, nil)
	assert.ErrorIs(t, err, runnerapi.ErrForbidden, "not an administrator")
	assert.Panics(t, func() { s.ClientAs(User{Username: "ghost"}) }, "a user without a token")
	assert.Equal(t, []string{"root", "dev"}, func() []string {
		var names []string
		for _, u := range s.Users() {
			names = append(names, u.Username)
		}
		return names
	}())
}

// TestFaultRateLimitOnClock: a forced 429's RateLimit-Reset comes from the server's clock.
func TestFaultRateLimitOnClock(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	s := NewServer(WithClock(func() time.Time { return now }))
	defer s.Close()
	s.AddFault("GET", "/runners/all", 1, Fault{Status: 429, RetryAfter: "7", RateLimit: true})
	status, h, _ := do(t, s, "GET", "/runners/all", s.AdminToken(), "")
	assert.Equal(t, 429, status)
	assert.Equal(t, "1900000007", h.Get("RateLimit-Reset"))
}
