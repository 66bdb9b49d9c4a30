package runnerapitest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// routes registers every endpoint of the fake.
func (s *Server) routes() {
	s.handle("GET /user", s.authed(s.getUser))
	s.handle("GET /runners", s.authed(s.listRunners(false)))
	s.handle("GET /runners/all", s.authed(s.listRunners(true)))
	s.handle("GET /runners/{id}", s.authed(s.getRunner))
	s.handle("PUT /runners/{id}", s.authed(s.updateRunner))
	s.handle("DELETE /runners/{id}", s.authed(s.deleteRunner))
	s.handle("GET /runners/{id}/jobs", s.authed(s.listJobs))
	s.handle("GET /runners/{id}/managers", s.authed(s.listManagers))
	s.handle("GET /runners/{id}/projects", s.authed(s.listRunnerProjects))
	s.handle("POST /runners/{id}/reset_authentication_token", s.authed(s.resetRunnerToken))
	s.handle("POST /runners/reset_registration_token", s.resetInstanceRegToken)
	s.handle("POST /user/runners", s.authed(s.createRunner))
	s.handle("POST /runners", s.registerRunner)
	s.handle("DELETE /runners", s.deleteByToken)
	s.handle("DELETE /runners/managers", s.deleteManager)
	s.handle("POST /runners/verify", s.verifyRunner)
	s.handle("POST /runners/reset_authentication_token", s.resetTokenWithToken)
	s.handle("GET /projects/{id}/runners", s.authed(s.listProjectRunners))
	s.handle("POST /projects/{id}/runners", s.authed(s.enableProjectRunner))
	s.handle("DELETE /projects/{id}/runners/{runner_id}", s.authed(s.disableProjectRunner))
	s.handle("POST /projects/{id}/runners/reset_registration_token", s.authed(s.resetProjectRegToken))
	s.handle("GET /groups/{id}/runners", s.authed(s.listGroupRunners))
	s.handle("POST /groups/{id}/runners/reset_registration_token", s.authed(s.resetGroupRegToken))
	s.controllerRoutes()
}

// authed runs h for an authenticated user (401 otherwise).
func (s *Server) authed(h handler) handler {
	return func(c *call) (int, any, *apiError) {
		if err := c.authenticate(); err != nil {
			return 0, nil, err
		}
		return h(c)
	}
}

func (s *Server) getUser(c *call) (int, any, *apiError) {
	return 200, c.user.json(s.webBase(), s.st.created), nil
}

// mayRead: instance runners are readable by every user; group runners by
// group maintainers and owners; project runners by maintainers of one of their projects.
func (s *Server) mayRead(u *user, r *runner) bool {
	return u.admin || r.typ == "instance_type" || s.mayUpdate(u, r) || s.maintains(u, r, RoleMaintainer)
}

// mayUpdate: administrators; group runners need Owner; project runners Maintainer.
func (s *Server) mayUpdate(u *user, r *runner) bool {
	if u == nil {
		return false
	}
	if u.admin {
		return true
	}
	switch r.typ {
	case "group_type":
		g := s.st.groups[r.groupID]
		return g != nil && s.st.groupRole(u, g) >= RoleOwner
	case "project_type":
		return s.maintains(u, r, RoleMaintainer)
	}
	return false
}

// maintains reports whether u has role in the runner's group or one of its projects.
func (s *Server) maintains(u *user, r *runner, role int) bool {
	if g := s.st.groups[r.groupID]; g != nil && s.st.groupRole(u, g) >= role {
		return true
	}
	for _, pid := range r.projectIDs {
		if p := s.st.projects[pid]; p != nil && s.st.projectRole(u, p) >= role {
			return true
		}
	}
	return false
}

// findRunner loads :id for u, with GitLab's 404/403 answers.
func (c *call) findRunner(name string) (*runner, *apiError) {
	id, err := c.idParam(name)
	if err != nil {
		return nil, err
	}
	r := c.s.st.runnerByID[id]
	if r == nil {
		return nil, errRunner404
	}
	if !c.s.mayRead(c.user, r) {
		return nil, errNoAccess
	}
	return r, nil
}

var versionPrefix = regexp.MustCompile(`^[\d+.]+`)

// runnerFilter is the filter set of the runner lists.
type runnerFilter struct {
	typ, status, versionPrefix string
	paused                     *bool
	tags                       []string
}

