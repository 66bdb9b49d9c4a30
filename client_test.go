package runnerapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientBaseURLNormalisation(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"gitlab.example.com", "https://gitlab.example.com/api/v4/"},
		{"gitlab.example.com:8443", "https://gitlab.example.com:8443/api/v4/"},
		{"  gitlab.example.com  ", "https://gitlab.example.com/api/v4/"},
		{"https://gitlab.example.com", "https://gitlab.example.com/api/v4/"},
		{"https://gitlab.example.com/", "https://gitlab.example.com/api/v4/"},
		{"https://gitlab.example.com//", "https://gitlab.example.com/api/v4/"},
		{"https://gitlab.example.com/api/v4", "https://gitlab.example.com/api/v4/"},
		{"https://gitlab.example.com/api/v4/", "https://gitlab.example.com/api/v4/"},
		{"gitlab.example.com/api/v4", "https://gitlab.example.com/api/v4/"},
		{"https://example.com/gitlab", "https://example.com/gitlab/api/v4/"},
		{"https://example.com/gitlab/", "https://example.com/gitlab/api/v4/"},
		{"https://example.com/gitlab/api/v4/", "https://example.com/gitlab/api/v4/"},
		{"https://example.com/tools/gitlab", "https://example.com/tools/gitlab/api/v4/"},
		{"http://localhost:8080", "http://localhost:8080/api/v4/"},
		{"HTTPS://GitLab.Example.com", "https://GitLab.Example.com/api/v4/"},
		{"http://[::1]:3000/", "http://[::1]:3000/api/v4/"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			c, err := NewClient(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.BaseURL().String())
		})
	}
}

func TestNewClientRejectsBadBaseURLs(t *testing.T) {
	for _, tc := range []struct {
		name, in string
	}{
		{"empty", ""},
		{"blank", "   "},
		{"ftp scheme", "ftp://gitlab.example.com"},
		{"ssh scheme", "ssh://git@gitlab.example.com"},
		{"file scheme", "file:///etc/passwd"},
		{"no host", "https://"},
		{"userinfo", "https://user:secret@gitlab.example.com"},
		{"user only", "https://token@gitlab.example.com"},
		{"query", "https://gitlab.example.com/?private_token=x"},
		{"fragment", "https://gitlab.example.com/#top"},
		{"unparsable", "https://gitlab.example.com:port/"},
		{"control character", "https://gitlab.example.com/\x7f"},
		{"port out of range", "http://127.0.0.1:99999"},
		{"port 65536", "https://gitlab.example.com:65536/"},
		{"port 0", "http://127.0.0.1:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.in)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, ErrInvalidInput)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "baseURL", ve.Field)
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

func TestClientBaseURLReturnsACopy(t *testing.T) {
	c, err := NewClient("https://gitlab.example.com")
	require.NoError(t, err)
	u := c.BaseURL()
	u.Host = "evil.example.com"
	assert.Equal(t, "https://gitlab.example.com/api/v4/", c.BaseURL().String())
}

func TestClientSubPathInstallRequestPath(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`[]`)) })
	c, err := NewClient(ts.URL+"/gitlab/", WithPrivateToken(testToken))
	require.NoError(t, err)
	_, _, err = c.Runners.ListProjectRunners(context.Background(), ProjectPath("a/b"), nil)
	require.NoError(t, err)
	assert.Equal(t, "/gitlab/api/v4/projects/a%2Fb/runners", ts.LastRequest(t).Path)
}

