package runnerapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allSentinels lists every status sentinel, to prove an error matches exactly one.
var allSentinels = []error{
	ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrMethodNotAllowed, ErrConflict,
	ErrGone, ErrPreconditionFailed, ErrUnprocessable, ErrRateLimited, ErrServer,
}

// TestErrorResponseShapes maps each GitLab error body shape (server-semantics §4.1)
// and status to its sentinel and to the parsed Message, Fields and Code.
func TestErrorResponseShapes(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		sentinel    error
		message     string
		fields      map[string][]string
		code        string
		// errText is what Error() must end with after "GET <url>: ".
		errText string
	}{
		{
			name: "message string 400 bad request", status: 400, body: `{"message":"400 Bad request - runner_type is invalid"}`,
			sentinel: ErrBadRequest, message: "400 Bad request - runner_type is invalid",
			errText: "400 Bad request - runner_type is invalid",
		},
		{
			name: "field validation 400", status: 400,
			body:     `{"message":{"maximum_timeout":["needs to be at least 10 minutes"]}}`,
			sentinel: ErrBadRequest, message: "maximum_timeout needs to be at least 10 minutes",
			fields:  map[string][]string{"maximum_timeout": {"needs to be at least 10 minutes"}},
			errText: "400 maximum_timeout needs to be at least 10 minutes",
		},
		{
			name: "several field validations 400", status: 400,
			body: `{"message":{"tags_list":["can not be empty when runner is not allowed to pick untagged jobs"],` +
				`"description":["is too long (maximum is 1024 characters)","is invalid"]}}`,
			sentinel: ErrBadRequest,
			message: "description is too long (maximum is 1024 characters), description is invalid, " +
				"tags_list can not be empty when runner is not allowed to pick untagged jobs",
			fields: map[string][]string{
				"description": {"is too long (maximum is 1024 characters)", "is invalid"},
				"tags_list":   {"can not be empty when runner is not allowed to pick untagged jobs"},
			},
			errText: "400 description is too long (maximum is 1024 characters), description is invalid, " +
				"tags_list can not be empty when runner is not allowed to pick untagged jobs",
		},
		{
			name: "base validation 400", status: 400, body: `{"message":{"base":["Runner is orphaned"]}}`,
			sentinel: ErrBadRequest, message: "Runner is orphaned", fields: map[string][]string{"base": {"Runner is orphaned"}},
			errText: "400 Runner is orphaned",
		},
		{
			name: "grape error 400", status: 400, body: `{"error":"active, paused are mutually exclusive"}`,
			sentinel: ErrBadRequest, message: "active, paused are mutually exclusive",
			errText: "400 active, paused are mutually exclusive",
		},
		{
			name: "message list 400", status: 400, body: `{"message":["first problem","second problem"]}`,
			sentinel: ErrBadRequest, message: "first problem, second problem", errText: "400 first problem, second problem",
		},
		{
			name: "unauthorized 401", status: 401, body: `{"message":"401 Unauthorized"}`,
			sentinel: ErrUnauthorized, message: "401 Unauthorized", errText: "401 Unauthorized",
		},
		{
			name: "oauth expired 401", status: 401,
			body:     `{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}`,
			sentinel: ErrUnauthorized, message: "Token is expired. You can either do re-authorization or token refresh.",
			code:    "invalid_token",
			errText: "401 invalid_token: Token is expired. You can either do re-authorization or token refresh.",
		},
		{
			name: "oauth insufficient scope 403", status: 403,
			body:     `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api"}`,
			sentinel: ErrForbidden, message: "The request requires higher privileges than provided by the access token.",
			code:    "insufficient_scope",
			errText: "403 insufficient_scope: The request requires higher privileges than provided by the access token.",
		},
		{
			name: "forbidden with reason 403", status: 403, body: `{"message":"403 Forbidden - Runner is locked"}`,
			sentinel: ErrForbidden, message: "403 Forbidden - Runner is locked", errText: "403 Forbidden - Runner is locked",
		},
		{
			name: "runner not found 404", status: 404, body: `{"message":"404 Runner Not Found"}`,
			sentinel: ErrNotFound, message: "404 Runner Not Found", errText: "404 Runner Not Found",
		},
		{
			name: "record not found lowercase 404", status: 404, body: `{"message":"404 Not found"}`,
			sentinel: ErrNotFound, message: "404 Not found", errText: "404 Not found",
		},
		{
			name: "unknown route 404", status: 404, body: `{"error":"404 Not Found"}`,
			sentinel: ErrNotFound, message: "404 Not Found", errText: "404 Not Found",
		},
		{
			name: "manager not found 404", status: 404, body: `{"message":"404 Runner manager not found Not Found"}`,
			sentinel: ErrNotFound, message: "404 Runner manager not found Not Found", errText: "404 Runner manager not found Not Found",
		},
		{
			name: "keyset unsupported 405", status: 405, body: `{"error":"Keyset pagination is not yet available for this type of request"}`,
			sentinel: ErrMethodNotAllowed, message: "Keyset pagination is not yet available for this type of request",
			errText: "405 Keyset pagination is not yet available for this type of request",
		},
		{
			name: "conflict 409", status: 409, body: `{"message":"409 Conflict: Resource lock"}`,
			sentinel: ErrConflict, message: "409 Conflict: Resource lock", errText: "409 Conflict: Resource lock",
		},
		{
			name: "gone 410", status: 410, body: `{"message":"410 Gone - runner registration disallowed"}`,
			sentinel: ErrGone, message: "410 Gone - runner registration disallowed", errText: "410 Gone - runner registration disallowed",
		},
		{
			name: "precondition 412", status: 412, body: `{"message":"412 Precondition Failed"}`,
			sentinel: ErrPreconditionFailed, message: "412 Precondition Failed", errText: "412 Precondition Failed",
		},
		{
			name: "unprocessable raw error 422", status: 422, body: `{"error":"Failed to reset token"}`,
			sentinel: ErrUnprocessable, message: "Failed to reset token", errText: "422 Failed to reset token",
		},
		{
			name: "application rate limit 429", status: 429,
			body:     `{"message":{"error":"This endpoint has been requested too many times. Try again later."}}`,
			sentinel: ErrRateLimited, message: "This endpoint has been requested too many times. Try again later.",
			errText: "429 This endpoint has been requested too many times. Try again later.",
		},
		{
			name: "rack attack plain text 429", status: 429, contentType: "text/plain", body: "Retry later\n",
			sentinel: ErrRateLimited, message: "Retry later", errText: "429 Retry later",
		},
		{
			name: "html proxy page 502", status: 502, contentType: "text/html",
			body:     "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
			sentinel: ErrServer, message: "502 Bad Gateway", errText: "502 Bad Gateway",
		},
		{
			name: "html page without title 503", status: 503, contentType: "text/html; charset=utf-8",
			body:     "<html><body><h1>Service Unavailable</h1></body></html>",
			sentinel: ErrServer, message: "", errText: "503 Service Unavailable",
		},
		{
			name: "empty body 500", status: 500, body: "", sentinel: ErrServer, message: "",
			errText: "500 Internal Server Error",
		},
		{
			name: "empty body unknown 5xx", status: 520, body: "", sentinel: ErrServer, message: "", errText: "520",
		},
		{
			name: "json message 503", status: 503, body: `{"message":"Executing database migrations. Please retry later."}`,
			sentinel: ErrServer, message: "Executing database migrations. Please retry later.",
			errText: "503 Executing database migrations. Please retry later.",
		},
		{
			name: "job router 501", status: 501, body: `{"message":"Job Router is not available. Please contact your administrator."}`,
			sentinel: ErrServer, message: "Job Router is not available. Please contact your administrator.",
			errText: "501 Job Router is not available. Please contact your administrator.",
		},
		{
			name: "nested field messages 400", status: 400, body: `{"message":{"runner":{"token":["is invalid"]}}}`,
			sentinel: ErrBadRequest, message: "runner token is invalid",
			fields: map[string][]string{"runner": {"token is invalid"}}, errText: "400 runner token is invalid",
		},
		{
			name: "numeric message 400", status: 400, body: `{"message":42}`,
			sentinel: ErrBadRequest, message: "42", errText: "400 42",
		},
		{
			name: "status without sentinel 418", status: 418, body: `{"message":"short and stout"}`,
			sentinel: nil, message: "short and stout", errText: "418 short and stout",
		},
		{
			name: "truncated json falls back to text", status: 400, body: `{"message":"cut off`,
			sentinel: ErrBadRequest, message: `{"message":"cut off`, errText: `400 {"message":"cut off`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				ct := tc.contentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, resp, err := ts.Client.Runners.Get(context.Background(), 6, nil)
			require.Error(t, err)
			for _, s := range allSentinels {
				if s == tc.sentinel {
					assert.ErrorIs(t, err, s)
				} else {
					assert.NotErrorIs(t, err, s)
				}
			}
			assert.NotErrorIs(t, err, ErrInvalidInput)
			assert.NotErrorIs(t, err, ErrInvalidResponse)

			var e *ErrorResponse
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.status, e.StatusCode)
			assert.Equal(t, http.MethodGet, e.Method)
			assert.Equal(t, ts.URL+"/api/v4/runners/6", e.URL)
			assert.Equal(t, tc.message, e.Message)
			assert.Equal(t, tc.fields, e.Fields)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.body, string(e.Body))
			require.NotNil(t, e.Response)
			assert.Equal(t, tc.status, e.Response.StatusCode)
			assert.Equal(t, "runnerapi: GET "+ts.URL+"/api/v4/runners/6: "+tc.errText, err.Error())

			require.NotNil(t, resp, "the Response is returned with the error")
			assert.Equal(t, tc.status, resp.StatusCode)
		})
	}
}