// readRunnerFilter reads and validates type, status, paused, tag_list,
// version_prefix and (where allowed) scope.
func (c *call) readRunnerFilter(scopes []string) (runnerFilter, *apiError) {
	var f runnerFilter
	p := c.params
	if v, ok := p.str("type"); ok {
		if !validRunnerType(v) {
			return f, rawErr(400, "type does not have a valid value")
		}
		f.typ = v
	}
	if v, ok := p.str("status"); ok {
		if !validRunnerStatus(v) {
			return f, rawErr(400, "status does not have a valid value")
		}
		f.status = v
	}
	if v, ok := p.str("scope"); ok && scopes != nil {
		switch {
		case slices.Contains(scopes, v) && validRunnerStatus(v):
			f.status = v
		case slices.Contains(scopes, v) && validRunnerType(v):
			f.typ = v
		case slices.Contains(scopes, v) && v == "shared":
			f.typ = "instance_type"
		case slices.Contains(scopes, v) && v == "specific":
			f.typ = "specific"
		default:
			return f, msgErr(400, "Scope contains invalid value")
		}
	}
	b, err := p.boolean("paused")
	if err != nil {
		return f, err
	}
	f.paused = b
	f.tags, _ = p.tags("tag_list")
	if v, ok := p.str("version_prefix"); ok {
		if !versionPrefix.MatchString(v) {
			return f, rawErr(400, "version_prefix is invalid")
		}
		f.versionPrefix = v
	}
	return f, nil
}

func (f runnerFilter) match(r *runner, now time.Time) bool {
	switch {
	case f.typ == "specific" && r.typ == "instance_type":
		return false
	case f.typ != "" && f.typ != "specific" && r.typ != f.typ:
		return false
	case f.status != "" && !r.matchesStatus(f.status, now):
		return false
	case f.paused != nil && r.paused != *f.paused:
		return false
	case !r.hasTags(f.tags):
		return false
	}
	if f.versionPrefix != "" {
		for _, m := range r.managers {
			if strings.HasPrefix(m.version, f.versionPrefix) {
				return true
			}
		}
		return false
	}
	return true
}

var (
	statusScopes = []string{"active", "paused", "online", "offline", "never_contacted", "stale"}
	allScopes    = append([]string{"specific", "shared", "instance_type", "group_type", "project_type"}, statusScopes...)
)

// listRunnerPage filters the runners, keeps those visible is true for, and
// answers one page of them.
func (c *call) listRunnerPage(f runnerFilter, visible func(*runner) bool) (int, any, *apiError) {
	var hits []*runner
	for _, r := range c.s.st.runners {
		if visible(r) && f.match(r, c.now) {
			hits = append(hits, r)
		}
	}
	from, to, err := c.offsetPage(len(hits), false)
	if err != nil {
		return 0, nil, err
	}
	out := make([]runnerJSON, 0, to-from)
	for _, r := range hits[from:to] {
		out = append(out, c.s.renderRunner(r, c.now))
	}
	return 200, out, nil
}

func (s *Server) listRunners(all bool) handler {
	return func(c *call) (int, any, *apiError) {
		scopes := statusScopes
		if all {
			if !c.user.admin {
				return 0, nil, errForbidden
			}
			scopes = allScopes
		}
		f, err := c.readRunnerFilter(scopes)
		if err != nil {
			return 0, nil, err
		}
		visible := func(*runner) bool { return true }
		if !all {
			// The runners available to the user: those of groups and projects they maintain.
			visible = func(r *runner) bool { return r.typ != "instance_type" && s.maintains(c.user, r, RoleMaintainer) }
		}
		return c.listRunnerPage(f, visible)
	}
}

func (s *Server) getRunner(c *call) (int, any, *apiError) {
	r, err := c.findRunner("id")
	if err != nil {
		return 0, nil, err
	}
	include := true
	if b, err := c.params.boolean("include_projects"); err != nil {
		return 0, nil, err
	} else if b != nil {
		include = *b
	}
	return 200, s.renderDetails(r, c.user, c.now, include), nil
}

// updatableParams are PUT /runners/:id's parameters, in GitLab's message order.
var updatableParams = []string{"description", "active", "paused", "tag_list", "run_untagged", "locked", "access_level", "maximum_timeout", "maintenance_note"}

