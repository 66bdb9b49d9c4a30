package runnerapitest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests pin the divergences third-party clients found (issue 12,
// server-semantics.md §8): each case is what the newest GitLab answers.

// send is do with headers and a form or JSON body chosen by contentType.
func send(t *testing.T, s *Server, method, path string, header http.Header, contentType, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+"/api/v4"+path, rd)
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

func tokenHeader(tok string) http.Header { return http.Header{"Private-Token": {tok}} }

func ids(t *testing.T, body string) []int64 {
	t.Helper()
	var rs []struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(body), &rs), body)
	out := []int64{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestFakeGrapeCoercion: booleans in dry-types' spellings, integers from
// strings, Hash parameters, and undeclared parameters ignored (§8.3).
func TestFakeGrapeCoercion(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	r := s.AddRunner(RunnerSpec{Tags: []string{"docker"}})
	gr := s.AddRunner(RunnerSpec{Type: "group_type", GroupID: g.ID, Paused: true})
	admin := tokenHeader(s.AdminToken())
	path := "/runners/" + strconv.FormatInt(r.ID, 10)
	form := "application/x-www-form-urlencoded"

	booleans := []struct {
		value string
		want  bool
	}{
		{"on", true}, {"off", false}, {"y", true}, {"n", false}, {"yes", true}, {"no", false},
		{"t", true}, {"f", false}, {"1", true}, {"0", false}, {"ON", true}, {"Off", false},
		{"YES", true}, {"No", false}, {"True", true}, {"FALSE", false}, {"T", true}, {"N", false},
	}
	for _, tt := range booleans {
		t.Run("locked="+tt.value, func(t *testing.T) {
			status, _, body := send(t, s, "PUT", path, admin, form, "locked="+tt.value)
			require.Equal(t, 200, status, body)
			st, _ := s.Runner(r.ID)
			assert.Equal(t, tt.want, st.Locked)
		})
	}
	for _, bad := range []string{"maybe", "2", "tRUE", "yES"} {
		t.Run("locked="+bad, func(t *testing.T) {
			status, _, body := send(t, s, "PUT", path, admin, form, "locked="+bad)
			assert.Equal(t, 400, status)
			assert.JSONEq(t, `{"error":"locked is invalid"}`, body)
		})
	}

	t.Run("integer from a form string", func(t *testing.T) {
		status, _, body := send(t, s, "PUT", path, admin, form, "maximum_timeout=3600")
		require.Equal(t, 200, status, body)
		assert.Contains(t, body, `"maximum_timeout":3600`)
		status, _, body = send(t, s, "PUT", path, admin, form, "maximum_timeout=abc")
		assert.Equal(t, 400, status)
		assert.JSONEq(t, `{"error":"maximum_timeout is invalid"}`, body)
	})

	t.Run("Hash given as a string", func(t *testing.T) {
		reg := s.InstanceRegistrationToken()
		before := s.Counters().RunnersCreated
		status, _, body := send(t, s, "POST", "/runners", nil, form, "token="+reg+"&info=gitlab-runner")
		assert.Equal(t, 400, status)
		assert.JSONEq(t, `{"error":"info is invalid"}`, body)
		assert.Equal(t, before, s.Counters().RunnersCreated, "no runner registered")
		status, _, body = send(t, s, "POST", "/runners", nil, form, "token="+reg+"&info[name]=from-form")
		require.Equal(t, 201, status, body)
	})

	t.Run("undeclared scope on group runners is ignored", func(t *testing.T) {
		status, _, body := send(t, s, "GET", "/groups/"+strconv.FormatInt(g.ID, 10)+"/runners?scope=active&all=false", admin, "", "")
		require.Equal(t, 200, status, body)
		got := ids(t, body)
		assert.Contains(t, got, r.ID)
		assert.Contains(t, got, gr.ID, "unfiltered: the paused group runner is listed")
	})

	t.Run("active is not a parameter of POST /user/runners", func(t *testing.T) {
		status, _, body := send(t, s, "POST", "/user/runners", admin, "application/json", `{"runner_type":"instance_type","active":false,"paused":false}`)
		require.Equal(t, 201, status, body)
		var reg struct{ ID int64 }
		require.NoError(t, json.Unmarshal([]byte(body), &reg))
		st, _ := s.Runner(reg.ID)
		assert.False(t, st.Paused, "active ignored, so no mutual exclusion and no pause")
	})
}

// TestFakeCheckOrder: Grape validates declared parameters before the
// endpoint body looks anything up (§8.3, §8.5).
func TestFakeCheckOrder(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	p1 := s.AddProject("one", g.ID)
	p2 := s.AddProject("two", g.ID)
	shared := s.AddRunner(RunnerSpec{Type: "project_type", ProjectIDs: []int64{p1.ID, p2.ID}})
	dev := s.AddUser("dev", false)
	admin := s.AdminToken()
	tests := []struct {
		name, method, path, token, body string
		status                          int
		want                            string
	}{
		{"update nothing on a missing runner", "PUT", "/runners/999999", admin, `{}`, 400,
			`{"error":"description, active, paused, tag_list, run_untagged, locked, access_level, maximum_timeout, maintenance_note are missing, at least one parameter must be provided"}`},
		{"mutually exclusive on a missing runner", "PUT", "/runners/999999", admin, `{"active":true,"paused":true}`, 400,
			`{"error":"active, paused are mutually exclusive"}`},
		{"unknown scope: Grape's values message", "GET", "/runners?scope=bogus", admin, "", 400,
			`{"error":"scope does not have a valid value"}`},
		{"known scope this route refuses: the route's message", "GET", "/runners?scope=shared", admin, "", 400,
			`{"message":"Scope contains invalid value"}`},
		{"validation before the administrator check", "GET", "/runners/all?status=bogus", dev.Token, "", 400,
			`{"error":"status does not have a valid value"}`},
		{"several failures joined", "GET", "/runners/all?type=x&status=y", admin, "", 400,
			`{"error":"type does not have a valid value, status does not have a valid value"}`},
		{"bad job status before the runner lookup", "GET", "/runners/999999/jobs?status=done", admin, "", 400,
			`{"error":"status does not have a valid value"}`},
		{"more than one project before the access check", "DELETE", "/runners/" + strconv.FormatInt(shared.ID, 10), dev.Token, "", 403,
			`{"message":"403 Forbidden - Runner associated with more than one project"}`},
		{"authentication before validation", "PUT", "/runners/abc", "", `{}`, 401, `{"message":"401 Unauthorized"}`},
		{"per_page 0 is an except_values failure", "GET", "/runners/all?per_page=0", admin, "", 400, `{"error":"per_page has a value not allowed"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := do(t, s, tt.method, tt.path, tt.token, tt.body)
			assert.Equal(t, tt.status, status)
			assert.JSONEq(t, tt.want, body)
		})
	}
}

// TestFakeSudo: sudo from the parameter or the header, GitLab's messages (§8.4).
func TestFakeSudo(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	p := s.AddProject("web", g.ID)
	dev := s.AddUser("Dev", false)
	s.AddProjectMember(p.ID, dev.ID, RoleMaintainer)
	mine := s.AddRunner(RunnerSpec{Type: "project_type", ProjectIDs: []int64{p.ID}})
	s.AddRunner(RunnerSpec{}) // an instance runner: not in anyone's GET /runners
	admin := s.AdminToken()
	tests := []struct {
		name   string
		path   string
		header http.Header
		status int
		want   string
	}{
		{"admin, sudo parameter", "/runners?sudo=dev", tokenHeader(admin), 200, "[" + strconv.FormatInt(mine.ID, 10) + "]"},
		{"admin, sudo by id", "/runners?sudo=" + strconv.FormatInt(dev.ID, 10), tokenHeader(admin), 200, "[" + strconv.FormatInt(mine.ID, 10) + "]"},
		{"admin, Sudo header", "/runners", http.Header{"Private-Token": {admin}, "Sudo": {"DEV"}}, 200, "[" + strconv.FormatInt(mine.ID, 10) + "]"},
		{"admin without sudo", "/runners", tokenHeader(admin), 200, "[]"},
		{"non-admin, sudo parameter", "/runners?sudo=root", tokenHeader(dev.Token), 403, `{"message":"403 Forbidden - Must be admin to use sudo"}`},
		{"non-admin, Sudo header", "/runners", http.Header{"Private-Token": {dev.Token}, "Sudo": {"root"}}, 403, `{"message":"403 Forbidden - Must be admin to use sudo"}`},
		{"unknown user", "/runners?sudo=nobody", tokenHeader(admin), 404, `{"message":"404 User with ID or username 'nobody' Not Found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := send(t, s, "GET", tt.path, tt.header, "", "")
			assert.Equal(t, tt.status, status, body)
			if strings.HasPrefix(tt.want, "[") {
				var want []int64
				require.NoError(t, json.Unmarshal([]byte(tt.want), &want))
				assert.Equal(t, want, ids(t, body))
				return
			}
			assert.JSONEq(t, tt.want, body)
		})
	}
}

// TestFakeVisibility: GET /runners shows group runners only to group
// Owners; the newest runner_policy for readers of group and project runners (§8.5).
func TestFakeVisibility(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	sub := s.AddGroup("infra", g.ID)
	p := s.AddProject("web", sub.ID)
	other := s.AddProject("other", g.ID)
	grp := s.AddRunner(RunnerSpec{Type: "group_type", GroupID: g.ID})
	prj := s.AddRunner(RunnerSpec{Type: "project_type", ProjectIDs: []int64{p.ID}})
	both := s.AddRunner(RunnerSpec{Type: "project_type", ProjectIDs: []int64{other.ID, p.ID}})
	owner := s.AddUser("owner", false)
	s.AddGroupMember(g.ID, owner.ID, RoleOwner)
	maint := s.AddUser("maint", false)
	s.AddGroupMember(g.ID, maint.ID, RoleMaintainer)
	pm := s.AddUser("pm", false)
	s.AddProjectMember(p.ID, pm.ID, RoleMaintainer)
	dev := s.AddUser("dev", false)
	s.AddProjectMember(p.ID, dev.ID, RoleDeveloper)

	list := func(u User) []int64 {
		status, _, body := do(t, s, "GET", "/runners", u.Token, "")
		require.Equal(t, 200, status, body)
		return ids(t, body)
	}
	assert.Equal(t, []int64{grp.ID, prj.ID, both.ID}, list(owner), "an Owner sees the group runner and, as inherited Maintainer, the project runners")
	assert.Equal(t, []int64{prj.ID, both.ID}, list(maint), "a group Maintainer does not see the group runner in GET /runners")
	assert.Equal(t, []int64{prj.ID, both.ID}, list(pm))
	assert.Equal(t, []int64{}, list(dev))

	get := func(u User, r Runner, suffix string) int {
		status, _, _ := do(t, s, "GET", "/runners/"+strconv.FormatInt(r.ID, 10)+suffix, u.Token, "")
		return status
	}
	assert.Equal(t, 200, get(maint, grp, ""), "group Maintainer reads the group runner")
	assert.Equal(t, 200, get(pm, grp, ""), "a Maintainer of a project in the group reads the group runner")
	assert.Equal(t, 403, get(dev, grp, ""))
	assert.Equal(t, 403, get(maint, grp, "/jobs"), "jobs need read_builds: the group's Owners")
	assert.Equal(t, 200, get(owner, grp, "/jobs"))
	assert.Equal(t, 200, get(pm, both, "/jobs"), "a shared project runner's jobs: any Maintainer of its projects")
	status, _, _ := do(t, s, "PUT", "/runners/"+strconv.FormatInt(grp.ID, 10), maint.Token, `{"description":"x"}`)
	assert.Equal(t, 403, status, "only Owners update group runners")
}

var stampRE = regexp.MustCompile(`"(created_at|contacted_at|updated_at|last_used_at)":"([^"]*)"`)

// TestFakeTimestamps: always three fractional digits in UTC (§8.6).
func TestFakeTimestamps(t *testing.T) {
	local := time.FixedZone("CET", 3600)
	created := []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC),
		time.Date(2026, 1, 2, 4, 4, 5, 123_456_789, local),
	}
	want := []string{"2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05.500Z", "2026-01-02T03:04:05.123Z"}
	for i, c := range created {
		s := newTestFake(t)
		contacted := c
		r := s.AddRunner(RunnerSpec{CreatedAt: c, ContactedAt: &contacted})
		status, _, body := do(t, s, "GET", "/runners/"+strconv.FormatInt(r.ID, 10), s.AdminToken(), "")
		require.Equal(t, 200, status)
		ms := stampRE.FindAllStringSubmatch(body, -1)
		require.Len(t, ms, 2, body)
		for _, m := range ms {
			assert.Equal(t, want[i], m[2], m[1])
		}
	}
}