func TestNewClientFromEnv(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`[]`)) })

	// setEnv sets the four variables, "" meaning unset.
	setEnv := func(t *testing.T, gitlabURL, ciServerURL, gitlabToken, ciJobToken string) {
		t.Setenv("GITLAB_URL", gitlabURL)
		t.Setenv("CI_SERVER_URL", ciServerURL)
		t.Setenv("GITLAB_TOKEN", gitlabToken)
		t.Setenv("CI_JOB_TOKEN", ciJobToken)
	}
	// lastAuth makes one call and returns the credential headers the server saw.
	lastAuth := func(t *testing.T, c *Client) http.Header {
		t.Helper()
		_, _, err := c.Runners.List(context.Background(), nil)
		require.NoError(t, err)
		h := ts.LastRequest(t).Header
		return http.Header{
			"Private-Token": h.Values("Private-Token"),
			"Authorization": h.Values("Authorization"),
			"Job-Token":     h.Values("Job-Token"),
		}
	}
	none := []string(nil)

	t.Run("GITLAB_URL and GITLAB_TOKEN", func(t *testing.T) {
		setEnv(t, ts.URL, "https://ci.example.com", "glpat-from-env-123456", "job-token-from-env")
		c, err := NewClientFromEnv(WithoutRetries())
		require.NoError(t, err)
		assert.Equal(t, ts.URL+"/api/v4/", c.BaseURL().String())
		assert.Equal(t, http.Header{"Private-Token": {"glpat-from-env-123456"}, "Authorization": none, "Job-Token": none}, lastAuth(t, c))
	})
	t.Run("CI_SERVER_URL; CI_JOB_TOKEN is not used", func(t *testing.T) {
		// The runner endpoints reject job tokens: sending one only turns a
		// clear "no credentials" into a confusing 401.
		setEnv(t, "", ts.URL+"/", "", "job-token-from-env")
		c, err := NewClientFromEnv(WithoutRetries())
		require.NoError(t, err)
		assert.Equal(t, ts.URL+"/api/v4/", c.BaseURL().String())
		assert.Equal(t, http.Header{"Private-Token": none, "Authorization": none, "Job-Token": none}, lastAuth(t, c))
	})
	t.Run("GITLAB_URL wins over CI_SERVER_URL", func(t *testing.T) {
		setEnv(t, "https://gitlab.example.com", "https://ci.example.com", "", "")
		c, err := NewClientFromEnv()
		require.NoError(t, err)
		assert.Equal(t, "https://gitlab.example.com/api/v4/", c.BaseURL().String())
	})
	t.Run("no token is valid", func(t *testing.T) {
		setEnv(t, ts.URL, "", "", "")
		c, err := NewClientFromEnv(WithoutRetries())
		require.NoError(t, err)
		assert.Equal(t, http.Header{"Private-Token": none, "Authorization": none, "Job-Token": none}, lastAuth(t, c))
	})
	t.Run("explicit auth option overrides the environment", func(t *testing.T) {
		setEnv(t, ts.URL, "", "glpat-from-env-123456", "job-token-from-env")
		c, err := NewClientFromEnv(WithOAuthToken("oauth-explicit-token"), WithoutRetries())
		require.NoError(t, err)
		assert.Equal(t, http.Header{"Private-Token": none, "Authorization": {"Bearer oauth-explicit-token"}, "Job-Token": none}, lastAuth(t, c))
	})
	t.Run("explicit private token overrides a job token", func(t *testing.T) {
		setEnv(t, ts.URL, "", "", "job-token-from-env")
		c, err := NewClientFromEnv(WithPrivateToken("glpat-explicit-1234567"), WithoutRetries())
		require.NoError(t, err)
		assert.Equal(t, http.Header{"Private-Token": {"glpat-explicit-1234567"}, "Authorization": none, "Job-Token": none}, lastAuth(t, c))
	})
	t.Run("no URL", func(t *testing.T) {
		setEnv(t, "", "", "glpat-from-env-123456", "")
		c, err := NewClientFromEnv()
		require.Error(t, err)
		assert.Nil(t, c)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "GITLAB_URL", ve.Field)
		assert.NotContains(t, err.Error(), "glpat-from-env-123456")
	})
	t.Run("bad URL", func(t *testing.T) {
		setEnv(t, "ftp://gitlab.example.com", "", "", "")
		_, err := NewClientFromEnv()
		assert.ErrorIs(t, err, ErrInvalidInput)
	})
}

func TestClientAuthHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  []Option
		want map[string]string
	}{
		{"private token", []Option{WithPrivateToken("glpat-abc-123456789")}, map[string]string{"Private-Token": "glpat-abc-123456789"}},
		{"oauth", []Option{WithOAuthToken("oauth-abc-123456789")}, map[string]string{"Authorization": "Bearer oauth-abc-123456789"}},
		{"job token", []Option{WithJobToken("job-abc-123456789")}, map[string]string{"Job-Token": "job-abc-123456789"}},
		{"none", nil, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`[]`)) })
			c, err := NewClient(ts.URL, append([]Option{WithoutRetries()}, tc.opt...)...)
			require.NoError(t, err)
			_, _, err = c.Runners.List(context.Background(), nil)
			require.NoError(t, err)
			h := ts.LastRequest(t).Header
			for _, name := range []string{"Private-Token", "Authorization", "Job-Token"} {
				if v, ok := tc.want[name]; ok {
					assert.Equal(t, []string{v}, h.Values(name), name)
				} else {
					assert.Empty(t, h.Values(name), name)
				}
			}
		})
	}
}

func TestClientRejectsTwoAuthOptions(t *testing.T) {
	for _, opts := range [][]Option{
		{WithPrivateToken("a-token-1234"), WithOAuthToken("b-token-1234")},
		{WithPrivateToken("a-token-1234"), WithJobToken("b-token-1234")},
		{WithOAuthToken("a-token-1234"), WithJobToken("b-token-1234")},
		{WithPrivateToken("a-token-1234"), WithPrivateToken("b-token-1234")},
	} {
		c, err := NewClient("https://gitlab.example.com", opts...)
		require.Error(t, err)
		assert.Nil(t, c)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "auth", ve.Field)
		assert.NotContains(t, err.Error(), "a-token-1234")
		assert.NotContains(t, err.Error(), "b-token-1234")
	}
}

func TestClientOptionValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opt   Option
		field string
	}{
		{"empty private token", WithPrivateToken(""), "WithPrivateToken"},
		{"blank oauth token", WithOAuthToken("  "), "WithOAuthToken"},
		{"empty job token", WithJobToken(""), "WithJobToken"},
		{"nil http client", WithHTTPClient(nil), "WithHTTPClient"},
		{"empty user agent", WithUserAgent(""), "WithUserAgent"},
		{"negative retries", WithRetry(-1, 0, 0), "WithRetry"},
		{"negative wait", WithRetry(1, -time.Second, time.Second), "WithRetry"},
		{"max below min", WithRetry(1, 2*time.Second, time.Second), "WithRetry"},
		{"zero response size", WithMaxResponseSize(0), "WithMaxResponseSize"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient("https://gitlab.example.com", tc.opt)
			require.ErrorIs(t, err, ErrInvalidInput)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
		})
	}
	c, err := NewClient("https://gitlab.example.com", nil, WithPrivateToken("glpat-abcdefgh1234"), nil)
	require.NoError(t, err, "nil options are ignored")
	require.NotNil(t, c.Runners)
	require.NotNil(t, c.RunnerControllers)
}

func TestClientUsesGivenHTTPClient(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`[]`)) })
	var seen atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := NewClient(ts.URL, WithHTTPClient(hc), WithoutRetries())
	require.NoError(t, err)
	_, _, err = c.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, seen.Load())
	assert.Nil(t, hc.CheckRedirect, "the caller's client is not modified")
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRequestOptions(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	since := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("JST", 9*60*60))
	_, err := ts.Client.Runners.Delete(context.Background(), 6,
		WithIfUnmodifiedSince(since),
		WithSudo("alice"),
		WithHeader("X-Request-Id", "req-42"),
		WithQuery("note", "a b&c"),
		nil,
	)
	require.NoError(t, err)
	rec := ts.LastRequest(t)
	assert.Equal(t, "Wed, 01 Jan 2025 18:04:05 GMT", rec.Header.Get("If-Unmodified-Since"))
	parsed, err := http.ParseTime(rec.Header.Get("If-Unmodified-Since"))
	require.NoError(t, err)
	assert.True(t, parsed.Equal(since))
	assert.Equal(t, "alice", rec.Header.Get("Sudo"))
	assert.Equal(t, "req-42", rec.Header.Get("X-Request-Id"))
	assert.Equal(t, "note=a+b%26c", rec.Query)
	assert.Equal(t, testToken, rec.Header.Get("Private-Token"))
}

func TestRequestOptionWithQueryAddsToOptionQuery(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`[]`)) })
	_, _, err := ts.Client.Runners.List(context.Background(), &ListRunnersOptions{RunnerFilter: RunnerFilter{Paused: Ptr(true)}},
		WithQuery("tag_list", "extra"), WithQuery("x", "1"), WithQuery("x", "2"))
	require.NoError(t, err)
	assert.Equal(t, "paused=true&tag_list=extra&x=1&x=2", ts.LastRequest(t).Query)
}

func TestRequestOptionsAreValidated(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opt   RequestOption
		field string
	}{
		{"WithQuery private_token", WithQuery("private_token", "glpat-abcdefgh1234"), "WithQuery"},
		{"WithQuery PRIVATE_TOKEN", WithQuery("PRIVATE_TOKEN", "glpat-abcdefgh1234"), "WithQuery"},
		{"WithQuery job_token", WithQuery("job_token", "x"), "WithQuery"},
		{"WithQuery access_token", WithQuery("access_token", "x"), "WithQuery"},
		{"WithQuery token", WithQuery("token", "glrt-abcdefgh1234"), "WithQuery"},
		{"WithQuery empty key", WithQuery("", "x"), "WithQuery"},
		{"WithHeader empty key", WithHeader("", "x"), "WithHeader"},
		{"WithSudo empty", WithSudo(""), "WithSudo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			_, _, err := ts.Client.Runners.Get(context.Background(), 6, nil, tc.opt)
			require.ErrorIs(t, err, ErrInvalidInput)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.NotContains(t, err.Error(), "glpat-abcdefgh1234")
			assert.NotContains(t, err.Error(), "glrt-abcdefgh1234")
			ts.RequireNoRequests(t)
		})
	}
}

func TestClientUserAgent(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`[]`)) })
	_, _, err := ts.Client.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	ua := ts.LastRequest(t).Header.Get("User-Agent")
	assert.Contains(t, ua, "github.com/runnerkit/runnerapi")
	assert.Contains(t, ua, Version)
	assert.True(t, strings.HasPrefix(ua, "runnerapi/"+Version), ua)

	c, err := NewClient(ts.URL, WithUserAgent("fleet-manager/2.0"))
	require.NoError(t, err)
	_, _, err = c.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "fleet-manager/2.0", ts.LastRequest(t).Header.Get("User-Agent"))
}