// TestErrorNotFoundAcceptance is the acceptance check, word for word.
func TestErrorNotFoundAcceptance(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("GET /api/v4/runners/{id}", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusNotFound, []byte(`{"message":"404 Runner Not Found"}`))
	})
	_, _, e := ts.Client.Runners.Get(context.Background(), 999, nil)
	require.Error(t, e)
	assert.True(t, errors.Is(e, ErrNotFound))
	assert.Contains(t, e.Error(), "404 Runner Not Found")
}

func TestErrorRetryAfterIsReported(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("Retry later\n"))
	})
	_, _, err := ts.Client.Runners.List(context.Background(), nil)
	var e *ErrorResponse
	require.ErrorAs(t, err, &e)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, 60, int(e.RetryAfter.Seconds()))
	assert.Contains(t, err.Error(), "Retry later (retry after 1m0s)")
}

func TestErrorBodyIsCappedAt64KiB(t *testing.T) {
	ts := newTestServer(t)
	big := `{"message":"` + strings.Repeat("x", 100<<10) + `"}`
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusBadRequest, []byte(big))
	})
	_, _, err := ts.Client.Runners.List(context.Background(), nil)
	var e *ErrorResponse
	require.ErrorAs(t, err, &e)
	assert.Len(t, e.Body, 64<<10, "the body is kept up to 64 KiB")
	assert.Equal(t, big[:64<<10], string(e.Body))
	assert.ErrorIs(t, err, ErrBadRequest)
	assert.LessOrEqual(t, len(err.Error()), 512, "the message is summarised, not copied whole")
}

