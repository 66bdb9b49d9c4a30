package runnerapitest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/runnerkit/runnerapi"
)

// User is a seeded user and its personal access token.
type User struct {
	ID       int64
	Username string
	Token    string
}

// AddUser adds a user with a personal access token (scopes api and, for
// administrators, sudo). Use ClientAs to call the API as this user.
func (s *Server) AddUser(username string, admin bool) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.addUser(username, username, admin, secret("glpat-"))
	return User{ID: u.id, Username: u.username, Token: u.token}
}

// Users returns every user with its token, the administrator "root" (id 1) first.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.st.users))
	for _, u := range s.st.users {
		out = append(out, User{ID: u.id, Username: u.username, Token: u.token})
	}
	return out
}

// Namespace is a seeded group or project.
type Namespace struct {
	ID                int64
	FullPath          string
	RegistrationToken string
}

// AddGroup adds a group below parentID (0 for a top-level group). path is
// one segment (the group's own path, e.g. "infra"); the full path is the
// parent's plus "/" plus path, as Namespace.FullPath reports. It panics on a
// path with a "/" or an unknown parent.
func (s *Server) AddGroup(path string, parentID int64) Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	if path == "" || strings.Contains(path, "/") {
		panic(fmt.Sprintf("runnerapitest: AddGroup: path %q must be one non-empty segment", path))
	}
	if parentID != 0 && s.st.groups[parentID] == nil {
		panic(fmt.Sprintf("runnerapitest: AddGroup: no parent group %d", parentID))
	}
	g := &group{id: s.st.id("group"), name: path, path: path, parent: s.st.groups[parentID], members: map[int64]int{}}
	g.regToken = s.st.newRegToken(regScope{kind: "group_type", id: g.id})
	s.st.groups[g.id] = g
	return Namespace{ID: g.id, FullPath: g.fullPath(), RegistrationToken: g.regToken}
}

// AddProject adds a project to a group; path is one segment, like AddGroup's.
func (s *Server) AddProject(path string, groupID int64) Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	if path == "" || strings.Contains(path, "/") {
		panic(fmt.Sprintf("runnerapitest: AddProject: path %q must be one non-empty segment", path))
	}
	g := s.st.groups[groupID]
	if g == nil {
		panic(fmt.Sprintf("runnerapitest: AddProject: no group %d", groupID))
	}
	p := &project{id: s.st.id("project"), name: path, path: path, group: g, members: map[int64]int{}, created: s.now().Add(-200 * 24 * time.Hour)}
	p.regToken = s.st.newRegToken(regScope{kind: "project_type", id: p.id})
	s.st.projects[p.id] = p
	return Namespace{ID: p.id, FullPath: p.fullPath(), RegistrationToken: p.regToken}
}

// AddGroupMember gives a user a role (RoleGuest … RoleOwner) in a group and its subgroups and projects.
func (s *Server) AddGroupMember(groupID, userID int64, role int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.st.groups[groupID]
	if g == nil {
		panic(fmt.Sprintf("runnerapitest: AddGroupMember: no group %d", groupID))
	}
	g.members[userID] = role
}

// AddProjectMember gives a user a role in a project.
func (s *Server) AddProjectMember(projectID, userID int64, role int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.projects[projectID]
	if p == nil {
		panic(fmt.Sprintf("runnerapitest: AddProjectMember: no project %d", projectID))
	}
	p.members[userID] = role
}

// ManagerSpec describes a runner manager (a machine running the runner).
type ManagerSpec struct {
	SystemID, Version, Revision, Platform, Architecture, IPAddress string
	ContactedAt                                                    *time.Time
}

// RunnerSpec describes a runner to seed. Zero values take GitLab's defaults.
type RunnerSpec struct {
	Type           runnerapi.RunnerType // instance_type (default), group_type or project_type
	Description    string
	Name           string
	Tags           []string
	Paused         bool
	Locked         bool
	NoUntagged     bool                  // run_untagged false (needs Tags)
	AccessLevel    runnerapi.AccessLevel // not_protected (default) or ref_protected
	MaximumTimeout *int64
	Note           string
	CreatedAt      time.Time  // default: the clock's now
	ContactedAt    *time.Time // nil: never contacted
	GroupID        int64      // for group runners
	ProjectIDs     []int64    // for project runners; the first owns it
	Managers       []ManagerSpec
	CreatedBy      int64 // user id, 0 for none
}

