package runnerapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedact(t *testing.T) {
	const own = "my-own-secret-0123456789"
	tests := []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"known secret", "token " + own + " here", []string{own}, "token [REDACTED] here"},
		{"known secret URL-escaped", "q=" + url.QueryEscape("a b/c+d"), []string{"a b/c+d"}, "q=[REDACTED]"},
		{"known secret path-escaped", "/x/" + url.PathEscape("a b/c"), []string{"a b/c"}, "/x/[REDACTED]"},
		{"known secret JSON-escaped", `{"t":"a\u003cb\u003ec\u0026d"}`, []string{"a<b>c&d"}, `{"t":"[REDACTED]"}`},
		{"short secrets are not replaced", "abc abc", []string{"abc"}, "abc abc"},
		{"personal access token", "glpat-AbCdEfGh12345678_-x", nil, "[REDACTED]"},
		{"routable token with dots", "use glpat-abcDEF12345.01.0a1b2c3d4 now", nil, "use [REDACTED] now"},
		{"runner token", `{"token":"glrt-t1_AbCdEf123456"}`, nil, `{"token":"[REDACTED]"}`},
		{"runner token from registration", "glrtr-AbCdEf123456", nil, "[REDACTED]"},
		{"runner controller token", "glrct-AbCdEf123456", nil, "[REDACTED]"},
		{"job token", "glcbt-64_abcdef0123456", nil, "[REDACTED]"},
		{"deploy, trigger, feed, OAuth, agent", "gldt-abcdefgh12 glptt-abcdefgh12 glft-abcdefgh12 gloas-abcdefgh12 glagent-abcdefgh12", nil,
			"[REDACTED] [REDACTED] [REDACTED] [REDACTED] [REDACTED]"},
		{"instance-wide prefix", "acme-glpat-abcdefgh12345", nil, "acme-[REDACTED]"},
		{"glued to a word character", "x_glpat-abcdefgh12345", nil, "x_[REDACTED]"},
		{"registration token", "GR1348941AbCdEf_123456", nil, "[REDACTED]"},
		{"prefix alone is not a token", "glpat- and glrt-abc", nil, "glpat- and glrt-abc"},
		{"ordinary text untouched", "description is too long (maximum is 1024 characters)", nil, "description is too long (maximum is 1024 characters)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, redact(tt.in, tt.secrets))
		})
	}
}

func TestSanitizeURLRedactsCredentials(t *testing.T) {
	u, err := url.Parse("https://user:pass@gitlab.example.com/api/v4/runners?private_token=abc123456&registration_token=GR1348941x&page=2&x=" + testToken)
	require.NoError(t, err)
	got := sanitizeURL(u, []string{testToken})
	assert.NotContains(t, got, "user")
	assert.NotContains(t, got, "pass")
	assert.NotContains(t, got, "abc123456")
	assert.NotContains(t, got, "GR1348941x")
	assert.NotContains(t, got, testToken)
	assert.Contains(t, got, "page=2")
	assert.Empty(t, sanitizeURL(nil, nil))

	bad := &url.URL{Scheme: "https", Host: "h", Path: "/p", RawQuery: "token=" + "secretvalue;x=%zz"}
	assert.NotContains(t, sanitizeURL(bad, nil), "secretvalue", "an unparsable query is re-encoded from what parsed")
}

// TestWithQueryRefusesCredentialKeys: tokens never go into a URL, also not by hand.
func TestWithQueryRefusesCredentialKeys(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("GET /api/v4/runners/7", answerOK)
	for _, key := range []string{"token", "private_token", "PRIVATE-TOKEN", "job_token", "access_token", "registration_token",
		"runner_token", "authentication_token", "client_secret", "password", "Token"} {
		_, _, err := ts.Client.Runners.Get(context.Background(), 7, nil, WithQuery(key, "glpat-secret-value-123"))
		require.ErrorIs(t, err, ErrInvalidInput, key)
		assert.NotContains(t, err.Error(), "glpat-secret-value-123")
	}
	ts.RequireNoRequests(t)
	_, _, err := ts.Client.Runners.Get(context.Background(), 7, &GetRunnerOptions{IncludeProjects: Ptr(false)})
	require.NoError(t, err)
	assert.Equal(t, "include_projects=false", ts.LastRequest(t).Query)
}

