package conformance

import (
	"context"
	"time"

	"github.com/runnerkit/runnerapi"
)

// call drives one SDK method once; several calls of one method exercise different parameters.
type call struct {
	SDK  string // "Service.Method"
	Op   string // operationId the request must match
	Note string // what this variant exercises
	Run  func(ctx context.Context, c *runnerapi.Client) error
}

func ptr[T any](v T) *T { return &v }

var fixedTime = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// fullRunnerFilters sets every filter of the runner lists.
func fullRunnerFilters() runnerapi.ListRunnersOptions {
	return runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Type: ptr(runnerapi.RunnerTypeInstance), Status: ptr(runnerapi.RunnerStatusOnline), Paused: ptr(false), TagList: []string{"docker", "linux"}, VersionPrefix: ptr("17.1.")}, ListOptions: runnerapi.ListOptions{Page: 2, PerPage: 50}}
}

func ignore2[A, B any](_ A, _ B, err error) error { return err }
func ignore1[A any](_ A, err error) error         { return err }

// calls exercises all 24 Runners and 15 RunnerControllers methods.
var calls = []call{
	// Runners: lists.
	{"Runners.List", "getApiV4Runners", "no options", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.List(ctx, nil))
	}},
	{"Runners.List", "getApiV4Runners", "every filter", func(ctx context.Context, c *runnerapi.Client) error {
		o := fullRunnerFilters()
		return ignore2(c.Runners.List(ctx, &o))
	}},
	{"Runners.List", "getApiV4Runners", "deprecated status scope", func(ctx context.Context, c *runnerapi.Client) error {
		//lint:ignore SA1019 deprecated parameters are part of the contract too
		return ignore2(c.Runners.List(ctx, &runnerapi.ListRunnersOptions{Scope: ptr(runnerapi.ListScopeNeverContacted)}))
	}},
	{"Runners.ListAll", "getApiV4RunnersAll", "every filter", func(ctx context.Context, c *runnerapi.Client) error {
		o := fullRunnerFilters()
		o.Type, o.Status = ptr(runnerapi.RunnerTypeProject), ptr(runnerapi.RunnerStatusStale)
		o.Paused = ptr(true)
		return ignore2(c.Runners.ListAll(ctx, &o))
	}},
	{"Runners.ListAll", "getApiV4RunnersAll", "type scope", func(ctx context.Context, c *runnerapi.Client) error {
		//lint:ignore SA1019 deprecated parameters are part of the contract too
		return ignore2(c.Runners.ListAll(ctx, &runnerapi.ListRunnersOptions{Scope: ptr(runnerapi.ListScopeShared)}))
	}},
	{"Runners.ListProjectRunners", "getApiV4ProjectsIdRunners", "numeric project, every filter", func(ctx context.Context, c *runnerapi.Client) error {
		f := fullRunnerFilters()
		o := runnerapi.ListProjectRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Type: f.Type, Status: f.Status, Paused: f.Paused, TagList: f.TagList, VersionPrefix: ptr("16.")}, ListOptions: f.ListOptions}
		//lint:ignore SA1019 deprecated parameters are part of the contract too
		o.Scope = ptr(runnerapi.ListScopeSpecific)
		return ignore2(c.Runners.ListProjectRunners(ctx, runnerapi.ProjectID(42), &o))
	}},
	{"Runners.ListProjectRunners", "getApiV4ProjectsIdRunners", "project full path", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.ListProjectRunners(ctx, runnerapi.ProjectPath("fleet/infra/ci"), nil))
	}},
	{"Runners.ListGroupRunners", "getApiV4GroupsIdRunners", "numeric group, every filter", func(ctx context.Context, c *runnerapi.Client) error {
		f := fullRunnerFilters()
		o := runnerapi.ListGroupRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Type: ptr(runnerapi.RunnerTypeGroup), Status: ptr(runnerapi.RunnerStatusOffline), Paused: ptr(true), TagList: []string{"gpu"}, VersionPrefix: ptr("+1")}, ListOptions: f.ListOptions}
		return ignore2(c.Runners.ListGroupRunners(ctx, runnerapi.GroupID(7), &o))
	}},
	{"Runners.ListGroupRunners", "getApiV4GroupsIdRunners", "group full path", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.ListGroupRunners(ctx, runnerapi.GroupPath("fleet/infra"), nil))
	}},

	// Runners: one runner.
	{"Runners.Get", "getApiV4RunnersId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Get(ctx, 11, nil))
	}},
	{"Runners.Get", "getApiV4RunnersId", "include_projects=false through WithQuery", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Get(ctx, 11, &runnerapi.GetRunnerOptions{IncludeProjects: runnerapi.Ptr(false)}))
	}},
	{"Runners.Update", "putApiV4RunnersId", "every field", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Update(ctx, 11, &runnerapi.UpdateRunnerOptions{
			Description: ptr("builder"), Paused: ptr(true), TagList: ptr([]string{"a", "b"}), RunUntagged: ptr(false),
			Locked: ptr(true), AccessLevel: ptr(runnerapi.AccessLevelRefProtected), MaximumTimeout: ptr(int64(3600)),
			MaintenanceNote: ptr("rack 4"),
		}))
	}},
	{"Runners.Update", "putApiV4RunnersId", "deprecated active, tags cleared", func(ctx context.Context, c *runnerapi.Client) error {
		//lint:ignore SA1019 deprecated parameters are part of the contract too
		return ignore2(c.Runners.Update(ctx, 11, &runnerapi.UpdateRunnerOptions{Active: ptr(true), TagList: ptr([]string{})}))
	}},
	{"Runners.Pause", "putApiV4RunnersId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Pause(ctx, 11))
	}},
	{"Runners.Unpause", "putApiV4RunnersId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Unpause(ctx, 11))
	}},
	{"Runners.Delete", "deleteApiV4RunnersId", "conditional", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore1(c.Runners.Delete(ctx, 11, runnerapi.WithIfUnmodifiedSince(fixedTime)))
	}},
	{"Runners.DeleteByToken", "deleteApiV4Runners", "token in body (deviation)", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore1(c.Runners.DeleteByToken(ctx, "glrt-conformance-token"))
	}},
	{"Runners.ListJobs", "getApiV4RunnersIdJobs", "no options", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.ListJobs(ctx, 11, nil))
	}},
	{"Runners.ListJobs", "getApiV4RunnersIdJobs", "offset, every filter", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.ListJobs(ctx, 11, &runnerapi.ListRunnerJobsOptions{
			ListOptions: runnerapi.ListOptions{Page: 3, PerPage: 100}, SystemID: ptr("s_0123456789ab"),
			Status: ptr(runnerapi.JobStatusRunning), OrderBy: ptr(runnerapi.OrderByID), Sort: ptr(runnerapi.SortAsc),
		}))
	}},
	{"Runners.ListJobs", "getApiV4RunnersIdJobs", "keyset with cursor (deviation)", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.ListJobs(ctx, 11, &runnerapi.ListRunnerJobsOptions{
			ListOptions: runnerapi.ListOptions{PerPage: 20}, OrderBy: ptr(runnerapi.OrderByID), Sort: ptr(runnerapi.SortDesc),
			Pagination: ptr(runnerapi.PaginationKeyset), Cursor: ptr("eyJpZCI6IjQyIn0"),
		}))
	}},
	{"Runners.ListManagers", "getApiV4RunnersIdManagers", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.ListManagers(ctx, 11))
	}},
	{"Runners.ListProjects", "getApiV4RunnersIdProjects", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.ListProjects(ctx, 11, &runnerapi.ListRunnerProjectsOptions{ListOptions: runnerapi.ListOptions{Page: 1, PerPage: 5}}))
	}},
	{"Runners.DiscoverJobRouter", "getApiV4RunnersRouterDiscovery", "Runner-Token header, no query", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.DiscoverJobRouter(ctx, "glrt-conformance-token"))
	}},
	{"Runners.DeleteManager", "deleteApiV4RunnersManagers", "token and system_id in body (deviation)", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore1(c.Runners.DeleteManager(ctx, "glrt-conformance-token", "s_0123456789ab"))
	}},

	// Runners: project and group assignment.
	{"Runners.EnableProjectRunner", "postApiV4ProjectsIdRunners", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.EnableProjectRunner(ctx, runnerapi.ProjectPath("fleet/app"), 11))
	}},
	{"Runners.DisableProjectRunner", "deleteApiV4ProjectsIdRunnersRunnerId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore1(c.Runners.DisableProjectRunner(ctx, runnerapi.ProjectID(42), 11))
	}},

	// Runners: registration, verification and tokens.
	{"Runners.Register", "postApiV4Runners", "every field", func(ctx context.Context, c *runnerapi.Client) error {
		//lint:ignore SA1019 deprecated endpoints are part of the contract too
		return ignore2(c.Runners.Register(ctx, "GR1348941conformance", &runnerapi.RegisterRunnerOptions{
			Description: ptr("legacy"),
			Info:        &runnerapi.RunnerInfo{Name: ptr("gitlab-runner"), Version: ptr("17.1.0"), Revision: ptr("abc"), Platform: ptr("linux"), Architecture: ptr("amd64")},
			Paused:      ptr(false), Locked: ptr(true), RunUntagged: ptr(true), TagList: ptr([]string{"x"}),
			AccessLevel: ptr(runnerapi.AccessLevelNotProtected), MaximumTimeout: ptr(int64(600)), MaintenanceNote: ptr("n"),
		}))
	}},
	{"Runners.Register", "postApiV4Runners", "token and deprecated active only", func(ctx context.Context, c *runnerapi.Client) error {
		//lint:ignore SA1019 deprecated parameters are part of the contract too
		return ignore2(c.Runners.Register(ctx, "GR1348941conformance", &runnerapi.RegisterRunnerOptions{Active: ptr(true)}))
	}},
	{"Runners.Create", "postApiV4UserRunners", "instance runner, every field (deviation: no group_id/project_id)", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Create(ctx, runnerapi.InstanceRunnerOwner(), &runnerapi.CreateRunnerOptions{
			Description: ptr("fleet"), MaintenanceNote: ptr("m"), Paused: ptr(true),
			Locked: ptr(false), RunUntagged: ptr(false), TagList: ptr([]string{"k8s"}), AccessLevel: ptr(runnerapi.AccessLevelRefProtected),
			MaximumTimeout: ptr(int64(7200)), TokenExpiresAt: ptr(fixedTime), TokenRotationDeadline: ptr(fixedTime),
		}))
	}},
	{"Runners.Create", "postApiV4UserRunners", "group runner", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Create(ctx, runnerapi.GroupRunnerOwner(7), nil))
	}},
	{"Runners.Create", "postApiV4UserRunners", "project runner", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Create(ctx, runnerapi.ProjectRunnerOwner(42), nil))
	}},
	{"Runners.Verify", "postApiV4RunnersVerify", "with system_id", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Verify(ctx, "glrt-conformance-token", &runnerapi.VerifyRunnerOptions{SystemID: ptr("s_0123456789ab")}))
	}},
	{"Runners.Verify", "postApiV4RunnersVerify", "token only", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.Verify(ctx, "glrt-conformance-token", nil))
	}},
	{"Runners.ResetAuthenticationToken", "postApiV4RunnersIdResetAuthenticationToken", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.ResetAuthenticationToken(ctx, 11))
	}},
	{"Runners.ResetAuthenticationTokenWithToken", "postApiV4RunnersResetAuthenticationToken", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.Runners.ResetAuthenticationTokenWithToken(ctx, "glrt-conformance-token"))
	}},
	{"Runners.ResetInstanceRegistrationToken", "postApiV4RunnersResetRegistrationToken", "", func(ctx context.Context, c *runnerapi.Client) error {
		//lint:ignore SA1019 deprecated endpoints are part of the contract too
		return ignore2(c.Runners.ResetInstanceRegistrationToken(ctx))
	}},
	{"Runners.ResetProjectRegistrationToken", "postApiV4ProjectsIdRunnersResetRegistrationToken", "", func(ctx context.Context, c *runnerapi.Client) error {
		//lint:ignore SA1019 deprecated endpoints are part of the contract too
		return ignore2(c.Runners.ResetProjectRegistrationToken(ctx, runnerapi.ProjectPath("fleet/app")))
	}},
	{"Runners.ResetGroupRegistrationToken", "postApiV4GroupsIdRunnersResetRegistrationToken", "", func(ctx context.Context, c *runnerapi.Client) error {
		//lint:ignore SA1019 deprecated endpoints are part of the contract too
		return ignore2(c.Runners.ResetGroupRegistrationToken(ctx, runnerapi.GroupID(7)))
	}},

	// Runner controllers.
	{"RunnerControllers.List", "getApiV4RunnerControllers", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.List(ctx, &runnerapi.ListRunnerControllersOptions{ListOptions: runnerapi.ListOptions{Page: 2, PerPage: 10}}))
	}},
	{"RunnerControllers.Get", "getApiV4RunnerControllersId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.Get(ctx, 3))
	}},
	{"RunnerControllers.Create", "postApiV4RunnerControllers", "every field", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.Create(ctx, &runnerapi.CreateRunnerControllerOptions{Description: ptr("admission"), State: ptr(runnerapi.RunnerControllerStateDryRun)}))
	}},
	{"RunnerControllers.Create", "postApiV4RunnerControllers", "nil options", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.Create(ctx, nil))
	}},
	{"RunnerControllers.Update", "putApiV4RunnerControllersId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.Update(ctx, 3, &runnerapi.UpdateRunnerControllerOptions{Description: ptr("d"), State: ptr(runnerapi.RunnerControllerStateEnabled)}))
	}},
	{"RunnerControllers.Delete", "deleteApiV4RunnerControllersId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore1(c.RunnerControllers.Delete(ctx, 3, runnerapi.WithIfUnmodifiedSince(fixedTime)))
	}},
	{"RunnerControllers.ListTokens", "getApiV4RunnerControllersRunnerControllerIdTokens", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.ListTokens(ctx, 3, &runnerapi.ListRunnerControllerTokensOptions{ListOptions: runnerapi.ListOptions{PerPage: 100}}))
	}},
	{"RunnerControllers.GetToken", "getApiV4RunnerControllersRunnerControllerIdTokensId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.GetToken(ctx, 3, 5))
	}},
	{"RunnerControllers.CreateToken", "postApiV4RunnerControllersRunnerControllerIdTokens", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.CreateToken(ctx, 3, &runnerapi.CreateRunnerControllerTokenOptions{Description: ptr("ci")}))
	}},
	{"RunnerControllers.RotateToken", "postApiV4RunnerControllersRunnerControllerIdTokensIdRotate", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.RotateToken(ctx, 3, 5))
	}},
	{"RunnerControllers.RevokeToken", "deleteApiV4RunnerControllersRunnerControllerIdTokensId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore1(c.RunnerControllers.RevokeToken(ctx, 3, 5))
	}},
	{"RunnerControllers.ListScopes", "getApiV4RunnerControllersIdScopes", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.ListScopes(ctx, 3))
	}},
	{"RunnerControllers.AddInstanceScope", "postApiV4RunnerControllersIdScopesInstance", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.AddInstanceScope(ctx, 3))
	}},
	{"RunnerControllers.RemoveInstanceScope", "deleteApiV4RunnerControllersIdScopesInstance", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore1(c.RunnerControllers.RemoveInstanceScope(ctx, 3))
	}},
	{"RunnerControllers.AddRunnerScope", "postApiV4RunnerControllersIdScopesRunnersRunnerId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore2(c.RunnerControllers.AddRunnerScope(ctx, 3, 11))
	}},
	{"RunnerControllers.RemoveRunnerScope", "deleteApiV4RunnerControllersIdScopesRunnersRunnerId", "", func(ctx context.Context, c *runnerapi.Client) error {
		return ignore1(c.RunnerControllers.RemoveRunnerScope(ctx, 3, 11))
	}},
}
