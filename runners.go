package runnerapi

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// RunnersService is GitLab's Runners API: runners, their jobs, managers and
// projects, project and group runners, registration and token resets.
type RunnersService struct {
	client *Client
}

// ListOptions are the offset pagination parameters shared by list calls.
// Zero values are not sent: GitLab then uses page 1 and 20 items per page (at most 100).
type ListOptions struct {
	Page    int64 `url:"page,omitempty" json:"-"`
	PerPage int64 `url:"per_page,omitempty" json:"-"`
}

func (o *ListOptions) validate(owner string) error {
	if o.Page < 0 {
		return &ValidationError{Field: owner + ".Page", Reason: "must not be negative"}
	}
	if o.PerPage < 0 {
		return &ValidationError{Field: owner + ".PerPage", Reason: "must not be negative"}
	}
	return nil
}

// ListRunnersOptions filters Runners.List and Runners.ListAll. Filters combine with AND.
type ListRunnersOptions struct {
	ListOptions
	// Type keeps runners of one type.
	Type *RunnerType `url:"type,omitempty"`
	// Status keeps runners with one connection status.
	Status *RunnerStatus `url:"status,omitempty"`
	// Paused keeps only paused (true) or only accepting (false) runners.
	Paused *bool `url:"paused,omitempty"`
	// TagList keeps runners that have all of these tags.
	TagList []string `url:"tag_list,comma,omitempty"`
	// VersionPrefix keeps runners with a manager whose version starts with it, e.g. "17.1.".
	VersionPrefix *string `url:"version_prefix,omitempty"`
	// Deprecated: use Type or Status. On List only statuses are accepted; on ListAll also
	// "specific", "shared" and the runner types.
	Scope *string `url:"scope,omitempty"`
}

// ListProjectRunnersOptions filters Runners.ListProjectRunners.
type ListProjectRunnersOptions struct {
	ListOptions
	Type          *RunnerType   `url:"type,omitempty"`
	Status        *RunnerStatus `url:"status,omitempty"`
	Paused        *bool         `url:"paused,omitempty"`
	TagList       []string      `url:"tag_list,comma,omitempty"`
	VersionPrefix *string       `url:"version_prefix,omitempty"`
	// Deprecated: use Type or Status.
	Scope *string `url:"scope,omitempty"`
}

// ListGroupRunnersOptions filters Runners.ListGroupRunners.
type ListGroupRunnersOptions struct {
	ListOptions
	Type          *RunnerType   `url:"type,omitempty"`
	Status        *RunnerStatus `url:"status,omitempty"`
	Paused        *bool         `url:"paused,omitempty"`
	TagList       []string      `url:"tag_list,comma,omitempty"`
	VersionPrefix *string       `url:"version_prefix,omitempty"`
}

// statusScopes are the scope values GET /runners accepts; allScopes those of /runners/all and project runners.
var (
	statusScopes = []string{"active", "paused", "online", "offline", "never_contacted", "stale"}
	allScopes    = append([]string{"specific", "shared", "instance_type", "group_type", "project_type"}, statusScopes...)
)

// validateRunnerFilters checks the filters shared by every runner list.
func validateRunnerFilters(owner string, lo *ListOptions, typ *RunnerType, status *RunnerStatus, versionPrefix, scope *string, scopes []string) error {
	if err := lo.validate(owner); err != nil {
		return err
	}
	if typ != nil && !typ.Valid() {
		return &ValidationError{Field: owner + ".Type", Reason: strconv.Quote(string(*typ)) + " is not instance_type, group_type or project_type"}
	}
	if status != nil && !status.Valid() {
		return &ValidationError{Field: owner + ".Status", Reason: strconv.Quote(string(*status)) + " is not a runner status"}
	}
	if versionPrefix != nil {
		if v := *versionPrefix; v == "" || !isVersionChar(v[0]) {
			return &ValidationError{Field: owner + ".VersionPrefix", Reason: "must start with a digit, '.' or '+'"}
		}
	}
	if scope != nil && !contains(scopes, *scope) {
		return &ValidationError{Field: owner + ".Scope", Reason: strconv.Quote(*scope) + " is not accepted here"}
	}
	return nil
}

