package runnerapitest

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/runnerkit/runnerapi"
)

// SeedFile is the JSON document LoadSeed reads (cmd/fakegitlab -seed FILE).
// testdata/seed/example.json in the repository shows every field. Users,
// groups and projects are referred to by username and full path; runners by
// their optional "key". Times are RFC 3339 ("2026-11-20T12:00:00Z") or a Go
// duration relative to the server clock's now ("-3m", "-45h"). Unknown fields
// are errors, so a typo cannot pass silently.
type SeedFile struct {
	// Users besides the administrator "root". A user without a token gets a random one.
	Users []SeedUser `json:"users"`
	// Groups, parents before children.
	Groups   []SeedGroup   `json:"groups"`
	Projects []SeedProject `json:"projects"`
	Runners  []SeedRunner  `json:"runners"`
	Jobs     []SeedJob     `json:"jobs"`
	// InstanceRegistrationToken replaces the random instance registration token.
	InstanceRegistrationToken string `json:"instance_registration_token"`
	// RegistrationDisabled makes POST /runners answer 410 Gone.
	RegistrationDisabled  bool             `json:"registration_disabled"`
	ControllersUnlicensed bool             `json:"controllers_unlicensed"`
	Controllers           []SeedController `json:"controllers"`
}

// SeedUser is a user with a personal access token.
type SeedUser struct {
	Username string `json:"username"`
	Admin    bool   `json:"admin"`
	Token    string `json:"token"`
}

// SeedGroup is a group; Path is one segment, Parent the parent's full path ("" for top level).
type SeedGroup struct {
	Path              string            `json:"path"`
	Parent            string            `json:"parent"`
	RegistrationToken string            `json:"registration_token"`
	Members           map[string]string `json:"members"` // username -> guest|reporter|developer|maintainer|owner
}

// SeedProject is a project in Group (a full path).
type SeedProject struct {
	Path              string            `json:"path"`
	Group             string            `json:"group"`
	RegistrationToken string            `json:"registration_token"`
	Members           map[string]string `json:"members"`
}

// SeedRunner is Count runners alike (default 1).
type SeedRunner struct {
	Key             string                `json:"key"`
	Count           int                   `json:"count"`
	Type            runnerapi.RunnerType  `json:"type"` // default instance_type
	Group           string                `json:"group"`
	Projects        []string              `json:"projects"` // the first owns the runner
	Description     string                `json:"description"`
	Name            string                `json:"name"`
	Tags            []string              `json:"tags"`
	Paused          bool                  `json:"paused"`
	Locked          bool                  `json:"locked"`
	RunUntagged     *bool                 `json:"run_untagged"` // default true
	AccessLevel     runnerapi.AccessLevel `json:"access_level"`
	MaximumTimeout  *int64                `json:"maximum_timeout"`
	MaintenanceNote string                `json:"maintenance_note"`
	CreatedAt       string                `json:"created_at"`
	ContactedAt     string                `json:"contacted_at"` // "" never contacted
	CreatedBy       string                `json:"created_by"`   // username
	Token           string                `json:"token"`        // only with count 1; default random glrt-…
	Managers        []SeedManager         `json:"managers"`
}

// SeedManager is a runner manager.
type SeedManager struct {
	SystemID     string `json:"system_id"`
	Version      string `json:"version"`
	Revision     string `json:"revision"`
	Platform     string `json:"platform"`
	Architecture string `json:"architecture"`
	IPAddress    string `json:"ip_address"`
	ContactedAt  string `json:"contacted_at"`
}

// SeedJob is Count jobs alike (default 1) that ran on the runner with key Runner.
type SeedJob struct {
	Runner    string              `json:"runner"`
	Project   string              `json:"project"`
	User      string              `json:"user"`
	Count     int                 `json:"count"`
	Status    runnerapi.JobStatus `json:"status"`
	Name      string              `json:"name"`
	Stage     string              `json:"stage"`
	Ref       string              `json:"ref"`
	SystemID  string              `json:"system_id"`
	CreatedAt string              `json:"created_at"`
	Duration  float64             `json:"duration"`
}