// TestTokensTravelInBodies: every method that takes a token sends it in the
// JSON body, never in the path or query, and without the user's credentials.
func TestTokensTravelInBodies(t *testing.T) {
	const tok = "glrt-t1_body-only-token-0123"
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/api/v4/", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			serveJSON(w, http.StatusCreated, []byte(`{"id":1,"token":"glrt-t1_fresh-token-0123456"}`))
		}
	})
	ctx := context.Background()
	calls := map[string]func() error{
		"DeleteByToken": func() error { _, err := ts.Client.Runners.DeleteByToken(ctx, tok); return err },
		"DeleteManager": func() error { _, err := ts.Client.Runners.DeleteManager(ctx, tok, "s_1"); return err },
		"Register": func() error {
			_, _, err := ts.Client.Runners.Register(ctx, tok, nil)
			return err
		},
		"Verify": func() error {
			_, _, err := ts.Client.Runners.Verify(ctx, tok, nil)
			return err
		},
		"ResetAuthenticationTokenWithToken": func() error {
			_, _, err := ts.Client.Runners.ResetAuthenticationTokenWithToken(ctx, tok)
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, call())
			r := ts.LastRequest(t)
			assert.NotContains(t, r.Path+"?"+r.Query, tok)
			assert.NotContains(t, r.Path+"?"+r.Query, "token=")
			assert.Contains(t, string(r.Body), `"token":"`+tok+`"`)
			assert.Empty(t, r.Header.Get("PRIVATE-TOKEN"), "runner-token endpoints do not get the user's token")
		})
	}
}

// TestErrorResponseRedactsEchoedTokens: a server that echoes tokens in any
// error-body shape never gets them into the error string or fields.
func TestErrorResponseRedactsEchoedTokens(t *testing.T) {
	const legacy = "legacy0runner0token0abc" // no prefix: only the client's own secret list can catch it
	const foreign = "glpat-serverside-abcdef123"
	escaped := jsonEscapeAll(testToken)
	bodies := []struct {
		name, ctype, body string
	}{
		{"message string", "application/json", `{"message":"403 Forbidden - token ` + legacy + ` and ` + testToken + `"}`},
		{"field errors", "application/json", `{"message":{"token":["` + legacy + ` is invalid"],"` + foreign + `":["x"]}}`},
		{"error and description", "application/json", `{"error":"` + foreign + `","error_description":"token ` + testToken + ` expired"}`},
		{"JSON-escaped echo", "application/json", `{"message":"` + escaped + `"}`},
		{"plain text", "text/plain", "bad token " + legacy + "\n"},
		{"HTML title", "text/html", "<html><title>Denied " + testToken + "</title></html>"},
		{"long text cut mid-token", "text/plain", strings.Repeat("x", 190) + " " + foreign},
	}
	for _, b := range bodies {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("POST /api/v4/runners/verify", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", b.ctype)
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, b.body)
			})
			_, _, err := ts.Client.Runners.Verify(context.Background(), legacy, nil)
			require.ErrorIs(t, err, ErrForbidden)
			var er *ErrorResponse
			require.ErrorAs(t, err, &er)
			var dump []string
			dump = append(dump, er.Error(), er.Message, er.Code, string(er.Body), fmt.Sprintf("%v %+v %#v", err, err, er.Fields))
			for _, s := range dump {
				for _, secret := range []string{legacy, testToken, foreign, "glpat-serverside"} {
					assert.NotContains(t, s, secret)
				}
			}
			assert.NotEmpty(t, er.Message)
		})
	}
}

