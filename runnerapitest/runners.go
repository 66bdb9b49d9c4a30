package runnerapitest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Parameter blocks, transcribed from the newest GitLab source:
// lib/api/ci/runners.rb (RS), lib/api/ci/runner.rb (R1), lib/api/user_runners.rb (UR).

func idParam(name string) param { return param{name: name, kind: kInt, required: true} }

var (
	// filterParams is RS `params :filter_params` (with `use :pagination`).
	filterParams = decl{params: append([]param{
		{name: "type", kind: kString, values: runnerTypes},
		{name: "paused", kind: kBool},
		{name: "status", kind: kString, values: statusesInclDeprecated},
		{name: "tag_list", kind: kTags},
		{name: "version_prefix", kind: kString, regexp: regexp.MustCompile(`^[\d+.]+`)},
	}, pagination...)}
	// scopedFilterParams adds RS `params :deprecated_filter_params` (scope ∈ AVAILABLE_SCOPES) in front.
	scopedFilterParams = decl{params: append([]param{{name: "scope", kind: kString, values: runnerScopes}}, filterParams.params...)}

	runnerIDParams = decl{params: []param{idParam("id")}}
	getRunnerDecl  = decl{params: []param{idParam("id"), {name: "include_projects", kind: kBool, def: true}}}
	projectsDecl   = decl{params: append([]param{idParam("id")}, pagination...)}

	// updatableParams are PUT /runners/:id's attributes, in the at_least_one_of order.
	updatableParams = []string{"description", "active", "paused", "tag_list", "run_untagged", "locked", "access_level", "maximum_timeout", "maintenance_note"}
	updateDecl      = decl{
		params: []param{
			idParam("id"),
			{name: "description", kind: kString},
			{name: "active", kind: kBool},
			{name: "paused", kind: kBool},
			{name: "tag_list", kind: kTags},
			{name: "run_untagged", kind: kBool},
			{name: "locked", kind: kBool},
			{name: "access_level", kind: kString, values: accessLevels},
			{name: "maximum_timeout", kind: kInt},
			{name: "maintenance_note", kind: kString},
		},
		rules: []rule{{atLeastOne: true, names: updatableParams}, {names: []string{"active", "paused"}}},
	}

	jobsDecl = decl{params: append([]param{
		idParam("id"),
		{name: "system_id", kind: kString},
		{name: "status", kind: kString, values: jobStatuses},
		{name: "order_by", kind: kString, values: jobOrderColumns},
		{name: "sort", kind: kString, values: sortDirections, def: "desc"},
		{name: "cursor", kind: kString},
	}, pagination...)}

	// createDecl is UR's block: no `active` (undeclared, so ignored), locked
	// and run_untagged defaulted, group_id/project_id required per runner_type.
	createDecl = decl{params: []param{
		{name: "runner_type", kind: kString, required: true, values: runnerTypes},
		{name: "group_id", kind: kInt, required: true, when: func(a args) bool { return a["runner_type"] == groupType }},
		{name: "project_id", kind: kInt, required: true, when: func(a args) bool { return a["runner_type"] == projectType }},
		{name: "description", kind: kString},
		{name: "maintenance_note", kind: kString},
		{name: "paused", kind: kBool},
		{name: "locked", kind: kBool, def: false},
		{name: "access_level", kind: kString, values: accessLevels},
		{name: "run_untagged", kind: kBool, def: true},
		{name: "tag_list", kind: kTags},
		{name: "maximum_timeout", kind: kInt},
		// EE create_runner_params_ee.
		{name: "token_expires_at", kind: kTime},
		{name: "token_rotation_deadline", kind: kTime},
	}}

	// registerDecl is R1's POST /runners block.
	registerDecl = decl{
		params: []param{
			{name: "token", kind: kString, required: true},
			{name: "description", kind: kString},
			{name: "maintainer_note", kind: kString},
			{name: "maintenance_note", kind: kString},
			{name: "info", kind: kHash},
			{name: "active", kind: kBool},
			{name: "paused", kind: kBool},
			{name: "locked", kind: kBool},
			{name: "access_level", kind: kString, values: accessLevels},
			{name: "run_untagged", kind: kBool},
			{name: "tag_list", kind: kTags},
			{name: "maximum_timeout", kind: kInt},
		},
		rules: []rule{{names: []string{"maintainer_note", "maintenance_note"}}, {names: []string{"active", "paused"}}},
	}

	tokenDecl         = decl{params: []param{{name: "token", kind: kString, required: true}}}
	verifyDecl        = tokenDecl.with(param{name: "system_id", kind: kString})
	deleteManagerDecl = tokenDecl.with(param{name: "system_id", kind: kString, required: true})

	// The project and group resources declare `id` as String (or String/Integer).
	namespaceDecl   = decl{params: []param{{name: "id", kind: kString, required: true}}}
	projectListDecl = decl{params: append([]param{{name: "id", kind: kString, required: true}}, scopedFilterParams.params...)}
	groupListDecl   = decl{params: append([]param{{name: "id", kind: kString, required: true}}, filterParams.params...)}
	assignDecl      = namespaceDecl.with(idParam("runner_id"))
	noParams        = decl{}
)

