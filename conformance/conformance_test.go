package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/runnerkit/runnerapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is an http.RoundTripper that keeps a copy of every request before passing it on.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	u := *req.URL
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{Method: req.Method, URL: &u, Header: req.Header.Clone(), Body: body})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// take returns and forgets the recorded requests.
func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// listSuffixes are the last path segments of the list endpoints, answered with a JSON array.
var listSuffixes = []string{"runners", "all", "jobs", "managers", "projects", "runner_controllers", "tokens"}

// answer gives every request a plausible success so each SDK call completes;
// responses are not part of the contract (the generated spec is loose there).
func answer(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	last := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	switch {
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && contains(listSuffixes, last):
		_, _ = io.WriteString(w, "[]")
	case r.Method == http.MethodGet && last == "scopes":
		_, _ = io.WriteString(w, `{"instance_level_scopings":[],"runner_level_scopings":[]}`)
	case r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":1,"token":"glrt-answer","token_expires_at":null}`)
	default:
		_, _ = io.WriteString(w, `{"id":1}`)
	}
}

// newHarness starts the answering server and a client that records through it.
func newHarness(t *testing.T) (*contract, *runnerapi.Client, *recorder) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(answer))
	t.Cleanup(srv.Close)
	c := loadContract(t, srv.URL)
	rec := &recorder{next: srv.Client().Transport}
	client, err := runnerapi.NewClient(srv.URL,
		runnerapi.WithPrivateToken("glpat-conformance"),
		runnerapi.WithHTTPClient(&http.Client{Transport: rec}),
		runnerapi.WithoutRetries())
	require.NoError(t, err)
	return c, client, rec
}

// TestRequestsMatchSpec drives every SDK method and validates each request
// against GitLab's OpenAPI description, then checks operation coverage.
func TestRequestsMatchSpec(t *testing.T) {
	c, client, rec := newHarness(t)
	ctx := context.Background()
	covered := make(map[string][]string) // operationId → SDK methods

	for _, cl := range calls {
		name := cl.SDK
		if cl.Note != "" {
			name += "/" + cl.Note
		}
		t.Run(name, func(t *testing.T) {
			require.NoError(t, cl.Run(ctx, client), "%s failed against the answering server", cl.SDK)
			reqs := rec.take()
			require.Len(t, reqs, 1, "%s: want exactly one request", cl.SDK)
			got, problems := c.validate(ctx, reqs[0])
			require.Equal(t, cl.Op, got, "%s sent %s %s: matched operation %q, want %q", cl.SDK, reqs[0].Method, reqs[0].URL.Path, got, cl.Op)
			for _, p := range problems {
				t.Errorf("%s (%s): %s", cl.Op, cl.SDK, p)
			}
			if got == "postApiV4UserRunners" {
				checkOwnerIDs(t, reqs[0].Body)
			}
			if !contains(covered[got], cl.SDK) {
				covered[got] = append(covered[got], cl.SDK)
			}
		})
	}

	table := coverageTable(c, covered)
	t.Log("\n" + table)
	for id := range c.ops {
		if _, skip := excludedOperations[id]; skip {
			continue
		}
		assert.NotEmpty(t, covered[id], "operation %s is not exercised by any SDK method", id)
	}
	for id := range excludedOperations {
		assert.Contains(t, c.ops, id, "excluded operation %s is not in the spec", id)
		assert.Empty(t, covered[id], "excluded operation %s is exercised after all", id)
	}
	checkCoverageFile(t, table)
}

// checkOwnerIDs enforces the server's conditional rule that replaces the
// spec's unconditional group_id/project_id requirement (see deviations).
func checkOwnerIDs(t *testing.T, body []byte) {
	t.Helper()
	var b map[string]any
	require.NoError(t, json.Unmarshal(body, &b))
	_, hasGroup := b["group_id"]
	_, hasProject := b["project_id"]
	typ := b["runner_type"]
	assert.Equal(t, typ == "group_type", hasGroup, "postApiV4UserRunners: group_id must be sent exactly for group_type (runner_type %v)", typ)
	assert.Equal(t, typ == "project_type", hasProject, "postApiV4UserRunners: project_id must be sent exactly for project_type (runner_type %v)", typ)
}

