package runnerapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// malformedCall is one SDK method under test, with the route it calls and
// whether it decodes a JSON array or a single object.
type malformedCall struct {
	name    string
	pattern string // ServeMux pattern of the route
	list    bool
	call    func(ctx context.Context, c *Client) (isNil bool, resp *Response, err error)
}

// malformedCalls spans both services, GET and POST, lists and single objects.
var malformedCalls = []malformedCall{
	{"Runners.Get", "GET /api/v4/runners/7", false, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.Runners.Get(ctx, 7, nil)
		return v == nil, r, err
	}},
	{"Runners.List", "GET /api/v4/runners", true, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.Runners.List(ctx, nil)
		return v == nil, r, err
	}},
	{"Runners.ListJobs", "GET /api/v4/runners/7/jobs", true, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.Runners.ListJobs(ctx, 7, nil)
		return v == nil, r, err
	}},
	{"Runners.Update", "PUT /api/v4/runners/7", false, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.Runners.Update(ctx, 7, &UpdateRunnerOptions{Description: Ptr("x")})
		return v == nil, r, err
	}},
	{"Runners.Create", "POST /api/v4/user/runners", false, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.Runners.Create(ctx, InstanceRunnerOwner(), nil)
		return v == nil, r, err
	}},
	{"Runners.ResetAuthenticationToken", "POST /api/v4/runners/7/reset_authentication_token", false, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.Runners.ResetAuthenticationToken(ctx, 7)
		return v == nil, r, err
	}},
	{"RunnerControllers.Get", "GET /api/v4/runner_controllers/1", false, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.RunnerControllers.Get(ctx, 1)
		return v == nil, r, err
	}},
	{"RunnerControllers.ListTokens", "GET /api/v4/runner_controllers/1/tokens", true, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.RunnerControllers.ListTokens(ctx, 1, nil)
		return v == nil, r, err
	}},
	{"RunnerControllers.CreateToken", "POST /api/v4/runner_controllers/1/tokens", false, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.RunnerControllers.CreateToken(ctx, 1, nil)
		return v == nil, r, err
	}},
	{"RunnerControllers.ListScopes", "GET /api/v4/runner_controllers/1/scopes", false, func(ctx context.Context, c *Client) (bool, *Response, error) {
		v, r, err := c.RunnerControllers.ListScopes(ctx, 1)
		return v == nil, r, err
	}},
}

// Kinds of typed failure a malformed answer must produce.
const (
	wantDecode   = "DecodeError"
	wantTooLarge = "DecodeError(ErrResponseTooLarge)"
	wantErrResp  = "ErrorResponse"
)

// malformedMaxSize is the WithMaxResponseSize of the clients in these tests.
const malformedMaxSize = 2048

