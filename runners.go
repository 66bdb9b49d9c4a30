package runnerapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RunnersService is GitLab's Runners API: runners, their jobs, managers and
// projects, project and group runners, registration and token resets.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/
type RunnersService struct {
	client *Client
}

// ListOptions are the offset pagination parameters shared by list calls.
// Zero values are not sent: GitLab then uses page 1 and 20 items per page.
type ListOptions struct {
	// Page is the 1-based page to fetch; 0 means the first page.
	Page int64 `url:"page,omitempty" json:"-"`
	// PerPage is the page size, at most 100 (GitLab caps larger values); 0 means GitLab's default of 20.
	PerPage int64 `url:"per_page,omitempty" json:"-"`
}

func (o *ListOptions) validate(owner string) error {
	if o.Page < 0 {
		return &ValidationError{Field: owner + ".Page", Reason: "must not be negative, got " + strconv.FormatInt(o.Page, 10)}
	}
	if o.PerPage < 0 {
		return &ValidationError{Field: owner + ".PerPage", Reason: "must not be negative, got " + strconv.FormatInt(o.PerPage, 10)}
	}
	return nil
}

// RunnerFilter holds the filters every runner list accepts. It is embedded
// in ListRunnersOptions, ListProjectRunnersOptions and ListGroupRunnersOptions.
// Unset fields do not filter; set fields combine with AND.
type RunnerFilter struct {
	// Type keeps runners of one type.
	Type *RunnerType `url:"type,omitempty"`
	// Status keeps runners with one connection status. "offline" also
	// matches stale runners; the deprecated "active" and "paused" are better
	// expressed with Paused.
	Status *RunnerStatus `url:"status,omitempty"`
	// Paused keeps only paused (true) or only accepting (false) runners.
	Paused *bool `url:"paused,omitempty"`
	// TagList keeps runners that have all of these tags.
	TagList []string `url:"tag_list,comma,omitempty"`
	// VersionPrefix keeps runners with a manager whose version starts with
	// it, e.g. "17.1."; it must start with a digit, '.' or '+'.
	VersionPrefix *string `url:"version_prefix,omitempty"`
}

// validate checks the filter; owner names the options struct that embeds it.
func (f *RunnerFilter) validate(owner string) error {
	if f.Type != nil && !f.Type.Valid() {
		return enumError(owner+".Type", *f.Type, knownRunnerTypes)
	}
	if f.Status != nil && !f.Status.Valid() {
		return enumError(owner+".Status", *f.Status, knownRunnerStatuses)
	}
	if f.VersionPrefix != nil {
		if v := *f.VersionPrefix; v == "" || !isVersionChar(v[0]) {
			return &ValidationError{Field: owner + ".VersionPrefix", Reason: "got " + strconv.Quote(v) + `, want one that starts with a digit, '.' or '+', e.g. "17.1."`}
		}
	}
	return nil
}

// enumError is the one message for a value outside an enumeration: it
// quotes the value and lists every value GitLab accepts there ("want X"
// when there is only one).
func enumError[E ~string](field string, got E, allowed []E) error {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	want := "want one of " + strings.Join(names, ", ")
	if len(names) == 1 {
		want = "want " + names[0]
	}
	return &ValidationError{Field: field, Reason: "got " + strconv.Quote(string(got)) + ", " + want}
}

// ListRunnersOptions filters Runners.List and Runners.ListAll.
type ListRunnersOptions struct {
	ListOptions
	RunnerFilter
	// Deprecated: use RunnerFilter.Type or RunnerFilter.Status. On List only
	// the status scopes are accepted; on ListAll every RunnerListScope.
	Scope *RunnerListScope `url:"scope,omitempty"`
}

// ListProjectRunnersOptions filters Runners.ListProjectRunners.
type ListProjectRunnersOptions struct {
	ListOptions
	RunnerFilter
	// Deprecated: use RunnerFilter.Type or RunnerFilter.Status. Every RunnerListScope is accepted.
	Scope *RunnerListScope `url:"scope,omitempty"`
}

// ListGroupRunnersOptions filters Runners.ListGroupRunners. GitLab has no
// scope filter on this endpoint.
type ListGroupRunnersOptions struct {
	ListOptions
	RunnerFilter
}

// statusScopes are the scope values GET /runners accepts; allScopes those of /runners/all and project runners.
var (
	statusScopes = []RunnerListScope{ListScopeActive, ListScopePaused, ListScopeOnline, ListScopeOffline, ListScopeNeverContacted, ListScopeStale}
	allScopes    = append([]RunnerListScope{ListScopeSpecific, ListScopeShared, ListScopeInstanceType, ListScopeGroupType, ListScopeProjectType}, statusScopes...)
)

