package runnerapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// RunnerType is the scope a runner belongs to. Unknown values from newer servers decode unchanged.
type RunnerType string

// Runner types.
const (
	RunnerTypeInstance RunnerType = "instance_type"
	RunnerTypeGroup    RunnerType = "group_type"
	RunnerTypeProject  RunnerType = "project_type"
)

// Valid reports whether t is a runner type GitLab accepts.
func (t RunnerType) Valid() bool {
	switch t {
	case RunnerTypeInstance, RunnerTypeGroup, RunnerTypeProject:
		return true
	}
	return false
}

// RunnerStatus is a runner's connection status, as a filter and in answers.
type RunnerStatus string

// Runner statuses.
const (
	// RunnerStatusOnline: the runner contacted GitLab within the last 2 hours.
	RunnerStatusOnline RunnerStatus = "online"
	// RunnerStatusOffline: the last contact is older than 2 hours (as a filter it also matches stale runners).
	RunnerStatusOffline RunnerStatus = "offline"
	// RunnerStatusStale: no contact, and no creation, within the last 7 days.
	RunnerStatusStale RunnerStatus = "stale"
	// RunnerStatusNeverContacted: the runner was created or registered but never contacted GitLab.
	RunnerStatusNeverContacted RunnerStatus = "never_contacted"
	// RunnerStatusPaused is what GitLab reports in Runner.Status for a paused
	// runner that is neither stale nor never contacted; the newest servers
	// still send it. As a filter it matches paused runners, like
	// RunnerFilter.Paused set to true, which is the preferred form.
	RunnerStatusPaused RunnerStatus = "paused"
	// Deprecated: GitLab no longer reports "active"; to filter by it, set
	// RunnerFilter.Paused to false.
	RunnerStatusActive RunnerStatus = "active"
)

// Valid reports whether s is a status GitLab accepts as a filter.
func (s RunnerStatus) Valid() bool {
	switch s {
	case RunnerStatusOnline, RunnerStatusOffline, RunnerStatusStale, RunnerStatusNeverContacted,
		RunnerStatusActive, RunnerStatusPaused:
		return true
	}
	return false
}

// RunnerListScope is a value of the deprecated scope filter of runner lists
// (ListRunnersOptions.Scope, ListProjectRunnersOptions.Scope): a legacy type,
// a runner type or a status. New code filters with RunnerFilter.Type and
// RunnerFilter.Status instead.
type RunnerListScope string

// Runner list scopes. Runners.List accepts only the status scopes; Runners.ListAll
// and Runners.ListProjectRunners accept every one.
const (
	// ListScopeSpecific keeps group and project runners (legacy name).
	ListScopeSpecific RunnerListScope = "specific"
	// ListScopeShared keeps instance runners (legacy name).
	ListScopeShared         RunnerListScope = "shared"
	ListScopeInstanceType   RunnerListScope = "instance_type"
	ListScopeGroupType      RunnerListScope = "group_type"
	ListScopeProjectType    RunnerListScope = "project_type"
	ListScopeActive         RunnerListScope = "active"
	ListScopePaused         RunnerListScope = "paused"
	ListScopeOnline         RunnerListScope = "online"
	ListScopeOffline        RunnerListScope = "offline"
	ListScopeNeverContacted RunnerListScope = "never_contacted"
	ListScopeStale          RunnerListScope = "stale"
)

// Valid reports whether s is a scope GitLab knows. Whether a given list
// accepts it is checked by the list call.
func (s RunnerListScope) Valid() bool { return contains(allScopes, s) }

// AccessLevel says which refs a runner may run jobs for.
type AccessLevel string

// Access levels.
const (
	AccessLevelNotProtected AccessLevel = "not_protected"
	AccessLevelRefProtected AccessLevel = "ref_protected"
)

// Valid reports whether a is an access level GitLab accepts.
func (a AccessLevel) Valid() bool {
	return a == AccessLevelNotProtected || a == AccessLevelRefProtected
}

// JobStatus is the status of a CI job.
type JobStatus string

