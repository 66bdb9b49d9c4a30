package runnerapi_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// e2eWorld is a small fleet on the fake server.
type e2eWorld struct {
	srv            *runnerapitest.Server
	c              *runnerapi.Client
	group, sub     runnerapitest.Namespace
	proj, other    runnerapitest.Namespace
	inst, grp, prj runnerapitest.Runner
	ctl            int64
	ctlToken       int64
	now            time.Time
}

var e2eNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func newE2EWorld(t *testing.T) *e2eWorld {
	t.Helper()
	w := &e2eWorld{now: e2eNow}
	w.srv = runnerapitest.NewServer(runnerapitest.WithClock(func() time.Time { return w.now }))
	t.Cleanup(w.srv.Close)
	w.c = w.srv.Client()
	w.group = w.srv.AddGroup("acme", 0)
	w.sub = w.srv.AddGroup("infra", w.group.ID)
	w.proj = w.srv.AddProject("platform", w.sub.ID)
	w.other = w.srv.AddProject("site", w.group.ID)
	recent := e2eNow.Add(-10 * time.Minute)
	w.inst = w.srv.AddRunner(runnerapitest.RunnerSpec{Description: "shared", Tags: []string{"docker", "linux"}, ContactedAt: &recent,
		CreatedAt: e2eNow.Add(-30 * 24 * time.Hour),
		Managers:  []runnerapitest.ManagerSpec{{SystemID: "s_abc", Version: "18.5.0", ContactedAt: &recent}}})
	w.grp = w.srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", Description: "group", GroupID: w.group.ID})
	w.prj = w.srv.AddRunner(runnerapitest.RunnerSpec{Type: "project_type", Description: "project", ProjectIDs: []int64{w.proj.ID}})
	w.srv.AddJobs(3, runnerapitest.JobSpec{RunnerID: w.inst.ID, ProjectID: w.proj.ID, SystemID: "s_abc"})
	w.ctl = w.srv.AddController("gate", "enabled")
	w.ctlToken, _ = w.srv.AddControllerToken(w.ctl, "webhook", nil)
	return w
}