// validateRunnerList checks the options every runner list shares.
func validateRunnerList(owner string, lo *ListOptions, f *RunnerFilter, scope *RunnerListScope, scopes []RunnerListScope) error {
	if err := lo.validate(owner); err != nil {
		return err
	}
	if err := f.validate(owner); err != nil {
		return err
	}
	if scope != nil && !contains(scopes, *scope) {
		return enumError(owner+".Scope", *scope, scopes)
	}
	return nil
}

func isVersionChar(b byte) bool { return (b >= '0' && b <= '9') || b == '.' || b == '+' }

func contains[E comparable](list []E, s E) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (o *ListRunnersOptions) validate(scopes []RunnerListScope) error {
	if o == nil {
		return nil
	}
	return validateRunnerList("ListRunnersOptions", &o.ListOptions, &o.RunnerFilter, o.Scope, scopes)
}

func (o *ListProjectRunnersOptions) validate() error {
	if o == nil {
		return nil
	}
	return validateRunnerList("ListProjectRunnersOptions", &o.ListOptions, &o.RunnerFilter, o.Scope, allScopes)
}

func (o *ListGroupRunnersOptions) validate() error {
	if o == nil {
		return nil
	}
	return validateRunnerList("ListGroupRunnersOptions", &o.ListOptions, &o.RunnerFilter, nil, nil)
}

// List lists the caller's own runners: the runners of groups the caller
// owns and of projects the caller maintains. It does not list the
// instance's runners, not even for an administrator; use ListAll for those,
// or ListProjectRunners and ListGroupRunners for what a project or group may use.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-available-runners
//
//	GET /runners
func (s *RunnersService) List(ctx context.Context, opt *ListRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
	if err := opt.validate(statusScopes); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Runner](ctx, s.c(), &request{method: http.MethodGet, path: "runners", query: opt, opts: opts})
}

// ListAll lists every runner of the instance; administrators and auditors
// only (others get 403, ErrForbidden).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-runners
//
//	GET /runners/all
func (s *RunnersService) ListAll(ctx context.Context, opt *ListRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
	if err := opt.validate(allScopes); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Runner](ctx, s.c(), &request{method: http.MethodGet, path: "runners/all", query: opt, opts: opts})
}

// runnerPath returns "runners/<id><suffix>" after checking id.
func runnerPath(field string, id int64, suffix string) (string, error) {
	if id <= 0 {
		return "", invalidID(field, id)
	}
	return "runners/" + strconv.FormatInt(id, 10) + suffix, nil
}

func invalidID(field string, id int64) error {
	return &ValidationError{Field: field, Reason: "must be a positive integer, got " + strconv.FormatInt(id, 10)}
}

// GetRunnerOptions are the options of Runners.Get.
type GetRunnerOptions struct {
	// IncludeProjects set to false leaves RunnerDetails.Projects nil, which
	// makes the answer much smaller and cheaper to decode for runners
	// assigned to many projects. Unset means GitLab's default, true. Older
	// servers ignore it and always include the projects.
	IncludeProjects *bool `url:"include_projects,omitempty"`
}

// Get returns a runner's details. Instance runners are visible to every
// signed-in user; group and project runners need Maintainer or Owner.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#retrieve-runners-details
//
//	GET /runners/:id
func (s *RunnersService) Get(ctx context.Context, id int64, opt *GetRunnerOptions, opts ...RequestOption) (*RunnerDetails, *Response, error) {
	p, err := runnerPath("id", id, "")
	if err != nil {
		return nil, nil, err
	}
	r := &request{method: http.MethodGet, path: p, opts: opts}
	if opt != nil {
		r.query = opt // a nil *GetRunnerOptions would cost an empty query encoding
	}
	return doJSON[*RunnerDetails](ctx, s.c(), r)
}

// UpdateRunnerOptions changes a runner with Runners.Update. Only set fields
// are sent. GitLab rejects an update that sets nothing, so a nil or empty
// UpdateRunnerOptions is refused before any request is sent.
type UpdateRunnerOptions struct {
	// Description replaces the runner's description.
	Description *string `json:"description,omitempty"`
	// Deprecated: use Paused (Active is its negation). Active and Paused
	// are mutually exclusive.
	Active *bool `json:"active,omitempty"`
	// Paused true makes the runner ignore new jobs; false lets it pick them up.
	Paused *bool `json:"paused,omitempty"`
	// TagList replaces the runner's tags; Ptr([]string{}) removes them all.
	TagList *[]string `json:"tag_list,omitempty"`
	// RunUntagged lets the runner pick up jobs without tags. GitLab refuses
	// an update that leaves a runner with no tags and RunUntagged false.
	RunUntagged *bool `json:"run_untagged,omitempty"`
	// Locked true keeps a project runner from being assigned to other projects.
	Locked *bool `json:"locked,omitempty"`
	// AccessLevel ref_protected limits the runner to jobs of protected branches and tags.
	AccessLevel *AccessLevel `json:"access_level,omitempty"`
	// MaximumTimeout caps how long the runner's jobs may run, in seconds; GitLab requires at least 600.
	MaximumTimeout *int64 `json:"maximum_timeout,omitempty"`
	// MaintenanceNote is a free-form note for administrators (at most 1024 characters).
	MaintenanceNote *string `json:"maintenance_note,omitempty"`
}