func (s *Server) updateRunner(c *call) (int, any, *apiError) {
	r, err := c.findRunner("id")
	if err != nil {
		return 0, nil, err
	}
	p := c.params
	given := false
	for _, k := range updatableParams {
		given = given || p.has(k)
	}
	if !given {
		return 0, nil, rawErr(400, strings.Join(updatableParams, ", ")+" are missing, at least one parameter must be provided")
	}
	if p.has("active") && p.has("paused") {
		return 0, nil, rawErr(400, "active, paused are mutually exclusive")
	}
	if !s.mayUpdate(c.user, r) {
		return 0, nil, errNoAccess
	}
	next := *r
	if aerr := applyRunnerSettings(p, &next); aerr != nil {
		return 0, nil, aerr
	}
	if v, ok := p.str("description"); ok {
		next.description = v
	}
	if verr := validateRunner(&next); verr != nil {
		return 0, nil, verr
	}
	next.updatedAt = c.now
	*r = next
	return 200, s.renderDetails(r, c.user, c.now, true), nil
}

// applyRunnerSettings applies the settings shared by create, register and update.
func applyRunnerSettings(p params, r *runner) *apiError {
	if b, err := p.boolean("active"); err != nil {
		return err
	} else if b != nil {
		r.paused = !*b
	}
	if b, err := p.boolean("paused"); err != nil {
		return err
	} else if b != nil {
		r.paused = *b
	}
	if tags, ok := p.tags("tag_list"); ok {
		r.tags = tags
	}
	if b, err := p.boolean("run_untagged"); err != nil {
		return err
	} else if b != nil {
		r.runUntagged = *b
	}
	if b, err := p.boolean("locked"); err != nil {
		return err
	} else if b != nil {
		r.locked = *b
	}
	if v, ok := p.str("access_level"); ok {
		if v != "not_protected" && v != "ref_protected" {
			return rawErr(400, "access_level does not have a valid value")
		}
		r.accessLevel = v
	}
	if p.has("maximum_timeout") {
		n, err := p.integer("maximum_timeout")
		if err != nil {
			return err
		}
		r.maximumTimeout = n
	}
	if v, ok := p.str("maintenance_note"); ok {
		r.note = v
	}
	return nil
}

// validateRunner applies the model validations GitLab reports as {"message":{attr:[…]}}.
func validateRunner(r *runner) *apiError {
	errs := map[string][]string{}
	if len(r.description) > 1024 {
		errs["description"] = append(errs["description"], "is too long (maximum is 1024 characters)")
	}
	if len(r.note) > 1024 {
		errs["maintenance_note"] = append(errs["maintenance_note"], "is too long (maximum is 1024 characters)")
	}
	if len(r.tags) > 50 {
		errs["tags_list"] = append(errs["tags_list"], "Too many tags specified. Please limit the number of tags to 50")
	}
	if len(r.tags) == 0 && !r.runUntagged {
		errs["tags_list"] = append(errs["tags_list"], "can not be empty when runner is not allowed to pick untagged jobs")
	}
	if r.maximumTimeout != nil && *r.maximumTimeout < 600 {
		errs["maximum_timeout"] = append(errs["maximum_timeout"], "needs to be at least 10 minutes")
	}
	if len(errs) > 0 {
		return msgErr(400, errs)
	}
	return nil
}

func (s *Server) deleteRunner(c *call) (int, any, *apiError) {
	r, err := c.findRunner("id")
	if err != nil {
		return 0, nil, err
	}
	if !c.user.admin && len(r.projectIDs) > 1 {
		return 0, nil, msgErr(403, "403 Forbidden - Runner associated with more than one project")
	}
	if !s.mayUpdate(c.user, r) {
		return 0, nil, errNoAccess
	}
	if err := c.unmodifiedSince(r.updatedAt); err != nil {
		return 0, nil, err
	}
	s.st.deleteRunner(r)
	return http.StatusNoContent, nil, nil
}

// offsetJobLimit is GitLab's default maximum offset for Ci::Build lists.
const offsetJobLimit = 50000

