package runnerapi

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// respondWith makes one List call answered with the given headers and returns the Response.
func respondWith(t *testing.T, header http.Header) *Response {
	t.Helper()
	ts := newTestServer(t, WithoutAdaptiveRateLimit())
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		for k, vs := range header {
			w.Header()[k] = vs
		}
		serveJSON(w, http.StatusOK, []byte(`[]`))
	})
	_, resp, err := ts.Client.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	require.NotNil(t, resp)
	return resp
}

func TestResponseOffsetPagination(t *testing.T) {
	link := `<https://gitlab.example.com/api/v4/runners/all?page=1&per_page=20>; rel="prev", ` +
		`<https://gitlab.example.com/api/v4/runners/all?page=3&per_page=20>; rel="next", ` +
		`<https://gitlab.example.com/api/v4/runners/all?page=1&per_page=20>; rel="first", ` +
		`<https://gitlab.example.com/api/v4/runners/all?page=5&per_page=20>; rel="last"`
	resp := respondWith(t, http.Header{
		"X-Page": {"2"}, "X-Per-Page": {"20"}, "X-Next-Page": {"3"}, "X-Prev-Page": {"1"},
		"X-Total": {"100"}, "X-Total-Pages": {"5"}, "Link": {link},
	})
	assert.EqualValues(t, 2, resp.CurrentPage)
	assert.EqualValues(t, 20, resp.ItemsPerPage)
	assert.EqualValues(t, 3, resp.NextPage)
	assert.EqualValues(t, 1, resp.PrevPage)
	assert.EqualValues(t, 100, resp.TotalItems)
	assert.EqualValues(t, 5, resp.TotalPages)
	assert.Equal(t, "https://gitlab.example.com/api/v4/runners/all?page=3&per_page=20", resp.NextLink)
	assert.Empty(t, resp.NextCursor, "offset links carry no cursor")
	assert.Equal(t, 1, resp.Attempts)
}

func TestResponseLastPageHasEmptyNextPage(t *testing.T) {
	resp := respondWith(t, http.Header{
		"X-Page": {"5"}, "X-Per-Page": {"20"}, "X-Next-Page": {""}, "X-Prev-Page": {"4"},
		"X-Total": {"100"}, "X-Total-Pages": {"5"},
		"Link": {`<https://gitlab.example.com/api/v4/runners?page=4&per_page=20>; rel="prev", <https://gitlab.example.com/api/v4/runners?page=1&per_page=20>; rel="first"`},
	})
	assert.EqualValues(t, 0, resp.NextPage, "an empty X-Next-Page means no next page")
	assert.EqualValues(t, 4, resp.PrevPage)
	assert.Empty(t, resp.NextLink)
}

func TestResponseWithoutTotals(t *testing.T) {
	// Above 10,000 rows (or with system_id on runner jobs) GitLab omits the totals.
	resp := respondWith(t, http.Header{"X-Page": {"1"}, "X-Per-Page": {"100"}, "X-Next-Page": {"2"}, "X-Prev-Page": {""}})
	assert.EqualValues(t, 0, resp.TotalItems)
	assert.EqualValues(t, 0, resp.TotalPages)
	assert.EqualValues(t, 2, resp.NextPage)
	assert.EqualValues(t, 0, resp.PrevPage)
}

func TestResponseMalformedPaginationHeaders(t *testing.T) {
	resp := respondWith(t, http.Header{"X-Page": {"two"}, "X-Next-Page": {"-3"}, "X-Total": {" 7 "}, "X-Total-Pages": {"1.5"}})
	assert.EqualValues(t, 0, resp.CurrentPage)
	assert.EqualValues(t, 0, resp.NextPage)
	assert.EqualValues(t, 7, resp.TotalItems, "surrounding spaces are tolerated")
	assert.EqualValues(t, 0, resp.TotalPages)
}

func TestResponseKeysetLink(t *testing.T) {
	next := "https://gitlab.example.com/api/v4/runners/7/jobs?cursor=eyJpZCI6IjQyIn0%3D&id=7&order_by=id&pagination=keyset&per_page=20&sort=desc"
	resp := respondWith(t, http.Header{"Link": {"<" + next + `>; rel="next"`}})
	assert.Equal(t, next, resp.NextLink)
	assert.Equal(t, "eyJpZCI6IjQyIn0=", resp.NextCursor)
	assert.EqualValues(t, 0, resp.NextPage, "keyset answers have no X-Next-Page")
	assert.EqualValues(t, 0, resp.TotalItems)
}

