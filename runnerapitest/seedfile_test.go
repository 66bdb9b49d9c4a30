package runnerapitest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadSeedExample loads the documented example and checks the state it
// promises through the API.
func TestLoadSeedExample(t *testing.T) {
	f, err := os.Open("../testdata/seed/example.json")
	require.NoError(t, err)
	defer f.Close()
	s := newTestFake(t)
	require.NoError(t, s.LoadSeed(f))
	ctx := context.Background()
	c := s.Client()

	users := s.Users()
	require.Len(t, users, 3)
	assert.Equal(t, User{ID: 2, Username: "maria", Token: "glpat-example-maria-0001"}, users[1])

	all, _, err := c.Runners.ListAll(ctx, &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{PerPage: 100}})
	require.NoError(t, err)
	require.Len(t, all, 6)
	assert.Equal(t, runnerapi.RunnerStatusOnline, all[0].Status)
	assert.Equal(t, runnerapi.RunnerStatusPaused, all[1].Status)
	assert.Equal(t, runnerapi.RunnerStatusStale, all[4].Status, "the group runner was last contacted 200 h ago")

	// The fixed runner token works for runner-token endpoints.
	v, _, err := c.Runners.Verify(ctx, "glrt-t1_example-shared-runner", nil)
	require.NoError(t, err)
	assert.Equal(t, all[0].ID, v.ID)

	d, _, err := c.Runners.Get(ctx, 6, nil)
	require.NoError(t, err)
	assert.True(t, d.Locked)
	assert.Equal(t, runnerapi.AccessLevelRefProtected, d.AccessLevel)
	require.NotNil(t, d.MaximumTimeout)
	assert.Equal(t, int64(3600), *d.MaximumTimeout)
	require.NotNil(t, d.Projects)
	assert.Len(t, d.Projects, 2)

	// maria owns acme: GET /runners shows her the group runner and the deployer.
	mine, _, err := s.ClientAs(users[1]).Runners.List(ctx, nil)
	require.NoError(t, err)
	var mineIDs []int64
	for _, r := range mine {
		mineIDs = append(mineIDs, r.ID)
	}
	assert.Equal(t, []int64{5, 6}, mineIDs)

	jobs, resp, err := c.Runners.ListJobs(ctx, 1, nil)
	require.NoError(t, err)
	assert.Len(t, jobs, 20)
	assert.Equal(t, int64(26), resp.TotalItems)

	//lint:ignore SA1019 the seed's registration tokens are what this checks
	reg, _, err := c.Runners.Register(ctx, "GR1348941example-platform", nil)
	require.NoError(t, err)
	st, ok := s.Runner(reg.ID)
	require.True(t, ok)
	assert.Equal(t, "project_type", st.Type)

	cs, _, err := c.RunnerControllers.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, cs, 2)
	assert.Equal(t, runnerapi.RunnerControllerStateDryRun, cs[1].State)
	assert.Equal(t, 2, s.ControllerTokenCount(cs[0].ID))
	scopes, _, err := c.RunnerControllers.ListScopes(ctx, cs[1].ID)
	require.NoError(t, err)
	require.Len(t, scopes.RunnerLevelScopings, 1)
	assert.Equal(t, int64(1), scopes.RunnerLevelScopings[0].RunnerID)
}