func TestErrorBodyOfExactly64KiBIsKeptWhole(t *testing.T) {
	ts := newTestServer(t)
	body := strings.Repeat("y", 64<<10)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(body))
	})
	_, _, err := ts.Client.Runners.List(context.Background(), nil)
	var e *ErrorResponse
	require.ErrorAs(t, err, &e)
	assert.Equal(t, body, string(e.Body))
}

func TestErrorURLIsSanitised(t *testing.T) {
	ts := newTestServer(t)
	// A hostile or misconfigured server redirects to a URL that carries credentials.
	ts.Mux.HandleFunc("GET /api/v4/runners/6", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/v4/elsewhere?private_token="+url.QueryEscape(testToken)+
			"&job_token=job-secret-value&page=2&note="+url.QueryEscape(testToken), http.StatusFound)
	})
	ts.Mux.HandleFunc("GET /api/v4/elsewhere", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusNotFound, []byte(`{"message":"404 Not Found"}`))
	})
	_, _, err := ts.Client.Runners.Get(context.Background(), 6, nil)
	var e *ErrorResponse
	require.ErrorAs(t, err, &e)
	assert.NotContains(t, e.URL, testToken)
	assert.NotContains(t, e.URL, "job-secret-value")
	u, perr := url.Parse(e.URL)
	require.NoError(t, perr)
	assert.Equal(t, "/api/v4/elsewhere", u.Path)
	assert.Equal(t, redacted, u.Query().Get("private_token"))
	assert.Equal(t, redacted, u.Query().Get("job_token"))
	assert.Equal(t, redacted, u.Query().Get("note"), "a known secret is redacted under any parameter name")
	assert.Equal(t, "2", u.Query().Get("page"), "ordinary parameters stay readable")
	assert.NotContains(t, err.Error(), testToken)
	assert.NotContains(t, err.Error(), "job-secret-value")
}