// TestFakeIfUnmodifiedSinceFullPrecision: a change within the second after
// the header's time is a 412 (§8.6).
func TestFakeIfUnmodifiedSinceFullPrecision(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 500_000_000, time.UTC)
	s := NewServer(WithClock(func() time.Time { return now }))
	defer s.Close()
	r := s.AddRunner(RunnerSpec{})
	header := http.Header{"Private-Token": {s.AdminToken()}, "If-Unmodified-Since": {now.Truncate(time.Second).Format(http.TimeFormat)}}
	status, _, body := send(t, s, "DELETE", "/runners/"+strconv.FormatInt(r.ID, 10), header, "", "")
	assert.Equal(t, 412, status)
	assert.JSONEq(t, `{"message":"412 Precondition Failed"}`, body)
	header.Set("If-Unmodified-Since", now.Add(time.Second).Format(http.TimeFormat))
	status, _, _ = send(t, s, "DELETE", "/runners/"+strconv.FormatInt(r.ID, 10), header, "", "")
	assert.Equal(t, 204, status)
}

// links parses a Link header into rel → URL.
func links(h http.Header) map[string]*url.URL {
	out := map[string]*url.URL{}
	for _, part := range strings.Split(h.Get("Link"), ", ") {
		u, rel, ok := strings.Cut(part, ">; rel=")
		if !ok {
			continue
		}
		parsed, _ := url.Parse(strings.TrimPrefix(u, "<"))
		out[strings.Trim(rel, `"`)] = parsed
	}
	return out
}