// routes registers every endpoint of the fake.
func (s *Server) routes() {
	user := func(d decl) route { return route{auth: authUser, params: d} }
	runnerToken := func(d decl) route { return route{auth: authNone, params: d} }
	// The project and group runner resources load user_project/user_group
	// and authorize read_runners in a before filter, ahead of validation.
	inProject := func(d decl) route { return route{auth: authUser, before: readProjectRunners, params: d} }
	inGroup := func(d decl) route { return route{auth: authUser, before: readGroupRunners, params: d} }

	s.handle("GET /user", user(noParams), s.getUser)
	s.handle("GET /runners", user(scopedFilterParams), s.listRunners(false))
	s.handle("GET /runners/all", user(scopedFilterParams), s.listRunners(true))
	s.handle("GET /runners/{id}", user(getRunnerDecl), s.getRunner)
	s.handle("PUT /runners/{id}", user(updateDecl), s.updateRunner)
	s.handle("DELETE /runners/{id}", user(runnerIDParams), s.deleteRunner)
	s.handle("GET /runners/{id}/jobs", user(jobsDecl), s.listJobs)
	s.handle("GET /runners/{id}/managers", user(runnerIDParams), s.listManagers)
	s.handle("GET /runners/{id}/projects", user(projectsDecl), s.listRunnerProjects)
	s.handle("POST /runners/{id}/reset_authentication_token", user(runnerIDParams), s.resetRunnerToken)
	s.handle("POST /runners/reset_registration_token", user(noParams), s.resetInstanceRegToken)
	s.handle("POST /user/runners", user(createDecl), s.createRunner)
	s.handle("POST /runners", runnerToken(registerDecl), s.registerRunner)
	s.handle("DELETE /runners", runnerToken(tokenDecl), s.deleteByToken)
	s.handle("DELETE /runners/managers", runnerToken(deleteManagerDecl), s.deleteManager)
	s.handle("POST /runners/verify", runnerToken(verifyDecl), s.verifyRunner)
	s.handle("POST /runners/reset_authentication_token", runnerToken(tokenDecl), s.resetTokenWithToken)
	s.handle("GET /runners/router/discovery", runnerToken(noParams), s.discoverJobRouter)
	s.handle("GET /projects/{id}/runners", inProject(projectListDecl), s.listProjectRunners)
	s.handle("POST /projects/{id}/runners", inProject(assignDecl), s.enableProjectRunner)
	s.handle("DELETE /projects/{id}/runners/{runner_id}", inProject(assignDecl), s.disableProjectRunner)
	s.handle("POST /projects/{id}/runners/reset_registration_token", user(namespaceDecl), s.resetProjectRegToken)
	s.handle("GET /groups/{id}/runners", inGroup(groupListDecl), s.listGroupRunners)
	s.handle("POST /groups/{id}/runners/reset_registration_token", user(namespaceDecl), s.resetGroupRegToken)
	s.controllerRoutes()
}