// Job statuses GitLab accepts as a filter on runner jobs.
const (
	JobStatusCreated            JobStatus = "created"
	JobStatusWaitingForResource JobStatus = "waiting_for_resource"
	JobStatusPreparing          JobStatus = "preparing"
	JobStatusWaitingForCallback JobStatus = "waiting_for_callback"
	JobStatusPending            JobStatus = "pending"
	JobStatusRunning            JobStatus = "running"
	JobStatusSuccess            JobStatus = "success"
	JobStatusFailed             JobStatus = "failed"
	JobStatusCanceling          JobStatus = "canceling"
	JobStatusCanceled           JobStatus = "canceled"
	JobStatusSkipped            JobStatus = "skipped"
	JobStatusManual             JobStatus = "manual"
	JobStatusScheduled          JobStatus = "scheduled"
)

// Valid reports whether s is a job status GitLab accepts.
func (s JobStatus) Valid() bool {
	switch s {
	case JobStatusCreated, JobStatusWaitingForResource, JobStatusPreparing, JobStatusWaitingForCallback,
		JobStatusPending, JobStatusRunning, JobStatusSuccess, JobStatusFailed, JobStatusCanceling,
		JobStatusCanceled, JobStatusSkipped, JobStatusManual, JobStatusScheduled:
		return true
	}
	return false
}

// JobOrderBy is the field runner jobs are ordered by (ListRunnerJobsOptions.OrderBy).
type JobOrderBy string

// OrderByID orders runner jobs by job ID, the only order GitLab supports.
const OrderByID JobOrderBy = "id"

// Valid reports whether o is an order GitLab accepts.
func (o JobOrderBy) Valid() bool { return o == OrderByID }

// SortOrder is the direction of a sorted list (ListRunnerJobsOptions.Sort).
type SortOrder string

// Sort orders.
const (
	SortAsc  SortOrder = "asc"
	SortDesc SortOrder = "desc"
)

// Valid reports whether o is asc or desc.
func (o SortOrder) Valid() bool { return o == SortAsc || o == SortDesc }

// PaginationMode selects offset or keyset pagination (ListRunnerJobsOptions.Pagination).
type PaginationMode string

// Pagination modes.
const (
	// PaginationOffset pages by number (Page, PerPage); the default.
	PaginationOffset PaginationMode = "offset"
	// PaginationKeyset pages by cursor (Cursor, Response.NextCursor); needed
	// past GitLab's offset limit (50,000 rows by default).
	PaginationKeyset PaginationMode = "keyset"
)

// Valid reports whether m is offset or keyset.
func (m PaginationMode) Valid() bool { return m == PaginationOffset || m == PaginationKeyset }

// JobExecutionStatus says whether a runner or runner manager is running jobs right now.
type JobExecutionStatus string

// Job execution statuses.
const (
	JobExecutionStatusActive JobExecutionStatus = "active"
	JobExecutionStatusIdle   JobExecutionStatus = "idle"
)