// coverageTable renders operationId → SDK methods as Markdown, in spec path order.
func coverageTable(c *contract, covered map[string][]string) string {
	type row struct{ path, method, id string }
	var rows []row
	for _, path := range c.doc.Paths.InMatchingOrder() {
		for method, op := range c.doc.Paths.Value(path).Operations() {
			rows = append(rows, row{path, method, op.OperationID})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].path != rows[j].path {
			return rows[i].path < rows[j].path
		}
		return rows[i].method < rows[j].method
	})
	var b strings.Builder
	b.WriteString("| operationId | method and path | SDK methods |\n|---|---|---|\n")
	for _, r := range rows {
		sdk := strings.Join(covered[r.id], ", ")
		if why, ok := excludedOperations[r.id]; ok {
			sdk = "not covered: " + why
		} else if sdk == "" {
			sdk = "**MISSING**"
		}
		fmt.Fprintf(&b, "| %s | %s %s | %s |\n", r.id, r.method, r.path, sdk)
	}
	return b.String()
}

const coverageFile = "COVERAGE.md"

const coverageHeader = `# Contract coverage

Generated by ` + "`TestRequestsMatchSpec`" + ` (run ` + "`UPDATE_COVERAGE=1 go test ./...`" + ` in conformance/ to rewrite it).
Each row is an operation of GitLab's OpenAPI excerpt and the SDK methods whose requests were validated against it.

`

// checkCoverageFile keeps the committed COVERAGE.md equal to the measured table.
func checkCoverageFile(t *testing.T, table string) {
	t.Helper()
	var dev strings.Builder
	dev.WriteString("\n## Spec/server disagreements the tests follow the server on\n\n| operationId | spec says | server does | test handling |\n|---|---|---|---|\n")
	for _, d := range deviations {
		fmt.Fprintf(&dev, "| %s | %s | %s | %s |\n", d.Operation, d.Spec, d.Server, d.Handling)
	}
	dev.WriteString("\n## Response deviations: the fake follows the server, not the spec\n\n" +
		"`TestResponsesMatchSpec` validates every answer of the fake (status, declared headers, body schema, error shape) for every operation; " +
		"`TestResponseDeviationsAreStillNeeded` proves each row by leaving it out.\n\n| where | spec says | server does |\n|---|---|---|\n")
	for _, d := range responseDeviations {
		fmt.Fprintf(&dev, "| %s | %s | %s |\n", d.Where, d.Spec, d.Server)
	}
	fmt.Fprintf(&dev, "\nThe `version_prefix` pattern `%s` (a Ruby look-behind RE2 cannot compile) is replaced by `%s`, the server's own check, on exactly: %s.\n",
		lookBehindPattern, versionPrefixPattern, strings.Join(versionPrefixOperations, ", "))
	want := coverageHeader + table + dev.String()
	if os.Getenv("UPDATE_COVERAGE") != "" {
		require.NoError(t, os.WriteFile(coverageFile, []byte(want), 0o644))
		return
	}
	got, err := os.ReadFile(coverageFile)
	require.NoError(t, err, "run UPDATE_COVERAGE=1 go test ./... to create %s", coverageFile)
	assert.Equal(t, want, string(got), "%s is stale: run UPDATE_COVERAGE=1 go test ./... in conformance/", coverageFile)
}

// TestEverySDKMethodIsDriven fails when a service method has no entry in calls.
// Iterator wrappers (…Iter) reuse their list method's request and need only that.
func TestEverySDKMethodIsDriven(t *testing.T) {
	driven := make(map[string]bool)
	for _, cl := range calls {
		driven[cl.SDK] = true
	}
	services := map[string]reflect.Type{
		"Runners":           reflect.TypeOf(&runnerapi.RunnersService{}),
		"RunnerControllers": reflect.TypeOf(&runnerapi.RunnerControllersService{}),
	}
	counts := make(map[string]int)
	exists := make(map[string]bool)
	for svc, typ := range services {
		for i := 0; i < typ.NumMethod(); i++ {
			name := svc + "." + typ.Method(i).Name
			if base, ok := strings.CutSuffix(name, "Iter"); ok && driven[base] {
				continue
			}
			counts[svc]++
			exists[name] = true
			assert.True(t, driven[name], "SDK method %s is not driven by the contract test", name)
		}
	}
	for name := range driven {
		assert.True(t, exists[name], "calls name %s, which is not an SDK method", name)
	}
	assert.Equal(t, 25, counts["Runners"], "Runners methods")
	assert.Equal(t, 15, counts["RunnerControllers"], "RunnerControllers methods")
}