func (o *UpdateRunnerOptions) validate() error {
	const owner = "UpdateRunnerOptions"
	if o == nil || (o.Description == nil && o.Active == nil && o.Paused == nil && o.TagList == nil &&
		o.RunUntagged == nil && o.Locked == nil && o.AccessLevel == nil && o.MaximumTimeout == nil &&
		o.MaintenanceNote == nil) {
		return &ValidationError{Field: owner, Reason: "set at least one of Description, Active, Paused, TagList, RunUntagged, Locked, AccessLevel, MaximumTimeout, MaintenanceNote"}
	}
	return validateRunnerSettings(owner, o.Active, o.Paused, o.AccessLevel)
}

// validateRunnerSettings checks the settings shared by update, register and create.
func validateRunnerSettings(owner string, active, paused *bool, level *AccessLevel) error {
	if active != nil && paused != nil {
		return &ValidationError{Field: owner + ".Active", Reason: "Active and Paused are mutually exclusive"}
	}
	if level != nil && !level.Valid() {
		return enumError(owner+".AccessLevel", *level, knownAccessLevels)
	}
	return nil
}

// Update changes a runner's settings and returns the updated runner. opt
// must set at least one field.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#update-runners-details
//
//	PUT /runners/:id
func (s *RunnersService) Update(ctx context.Context, id int64, opt *UpdateRunnerOptions, opts ...RequestOption) (*RunnerDetails, *Response, error) {
	p, err := runnerPath("id", id, "")
	if err != nil {
		return nil, nil, err
	}
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerDetails](ctx, s.c(), &request{method: http.MethodPut, path: p, body: opt, opts: opts})
}

// Pause stops a runner from picking up new jobs; jobs it is running go on.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#pause-a-runner
//
//	PUT /runners/:id with paused=true
func (s *RunnersService) Pause(ctx context.Context, id int64, opts ...RequestOption) (*RunnerDetails, *Response, error) {
	return s.Update(ctx, id, &UpdateRunnerOptions{Paused: Ptr(true)}, opts...)
}

// Unpause lets a paused runner pick up new jobs again.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#pause-a-runner
//
//	PUT /runners/:id with paused=false
func (s *RunnersService) Unpause(ctx context.Context, id int64, opts ...RequestOption) (*RunnerDetails, *Response, error) {
	return s.Update(ctx, id, &UpdateRunnerOptions{Paused: Ptr(false)}, opts...)
}

// Delete deletes a runner by ID. With WithIfUnmodifiedSince the delete is
// conditional: GitLab answers 412 (ErrPreconditionFailed) and keeps the
// runner if it changed after the given time. A non-administrator cannot
// delete a runner assigned to more than one project (403).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#delete-a-runner-by-id
//
//	DELETE /runners/:id
func (s *RunnersService) Delete(ctx context.Context, id int64, opts ...RequestOption) (*Response, error) {
	p, err := runnerPath("id", id, "")
	if err != nil {
		return nil, err
	}
	return s.c().send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}

// tokenBody carries runner credentials in a JSON body, never in the URL.
type tokenBody struct {
	Token    string `json:"token"`
	SystemID string `json:"system_id,omitempty"`
}

func (b *tokenBody) secrets() []string { return []string{b.Token} }

func requireToken(field, token string) error {
	if token == "" {
		return &ValidationError{Field: field, Reason: "is empty"}
	}
	return nil
}

// DeleteByToken unregisters the runner whose authentication token is
// runnerToken. The token travels in the JSON body; user credentials are not
// sent.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#delete-a-runner-by-authentication-token
//
//	DELETE /runners
func (s *RunnersService) DeleteByToken(ctx context.Context, runnerToken string, opts ...RequestOption) (*Response, error) {
	if err := requireToken("runnerToken", runnerToken); err != nil {
		return nil, err
	}
	return s.c().send(ctx, &request{method: http.MethodDelete, path: "runners", body: &tokenBody{Token: runnerToken}, noAuth: true, opts: opts}, nil)
}

