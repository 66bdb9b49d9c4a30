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
	// ID is the runner's numeric ID, the one every runner endpoint takes.
	ID int64 `json:"id"`
	// Description is the runner's free-form description; empty when GitLab sends null.
	Description string `json:"description"`
	// IPAddress is empty on current GitLab (it sends null or ""); old servers sent the runner's IP.
	IPAddress string `json:"ip_address"`
	// Deprecated: Active is !Paused; nil when the server omits it. Use Paused or IsPaused.
	Active *bool `json:"active,omitempty"`
	// Paused is true when the runner ignores new jobs.
	Paused bool `json:"paused"`
	// IsShared is true for instance runners (RunnerType instance_type).
	IsShared bool `json:"is_shared"`
	// RunnerType is whether the runner belongs to the instance, a group or a project.
	RunnerType RunnerType `json:"runner_type"`
	// Name is the name the runner reported (at most 256 characters); often empty.
	Name string `json:"name"`
	// Online is nil when the runner never contacted GitLab.
	Online *bool `json:"online"`
	// Status is GitLab's status string, which may be the deprecated "paused".
	Status RunnerStatus `json:"status"`
	// JobExecutionStatus is active while the runner runs jobs, idle otherwise (newer servers).
	JobExecutionStatus JobExecutionStatus `json:"job_execution_status,omitempty"`
	// CreatedBy is nil unless the caller may see the creator (newer servers only).
	CreatedBy *User `json:"created_by,omitempty"`
	// CreatedAt is when the runner was created or registered (newer servers).
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
	// TagList is the runner's tags; jobs must carry a subset of them to run here.
	TagList []string `json:"tag_list"`
	// RunUntagged lets the runner pick up jobs without tags.
	RunUntagged bool `json:"run_untagged"`
	// Locked keeps a project runner from being assigned to other projects.
	Locked bool `json:"locked"`
	// MaximumTimeout is in seconds; nil means no limit.
	MaximumTimeout *int64 `json:"maximum_timeout"`
	// AccessLevel ref_protected limits the runner to jobs of protected branches and tags.
	AccessLevel AccessLevel `json:"access_level"`
	// Version, Revision, Platform and Architecture come from the most recently
	// contacted runner manager (deprecated by GitLab; see Runners.ListManagers).
	Version string `json:"version"`
	// Revision: see Version.
	Revision string `json:"revision"`
	// Platform: see Version.
	Platform string `json:"platform"`
	// Architecture: see Version.
	Architecture string `json:"architecture"`
	// ContactedAt is the runner's last contact with GitLab; nil if never. GitLab persists it
	// only every 40 to 55 minutes, so it may lag.
	ContactedAt *time.Time `json:"contacted_at"`
	// MaintenanceNote is empty unless the caller may update the runner.
	MaintenanceNote string `json:"maintenance_note"`
	// Projects is nil when requested with GetRunnerOptions.IncludeProjects
	// set to false; otherwise admins and auditors see every project, others
	// only those they may read.
	Projects []*Project `json:"projects,omitempty"`
	// Groups are the groups of a group runner that the caller may see.
	Groups []*Group `json:"groups,omitempty"`
}

// RunnerManager is one machine (system_id) running a runner's configuration.
type RunnerManager struct {
	// ID is the manager's numeric ID.
	ID int64 `json:"id"`
	// SystemID is "<legacy>" for managers created without one.
	SystemID string `json:"system_id"`
	// Version is the gitlab-runner version the manager reported, e.g. "17.1.0".
	Version string `json:"version"`
	// Revision is the gitlab-runner commit the manager reported.
	Revision string `json:"revision"`
	// Platform is the manager's operating system, e.g. "linux".
	Platform string `json:"platform"`
	// Architecture is the manager's CPU architecture, e.g. "amd64".
	Architecture string `json:"architecture"`
	// IPAddress is the address the manager last contacted GitLab from.
	IPAddress string `json:"ip_address"`
	// Status is the manager's connection status (online, offline, stale, never_contacted).
	Status RunnerStatus `json:"status"`
	// JobExecutionStatus is active while the manager runs jobs, idle otherwise (newer servers).
	JobExecutionStatus JobExecutionStatus `json:"job_execution_status,omitempty"`
	// CreatedAt is when the manager first contacted GitLab.
	CreatedAt *time.Time `json:"created_at"`
	// ContactedAt is the manager's last contact with GitLab.
	ContactedAt *time.Time `json:"contacted_at"`
}