// Runner is a runner as GitLab lists it (entity Ci::Runner).
type Runner struct {
	ID          int64  `json:"id"`
	Description string `json:"description"`
	// IPAddress is empty on current GitLab (it sends null or ""); old servers sent the runner's IP.
	IPAddress string `json:"ip_address"`
	// Deprecated: Active is !Paused; nil when the server omits it. Use Paused or IsPaused.
	Active     *bool      `json:"active,omitempty"`
	Paused     bool       `json:"paused"`
	IsShared   bool       `json:"is_shared"`
	RunnerType RunnerType `json:"runner_type"`
	Name       string     `json:"name"`
	// Online is nil when the runner never contacted GitLab.
	Online *bool `json:"online"`
	// Status is GitLab's status string, which may be the deprecated "paused".
	Status             RunnerStatus       `json:"status"`
	JobExecutionStatus JobExecutionStatus `json:"job_execution_status,omitempty"`
	// CreatedBy is nil unless the caller may see the creator (newer servers only).
	CreatedBy *User      `json:"created_by,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// IsPaused reports whether the runner ignores new jobs, also for old servers
// that sent only the deprecated "active" field.
func (r *Runner) IsPaused() bool {
	return r.Paused || (r.Active != nil && !*r.Active)
}

// RunnerDetails is a single runner with its configuration (entity Ci::RunnerDetails).
type RunnerDetails struct {
	Runner
	TagList     []string `json:"tag_list"`
	RunUntagged bool     `json:"run_untagged"`
	Locked      bool     `json:"locked"`
	// MaximumTimeout is in seconds; nil means no limit.
	MaximumTimeout *int64      `json:"maximum_timeout"`
	AccessLevel    AccessLevel `json:"access_level"`
	// Version, Revision, Platform and Architecture come from the most recently
	// contacted runner manager (deprecated by GitLab; see Runners.ListManagers).
	Version      string     `json:"version"`
	Revision     string     `json:"revision"`
	Platform     string     `json:"platform"`
	Architecture string     `json:"architecture"`
	ContactedAt  *time.Time `json:"contacted_at"`
	// MaintenanceNote is empty unless the caller may update the runner.
	MaintenanceNote string `json:"maintenance_note"`
	// Projects is nil when requested with GetRunnerOptions.IncludeProjects
	// set to false; otherwise admins and auditors see every project, others
	// only those they may read.
	Projects []*Project `json:"projects,omitempty"`
	Groups   []*Group   `json:"groups,omitempty"`
}

// RunnerManager is one machine (system_id) running a runner's configuration.
type RunnerManager struct {
	ID int64 `json:"id"`
	// SystemID is "<legacy>" for managers created without one.
	SystemID           string             `json:"system_id"`
	Version            string             `json:"version"`
	Revision           string             `json:"revision"`
	Platform           string             `json:"platform"`
	Architecture       string             `json:"architecture"`
	IPAddress          string             `json:"ip_address"`
	Status             RunnerStatus       `json:"status"`
	JobExecutionStatus JobExecutionStatus `json:"job_execution_status,omitempty"`
	CreatedAt          *time.Time         `json:"created_at"`
	ContactedAt        *time.Time         `json:"contacted_at"`
}

// Job is a job run by a runner (entity Ci::JobBasicWithProject).
type Job struct {
	ID           int64      `json:"id"`
	Status       JobStatus  `json:"status"`
	Stage        string     `json:"stage"`
	Name         string     `json:"name"`
	Ref          string     `json:"ref"`
	Tag          bool       `json:"tag"`
	Coverage     *float64   `json:"coverage"`
	AllowFailure bool       `json:"allow_failure"`
	CreatedAt    *time.Time `json:"created_at"`
	StartedAt    *time.Time `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at"`
	ErasedAt     *time.Time `json:"erased_at"`
	// Duration and QueuedDuration are in seconds.
	Duration       *float64  `json:"duration"`
	QueuedDuration *float64  `json:"queued_duration"`
	User           *User     `json:"user"`
	Commit         *Commit   `json:"commit"`
	Pipeline       *Pipeline `json:"pipeline"`
	// FailureReason is empty unless the job failed.
	FailureReason string   `json:"failure_reason,omitempty"`
	WebURL        string   `json:"web_url"`
	Project       *Project `json:"project"`
}