// TestE2EEveryMethod runs every method of both services against the fake.
// The table is checked against the services' method sets, so a new method
// without a row fails the test.
func TestE2EEveryMethod(t *testing.T) {
	ctx := context.Background()
	type row func(t *testing.T, w *e2eWorld)
	runners := map[string]row{
		"List": func(t *testing.T, w *e2eWorld) {
			maria := w.srv.AddUser("maria", false)
			w.srv.AddProjectMember(w.proj.ID, maria.ID, runnerapitest.RoleMaintainer)
			c, err := runnerapi.NewClient(w.srv.URL(), runnerapi.WithPrivateToken(maria.Token))
			require.NoError(t, err)
			got, _, err := c.Runners.List(ctx, nil)
			require.NoError(t, err)
			assert.Equal(t, []int64{w.prj.ID}, runnerIDs(got), "a maintainer sees the runners of their projects")
		},
		"ListAll": func(t *testing.T, w *e2eWorld) {
			got, resp, err := w.c.Runners.ListAll(ctx, &runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{TagList: []string{"docker", "linux"}, Status: runnerapi.Ptr(runnerapi.RunnerStatusOnline)}})
			require.NoError(t, err)
			assert.Equal(t, []int64{w.inst.ID}, runnerIDs(got))
			assert.Equal(t, int64(1), resp.TotalItems)
			assert.Zero(t, resp.NextPage)
		},
		"Get": func(t *testing.T, w *e2eWorld) {
			d, _, err := w.c.Runners.Get(ctx, w.prj.ID, nil)
			require.NoError(t, err)
			assert.Equal(t, runnerapi.RunnerTypeProject, d.RunnerType)
			require.Len(t, d.Projects, 1)
			assert.Equal(t, "acme/infra/platform", d.Projects[0].PathWithNamespace)
			assert.Equal(t, runnerapi.RunnerStatusNeverContacted, d.Status)
			lean, _, err := w.c.Runners.Get(ctx, w.prj.ID, &runnerapi.GetRunnerOptions{IncludeProjects: runnerapi.Ptr(false)})
			require.NoError(t, err)
			assert.Nil(t, lean.Projects, "include_projects=false omits the projects")
			assert.Equal(t, d.ID, lean.ID)
		},
		"Update": func(t *testing.T, w *e2eWorld) {
			d, _, err := w.c.Runners.Update(ctx, w.inst.ID, &runnerapi.UpdateRunnerOptions{Description: runnerapi.Ptr("renamed"), TagList: &[]string{"gpu"}, MaximumTimeout: runnerapi.Ptr(int64(3600))})
			require.NoError(t, err)
			assert.Equal(t, "renamed", d.Description)
			assert.Equal(t, []string{"gpu"}, d.TagList)
			st, _ := w.srv.Runner(w.inst.ID)
			assert.Equal(t, "renamed", st.Description)
		},
		"Pause": func(t *testing.T, w *e2eWorld) {
			d, _, err := w.c.Runners.Pause(ctx, w.inst.ID)
			require.NoError(t, err)
			assert.True(t, d.IsPaused())
			assert.Equal(t, runnerapi.RunnerStatusPaused, d.Status)
		},
		"Unpause": func(t *testing.T, w *e2eWorld) {
			_, _, err := w.c.Runners.Pause(ctx, w.inst.ID)
			require.NoError(t, err)
			d, _, err := w.c.Runners.Unpause(ctx, w.inst.ID)
			require.NoError(t, err)
			assert.False(t, d.IsPaused())
		},
		"Delete": func(t *testing.T, w *e2eWorld) {
			_, err := w.c.Runners.Delete(ctx, w.grp.ID, runnerapi.WithIfUnmodifiedSince(w.now.Add(-time.Hour)))
			assert.ErrorIs(t, err, runnerapi.ErrPreconditionFailed, "changed after the given time")
			_, err = w.c.Runners.Delete(ctx, w.grp.ID, runnerapi.WithIfUnmodifiedSince(w.now))
			require.NoError(t, err)
			_, ok := w.srv.Runner(w.grp.ID)
			assert.False(t, ok)
		},
		"DeleteByToken": func(t *testing.T, w *e2eWorld) {
			_, err := w.c.Runners.DeleteByToken(ctx, w.prj.Token)
			require.NoError(t, err)
			_, ok := w.srv.Runner(w.prj.ID)
			assert.False(t, ok)
			_, err = w.c.Runners.DeleteByToken(ctx, w.prj.Token)
			assert.ErrorIs(t, err, runnerapi.ErrForbidden, "a runner token endpoint answers 403, never 401")
		},
		"ListJobs": func(t *testing.T, w *e2eWorld) {
			jobs, resp, err := w.c.Runners.ListJobs(ctx, w.inst.ID, &runnerapi.ListRunnerJobsOptions{SystemID: runnerapi.Ptr("s_abc")})
			require.NoError(t, err)
			assert.Len(t, jobs, 3)
			assert.Zero(t, resp.TotalItems, "no count when filtered by system_id")
			assert.Equal(t, "acme/infra/platform", jobs[0].Project.PathWithNamespace)
		},
		"ListManagers": func(t *testing.T, w *e2eWorld) {
			ms, _, err := w.c.Runners.ListManagers(ctx, w.inst.ID)
			require.NoError(t, err)
			require.Len(t, ms, 1)
			assert.Equal(t, "s_abc", ms[0].SystemID)
			assert.Equal(t, runnerapi.RunnerStatusOnline, ms[0].Status)
		},
		"ListProjects": func(t *testing.T, w *e2eWorld) {
			ps, _, err := w.c.Runners.ListProjects(ctx, w.prj.ID, nil)
			require.NoError(t, err)
			require.Len(t, ps, 1)
			assert.Equal(t, w.proj.ID, ps[0].ID)
		},
		"DeleteManager": func(t *testing.T, w *e2eWorld) {
			_, err := w.c.Runners.DeleteManager(ctx, w.inst.Token, "s_abc")
			require.NoError(t, err)
			st, _ := w.srv.Runner(w.inst.ID)
			assert.Empty(t, st.Managers)
			_, err = w.c.Runners.DeleteManager(ctx, w.inst.Token, "s_abc")
			assert.ErrorIs(t, err, runnerapi.ErrNotFound)
		},
		"ListProjectRunners": func(t *testing.T, w *e2eWorld) {
			got, _, err := w.c.Runners.ListProjectRunners(ctx, runnerapi.ProjectPath("acme/infra/platform"), nil)
			require.NoError(t, err)
			assert.Equal(t, []int64{w.inst.ID, w.grp.ID, w.prj.ID}, runnerIDs(got), "instance, ancestor group and own runners")
		},
		"EnableProjectRunner": func(t *testing.T, w *e2eWorld) {
			r, resp, err := w.c.Runners.EnableProjectRunner(ctx, runnerapi.ProjectID(w.other.ID), w.prj.ID)
			require.NoError(t, err)
			assert.Equal(t, http.StatusCreated, resp.StatusCode)
			assert.Equal(t, w.prj.ID, r.ID)
			st, _ := w.srv.Runner(w.prj.ID)
			assert.Equal(t, []int64{w.proj.ID, w.other.ID}, st.ProjectIDs)
			_, _, err = w.c.Runners.EnableProjectRunner(ctx, runnerapi.ProjectID(w.other.ID), w.grp.ID)
			assert.ErrorIs(t, err, runnerapi.ErrForbidden)
		},
		"DisableProjectRunner": func(t *testing.T, w *e2eWorld) {
			_, _, err := w.c.Runners.EnableProjectRunner(ctx, runnerapi.ProjectID(w.other.ID), w.prj.ID)
			require.NoError(t, err)
			_, err = w.c.Runners.DisableProjectRunner(ctx, runnerapi.ProjectID(w.other.ID), w.prj.ID)
			require.NoError(t, err)
			_, err = w.c.Runners.DisableProjectRunner(ctx, runnerapi.ProjectID(w.proj.ID), w.prj.ID)
			assert.ErrorIs(t, err, runnerapi.ErrForbidden, "the owner project cannot be unassigned")
		},
		"ListGroupRunners": func(t *testing.T, w *e2eWorld) {
			got, _, err := w.c.Runners.ListGroupRunners(ctx, runnerapi.GroupPath("acme/infra"), &runnerapi.ListGroupRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Type: runnerapi.Ptr(runnerapi.RunnerTypeGroup)}})
			require.NoError(t, err)
			assert.Equal(t, []int64{w.grp.ID}, runnerIDs(got), "runners of ancestor groups")
		},
		"Register": func(t *testing.T, w *e2eWorld) {
			reg, resp, err := w.c.Runners.Register(ctx, w.proj.RegistrationToken, &runnerapi.RegisterRunnerOptions{Description: runnerapi.Ptr("legacy"), TagList: &[]string{"a", "b"}})
			require.NoError(t, err)
			assert.Equal(t, http.StatusCreated, resp.StatusCode)
			st, ok := w.srv.Runner(reg.ID)
			require.True(t, ok)
			assert.Equal(t, "project_type", st.Type)
			assert.Equal(t, []int64{w.proj.ID}, st.ProjectIDs)
			w.srv.SetRegistrationEnabled(false)
			_, _, err = w.c.Runners.Register(ctx, w.proj.RegistrationToken, nil)
			assert.ErrorIs(t, err, runnerapi.ErrGone)
		},
		"Create": func(t *testing.T, w *e2eWorld) {
			reg, _, err := w.c.Runners.Create(ctx, runnerapi.GroupRunnerOwner(w.sub.ID), &runnerapi.CreateRunnerOptions{Description: runnerapi.Ptr("new")})
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(reg.Token, "glrt-t2_"), "a created group runner's token")
			assert.Equal(t, int64(1), w.srv.Counters().RunnersCreated)
		},
		"Verify": func(t *testing.T, w *e2eWorld) {
			v, _, err := w.c.Runners.Verify(ctx, w.grp.Token, &runnerapi.VerifyRunnerOptions{SystemID: runnerapi.Ptr("s_new")})
			require.NoError(t, err)
			assert.Equal(t, w.grp.ID, v.ID)
			st, _ := w.srv.Runner(w.grp.ID)
			assert.Equal(t, []string{"s_new"}, st.Managers, "verify creates the manager")
			_, _, err = w.c.Runners.Verify(ctx, "glrt-unknown", nil)
			assert.ErrorIs(t, err, runnerapi.ErrForbidden)
		},
		"DiscoverJobRouter": func(t *testing.T, w *e2eWorld) {
			// The fake has no Job Router: GitLab's answer then is 501 (router
			// off); a fake without the route answers 404. Either way the
			// call reached the server, carried no user credentials, and the
			// runner token is not in the error.
			_, _, err := w.c.Runners.DiscoverJobRouter(ctx, w.inst.Token)
			var er *runnerapi.ErrorResponse
			require.ErrorAs(t, err, &er)
			assert.Contains(t, []int{http.StatusNotFound, http.StatusNotImplemented}, er.StatusCode)
			assert.NotContains(t, err.Error(), w.inst.Token)
		},
		"ResetAuthenticationToken": func(t *testing.T, w *e2eWorld) {
			tok, resp, err := w.c.Runners.ResetAuthenticationToken(ctx, w.inst.ID)
			require.NoError(t, err)
			assert.Equal(t, http.StatusCreated, resp.StatusCode)
			assert.NotEqual(t, w.inst.Token, tok.Token)
			_, _, err = w.c.Runners.Verify(ctx, w.inst.Token, nil)
			assert.ErrorIs(t, err, runnerapi.ErrForbidden, "the old token is dead")
		},
		"ResetAuthenticationTokenWithToken": func(t *testing.T, w *e2eWorld) {
			tok, _, err := w.c.Runners.ResetAuthenticationTokenWithToken(ctx, w.inst.Token)
			require.NoError(t, err)
			_, _, err = w.c.Runners.Verify(ctx, tok.Token, nil)
			require.NoError(t, err)
		},
		"ResetInstanceRegistrationToken": func(t *testing.T, w *e2eWorld) {
			old := w.srv.InstanceRegistrationToken()
			tok, _, err := w.c.Runners.ResetInstanceRegistrationToken(ctx)
			require.NoError(t, err)
			assert.Equal(t, w.srv.InstanceRegistrationToken(), tok.Token)
			assert.NotEqual(t, old, tok.Token)
			assert.Nil(t, tok.TokenExpiresAt)
		},
		"ResetProjectRegistrationToken": func(t *testing.T, w *e2eWorld) {
			tok, _, err := w.c.Runners.ResetProjectRegistrationToken(ctx, runnerapi.ProjectID(w.proj.ID))
			require.NoError(t, err)
			_, _, err = w.c.Runners.Register(ctx, w.proj.RegistrationToken, nil)
			assert.ErrorIs(t, err, runnerapi.ErrForbidden, "the old registration token is refused")
			_, _, err = w.c.Runners.Register(ctx, tok.Token, nil)
			require.NoError(t, err)
		},
		"ResetGroupRegistrationToken": func(t *testing.T, w *e2eWorld) {
			tok, _, err := w.c.Runners.ResetGroupRegistrationToken(ctx, runnerapi.GroupID(w.group.ID))
			require.NoError(t, err)
			reg, _, err := w.c.Runners.Register(ctx, tok.Token, nil)
			require.NoError(t, err)
			st, _ := w.srv.Runner(reg.ID)
			assert.Equal(t, "group_type", st.Type)
		},
	}
	controllers := map[string]row{
		"List": func(t *testing.T, w *e2eWorld) {
			cs, _, err := w.c.RunnerControllers.List(ctx, nil)
			require.NoError(t, err)
			require.Len(t, cs, 1)
			assert.Nil(t, cs[0].Connected, "connected only on the single GET")
		},
		"Get": func(t *testing.T, w *e2eWorld) {
			c, _, err := w.c.RunnerControllers.Get(ctx, w.ctl)
			require.NoError(t, err)
			require.NotNil(t, c.Connected)
			assert.False(t, *c.Connected)
		},
		"Create": func(t *testing.T, w *e2eWorld) {
			c, resp, err := w.c.RunnerControllers.Create(ctx, &runnerapi.CreateRunnerControllerOptions{Description: runnerapi.Ptr("new")})
			require.NoError(t, err)
			assert.Equal(t, http.StatusCreated, resp.StatusCode)
			assert.Equal(t, runnerapi.RunnerControllerStateDisabled, c.State, "GitLab's default state")
		},
		"Update": func(t *testing.T, w *e2eWorld) {
			c, _, err := w.c.RunnerControllers.Update(ctx, w.ctl, &runnerapi.UpdateRunnerControllerOptions{State: runnerapi.Ptr(runnerapi.RunnerControllerStateDryRun)})
			require.NoError(t, err)
			assert.Equal(t, runnerapi.RunnerControllerStateDryRun, c.State)
		},
		"Delete": func(t *testing.T, w *e2eWorld) {
			_, err := w.c.RunnerControllers.Delete(ctx, w.ctl)
			require.NoError(t, err)
			_, _, err = w.c.RunnerControllers.Get(ctx, w.ctl)
			assert.ErrorIs(t, err, runnerapi.ErrNotFound)
		},
		"ListTokens": func(t *testing.T, w *e2eWorld) {
			ts, _, err := w.c.RunnerControllers.ListTokens(ctx, w.ctl, nil)
			require.NoError(t, err)
			require.Len(t, ts, 1)
			assert.Empty(t, ts[0].Token, "lists never show secrets")
		},
		"GetToken": func(t *testing.T, w *e2eWorld) {
			tok, _, err := w.c.RunnerControllers.GetToken(ctx, w.ctl, w.ctlToken)
			require.NoError(t, err)
			assert.Equal(t, "webhook", tok.Description)
		},
		"CreateToken": func(t *testing.T, w *e2eWorld) {
			tok, _, err := w.c.RunnerControllers.CreateToken(ctx, w.ctl, &runnerapi.CreateRunnerControllerTokenOptions{Description: runnerapi.Ptr("second")})
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(tok.Token, "glrct-"))
			assert.Equal(t, 2, w.srv.ControllerTokenCount(w.ctl))
		},
		"RotateToken": func(t *testing.T, w *e2eWorld) {
			tok, resp, err := w.c.RunnerControllers.RotateToken(ctx, w.ctl, w.ctlToken)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.NotEqual(t, w.ctlToken, tok.ID, "rotate answers a new token id")
			_, _, err = w.c.RunnerControllers.GetToken(ctx, w.ctl, w.ctlToken)
			assert.ErrorIs(t, err, runnerapi.ErrNotFound, "the old id is gone")
		},
		"RevokeToken": func(t *testing.T, w *e2eWorld) {
			resp, err := w.c.RunnerControllers.RevokeToken(ctx, w.ctl, w.ctlToken)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			assert.Zero(t, w.srv.ControllerTokenCount(w.ctl))
		},
		"ListScopes": func(t *testing.T, w *e2eWorld) {
			_, _, err := w.c.RunnerControllers.AddRunnerScope(ctx, w.ctl, w.inst.ID)
			require.NoError(t, err)
			sc, _, err := w.c.RunnerControllers.ListScopes(ctx, w.ctl)
			require.NoError(t, err)
			assert.False(t, sc.InstanceScoped())
			assert.Equal(t, []int64{w.inst.ID}, sc.RunnerIDs())
		},
		"AddInstanceScope": func(t *testing.T, w *e2eWorld) {
			_, resp, err := w.c.RunnerControllers.AddInstanceScope(ctx, w.ctl)
			require.NoError(t, err)
			assert.Equal(t, http.StatusCreated, resp.StatusCode)
			_, _, err = w.c.RunnerControllers.AddInstanceScope(ctx, w.ctl)
			assert.ErrorIs(t, err, runnerapi.ErrConflict)
			_, _, err = w.c.RunnerControllers.AddRunnerScope(ctx, w.ctl, w.inst.ID)
			assert.ErrorIs(t, err, runnerapi.ErrConflict, "instance and runner scopes exclude each other")
		},
		"RemoveInstanceScope": func(t *testing.T, w *e2eWorld) {
			for range 2 { // removing an absent scope is a 204 too
				resp, err := w.c.RunnerControllers.RemoveInstanceScope(ctx, w.ctl)
				require.NoError(t, err)
				assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			}
		},
		"AddRunnerScope": func(t *testing.T, w *e2eWorld) {
			_, _, err := w.c.RunnerControllers.AddRunnerScope(ctx, w.ctl, w.grp.ID)
			assert.ErrorIs(t, err, runnerapi.ErrUnprocessable, "only instance runners can be scoped")
			sc, _, err := w.c.RunnerControllers.AddRunnerScope(ctx, w.ctl, w.inst.ID)
			require.NoError(t, err)
			assert.Equal(t, w.inst.ID, sc.RunnerID)
		},
		"RemoveRunnerScope": func(t *testing.T, w *e2eWorld) {
			_, _, err := w.c.RunnerControllers.AddRunnerScope(ctx, w.ctl, w.inst.ID)
			require.NoError(t, err)
			_, err = w.c.RunnerControllers.RemoveRunnerScope(ctx, w.ctl, w.inst.ID)
			require.NoError(t, err)
			sc, _, err := w.c.RunnerControllers.ListScopes(ctx, w.ctl)
			require.NoError(t, err)
			assert.Empty(t, sc.RunnerIDs())
		},
	}
	for svc, rows := range map[string]map[string]row{"Runners": runners, "RunnerControllers": controllers} {
		for name, run := range rows {
			t.Run(svc+"."+name, func(t *testing.T) { run(t, newE2EWorld(t)) })
		}
	}
	// Every endpoint method has a row (iterator twins are covered by TestE2EIterators).
	for svc, v := range map[string]any{"Runners": &runnerapi.RunnersService{}, "RunnerControllers": &runnerapi.RunnerControllersService{}} {
		rows := map[string]map[string]row{"Runners": runners, "RunnerControllers": controllers}[svc]
		typ := reflect.TypeOf(v)
		n := 0
		for i := range typ.NumMethod() {
			name := typ.Method(i).Name
			if strings.HasSuffix(name, "Iter") {
				continue
			}
			n++
			assert.Contains(t, rows, name, "%s.%s has no end-to-end row", svc, name)
		}
		assert.Len(t, rows, n, "%s: rows for methods that do not exist", svc)
	}
}

