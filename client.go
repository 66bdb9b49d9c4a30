package runnerapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/google/go-querystring/query"
	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// Version is the version of this module, sent in the default User-Agent.
const Version = "0.2.0"

const (
	modulePath       = "github.com/runnerkit/runnerapi"
	apiPath          = "api/v4/"
	defaultUserAgent = "runnerapi/" + Version + " (+" + modulePath + ")"

	// defaultMaxResponseBytes bounds a decoded success body. A page of 100
	// jobs is a few hundred KiB; runner details with thousands of projects
	// can reach a few MiB.
	defaultMaxResponseBytes = 64 << 20
)

// credential is the header a Client authenticates with.
type credential struct {
	header  string   // canonical header key; "" when unauthenticated
	value   []string // the header's value, shared by every request (cap 1)
	secrets []string // the token alone, which no error or log may repeat
}

// Client talks to one GitLab instance. It is safe for concurrent use. Create
// it with NewClient or NewClientFromEnv; a zero Client answers every call
// with ErrInvalidInput.
type Client struct {
	base      string   // the API root, always ending in /api/v4/: the prefix of every request URL
	userAgent []string // the User-Agent header value (cap 1)
	auth      credential

	httpClient *http.Client // a copy of the caller's (or a default) client, transport wrapped
	retry      *retryablehttp.Client
	policy     retryPolicy

	maxResponseBytes int64
	prefetch         int // default prefetch for iterators (0 = sequential)

	logger  *slog.Logger
	limiter *rateLimiter
	clock   clock // time source of retry waits and the limiter

	// Runners is the Runners API.
	Runners *RunnersService
	// RunnerControllers is the Runner Controllers API (experimental, GitLab 18.9+ Ultimate, admin only).
	RunnerControllers *RunnerControllersService
}

// NewClient returns a Client for the GitLab instance at baseURL.
//
// baseURL may be a bare host ("gitlab.example.com", https is assumed), a URL
// with or without a trailing slash or the "/api/v4" suffix, or a sub-path
// install ("https://host/gitlab"); requests always go to <base>/api/v4/. Any
// other "/api/…" suffix ("/api/v3"), and a port outside 1–65535, are refused.
//
// Retries (change them with WithRetry, WithoutRetries, WithMaxRetryWait):
//
//   - at most 4 retries (5 attempts), exponential backoff from 500 ms
//     doubling up to 30 s with full jitter, or the wait the server asks for
//     (Retry-After, RateLimit-Reset on a 429) when it asks;
//   - GET, HEAD, PUT, DELETE and OPTIONS are retried on connection failures
//     (also a success body cut mid-way), attempt timeouts, 429 and every
//     5xx except 501;
//   - POST and PATCH only on 429 and when the connection failed before any
//     byte was sent (refused, unreachable, DNS): a replay could register a
//     second runner or mint a second token;
//   - never on TLS and certificate failures, refused redirects, invalid
//     input, or after the context is done; no single wait (the server's,
//     the rate limiter's or the backoff) exceeds 60 s (WithMaxRetryWait), and
//     none that would end after the context's deadline is slept: the call
//     fails at once instead, with the last answer or failure.
//
// Each attempt is bounded by WithAttemptTimeout (default 60 s); the context
// bounds the call. Responses and errors report how many attempts were made.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := normalizeBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:             u.String(),
		userAgent:        []string{defaultUserAgent},
		policy:           defaultRetryPolicy,
		maxResponseBytes: defaultMaxResponseBytes,
		clock:            realClock{},
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	c.limiterConfig().clock = c.clock
	hc := &http.Client{Transport: defaultTransport()}
	if c.httpClient != nil {
		cp := *c.httpClient
		hc = &cp
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = &transport{next: next, origin: u}
	hc.CheckRedirect = redirectLimit(hc.CheckRedirect)
	c.httpClient = hc
	c.retry = c.newRetryClient()
	c.Runners = &RunnersService{client: c}
	c.RunnerControllers = &RunnerControllersService{client: c}
	return c, nil
}

// NewClientFromEnv returns a Client configured from the environment: the base
// URL from GITLAB_URL (else CI_SERVER_URL), the token from GITLAB_TOKEN as a
// private token. CI_JOB_TOKEN is not used: GitLab's runner endpoints reject
// job tokens. Options given here are applied after the environment, so they
// can override it.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	base := os.Getenv("GITLAB_URL")
	if base == "" {
		base = os.Getenv("CI_SERVER_URL")
	}
	if base == "" {
		return nil, &ValidationError{Field: "GITLAB_URL", Reason: "neither GITLAB_URL nor CI_SERVER_URL is set"}
	}
	var envOpts []Option
	if tok := os.Getenv("GITLAB_TOKEN"); tok != "" && !hasAuthOption(opts) {
		if err := checkHeaderValue("GITLAB_TOKEN", tok); err != nil {
			return nil, err // named after the variable the caller set, not the option
		}
		envOpts = append(envOpts, WithPrivateToken(tok))
	}
	return NewClient(base, append(envOpts, opts...)...)
}