func isVersionChar(b byte) bool { return (b >= '0' && b <= '9') || b == '.' || b == '+' }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (o *ListRunnersOptions) validate(scopes []string) error {
	if o == nil {
		return nil
	}
	return validateRunnerFilters("ListRunnersOptions", &o.ListOptions, o.Type, o.Status, o.VersionPrefix, o.Scope, scopes)
}

func (o *ListProjectRunnersOptions) validate() error {
	if o == nil {
		return nil
	}
	return validateRunnerFilters("ListProjectRunnersOptions", &o.ListOptions, o.Type, o.Status, o.VersionPrefix, o.Scope, allScopes)
}

func (o *ListGroupRunnersOptions) validate() error {
	if o == nil {
		return nil
	}
	return validateRunnerFilters("ListGroupRunnersOptions", &o.ListOptions, o.Type, o.Status, o.VersionPrefix, nil, nil)
}

// List lists the runners available to the user (GET /runners).
func (s *RunnersService) List(ctx context.Context, opt *ListRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
	if err := opt.validate(statusScopes); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Runner](ctx, s.client, &request{method: http.MethodGet, path: "runners", query: opt, opts: opts})
}

// ListAll lists every runner of the instance; administrators and auditors only (GET /runners/all).
func (s *RunnersService) ListAll(ctx context.Context, opt *ListRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
	if err := opt.validate(allScopes); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Runner](ctx, s.client, &request{method: http.MethodGet, path: "runners/all", query: opt, opts: opts})
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

// Get returns a runner's details, including its projects unless
// WithQuery("include_projects", "false") is given (GET /runners/:id).
func (s *RunnersService) Get(ctx context.Context, id int64, opts ...RequestOption) (*RunnerDetails, *Response, error) {
	p, err := runnerPath("id", id, "")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerDetails](ctx, s.client, &request{method: http.MethodGet, path: p, opts: opts})
}

// UpdateRunnerOptions changes a runner with Runners.Update. Only set fields
// are sent, and at least one must be set. Active and Paused are mutually exclusive.
type UpdateRunnerOptions struct {
	Description *string `json:"description,omitempty"`
	// Deprecated: use Paused.
	Active *bool `json:"active,omitempty"`
	Paused *bool `json:"paused,omitempty"`
	// TagList replaces the runner's tags; Ptr([]string{}) removes them all.
	TagList     *[]string    `json:"tag_list,omitempty"`
	RunUntagged *bool        `json:"run_untagged,omitempty"`
	Locked      *bool        `json:"locked,omitempty"`
	AccessLevel *AccessLevel `json:"access_level,omitempty"`
	// MaximumTimeout is in seconds; GitLab requires at least 600.
	MaximumTimeout  *int64  `json:"maximum_timeout,omitempty"`
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
		return &ValidationError{Field: owner + ".AccessLevel", Reason: strconv.Quote(string(*level)) + " is not not_protected or ref_protected"}
	}
	return nil
}

// Update changes a runner's settings (PUT /runners/:id).
func (s *RunnersService) Update(ctx context.Context, id int64, opt *UpdateRunnerOptions, opts ...RequestOption) (*RunnerDetails, *Response, error) {
	p, err := runnerPath("id", id, "")
	if err != nil {
		return nil, nil, err
	}
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerDetails](ctx, s.client, &request{method: http.MethodPut, path: p, body: opt, opts: opts})
}

// Pause stops a runner from picking up new jobs (PUT /runners/:id with paused=true).
func (s *RunnersService) Pause(ctx context.Context, id int64, opts ...RequestOption) (*RunnerDetails, *Response, error) {
	return s.Update(ctx, id, &UpdateRunnerOptions{Paused: Ptr(true)}, opts...)
}

// Unpause lets a paused runner pick up new jobs again (PUT /runners/:id with paused=false).
func (s *RunnersService) Unpause(ctx context.Context, id int64, opts ...RequestOption) (*RunnerDetails, *Response, error) {
	return s.Update(ctx, id, &UpdateRunnerOptions{Paused: Ptr(false)}, opts...)
}

