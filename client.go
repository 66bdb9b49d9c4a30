package runnerapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/google/go-querystring/query"
	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// Version is the version of this module, sent in the default User-Agent.
const Version = "0.2.0"

const (
	modulePath       = "github.com/runnerkit/runnerapi"
	apiPath          = "api/v4/"
	defaultUserAgent = "runnerapi/" + Version + " (+" + modulePath + ")"

	defaultRetryMax     = 4
	defaultRetryWaitMin = 500 * time.Millisecond
	defaultRetryWaitMax = 30 * time.Second

	// defaultMaxResponseBytes bounds a decoded success body. A page of 100
	// jobs is a few hundred KiB; runner details with thousands of projects
	// can reach a few MiB.
	defaultMaxResponseBytes = 64 << 20
)

// authKind says which credential header a Client sends.
type authKind int

const (
	authNone authKind = iota
	authPrivateToken
	authOAuthToken
	authJobToken
)

// Client talks to one GitLab instance. It is safe for concurrent use.
type Client struct {
	baseURL   *url.URL // always ends in /api/v4/
	userAgent string
	// Prebuilt base URL and header values (see prepareHeaders).
	baseURLString  string
	userAgentValue []string
	authKey        string
	authValue      []string

	auth      authKind
	token     string
	authCount int // number of auth options given, to reject conflicting ones

	httpClient *http.Client // the transport retryablehttp drives
	retry      *retryablehttp.Client

	retryMax     int
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	maxRetryWait time.Duration // cap on any single wait the server asks for

	maxResponseBytes int64
	prefetch         int // default prefetch for iterators (0 = sequential)

	logger  *slog.Logger
	limiter *rateLimiter
	clock   clock // time source of retry waits and the limiter; nil is the wall clock

	// Runners is the Runners API.
	Runners *RunnersService
	// RunnerControllers is the Runner Controllers API (experimental, GitLab 18.9+ Ultimate, admin only).
	RunnerControllers *RunnerControllersService
}

// Option configures a Client in NewClient and NewClientFromEnv.
type Option func(*Client) error

// NewClient returns a Client for the GitLab instance at baseURL.
//
// baseURL may be a bare host ("gitlab.example.com", https is assumed), a URL
// with or without a trailing slash or the "/api/v4" suffix, or a sub-path
// install ("https://host/gitlab"); requests always go to <base>/api/v4/.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := normalizeBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:          u,
		userAgent:        defaultUserAgent,
		retryMax:         defaultRetryMax,
		retryWaitMin:     defaultRetryWaitMin,
		retryWaitMax:     defaultRetryWaitMax,
		maxRetryWait:     defaultMaxRetryWait,
		maxResponseBytes: defaultMaxResponseBytes,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.authCount > 1 {
		return nil, &ValidationError{Field: "auth", Reason: "use only one of WithPrivateToken, WithOAuthToken and WithJobToken"}
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{Transport: defaultTransport()}
	}
	c.prepareHeaders()
	c.limiterConfig()
	c.httpClient = guardRedirects(c.httpClient)
	c.httpClient.Transport = c.countReplays(c.httpClient.Transport)
	c.retry = c.newRetryClient()
	c.Runners = &RunnersService{client: c}
	c.RunnerControllers = &RunnerControllersService{client: c}
	return c, nil
}

// headerJSON is the shared value of the Accept and Content-Type headers.
var headerJSON = []string{"application/json"}

// prepareHeaders builds the base URL string and the User-Agent and
// credential header values once, instead of on every request.
func (c *Client) prepareHeaders() {
	c.baseURLString = c.baseURL.String()
	c.userAgentValue = []string{c.userAgent}
	switch c.auth {
	case authPrivateToken:
		c.authKey, c.authValue = "Private-Token", []string{c.token}
	case authOAuthToken:
		c.authKey, c.authValue = "Authorization", []string{"Bearer " + c.token}
	case authJobToken:
		c.authKey, c.authValue = "Job-Token", []string{c.token}
	}
}