// SeedController is a runner controller with tokens and scopes.
type SeedController struct {
	Description   string                          `json:"description"`
	State         runnerapi.RunnerControllerState `json:"state"`
	Tokens        []SeedControllerToken           `json:"tokens"`
	InstanceScope bool                            `json:"instance_scope"`
	RunnerScopes  []string                        `json:"runner_scopes"` // runner keys (instance runners)
}

// SeedControllerToken is an active controller token.
type SeedControllerToken struct {
	Description string `json:"description"`
	Token       string `json:"token"` // default random glrct-…
	LastUsedAt  string `json:"last_used_at"`
}

var roleNames = map[string]int{"guest": RoleGuest, "reporter": RoleReporter, "developer": RoleDeveloper, "maintainer": RoleMaintainer, "owner": RoleOwner}

// LoadSeed reads a SeedFile from r and adds its contents to the server. An
// error names the field at fault; the server may then be partly seeded.
func (s *Server) LoadSeed(r io.Reader) error {
	var f SeedFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("runnerapitest: seed: %w", err)
	}
	if err := s.seed(&f); err != nil {
		return fmt.Errorf("runnerapitest: seed: %w", err)
	}
	return nil
}

// seedTime parses an RFC 3339 time or a duration relative to now; "" is nil.
func seedTime(field, v string, now time.Time) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		t := now.Add(d)
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is neither an RFC 3339 time nor a duration", field, v)
	}
	t = t.UTC()
	return &t, nil
}