func TestClientContentTypeOnlyWithBody(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`{}`)) })
	_, _, err := ts.Client.Runners.Get(context.Background(), 1, nil)
	require.NoError(t, err)
	assert.Empty(t, ts.LastRequest(t).Header.Get("Content-Type"))
	_, _, err = ts.Client.Runners.Pause(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, "application/json", ts.LastRequest(t).Header.Get("Content-Type"))
}

// statusSequence answers requests with the given statuses in turn, then 200 with body.
func statusSequence(statuses []int, body string) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, _ *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(statuses) {
			serveJSON(w, statuses[i], []byte(`{"message":"`+http.StatusText(statuses[i])+`"}`))
			return
		}
		serveJSON(w, http.StatusOK, []byte(body))
	}
}

func TestClientRetriesGETOn502And503(t *testing.T) {
	ts := newTestServer(t, WithRetry(2, 0, 0))
	ts.Mux.HandleFunc("/", statusSequence([]int{http.StatusBadGateway, http.StatusServiceUnavailable}, `[{"id":1}]`))
	runners, resp, err := ts.Client.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, runners, 1)
	assert.Len(t, ts.Requests(), 3, "two failed attempts and one success")
	assert.Equal(t, 3, resp.Attempts)
	for _, r := range ts.Requests() {
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, testToken, r.Header.Get("Private-Token"), "every attempt is authenticated")
	}
}

func TestClientGETRetriesAreBounded(t *testing.T) {
	ts := newTestServer(t, WithRetry(2, 0, 0))
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusServiceUnavailable, []byte(`{"message":"down"}`))
	})
	_, resp, err := ts.Client.Runners.Get(context.Background(), 6, nil)
	require.ErrorIs(t, err, ErrServer)
	assert.Len(t, ts.Requests(), 3, "the first attempt and two retries")
	require.NotNil(t, resp)
	assert.Equal(t, 3, resp.Attempts)
	assert.Contains(t, err.Error(), "503 down")
}

func TestClientDoesNotRetryPOSTOn502Or503(t *testing.T) {
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ts := newTestServer(t, WithRetry(2, 0, 0))
			ts.Mux.HandleFunc("/", statusSequence([]int{status}, `{"id":1,"token":"glrt-abcdefgh12345"}`))
			_, resp, err := ts.Client.Runners.Create(context.Background(), InstanceRunnerOwner(), nil)
			require.ErrorIs(t, err, ErrServer)
			assert.Len(t, ts.Requests(), 1, "a POST must not be replayed: it could create a second runner")
			assert.Equal(t, 1, resp.Attempts)
		})
	}
}

func TestClientWithoutRetriesSendsOnce(t *testing.T) {
	ts := newTestServer(t, WithRetry(3, 0, 0), WithoutRetries())
	ts.Mux.HandleFunc("/", statusSequence([]int{http.StatusBadGateway}, `[]`))
	_, _, err := ts.Client.Runners.List(context.Background(), nil)
	require.ErrorIs(t, err, ErrServer)
	assert.Len(t, ts.Requests(), 1)
}

func TestClientSuccessBodyOverMaxResponseSize(t *testing.T) {
	body := `[{"id":1,"description":"` + strings.Repeat("d", 200) + `"}]`
	ts := newTestServer(t, WithMaxResponseSize(100))
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(body)) })
	runners, resp, err := ts.Client.Runners.List(context.Background(), nil)
	require.Error(t, err)
	assert.Nil(t, runners)
	assert.NotNil(t, resp)
	assert.ErrorIs(t, err, ErrResponseTooLarge)
	assert.ErrorIs(t, err, ErrInvalidResponse)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, http.StatusOK, de.StatusCode)
	assert.Equal(t, http.MethodGet, de.Method)
	assert.Equal(t, ts.URL+"/api/v4/runners", de.URL)
}

func TestClientSuccessBodyAtMaxResponseSize(t *testing.T) {
	body := `[{"id":1}]`
	ts := newTestServer(t, WithMaxResponseSize(int64(len(body))))
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(body)) })
	runners, _, err := ts.Client.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, []*Runner{{ID: 1}}, runners)
}

func TestClientMalformedSuccessBody(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"truncated json", "application/json", `{"id": 6, "description": "tru`},
		{"html page", "text/html", `<html><body>Sign in</body></html>`},
		{"wrong shape", "application/json", `[1, 2, 3]`},
		{"empty", "application/json", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = w.Write([]byte(tc.body))
			})
			got, resp, err := ts.Client.Runners.Get(context.Background(), 6, nil)
			require.Error(t, err)
			assert.Nil(t, got)
			require.NotNil(t, resp)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.ErrorIs(t, err, ErrInvalidResponse)
			assert.NotErrorIs(t, err, ErrResponseTooLarge)
			assert.Equal(t, tc.contentType, de.ContentType)
			assert.Equal(t, http.StatusOK, de.StatusCode)
			assert.Equal(t, "GET", de.Method)
			assert.Equal(t, ts.URL+"/api/v4/runners/6", de.URL)
			assert.NotNil(t, errors.Unwrap(err))
			assert.Contains(t, err.Error(), "GET "+ts.URL+"/api/v4/runners/6")
			assert.NotContains(t, err.Error(), testToken)
		})
	}
}