// Runner is a seeded runner and its authentication token.
type Runner struct {
	ID    int64
	Token string
}

// AddRunner seeds one runner.
func (s *Server) AddRunner(spec RunnerSpec) Runner {
	return s.AddRunners(1, spec)[0]
}

// AddRunners seeds n runners alike but for their ids and tokens (fast for
// large fleets). It panics on a type or access level GitLab does not know,
// or on a group or project runner without its group or projects.
func (s *Server) AddRunners(n int, spec RunnerSpec) []Runner {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	typ := string(spec.Type)
	if typ == "" {
		typ = instanceType
	}
	level := string(spec.AccessLevel)
	if level == "" {
		level = notProtected
	}
	switch {
	case !contains(runnerTypes, typ):
		panic(fmt.Sprintf("runnerapitest: AddRunners: unknown runner type %q", typ))
	case !contains(accessLevels, level):
		panic(fmt.Sprintf("runnerapitest: AddRunners: unknown access level %q", level))
	case typ == groupType && s.st.groups[spec.GroupID] == nil:
		panic(fmt.Sprintf("runnerapitest: AddRunners: group runner needs an existing GroupID, got %d", spec.GroupID))
	case typ == projectType && len(spec.ProjectIDs) == 0:
		panic("runnerapitest: AddRunners: project runner needs ProjectIDs")
	}
	out := make([]Runner, 0, n)
	for range n {
		r := &runner{id: s.st.id("runner"), typ: typ, description: spec.Description, name: spec.Name,
			tags: slices.Clone(spec.Tags), paused: spec.Paused, locked: spec.Locked, runUntagged: !spec.NoUntagged,
			accessLevel: level, maximumTimeout: spec.MaximumTimeout, note: spec.Note,
			createdAt: spec.CreatedAt, contactedAt: spec.ContactedAt, groupID: spec.GroupID}
		if r.tags == nil {
			r.tags = []string{}
		}
		if r.createdAt.IsZero() {
			r.createdAt = now
		}
		r.updatedAt = r.createdAt
		for _, pid := range spec.ProjectIDs {
			r.link(pid, r.createdAt)
		}
		for _, u := range s.st.users {
			if u.id == spec.CreatedBy {
				r.creator = u
			}
		}
		for _, m := range spec.Managers {
			updated := r.createdAt
			if m.ContactedAt != nil {
				updated = *m.ContactedAt
			}
			r.managers = append(r.managers, &manager{id: s.st.id("manager"), systemID: m.SystemID, version: m.Version,
				revision: m.Revision, platform: m.Platform, arch: m.Architecture, ip: m.IPAddress, createdAt: r.createdAt,
				updatedAt: updated, contactedAt: m.ContactedAt})
		}
		s.newRunnerToken(r, true)
		s.st.insertRunner(r)
		out = append(out, Runner{ID: r.id, Token: r.token})
	}
	return out
}

// JobSpec describes a job that ran (or runs) on a runner.
type JobSpec struct {
	RunnerID, ProjectID, UserID int64
	Status                      runnerapi.JobStatus // default success
	Name, Stage, Ref, SystemID  string
	CreatedAt                   time.Time
	Duration                    float64 // seconds
}

// AddJobs seeds n jobs alike but for their ids; it returns the ids. It
// panics on a job status GitLab does not know.
func (s *Server) AddJobs(n int, spec JobSpec) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	status := string(spec.Status)
	if status == "" {
		status = "success"
	}
	if !contains(jobStatuses, status) {
		panic(fmt.Sprintf("runnerapitest: AddJobs: unknown job status %q", status))
	}
	ids := make([]int64, 0, n)
	for range n {
		j := &job{id: s.st.id("job"), runnerID: spec.RunnerID, projectID: spec.ProjectID, userID: spec.UserID,
			status: status, name: spec.Name, stage: spec.Stage, ref: spec.Ref, systemID: spec.SystemID,
			createdAt: spec.CreatedAt, duration: spec.Duration}
		if j.name == "" {
			j.name = "test"
		}
		if j.stage == "" {
			j.stage = "test"
		}
		if j.ref == "" {
			j.ref = "main"
		}
		if j.createdAt.IsZero() {
			j.createdAt = s.now()
		}
		j.pipeline = 1000 + j.id/3
		if j.status == "running" {
			s.st.running[j.runnerID]++
		}
		s.st.jobs = append(s.st.jobs, j)
		ids = append(ids, j.id)
	}
	return ids
}