// jsonEscapeAll writes every character of s as a \u escape, as a hostile
// server could, so that only decoding reveals it.
func jsonEscapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// TestDecodeErrorRedactsEchoedValue: decoding errors can quote the offending
// value (strconv, time); a token-shaped value must not reach the error string.
func TestDecodeErrorRedactsEchoedValue(t *testing.T) {
	const regToken = "GR1348941registration-secret-x"
	ts := newTestServer(t)
	ts.Mux.HandleFunc("POST /api/v4/runners", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusCreated, []byte(`{"id":"`+regToken+`","token":"glrt-abc"}`))
	})
	ts.Mux.HandleFunc("POST /api/v4/user/runners", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusCreated, []byte(`{"id":"glrt-echoed-token-0123456","token":"x"}`))
	})
	_, _, err := ts.Client.Runners.Register(context.Background(), regToken, nil)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.NotContains(t, de.Err.Error(), regToken, "the exported cause is redacted too")
	assert.NotContains(t, err.Error(), regToken)
	assert.Equal(t, http.MethodPost, de.Method)
	assert.Contains(t, de.URL, "/api/v4/runners")

	_, _, err = ts.Client.Runners.Create(context.Background(), InstanceRunnerOwner(), nil)
	require.ErrorAs(t, err, &de)
	assert.NotContains(t, err.Error(), "glrt-echoed-token")
	assert.NotContains(t, (&DecodeError{Err: errors.New("glrt-echoed-token-0123456")}).Error(), "glrt-echoed", "the zero-value form redacts too")
}

// tokenCarriers are the option and result types that hold a secret Token.
func tokenCarriers(tok string) []any {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return []any{
		registerBody{Token: tok, RegisterRunnerOptions: RegisterRunnerOptions{Description: Ptr("d"), TagList: &[]string{"a"}}},
		RunnerRegistration{ID: 1, Token: tok, TokenExpiresAt: &ts},
		RunnerVerification{ID: 2, Token: tok, TokenExpiresAt: &ts},
		TokenWithExpiry{Token: tok, TokenExpiresAt: &ts},
		RunnerControllerToken{ID: 3, RunnerControllerID: 4, Description: "d", Token: tok},
		tokenBody{Token: tok, SystemID: "s_1"},
	}
}

// pointerTo returns a pointer to a copy of v.
func pointerTo(v any) any {
	switch x := v.(type) {
	case registerBody:
		return &x
	case RunnerRegistration:
		return &x
	case RunnerVerification:
		return &x
	case TokenWithExpiry:
		return &x
	case RunnerControllerToken:
		return &x
	case tokenBody:
		return &x
	}
	panic(fmt.Sprintf("unexpected %T", v))
}

// TestFormatHidesTokens: %v, %+v, %#v and %s of every token-bearing struct
// (value, pointer, in a slice, nested in a struct) hide the token, slog's
// text and JSON handlers hide it, and json.Marshal still sends it.
func TestFormatHidesTokens(t *testing.T) {
	const tok = "glrt-t1_format-token-0123"
	for _, v := range tokenCarriers(tok) {
		p := pointerTo(v)
		t.Run(fmt.Sprintf("%T", v), func(t *testing.T) {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%q", "%x"} {
				for _, x := range []any{v, p, []any{p}, struct{ Inner any }{p}} {
					out := fmt.Sprintf(verb, x)
					assert.NotContains(t, out, tok, "%s of %T", verb, x)
					assert.NotContains(t, out, "format-token", "%s of %T", verb, x)
				}
			}
			assert.Contains(t, fmt.Sprintf("%+v", v), "Token:[REDACTED]")
			assert.Contains(t, fmt.Sprintf("%#v", v), `Token:"[REDACTED]"`)

			var text, js bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Info("value", "v", v, "p", p)
			slog.New(slog.NewJSONHandler(&js, nil)).Info("value", "v", v, "p", p)
			assert.NotContains(t, text.String(), tok)
			assert.NotContains(t, js.String(), tok)

			b, err := json.Marshal(p)
			require.NoError(t, err)
			if _, isBody := v.(tokenBody); !isBody {
				assert.Contains(t, string(b), `"token":"`+tok+`"`, "JSON still carries the token")
			}
		})
	}
	t.Run("empty token prints as empty", func(t *testing.T) {
		assert.Equal(t, `{ID:1 Token: TokenExpiresAt:<nil>}`, fmt.Sprintf("%+v", RunnerRegistration{ID: 1}))
		var nilReg *RunnerRegistration
		assert.Equal(t, "<nil>", fmt.Sprintf("%v", nilReg))
	})
}

