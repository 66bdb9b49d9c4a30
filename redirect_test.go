package runnerapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The credential headers a redirect to another origin must not carry.
var guardedHeaders = []string{"PRIVATE-TOKEN", "Authorization", "JOB-TOKEN", "Sudo"}

// hop is one request a redirect test server saw.
type hop struct {
	Server string // which server: "origin", "origin-tls" or "foreign"
	Host   string
	Path   string
	Header http.Header
	Body   string
}

// redirectLab is a set of loopback servers reachable under virtual names:
//
//	http://gitlab.test        → origin (plain)
//	https://gitlab.test       → originTLS
//	http://gitlab.test:443    → foreign (same host and port as https://gitlab.test, other scheme)
//	http://other.test         → foreign (same port as http://gitlab.test, other host)
//	http://127.0.0.1:<port>   → origin or foreign by their real ports (other port)
type redirectLab struct {
	origin, originTLS, foreign *httptest.Server
	transport                  *http.Transport

	mu   sync.Mutex
	hops []hop
	// route decides the answer of a server to a request: a redirect
	// target ("" to answer 200/201 JSON) and a status.
	route func(server string, r *http.Request) (location string, status int)
}

func newRedirectLab(t *testing.T) *redirectLab {
	t.Helper()
	lab := &redirectLab{}
	handler := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			lab.mu.Lock()
			lab.hops = append(lab.hops, hop{Server: name, Host: r.Host, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body)})
			route := lab.route
			lab.mu.Unlock()
			if route != nil {
				if loc, status := route(name, r); loc != "" {
					w.Header().Set("Location", loc)
					w.WriteHeader(status)
					return
				}
			}
			if r.Method == http.MethodPost {
				serveJSON(w, http.StatusCreated, []byte(`{"id":9,"token":"glrt-new-token-abcdefgh"}`))
				return
			}
			serveJSON(w, http.StatusOK, []byte(`{"id":7}`))
		}
	}
	lab.origin = httptest.NewServer(handler("origin"))
	lab.originTLS = httptest.NewTLSServer(handler("origin-tls"))
	lab.foreign = httptest.NewServer(handler("foreign"))
	t.Cleanup(lab.origin.Close)
	t.Cleanup(lab.originTLS.Close)
	t.Cleanup(lab.foreign.Close)

	pool := x509.NewCertPool()
	pool.AddCert(lab.originTLS.Certificate())
	var d net.Dialer
	plain := map[string]string{
		"gitlab.test:80":  lab.origin.Listener.Addr().String(),
		"other.test:80":   lab.foreign.Listener.Addr().String(),
		"gitlab.test:443": lab.foreign.Listener.Addr().String(),
	}
	lab.transport = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if real, ok := plain[addr]; ok {
				addr = real
			}
			return d.DialContext(ctx, network, addr)
		},
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr != "gitlab.test:443" {
				return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError("no TLS route to " + addr)}
			}
			raw, err := d.DialContext(ctx, network, lab.originTLS.Listener.Addr().String())
			if err != nil {
				return nil, err
			}
			conn := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "example.com", MinVersion: tls.VersionTLS12})
			if err := conn.HandshakeContext(ctx); err != nil {
				_ = raw.Close()
				return nil, err
			}
			return conn, nil
		},
	}
	t.Cleanup(lab.transport.CloseIdleConnections)
	return lab
}

func (lab *redirectLab) Hops() []hop {
	lab.mu.Lock()
	defer lab.mu.Unlock()
	return append([]hop(nil), lab.hops...)
}

// leaks counts the guarded headers present in h.
func leaks(h http.Header) int {
	n := 0
	for _, k := range guardedHeaders {
		if h.Get(k) != "" {
			n++
		}
	}
	return n
}

