package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/runnerkit/runnerapi/runnerapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exchange is one request to the fake and the status it must answer.
type exchange struct {
	Op     string // operationId the request must match
	Name   string
	Method string
	Path   string // below /api/v4
	Body   string // JSON
	As     string // "admin", "maria" (demo non-admin, Maintainer of acme), "dev" (Developer of project 1), "" none
	Header map[string]string
	Status int
	// Setup runs just before the request (e.g. to switch a licence off), Teardown after it.
	Setup, Teardown func(s *runnerapitest.Server)
}

// fakeFixture is the demo fleet plus a runner whose token the exchanges know.
type fakeFixture struct {
	srv          *runnerapitest.Server
	tokens       map[string]string
	runnerToken  string // runner 26, instance, managers s_a and s_b
	runnerToken2 string // runner 27, instance
}

var fixtureNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func newFakeFixture(t *testing.T) *fakeFixture {
	t.Helper()
	s := runnerapitest.NewServer(runnerapitest.WithDemoData(), runnerapitest.WithClock(func() time.Time { return fixtureNow }))
	t.Cleanup(s.Close)
	dev := s.AddUser("dev", false)
	s.AddProjectMember(1, dev.ID, runnerapitest.RoleDeveloper)
	r := s.AddRunner(runnerapitest.RunnerSpec{Description: "tokened", Managers: []runnerapitest.ManagerSpec{{SystemID: "s_a"}, {SystemID: "s_b"}}})
	r2 := s.AddRunner(runnerapitest.RunnerSpec{Description: "tokened-2"})
	require.Equal(t, int64(26), r.ID, "the demo fleet has 25 runners")
	return &fakeFixture{
		srv:          s,
		tokens:       map[string]string{"admin": s.AdminToken(), "maria": runnerapitest.DemoUserToken, "dev": dev.Token},
		runnerToken:  r.Token,
		runnerToken2: r2.Token,
	}
}