// multiHandler fans records out to several handlers.
type multiHandler []slog.Handler

func (m multiHandler) Enabled(ctx context.Context, l slog.Level) bool { return true }
func (m multiHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range m {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}
func (m multiHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithAttrs(as)
	}
	return out
}
func (m multiHandler) WithGroup(g string) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithGroup(g)
	}
	return out
}

// TestNoTokenInURLsErrorsOrLogs runs every token-carrying call against a
// hostile server that echoes tokens back in every error shape, with debug
// logging on (text and JSON), retries and redirects, then searches all URLs
// the server saw, every error string (%v, %+v, %#v, %s), every printed result
// and all log output for each secret and for anything token-shaped.
func TestNoTokenInURLsErrorsOrLogs(t *testing.T) {
	const (
		regToken    = "GR1348941registration0secret"
		runnerTok   = "glrt-t1_runner-secret-0123456"
		legacyTok   = "legacy0runner0secret0xyz"
		newRunner   = "glrt-t1_minted-by-server-0123"
		controller  = "glrct-controller-secret-0123"
		serverEcho  = "glpat-unknown-to-client-0123"
		resetResult = "glrt-t1_reset-result-0123456"
	)
	secrets := []string{testToken, regToken, runnerTok, legacyTok, newRunner, controller, serverEcho, resetResult}

	var text, js bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	logger := slog.New(multiHandler{slog.NewTextHandler(&text, opts), slog.NewJSONHandler(&js, opts)})
	ts := newTestServer(t, WithRetry(2, 0, 0), WithLogger(logger))

	echo := func(r *http.Request) string {
		return r.Header.Get("PRIVATE-TOKEN") + " " + string(mustReadBody(r)) + " " + serverEcho
	}
	ts.Mux.HandleFunc("POST /api/v4/runners", func(w http.ResponseWriter, r *http.Request) { // Register
		serveJSON(w, 400, []byte(`{"message":{"token":[`+jsonString(echo(r))+`]}}`))
	})
	ts.Mux.HandleFunc("POST /api/v4/runners/verify", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(403)
		_, _ = io.WriteString(w, "403 Forbidden "+echo(r))
	})
	ts.Mux.HandleFunc("DELETE /api/v4/runners", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		_, _ = io.WriteString(w, "<html><title>Bad gateway "+echo(r)+"</title></html>")
	})
	ts.Mux.HandleFunc("DELETE /api/v4/runners/managers", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, 404, []byte(`{"message":"`+jsonEscapeAll(echo(r))+`"}`))
	})
	ts.Mux.HandleFunc("POST /api/v4/runners/reset_authentication_token", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, 201, []byte(`{"token":"`+resetResult+`","token_expires_at":null}`))
	})
	ts.Mux.HandleFunc("POST /api/v4/user/runners", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, 201, []byte(`{"id":5,"token":"`+newRunner+`","token_expires_at":null}`))
	})
	ts.Mux.HandleFunc("POST /api/v4/runner_controllers/3/tokens", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, 201, []byte(`{"id":8,"runner_controller_id":3,"token":"`+controller+`"}`))
	})
	ts.Mux.HandleFunc("GET /api/v4/runners/7", func(w http.ResponseWriter, r *http.Request) { // 503 then error with OAuth-style body
		w.Header().Set("Retry-After", "0")
		serveJSON(w, 503, []byte(`{"error":"invalid_token","error_description":`+jsonString(echo(r))+`}`))
	})
	ts.Mux.HandleFunc("GET /api/v4/runners/8", func(w http.ResponseWriter, r *http.Request) { // 200 with a token where an int belongs
		serveJSON(w, 200, []byte(`{"id":1,"description":"x","contacted_at":"`+serverEcho+`"}`))
	})
	ts.Mux.HandleFunc("GET /api/v4/runners/9", func(w http.ResponseWriter, r *http.Request) { // connection lost
		resetConnection(t, w)
	})
	ts.Mux.HandleFunc("GET /api/v4/runners/10", func(w http.ResponseWriter, r *http.Request) { // redirect with the token in the query
		http.Redirect(w, r, "/api/v4/runners/11?private_token="+serverEcho+"&x="+testToken, http.StatusFound)
	})
	ts.Mux.HandleFunc("GET /api/v4/runners/11", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, 404, []byte(`{"message":"404 Runner Not Found"}`))
	})

	ctx := context.Background()
	var errs []error
	var results []any
	keep := func(v any, err error) {
		if err != nil {
			errs = append(errs, err)
		}
		if v != nil {
			results = append(results, v)
		}
	}
	keep(first(ts.Client.Runners.Register(ctx, regToken, nil)))
	keep(first(ts.Client.Runners.Verify(ctx, legacyTok, nil)))
	keep(nil, second(ts.Client.Runners.DeleteByToken(ctx, runnerTok)))
	keep(nil, second(ts.Client.Runners.DeleteManager(ctx, runnerTok, "s_1")))
	keep(first(ts.Client.Runners.ResetAuthenticationTokenWithToken(ctx, runnerTok)))
	keep(first(ts.Client.Runners.Create(ctx, InstanceRunnerOwner(), nil)))
	keep(first(ts.Client.RunnerControllers.CreateToken(ctx, 3, &CreateRunnerControllerTokenOptions{})))
	keep(first(ts.Client.Runners.Get(ctx, 7, nil)))
	keep(first(ts.Client.Runners.Get(ctx, 8, nil)))
	keep(first(ts.Client.Runners.Get(ctx, 9, nil)))
	keep(first(ts.Client.Runners.Get(ctx, 10, nil)))
	keep(first(ts.Client.Runners.Get(ctx, 7, nil, WithQuery("private_token", testToken))))
	require.Len(t, errs, 9, "every error path was exercised: %v", errs)
	require.Len(t, results, 3)

	// Positive controls: the secrets were really sent, echoed and returned.
	var sent strings.Builder
	for _, r := range ts.Requests() {
		sent.WriteString(string(r.Body))
		sent.WriteString(r.Header.Get("PRIVATE-TOKEN"))
	}
	for _, s := range []string{testToken, regToken, runnerTok, legacyTok} {
		require.Contains(t, sent.String(), s, "the test must send %s", s)
	}
	var marshalled strings.Builder
	for _, r := range results {
		b, _ := json.Marshal(r)
		marshalled.Write(b)
	}
	for _, s := range []string{newRunner, controller, resetResult} {
		require.Contains(t, marshalled.String(), s, "the result must carry %s", s)
	}

	corpora := map[string]*strings.Builder{"urls": {}, "errors": {}, "results": {}, "logs": {}}
	for _, r := range ts.Requests() {
		if r.Path == "/api/v4/runners/11" {
			continue // the server chose this URL (its redirect), not the client
		}
		fmt.Fprintln(corpora["urls"], r.Path+"?"+r.Query)
	}
	for _, err := range errs {
		fmt.Fprintf(corpora["errors"], "%v\n%+v\n%#v\n%s\n", err, err, err, err)
		var er *ErrorResponse
		if errors.As(err, &er) {
			fmt.Fprintf(corpora["errors"], "%s %s %v %s\n", er.Message, er.Code, er.Fields, er.Body)
		}
	}
	for _, r := range results {
		fmt.Fprintf(corpora["results"], "%v\n%+v\n%#v\n", r, r, r)
		logger.Info("result", "r", r)
	}
	corpora["logs"].WriteString(text.String())
	corpora["logs"].WriteString(js.String())
	require.Contains(t, corpora["logs"].String(), "runnerapi request", "debug logging was on")

	found := 0
	for name, c := range corpora {
		s := c.String()
		for _, secret := range secrets {
			if n := strings.Count(s, secret); n > 0 {
				t.Errorf("%s contain %s %d times", name, secret, n)
				found += n
			}
		}
		if m := tokenPattern.FindAllString(s, -1); len(m) > 0 {
			t.Errorf("%s contain token-shaped strings: %q", name, m)
			found += len(m)
		}
	}
	t.Logf("FIGURE tokens found in URLs/errors/results/logs: %d (searched %d secrets + token pattern over %d bytes: %d URLs, %d errors, %d results, %d log bytes)",
		found, len(secrets), corpora["urls"].Len()+corpora["errors"].Len()+corpora["results"].Len()+corpora["logs"].Len(),
		len(ts.Requests()), len(errs), len(results), corpora["logs"].Len())
}

