package runnerapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors matched with errors.Is against any error this package returns.
var (
	// ErrBadRequest matches a 400 answer (validation or bad filter on the server).
	ErrBadRequest = errors.New("runnerapi: bad request")
	// ErrUnauthorized matches a 401 answer (missing, unknown, expired or revoked credentials).
	ErrUnauthorized = errors.New("runnerapi: unauthorized")
	// ErrForbidden matches a 403 answer (no permission, or a bad runner token).
	ErrForbidden = errors.New("runnerapi: forbidden")
	// ErrNotFound matches a 404 answer.
	ErrNotFound = errors.New("runnerapi: not found")
	// ErrMethodNotAllowed matches a 405 answer (also GitLab's keyset and offset-limit errors).
	ErrMethodNotAllowed = errors.New("runnerapi: method not allowed")
	// ErrConflict matches a 409 answer.
	ErrConflict = errors.New("runnerapi: conflict")
	// ErrGone matches a 410 answer (for example, registration with registration tokens disabled).
	ErrGone = errors.New("runnerapi: gone")
	// ErrPreconditionFailed matches a 412 answer to a request sent with WithIfUnmodifiedSince.
	ErrPreconditionFailed = errors.New("runnerapi: precondition failed")
	// ErrUnprocessable matches a 422 answer.
	ErrUnprocessable = errors.New("runnerapi: unprocessable entity")
	// ErrRateLimited matches a 429 answer, including one whose requested wait exceeds the client's cap.
	ErrRateLimited = errors.New("runnerapi: rate limited")
	// ErrServer matches any 5xx answer.
	ErrServer = errors.New("runnerapi: server error")

	// ErrInvalidInput matches a *ValidationError: the request was refused before it was sent.
	ErrInvalidInput = errors.New("runnerapi: invalid input")
	// ErrInvalidResponse matches a *DecodeError: the server's success answer could not be decoded.
	ErrInvalidResponse = errors.New("runnerapi: invalid response")
	// ErrResponseTooLarge is wrapped by a *DecodeError when a body exceeds WithMaxResponseSize.
	ErrResponseTooLarge = errors.New("runnerapi: response body too large")
)

// maxErrorBody is how much of an error body an ErrorResponse keeps.
const maxErrorBody = 64 << 10

// secretMargin is how much is read beyond maxErrorBody, so that a credential
// crossing the cap is seen whole, and redacted, before the body is cut.
const secretMargin = 1 << 10

// ErrorResponse is a non-2xx answer from GitLab, with its message parsed from
// any of GitLab's error body shapes.
type ErrorResponse struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Method is the HTTP method of the request.
	Method string
	// URL is the request URL with credentials removed.
	URL string
	// Message is GitLab's message, flattened to one line: "404 Runner Not Found",
	// "description is too long (maximum is 1024 characters)", "Retry later".
	Message string
	// Fields holds per-attribute messages of a model validation error
	// ({"message":{"attr":["..."]}}), keyed by attribute.
	Fields map[string][]string
	// Code is the OAuth error code ("invalid_token", "insufficient_scope") when GitLab sent one.
	Code string
	// RetryAfter is the wait the server asked for (Retry-After or RateLimit-Reset), if any.
	RetryAfter time.Duration
	// Body is the raw body, at most 64 KiB, with credentials redacted.
	Body []byte
	// Response is the HTTP response; its body is already closed.
	Response *http.Response
}

// Error returns "METHOD URL: STATUS MESSAGE" with credentials redacted.
func (e *ErrorResponse) Error() string {
	status := strconv.Itoa(e.StatusCode)
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	b.WriteString(": ")
	switch {
	case msg == "": // a status without a known text, such as 520
		b.WriteString(status)
	case !strings.HasPrefix(msg, status):
		b.WriteString(status)
		b.WriteByte(' ')
	}
	if e.Code != "" && !strings.HasPrefix(msg, e.Code) {
		b.WriteString(e.Code)
		b.WriteString(": ")
	}
	b.WriteString(msg)
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Is matches the sentinel for e's status code.
func (e *ErrorResponse) Is(target error) bool {
	return statusSentinel(e.StatusCode) == target && target != nil
}

// statusSentinel maps an HTTP status to its sentinel error, or nil.
func statusSentinel(code int) error {
	switch code {
	case http.StatusBadRequest:
		return ErrBadRequest
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusMethodNotAllowed:
		return ErrMethodNotAllowed
	case http.StatusConflict:
		return ErrConflict
	case http.StatusGone:
		return ErrGone
	case http.StatusPreconditionFailed:
		return ErrPreconditionFailed
	case http.StatusUnprocessableEntity:
		return ErrUnprocessable
	case http.StatusTooManyRequests:
		return ErrRateLimited
	}
	if code >= 500 && code <= 599 {
		return ErrServer
	}
	return nil
}

// checkResponse returns nil for a 2xx answer and an *ErrorResponse otherwise.
// It reads at most 64 KiB of the body. Credentials are redacted from the raw
// body before it is parsed, and from every parsed string afterwards (a server
// may echo a token with JSON escapes that only decoding reveals).
func checkResponse(resp *http.Response, secrets []string) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	// Redact before cutting, so that a credential straddling a cut (the
	// 64 KiB cap, or the one-line summary of a text body) cannot survive in part.
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+secretMargin))
	body := []byte(redact(string(raw), secrets))
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	e := &ErrorResponse{
		StatusCode: resp.StatusCode,
		Response:   resp,
		Body:       body,
	}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = sanitizeURL(resp.Request.URL, secrets)
	}
	e.Message, e.Fields, e.Code = parseErrorBody(body, resp.Header.Get("Content-Type"))
	e.Message = redact(e.Message, secrets)
	e.Code = redact(e.Code, secrets)
	e.Fields = redactFields(e.Fields, secrets)
	e.RetryAfter, _ = serverWait(resp, time.Now())
	return e
}

