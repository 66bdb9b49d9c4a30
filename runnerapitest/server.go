// Package runnerapitest is an in-memory fake of GitLab's Runners and Runner
// Controllers REST APIs, for testing code that uses runnerapi without a
// GitLab instance, in the spirit of net/http/httptest.
//
//	srv := runnerapitest.NewServer(runnerapitest.WithDemoData())
//	defer srv.Close()
//	client := srv.Client()
//	runners, _, err := client.Runners.ListAll(ctx, nil)
//
// The fake follows the newest GitLab as far as a client can see it (the
// audit behind it is in FIDELITY.md): every endpoint declares its Grape
// parameters as the server source does and validates them like Grape
// (coercion of booleans, integers, hashes and tag lists; values, defaults,
// mutually_exclusive, at_least_one_of; undeclared parameters ignored), after
// authentication and the resource's before filters and before the endpoint
// looks anything up. Status codes and error bodies, permissions from the
// newest runner policy (see canAdminRunner in runners.go), sudo by parameter
// or header, filters, runner status from an injectable clock, timestamps
// with three fractional digits, offset pagination headers built like
// GitLab's (including the missing counts above 10,000 rows) and keyset
// pagination of runner jobs, conditional deletes at full precision,
// registration tokens, runner controllers with tokens and scopes, and the
// job router discovery endpoint. The conformance module validates every
// answer against GitLab's OpenAPI description.
//
// Seed it with AddUser, AddGroup, AddRunner(s), AddJobs, AddController…,
// LoadSeed (a JSON document, also used by cmd/fakegitlab -seed) or
// WithDemoData; call it as a seeded user with ClientAs. WithRateLimit adds a
// Rack::Attack-style quota. Fault injection (latency, forced statuses, 429s,
// connection resets, commit-then-fail), a request log and counters let a
// test prove what reached the server. It is safe for concurrent use.
package runnerapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/runnerkit/runnerapi"
)

// Server is a running fake GitLab.
type Server struct {
	srv  *httptest.Server
	mux  *http.ServeMux
	now  func() time.Time
	ext  string // external URL used in Link headers; "" = the server's own
	rate *rateLimiter
	mu   sync.Mutex
	st   *state
	flt  faults
	logm sync.Mutex
	log  []RecordedRequest
}

// Option configures a Server.
type Option func(*config)

type config struct {
	now      func() time.Time
	demo     bool
	external string
	rate     *rateConfig
	listener net.Listener
}

// WithClock sets the clock that decides runner status (online within 2 h,
// stale after 7 days), timestamps and rate-limit windows.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithDemoData seeds a realistic fleet. Its contents, with the ids a fresh
// server assigns (times are relative to the server clock's now):
//
// Users: 1 root (administrator, token AdminToken() = glpat-runnerapitest-admin-0001),
// 2 maria (not an administrator, token DemoUserToken = glpat-runnerapitest-maria-0001;
// Maintainer of group acme, hence of every project below it).
//
// Groups: 1 acme, 2 acme/infra, 3 acme/web. Projects: 1 acme/infra/platform,
// 2 acme/web/api, 3 acme/web/site. Every group and project has a random
// registration token (Namespace.RegistrationToken; the instance's is
// InstanceRegistrationToken()).
//
// Runners (25), each with one manager unless noted:
//
//	1-4   instance  shared-docker-large     online (3 min), created by root
//	5-6   instance  shared-arm64            online (20 min), created by root
//	7-8   instance  shared-windows          offline (5 h), run_untagged false
//	9-11  instance  legacy-ci-box           stale (45 days)
//	12-13 instance  spare-autoscaler        paused (contacted 30 min ago)
//	14-16 group     acme-k8s (acme)         online (10 min), created by maria
//	17-18 group     web-builders (acme/web) stale (12 days)
//	19    project   platform-deployer       online, locked, ref_protected, 1 h timeout, created by maria
//	20-21 project   api-integration         online (90 min), assigned to api and site
//	22    project   site-preview            never contacted, no manager
//	23-24 instance  new-fleet-node          never contacted, no manager
//	25    instance  abandoned-registration  stale (never contacted, 20 days old)
//
// Jobs: 8 on each of runners 1, 5, 7, 9, 12 and 14 (ids 1-48, in the three
// projects, user maria, statuses success/failed/canceled and one running job
// per runner, manager s_0e1a2b3c4d5e).
//
// Runner controllers: 1 "job admission policy" (enabled, instance scope,
// tokens 1 used 10 min ago and 2 never used) and 2 "canary policy" (dry_run,
// scoped to runner 5, token 3 used 3 days ago).
func WithDemoData() Option { return func(c *config) { c.demo = true } }