// exchanges covers every operation with its success and its error answers,
// in an order where each step leaves the state the next expects.
func (f *fakeFixture) exchanges() []exchange {
	past := fixtureNow.Add(-400 * 24 * time.Hour).Format(http.TimeFormat)
	ius := map[string]string{"If-Unmodified-Since": past}
	unlicense := func(s *runnerapitest.Server) { s.SetControllersLicensed(false) }
	license := func(s *runnerapitest.Server) { s.SetControllersLicensed(true) }
	reg := f.srv.InstanceRegistrationToken()
	tok, tok2 := f.runnerToken, f.runnerToken2
	return []exchange{
		// Runner lists.
		{Op: "getApiV4Runners", Name: "maria's runners", Method: "GET", Path: "/runners", As: "maria", Status: 200},
		{Op: "getApiV4Runners", Name: "every filter", Method: "GET", Path: "/runners?type=project_type&status=online&paused=false&tag_list=deploy&version_prefix=18.", As: "maria", Status: 200},
		{Op: "getApiV4Runners", Name: "scope this route refuses", Method: "GET", Path: "/runners?scope=shared", As: "maria", Status: 400},
		{Op: "getApiV4Runners", Name: "no credentials", Method: "GET", Path: "/runners", Status: 401},
		{Op: "getApiV4RunnersAll", Name: "all, page 2", Method: "GET", Path: "/runners/all?page=2&per_page=10", As: "admin", Status: 200},
		{Op: "getApiV4RunnersAll", Name: "bad status", Method: "GET", Path: "/runners/all?status=asleep", As: "admin", Status: 400},
		{Op: "getApiV4RunnersAll", Name: "not an administrator", Method: "GET", Path: "/runners/all", As: "maria", Status: 403},
		{Op: "getApiV4RunnersAll", Name: "no credentials", Method: "GET", Path: "/runners/all", Status: 401},
		// One runner.
		{Op: "getApiV4RunnersId", Name: "instance runner", Method: "GET", Path: "/runners/1", As: "admin", Status: 200},
		{Op: "getApiV4RunnersId", Name: "never contacted, no manager", Method: "GET", Path: "/runners/22", As: "admin", Status: 200},
		{Op: "getApiV4RunnersId", Name: "without projects", Method: "GET", Path: "/runners/20?include_projects=false", As: "maria", Status: 200},
		{Op: "getApiV4RunnersId", Name: "group runner for a maintainer", Method: "GET", Path: "/runners/14", As: "maria", Status: 200},
		{Op: "getApiV4RunnersId", Name: "no access", Method: "GET", Path: "/runners/19", As: "dev", Status: 403},
		{Op: "getApiV4RunnersId", Name: "missing", Method: "GET", Path: "/runners/999", As: "admin", Status: 404},
		{Op: "getApiV4RunnersId", Name: "non-integer id", Method: "GET", Path: "/runners/abc", As: "admin", Status: 400},
		{Op: "getApiV4RunnersId", Name: "no credentials", Method: "GET", Path: "/runners/1", Status: 401},
		{Op: "putApiV4RunnersId", Name: "update", Method: "PUT", Path: "/runners/2", Body: `{"description":"renamed","tag_list":"a,b","maximum_timeout":3600,"maintenance_note":"n"}`, As: "admin", Status: 200},
		{Op: "putApiV4RunnersId", Name: "nothing to update", Method: "PUT", Path: "/runners/2", Body: `{}`, As: "admin", Status: 400},
		{Op: "putApiV4RunnersId", Name: "model validation", Method: "PUT", Path: "/runners/2", Body: `{"maximum_timeout":5}`, As: "admin", Status: 400},
		{Op: "putApiV4RunnersId", Name: "no access", Method: "PUT", Path: "/runners/19", Body: `{"paused":true}`, As: "dev", Status: 403},
		{Op: "putApiV4RunnersId", Name: "missing", Method: "PUT", Path: "/runners/999", Body: `{"paused":true}`, As: "admin", Status: 404},
		{Op: "putApiV4RunnersId", Name: "no credentials", Method: "PUT", Path: "/runners/2", Body: `{"paused":true}`, Status: 401},
		{Op: "getApiV4RunnersIdManagers", Name: "managers", Method: "GET", Path: "/runners/26/managers", As: "admin", Status: 200},
		{Op: "getApiV4RunnersIdManagers", Name: "contacted managers", Method: "GET", Path: "/runners/1/managers", As: "admin", Status: 200},
		{Op: "getApiV4RunnersIdManagers", Name: "no access", Method: "GET", Path: "/runners/19/managers", As: "dev", Status: 403},
		{Op: "getApiV4RunnersIdManagers", Name: "missing", Method: "GET", Path: "/runners/999/managers", As: "admin", Status: 404},
		{Op: "getApiV4RunnersIdManagers", Name: "no credentials", Method: "GET", Path: "/runners/1/managers", Status: 401},
		{Op: "getApiV4RunnersIdProjects", Name: "projects", Method: "GET", Path: "/runners/20/projects", As: "admin", Status: 200},
		{Op: "getApiV4RunnersIdProjects", Name: "no access", Method: "GET", Path: "/runners/19/projects", As: "dev", Status: 403},
		{Op: "getApiV4RunnersIdProjects", Name: "missing", Method: "GET", Path: "/runners/999/projects", As: "admin", Status: 404},
		{Op: "getApiV4RunnersIdProjects", Name: "no credentials", Method: "GET", Path: "/runners/20/projects", Status: 401},
		{Op: "getApiV4RunnersIdJobs", Name: "offset", Method: "GET", Path: "/runners/1/jobs", As: "admin", Status: 200},
		{Op: "getApiV4RunnersIdJobs", Name: "keyset", Method: "GET", Path: "/runners/1/jobs?pagination=keyset&per_page=3", As: "admin", Status: 200},
		{Op: "getApiV4RunnersIdJobs", Name: "keyset ascending", Method: "GET", Path: "/runners/1/jobs?pagination=keyset&order_by=id&sort=asc", As: "admin", Status: 405},
		{Op: "getApiV4RunnersIdJobs", Name: "bad status", Method: "GET", Path: "/runners/1/jobs?status=done", As: "admin", Status: 400},
		{Op: "getApiV4RunnersIdJobs", Name: "no access", Method: "GET", Path: "/runners/19/jobs", As: "dev", Status: 403},
		{Op: "getApiV4RunnersIdJobs", Name: "missing", Method: "GET", Path: "/runners/999/jobs", As: "admin", Status: 404},
		{Op: "getApiV4RunnersIdJobs", Name: "no credentials", Method: "GET", Path: "/runners/1/jobs", Status: 401},
		{Op: "postApiV4RunnersIdResetAuthenticationToken", Name: "reset", Method: "POST", Path: "/runners/3/reset_authentication_token", As: "admin", Status: 201},
		{Op: "postApiV4RunnersIdResetAuthenticationToken", Name: "no access", Method: "POST", Path: "/runners/19/reset_authentication_token", As: "dev", Status: 403},
		{Op: "postApiV4RunnersIdResetAuthenticationToken", Name: "missing", Method: "POST", Path: "/runners/999/reset_authentication_token", As: "admin", Status: 404},
		{Op: "postApiV4RunnersIdResetAuthenticationToken", Name: "no credentials", Method: "POST", Path: "/runners/3/reset_authentication_token", Status: 401},
		{Op: "postApiV4Runners", Name: "register", Method: "POST", Path: "/runners", Body: `{"token":"` + reg + `","description":"legacy","info":{"name":"gitlab-runner"}}`, Status: 201},
		{Op: "postApiV4Runners", Name: "bad registration token", Method: "POST", Path: "/runners", Body: `{"token":"GR1348941nope"}`, Status: 403},
		{Op: "postApiV4Runners", Name: "missing token", Method: "POST", Path: "/runners", Body: `{}`, Status: 400},
		{Op: "postApiV4Runners", Name: "registration disabled", Method: "POST", Path: "/runners", Body: `{"token":"` + reg + `"}`, Status: 410,
			Setup: func(s *runnerapitest.Server) { s.SetRegistrationEnabled(false) }, Teardown: func(s *runnerapitest.Server) { s.SetRegistrationEnabled(true) }},
		{Op: "postApiV4RunnersResetRegistrationToken", Name: "reset", Method: "POST", Path: "/runners/reset_registration_token", As: "admin", Status: 201},
		{Op: "postApiV4RunnersResetRegistrationToken", Name: "not an administrator", Method: "POST", Path: "/runners/reset_registration_token", As: "maria", Status: 403},
		{Op: "postApiV4RunnersResetRegistrationToken", Name: "no credentials", Method: "POST", Path: "/runners/reset_registration_token", Status: 401},
		// Creation, registration and runner-token endpoints.
		{Op: "postApiV4UserRunners", Name: "create", Method: "POST", Path: "/user/runners", Body: `{"runner_type":"project_type","project_id":1,"description":"made"}`, As: "maria", Status: 201},
		{Op: "postApiV4UserRunners", Name: "missing type", Method: "POST", Path: "/user/runners", Body: `{}`, As: "admin", Status: 400},
		{Op: "postApiV4UserRunners", Name: "instance runner as non-admin", Method: "POST", Path: "/user/runners", Body: `{"runner_type":"instance_type"}`, As: "maria", Status: 403},
		{Op: "postApiV4UserRunners", Name: "no credentials", Method: "POST", Path: "/user/runners", Body: `{"runner_type":"instance_type"}`, Status: 401},
		{Op: "postApiV4RunnersVerify", Name: "verify", Method: "POST", Path: "/runners/verify", Body: `{"token":"` + tok + `","system_id":"s_a"}`, Status: 200},
		{Op: "postApiV4RunnersVerify", Name: "bad token", Method: "POST", Path: "/runners/verify", Body: `{"token":"glrt-nope"}`, Status: 403},
		{Op: "postApiV4RunnersVerify", Name: "missing token", Method: "POST", Path: "/runners/verify", Body: `{}`, Status: 400},
		{Op: "getApiV4RunnersRouterDiscovery", Name: "not available", Method: "GET", Path: "/runners/router/discovery", Header: map[string]string{"Runner-Token": tok}, Status: 501},
		{Op: "getApiV4RunnersRouterDiscovery", Name: "available", Method: "GET", Path: "/runners/router/discovery", Header: map[string]string{"Runner-Token": tok}, Status: 200,
			Setup: func(s *runnerapitest.Server) { s.SetJobRouter("grpcs://kas.example.com") }},
		{Op: "getApiV4RunnersRouterDiscovery", Name: "bad token", Method: "GET", Path: "/runners/router/discovery", Header: map[string]string{"Runner-Token": "glrt-nope"}, Status: 403},
		{Op: "deleteApiV4RunnersManagers", Name: "precondition", Method: "DELETE", Path: "/runners/managers", Body: `{"token":"` + tok + `","system_id":"s_b"}`, Header: ius, Status: 412},
		{Op: "deleteApiV4RunnersManagers", Name: "delete", Method: "DELETE", Path: "/runners/managers", Body: `{"token":"` + tok + `","system_id":"s_b"}`, Status: 204},
		{Op: "deleteApiV4RunnersManagers", Name: "missing manager", Method: "DELETE", Path: "/runners/managers", Body: `{"token":"` + tok + `","system_id":"s_b"}`, Status: 404},
		{Op: "deleteApiV4RunnersManagers", Name: "bad token", Method: "DELETE", Path: "/runners/managers", Body: `{"token":"glrt-nope","system_id":"s_a"}`, Status: 403},
		{Op: "deleteApiV4RunnersManagers", Name: "missing system_id", Method: "DELETE", Path: "/runners/managers", Body: `{"token":"` + tok + `"}`, Status: 400},
		{Op: "postApiV4RunnersResetAuthenticationToken", Name: "bad token", Method: "POST", Path: "/runners/reset_authentication_token", Body: `{"token":"glrt-nope"}`, Status: 403},
		{Op: "postApiV4RunnersResetAuthenticationToken", Name: "missing token", Method: "POST", Path: "/runners/reset_authentication_token", Body: `{}`, Status: 400},
		{Op: "postApiV4RunnersResetAuthenticationToken", Name: "reset", Method: "POST", Path: "/runners/reset_authentication_token", Body: `{"token":"` + tok2 + `"}`, Status: 201},
		{Op: "deleteApiV4Runners", Name: "bad token", Method: "DELETE", Path: "/runners", Body: `{"token":"` + tok2 + `"}`, Status: 403},
		{Op: "deleteApiV4Runners", Name: "missing token", Method: "DELETE", Path: "/runners", Body: `{}`, Status: 400},
		{Op: "deleteApiV4Runners", Name: "precondition", Method: "DELETE", Path: "/runners", Body: `{"token":"` + tok + `"}`, Header: ius, Status: 412},
		{Op: "deleteApiV4Runners", Name: "delete", Method: "DELETE", Path: "/runners", Body: `{"token":"` + tok + `"}`, Status: 204},
		// Project and group runners.
		{Op: "getApiV4ProjectsIdRunners", Name: "by id", Method: "GET", Path: "/projects/1/runners", As: "maria", Status: 200},
		{Op: "getApiV4ProjectsIdRunners", Name: "by path, scope", Method: "GET", Path: "/projects/acme%2Fweb%2Fapi/runners?scope=specific", As: "admin", Status: 200},
		{Op: "getApiV4ProjectsIdRunners", Name: "unknown scope", Method: "GET", Path: "/projects/1/runners?scope=bogus", As: "admin", Status: 400},
		{Op: "getApiV4ProjectsIdRunners", Name: "developer", Method: "GET", Path: "/projects/1/runners", As: "dev", Status: 403},
		{Op: "getApiV4ProjectsIdRunners", Name: "missing project", Method: "GET", Path: "/projects/999/runners", As: "admin", Status: 404},
		{Op: "getApiV4ProjectsIdRunners", Name: "no credentials", Method: "GET", Path: "/projects/1/runners", Status: 401},
		{Op: "postApiV4ProjectsIdRunners", Name: "assign", Method: "POST", Path: "/projects/2/runners", Body: `{"runner_id":19}`, As: "admin", Status: 201},
		{Op: "postApiV4ProjectsIdRunners", Name: "group runner", Method: "POST", Path: "/projects/2/runners", Body: `{"runner_id":14}`, As: "admin", Status: 403},
		{Op: "postApiV4ProjectsIdRunners", Name: "already assigned", Method: "POST", Path: "/projects/2/runners", Body: `{"runner_id":19}`, As: "admin", Status: 400},
		{Op: "postApiV4ProjectsIdRunners", Name: "missing runner", Method: "POST", Path: "/projects/2/runners", Body: `{"runner_id":999}`, As: "admin", Status: 404},
		{Op: "postApiV4ProjectsIdRunners", Name: "no credentials", Method: "POST", Path: "/projects/2/runners", Body: `{"runner_id":19}`, Status: 401},
		{Op: "deleteApiV4ProjectsIdRunnersRunnerId", Name: "precondition", Method: "DELETE", Path: "/projects/2/runners/19", As: "admin", Header: ius, Status: 412},
		{Op: "deleteApiV4ProjectsIdRunnersRunnerId", Name: "unassign", Method: "DELETE", Path: "/projects/2/runners/19", As: "admin", Status: 204},
		{Op: "deleteApiV4ProjectsIdRunnersRunnerId", Name: "owner project", Method: "DELETE", Path: "/projects/1/runners/19", As: "admin", Status: 403},
		{Op: "deleteApiV4ProjectsIdRunnersRunnerId", Name: "not assigned", Method: "DELETE", Path: "/projects/2/runners/19", As: "admin", Status: 404},
		{Op: "deleteApiV4ProjectsIdRunnersRunnerId", Name: "no credentials", Method: "DELETE", Path: "/projects/2/runners/20", Status: 401},
		{Op: "postApiV4ProjectsIdRunnersResetRegistrationToken", Name: "reset", Method: "POST", Path: "/projects/1/runners/reset_registration_token", As: "maria", Status: 201},
		{Op: "postApiV4ProjectsIdRunnersResetRegistrationToken", Name: "developer", Method: "POST", Path: "/projects/1/runners/reset_registration_token", As: "dev", Status: 403},
		{Op: "postApiV4ProjectsIdRunnersResetRegistrationToken", Name: "missing project", Method: "POST", Path: "/projects/999/runners/reset_registration_token", As: "admin", Status: 404},
		{Op: "postApiV4ProjectsIdRunnersResetRegistrationToken", Name: "no credentials", Method: "POST", Path: "/projects/1/runners/reset_registration_token", Status: 401},
		{Op: "getApiV4GroupsIdRunners", Name: "group runners", Method: "GET", Path: "/groups/1/runners?scope=ignored", As: "maria", Status: 200},
		{Op: "getApiV4GroupsIdRunners", Name: "bad type", Method: "GET", Path: "/groups/1/runners?type=shared", As: "maria", Status: 400},
		{Op: "getApiV4GroupsIdRunners", Name: "not a member", Method: "GET", Path: "/groups/1/runners", As: "dev", Status: 404},
		{Op: "getApiV4GroupsIdRunners", Name: "missing group", Method: "GET", Path: "/groups/999/runners", As: "admin", Status: 404},
		{Op: "getApiV4GroupsIdRunners", Name: "no credentials", Method: "GET", Path: "/groups/1/runners", Status: 401},
		{Op: "postApiV4GroupsIdRunnersResetRegistrationToken", Name: "reset", Method: "POST", Path: "/groups/1/runners/reset_registration_token", As: "admin", Status: 201},
		{Op: "postApiV4GroupsIdRunnersResetRegistrationToken", Name: "maintainer", Method: "POST", Path: "/groups/1/runners/reset_registration_token", As: "maria", Status: 403},
		{Op: "postApiV4GroupsIdRunnersResetRegistrationToken", Name: "missing group", Method: "POST", Path: "/groups/999/runners/reset_registration_token", As: "admin", Status: 404},
		{Op: "postApiV4GroupsIdRunnersResetRegistrationToken", Name: "no credentials", Method: "POST", Path: "/groups/1/runners/reset_registration_token", Status: 401},
		{Op: "deleteApiV4RunnersId", Name: "shared by projects, as a maintainer", Method: "DELETE", Path: "/runners/20", As: "maria", Status: 403},
		{Op: "deleteApiV4RunnersId", Name: "precondition", Method: "DELETE", Path: "/runners/25", As: "admin", Header: ius, Status: 412},
		{Op: "deleteApiV4RunnersId", Name: "delete", Method: "DELETE", Path: "/runners/25", As: "admin", Status: 204},
		{Op: "deleteApiV4RunnersId", Name: "missing", Method: "DELETE", Path: "/runners/25", As: "admin", Status: 404},
		{Op: "deleteApiV4RunnersId", Name: "no credentials", Method: "DELETE", Path: "/runners/24", Status: 401},
		// Runner controllers.
		{Op: "getApiV4RunnerControllers", Name: "list", Method: "GET", Path: "/runner_controllers", As: "admin", Status: 200},
		{Op: "getApiV4RunnerControllers", Name: "not an administrator", Method: "GET", Path: "/runner_controllers", As: "maria", Status: 403},
		{Op: "getApiV4RunnerControllers", Name: "no credentials", Method: "GET", Path: "/runner_controllers", Status: 401},
		{Op: "getApiV4RunnerControllers", Name: "unlicensed", Method: "GET", Path: "/runner_controllers", As: "admin", Status: 404, Setup: unlicense, Teardown: license},
		{Op: "getApiV4RunnerControllersId", Name: "get", Method: "GET", Path: "/runner_controllers/1", As: "admin", Status: 200},
		{Op: "getApiV4RunnerControllersId", Name: "missing", Method: "GET", Path: "/runner_controllers/99", As: "admin", Status: 404},
		{Op: "getApiV4RunnerControllersId", Name: "non-integer id", Method: "GET", Path: "/runner_controllers/x", As: "admin", Status: 400},
		{Op: "getApiV4RunnerControllersId", Name: "not an administrator", Method: "GET", Path: "/runner_controllers/1", As: "maria", Status: 403},
		{Op: "postApiV4RunnerControllers", Name: "create", Method: "POST", Path: "/runner_controllers", Body: `{"description":"new"}`, As: "admin", Status: 201},
		{Op: "postApiV4RunnerControllers", Name: "bad state", Method: "POST", Path: "/runner_controllers", Body: `{"state":"on"}`, As: "admin", Status: 400},
		{Op: "postApiV4RunnerControllers", Name: "not an administrator", Method: "POST", Path: "/runner_controllers", Body: `{}`, As: "maria", Status: 403},
		{Op: "putApiV4RunnerControllersId", Name: "update", Method: "PUT", Path: "/runner_controllers/3", Body: `{"state":"enabled"}`, As: "admin", Status: 200},
		{Op: "putApiV4RunnerControllersId", Name: "too long", Method: "PUT", Path: "/runner_controllers/3", Body: `{"description":"` + strings.Repeat("x", 1025) + `"}`, As: "admin", Status: 400},
		{Op: "putApiV4RunnerControllersId", Name: "missing", Method: "PUT", Path: "/runner_controllers/99", Body: `{}`, As: "admin", Status: 404},
		{Op: "putApiV4RunnerControllersId", Name: "not an administrator", Method: "PUT", Path: "/runner_controllers/3", Body: `{}`, As: "maria", Status: 403},
		{Op: "getApiV4RunnerControllersRunnerControllerIdTokens", Name: "list", Method: "GET", Path: "/runner_controllers/1/tokens", As: "admin", Status: 200},
		{Op: "getApiV4RunnerControllersRunnerControllerIdTokens", Name: "missing controller", Method: "GET", Path: "/runner_controllers/99/tokens", As: "admin", Status: 404},
		{Op: "getApiV4RunnerControllersRunnerControllerIdTokens", Name: "not an administrator", Method: "GET", Path: "/runner_controllers/1/tokens", As: "maria", Status: 403},
		{Op: "postApiV4RunnerControllersRunnerControllerIdTokens", Name: "create", Method: "POST", Path: "/runner_controllers/3/tokens", Body: `{"description":"ci"}`, As: "admin", Status: 201},
		{Op: "postApiV4RunnerControllersRunnerControllerIdTokens", Name: "too long", Method: "POST", Path: "/runner_controllers/3/tokens", Body: `{"description":"` + strings.Repeat("x", 1025) + `"}`, As: "admin", Status: 400},
		{Op: "postApiV4RunnerControllersRunnerControllerIdTokens", Name: "missing controller", Method: "POST", Path: "/runner_controllers/99/tokens", Body: `{}`, As: "admin", Status: 404},
		{Op: "postApiV4RunnerControllersRunnerControllerIdTokens", Name: "not an administrator", Method: "POST", Path: "/runner_controllers/3/tokens", Body: `{}`, As: "maria", Status: 403},
		{Op: "getApiV4RunnerControllersRunnerControllerIdTokensId", Name: "get", Method: "GET", Path: "/runner_controllers/1/tokens/1", As: "admin", Status: 200},
		{Op: "getApiV4RunnerControllersRunnerControllerIdTokensId", Name: "missing", Method: "GET", Path: "/runner_controllers/1/tokens/99", As: "admin", Status: 404},
		{Op: "getApiV4RunnerControllersRunnerControllerIdTokensId", Name: "not an administrator", Method: "GET", Path: "/runner_controllers/1/tokens/1", As: "maria", Status: 403},
		{Op: "postApiV4RunnerControllersRunnerControllerIdTokensIdRotate", Name: "rotate", Method: "POST", Path: "/runner_controllers/3/tokens/4/rotate", As: "admin", Status: 200},
		{Op: "postApiV4RunnerControllersRunnerControllerIdTokensIdRotate", Name: "revoked by the rotation", Method: "POST", Path: "/runner_controllers/3/tokens/4/rotate", As: "admin", Status: 404},
		{Op: "postApiV4RunnerControllersRunnerControllerIdTokensIdRotate", Name: "not an administrator", Method: "POST", Path: "/runner_controllers/3/tokens/5/rotate", As: "maria", Status: 403},
		{Op: "deleteApiV4RunnerControllersRunnerControllerIdTokensId", Name: "revoke", Method: "DELETE", Path: "/runner_controllers/3/tokens/5", As: "admin", Status: 204},
		{Op: "deleteApiV4RunnerControllersRunnerControllerIdTokensId", Name: "already revoked", Method: "DELETE", Path: "/runner_controllers/3/tokens/5", As: "admin", Status: 404},
		{Op: "deleteApiV4RunnerControllersRunnerControllerIdTokensId", Name: "not an administrator", Method: "DELETE", Path: "/runner_controllers/1/tokens/1", As: "maria", Status: 403},
		{Op: "getApiV4RunnerControllersIdScopes", Name: "instance scope", Method: "GET", Path: "/runner_controllers/1/scopes", As: "admin", Status: 200},
		{Op: "getApiV4RunnerControllersIdScopes", Name: "runner scope", Method: "GET", Path: "/runner_controllers/2/scopes", As: "admin", Status: 200},
		{Op: "getApiV4RunnerControllersIdScopes", Name: "missing", Method: "GET", Path: "/runner_controllers/99/scopes", As: "admin", Status: 404},
		{Op: "getApiV4RunnerControllersIdScopes", Name: "not an administrator", Method: "GET", Path: "/runner_controllers/1/scopes", As: "maria", Status: 403},
		{Op: "postApiV4RunnerControllersIdScopesInstance", Name: "add", Method: "POST", Path: "/runner_controllers/3/scopes/instance", As: "admin", Status: 201},
		{Op: "postApiV4RunnerControllersIdScopesInstance", Name: "exists", Method: "POST", Path: "/runner_controllers/3/scopes/instance", As: "admin", Status: 409},
		{Op: "postApiV4RunnerControllersIdScopesInstance", Name: "missing", Method: "POST", Path: "/runner_controllers/99/scopes/instance", As: "admin", Status: 404},
		{Op: "postApiV4RunnerControllersIdScopesInstance", Name: "not an administrator", Method: "POST", Path: "/runner_controllers/3/scopes/instance", As: "maria", Status: 403},
		{Op: "postApiV4RunnerControllersIdScopesRunnersRunnerId", Name: "instance scope exists", Method: "POST", Path: "/runner_controllers/3/scopes/runners/1", As: "admin", Status: 409},
		{Op: "deleteApiV4RunnerControllersIdScopesInstance", Name: "remove", Method: "DELETE", Path: "/runner_controllers/3/scopes/instance", As: "admin", Status: 204},
		{Op: "deleteApiV4RunnerControllersIdScopesInstance", Name: "missing", Method: "DELETE", Path: "/runner_controllers/99/scopes/instance", As: "admin", Status: 404},
		{Op: "deleteApiV4RunnerControllersIdScopesInstance", Name: "not an administrator", Method: "DELETE", Path: "/runner_controllers/3/scopes/instance", As: "maria", Status: 403},
		{Op: "postApiV4RunnerControllersIdScopesRunnersRunnerId", Name: "add", Method: "POST", Path: "/runner_controllers/3/scopes/runners/1", As: "admin", Status: 201},
		{Op: "postApiV4RunnerControllersIdScopesRunnersRunnerId", Name: "exists", Method: "POST", Path: "/runner_controllers/3/scopes/runners/1", As: "admin", Status: 409},
		{Op: "postApiV4RunnerControllersIdScopesRunnersRunnerId", Name: "group runner", Method: "POST", Path: "/runner_controllers/3/scopes/runners/14", As: "admin", Status: 422},
		{Op: "postApiV4RunnerControllersIdScopesRunnersRunnerId", Name: "missing runner", Method: "POST", Path: "/runner_controllers/3/scopes/runners/999", As: "admin", Status: 404},
		{Op: "postApiV4RunnerControllersIdScopesRunnersRunnerId", Name: "not an administrator", Method: "POST", Path: "/runner_controllers/3/scopes/runners/1", As: "maria", Status: 403},
		{Op: "deleteApiV4RunnerControllersIdScopesRunnersRunnerId", Name: "remove", Method: "DELETE", Path: "/runner_controllers/3/scopes/runners/1", As: "admin", Status: 204},
		{Op: "deleteApiV4RunnerControllersIdScopesRunnersRunnerId", Name: "missing runner", Method: "DELETE", Path: "/runner_controllers/3/scopes/runners/999", As: "admin", Status: 404},
		{Op: "deleteApiV4RunnerControllersIdScopesRunnersRunnerId", Name: "not an administrator", Method: "DELETE", Path: "/runner_controllers/3/scopes/runners/1", As: "maria", Status: 403},
		{Op: "deleteApiV4RunnerControllersId", Name: "precondition", Method: "DELETE", Path: "/runner_controllers/3", As: "admin", Header: ius, Status: 412},
		{Op: "deleteApiV4RunnerControllersId", Name: "delete", Method: "DELETE", Path: "/runner_controllers/3", As: "admin", Status: 204},
		{Op: "deleteApiV4RunnerControllersId", Name: "missing", Method: "DELETE", Path: "/runner_controllers/3", As: "admin", Status: 404},
		{Op: "deleteApiV4RunnerControllersId", Name: "not an administrator", Method: "DELETE", Path: "/runner_controllers/1", As: "maria", Status: 403},
	}
}

