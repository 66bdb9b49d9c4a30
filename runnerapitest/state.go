package runnerapitest

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const adminToken = "glpat-runnerapitest-admin-0001"

// Membership roles (GitLab access levels).
const (
	RoleGuest      = 10
	RoleReporter   = 20
	RoleDeveloper  = 30
	RoleMaintainer = 40
	RoleOwner      = 50
)

// state is everything the fake knows, guarded by Server.mu.
type state struct {
	created      time.Time
	nextID       map[string]int64
	users        []*user
	usersByToken map[string]*user
	groups       map[int64]*group
	projects     map[int64]*project
	runners      []*runner // id ascending
	runnerByID   map[int64]*runner
	runnerTokens map[string]*runner
	jobs         []*job // id ascending
	regTokens    map[string]regScope
	instanceReg  string
	regDisabled  bool
	controllers  []*controller
	ctrlByID     map[int64]*controller
	unlicensed   bool
	jobRouter    string        // KAS URL of the job router; "" = not available
	running      map[int64]int // runner id -> running jobs
	counters     Counters
}

// regScope is what a registration token registers runners for.
type regScope struct {
	kind string // instance_type, group_type, project_type
	id   int64
}

type group struct {
	id       int64
	name     string
	path     string
	parent   *group
	members  map[int64]int
	regToken string
}

// within reports whether g is anc or one of its descendants.
func (g *group) within(anc *group) bool {
	for ; g != nil; g = g.parent {
		if g == anc {
			return true
		}
	}
	return false
}

func (g *group) fullPath() string {
	if g.parent == nil {
		return g.path
	}
	return g.parent.fullPath() + "/" + g.path
}

func (g *group) fullName() string {
	if g.parent == nil {
		return g.name
	}
	return g.parent.fullName() + " / " + g.name
}

type project struct {
	id       int64
	name     string
	path     string
	group    *group
	members  map[int64]int
	regToken string
	created  time.Time
}

func (p *project) fullPath() string { return p.group.fullPath() + "/" + p.path }

type runner struct {
	id             int64
	typ            string
	description    string
	name           string
	paused         bool
	locked         bool
	runUntagged    bool
	tags           []string
	accessLevel    string
	maximumTimeout *int64
	note           string
	token          string
	tokenExpiresAt *time.Time
	createdAt      time.Time
	updatedAt      time.Time
	contactedAt    *time.Time
	groupID        int64
	projectIDs     []int64             // the first one owns a project runner
	linked         map[int64]time.Time // project id -> updated_at of the runner_projects row
	managers       []*manager
	creator        *user
}

type manager struct {
	id          int64
	systemID    string
	version     string
	revision    string
	platform    string
	arch        string
	ip          string
	createdAt   time.Time
	updatedAt   time.Time
	contactedAt *time.Time
}

// link assigns r to project id (a runner_projects row updated at now).
func (r *runner) link(id int64, now time.Time) {
	r.projectIDs = append(r.projectIDs, id)
	if r.linked == nil {
		r.linked = map[int64]time.Time{}
	}
	r.linked[id] = now
}

// unlink removes r from project id.
func (r *runner) unlink(id int64) {
	r.projectIDs = slices.DeleteFunc(r.projectIDs, func(p int64) bool { return p == id })
	delete(r.linked, id)
}

type job struct {
	id        int64
	runnerID  int64
	projectID int64
	status    string
	name      string
	stage     string
	ref       string
	systemID  string
	createdAt time.Time
	duration  float64
	userID    int64
	pipeline  int64
}

type controller struct {
	id          int64
	description string
	state       string
	createdAt   time.Time
	updatedAt   time.Time
	tokens      []*ctrlToken
	instance    *scopeTimes
	runnerScope []runnerScope
}

type ctrlToken struct {
	id          int64
	description string
	token       string
	revoked     bool
	lastUsedAt  *time.Time
	createdAt   time.Time
	updatedAt   time.Time
}

type scopeTimes struct{ createdAt, updatedAt time.Time }

type runnerScope struct {
	runnerID int64
	scopeTimes
}

func newState(now time.Time) *state {
	st := &state{
		created:      now.Add(-400 * 24 * time.Hour),
		nextID:       map[string]int64{},
		usersByToken: map[string]*user{},
		groups:       map[int64]*group{},
		projects:     map[int64]*project{},
		runnerByID:   map[int64]*runner{},
		runnerTokens: map[string]*runner{},
		regTokens:    map[string]regScope{},
		ctrlByID:     map[int64]*controller{},
		running:      map[int64]int{},
	}
	st.addUser("root", "Administrator", true, adminToken)
	st.instanceReg = st.newRegToken(regScope{kind: instanceType})
	return st
}

func (st *state) id(kind string) int64 {
	st.nextID[kind]++
	return st.nextID[kind]
}

