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
	"sync"
	"sync/atomic"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// ---- the retry policy, stated once ----

// failure is how an attempt ended, as far as retrying is concerned.
type failure int

const (
	// failNone: an answer to hand back (2xx, or a status a retry cannot change).
	failNone failure = iota
	// failDial: connecting failed (refused, unreachable, DNS): no byte of the request was sent.
	failDial
	// failConnection: the connection broke after the request may have reached
	// the server, also while the success body was being read.
	failConnection
	// failTimeout: the attempt outlived WithAttemptTimeout.
	failTimeout
	// failThrottled: 429 Too Many Requests.
	failThrottled
	// failServer: a 5xx answer other than 501 Not Implemented.
	failServer
	// failPermanent: a failure a retry cannot fix: TLS and certificate errors,
	// a refused redirect or bad Location, an unsupported URL scheme, a header
	// net/http refuses to send, a cancelled or expired context.
	failPermanent
)

// methods is a set of HTTP methods.
type methods int

const (
	noMethod methods = iota
	// idempotent methods may be replayed after the request reached the server.
	idempotent
	// anyMethod includes POST and PATCH, whose replay could register a
	// second runner or mint a second token.
	anyMethod
)

// retryOn is the retry table: for each way an attempt can fail, the methods
// whose request is sent again. A POST is retried only when it provably never
// reached the server (failDial) or the server refused it unprocessed (429).
var retryOn = [...]methods{
	failNone:       noMethod,
	failDial:       anyMethod,
	failConnection: idempotent,
	failTimeout:    idempotent,
	failThrottled:  anyMethod,
	failServer:     idempotent,
	failPermanent:  noMethod,
}

// has reports whether method belongs to the set.
func (m methods) has(method string) bool {
	switch m {
	case anyMethod:
		return true
	case idempotent:
		return isIdempotent(method)
	}
	return false
}

// retryPolicy is the client's retry configuration. Its defaults are
// defaultRetryPolicy; WithRetry, WithoutRetries, WithMaxRetryWait and
// WithAttemptTimeout change them.
type retryPolicy struct {
	// retries is how many times a request is sent again after the first attempt.
	retries int
	// waitMin and waitMax bound the exponential backoff (full jitter) between attempts.
	waitMin, waitMax time.Duration
	// maxWait caps any single wait the server (Retry-After, RateLimit-Reset)
	// or the rate limiter asks for; a longer one fails the call at once.
	maxWait time.Duration
	// attemptTimeout bounds one attempt, from sending the request to the end
	// of reading the answer.
	attemptTimeout time.Duration
}

// defaultRetryPolicy: 4 retries (5 attempts), backoff from 500 ms doubling
// up to 30 s, no single wait over 60 s, 60 s per attempt.
var defaultRetryPolicy = retryPolicy{
	retries:        4,
	waitMin:        500 * time.Millisecond,
	waitMax:        30 * time.Second,
	maxWait:        60 * time.Second,
	attemptTimeout: 60 * time.Second,
}

// classify says how an attempt that ended in resp or err failed.
func classify(resp *http.Response, err error) failure {
	if err != nil {
		var certErr *tls.CertificateVerificationError
		var unknownAuth x509.UnknownAuthorityError
		var hostErr x509.HostnameError
		var redirErr *RedirectError
		var timeout *attemptTimeoutError
		switch {
		case errors.As(err, &timeout):
			return failTimeout
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return failPermanent
		case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
			return failPermanent
		case errors.As(err, &redirErr), errors.Is(err, ErrResponseTooLarge):
			return failPermanent
		case strings.Contains(err.Error(), "unsupported protocol scheme"),
			strings.Contains(err.Error(), "net/http: invalid header field"):
			return failPermanent
		case isDialError(err):
			return failDial
		}
		return failConnection
	}
	if resp == nil {
		return failPermanent
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return failThrottled
	case code >= 500 && code <= 599 && code != http.StatusNotImplemented:
		return failServer
	}
	return failNone
}

