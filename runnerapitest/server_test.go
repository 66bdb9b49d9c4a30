package runnerapitest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// do sends a raw request and returns status, headers and body.
func do(t *testing.T, s *Server, method, path, token string, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+"/api/v4"+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

func newTestFake(t *testing.T) *Server {
	t.Helper()
	s := NewServer(WithClock(func() time.Time { return testNow }))
	t.Cleanup(s.Close)
	return s
}

// TestFakeErrorBodies: GitLab's exact status codes and bodies.
func TestFakeErrorBodies(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	p := s.AddProject("web", g.ID)
	r := s.AddRunner(RunnerSpec{Type: "project_type", ProjectIDs: []int64{p.ID}})
	grp := s.AddRunner(RunnerSpec{Type: "group_type", GroupID: g.ID})
	dev := s.AddUser("dev", false)
	admin := s.AdminToken()
	id := strconv.FormatInt(r.ID, 10)
	tests := []struct {
		name, method, path, token, body string
		status                          int
		want                            string
	}{
		{"no credentials", "GET", "/runners/all", "", "", 401, `{"message":"401 Unauthorized"}`},
		{"bad credentials", "GET", "/runners", "glpat-nope", "", 401, `{"message":"401 Unauthorized"}`},
		{"non-admin /runners/all", "GET", "/runners/all", dev.Token, "", 403, `{"message":"403 Forbidden"}`},
		{"unknown route", "GET", "/nothing/here", admin, "", 404, `{"error":"404 Not Found"}`},
		{"wrong method", "PATCH", "/runners/" + id, admin, "", 405, `{"error":"405 Not Allowed"}`},
		{"missing runner", "GET", "/runners/999", admin, "", 404, `{"message":"404 Runner Not Found"}`},
		{"non-integer id", "GET", "/runners/abc", admin, "", 400, `{"error":"id is invalid"}`},
		{"no access", "GET", "/runners/" + id, dev.Token, "", 403, `{"message":"403 Forbidden - No access granted"}`},
		{"bad status filter", "GET", "/runners/all?status=sleeping", admin, "", 400, `{"error":"status does not have a valid value"}`},
		{"bad type filter", "GET", "/runners/all?type=shared", admin, "", 400, `{"error":"type does not have a valid value"}`},
		{"bad scope", "GET", "/runners?scope=shared", admin, "", 400, `{"message":"Scope contains invalid value"}`},
		{"bad version prefix", "GET", "/runners/all?version_prefix=v1", admin, "", 400, `{"error":"version_prefix is invalid"}`},
		{"update nothing", "PUT", "/runners/" + id, admin, `{}`, 400, `{"error":"description, active, paused, tag_list, run_untagged, locked, access_level, maximum_timeout, maintenance_note are missing, at least one parameter must be provided"}`},
		{"active and paused", "PUT", "/runners/" + id, admin, `{"active":true,"paused":true}`, 400, `{"error":"active, paused are mutually exclusive"}`},
		{"timeout too short", "PUT", "/runners/" + id, admin, `{"maximum_timeout":60}`, 400, `{"message":{"maximum_timeout":["needs to be at least 10 minutes"]}}`},
		{"untagged without tags", "PUT", "/runners/" + id, admin, `{"run_untagged":false}`, 400, `{"message":{"tags_list":["can not be empty when runner is not allowed to pick untagged jobs"]}}`},
		{"bad access level", "PUT", "/runners/" + id, admin, `{"access_level":"all"}`, 400, `{"error":"access_level does not have a valid value"}`},
		{"bad runner token", "POST", "/runners/verify", "", `{"token":"glrt-nope"}`, 403, `{"message":"403 Forbidden"}`},
		{"bad registration token", "POST", "/runners", "", `{"token":"GR1348941nope"}`, 403, `{"message":"403 Forbidden - invalid token supplied"}`},
		{"create without type", "POST", "/user/runners", admin, `{}`, 400, `{"error":"runner_type is missing"}`},
		{"create group runner without group", "POST", "/user/runners", admin, `{"runner_type":"group_type"}`, 400, `{"error":"group_id is missing"}`},
		{"assign a group runner", "POST", "/projects/" + strconv.FormatInt(p.ID, 10) + "/runners", admin, `{"runner_id":` + strconv.FormatInt(grp.ID, 10) + `}`, 403, `{"message":"403 Forbidden - Runner is a group runner"}`},
		{"missing project", "GET", "/projects/999/runners", admin, "", 404, `{"message":"404 Project Not Found"}`},
		{"missing group", "GET", "/groups/nope/runners", admin, "", 404, `{"message":"404 Group Not Found"}`},
		{"missing manager", "DELETE", "/runners/managers", "", `{"token":"` + r.Token + `","system_id":"s_x"}`, 404, `{"message":"404 Runner manager not found Not Found"}`},
		{"keyset ascending", "GET", "/runners/" + id + "/jobs?pagination=keyset&order_by=id&sort=asc", admin, "", 405, `{"error":"Keyset pagination is not yet available for this type of request"}`},
		{"offset past the limit", "GET", "/runners/" + id + "/jobs?page=501&per_page=100", admin, "", 405, `{"error":"Offset pagination has a maximum allowed offset of 50000 for requests that return objects of type Ci::Build. Remaining records can be retrieved using keyset pagination."}`},
		{"controllers as non-admin", "GET", "/runner_controllers", dev.Token, "", 403, `{"message":"403 Forbidden"}`},
		{"missing controller", "GET", "/runner_controllers/9", admin, "", 404, `{"message":"404 Not Found"}`},
		{"scopes of a missing controller", "GET", "/runner_controllers/9/scopes", admin, "", 404, `{"message":"404 Not found"}`},
		{"bad controller state", "POST", "/runner_controllers", admin, `{"state":"on"}`, 400, `{"error":"state does not have a valid value"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := do(t, s, tt.method, tt.path, tt.token, tt.body)
			assert.Equal(t, tt.status, status)
			assert.JSONEq(t, tt.want, body)
		})
	}
	s.SetRegistrationEnabled(false)
	status, _, body := do(t, s, "POST", "/runners", "", `{"token":"`+s.InstanceRegistrationToken()+`"}`)
	assert.Equal(t, 410, status)
	assert.JSONEq(t, `{"message":"410 Gone - runner registration disallowed"}`, body)
}

// TestFakeStatusFromClock: online within 2 h, offline after, stale after 7 days, never contacted.
func TestFakeStatusFromClock(t *testing.T) {
	now := testNow
	s := NewServer(WithClock(func() time.Time { return now }))
	defer s.Close()
	at := func(d time.Duration) *time.Time { t := testNow.Add(-d); return &t }
	old := testNow.Add(-30 * 24 * time.Hour)
	online := s.AddRunner(RunnerSpec{CreatedAt: old, ContactedAt: at(time.Hour)})
	offline := s.AddRunner(RunnerSpec{CreatedAt: old, ContactedAt: at(3 * time.Hour)})
	stale := s.AddRunner(RunnerSpec{CreatedAt: old, ContactedAt: at(8 * 24 * time.Hour)})
	never := s.AddRunner(RunnerSpec{CreatedAt: testNow.Add(-time.Hour)})
	paused := s.AddRunner(RunnerSpec{CreatedAt: old, ContactedAt: at(time.Minute), Paused: true})
	c := s.Client()
	ctx := context.Background()
	status := func(id int64) (runnerapi.RunnerStatus, *bool) {
		d, _, err := c.Runners.Get(ctx, id, nil)
		require.NoError(t, err)
		return d.Status, d.Online
	}
	st, on := status(online.ID)
	assert.Equal(t, runnerapi.RunnerStatusOnline, st)
	assert.True(t, *on)
	st, on = status(offline.ID)
	assert.Equal(t, runnerapi.RunnerStatusOffline, st)
	assert.False(t, *on)
	st, _ = status(stale.ID)
	assert.Equal(t, runnerapi.RunnerStatusStale, st)
	st, on = status(never.ID)
	assert.Equal(t, runnerapi.RunnerStatusNeverContacted, st)
	assert.Nil(t, on, "online is null when never contacted")
	st, _ = status(paused.ID)
	assert.Equal(t, runnerapi.RunnerStatusPaused, st)

	filter := func(st runnerapi.RunnerStatus) []int64 {
		rs, _, err := c.Runners.ListAll(ctx, &runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Status: &st}})
		require.NoError(t, err)
		var ids []int64
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		return ids
	}
	assert.Equal(t, []int64{online.ID, paused.ID}, filter(runnerapi.RunnerStatusOnline))
	assert.Equal(t, []int64{offline.ID, stale.ID}, filter(runnerapi.RunnerStatusOffline), "offline includes stale")
	assert.Equal(t, []int64{stale.ID}, filter(runnerapi.RunnerStatusStale))
	assert.Equal(t, []int64{never.ID}, filter(runnerapi.RunnerStatusNeverContacted))

	now = testNow.Add(7 * 24 * time.Hour) // a week later the never-contacted runner is stale too
	assert.Equal(t, []int64{online.ID, offline.ID, stale.ID, never.ID, paused.ID}, filter(runnerapi.RunnerStatusStale))
}

// TestFakeFilters: type, paused, tag_list (all of) and version_prefix.
func TestFakeFilters(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	a := s.AddRunner(RunnerSpec{Tags: []string{"docker", "linux"}, Managers: []ManagerSpec{{SystemID: "a", Version: "18.5.1"}}})
	b := s.AddRunner(RunnerSpec{Tags: []string{"docker"}, Paused: true, Managers: []ManagerSpec{{SystemID: "b", Version: "17.11.0"}}})
	gr := s.AddRunner(RunnerSpec{Type: "group_type", GroupID: g.ID, Tags: []string{"linux"}})
	tests := []struct {
		query string
		want  []int64
	}{
		{"tag_list=docker", []int64{a.ID, b.ID}},
		{"tag_list=docker,linux", []int64{a.ID}},
		{"tag_list[]=linux", []int64{a.ID, gr.ID}},
		{"type=group_type", []int64{gr.ID}},
		{"paused=true", []int64{b.ID}},
		{"paused=false&tag_list=linux", []int64{a.ID, gr.ID}},
		{"version_prefix=18.", []int64{a.ID}},
		{"version_prefix=17.11", []int64{b.ID}},
		{"scope=specific", []int64{gr.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, _, body := do(t, s, "GET", "/runners/all?"+tt.query, s.AdminToken(), "")
			require.Equal(t, 200, status, body)
			var rs []struct{ ID int64 }
			require.NoError(t, json.Unmarshal([]byte(body), &rs))
			var ids []int64
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			assert.Equal(t, tt.want, ids)
		})
	}
}

// TestFakeOffsetHeaders: GitLab's headers on first, middle and last pages, and Link URLs.
func TestFakeOffsetHeaders(t *testing.T) {
	s := NewServer(WithClock(func() time.Time { return testNow }), WithExternalURL("https://gitlab.example.com"))
	defer s.Close()
	s.AddRunners(45, RunnerSpec{})
	status, h, body := do(t, s, "GET", "/runners/all?page=2&tag_list=", s.AdminToken(), "")
	require.Equal(t, 200, status)
	var rs []struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(body), &rs))
	assert.Len(t, rs, 20, "per_page defaults to 20")
	assert.Equal(t, int64(21), rs[0].ID, "id ascending")
	assert.Equal(t, "2", h.Get("X-Page"))
	assert.Equal(t, "20", h.Get("X-Per-Page"))
	assert.Equal(t, "3", h.Get("X-Next-Page"))
	assert.Equal(t, "1", h.Get("X-Prev-Page"))
	assert.Equal(t, "45", h.Get("X-Total"))
	assert.Equal(t, "3", h.Get("X-Total-Pages"))
	assert.Equal(t, `<https://gitlab.example.com/api/v4/runners/all?page=1&per_page=20&tag_list%5B%5D=>; rel="prev", `+
		`<https://gitlab.example.com/api/v4/runners/all?page=3&per_page=20&tag_list%5B%5D=>; rel="next", `+
		`<https://gitlab.example.com/api/v4/runners/all?page=1&per_page=20&tag_list%5B%5D=>; rel="first", `+
		`<https://gitlab.example.com/api/v4/runners/all?page=3&per_page=20&tag_list%5B%5D=>; rel="last"`, h.Get("Link"))

	_, h, _ = do(t, s, "GET", "/runners/all?page=3", s.AdminToken(), "")
	assert.Equal(t, []string{""}, h.Values("X-Next-Page"), "present but empty on the last page")
	assert.NotContains(t, h.Get("Link"), `rel="next"`)

	_, h, body = do(t, s, "GET", "/runners/all?page=9", s.AdminToken(), "")
	assert.Equal(t, "[]", body, "past the end: an empty page")
	assert.Equal(t, "", h.Get("X-Next-Page"))
}

// TestFakeKeysetJobs: keyset pages are id-descending and chained by the Link cursor.
func TestFakeKeysetJobs(t *testing.T) {
	s := newTestFake(t)
	g := s.AddGroup("acme", 0)
	p := s.AddProject("web", g.ID)
	r := s.AddRunner(RunnerSpec{})
	s.AddJobs(5, JobSpec{RunnerID: r.ID, ProjectID: p.ID})
	path := "/runners/" + strconv.FormatInt(r.ID, 10) + "/jobs?pagination=keyset&per_page=2"
	var got []int64
	for path != "" {
		status, h, body := do(t, s, "GET", path, s.AdminToken(), "")
		require.Equal(t, 200, status, body)
		assert.Empty(t, h.Get("X-Total"), "keyset answers carry no counts")
		assert.Empty(t, h.Get("X-Page"))
		var js []struct{ ID int64 }
		require.NoError(t, json.Unmarshal([]byte(body), &js))
		for _, j := range js {
			got = append(got, j.ID)
		}
		path = ""
		if link := h.Get("Link"); link != "" {
			u := strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			path = strings.TrimPrefix(u, s.URL()+"/api/v4")
			assert.Contains(t, path, "cursor=")
		}
	}
	assert.Equal(t, []int64{5, 4, 3, 2, 1}, got)

	_, h, _ := do(t, s, "GET", "/runners/"+strconv.FormatInt(r.ID, 10)+"/jobs?system_id=s_x", s.AdminToken(), "")
	assert.Empty(t, h.Get("X-Total"), "no count when filtered by system_id")
	assert.NotEmpty(t, h.Get("X-Page"))
}

// TestFakeConditionalDelete: If-Unmodified-Since older than the last change is a 412.
func TestFakeConditionalDelete(t *testing.T) {
	s := newTestFake(t)
	r := s.AddRunner(RunnerSpec{CreatedAt: testNow.Add(-time.Hour)})
	c := s.Client()
	_, err := c.Runners.Delete(context.Background(), r.ID, runnerapi.WithIfUnmodifiedSince(testNow.Add(-2*time.Hour)))
	assert.ErrorIs(t, err, runnerapi.ErrPreconditionFailed)
	_, ok := s.Runner(r.ID)
	assert.True(t, ok, "nothing deleted")
	_, err = c.Runners.Delete(context.Background(), r.ID, runnerapi.WithIfUnmodifiedSince(testNow))
	require.NoError(t, err)
	assert.Equal(t, int64(1), s.Counters().RunnersDeleted)
}

// TestFakeFaults: forced statuses with rate-limit headers, resets, latency,
// commit-then-fail, and the request log.
func TestFakeFaults(t *testing.T) {
	s := newTestFake(t)
	ctx := context.Background()
	s.AddFault("GET", "/runners/all", 1, Fault{Status: 429, RetryAfter: "7", RateLimit: true})
	status, h, body := do(t, s, "GET", "/runners/all", s.AdminToken(), "")
	assert.Equal(t, 429, status)
	assert.Equal(t, "Retry later\n", body)
	assert.Equal(t, "7", h.Get("Retry-After"))
	assert.Equal(t, "0", h.Get("RateLimit-Remaining"))
	assert.NotEmpty(t, h.Get("RateLimit-Reset"))
	status, _, _ = do(t, s, "GET", "/runners/all", s.AdminToken(), "")
	assert.Equal(t, 200, status, "the fault was used up")

	// Commit then fail: the runner exists although the client saw a 502.
	s.AddFault("POST", "/user/runners", 1, Fault{Status: 502, AfterCommit: true})
	_, _, err := s.Client().Runners.Create(ctx, runnerapi.InstanceRunnerOwner(), nil)
	assert.ErrorIs(t, err, runnerapi.ErrServer)
	assert.Equal(t, int64(1), s.Counters().RunnersCreated)
	assert.Len(t, s.RunnerIDs(), 1)

	// A reset: the connection drops without an answer.
	s.AddFault("", "/runners/all", 1, Fault{Reset: true})
	_, _, err = s.Client().Runners.ListAll(ctx, nil)
	var re *runnerapi.RequestError
	assert.True(t, errors.As(err, &re), "a transport error: %v", err)

	// Latency ends when the client gives up.
	started := make(chan struct{})
	var once sync.Once
	s.SetFaultFunc(func(r *http.Request) Fault {
		once.Do(func() { close(started) })
		return Fault{Latency: time.Hour}
	})
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		<-started // the server holds the request now
		cancel()
	}()
	_, _, err = s.Client().Runners.ListAll(cctx, nil)
	assert.ErrorIs(t, err, context.Canceled)
	s.ClearFaults()

	reqs := s.Requests()
	require.Len(t, reqs, 5)
	assert.Equal(t, "POST", reqs[2].Method)
	assert.Equal(t, "/api/v4/user/runners", reqs[2].Path)
	assert.JSONEq(t, `{"runner_type":"instance_type"}`, string(reqs[2].Body))
}

// TestFakeConcurrentUse: parallel creates, lists and deletes are consistent (run with -race).
func TestFakeConcurrentUse(t *testing.T) {
	s := newTestFake(t)
	c := s.Client()
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				reg, _, err := c.Runners.Create(ctx, runnerapi.InstanceRunnerOwner(), nil)
				if !assert.NoError(t, err) {
					return
				}
				_, _, err = c.Runners.ListAll(ctx, nil)
				assert.NoError(t, err)
				_, err = c.Runners.DeleteByToken(ctx, reg.Token)
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, Counters{RunnersCreated: 80, RunnersDeleted: 80}, s.Counters())
	assert.Empty(t, s.RunnerIDs())
}