// TestValidatorFlagsMismatches proves the checks can fail: each request is
// wrong in one way and must be reported with a recognisable message.
func TestValidatorFlagsMismatches(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(answer))
	defer srv.Close()
	c := loadContract(t, srv.URL)
	ctx := context.Background()
	mk := func(method, pathQuery, body string) recorded {
		u, err := url.Parse(srv.URL + "/api/v4/" + pathQuery)
		require.NoError(t, err)
		h := http.Header{}
		if body != "" {
			h.Set("Content-Type", "application/json")
		}
		return recorded{Method: method, URL: u, Header: h, Body: []byte(body)}
	}
	cases := []struct {
		name   string
		req    recorded
		op     string
		wantIn string
	}{
		{"unknown query parameter", mk("GET", "runners?colour=red", ""), "getApiV4Runners", `"colour" is not declared`},
		{"scope not on group runners", mk("GET", "groups/7/runners?scope=active", ""), "getApiV4GroupsIdRunners", `"scope" is not declared`},
		{"bad enum", mk("GET", "runners?type=shared_type", ""), "getApiV4Runners", "type"},
		{"bad boolean", mk("GET", "runners/all?paused=maybe", ""), "getApiV4RunnersAll", "paused"},
		{"bad version prefix", mk("GET", "runners?version_prefix=v17", ""), "getApiV4Runners", "version_prefix"},
		{"non-integer path id", mk("GET", "runners/abc", ""), "getApiV4RunnersId", "id"},
		{"bad job status", mk("GET", "runners/1/jobs?status=done", ""), "getApiV4RunnersIdJobs", "status"},
		{"pagination other than keyset", mk("GET", "runners/1/jobs?pagination=offset", ""), "getApiV4RunnersIdJobs", `"pagination"="offset"`},
		{"unknown body field", mk("PUT", "runners/1", `{"paused":true,"colour":"red"}`), "putApiV4RunnersId", `"colour" is not declared`},
		{"wrong body type", mk("PUT", "runners/1", `{"paused":"yes"}`), "putApiV4RunnersId", "paused"},
		{"bad body enum", mk("PUT", "runners/1", `{"access_level":"everyone"}`), "putApiV4RunnersId", "access_level"},
		{"missing required body field", mk("POST", "runners", `{"description":"x"}`), "postApiV4Runners", "token"},
		{"body where none is declared", mk("POST", "runners/1/reset_authentication_token", `{"x":1}`), "postApiV4RunnersIdResetAuthenticationToken", "declares none"},
		{"runner token missing on delete", mk("DELETE", "runners", `{}`), "deleteApiV4Runners", "token"},
		{"runner token of wrong type", mk("DELETE", "runners", `{"token":5}`), "deleteApiV4Runners", "token"},
		{"controller state", mk("POST", "runner_controllers", `{"state":"on"}`), "postApiV4RunnerControllers", "state"},
		{"unknown route", mk("GET", "runners/1/artifacts", ""), "", "no operation"},
		{"wrong method", mk("PATCH", "runners/1", `{}`), "", "no operation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			op, problems := c.validate(ctx, tc.req)
			assert.Equal(t, tc.op, op)
			require.NotEmpty(t, problems, "mismatch not reported")
			assert.Contains(t, strings.Join(problems, "\n"), tc.wantIn)
		})
	}
}

// TestDeviationsAreStillNeeded validates the SDK's requests for every
// deviating operation against the spec as GitLab wrote it: each must fail
// there, or the deviation is obsolete and must be removed.
func TestDeviationsAreStillNeeded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(answer))
	defer srv.Close()
	strict := loadContractMode(t, srv.URL, true)
	rec := &recorder{next: srv.Client().Transport}
	client, err := runnerapi.NewClient(srv.URL, runnerapi.WithPrivateToken("glpat-conformance"),
		runnerapi.WithHTTPClient(&http.Client{Transport: rec}), runnerapi.WithoutRetries())
	require.NoError(t, err)
	ctx := context.Background()
	for _, d := range deviations {
		t.Run(d.Operation, func(t *testing.T) {
			failed := false
			for _, cl := range calls {
				if cl.Op != d.Operation {
					continue
				}
				require.NoError(t, cl.Run(ctx, client))
				reqs := rec.take()
				require.Len(t, reqs, 1)
				op, problems := strict.validate(ctx, reqs[0])
				require.Equal(t, d.Operation, op)
				if len(problems) > 0 {
					failed = true
					t.Logf("%s (%s %s) against the unadjusted spec: %s", op, cl.SDK, cl.Note, strings.Join(problems, "; "))
				}
			}
			assert.True(t, failed, "%s: the SDK's requests pass the unadjusted spec; the deviation is obsolete", d.Operation)
		})
	}
}