func TestClientLoggerNeverLogsTokens(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := newTestServer(t, WithLogger(logger), WithRetry(1, 0, 0))
	ts.Mux.HandleFunc("/", statusSequence([]int{http.StatusBadGateway}, `{"id":1,"token":"t","token_expires_at":null}`))
	_, _, err := ts.Client.Runners.Get(context.Background(), 1, nil)
	require.NoError(t, err, "the GET is retried after the 502")
	_, _, err = ts.Client.Runners.Verify(context.Background(), "6337ff461c94fd3fa32ba3b1ff4125", nil)
	require.NoError(t, err)
	out := buf.String()
	assert.Contains(t, out, "runnerapi request")
	assert.Contains(t, out, "runnerapi retry wait")
	assert.Contains(t, out, "status=502")
	assert.NotContains(t, out, testToken)
	assert.NotContains(t, out, "6337ff461c94fd3fa32ba3b1ff4125")
}

func TestClientIsSafeForConcurrentUse(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`{"id":6}`)) })
	const n = 16
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, _, err := ts.Client.Runners.Get(context.Background(), 6, nil)
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		require.NoError(t, <-errs)
	}
	assert.Len(t, ts.Requests(), n)
}

func TestPtr(t *testing.T) {
	p := Ptr(RunnerTypeGroup)
	require.NotNil(t, p)
	assert.Equal(t, RunnerTypeGroup, *p)
	q := Ptr(RunnerTypeGroup)
	assert.NotSame(t, p, q)
}

func TestClientRetriesGETOnConnectionFailure(t *testing.T) {
	ts := newTestServer(t, WithRetry(2, 0, 0))
	ts.Close() // connections are refused from now on
	_, resp, err := ts.Client.Runners.Get(context.Background(), 6, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	require.NotNil(t, resp, "the attempts are reported")
	assert.Equal(t, 3, resp.Attempts)
	assert.Equal(t, 3, re.Attempts)
	assert.Contains(t, err.Error(), "(after 3 attempts)")
}

func TestClientRetriesPOSTOnlyWhenNothingWasSent(t *testing.T) {
	// A refused connection proves the request was never written, so even a POST may be sent again.
	ts := newTestServer(t, WithRetry(2, 0, 0))
	ts.Close()
	_, _, err := ts.Client.Runners.Create(context.Background(), InstanceRunnerOwner(), nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
}

func TestClientRetriesOn429HonouringRetryAfter(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			ts := newTestServer(t, WithRetry(2, 0, 0))
			var n atomic.Int32
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", "0")
					w.Header().Set("Content-Type", "text/plain")
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = w.Write([]byte("Retry later\n"))
					return
				}
				serveJSON(w, http.StatusOK, []byte(`{"token":"GR1348941abcdefgh"}`))
			})
			var err error
			if method == http.MethodGet {
				_, _, err = ts.Client.Runners.Get(context.Background(), 6, nil)
			} else {
				_, _, err = ts.Client.Runners.ResetInstanceRegistrationToken(context.Background())
			}
			require.NoError(t, err)
			assert.Len(t, ts.Requests(), 2, "a 429 was not processed, so it is safe to send again")
		})
	}
}

func TestClientFailsAtOnceWhenServerAsksForALongWait(t *testing.T) {
	ts := newTestServer(t, WithRetry(3, 0, 0), WithMaxRetryWait(time.Second))
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		serveJSON(w, http.StatusTooManyRequests, []byte(`{"message":{"error":"This endpoint has been requested too many times. Try again later."}}`))
	})
	_, _, err := ts.Client.Runners.List(context.Background(), nil)
	require.ErrorIs(t, err, ErrRateLimited)
	var e *ErrorResponse
	require.ErrorAs(t, err, &e)
	assert.Equal(t, time.Hour, e.RetryAfter)
	assert.Len(t, ts.Requests(), 1)

	_, err = NewClient("https://gitlab.example.com", WithMaxRetryWait(0))
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestClientDropsCredentialsOnCrossOriginRedirect(t *testing.T) {
	other := newTestServer(t)
	other.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`{"id":6}`)) })
	ts := newTestServer(t)
	ts.Mux.HandleFunc("GET /api/v4/runners/6", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api/v4/runners/6", http.StatusFound)
	})
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/v4/moved/7", http.StatusMovedPermanently)
	})
	ts.Mux.HandleFunc("GET /api/v4/moved/7", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`{"id":7}`)) })

	_, _, err := ts.Client.Runners.Get(context.Background(), 6, nil, WithSudo("alice"))
	require.NoError(t, err)
	got := other.LastRequest(t).Header
	assert.Empty(t, got.Get("Private-Token"), "the token must not follow a redirect to another origin")
	assert.Empty(t, got.Get("Sudo"))

	_, _, err = ts.Client.Runners.Get(context.Background(), 7, nil)
	require.NoError(t, err)
	assert.Equal(t, testToken, ts.LastRequest(t).Header.Get("Private-Token"), "a same-origin redirect keeps credentials")
}