func mustReadBody(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	return b
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// first keeps the value of a successful call only.
func first[T any](v T, _ *Response, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

func second(_ *Response, err error) error { return err }

// uEscape writes every byte of s as a JSON \u escape, as a server may echo it.
func uEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// secretForms are the escaped forms of sec a server or a Go error can carry.
func secretFormsByName(sec string) map[string]string {
	q := strconv.Quote(sec)
	return map[string]string{
		"raw":          sec,
		"u-escaped":    uEscape(sec),
		"mixed-escape": sec[:3] + uEscape(sec[3:6]) + sec[6:],
		"json":         jsonEscape(sec, true),
		"go-quoted":    q[1 : len(q)-1],
		"go-quoted-2x": strconv.Quote(q)[2 : len(strconv.Quote(q))-2],
		"query":        url.QueryEscape(sec),
		"path":         url.PathEscape(sec),
	}
}

// errorStrings renders err with every verb, as value and pointer where the type allows.
func errorStrings(err error) []string {
	out := []string{err.Error()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out = append(out, fmt.Sprintf(verb, err))
		switch e := err.(type) {
		case *ErrorResponse:
			out = append(out, fmt.Sprintf(verb, *e))
		case *DecodeError:
			out = append(out, fmt.Sprintf(verb, *e))
		case *RequestError:
			out = append(out, fmt.Sprintf(verb, *e))
		case *RedirectError:
			out = append(out, fmt.Sprintf(verb, *e))
		case *ValidationError:
			out = append(out, fmt.Sprintf(verb, *e))
		}
	}
	return out
}

// requireClean fails when any rendering, field or cause of err holds sec in any form.
func requireClean(t *testing.T, err error, sec string) {
	t.Helper()
	require.Error(t, err)
	var texts []string
	texts = append(texts, errorStrings(err)...)
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error(), fmt.Sprintf("%+v", e))
	}
	var er *ErrorResponse
	if errors.As(err, &er) {
		texts = append(texts, string(er.Body), er.Message, er.Code, er.URL, fmt.Sprint(er.Fields))
		var decoded any
		if json.Unmarshal(er.Body, &decoded) == nil {
			texts = append(texts, fmt.Sprint(decoded))
		}
		if er.Response != nil {
			texts = append(texts, fmt.Sprint(er.Response.Header), fmt.Sprint(er.Response.Trailer))
			if er.Response.Request != nil {
				texts = append(texts, fmt.Sprint(er.Response.Request.Header), er.Response.Request.URL.String())
			}
		}
	}
	var de *DecodeError
	if errors.As(err, &de) {
		texts = append(texts, de.Err.Error(), de.URL, de.ContentType, fmt.Sprintf("%+v", de.Err))
	}
	for _, s := range texts {
		for name, form := range secretFormsByName(sec) {
			require.NotContains(t, s, form, "%s form in %q", name, s)
		}
	}
}

