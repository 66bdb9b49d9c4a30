package runnerapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// defaultMaxRetryWait caps any single wait the server asks for; longer requests fail at once.
const defaultMaxRetryWait = 60 * time.Second

// WithMaxRetryWait caps a single wait requested by the server (Retry-After,
// RateLimit-Reset). When the server asks for longer, the call fails at once
// with an error matching ErrRateLimited (or ErrServer for a 503) whose
// ErrorResponse.RetryAfter carries the requested wait. The default is 60 s.
func WithMaxRetryWait(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return &ValidationError{Field: "WithMaxRetryWait", Reason: "must be positive"}
		}
		c.maxRetryWait = d
		return nil
	}
}

// clock is the time source of retry waits and the rate limiter. Tests
// replace it to observe waits without spending them.
type clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx is done (then it returns ctx's error at once).
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
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

// withClock replaces the client's clock (tests only).
func withClock(clk clock) Option {
	return func(c *Client) error {
		c.clock = clk
		c.limiterConfig().clock = clk
		return nil
	}
}

// clk returns the client's clock.
func (c *Client) clk() clock {
	if c.clock == nil {
		return realClock{}
	}
	return c.clock
}

// callState follows one call through its attempts. It travels in the
// request's context, which is how retryablehttp's hooks reach it. All hooks
// run on the goroutine that called retryablehttp's Do, so it needs no lock.
type callState struct {
	method   string
	attempts int // requests sent so far by the retry loop
	// replays counts the times net/http sent a request again on its own (see replayCounter).
	replays int
	// wait is the server-requested wait before the next attempt (valid when hinted).
	wait   time.Duration
	hinted bool
	// reason says why the last attempt is retried, for the debug log.
	reason string
}

type callStateKey struct{}

func withCallState(ctx context.Context, s *callState) context.Context {
	return context.WithValue(ctx, callStateKey{}, s)
}

// callStateFrom returns the call state in ctx, or a fresh one.
func callStateFrom(ctx context.Context) *callState {
	if s, ok := ctx.Value(callStateKey{}).(*callState); ok {
		return s
	}
	return &callState{}
}

// newRetryClient wires go-retryablehttp to this client's policy, waits and logging.
//
// retryablehttp's own timer is bypassed (Backoff returns 0): the wait before
// a retry happens in prepareRetry, which has the request's context, the call
// state and the client's clock at hand, so that the wait is logged, ends at
// once when the context is cancelled, and goes through the rate limiter.
func (c *Client) newRetryClient() *retryablehttp.Client {
	if c.limiter != nil {
		c.limiter.onWait = c.logLimiterWait
	}
	return &retryablehttp.Client{
		HTTPClient:   c.httpClient,
		Logger:       nil, // retryablehttp's own log lines are replaced by the hooks below
		RetryWaitMin: c.retryWaitMin,
		RetryWaitMax: c.retryWaitMax,
		RetryMax:     c.retryMax,
		CheckRetry:   c.checkRetry,
		Backoff:      func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		PrepareRetry: c.prepareRetry,
		// Hand back the last answer (for example the final 503) so it becomes an ErrorResponse.
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) {
			return resp, err
		},
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			s := callStateFrom(req.Context())
			s.attempts = attempt + 1
			if c.logger != nil {
				c.logger.LogAttrs(req.Context(), slog.LevelDebug, "runnerapi request",
					slog.String("method", req.Method),
					slog.String("url", sanitizeURL(req.URL, c.secrets())),
					slog.Int("attempt", attempt+1))
			}
		},
		ResponseLogHook: func(_ retryablehttp.Logger, resp *http.Response) {
			if c.limiter != nil {
				c.limiter.observe(parseRateLimit(resp.Header, c.clk().Now()))
			}
			if c.logger != nil {
				s := callStateFrom(resp.Request.Context())
				c.logger.LogAttrs(resp.Request.Context(), slog.LevelDebug, "runnerapi response",
					slog.String("method", resp.Request.Method),
					slog.String("url", sanitizeURL(resp.Request.URL, c.secrets())),
					slog.Int("status", resp.StatusCode),
					slog.Int("attempt", s.attempts))
			}
		},
	}
}

// secrets is the client's own credential list for log sanitising.
func (c *Client) secrets() []string {
	if c.token == "" {
		return nil
	}
	return []string{c.token}
}

