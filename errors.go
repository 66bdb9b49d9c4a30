package runnerapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
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

// maxMessageLen caps ErrorResponse.Message and each message in Fields.
const maxMessageLen = 1024

// maxMessageDepth bounds how deep a nested error message is flattened.
const maxMessageDepth = 16

// ErrorResponse is a non-2xx answer from GitLab, with its message parsed from
// any of GitLab's error body shapes. Every field is free of the client's
// credentials and of secrets the request carried, in every escaped form.
type ErrorResponse struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Method is the HTTP method of the request.
	Method string
	// URL is the request URL with credentials removed.
	URL string
	// Message is GitLab's message, flattened to one line, control characters
	// escaped, at most 1 KiB: "404 Runner Not Found",
	// "description is too long (maximum is 1024 characters)", "Retry later".
	Message string
	// Fields holds per-attribute messages of a model validation error
	// ({"message":{"attr":["..."]}}), keyed by attribute.
	Fields map[string][]string
	// Code is the OAuth error code ("invalid_token", "insufficient_scope") when GitLab sent one.
	Code string
	// RetryAfter is the wait the server (Retry-After, RateLimit-Reset) or the
	// client's rate limiter asked for, if any.
	RetryAfter time.Duration
	// Attempts is how many times the request was sent.
	Attempts int
	// Body is the raw body, at most 64 KiB, with credentials redacted.
	Body []byte
	// Response is the HTTP response; its body is already closed, its headers
	// and trailers are redacted and its Request carries no credential headers.
	Response *http.Response
}

// Error returns "runnerapi: METHOD URL: STATUS MESSAGE", with " (after N
// attempts)" when the request was sent more than once.
func (e *ErrorResponse) Error() string {
	status := strconv.Itoa(e.StatusCode)
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	var b strings.Builder
	b.WriteString("runnerapi: ")
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
	return finishError(b.String(), e.Attempts)
}

// finishError appends the attempt count and makes msg safe to print.
func finishError(msg string, attempts int) string {
	if attempts > 1 {
		msg += " (after " + strconv.Itoa(attempts) + " attempts)"
	}
	return escapeControl(redact(msg, nil))
}

// Format prints the redacted Error text for every verb (%v, %+v, %s, %q…),
// also for a value, whose fields fmt would otherwise print one by one.
func (e ErrorResponse) Format(f fmt.State, verb rune) { formatError(f, verb, e.Error()) }

// Is matches the sentinel for e's status code.
func (e *ErrorResponse) Is(target error) bool {
	return statusSentinel(e.StatusCode) == target && target != nil
}

// formatError prints an error's text for fmt: %q quotes it, %x/%X hex-encode
// it, everything else prints it as is.
func formatError(f fmt.State, verb rune, msg string) {
	switch verb {
	case 'q':
		fmt.Fprint(f, strconv.Quote(msg))
	case 'x':
		fmt.Fprintf(f, "%x", msg)
	case 'X':
		fmt.Fprintf(f, "%X", msg)
	default:
		fmt.Fprint(f, msg)
	}
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

// newErrorResponse builds the ErrorResponse of a non-2xx answer whose body
// (at most maxErrorBody+secretMargin bytes of it) is raw. Credentials are
// redacted from the raw body before it is parsed, and from every parsed
// string afterwards; the response's headers and request are cleaned too.
func newErrorResponse(resp *http.Response, raw []byte, secrets []string, now time.Time) *ErrorResponse {
	// Redact before cutting, so that a credential straddling the cap cannot survive in part.
	body := []byte(redact(string(raw), secrets))
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	e := &ErrorResponse{StatusCode: resp.StatusCode, Response: resp, Body: body}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = sanitizeURL(resp.Request.URL, secrets)
		resp.Request = cleanRequest(resp.Request, e.URL)
	}
	redactHeader(resp.Header, secrets)
	redactHeader(resp.Trailer, secrets) // read with the body, so complete here
	msg, fields, code := parseErrorBody(body, resp.Header.Get("Content-Type"))
	e.Message = oneLine(redact(msg, secrets), maxMessageLen)
	e.Code = oneLine(redact(code, secrets), maxMessageLen)
	e.Fields = cleanFields(fields, secrets)
	e.RetryAfter, _ = serverWait(resp, now)
	return e
}

// redactHeader redacts secrets from every value of h, in place.
func redactHeader(h http.Header, secrets []string) {
	for _, vs := range h {
		for i, v := range vs {
			vs[i] = redact(v, secrets)
		}
	}
}