// ListRunnerJobsOptions filters and pages Runners.ListJobs. Without OrderBy
// GitLab lists jobs by ascending ID; with OrderBy OrderByID the default Sort
// is SortDesc. Keyset pagination supports only OrderByID with SortDesc.
type ListRunnerJobsOptions struct {
	ListOptions
	// SystemID keeps jobs run by one runner manager; GitLab then omits totals.
	SystemID *string `url:"system_id,omitempty"`
	// Status keeps jobs with one status.
	Status *JobStatus `url:"status,omitempty"`
	// OrderBy can only be OrderByID.
	OrderBy *JobOrderBy `url:"order_by,omitempty"`
	// Sort is SortAsc or SortDesc; it needs OrderBy (GitLab ignores Sort without it).
	Sort *SortOrder `url:"sort,omitempty"`
	// Pagination PaginationKeyset switches to keyset pagination: Page must
	// be unset, and the next page is asked for with Cursor.
	Pagination *PaginationMode `url:"pagination,omitempty"`
	// Cursor continues a keyset listing; take it from Response.NextCursor.
	// ListJobsIter follows the cursors itself.
	Cursor *string `url:"cursor,omitempty"`
}

func (o *ListRunnerJobsOptions) validate() error {
	const owner = "ListRunnerJobsOptions"
	if o == nil {
		return nil
	}
	if err := o.ListOptions.validate(owner); err != nil {
		return err
	}
	if o.Status != nil && !o.Status.Valid() {
		return enumError(owner+".Status", *o.Status, knownJobStatuses)
	}
	if o.OrderBy != nil && !o.OrderBy.Valid() {
		return enumError(owner+".OrderBy", *o.OrderBy, []JobOrderBy{OrderByID})
	}
	if o.Sort != nil {
		if !o.Sort.Valid() {
			return enumError(owner+".Sort", *o.Sort, []SortOrder{SortAsc, SortDesc})
		}
		if o.OrderBy == nil {
			return &ValidationError{Field: owner + ".Sort", Reason: "needs OrderBy (GitLab ignores Sort without it)"}
		}
	}
	if o.Pagination != nil && !o.Pagination.Valid() {
		return enumError(owner+".Pagination", *o.Pagination, []PaginationMode{PaginationOffset, PaginationKeyset})
	}
	keyset := o.keyset()
	if keyset && o.Sort != nil && *o.Sort != SortDesc {
		return &ValidationError{Field: owner + ".Sort", Reason: "got " + strconv.Quote(string(*o.Sort)) + ", want desc (keyset pagination supports only desc)"}
	}
	if keyset && o.Page != 0 {
		return &ValidationError{Field: owner + ".Page", Reason: "is not used with keyset pagination; use Cursor"}
	}
	if !keyset && o.Cursor != nil {
		return &ValidationError{Field: owner + ".Cursor", Reason: "needs Pagination PaginationKeyset"}
	}
	return nil
}

// keyset reports whether o asks for keyset pagination.
func (o *ListRunnerJobsOptions) keyset() bool {
	return o != nil && o.Pagination != nil && *o.Pagination == PaginationKeyset
}

// ListJobs lists the jobs a runner is processing or has processed, limited
// to projects where the caller is at least Reporter. Offset pages end with
// a 405 (ErrMethodNotAllowed) past GitLab's offset limit; use keyset
// pagination (or ListJobsIter with it) for long histories.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-jobs-processed-by-a-runner
//
//	GET /runners/:id/jobs
func (s *RunnersService) ListJobs(ctx context.Context, id int64, opt *ListRunnerJobsOptions, opts ...RequestOption) ([]*Job, *Response, error) {
	p, err := runnerPath("id", id, "/jobs")
	if err != nil {
		return nil, nil, err
	}
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Job](ctx, s.c(), &request{method: http.MethodGet, path: p, query: opt, opts: opts})
}

// ListManagers lists the machines (runner managers, one per system ID)
// running a runner's configuration. The list is not paginated.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-runners-managers
//
//	GET /runners/:id/managers
func (s *RunnersService) ListManagers(ctx context.Context, id int64, opts ...RequestOption) ([]*RunnerManager, *Response, error) {
	p, err := runnerPath("id", id, "/managers")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[[]*RunnerManager](ctx, s.c(), &request{method: http.MethodGet, path: p, opts: opts})
}

// ListRunnerProjectsOptions pages Runners.ListProjects.
type ListRunnerProjectsOptions struct {
	ListOptions
}