// NewClientFromEnv returns a Client configured from the environment: the base
// URL from GITLAB_URL (else CI_SERVER_URL), the token from GITLAB_TOKEN as a
// private token (else CI_JOB_TOKEN as a job token). Options given here are
// applied after the environment, so they can override it.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	base := os.Getenv("GITLAB_URL")
	if base == "" {
		base = os.Getenv("CI_SERVER_URL")
	}
	if base == "" {
		return nil, &ValidationError{Field: "GITLAB_URL", Reason: "neither GITLAB_URL nor CI_SERVER_URL is set"}
	}
	var envOpts []Option
	if tok := os.Getenv("GITLAB_TOKEN"); tok != "" {
		envOpts = append(envOpts, WithPrivateToken(tok))
	} else if tok := os.Getenv("CI_JOB_TOKEN"); tok != "" {
		envOpts = append(envOpts, WithJobToken(tok))
	}
	// An explicit auth option replaces the environment's.
	if hasAuthOption(opts) {
		envOpts = nil
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
	return probe.authCount > 0
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
	if u.User != nil {
		return nil, &ValidationError{Field: "baseURL", Reason: "must not carry credentials; use WithPrivateToken"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &ValidationError{Field: "baseURL", Reason: "must not have a query or fragment"}
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/api/v4")
	p = strings.TrimRight(p, "/")
	u.Path = p + "/" + apiPath
	u.RawPath = ""
	return u, nil
}

// BaseURL returns a copy of the API root the client sends requests to, ending in "/api/v4/".
func (c *Client) BaseURL() *url.URL {
	u := *c.baseURL
	return &u
}

// WithPrivateToken authenticates with a personal, project or group access token (header PRIVATE-TOKEN).
func WithPrivateToken(token string) Option {
	return withAuth(authPrivateToken, token, "WithPrivateToken")
}

// WithOAuthToken authenticates with an OAuth 2 access token (header "Authorization: Bearer").
func WithOAuthToken(token string) Option {
	return withAuth(authOAuthToken, token, "WithOAuthToken")
}

// WithJobToken authenticates with a CI/CD job token (header JOB-TOKEN).
// GitLab's runner management endpoints do not accept job tokens.
func WithJobToken(token string) Option {
	return withAuth(authJobToken, token, "WithJobToken")
}

func withAuth(kind authKind, token, name string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(token) == "" {
			return &ValidationError{Field: name, Reason: "token is empty"}
		}
		c.auth, c.token = kind, token
		c.authCount++
		return nil
	}
}

// WithHTTPClient sets the *http.Client whose transport carries requests. The
// client is copied, never modified; its redirect policy is wrapped so that
// credentials are dropped on a redirect to another origin.
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
		c.userAgent = ua
		return nil
	}
}

// WithRetry sets how many times a retryable request is retried and the bounds
// of the exponential backoff between attempts.
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return func(c *Client) error {
		if maxRetries < 0 || minWait < 0 || maxWait < minWait {
			return &ValidationError{Field: "WithRetry", Reason: "needs maxRetries >= 0 and 0 <= minWait <= maxWait"}
		}
		c.retryMax, c.retryWaitMin, c.retryWaitMax = maxRetries, minWait, maxWait
		return nil
	}
}

// WithoutRetries sends every request exactly once.
func WithoutRetries() Option {
	return func(c *Client) error {
		c.retryMax = 0
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
// decode; a larger answer fails with ErrResponseTooLarge. The default is 64 MiB.
func WithMaxResponseSize(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return &ValidationError{Field: "WithMaxResponseSize", Reason: "must be positive"}
		}
		c.maxResponseBytes = n
		return nil
	}
}

// defaultTransport is a pooled transport that keeps enough idle connections
// per host for prefetching iterators.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}

// RequestOption changes one request: headers, query parameters or iterator behaviour.
type RequestOption func(*requestConfig) error

// requestConfig collects what request options set.
type requestConfig struct {
	header   http.Header
	query    url.Values
	prefetch int // -1 = not set
}

// WithPagePrefetch sets the prefetch depth of one iterator call, overriding
// WithPrefetch; 0 fetches one page at a time. Other calls ignore it.
func WithPagePrefetch(n int) RequestOption {
	return func(rc *requestConfig) error {
		if n < 0 {
			return &ValidationError{Field: "WithPagePrefetch", Reason: "must not be negative"}
		}
		rc.prefetch = n
		return nil
	}
}

// WithIfUnmodifiedSince makes a delete conditional: GitLab answers 412
// (ErrPreconditionFailed) and deletes nothing if the resource changed after t.
func WithIfUnmodifiedSince(t time.Time) RequestOption {
	return WithHeader("If-Unmodified-Since", t.UTC().Format(http.TimeFormat))
}

