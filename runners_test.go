package runnerapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The helpers in this file carry an "rn" prefix so that they cannot clash
// with helpers other test files of the package define.

// rnTime parses an RFC 3339 timestamp for an expected value.
func rnTime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// rnServe answers every request with status and the given fixture of
// testdata/runners, plus the extra headers.
func rnServe(t *testing.T, ts *testServer, status int, fixtureName string, header http.Header) {
	t.Helper()
	if fixtureName != "" {
		fixtureName = "runners/" + fixtureName
	}
	serveFixture(t, ts, status, fixtureName, header)
}

// rnWant is what one request must look like on the wire.
type rnWant struct {
	method string
	// path is the escaped path below /api/v4/.
	path string
	// query is the expected query; nil means no query at all.
	query url.Values
	// body is the expected JSON body; "" means no body.
	body string
	// runnerToken marks a runner-token endpoint: no user credentials may be
	// sent, and this token may appear only in the JSON body.
	runnerToken string
}

// rnCheck asserts that the server's last request matches w.
func rnCheck(t *testing.T, ts *testServer, w rnWant) {
	t.Helper()
	reqs := ts.Requests()
	require.Len(t, reqs, 1, "exactly one request must reach the server")
	rec := reqs[0]
	assert.Equal(t, w.method, rec.Method, "HTTP method")
	assert.Equal(t, "/api/v4/"+w.path, rec.Path, "escaped path")
	if w.query == nil {
		assert.Empty(t, rec.Query, "query")
	} else {
		got, err := url.ParseQuery(rec.Query)
		require.NoError(t, err)
		assert.Equal(t, w.query, got, "query")
	}
	if w.body == "" {
		assert.Empty(t, rec.Body, "body")
	} else {
		requireJSONEq(t, w.body, rec.Body)
		assert.Equal(t, "application/json", rec.Header.Get("Content-Type"))
	}
	assert.Equal(t, "application/json", rec.Header.Get("Accept"))
	assert.Equal(t, defaultUserAgent, rec.Header.Get("User-Agent"))
	if w.runnerToken == "" {
		assert.Equal(t, testToken, rec.Header.Get("PRIVATE-TOKEN"), "user endpoints carry the private token")
		return
	}
	for _, h := range []string{"Private-Token", "Authorization", "Job-Token"} {
		assert.Empty(t, rec.Header.Values(h), "runner-token endpoints send no %s header", h)
	}
	for k, vs := range rec.Header {
		for _, v := range vs {
			assert.NotContains(t, v, testToken, "header %s", k)
			assert.NotContains(t, v, w.runnerToken, "header %s", k)
		}
	}
	for _, s := range []string{w.runnerToken, url.QueryEscape(w.runnerToken), url.PathEscape(w.runnerToken)} {
		assert.NotContains(t, rec.Path, s, "the token must never be in the URL path")
		assert.NotContains(t, rec.Query, s, "the token must never be in the query")
	}
	assert.Contains(t, string(rec.Body), w.runnerToken, "the token travels in the JSON body")
}

// Expected decodings of the seed documents' runner examples.
var (
	rnSeedRunner6 = &Runner{ID: 6, Description: "test-1-20150125", IPAddress: "127.0.0.1", Active: Ptr(true),
		RunnerType: RunnerTypeProject, Online: Ptr(true), Status: RunnerStatusOnline}
	rnSeedRunner8 = &Runner{ID: 8, Description: "test-2-20150125", IPAddress: "127.0.0.1", Active: Ptr(true),
		RunnerType: RunnerTypeGroup, Online: Ptr(false), Status: RunnerStatusOffline}
	rnSeedProject1 = &Project{ID: 1, Name: "GitLab Community Edition",
		NameWithNamespace: "GitLab.org / GitLab Community Edition", Path: "gitlab-foss",
		PathWithNamespace: "gitlab-org/gitlab-foss"}
)

// rnDetailsPaused is the decoding of pause.json; unpause.json differs in four fields.
func rnDetailsPaused(paused bool) *RunnerDetails {
	d := &RunnerDetails{
		Runner: Runner{ID: 6, Description: "test-1-20150125", Active: Ptr(!paused), Paused: paused,
			RunnerType: RunnerTypeProject, Name: "runner-6", Online: Ptr(true),
			Status: RunnerStatusPaused, JobExecutionStatus: JobExecutionStatusActive,
			CreatedAt: rnTime("2015-01-25T10:00:00.000Z")},
		TagList: []string{"ruby", "mysql"}, RunUntagged: true, AccessLevel: AccessLevelNotProtected,
		Version: "18.1.0", Revision: "4a1b2c3d", Platform: "linux", Architecture: "arm64",
		ContactedAt: rnTime("2025-07-15T09:30:00.000Z"), Projects: []*Project{}, Groups: []*Group{},
	}
	if !paused {
		d.Status, d.JobExecutionStatus = RunnerStatusOnline, JobExecutionStatusIdle
	}
	return d
}

func TestRunnersServiceHasEveryDesignMethod(t *testing.T) {
	want := []string{
		"Create", "Delete", "DeleteByToken", "DeleteManager", "DisableProjectRunner", "EnableProjectRunner",
		"Get", "List", "ListAll", "ListGroupRunners", "ListJobs", "ListManagers", "ListProjectRunners",
		"ListProjects", "Pause", "Register", "ResetAuthenticationToken", "ResetAuthenticationTokenWithToken",
		"ResetGroupRegistrationToken", "ResetInstanceRegistrationToken", "ResetProjectRegistrationToken",
		"Unpause", "Update", "Verify", "DiscoverJobRouter",
	}
	sort.Strings(want)
	require.Len(t, want, 25)
	typ := reflect.TypeOf(&RunnersService{})
	var got []string
	for i := 0; i < typ.NumMethod(); i++ {
		name := typ.Method(i).Name
		if strings.HasSuffix(name, "Iter") {
			continue // iterator twins belong to the pagination work
		}
		got = append(got, name)
	}
	sort.Strings(got)
	require.Equal(t, want, got)
}

func TestRunnersList(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "list.json", http.Header{
		"X-Page": {"2"}, "X-Per-Page": {"50"}, "X-Next-Page": {""}, "X-Prev-Page": {"1"},
		"X-Total": {"52"}, "X-Total-Pages": {"2"},
	})
	runners, resp, err := ts.Client.Runners.List(context.Background(), &ListRunnersOptions{RunnerFilter: RunnerFilter{Type: Ptr(RunnerTypeProject), Status: Ptr(RunnerStatusOnline), Paused: Ptr(false), TagList: []string{"ruby", "mysql"}, VersionPrefix: Ptr("17.1.")}, ListOptions: ListOptions{Page: 2, PerPage: 50}, Scope: Ptr(ListScopeActive)})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners", query: url.Values{
		"page": {"2"}, "per_page": {"50"}, "type": {"project_type"}, "status": {"online"},
		"paused": {"false"}, "tag_list": {"ruby,mysql"}, "version_prefix": {"17.1."}, "scope": {"active"},
	}})
	assert.Equal(t, []*Runner{rnSeedRunner6, rnSeedRunner8}, runners)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.EqualValues(t, 2, resp.CurrentPage)
	assert.EqualValues(t, 0, resp.NextPage)
	assert.EqualValues(t, 1, resp.PrevPage)
	assert.EqualValues(t, 52, resp.TotalItems)
	assert.EqualValues(t, 2, resp.TotalPages)
	assert.EqualValues(t, 50, resp.ItemsPerPage)
}

func TestRunnersListWithoutOptionsSendsNoQuery(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "list.json", nil)
	runners, _, err := ts.Client.Runners.List(context.Background(), nil)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners"})
	assert.Len(t, runners, 2)
}