// ListProjects lists the projects a runner is assigned to that the caller
// may see; newest servers only (older ones answer 404).
//
// GitLab's API documentation has no section for this endpoint (it is in
// GitLab's OpenAPI description and lib/api/ci/runners.rb); the link is the
// Runners API page.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/
//
//	GET /runners/:id/projects
func (s *RunnersService) ListProjects(ctx context.Context, id int64, opt *ListRunnerProjectsOptions, opts ...RequestOption) ([]*Project, *Response, error) {
	p, err := runnerPath("id", id, "/projects")
	if err != nil {
		return nil, nil, err
	}
	if opt != nil {
		if err := opt.validate("ListRunnerProjectsOptions"); err != nil {
			return nil, nil, err
		}
	}
	return doJSON[[]*Project](ctx, s.c(), &request{method: http.MethodGet, path: p, query: opt, opts: opts})
}

// DeleteManager deletes one runner manager, identified by the runner's
// authentication token and the manager's system ID, both sent in the JSON
// body; user credentials are not sent. Newest servers only.
//
// GitLab's API documentation has no section for this endpoint (it is in
// GitLab's OpenAPI description and lib/api/ci/runner.rb); the link is the
// Runners API page.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/
//
//	DELETE /runners/managers
func (s *RunnersService) DeleteManager(ctx context.Context, runnerToken, systemID string, opts ...RequestOption) (*Response, error) {
	if err := requireToken("runnerToken", runnerToken); err != nil {
		return nil, err
	}
	if systemID == "" {
		return nil, &ValidationError{Field: "systemID", Reason: "is empty"}
	}
	body := &tokenBody{Token: runnerToken, SystemID: systemID}
	return s.c().send(ctx, &request{method: http.MethodDelete, path: "runners/managers", body: body, noAuth: true, opts: opts}, nil)
}

// ListProjectRunners lists the runners available to a project: its own,
// its ancestor groups' and the instance's (when enabled for the project).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-of-a-projects-runners
//
//	GET /projects/:id/runners
func (s *RunnersService) ListProjectRunners(ctx context.Context, project ProjectRef, opt *ListProjectRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
	seg, err := project.segment("project")
	if err != nil {
		return nil, nil, err
	}
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Runner](ctx, s.c(), &request{method: http.MethodGet, path: "projects/" + seg + "/runners", query: opt, opts: opts})
}

// EnableProjectRunner assigns a project runner to another project. A group
// runner cannot be assigned (403), nor can a locked one.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#assign-a-runner-to-project
//
//	POST /projects/:id/runners
func (s *RunnersService) EnableProjectRunner(ctx context.Context, project ProjectRef, runnerID int64, opts ...RequestOption) (*Runner, *Response, error) {
	seg, err := project.segment("project")
	if err != nil {
		return nil, nil, err
	}
	if runnerID <= 0 {
		return nil, nil, invalidID("runnerID", runnerID)
	}
	body := &struct {
		RunnerID int64 `json:"runner_id"`
	}{runnerID}
	return doJSON[*Runner](ctx, s.c(), &request{method: http.MethodPost, path: "projects/" + seg + "/runners", body: body, opts: opts})
}

// DisableProjectRunner unassigns a runner from a project; it cannot remove
// a runner from its owner project (403; delete the runner instead).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#unassign-a-runner-from-project
//
//	DELETE /projects/:id/runners/:runner_id
func (s *RunnersService) DisableProjectRunner(ctx context.Context, project ProjectRef, runnerID int64, opts ...RequestOption) (*Response, error) {
	seg, err := project.segment("project")
	if err != nil {
		return nil, err
	}
	if runnerID <= 0 {
		return nil, invalidID("runnerID", runnerID)
	}
	p := "projects/" + seg + "/runners/" + strconv.FormatInt(runnerID, 10)
	return s.c().send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}

// ListGroupRunners lists the runners available to a group: its own, its
// ancestors' and the instance's (when enabled for the group).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#list-all-of-a-groups-runners
//
//	GET /groups/:id/runners
func (s *RunnersService) ListGroupRunners(ctx context.Context, group GroupRef, opt *ListGroupRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
	seg, err := group.segment("group")
	if err != nil {
		return nil, nil, err
	}
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Runner](ctx, s.c(), &request{method: http.MethodGet, path: "groups/" + seg + "/runners", query: opt, opts: opts})
}

// RunnerInfo is runner metadata sent at registration. The newest servers
// store only Name.
type RunnerInfo struct {
	// Name is the runner's name (at most 256 characters).
	Name *string `json:"name,omitempty"`
	// Version is the gitlab-runner version, e.g. "17.1.0".
	Version *string `json:"version,omitempty"`
	// Revision is the gitlab-runner commit.
	Revision *string `json:"revision,omitempty"`
	// Platform is the operating system, e.g. "linux".
	Platform *string `json:"platform,omitempty"`
	// Architecture is the CPU architecture, e.g. "amd64".
	Architecture *string `json:"architecture,omitempty"`
}