// TestFakePaginationHeaders: out-of-range pages and Link URLs built from
// Grape's params, defaults and path id included (§8.7).
func TestFakePaginationHeaders(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	p := s.AddProject("web", g.ID)
	r := s.AddRunner(RunnerSpec{})
	s.AddRunners(44, RunnerSpec{})
	s.AddJobs(30, JobSpec{RunnerID: r.ID, ProjectID: p.ID})
	admin := s.AdminToken()

	_, h, body := do(t, s, "GET", "/runners/all?page=9", admin, "")
	assert.Equal(t, "[]", body)
	assert.Equal(t, []string{""}, h.Values("X-Prev-Page"), "out of range: no previous page")
	assert.Equal(t, []string{""}, h.Values("X-Next-Page"))
	assert.NotContains(t, links(h), "prev")
	assert.Contains(t, links(h), "first")

	_, h, _ = do(t, s, "GET", "/runners/all?page=3", admin, "")
	assert.Equal(t, "2", h.Get("X-Prev-Page"), "the last page still has a previous page")

	id := strconv.FormatInt(r.ID, 10)
	_, h, _ = do(t, s, "GET", "/runners/"+id+"/jobs", admin, "")
	next := links(h)["next"]
	require.NotNil(t, next, h.Get("Link"))
	assert.Equal(t, "id="+id+"&page=2&per_page=20&sort=desc", next.RawQuery)

	_, h, _ = do(t, s, "GET", "/projects/"+strconv.FormatInt(p.ID, 10)+"/runners?per_page=500&paused=off", admin, "")
	first := links(h)["first"]
	require.NotNil(t, first, h.Get("Link"))
	assert.Equal(t, "id="+strconv.FormatInt(p.ID, 10)+"&page=1&paused=false&per_page=500", first.RawQuery,
		"coerced values, the path id, and per_page as requested")
	assert.Equal(t, "100", h.Get("X-Per-Page"), "clamped in the header")
}

