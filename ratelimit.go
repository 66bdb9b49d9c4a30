package runnerapi

import (
	"context"
	"sync"
	"time"
)

// limiterConfig returns the client's limiter, creating the default (adaptive only) one.
func (c *Client) limiterConfig() *rateLimiter {
	if c.limiter == nil {
		c.limiter = newRateLimiter()
	}
	return c.limiter
}

// adaptiveThreshold is the fraction of the server's quota below which the
// client starts spreading its remaining requests over the rest of the window.
const adaptiveThreshold = 0.2

// rateWindow is GitLab's throttle window: RateLimit-Limit is normalised to
// 60 seconds. It is the assumed window when RateLimit-Reset is absent, and
// the longest the client paces for one window (a reset further away means
// clock skew between client and server, and the server's 429 with
// Retry-After is the better guide then).
const rateWindow = 60 * time.Second

// rateLimiter combines a static limit (when WithRateLimit is set) with
// adaptive pacing from the server's RateLimit-* headers. It is safe for
// concurrent use.
//
// The static limit is a token bucket in its GCRA form: tat is the
// theoretical arrival time of the next request at exactly rps; a request may
// start up to burst-1 intervals before it. A slot is booked at the time the
// request will really start, after any adaptive pause, so the bucket's burst
// bound also holds right after a pause: in any window of length w at most
// burst + w·rps requests start.
type rateLimiter struct {
	mu    sync.Mutex
	clock clock

	// static limit; rps 0 means none
	rps   float64
	burst int
	tat   time.Time

	// adaptive pacing: request slots before until start at least interval
	// apart, and none before nextStart.
	adaptive  bool
	interval  time.Duration
	until     time.Time
	nextStart time.Time
}

func newRateLimiter() *rateLimiter {
	return &rateLimiter{adaptive: true, clock: realClock{}}
}

func (l *rateLimiter) setStatic(rps float64, burst int) {
	l.rps, l.burst, l.tat = rps, burst, time.Time{}
}

// limitWaitError reports a rate-limiter wait the client refused to sleep
// through. It matches ErrRateLimited, and context.DeadlineExceeded when the
// deadline was the bound.
type limitWaitError struct {
	wait, bound time.Duration
	deadline    bool
}

func (e *limitWaitError) Error() string {
	if e.deadline {
		return "rate limit: the next request may start in " + e.wait.String() + ", after the context's deadline"
	}
	return "rate limit: the next request may start in " + e.wait.String() + ", longer than WithMaxRetryWait (" + e.bound.String() + ")"
}

// Is matches ErrRateLimited, and context.DeadlineExceeded for a deadline.
func (e *limitWaitError) Is(target error) bool {
	return target == ErrRateLimited || (e.deadline && target == context.DeadlineExceeded)
}

// reserve books the next request slot and returns how long to wait for it.
// A wait over maxWait, or one that would end after ctx's deadline, books
// nothing and fails with a *limitWaitError.
func (l *rateLimiter) reserve(ctx context.Context, maxWait time.Duration) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	start := now
	if l.adaptive && now.Before(l.until) && l.nextStart.After(start) {
		start = l.nextStart
	}
	var interval time.Duration
	if l.rps > 0 {
		interval = time.Duration(float64(time.Second) / l.rps)
		if earliest := l.tat.Add(-time.Duration(l.burst-1) * interval); earliest.After(start) {
			start = earliest
		}
	}
	wait := start.Sub(now)
	if wait > maxWait {
		return wait, &limitWaitError{wait: wait, bound: maxWait}
	}
	if deadline, ok := ctx.Deadline(); ok && wait > 0 && start.After(deadline) {
		return wait, &limitWaitError{wait: wait, deadline: true}
	}
	if l.rps > 0 {
		if l.tat.Before(start) {
			l.tat = start
		}
		l.tat = l.tat.Add(interval)
	}
	if l.adaptive && start.Before(l.until) {
		// Still inside the throttled window: keep the next slot one interval later.
		l.nextStart = start.Add(l.interval)
	}
	return wait, nil
}

// observe adapts the pace to the server's quota: when less than
// adaptiveThreshold of it remains, the remaining requests are spread evenly
// until the window resets; with nothing left, requests wait for the reset.
func (l *rateLimiter) observe(rl RateLimit) {
	if !l.adaptive || rl.Limit <= 0 || rl.Remaining < 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if float64(rl.Remaining) >= adaptiveThreshold*float64(rl.Limit) {
		l.interval, l.until = 0, time.Time{}
		return
	}
	reset := rl.Reset
	if reset.IsZero() || reset.After(now.Add(rateWindow)) {
		reset = now.Add(rateWindow)
	}
	left := reset.Sub(now)
	if left <= 0 {
		return
	}
	l.until = reset
	if rl.Remaining == 0 {
		// Nothing left: no request before the reset; after it the quota is fresh.
		l.interval = 0
		if l.nextStart.Before(reset) {
			l.nextStart = reset
		}
		return
	}
	l.interval = left / time.Duration(rl.Remaining+1)
}