// secret returns a random token with prefix.
func secret(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (st *state) newRegToken(scope regScope) string {
	t := secret("GR1348941")
	st.regTokens[t] = scope
	return t
}

func (st *state) addUser(username, name string, admin bool, token string) *user {
	u := &user{id: st.id("user"), username: username, name: name, admin: admin, token: token}
	st.users = append(st.users, u)
	st.usersByToken[token] = u
	return u
}

// findUser is find_user of lib/api/helpers.rb: a numeric id, else a
// username compared without regard to case.
func (st *state) findUser(s string) *user {
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		for _, u := range st.users {
			if u.id == id {
				return u
			}
		}
		return nil
	}
	for _, u := range st.users {
		if strings.EqualFold(u.username, s) {
			return u
		}
	}
	return nil
}

// groupRole is u's role in g, inherited from ancestors.
func (st *state) groupRole(u *user, g *group) int {
	role := 0
	for ; g != nil; g = g.parent {
		role = max(role, g.members[u.id])
	}
	return role
}

// projectRole is u's role in p, including inherited group roles.
func (st *state) projectRole(u *user, p *project) int {
	return max(p.members[u.id], st.groupRole(u, p.group))
}

// findProject resolves ":id" as a numeric ID or a full path.
func (st *state) findProject(ref string) *project {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return st.projects[id]
	}
	for _, p := range st.projects {
		if p.fullPath() == ref {
			return p
		}
	}
	return nil
}

// findGroup resolves ":id" as a numeric ID or a full path.
func (st *state) findGroup(ref string) *group {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return st.groups[id]
	}
	for _, g := range st.groups {
		if g.fullPath() == ref {
			return g
		}
	}
	return nil
}

// insertRunner adds r keeping id order.
func (st *state) insertRunner(r *runner) {
	st.runners = append(st.runners, r)
	st.runnerByID[r.id] = r
	if r.token != "" {
		st.runnerTokens[r.token] = r
	}
}

// deleteRunner removes r and everything that hangs off it.
func (st *state) deleteRunner(r *runner) {
	i := sort.Search(len(st.runners), func(i int) bool { return st.runners[i].id >= r.id })
	if i < len(st.runners) && st.runners[i] == r {
		st.runners = append(st.runners[:i], st.runners[i+1:]...)
	}
	delete(st.runnerByID, r.id)
	delete(st.runnerTokens, r.token)
	for _, c := range st.controllers {
		kept := c.runnerScope[:0]
		for _, s := range c.runnerScope {
			if s.runnerID != r.id {
				kept = append(kept, s)
			}
		}
		c.runnerScope = kept
	}
	st.counters.RunnersDeleted++
}

// runnerTokenPrefix is the partition prefix of a runner's token (t1_ instance, t2_ group, t3_ project).
func runnerTokenPrefix(typ string) string {
	switch typ {
	case instanceType:
		return "t1_"
	case groupType:
		return "t2_"
	}
	return "t3_"
}

// Runner status rules (GitLab: online within 2 h, stale after 7 days).
const (
	onlineWindow = 2 * time.Hour
	staleAfter   = 7 * 24 * time.Hour
)

func (r *runner) stale(now time.Time) bool {
	last := r.createdAt
	if r.contactedAt != nil && r.contactedAt.After(last) {
		last = *r.contactedAt
	}
	return !last.After(now.Add(-staleAfter))
}

func (r *runner) online(now time.Time) *bool {
	if r.contactedAt == nil {
		return nil
	}
	b := r.contactedAt.After(now.Add(-onlineWindow))
	return &b
}

// status is GitLab's deprecated REST status of the runner.
func (r *runner) status(now time.Time) string {
	switch {
	case r.stale(now):
		return "stale"
	case r.contactedAt == nil:
		return "never_contacted"
	case r.paused:
		return "paused"
	case *r.online(now):
		return "online"
	}
	return "offline"
}

// matchesStatus applies the status filter.
func (r *runner) matchesStatus(status string, now time.Time) bool {
	switch status {
	case "online":
		return r.contactedAt != nil && r.contactedAt.After(now.Add(-onlineWindow))
	case "offline":
		return r.contactedAt != nil && !r.contactedAt.After(now.Add(-onlineWindow))
	case "never_contacted":
		return r.contactedAt == nil
	case "stale":
		return r.stale(now)
	case "active":
		return !r.paused
	case "paused":
		return r.paused
	}
	return false
}

func (r *runner) hasTags(tags []string) bool {
	for _, t := range tags {
		found := false
		for _, have := range r.tags {
			if have == t {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// latestManager is the most recently contacted manager, which details report.
func (r *runner) latestManager() *manager {
	var best *manager
	for _, m := range r.managers {
		if best == nil || (m.contactedAt != nil && (best.contactedAt == nil || m.contactedAt.After(*best.contactedAt))) {
			best = m
		}
	}
	return best
}

// jobsRunning reports whether r has a running job (job_execution_status active).
func (st *state) jobsRunning(r *runner) bool { return st.running[r.id] > 0 }