func TestRunnersListNewestShape(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "list_newest.json", nil)
	runners, _, err := ts.Client.Runners.List(context.Background(), &ListRunnersOptions{RunnerFilter: RunnerFilter{Paused: Ptr(true)}})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners", query: url.Values{"paused": {"true"}}})
	want := []*Runner{
		{
			ID: 41, Description: "docker-autoscaler eu-west-1", Active: Ptr(false), Paused: true, IsShared: true,
			RunnerType: RunnerTypeInstance, Name: "fleet-eu-1", Online: Ptr(true), Status: RunnerStatusPaused,
			JobExecutionStatus: JobExecutionStatusActive,
			CreatedBy: &User{ID: 7, Username: "ops-bot", Name: "Ops Bot", State: "active",
				AvatarURL: "https://gitlab.example.com/uploads/-/system/user/avatar/7/avatar.png",
				WebURL:    "https://gitlab.example.com/ops-bot"},
			CreatedAt: rnTime("2025-03-04T10:11:12.345Z"),
		},
		{
			ID: 42, Active: Ptr(true), RunnerType: RunnerTypeGroup, Status: RunnerStatusNeverContacted,
			JobExecutionStatus: JobExecutionStatusIdle, CreatedAt: rnTime("2025-06-30T23:59:59.000Z"),
		},
	}
	assert.Equal(t, want, runners)
	assert.True(t, runners[0].IsPaused())
	assert.False(t, runners[1].IsPaused())
}

func TestRunnersListAll(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "list_all.json", nil)
	runners, _, err := ts.Client.Runners.ListAll(context.Background(), &ListRunnersOptions{RunnerFilter: RunnerFilter{Type: Ptr(RunnerTypeInstance), Status: Ptr(RunnerStatusStale), Paused: Ptr(true), TagList: []string{"docker"}}, ListOptions: ListOptions{PerPage: 100}, Scope: Ptr(ListScopeShared)})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/all", query: url.Values{
		"per_page": {"100"}, "type": {"instance_type"}, "status": {"stale"}, "paused": {"true"},
		"tag_list": {"docker"}, "scope": {"shared"},
	}})
	want := []*Runner{
		{ID: 1, Description: "shared-runner-1", IPAddress: "127.0.0.1", Active: Ptr(true), IsShared: true,
			RunnerType: RunnerTypeInstance, Online: Ptr(true), Status: RunnerStatusOnline},
		{ID: 3, Description: "shared-runner-2", IPAddress: "127.0.0.1", Active: Ptr(true), IsShared: true,
			RunnerType: RunnerTypeInstance, Online: Ptr(false), Status: RunnerStatusOffline},
		{ID: 6, Description: "test-1-20150125", IPAddress: "127.0.0.1", Active: Ptr(true),
			RunnerType: RunnerTypeProject, Online: Ptr(true), Status: RunnerStatusPaused},
		rnSeedRunner8,
	}
	assert.Equal(t, want, runners)
}

func TestRunnersGet(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "get.json", nil)
	got, resp, err := ts.Client.Runners.Get(context.Background(), 6, nil)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/6"})
	want := &RunnerDetails{
		Runner:  *rnSeedRunner6,
		TagList: []string{"ruby", "mysql"}, AccessLevel: AccessLevelRefProtected,
		MaximumTimeout: Ptr(int64(3600)), ContactedAt: rnTime("2016-01-25T16:39:48.066Z"),
		Projects: []*Project{rnSeedProject1},
	}
	assert.Equal(t, want, got)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestRunnersGetNewestShapeWithProjectsAndGroups(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "get_newest.json", nil)
	got, _, err := ts.Client.Runners.Get(context.Background(), 24, nil)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/24"})
	want := &RunnerDetails{
		Runner: Runner{
			ID: 24, Description: "k8s fleet runner", Active: Ptr(true), RunnerType: RunnerTypeProject,
			Name: "k8s-runner-24", Online: Ptr(false), Status: RunnerStatusOffline,
			JobExecutionStatus: JobExecutionStatusIdle, CreatedAt: rnTime("2024-11-02T08:00:00.000Z"),
			CreatedBy: &User{ID: 3, Username: "maria", Name: "Maria Silva", State: "active",
				AvatarURL: "https://gitlab.example.com/uploads/-/system/user/avatar/3/avatar.png",
				WebURL:    "https://gitlab.example.com/maria"},
		},
		TagList: []string{"k8s", "linux", "amd64"}, Locked: true, MaximumTimeout: Ptr(int64(7200)),
		AccessLevel: AccessLevelNotProtected, Version: "18.2.1", Revision: "cc489270", Platform: "linux",
		Architecture: "amd64", ContactedAt: rnTime("2025-07-15T09:30:00.123Z"),
		MaintenanceNote: "Drained for node upgrade; see INFRA-1203",
		Projects: []*Project{
			{
				ID: 101, Description: "Platform services", Name: "platform", NameWithNamespace: "Acme / Infra / platform",
				Path: "platform", PathWithNamespace: "acme/infra/platform", CreatedAt: rnTime("2023-01-10T12:00:00.000Z"),
				DefaultBranch: "main", TagList: []string{"go", "infra"}, Topics: []string{"go", "infra"},
				SSHURLToRepo:  "git@gitlab.example.com:acme/infra/platform.git",
				HTTPURLToRepo: "https://gitlab.example.com/acme/infra/platform.git",
				WebURL:        "https://gitlab.example.com/acme/infra/platform",
				ReadmeURL:     "https://gitlab.example.com/acme/infra/platform/-/blob/main/README.md",
				ForksCount:    2,
				LicenseURL:    "https://gitlab.example.com/acme/infra/platform/-/blob/main/LICENSE",
				License: &License{Key: "mit", Name: "MIT License", HTMLURL: "http://choosealicense.com/licenses/mit/",
					SourceURL: "https://opensource.org/licenses/MIT"},
				StarCount: 5, LastActivityAt: rnTime("2025-07-14T17:45:01.000Z"), Visibility: "internal",
				Namespace: &Namespace{ID: 55, Name: "Infra", Path: "infra", Kind: "group", FullPath: "acme/infra",
					ParentID: Ptr(int64(50)), WebURL: "https://gitlab.example.com/groups/acme/infra"},
			},
			{
				ID: 102, Name: "docs", NameWithNamespace: "Maria Silva / docs", Path: "docs",
				PathWithNamespace: "maria/docs", CreatedAt: rnTime("2024-02-29T00:00:00.000Z"),
				TagList: []string{}, Topics: []string{},
				SSHURLToRepo:   "git@gitlab.example.com:maria/docs.git",
				HTTPURLToRepo:  "https://gitlab.example.com/maria/docs.git",
				WebURL:         "https://gitlab.example.com/maria/docs",
				LastActivityAt: rnTime("2024-03-01T10:00:00.000Z"),
				Namespace: &Namespace{ID: 4, Name: "Maria Silva", Path: "maria", Kind: "user", FullPath: "maria",
					AvatarURL: "https://gitlab.example.com/uploads/-/system/user/avatar/3/avatar.png",
					WebURL:    "https://gitlab.example.com/maria"},
			},
		},
		Groups: []*Group{{ID: 55, Name: "Infra", WebURL: "https://gitlab.example.com/groups/acme/infra"}},
	}
	assert.Equal(t, want, got)
}

func TestRunnersGetWithoutProjects(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "pause.json", nil)
	_, _, err := ts.Client.Runners.Get(context.Background(), 6, &GetRunnerOptions{IncludeProjects: Ptr(false)})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/6", query: url.Values{"include_projects": {"false"}}})
}