// WithExternalURL makes Link headers name this base URL (GitLab builds them
// from its configured external URL, which may differ from the one clients use).
func WithExternalURL(base string) Option {
	return func(c *config) { c.external = strings.TrimSuffix(base, "/") }
}

// WithListener serves on l instead of a fresh 127.0.0.1 port (cmd/fakegitlab
// uses it for -addr). The server takes ownership of l.
func WithListener(l net.Listener) Option { return func(c *config) { c.listener = l } }

// NewServer starts a fake GitLab on 127.0.0.1 with one administrator.
func NewServer(opts ...Option) *Server {
	cfg := config{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	// GitLab stores and renders timestamps with (at least) millisecond precision.
	clock := cfg.now
	now := func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	s := &Server{mux: http.NewServeMux(), now: now, ext: cfg.external}
	if cfg.rate != nil {
		s.rate = newRateLimiter(*cfg.rate)
	}
	s.st = newState(s.now())
	s.routes()
	if cfg.listener != nil {
		s.srv = &httptest.Server{Listener: cfg.listener, Config: &http.Server{Handler: http.HandlerFunc(s.serve)}}
		s.srv.Start()
	} else {
		s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	}
	if cfg.demo {
		seedDemo(s)
	}
	return s
}

// URL returns the base URL to give runnerapi.NewClient.
func (s *Server) URL() string { return s.srv.URL }

// AdminToken returns the personal access token of the administrator "root".
func (s *Server) AdminToken() string { return adminToken }

// Client returns a runnerapi client authenticated as the administrator,
// without retries unless opts add them. opts must not set credentials: use
// ClientAs for another user, or runnerapi.NewClient(s.URL(), …) directly.
func (s *Server) Client(opts ...runnerapi.Option) *runnerapi.Client {
	return s.clientWithToken(adminToken, opts)
}

// ClientAs returns a runnerapi client authenticated with u's personal access
// token (u from AddUser, Users or DemoData), without retries unless opts add them.
func (s *Server) ClientAs(u User, opts ...runnerapi.Option) *runnerapi.Client {
	if u.Token == "" {
		panic("runnerapitest: ClientAs: user " + strconv.Quote(u.Username) + " has no token")
	}
	return s.clientWithToken(u.Token, opts)
}

func (s *Server) clientWithToken(token string, opts []runnerapi.Option) *runnerapi.Client {
	all := append([]runnerapi.Option{runnerapi.WithPrivateToken(token), runnerapi.WithoutRetries()}, opts...)
	c, err := runnerapi.NewClient(s.URL(), all...)
	if err != nil {
		panic("runnerapitest: " + err.Error())
	}
	return c
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// CloseClientConnections closes every open connection to the server.
func (s *Server) CloseClientConnections() { s.srv.CloseClientConnections() }

// RecordedRequest is one request as the server received it.
type RecordedRequest struct {
	Method, Path, RawQuery string
	Body                   []byte
	Header                 http.Header
}

// Requests returns the log of every request received, faulted ones included.
func (s *Server) Requests() []RecordedRequest {
	s.logm.Lock()
	defer s.logm.Unlock()
	return append([]RecordedRequest(nil), s.log...)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.logm.Lock()
	defer s.logm.Unlock()
	s.log = nil
}

// Counters counts objects actually created or deleted in the server's state.
type Counters struct {
	RunnersCreated, RunnersDeleted, ControllersCreated, ControllerTokensCreated int64
}

// Counters returns the current counters.
func (s *Server) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.counters
}

// serve dates the answer on the server clock, records the request, applies
// the rate limit and faults, and dispatches it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Date tells the server's time, as GitLab's does; here the server's clock.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.logm.Lock()
	s.log = append(s.log, RecordedRequest{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Body: body, Header: r.Header.Clone()})
	s.logm.Unlock()

	// Rack::Attack sits in front of the application: a throttled request
	// reaches neither the API nor the fault injection.
	if !s.throttle(w, r) {
		return
	}
	f := s.flt.pick(r)
	var committed *httptest.ResponseRecorder
	if f.AfterCommit {
		// Apply the request once, before any latency, and keep its answer.
		committed = httptest.NewRecorder()
		s.dispatch(committed, r)
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case f.Reset:
		resetConnection(w)
	case f.Status != 0:
		writeFault(w, f, s.now())
	case committed != nil:
		// AfterCommit alone (or with Latency): the real answer, applied once.
		for k, vs := range committed.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(committed.Code)
		_, _ = w.Write(committed.Body.Bytes())
	default:
		s.dispatch(w, r)
	}
}