// answered is one response of the fake to an exchange.
type answered struct {
	ex     exchange
	req    *http.Request
	status int
	header http.Header
	body   []byte
}

// drive sends every exchange to the fake and returns the answers.
func (f *fakeFixture) drive(t *testing.T) []answered {
	t.Helper()
	var out []answered
	for _, ex := range f.exchanges() {
		if ex.Setup != nil {
			ex.Setup(f.srv)
		}
		var body io.Reader
		if ex.Body != "" {
			body = strings.NewReader(ex.Body)
		}
		req, err := http.NewRequest(ex.Method, f.srv.URL()+"/api/v4"+ex.Path, body)
		require.NoError(t, err)
		if ex.Body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if ex.As != "" {
			req.Header.Set("PRIVATE-TOKEN", f.tokens[ex.As])
		}
		for k, v := range ex.Header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		_ = resp.Body.Close()
		if ex.Teardown != nil {
			ex.Teardown(f.srv)
		}
		out = append(out, answered{ex: ex, req: req, status: resp.StatusCode, header: resp.Header, body: b})
	}
	return out
}

// validateResponse checks one answer against the contract: the operation,
// a status the operation declares, the declared headers and body schema,
// and GitLab's error shape for error bodies.
func (c *contract) validateResponse(ctx context.Context, a answered) (string, []string) {
	var problems []string
	probe, err := http.NewRequestWithContext(ctx, a.req.Method, a.req.URL.String(), nil)
	if err != nil {
		return "", []string{err.Error()}
	}
	route, pathParams, err := c.router.FindRoute(probe)
	if err != nil {
		return "", []string{fmt.Sprintf("no operation for %s %s: %v", a.req.Method, a.req.URL.Path, err)}
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	opts.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return fmt.Sprintf("at /%s: %s", strings.Join(err.JSONPointer(), "/"), err.Reason)
	})
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: pathParams, Route: route, Options: opts},
		Status:                 a.status,
		Header:                 a.header,
		Options:                opts,
	}
	in.SetBodyBytes(a.body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		var me openapi3.MultiError
		var re *openapi3filter.ResponseError
		switch {
		case errors.As(err, &re) && errors.As(re.Err, &me):
			for _, e := range me {
				problems = append(problems, re.Reason+": "+e.Error())
			}
		default:
			problems = append(problems, err.Error())
		}
	}
	if a.status >= 400 && a.status != http.StatusTooManyRequests {
		problems = append(problems, errorShape(a)...)
	}
	return route.Operation.OperationID, problems
}