// cleanRequest returns a copy of req without credential headers, body or
// context, its URL replaced by the sanitised one.
func cleanRequest(req *http.Request, sanitized string) *http.Request {
	r := *req
	r.Header = req.Header.Clone()
	for _, h := range credentialHeaders {
		r.Header.Del(h)
	}
	r.Body, r.GetBody = nil, nil
	if u, err := url.Parse(sanitized); err == nil {
		r.URL = u
	} else {
		r.URL = &url.URL{}
	}
	return r.WithContext(context.Background())
}

// cleanFields returns fields with credentials and control characters removed from its keys and messages.
func cleanFields(fields map[string][]string, secrets []string) map[string][]string {
	if fields == nil {
		return nil
	}
	out := make(map[string][]string, len(fields))
	for k, msgs := range fields {
		clean := make([]string, len(msgs))
		for i, m := range msgs {
			clean[i] = oneLine(redact(m, secrets), maxMessageLen)
		}
		rk := oneLine(redact(k, secrets), maxMessageLen)
		out[rk] = append(out[rk], clean...)
	}
	return out
}

// parseErrorBody extracts GitLab's message from an error body of any known shape:
// {"message":"..."}, {"message":{"attr":["..."]}}, {"message":{"error":"..."}},
// {"error":"..."}, {"error":"code","error_description":"..."} and plain text.
// The body is parsed once; nesting beyond maxMessageDepth is cut, and the
// message is capped, so the work is linear in the body's size.
func parseErrorBody(body []byte, contentType string) (msg string, fields map[string][]string, code string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "", nil, ""
	}
	if trimmed[0] == '{' {
		var doc map[string]any
		if err := json.Unmarshal(trimmed, &doc); err == nil {
			if m, ok := doc["message"]; ok && m != nil {
				msg, fields = flattenMessage(m)
				return msg, fields, ""
			}
			if e, ok := doc["error"]; ok && e != nil {
				errText := flattenValue(e)
				if d, ok := doc["error_description"].(string); ok && d != "" {
					return d, nil, errText
				}
				return errText, nil, ""
			}
		}
	}
	return plainTextMessage(trimmed, contentType), nil, ""
}

// flattenMessage turns a decoded JSON message value (string, array or object) into one line.
func flattenMessage(v any) (string, map[string][]string) {
	obj, ok := v.(map[string]any)
	if !ok {
		return flattenValue(v), nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fields := make(map[string][]string, len(obj))
	var line cappedBuilder
	for _, k := range keys {
		var msgs []string
		switch x := obj[k].(type) {
		case string:
			msgs = []string{x}
		case []any:
			for _, el := range x {
				msgs = append(msgs, flattenValue(el))
			}
		default:
			msgs = []string{flattenValue(x)}
		}
		fields[k] = msgs
		for _, m := range msgs {
			if k == "error" || k == "base" {
				line.part(m)
			} else {
				line.part(k + " " + m)
			}
		}
	}
	if len(fields) == 1 {
		if _, ok := fields["error"]; ok {
			fields = nil // {"message":{"error":"..."}} is a plain message, not a field error
		}
	}
	return line.String(), fields
}

// flattenValue renders any decoded JSON value as one capped line.
func flattenValue(v any) string {
	var b cappedBuilder
	b.value(v, 0)
	return b.String()
}

// cappedBuilder joins message parts with ", " and stops growing at maxMessageLen.
type cappedBuilder struct {
	b    strings.Builder
	full bool
}

func (c *cappedBuilder) write(s string) {
	if c.full {
		return
	}
	if room := maxMessageLen + 1 - c.b.Len(); len(s) > room {
		s, c.full = s[:room], true
	}
	c.b.WriteString(s)
}

func (c *cappedBuilder) part(s string) {
	if c.b.Len() > 0 {
		c.write(", ")
	}
	c.write(s)
}

// value writes v: strings as is, arrays as their elements joined by ", ",
// objects as "key value" pairs in key order, nesting beyond maxMessageDepth as "…".
func (c *cappedBuilder) value(v any, depth int) {
	if c.full {
		return
	}
	if depth > maxMessageDepth {
		c.write("…")
		return
	}
	switch x := v.(type) {
	case nil:
	case string:
		c.write(x)
	case []any:
		first := true
		for _, el := range x {
			if !first {
				c.write(", ")
			}
			first = false
			c.value(el, depth+1)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				c.write(", ")
			}
			c.write(k)
			c.write(" ")
			c.value(x[k], depth+1)
		}
	default:
		b, _ := json.Marshal(x)
		c.write(string(b))
	}
}