// RegisterRunnerOptions are the optional settings of Runners.Register. The
// registration token is Register's own argument.
type RegisterRunnerOptions struct {
	// Description is the runner's description.
	Description *string `json:"description,omitempty"`
	// Info is metadata about the registering runner.
	Info *RunnerInfo `json:"info,omitempty"`
	// Deprecated: use Paused (Active is its negation). Active and Paused
	// are mutually exclusive.
	Active *bool `json:"active,omitempty"`
	// Paused true registers the runner paused.
	Paused *bool `json:"paused,omitempty"`
	// Locked true keeps a project runner from being assigned to other projects.
	Locked *bool `json:"locked,omitempty"`
	// RunUntagged lets the runner pick up jobs without tags.
	RunUntagged *bool `json:"run_untagged,omitempty"`
	// TagList is the runner's tags.
	TagList *[]string `json:"tag_list,omitempty"`
	// AccessLevel ref_protected limits the runner to jobs of protected branches and tags.
	AccessLevel *AccessLevel `json:"access_level,omitempty"`
	// MaximumTimeout caps how long the runner's jobs may run, in seconds; GitLab requires at least 600.
	MaximumTimeout *int64 `json:"maximum_timeout,omitempty"`
	// MaintenanceNote is a free-form note for administrators (at most 1024
	// characters). GitLab's deprecated alias maintainer_note is not offered.
	MaintenanceNote *string `json:"maintenance_note,omitempty"`
}

// registerBody is the JSON body of POST /runners: the token and the options.
type registerBody struct {
	Token string `json:"token"`
	RegisterRunnerOptions
}

func (b *registerBody) secrets() []string { return []string{b.Token} }

// Format prints the body with the registration token redacted.
func (b registerBody) Format(f fmt.State, verb rune) { formatRedacted(f, verb, b) }

// LogValue renders the body for slog with the registration token redacted.
func (b registerBody) LogValue() slog.Value { return redactedLogValue(b) }

// Register registers a runner with a registration token and returns the
// new runner's ID and authentication token. User credentials are not
// sent. Answered 410 (ErrGone) where registration tokens are disabled,
// which is the default since GitLab 17.0.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#create-a-runner
//
//	POST /runners
//
// Deprecated: GitLab deprecated registration tokens in 15.6. Create the
// runner with Runners.Create (POST /user/runners), which returns the
// runner's authentication token directly.
func (s *RunnersService) Register(ctx context.Context, registrationToken string, opt *RegisterRunnerOptions, opts ...RequestOption) (*RunnerRegistration, *Response, error) {
	if err := requireToken("registrationToken", registrationToken); err != nil {
		return nil, nil, err
	}
	if opt != nil {
		if err := validateRunnerSettings("RegisterRunnerOptions", opt.Active, opt.Paused, opt.AccessLevel); err != nil {
			return nil, nil, err
		}
	}
	body := &registerBody{Token: registrationToken}
	if opt != nil {
		body.RegisterRunnerOptions = *opt
	}
	return doJSON[*RunnerRegistration](ctx, s.c(), &request{method: http.MethodPost, path: "runners", body: body, noAuth: true, opts: opts})
}

// RunnerOwner says what a runner made with Runners.Create belongs to: the
// instance, a group or a project. Build one with InstanceRunnerOwner,
// GroupRunnerOwner or ProjectRunnerOwner; the zero value is invalid.
type RunnerOwner struct {
	typ RunnerType
	id  int64
}

// InstanceRunnerOwner makes an instance runner (administrators only).
func InstanceRunnerOwner() RunnerOwner { return RunnerOwner{typ: RunnerTypeInstance} }

// GroupRunnerOwner makes a group runner of the group with this numeric ID (group Owner).
func GroupRunnerOwner(groupID int64) RunnerOwner {
	return RunnerOwner{typ: RunnerTypeGroup, id: groupID}
}

// ProjectRunnerOwner makes a project runner of the project with this numeric ID (project Maintainer).
func ProjectRunnerOwner(projectID int64) RunnerOwner {
	return RunnerOwner{typ: RunnerTypeProject, id: projectID}
}

// Type is the runner type the owner creates.
func (o RunnerOwner) Type() RunnerType { return o.typ }

// ID is the group or project ID, or 0 for the instance.
func (o RunnerOwner) ID() int64 { return o.id }