// hasAuthOption reports whether opts set credentials, by applying them to a scratch Client.
func hasAuthOption(opts []Option) bool {
	var probe Client
	for _, opt := range opts {
		if opt != nil {
			_ = opt(&probe)
		}
	}
	return probe.auth.header != ""
}

// normalizeBaseURL turns what a user calls "the GitLab URL" into the API root.
func normalizeBaseURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, &ValidationError{Field: "baseURL", Reason: "is empty"}
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, &ValidationError{Field: "baseURL", Reason: "is not a valid URL"}
	}
	switch u.Scheme {
	case "http", "https":
	default:
		return nil, &ValidationError{Field: "baseURL", Reason: fmt.Sprintf("scheme %q is not http or https", u.Scheme)}
	}
	if u.Host == "" {
		return nil, &ValidationError{Field: "baseURL", Reason: "has no host"}
	}
	if p := u.Port(); p != "" {
		// url.Parse takes any digits; a port no socket can have would fail every attempt.
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, &ValidationError{Field: "baseURL", Reason: "port must be between 1 and 65535"}
		}
	}
	if u.User != nil {
		return nil, &ValidationError{Field: "baseURL", Reason: "must not carry credentials; use WithPrivateToken"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &ValidationError{Field: "baseURL", Reason: "must not have a query or fragment"}
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/api/v4")
	p = strings.TrimRight(p, "/")
	if last := p[strings.LastIndexByte(p, '/')+1:]; last == "api" || strings.Contains(p, "/api/") {
		return nil, &ValidationError{Field: "baseURL", Reason: fmt.Sprintf("ends in %q; this client speaks /api/v4 only (give the GitLab URL or <GitLab URL>/api/v4)", p[strings.Index(p, "/api"):])}
	}
	u.Path = p + "/" + apiPath
	u.RawPath = ""
	return u, nil
}

// BaseURL returns a copy of the API root the client sends requests to, ending
// in "/api/v4/"; nil for a Client not made by NewClient.
func (c *Client) BaseURL() *url.URL {
	if c == nil || c.base == "" {
		return nil // not made by NewClient
	}
	u, _ := url.Parse(c.base) // parsed from a *url.URL's String, so it parses
	return u
}

// defaultTransport is a pooled transport that keeps enough idle connections
// per host for prefetching iterators.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}

// request describes one API call before it is sent.
type request struct {
	method string
	path   string // relative to the API root, already escaped
	query  any    // go-querystring encodable, or nil
	body   any    // JSON encodable, or nil
	// noAuth marks runner-token endpoints: the user's credentials are not
	// needed there and are not sent.
	noAuth bool
	// header is set after the request options, which cannot replace it (a runner token header).
	header http.Header
	// secrets are credentials the request carries besides the client's and the body's.
	secrets []string
	opts    []RequestOption
}

// headerJSON is the shared value of the Accept and Content-Type headers.
var headerJSON = []string{"application/json"}

// newRequest builds the retryable request for r, bound to a fresh call state.
func (c *Client) newRequest(ctx context.Context, r *request, s *callState) (*retryablehttp.Request, error) {
	var rc *requestConfig
	if len(r.opts) > 0 {
		var err error
		if rc, err = applyRequestOptions(r.opts); err != nil {
			return nil, err
		}
	}

	u := c.base + r.path
	if r.query != nil || (rc != nil && rc.query != nil) {
		q := url.Values{}
		if r.query != nil {
			v, err := query.Values(r.query)
			if err != nil {
				return nil, fmt.Errorf("runnerapi: encoding query: %w", err)
			}
			q = v
		}
		if rc != nil {
			for k, vs := range rc.query {
				q[k] = append(q[k], vs...)
			}
		}
		if enc := q.Encode(); enc != "" {
			u += "?" + enc
		}
	}

	s.trace.WroteRequest = s.wroteRequest
	ctx = httptrace.WithClientTrace(context.WithValue(ctx, callStateKey{}, s), &s.trace)
	var req *retryablehttp.Request
	if r.body != nil {
		body, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("runnerapi: encoding body: %w", err)
		}
		if req, err = retryablehttp.NewRequestWithContext(ctx, r.method, u, body); err != nil {
			return nil, &ValidationError{Field: "path", Reason: "does not form a valid URL"}
		}
		req.Header["Content-Type"] = headerJSON
	} else {
		// Without a body there is nothing to rewind between attempts.
		hr, err := http.NewRequestWithContext(ctx, r.method, u, nil)
		if err != nil {
			return nil, &ValidationError{Field: "path", Reason: "does not form a valid URL"}
		}
		s.req.Request = hr
		req = &s.req
	}
	// Canonical keys and prebuilt one-element values (cap 1, so an Add
	// elsewhere copies instead of writing into the shared array) keep the hot
	// path free of per-request header allocations.
	h := req.Header
	h["Accept"] = headerJSON
	h["User-Agent"] = c.userAgent
	if !r.noAuth && c.auth.header != "" {
		h[c.auth.header] = c.auth.value
	}
	if rc != nil {
		for k, vs := range rc.header {
			h[k] = vs
		}
	}
	for k, vs := range r.header {
		// A credential header built from a call's argument (a runner token)
		// is checked like every header option: net/http would refuse it at
		// every attempt.
		for _, v := range vs {
			if err := checkHeaderValue(k+" header", v); err != nil {
				return nil, err
			}
		}
		h[k] = vs
	}
	return req, nil
}