// TestFakeAfterCommitWithoutStatus applies the request once and answers it.
func TestFakeAfterCommitWithoutStatus(t *testing.T) {
	s := newTestFake(t)
	s.AddFault("POST", "/user/runners", 1, Fault{AfterCommit: true})
	status, _, body := do(t, s, "POST", "/user/runners", s.AdminToken(), `{"runner_type":"instance_type"}`)
	assert.Equal(t, 201, status, body)
	assert.Equal(t, int64(1), s.Counters().RunnersCreated, "applied once")
	assert.Len(t, s.RunnerIDs(), 1)
}

// TestFakeUnassignOrder: DELETE /projects/:id/runners/:runner_id checks the
// precondition on the link row before the owner-project rule.
func TestFakeUnassignOrder(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	p := s.AddProject("web", g.ID)
	r := s.AddRunner(RunnerSpec{Type: "project_type", ProjectIDs: []int64{p.ID}, CreatedAt: testNow})
	header := http.Header{"Private-Token": {s.AdminToken()}, "If-Unmodified-Since": {testNow.Add(-time.Hour).Format(http.TimeFormat)}}
	status, _, body := send(t, s, "DELETE", "/projects/"+strconv.FormatInt(p.ID, 10)+"/runners/"+strconv.FormatInt(r.ID, 10), header, "", "")
	assert.Equal(t, 412, status, body)
}