// Delete deletes a runner by ID (DELETE /runners/:id). Use WithIfUnmodifiedSince for a conditional delete.
func (s *RunnersService) Delete(ctx context.Context, id int64, opts ...RequestOption) (*Response, error) {
	p, err := runnerPath("id", id, "")
	if err != nil {
		return nil, err
	}
	return s.client.send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
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

// DeleteByToken unregisters the runner that owns authToken (DELETE /runners).
// The token travels in the JSON body; user credentials are not sent.
func (s *RunnersService) DeleteByToken(ctx context.Context, authToken string, opts ...RequestOption) (*Response, error) {
	if err := requireToken("authToken", authToken); err != nil {
		return nil, err
	}
	return s.client.send(ctx, &request{method: http.MethodDelete, path: "runners", body: &tokenBody{Token: authToken}, noAuth: true, opts: opts}, nil)
}

// Sort orders and pagination modes for Runners.ListJobs.
const (
	OrderByID        = "id"
	SortAsc          = "asc"
	SortDesc         = "desc"
	PaginationKeyset = "keyset"
)

// ListRunnerJobsOptions filters and pages Runners.ListJobs. Without OrderBy
// GitLab lists jobs by ascending ID; with OrderBy "id" the default Sort is
// "desc". Keyset pagination (Pagination "keyset") supports only id/desc.
type ListRunnerJobsOptions struct {
	ListOptions
	// SystemID keeps jobs run by one runner manager; GitLab then omits totals.
	SystemID *string    `url:"system_id,omitempty"`
	Status   *JobStatus `url:"status,omitempty"`
	// OrderBy can only be "id" (OrderByID).
	OrderBy *string `url:"order_by,omitempty"`
	// Sort is "asc" or "desc"; it needs OrderBy.
	Sort *string `url:"sort,omitempty"`
	// Pagination "keyset" (PaginationKeyset) switches to keyset pagination.
	Pagination *string `url:"pagination,omitempty"`
	// Cursor continues a keyset listing; take it from Response.NextCursor.
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
		return &ValidationError{Field: owner + ".Status", Reason: strconv.Quote(string(*o.Status)) + " is not a job status"}
	}
	if o.OrderBy != nil && *o.OrderBy != OrderByID {
		return &ValidationError{Field: owner + ".OrderBy", Reason: `only "id" is supported`}
	}
	if o.Sort != nil {
		if *o.Sort != SortAsc && *o.Sort != SortDesc {
			return &ValidationError{Field: owner + ".Sort", Reason: `must be "asc" or "desc"`}
		}
		if o.OrderBy == nil {
			return &ValidationError{Field: owner + ".Sort", Reason: `needs OrderBy "id" (GitLab ignores Sort without it)`}
		}
	}
	keyset := o.Pagination != nil
	if keyset && *o.Pagination != PaginationKeyset {
		return &ValidationError{Field: owner + ".Pagination", Reason: `must be "keyset"`}
	}
	if keyset && o.Sort != nil && *o.Sort != SortDesc {
		return &ValidationError{Field: owner + ".Sort", Reason: `keyset pagination supports only "desc"`}
	}
	if keyset && o.Page != 0 {
		return &ValidationError{Field: owner + ".Page", Reason: "is not used with keyset pagination; use Cursor"}
	}
	if !keyset && o.Cursor != nil {
		return &ValidationError{Field: owner + ".Cursor", Reason: `needs Pagination "keyset"`}
	}
	return nil
}

// ListJobs lists the jobs a runner is processing or has processed, limited to
// projects where the user is at least Reporter (GET /runners/:id/jobs).
func (s *RunnersService) ListJobs(ctx context.Context, id int64, opt *ListRunnerJobsOptions, opts ...RequestOption) ([]*Job, *Response, error) {
	p, err := runnerPath("id", id, "/jobs")
	if err != nil {
		return nil, nil, err
	}
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Job](ctx, s.client, &request{method: http.MethodGet, path: p, query: opt, opts: opts})
}