// CreateRunnerOptions are the optional settings of Runners.Create. What the
// runner belongs to is Create's own argument.
type CreateRunnerOptions struct {
	// Description is the runner's description.
	Description *string `json:"description,omitempty"`
	// MaintenanceNote is a free-form note for administrators (at most 1024 characters).
	MaintenanceNote *string `json:"maintenance_note,omitempty"`
	// Paused true creates the runner paused.
	Paused *bool `json:"paused,omitempty"`
	// Locked true keeps a project runner from being assigned to other projects.
	Locked *bool `json:"locked,omitempty"`
	// RunUntagged lets the runner pick up jobs without tags; GitLab's default is true.
	RunUntagged *bool `json:"run_untagged,omitempty"`
	// TagList is the runner's tags.
	TagList *[]string `json:"tag_list,omitempty"`
	// AccessLevel ref_protected limits the runner to jobs of protected branches and tags.
	AccessLevel *AccessLevel `json:"access_level,omitempty"`
	// MaximumTimeout caps how long the runner's jobs may run, in seconds; GitLab requires at least 600.
	MaximumTimeout *int64 `json:"maximum_timeout,omitempty"`
	// TokenExpiresAt sets the first token's expiry (Premium/Ultimate, newest servers).
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
	// TokenRotationDeadline rejects rotations after it (Premium/Ultimate, newest servers).
	TokenRotationDeadline *time.Time `json:"token_rotation_deadline,omitempty"`
}

// createBody is the JSON body of POST /user/runners: the owner and the options.
type createBody struct {
	RunnerType RunnerType `json:"runner_type"`
	GroupID    int64      `json:"group_id,omitempty"`
	ProjectID  int64      `json:"project_id,omitempty"`
	CreateRunnerOptions
}

func validateOwner(o RunnerOwner) error {
	switch o.typ {
	case RunnerTypeInstance:
		return nil
	case RunnerTypeGroup, RunnerTypeProject:
		if o.id <= 0 {
			return invalidID("owner.ID", o.id)
		}
		return nil
	}
	return &ValidationError{Field: "owner", Reason: "is the zero RunnerOwner; use InstanceRunnerOwner, GroupRunnerOwner or ProjectRunnerOwner"}
}

// Create creates a runner owned by the caller and returns its ID and
// "glrt-" authentication token: the current registration workflow, which
// replaces Register.
//
// GitLab API docs: https://docs.gitlab.com/api/users/#create-a-runner-linked-to-a-user
//
//	POST /user/runners
func (s *RunnersService) Create(ctx context.Context, owner RunnerOwner, opt *CreateRunnerOptions, opts ...RequestOption) (*RunnerRegistration, *Response, error) {
	if err := validateOwner(owner); err != nil {
		return nil, nil, err
	}
	if opt != nil {
		if err := validateRunnerSettings("CreateRunnerOptions", nil, opt.Paused, opt.AccessLevel); err != nil {
			return nil, nil, err
		}
	}
	body := &createBody{RunnerType: owner.typ}
	if opt != nil {
		body.CreateRunnerOptions = *opt
	}
	switch owner.typ {
	case RunnerTypeGroup:
		body.GroupID = owner.id
	case RunnerTypeProject:
		body.ProjectID = owner.id
	}
	return doJSON[*RunnerRegistration](ctx, s.c(), &request{method: http.MethodPost, path: "user/runners", body: body, opts: opts})
}

// VerifyRunnerOptions are the optional settings of Runners.Verify. The
// runner's token is Verify's own argument.
type VerifyRunnerOptions struct {
	// SystemID is the runner manager's system identifier; GitLab documents
	// it as required for "glrt-" tokens, and the newest servers map a
	// missing one to the manager "<legacy>".
	SystemID *string `json:"system_id,omitempty"`
}