// TestLoadSeedErrors: every error names the field at fault.
func TestLoadSeedErrors(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"unknown field", `{"runnerz":[]}`, `unknown field "runnerz"`},
		{"bad type", `{"runners":[{"type":"shared"}]}`, `runners[0].type "shared" is not one of instance_type, group_type, project_type`},
		{"bad access level", `{"runners":[{"access_level":"all"}]}`, `runners[0].access_level "all"`},
		{"group runner without group", `{"runners":[{"type":"group_type","group":"nope"}]}`, `runners[0].group: no group "nope"`},
		{"project runner without projects", `{"runners":[{"type":"project_type"}]}`, `runners[0].projects: a project runner needs at least one project`},
		{"bad time", `{"runners":[{"contacted_at":"yesterday"}]}`, `runners[0].contacted_at: "yesterday" is neither`},
		{"untagged without tags", `{"runners":[{"run_untagged":false}]}`, `runners[0].run_untagged false needs tags`},
		{"token with count", `{"runners":[{"count":2,"token":"glrt-x"}]}`, `runners[0].token needs count 1`},
		{"unknown member", `{"groups":[{"path":"a","members":{"bob":"owner"}}]}`, `groups[0].members: unknown user "bob"`},
		{"bad role", `{"users":[{"username":"bob"}],"groups":[{"path":"a","members":{"bob":"boss"}}]}`, `groups[0].members["bob"]: role "boss"`},
		{"nested path", `{"groups":[{"path":"a/b"}]}`, `groups[0].path "a/b" must be one non-empty segment`},
		{"parent after child", `{"groups":[{"path":"b","parent":"a"},{"path":"a"}]}`, `groups[0].parent: no group "a" declared before it`},
		{"duplicate user", `{"users":[{"username":"root"}]}`, `users[0].username "root" is taken`},
		{"job of unknown runner", `{"jobs":[{"runner":"x"}]}`, `jobs[0].runner: no runner with key "x"`},
		{"bad job status", `{"groups":[{"path":"g"}],"projects":[{"path":"p","group":"g"}],"runners":[{"key":"r"}],"jobs":[{"runner":"r","project":"g/p","status":"done"}]}`, `jobs[0].status "done"`},
		{"bad controller state", `{"controllers":[{"state":"on"}]}`, `controllers[0].state "on"`},
		{"scope of a group runner", `{"groups":[{"path":"g"}],"runners":[{"key":"r","type":"group_type","group":"g"}],"controllers":[{"runner_scopes":["r"]}]}`, `controllers[0].runner_scopes: "r" is not the key of an instance runner`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestFake(t)
			err := s.LoadSeed(strings.NewReader(tt.json))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestDemoDataAsDocumented checks the ids, types and statuses WithDemoData's doc promises.
func TestDemoDataAsDocumented(t *testing.T) {
	s := NewServer(WithDemoData(), WithClock(func() time.Time { return testNow }))
	defer s.Close()
	ctx := context.Background()
	c := s.Client()
	type want struct {
		typ    runnerapi.RunnerType
		status runnerapi.RunnerStatus
		desc   string
	}
	ranges := []struct {
		from, to int64
		want     want
	}{
		{1, 4, want{"instance_type", "online", "shared-docker-large"}},
		{5, 6, want{"instance_type", "online", "shared-arm64"}},
		{7, 8, want{"instance_type", "offline", "shared-windows"}},
		{9, 11, want{"instance_type", "stale", "legacy-ci-box"}},
		{12, 13, want{"instance_type", "paused", "spare-autoscaler"}},
		{14, 16, want{"group_type", "online", "acme-k8s"}},
		{17, 18, want{"group_type", "stale", "web-builders"}},
		{19, 19, want{"project_type", "online", "platform-deployer"}},
		{20, 21, want{"project_type", "online", "api-integration"}},
		{22, 22, want{"project_type", "never_contacted", "site-preview"}},
		{23, 24, want{"instance_type", "never_contacted", "new-fleet-node"}},
		{25, 25, want{"instance_type", "stale", "abandoned-registration"}},
	}
	got := map[int64]want{}
	for r, err := range c.Runners.ListAllIter(ctx, nil) {
		require.NoError(t, err)
		got[r.ID] = want{r.RunnerType, r.Status, r.Description}
	}
	require.Len(t, got, 25)
	for _, rg := range ranges {
		for id := rg.from; id <= rg.to; id++ {
			assert.Equal(t, rg.want, got[id], "runner %d", id)
		}
	}
	users := s.Users()
	require.Len(t, users, 2)
	assert.Equal(t, User{ID: 2, Username: "maria", Token: DemoUserToken}, users[1])
	jobs, resp, err := c.Runners.ListJobs(ctx, 14, nil)
	require.NoError(t, err)
	assert.Len(t, jobs, 8)
	assert.Equal(t, int64(8), resp.TotalItems)
	cs, _, err := c.RunnerControllers.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, cs, 2)
	sc, _, err := c.RunnerControllers.ListScopes(ctx, 2)
	require.NoError(t, err)
	require.Len(t, sc.RunnerLevelScopings, 1)
	assert.Equal(t, int64(5), sc.RunnerLevelScopings[0].RunnerID)
}