func (c *cappedBuilder) String() string { return c.b.String() }

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

// ValidationError reports input refused before any request was sent. It matches ErrInvalidInput.
type ValidationError struct {
	// Field names the offending argument or option field, e.g. "id" or "UpdateRunnerOptions".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "runnerapi: invalid FIELD: REASON".
func (e *ValidationError) Error() string {
	return escapeControl("runnerapi: invalid " + e.Field + ": " + e.Reason)
}

// Format prints the Error text for every verb, also for a value, whose
// fields fmt would otherwise print one by one.
func (e ValidationError) Format(f fmt.State, verb rune) { formatError(f, verb, e.Error()) }

// Is matches ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// DecodeError reports a 2xx answer whose body could not be decoded: truncated
// JSON, an HTML page from a proxy, the wrong shape, an empty or null body, a
// null list element, data after the JSON value, or a body over the size
// limit. It matches ErrInvalidResponse and unwraps to the cause.
type DecodeError struct {
	// Method and URL (credentials removed) identify the request.
	Method, URL string
	// StatusCode is the answer's HTTP status.
	StatusCode int
	// ContentType is the answer's Content-Type header, as sent.
	ContentType string
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the decoding error, or ErrResponseTooLarge. When the decoder's
	// message quoted a credential, Err is a redacted stand-in for it.
	Err error
}

// newDecodeError wraps a failure to decode the body of resp.
func newDecodeError(resp *http.Response, err error, attempts int, secrets []string) *DecodeError {
	e := &DecodeError{
		StatusCode:  resp.StatusCode,
		ContentType: redact(resp.Header.Get("Content-Type"), secrets),
		Attempts:    attempts,
		Err:         cleanCause(err, secrets),
	}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = sanitizeURL(resp.Request.URL, secrets)
	}
	return e
}

// Error returns "runnerapi: METHOD URL: decoding STATUS answer (CONTENT-TYPE): CAUSE".
func (e *DecodeError) Error() string {
	msg := ""
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return finishError(fmt.Sprintf("runnerapi: %s %s: decoding %d answer (%s): %s", e.Method, e.URL, e.StatusCode, e.ContentType, msg), e.Attempts)
}

// Format prints the redacted Error text for every verb.
func (e DecodeError) Format(f fmt.State, verb rune) { formatError(f, verb, e.Error()) }

// Unwrap returns the underlying decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is matches ErrInvalidResponse.
func (e *DecodeError) Is(target error) bool { return target == ErrInvalidResponse }

// RequestError reports a request that got no usable HTTP answer: a connection
// failure, an attempt timeout, a cancelled context, a refused redirect
// (*RedirectError) or a rate-limit wait that would exceed WithMaxRetryWait or
// the deadline. It unwraps to the cause, so errors.Is(err, context.Canceled) works.
type RequestError struct {
	// Method and URL (credentials removed) identify the request.
	Method, URL string
	// Attempts is how many times the request was sent (0 when it never was).
	Attempts int
	// Err is the cause. When its message carried a credential, Err is a
	// redacted stand-in that still matches the same sentinels.
	Err error
}

// Error returns "runnerapi: METHOD URL: CAUSE".
func (e *RequestError) Error() string {
	cause := e.Err
	var ue *url.Error
	if errors.As(cause, &ue) {
		cause = ue.Err // url.Error repeats the raw URL; keep only its cause
	}
	msg := ""
	if cause != nil {
		msg = cause.Error()
	}
	return finishError("runnerapi: "+e.Method+" "+e.URL+": "+msg, e.Attempts)
}

// Format prints the redacted Error text for every verb.
func (e RequestError) Format(f fmt.State, verb rune) { formatError(f, verb, e.Error()) }

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the cause was a timeout (including WithAttemptTimeout).
func (e *RequestError) Timeout() bool {
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// newRequestError wraps a transport failure of a request to u.
func newRequestError(method string, u *url.URL, attempts int, err error, secrets []string) *RequestError {
	return &RequestError{
		Method:   method,
		URL:      sanitizeURL(u, secrets),
		Attempts: attempts,
		Err:      cleanCause(err, secrets),
	}
}