// ready refuses a call that cannot be made: a nil context, or a client (or
// service) not created with NewClient.
func (c *Client) ready(ctx context.Context) error {
	if ctx == nil {
		return &ValidationError{Field: "ctx", Reason: "context must be non-nil"}
	}
	if c == nil || c.retry == nil {
		return &ValidationError{Field: "Client", Reason: "is not initialised; create clients with NewClient"}
	}
	return nil
}

// send performs r and decodes a success body into v (when v is not nil).
// Whenever an attempt was made, the *Response is non-nil and carries the
// attempt count, also with an error; its embedded *http.Response has
// StatusCode 0 when no answer came.
func (c *Client) send(ctx context.Context, r *request, v any) (*Response, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	s := &callState{c: c, method: r.method, wantBody: v != nil, secrets: c.secretsOf(r)}
	defer s.end()
	req, err := c.newRequest(ctx, r, s)
	if err != nil {
		return nil, err
	}
	if err := c.waitForLimiter(ctx, s); err != nil {
		return nil, newRequestError(req.Method, req.URL, 0, err, s.secrets)
	}
	resp, err := c.retry.Do(req)
	attempts := s.sent()
	if resp == nil {
		return &Response{Response: &http.Response{Header: http.Header{}}, Attempts: attempts},
			newRequestError(req.Method, req.URL, attempts, err, s.secrets)
	}
	resp.Body = http.NoBody // settled in checkRetry
	out := &s.resp
	parseResponse(out, resp)
	out.Attempts = attempts
	if err != nil && !(s.limitWait > 0 && errorStatus(resp)) {
		return out, newRequestError(req.Method, req.URL, attempts, err, s.secrets)
	}
	if errorStatus(resp) {
		e := newErrorResponse(resp, s.errBody, s.secrets, c.clock.Now())
		e.Attempts = attempts
		e.RetryAfter = max(e.RetryAfter, s.limitWait)
		return out, e
	}
	if v == nil {
		return out, nil
	}
	if s.tooLarge {
		return out, newDecodeError(resp, ErrResponseTooLarge, attempts, s.secrets)
	}
	if err := decode(resp.StatusCode, s.body.data, v); err != nil {
		return out, newDecodeError(resp, err, attempts, s.secrets)
	}
	return out, nil
}

// errorStatus reports whether resp is not a 2xx answer.
func errorStatus(resp *http.Response) bool { return resp.StatusCode < 200 || resp.StatusCode > 299 }

// secretsOf lists the credentials a request carries, so that no error or log built from it repeats them.
func (c *Client) secretsOf(r *request) []string {
	ts, ok := r.body.(interface{ secrets() []string })
	if !ok && r.secrets == nil {
		return c.secrets()
	}
	var s []string
	if ok {
		s = ts.secrets()
	}
	return append(append(s, r.secrets...), c.auth.secrets...)
}

// secrets is the client's own credential list, shared by every call (read only).
func (c *Client) secrets() []string { return c.auth.secrets }

// doJSON performs r and returns the decoded value of type T. A pointer result
// is never nil without an error: an answer without a value is a *DecodeError.
func doJSON[T any](ctx context.Context, c *Client, r *request) (T, *Response, error) {
	var v T
	resp, err := c.send(ctx, r, &v)
	if err != nil {
		var zero T
		return zero, resp, err
	}
	return v, resp, nil
}

// Ptr returns a pointer to v, for filling option structs: Ptr(true), Ptr(RunnerTypeGroup).
func Ptr[T any](v T) *T { return &v }