// errorShape checks GitLab's error bodies (server-semantics.md §4.1):
// JSON objects with a "message" or an "error" key.
func errorShape(a answered) []string {
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return []string{fmt.Sprintf("error answer with Content-Type %q, want application/json", ct)}
	}
	var body map[string]any
	if err := json.Unmarshal(a.body, &body); err != nil {
		return []string{fmt.Sprintf("error body is not a JSON object: %s", a.body)}
	}
	_, msg := body["message"]
	_, e := body["error"]
	if !msg && !e {
		return []string{fmt.Sprintf("error body has neither message nor error: %s", a.body)}
	}
	return nil
}

// TestResponsesMatchSpec drives the fake through every operation and
// validates each answer against the contract, adjusted only where the
// newest server code differs from the spec (responseDeviations).
func TestResponsesMatchSpec(t *testing.T) {
	f := newFakeFixture(t)
	c := loadContract(t, f.srv.URL())
	ctx := context.Background()
	seen := map[string]map[int]bool{}
	for _, a := range f.drive(t) {
		t.Run(a.ex.Op+"/"+a.ex.Name, func(t *testing.T) {
			assert.Equal(t, a.ex.Status, a.status, "%s %s: %s", a.ex.Method, a.ex.Path, a.body)
			op, problems := c.validateResponse(ctx, a)
			require.Equal(t, a.ex.Op, op)
			for _, p := range problems {
				t.Errorf("%s %s answered %d: %s\nbody: %.300s", a.ex.Method, a.ex.Path, a.status, p, a.body)
			}
			if seen[op] == nil {
				seen[op] = map[int]bool{}
			}
			seen[op][a.status] = true
		})
	}
	// Every operation of the spec is answered by the fake, with a success and an error.
	for id := range c.ops {
		var statuses []int
		for st := range seen[id] {
			statuses = append(statuses, st)
		}
		sort.Ints(statuses)
		assert.True(t, len(statuses) >= 2 && statuses[0] < 300 && statuses[len(statuses)-1] >= 400,
			"operation %s: answers seen %v, want a success and an error", id, statuses)
	}
}

