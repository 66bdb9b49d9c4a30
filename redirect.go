package runnerapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Redirect policy. It is enforced in the client's transport, on every hop,
// before and independently of any CheckRedirect of the caller's
// *http.Client, so that no redirect policy can undo it:
//
//   - Credentials (PRIVATE-TOKEN, Authorization, JOB-TOKEN, Sudo, Cookie,
//     Proxy-Authorization) are removed from every hop once the chain has left
//     the origin (scheme, host and port) of the first request, also from a
//     later hop that comes back to it: the chain was steered by another host.
//   - A redirect that would change the method (net/http turns DELETE, PUT,
//     PATCH and POST into GET on 301, 302 and 303), or resend or drop a
//     request body, is never followed: the call fails with a *RedirectError
//     and nothing is reported as done.
//   - A Location that does not parse, or whose scheme is not http or https,
//     fails with a *RedirectError.
//
// None of these failures is retried: they are properties of the answer, not accidents.

// credentialHeaders are dropped on a redirect that leaves the configured origin.
var credentialHeaders = []string{"Private-Token", "Authorization", "Job-Token", "Runner-Token", "Sudo", "Cookie", "Proxy-Authorization"}

// RedirectError reports a redirect the client refused to follow. It is the
// cause of a *RequestError (errors.As finds it).
type RedirectError struct {
	// StatusCode is the redirect's status (301, 302, 303, 307 or 308).
	StatusCode int
	// Method is the method of the request that was redirected.
	Method string
	// Location is the redirect target, sanitised (credentials removed,
	// control characters escaped, at most 200 bytes).
	Location string
	// Reason says why the redirect was refused.
	Reason string
}

// Error returns "refused STATUS redirect to LOCATION: REASON".
func (e *RedirectError) Error() string {
	return escapeControl(redact("refused "+strconv.Itoa(e.StatusCode)+" redirect to "+e.Location+": "+e.Reason, nil))
}

// Format prints the Error text for every verb.
func (e RedirectError) Format(f fmt.State, verb rune) { formatError(f, verb, e.Error()) }

// maxRedirects is how many redirects one attempt follows.
const maxRedirects = 10

// redirectLimit wraps the caller's CheckRedirect (nil: net/http's default of
// 10 hops) so that a refusal is a *RedirectError, which is never retried.
func redirectLimit(user func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		var err error
		switch {
		case user != nil:
			err = user(req, via)
		case len(via) >= maxRedirects:
			err = errors.New("stopped after 10 redirects")
		}
		if err == nil || errors.Is(err, http.ErrUseLastResponse) {
			return err
		}
		e := &RedirectError{Method: via[0].Method, Location: oneLine(sanitizeURL(req.URL, nil), 200), Reason: err.Error()}
		if req.Response != nil {
			e.StatusCode = req.Response.StatusCode
		}
		return e
	}
}

// isRedirect reports whether net/http follows an answer with this status.
func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// checkRedirect applies the redirect policy to an answer of req; it returns
// nil when net/http may follow it (or it is no redirect at all).
func checkRedirect(req *http.Request, resp *http.Response, secrets []string) *RedirectError {
	if !isRedirect(resp.StatusCode) {
		return nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil // net/http does not follow it either; it is the answer
	}
	e := &RedirectError{StatusCode: resp.StatusCode, Method: req.Method}
	target, err := req.URL.Parse(loc)
	if err != nil {
		e.Location = oneLine(redact(loc, secrets), 200)
		e.Reason = "the Location header does not parse"
		return e
	}
	e.Location = oneLine(sanitizeURL(target, secrets), 200)
	switch {
	case target.Scheme != "http" && target.Scheme != "https":
		e.Reason = "the Location is not an http or https URL"
	case target.Host == "":
		e.Reason = "the Location has no host"
	case resp.StatusCode <= http.StatusSeeOther && req.Method != http.MethodGet && req.Method != http.MethodHead:
		e.Reason = "following it would turn " + req.Method + " into GET and drop the request"
	case hasBody(req):
		e.Reason = "following it would resend the request body"
	default:
		return nil
	}
	return e
}

// hasBody reports whether req carries a body.
func hasBody(req *http.Request) bool {
	return req.ContentLength != 0 || req.GetBody != nil || (req.Body != nil && req.Body != http.NoBody)
}

// stripCredentials returns a copy of req without credential headers.
func stripCredentials(req *http.Request) *http.Request {
	r := req.Clone(req.Context())
	for _, h := range credentialHeaders {
		r.Header.Del(h)
	}
	return r
}

// sameOrigin reports whether next keeps the scheme, host and port of first.
func sameOrigin(first, next *url.URL) bool {
	return strings.EqualFold(first.Scheme, next.Scheme) &&
		strings.EqualFold(first.Hostname(), next.Hostname()) &&
		effectivePort(first) == effectivePort(next)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