// redactFields returns fields with credentials removed from its keys and messages.
func redactFields(fields map[string][]string, secrets []string) map[string][]string {
	if fields == nil {
		return nil
	}
	out := make(map[string][]string, len(fields))
	for k, msgs := range fields {
		clean := make([]string, len(msgs))
		for i, m := range msgs {
			clean[i] = redact(m, secrets)
		}
		rk := redact(k, secrets)
		out[rk] = append(out[rk], clean...)
	}
	return out
}

// parseErrorBody extracts GitLab's message from an error body of any known shape:
// {"message":"..."}, {"message":{"attr":["..."]}}, {"message":{"error":"..."}},
// {"error":"..."}, {"error":"code","error_description":"..."} and plain text.
func parseErrorBody(body []byte, contentType string) (msg string, fields map[string][]string, code string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "", nil, ""
	}
	if trimmed[0] == '{' {
		var raw struct {
			Message          json.RawMessage `json:"message"`
			Error            json.RawMessage `json:"error"`
			ErrorDescription string          `json:"error_description"`
		}
		if err := json.Unmarshal(trimmed, &raw); err == nil {
			if len(raw.Message) > 0 && string(raw.Message) != "null" {
				msg, fields = flattenMessage(raw.Message)
				return msg, fields, ""
			}
			if len(raw.Error) > 0 {
				errText, _ := flattenMessage(raw.Error)
				if raw.ErrorDescription != "" {
					return raw.ErrorDescription, nil, errText
				}
				return errText, nil, ""
			}
		}
	}
	return plainTextMessage(trimmed, contentType), nil, ""
}

// flattenMessage turns a JSON message value (string, object or array) into one line.
func flattenMessage(raw json.RawMessage) (string, map[string][]string) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return strings.Join(list, ", "), nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return strings.TrimSpace(string(raw)), nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fields := make(map[string][]string, len(obj))
	var parts []string
	for _, k := range keys {
		var msgs []string
		var one string
		if err := json.Unmarshal(obj[k], &one); err == nil {
			msgs = []string{one}
		} else if err := json.Unmarshal(obj[k], &msgs); err != nil {
			nested, _ := flattenMessage(obj[k])
			msgs = []string{nested}
		}
		fields[k] = msgs
		for _, m := range msgs {
			if k == "error" || k == "base" {
				parts = append(parts, m)
			} else {
				parts = append(parts, k+" "+m)
			}
		}
	}
	if len(fields) == 1 {
		if _, ok := fields["error"]; ok {
			fields = nil // {"message":{"error":"..."}} is a plain message, not a field error
		}
	}
	return strings.Join(parts, ", "), fields
}

var htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// plainTextMessage summarises a non-JSON body: a proxy's HTML page or Rack::Attack's "Retry later".
func plainTextMessage(body []byte, contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/html" || bytes.HasPrefix(body, []byte("<")) {
		if m := htmlTitle.FindSubmatch(body); m != nil {
			return oneLine(string(m[1]), 200)
		}
		return ""
	}
	return oneLine(string(body), 200)
}