// retryable reports whether a request with this method that ended in resp
// or err may be sent again, ignoring waits and limits.
func retryable(method string, resp *http.Response, err error) bool {
	return retryOn[classify(resp, err)].has(method)
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

// attemptTimeoutError is the cause of an attempt that outlived WithAttemptTimeout.
type attemptTimeoutError struct{ d time.Duration }

func (e *attemptTimeoutError) Error() string {
	return "attempt timed out after " + e.d.String() + " (WithAttemptTimeout)"
}

// Timeout reports true: this is a timeout.
func (e *attemptTimeoutError) Timeout() bool { return true }

// Temporary reports true: another attempt may succeed.
func (e *attemptTimeoutError) Temporary() bool { return true }

// ---- time ----

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
		return nil
	}
}

// ---- one call ----

// callState follows one call through its attempts. It travels in the
// request's context, which is how retryablehttp's hooks and the transport
// reach it. The hooks run on the goroutine that called retryablehttp's Do;
// the fields the attempt timer or net/http's write loop touch are guarded.
type callState struct {
	// req and resp are the call's request and result, allocated with the
	// state instead of on their own (the Get benchmark counts allocations).
	req  retryablehttp.Request
	resp Response

	c        *Client
	method   string
	secrets  []string
	wantBody bool // the call decodes a success body

	attempts int // requests sent so far by the retry loop
	// replays counts the times net/http sent a request again on its own (see transport).
	replays int
	writes  atomic.Int32 // request writes seen by the trace
	trace   httptrace.ClientTrace
	left    bool // the current attempt's redirect chain left the origin

	// wait is the server-requested wait before the next attempt (valid when hinted).
	wait   time.Duration
	hinted bool
	// reason says why the last attempt is retried, for the debug log.
	reason string
	// limitWait is a rate-limiter wait that was refused as too long.
	limitWait time.Duration

	// The settled answer of the last attempt (see settle).
	body     bodyBuffer
	errBody  []byte
	tooLarge bool

	mu         sync.Mutex // guards the attempt timer's state below
	timer      *time.Timer
	timedOut   bool
	attemptCtx context.Context
	cancel     context.CancelCauseFunc // cancels attemptCtx
	// quiet is the attempt context of a call whose own context can never be
	// cancelled (context.Background and its values): it costs no allocation
	// besides its Done channel.
	quiet attemptContext
}

// attemptContext is an attempt's context below a context that is never
// done: it is done only when the attempt timer cancels it.
type attemptContext struct {
	context.Context // the request's context; its Done is nil

	mu   sync.Mutex
	done chan struct{}
	err  error
}

// Done returns a channel closed when the attempt is cancelled.
func (a *attemptContext) Done() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done == nil {
		a.done = make(chan struct{})
		if a.err != nil {
			close(a.done)
		}
	}
	return a.done
}

// Err returns the cancellation cause once the attempt is cancelled.
func (a *attemptContext) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// cancelAttempt ends the attempt with err (the first call wins).
func (a *attemptContext) cancelAttempt(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return
	}
	a.err = err
	if a.done != nil {
		close(a.done)
	}
}

type callStateKey struct{}

// callStateFrom returns the call state in ctx, or nil.
func callStateFrom(ctx context.Context) *callState {
	s, _ := ctx.Value(callStateKey{}).(*callState)
	return s
}

// sent is how many times the call's request was sent: the retry loop's
// attempts plus the replays net/http made on its own.
func (s *callState) sent() int { return s.attempts + s.replays }

func (s *callState) wroteRequest(httptrace.WroteRequestInfo) { s.writes.Add(1) }

// startAttempt arms the attempt timer.
func (s *callState) startAttempt(attempt int) {
	s.attempts = attempt + 1
	s.left = false
	d := s.c.policy.attemptTimeout
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timedOut = false
	if s.timer == nil {
		s.timer = time.AfterFunc(d, s.expire)
	} else {
		s.timer.Reset(d)
	}
}

// expire ends the current attempt.
func (s *callState) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timedOut = true
	s.cancelAttempt(errAttemptExpired)
}

// errAttemptExpired is the cancellation cause of an attempt's context.
var errAttemptExpired = errors.New("attempt timed out")