func TestSanitizeURL(t *testing.T) {
	secret := "s3cr3t-legacy-token"
	for _, tc := range []struct {
		in, want string
	}{
		{"https://gitlab.example.com/api/v4/runners?page=2", "https://gitlab.example.com/api/v4/runners?page=2"},
		{"https://user:pass@gitlab.example.com/api/v4/runners", "https://gitlab.example.com/api/v4/runners"},
		{"https://gitlab.example.com/api/v4/runners?private_token=abc123456", "https://gitlab.example.com/api/v4/runners?private_token=%5BREDACTED%5D"},
		{"https://gitlab.example.com/api/v4/runners?TOKEN=abc123456&page=1", "https://gitlab.example.com/api/v4/runners?TOKEN=%5BREDACTED%5D&page=1"},
		{"https://gitlab.example.com/api/v4/x/" + secret, "https://gitlab.example.com/api/v4/x/[REDACTED]"},
		{"https://gitlab.example.com/api/v4/x/glpat-abcdefgh12345678", "https://gitlab.example.com/api/v4/x/[REDACTED]"},
	} {
		u, err := url.Parse(tc.in)
		require.NoError(t, err)
		assert.Equal(t, tc.want, sanitizeURL(u, []string{secret}), tc.in)
	}
	assert.Equal(t, "", sanitizeURL(nil, nil))
}

func TestRedactTokenShapes(t *testing.T) {
	for _, tok := range []string{
		"glpat-AbCdEfGh12345678", "glrt-t1_AbCdEfGh12345678", "glrt-AbCdEfGh1234", "glrct-AbCdEfGh12345678",
		"gldt-AbCdEfGh12345678", "glptt-0123456789abcdef", "GR1348941AbCdEfGh1234", "glimt-abcdefgh12345",
	} {
		out := redact("token was "+tok+" here", nil)
		assert.NotContains(t, out, tok)
		assert.Equal(t, "token was [REDACTED] here", out)
	}
	assert.Equal(t, "a glrt- prefix alone is fine", redact("a glrt- prefix alone is fine", nil))
	assert.Equal(t, "x [REDACTED] y [REDACTED]", redact("x abcd y abcd", []string{"abcd"}))
	assert.Equal(t, "short abc stays", redact("short abc stays", []string{"abc"}), "secrets under 4 bytes are not searched for")
	assert.Equal(t, "q=[REDACTED]", redact("q=a%2Bb%2Fcdef", []string{"a+b/cdef"}), "the query-escaped form is redacted too")
}

// requireNoSecret fails if any rendering of err, or the ErrorResponse's parsed
// parts, contain one of the secrets.
func requireNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	require.Error(t, err)
	for _, s := range errorStrings(err) {
		for _, sec := range secrets {
			require.NotContains(t, s, sec)
		}
	}
	var e *ErrorResponse
	if errors.As(err, &e) {
		parts := []string{e.Message, e.URL, e.Code, string(e.Body), fmt.Sprint(e.Fields)}
		for _, p := range parts {
			for _, sec := range secrets {
				require.NotContains(t, p, sec)
			}
		}
	}
}