func runnerIDs(rs []*runnerapi.Runner) []int64 {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

// TestE2EPaginationHeaders checks the fake's offset headers through the SDK:
// an empty X-Next-Page ends the list, counts vanish above 10,000 rows, and
// per_page is clamped to 100.
func TestE2EPaginationHeaders(t *testing.T) {
	ctx := context.Background()
	srv := runnerapitest.NewServer()
	defer srv.Close()
	srv.AddRunners(10001, runnerapitest.RunnerSpec{Description: "bulk"})
	c := srv.Client()

	_, resp, err := c.Runners.ListAll(ctx, &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{PerPage: 500}})
	require.NoError(t, err)
	assert.Equal(t, int64(100), resp.ItemsPerPage, "per_page is clamped to 100")
	assert.Zero(t, resp.TotalItems, "no X-Total above 10,000 rows")
	assert.Zero(t, resp.TotalPages)
	assert.NotContains(t, resp.Header.Get("Link"), `rel="last"`)
	assert.Equal(t, int64(2), resp.NextPage)

	last, resp, err := c.Runners.ListAll(ctx, &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{Page: 101, PerPage: 100}})
	require.NoError(t, err)
	assert.Len(t, last, 1)
	assert.Zero(t, resp.NextPage, "empty X-Next-Page on the last page")
	assert.Equal(t, []string{""}, resp.Header.Values("X-Next-Page"), "the header is present and empty")

	n := 0
	for _, err := range c.Runners.ListAllIter(ctx, nil, runnerapi.WithPagePrefetch(4)) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 10001, n, "the iterator walks past 10,000 rows without counts")

	_, resp, err = c.Runners.ListAll(ctx, &runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Type: runnerapi.Ptr(runnerapi.RunnerTypeGroup)}})
	require.NoError(t, err)
	assert.Equal(t, int64(0), resp.TotalItems)
	assert.Equal(t, int64(1), resp.TotalPages, "an empty list still has one page")
}

