package runnerapi

import (
	"context"
	"math"
	"sync"
	"time"
)

// WithRateLimit limits the client to rps requests per second on average with
// bursts of up to burst requests, on top of the adaptive limit that follows
// the server's RateLimit-* headers. Every attempt counts, retries included.
func WithRateLimit(rps float64, burst int) Option {
	return func(c *Client) error {
		if !(rps > 0) || math.IsInf(rps, 0) || burst < 1 {
			return &ValidationError{Field: "WithRateLimit", Reason: "needs a finite rps > 0 and burst >= 1"}
		}
		c.limiterConfig().setStatic(rps, burst)
		return nil
	}
}

// WithoutAdaptiveRateLimit stops the client from pacing itself by the
// server's RateLimit-Limit/RateLimit-Remaining headers.
func WithoutAdaptiveRateLimit() Option {
	return func(c *Client) error {
		c.limiterConfig().adaptive = false
		return nil
	}
}

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

// rateLimiter is a token bucket (when WithRateLimit is set) combined with
// adaptive pacing from the server's RateLimit-* headers. Its zero rps means
// no static limit. It is safe for concurrent use.
type rateLimiter struct {
	mu    sync.Mutex
	clock clock
	// onWait, when set, is told about every wait the limiter imposes (for the debug log).
	onWait func(ctx context.Context, d time.Duration)

	// static token bucket
	rps    float64
	burst  float64
	tokens float64
	last   time.Time

	// adaptive pacing: request slots before until start at least interval
	// apart, and none before nextStart.
	adaptive  bool
	interval  time.Duration
	until     time.Time
	nextStart time.Time
}

func newRateLimiter() *rateLimiter {
	return &rateLimiter{adaptive: true}
}

func (l *rateLimiter) clk() clock {
	if l.clock == nil {
		return realClock{}
	}
	return l.clock
}

func (l *rateLimiter) setStatic(rps float64, burst int) {
	l.rps, l.burst, l.tokens = rps, float64(burst), float64(burst)
	l.last = time.Time{}
}

// reserve books the next request slot and returns how long to wait for it.
func (l *rateLimiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk().Now()
	var wait time.Duration
	if l.rps > 0 {
		if !l.last.IsZero() && now.After(l.last) {
			l.tokens = min(l.tokens+now.Sub(l.last).Seconds()*l.rps, l.burst)
		}
		if now.After(l.last) {
			l.last = now
		}
		l.tokens--
		if l.tokens < 0 {
			wait = time.Duration(-l.tokens / l.rps * float64(time.Second))
		}
	}
	if l.adaptive && now.Before(l.until) {
		start := now.Add(wait)
		if l.nextStart.After(start) {
			start = l.nextStart
		}
		if start.Before(l.until) {
			// Still inside the throttled window: keep the next slot one interval later.
			l.nextStart = start.Add(l.interval)
		}
		wait = start.Sub(now)
	}
	return wait
}

// wait blocks until the next request may start, or ctx is done.
func (l *rateLimiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := l.reserve()
	if d <= 0 {
		return nil
	}
	if l.onWait != nil {
		l.onWait(ctx, d)
	}
	return l.clk().Sleep(ctx, d)
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
	now := l.clk().Now()
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