func TestRunnersUpdate(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "update.json", nil)
	got, _, err := ts.Client.Runners.Update(context.Background(), 6, &UpdateRunnerOptions{
		Description:     Ptr("test-1-20150125-test"),
		Paused:          Ptr(false),
		TagList:         Ptr([]string{"ruby", "mysql", "tag1", "tag2"}),
		RunUntagged:     Ptr(false),
		Locked:          Ptr(true),
		AccessLevel:     Ptr(AccessLevelRefProtected),
		MaximumTimeout:  Ptr(int64(3600)),
		MaintenanceNote: Ptr("rack 4"),
	})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPut, path: "runners/6", body: `{
		"description": "test-1-20150125-test", "paused": false, "tag_list": ["ruby","mysql","tag1","tag2"],
		"run_untagged": false, "locked": true, "access_level": "ref_protected", "maximum_timeout": 3600,
		"maintenance_note": "rack 4"}`})
	want := &RunnerDetails{
		Runner: Runner{ID: 6, Description: "test-1-20150125-test", IPAddress: "127.0.0.1", Active: Ptr(true),
			RunnerType: RunnerTypeGroup, Online: Ptr(true), Status: RunnerStatusOnline},
		TagList: []string{"ruby", "mysql", "tag1", "tag2"}, AccessLevel: AccessLevelRefProtected,
		ContactedAt: rnTime("2016-01-25T16:39:48.066Z"), Projects: []*Project{rnSeedProject1},
	}
	assert.Equal(t, want, got)
	assert.Nil(t, got.MaximumTimeout, "maximum_timeout null means no limit")
}

func TestRunnersUpdateDeprecatedActiveAndEmptyTagList(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "update.json", nil)
	_, _, err := ts.Client.Runners.Update(context.Background(), 6, &UpdateRunnerOptions{
		Active:  Ptr(false),
		TagList: Ptr([]string{}),
	})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPut, path: "runners/6", body: `{"active": false, "tag_list": []}`})
}

func TestRunnersPauseAndUnpause(t *testing.T) {
	tests := []struct {
		name    string
		call    func(*RunnersService) (*RunnerDetails, *Response, error)
		fixture string
		paused  bool
	}{
		{"pause", func(s *RunnersService) (*RunnerDetails, *Response, error) { return s.Pause(context.Background(), 6) }, "pause.json", true},
		{"unpause", func(s *RunnersService) (*RunnerDetails, *Response, error) { return s.Unpause(context.Background(), 6) }, "unpause.json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			rnServe(t, ts, http.StatusOK, tt.fixture, nil)
			got, _, err := tt.call(ts.Client.Runners)
			require.NoError(t, err)
			rnCheck(t, ts, rnWant{method: http.MethodPut, path: "runners/6", body: fmt.Sprintf(`{"paused": %t}`, tt.paused)})
			assert.Equal(t, rnDetailsPaused(tt.paused), got)
			assert.Equal(t, tt.paused, got.IsPaused())
		})
	}
}

func TestRunnersDelete(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusNoContent, "", nil)
	since := time.Date(2025, 7, 15, 11, 30, 0, 0, time.FixedZone("CEST", 2*60*60))
	resp, err := ts.Client.Runners.Delete(context.Background(), 6, WithIfUnmodifiedSince(since))
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodDelete, path: "runners/6"})
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, "Tue, 15 Jul 2025 09:30:00 GMT", ts.LastRequest(t).Header.Get("If-Unmodified-Since"))
}

func TestRunnersDeletePreconditionFailed(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusPreconditionFailed, []byte(`{"message":"412 Precondition Failed"}`))
	})
	_, err := ts.Client.Runners.Delete(context.Background(), 6, WithIfUnmodifiedSince(time.Unix(0, 0)))
	require.ErrorIs(t, err, ErrPreconditionFailed)
	assert.Contains(t, err.Error(), "412 Precondition Failed")
}

func TestRunnersDeleteByToken(t *testing.T) {
	const tok = "glrt-t2_DeleteMe0123456789"
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusNoContent, "", nil)
	resp, err := ts.Client.Runners.DeleteByToken(context.Background(), tok)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodDelete, path: "runners", body: `{"token":"` + tok + `"}`, runnerToken: tok})
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestRunnersListJobs(t *testing.T) {
	ts := newTestServer(t)
	// A system_id filter makes GitLab skip counting: no X-Total, X-Total-Pages.
	rnServe(t, ts, http.StatusOK, "jobs.json", http.Header{
		"X-Page": {"1"}, "X-Per-Page": {"2"}, "X-Next-Page": {"2"}, "X-Prev-Page": {""},
	})
	jobs, resp, err := ts.Client.Runners.ListJobs(context.Background(), 1, &ListRunnerJobsOptions{
		ListOptions: ListOptions{Page: 1, PerPage: 2},
		SystemID:    Ptr("s_89e5e9956577"),
		Status:      Ptr(JobStatusRunning),
		OrderBy:     Ptr(OrderByID),
		Sort:        Ptr(SortAsc),
	})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/1/jobs", query: url.Values{
		"page": {"1"}, "per_page": {"2"}, "system_id": {"s_89e5e9956577"}, "status": {"running"},
		"order_by": {"id"}, "sort": {"asc"},
	}})
	want := []*Job{
		{
			ID: 2, Status: JobStatusRunning, Stage: "test", Name: "test", Ref: "master",
			CreatedAt:  rnTime("2017-11-16T08:50:29.000Z"),
			StartedAt:  rnTime("2017-11-16T08:51:29.000Z"),
			FinishedAt: rnTime("2017-11-16T08:53:29.000Z"),
			Duration:   Ptr(120.0),
			User: &User{ID: 1, Username: "user2", Name: "John Doe2", State: "active",
				AvatarURL: "http://www.gravatar.com/avatar/c922747a93b40d1ea88262bf1aebee62?s=80&d=identicon",
				WebURL:    "http://localhost/user2", CreatedAt: rnTime("2017-11-16T18:38:46.000Z")},
			Commit: &Commit{
				ID: "97de212e80737a608d939f648d959671fb0a0142", ShortID: "97de212e", Title: "Update configuration\r",
				Message:    "See merge request !123",
				ParentIDs:  []string{"1b12f15a11fc6e62177bef08f47bc7b5ce50b141", "498214de67004b1da3d820901307bed2a68a8ef6"},
				AuthorName: "John Doe2", AuthorEmail: "user2@example.org", AuthoredDate: rnTime("2017-11-16T08:50:27.000Z"),
				CommitterName: "John Doe2", CommitterEmail: "user2@example.org",
				CommittedDate: rnTime("2017-11-16T08:50:27.000Z"), CreatedAt: rnTime("2017-11-16T08:50:28.000Z"),
			},
			Pipeline: &Pipeline{ID: 2, SHA: "97de212e80737a608d939f648d959671fb0a0142", Ref: "master", Status: "running"},
			Project: &Project{ID: 1, Name: "project1", NameWithNamespace: "John Doe2 / project1", Path: "project1",
				PathWithNamespace: "namespace1/project1", CreatedAt: rnTime("2017-11-16T18:38:46.620Z")},
		},
		{
			ID: 9876, Status: JobStatusFailed, Stage: "build", Name: "compile: [linux, amd64]", Ref: "v2.4.0",
			Tag: true, Coverage: Ptr(81.25), AllowFailure: true,
			CreatedAt:      rnTime("2025-07-15T09:00:00.000Z"),
			StartedAt:      rnTime("2025-07-15T09:00:12.500Z"),
			FinishedAt:     rnTime("2025-07-15T09:04:40.250Z"),
			ErasedAt:       rnTime("2025-07-20T00:00:00.000Z"),
			Duration:       Ptr(267.75),
			QueuedDuration: Ptr(12.5),
			User: &User{ID: 3, Username: "maria", Name: "Maria Silva", State: "active",
				AvatarURL: "https://gitlab.example.com/uploads/-/system/user/avatar/3/avatar.png",
				WebURL:    "https://gitlab.example.com/maria", CreatedAt: rnTime("2020-05-05T05:05:05.000Z"),
				Bio: "SRE", Location: "Lisbon", PublicEmail: "maria@example.com", Linkedin: "maria-silva",
				Discord: "maria#1234", WebsiteURL: "https://maria.example.com", Organization: "Acme",
				JobTitle: "Site Reliability Engineer", Pronouns: "she/her",
				WorkInformation: "Site Reliability Engineer at Acme", LocalTime: "10:04 AM",
				GitHub: "maria-gh", Followers: 12, Following: 3, IsFollowed: Ptr(false)},
			Commit: &Commit{
				ID: "e83c5163316f89bfbde7d9ab23ca2e25604af290", ShortID: "e83c5163", Title: "Release v2.4.0",
				Message:    "Release v2.4.0\n\nChangelog: added\n",
				ParentIDs:  []string{"3f9a2b1c0d4e5f6a7b8c9d0e1f2a3b4c5d6e7f80"},
				AuthorName: "Maria Silva", AuthorEmail: "maria@example.com", AuthoredDate: rnTime("2025-07-15T08:58:00.000Z"),
				CommitterName: "Maria Silva", CommitterEmail: "maria@example.com",
				CommittedDate: rnTime("2025-07-15T08:58:30.000Z"), CreatedAt: rnTime("2025-07-15T08:59:00.000Z"),
				Trailers: map[string]string{"Changelog": "added"}, ExtendedTrailers: map[string][]string{"Changelog": {"added"}},
				WebURL: "https://gitlab.example.com/acme/infra/platform/-/commit/e83c5163316f89bfbde7d9ab23ca2e25604af290",
			},
			Pipeline: &Pipeline{ID: 555, IID: 77, ProjectID: 101, SHA: "e83c5163316f89bfbde7d9ab23ca2e25604af290",
				Ref: "v2.4.0", Status: "failed", Source: "push", CreatedAt: rnTime("2025-07-15T08:59:59.000Z"),
				UpdatedAt: rnTime("2025-07-15T09:04:41.000Z"),
				WebURL:    "https://gitlab.example.com/acme/infra/platform/-/pipelines/555"},
			FailureReason: "script_failure",
			WebURL:        "https://gitlab.example.com/acme/infra/platform/-/jobs/9876",
			Project: &Project{ID: 101, Description: "Platform services", Name: "platform",
				NameWithNamespace: "Acme / Infra / platform", Path: "platform", PathWithNamespace: "acme/infra/platform",
				CreatedAt: rnTime("2023-01-10T12:00:00.000Z")},
		},
	}
	assert.Equal(t, want, jobs)
	assert.EqualValues(t, 2, resp.NextPage)
	assert.EqualValues(t, 0, resp.PrevPage, "an empty X-Prev-Page means there is no previous page")
	assert.EqualValues(t, 0, resp.TotalItems, "absent X-Total is normal")
	assert.EqualValues(t, 0, resp.TotalPages, "absent X-Total-Pages is normal")
}