const nginx502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// TestMalformedAnswers sends every kind of broken answer to every method in
// malformedCalls and checks the typed error, that no value comes back, that
// the Response is still returned, and that nothing panics.
func TestMalformedAnswers(t *testing.T) {
	huge := strings.Repeat("x", 4*malformedMaxSize)
	cases := []struct {
		name        string
		status      int
		contentType string
		body        func(list bool) string
		want        string
		sentinel    error
		onlyList    *bool // nil: every method; else only methods whose list flag matches
	}{
		{name: "truncated JSON", status: 200, contentType: "application/json",
			body: func(list bool) string {
				if list {
					return `[{"id":1,"description":"cut`
				}
				return `{"id":1,"description":"cut`
			}, want: wantDecode, sentinel: ErrInvalidResponse},
		{name: "truncated after a complete element", status: 200, contentType: "application/json",
			body: func(bool) string { return `[{"id":1},` }, want: wantDecode, sentinel: ErrInvalidResponse},
		{name: "HTML page from a proxy with 200", status: 200, contentType: "text/html",
			body: func(bool) string {
				return "<!DOCTYPE html><html><head><title>Sign in</title></head><body>SSO</body></html>"
			}, want: wantDecode, sentinel: ErrInvalidResponse},
		{name: "HTML page from a proxy with 502", status: 502, contentType: "text/html",
			body: func(bool) string { return nginx502 }, want: wantErrResp, sentinel: ErrServer},
		{name: "HTML page from a proxy with 504 and no content type", status: 504, contentType: "",
			body: func(bool) string { return "<html><title>Gateway Timeout</title></html>" }, want: wantErrResp, sentinel: ErrServer},
		{name: "wrong content type with a non-JSON body", status: 200, contentType: "text/plain",
			body: func(bool) string { return "OK" }, want: wantDecode, sentinel: ErrInvalidResponse},
		{name: "array where an object belongs", status: 200, contentType: "application/json",
			body: func(bool) string { return `[{"id":1}]` }, want: wantDecode, sentinel: ErrInvalidResponse, onlyList: Ptr(false)},
		{name: "object where an array belongs", status: 200, contentType: "application/json",
			body: func(bool) string { return `{"id":1}` }, want: wantDecode, sentinel: ErrInvalidResponse, onlyList: Ptr(true)},
		{name: "string where JSON belongs", status: 200, contentType: "application/json",
			body: func(bool) string { return `"hello"` }, want: wantDecode, sentinel: ErrInvalidResponse},
		{name: "number with the wrong type in a field", status: 200, contentType: "application/json",
			body: func(list bool) string {
				if list {
					return `[{"id":"seven"}]`
				}
				return `{"id":{"nested":true},"token":7,"runner_controller_id":[],"instance_level_scopings":7}`
			}, want: wantDecode, sentinel: ErrInvalidResponse},
		{name: "body beyond WithMaxResponseSize", status: 200, contentType: "application/json",
			body: func(list bool) string {
				if list {
					return `[{"description":"` + huge + `"}]`
				}
				return `{"description":"` + huge + `"}`
			}, want: wantTooLarge, sentinel: ErrResponseTooLarge},
		{name: "empty 200 body", status: 200, contentType: "application/json",
			body: func(bool) string { return "" }, want: wantDecode, sentinel: ErrInvalidResponse},
		{name: "whitespace-only 200 body", status: 200, contentType: "application/json",
			body: func(bool) string { return " \r\n\t" }, want: wantDecode, sentinel: ErrInvalidResponse},
		{name: "null where an object belongs", status: 200, contentType: "application/json",
			body: func(bool) string { return "null" }, want: wantDecode, sentinel: ErrInvalidResponse, onlyList: Ptr(false)},
		{name: "JSON error body with a 500", status: 500, contentType: "application/json",
			body: func(bool) string { return `{"message":"500 Internal Server Error"}` }, want: wantErrResp, sentinel: ErrServer},
		{name: "truncated JSON error body with a 400", status: 400, contentType: "application/json",
			body: func(bool) string { return `{"message":{"descr` }, want: wantErrResp, sentinel: ErrBadRequest},
	}
	var panics atomic.Int32
	for _, mc := range malformedCalls {
		for _, tc := range cases {
			if tc.onlyList != nil && *tc.onlyList != mc.list {
				continue
			}
			t.Run(mc.name+"/"+tc.name, func(t *testing.T) {
				ts := newTestServer(t, WithMaxResponseSize(malformedMaxSize))
				body := tc.body(mc.list)
				ts.Mux.HandleFunc(mc.pattern, func(w http.ResponseWriter, _ *http.Request) {
					if tc.contentType != "" {
						w.Header().Set("Content-Type", tc.contentType)
					} else {
						w.Header()["Content-Type"] = nil // no sniffing either
					}
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(body))
				})
				var (
					isNil bool
					resp  *Response
					err   error
				)
				func() {
					defer func() {
						if p := recover(); p != nil {
							panics.Add(1)
							t.Fatalf("panic: %v", p)
						}
					}()
					isNil, resp, err = mc.call(context.Background(), ts.Client)
				}()
				require.Error(t, err)
				assert.True(t, isNil, "no value comes with an error")
				require.NotNil(t, resp, "the Response comes with the error")
				assert.Equal(t, tc.status, resp.StatusCode)
				assert.Equal(t, 1, resp.Attempts)
				require.ErrorIs(t, err, tc.sentinel)
				switch tc.want {
				case wantDecode, wantTooLarge:
					var de *DecodeError
					require.ErrorAs(t, err, &de)
					assert.ErrorIs(t, err, ErrInvalidResponse)
					assert.Equal(t, tc.status, de.StatusCode)
					assert.Equal(t, tc.contentType, de.ContentType)
					if tc.want == wantTooLarge {
						assert.ErrorIs(t, err, ErrResponseTooLarge)
					} else {
						assert.NotErrorIs(t, err, ErrResponseTooLarge)
					}
					var er *ErrorResponse
					assert.False(t, errors.As(err, &er), "a 2xx answer is not an ErrorResponse")
				case wantErrResp:
					var er *ErrorResponse
					require.ErrorAs(t, err, &er)
					assert.Equal(t, tc.status, er.StatusCode)
					assert.NotContains(t, er.Message, "<", "an HTML page is summarised, not pasted")
					assert.LessOrEqual(t, len(er.Body), maxErrorBody)
				}
				assert.NotContains(t, err.Error(), testToken)
				assert.NotContains(t, err.Error(), "\n", "one-line error text")
			})
		}
	}
	assert.Zero(t, panics.Load())
}

