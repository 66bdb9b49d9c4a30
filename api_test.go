package runnerapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAPIInterfacesAreComplete checks the direction the compile-time
// assertions in api.go cannot: every exported method of a service is in its
// interface, so a mock built from the interface can stand in for the service.
func TestAPIInterfacesAreComplete(t *testing.T) {
	for _, tc := range []struct {
		service, iface reflect.Type
	}{
		{reflect.TypeOf(&RunnersService{}), reflect.TypeOf((*RunnersAPI)(nil)).Elem()},
		{reflect.TypeOf(&RunnerControllersService{}), reflect.TypeOf((*RunnerControllersAPI)(nil)).Elem()},
	} {
		t.Run(tc.iface.Name(), func(t *testing.T) {
			for i := range tc.service.NumMethod() {
				m := tc.service.Method(i)
				im, ok := tc.iface.MethodByName(m.Name)
				if assert.True(t, ok, "%s lacks %s", tc.iface.Name(), m.Name) {
					// The service's method type has the receiver as first input.
					assert.Equal(t, m.Type.NumIn()-1, im.Type.NumIn(), m.Name)
				}
			}
			assert.Equal(t, tc.service.NumMethod(), tc.iface.NumMethod(), "the interface has only the service's methods")
		})
	}
}

func TestRunnersDiscoverJobRouter(t *testing.T) {
	const tok = "glrt-discover-0123456789abcdef"
	for _, tc := range []struct {
		name   string
		status int
		body   string
		check  func(t *testing.T, d *JobRouterDiscovery, err error)
	}{
		{"router on", http.StatusOK, `{"server_url":"wss://kas.example.com"}`, func(t *testing.T, d *JobRouterDiscovery, err error) {
			require.NoError(t, err)
			assert.Equal(t, &JobRouterDiscovery{ServerURL: "wss://kas.example.com"}, d)
		}},
		{"bad token", http.StatusForbidden, `{"message":"403 Forbidden"}`, func(t *testing.T, d *JobRouterDiscovery, err error) {
			assert.Nil(t, d)
			assert.ErrorIs(t, err, ErrForbidden)
		}},
		{"router off", http.StatusNotImplemented, `{"message":"Job Router is not available. Please contact your administrator."}`,
			func(t *testing.T, d *JobRouterDiscovery, err error) {
				assert.Nil(t, d)
				assert.ErrorIs(t, err, ErrServer)
				var er *ErrorResponse
				require.ErrorAs(t, err, &er)
				assert.Equal(t, http.StatusNotImplemented, er.StatusCode)
				assert.Equal(t, "Job Router is not available. Please contact your administrator.", er.Message)
			}},
		{"server echoes the token", http.StatusForbidden, `{"message":"403 Forbidden - token ` + tok + ` unknown"}`,
			func(t *testing.T, _ *JobRouterDiscovery, err error) {
				require.ErrorIs(t, err, ErrForbidden)
				assert.NotContains(t, err.Error(), tok, "the runner token is redacted from errors")
				var er *ErrorResponse
				require.ErrorAs(t, err, &er)
				assert.NotContains(t, er.Message, tok)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Retries on: a 501 must still be answered once, not replayed.
			ts := newTestServer(t, WithRetry(3, 0, 0))
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				serveJSON(w, tc.status, []byte(tc.body))
			})
			d, _, err := ts.Client.Runners.DiscoverJobRouter(context.Background(), tok, WithHeader("Runner-Token", "overridden?"))
			tc.check(t, d, err)
			reqs := ts.Requests()
			require.Len(t, reqs, 1, "one attempt: 403 and 501 are not retried")
			rec := reqs[0]
			assert.Equal(t, http.MethodGet, rec.Method)
			assert.Equal(t, "/api/v4/runners/router/discovery", rec.Path)
			assert.Empty(t, rec.Query, "the token never goes into the URL")
			assert.Empty(t, rec.Body)
			assert.Equal(t, []string{tok}, rec.Header.Values("Runner-Token"), "the token travels in the Runner-Token header, and a request option cannot replace it")
			for _, h := range []string{"Private-Token", "Authorization", "Job-Token"} {
				assert.Empty(t, rec.Header.Values(h), "user credentials are not sent (%s)", h)
			}
		})
	}
}

