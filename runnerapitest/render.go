package runnerapitest

import (
	"strconv"
	"strings"
	"time"
)

// stamp is a timestamp as GitLab renders it: UTC, ISO 8601, always exactly
// three fractional digits ("2025-01-02T03:04:05.000Z"; ActiveSupport's
// time_precision 3), never "…05Z" or nanoseconds.
type stamp time.Time

const stampLayout = "2006-01-02T15:04:05.000Z"

func (t stamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(stampLayout) + `"`), nil
}

// ts and tsp convert times for rendering; tsp keeps nil as JSON null.
func ts(t time.Time) stamp { return stamp(t) }

func tsp(t *time.Time) *stamp {
	if t == nil {
		return nil
	}
	st := stamp(*t)
	return &st
}

// JSON shapes, as the newest GitLab renders them.

type runnerJSON struct {
	ID                 int64      `json:"id"`
	Description        string     `json:"description"`
	IPAddress          *string    `json:"ip_address"`
	Active             bool       `json:"active"`
	Paused             bool       `json:"paused"`
	IsShared           bool       `json:"is_shared"`
	RunnerType         string     `json:"runner_type"`
	Name               *string    `json:"name"`
	Online             *bool      `json:"online"`
	CreatedBy          *userBasic `json:"created_by,omitempty"`
	CreatedAt          stamp      `json:"created_at"`
	Status             string     `json:"status"`
	JobExecutionStatus string     `json:"job_execution_status"`
}