// WithSudo performs the request as another user (administrators only); user is a username or numeric ID.
func WithSudo(user string) RequestOption {
	return func(rc *requestConfig) error {
		if user == "" {
			return &ValidationError{Field: "WithSudo", Reason: "user is empty"}
		}
		return WithHeader("Sudo", user)(rc)
	}
}

// WithHeader sets a header on one request.
func WithHeader(key, value string) RequestOption {
	return func(rc *requestConfig) error {
		if key == "" {
			return &ValidationError{Field: "WithHeader", Reason: "key is empty"}
		}
		if rc.header == nil {
			rc.header = make(http.Header)
		}
		rc.header.Set(key, value)
		return nil
	}
}

// WithQuery adds a query parameter the SDK does not model, for example
// WithQuery("include_projects", "false") on Runners.Get. Credentials are
// refused: tokens never go into a URL.
func WithQuery(key, value string) RequestOption {
	return func(rc *requestConfig) error {
		if key == "" {
			return &ValidationError{Field: "WithQuery", Reason: "key is empty"}
		}
		if isSecretParam(key) {
			return &ValidationError{Field: "WithQuery", Reason: fmt.Sprintf("%q is a credential and must not be sent in a URL", key)}
		}
		if rc.query == nil {
			rc.query = make(url.Values)
		}
		rc.query.Add(key, value)
		return nil
	}
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
	opts   []RequestOption
}

// newHTTPRequest builds the retryable request for r.
func (c *Client) newHTTPRequest(ctx context.Context, r *request) (*retryablehttp.Request, *requestConfig, error) {
	rc := &requestConfig{prefetch: -1}
	for _, o := range r.opts {
		if o == nil {
			continue
		}
		if err := o(rc); err != nil {
			return nil, nil, err
		}
	}

	var rawQuery string
	if r.query != nil || rc.query != nil {
		q := url.Values{}
		if r.query != nil {
			v, err := query.Values(r.query)
			if err != nil {
				return nil, nil, fmt.Errorf("runnerapi: encoding query: %w", err)
			}
			q = v
		}
		for k, vs := range rc.query {
			q[k] = append(q[k], vs...)
		}
		rawQuery = q.Encode()
	}

	u := c.baseURLString + r.path
	if rawQuery != "" {
		u += "?" + rawQuery
	}

	var body []byte
	if r.body != nil {
		var err error
		body, err = json.Marshal(r.body)
		if err != nil {
			return nil, nil, fmt.Errorf("runnerapi: encoding body: %w", err)
		}
	}

	ctx = withCallState(ctx, &callState{method: r.method})
	var req *retryablehttp.Request
	var err error
	if body != nil {
		req, err = retryablehttp.NewRequestWithContext(ctx, r.method, u, body)
	} else {
		req, err = retryablehttp.NewRequestWithContext(ctx, r.method, u, nil)
	}
	if err != nil {
		return nil, nil, &ValidationError{Field: "path", Reason: "does not form a valid URL"}
	}
	// Canonical keys and prebuilt one-element values (cap 1, so an Add
	// elsewhere copies instead of writing into the shared array) keep the hot
	// path free of per-request header allocations.
	h := req.Header
	h["Accept"] = headerJSON
	h["User-Agent"] = c.userAgentValue
	if body != nil {
		h["Content-Type"] = headerJSON
	}
	if !r.noAuth && c.authKey != "" {
		h[c.authKey] = c.authValue
	}
	for k, vs := range rc.header {
		h[k] = vs
	}
	return req, rc, nil
}

// send performs r and decodes a success body into v (when v is not nil).
func (c *Client) send(ctx context.Context, r *request, v any) (*Response, error) {
	req, _, err := c.newHTTPRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	return c.do(req, v, c.secretsOf(r))
}