// Project is a project as GitLab shows it in runner answers (entities
// BasicProjectDetails and ProjectIdentity; the latter fills fewer fields).
type Project struct {
	ID                int64      `json:"id"`
	Description       string     `json:"description"`
	Name              string     `json:"name"`
	NameWithNamespace string     `json:"name_with_namespace"`
	Path              string     `json:"path"`
	PathWithNamespace string     `json:"path_with_namespace"`
	CreatedAt         *time.Time `json:"created_at,omitempty"`
	DefaultBranch     string     `json:"default_branch,omitempty"`
	// Deprecated: TagList mirrors Topics.
	TagList        []string   `json:"tag_list,omitempty"`
	Topics         []string   `json:"topics,omitempty"`
	SSHURLToRepo   string     `json:"ssh_url_to_repo,omitempty"`
	HTTPURLToRepo  string     `json:"http_url_to_repo,omitempty"`
	WebURL         string     `json:"web_url,omitempty"`
	ReadmeURL      string     `json:"readme_url,omitempty"`
	ForksCount     int64      `json:"forks_count,omitempty"`
	LicenseURL     string     `json:"license_url,omitempty"`
	License        *License   `json:"license,omitempty"`
	AvatarURL      string     `json:"avatar_url,omitempty"`
	StarCount      int64      `json:"star_count,omitempty"`
	LastActivityAt *time.Time `json:"last_activity_at,omitempty"`
	// Visibility is "private", "internal" or "public" (newest servers).
	Visibility string     `json:"visibility,omitempty"`
	Namespace  *Namespace `json:"namespace,omitempty"`
	// RepositoryStorage is the storage shard holding the repository (administrators only, newest servers).
	RepositoryStorage string `json:"repository_storage,omitempty"`
	// CustomAttributes are administrator-set attributes (administrators only, newest servers).
	CustomAttributes []*CustomAttribute `json:"custom_attributes,omitempty"`
}

// License is a project's detected licence.
type License struct {
	Key       string `json:"key"`
	Name      string `json:"name"`
	Nickname  string `json:"nickname"`
	HTMLURL   string `json:"html_url"`
	SourceURL string `json:"source_url"`
}

// Namespace is the group or user namespace a project lives in.
type Namespace struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Path      string `json:"path"`
	Kind      string `json:"kind"`
	FullPath  string `json:"full_path"`
	ParentID  *int64 `json:"parent_id"`
	AvatarURL string `json:"avatar_url"`
	WebURL    string `json:"web_url"`
}

// Group is a group a runner belongs to (entity BasicGroupDetails).
type Group struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	WebURL string `json:"web_url"`
}

// User is a GitLab user as embedded in runner and job answers: entity
// UserBasic in Runner.CreatedBy, entity User in Job.User. Which fields are
// filled depends on the server version and the caller's permissions; a
// field GitLab did not send keeps its zero value.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	// State is the account state, e.g. "active" or "blocked".
	State string `json:"state"`
	// Locked is true while the account is locked after failed sign-ins.
	Locked    bool   `json:"locked,omitempty"`
	AvatarURL string `json:"avatar_url"`
	// AvatarPath is the avatar's path on the server (sent only with some configurations).
	AvatarPath string `json:"avatar_path,omitempty"`
	WebURL     string `json:"web_url"`
	// CreatedAt is set only when the caller may read the user's profile.
	CreatedAt   *time.Time `json:"created_at,omitempty"`
	Bio         string     `json:"bio,omitempty"`
	Location    string     `json:"location,omitempty"`
	PublicEmail string     `json:"public_email,omitempty"`
	// Deprecated: the newest GitLab no longer sends skype; older servers do.
	Skype    string `json:"skype,omitempty"`
	Linkedin string `json:"linkedin,omitempty"`
	Twitter  string `json:"twitter,omitempty"`
	Discord  string `json:"discord,omitempty"`
	// GitHub is the user's GitHub handle (newest servers).
	GitHub       string `json:"github,omitempty"`
	WebsiteURL   string `json:"website_url,omitempty"`
	Organization string `json:"organization,omitempty"`
	JobTitle     string `json:"job_title,omitempty"`
	Pronouns     string `json:"pronouns,omitempty"`
	// Bot is true for bot users (project and group access tokens, service accounts).
	Bot             bool   `json:"bot,omitempty"`
	WorkInformation string `json:"work_information,omitempty"`
	// LocalTime is the user's local time as GitLab renders it, e.g. "3:04 PM".
	LocalTime string `json:"local_time,omitempty"`
	// Followers and Following are counts, sent only where the user's
	// profile is public to the caller (newest servers).
	Followers int64 `json:"followers,omitempty"`
	Following int64 `json:"following,omitempty"`
	// IsFollowed reports whether the caller follows this user (newest servers, when sent).
	IsFollowed *bool `json:"is_followed,omitempty"`
	// CustomAttributes are administrator-set attributes, sent to administrators only.
	CustomAttributes []*CustomAttribute `json:"custom_attributes,omitempty"`
}