// authModes are the three ways the client authenticates.
var authModes = []struct {
	name   string
	opt    Option
	header string
	value  string
}{
	{"PRIVATE-TOKEN", WithPrivateToken(testToken), "PRIVATE-TOKEN", testToken},
	{"Authorization", WithOAuthToken("oauth-access-token-0123456789abcdef"), "Authorization", "Bearer oauth-access-token-0123456789abcdef"},
	{"JOB-TOKEN", WithJobToken("glcbt-job-token-0123456789"), "JOB-TOKEN", "glcbt-job-token-0123456789"},
}

// redirectCase is a redirect away from the origin.
type redirectCase struct {
	name   string
	base   func(lab *redirectLab) string // the client's base URL
	target func(lab *redirectLab) string // where the origin redirects to
}

var crossOriginCases = []redirectCase{
	{"another host (same scheme and port)",
		func(*redirectLab) string { return "http://gitlab.test" },
		func(*redirectLab) string { return "http://other.test" }},
	{"another port (same scheme and host)",
		func(lab *redirectLab) string { return lab.origin.URL },
		func(lab *redirectLab) string { return lab.foreign.URL }},
	{"https to http (same host and port)",
		func(*redirectLab) string { return "https://gitlab.test" },
		func(*redirectLab) string { return "http://gitlab.test:443" }},
}

// TestRedirectDropsCredentials follows a redirect to another host, another
// port and from https to http, in every auth mode and with Sudo, and counts
// the credential headers that arrive at the other end. A control run with a
// plain http.Client over the same redirects shows what Go would forward.
func TestRedirectDropsCredentials(t *testing.T) {
	totalLeaks, controlLeaks := 0, 0
	for _, rc := range crossOriginCases {
		for _, am := range authModes {
			t.Run(rc.name+"/"+am.name, func(t *testing.T) {
				lab := newRedirectLab(t)
				target := rc.target(lab)
				lab.route = func(server string, r *http.Request) (string, int) {
					if server != "foreign" && r.URL.Path == "/api/v4/runners/7" {
						return target + "/api/v4/runners/8", http.StatusFound
					}
					return "", 0
				}
				c, err := NewClient(rc.base(lab), am.opt, WithoutRetries(), WithHTTPClient(&http.Client{Transport: lab.transport}))
				require.NoError(t, err)
				got, _, err := c.Runners.Get(context.Background(), 7, nil, WithSudo("root"))
				require.NoError(t, err)
				assert.EqualValues(t, 7, got.ID)

				hops := lab.Hops()
				require.Len(t, hops, 2)
				assert.NotEqual(t, "foreign", hops[0].Server)
				assert.Equal(t, am.value, hops[0].Header.Get(am.header), "the origin got the credential")
				assert.Equal(t, "root", hops[0].Header.Get("Sudo"))
				assert.Equal(t, "foreign", hops[1].Server)
				n := leaks(hops[1].Header)
				assert.Zero(t, n, "credential headers at the foreign server: %v", hops[1].Header)
				totalLeaks += n

				// Control: Go's own client over the same redirect.
				lab.mu.Lock()
				lab.hops = nil
				lab.mu.Unlock()
				req, err := http.NewRequest(http.MethodGet, rc.base(lab)+"/api/v4/runners/7", nil)
				require.NoError(t, err)
				req.Header.Set(am.header, am.value)
				req.Header.Set("Sudo", "root")
				resp, err := (&http.Client{Transport: lab.transport}).Do(req)
				require.NoError(t, err)
				_ = resp.Body.Close()
				hops = lab.Hops()
				require.Len(t, hops, 2)
				controlLeaks += leaks(hops[1].Header)
			})
		}
	}
	t.Logf("FIGURE credential headers leaked on cross-origin redirects: runnerapi=%d, plain net/http control=%d (of %d possible)",
		totalLeaks, controlLeaks, len(crossOriginCases)*len(authModes)*2)
	assert.Zero(t, totalLeaks)
	assert.Positive(t, controlLeaks, "the control must show that Go forwards custom headers")
}

