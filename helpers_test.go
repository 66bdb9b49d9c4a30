package runnerapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// testToken is the private token every test client sends.
const testToken = "glpat-test-token-0123456789"

// testServer is an httptest server with a mux and a Client pointed at it.
// It records every request that reaches it, so tests can prove what was (or
// was not) sent.
type testServer struct {
	*httptest.Server
	Mux    *http.ServeMux
	Client *Client

	mu       sync.Mutex
	requests []recordedRequest
}

// recordedRequest is what the test server saw of one request.
type recordedRequest struct {
	Method  string
	Path    string // escaped path, e.g. /api/v4/projects/group%2Fproject/runners
	Query   string
	Header  http.Header
	Body    []byte
	Handled bool
}

// newTestServer starts a server and a client with a private token and no
// retries (add options to change either).
func newTestServer(t *testing.T, opts ...Option) *testServer {
	t.Helper()
	ts := &testServer{Mux: http.NewServeMux()}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := recordedRequest{
			Method: r.Method,
			Path:   r.URL.EscapedPath(),
			Query:  r.URL.RawQuery,
			Header: r.Header.Clone(),
			Body:   body,
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		_, pattern := ts.Mux.Handler(r)
		rec.Handled = pattern != ""
		ts.mu.Lock()
		ts.requests = append(ts.requests, rec)
		ts.mu.Unlock()
		ts.Mux.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	all := append([]Option{WithPrivateToken(testToken), WithoutRetries()}, opts...)
	c, err := NewClient(ts.URL, all...)
	require.NoError(t, err)
	ts.Client = c
	return ts
}

// Requests returns a copy of the requests seen so far.
func (ts *testServer) Requests() []recordedRequest {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]recordedRequest(nil), ts.requests...)
}

// RequireNoRequests fails the test if anything reached the server.
func (ts *testServer) RequireNoRequests(t *testing.T) {
	t.Helper()
	require.Empty(t, ts.Requests(), "no request may reach the server")
}

// LastRequest returns the most recent request, failing the test if there is none.
func (ts *testServer) LastRequest(t *testing.T) recordedRequest {
	t.Helper()
	reqs := ts.Requests()
	require.NotEmpty(t, reqs, "expected a request to reach the server")
	return reqs[len(reqs)-1]
}

// fixture reads testdata/<name>.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// serveFixture answers every request with status and testdata/<name> as
// JSON ("" for no body), plus the extra headers.
func serveFixture(t *testing.T, ts *testServer, status int, name string, header http.Header) {
	t.Helper()
	var body []byte
	if name != "" {
		body = fixture(t, name)
	}
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		for k, vs := range header {
			w.Header()[k] = vs
		}
		if body == nil {
			w.WriteHeader(status)
			return
		}
		serveJSON(w, status, body)
	})
}

// serveJSON answers with status and body as application/json.
func serveJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// requireJSONEq compares a request body with the expected JSON document.
func requireJSONEq(t *testing.T, want string, got []byte) {
	t.Helper()
	require.True(t, json.Valid(got), "body is not JSON: %q", got)
	require.JSONEq(t, want, string(got))
}