func TestRunnersListJobsKeyset(t *testing.T) {
	ts := newTestServer(t)
	next := "https://gitlab.example.com/api/v4/runners/1/jobs?cursor=eyJpZCI6Ijk4NzYifQ%3D%3D&id=1&order_by=id&pagination=keyset&per_page=2&sort=desc"
	rnServe(t, ts, http.StatusOK, "jobs.json", http.Header{"Link": {"<" + next + `>; rel="next"`}})
	jobs, resp, err := ts.Client.Runners.ListJobs(context.Background(), 1, &ListRunnerJobsOptions{
		ListOptions: ListOptions{PerPage: 2},
		OrderBy:     Ptr(OrderByID),
		Sort:        Ptr(SortDesc),
		Pagination:  Ptr(PaginationKeyset),
		Cursor:      Ptr("eyJpZCI6IjIifQ=="),
	})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/1/jobs", query: url.Values{
		"per_page": {"2"}, "order_by": {"id"}, "sort": {"desc"}, "pagination": {"keyset"},
		"cursor": {"eyJpZCI6IjIifQ=="},
	}})
	assert.Len(t, jobs, 2)
	assert.Equal(t, next, resp.NextLink)
	assert.Equal(t, "eyJpZCI6Ijk4NzYifQ==", resp.NextCursor)
	assert.EqualValues(t, 0, resp.NextPage)
}

func TestRunnersListJobsWithoutOptions(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "jobs.json", nil)
	jobs, _, err := ts.Client.Runners.ListJobs(context.Background(), 7, nil)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/7/jobs"})
	assert.Len(t, jobs, 2)
}

func TestRunnersListManagers(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "managers.json", nil)
	got, _, err := ts.Client.Runners.ListManagers(context.Background(), 24)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/24/managers"})
	want := []*RunnerManager{
		{ID: 3, SystemID: "s_89e5e9956577", Version: "18.2.1", Revision: "cc489270", Platform: "linux",
			Architecture: "amd64", IPAddress: "10.0.4.17", Status: RunnerStatusOnline,
			JobExecutionStatus: JobExecutionStatusActive, CreatedAt: rnTime("2025-05-01T10:00:00.000Z"),
			ContactedAt: rnTime("2025-07-15T09:30:00.123Z")},
		{ID: 4, SystemID: "<legacy>", Status: RunnerStatusStale, JobExecutionStatus: JobExecutionStatusIdle,
			CreatedAt: rnTime("2023-02-01T00:00:00.000Z")},
	}
	assert.Equal(t, want, got)
}

func TestRunnersListProjects(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "projects.json", nil)
	got, _, err := ts.Client.Runners.ListProjects(context.Background(), 24, &ListRunnerProjectsOptions{
		ListOptions: ListOptions{Page: 3, PerPage: 50},
	})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/24/projects", query: url.Values{"page": {"3"}, "per_page": {"50"}}})
	want := []*Project{
		{
			ID: 101, Description: "Platform services", Name: "platform", NameWithNamespace: "Acme / Infra / platform",
			Path: "platform", PathWithNamespace: "acme/infra/platform", CreatedAt: rnTime("2023-01-10T12:00:00.000Z"),
			DefaultBranch: "main", TagList: []string{"go"}, Topics: []string{"go"},
			SSHURLToRepo:  "git@gitlab.example.com:acme/infra/platform.git",
			HTTPURLToRepo: "https://gitlab.example.com/acme/infra/platform.git",
			WebURL:        "https://gitlab.example.com/acme/infra/platform",
			ReadmeURL:     "https://gitlab.example.com/acme/infra/platform/-/blob/main/README.md",
			ForksCount:    2,
			LicenseURL:    "https://gitlab.example.com/acme/infra/platform/-/blob/main/LICENSE",
			License: &License{Key: "apache-2.0", Name: "Apache License 2.0", Nickname: "Apache 2",
				HTMLURL: "http://choosealicense.com/licenses/apache-2.0/", SourceURL: "https://www.apache.org/licenses/LICENSE-2.0"},
			AvatarURL: "https://gitlab.example.com/uploads/-/system/project/avatar/101/logo.png",
			StarCount: 5, LastActivityAt: rnTime("2025-07-14T17:45:01.000Z"),
			Namespace: &Namespace{ID: 55, Name: "Infra", Path: "infra", Kind: "group", FullPath: "acme/infra",
				ParentID: Ptr(int64(50)), WebURL: "https://gitlab.example.com/groups/acme/infra"},
		},
		{
			ID: 103, Name: "secret-sauce", NameWithNamespace: "Acme / secret-sauce", Path: "secret-sauce",
			PathWithNamespace: "acme/secret-sauce", CreatedAt: rnTime("2024-08-08T08:08:08.000Z"),
			TagList: []string{}, Topics: []string{},
			SSHURLToRepo:   "git@gitlab.example.com:acme/secret-sauce.git",
			HTTPURLToRepo:  "https://gitlab.example.com/acme/secret-sauce.git",
			WebURL:         "https://gitlab.example.com/acme/secret-sauce",
			LastActivityAt: rnTime("2024-08-09T08:08:08.000Z"),
			Namespace: &Namespace{ID: 50, Name: "Acme", Path: "acme", Kind: "group", FullPath: "acme",
				WebURL: "https://gitlab.example.com/groups/acme"},
		},
	}
	assert.Equal(t, want, got)
}