func TestClientStaticRateLimitOption(t *testing.T) {
	ts := newTestServer(t, WithRateLimit(10_000, 3))
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`[]`)) })
	for i := 0; i < 5; i++ {
		_, _, err := ts.Client.Runners.List(context.Background(), nil)
		require.NoError(t, err)
	}
	assert.Len(t, ts.Requests(), 5)
	for _, opt := range []Option{WithRateLimit(0, 1), WithRateLimit(1, 0)} {
		_, err := NewClient("https://gitlab.example.com", opt)
		assert.ErrorIs(t, err, ErrInvalidInput)
	}
}

func TestClientPacesItselfWhenTheQuotaIsExhausted(t *testing.T) {
	reset := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	quotaGone := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("RateLimit-Limit", "600")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", reset)
		serveJSON(w, 200, []byte(`[]`))
	}

	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", quotaGone)
	_, resp, err := ts.Client.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, 0, resp.RateLimit.Remaining)
	// The next call must not reach the server before the window resets. Today
	// it waits for the reset and the caller's deadline ends the wait; failing
	// at once with ErrRateLimited would satisfy this test too.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err = ts.Client.Runners.List(ctx, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrRateLimited), "got %v", err)
	assert.Len(t, ts.Requests(), 1, "nothing is sent while the quota is exhausted")

	// With adaptive pacing off the client does not wait.
	off := newTestServer(t, WithoutAdaptiveRateLimit())
	off.Mux.HandleFunc("/", quotaGone)
	for i := 0; i < 2; i++ {
		_, _, err = off.Client.Runners.List(context.Background(), nil)
		require.NoError(t, err)
	}
	assert.Len(t, off.Requests(), 2)
}

// TestClientSuccessWithoutAValueIsAnError proves that a method returning a
// pointer never returns (nil, nil): a 204 or a JSON null where GitLab sends an
// object is reported, so that callers cannot dereference a nil result.
func TestClientSuccessWithoutAValueIsAnError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"204 no content", http.StatusNoContent, ""},
		{"json null", http.StatusOK, "null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				if tc.body == "" {
					w.WriteHeader(tc.status)
					return
				}
				serveJSON(w, tc.status, []byte(tc.body))
			})
			got, resp, err := ts.Client.Runners.Get(context.Background(), 6, nil)
			assert.Nil(t, got)
			require.NotNil(t, resp)
			assert.Equal(t, tc.status, resp.StatusCode)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.ErrorIs(t, err, ErrInvalidResponse)
			assert.Equal(t, ts.URL+"/api/v4/runners/6", de.URL)
		})
	}
	// A list answered null is simply empty.
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte("null")) })
	runners, _, err := ts.Client.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, runners)
}

func TestClientVerifyBodyOverMaxResponseSize(t *testing.T) {
	ts := newTestServer(t, WithMaxResponseSize(16))
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, 200, []byte(`{"id":12345,"token":"glrt-abcdefghijklmnop"}`))
	})
	_, _, err := ts.Client.Runners.Verify(context.Background(), "glrt-abcdefghijklmnop", nil)
	require.ErrorIs(t, err, ErrResponseTooLarge)
	assert.ErrorIs(t, err, ErrInvalidResponse)
	assert.NotContains(t, err.Error(), "glrt-abcdefghijklmnop")
}

// TestHeaderValuesWithControlCharactersAreRefused: CR, LF and NUL in any
// header value fail before sending, naming the field, and are never retried.
func TestHeaderValuesWithControlCharactersAreRefused(t *testing.T) {
	bad := []struct {
		name  string
		value string
	}{{"CR", "a\rb-0123"}, {"LF", "a\nb-0123"}, {"NUL", "a\x00b-0123"}, {"CRLF", "x\r\nX-Injected: 1"}}
	type tcase struct {
		name   string
		field  string
		client []Option
		req    []RequestOption
	}
	var cases []tcase
	for _, b := range bad {
		cases = append(cases,
			tcase{"token/" + b.name, "WithPrivateToken", []Option{WithPrivateToken(b.value)}, nil},
			tcase{"user agent/" + b.name, "WithUserAgent", []Option{WithUserAgent(b.value)}, nil},
			tcase{"sudo/" + b.name, "WithSudo", nil, []RequestOption{WithSudo(b.value)}},
			tcase{"header/" + b.name, "WithHeader", nil, []RequestOption{WithHeader("X-Custom", b.value)}},
			tcase{"job token/" + b.name, "WithJobToken", []Option{WithJobToken(b.value)}, nil},
		)
	}
	cases = append(cases,
		tcase{"header key", "WithHeader", nil, []RequestOption{WithHeader("X-Bad\nKey", "v")}},
		tcase{"oauth token", "WithOAuthToken", []Option{WithOAuthToken("tok\r\nen-0123")}, nil},
	)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`{"id":1}`)) })
			opts := append([]Option{WithRetry(4, time.Millisecond, time.Millisecond)}, tt.client...)
			c, err := NewClient(ts.URL, opts...)
			if err == nil {
				_, _, err = c.Runners.Get(context.Background(), 1, nil, tt.req...)
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.NotContains(t, err.Error(), "\n")
			ts.RequireNoRequests(t)
		})
	}
}