// oneLine collapses whitespace and cuts s to at most n bytes, on a rune boundary.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// ValidationError reports input refused before any request was sent. It matches ErrInvalidInput.
type ValidationError struct {
	// Field names the offending argument or option field, e.g. "id" or "UpdateRunnerOptions".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "runnerapi: invalid FIELD: REASON".
func (e *ValidationError) Error() string {
	return "runnerapi: invalid " + e.Field + ": " + e.Reason
}

// Is matches ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// DecodeError reports a 2xx answer whose body could not be decoded: truncated
// JSON, an HTML page from a proxy, the wrong shape, an empty or null body, or
// a body over the size limit. It matches ErrInvalidResponse and unwraps to the cause.
type DecodeError struct {
	// Method and URL (credentials removed) identify the request.
	Method, URL string
	// StatusCode and ContentType describe the answer.
	StatusCode  int
	ContentType string
	// Err is the decoding error, or ErrResponseTooLarge.
	Err error
	msg string // Err's message with credentials removed
}

// newDecodeError wraps a failure to decode the body of resp.
func newDecodeError(resp *http.Response, err error, secrets []string) *DecodeError {
	e := &DecodeError{
		StatusCode:  resp.StatusCode,
		ContentType: redact(resp.Header.Get("Content-Type"), secrets),
		Err:         err,
		msg:         redact(err.Error(), secrets),
	}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = sanitizeURL(resp.Request.URL, secrets)
	}
	return e
}

// Error describes the failed decode without credentials.
func (e *DecodeError) Error() string {
	msg := e.msg
	if msg == "" && e.Err != nil {
		msg = redact(e.Err.Error(), nil)
	}
	return fmt.Sprintf("runnerapi: %s %s: decoding %d answer (%s): %s", e.Method, e.URL, e.StatusCode, e.ContentType, msg)
}

// Unwrap returns the underlying decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is matches ErrInvalidResponse.
func (e *DecodeError) Is(target error) bool { return target == ErrInvalidResponse }

// RequestError reports a request that got no HTTP answer: a connection failure,
// a cancelled context, or a refused redirect. It unwraps to the cause, so
// errors.Is(err, context.Canceled) works.
type RequestError struct {
	// Method and URL (credentials removed) identify the request.
	Method, URL string
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the cause.
	Err error
	msg string // the cause's message with credentials and raw URLs removed
}

// Error describes the failure without credentials.
func (e *RequestError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("runnerapi: %s %s: %s (after %d attempts)", e.Method, e.URL, e.msg, e.Attempts)
	}
	return fmt.Sprintf("runnerapi: %s %s: %s", e.Method, e.URL, e.msg)
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the cause was a timeout.
func (e *RequestError) Timeout() bool {
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// newRequestError wraps a transport failure of req.
func newRequestError(method string, u *url.URL, attempts int, err error, secrets []string) *RequestError {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // url.Error repeats the raw URL; keep only its cause
	}
	msg := cause.Error()
	if u != nil {
		msg = strings.ReplaceAll(msg, u.String(), sanitizeURL(u, secrets))
	}
	return &RequestError{
		Method:   method,
		URL:      sanitizeURL(u, secrets),
		Attempts: attempts,
		Err:      err,
		msg:      redact(msg, secrets),
	}
}

// secretParamWords mark parameter names whose values are credentials:
// token, private_token, job_token, registration_token, client_secret, password…
var secretParamWords = []string{"token", "secret", "password", "passwd", "credential", "api_key", "apikey"}

// isSecretParam reports whether a query or body parameter carries a credential.
func isSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretParamWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

const redacted = "[REDACTED]"

// sanitizeURL renders u without user info and with credential parameters and known secrets redacted.
func sanitizeURL(u *url.URL, secrets []string) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		changed := err != nil // an unparsable query is re-encoded from what could be read
		for k, vs := range q {
			if isSecretParam(k) {
				for i := range vs {
					vs[i] = redacted
				}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return redact(c.String(), secrets)
}

// tokenPattern matches GitLab token formats, also behind an instance-wide
// prefix ("acme-glpat-…"): personal/project/group access (glpat), OAuth
// (gloas, gloat), deploy (gldt), runner authentication (glrt, glrtr), runner
// controller (glrct), CI job (glcbt), trigger (glptt), feed (glft), incoming
// mail (glimt), agent (glagent), SCIM (glsoat), feature-flag client (glffct),
// workspace (glwt) tokens, and runner registration tokens (GR1348941…).
var tokenPattern = regexp.MustCompile(`gl(?:pat|oas|oat|dt|rt|rtr|rct|cbt|ptt|ft|imt|agent|soat|ffct|wt)-[0-9A-Za-z_\-.]{8,}|GR1348941[0-9A-Za-z_\-]{8,}`)

// redact removes the given secrets, in their plain, URL-escaped and
// JSON-escaped forms, and anything shaped like a GitLab token from s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue // too short to be a credential, and replacing it would garble the text
		}
		s = strings.ReplaceAll(s, sec, redacted)
		for _, form := range [...]string{url.QueryEscape(sec), url.PathEscape(sec), jsonEscape(sec)} {
			if form != sec {
				s = strings.ReplaceAll(s, form, redacted)
			}
		}
	}
	return tokenPattern.ReplaceAllString(s, redacted)
}

// jsonEscape returns s as it appears inside a JSON string written by encoding/json.
func jsonEscape(s string) string {
	b, err := json.Marshal(s)
	if err != nil || len(b) < 2 {
		return s
	}
	return string(b[1 : len(b)-1])
}