func (s *Server) listJobs(c *call) (int, any, *apiError) {
	r, err := c.findRunner("id")
	if err != nil {
		return 0, nil, err
	}
	if !c.user.admin && !s.maintains(c.user, r, RoleMaintainer) {
		return 0, nil, errNoAccess
	}
	p := c.params
	status, hasStatus := p.str("status")
	if hasStatus && !validJobStatus(status) {
		return 0, nil, rawErr(400, "status does not have a valid value")
	}
	orderBy, hasOrder := p.str("order_by")
	if hasOrder && orderBy != "id" {
		return 0, nil, rawErr(400, "order_by does not have a valid value")
	}
	sortDir, hasSort := p.str("sort")
	if hasSort && sortDir != "asc" && sortDir != "desc" {
		return 0, nil, rawErr(400, "sort does not have a valid value")
	}
	if !hasSort {
		sortDir = "desc"
	}
	systemID, hasSystem := p.str("system_id")
	var hits []*job
	for _, j := range s.st.jobs {
		if j.runnerID != r.id || (hasStatus && j.status != status) || (hasSystem && j.systemID != systemID) {
			continue
		}
		if !c.user.admin {
			if pr := s.st.projects[j.projectID]; pr == nil || s.st.projectRole(c.user, pr) < RoleReporter {
				continue
			}
		}
		hits = append(hits, j)
	}
	keyset, _ := p.str("pagination")
	if keyset == "keyset" {
		if sortDir != "desc" {
			return 0, nil, rawErr(405, "Keyset pagination is not yet available for this type of request")
		}
		_, perPage, perr := p.pageParams()
		if perr != nil {
			return 0, nil, perr
		}
		slices.Reverse(hits) // id descending
		if cur, ok := p.str("cursor"); ok && cur != "" {
			last, valid := decodeCursor(cur)
			if !valid {
				return 0, nil, rawErr(400, "cursor is invalid")
			}
			i := 0
			for i < len(hits) && hits[i].id >= last {
				i++
			}
			hits = hits[i:]
		}
		page := hits[:min(perPage, len(hits))]
		if len(hits) > perPage {
			c.setKeysetNext(page[len(page)-1].id, perPage)
		}
		return 200, s.renderJobs(page), nil
	}
	if hasOrder && sortDir == "desc" {
		slices.Reverse(hits)
	}
	page, perPage, perr := p.pageParams()
	if perr != nil {
		return 0, nil, perr
	}
	if page*perPage > offsetJobLimit {
		return 0, nil, rawErr(405, "Offset pagination has a maximum allowed offset of 50000 for requests that return objects of type Ci::Build. Remaining records can be retrieved using keyset pagination.")
	}
	from, to, perr := c.offsetPage(len(hits), hasSystem)
	if perr != nil {
		return 0, nil, perr
	}
	return 200, s.renderJobs(hits[from:to]), nil
}

func (s *Server) renderJobs(js []*job) []jobJSON {
	out := make([]jobJSON, 0, len(js))
	for _, j := range js {
		out = append(out, s.renderJob(j))
	}
	return out
}

func (s *Server) listManagers(c *call) (int, any, *apiError) {
	r, err := c.findRunner("id")
	if err != nil {
		return 0, nil, err
	}
	out := make([]managerJSON, 0, len(r.managers))
	for _, m := range r.managers {
		out = append(out, s.renderManager(r, m, c.now))
	}
	return 200, out, nil
}

func (s *Server) listRunnerProjects(c *call) (int, any, *apiError) {
	r, err := c.findRunner("id")
	if err != nil {
		return 0, nil, err
	}
	var ps []*project
	for _, pid := range r.projectIDs {
		if p := s.st.projects[pid]; p != nil && (c.user.admin || s.st.projectRole(c.user, p) >= RoleReporter) {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b *project) int { return int(a.id - b.id) })
	from, to, perr := c.offsetPage(len(ps), false)
	if perr != nil {
		return 0, nil, perr
	}
	out := make([]projectJSON, 0, to-from)
	for _, p := range ps[from:to] {
		out = append(out, s.renderProject(p))
	}
	return 200, out, nil
}

// newRunnerToken gives r a fresh authentication token.
func (s *Server) newRunnerToken(r *runner, created bool) {
	delete(s.st.runnerTokens, r.token)
	prefix := runnerTokenPrefix(r.typ)
	if created {
		prefix = "glrt-" + prefix
	}
	r.token = secret(prefix)
	s.st.runnerTokens[r.token] = r
}