// TestE2EIterators walks the fake with every iterator, including keyset jobs
// behind an external URL that differs from the client's.
func TestE2EIterators(t *testing.T) {
	ctx := context.Background()
	srv := runnerapitest.NewServer(runnerapitest.WithExternalURL("https://gitlab.example.com"))
	defer srv.Close()
	g := srv.AddGroup("acme", 0)
	p := srv.AddProject("platform", g.ID)
	rs := srv.AddRunners(250, runnerapitest.RunnerSpec{Type: "project_type", ProjectIDs: []int64{p.ID}, Tags: []string{"x"}})
	jobs := srv.AddJobs(230, runnerapitest.JobSpec{RunnerID: rs[0].ID, ProjectID: p.ID})
	c := srv.Client()

	count := func(seq func(yield func(int64, error) bool)) int {
		n := 0
		for _, err := range seq {
			require.NoError(t, err)
			n++
		}
		return n
	}
	ids := func(it func(func(*runnerapi.Runner, error) bool)) func(func(int64, error) bool) {
		return func(yield func(int64, error) bool) {
			for r, err := range it {
				var id int64
				if r != nil {
					id = r.ID
				}
				if !yield(id, err) {
					return
				}
			}
		}
	}
	assert.Equal(t, 250, count(ids(c.Runners.ListAllIter(ctx, nil))))
	assert.Equal(t, 250, count(ids(c.Runners.ListProjectRunnersIter(ctx, runnerapi.ProjectID(p.ID), nil))))

	var got []int64
	for j, err := range c.Runners.ListJobsIter(ctx, rs[0].ID, &runnerapi.ListRunnerJobsOptions{Pagination: runnerapi.Ptr(runnerapi.PaginationKeyset), ListOptions: runnerapi.ListOptions{PerPage: 50}}) {
		require.NoError(t, err)
		got = append(got, j.ID)
	}
	want := slices.Clone(jobs)
	slices.Reverse(want)
	assert.Equal(t, want, got, "keyset: id descending, every job once")
	for _, r := range srv.Requests() {
		assert.NotContains(t, r.RawQuery, "gitlab.example.com")
	}

	_, _, err := c.Runners.ListJobs(ctx, rs[0].ID, &runnerapi.ListRunnerJobsOptions{Pagination: runnerapi.Ptr(runnerapi.PaginationKeyset), OrderBy: runnerapi.Ptr(runnerapi.OrderByID), Sort: runnerapi.Ptr(runnerapi.SortAsc)})
	assert.ErrorIs(t, err, runnerapi.ErrInvalidInput, "the SDK refuses what the server would answer 405")
}