func TestRunnersGetIncludeProjects(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  *GetRunnerOptions
		want url.Values
	}{
		{"nil means GitLab's default", nil, nil},
		{"empty means GitLab's default", &GetRunnerOptions{}, nil},
		{"false omits projects", &GetRunnerOptions{IncludeProjects: Ptr(false)}, url.Values{"include_projects": {"false"}}},
		{"true is sent as set", &GetRunnerOptions{IncludeProjects: Ptr(true)}, url.Values{"include_projects": {"true"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			rnServe(t, ts, http.StatusOK, "get.json", nil)
			_, _, err := ts.Client.Runners.Get(context.Background(), 6, tc.opt)
			require.NoError(t, err)
			rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/6", query: tc.want})
		})
	}
}

// TestEnumValidationListsAllowedValues: every enum refused before sending
// names the field, quotes the value and lists what GitLab accepts, in one
// format ("want X" when only one value is accepted); refused IDs, page
// numbers and version prefixes also show the value.
func TestEnumValidationListsAllowedValues(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, want string
		call       func(r *RunnersService, c *RunnerControllersService) error
	}{
		{"runner type", `invalid ListRunnersOptions.Type: got "shared", want one of instance_type, group_type, project_type`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.List(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{Type: Ptr(RunnerType("shared"))}}))
			}},
		{"runner status", `invalid ListGroupRunnersOptions.Status: got "busy", want one of online, offline, stale, never_contacted, active, paused`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListGroupRunners(ctx, GroupID(1), &ListGroupRunnersOptions{RunnerFilter: RunnerFilter{Status: Ptr(RunnerStatus("busy"))}}))
			}},
		{"job status", `invalid ListRunnerJobsOptions.Status: got "done", want one of created, waiting_for_resource, preparing, waiting_for_callback, pending, running, success, failed, canceling, canceled, skipped, manual, scheduled`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{Status: Ptr(JobStatus("done"))}))
			}},
		{"access level", `invalid UpdateRunnerOptions.AccessLevel: got "protected", want one of not_protected, ref_protected`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.Update(ctx, 1, &UpdateRunnerOptions{AccessLevel: Ptr(AccessLevel("protected"))}))
			}},
		{"scope on List", `invalid ListRunnersOptions.Scope: got "shared", want one of active, paused, online, offline, never_contacted, stale`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.List(ctx, &ListRunnersOptions{Scope: Ptr(ListScopeShared)}))
			}},
		{"job sort", `invalid ListRunnerJobsOptions.Sort: got "up", want one of asc, desc`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{OrderBy: Ptr(OrderByID), Sort: Ptr(SortOrder("up"))}))
			}},
		{"job order", `invalid ListRunnerJobsOptions.OrderBy: got "name", want id`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{OrderBy: Ptr(JobOrderBy("name"))}))
			}},
		{"job sort with keyset", `invalid ListRunnerJobsOptions.Sort: got "asc", want desc (keyset pagination supports only desc)`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{OrderBy: Ptr(OrderByID), Sort: Ptr(SortAsc), Pagination: Ptr(PaginationKeyset)}))
			}},
		{"negative project ID", `invalid project: ID must be a positive integer, got -3`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListProjectRunners(ctx, ProjectID(-3), nil))
			}},
		{"negative group ID", `invalid group: ID must be a positive integer, got -4`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListGroupRunners(ctx, GroupID(-4), nil))
			}},
		{"version prefix", `invalid ListRunnersOptions.VersionPrefix: got "v17", want one that starts with a digit, '.' or '+', e.g. "17.1."`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListAll(ctx, &ListRunnersOptions{RunnerFilter: RunnerFilter{VersionPrefix: Ptr("v17")}}))
			}},
		{"negative page", `invalid ListRunnerJobsOptions.Page: must not be negative, got -2`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{ListOptions: ListOptions{Page: -2}}))
			}},
		{"negative per page", `invalid ListRunnerControllersOptions.PerPage: must not be negative, got -5`,
			func(_ *RunnersService, c *RunnerControllersService) error {
				return errOf(c.List(ctx, &ListRunnerControllersOptions{ListOptions: ListOptions{PerPage: -5}}))
			}},
		{"pagination", `invalid ListRunnerJobsOptions.Pagination: got "cursor", want one of offset, keyset`,
			func(r *RunnersService, _ *RunnerControllersService) error {
				return errOf(r.ListJobs(ctx, 1, &ListRunnerJobsOptions{Pagination: Ptr(PaginationMode("cursor"))}))
			}},
		{"controller state", `invalid CreateRunnerControllerOptions.State: got "on", want one of disabled, enabled, dry_run`,
			func(_ *RunnersService, c *RunnerControllersService) error {
				return errOf(c.Create(ctx, &CreateRunnerControllerOptions{State: Ptr(RunnerControllerState("on"))}))
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			err := tc.call(ts.Client.Runners, ts.Client.RunnerControllers)
			require.ErrorIs(t, err, ErrInvalidInput)
			assert.Equal(t, "runnerapi: "+tc.want, err.Error())
			ts.RequireNoRequests(t)
		})
	}
}