// dispatch routes r: 404 JSON for unknown paths, 405 JSON for a wrong method.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "405 Not Allowed"})
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// apiError is a GitLab error answer: {"message": …} or {"error": …}.
type apiError struct {
	status int
	body   map[string]any
}

func msgErr(status int, msg any) *apiError {
	return &apiError{status, map[string]any{"message": msg}}
}

func rawErr(status int, msg string) *apiError {
	return &apiError{status, map[string]any{"error": msg}}
}

var (
	errUnauthorized = msgErr(401, "401 Unauthorized")
	errForbidden    = msgErr(403, "403 Forbidden")
	errNoAccess     = msgErr(403, "403 Forbidden - No access granted")
	errRunner404    = msgErr(404, "404 Runner Not Found")
	errProject404   = msgErr(404, "404 Project Not Found")
	errGroup404     = msgErr(404, "404 Group Not Found")
	errNotFound     = msgErr(404, "404 Not Found")
	errNotFoundLow  = msgErr(404, "404 Not found")
	errPrecondition = msgErr(412, "412 Precondition Failed")
)

// handler is an endpoint body: it runs under the state lock after
// authentication, the route's before filter and parameter validation, and
// returns a status and a value to encode, or an error.
type handler func(c *call) (int, any, *apiError)

// call is one request being served.
type call struct {
	s    *Server
	r    *http.Request
	w    http.ResponseWriter
	raw  raw  // every parameter as sent, plus path parameters and defaults
	args args // the declared parameters, validated and coerced
	user *user
	now  time.Time
	// project and group are what the before filter loaded (user_project, user_group).
	project *project
	group   *group
}

// authMode is who may call an endpoint.
type authMode int

const (
	authNone  authMode = iota // runner-token endpoints: no user
	authUser                  // authenticate!: any user, 401 otherwise
	authAdmin                 // authenticated_as_admin!: 401, then 403
)

// route is what runs before an endpoint body, in Grape's order: the
// authentication and the before filters, then the params block.
type route struct {
	auth   authMode
	before func(c *call) *apiError
	params decl
}

// handle registers h for pattern under /api/v4.
func (s *Server) handle(pattern string, rt route, h handler) {
	method, path, _ := strings.Cut(pattern, " ")
	var pathParams []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			pathParams = append(pathParams, strings.Trim(seg, "{}"))
		}
	}
	s.mux.HandleFunc(method+" /api/v4"+path, func(w http.ResponseWriter, r *http.Request) {
		p, perr := readRaw(r)
		if perr != nil {
			writeJSON(w, perr.status, perr.body)
			return
		}
		for _, name := range pathParams {
			p[name] = r.PathValue(name)
		}
		c := &call{s: s, r: r, w: w, raw: p, now: s.now()}
		s.mu.Lock()
		status, v, err := c.run(rt, h)
		s.mu.Unlock()
		if err != nil {
			writeJSON(w, err.status, err.body)
			return
		}
		if v == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, v)
	})
}

