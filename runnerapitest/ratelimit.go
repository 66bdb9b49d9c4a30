package runnerapitest

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// WithRateLimit enables a request quota modelled on GitLab's Rack::Attack
// throttles (lib/gitlab/rack_attack.rb, request_throttle_data.rb): each client
// may send requests requests per period, counted in fixed windows aligned
// to the Unix epoch on the server's clock (WithClock). A request with a known
// user token counts against that user ("throttle_authenticated_api"), any other
// against its IP address ("throttle_unauthenticated_api").
//
// Every answer carries RateLimit-Name, RateLimit-Limit (the quota per 60
// seconds, rounded up), RateLimit-Observed, RateLimit-Remaining and
// RateLimit-Reset (Unix seconds when the window ends). A request over the
// quota gets 429 text/plain "Retry later\n" with Retry-After (seconds to the
// end of the window) and RateLimit-ResetTime (an HTTP date), and never reaches
// the API. Throttled requests count too, as in Rack::Attack.
//
// period must be a positive whole number of seconds (GitLab configures
// throttles in seconds) and requests positive; NewServer panics otherwise.
// The check costs one map lookup under a mutex, so a benchmark can run the
// fake at hundreds of requests per second with the quota on.
func WithRateLimit(requests int, period time.Duration) Option {
	return func(c *config) { c.rate = &rateConfig{limit: requests, period: period} }
}

type rateConfig struct {
	limit  int
	period time.Duration
}

// Throttle names GitLab reports in RateLimit-Name.
const (
	throttleAuthenticated   = "throttle_authenticated_api"
	throttleUnauthenticated = "throttle_unauthenticated_api"
)

// rateLimiter counts requests per discriminator and window.
type rateLimiter struct {
	limit   int64
	period  int64 // seconds
	rounded string
	mu      sync.Mutex
	window  int64 // the current window's number (epoch seconds / period)
	counts  map[string]int64
}

func newRateLimiter(rc rateConfig) *rateLimiter {
	if rc.limit <= 0 {
		panic(fmt.Sprintf("runnerapitest: WithRateLimit: requests must be positive, got %d", rc.limit))
	}
	if rc.period < time.Second || rc.period%time.Second != 0 {
		panic(fmt.Sprintf("runnerapitest: WithRateLimit: period must be a positive whole number of seconds, got %v", rc.period))
	}
	secs := int64(rc.period / time.Second)
	return &rateLimiter{
		limit:   int64(rc.limit),
		period:  secs,
		rounded: strconv.FormatInt(int64(math.Ceil(float64(rc.limit)*60/float64(secs))), 10),
		counts:  map[string]int64{},
	}
}

// admit counts one request of key at now, sets the RateLimit-* headers on h
// and reports whether the request is within the quota.
func (l *rateLimiter) admit(name, key string, now time.Time, h http.Header) bool {
	epoch := now.Unix()
	w := epoch / l.period
	l.mu.Lock()
	if w != l.window {
		// A new window: every counter starts again (Rack::Attack's keys carry the window number).
		l.window = w
		clear(l.counts)
	}
	l.counts[key]++
	observed := l.counts[key]
	l.mu.Unlock()

	retryAfter := l.period - epoch%l.period
	reset := epoch + retryAfter
	h.Set("RateLimit-Name", name)
	h.Set("RateLimit-Limit", l.rounded)
	h.Set("RateLimit-Observed", strconv.FormatInt(observed, 10))
	h.Set("RateLimit-Remaining", strconv.FormatInt(max(l.limit-observed, 0), 10))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset, 10))
	if observed <= l.limit {
		return true
	}
	h.Set("Retry-After", strconv.FormatInt(retryAfter, 10))
	h.Set("RateLimit-ResetTime", time.Unix(reset, 0).UTC().Format(http.TimeFormat))
	return false
}

// throttle applies the quota to r; false means a 429 was written.
func (s *Server) throttle(w http.ResponseWriter, r *http.Request) bool {
	if s.rate == nil {
		return true
	}
	name, key := throttleUnauthenticated, "ip:"+clientIP(r)
	if tok := requestToken(r); tok != "" {
		s.mu.Lock()
		u := s.st.usersByToken[tok]
		s.mu.Unlock()
		if u != nil {
			name, key = throttleAuthenticated, "user:"+strconv.FormatInt(u.id, 10)
		}
	}
	if s.rate.admit(name, key, s.now(), w.Header()) {
		return true
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Retry later\n"))
	return false
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