// CustomAttribute is an administrator-set key/value attribute of a user or project.
type CustomAttribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Commit is the commit a job ran on.
type Commit struct {
	// ID is the full commit SHA; ShortID its first 8 characters.
	ID      string `json:"id"`
	ShortID string `json:"short_id"`
	// Title is the first line of Message.
	Title   string `json:"title"`
	Message string `json:"message"`
	// ParentIDs are the SHAs of the parent commits.
	ParentIDs      []string   `json:"parent_ids"`
	AuthorName     string     `json:"author_name"`
	AuthorEmail    string     `json:"author_email"`
	AuthoredDate   *time.Time `json:"authored_date"`
	CommitterName  string     `json:"committer_name"`
	CommitterEmail string     `json:"committer_email"`
	CommittedDate  *time.Time `json:"committed_date"`
	CreatedAt      *time.Time `json:"created_at"`
	// Trailers are the Git trailers of the message ("Signed-off-by: …"),
	// the last value per key (newest servers; nil when not sent).
	Trailers map[string]string `json:"trailers,omitempty"`
	// ExtendedTrailers are the Git trailers with every value per key (newest servers).
	ExtendedTrailers map[string][]string `json:"extended_trailers,omitempty"`
	WebURL           string              `json:"web_url,omitempty"`
}