func (s *Server) resetRunnerToken(c *call) (int, any, *apiError) {
	r, err := c.findRunner("id")
	if err != nil {
		return 0, nil, err
	}
	if !s.mayUpdate(c.user, r) {
		return 0, nil, errNoAccess
	}
	s.newRunnerToken(r, strings.HasPrefix(r.token, "glrt-"))
	r.updatedAt = c.now
	return 201, map[string]any{"token": r.token, "token_expires_at": r.tokenExpiresAt}, nil
}

func (s *Server) resetInstanceRegToken(c *call) (int, any, *apiError) {
	if err := c.admin(); err != nil {
		return 0, nil, err
	}
	delete(s.st.regTokens, s.st.instanceReg)
	s.st.instanceReg = s.st.newRegToken(regScope{kind: "instance_type"})
	return 201, map[string]any{"token": s.st.instanceReg}, nil
}

// newRunner builds a runner of typ with GitLab's defaults.
func (s *Server) newRunner(typ string, now time.Time) *runner {
	return &runner{id: s.st.id("runner"), typ: typ, runUntagged: true, accessLevel: "not_protected", tags: []string{},
		createdAt: now, updatedAt: now}
}

func (s *Server) createRunner(c *call) (int, any, *apiError) {
	p := c.params
	typ, ok := p.str("runner_type")
	if !ok {
		return 0, nil, rawErr(400, "runner_type is missing")
	}
	if !validRunnerType(typ) {
		return 0, nil, rawErr(400, "runner_type does not have a valid value")
	}
	r := s.newRunner(typ, c.now)
	switch typ {
	case "instance_type":
		if !c.user.admin {
			return 0, nil, msgErr(403, "403 Forbidden - Insufficient permissions")
		}
	case "group_type":
		gid, err := c.runnerOwner("group_id", func(id int64) bool {
			g := s.st.groups[id]
			return g != nil && (c.user.admin || s.st.groupRole(c.user, g) >= RoleOwner)
		})
		if err != nil {
			return 0, nil, err
		}
		r.groupID = gid
	case "project_type":
		pid, err := c.runnerOwner("project_id", func(id int64) bool {
			pr := s.st.projects[id]
			return pr != nil && (c.user.admin || s.st.projectRole(c.user, pr) >= RoleMaintainer)
		})
		if err != nil {
			return 0, nil, err
		}
		r.projectIDs = []int64{pid}
	}
	if p.has("active") && p.has("paused") {
		return 0, nil, rawErr(400, "active, paused are mutually exclusive")
	}
	if err := applyRunnerSettings(p, r); err != nil {
		return 0, nil, err
	}
	r.description, _ = p.str("description")
	if err := validateRunner(r); err != nil {
		return 0, nil, err
	}
	r.creator = c.user
	s.newRunnerToken(r, true)
	s.st.insertRunner(r)
	s.st.counters.RunnersCreated++
	return 201, registrationJSON{ID: r.id, Token: r.token, TokenExpiresAt: r.tokenExpiresAt}, nil
}

// runnerOwner reads the group or project id a new runner belongs to (key is
// required for that runner type) and checks that the user may add runners there.
func (c *call) runnerOwner(key string, allowed func(id int64) bool) (int64, *apiError) {
	id, err := c.params.integer(key)
	if err != nil {
		return 0, err
	}
	if id == nil {
		return 0, rawErr(400, key+" is missing")
	}
	if !allowed(*id) {
		return 0, msgErr(403, "403 Forbidden - Insufficient permissions")
	}
	return *id, nil
}

func (s *Server) registerRunner(c *call) (int, any, *apiError) {
	p := c.params
	tok, _ := p.str("token")
	if tok == "" {
		return 0, nil, rawErr(400, "token is missing")
	}
	if s.st.regDisabled {
		return 0, nil, msgErr(410, "410 Gone - runner registration disallowed")
	}
	scope, ok := s.st.regTokens[tok]
	if !ok {
		return 0, nil, msgErr(403, "403 Forbidden - invalid token supplied")
	}
	if p.has("active") && p.has("paused") {
		return 0, nil, rawErr(400, "active, paused are mutually exclusive")
	}
	if p.has("maintainer_note") && p.has("maintenance_note") {
		return 0, nil, rawErr(400, "maintainer_note, maintenance_note are mutually exclusive")
	}
	r := s.newRunner(scope.kind, c.now)
	switch scope.kind {
	case "group_type":
		r.groupID = scope.id
	case "project_type":
		r.projectIDs = []int64{scope.id}
	}
	if err := applyRunnerSettings(p, r); err != nil {
		return 0, nil, err
	}
	if v, ok := p.str("maintainer_note"); ok {
		r.note = v
	}
	r.description, _ = p.str("description")
	if info, ok := p["info"].(map[string]any); ok {
		if n, ok := info["name"].(string); ok {
			r.name = n
		}
	}
	if err := validateRunner(r); err != nil {
		return 0, nil, err
	}
	s.newRunnerToken(r, false)
	s.st.insertRunner(r)
	s.st.counters.RunnersCreated++
	return 201, registrationJSON{ID: r.id, Token: r.token, TokenExpiresAt: r.tokenExpiresAt}, nil
}