func TestRunnersListProjectsWithoutOptions(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "projects.json", nil)
	got, _, err := ts.Client.Runners.ListProjects(context.Background(), 24, nil)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/24/projects"})
	assert.Len(t, got, 2)
}

func TestRunnersDeleteManager(t *testing.T) {
	const tok = "glrt-t1_ManagerOwner987654"
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusNoContent, "", nil)
	resp, err := ts.Client.Runners.DeleteManager(context.Background(), tok, "s_89e5e9956577")
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodDelete, path: "runners/managers",
		body: `{"token":"` + tok + `","system_id":"s_89e5e9956577"}`, runnerToken: tok})
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestRunnersListProjectRunners(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "project_runners.json", nil)
	got, _, err := ts.Client.Runners.ListProjectRunners(context.Background(), ProjectPath("group/sub/project"),
		&ListProjectRunnersOptions{RunnerFilter: RunnerFilter{Type: Ptr(RunnerTypeProject), Status: Ptr(RunnerStatusOffline), Paused: Ptr(false), TagList: []string{"tag1", "tag2"}, VersionPrefix: Ptr("18.")}, ListOptions: ListOptions{Page: 1, PerPage: 20}, Scope: Ptr(ListScopeSpecific)})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "projects/group%2Fsub%2Fproject/runners", query: url.Values{
		"page": {"1"}, "per_page": {"20"}, "type": {"project_type"}, "status": {"offline"}, "paused": {"false"},
		"tag_list": {"tag1,tag2"}, "version_prefix": {"18."}, "scope": {"specific"},
	}})
	want := []*Runner{
		{ID: 8, Description: "test-2-20150125", IPAddress: "127.0.0.1", Active: Ptr(true),
			RunnerType: RunnerTypeProject, Online: Ptr(false), Status: RunnerStatusOffline},
		{ID: 5, Description: "development_runner", IPAddress: "127.0.0.1", Active: Ptr(true), IsShared: true,
			RunnerType: RunnerTypeInstance, Online: Ptr(true), Status: RunnerStatusOnline},
	}
	assert.Equal(t, want, got)
}

func TestRunnersListProjectRunnersByNumericID(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "project_runners.json", nil)
	_, _, err := ts.Client.Runners.ListProjectRunners(context.Background(), ProjectID(9), nil)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "projects/9/runners"})
}

func TestRunnersEnableProjectRunner(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusCreated, "enable_project_runner.json", nil)
	got, resp, err := ts.Client.Runners.EnableProjectRunner(context.Background(), ProjectID(9), 9)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPost, path: "projects/9/runners", body: `{"runner_id": 9}`})
	want := &Runner{ID: 9, Description: "test-2016-02-01", IPAddress: "127.0.0.1", Active: Ptr(true),
		RunnerType: RunnerTypeProject, Online: Ptr(true), Status: RunnerStatusOnline}
	assert.Equal(t, want, got)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
}

func TestRunnersDisableProjectRunner(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusNoContent, "", nil)
	resp, err := ts.Client.Runners.DisableProjectRunner(context.Background(), ProjectPath("acme/my project"), 9)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodDelete, path: "projects/acme%2Fmy%20project/runners/9"})
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestRunnersListGroupRunners(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "group_runners.json", nil)
	got, _, err := ts.Client.Runners.ListGroupRunners(context.Background(), GroupPath("acme/infra"),
		&ListGroupRunnersOptions{RunnerFilter: RunnerFilter{Type: Ptr(RunnerTypeGroup), Status: Ptr(RunnerStatusNeverContacted), Paused: Ptr(false), TagList: []string{"tag1", "tag2"}, VersionPrefix: Ptr("17")}, ListOptions: ListOptions{PerPage: 3}})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "groups/acme%2Finfra/runners", query: url.Values{
		"per_page": {"3"}, "type": {"group_type"}, "status": {"never_contacted"}, "paused": {"false"},
		"tag_list": {"tag1,tag2"}, "version_prefix": {"17"},
	}})
	want := []*Runner{
		{ID: 3, Description: "Shared", IPAddress: "127.0.0.1", Active: Ptr(true), IsShared: true,
			RunnerType: RunnerTypeInstance, Name: "gitlab-runner", Status: RunnerStatusNeverContacted},
		{ID: 6, Description: "Test", IPAddress: "127.0.0.1", Active: Ptr(true), IsShared: true,
			RunnerType: RunnerTypeInstance, Name: "gitlab-runner", Online: Ptr(false), Status: RunnerStatusOffline},
		{ID: 8, Description: "Test 2", IPAddress: "127.0.0.1", Active: Ptr(true),
			RunnerType: RunnerTypeGroup, Name: "gitlab-runner", Status: RunnerStatusNeverContacted},
	}
	assert.Equal(t, want, got)
	assert.Nil(t, got[0].Online, "online: null means never contacted")
}

func TestRunnersRegister(t *testing.T) {
	const regToken = "GR1348941aB3cD5eF7gH9jK1mN3"
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusCreated, "register.json", nil)
	got, resp, err := ts.Client.Runners.Register(context.Background(), regToken, &RegisterRunnerOptions{
		Description: Ptr("test-1-20150125-test"),
		Info: &RunnerInfo{Name: Ptr("gitlab-runner"), Version: Ptr("18.2.1"), Revision: Ptr("cc489270"),
			Platform: Ptr("linux"), Architecture: Ptr("amd64")},
		Paused:          Ptr(true),
		Locked:          Ptr(false),
		RunUntagged:     Ptr(false),
		TagList:         Ptr([]string{"ruby", "mysql", "tag1", "tag2"}),
		AccessLevel:     Ptr(AccessLevelNotProtected),
		MaximumTimeout:  Ptr(int64(600)),
		MaintenanceNote: Ptr("registered by CI bootstrap"),
	})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPost, path: "runners", runnerToken: regToken, body: `{
		"token": "` + regToken + `", "description": "test-1-20150125-test",
		"info": {"name":"gitlab-runner","version":"18.2.1","revision":"cc489270","platform":"linux","architecture":"amd64"},
		"paused": true, "locked": false, "run_untagged": false, "tag_list": ["ruby","mysql","tag1","tag2"],
		"access_level": "not_protected", "maximum_timeout": 600, "maintenance_note": "registered by CI bootstrap"}`})
	want := &RunnerRegistration{ID: 12345, Token: "6337ff461c94fd3fa32ba3b1ff4125",
		TokenExpiresAt: rnTime("2021-09-27T21:05:03.203Z")}
	assert.Equal(t, want, got)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
}

func TestRunnersRegisterGone(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusGone, []byte(`{"message":"410 Gone - runner registration disallowed"}`))
	})
	_, _, err := ts.Client.Runners.Register(context.Background(), "GR1348941abcdefghijkl", nil)
	require.ErrorIs(t, err, ErrGone)
	assert.Contains(t, err.Error(), "410 Gone - runner registration disallowed")
}