// TestRedirectSameOriginKeepsCredentials: a redirect within the origin keeps
// every credential header, over http and https.
func TestRedirectSameOriginKeepsCredentials(t *testing.T) {
	for _, base := range []func(*redirectLab) string{
		func(lab *redirectLab) string { return lab.origin.URL },
		func(*redirectLab) string { return "http://gitlab.test" },
		func(*redirectLab) string { return "https://gitlab.test" },
	} {
		for _, am := range authModes {
			lab := newRedirectLab(t)
			lab.route = func(server string, r *http.Request) (string, int) {
				if r.URL.Path == "/api/v4/runners/7" {
					return "/api/v4/runners/8", http.StatusMovedPermanently
				}
				return "", 0
			}
			c, err := NewClient(base(lab), am.opt, WithoutRetries(), WithHTTPClient(&http.Client{Transport: lab.transport}))
			require.NoError(t, err)
			_, _, err = c.Runners.Get(context.Background(), 7, nil, WithSudo("root"))
			require.NoError(t, err)
			hops := lab.Hops()
			require.Len(t, hops, 2)
			assert.Equal(t, hops[0].Server, hops[1].Server)
			assert.Equal(t, "/api/v4/runners/8", hops[1].Path)
			assert.Equal(t, am.value, hops[1].Header.Get(am.header), "%s %s", base(lab), am.name)
			assert.Equal(t, "root", hops[1].Header.Get("Sudo"))
		}
	}
}

// TestRedirectBackToOriginStaysStripped: origin → foreign → origin. The
// foreign host chose the final path, so the credentials stay dropped.
func TestRedirectBackToOriginStaysStripped(t *testing.T) {
	lab := newRedirectLab(t)
	lab.route = func(server string, r *http.Request) (string, int) {
		switch {
		case server == "origin" && r.URL.Path == "/api/v4/runners/7":
			return lab.foreign.URL + "/bounce", http.StatusFound
		case server == "foreign":
			return lab.origin.URL + "/api/v4/runners/8", http.StatusFound
		}
		return "", 0
	}
	c, err := NewClient(lab.origin.URL, WithPrivateToken(testToken), WithoutRetries(), WithHTTPClient(&http.Client{Transport: lab.transport}))
	require.NoError(t, err)
	_, _, err = c.Runners.Get(context.Background(), 7, nil, WithSudo("root"))
	require.NoError(t, err)
	hops := lab.Hops()
	require.Len(t, hops, 3)
	assert.Equal(t, testToken, hops[0].Header.Get("PRIVATE-TOKEN"))
	assert.Zero(t, leaks(hops[1].Header))
	assert.Equal(t, "origin", hops[2].Server)
	assert.Zero(t, leaks(hops[2].Header), "credentials must not come back on a hop the foreign host chose")
}

// TestRedirectWithBodyToAnotherOriginIsRefused: a 307/308 would resend the
// body, and runner-token endpoints carry the token in the body: the client
// refuses (within the origin too, see TestMethodChangingRedirectIsRefused).
func TestRedirectWithBodyToAnotherOriginIsRefused(t *testing.T) {
	const regToken = "GR1348941registration-secret"
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		lab := newRedirectLab(t)
		lab.route = func(server string, r *http.Request) (string, int) {
			if server == "origin" && r.URL.Path == "/api/v4/runners" {
				return lab.foreign.URL + "/api/v4/runners", status
			}
			return "", 0
		}
		c, err := NewClient(lab.origin.URL, WithPrivateToken(testToken), WithRetry(3, 0, 0), WithHTTPClient(&http.Client{Transport: lab.transport}))
		require.NoError(t, err)
		_, _, err = c.Runners.Register(context.Background(), regToken, nil)
		var re *RequestError
		require.ErrorAs(t, err, &re, "status %d", status)
		assert.Contains(t, re.Error(), "resend the request body")
		assert.NotContains(t, re.Error(), regToken)
		hops := lab.Hops()
		require.Len(t, hops, 1, "nothing reached the foreign server, and the refusal was not retried")
		assert.Contains(t, hops[0].Body, regToken)
	}
}