// runnerByToken authenticates a runner-token endpoint: failures are 403, never 401.
func (c *call) runnerByToken() (*runner, *apiError) {
	tok, _ := c.params.str("token")
	if tok == "" {
		return nil, rawErr(400, "token is missing")
	}
	r := c.s.st.runnerTokens[tok]
	if r == nil {
		return nil, errForbidden
	}
	return r, nil
}

func (s *Server) deleteByToken(c *call) (int, any, *apiError) {
	r, err := c.runnerByToken()
	if err != nil {
		return 0, nil, err
	}
	if err := c.unmodifiedSince(r.updatedAt); err != nil {
		return 0, nil, err
	}
	s.st.deleteRunner(r)
	return http.StatusNoContent, nil, nil
}

func (s *Server) deleteManager(c *call) (int, any, *apiError) {
	r, err := c.runnerByToken()
	if err != nil {
		return 0, nil, err
	}
	sys, _ := c.params.str("system_id")
	if sys == "" {
		return 0, nil, rawErr(400, "system_id is missing")
	}
	for i, m := range r.managers {
		if m.systemID == sys {
			r.managers = append(r.managers[:i], r.managers[i+1:]...)
			return http.StatusNoContent, nil, nil
		}
	}
	return 0, nil, msgErr(404, "404 Runner manager not found Not Found")
}

func (s *Server) verifyRunner(c *call) (int, any, *apiError) {
	r, err := c.runnerByToken()
	if err != nil {
		return 0, nil, err
	}
	sys, _ := c.params.str("system_id")
	if sys == "" {
		sys = "<legacy>"
	}
	now := c.now
	r.contactedAt = &now
	found := false
	for _, m := range r.managers {
		if m.systemID == sys {
			m.contactedAt, found = &now, true
		}
	}
	if !found {
		r.managers = append(r.managers, &manager{id: s.st.id("manager"), systemID: sys, createdAt: now, contactedAt: &now})
	}
	return 200, registrationJSON{ID: r.id, Token: r.token, TokenExpiresAt: r.tokenExpiresAt}, nil
}

func (s *Server) resetTokenWithToken(c *call) (int, any, *apiError) {
	r, err := c.runnerByToken()
	if err != nil {
		return 0, nil, err
	}
	s.newRunnerToken(r, strings.HasPrefix(r.token, "glrt-"))
	return 201, map[string]any{"token": r.token, "token_expires_at": r.tokenExpiresAt}, nil
}

// findProject loads :id (numeric or full path) for u with role at least min.
func (c *call) findProject(min int) (*project, *apiError) {
	p := c.s.st.findProject(c.r.PathValue("id"))
	if p == nil {
		return nil, errProject404
	}
	if c.user.admin {
		return p, nil
	}
	role := c.s.st.projectRole(c.user, p)
	if role == 0 {
		return nil, errProject404 // a private project the user cannot see
	}
	if role < min {
		return nil, errForbidden
	}
	return p, nil
}

// findGroup loads :id (numeric or full path) for u with role at least min.
func (c *call) findGroup(min int) (*group, *apiError) {
	g := c.s.st.findGroup(c.r.PathValue("id"))
	if g == nil {
		return nil, errGroup404
	}
	if c.user.admin {
		return g, nil
	}
	role := c.s.st.groupRole(c.user, g)
	if role == 0 {
		return nil, errGroup404
	}
	if role < min {
		return nil, errForbidden
	}
	return g, nil
}

