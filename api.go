package runnerapi

import (
	"context"
	"iter"
)

// RunnersAPI is the method set of RunnersService, for callers who prefer
// to substitute a generated mock (for example with go.uber.org/mock's
// mockgen) for the real service.
//
// Prefer the in-memory GitLab of package runnerapitest where you can: it
// answers like GitLab (validation, permissions, pagination, error bodies),
// so a test against it also checks the requests the code builds. Where a
// substitute is wanted, declare the small interface the consuming code
// needs, next to that code, rather than depending on all of RunnersAPI:
//
//	// pauser is what drain needs of the Runners API.
//	type pauser interface {
//		Pause(ctx context.Context, id int64, opts ...runnerapi.RequestOption) (*runnerapi.RunnerDetails, *runnerapi.Response, error)
//	}
//
// *RunnersService satisfies both. RunnersAPI grows when GitLab's API does,
// so implementations outside this module should embed it or be generated.
type RunnersAPI interface {
	List(ctx context.Context, opt *ListRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error)
	ListIter(ctx context.Context, opt *ListRunnersOptions, opts ...IterOption) iter.Seq2[*Runner, error]
	ListAll(ctx context.Context, opt *ListRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error)
	ListAllIter(ctx context.Context, opt *ListRunnersOptions, opts ...IterOption) iter.Seq2[*Runner, error]
	Get(ctx context.Context, id int64, opt *GetRunnerOptions, opts ...RequestOption) (*RunnerDetails, *Response, error)
	Update(ctx context.Context, id int64, opt *UpdateRunnerOptions, opts ...RequestOption) (*RunnerDetails, *Response, error)
	Pause(ctx context.Context, id int64, opts ...RequestOption) (*RunnerDetails, *Response, error)
	Unpause(ctx context.Context, id int64, opts ...RequestOption) (*RunnerDetails, *Response, error)
	Delete(ctx context.Context, id int64, opts ...RequestOption) (*Response, error)
	DeleteByToken(ctx context.Context, runnerToken string, opts ...RequestOption) (*Response, error)
	ListJobs(ctx context.Context, id int64, opt *ListRunnerJobsOptions, opts ...RequestOption) ([]*Job, *Response, error)
	ListJobsIter(ctx context.Context, id int64, opt *ListRunnerJobsOptions, opts ...IterOption) iter.Seq2[*Job, error]
	ListManagers(ctx context.Context, id int64, opts ...RequestOption) ([]*RunnerManager, *Response, error)
	ListProjects(ctx context.Context, id int64, opt *ListRunnerProjectsOptions, opts ...RequestOption) ([]*Project, *Response, error)
	ListProjectsIter(ctx context.Context, id int64, opt *ListRunnerProjectsOptions, opts ...IterOption) iter.Seq2[*Project, error]
	DeleteManager(ctx context.Context, runnerToken, systemID string, opts ...RequestOption) (*Response, error)
	ListProjectRunners(ctx context.Context, project ProjectRef, opt *ListProjectRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error)
	ListProjectRunnersIter(ctx context.Context, project ProjectRef, opt *ListProjectRunnersOptions, opts ...IterOption) iter.Seq2[*Runner, error]
	EnableProjectRunner(ctx context.Context, project ProjectRef, runnerID int64, opts ...RequestOption) (*Runner, *Response, error)
	DisableProjectRunner(ctx context.Context, project ProjectRef, runnerID int64, opts ...RequestOption) (*Response, error)
	ListGroupRunners(ctx context.Context, group GroupRef, opt *ListGroupRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error)
	ListGroupRunnersIter(ctx context.Context, group GroupRef, opt *ListGroupRunnersOptions, opts ...IterOption) iter.Seq2[*Runner, error]
	Register(ctx context.Context, registrationToken string, opt *RegisterRunnerOptions, opts ...RequestOption) (*RunnerRegistration, *Response, error)
	Create(ctx context.Context, owner RunnerOwner, opt *CreateRunnerOptions, opts ...RequestOption) (*RunnerRegistration, *Response, error)
	Verify(ctx context.Context, runnerToken string, opt *VerifyRunnerOptions, opts ...RequestOption) (*RunnerVerification, *Response, error)
	ResetAuthenticationToken(ctx context.Context, id int64, opts ...RequestOption) (*TokenWithExpiry, *Response, error)
	ResetAuthenticationTokenWithToken(ctx context.Context, runnerToken string, opts ...RequestOption) (*TokenWithExpiry, *Response, error)
	ResetInstanceRegistrationToken(ctx context.Context, opts ...RequestOption) (*TokenWithExpiry, *Response, error)
	ResetProjectRegistrationToken(ctx context.Context, project ProjectRef, opts ...RequestOption) (*TokenWithExpiry, *Response, error)
	ResetGroupRegistrationToken(ctx context.Context, group GroupRef, opts ...RequestOption) (*TokenWithExpiry, *Response, error)
	DiscoverJobRouter(ctx context.Context, runnerToken string, opts ...RequestOption) (*JobRouterDiscovery, *Response, error)
}