// Job is a job run by a runner (entity Ci::JobBasicWithProject).
type Job struct {
	// ID is the job's numeric ID.
	ID int64 `json:"id"`
	// Status is the job's status; unknown values from newer servers decode unchanged.
	Status JobStatus `json:"status"`
	// Stage is the pipeline stage the job belongs to, e.g. "test".
	Stage string `json:"stage"`
	// Name is the job's name from the CI configuration.
	Name string `json:"name"`
	// Ref is the branch or tag the job ran for.
	Ref string `json:"ref"`
	// Tag is true when Ref is a tag.
	Tag bool `json:"tag"`
	// Coverage is the test coverage percentage the job reported; nil if none.
	Coverage *float64 `json:"coverage"`
	// AllowFailure is true when the job may fail without failing the pipeline.
	AllowFailure bool `json:"allow_failure"`
	// CreatedAt is when the job was created.
	CreatedAt *time.Time `json:"created_at"`
	// StartedAt is when a runner started the job; nil if it has not started.
	StartedAt *time.Time `json:"started_at"`
	// FinishedAt is when the job finished; nil while it runs.
	FinishedAt *time.Time `json:"finished_at"`
	// ErasedAt is when the job's log and artifacts were erased; nil if never.
	ErasedAt *time.Time `json:"erased_at"`
	// Duration and QueuedDuration are in seconds.
	Duration *float64 `json:"duration"`
	// QueuedDuration is how long the job waited for a runner, in seconds.
	QueuedDuration *float64 `json:"queued_duration"`
	// User is who started the job (entity User); nil for some system-triggered jobs.
	User *User `json:"user"`
	// Commit is the commit the job ran on.
	Commit *Commit `json:"commit"`
	// Pipeline is the job's pipeline.
	Pipeline *Pipeline `json:"pipeline"`
	// FailureReason is empty unless the job failed.
	FailureReason string `json:"failure_reason,omitempty"`
	// WebURL is the job's page in the GitLab UI.
	WebURL string `json:"web_url"`
	// Project is the job's project (entity ProjectIdentity: ID, names, paths, CreatedAt).
	Project *Project `json:"project"`
}

// Project is a project as GitLab shows it in runner answers (entities
// BasicProjectDetails and ProjectIdentity; the latter fills fewer fields).
type Project struct {
	// ID is the project's numeric ID.
	ID int64 `json:"id"`
	// Description is the project's description; empty when GitLab sends null.
	Description string `json:"description"`
	// Name is the project's display name.
	Name string `json:"name"`
	// NameWithNamespace is the display name with its groups, e.g. "Acme / Infra / platform".
	NameWithNamespace string `json:"name_with_namespace"`
	// Path is the project's URL path segment.
	Path string `json:"path"`
	// PathWithNamespace is the full path, e.g. "acme/infra/platform"; ProjectPath takes it.
	PathWithNamespace string `json:"path_with_namespace"`
	// CreatedAt is when the project was created.
	CreatedAt *time.Time `json:"created_at,omitempty"`
	// DefaultBranch is set only when the caller may read the code.
	DefaultBranch string `json:"default_branch,omitempty"`
	// Deprecated: TagList mirrors Topics.
	TagList []string `json:"tag_list,omitempty"`
	// Topics are the project's topics.
	Topics []string `json:"topics,omitempty"`
	// SSHURLToRepo is the SSH clone URL.
	SSHURLToRepo string `json:"ssh_url_to_repo,omitempty"`
	// HTTPURLToRepo is the HTTPS clone URL.
	HTTPURLToRepo string `json:"http_url_to_repo,omitempty"`
	// WebURL is the project's page in the GitLab UI.
	WebURL string `json:"web_url,omitempty"`
	// ReadmeURL is set only when the caller may read the code.
	ReadmeURL string `json:"readme_url,omitempty"`
	// ForksCount is set only when the caller may read the code.
	ForksCount int64 `json:"forks_count,omitempty"`
	// LicenseURL is the detected licence file's URL, if any.
	LicenseURL string `json:"license_url,omitempty"`
	// License is the detected licence, if any.
	License *License `json:"license,omitempty"`
	// AvatarURL is the project's avatar; empty if none.
	AvatarURL string `json:"avatar_url,omitempty"`
	// StarCount is how many users starred the project.
	StarCount int64 `json:"star_count,omitempty"`
	// LastActivityAt is the project's last activity.
	LastActivityAt *time.Time `json:"last_activity_at,omitempty"`
	// Visibility is "private", "internal" or "public" (newest servers).
	Visibility string `json:"visibility,omitempty"`
	// Namespace is the group or user namespace the project lives in.
	Namespace *Namespace `json:"namespace,omitempty"`
	// RepositoryStorage is the storage shard holding the repository (administrators only, newest servers).
	RepositoryStorage string `json:"repository_storage,omitempty"`
	// CustomAttributes are administrator-set attributes (administrators only, newest servers).
	CustomAttributes []*CustomAttribute `json:"custom_attributes,omitempty"`
}