// ListManagers lists the machines (runner managers) running a runner's configuration; not paginated (GET /runners/:id/managers).
func (s *RunnersService) ListManagers(ctx context.Context, id int64, opts ...RequestOption) ([]*RunnerManager, *Response, error) {
	p, err := runnerPath("id", id, "/managers")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[[]*RunnerManager](ctx, s.client, &request{method: http.MethodGet, path: p, opts: opts})
}

// ListRunnerProjectsOptions pages Runners.ListProjects.
type ListRunnerProjectsOptions struct {
	ListOptions
}

// ListProjects lists the projects a runner is assigned to that the user may
// see; newest servers only (GET /runners/:id/projects).
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
	return doJSON[[]*Project](ctx, s.client, &request{method: http.MethodGet, path: p, query: opt, opts: opts})
}

// DeleteManager deletes one runner manager, identified by the runner's
// authentication token and the manager's system ID, both sent in the JSON
// body; newest servers only (DELETE /runners/managers).
func (s *RunnersService) DeleteManager(ctx context.Context, authToken, systemID string, opts ...RequestOption) (*Response, error) {
	if err := requireToken("authToken", authToken); err != nil {
		return nil, err
	}
	if systemID == "" {
		return nil, &ValidationError{Field: "systemID", Reason: "is empty"}
	}
	body := &tokenBody{Token: authToken, SystemID: systemID}
	return s.client.send(ctx, &request{method: http.MethodDelete, path: "runners/managers", body: body, noAuth: true, opts: opts}, nil)
}

// ListProjectRunners lists the runners available to a project: its own,
// its groups' and the instance's (GET /projects/:id/runners).
func (s *RunnersService) ListProjectRunners(ctx context.Context, project ProjectRef, opt *ListProjectRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
	seg, err := project.segment("project")
	if err != nil {
		return nil, nil, err
	}
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Runner](ctx, s.client, &request{method: http.MethodGet, path: "projects/" + seg + "/runners", query: opt, opts: opts})
}

// EnableProjectRunner assigns a project runner to another project (POST /projects/:id/runners).
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
	return doJSON[*Runner](ctx, s.client, &request{method: http.MethodPost, path: "projects/" + seg + "/runners", body: body, opts: opts})
}

// DisableProjectRunner unassigns a runner from a project; it cannot remove a
// runner from its owner project (DELETE /projects/:id/runners/:runner_id).
func (s *RunnersService) DisableProjectRunner(ctx context.Context, project ProjectRef, runnerID int64, opts ...RequestOption) (*Response, error) {
	seg, err := project.segment("project")
	if err != nil {
		return nil, err
	}
	if runnerID <= 0 {
		return nil, invalidID("runnerID", runnerID)
	}
	p := "projects/" + seg + "/runners/" + strconv.FormatInt(runnerID, 10)
	return s.client.send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}

// ListGroupRunners lists the runners available to a group: its own, its
// ancestors' and the instance's (GET /groups/:id/runners).
func (s *RunnersService) ListGroupRunners(ctx context.Context, group GroupRef, opt *ListGroupRunnersOptions, opts ...RequestOption) ([]*Runner, *Response, error) {
	seg, err := group.segment("group")
	if err != nil {
		return nil, nil, err
	}
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	return doJSON[[]*Runner](ctx, s.client, &request{method: http.MethodGet, path: "groups/" + seg + "/runners", query: opt, opts: opts})
}

// RunnerInfo is runner metadata sent at registration.
type RunnerInfo struct {
	Name         *string `json:"name,omitempty"`
	Version      *string `json:"version,omitempty"`
	Revision     *string `json:"revision,omitempty"`
	Platform     *string `json:"platform,omitempty"`
	Architecture *string `json:"architecture,omitempty"`
}