// checkRetry is the single place that decides whether a request may be sent again.
//
//   - GET, HEAD, OPTIONS, PUT, DELETE (idempotent): on connection failures,
//     429, and 5xx other than 501.
//   - POST and PATCH: only on 429, and on failures that provably happened
//     before the request was written (dial errors: refused, unreachable, DNS).
//     A POST answered 5xx or whose answer was lost is not sent again: a replay
//     could register a second runner or mint a second token.
//   - Never on TLS/certificate or redirect-policy failures, nor after the
//     context is done.
//   - Never when the server asks for a wait longer than the client's cap, or
//     past the context's deadline: the answer is returned at once and becomes
//     an ErrorResponse with RetryAfter.
//
// When it says yes, it leaves the server's requested wait (if any) and the
// reason in the call state for prepareRetry.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	s := callStateFrom(ctx)
	s.wait, s.hinted, s.reason = 0, false, ""
	if !retryable(s.method, resp, err) {
		if err != nil {
			return false, err
		}
		return false, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		s.reason = failureSummary(err, c.secrets())
		return true, err
	}
	s.reason = "status " + strconv.Itoa(resp.StatusCode)
	wait, ok := serverWait(resp, c.clk().Now())
	if !ok {
		return true, nil
	}
	if wait > c.maxRetryWait {
		return false, nil
	}
	if deadline, has := ctx.Deadline(); has && c.clk().Now().Add(wait).After(deadline) {
		return false, nil // the wait would outlive the caller: hand back the answer now
	}
	s.wait, s.hinted = wait, true
	return true, nil
}

// retryable is the retry matrix: whether a request with this method that
// ended in resp or err may be sent again, ignoring waits and limits.
func retryable(method string, resp *http.Response, err error) bool {
	if err != nil {
		if !retryableTransportError(err) {
			return false
		}
		return isIdempotent(method) || isDialError(err)
	}
	if resp == nil {
		return false
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return true
	case code >= 500 && code <= 599 && code != http.StatusNotImplemented:
		return isIdempotent(method)
	}
	return false
}

// isIdempotent reports whether a request with this method may be replayed after it reached the server.
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// isDialError reports whether err happened while connecting, before any byte of the request was written.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// retryableTransportError excludes failures a retry cannot fix.
func retryableTransportError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var redirErr *redirectError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return false
	case errors.As(err, &redirErr):
		return false
	case strings.Contains(err.Error(), "unsupported protocol scheme"):
		return false
	}
	return true
}

// failureSummary describes a transport failure for the debug log, without the URL or credentials.
func failureSummary(err error, secrets []string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return redact(err.Error(), secrets)
}

// prepareRetry runs between two attempts: it waits for the server's
// requested time or for the backoff, then for the rate limiter. A cancelled
// context ends the wait at once and the call fails with the context's error.
func (c *Client) prepareRetry(req *http.Request) error {
	ctx := req.Context()
	s := callStateFrom(ctx)
	wait := s.wait
	if !s.hinted || wait < c.retryWaitMin {
		// No hint (or "retry now"): back off, but never below the configured minimum.
		wait = max(wait, expBackoff(c.retryWaitMin, c.retryWaitMax, s.attempts-1))
	}
	if c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "runnerapi retry wait",
			slog.String("method", req.Method),
			slog.String("url", sanitizeURL(req.URL, c.secrets())),
			slog.Int("attempt", s.attempts),
			slog.String("reason", s.reason),
			slog.Bool("server_requested", s.hinted),
			slog.Duration("wait", wait))
	}
	if err := c.clk().Sleep(ctx, wait); err != nil {
		return err
	}
	if c.limiter != nil {
		return c.limiter.wait(ctx)
	}
	return nil
}

// logLimiterWait logs a wait imposed by the client-side rate limiter.
func (c *Client) logLimiterWait(ctx context.Context, d time.Duration) {
	if c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "runnerapi rate limit wait",
			slog.String("method", callStateFrom(ctx).method),
			slog.Duration("wait", d))
	}
}

// expBackoff is minWait·2^attempt capped at maxWait, with full jitter in [minWait, that].
func expBackoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	if maxWait <= 0 {
		return 0
	}
	ceil := minWait
	if ceil <= 0 {
		ceil = maxWait
	}
	for i := 0; i < attempt && ceil < maxWait; i++ {
		if ceil > maxWait/2 {
			ceil = maxWait
			break
		}
		ceil *= 2
	}
	ceil = min(ceil, maxWait)
	if ceil <= minWait {
		return minWait
	}
	return minWait + rand.N(ceil-minWait+1)
}