func TestRunnersCreate(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusCreated, "create.json", nil)
	got, resp, err := ts.Client.Runners.Create(context.Background(), GroupRunnerOwner(55), &CreateRunnerOptions{
		Description:           Ptr("infra autoscaler"),
		MaintenanceNote:       Ptr("owned by team infra"),
		Paused:                Ptr(false),
		Locked:                Ptr(true),
		RunUntagged:           Ptr(false),
		TagList:               Ptr([]string{"k8s", "linux"}),
		AccessLevel:           Ptr(AccessLevelRefProtected),
		MaximumTimeout:        Ptr(int64(3600)),
		TokenExpiresAt:        rnTime("2026-02-01T00:00:00Z"),
		TokenRotationDeadline: rnTime("2026-01-25T00:00:00Z"),
	})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPost, path: "user/runners", body: `{
		"runner_type": "group_type", "group_id": 55, "description": "infra autoscaler",
		"maintenance_note": "owned by team infra", "paused": false, "locked": true, "run_untagged": false,
		"tag_list": ["k8s","linux"], "access_level": "ref_protected", "maximum_timeout": 3600,
		"token_expires_at": "2026-02-01T00:00:00Z", "token_rotation_deadline": "2026-01-25T00:00:00Z"}`})
	assert.Equal(t, &RunnerRegistration{ID: 20, Token: "glrt-t3_xP9mQz7vK2nR5sT8uW1y"}, got)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
}

func TestRunnersCreateProjectAndInstanceRunners(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusCreated, "create.json", nil)
	_, _, err := ts.Client.Runners.Create(context.Background(), ProjectRunnerOwner(101), nil)
	require.NoError(t, err)
	requireJSONEq(t, `{"runner_type":"project_type","project_id":101}`, ts.LastRequest(t).Body)
	_, _, err = ts.Client.Runners.Create(context.Background(), InstanceRunnerOwner(), nil)
	require.NoError(t, err)
	requireJSONEq(t, `{"runner_type":"instance_type"}`, ts.LastRequest(t).Body)
}

func TestRunnersVerify(t *testing.T) {
	const tok = "glrt-6337ff461c94fd3fa32ba3b1ff4125"
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "verify.json", nil)
	got, resp, err := ts.Client.Runners.Verify(context.Background(), tok, &VerifyRunnerOptions{SystemID: Ptr("s_89e5e9956577")})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPost, path: "runners/verify", runnerToken: tok,
		body: `{"token":"` + tok + `","system_id":"s_89e5e9956577"}`})
	want := &RunnerVerification{ID: 12345, Token: "glrt-6337ff461c94fd3fa32ba3b1ff4125",
		TokenExpiresAt: rnTime("2021-09-27T21:05:03.203Z")}
	assert.Equal(t, want, got)
	assert.False(t, got.Legacy)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestRunnersVerifyLegacyPlainText200(t *testing.T) {
	// Servers before the JSON answer confirmed a valid token with a bare "200".
	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"text 200", "text/plain", "200"},
		{"text 200 with newline", "text/plain; charset=utf-8", "200\n"},
		{"json 200", "application/json", "200"},
		{"empty body", "text/plain", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const tok = "6337ff461c94fd3fa32ba3b1ff4125"
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = w.Write([]byte(tc.body))
			})
			got, resp, err := ts.Client.Runners.Verify(context.Background(), tok, nil)
			require.NoError(t, err)
			rnCheck(t, ts, rnWant{method: http.MethodPost, path: "runners/verify", runnerToken: tok, body: `{"token":"` + tok + `"}`})
			require.NotNil(t, got)
			assert.Equal(t, &RunnerVerification{Legacy: true}, got)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
}

func TestRunnersVerifyInvalidToken(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusForbidden, []byte(`{"message":"403 Forbidden"}`))
	})
	_, _, err := ts.Client.Runners.Verify(context.Background(), "glrt-wrongwrongwrong", nil)
	require.ErrorIs(t, err, ErrForbidden)
	assert.NotErrorIs(t, err, ErrUnauthorized)
}

func TestRunnersVerifyMalformedJSONObject(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusOK, []byte(`{"id": 12345, "token": `))
	})
	_, _, err := ts.Client.Runners.Verify(context.Background(), "glrt-abcdefghijkl", nil)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, ErrInvalidResponse)
}

func TestRunnersResetAuthenticationToken(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusCreated, "reset_authentication_token.json", nil)
	got, resp, err := ts.Client.Runners.ResetAuthenticationToken(context.Background(), 1)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPost, path: "runners/1/reset_authentication_token"})
	assert.Equal(t, &TokenWithExpiry{Token: "6337ff461c94fd3fa32ba3b1ff4125",
		TokenExpiresAt: rnTime("2021-09-27T21:05:03.203Z")}, got)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
}

func TestRunnersResetAuthenticationTokenWithToken(t *testing.T) {
	const tok = "glrt-t1_CurrentToken0123456"
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusCreated, "reset_authentication_token_with_token.json", nil)
	got, _, err := ts.Client.Runners.ResetAuthenticationTokenWithToken(context.Background(), tok)
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPost, path: "runners/reset_authentication_token",
		body: `{"token":"` + tok + `"}`, runnerToken: tok})
	assert.Equal(t, &TokenWithExpiry{Token: "glrt-t1_Rotated9kQ2wE4rT6yU8iO",
		TokenExpiresAt: rnTime("2026-01-31T12:00:00.000Z")}, got)
}

func TestRunnersResetInstanceRegistrationToken(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusCreated, "reset_instance_registration_token.json", nil)
	got, resp, err := ts.Client.Runners.ResetInstanceRegistrationToken(context.Background())
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPost, path: "runners/reset_registration_token"})
	assert.Equal(t, &TokenWithExpiry{Token: "GR1348941Wx4aB7cD2eF9gH3jK6mN"}, got)
	assert.Nil(t, got.TokenExpiresAt, "registration tokens carry no expiry")
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
}

func TestRunnersResetProjectRegistrationToken(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusCreated, "reset_project_registration_token.json", nil)
	got, _, err := ts.Client.Runners.ResetProjectRegistrationToken(context.Background(), ProjectPath("group/sub/project"))
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPost, path: "projects/group%2Fsub%2Fproject/runners/reset_registration_token"})
	assert.Equal(t, &TokenWithExpiry{Token: "GR1348941pQ5rS8tU1vW4xY7zA0bC"}, got)
}

func TestRunnersResetGroupRegistrationToken(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusCreated, "reset_group_registration_token.json", nil)
	got, _, err := ts.Client.Runners.ResetGroupRegistrationToken(context.Background(), GroupID(9))
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodPost, path: "groups/9/runners/reset_registration_token"})
	assert.Equal(t, &TokenWithExpiry{Token: "GR1348941dE3fG6hJ9kL2mN5pQ8rS"}, got)
}