// TestEchoedSecretsInEveryFormAreRedacted: a server echoing the client's
// token (or a runner token from the body) in any escaped form, in an error
// body, a success body that fails to decode or a header, leaves no trace in
// any field or rendering of the error.
func TestEchoedSecretsInEveryFormAreRedacted(t *testing.T) {
	const weird = `wéird"tok\en-0123456789`
	for _, sec := range []string{testToken, weird} {
		for name, form := range secretFormsByName(sec) {
			t.Run(name, func(t *testing.T) {
				ts := newTestServer(t)
				c, err := NewClient(ts.URL, WithPrivateToken(sec), WithoutRetries())
				require.NoError(t, err)
				ts.Mux.HandleFunc("/api/v4/runners/1", func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("X-Echo", form)
					serveJSON(w, http.StatusBadRequest, []byte(`{"message":{"token":["`+form+` is wrong"],"error":"`+form+`"}}`))
				})
				ts.Mux.HandleFunc("/api/v4/runners/2", func(w http.ResponseWriter, r *http.Request) {
					serveJSON(w, http.StatusOK, []byte(`{"id":2,"contacted_at":"`+form+`"}`))
				})
				ts.Mux.HandleFunc("/api/v4/runners/3", func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/plain")
					w.WriteHeader(http.StatusForbidden)
					_, _ = w.Write([]byte("denied \"" + form + "\"\n"))
				})
				for id := int64(1); id <= 3; id++ {
					_, _, err := c.Runners.Get(context.Background(), id, nil)
					requireClean(t, err, sec)
				}
			})
		}
	}
}