// License is a project's detected licence.
type License struct {
	// Key is the licence's identifier, e.g. "mit".
	Key string `json:"key"`
	// Name is the licence's full name, e.g. "MIT License".
	Name string `json:"name"`
	// Nickname is a short name, if the licence has one.
	Nickname string `json:"nickname"`
	// HTMLURL is a page describing the licence.
	HTMLURL string `json:"html_url"`
	// SourceURL is the licence text's canonical source.
	SourceURL string `json:"source_url"`
}

// Namespace is the group or user namespace a project lives in.
type Namespace struct {
	// ID is the namespace's numeric ID (the group ID for a group namespace).
	ID int64 `json:"id"`
	// Name is the namespace's display name.
	Name string `json:"name"`
	// Path is the namespace's own URL path segment.
	Path string `json:"path"`
	// Kind is "group" or "user".
	Kind string `json:"kind"`
	// FullPath is the full path, e.g. "acme/infra"; GroupPath takes it.
	FullPath string `json:"full_path"`
	// ParentID is the parent group's ID; nil for a top-level group or a user namespace.
	ParentID *int64 `json:"parent_id"`
	// AvatarURL is the namespace's avatar; empty if none.
	AvatarURL string `json:"avatar_url"`
	// WebURL is the namespace's page in the GitLab UI.
	WebURL string `json:"web_url"`
}

// Group is a group a runner belongs to (entity BasicGroupDetails).
type Group struct {
	// ID is the group's numeric ID.
	ID int64 `json:"id"`
	// Name is the group's display name.
	Name string `json:"name"`
	// WebURL is the group's page in the GitLab UI.
	WebURL string `json:"web_url"`
}

// User is a GitLab user as embedded in runner and job answers: entity
// UserBasic in Runner.CreatedBy, entity User in Job.User. Which fields are
// filled depends on the server version and the caller's permissions; a
// field GitLab did not send keeps its zero value.
type User struct {
	// ID is the user's numeric ID.
	ID int64 `json:"id"`
	// Username is the user's handle, as in WithSudo.
	Username string `json:"username"`
	// Name is the user's display name.
	Name string `json:"name"`
	// State is the account state, e.g. "active" or "blocked".
	State string `json:"state"`
	// Locked is true while the account is locked after failed sign-ins.
	Locked bool `json:"locked,omitempty"`
	// AvatarURL is the user's avatar.
	AvatarURL string `json:"avatar_url"`
	// AvatarPath is the avatar's path on the server (sent only with some configurations).
	AvatarPath string `json:"avatar_path,omitempty"`
	// WebURL is the user's profile page.
	WebURL string `json:"web_url"`
	// CreatedAt is set only when the caller may read the user's profile.
	CreatedAt *time.Time `json:"created_at,omitempty"`
	// Bio is the profile's free-form biography.
	Bio string `json:"bio,omitempty"`
	// Location is the profile's free-form location.
	Location string `json:"location,omitempty"`
	// PublicEmail is the e-mail address the user chose to show; empty if none.
	PublicEmail string `json:"public_email,omitempty"`
	// Deprecated: the newest GitLab no longer sends skype; older servers do.
	Skype string `json:"skype,omitempty"`
	// Linkedin is the user's LinkedIn handle.
	Linkedin string `json:"linkedin,omitempty"`
	// Twitter is the user's X/Twitter handle.
	Twitter string `json:"twitter,omitempty"`
	// Discord is the user's Discord user ID.
	Discord string `json:"discord,omitempty"`
	// GitHub is the user's GitHub handle (newest servers).
	GitHub string `json:"github,omitempty"`
	// WebsiteURL is the user's website.
	WebsiteURL string `json:"website_url,omitempty"`
	// Organization is the profile's organisation.
	Organization string `json:"organization,omitempty"`
	// JobTitle is the profile's job title.
	JobTitle string `json:"job_title,omitempty"`
	// Pronouns are the profile's pronouns.
	Pronouns string `json:"pronouns,omitempty"`
	// Bot is true for bot users (project and group access tokens, service accounts).
	Bot bool `json:"bot,omitempty"`
	// WorkInformation combines JobTitle and Organization as GitLab shows them.
	WorkInformation string `json:"work_information,omitempty"`
	// LocalTime is the user's local time as GitLab renders it, e.g. "3:04 PM".
	LocalTime string `json:"local_time,omitempty"`
	// Followers is how many users follow this one, sent only where the
	// user's profile is public to the caller (newest servers).
	Followers int64 `json:"followers,omitempty"`
	// Following is how many users this one follows; sent like Followers.
	Following int64 `json:"following,omitempty"`
	// IsFollowed reports whether the caller follows this user (newest servers, when sent).
	IsFollowed *bool `json:"is_followed,omitempty"`
	// CustomAttributes are administrator-set attributes, sent to administrators only.
	CustomAttributes []*CustomAttribute `json:"custom_attributes,omitempty"`
}