// TestRedirectGuardKeepsUserPolicy: the guard wraps, not replaces, the caller's CheckRedirect.
func TestRedirectGuardKeepsUserPolicy(t *testing.T) {
	lab := newRedirectLab(t)
	lab.route = func(server string, r *http.Request) (string, int) {
		if r.URL.Path == "/api/v4/runners/7" {
			return "/api/v4/runners/8", http.StatusFound
		}
		return "", 0
	}
	hc := &http.Client{Transport: lab.transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	c, err := NewClient(lab.origin.URL, WithPrivateToken(testToken), WithoutRetries(), WithHTTPClient(hc))
	require.NoError(t, err)
	_, _, err = c.Runners.Get(context.Background(), 7, nil)
	var er *ErrorResponse
	require.ErrorAs(t, err, &er, "the 302 itself is the answer")
	assert.Equal(t, http.StatusFound, er.StatusCode)
	assert.Len(t, lab.Hops(), 1)
	assert.ErrorIs(t, hc.CheckRedirect(nil, nil), http.ErrUseLastResponse, "the caller's client is not modified")
}

// TestRedirectLoopStops: an endless redirect chain ends with a typed error, not retried.
func TestRedirectLoopStops(t *testing.T) {
	lab := newRedirectLab(t)
	lab.route = func(server string, r *http.Request) (string, int) { return "/api/v4/runners/7", http.StatusFound }
	c, err := NewClient(lab.origin.URL, WithRetry(3, 0, 0), WithHTTPClient(&http.Client{Transport: lab.transport}))
	require.NoError(t, err)
	_, _, err = c.Runners.Get(context.Background(), 7, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.True(t, strings.Contains(re.Error(), "10 redirects"), re.Error())
	assert.Len(t, lab.Hops(), 10)
	assert.Equal(t, 1, re.Attempts)
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://gitlab.example.com/api/v4/", "https://gitlab.example.com/other", true},
		{"https://gitlab.example.com/", "https://GITLAB.example.com:443/", true},
		{"http://gitlab.example.com/", "http://gitlab.example.com:80/", true},
		{"https://gitlab.example.com/", "http://gitlab.example.com/", false},
		{"https://gitlab.example.com/", "http://gitlab.example.com:443/", false},
		{"http://gitlab.example.com/", "https://gitlab.example.com/", false},
		{"https://gitlab.example.com/", "https://gitlab.example.com:8443/", false},
		{"https://gitlab.example.com/", "https://evil.example.com/", false},
		{"https://gitlab.example.com/", "https://gitlab.example.com.evil.test/", false},
		{"https://gitlab.example.com/", "https://sub.gitlab.example.com/", false},
	}
	for _, tt := range tests {
		a, err := http.NewRequest("GET", tt.a, nil)
		require.NoError(t, err)
		b, err := http.NewRequest("GET", tt.b, nil)
		require.NoError(t, err)
		assert.Equal(t, tt.want, sameOrigin(a.URL, b.URL), "%s → %s", tt.a, tt.b)
	}
}

// TestMethodChangingRedirectIsRefused: a redirect that would change the
// method (net/http turns DELETE, PUT and POST into GET on 301/302/303) or
// resend a body (307/308) is never followed, and nothing is reported as done.
func TestMethodChangingRedirectIsRefused(t *testing.T) {
	tests := []struct {
		name   string
		status int
		to     string // "origin" or "foreign"
		call   func(c *Client) error
	}{
		{"Delete/302", http.StatusFound, "origin", func(c *Client) error {
			_, err := c.Runners.Delete(context.Background(), 5)
			return err
		}},
		{"Pause/301", http.StatusMovedPermanently, "origin", func(c *Client) error {
			_, _, err := c.Runners.Pause(context.Background(), 5)
			return err
		}},
		{"DeleteByToken/302-foreign", http.StatusFound, "foreign", func(c *Client) error {
			_, err := c.Runners.DeleteByToken(context.Background(), "glrt-runner-token-0123456789")
			return err
		}},
		{"Delete/303", http.StatusSeeOther, "origin", func(c *Client) error {
			_, err := c.Runners.Delete(context.Background(), 5)
			return err
		}},
		{"Register/307-same-origin", http.StatusTemporaryRedirect, "origin", func(c *Client) error {
			_, _, err := c.Runners.Register(context.Background(), "GR1348941registration-secret", nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lab := newRedirectLab(t)
			lab.route = func(server string, r *http.Request) (string, int) {
				if r.URL.Path == "/elsewhere" {
					return "", 0
				}
				loc := "/elsewhere?private_token=" + testToken
				if tt.to == "foreign" {
					loc = lab.foreign.URL + loc
				}
				return loc, tt.status
			}
			c, err := NewClient(lab.origin.URL, WithPrivateToken(testToken), WithRetry(3, 0, 0), WithHTTPClient(&http.Client{Transport: lab.transport}))
			require.NoError(t, err)
			err = tt.call(c)
			require.Error(t, err, "a refused redirect is not success")
			var re *RedirectError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.status, re.StatusCode)
			assert.Contains(t, re.Location, "/elsewhere")
			assert.NotContains(t, re.Location, testToken, "the Location is sanitised")
			assert.NotContains(t, err.Error(), testToken)
			assert.Contains(t, err.Error(), strconv.Itoa(tt.status))
			hops := lab.Hops()
			require.Len(t, hops, 1, "the redirect was not followed, and the refusal was not retried")
		})
	}
}

// TestCallerCheckRedirectCannotRestoreCredentials: a caller's CheckRedirect
// that copies the first request's headers (a common idiom) cannot send the
// credentials to another origin.
func TestCallerCheckRedirectCannotRestoreCredentials(t *testing.T) {
	for _, am := range authModes {
		t.Run(am.name, func(t *testing.T) {
			lab := newRedirectLab(t)
			lab.route = func(server string, r *http.Request) (string, int) {
				if server == "origin" {
					return lab.foreign.URL + "/api/v4/runners/8", http.StatusFound
				}
				return "", 0
			}
			hc := &http.Client{Transport: lab.transport, CheckRedirect: func(req *http.Request, via []*http.Request) error {
				for k, vs := range via[0].Header {
					req.Header[k] = vs
				}
				return nil
			}}
			c, err := NewClient(lab.origin.URL, am.opt, WithoutRetries(), WithHTTPClient(hc))
			require.NoError(t, err)
			_, _, err = c.Runners.Get(context.Background(), 7, nil, WithSudo("root"))
			require.NoError(t, err)
			hops := lab.Hops()
			require.Len(t, hops, 2)
			assert.Equal(t, "foreign", hops[1].Server)
			assert.Zero(t, leaks(hops[1].Header), "credentials at the foreign server: %v", hops[1].Header)
		})
	}
}

// TestBadLocationIsNotRetried: an unparsable or non-HTTP Location is a
// deterministic failure: one attempt, a typed error, no backoff.
func TestBadLocationIsNotRetried(t *testing.T) {
	for _, loc := range []string{"//[::1", "gopher://gitlab.test/x", "file:///etc/passwd", "http://[::1]:namedport/"} {
		t.Run(loc, func(t *testing.T) {
			lab := newRedirectLab(t)
			lab.route = func(string, *http.Request) (string, int) { return loc, http.StatusFound }
			clk := newFakeClock(time.Now())
			c, err := NewClient(lab.origin.URL, WithPrivateToken(testToken), WithRetry(4, time.Second, 10*time.Second),
				WithHTTPClient(&http.Client{Transport: lab.transport}), withClock(clk))
			require.NoError(t, err)
			_, resp, err := c.Runners.Get(context.Background(), 7, nil)
			var re *RedirectError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusFound, re.StatusCode)
			assert.Len(t, lab.Hops(), 1)
			assert.Empty(t, clk.Sleeps(), "no backoff")
			require.NotNil(t, resp)
			assert.Equal(t, 1, resp.Attempts)
		})
	}
}