// TestRunnersValidation proves that invalid input is refused before anything is sent.
func TestRunnersValidation(t *testing.T) {
	type call func(ctx context.Context, r *RunnersService) error
	first := func(_ any, _ *Response, err error) error { return err }
	only := func(_ *Response, err error) error { return err }

	cases := []struct {
		name  string
		field string
		call  call
	}{
		// id <= 0 on every id-taking method.
		{"Get id 0", "id", func(ctx context.Context, r *RunnersService) error { return first(r.Get(ctx, 0, nil)) }},
		{"Get id -1", "id", func(ctx context.Context, r *RunnersService) error { return first(r.Get(ctx, -1, nil)) }},
		{"Update id 0", "id", func(ctx context.Context, r *RunnersService) error {
			return first(r.Update(ctx, 0, &UpdateRunnerOptions{Paused: Ptr(true)}))
		}},
		{"Pause id 0", "id", func(ctx context.Context, r *RunnersService) error { return first(r.Pause(ctx, 0)) }},
		{"Unpause id -5", "id", func(ctx context.Context, r *RunnersService) error { return first(r.Unpause(ctx, -5)) }},
		{"Delete id 0", "id", func(ctx context.Context, r *RunnersService) error { return only(r.Delete(ctx, 0)) }},
		{"ListJobs id 0", "id", func(ctx context.Context, r *RunnersService) error { return first(r.ListJobs(ctx, 0, nil)) }},
		{"ListManagers id 0", "id", func(ctx context.Context, r *RunnersService) error { return first(r.ListManagers(ctx, 0)) }},
		{"ListProjects id 0", "id", func(ctx context.Context, r *RunnersService) error { return first(r.ListProjects(ctx, 0, nil)) }},
		{"ResetAuthenticationToken id 0", "id", func(ctx context.Context, r *RunnersService) error {
			return first(r.ResetAuthenticationToken(ctx, 0))
		}},
		{"EnableProjectRunner runnerID 0", "runnerID", func(ctx context.Context, r *RunnersService) error {
			return first(r.EnableProjectRunner(ctx, ProjectID(9), 0))
		}},
		{"DisableProjectRunner runnerID -1", "runnerID", func(ctx context.Context, r *RunnersService) error {
			return only(r.DisableProjectRunner(ctx, ProjectID(9), -1))
		}},
		{"Create GroupID 0", "owner.ID", func(ctx context.Context, r *RunnersService) error {
			return first(r.Create(ctx, GroupRunnerOwner(0), nil))
		}},
		{"Create ProjectID -1", "owner.ID", func(ctx context.Context, r *RunnersService) error {
			return first(r.Create(ctx, ProjectRunnerOwner(-1), nil))
		}},
		{"ListProjectRunners ProjectID 0", "project", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListProjectRunners(ctx, ProjectID(0), nil))
		}},
		{"ListGroupRunners GroupID -2", "group", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListGroupRunners(ctx, GroupID(-2), nil))
		}},

		// Empty tokens.
		{"Register empty token", "registrationToken", func(ctx context.Context, r *RunnersService) error {
			return first(r.Register(ctx, "", &RegisterRunnerOptions{Description: Ptr("x")}))
		}},
		{"Verify empty token", "runnerToken", func(ctx context.Context, r *RunnersService) error {
			return first(r.Verify(ctx, "", &VerifyRunnerOptions{SystemID: Ptr("s_1")}))
		}},
		{"Verify empty SystemID", "VerifyRunnerOptions.SystemID", func(ctx context.Context, r *RunnersService) error {
			return first(r.Verify(ctx, "glrt-abcdefghijkl", &VerifyRunnerOptions{SystemID: Ptr("")}))
		}},
		{"DiscoverJobRouter empty token", "runnerToken", func(ctx context.Context, r *RunnersService) error {
			return first(r.DiscoverJobRouter(ctx, ""))
		}},
		{"DeleteByToken empty token", "runnerToken", func(ctx context.Context, r *RunnersService) error {
			return only(r.DeleteByToken(ctx, ""))
		}},
		{"DeleteManager empty token", "runnerToken", func(ctx context.Context, r *RunnersService) error {
			return only(r.DeleteManager(ctx, "", "s_1"))
		}},
		{"DeleteManager empty system ID", "systemID", func(ctx context.Context, r *RunnersService) error {
			return only(r.DeleteManager(ctx, "glrt-abcdefghijkl", ""))
		}},
		{"ResetAuthenticationTokenWithToken empty token", "runnerToken", func(ctx context.Context, r *RunnersService) error {
			return first(r.ResetAuthenticationTokenWithToken(ctx, ""))
		}},

		// Update must change something: nil and an empty struct are refused alike.
		{"Update nil options", "UpdateRunnerOptions", func(ctx context.Context, r *RunnersService) error {
			return first(r.Update(ctx, 6, nil))
		}},

		// Invalid enum values.
		{"List Type", "ListRunnersOptions.Type", func(ctx context.Context, r *RunnersService) error {
			return first(r.List(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{Type: Ptr(RunnerType("shared"))}}))
		}},
		{"List Status", "ListRunnersOptions.Status", func(ctx context.Context, r *RunnersService) error {
			return first(r.List(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{Status: Ptr(RunnerStatus("busy"))}}))
		}},
		{"ListAll Type", "ListRunnersOptions.Type", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListAll(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{Type: Ptr(RunnerType("instance"))}}))
		}},
		{"ListProjectRunners Status", "ListProjectRunnersOptions.Status", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListProjectRunners(ctx, ProjectID(9), &ListProjectRunnersOptions{RunnerFilter: RunnerFilter{Status: Ptr(RunnerStatus("ONLINE"))}}))
		}},
		{"ListGroupRunners Type", "ListGroupRunnersOptions.Type", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListGroupRunners(ctx, GroupID(9), &ListGroupRunnersOptions{RunnerFilter: RunnerFilter{Type: Ptr(RunnerType(""))}}))
		}},
		{"Update AccessLevel", "UpdateRunnerOptions.AccessLevel", func(ctx context.Context, r *RunnersService) error {
			return first(r.Update(ctx, 6, &UpdateRunnerOptions{AccessLevel: Ptr(AccessLevel("protected"))}))
		}},
		{"Register AccessLevel", "RegisterRunnerOptions.AccessLevel", func(ctx context.Context, r *RunnersService) error {
			return first(r.Register(ctx, "GR1348941abcdefgh", &RegisterRunnerOptions{AccessLevel: Ptr(AccessLevel("all"))}))
		}},
		{"Create AccessLevel", "CreateRunnerOptions.AccessLevel", func(ctx context.Context, r *RunnersService) error {
			return first(r.Create(ctx, InstanceRunnerOwner(), &CreateRunnerOptions{AccessLevel: Ptr(AccessLevel("none"))}))
		}},
		{"Create zero owner", "owner", func(ctx context.Context, r *RunnersService) error {
			return first(r.Create(ctx, RunnerOwner{}, nil))
		}},
		{"ListJobs Status", "ListRunnerJobsOptions.Status", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{Status: Ptr(JobStatus("done"))}))
		}},
		{"ListJobs OrderBy", "ListRunnerJobsOptions.OrderBy", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{OrderBy: Ptr(JobOrderBy("created_at"))}))
		}},
		{"ListJobs Sort", "ListRunnerJobsOptions.Sort", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{OrderBy: Ptr(OrderByID), Sort: Ptr(SortOrder("ascending"))}))
		}},
		{"ListJobs Sort without OrderBy", "ListRunnerJobsOptions.Sort", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{Sort: Ptr(SortAsc)}))
		}},
		{"ListJobs Pagination", "ListRunnerJobsOptions.Pagination", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{Pagination: Ptr(PaginationMode("pages"))}))
		}},
		{"ListJobs keyset ascending", "ListRunnerJobsOptions.Sort", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{Pagination: Ptr(PaginationKeyset), OrderBy: Ptr(OrderByID), Sort: Ptr(SortAsc)}))
		}},
		{"ListJobs keyset with Page", "ListRunnerJobsOptions.Page", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{Pagination: Ptr(PaginationKeyset), ListOptions: ListOptions{Page: 2}}))
		}},
		{"ListJobs Cursor without keyset", "ListRunnerJobsOptions.Cursor", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{Cursor: Ptr("abc")}))
		}},

		// Mutually exclusive and at-least-one rules.
		{"Update Active and Paused", "UpdateRunnerOptions.Active", func(ctx context.Context, r *RunnersService) error {
			return first(r.Update(ctx, 6, &UpdateRunnerOptions{Active: Ptr(true), Paused: Ptr(false)}))
		}},
		{"Register Active and Paused", "RegisterRunnerOptions.Active", func(ctx context.Context, r *RunnersService) error {
			return first(r.Register(ctx, "GR1348941abcdefgh", &RegisterRunnerOptions{Active: Ptr(false), Paused: Ptr(true)}))
		}},
		{"Update with no field", "UpdateRunnerOptions", func(ctx context.Context, r *RunnersService) error {
			return first(r.Update(ctx, 6, &UpdateRunnerOptions{}))
		}},

		// Create's owner rules: a group or project owner needs a positive ID.
		{"Create GroupRunnerOwner 0", "owner.ID", func(ctx context.Context, r *RunnersService) error {
			return first(r.Create(ctx, GroupRunnerOwner(0), &CreateRunnerOptions{Description: Ptr("x")}))
		}},
		{"Create ProjectRunnerOwner -3", "owner.ID", func(ctx context.Context, r *RunnersService) error {
			return first(r.Create(ctx, ProjectRunnerOwner(-3), nil))
		}},

		// Empty project and group references.
		{"ListProjectRunners zero ProjectRef", "project", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListProjectRunners(ctx, ProjectRef{}, nil))
		}},
		{"ListProjectRunners empty path", "project", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListProjectRunners(ctx, ProjectPath(""), nil))
		}},
		{"EnableProjectRunner slash-only path", "project", func(ctx context.Context, r *RunnersService) error {
			return first(r.EnableProjectRunner(ctx, ProjectPath(" / "), 9))
		}},
		{"DisableProjectRunner zero ProjectRef", "project", func(ctx context.Context, r *RunnersService) error {
			return only(r.DisableProjectRunner(ctx, ProjectRef{}, 9))
		}},
		{"ResetProjectRegistrationToken empty path", "project", func(ctx context.Context, r *RunnersService) error {
			return first(r.ResetProjectRegistrationToken(ctx, ProjectPath("")))
		}},
		{"ListGroupRunners zero GroupRef", "group", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListGroupRunners(ctx, GroupRef{}, nil))
		}},
		{"ResetGroupRegistrationToken empty path", "group", func(ctx context.Context, r *RunnersService) error {
			return first(r.ResetGroupRegistrationToken(ctx, GroupPath("//")))
		}},

		// Version prefixes GitLab rejects (it requires ^[\d+.]+).
		{"List VersionPrefix with v", "ListRunnersOptions.VersionPrefix", func(ctx context.Context, r *RunnersService) error {
			return first(r.List(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{VersionPrefix: Ptr("v17.1")}}))
		}},
		{"List VersionPrefix empty", "ListRunnersOptions.VersionPrefix", func(ctx context.Context, r *RunnersService) error {
			return first(r.List(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{VersionPrefix: Ptr("")}}))
		}},
		{"ListGroupRunners VersionPrefix", "ListGroupRunnersOptions.VersionPrefix", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListGroupRunners(ctx, GroupID(9), &ListGroupRunnersOptions{RunnerFilter: RunnerFilter{VersionPrefix: Ptr("latest")}}))
		}},
		{"ListProjectRunners VersionPrefix", "ListProjectRunnersOptions.VersionPrefix", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListProjectRunners(ctx, ProjectID(9), &ListProjectRunnersOptions{RunnerFilter: RunnerFilter{VersionPrefix: Ptr("-1")}}))
		}},

		// Scopes: GET /runners accepts only status scopes.
		{"List scope shared", "ListRunnersOptions.Scope", func(ctx context.Context, r *RunnersService) error {
			return first(r.List(ctx, &ListRunnersOptions{Scope: Ptr(ListScopeShared)}))
		}},
		{"List scope instance_type", "ListRunnersOptions.Scope", func(ctx context.Context, r *RunnersService) error {
			return first(r.List(ctx, &ListRunnersOptions{Scope: Ptr(ListScopeInstanceType)}))
		}},
		{"ListAll scope unknown", "ListRunnersOptions.Scope", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListAll(ctx, &ListRunnersOptions{Scope: Ptr(RunnerListScope("everything"))}))
		}},
		{"ListProjectRunners scope unknown", "ListProjectRunnersOptions.Scope", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListProjectRunners(ctx, ProjectID(9), &ListProjectRunnersOptions{Scope: Ptr(RunnerListScope("mine"))}))
		}},

		// Pagination parameters.
		{"List negative Page", "ListRunnersOptions.Page", func(ctx context.Context, r *RunnersService) error {
			return first(r.List(ctx, &ListRunnersOptions{ListOptions: ListOptions{Page: -1}}))
		}},
		{"ListProjects negative PerPage", "ListRunnerProjectsOptions.PerPage", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListProjects(ctx, 1, &ListRunnerProjectsOptions{ListOptions: ListOptions{PerPage: -20}}))
		}},
		{"ListJobs negative PerPage", "ListRunnerJobsOptions.PerPage", func(ctx context.Context, r *RunnersService) error {
			return first(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{ListOptions: ListOptions{PerPage: -1}}))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				serveJSON(w, http.StatusOK, []byte(`{}`))
			})
			err := tc.call(context.Background(), ts.Client.Runners)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidInput)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "error %T is not a *ValidationError", err)
			assert.Equal(t, tc.field, ve.Field)
			assert.NotEmpty(t, ve.Reason)
			assert.Contains(t, err.Error(), tc.field)
			ts.RequireNoRequests(t)
		})
	}
}