// do sends a prepared request and decodes the answer.
func (c *Client) do(req *retryablehttp.Request, v any, secrets []string) (*Response, error) {
	ctx := req.Context()
	if c.limiter != nil {
		if err := c.limiter.wait(ctx); err != nil {
			return nil, c.transportError(req, err, secrets, callStateFrom(ctx))
		}
	}
	resp, err := c.retry.Do(req)
	state := callStateFrom(ctx)
	if err != nil {
		if resp != nil {
			drainAndClose(resp.Body)
		}
		return nil, c.transportError(req, err, secrets, state)
	}
	defer drainAndClose(resp.Body)

	r := newResponse(resp)
	r.Attempts = state.sent()
	if err := checkResponse(resp, secrets); err != nil {
		return r, err
	}
	if v == nil {
		return r, nil
	}
	if rd, ok := v.(rawBodyDecoder); ok {
		return r, decodeRawBody(resp, rd, c.maxResponseBytes, secrets)
	}
	if resp.StatusCode == http.StatusNoContent {
		if pointsToNilPointer(v) {
			return r, newDecodeError(resp, errEmptyBody, secrets)
		}
		return r, nil
	}
	if err := decodeBody(resp, v, c.maxResponseBytes, secrets); err != nil {
		return r, err
	}
	return r, nil
}

// secretsOf lists the credentials a request carries, so that no error or log built from it repeats them.
func (c *Client) secretsOf(r *request) []string {
	var s []string
	if c.token != "" {
		s = append(s, c.token)
	}
	if ts, ok := r.body.(interface{ secrets() []string }); ok {
		s = append(s, ts.secrets()...)
	}
	return s
}

// decodeBody streams a JSON success body into v, bounded by max bytes. A
// body that decodes to nothing (empty, or null where a single object is
// expected) is a DecodeError, so a caller never gets a nil result without an error.
func decodeBody(resp *http.Response, v any, max int64, secrets []string) error {
	lr := &limitedReader{r: resp.Body, n: max}
	dec := json.NewDecoder(lr)
	if err := dec.Decode(v); err != nil {
		switch {
		case lr.exceeded:
			err = ErrResponseTooLarge
		case err == io.EOF:
			err = errEmptyBody
		}
		return newDecodeError(resp, err, secrets)
	}
	if pointsToNilPointer(v) {
		return newDecodeError(resp, errNullBody, secrets)
	}
	return nil
}

// rawBodyDecoder is implemented by results that also accept success bodies
// that are not JSON, such as the bare "200" old servers answer to Runners.Verify.
type rawBodyDecoder interface {
	decodeRawBody(body []byte) error
}

// decodeRawBody reads a whole success body, bounded by max bytes, and hands it to rd.
func decodeRawBody(resp *http.Response, rd rawBodyDecoder, max int64, secrets []string) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	switch {
	case err != nil:
		return newDecodeError(resp, err, secrets)
	case int64(len(body)) > max:
		return newDecodeError(resp, ErrResponseTooLarge, secrets)
	}
	if err := rd.decodeRawBody(body); err != nil {
		return newDecodeError(resp, err, secrets)
	}
	return nil
}

// Causes of a DecodeError for an answer without a value where one belongs.
var (
	errEmptyBody = errors.New("body is empty, expected JSON")
	errNullBody  = errors.New("body is null, expected an object")
)

// pointsToNilPointer reports whether v is a pointer to a nil pointer (a decode target left empty).
func pointsToNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Pointer && rv.Elem().IsNil()
}

// limitedReader reads at most n bytes and remembers whether the source had more.
type limitedReader struct {
	r        io.Reader
	n        int64
	exceeded bool
}

// Read reads from the source until n bytes were read, then reports ErrResponseTooLarge if more follow.
func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe one byte to tell "exactly at the limit" from "over it".
		var one [1]byte
		if k, _ := l.r.Read(one[:]); k > 0 {
			l.exceeded = true
			return 0, ErrResponseTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// drainAndClose reads a little of what is left so the connection can be reused, then closes.
func drainAndClose(b io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, b, 4<<10)
	_ = b.Close()
}

// errNoValue is wrapped by a *DecodeError when a success answer has no value
// (a 204 or a JSON null) where the endpoint promises an object.
var errNoValue = errors.New("the answer holds no value (empty body or null)")

// doJSON performs r and returns the decoded value of type T. A pointer result
// is never nil without an error: an answer without a value is a *DecodeError.
func doJSON[T any](ctx context.Context, c *Client, r *request) (T, *Response, error) {
	var v T
	resp, err := c.send(ctx, r, &v)
	if err != nil {
		var zero T
		return zero, resp, err
	}
	if rv := reflect.ValueOf(&v).Elem(); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return v, resp, newDecodeError(resp.Response, errNoValue, c.secretsOf(r))
	}
	return v, resp, nil
}

// Ptr returns a pointer to v, for filling option structs: Ptr(true), Ptr(RunnerTypeGroup).
func Ptr[T any](v T) *T { return &v }
