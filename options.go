package runnerapi

import (
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"
)

// Option configures a Client in NewClient and NewClientFromEnv.
type Option func(*Client) error

// WithPrivateToken authenticates with a personal, project or group access token (header PRIVATE-TOKEN).
func WithPrivateToken(token string) Option {
	return withAuth("Private-Token", "", token, "WithPrivateToken")
}

// WithOAuthToken authenticates with an OAuth 2 access token (header "Authorization: Bearer").
func WithOAuthToken(token string) Option {
	return withAuth("Authorization", "Bearer ", token, "WithOAuthToken")
}

// WithJobToken authenticates with a CI/CD job token (header JOB-TOKEN).
// GitLab's runner management endpoints do not accept job tokens; this option
// exists for proxies and future endpoints that do.
func WithJobToken(token string) Option {
	return withAuth("Job-Token", "", token, "WithJobToken")
}

func withAuth(header, prefix, token, name string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(token) == "" {
			return &ValidationError{Field: name, Reason: "token is empty"}
		}
		if err := checkHeaderValue(name, token); err != nil {
			return err
		}
		if c.auth.header != "" {
			return &ValidationError{Field: "auth", Reason: "use only one of WithPrivateToken, WithOAuthToken and WithJobToken"}
		}
		c.auth = credential{header: header, value: []string{prefix + token}, secrets: []string{token}}
		return nil
	}
}

// WithHTTPClient sets the *http.Client whose transport carries requests. The
// client is copied, never modified. Its CheckRedirect still applies, but the
// redirect policy (see RedirectError) is enforced in the transport underneath
// it, so no CheckRedirect can forward credentials to another origin.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return &ValidationError{Field: "WithHTTPClient", Reason: "client is nil"}
		}
		c.httpClient = hc
		return nil
	}
}

// WithUserAgent replaces the default User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if ua == "" {
			return &ValidationError{Field: "WithUserAgent", Reason: "is empty"}
		}
		if err := checkHeaderValue("WithUserAgent", ua); err != nil {
			return err
		}
		c.userAgent = []string{ua}
		return nil
	}
}

// WithRetry sets how many times a retryable request is retried (default 4,
// so at most 5 attempts) and the bounds of the exponential backoff between
// attempts (default 500 ms to 30 s, full jitter). Which failures are retried
// for which methods is fixed; see NewClient.
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return func(c *Client) error {
		if maxRetries < 0 || minWait < 0 || maxWait < minWait {
			return &ValidationError{Field: "WithRetry", Reason: "needs maxRetries >= 0 and 0 <= minWait <= maxWait"}
		}
		c.policy.retries, c.policy.waitMin, c.policy.waitMax = maxRetries, minWait, maxWait
		return nil
	}
}

// WithoutRetries sends every request exactly once.
func WithoutRetries() Option {
	return func(c *Client) error {
		c.policy.retries = 0
		return nil
	}
}

// WithMaxRetryWait caps every single wait: one requested by the server
// (Retry-After, RateLimit-Reset), one imposed by the client's rate limiter,
// and the backoff between attempts (WithRetry), which is cut to d. When a
// server's or the limiter's wait would be longer, or any wait would end
// after the context's deadline, the call fails at once instead of sleeping:
// after an answer with an *ErrorResponse matching ErrRateLimited (or
// ErrServer for a 503) whose RetryAfter carries the wait, before any answer
// with a *RequestError matching ErrRateLimited, and when only the backoff
// would outlive the deadline, with the last answer or failure as it is. The
// default is 60 s.
func WithMaxRetryWait(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return &ValidationError{Field: "WithMaxRetryWait", Reason: "must be positive"}
		}
		c.policy.maxWait = d
		return nil
	}
}

// WithAttemptTimeout bounds each attempt, from sending the request to the
// end of reading the answer (response headers and body). An attempt that
// takes longer fails with a *RequestError whose Timeout() is true; a
// retryable method (GET, HEAD, PUT, DELETE, OPTIONS) is then sent again,
// while a POST or PATCH is not, since the server may have acted on it. The
// default is 60 s. The call's context stays the overall bound.
func WithAttemptTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return &ValidationError{Field: "WithAttemptTimeout", Reason: "must be positive"}
		}
		c.policy.attemptTimeout = d
		return nil
	}
}

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

// WithLogger logs requests, retries and waits at debug level. Tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		c.logger = l
		return nil
	}
}

// WithPrefetch makes the client's iterators (the <Method>Iter methods) fetch
// up to n pages ahead of the caller; 0, the default, fetches one page at a time.
func WithPrefetch(n int) Option {
	return func(c *Client) error {
		if n < 0 {
			return &ValidationError{Field: "WithPrefetch", Reason: "must not be negative"}
		}
		c.prefetch = n
		return nil
	}
}

// WithMaxResponseSize bounds the size of a success body the client will
// decode; a larger answer fails with ErrResponseTooLarge, and the client
// never holds much more than n bytes of it. The default is 64 MiB.
func WithMaxResponseSize(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return &ValidationError{Field: "WithMaxResponseSize", Reason: "must be positive"}
		}
		c.maxResponseBytes = n
		return nil
	}
}

// checkHeaderValue refuses a header value that net/http would reject or
// that could split a header: CR, LF, NUL and the other control characters
// except tab.
func checkHeaderValue(field, v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return &ValidationError{Field: field, Reason: "contains a control character (CR, LF, NUL or similar), which cannot be sent in a header"}
		}
	}
	return nil
}

// checkHeaderName refuses a header name that is not an RFC 9110 token.
func checkHeaderName(field, k string) error {
	if k == "" {
		return &ValidationError{Field: field, Reason: "key is empty"}
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 0x7f || c <= ' ' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return &ValidationError{Field: field, Reason: "key is not a valid header name"}
		}
	}
	return nil
}