// RegisterRunnerOptions registers a runner with a registration token (Runners.Register).
// Printing it with %v or %+v does not show the token.
type RegisterRunnerOptions struct {
	// Token is the instance, group or project registration token (required).
	Token       string      `json:"token"`
	Description *string     `json:"description,omitempty"`
	Info        *RunnerInfo `json:"info,omitempty"`
	// Deprecated: use Paused.
	Active          *bool        `json:"active,omitempty"`
	Paused          *bool        `json:"paused,omitempty"`
	Locked          *bool        `json:"locked,omitempty"`
	RunUntagged     *bool        `json:"run_untagged,omitempty"`
	TagList         *[]string    `json:"tag_list,omitempty"`
	AccessLevel     *AccessLevel `json:"access_level,omitempty"`
	MaximumTimeout  *int64       `json:"maximum_timeout,omitempty"`
	MaintenanceNote *string      `json:"maintenance_note,omitempty"`
}

func (o *RegisterRunnerOptions) secrets() []string { return []string{o.Token} }

// Register registers a runner with a registration token; deprecated by
// GitLab and answered 410 (ErrGone) where registration tokens are disabled.
// User credentials are not sent (POST /runners).
func (s *RunnersService) Register(ctx context.Context, opt *RegisterRunnerOptions, opts ...RequestOption) (*RunnerRegistration, *Response, error) {
	if opt == nil {
		return nil, nil, &ValidationError{Field: "RegisterRunnerOptions", Reason: "is nil"}
	}
	if err := requireToken("RegisterRunnerOptions.Token", opt.Token); err != nil {
		return nil, nil, err
	}
	if err := validateRunnerSettings("RegisterRunnerOptions", opt.Active, opt.Paused, opt.AccessLevel); err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerRegistration](ctx, s.client, &request{method: http.MethodPost, path: "runners", body: opt, noAuth: true, opts: opts})
}

// CreateRunnerOptions creates a runner owned by the user (Runners.Create).
type CreateRunnerOptions struct {
	// RunnerType is required. GroupID is required for group_type, ProjectID for project_type.
	RunnerType      RunnerType   `json:"runner_type"`
	GroupID         *int64       `json:"group_id,omitempty"`
	ProjectID       *int64       `json:"project_id,omitempty"`
	Description     *string      `json:"description,omitempty"`
	MaintenanceNote *string      `json:"maintenance_note,omitempty"`
	Paused          *bool        `json:"paused,omitempty"`
	Locked          *bool        `json:"locked,omitempty"`
	RunUntagged     *bool        `json:"run_untagged,omitempty"`
	TagList         *[]string    `json:"tag_list,omitempty"`
	AccessLevel     *AccessLevel `json:"access_level,omitempty"`
	MaximumTimeout  *int64       `json:"maximum_timeout,omitempty"`
	// TokenExpiresAt sets the first token's expiry (Premium/Ultimate, newest servers).
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
	// TokenRotationDeadline rejects rotations after it (Premium/Ultimate, newest servers).
	TokenRotationDeadline *time.Time `json:"token_rotation_deadline,omitempty"`
}

func (o *CreateRunnerOptions) validate() error {
	const owner = "CreateRunnerOptions"
	if o == nil {
		return &ValidationError{Field: owner, Reason: "is nil"}
	}
	if !o.RunnerType.Valid() {
		return &ValidationError{Field: owner + ".RunnerType", Reason: strconv.Quote(string(o.RunnerType)) + " is not instance_type, group_type or project_type"}
	}
	if err := checkOwnerID(owner+".GroupID", o.GroupID, o.RunnerType == RunnerTypeGroup, "group_type"); err != nil {
		return err
	}
	if err := checkOwnerID(owner+".ProjectID", o.ProjectID, o.RunnerType == RunnerTypeProject, "project_type"); err != nil {
		return err
	}
	return validateRunnerSettings(owner, nil, o.Paused, o.AccessLevel)
}

// checkOwnerID requires a positive id exactly when the runner type needs it.
func checkOwnerID(field string, id *int64, needed bool, typ string) error {
	switch {
	case needed && id == nil:
		return &ValidationError{Field: field, Reason: "is required for a " + typ + " runner"}
	case !needed && id != nil:
		return &ValidationError{Field: field, Reason: "is only used for a " + typ + " runner"}
	case id != nil && *id <= 0:
		return invalidID(field, *id)
	}
	return nil
}