// rateLimitedAnswer exhausts a quota of one request on a fresh fake and
// returns the 429 of GET /runners.
func rateLimitedAnswer(t *testing.T) answered {
	t.Helper()
	s := runnerapitest.NewServer(runnerapitest.WithRateLimit(1, time.Hour))
	t.Cleanup(s.Close)
	var last answered
	for range 2 {
		req, err := http.NewRequest("GET", s.URL()+"/api/v4/runners", nil)
		require.NoError(t, err)
		req.Header.Set("PRIVATE-TOKEN", s.AdminToken())
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		last = answered{ex: exchange{Op: "getApiV4Runners"}, req: req, status: resp.StatusCode, header: resp.Header, body: b}
	}
	require.Equal(t, 429, last.status)
	return last
}

// TestRateLimitedAnswersMatchSpec: the fake's Rack::Attack 429 (declared by
// no operation: a deviation all share) is plain text "Retry later".
func TestRateLimitedAnswersMatchSpec(t *testing.T) {
	a := rateLimitedAnswer(t)
	c := loadContract(t, a.req.URL.Scheme+"://"+a.req.URL.Host)
	op, problems := c.validateResponse(context.Background(), a)
	assert.Equal(t, "getApiV4Runners", op)
	assert.Empty(t, problems)
	assert.Equal(t, "Retry later\n", string(a.body))
	assert.Equal(t, "text/plain", a.header.Get("Content-Type"))
}