// stopAttempt disarms the attempt timer and reports whether it fired.
func (s *callState) stopAttempt() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
	return s.timedOut
}

// contextFor returns the context one round trip runs under: a child of the
// request's context that the attempt timer can cancel. It is made once per
// call and again only after a timeout used it up.
func (s *callState) contextFor(parent context.Context) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.attemptCtx != nil && s.attemptCtx.Err() == nil:
		return s.attemptCtx
	case s.attemptCtx == nil && parent.Done() == nil:
		s.quiet.Context = parent
		s.attemptCtx = &s.quiet
	default:
		s.attemptCtx, s.cancel = context.WithCancelCause(parent)
	}
	if s.timedOut {
		s.cancelAttempt(errAttemptExpired)
	}
	return s.attemptCtx
}

// cancelAttempt cancels the current attempt context, if any (s.mu held).
func (s *callState) cancelAttempt(err error) {
	switch {
	case s.attemptCtx == &s.quiet:
		s.quiet.cancelAttempt(err)
	case s.cancel != nil:
		s.cancel(err)
	}
}

// end releases what the call holds: the timer, the attempt context and the body buffer.
func (s *callState) end() {
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.cancel != nil {
		s.cancel(nil)
	}
	s.mu.Unlock()
	s.body.release()
}

// timeoutErr disarms the attempt timer and returns the attempt-timeout
// error when the attempt failed after the timer fired, else err.
func (s *callState) timeoutErr(err error) error {
	if fired := s.stopAttempt(); err != nil && fired {
		return &attemptTimeoutError{d: s.c.policy.attemptTimeout}
	}
	return err
}

// ---- retryablehttp wiring ----

// newRetryClient wires go-retryablehttp to this client's policy, waits and logging.
//
// retryablehttp's own timer is bypassed (Backoff returns 0): the wait before
// a retry happens in prepareRetry, which has the request's context, the call
// state and the client's clock at hand, so that the wait is logged, ends at
// once when the context is cancelled, and goes through the rate limiter.
func (c *Client) newRetryClient() *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   c.httpClient,
		Logger:       nil, // retryablehttp's own log lines are replaced by the hooks below
		RetryMax:     c.policy.retries,
		CheckRetry:   c.checkRetry,
		Backoff:      func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		PrepareRetry: c.prepareRetry,
		// Hand back the last answer (for example the final 503) so it becomes an ErrorResponse.
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) {
			return resp, err
		},
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			callStateFrom(req.Context()).startAttempt(attempt)
			if c.logger != nil {
				c.logger.LogAttrs(req.Context(), slog.LevelDebug, "runnerapi request",
					slog.String("method", req.Method),
					slog.String("url", sanitizeURL(req.URL, c.secrets())),
					slog.Int("attempt", attempt+1))
			}
		},
		ResponseLogHook: func(_ retryablehttp.Logger, resp *http.Response) {
			c.limiter.observe(parseRateLimit(resp.Header, c.clock.Now()))
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

// checkRetry ends an attempt and decides whether the request is sent again.
//
// It first settles the answer: the body is read here, inside the attempt
// (and its timeout), so that a connection cut in the middle of a success
// body is a failed attempt like any other. Then the retry table decides, and
// the wait before the next attempt is chosen: the server's (Retry-After,
// RateLimit-Reset) or else the backoff, which is capped at maxWait. A retry
// whose server-requested wait exceeds the cap, or whose wait of either kind
// ends past the context's deadline, is not made: the last answer (it becomes
// an ErrorResponse with RetryAfter) or failure is returned at once.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	s := callStateFrom(ctx)
	if err == nil {
		err = s.settle(resp)
	}
	err = s.timeoutErr(err)
	s.wait, s.hinted, s.reason = 0, false, ""
	if !retryOn[classify(resp, err)].has(s.method) {
		return false, err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	now := c.clock.Now()
	var wait time.Duration
	hinted := false
	if err != nil {
		s.reason = failureSummary(err, s.secrets)
	} else {
		s.reason = "status " + strconv.Itoa(resp.StatusCode)
		if wait, hinted = serverWait(resp, now); hinted && wait > c.policy.maxWait {
			return false, nil
		}
	}
	if !hinted || wait < c.policy.waitMin {
		// No hint (or "retry now"): back off, but never below the configured
		// minimum, nor above the cap of every wait.
		wait = max(wait, min(expBackoff(c.policy.waitMin, c.policy.waitMax, s.attempts-1), c.policy.maxWait))
	}
	if deadline, has := ctx.Deadline(); has && now.Add(wait).After(deadline) {
		return false, err // the wait would outlive the caller: hand back the last result now
	}
	s.wait, s.hinted = wait, hinted
	return true, err
}

// failureSummary describes a transport failure for the debug log, without the URL or credentials.
func failureSummary(err error, secrets []string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return oneLine(redact(err.Error(), secrets), 200)
}

// prepareRetry runs between two attempts: it waits the time checkRetry chose
// (the server's or the backoff), then for the rate limiter. A cancelled
// context ends the wait at once and the call fails with the context's error.
func (c *Client) prepareRetry(req *http.Request) error {
	ctx := req.Context()
	s := callStateFrom(ctx)
	wait := s.wait // chosen by checkRetry
	if c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "runnerapi retry wait",
			slog.String("method", req.Method),
			slog.String("url", sanitizeURL(req.URL, c.secrets())),
			slog.Int("attempt", s.attempts),
			slog.String("reason", s.reason),
			slog.Bool("server_requested", s.hinted),
			slog.Duration("wait", wait))
	}
	if err := c.clock.Sleep(ctx, wait); err != nil {
		return err
	}
	return c.waitForLimiter(ctx, s)
}