// TestErrorsNeverContainTokens sends runner tokens as request parameters to a
// hostile server that echoes them back in every error shape it can.
func TestErrorsNeverContainTokens(t *testing.T) {
	// A legacy runner token has no recognisable prefix, so only knowing the
	// request's secrets can redact it.
	const legacy = "6337ff461c94fd3fa32ba3b1ff4125"
	const regToken = "GR1348941zYxWvUtSrQpOnMl"
	const glrt = "glrt-t1_HostileEcho0123456789"

	echoes := map[string]func(tok string) (int, string, string){
		"message string": func(tok string) (int, string, string) {
			return 403, "application/json", `{"message":"403 Forbidden - invalid token ` + tok + ` supplied"}`
		},
		"message fields": func(tok string) (int, string, string) {
			return 400, "application/json", `{"message":{"token":["` + tok + ` is invalid"],"` + tok + `":["key echo"]}}`
		},
		"nested error": func(tok string) (int, string, string) {
			return 429, "application/json", `{"message":{"error":"too many requests for ` + tok + `"}}`
		},
		"grape error": func(tok string) (int, string, string) {
			return 400, "application/json", `{"error":"token ` + tok + ` does not have a valid value"}`
		},
		"oauth": func(tok string) (int, string, string) {
			return 401, "application/json", `{"error":"` + tok + `","error_description":"bad token ` + tok + `"}`
		},
		"plain text": func(tok string) (int, string, string) {
			return 503, "text/plain", "Retry later, " + tok + "\n"
		},
		"html": func(tok string) (int, string, string) {
			return 502, "text/html", "<html><head><title>Bad gateway for " + tok + "</title></head></html>"
		},
	}
	calls := map[string]func(ctx context.Context, r *RunnersService, tok string) error{
		"Register": func(ctx context.Context, r *RunnersService, tok string) error {
			_, _, err := r.Register(ctx, tok, nil)
			return err
		},
		"Verify": func(ctx context.Context, r *RunnersService, tok string) error {
			_, _, err := r.Verify(ctx, tok, nil)
			return err
		},
		"DeleteByToken": func(ctx context.Context, r *RunnersService, tok string) error {
			_, err := r.DeleteByToken(ctx, tok)
			return err
		},
		"DeleteManager": func(ctx context.Context, r *RunnersService, tok string) error {
			_, err := r.DeleteManager(ctx, tok, "s_1")
			return err
		},
		"ResetAuthenticationTokenWithToken": func(ctx context.Context, r *RunnersService, tok string) error {
			_, _, err := r.ResetAuthenticationTokenWithToken(ctx, tok)
			return err
		},
	}
	for callName, call := range calls {
		for _, tok := range []string{legacy, regToken, glrt} {
			for echoName, echo := range echoes {
				t.Run(callName+"/"+echoName+"/"+tok[:4], func(t *testing.T) {
					ts := newTestServer(t)
					status, ct, body := echo(tok)
					ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
						w.Header().Set("Content-Type", ct)
						w.WriteHeader(status)
						_, _ = w.Write([]byte(body))
					})
					err := call(context.Background(), ts.Client.Runners, tok)
					requireNoSecret(t, err, tok, testToken)
					assert.Contains(t, err.Error(), redacted, "the echoed token is replaced, not dropped silently")
				})
			}
		}
	}
}

func TestErrorsNeverContainTheClientToken(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusUnauthorized, []byte(`{"message":"401 Unauthorized: `+r.Header.Get("PRIVATE-TOKEN")+`"}`))
	})
	_, _, err := ts.Client.Runners.List(context.Background(), nil)
	assert.ErrorIs(t, err, ErrUnauthorized)
	requireNoSecret(t, err, testToken)
}

func TestErrorsRedactTokenShapedStringsFromServer(t *testing.T) {
	// The server mentions a token this request never carried: it is still redacted by its shape.
	const other = "glrt-t3_SomeOtherRunnersToken42"
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusConflict, []byte(`{"message":{"token":["`+other+` already taken"]}}`))
	})
	_, _, err := ts.Client.Runners.Get(context.Background(), 6, nil)
	assert.ErrorIs(t, err, ErrConflict)
	requireNoSecret(t, err, other)
	var e *ErrorResponse
	require.ErrorAs(t, err, &e)
	assert.Equal(t, map[string][]string{"token": {redacted + " already taken"}}, e.Fields)
}