// Verify checks a runner's authentication token; an invalid token is 403
// (ErrForbidden). Accepts exactly the JSON answer of current GitLab (an
// object naming the runner's id) and the plain-text "200" of old servers;
// any other answer (a login page, "OK", an object without the id) is a
// *DecodeError. User credentials are not sent.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#verify-authentication-for-a-registered-runner
//
//	POST /runners/verify
func (s *RunnersService) Verify(ctx context.Context, runnerToken string, opt *VerifyRunnerOptions, opts ...RequestOption) (*RunnerVerification, *Response, error) {
	if err := requireToken("runnerToken", runnerToken); err != nil {
		return nil, nil, err
	}
	body := &tokenBody{Token: runnerToken}
	if opt != nil && opt.SystemID != nil {
		if *opt.SystemID == "" {
			return nil, nil, &ValidationError{Field: "VerifyRunnerOptions.SystemID", Reason: "is empty; leave it nil to send none"}
		}
		body.SystemID = *opt.SystemID
	}
	// Decoded through rawBodyDecoder: old servers answer a bare "200", not JSON.
	v := new(RunnerVerification)
	resp, err := s.c().send(ctx, &request{method: http.MethodPost, path: "runners/verify", body: body, noAuth: true, opts: opts}, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// ResetAuthenticationToken gives a runner a new authentication token; the
// old one stops working at once.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#reset-runners-authentication-token-by-using-the-runner-id
//
//	POST /runners/:id/reset_authentication_token
func (s *RunnersService) ResetAuthenticationToken(ctx context.Context, id int64, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	p, err := runnerPath("id", id, "/reset_authentication_token")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*TokenWithExpiry](ctx, s.c(), &request{method: http.MethodPost, path: p, opts: opts})
}

// ResetAuthenticationTokenWithToken replaces a runner's authentication
// token, authenticating with the current one, runnerToken, which travels in
// the JSON body; user credentials are not sent.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#reset-runners-authentication-token-by-using-the-current-token
//
//	POST /runners/reset_authentication_token
func (s *RunnersService) ResetAuthenticationTokenWithToken(ctx context.Context, runnerToken string, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	if err := requireToken("runnerToken", runnerToken); err != nil {
		return nil, nil, err
	}
	return doJSON[*TokenWithExpiry](ctx, s.c(), &request{method: http.MethodPost, path: "runners/reset_authentication_token", body: &tokenBody{Token: runnerToken}, noAuth: true, opts: opts})
}

// ResetInstanceRegistrationToken resets the instance's runner registration token (administrators).
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#reset-instances-runner-registration-token
//
//	POST /runners/reset_registration_token
//
// Deprecated: registration tokens are deprecated by GitLab (disabled by
// default since 17.0). Create runners with Runners.Create, which needs no
// registration token.
func (s *RunnersService) ResetInstanceRegistrationToken(ctx context.Context, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	return doJSON[*TokenWithExpiry](ctx, s.c(), &request{method: http.MethodPost, path: "runners/reset_registration_token", opts: opts})
}

// ResetProjectRegistrationToken resets a project's runner registration token.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#reset-projects-runner-registration-token
//
//	POST /projects/:id/runners/reset_registration_token
//
// Deprecated: registration tokens are deprecated by GitLab (disabled by
// default since 17.0). Create project runners with Runners.Create and
// ProjectRunnerOwner.
func (s *RunnersService) ResetProjectRegistrationToken(ctx context.Context, project ProjectRef, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	seg, err := project.segment("project")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*TokenWithExpiry](ctx, s.c(), &request{method: http.MethodPost, path: "projects/" + seg + "/runners/reset_registration_token", opts: opts})
}

// ResetGroupRegistrationToken resets a group's runner registration token.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#reset-groups-runner-registration-token
//
//	POST /groups/:id/runners/reset_registration_token
//
// Deprecated: registration tokens are deprecated by GitLab (disabled by
// default since 17.0). Create group runners with Runners.Create and
// GroupRunnerOwner.
func (s *RunnersService) ResetGroupRegistrationToken(ctx context.Context, group GroupRef, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	seg, err := group.segment("group")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*TokenWithExpiry](ctx, s.c(), &request{method: http.MethodPost, path: "groups/" + seg + "/runners/reset_registration_token", opts: opts})
}

// JobRouterDiscovery is the answer of Runners.DiscoverJobRouter (entity
// Ci::JobRouter::DiscoveryInformation).
type JobRouterDiscovery struct {
	// ServerURL is where the runner reaches the Job Router, e.g. "wss://kas.example.com".
	ServerURL string `json:"server_url"`
}

// DiscoverJobRouter asks where a runner reaches GitLab's Job Router. It
// authenticates with the runner's authentication token in the Runner-Token
// header (never in the URL); user credentials are not sent. An invalid
// token is 403 (ErrForbidden). Where the Job Router is off (the default;
// it needs KAS and feature flags) GitLab answers 501: the error matches
// ErrServer, its *ErrorResponse carries StatusCode 501 and GitLab's message,
// and it is not retried. Introduced in GitLab 18.7.
//
// GitLab API docs: https://docs.gitlab.com/api/runners/#discover-job-router-information
//
//	GET /runners/router/discovery
func (s *RunnersService) DiscoverJobRouter(ctx context.Context, runnerToken string, opts ...RequestOption) (*JobRouterDiscovery, *Response, error) {
	if err := requireToken("runnerToken", runnerToken); err != nil {
		return nil, nil, err
	}
	// The header is set after the request options, so that WithHeader cannot replace it.
	return doJSON[*JobRouterDiscovery](ctx, s.c(), &request{method: http.MethodGet, path: "runners/router/discovery", noAuth: true,
		header: http.Header{"Runner-Token": {runnerToken}}, secrets: []string{runnerToken}, opts: opts})
}

// c is the service's client; nil for a nil service (a zero Client's), which
// the request path answers with ErrInvalidInput.
func (s *RunnersService) c() *Client {
	if s == nil {
		return nil
	}
	return s.client
}