// TestE2EAuthRules checks 401 vs 403 and the controllers' prelude on the fake.
func TestE2EAuthRules(t *testing.T) {
	ctx := context.Background()
	w := newE2EWorld(t)
	anon, err := runnerapi.NewClient(w.srv.URL())
	require.NoError(t, err)
	_, _, err = anon.Runners.ListAll(ctx, nil)
	assert.ErrorIs(t, err, runnerapi.ErrUnauthorized)
	_, _, err = anon.Runners.Verify(ctx, "nope", nil)
	assert.ErrorIs(t, err, runnerapi.ErrForbidden, "runner-token endpoints never answer 401")

	dev := w.srv.AddUser("dev", false)
	dc, err := runnerapi.NewClient(w.srv.URL(), runnerapi.WithPrivateToken(dev.Token))
	require.NoError(t, err)
	_, _, err = dc.Runners.ListAll(ctx, nil)
	assert.ErrorIs(t, err, runnerapi.ErrForbidden)
	_, _, err = dc.RunnerControllers.List(ctx, nil)
	assert.ErrorIs(t, err, runnerapi.ErrForbidden, "non-admin: 403")
	_, _, err = dc.Runners.Get(ctx, w.prj.ID, nil)
	assert.ErrorIs(t, err, runnerapi.ErrForbidden)
	_, _, err = dc.Runners.Get(ctx, w.inst.ID, nil)
	assert.NoError(t, err, "instance runners are readable by every user")

	w.srv.SetControllersLicensed(false)
	_, _, err = w.c.RunnerControllers.List(ctx, nil)
	assert.ErrorIs(t, err, runnerapi.ErrNotFound, "unlicensed: 404")

	var er *runnerapi.ErrorResponse
	_, _, err = w.c.Runners.Update(ctx, w.inst.ID, &runnerapi.UpdateRunnerOptions{MaximumTimeout: runnerapi.Ptr(int64(60))})
	require.True(t, errors.As(err, &er))
	assert.Equal(t, []string{"needs to be at least 10 minutes"}, er.Fields["maximum_timeout"])
}