// Create creates a runner owned by the user and returns its "glrt-"
// authentication token: the current registration workflow (POST /user/runners).
func (s *RunnersService) Create(ctx context.Context, opt *CreateRunnerOptions, opts ...RequestOption) (*RunnerRegistration, *Response, error) {
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerRegistration](ctx, s.client, &request{method: http.MethodPost, path: "user/runners", body: opt, opts: opts})
}

// VerifyRunnerOptions identifies the runner to verify.
// Printing it with %v or %+v does not show the token.
type VerifyRunnerOptions struct {
	// Token is the runner's authentication token (required).
	Token string `json:"token"`
	// SystemID is the runner manager's system identifier; GitLab documents it as required for "glrt-" tokens.
	SystemID *string `json:"system_id,omitempty"`
}

func (o *VerifyRunnerOptions) secrets() []string { return []string{o.Token} }

// Verify checks a runner's authentication token; an invalid token is 403
// (ErrForbidden). Accepts both the JSON answer of current GitLab and the
// plain-text "200" of old servers. User credentials are not sent (POST /runners/verify).
func (s *RunnersService) Verify(ctx context.Context, opt *VerifyRunnerOptions, opts ...RequestOption) (*RunnerVerification, *Response, error) {
	if opt == nil {
		return nil, nil, &ValidationError{Field: "VerifyRunnerOptions", Reason: "is nil"}
	}
	if err := requireToken("VerifyRunnerOptions.Token", opt.Token); err != nil {
		return nil, nil, err
	}
	// Decoded through rawBodyDecoder: old servers answer a bare "200", not JSON.
	v := new(RunnerVerification)
	resp, err := s.client.send(ctx, &request{method: http.MethodPost, path: "runners/verify", body: opt, noAuth: true, opts: opts}, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// ResetAuthenticationToken gives a runner a new authentication token (POST /runners/:id/reset_authentication_token).
func (s *RunnersService) ResetAuthenticationToken(ctx context.Context, id int64, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	p, err := runnerPath("id", id, "/reset_authentication_token")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*TokenWithExpiry](ctx, s.client, &request{method: http.MethodPost, path: p, opts: opts})
}

// ResetAuthenticationTokenWithToken replaces a runner's authentication token,
// authenticating with the current one; user credentials are not sent (POST /runners/reset_authentication_token).
func (s *RunnersService) ResetAuthenticationTokenWithToken(ctx context.Context, currentToken string, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	if err := requireToken("currentToken", currentToken); err != nil {
		return nil, nil, err
	}
	return doJSON[*TokenWithExpiry](ctx, s.client, &request{method: http.MethodPost, path: "runners/reset_authentication_token", body: &tokenBody{Token: currentToken}, noAuth: true, opts: opts})
}

// ResetInstanceRegistrationToken resets the instance's runner registration token (POST /runners/reset_registration_token).
func (s *RunnersService) ResetInstanceRegistrationToken(ctx context.Context, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	return doJSON[*TokenWithExpiry](ctx, s.client, &request{method: http.MethodPost, path: "runners/reset_registration_token", opts: opts})
}

// ResetProjectRegistrationToken resets a project's runner registration token (POST /projects/:id/runners/reset_registration_token).
func (s *RunnersService) ResetProjectRegistrationToken(ctx context.Context, project ProjectRef, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	seg, err := project.segment("project")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*TokenWithExpiry](ctx, s.client, &request{method: http.MethodPost, path: "projects/" + seg + "/runners/reset_registration_token", opts: opts})
}

// ResetGroupRegistrationToken resets a group's runner registration token (POST /groups/:id/runners/reset_registration_token).
func (s *RunnersService) ResetGroupRegistrationToken(ctx context.Context, group GroupRef, opts ...RequestOption) (*TokenWithExpiry, *Response, error) {
	seg, err := group.segment("group")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*TokenWithExpiry](ctx, s.client, &request{method: http.MethodPost, path: "groups/" + seg + "/runners/reset_registration_token", opts: opts})
}