// CustomAttribute is an administrator-set key/value attribute of a user or project.
type CustomAttribute struct {
	// Key is the attribute's name.
	Key string `json:"key"`
	// Value is the attribute's value.
	Value string `json:"value"`
}

// Commit is the commit a job ran on.
type Commit struct {
	// ID is the full commit SHA.
	ID string `json:"id"`
	// ShortID is the SHA's first 8 characters.
	ShortID string `json:"short_id"`
	// Title is the first line of Message.
	Title string `json:"title"`
	// Message is the full commit message.
	Message string `json:"message"`
	// ParentIDs are the SHAs of the parent commits.
	ParentIDs []string `json:"parent_ids"`
	// AuthorName and AuthorEmail identify the author.
	AuthorName string `json:"author_name"`
	// AuthorEmail: see AuthorName.
	AuthorEmail string `json:"author_email"`
	// AuthoredDate is when the commit was authored.
	AuthoredDate *time.Time `json:"authored_date"`
	// CommitterName and CommitterEmail identify the committer.
	CommitterName string `json:"committer_name"`
	// CommitterEmail: see CommitterName.
	CommitterEmail string `json:"committer_email"`
	// CommittedDate is when the commit was committed.
	CommittedDate *time.Time `json:"committed_date"`
	// CreatedAt is GitLab's creation time of the commit (the committed date).
	CreatedAt *time.Time `json:"created_at"`
	// Trailers are the Git trailers of the message ("Signed-off-by: …"),
	// the last value per key (newest servers; nil when not sent).
	Trailers map[string]string `json:"trailers,omitempty"`
	// ExtendedTrailers are the Git trailers with every value per key (newest servers).
	ExtendedTrailers map[string][]string `json:"extended_trailers,omitempty"`
	// WebURL is the commit's page in the GitLab UI (newest servers).
	WebURL string `json:"web_url,omitempty"`
}

// Pipeline is the pipeline a job belongs to (entity PipelineBasic).
type Pipeline struct {
	// ID is the pipeline's instance-wide numeric ID.
	ID int64 `json:"id"`
	// IID is the pipeline's number within its project (newer servers).
	IID int64 `json:"iid"`
	// ProjectID is the pipeline's project.
	ProjectID int64 `json:"project_id"`
	// SHA is the commit the pipeline ran on.
	SHA string `json:"sha"`
	// Ref is the branch or tag the pipeline ran for.
	Ref string `json:"ref"`
	// Status is the pipeline's status, e.g. "running" or "failed".
	Status string `json:"status"`
	// Source is what started the pipeline, e.g. "push", "schedule" or "web".
	Source string `json:"source"`
	// CreatedAt is when the pipeline was created.
	CreatedAt *time.Time `json:"created_at"`
	// UpdatedAt is the pipeline's last change.
	UpdatedAt *time.Time `json:"updated_at"`
	// WebURL is the pipeline's page in the GitLab UI.
	WebURL string `json:"web_url"`
}