func (s *Server) seed(f *SeedFile) error {
	now := s.now()
	users := map[string]int64{"root": 1}
	for i, u := range f.Users {
		field := fmt.Sprintf("users[%d]", i)
		if u.Username == "" {
			return fmt.Errorf("%s.username is empty", field)
		}
		if _, dup := users[u.Username]; dup {
			return fmt.Errorf("%s.username %q is taken", field, u.Username)
		}
		tok := u.Token
		if tok == "" {
			tok = secret("glpat-")
		}
		s.mu.Lock()
		_, taken := s.st.usersByToken[tok]
		var id int64
		if !taken {
			id = s.st.addUser(u.Username, u.Username, u.Admin, tok).id
		}
		s.mu.Unlock()
		if taken {
			return fmt.Errorf("%s.token is already used", field)
		}
		users[u.Username] = id
	}
	members := func(field string, m map[string]string, add func(uid int64, role int)) error {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			uid, ok := users[n]
			if !ok {
				return fmt.Errorf("%s.members: unknown user %q", field, n)
			}
			role, ok := roleNames[strings.ToLower(m[n])]
			if !ok {
				return fmt.Errorf("%s.members[%q]: role %q is not guest, reporter, developer, maintainer or owner", field, n, m[n])
			}
			add(uid, role)
		}
		return nil
	}
	groups := map[string]int64{}
	for i, g := range f.Groups {
		field := fmt.Sprintf("groups[%d]", i)
		if g.Path == "" || strings.Contains(g.Path, "/") {
			return fmt.Errorf("%s.path %q must be one non-empty segment", field, g.Path)
		}
		var parent int64
		if g.Parent != "" {
			id, ok := groups[g.Parent]
			if !ok {
				return fmt.Errorf("%s.parent: no group %q declared before it", field, g.Parent)
			}
			parent = id
		}
		ns := s.AddGroup(g.Path, parent)
		groups[ns.FullPath] = ns.ID
		if g.RegistrationToken != "" {
			s.setRegToken(regScope{kind: groupType, id: ns.ID}, g.RegistrationToken)
		}
		if err := members(field, g.Members, func(uid int64, role int) { s.AddGroupMember(ns.ID, uid, role) }); err != nil {
			return err
		}
	}
	projects := map[string]int64{}
	for i, p := range f.Projects {
		field := fmt.Sprintf("projects[%d]", i)
		gid, ok := groups[p.Group]
		if !ok {
			return fmt.Errorf("%s.group: no group %q", field, p.Group)
		}
		if p.Path == "" || strings.Contains(p.Path, "/") {
			return fmt.Errorf("%s.path %q must be one non-empty segment", field, p.Path)
		}
		ns := s.AddProject(p.Path, gid)
		projects[ns.FullPath] = ns.ID
		if p.RegistrationToken != "" {
			s.setRegToken(regScope{kind: projectType, id: ns.ID}, p.RegistrationToken)
		}
		if err := members(field, p.Members, func(uid int64, role int) { s.AddProjectMember(ns.ID, uid, role) }); err != nil {
			return err
		}
	}
	runners := map[string]int64{}
	for i, r := range f.Runners {
		field := fmt.Sprintf("runners[%d]", i)
		spec := RunnerSpec{Type: r.Type, Description: r.Description, Name: r.Name, Tags: r.Tags, Paused: r.Paused,
			Locked: r.Locked, AccessLevel: r.AccessLevel, MaximumTimeout: r.MaximumTimeout, Note: r.MaintenanceNote}
		if spec.Type == "" {
			spec.Type = runnerapi.RunnerType(instanceType)
		}
		if !contains(runnerTypes, string(spec.Type)) {
			return fmt.Errorf("%s.type %q is not one of %s", field, spec.Type, strings.Join(runnerTypes, ", "))
		}
		if spec.AccessLevel != "" && !contains(accessLevels, string(spec.AccessLevel)) {
			return fmt.Errorf("%s.access_level %q is not one of %s", field, spec.AccessLevel, strings.Join(accessLevels, ", "))
		}
		spec.NoUntagged = r.RunUntagged != nil && !*r.RunUntagged
		if spec.NoUntagged && len(r.Tags) == 0 {
			return fmt.Errorf("%s.run_untagged false needs tags", field)
		}
		switch string(spec.Type) {
		case groupType:
			gid, ok := groups[r.Group]
			if !ok {
				return fmt.Errorf("%s.group: no group %q", field, r.Group)
			}
			spec.GroupID = gid
		case projectType:
			if len(r.Projects) == 0 {
				return fmt.Errorf("%s.projects: a project runner needs at least one project", field)
			}
			for _, p := range r.Projects {
				pid, ok := projects[p]
				if !ok {
					return fmt.Errorf("%s.projects: no project %q", field, p)
				}
				spec.ProjectIDs = append(spec.ProjectIDs, pid)
			}
		}
		created, err := seedTime(field+".created_at", r.CreatedAt, now)
		if err != nil {
			return err
		}
		if created != nil {
			spec.CreatedAt = *created
		}
		if spec.ContactedAt, err = seedTime(field+".contacted_at", r.ContactedAt, now); err != nil {
			return err
		}
		if r.CreatedBy != "" {
			uid, ok := users[r.CreatedBy]
			if !ok {
				return fmt.Errorf("%s.created_by: unknown user %q", field, r.CreatedBy)
			}
			spec.CreatedBy = uid
		}
		for k, m := range r.Managers {
			c, err := seedTime(fmt.Sprintf("%s.managers[%d].contacted_at", field, k), m.ContactedAt, now)
			if err != nil {
				return err
			}
			spec.Managers = append(spec.Managers, ManagerSpec{SystemID: m.SystemID, Version: m.Version, Revision: m.Revision,
				Platform: m.Platform, Architecture: m.Architecture, IPAddress: m.IPAddress, ContactedAt: c})
		}
		n := max(r.Count, 1)
		if r.Token != "" && n > 1 {
			return fmt.Errorf("%s.token needs count 1", field)
		}
		added := s.AddRunners(n, spec)
		if r.Token != "" {
			s.setRunnerToken(added[0].ID, r.Token)
		}
		if r.Key != "" {
			if _, dup := runners[r.Key]; dup {
				return fmt.Errorf("%s.key %q is taken", field, r.Key)
			}
			runners[r.Key] = added[0].ID
		}
	}
	for i, j := range f.Jobs {
		field := fmt.Sprintf("jobs[%d]", i)
		rid, ok := runners[j.Runner]
		if !ok {
			return fmt.Errorf("%s.runner: no runner with key %q", field, j.Runner)
		}
		pid, ok := projects[j.Project]
		if !ok {
			return fmt.Errorf("%s.project: no project %q", field, j.Project)
		}
		spec := JobSpec{RunnerID: rid, ProjectID: pid, Status: j.Status, Name: j.Name, Stage: j.Stage, Ref: j.Ref,
			SystemID: j.SystemID, Duration: j.Duration}
		if spec.Status != "" && !contains(jobStatuses, string(spec.Status)) {
			return fmt.Errorf("%s.status %q is not a GitLab job status", field, spec.Status)
		}
		if j.User != "" {
			uid, ok := users[j.User]
			if !ok {
				return fmt.Errorf("%s.user: unknown user %q", field, j.User)
			}
			spec.UserID = uid
		}
		created, err := seedTime(field+".created_at", j.CreatedAt, now)
		if err != nil {
			return err
		}
		if created != nil {
			spec.CreatedAt = *created
		}
		s.AddJobs(max(j.Count, 1), spec)
	}
	if f.InstanceRegistrationToken != "" {
		s.setRegToken(regScope{kind: instanceType}, f.InstanceRegistrationToken)
	}
	if f.RegistrationDisabled {
		s.SetRegistrationEnabled(false)
	}
	if f.ControllersUnlicensed {
		s.SetControllersLicensed(false)
	}
	for i, c := range f.Controllers {
		field := fmt.Sprintf("controllers[%d]", i)
		if c.State != "" && !contains(controllerStates, string(c.State)) {
			return fmt.Errorf("%s.state %q is not one of %s", field, c.State, strings.Join(controllerStates, ", "))
		}
		if c.InstanceScope && len(c.RunnerScopes) > 0 {
			return fmt.Errorf("%s: instance_scope and runner_scopes exclude each other", field)
		}
		id := s.AddController(c.Description, c.State)
		for k, t := range c.Tokens {
			used, err := seedTime(fmt.Sprintf("%s.tokens[%d].last_used_at", field, k), t.LastUsedAt, now)
			if err != nil {
				return err
			}
			tid, _ := s.AddControllerToken(id, t.Description, used)
			if t.Token != "" {
				s.setControllerToken(id, tid, t.Token)
			}
		}
		s.mu.Lock()
		ctl := s.st.ctrlByID[id]
		if c.InstanceScope {
			ctl.instance = &scopeTimes{now, now}
		}
		var bad string
		for _, key := range c.RunnerScopes {
			rid, ok := runners[key]
			if !ok || s.st.runnerByID[rid].typ != instanceType {
				bad = key
				break
			}
			ctl.runnerScope = append(ctl.runnerScope, runnerScope{rid, scopeTimes{now, now}})
		}
		s.mu.Unlock()
		if bad != "" {
			return fmt.Errorf("%s.runner_scopes: %q is not the key of an instance runner", field, bad)
		}
	}
	return nil
}

// setRegToken replaces the registration token of scope.
func (s *Server) setRegToken(scope regScope, tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch scope.kind {
	case instanceType:
		delete(s.st.regTokens, s.st.instanceReg)
		s.st.instanceReg = tok
	case groupType:
		g := s.st.groups[scope.id]
		delete(s.st.regTokens, g.regToken)
		g.regToken = tok
	case projectType:
		p := s.st.projects[scope.id]
		delete(s.st.regTokens, p.regToken)
		p.regToken = tok
	}
	s.st.regTokens[tok] = scope
}

func (s *Server) setRunnerToken(id int64, tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.runnerByID[id]
	delete(s.st.runnerTokens, r.token)
	r.token = tok
	s.st.runnerTokens[tok] = r
}

func (s *Server) setControllerToken(ctlID, tokenID int64, tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.st.ctrlByID[ctlID].tokens {
		if t.id == tokenID {
			t.token = tok
		}
	}
}