// InstanceRegistrationToken returns the instance's current registration token.
func (s *Server) InstanceRegistrationToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.instanceReg
}

// SetRegistrationEnabled switches registration with registration tokens;
// when off, POST /runners answers 410 Gone and the registration-token resets 403.
func (s *Server) SetRegistrationEnabled(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.regDisabled = !on
}

// SetJobRouter makes GET /runners/router/discovery answer serverURL (the
// job router's KAS address); "" (the default) answers 501 Not Implemented.
func (s *Server) SetJobRouter(serverURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.jobRouter = serverURL
}

// SetControllersLicensed switches the Ultimate licence of runner
// controllers; without it every controller endpoint answers 404.
func (s *Server) SetControllersLicensed(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.unlicensed = !on
}

// AddController seeds a runner controller in state (disabled, enabled or
// dry_run; "" is disabled) and returns its id. It panics on another state.
func (s *Server) AddController(description string, state runnerapi.RunnerControllerState) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := string(state)
	if st == "" {
		st = controllerDisabled
	}
	if !contains(controllerStates, st) {
		panic(fmt.Sprintf("runnerapitest: AddController: unknown state %q", st))
	}
	now := s.now()
	ctl := &controller{id: s.st.id("controller"), description: description, state: st, createdAt: now, updatedAt: now}
	s.st.controllers = append(s.st.controllers, ctl)
	s.st.ctrlByID[ctl.id] = ctl
	return ctl.id
}

// AddControllerToken seeds an active token of a controller, last used at
// lastUsed (nil for never); it returns the token's id and secret.
func (s *Server) AddControllerToken(controllerID int64, description string, lastUsed *time.Time) (int64, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctl := s.st.ctrlByID[controllerID]
	if ctl == nil {
		panic(fmt.Sprintf("runnerapitest: AddControllerToken: no controller %d", controllerID))
	}
	t := s.mintToken(ctl, description, s.now())
	s.st.counters.ControllerTokensCreated-- // seeding is not an API create
	t.lastUsedAt = lastUsed
	return t.id, t.token
}

// RunnerState is a snapshot of a runner, for assertions.
type RunnerState struct {
	ID              int64
	Type            string
	Description     string
	Name            string
	Paused          bool
	Locked          bool
	RunUntagged     bool
	AccessLevel     string
	MaximumTimeout  *int64
	MaintenanceNote string
	Tags            []string
	GroupID         int64
	ProjectIDs      []int64
	Managers        []string // system ids
	ContactedAt     *time.Time
	UpdatedAt       time.Time
	Token           string
}

// Runner returns a snapshot of runner id, and false if it does not exist.
func (s *Server) Runner(id int64) (RunnerState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.runnerByID[id]
	if r == nil {
		return RunnerState{}, false
	}
	rs := RunnerState{ID: r.id, Type: r.typ, Description: r.description, Name: r.name, Paused: r.paused, Locked: r.locked,
		RunUntagged: r.runUntagged, AccessLevel: r.accessLevel, MaximumTimeout: r.maximumTimeout, MaintenanceNote: r.note,
		Tags: slices.Clone(r.tags), GroupID: r.groupID, ProjectIDs: slices.Clone(r.projectIDs), ContactedAt: r.contactedAt,
		UpdatedAt: r.updatedAt, Token: r.token}
	for _, m := range r.managers {
		rs.Managers = append(rs.Managers, m.systemID)
	}
	return rs, true
}

// RunnerIDs returns the ids of all runners, ascending.
func (s *Server) RunnerIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, len(s.st.runners))
	for i, r := range s.st.runners {
		ids[i] = r.id
	}
	return ids
}

// ControllerTokenCount returns the number of active tokens of a controller.
func (s *Server) ControllerTokenCount(controllerID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctl := s.st.ctrlByID[controllerID]
	if ctl == nil {
		return 0
	}
	return len(activeTokens(ctl))
}

// ControllerIDs returns the ids of all controllers, ascending.
func (s *Server) ControllerIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, len(s.st.controllers))
	for i, c := range s.st.controllers {
		ids[i] = c.id
	}
	return ids
}

func ptr[T any](v T) *T { return &v }
