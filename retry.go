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

// callState follows one call through its attempts. It travels in the
// request's context, which is how retryablehttp's hooks reach it.
type callState struct {
	method   string
	attempts int
	// hint is the server-requested wait for the next attempt (set by the retry policy, used by the backoff).
	hint atomic.Int64
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

// newRetryClient wires go-retryablehttp to this client's policy, backoff and logging.
func (c *Client) newRetryClient() *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   c.httpClient,
		Logger:       nil, // retryablehttp's own log lines are replaced by the hooks below
		RetryWaitMin: c.retryWaitMin,
		RetryWaitMax: c.retryWaitMax,
		RetryMax:     c.retryMax,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
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
			if c.logger != nil {
				c.logger.LogAttrs(resp.Request.Context(), slog.LevelDebug, "runnerapi response",
					slog.String("method", resp.Request.Method),
					slog.String("url", sanitizeURL(resp.Request.URL, c.secrets())),
					slog.Int("status", resp.StatusCode))
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
//   - Never after the context is done, or on TLS/certificate and redirect-policy failures.
//   - GET, HEAD, PUT, DELETE (idempotent): on connection failures, 429, and 5xx other than 501.
//   - POST and PATCH: only on 429, and on failures that provably happened before
//     the request was written (dial errors: refused, unreachable, DNS). A POST
//     answered 5xx or whose answer was lost is not sent again: a replay could
//     register a second runner or mint a second token.
//   - Never when the server asks for a wait longer than the client's cap: the
//     answer is returned at once and becomes an ErrorResponse with RetryAfter.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	s := callStateFrom(ctx)
	s.hint.Store(0)
	idempotent := isIdempotent(s.method)
	if err != nil {
		if !retryableTransportError(err) {
			return false, err
		}
		if idempotent || isDialError(err) {
			return true, err
		}
		return false, err
	}
	code := resp.StatusCode
	switch {
	case code == http.StatusTooManyRequests:
	case code >= 500 && code != http.StatusNotImplemented && code <= 599:
		if !idempotent {
			return false, nil
		}
	default:
		return false, nil
	}
	wait := serverWait(resp, time.Now())
	if wait > c.maxRetryWait {
		return false, nil
	}
	s.hint.Store(int64(wait))
	return true, nil
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

// backoff returns the wait before the next attempt: the server's requested
// wait when it gave one, else capped exponential backoff with full jitter.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.Request != nil {
		s := callStateFrom(resp.Request.Context())
		if h := time.Duration(s.hint.Load()); h > 0 {
			c.logWait(resp.Request, h, attempt)
			return h
		}
	}
	d := expBackoff(minWait, maxWait, attempt)
	if resp != nil && resp.Request != nil {
		c.logWait(resp.Request, d, attempt)
	}
	return d
}

func (c *Client) logWait(req *http.Request, d time.Duration, attempt int) {
	if c.logger != nil {
		c.logger.LogAttrs(req.Context(), slog.LevelDebug, "runnerapi retry wait",
			slog.String("method", req.Method),
			slog.String("url", sanitizeURL(req.URL, c.secrets())),
			slog.Int("attempt", attempt+1),
			slog.Duration("wait", d))
	}
}

// expBackoff is min·2^attempt capped at max, with full jitter in [min, that].
func expBackoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	if maxWait <= 0 {
		return 0
	}
	ceil := minWait
	for i := 0; i < attempt && ceil < maxWait; i++ {
		ceil *= 2
	}
	if ceil > maxWait || ceil <= 0 {
		ceil = maxWait
	}
	if ceil <= minWait {
		return minWait
	}
	return minWait + rand.N(ceil-minWait+1)
}

// serverWait returns how long the server asked the client to wait, from
// Retry-After (seconds or HTTP-date) or, on a 429, RateLimit-Reset (Unix time
// or seconds-until). It is 0 when the server gave no hint.
func serverWait(resp *http.Response, now time.Time) time.Duration {
	if v := resp.Header.Get("Retry-After"); v != "" {
		if d, ok := parseRetryAfter(v, now); ok {
			return d
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		if v := resp.Header.Get("RateLimit-Reset"); v != "" {
			if t, ok := parseResetHeader(v, now); ok && t.After(now) {
				return t.Sub(now)
			}
		}
	}
	return 0
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(365*24*time.Hour/time.Second) {
			n = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// transportError wraps a failure that produced no answer.
func (c *Client) transportError(req *retryablehttp.Request, err error, secrets []string, s *callState) error {
	attempts := s.attempts
	if attempts == 0 {
		attempts = 1
	}
	return newRequestError(req.Method, req.URL, attempts, err, secrets)
}

// credentialHeaders are dropped on a redirect that leaves the configured origin.
var credentialHeaders = []string{"Private-Token", "Authorization", "Job-Token", "Sudo", "Cookie"}

// redirectError is returned when a redirect chain is too long.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// guardRedirects returns a copy of hc whose redirect policy drops credentials
// when a redirect changes scheme, host or port, and then applies hc's own policy.
func guardRedirects(hc *http.Client) *http.Client {
	cp := *hc
	userPolicy := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return &redirectError{msg: "stopped after 10 redirects"}
		}
		if !sameOrigin(via[0], req) {
			for _, h := range credentialHeaders {
				req.Header.Del(h)
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
func sameOrigin(first, next *http.Request) bool {
	return first.URL.Scheme == next.URL.Scheme &&
		strings.EqualFold(first.URL.Hostname(), next.URL.Hostname()) &&
		effectivePort(first) == effectivePort(next)
}

func effectivePort(r *http.Request) string {
	if p := r.URL.Port(); p != "" {
		return p
	}
	if r.URL.Scheme == "https" {
		return "443"
	}
	return "80"
}