// TestFakeControllerTokenParams: the token routes name the controller
// runner_controller_id and the token id, as runner_controller_tokens.rb does.
func TestFakeControllerTokenParams(t *testing.T) {
	s := newTestFake(t)
	ctl := s.AddController("c", "enabled")
	s.AddControllerToken(ctl, "t", nil)
	admin := s.AdminToken()
	status, _, body := do(t, s, "GET", "/runner_controllers/x/tokens", admin, "")
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"error":"runner_controller_id is invalid"}`, body)
	status, _, body = do(t, s, "GET", "/runner_controllers/1/tokens/x", admin, "")
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"error":"id is invalid"}`, body)
	_, h, _ := do(t, s, "GET", "/runner_controllers/1/tokens", admin, "")
	first := links(h)["first"]
	require.NotNil(t, first, h.Get("Link"))
	assert.Equal(t, "page=1&per_page=20&runner_controller_id=1", first.RawQuery)
}

// TestFakeJobRouterDiscovery: the SDK's DiscoverJobRouter against the fake.
func TestFakeJobRouterDiscovery(t *testing.T) {
	s := newTestFake(t)
	r := s.AddRunner(RunnerSpec{})
	c := s.Client()
	ctx := context.Background()
	_, resp, err := c.Runners.DiscoverJobRouter(ctx, r.Token)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, 501, resp.StatusCode)
	_, _, err = c.Runners.DiscoverJobRouter(ctx, "glrt-nope")
	assert.ErrorIs(t, err, runnerapi.ErrForbidden)
	s.SetJobRouter("wss://kas.example.com")
	d, _, err := c.Runners.DiscoverJobRouter(ctx, r.Token)
	require.NoError(t, err)
	assert.Equal(t, "wss://kas.example.com", d.ServerURL)
}

// TestFakeRegistrationTokenResetWhenDisabled: with registration tokens
// disabled, the policies prevent update_runners_registration_token.
func TestFakeRegistrationTokenResetWhenDisabled(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	p := s.AddProject("web", g.ID)
	s.SetRegistrationEnabled(false)
	for _, path := range []string{"/runners/reset_registration_token", "/groups/" + strconv.FormatInt(g.ID, 10) + "/runners/reset_registration_token",
		"/projects/" + strconv.FormatInt(p.ID, 10) + "/runners/reset_registration_token"} {
		status, _, body := do(t, s, "POST", path, s.AdminToken(), "")
		assert.Equal(t, 403, status, path)
		assert.JSONEq(t, `{"message":"403 Forbidden"}`, body, path)
	}
}