// run is Grape's endpoint sequence: authentication, before filters,
// validation of the declared parameters, then the body.
func (c *call) run(rt route, h handler) (int, any, *apiError) {
	switch rt.auth {
	case authUser:
		if err := c.authenticate(); err != nil {
			return 0, nil, err
		}
	case authAdmin:
		if err := c.admin(); err != nil {
			return 0, nil, err
		}
	}
	if rt.before != nil {
		if err := rt.before(c); err != nil {
			return 0, nil, err
		}
	}
	a, err := validate(rt.params, c.raw)
	if err != nil {
		return 0, nil, err
	}
	c.args = a
	return h(c)
}

// requestToken is the user credential of r as GitLab's auth finders read it:
// PRIVATE-TOKEN header, Authorization: Bearer, or the private_token/access_token parameter.
func requestToken(r *http.Request) string {
	if tok := r.Header.Get("Private-Token"); tok != "" {
		return tok
	}
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		return strings.TrimPrefix(a, "Bearer ")
	}
	q := r.URL.Query()
	if tok := q.Get("private_token"); tok != "" {
		return tok
	}
	return q.Get("access_token")
}

// authenticate finds the user of the request's credentials, or fails with
// 401, then applies sudo (parameter or header, lib/api/helpers.rb sudo!).
func (c *call) authenticate() *apiError {
	tok := requestToken(c.r)
	if tok == "" {
		for _, k := range []string{"private_token", "access_token"} {
			if v, ok := c.raw[k].(string); ok && v != "" {
				tok = v
				break
			}
		}
	}
	u := c.s.st.usersByToken[tok]
	if tok == "" || u == nil {
		return errUnauthorized
	}
	sudo, _ := c.raw["sudo"].(string)
	if n, ok := c.raw["sudo"].(json.Number); ok {
		sudo = n.String()
	}
	if sudo == "" {
		sudo = c.r.Header.Get("Sudo")
	}
	if sudo != "" {
		if !u.admin {
			return msgErr(403, "403 Forbidden - Must be admin to use sudo")
		}
		target := c.s.st.findUser(sudo)
		if target == nil {
			return msgErr(404, "404 User with ID or username '"+sudo+"' Not Found")
		}
		u = target
	}
	c.user = u
	return nil
}

// admin requires an authenticated administrator.
func (c *call) admin() *apiError {
	if err := c.authenticate(); err != nil {
		return err
	}
	if !c.user.admin {
		return errForbidden
	}
	return nil
}

// id returns a validated Integer parameter (declared required).
func (c *call) id(name string) int64 {
	n, _ := c.args.integer(name)
	if n == nil {
		return 0
	}
	return *n
}

// unmodifiedSince reports a 412 when If-Unmodified-Since is older than
// updated. Like check_unmodified_since!, the header (whole seconds) is
// compared with updated_at at full precision.
func (c *call) unmodifiedSince(updated time.Time) *apiError {
	h := c.r.Header.Get("If-Unmodified-Since")
	if h == "" {
		return nil
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return nil // GitLab ignores a header it cannot parse
	}
	if updated.After(t) {
		return errPrecondition
	}
	return nil
}

// user is a GitLab user with a personal access token.
type user struct {
	id       int64
	username string
	name     string
	admin    bool
	token    string
}

// userJSON is GET /user's answer.
func (u *user) json(base string, created time.Time) map[string]any {
	return map[string]any{
		"id": u.id, "username": u.username, "name": u.name, "state": "active", "locked": false,
		"avatar_url": nil, "web_url": base + "/" + u.username, "created_at": ts(created),
		"is_admin": u.admin, "bot": false, "email": u.username + "@example.com",
		"public_email": nil, "two_factor_enabled": false, "external": false, "private_profile": false,
	}
}