func (s *Server) getUser(c *call) (int, any, *apiError) {
	return 200, c.user.json(s.webBase(), s.st.created), nil
}

// Permissions follow the newest app/policies/ci/runner_policy.rb (and
// User#ci_available_runners for GET /runners). For a user who is not an
// administrator:
//   - instance runners: everyone reads them; only administrators change them.
//   - group runners: the group's Owners administer them (read, update,
//     delete, list jobs); Maintainers of the group, or of any project in the
//     group or its subgroups, may only read them.
//   - project runners: Maintainers of the owner project (the first one)
//     administer them; Maintainers of another assigned project read, update,
//     assign and list jobs of a runner shared by several projects, but never
//     delete it (belongs_to_more_than_one_project).

// canAdminRunner is the policy's admin | can_admin_runner.
func (s *Server) canAdminRunner(u *user, r *runner) bool {
	if u.admin {
		return true
	}
	switch r.typ {
	case groupType:
		g := s.st.groups[r.groupID]
		return g != nil && s.st.groupRole(u, g) >= RoleOwner
	case projectType:
		return len(r.projectIDs) > 0 && s.maintainsProject(u, r.projectIDs[0])
	}
	return false
}

func (s *Server) maintainsProject(u *user, id int64) bool {
	p := s.st.projects[id]
	return p != nil && s.st.projectRole(u, p) >= RoleMaintainer
}

// available is User#ci_available_runners: project runners of projects u
// maintains, group runners of groups u owns (inherited down the tree).
func (s *Server) available(u *user, r *runner) bool {
	switch r.typ {
	case groupType:
		g := s.st.groups[r.groupID]
		return g != nil && s.st.groupRole(u, g) >= RoleOwner
	case projectType:
		return slices.ContainsFunc(r.projectIDs, func(id int64) bool { return s.maintainsProject(u, id) })
	}
	return false
}

// sharedAvailable is the rule is_project_runner & belongs_to_multiple_projects & runner_available.
func (s *Server) sharedAvailable(u *user, r *runner) bool {
	return r.typ == projectType && len(r.projectIDs) > 1 && s.available(u, r)
}

// mayRead is read_runner.
func (s *Server) mayRead(u *user, r *runner) bool {
	if s.canAdminRunner(u, r) || r.typ == instanceType || s.sharedAvailable(u, r) {
		return true
	}
	switch r.typ {
	case groupType:
		g := s.st.groups[r.groupID]
		if g == nil {
			return false
		}
		if s.st.groupRole(u, g) >= RoleMaintainer {
			return true
		}
		for _, p := range s.st.projects {
			if p.group.within(g) && s.st.projectRole(u, p) >= RoleMaintainer {
				return true
			}
		}
	case projectType:
		return s.available(u, r)
	}
	return false
}

// mayUpdate is update_runner (also assign_runner, less the lock).
func (s *Server) mayUpdate(u *user, r *runner) bool {
	return u != nil && (s.canAdminRunner(u, r) || s.sharedAvailable(u, r))
}

// mayReadBuilds is read_builds: the runner's jobs.
func (s *Server) mayReadBuilds(u *user, r *runner) bool { return s.mayUpdate(u, r) }

// findRunner loads the runner of the Integer parameter name, or 404.
func (c *call) findRunner(name string) (*runner, *apiError) {
	r := c.s.st.runnerByID[c.id(name)]
	if r == nil {
		return nil, errRunner404
	}
	return r, nil
}

// readableRunner is findRunner plus authenticate_show_runner!.
func (c *call) readableRunner() (*runner, *apiError) {
	r, err := c.findRunner("id")
	if err != nil {
		return nil, err
	}
	if !c.s.mayRead(c.user, r) {
		return nil, errNoAccess
	}
	return r, nil
}

// updatableRunner is findRunner plus authenticate_update_runner!.
func (c *call) updatableRunner() (*runner, *apiError) {
	r, err := c.findRunner("id")
	if err != nil {
		return nil, err
	}
	if !c.s.mayUpdate(c.user, r) {
		return nil, errNoAccess
	}
	return r, nil
}