func (s *Server) listProjectRunners(c *call) (int, any, *apiError) {
	pr, err := c.findProject(RoleMaintainer)
	if err != nil {
		return 0, nil, err
	}
	f, err := c.readRunnerFilter(allScopes)
	if err != nil {
		return 0, nil, err
	}
	return c.listRunnerPage(f, func(r *runner) bool {
		switch r.typ {
		case "instance_type":
			return true
		case "group_type":
			for g := pr.group; g != nil; g = g.parent {
				if g.id == r.groupID {
					return true
				}
			}
			return false
		}
		return slices.Contains(r.projectIDs, pr.id)
	})
}

func (s *Server) enableProjectRunner(c *call) (int, any, *apiError) {
	pr, err := c.findProject(RoleMaintainer)
	if err != nil {
		return 0, nil, err
	}
	rid, err := c.params.integer("runner_id")
	if err != nil {
		return 0, nil, err
	}
	if rid == nil {
		return 0, nil, rawErr(400, "runner_id is missing")
	}
	r := s.st.runnerByID[*rid]
	if r == nil {
		return 0, nil, errRunner404
	}
	if r.typ == "group_type" {
		return 0, nil, msgErr(403, "403 Forbidden - Runner is a group runner")
	}
	if r.locked && !c.user.admin {
		return 0, nil, msgErr(403, "403 Forbidden - Runner is locked")
	}
	if !s.mayUpdate(c.user, r) {
		return 0, nil, errNoAccess
	}
	if r.typ != "project_type" {
		return 0, nil, msgErr(400, "user not allowed to assign runner - not_authorized_to_assign_runner")
	}
	if slices.Contains(r.projectIDs, pr.id) {
		return 0, nil, msgErr(400, map[string][]string{"runner_projects.project_id": {"has already been taken"}})
	}
	r.projectIDs = append(r.projectIDs, pr.id)
	r.updatedAt = c.now
	return 201, s.renderRunner(r, c.now), nil
}

func (s *Server) disableProjectRunner(c *call) (int, any, *apiError) {
	pr, err := c.findProject(RoleMaintainer)
	if err != nil {
		return 0, nil, err
	}
	rid, err := c.idParam("runner_id")
	if err != nil {
		return 0, nil, err
	}
	r := s.st.runnerByID[rid]
	if r == nil || !slices.Contains(r.projectIDs, pr.id) {
		return 0, nil, errRunner404
	}
	if r.locked && !c.user.admin {
		return 0, nil, msgErr(403, "403 Forbidden - Runner is locked")
	}
	if r.projectIDs[0] == pr.id {
		return 0, nil, msgErr(403, "403 Forbidden - You cannot unassign a runner from the owner project. Delete the runner instead")
	}
	if err := c.unmodifiedSince(r.updatedAt); err != nil {
		return 0, nil, err
	}
	r.projectIDs = slices.DeleteFunc(r.projectIDs, func(id int64) bool { return id == pr.id })
	return http.StatusNoContent, nil, nil
}

func (s *Server) resetProjectRegToken(c *call) (int, any, *apiError) {
	pr, err := c.findProject(RoleMaintainer)
	if err != nil {
		return 0, nil, err
	}
	delete(s.st.regTokens, pr.regToken)
	pr.regToken = s.st.newRegToken(regScope{kind: "project_type", id: pr.id})
	return 201, map[string]any{"token": pr.regToken}, nil
}

func (s *Server) listGroupRunners(c *call) (int, any, *apiError) {
	g, err := c.findGroup(RoleMaintainer)
	if err != nil {
		return 0, nil, err
	}
	if c.params.has("scope") {
		return 0, nil, rawErr(400, "scope does not have a valid value")
	}
	f, err := c.readRunnerFilter(nil)
	if err != nil {
		return 0, nil, err
	}
	return c.listRunnerPage(f, func(r *runner) bool {
		switch r.typ {
		case "instance_type":
			return true
		case "group_type":
			for a := g; a != nil; a = a.parent {
				if a.id == r.groupID {
					return true
				}
			}
		}
		return false
	})
}

func (s *Server) resetGroupRegToken(c *call) (int, any, *apiError) {
	g, err := c.findGroup(RoleOwner)
	if err != nil {
		return 0, nil, err
	}
	delete(s.st.regTokens, g.regToken)
	g.regToken = s.st.newRegToken(regScope{kind: "group_type", id: g.id})
	return 201, map[string]any{"token": g.regToken}, nil
}