// TestNilOptionsMeanDefaults: for every method with an options struct
// except Update, nil sends the same request as a pointer to the zero struct.
func TestNilOptionsMeanDefaults(t *testing.T) {
	ctx := context.Background()
	type pair struct {
		name       string
		nilC, zero func(c *Client) error
	}
	pairs := []pair{
		{"Runners.List", func(c *Client) error { return errOf(c.Runners.List(ctx, nil)) },
			func(c *Client) error { return errOf(c.Runners.List(ctx, &ListRunnersOptions{})) }},
		{"Runners.Get", func(c *Client) error { return errOf(c.Runners.Get(ctx, 1, nil)) },
			func(c *Client) error { return errOf(c.Runners.Get(ctx, 1, &GetRunnerOptions{})) }},
		{"Runners.ListJobs", func(c *Client) error { return errOf(c.Runners.ListJobs(ctx, 1, nil)) },
			func(c *Client) error { return errOf(c.Runners.ListJobs(ctx, 1, &ListRunnerJobsOptions{})) }},
		{"Runners.Register", func(c *Client) error { return errOf(c.Runners.Register(ctx, "GR1348941abcdefgh", nil)) },
			func(c *Client) error {
				return errOf(c.Runners.Register(ctx, "GR1348941abcdefgh", &RegisterRunnerOptions{}))
			}},
		{"Runners.Create", func(c *Client) error { return errOf(c.Runners.Create(ctx, ProjectRunnerOwner(4), nil)) },
			func(c *Client) error {
				return errOf(c.Runners.Create(ctx, ProjectRunnerOwner(4), &CreateRunnerOptions{}))
			}},
		{"Runners.Verify", func(c *Client) error { return errOf(c.Runners.Verify(ctx, "glrt-abcdefghijkl", nil)) },
			func(c *Client) error {
				return errOf(c.Runners.Verify(ctx, "glrt-abcdefghijkl", &VerifyRunnerOptions{}))
			}},
		{"RunnerControllers.Create", func(c *Client) error { return errOf(c.RunnerControllers.Create(ctx, nil)) },
			func(c *Client) error { return errOf(c.RunnerControllers.Create(ctx, &CreateRunnerControllerOptions{})) }},
		{"RunnerControllers.Update", func(c *Client) error { return errOf(c.RunnerControllers.Update(ctx, 1, nil)) },
			func(c *Client) error {
				return errOf(c.RunnerControllers.Update(ctx, 1, &UpdateRunnerControllerOptions{}))
			}},
		{"RunnerControllers.CreateToken", func(c *Client) error { return errOf(c.RunnerControllers.CreateToken(ctx, 1, nil)) },
			func(c *Client) error {
				return errOf(c.RunnerControllers.CreateToken(ctx, 1, &CreateRunnerControllerTokenOptions{}))
			}},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, http.StatusOK, []byte(`{}`)) })
			errNil, errZero := p.nilC(ts.Client), p.zero(ts.Client)
			// Lists decode {} into a slice and fail alike; what matters is the request.
			assert.Equal(t, errors.Is(errNil, ErrInvalidInput), errors.Is(errZero, ErrInvalidInput))
			assert.NotErrorIs(t, errNil, ErrInvalidInput, "nil options are valid")
			reqs := ts.Requests()
			require.Len(t, reqs, 2)
			assert.Equal(t, reqs[1].Method, reqs[0].Method)
			assert.Equal(t, reqs[1].Path, reqs[0].Path)
			assert.Equal(t, reqs[1].Query, reqs[0].Query)
			assert.Equal(t, string(reqs[1].Body), string(reqs[0].Body))
		})
	}
}