// TestMalformedProxyPageMessage checks that the title of a proxy's HTML error
// page becomes the error message.
func TestMalformedProxyPageMessage(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(nginx502))
	})
	_, _, err := ts.Client.Runners.Get(context.Background(), 7, nil)
	var er *ErrorResponse
	require.ErrorAs(t, err, &er)
	assert.Equal(t, "502 Bad Gateway", er.Message)
	assert.Equal(t, fmt.Sprintf("runnerapi: GET %s/api/v4/runners/7: 502 Bad Gateway", ts.URL), er.Error())
}

// TestValidJSONWithWrongContentTypeIsAccepted documents the tolerant side:
// a well-formed body labelled text/plain (some proxies rewrite the type) is
// decoded, because the shape, not the label, decides.
func TestValidJSONWithWrongContentTypeIsAccepted(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(`{"id":7,"description":"ok"}`))
	})
	r, _, err := ts.Client.Runners.Get(context.Background(), 7, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(7), r.ID)
}

// TestHugeBodiesAreReadBounded checks that neither a huge success body nor a
// huge error body is read whole: the server manages to write only a small
// part of a 64 MiB answer before the client closes the connection.
func TestHugeBodiesAreReadBounded(t *testing.T) {
	const total = 64 << 20
	for _, status := range []int{http.StatusOK, http.StatusBadGateway} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ts := newTestServer(t, WithMaxResponseSize(1<<20))
			var written atomic.Int64
			ts.Mux.HandleFunc("GET /api/v4/runners", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", fmt.Sprint(total))
				w.WriteHeader(status)
				chunk := []byte(strings.Repeat(" ", 64<<10))
				chunk[0] = '['
				for written.Load() < total {
					n, err := w.Write(chunk)
					written.Add(int64(n))
					if err != nil {
						return
					}
					chunk[0] = ' '
				}
			})
			_, _, err := ts.Client.Runners.List(context.Background(), nil)
			require.Error(t, err)
			if status == http.StatusOK {
				require.ErrorIs(t, err, ErrResponseTooLarge)
			} else {
				var er *ErrorResponse
				require.ErrorAs(t, err, &er)
				assert.LessOrEqual(t, len(er.Body), maxErrorBody)
			}
			ts.Close() // waits for the handler, which stops when the client is gone
			assert.Less(t, written.Load(), int64(total/2), "the client must stop reading, not drain the body")
			t.Logf("server wrote %d of %d bytes", written.Load(), total)
		})
	}
}

// TestVerifyAcceptsOnlyTheKnownAnswers: Runners.Verify counts a token as
// valid only for 200, "200", an empty 200 body (old servers) or the JSON
// object of new servers; an SSO login page, "OK", null or anything else is a
// DecodeError, not a confirmed token.
func TestVerifyAcceptsOnlyTheKnownAnswers(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		ok          bool
		legacy      bool
	}{
		{"bare 200", 200, "text/plain", "200", true, true},
		{"bare 200 with newline", 200, "application/json", "200\n", true, true},
		{"quoted 200", 200, "application/json", `"200"`, true, true},
		{"empty 200", 200, "", "", true, true},
		{"JSON object", 200, "application/json", `{"id":3,"token":"glrt-verified-token-123","token_expires_at":null}`, true, false},
		{"JSON object with 201", 201, "application/json", `{"id":3,"token":"glrt-verified-token-123"}`, true, false},
		{"SSO login page", 200, "text/html", "<!DOCTYPE html><html><title>Sign in</title></html>", false, false},
		{"OK", 200, "text/plain", "OK", false, false},
		{"null", 200, "application/json", "null", false, false},
		{"empty 201", 201, "", "", false, false},
		{"empty 204", 204, "", "", false, false},
		{"other number", 200, "application/json", "201", false, false},
		{"array", 200, "application/json", `[{"id":3}]`, false, false},
		{"truncated object", 200, "application/json", `{"id":3,`, false, false},
		{"object with trailing data", 200, "application/json", `{"id":3} {}`, false, false},
		{"true", 200, "application/json", "true", false, false},
		{"empty object", 200, "application/json", "{}", false, false},
		{"object of a proxy", 200, "application/json", `{"message":"sign in"}`, false, false},
		{"object with id 0", 200, "application/json", `{"id":0,"token":"glrt-verified-token-123"}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("POST /api/v4/runners/verify", func(w http.ResponseWriter, _ *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				} else {
					w.Header()["Content-Type"] = nil
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			v, resp, err := ts.Client.Runners.Verify(context.Background(), "glrt-runner-token-0123456789", nil)
			require.NotNil(t, resp)
			if !tt.ok {
				var de *DecodeError
				require.ErrorAs(t, err, &de)
				assert.Nil(t, v)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.legacy, v.Legacy)
		})
	}
}