// RunnerRegistration is the answer to registering or creating a runner: its
// ID and authentication token ("glrt-…" for runners created with Create).
// Printing it with %v or %+v does not show the token.
type RunnerRegistration struct {
	// ID is the new runner's numeric ID.
	ID int64 `json:"id"`
	// Token is the runner's authentication token, shown only in this answer; put it into the
	// runner's config.toml.
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
		return fmt.Errorf("runner registration id: %w", err)
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
	// ID is the runner's ID (0 from old servers, which send no body).
	ID int64 `json:"id"`
	// Token is the runner token GitLab confirmed; a secret, redacted when printed.
	Token string `json:"token"`
	// TokenExpiresAt is when the token expires; nil when it never does.
	TokenExpiresAt *time.Time `json:"token_expires_at"`
	// Legacy is true when the server confirmed the token without a JSON body.
	Legacy bool `json:"-"`
}

// decodeRawBody accepts exactly the answers a server gives to a valid
// token: current GitLab's JSON object with the runner's id, or old servers' bare 200 (as a number
// or a JSON string, or an empty body with status 200), which set Legacy.
// Anything else (an SSO login page, "OK", null, an empty 201) is an error.
func (v *RunnerVerification) decodeRawBody(status int, b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 && status == 200:
		*v = RunnerVerification{Legacy: true}
		return nil
	case len(b) == 0:
		return errEmptyBody
	case b[0] == '{':
		var got RunnerVerification
		if err := json.Unmarshal(b, &got); err != nil {
			return err
		}
		if got.ID <= 0 {
			// GitLab's answer names the runner; an object without its id
			// is someone else's (a proxy's or a login page's JSON).
			return errNotVerification
		}
		*v = got
		return nil
	}
	if s := string(b); s == "200" || s == `"200"` {
		*v = RunnerVerification{Legacy: true}
		return nil
	}
	return errNotVerification
}

// TokenWithExpiry is a freshly reset token (entity ResetTokenResult).
// Registration tokens carry no expiry, so TokenExpiresAt is nil for them.
type TokenWithExpiry struct {
	// Token is the new token, shown only in this answer.
	Token string `json:"token"`
	// TokenExpiresAt is when Token expires; nil when it does not.
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
	// ID is the controller's numeric ID.
	ID int64 `json:"id"`
	// Description is the controller's free-form description.
	Description string `json:"description"`
	// State is whether the controller admits jobs, only reports (dry run), or is disabled.
	State RunnerControllerState `json:"state"`
	// CreatedAt is when the controller was created.
	CreatedAt *time.Time `json:"created_at"`
	// UpdatedAt is the controller's last change.
	UpdatedAt *time.Time `json:"updated_at"`
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
	// ID is the token's numeric ID; RotateToken gives the replacement a new one.
	ID int64 `json:"id"`
	// RunnerControllerID is the controller the token belongs to.
	RunnerControllerID int64 `json:"runner_controller_id"`
	// Description is the token's free-form description.
	Description string `json:"description"`
	// LastUsedAt is the token's last use; nil if never used (GitLab 18.10+).
	LastUsedAt *time.Time `json:"last_used_at"`
	// CreatedAt is when the token was created.
	CreatedAt *time.Time `json:"created_at"`
	// UpdatedAt is the token's last change.
	UpdatedAt *time.Time `json:"updated_at"`
	// Token is the secret ("glrct-…"), present only right after create or rotate.
	Token string `json:"token,omitempty"`
}

// RunnerControllerScopes lists where a runner controller applies: the whole
// instance, or selected instance runners. The two kinds exclude each other.
type RunnerControllerScopes struct {
	// InstanceLevelScopings has one element when the controller is instance-scoped, else none.
	InstanceLevelScopings []*RunnerControllerInstanceScoping `json:"instance_level_scopings"`
	// RunnerLevelScopings lists the instance runners the controller is scoped to.
	RunnerLevelScopings []*RunnerControllerRunnerScoping `json:"runner_level_scopings"`
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
	// CreatedAt is when the scope was added.
	CreatedAt *time.Time `json:"created_at"`
	// UpdatedAt is the scope's last change.
	UpdatedAt *time.Time `json:"updated_at"`
}

// RunnerControllerRunnerScoping scopes a runner controller to one instance runner.
type RunnerControllerRunnerScoping struct {
	// RunnerID is the scoped instance runner.
	RunnerID int64 `json:"runner_id"`
	// CreatedAt is when the scope was added.
	CreatedAt *time.Time `json:"created_at"`
	// UpdatedAt is the scope's last change.
	UpdatedAt *time.Time `json:"updated_at"`
}