// TestNilContextIsInvalidInput: a nil context is a ValidationError, not a panic.
func TestNilContextIsInvalidInput(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`{"id":1}`)) })
	var ctx context.Context                         // nil
	_, _, err := ts.Client.Runners.Get(ctx, 1, nil) //nolint:staticcheck // the nil context is the point
	require.ErrorIs(t, err, ErrInvalidInput)
	assert.Contains(t, err.Error(), "context must be non-nil")
	_, err = ts.Client.Runners.Delete(ctx, 1) //nolint:staticcheck // the nil context is the point
	require.ErrorIs(t, err, ErrInvalidInput)
	yielded := 0
	for _, err := range ts.Client.Runners.ListAllIter(ctx, nil, WithPagePrefetch(2)) { //nolint:staticcheck // the nil context is the point
		require.ErrorIs(t, err, ErrInvalidInput)
		assert.Contains(t, err.Error(), "context must be non-nil")
		yielded++
	}
	assert.Equal(t, 1, yielded, "the iterator yields the error once")
	ts.RequireNoRequests(t)
}

// TestZeroClientIsInvalidInput: a service without a client (a zero Client's
// services, or a zero service value) fails with ErrInvalidInput instead of panicking.
func TestZeroClientIsInvalidInput(t *testing.T) {
	_, _, err := (&RunnersService{}).Get(context.Background(), 1, nil)
	require.ErrorIs(t, err, ErrInvalidInput)
	assert.Contains(t, err.Error(), "NewClient")
	_, err = (&RunnerControllersService{}).Delete(context.Background(), 1)
	require.ErrorIs(t, err, ErrInvalidInput)
	var zero Client
	_, _, err = doJSON[*Runner](context.Background(), &zero, &request{method: http.MethodGet, path: "runners/1"})
	require.ErrorIs(t, err, ErrInvalidInput)
	// The services of a zero Client are nil pointers: their methods still answer.
	_, _, err = zero.Runners.Get(context.Background(), 1, nil)
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = zero.RunnerControllers.Delete(context.Background(), 1)
	require.ErrorIs(t, err, ErrInvalidInput)
	// So do their iterators, with exactly one error.
	n := 0
	for r, err := range zero.Runners.ListAllIter(context.Background(), nil) {
		require.Nil(t, r)
		require.ErrorIs(t, err, ErrInvalidInput)
		n++
	}
	assert.Equal(t, 1, n)
}

// TestNewClientRefusesOtherAPIVersions: only /api/v4 may end the base URL.
func TestNewClientRefusesOtherAPIVersions(t *testing.T) {
	for _, base := range []string{"https://host/api/v3", "https://host/api/v3/", "https://host/api", "https://host/api/", "https://host/gitlab/api/v5", "https://host/api/graphql"} {
		_, err := NewClient(base)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, base)
		assert.Equal(t, "baseURL", ve.Field)
		assert.Contains(t, ve.Reason, "/api/v4", base)
	}
	for base, want := range map[string]string{
		"https://host/api/v4":         "https://host/api/v4/",
		"https://host/gitlab/api/v4/": "https://host/gitlab/api/v4/",
		"https://host/apis":           "https://host/apis/api/v4/",
	} {
		c, err := NewClient(base)
		require.NoError(t, err, base)
		assert.Equal(t, want, c.BaseURL().String())
	}
}

// TestAttemptsAreReportedForEveryOutcome: whenever an attempt was made the
// *Response is non-nil and carries the attempt count: success, an error
// answer, an undecodable answer and a connection failure.
func TestAttemptsAreReportedForEveryOutcome(t *testing.T) {
	var n atomic.Int32
	ts := newTestServer(t, WithRetry(2, 0, 0))
	ts.Mux.HandleFunc("/api/v4/runners/1", func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		serveJSON(w, 200, []byte(`{"id":1}`))
	})
	ts.Mux.HandleFunc("/api/v4/runners/2", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	ts.Mux.HandleFunc("/api/v4/runners/3", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`{"id":`)) })
	ctx := context.Background()

	_, resp, err := ts.Client.Runners.Get(ctx, 1, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, resp.Attempts)

	_, resp, err = ts.Client.Runners.Get(ctx, 2, nil)
	require.ErrorIs(t, err, ErrServer)
	require.NotNil(t, resp)
	assert.Equal(t, 3, resp.Attempts)

	_, resp, err = ts.Client.Runners.Get(ctx, 3, nil)
	require.ErrorIs(t, err, ErrInvalidResponse)
	require.NotNil(t, resp)
	assert.Equal(t, 1, resp.Attempts)

	c, err := NewClient("http://"+closedAddr(t), WithRetry(2, 0, 0))
	require.NoError(t, err)
	_, resp, err = c.Runners.Get(ctx, 1, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	require.NotNil(t, resp, "a connection failure still reports its attempts")
	assert.Equal(t, 3, resp.Attempts)
	assert.Zero(t, resp.StatusCode, "no answer came")
	assert.Equal(t, 3, re.Attempts)
}