// TestCleanCauseKeepsWhatCallersTestFor: a cause whose text quotes a secret
// is replaced by a redacted stand-in that still matches the sentinels and
// keeps Timeout(); a *url.Error keeps its shape; a clean cause is kept as is.
func TestCleanCauseKeepsWhatCallersTestFor(t *testing.T) {
	const sec = "s3cret-value-0123"
	clean := errors.New("connection refused")
	assert.Same(t, clean, cleanCause(clean, []string{sec}))

	dirty := fmt.Errorf("read %q: %w", sec, context.DeadlineExceeded)
	got := cleanCause(dirty, []string{sec})
	assert.NotContains(t, got.Error(), sec)
	assert.ErrorIs(t, got, context.DeadlineExceeded)
	assert.NotErrorIs(t, got, context.Canceled)
	var ne interface{ Timeout() bool }
	require.ErrorAs(t, got, &ne)
	assert.True(t, ne.Timeout(), "DeadlineExceeded is a timeout")
	assert.True(t, got.(interface{ Temporary() bool }).Temporary())

	ue := &url.Error{Op: "Get", URL: "https://h/x?private_token=" + sec, Err: errors.New("EOF")}
	got = cleanCause(ue, []string{sec})
	var gotURL *url.Error
	require.ErrorAs(t, got, &gotURL)
	assert.NotContains(t, gotURL.URL, sec)
	assert.Equal(t, "EOF", gotURL.Err.Error())

	assert.Equal(t, "a [REDACTED] b", redact(`a \163\063cret-value-0123 b`, []string{sec}), "octal escapes are decoded")
	assert.Equal(t, `x \q \u12 y`, redact(`x \q \u12 y`, []string{sec}), "stray backslashes are kept")
	assert.True(t, (&attemptTimeoutError{}).Temporary())
}

// TestEchoedSecretInATrailerIsRedacted: an error answer's trailers are part
// of ErrorResponse.Response like its headers, and are cleaned the same way.
func TestEchoedSecretInATrailerIsRedacted(t *testing.T) {
	for name, form := range secretFormsByName(testToken) {
		t.Run(name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/api/v4/runners/1", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Trailer", "X-Echo")
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte("bad request\n"))
				w.Header().Set("X-Echo", form)
			})
			_, _, err := ts.Client.Runners.Get(context.Background(), 1, nil)
			var er *ErrorResponse
			require.ErrorAs(t, err, &er)
			require.NotEmpty(t, er.Response.Trailer.Get("X-Echo"), "the trailer arrived")
			requireClean(t, err, testToken)
		})
	}
}
