package runnerapi

import (
	"context"
	"sync"
	"time"
)

// WithRateLimit limits the client to rps requests per second on average with
// bursts of up to burst requests, on top of the adaptive limit that follows
// the server's RateLimit-* headers.
func WithRateLimit(rps float64, burst int) Option {
	return func(c *Client) error {
		if rps <= 0 || burst < 1 {
			return &ValidationError{Field: "WithRateLimit", Reason: "needs rps > 0 and burst >= 1"}
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

// rateLimiter is a token bucket (when WithRateLimit is set) combined with
// adaptive pacing from the server's RateLimit-* headers. Its zero rps means
// no static limit.
type rateLimiter struct {
	mu  sync.Mutex
	now func() time.Time

	// static token bucket
	rps    float64
	burst  float64
	tokens float64
	last   time.Time

	// adaptive pacing: while now < until, requests start at least interval apart
	adaptive  bool
	interval  time.Duration
	until     time.Time
	nextStart time.Time
}

func newRateLimiter() *rateLimiter {
	return &rateLimiter{now: time.Now, adaptive: true}
}

func (l *rateLimiter) setStatic(rps float64, burst int) {
	l.rps, l.burst, l.tokens = rps, float64(burst), float64(burst)
}

// reserve books the next request slot and returns how long to wait for it.
func (l *rateLimiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	if l.rps > 0 {
		if !l.last.IsZero() {
			l.tokens += now.Sub(l.last).Seconds() * l.rps
			if l.tokens > l.burst {
				l.tokens = l.burst
			}
		}
		l.last = now
		l.tokens--
		if l.tokens < 0 {
			wait = time.Duration(-l.tokens / l.rps * float64(time.Second))
		}
	}
	if l.adaptive && l.interval > 0 && now.Before(l.until) {
		start := now.Add(wait)
		if l.nextStart.After(start) {
			start = l.nextStart
		}
		l.nextStart = start.Add(l.interval)
		wait = start.Sub(now)
	}
	return wait
}

// wait blocks until the next request may start, or ctx is done.
func (l *rateLimiter) wait(ctx context.Context) error {
	d := l.reserve()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// observe adapts the pace to the server's quota: when less than
// adaptiveThreshold of it remains, the remaining requests are spread evenly
// until the window resets; with nothing left, requests wait for the reset.
func (l *rateLimiter) observe(r *Response) {
	rl := r.RateLimit
	if !l.adaptive || rl.Limit <= 0 || rl.Remaining < 0 || rl.Reset.IsZero() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	left := rl.Reset.Sub(now)
	if left <= 0 {
		return
	}
	if float64(rl.Remaining) >= adaptiveThreshold*float64(rl.Limit) {
		l.interval, l.until = 0, time.Time{}
		return
	}
	if rl.Remaining == 0 {
		l.interval = left
		if l.nextStart.Before(rl.Reset) {
			l.nextStart = rl.Reset
		}
	} else {
		l.interval = left / time.Duration(rl.Remaining+1)
	}
	l.until = rl.Reset
}
