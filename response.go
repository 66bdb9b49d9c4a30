package runnerapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Response is GitLab's answer to one call, with the pagination and rate-limit
// headers parsed. It embeds the *http.Response, whose body is already closed.
type Response struct {
	*http.Response

	// Offset pagination (X-Total, X-Total-Pages, X-Per-Page, X-Page, X-Next-Page, X-Prev-Page).
	// TotalItems and TotalPages are 0 when GitLab did not count (above 10,000
	// rows, or runner jobs filtered by system_id): that is normal, never an error.
	TotalItems int64
	// TotalPages is X-Total-Pages: the page count, 0 when not counted.
	TotalPages int64
	// ItemsPerPage is X-Per-Page: the page size GitLab applied.
	ItemsPerPage int64
	// CurrentPage is X-Page: the number of this page, from 1.
	CurrentPage int64
	// NextPage is 0 on the last page (GitLab sends an empty X-Next-Page).
	NextPage int64
	// PrevPage is X-Prev-Page: 0 on the first page and on a page past the end.
	PrevPage int64

	// NextLink is the Link rel="next" URL as GitLab sent it (keyset pagination
	// uses it; offset pagination sends it too). Its host is GitLab's configured
	// external URL, which may differ from the client's.
	NextLink string
	// NextCursor is the cursor parameter of NextLink, for keyset pagination.
	NextCursor string

	// RateLimit is GitLab's RateLimit-* headers, when present.
	RateLimit RateLimit

	// Attempts is how many times the request was sent (1 without retries).
	// A call that made an attempt returns a non-nil *Response also with an
	// error, so the count is here for every outcome; when no answer came
	// (a *RequestError), the embedded *http.Response is empty (StatusCode 0).
	Attempts int
}

// RateLimit is the RateLimit-* header family GitLab sends on throttled (and, on newer servers, other) answers.
type RateLimit struct {
	// Name is the throttle's name (RateLimit-Name), e.g. "throttle_authenticated_api".
	Name string
	// Limit is the quota per 60-second window (RateLimit-Limit); 0 when absent.
	Limit int
	// Remaining is what is left of the quota (RateLimit-Remaining); -1 when absent.
	Remaining int
	// Reset is when the window resets (RateLimit-Reset, as Unix time on new
	// servers or seconds-until on old ones); zero when absent.
	Reset time.Time
}

// Known reports whether the answer carried rate-limit headers: a Name,
// Limit or Reset, or a Remaining count above 0. The zero RateLimit is not known.
func (r RateLimit) Known() bool {
	return r.Limit > 0 || r.Remaining > 0 || !r.Reset.IsZero() || r.Name != ""
}

// newResponse parses the pagination and rate-limit headers of resp.
func newResponse(resp *http.Response) *Response {
	r := new(Response)
	parseResponse(r, resp)
	return r
}

// parseResponse fills r from resp's pagination and rate-limit headers.
func parseResponse(r *Response, resp *http.Response) {
	r.Response = resp
	h := resp.Header
	r.TotalItems = headerInt(h, "X-Total")
	r.TotalPages = headerInt(h, "X-Total-Pages")
	r.ItemsPerPage = headerInt(h, "X-Per-Page")
	r.CurrentPage = headerInt(h, "X-Page")
	r.NextPage = headerInt(h, "X-Next-Page")
	r.PrevPage = headerInt(h, "X-Prev-Page")
	if link := h.Get("Link"); link != "" {
		if next := parseLinkHeader(link)["next"]; next != "" {
			r.NextLink = next
			if u, err := url.Parse(next); err == nil {
				r.NextCursor = u.Query().Get("cursor")
			}
		}
	}
	r.RateLimit = parseRateLimit(h, time.Now())
}

// headerInt reads a non-negative integer header; absent, empty or malformed is 0.
func headerInt(h http.Header, key string) int64 {
	v := h.Get(key)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// parseRateLimit reads the RateLimit-* headers.
// Header names are given in canonical form (Ratelimit-…), which Header.Get
// can use without allocating a canonicalised copy on every response.
func parseRateLimit(h http.Header, now time.Time) RateLimit {
	rl := RateLimit{Name: h.Get("Ratelimit-Name"), Remaining: -1}
	if v := h.Get("Ratelimit-Limit"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			rl.Limit = n
		}
	}
	if v := h.Get("Ratelimit-Remaining"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
			rl.Remaining = n
		}
	}
	if v := h.Get("Ratelimit-Reset"); v != "" {
		if t, ok := parseResetHeader(v, now); ok {
			rl.Reset = t
		}
	} else if v := h.Get("Ratelimit-Resettime"); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			rl.Reset = t
		}
	}
	return rl
}

// epochThreshold separates the two RateLimit-Reset forms: current GitLab sends
// Unix time (about 1.7e9 and up), older GitLab sent seconds until reset (at
// most a throttle period, well under a year).
const epochThreshold = 1_000_000_000

// parseResetHeader reads RateLimit-Reset in either form and returns the reset time.
func parseResetHeader(v string, now time.Time) (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	if n >= epochThreshold {
		return time.Unix(n, 0), true
	}
	return now.Add(time.Duration(n) * time.Second), true
}

// parseLinkHeader parses an RFC 8288 Link header into rel → URL. It accepts
// GitLab's form (<url>; rel="next", <url>; rel="first") and tolerates
// unquoted rels, extra parameters, several rels in one value and stray spaces.
func parseLinkHeader(h string) map[string]string {
	links := make(map[string]string, 4)
	for len(h) > 0 {
		start := strings.IndexByte(h, '<')
		if start < 0 {
			break
		}
		end := strings.IndexByte(h[start:], '>')
		if end < 0 {
			break
		}
		target := h[start+1 : start+end]
		rest := h[start+end+1:]
		// Parameters run until the next comma followed by '<' (commas may appear in quoted values).
		params := rest
		if next := nextLinkStart(rest); next >= 0 {
			params, rest = strings.TrimRight(strings.TrimSpace(rest[:next]), ","), rest[next:]
		} else {
			rest = ""
		}
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
				continue
			}
			v = strings.Trim(strings.TrimSpace(v), `"`)
			for _, rel := range strings.Fields(v) {
				rel = strings.ToLower(rel)
				if _, seen := links[rel]; !seen {
					links[rel] = target
				}
			}
		}
		h = rest
	}
	return links
}

// nextLinkStart finds the start of the next link-value: a '<' after a comma.
func nextLinkStart(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] != ',' {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if j < len(s) && s[j] == '<' {
			return j
		}
	}
	return -1
}