// Pipeline is the pipeline a job belongs to (entity PipelineBasic).
type Pipeline struct {
	ID        int64      `json:"id"`
	IID       int64      `json:"iid"`
	ProjectID int64      `json:"project_id"`
	SHA       string     `json:"sha"`
	Ref       string     `json:"ref"`
	Status    string     `json:"status"`
	Source    string     `json:"source"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
	WebURL    string     `json:"web_url"`
}

// RunnerRegistration is the answer to registering or creating a runner: its
// ID and authentication token ("glrt-…" for runners created with Create).
// Printing it with %v or %+v does not show the token.
type RunnerRegistration struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
	// TokenExpiresAt is nil when the token does not expire.
	TokenExpiresAt *time.Time `json:"token_expires_at"`
}

// UnmarshalJSON accepts the id as a number or, as some old servers sent it, a string.
func (r *RunnerRegistration) UnmarshalJSON(b []byte) error {
	type plain RunnerRegistration
	var v struct {
		plain
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = RunnerRegistration(v.plain)
	id, err := flexibleInt(v.ID)
	if err != nil {
		return fmt.Errorf("runnerapi: runner registration id: %w", err)
	}
	r.ID = id
	return nil
}

// flexibleInt decodes a JSON integer given as a number or a numeric string; null or absent is 0.
func flexibleInt(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		return strconv.ParseInt(s, 10, 64)
	}
	var n int64
	err := json.Unmarshal(raw, &n)
	return n, err
}

// RunnerVerification is the answer to Runners.Verify. Current GitLab returns
// the runner's id, token and expiry; servers before GitLab 15.x answered a
// bare "200", which sets Legacy and leaves the other fields empty.
type RunnerVerification struct {
	ID             int64      `json:"id"`
	Token          string     `json:"token"`
	TokenExpiresAt *time.Time `json:"token_expires_at"`
	// Legacy is true when the server confirmed the token without a JSON body.
	Legacy bool `json:"-"`
}

// decodeRawBody accepts any success body: a JSON object is decoded, anything
// else (old servers' bare "200", an empty body) confirms the token with Legacy set.
func (v *RunnerVerification) decodeRawBody(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		*v = RunnerVerification{Legacy: true}
		return nil
	}
	return json.Unmarshal(b, v)
}

// TokenWithExpiry is a freshly reset token (entity ResetTokenResult).
// Registration tokens carry no expiry, so TokenExpiresAt is nil for them.
type TokenWithExpiry struct {
	Token          string     `json:"token"`
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
}

// UnmarshalJSON accepts current GitLab's JSON object and old servers' bare
// "200" (also as a JSON string); any other shape is an error.
func (v *RunnerVerification) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if s := string(b); s == "200" || s == `"200"` {
		*v = RunnerVerification{Legacy: true}
		return nil
	}
	type plain RunnerVerification
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*v = RunnerVerification(p)
	return nil
}

// RunnerControllerState is whether a runner controller admits jobs.
type RunnerControllerState string

// Runner controller states.
const (
	// RunnerControllerStateDisabled ignores the controller (GitLab's default).
	RunnerControllerStateDisabled RunnerControllerState = "disabled"
	// RunnerControllerStateEnabled lets the controller admit or reject jobs.
	RunnerControllerStateEnabled RunnerControllerState = "enabled"
	// RunnerControllerStateDryRun evaluates jobs and reports decisions without enforcing them.
	RunnerControllerStateDryRun RunnerControllerState = "dry_run"
)

// Valid reports whether s is a state GitLab accepts.
func (s RunnerControllerState) Valid() bool {
	switch s {
	case RunnerControllerStateDisabled, RunnerControllerStateEnabled, RunnerControllerStateDryRun:
		return true
	}
	return false
}

// RunnerController is a runner controller: an admission controller for CI
// jobs (entities Ci::RunnerController and Ci::RunnerControllerDetail).
type RunnerController struct {
	ID          int64                 `json:"id"`
	Description string                `json:"description"`
	State       RunnerControllerState `json:"state"`
	CreatedAt   *time.Time            `json:"created_at"`
	UpdatedAt   *time.Time            `json:"updated_at"`
	// Connected is set only by RunnerControllers.Get (nil in lists and
	// create/update answers): true when an active token of the controller was
	// used within the last hour.
	Connected *bool `json:"connected,omitempty"`
}

// RunnerControllerToken is an authentication token of a runner controller.
// The secret Token is filled only in the answers of CreateToken and
// RotateToken; GitLab never shows it again. Printing the struct with %v or
// %+v does not show it.
type RunnerControllerToken struct {
	ID                 int64      `json:"id"`
	RunnerControllerID int64      `json:"runner_controller_id"`
	Description        string     `json:"description"`
	LastUsedAt         *time.Time `json:"last_used_at"`
	CreatedAt          *time.Time `json:"created_at"`
	UpdatedAt          *time.Time `json:"updated_at"`
	// Token is the secret ("glrct-…"), present only right after create or rotate.
	Token string `json:"token,omitempty"`
}

// RunnerControllerScopes lists where a runner controller applies: the whole
// instance, or selected instance runners. The two kinds exclude each other.
type RunnerControllerScopes struct {
	// InstanceLevelScopings has one element when the controller is instance-scoped, else none.
	InstanceLevelScopings []*RunnerControllerInstanceScoping `json:"instance_level_scopings"`
	RunnerLevelScopings   []*RunnerControllerRunnerScoping   `json:"runner_level_scopings"`
}

// InstanceScoped reports whether the controller applies to the whole instance.
func (s *RunnerControllerScopes) InstanceScoped() bool { return len(s.InstanceLevelScopings) > 0 }

// RunnerIDs returns the IDs of the runners the controller is scoped to.
func (s *RunnerControllerScopes) RunnerIDs() []int64 {
	ids := make([]int64, 0, len(s.RunnerLevelScopings))
	for _, r := range s.RunnerLevelScopings {
		ids = append(ids, r.RunnerID)
	}
	return ids
}

// RunnerControllerInstanceScoping is an instance-level scope of a runner controller.
type RunnerControllerInstanceScoping struct {
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// RunnerControllerRunnerScoping scopes a runner controller to one instance runner.
type RunnerControllerRunnerScoping struct {
	RunnerID  int64      `json:"runner_id"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
}
