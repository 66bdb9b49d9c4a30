package runnerapi

// IterOption configures one call of an iterator (a <Method>Iter method).
//
// Every RequestOption is an IterOption: it applies to each page request the
// iterator sends. Options that only make sense for an iterator, such as
// WithPagePrefetch, are IterOptions and not RequestOptions, so passing one to
// a call that would ignore it (Get, List, Delete, ...) does not compile.
type IterOption interface {
	applyIter(*iterConfig) error
}

// iterConfig is what the options of one iterator call set. It is built once
// per call, before the first request.
type iterConfig struct {
	prefetch int // -1: not set, use the client's WithPrefetch
	// req are the request options, applied to every page request.
	req []RequestOption
	// onPage, when set, sees each page's Response before its items.
	onPage func(*Response)
}

// applyIter makes every RequestOption an IterOption.
func (o RequestOption) applyIter(ic *iterConfig) error {
	if o != nil {
		ic.req = append(ic.req, o)
	}
	return nil
}

// iterOptionFunc is an IterOption that is not a RequestOption.
type iterOptionFunc func(*iterConfig) error

func (f iterOptionFunc) applyIter(ic *iterConfig) error { return f(ic) }

// WithPagePrefetch sets the prefetch depth of one iterator call, overriding
// the client's WithPrefetch: with n > 0 the iterator keeps up to n page
// requests in flight while the caller reads; 0 fetches one page at a time.
// See the iterator documentation (ListAllIter) for what prefetch costs and
// guarantees.
func WithPagePrefetch(n int) IterOption {
	return iterOptionFunc(func(ic *iterConfig) error {
		if n < 0 {
			return &ValidationError{Field: "WithPagePrefetch", Reason: "must not be negative"}
		}
		ic.prefetch = n
		return nil
	})
}

// WithPageResponse calls fn with the Response of every page of one
// iterator call, in page order and before the page's items are yielded, on
// the goroutine that runs the loop. It gives a loop what the iterator
// otherwise hides: the totals GitLab sends (TotalItems, TotalPages; 0 above
// 10,000 rows), the rate-limit state and the server's Date header.
func WithPageResponse(fn func(*Response)) IterOption {
	return iterOptionFunc(func(ic *iterConfig) error {
		if fn == nil {
			return &ValidationError{Field: "WithPageResponse", Reason: "must be a non-nil function"}
		}
		ic.onPage = fn
		return nil
	})
}

// iterConfigOf parses the options of one iterator call; an unset prefetch
// depth becomes the client's.
func (c *Client) iterConfigOf(opts []IterOption) (iterConfig, error) {
	ic := iterConfig{prefetch: -1}
	if len(opts) > 0 {
		ic.req = make([]RequestOption, 0, len(opts))
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyIter(&ic); err != nil {
			return iterConfig{}, err
		}
	}
	if ic.prefetch < 0 {
		ic.prefetch = c.prefetch
	}
	return ic, nil
}