// runnerFilter is the filter set of the runner lists.
type runnerFilter struct {
	typ, status, versionPrefix string
	paused                     *bool
	pausedGiven                bool
	tags                       []string
	hasTags                    bool
}

// readRunnerFilter reads the validated filters; scope is checked against
// the scopes this route allows (filter_runners), after Grape's `values`.
func (c *call) readRunnerFilter(allowedScopes []string) (runnerFilter, *apiError) {
	var f runnerFilter
	a := c.args
	f.typ, _ = a.str("type")
	f.status, _ = a.str("status")
	f.paused, f.pausedGiven = a.boolean("paused")
	f.tags, f.hasTags = a.tags("tag_list")
	f.versionPrefix, _ = a.str("version_prefix")
	if scope, _ := a.str("scope"); scope != "" {
		if !contains(allowedScopes, scope) {
			return f, msgErr(400, "Scope contains invalid value")
		}
		switch {
		case contains(statusesInclDeprecated, scope):
			f.status = and(f.status, scope)
		case scope == "shared":
			f.typ = and(f.typ, instanceType)
		default: // a type, or "specific" (group or project)
			f.typ = and(f.typ, scope)
		}
	}
	return f, nil
}

// and combines a scope with an explicit filter of the same kind: both apply.
func and(filter, scope string) string {
	if filter == "" || filter == scope {
		return scope
	}
	return filter + "&" + scope
}