// TestFakeLargeFleet: 10,500 runners list page by page without counts past 10,000.
func TestFakeLargeFleet(t *testing.T) {
	s := newTestFake(t)
	s.AddRunners(10500, RunnerSpec{Tags: []string{"bulk"}})
	n := 0
	for _, err := range s.Client().Runners.ListAllIter(context.Background(), &runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{TagList: []string{"bulk"}}}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 10500, n)
}

// TestFakeUser: GET /user answers the current user, as python-gitlab expects.
func TestFakeUser(t *testing.T) {
	s := newTestFake(t)
	status, _, body := do(t, s, "GET", "/user", s.AdminToken(), "")
	require.Equal(t, 200, status)
	var u map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &u))
	assert.Equal(t, "root", u["username"])
	assert.Equal(t, true, u["is_admin"])
}

// TestFakeDemoData: the demo fleet has runners of every type and status and controllers.
func TestFakeDemoData(t *testing.T) {
	s := NewServer(WithDemoData())
	defer s.Close()
	c := s.Client()
	ctx := context.Background()
	types := map[runnerapi.RunnerType]int{}
	statuses := map[runnerapi.RunnerStatus]int{}
	for r, err := range c.Runners.ListAllIter(ctx, nil) {
		require.NoError(t, err)
		types[r.RunnerType]++
		statuses[r.Status]++
	}
	assert.Len(t, types, 3)
	for _, st := range []runnerapi.RunnerStatus{runnerapi.RunnerStatusOnline, runnerapi.RunnerStatusOffline, runnerapi.RunnerStatusStale, runnerapi.RunnerStatusNeverContacted, runnerapi.RunnerStatusPaused} {
		assert.Positive(t, statuses[st], "a runner with status %s", st)
	}
	cs, _, err := c.RunnerControllers.List(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, cs, 2)
}