type userBasic struct {
	ID        int64   `json:"id"`
	Username  string  `json:"username"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	Locked    bool    `json:"locked"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

type runnerDetailsJSON struct {
	runnerJSON
	TagList         []string            `json:"tag_list"`
	RunUntagged     bool                `json:"run_untagged"`
	Locked          bool                `json:"locked"`
	MaximumTimeout  *int64              `json:"maximum_timeout"`
	AccessLevel     string              `json:"access_level"`
	Version         *string             `json:"version"`
	Revision        *string             `json:"revision"`
	Platform        *string             `json:"platform"`
	Architecture    *string             `json:"architecture"`
	ContactedAt     *stamp              `json:"contacted_at"`
	MaintenanceNote *string             `json:"maintenance_note"`
	Projects        *[]basicProjectJSON `json:"projects,omitempty"`
	Groups          []groupJSON         `json:"groups"`
}

type projectJSON struct {
	ID                int64   `json:"id"`
	Description       *string `json:"description"`
	Name              string  `json:"name"`
	NameWithNamespace string  `json:"name_with_namespace"`
	Path              string  `json:"path"`
	PathWithNamespace string  `json:"path_with_namespace"`
	CreatedAt         stamp   `json:"created_at"`
}

// basicProjectJSON is Entities::BasicProjectDetails (GET /runners/:id/projects, RunnerDetails.projects).
type basicProjectJSON struct {
	projectJSON
	DefaultBranch  string        `json:"default_branch,omitempty"` // only with code access
	TagList        []string      `json:"tag_list"`
	Topics         []string      `json:"topics"`
	SSHURLToRepo   string        `json:"ssh_url_to_repo"`
	HTTPURLToRepo  string        `json:"http_url_to_repo"`
	WebURL         string        `json:"web_url"`
	ReadmeURL      *string       `json:"readme_url,omitempty"`  // only with code access
	ForksCount     *int          `json:"forks_count,omitempty"` // only with code access
	AvatarURL      *string       `json:"avatar_url"`
	StarCount      int           `json:"star_count"`
	LastActivityAt stamp         `json:"last_activity_at"`
	Visibility     string        `json:"visibility"`
	Namespace      namespaceJSON `json:"namespace"`
}

// namespaceJSON is Entities::NamespaceBasic.
type namespaceJSON struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Path      string  `json:"path"`
	Kind      string  `json:"kind"`
	FullPath  string  `json:"full_path"`
	ParentID  *int64  `json:"parent_id"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

type groupJSON struct {
	ID     int64  `json:"id"`
	WebURL string `json:"web_url"`
	Name   string `json:"name"`
}

type managerJSON struct {
	ID                 int64   `json:"id"`
	SystemID           string  `json:"system_id"`
	Version            *string `json:"version"`
	Revision           *string `json:"revision"`
	Platform           *string `json:"platform"`
	Architecture       *string `json:"architecture"`
	CreatedAt          stamp   `json:"created_at"`
	ContactedAt        *stamp  `json:"contacted_at"`
	IPAddress          *string `json:"ip_address"`
	Status             string  `json:"status"`
	JobExecutionStatus string  `json:"job_execution_status"`
}

type jobJSON struct {
	ID             int64        `json:"id"`
	Status         string       `json:"status"`
	Stage          string       `json:"stage"`
	Name           string       `json:"name"`
	Ref            string       `json:"ref"`
	Tag            bool         `json:"tag"`
	Coverage       *float64     `json:"coverage"`
	AllowFailure   bool         `json:"allow_failure"`
	CreatedAt      stamp        `json:"created_at"`
	StartedAt      *stamp       `json:"started_at"`
	FinishedAt     *stamp       `json:"finished_at"`
	ErasedAt       *stamp       `json:"erased_at"`
	Duration       *float64     `json:"duration"`
	QueuedDuration *float64     `json:"queued_duration"`
	User           *userBasic   `json:"user"`
	Commit         commitJSON   `json:"commit"`
	Pipeline       pipelineJSON `json:"pipeline"`
	FailureReason  string       `json:"failure_reason,omitempty"`
	WebURL         string       `json:"web_url"`
	Project        projectJSON  `json:"project"`
}

type commitJSON struct {
	ID             string   `json:"id"`
	ShortID        string   `json:"short_id"`
	CreatedAt      stamp    `json:"created_at"`
	ParentIDs      []string `json:"parent_ids"`
	Title          string   `json:"title"`
	Message        string   `json:"message"`
	AuthorName     string   `json:"author_name"`
	AuthorEmail    string   `json:"author_email"`
	AuthoredDate   stamp    `json:"authored_date"`
	CommitterName  string   `json:"committer_name"`
	CommitterEmail string   `json:"committer_email"`
	CommittedDate  stamp    `json:"committed_date"`
}

type pipelineJSON struct {
	ID        int64  `json:"id"`
	IID       int64  `json:"iid"`
	ProjectID int64  `json:"project_id"`
	SHA       string `json:"sha"`
	Ref       string `json:"ref"`
	Status    string `json:"status"`
	Source    string `json:"source"`
	CreatedAt stamp  `json:"created_at"`
	UpdatedAt stamp  `json:"updated_at"`
	WebURL    string `json:"web_url"`
}

type registrationJSON struct {
	ID             int64  `json:"id"`
	Token          string `json:"token"`
	TokenExpiresAt *stamp `json:"token_expires_at"`
}

type controllerJSON struct {
	ID          int64  `json:"id"`
	Description string `json:"description"`
	State       string `json:"state"`
	CreatedAt   stamp  `json:"created_at"`
	UpdatedAt   stamp  `json:"updated_at"`
	Connected   *bool  `json:"connected,omitempty"`
}

type ctrlTokenJSON struct {
	ID                 int64  `json:"id"`
	RunnerControllerID int64  `json:"runner_controller_id"`
	Description        string `json:"description"`
	LastUsedAt         *stamp `json:"last_used_at"`
	CreatedAt          stamp  `json:"created_at"`
	UpdatedAt          stamp  `json:"updated_at"`
	Token              string `json:"token,omitempty"`
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) webBase() string {
	if s.ext != "" {
		return s.ext
	}
	return s.srv.URL
}

func (s *Server) userBasic(u *user) *userBasic {
	if u == nil {
		return nil
	}
	return &userBasic{ID: u.id, Username: u.username, Name: u.name, State: "active", WebURL: s.webBase() + "/" + u.username}
}

func (s *Server) renderRunner(r *runner, now time.Time) runnerJSON {
	exec := "idle"
	if s.st.jobsRunning(r) {
		exec = "active"
	}
	return runnerJSON{
		ID: r.id, Description: r.description, Active: !r.paused, Paused: r.paused,
		IsShared: r.typ == instanceType, RunnerType: r.typ, Name: strp(r.name), Online: r.online(now),
		CreatedBy: s.userBasic(r.creator), CreatedAt: ts(r.createdAt), Status: r.status(now), JobExecutionStatus: exec,
	}
}

func (s *Server) renderProject(p *project) projectJSON {
	return projectJSON{ID: p.id, Name: p.name, NameWithNamespace: p.group.fullName() + " / " + p.name,
		Path: p.path, PathWithNamespace: p.fullPath(), CreatedAt: ts(p.created)}
}

// renderBasicProject renders p as u sees it: the repository fields only
// with code access (Reporter or more, as projects are private here).
func (s *Server) renderBasicProject(p *project, u *user) basicProjectJSON {
	base := s.webBase()
	host := strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://")
	host, _, _ = strings.Cut(host, "/")
	host, _, _ = strings.Cut(host, ":")
	g := p.group
	ns := namespaceJSON{ID: g.id, Name: g.name, Path: g.path, Kind: "group", FullPath: g.fullPath(), WebURL: base + "/groups/" + g.fullPath()}
	if g.parent != nil {
		id := g.parent.id
		ns.ParentID = &id
	}
	out := basicProjectJSON{
		projectJSON: s.renderProject(p), TagList: []string{}, Topics: []string{},
		SSHURLToRepo: "git@" + host + ":" + p.fullPath() + ".git", HTTPURLToRepo: base + "/" + p.fullPath() + ".git",
		WebURL: base + "/" + p.fullPath(), LastActivityAt: ts(p.created), Visibility: "private", Namespace: ns,
	}
	if u.admin || s.st.projectRole(u, p) >= RoleReporter {
		readme := out.WebURL + "/-/blob/main/README.md"
		forks := 0
		out.DefaultBranch, out.ReadmeURL, out.ForksCount = "main", &readme, &forks
	}
	return out
}

// renderDetails renders a runner's details as u may see them.
func (s *Server) renderDetails(r *runner, u *user, now time.Time, withProjects bool) runnerDetailsJSON {
	d := runnerDetailsJSON{
		runnerJSON: s.renderRunner(r, now), TagList: append([]string{}, r.tags...), RunUntagged: r.runUntagged,
		Locked: r.locked, MaximumTimeout: r.maximumTimeout, AccessLevel: r.accessLevel, ContactedAt: tsp(r.contactedAt),
		Groups: []groupJSON{},
	}
	if m := r.latestManager(); m != nil {
		d.Version, d.Revision, d.Platform, d.Architecture = strp(m.version), strp(m.revision), strp(m.platform), strp(m.arch)
	}
	if s.mayUpdate(u, r) {
		d.MaintenanceNote = strp(r.note)
	}
	if withProjects {
		ps := []basicProjectJSON{}
		for _, pid := range r.projectIDs {
			if p := s.st.projects[pid]; p != nil && (u.admin || s.st.projectRole(u, p) >= RoleReporter) {
				ps = append(ps, s.renderBasicProject(p, u))
			}
		}
		d.Projects = &ps
	}
	if g := s.st.groups[r.groupID]; g != nil && (u.admin || s.st.groupRole(u, g) >= RoleReporter) {
		d.Groups = append(d.Groups, groupJSON{ID: g.id, WebURL: s.webBase() + "/groups/" + g.fullPath(), Name: g.name})
	}
	return d
}

func (s *Server) renderManager(r *runner, m *manager, now time.Time) managerJSON {
	status := "offline"
	switch {
	case m.contactedAt == nil:
		status = "never_contacted"
		if !m.createdAt.After(now.Add(-staleAfter)) {
			status = "stale"
		}
	case !m.contactedAt.After(now.Add(-staleAfter)):
		status = "stale"
	case m.contactedAt.After(now.Add(-onlineWindow)):
		status = "online"
	}
	exec := "idle"
	if s.st.jobsRunning(r) {
		exec = "active"
	}
	return managerJSON{ID: m.id, SystemID: m.systemID, Version: strp(m.version), Revision: strp(m.revision),
		Platform: strp(m.platform), Architecture: strp(m.arch), CreatedAt: ts(m.createdAt), ContactedAt: tsp(m.contactedAt),
		IPAddress: strp(m.ip), Status: status, JobExecutionStatus: exec}
}

func (s *Server) renderJob(j *job) jobJSON {
	p := s.st.projects[j.projectID]
	pj := projectJSON{ID: j.projectID}
	web := s.webBase()
	if p != nil {
		pj = s.renderProject(p)
		web += "/" + p.fullPath()
	}
	sha := strconv.FormatInt(0x1f2e3d4c5b6a7980+j.id, 16)
	for len(sha) < 40 {
		sha += sha
	}
	sha = sha[:40]
	var u *user
	for _, cand := range s.st.users {
		if cand.id == j.userID {
			u = cand
		}
	}
	created := ts(j.createdAt)
	out := jobJSON{
		ID: j.id, Status: j.status, Stage: j.stage, Name: j.name, Ref: j.ref, CreatedAt: created,
		User: s.userBasic(u), WebURL: web + "/-/jobs/" + strconv.FormatInt(j.id, 10), Project: pj,
		Commit: commitJSON{ID: sha, ShortID: sha[:8], CreatedAt: created, ParentIDs: []string{}, Title: "Update " + j.name,
			Message: "Update " + j.name + "\n", AuthorName: "Maria Silva", AuthorEmail: "maria@example.com", AuthoredDate: created,
			CommitterName: "Maria Silva", CommitterEmail: "maria@example.com", CommittedDate: created},
		Pipeline: pipelineJSON{ID: j.pipeline, IID: j.pipeline, ProjectID: j.projectID, SHA: sha, Ref: j.ref, Status: j.status,
			Source: "push", CreatedAt: created, UpdatedAt: created, WebURL: web + "/-/pipelines/" + strconv.FormatInt(j.pipeline, 10)},
	}
	if j.status != "created" && j.status != "pending" {
		started := j.createdAt.Add(5 * time.Second)
		out.StartedAt = tsp(&started)
		q := 5.0
		out.QueuedDuration = &q
		if j.duration > 0 {
			d := j.duration
			finished := started.Add(time.Duration(d * float64(time.Second)))
			out.Duration, out.FinishedAt = &d, tsp(&finished)
		}
	}
	if j.status == "failed" {
		out.FailureReason = "script_failure"
	}
	return out
}

func renderController(c *controller) controllerJSON {
	return controllerJSON{ID: c.id, Description: c.description, State: c.state, CreatedAt: ts(c.createdAt), UpdatedAt: ts(c.updatedAt)}
}

func renderCtrlToken(c *controller, t *ctrlToken, withSecret bool) ctrlTokenJSON {
	out := ctrlTokenJSON{ID: t.id, RunnerControllerID: c.id, Description: t.description, LastUsedAt: tsp(t.lastUsedAt),
		CreatedAt: ts(t.createdAt), UpdatedAt: ts(t.updatedAt)}
	if withSecret {
		out.Token = t.token
	}
	return out
}