// TestRunnersValidationAcceptsEveryValidValue guards against validation that is too strict.
func TestRunnersValidationAcceptsEveryValidValue(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusOK, []byte(`[]`))
	})
	ctx := context.Background()
	for _, s := range statusScopes {
		_, _, err := ts.Client.Runners.List(ctx, &ListRunnersOptions{Scope: Ptr(s)})
		require.NoError(t, err, "List scope %q", s)
	}
	for _, s := range allScopes {
		_, _, err := ts.Client.Runners.ListAll(ctx, &ListRunnersOptions{Scope: Ptr(s)})
		require.NoError(t, err, "ListAll scope %q", s)
		_, _, err = ts.Client.Runners.ListProjectRunners(ctx, ProjectID(1), &ListProjectRunnersOptions{Scope: Ptr(s)})
		require.NoError(t, err, "ListProjectRunners scope %q", s)
	}
	for _, v := range []string{"17", "17.1.", ".1", "+build", "1.2.3+abc"} {
		_, _, err := ts.Client.Runners.List(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{VersionPrefix: Ptr(v)}})
		require.NoError(t, err, "version prefix %q", v)
	}
	for _, st := range []JobStatus{JobStatusCreated, JobStatusWaitingForResource, JobStatusPreparing,
		JobStatusWaitingForCallback, JobStatusPending, JobStatusRunning, JobStatusSuccess, JobStatusFailed,
		JobStatusCanceling, JobStatusCanceled, JobStatusSkipped, JobStatusManual, JobStatusScheduled} {
		_, _, err := ts.Client.Runners.ListJobs(ctx, 1, &ListRunnerJobsOptions{Status: Ptr(st)})
		require.NoError(t, err, "job status %q", st)
	}
	_, _, err := ts.Client.Runners.ListJobs(ctx, 1, &ListRunnerJobsOptions{Pagination: Ptr(PaginationKeyset)})
	require.NoError(t, err, "keyset with default order")
	assert.Len(t, ts.Requests(), len(statusScopes)+2*len(allScopes)+5+13+1)
}
