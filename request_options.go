package runnerapi

import (
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// RequestOption changes one request: headers or query parameters. Every
// RequestOption is also an IterOption (see iter_options.go).
type RequestOption func(*requestConfig) error

// requestConfig collects what request options set.
type requestConfig struct {
	header http.Header
	query  url.Values
}

// WithIfUnmodifiedSince makes a delete conditional: GitLab answers 412
// (ErrPreconditionFailed) and deletes nothing if the resource changed after t.
func WithIfUnmodifiedSince(t time.Time) RequestOption {
	return WithHeader("If-Unmodified-Since", t.UTC().Format(http.TimeFormat))
}

// WithSudo performs the request as another user (administrators only); user is a username or numeric ID.
func WithSudo(user string) RequestOption {
	return func(rc *requestConfig) error {
		if user == "" {
			return &ValidationError{Field: "WithSudo", Reason: "user is empty"}
		}
		if err := checkHeaderValue("WithSudo", user); err != nil {
			return err
		}
		return WithHeader("Sudo", user)(rc)
	}
}

// WithHeader sets a header on one request. A key that is not a header name,
// or a value with CR, LF, NUL or another control character, is refused.
func WithHeader(key, value string) RequestOption {
	return func(rc *requestConfig) error {
		if err := checkHeaderName("WithHeader", key); err != nil {
			return err
		}
		if err := checkHeaderValue("WithHeader", value); err != nil {
			return err
		}
		if rc.header == nil {
			rc.header = make(http.Header)
		}
		rc.header.Set(key, value)
		return nil
	}
}

// WithQuery adds a query parameter the SDK does not model (one a newer
// GitLab accepts before this SDK has a field for it). Credentials are
// refused: tokens never go into a URL.
func WithQuery(key, value string) RequestOption {
	return func(rc *requestConfig) error {
		if key == "" {
			return &ValidationError{Field: "WithQuery", Reason: "key is empty"}
		}
		if isSecretParam(key) {
			return &ValidationError{Field: "WithQuery", Reason: fmt.Sprintf("%q is a credential and must not be sent in a URL", key)}
		}
		if rc.query == nil {
			rc.query = make(url.Values)
		}
		rc.query.Add(key, value)
		return nil
	}
}

// applyRequestOptions runs opts on a fresh requestConfig.
func applyRequestOptions(opts []RequestOption) (*requestConfig, error) {
	rc := &requestConfig{}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(rc); err != nil {
			return nil, err
		}
	}
	return rc, nil
}