func TestRequestErrorNeverContainsTokens(t *testing.T) {
	ts := newTestServer(t)
	ts.Close() // nothing listens any more: the request fails in the transport
	_, _, err := ts.Client.Runners.Verify(context.Background(), "6337ff461c94fd3fa32ba3b1ff4125", nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	requireNoSecret(t, err, "6337ff461c94fd3fa32ba3b1ff4125", testToken)
	assert.Equal(t, http.MethodPost, re.Method)
	assert.Equal(t, ts.URL+"/api/v4/runners/verify", re.URL)
	assert.Equal(t, 1, re.Attempts)
	assert.NotErrorIs(t, err, ErrServer)
	assert.False(t, re.Timeout())
	assert.NotNil(t, errors.Unwrap(err))
}

func TestRequestErrorUnwrapsContextCancellation(t *testing.T) {
	ts := newTestServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := ts.Client.Runners.List(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "context canceled")
	ts.RequireNoRequests(t)
}

func TestValidationErrorText(t *testing.T) {
	e := &ValidationError{Field: "id", Reason: "must be a positive integer, got 0"}
	assert.Equal(t, "runnerapi: invalid id: must be a positive integer, got 0", e.Error())
	assert.ErrorIs(t, e, ErrInvalidInput)
	assert.NotErrorIs(t, e, ErrInvalidResponse)
}

func TestDecodeErrorText(t *testing.T) {
	e := &DecodeError{Method: "GET", URL: "https://h/api/v4/runners", StatusCode: 200, ContentType: "text/html", Err: errors.New("boom")}
	assert.Equal(t, "runnerapi: GET https://h/api/v4/runners: decoding 200 answer (text/html): boom", e.Error())
	assert.ErrorIs(t, e, ErrInvalidResponse)
	assert.NotErrorIs(t, e, ErrInvalidInput)
}

// TestErrorsNeverContainPartOfAToken covers the places where an error body is
// cut: the one-line summary of a text body and the 64 KiB body cap. A token
// straddling the cut must not survive in part.
func TestErrorsNeverContainPartOfAToken(t *testing.T) {
	const tok = "6337ff461c94fd3fa32ba3b1ff4125"
	head := tok[:10]
	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"text summary cut", "text/plain", strings.Repeat("x", 180) + " " + tok + " rejected"},
		{"html title cut", "text/html", "<title>" + strings.Repeat("y", 175) + " " + tok + "</title>"},
		{"body cap cut", "text/plain", strings.Repeat("z", 64<<10-20) + tok},
		{"json-escaped token", "application/json", `{"message":"bad \u0036337ff461c94fd3fa32ba3b1ff4125"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := ts.Client.Runners.DeleteByToken(context.Background(), tok)
			require.ErrorIs(t, err, ErrForbidden)
			requireNoSecret(t, err, tok, head)
		})
	}
}

// TestErrorsShareOneFormat: every error that came from a call reads
// "runnerapi: METHOD URL: ... (after N attempts)".
func TestErrorsShareOneFormat(t *testing.T) {
	ts := newTestServer(t, WithRetry(2, 0, 0))
	ts.Mux.HandleFunc("/api/v4/runners/1", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusServiceUnavailable, []byte(`{"message":"try later"}`))
	})
	ts.Mux.HandleFunc("/api/v4/runners/2", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusNotFound, []byte(`{"message":"404 Runner Not Found"}`))
	})
	_, _, err := ts.Client.Runners.Get(context.Background(), 1, nil)
	require.ErrorIs(t, err, ErrServer)
	assert.Equal(t, "runnerapi: GET "+ts.URL+"/api/v4/runners/1: 503 try later (after 3 attempts)", err.Error())
	_, _, err = ts.Client.Runners.Get(context.Background(), 2, nil)
	assert.Equal(t, "runnerapi: GET "+ts.URL+"/api/v4/runners/2: 404 Runner Not Found", err.Error())
	de := &DecodeError{Method: "GET", URL: "u", StatusCode: 200, ContentType: "text/html", Err: errors.New("bad"), Attempts: 2}
	assert.Equal(t, "runnerapi: GET u: decoding 200 answer (text/html): bad (after 2 attempts)", de.Error())
}

// TestControlCharactersNeverReachErrorStrings: newlines, carriage returns
// and ANSI escapes in a server's message cannot forge log lines.
func TestControlCharactersNeverReachErrorStrings(t *testing.T) {
	bodies := map[string]string{
		"json newline": `{"message":"line one\nFAKE LOG: admin logged in"}`,
		"json crlf":    `{"message":"a\r\nb","error":"x"}`,
		"json ansi":    `{"message":"\u001b[31mred\u001b[0m \u0007 \u0085 \u2028"}`,
		"json fields":  `{"message":{"name\n":["bad\r\nvalue"]}}`,
		"oauth":        `{"error":"invalid\ntoken","error_description":"see\r\nhere\u001b]0;x\u0007"}`,
		"text":         "plain\r\nFAKE LOG\x1b[2J",
		"html":         "<html><title>Bad\nGateway\x1b[0m</title></html>",
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(body))
			})
			_, _, err := ts.Client.Runners.Get(context.Background(), 1, nil)
			var er *ErrorResponse
			require.ErrorAs(t, err, &er)
			for _, s := range append(errorStrings(err), er.Message, er.Code, fmt.Sprint(er.Fields)) {
				for _, c := range s {
					assert.False(t, c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029,
						"control character %U in %q", c, s)
				}
			}
		})
	}
	de := &DecodeError{Method: "GET", URL: "u", ContentType: "a\nb", Err: errors.New("x\ny")}
	assert.NotContains(t, de.Error(), "\n")
	re := &RequestError{Method: "GET", URL: "u", Err: errors.New("x\ny")}
	assert.NotContains(t, re.Error(), "\n")
}

// TestDeepErrorBodyIsParsedInLinearTime: a 60 KB error body nested 9,990
// deep (under the 64 KiB cap) is parsed with a bounded amount of work, and
// the message stays capped.
func TestDeepErrorBodyIsParsedInLinearTime(t *testing.T) {
	const depth = 9990
	deep := []byte(strings.Repeat(`{"a":`, depth) + `"x"` + strings.Repeat("}", depth))
	arrays := []byte(`{"message":` + strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000) + `}`)
	wide := []byte(`{"message":{` + strings.Repeat(`"k":["v"],`, 6000) + `"z":"y"}}`)
	for name, body := range map[string][]byte{"objects": append([]byte(`{"message":`), append(deep, '}')...), "arrays": arrays, "wide": wide} {
		var msg string
		allocs := testing.AllocsPerRun(1, func() { msg, _, _ = parseErrorBody(body, "application/json") })
		assert.Less(t, allocs, float64(len(body)), "%s: allocations grow at most linearly", name)
		assert.LessOrEqual(t, len(msg), maxMessageLen+len("…"), name)
	}

	// Nesting beyond maxMessageDepth is cut with "…", not walked.
	nested := []byte(`{"message":{"k":` + strings.Repeat(`{"a":`, 3*maxMessageDepth) + `"end"` + strings.Repeat("}", 3*maxMessageDepth) + `}}`)
	msg, _, _ := parseErrorBody(nested, "application/json")
	assert.True(t, strings.HasSuffix(msg, "…"), msg)
	assert.NotContains(t, msg, "end")
	assert.LessOrEqual(t, strings.Count(msg, "a "), maxMessageDepth+1, msg)
}

// TestEveryErrorTypeIsOneLineInEveryVerb: whatever its fields hold (they are
// exported, and several come from the server), every error type prints
// without control characters, and without a token-shaped string where it
// carries server text, for every fmt verb, as a pointer and as a value.
func TestEveryErrorTypeIsOneLineInEveryVerb(t *testing.T) {
	const dirty = "a\nb\r\nc\x1b[31md\x00e\u2028f"
	const tok = "glpat-abcdefghij0123456789"
	errs := map[string]error{
		"ErrorResponse":   &ErrorResponse{StatusCode: 400, Method: "GET\n", URL: "u\n" + tok, Message: dirty + tok, Code: dirty, Attempts: 2},
		"DecodeError":     &DecodeError{Method: "GET\n", URL: "u\r" + tok, StatusCode: 200, ContentType: dirty, Attempts: 2, Err: errors.New(dirty + tok)},
		"RequestError":    &RequestError{Method: "GET\n", URL: "u\r" + tok, Attempts: 2, Err: errors.New(dirty + tok)},
		"RedirectError":   &RedirectError{StatusCode: 302, Method: "DELETE\n", Location: dirty + tok, Reason: dirty},
		"ValidationError": &ValidationError{Field: dirty, Reason: dirty},
	}
	for name, err := range errs {
		t.Run(name, func(t *testing.T) {
			for _, s := range errorStrings(err) {
				for _, c := range s {
					require.False(t, c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029,
						"control character %U in %q", c, s)
				}
				if name != "ValidationError" {
					require.NotContains(t, s, tok)
				}
			}
		})
	}
}