// TestAttemptTimeout: a server that accepts and never answers does not hang
// a call without a deadline: each attempt ends after WithAttemptTimeout, and
// an idempotent method is retried.
func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	var got atomic.Int32
	ts := newTestServer(t, WithRetry(2, 0, 0), WithAttemptTimeout(50*time.Millisecond))
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	_, resp, err := ts.Client.Runners.Get(context.Background(), 1, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Timeout())
	assert.Equal(t, 3, re.Attempts)
	require.NotNil(t, resp)
	assert.Equal(t, 3, resp.Attempts)

	// The same under a context that can be cancelled (another attempt context).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, resp, err = ts.Client.Runners.Get(ctx, 1, nil)
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Timeout())
	assert.Equal(t, 3, resp.Attempts)

	// A POST is not sent again after a timeout: it may have been applied.
	_, _, err = ts.Client.Runners.Create(context.Background(), InstanceRunnerOwner(), nil)
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Timeout())
	assert.Equal(t, 1, re.Attempts)
	assert.EqualValues(t, 7, got.Load())

	for _, d := range []time.Duration{0, -time.Second} {
		_, err := NewClient("https://h", WithAttemptTimeout(d))
		assert.ErrorIs(t, err, ErrInvalidInput)
	}
}

// TestRunnerTokenHeaderWithControlCharactersIsRefused: a runner token that
// travels in a header (DiscoverJobRouter's Runner-Token) is header input like
// any other: CR, LF or NUL in it fails before sending with ErrInvalidInput,
// and nothing is sent or retried.
func TestRunnerTokenHeaderWithControlCharactersIsRefused(t *testing.T) {
	for _, bad := range []string{"glrt-a\rb-0123456789", "glrt-a\nb-0123456789", "glrt-a\x00b-0123456789", "glrt-x\r\nX-Injected: 1"} {
		t.Run(strconv.Quote(bad), func(t *testing.T) {
			clk := newFakeClock(time.Now())
			ts := newTestServer(t, WithRetry(4, time.Second, time.Second), withClock(clk))
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`{"server_url":"wss://kas"}`)) })
			_, resp, err := ts.Client.Runners.DiscoverJobRouter(context.Background(), bad)
			require.ErrorIs(t, err, ErrInvalidInput)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, ve.Field, "Runner-Token")
			assert.NotContains(t, err.Error(), "glrt-")
			assert.Nil(t, resp, "no attempt was made")
			assert.Empty(t, clk.Sleeps(), "nothing was retried")
			ts.RequireNoRequests(t)
		})
	}
}

// TestAttemptTimeoutCoversTheBody: a server that sends the headers of a
// success answer and then trickles (or stops sending) the body cannot hold
// a call either: the attempt timeout runs until the body is read, and the
// GET is retried.
func TestAttemptTimeoutCoversTheBody(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var got atomic.Int32
	ts := newTestServer(t, WithRetry(2, 0, 0), WithAttemptTimeout(50*time.Millisecond))
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"id":1,"description":"`))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	_, resp, err := ts.Client.Runners.Get(context.Background(), 1, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Timeout())
	assert.Equal(t, 3, re.Attempts)
	require.NotNil(t, resp)
	assert.Equal(t, 3, resp.Attempts)
	assert.EqualValues(t, 3, got.Load())
}

// TestNewClientFromEnvNamesTheVariable: a GITLAB_TOKEN with a control
// character (a token file read with its trailing newline, a common slip) is
// refused naming the variable the caller set, and the token is not echoed.
func TestNewClientFromEnvNamesTheVariable(t *testing.T) {
	t.Setenv("GITLAB_URL", "https://gitlab.example.com")
	t.Setenv("CI_SERVER_URL", "")
	t.Setenv("GITLAB_TOKEN", "glpat-from-env-123456\n")
	c, err := NewClientFromEnv()
	assert.Nil(t, c)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "GITLAB_TOKEN", ve.Field)
	assert.NotContains(t, err.Error(), "glpat-from-env")
}

// TestBaseURLOfAnUnusableClient: BaseURL of a nil or zero Client is nil, not
// a panic, like every method of an uninitialised client fails softly.
func TestBaseURLOfAnUnusableClient(t *testing.T) {
	var nilClient *Client
	assert.NotPanics(t, func() { assert.Nil(t, nilClient.BaseURL()) })
	assert.Nil(t, (&Client{}).BaseURL())
	c, err := NewClient("https://gitlab.example.com")
	require.NoError(t, err)
	assert.Equal(t, "https://gitlab.example.com/api/v4/", c.BaseURL().String())
}