// TestJobListOptionsAreTyped: the typed sort, order and pagination values
// encode as GitLab's strings.
func TestJobListOptionsAreTyped(t *testing.T) {
	ts := newTestServer(t)
	rnServe(t, ts, http.StatusOK, "jobs.json", nil)
	_, _, err := ts.Client.Runners.ListJobs(context.Background(), 1, &ListRunnerJobsOptions{
		OrderBy: Ptr(OrderByID), Sort: Ptr(SortDesc), Pagination: Ptr(PaginationKeyset), Cursor: Ptr("eyJpZCI6NDJ9"),
	})
	require.NoError(t, err)
	rnCheck(t, ts, rnWant{method: http.MethodGet, path: "runners/1/jobs", query: url.Values{
		"order_by": {"id"}, "sort": {"desc"}, "pagination": {"keyset"}, "cursor": {"eyJpZCI6NDJ9"}}})
}

// TestRunnerFilterIsShared: the three runner lists take one embedded filter
// and send it the same way.
func TestRunnerFilterIsShared(t *testing.T) {
	f := RunnerFilter{Type: Ptr(RunnerTypeGroup), Status: Ptr(RunnerStatusStale), Paused: Ptr(true),
		TagList: []string{"a", "b"}, VersionPrefix: Ptr("18.")}
	want := url.Values{"type": {"group_type"}, "status": {"stale"}, "paused": {"true"}, "tag_list": {"a,b"}, "version_prefix": {"18."}}
	ctx := context.Background()
	for name, call := range map[string]func(r *RunnersService) error{
		"List":    func(r *RunnersService) error { return errOf(r.List(ctx, &ListRunnersOptions{RunnerFilter: f})) },
		"ListAll": func(r *RunnersService) error { return errOf(r.ListAll(ctx, &ListRunnersOptions{RunnerFilter: f})) },
		"ListProjectRunners": func(r *RunnersService) error {
			return errOf(r.ListProjectRunners(ctx, ProjectID(3), &ListProjectRunnersOptions{RunnerFilter: f}))
		},
		"ListGroupRunners": func(r *RunnersService) error {
			return errOf(r.ListGroupRunners(ctx, GroupID(3), &ListGroupRunnersOptions{RunnerFilter: f}))
		},
	} {
		t.Run(name, func(t *testing.T) {
			ts := newTestServer(t)
			rnServe(t, ts, http.StatusOK, "list.json", nil)
			require.NoError(t, call(ts.Client.Runners))
			got, err := url.ParseQuery(ts.LastRequest(t).Query)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.True(t, strings.HasSuffix(ts.LastRequest(t).Path, "runners") || strings.HasSuffix(ts.LastRequest(t).Path, "runners/all"))
		})
	}
}

// errOf keeps the error of a (value, *Response, error) call.
func errOf[T any](_ T, _ *Response, err error) error { return err }

// TestDiscoverJobRouterTokenStaysOnOrigin: a redirect to another origin must
// not carry the Runner-Token header there.
func TestDiscoverJobRouterTokenStaysOnOrigin(t *testing.T) {
	const tok = "glrt-redirected-0123456789abcdef"
	other := newTestServer(t)
	other.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, http.StatusOK, []byte(`{"server_url":"wss://elsewhere.example"}`))
	})
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api/v4/runners/router/discovery", http.StatusFound)
	})
	_, _, _ = ts.Client.Runners.DiscoverJobRouter(context.Background(), tok)
	for _, rec := range other.Requests() {
		assert.Empty(t, rec.Header.Values("Runner-Token"), "the runner token must not follow a redirect to another origin")
		for k, vs := range rec.Header {
			for _, v := range vs {
				assert.NotContains(t, v, tok, "header %s", k)
			}
		}
	}
}