// TestResponseValidatorFlagsMismatches proves the response checks can
// fail: each answer is wrong in one way and must be reported.
func TestResponseValidatorFlagsMismatches(t *testing.T) {
	c := loadContract(t, "http://127.0.0.1:1")
	ctx := context.Background()
	mk := func(method, path string, status int, ct, body string) answered {
		req, err := http.NewRequest(method, "http://127.0.0.1:1/api/v4"+path, nil)
		require.NoError(t, err)
		h := http.Header{}
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		return answered{req: req, status: status, header: h, body: []byte(body)}
	}
	runner := `{"id":1,"description":"d","ip_address":null,"active":true,"paused":false,"is_shared":true,"runner_type":"instance_type","name":null,"online":null,"created_at":"2026-01-02T03:04:05.000Z","status":"online","job_execution_status":"idle"}`
	cases := []struct {
		name   string
		a      answered
		wantIn string
	}{
		{"undeclared status", mk("GET", "/runners/1", 418, "application/json", `{"message":"418"}`), "status is not supported"},
		{"object where the list is an array", mk("GET", "/runners", 200, "application/json", runner), "value must be an array"},
		{"unknown runner type", mk("GET", "/runners", 200, "application/json", "["+strings.Replace(runner, "instance_type", "shared_type", 1)+"]"), "runner_type"},
		{"string id", mk("POST", "/user/runners", 201, "application/json", `{"id":"1","token":"glrt-x","token_expires_at":null}`), "at /id"},
		{"not JSON", mk("GET", "/runners", 200, "text/html", "<html/>"), "Content-Type"},
		{"error body without message or error", mk("GET", "/runners/1", 404, "application/json", `{"detail":"x"}`), "neither message nor error"},
		{"error body as text", mk("GET", "/runners/1", 404, "text/plain", "not found"), "want application/json"},
		{"201 for a DELETE", mk("DELETE", "/runners/1", 201, "", ""), "status is not supported"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := c.validateResponse(ctx, tc.a)
			require.NotEmpty(t, problems, "mismatch not reported")
			assert.Contains(t, strings.Join(problems, "\n"), tc.wantIn)
		})
	}
}

// TestMissingSpecFails: without the vendored excerpt the contract tests fail, never skip.
func TestMissingSpecFails(t *testing.T) {
	if os.Getenv("RUNNERAPI_MISSING_SPEC_CHILD") != "" {
		t.Skip("the child run of TestMissingSpecFails")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	for _, name := range []string{"TestRequestsMatchSpec", "TestResponsesMatchSpec", "TestValidatorFlagsMismatches", "TestDeviationsAreStillNeeded"} {
		cmd := exec.Command(exe, "-test.run", "^"+name+"$", "-test.v")
		cmd.Env = append(os.Environ(), specEnv+"="+filepath.Join(t.TempDir(), "absent.yaml"), "RUNNERAPI_MISSING_SPEC_CHILD=1")
		out, err := cmd.CombinedOutput()
		assert.Error(t, err, "%s passed without a spec:\n%s", name, out)
		assert.Contains(t, string(out), "GitLab OpenAPI excerpt not found", name)
		assert.NotContains(t, string(out), "--- SKIP", name)
	}
}