func (f runnerFilter) match(r *runner, now time.Time) bool {
	for _, typ := range strings.Split(f.typ, "&") {
		switch {
		case typ == "":
		case typ == "specific":
			if r.typ == instanceType {
				return false
			}
		case r.typ != typ:
			return false
		}
	}
	for _, st := range strings.Split(f.status, "&") {
		if st != "" && !r.matchesStatus(st, now) {
			return false
		}
	}
	// `paused` given empty is nil, which GitLab's filter reads as "active".
	if f.pausedGiven && r.paused != (f.paused != nil && *f.paused) {
		return false
	}
	if f.hasTags && !r.hasTags(f.tags) {
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

// listRunnerPage filters the runners, keeps those visible is true for, and
// answers one page of them.
func (c *call) listRunnerPage(f runnerFilter, visible func(*runner) bool) (int, any, *apiError) {
	var hits []*runner
	for _, r := range c.s.st.runners {
		if visible(r) && f.match(r, c.now) {
			hits = append(hits, r)
		}
	}
	from, to := c.offsetPage(len(hits), false)
	out := make([]runnerJSON, 0, to-from)
	for _, r := range hits[from:to] {
		out = append(out, c.s.renderRunner(r, c.now))
	}
	return 200, out, nil
}

func (s *Server) listRunners(all bool) handler {
	return func(c *call) (int, any, *apiError) {
		scopes := statusesInclDeprecated
		visible := func(r *runner) bool { return s.available(c.user, r) }
		if all {
			// authenticated_with_can_read_all_resources! runs in the body, after validation.
			if !c.user.admin {
				return 0, nil, errForbidden
			}
			scopes = runnerScopes
			visible = func(*runner) bool { return true }
		}
		f, err := c.readRunnerFilter(scopes)
		if err != nil {
			return 0, nil, err
		}
		return c.listRunnerPage(f, visible)
	}
}

func (s *Server) getRunner(c *call) (int, any, *apiError) {
	r, err := c.readableRunner()
	if err != nil {
		return 0, nil, err
	}
	include, _ := c.args.boolean("include_projects")
	return 200, s.renderDetails(r, c.user, c.now, include == nil || *include), nil
}

func (s *Server) updateRunner(c *call) (int, any, *apiError) {
	r, err := c.updatableRunner()
	if err != nil {
		return 0, nil, err
	}
	next := *r
	applyRunnerSettings(c.args, &next)
	if v, ok := c.args.str("description"); ok {
		next.description = v
	}
	if verr := validateRunner(&next); verr != nil {
		return 0, nil, verr
	}
	next.updatedAt = c.now
	*r = next
	return 200, s.renderDetails(r, c.user, c.now, true), nil
}

// applyRunnerSettings applies the validated settings shared by create, register and update.
func applyRunnerSettings(a args, r *runner) {
	if b, ok := a.boolean("active"); ok {
		r.paused = b != nil && !*b
	}
	if b, ok := a.boolean("paused"); ok {
		r.paused = b != nil && *b
	}
	if tags, ok := a.tags("tag_list"); ok {
		r.tags = tags
	}
	if b, ok := a.boolean("run_untagged"); ok && b != nil {
		r.runUntagged = *b
	}
	if b, ok := a.boolean("locked"); ok && b != nil {
		r.locked = *b
	}
	if v, ok := a.str("access_level"); ok {
		r.accessLevel = v
	}
	if n, ok := a.integer("maximum_timeout"); ok {
		r.maximumTimeout = n
	}
	if v, ok := a.str("maintenance_note"); ok {
		r.note = v
	}
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
	// authenticate_delete_runner!: the project count comes before the access check.
	if !c.user.admin {
		if len(r.projectIDs) > 1 {
			return 0, nil, msgErr(403, "403 Forbidden - Runner associated with more than one project")
		}
		if !s.canAdminRunner(c.user, r) {
			return 0, nil, errNoAccess
		}
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
	if !s.mayReadBuilds(c.user, r) {
		return 0, nil, errNoAccess
	}
	a := c.args
	status, hasStatus := a.str("status")
	_, hasOrder := a.str("order_by")
	sortDir, _ := a.str("sort")
	systemID, hasSystem := a.str("system_id")
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
	if keyset, _ := c.raw["pagination"].(string); keyset == "keyset" {
		// Ci::Build supports keyset only ordered by id descending (order_by defaults to id).
		if sortDir != "desc" {
			return 0, nil, rawErr(405, "Keyset pagination is not yet available for this type of request")
		}
		_, perPage := a.pageParams()
		slices.Reverse(hits) // id descending
		if cur, ok := a.str("cursor"); ok && cur != "" {
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
			c.setKeysetNext(page[len(page)-1].id)
		}
		return 200, s.renderJobs(page), nil
	}
	// Without order_by the finder sets no order and the paginator adds id ASC.
	if hasOrder && sortDir == "desc" {
		slices.Reverse(hits)
	}
	page, perPage := a.pageParams()
	if page*perPage > offsetJobLimit {
		return 0, nil, rawErr(405, "Offset pagination has a maximum allowed offset of 50000 for requests that return objects of type Ci::Build. Remaining records can be retrieved using keyset pagination.")
	}
	from, to := c.offsetPage(len(hits), hasSystem)
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
	r, err := c.readableRunner()
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
	r, err := c.readableRunner()
	if err != nil {
		return 0, nil, err
	}
	// ProjectsFinder: the runner's projects the caller can see (any membership).
	var ps []*project
	for _, pid := range r.projectIDs {
		if p := s.st.projects[pid]; p != nil && (c.user.admin || s.st.projectRole(c.user, p) > 0) {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b *project) int { return int(a.id - b.id) })
	from, to := c.offsetPage(len(ps), false)
	out := make([]basicProjectJSON, 0, to-from)
	for _, p := range ps[from:to] {
		out = append(out, s.renderBasicProject(p, c.user))
	}
	return 200, out, nil
}

// newRunnerToken gives r a fresh authentication token: glrt- for created
// runners, glrtr- for runners registered with a registration token (§8.1).
func (s *Server) newRunnerToken(r *runner, created bool) {
	delete(s.st.runnerTokens, r.token)
	prefix := "glrtr-"
	if created {
		prefix = "glrt-"
	}
	r.token = secret(prefix + runnerTokenPrefix(r.typ))
	s.st.runnerTokens[r.token] = r
}

func (s *Server) resetRunnerToken(c *call) (int, any, *apiError) {
	r, err := c.updatableRunner()
	if err != nil {
		return 0, nil, err
	}
	s.newRunnerToken(r, strings.HasPrefix(r.token, "glrt-"))
	r.updatedAt = c.now
	return 201, map[string]any{"token": r.token, "token_expires_at": tsp(r.tokenExpiresAt)}, nil
}

func (s *Server) resetInstanceRegToken(c *call) (int, any, *apiError) {
	// ApplicationSettingPolicy: administrators, unless registration tokens are disabled.
	if !c.user.admin || s.st.regDisabled {
		return 0, nil, errForbidden
	}
	delete(s.st.regTokens, s.st.instanceReg)
	s.st.instanceReg = s.st.newRegToken(regScope{kind: instanceType})
	return 201, map[string]any{"token": s.st.instanceReg}, nil
}

// newRunner builds a runner of typ with GitLab's defaults.
func (s *Server) newRunner(typ string, now time.Time) *runner {
	return &runner{id: s.st.id("runner"), typ: typ, runUntagged: true, accessLevel: notProtected, tags: []string{},
		createdAt: now, updatedAt: now}
}

func (s *Server) createRunner(c *call) (int, any, *apiError) {
	a := c.args
	typ, _ := a.str("runner_type")
	r := s.newRunner(typ, c.now)
	insufficient := msgErr(403, "403 Forbidden - Insufficient permissions")
	switch typ {
	case instanceType:
		if !c.user.admin {
			return 0, nil, insufficient
		}
	case groupType:
		g := s.st.groups[c.id("group_id")]
		if g == nil || !(c.user.admin || s.st.groupRole(c.user, g) >= RoleOwner) {
			return 0, nil, insufficient
		}
		r.groupID = g.id
	case projectType:
		pr := s.st.projects[c.id("project_id")]
		if pr == nil || !(c.user.admin || s.st.projectRole(c.user, pr) >= RoleMaintainer) {
			return 0, nil, insufficient
		}
		r.link(pr.id, c.now)
	}
	applyRunnerSettings(a, r)
	r.description, _ = a.str("description")
	if t, ok := a["token_expires_at"].(time.Time); ok {
		r.tokenExpiresAt = &t
	}
	if err := validateRunner(r); err != nil {
		return 0, nil, msgErr(400, "400 Bad request - "+sentence(err))
	}
	r.creator = c.user
	s.newRunnerToken(r, true)
	s.st.insertRunner(r)
	s.st.counters.RunnersCreated++
	return 201, registrationJSON{ID: r.id, Token: r.token, TokenExpiresAt: tsp(r.tokenExpiresAt)}, nil
}

// sentence renders model errors like ActiveModel's full_messages.to_sentence,
// as CreateRunnerService's errors reach bad_request!.
func sentence(e *apiError) string {
	errs, _ := e.body["message"].(map[string][]string)
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		attr := strings.ReplaceAll(k, "_", " ")
		attr = strings.ToUpper(attr[:1]) + attr[1:]
		for _, m := range errs[k] {
			parts = append(parts, attr+" "+m)
		}
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func (s *Server) registerRunner(c *call) (int, any, *apiError) {
	a := c.args
	tok, _ := a.str("token")
	if s.st.regDisabled {
		return 0, nil, msgErr(410, "410 Gone - runner registration disallowed")
	}
	scope, ok := s.st.regTokens[tok]
	if !ok {
		return 0, nil, msgErr(403, "403 Forbidden - invalid token supplied")
	}
	r := s.newRunner(scope.kind, c.now)
	switch scope.kind {
	case groupType:
		r.groupID = scope.id
	case projectType:
		r.link(scope.id, c.now)
	}
	applyRunnerSettings(a, r)
	if v, ok := a.str("maintainer_note"); ok && r.note == "" {
		r.note = v // the deprecated note only when maintenance_note is absent
	}
	r.description, _ = a.str("description")
	if info, ok := a["info"].(map[string]any); ok {
		if n, ok := info["name"].(string); ok {
			r.name = n // the newest server keeps only the name
		}
	}
	if err := validateRunner(r); err != nil {
		return 0, nil, err
	}
	s.newRunnerToken(r, false)
	s.st.insertRunner(r)
	s.st.counters.RunnersCreated++
	return 201, registrationJSON{ID: r.id, Token: r.token, TokenExpiresAt: tsp(r.tokenExpiresAt)}, nil
}

// runnerByToken authenticates a runner-token endpoint: failures are 403, never 401.
func (c *call) runnerByToken() (*runner, *apiError) {
	tok, _ := c.args.str("token")
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
	sys, _ := c.args.str("system_id")
	for i, m := range r.managers {
		if m.systemID == sys {
			if err := c.unmodifiedSince(m.updatedAt); err != nil {
				return 0, nil, err
			}
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
	sys, _ := c.args.str("system_id")
	if sys == "" {
		sys = "<legacy>"
	}
	now := c.now
	r.contactedAt = &now
	found := false
	for _, m := range r.managers {
		if m.systemID == sys {
			m.contactedAt, m.updatedAt, found = &now, now, true
		}
	}
	if !found {
		r.managers = append(r.managers, &manager{id: s.st.id("manager"), systemID: sys, createdAt: now, updatedAt: now, contactedAt: &now})
	}
	return 200, registrationJSON{ID: r.id, Token: r.token, TokenExpiresAt: tsp(r.tokenExpiresAt)}, nil
}

func (s *Server) resetTokenWithToken(c *call) (int, any, *apiError) {
	r, err := c.runnerByToken()
	if err != nil {
		return 0, nil, err
	}
	s.newRunnerToken(r, strings.HasPrefix(r.token, "glrt-"))
	return 201, map[string]any{"token": r.token, "token_expires_at": tsp(r.tokenExpiresAt)}, nil
}

// userProject is user_project: the project of the :id path parameter
// (numeric or full path) if the caller can see it, else 404.
func (c *call) userProject() (*project, *apiError) {
	p := c.s.st.findProject(c.r.PathValue("id"))
	if p == nil || !(c.user.admin || c.s.st.projectRole(c.user, p) > 0) {
		return nil, errProject404 // missing, or a private project the user cannot see
	}
	return p, nil
}

// userGroup is user_group, likewise.
func (c *call) userGroup() (*group, *apiError) {
	g := c.s.st.findGroup(c.r.PathValue("id"))
	if g == nil || !(c.user.admin || c.s.st.groupRole(c.user, g) > 0) {
		return nil, errGroup404
	}
	return g, nil
}

// readProjectRunners is the project resource's before filter:
// authorize! :read_runners, user_project (Maintainer).
func readProjectRunners(c *call) *apiError {
	p, err := c.userProject()
	if err != nil {
		return err
	}
	if !c.user.admin && c.s.st.projectRole(c.user, p) < RoleMaintainer {
		return errForbidden
	}
	c.project = p
	return nil
}

// readGroupRunners is the group resource's before filter:
// authorize! :read_runners, user_group (Maintainer).
func readGroupRunners(c *call) *apiError {
	g, err := c.userGroup()
	if err != nil {
		return err
	}
	if !c.user.admin && c.s.st.groupRole(c.user, g) < RoleMaintainer {
		return errForbidden
	}
	c.group = g
	return nil
}

func (s *Server) listProjectRunners(c *call) (int, any, *apiError) {
	pr := c.project
	f, err := c.readRunnerFilter(runnerScopes)
	if err != nil {
		return 0, nil, err
	}
	// Ci::Runner.owned_or_instance_wide: the project's, its ancestor groups' and instance runners.
	return c.listRunnerPage(f, func(r *runner) bool {
		switch r.typ {
		case instanceType:
			return true
		case groupType:
			g := s.st.groups[r.groupID]
			return g != nil && pr.group.within(g)
		}
		return slices.Contains(r.projectIDs, pr.id)
	})
}

func (s *Server) enableProjectRunner(c *call) (int, any, *apiError) {
	pr := c.project
	if !c.user.admin && s.st.projectRole(c.user, pr) < RoleMaintainer { // authorize! :create_runners
		return 0, nil, errForbidden
	}
	r, err := c.findRunner("runner_id")
	if err != nil {
		return 0, nil, err
	}
	// authenticate_enable_runner!: a group runner is refused even for administrators.
	if r.typ == groupType {
		return 0, nil, msgErr(403, "403 Forbidden - Runner is a group runner")
	}
	if !c.user.admin {
		if r.locked {
			return 0, nil, msgErr(403, "403 Forbidden - Runner is locked")
		}
		if !s.mayUpdate(c.user, r) {
			return 0, nil, errNoAccess
		}
	}
	if r.typ != projectType {
		return 0, nil, msgErr(400, "user not allowed to assign runner - not_authorized_to_assign_runner")
	}
	if slices.Contains(r.projectIDs, pr.id) {
		return 0, nil, msgErr(400, map[string][]string{"runner_projects.project_id": {"has already been taken"}})
	}
	r.link(pr.id, c.now)
	return 201, s.renderRunner(r, c.now), nil
}

func (s *Server) disableProjectRunner(c *call) (int, any, *apiError) {
	pr := c.project
	r := s.st.runnerByID[c.id("runner_id")]
	if r == nil || !slices.Contains(r.projectIDs, pr.id) {
		return 0, nil, errRunner404 // user_project.runner_projects.find_by_runner_id
	}
	if !c.user.admin && r.locked {
		return 0, nil, msgErr(403, "403 Forbidden - Runner is locked")
	}
	// destroy_conditionally!: the precondition on the link row, then the unassign service.
	if err := c.unmodifiedSince(r.linked[pr.id]); err != nil {
		return 0, nil, err
	}
	if r.projectIDs[0] == pr.id {
		return 0, nil, msgErr(403, "403 Forbidden - You cannot unassign a runner from the owner project. Delete the runner instead")
	}
	r.unlink(pr.id)
	return http.StatusNoContent, nil, nil
}

func (s *Server) resetProjectRegToken(c *call) (int, any, *apiError) {
	pr, err := c.userProject()
	if err != nil {
		return 0, nil, err
	}
	// update_runners_registration_token: Maintainers; prevented while registration tokens are disabled.
	if (!c.user.admin && s.st.projectRole(c.user, pr) < RoleMaintainer) || s.st.regDisabled {
		return 0, nil, errForbidden
	}
	delete(s.st.regTokens, pr.regToken)
	pr.regToken = s.st.newRegToken(regScope{kind: projectType, id: pr.id})
	return 201, map[string]any{"token": pr.regToken}, nil
}

func (s *Server) listGroupRunners(c *call) (int, any, *apiError) {
	g := c.group
	f, err := c.readRunnerFilter(nil) // no scope here: an undeclared parameter is ignored
	if err != nil {
		return 0, nil, err
	}
	// Ci::Runner.group_or_instance_wide: the group's and its ancestors' runners, and instance runners.
	return c.listRunnerPage(f, func(r *runner) bool {
		switch r.typ {
		case instanceType:
			return true
		case groupType:
			owner := s.st.groups[r.groupID]
			return owner != nil && g.within(owner)
		}
		return false
	})
}

func (s *Server) resetGroupRegToken(c *call) (int, any, *apiError) {
	g, err := c.userGroup()
	if err != nil {
		return 0, nil, err
	}
	// update_runners_registration_token: Owners; prevented while registration tokens are disabled.
	if (!c.user.admin && s.st.groupRole(c.user, g) < RoleOwner) || s.st.regDisabled {
		return 0, nil, errForbidden
	}
	delete(s.st.regTokens, g.regToken)
	g.regToken = s.st.newRegToken(regScope{kind: groupType, id: g.id})
	return 201, map[string]any{"token": g.regToken}, nil
}

// discoverJobRouter is GET /runners/router/discovery: the runner token comes
// in the Runner-Token header (not a parameter); 501 unless SetJobRouter set a URL.
func (s *Server) discoverJobRouter(c *call) (int, any, *apiError) {
	r := s.st.runnerTokens[c.r.Header.Get("Runner-Token")]
	if r == nil {
		return 0, nil, errForbidden
	}
	if s.st.jobRouter == "" {
		return 0, nil, msgErr(501, "Job Router is not available. Please contact your administrator.")
	}
	return 200, map[string]string{"server_url": s.st.jobRouter}, nil
}