// serverWait returns how long the server asked the client to wait, from
// Retry-After (seconds or HTTP-date) or, on a 429, RateLimit-Reset (Unix time
// or seconds-until). ok is false when the server gave no usable hint.
func serverWait(resp *http.Response, now time.Time) (wait time.Duration, ok bool) {
	if v := resp.Header.Get("Retry-After"); v != "" {
		if d, ok := parseRetryAfter(v, now); ok {
			return d, true
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		if v := resp.Header.Get("Ratelimit-Reset"); v != "" {
			if t, ok := parseResetHeader(v, now); ok {
				return max(t.Sub(now), 0), true
			}
		}
	}
	return 0, false
}

// maxServerWait bounds what the header parsers return, far above any sane cap.
const maxServerWait = 365 * 24 * time.Hour

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(maxServerWait/time.Second) {
			return maxServerWait, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now) // saturates instead of overflowing
		return min(max(d, 0), maxServerWait), true
	}
	return 0, false
}

// sent is how many times the call's request was sent: the retry loop's
// attempts plus the replays net/http made on its own.
func (s *callState) sent() int { return s.attempts + s.replays }

// replayCounter wraps the transport to see the requests net/http sends again
// by itself: a GET (or HEAD) whose reused keep-alive connection is closed
// before any answer is written again on a new connection inside a single
// RoundTrip, invisible to the retry loop. Each such replay is added to the
// call's attempts and logged, so Response.Attempts is what the server saw.
type replayCounter struct {
	next http.RoundTripper
	c    *Client
}

// RoundTrip sends req through the wrapped transport, counting how often its request line was written.
func (t *replayCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	var writes atomic.Int32
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { writes.Add(1) }}
	resp, err := t.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if n := int(writes.Load()) - 1; n > 0 {
		s := callStateFrom(req.Context())
		s.replays += n
		if t.c.logger != nil {
			t.c.logger.LogAttrs(req.Context(), slog.LevelDebug, "runnerapi transport replay",
				slog.String("method", req.Method),
				slog.String("url", sanitizeURL(req.URL, t.c.secrets())),
				slog.Int("replays", n),
				slog.Int("attempt", s.sent()))
		}
	}
	return resp, err
}

// countReplays wraps rt (nil means http.DefaultTransport) in a replayCounter.
func (c *Client) countReplays(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &replayCounter{next: rt, c: c}
}

// transportError wraps a failure that produced no answer.
func (c *Client) transportError(req *retryablehttp.Request, err error, secrets []string, s *callState) error {
	attempts := s.sent()
	if attempts == 0 && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		attempts = 1
	}
	return newRequestError(req.Method, req.URL, attempts, err, secrets)
}

// credentialHeaders are dropped on a redirect that leaves the configured origin.
var credentialHeaders = []string{"Private-Token", "Authorization", "Job-Token", "Runner-Token", "Sudo", "Cookie", "Proxy-Authorization"}

// redirectError is returned when the redirect policy refuses to follow.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// guardRedirects returns a copy of hc whose redirect policy drops credentials
// once a redirect chain has left the origin (scheme, host and port) of the
// first request, and then applies hc's own policy. Go's client forwards
// custom headers such as PRIVATE-TOKEN on every redirect, and copies them
// afresh from the first request at each hop, so the drop is repeated for
// every later hop, also one that comes back to the first origin: the chain
// was steered by another host, which may not choose where the credentials go.
// A redirect that would send the request body to another origin (307/308)
// is refused, because runner-token endpoints carry the token in the body.
func guardRedirects(hc *http.Client) *http.Client {
	cp := *hc
	userPolicy := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return &redirectError{msg: "stopped after 10 redirects"}
		}
		left := !sameOrigin(via[0].URL, req.URL)
		for _, hop := range via[1:] {
			left = left || !sameOrigin(via[0].URL, hop.URL)
		}
		if left {
			for _, h := range credentialHeaders {
				req.Header.Del(h)
			}
			if req.Body != nil && req.Body != http.NoBody {
				return &redirectError{msg: "refused a redirect that would send the request body to another origin"}
			}
		}
		if userPolicy != nil {
			return userPolicy(req, via)
		}
		return nil
	}
	return &cp
}

// sameOrigin reports whether next keeps the scheme, host and port of first.
func sameOrigin(first, next *url.URL) bool {
	return strings.EqualFold(first.Scheme, next.Scheme) &&
		strings.EqualFold(first.Hostname(), next.Hostname()) &&
		effectivePort(first) == effectivePort(next)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