// waitForLimiter takes the rate limiter's next slot, right before an attempt
// starts, and waits for it. A wait over the cap or past the deadline fails at once.
func (c *Client) waitForLimiter(ctx context.Context, s *callState) error {
	d, err := c.limiter.reserve(ctx, c.policy.maxWait)
	if err != nil {
		s.limitWait = d
		return err
	}
	if d <= 0 {
		return nil
	}
	if c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "runnerapi rate limit wait",
			slog.String("method", s.method),
			slog.Duration("wait", d))
	}
	return c.limiter.clock.Sleep(ctx, d)
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

// ---- the transport ----

// transport wraps the caller's (or the default) transport. Per round trip it
//
//   - strips credentials from redirect hops that left the origin, and refuses
//     the redirects redirect.go forbids, before net/http or any CheckRedirect sees them;
//   - runs the request under the attempt's timeout;
//   - counts the requests net/http sends again by itself: a GET (or HEAD)
//     whose reused keep-alive connection is closed before any answer is
//     written again on a new connection inside one RoundTrip, invisible to
//     the retry loop. Each replay is added to the call's attempts and
//     logged, so Response.Attempts is what the server saw.
//
// It does not implement CloseIdleConnections, so retryablehttp's habit of
// closing idle connections after a failed call does not empty the pool.
type transport struct {
	next   http.RoundTripper
	origin *url.URL
}

// RoundTrip sends req through the wrapped transport under the client's policies.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	s := callStateFrom(req.Context())
	if s == nil {
		return t.next.RoundTrip(req)
	}
	if req.Response != nil { // a redirect hop
		if !sameOrigin(t.origin, req.URL) {
			s.left = true
		}
		if s.left {
			req = stripCredentials(req)
		}
	}
	before := s.writes.Load()
	resp, err := t.next.RoundTrip(req.WithContext(s.contextFor(req.Context())))
	if n := int(s.writes.Load()-before) - 1; n > 0 {
		s.replays += n
		if s.c.logger != nil {
			s.c.logger.LogAttrs(req.Context(), slog.LevelDebug, "runnerapi transport replay",
				slog.String("method", req.Method),
				slog.String("url", sanitizeURL(req.URL, s.secrets)),
				slog.Int("replays", n),
				slog.Int("attempt", s.sent()))
		}
	}
	if err != nil {
		return nil, s.timeoutErr(err)
	}
	if rerr := checkRedirect(req, resp, s.secrets); rerr != nil {
		drain(resp.Body)
		return nil, rerr
	}
	return resp, nil
}