func TestParseLinkHeader(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]string
	}{
		{"gitlab form", `<https://h/a?page=2>; rel="next", <https://h/a?page=1>; rel="first"`,
			map[string]string{"next": "https://h/a?page=2", "first": "https://h/a?page=1"}},
		{"unquoted rel", `<https://h/a?page=2>; rel=next`, map[string]string{"next": "https://h/a?page=2"}},
		{"several rels in one value", `<https://h/a?page=1>; rel="prev first"`,
			map[string]string{"prev": "https://h/a?page=1", "first": "https://h/a?page=1"}},
		{"extra parameters and spaces", ` <https://h/a?page=2> ;  type="application/json" ; REL="Next" `,
			map[string]string{"next": "https://h/a?page=2"}},
		{"comma in quoted parameter", `<https://h/a?page=2>; title="a, b"; rel="next", <https://h/a?page=9>; rel="last"`,
			map[string]string{"next": "https://h/a?page=2", "last": "https://h/a?page=9"}},
		{"first rel wins", `<https://h/1>; rel="next", <https://h/2>; rel="next"`, map[string]string{"next": "https://h/1"}},
		{"no rel", `<https://h/a>; title="x"`, map[string]string{}},
		{"empty", ``, map[string]string{}},
		{"garbage", `not a link header`, map[string]string{}},
		{"unterminated", `<https://h/a; rel="next"`, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, parseLinkHeader(tc.in))
		})
	}
}

func TestResponseRateLimitHeaders(t *testing.T) {
	reset := time.Now().Add(90 * time.Second).Truncate(time.Second)
	resp := respondWith(t, http.Header{
		"Ratelimit-Name":      {"throttle_authenticated_api"},
		"Ratelimit-Limit":     {"2000"},
		"Ratelimit-Observed":  {"1990"},
		"Ratelimit-Remaining": {"10"},
		"Ratelimit-Reset":     {strconv.FormatInt(reset.Unix(), 10)},
	})
	rl := resp.RateLimit
	assert.True(t, rl.Known())
	assert.Equal(t, "throttle_authenticated_api", rl.Name)
	assert.Equal(t, 2000, rl.Limit)
	assert.Equal(t, 10, rl.Remaining)
	assert.True(t, rl.Reset.Equal(reset), "got %v want %v", rl.Reset, reset)
}

func TestResponseWithoutRateLimitHeaders(t *testing.T) {
	resp := respondWith(t, nil)
	assert.False(t, resp.RateLimit.Known())
	assert.Equal(t, -1, resp.RateLimit.Remaining, "absent Remaining is -1, not 0")
	assert.Equal(t, 0, resp.RateLimit.Limit)
	assert.True(t, resp.RateLimit.Reset.IsZero())
}

func TestParseRateLimit(t *testing.T) {
	now := time.Date(2021, 1, 5, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header http.Header
		want   RateLimit
	}{
		{"epoch reset", http.Header{"Ratelimit-Limit": {"60"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"1609844400"}},
			RateLimit{Limit: 60, Remaining: 0, Reset: time.Unix(1609844400, 0)}},
		{"old seconds-until reset", http.Header{"Ratelimit-Limit": {"600"}, "Ratelimit-Remaining": {"3"}, "Ratelimit-Reset": {"1830"}},
			RateLimit{Limit: 600, Remaining: 3, Reset: now.Add(1830 * time.Second)}},
		{"reset time only", http.Header{"Ratelimit-Resettime": {"Tue, 05 Jan 2021 11:00:00 GMT"}},
			RateLimit{Remaining: -1, Reset: time.Date(2021, 1, 5, 11, 0, 0, 0, time.UTC)}},
		{"garbage", http.Header{"Ratelimit-Limit": {"lots"}, "Ratelimit-Remaining": {"-4"}, "Ratelimit-Reset": {"soon"}},
			RateLimit{Remaining: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseRateLimit(tc.header, now)
			assert.Equal(t, tc.want.Limit, got.Limit)
			assert.Equal(t, tc.want.Remaining, got.Remaining)
			assert.True(t, tc.want.Reset.Equal(got.Reset), "reset: got %v want %v", got.Reset, tc.want.Reset)
		})
	}
	assert.True(t, RateLimit{Limit: 60, Remaining: 0}.Known(), "an exhausted quota is known")
	assert.False(t, RateLimit{Remaining: -1}.Known())
}

// TestZeroRateLimitIsUnknown: the zero value reports no headers.
func TestZeroRateLimitIsUnknown(t *testing.T) {
	assert.False(t, RateLimit{}.Known())
	assert.False(t, parseRateLimit(http.Header{}, time.Now()).Known())
	assert.True(t, RateLimit{Limit: 10}.Known())
	h := http.Header{}
	h.Set("RateLimit-Limit", "600")
	h.Set("RateLimit-Remaining", "0")
	assert.True(t, parseRateLimit(h, time.Now()).Known(), "a quota used up is known")
}