// RunnerControllersAPI is the method set of RunnerControllersService; see
// RunnersAPI for when to use it and the smaller consumer-side alternative.
type RunnerControllersAPI interface {
	List(ctx context.Context, opt *ListRunnerControllersOptions, opts ...RequestOption) ([]*RunnerController, *Response, error)
	ListIter(ctx context.Context, opt *ListRunnerControllersOptions, opts ...IterOption) iter.Seq2[*RunnerController, error]
	Get(ctx context.Context, id int64, opts ...RequestOption) (*RunnerController, *Response, error)
	Create(ctx context.Context, opt *CreateRunnerControllerOptions, opts ...RequestOption) (*RunnerController, *Response, error)
	Update(ctx context.Context, id int64, opt *UpdateRunnerControllerOptions, opts ...RequestOption) (*RunnerController, *Response, error)
	Delete(ctx context.Context, id int64, opts ...RequestOption) (*Response, error)
	ListTokens(ctx context.Context, id int64, opt *ListRunnerControllerTokensOptions, opts ...RequestOption) ([]*RunnerControllerToken, *Response, error)
	ListTokensIter(ctx context.Context, id int64, opt *ListRunnerControllerTokensOptions, opts ...IterOption) iter.Seq2[*RunnerControllerToken, error]
	GetToken(ctx context.Context, id, tokenID int64, opts ...RequestOption) (*RunnerControllerToken, *Response, error)
	CreateToken(ctx context.Context, id int64, opt *CreateRunnerControllerTokenOptions, opts ...RequestOption) (*RunnerControllerToken, *Response, error)
	RotateToken(ctx context.Context, id, tokenID int64, opts ...RequestOption) (*RunnerControllerToken, *Response, error)
	RevokeToken(ctx context.Context, id, tokenID int64, opts ...RequestOption) (*Response, error)
	ListScopes(ctx context.Context, id int64, opts ...RequestOption) (*RunnerControllerScopes, *Response, error)
	AddInstanceScope(ctx context.Context, id int64, opts ...RequestOption) (*RunnerControllerInstanceScoping, *Response, error)
	RemoveInstanceScope(ctx context.Context, id int64, opts ...RequestOption) (*Response, error)
	AddRunnerScope(ctx context.Context, id, runnerID int64, opts ...RequestOption) (*RunnerControllerRunnerScoping, *Response, error)
	RemoveRunnerScope(ctx context.Context, id, runnerID int64, opts ...RequestOption) (*Response, error)
}

// The services satisfy the interfaces: a signature that drifts from its
// interface fails to compile here (TestAPIInterfacesAreComplete checks the
// other direction, that no exported method is missing from an interface).
var (
	_ RunnersAPI           = (*RunnersService)(nil)
	_ RunnerControllersAPI = (*RunnerControllersService)(nil)
)
