package runnerapitest

import (
	"net/http"
	"slices"
	"time"
)

// controllerRoutes registers the Runner Controllers API (GitLab 18.9+, Ultimate, admin only).
func (s *Server) controllerRoutes() {
	s.handle("GET /runner_controllers", s.ctrl(s.listControllers))
	s.handle("POST /runner_controllers", s.ctrl(s.createController))
	s.handle("GET /runner_controllers/{id}", s.ctrl(s.getController))
	s.handle("PUT /runner_controllers/{id}", s.ctrl(s.updateController))
	s.handle("DELETE /runner_controllers/{id}", s.ctrl(s.deleteController))
	s.handle("GET /runner_controllers/{id}/tokens", s.ctrl(s.listCtrlTokens))
	s.handle("POST /runner_controllers/{id}/tokens", s.ctrl(s.createCtrlToken))
	s.handle("GET /runner_controllers/{id}/tokens/{token_id}", s.ctrl(s.getCtrlToken))
	s.handle("DELETE /runner_controllers/{id}/tokens/{token_id}", s.ctrl(s.revokeCtrlToken))
	s.handle("POST /runner_controllers/{id}/tokens/{token_id}/rotate", s.ctrl(s.rotateCtrlToken))
	s.handle("GET /runner_controllers/{id}/scopes", s.ctrl(s.listScopes))
	s.handle("POST /runner_controllers/{id}/scopes/instance", s.ctrl(s.addInstanceScope))
	s.handle("DELETE /runner_controllers/{id}/scopes/instance", s.ctrl(s.removeInstanceScope))
	s.handle("POST /runner_controllers/{id}/scopes/runners/{runner_id}", s.ctrl(s.addRunnerScope))
	s.handle("DELETE /runner_controllers/{id}/scopes/runners/{runner_id}", s.ctrl(s.removeRunnerScope))
}

// ctrl runs GitLab's prelude: administrator first (401/403), then the licence (404).
func (s *Server) ctrl(h handler) handler {
	return func(c *call) (int, any, *apiError) {
		if err := c.admin(); err != nil {
			return 0, nil, err
		}
		if s.st.unlicensed {
			return 0, nil, errNotFound
		}
		return h(c)
	}
}

// findController loads :id; the scope endpoints use `find`, hence their lowercase message.
func (c *call) findController(notFound *apiError) (*controller, *apiError) {
	id, err := c.idParam("id")
	if err != nil {
		return nil, err
	}
	ctl := c.s.st.ctrlByID[id]
	if ctl == nil {
		return nil, notFound
	}
	return ctl, nil
}

func validState(s string) bool { return s == "disabled" || s == "enabled" || s == "dry_run" }

func (s *Server) listControllers(c *call) (int, any, *apiError) {
	from, to, err := c.offsetPage(len(s.st.controllers), false)
	if err != nil {
		return 0, nil, err
	}
	out := make([]controllerJSON, 0, to-from)
	for _, ctl := range s.st.controllers[from:to] {
		out = append(out, renderController(ctl))
	}
	return 200, out, nil
}

// connectedWindow: a controller is connected when a token was used within the hour.
const connectedWindow = time.Hour

func (s *Server) getController(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFound)
	if err != nil {
		return 0, nil, err
	}
	out := renderController(ctl)
	connected := false
	for _, t := range ctl.tokens {
		if !t.revoked && t.lastUsedAt != nil && t.lastUsedAt.After(c.now.Add(-connectedWindow)) {
			connected = true
		}
	}
	out.Connected = &connected
	return 200, out, nil
}

// controllerFields reads description and state.
func controllerFields(p params, ctl *controller) *apiError {
	if v, ok := p.str("state"); ok {
		if !validState(v) {
			return rawErr(400, "state does not have a valid value")
		}
		ctl.state = v
	}
	if v, ok := p.str("description"); ok {
		ctl.description = v
	}
	if len(ctl.description) > 1024 {
		return msgErr(400, "Description is too long (maximum is 1024 characters)")
	}
	return nil
}

func (s *Server) createController(c *call) (int, any, *apiError) {
	ctl := &controller{state: "disabled", createdAt: c.now, updatedAt: c.now}
	if err := controllerFields(c.params, ctl); err != nil {
		return 0, nil, err
	}
	ctl.id = s.st.id("controller")
	s.st.controllers = append(s.st.controllers, ctl)
	s.st.ctrlByID[ctl.id] = ctl
	s.st.counters.ControllersCreated++
	return 201, renderController(ctl), nil
}

func (s *Server) updateController(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFound)
	if err != nil {
		return 0, nil, err
	}
	next := *ctl
	if err := controllerFields(c.params, &next); err != nil {
		return 0, nil, err
	}
	next.updatedAt = c.now
	*ctl = next
	return 200, renderController(ctl), nil
}

func (s *Server) deleteController(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFound)
	if err != nil {
		return 0, nil, err
	}
	if err := c.unmodifiedSince(ctl.updatedAt); err != nil {
		return 0, nil, err
	}
	s.st.controllers = slices.DeleteFunc(s.st.controllers, func(x *controller) bool { return x == ctl })
	delete(s.st.ctrlByID, ctl.id)
	return http.StatusNoContent, nil, nil
}

// activeTokens are the tokens GitLab shows: revoked ones vanish.
func activeTokens(ctl *controller) []*ctrlToken {
	var out []*ctrlToken
	for _, t := range ctl.tokens {
		if !t.revoked {
			out = append(out, t)
		}
	}
	return out
}

func (c *call) findCtrlToken(ctl *controller) (*ctrlToken, *apiError) {
	id, err := c.idParam("token_id")
	if err != nil {
		return nil, err
	}
	for _, t := range activeTokens(ctl) {
		if t.id == id {
			return t, nil
		}
	}
	return nil, errNotFound
}

func (s *Server) listCtrlTokens(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFound)
	if err != nil {
		return 0, nil, err
	}
	toks := activeTokens(ctl)
	from, to, err := c.offsetPage(len(toks), false)
	if err != nil {
		return 0, nil, err
	}
	out := make([]ctrlTokenJSON, 0, to-from)
	for _, t := range toks[from:to] {
		out = append(out, renderCtrlToken(ctl, t, false))
	}
	return 200, out, nil
}

func (s *Server) getCtrlToken(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFound)
	if err != nil {
		return 0, nil, err
	}
	t, err := c.findCtrlToken(ctl)
	if err != nil {
		return 0, nil, err
	}
	return 200, renderCtrlToken(ctl, t, false), nil
}

// mintToken adds an active token to ctl.
func (s *Server) mintToken(ctl *controller, description string, now time.Time) *ctrlToken {
	t := &ctrlToken{id: s.st.id("ctrltoken"), description: description, token: secret("glrct-"), createdAt: now, updatedAt: now}
	ctl.tokens = append(ctl.tokens, t)
	s.st.counters.ControllerTokensCreated++
	return t
}

func (s *Server) createCtrlToken(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFound)
	if err != nil {
		return 0, nil, err
	}
	desc, _ := c.params.str("description")
	if len(desc) > 1024 {
		return 0, nil, msgErr(400, "Description is too long (maximum is 1024 characters)")
	}
	return 201, renderCtrlToken(ctl, s.mintToken(ctl, desc, c.now), true), nil
}

func (s *Server) revokeCtrlToken(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFound)
	if err != nil {
		return 0, nil, err
	}
	t, err := c.findCtrlToken(ctl)
	if err != nil {
		return 0, nil, err
	}
	t.revoked, t.updatedAt = true, c.now
	return http.StatusNoContent, nil, nil
}

func (s *Server) rotateCtrlToken(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFound)
	if err != nil {
		return 0, nil, err
	}
	old, err := c.findCtrlToken(ctl)
	if err != nil {
		return 0, nil, err
	}
	old.revoked, old.updatedAt = true, c.now
	return 200, renderCtrlToken(ctl, s.mintToken(ctl, old.description, c.now), true), nil
}

type scopesJSON struct {
	Instance []map[string]time.Time `json:"instance_level_scopings"`
	Runners  []map[string]any       `json:"runner_level_scopings"`
}

func (s *Server) listScopes(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFoundLow)
	if err != nil {
		return 0, nil, err
	}
	out := scopesJSON{Instance: []map[string]time.Time{}, Runners: []map[string]any{}}
	if ctl.instance != nil {
		out.Instance = append(out.Instance, map[string]time.Time{"created_at": ctl.instance.createdAt, "updated_at": ctl.instance.updatedAt})
	}
	for _, rs := range ctl.runnerScope {
		out.Runners = append(out.Runners, map[string]any{"runner_id": rs.runnerID, "created_at": rs.createdAt, "updated_at": rs.updatedAt})
	}
	return 200, out, nil
}

func (s *Server) addInstanceScope(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFoundLow)
	if err != nil {
		return 0, nil, err
	}
	switch {
	case ctl.instance != nil:
		return 0, nil, msgErr(409, "Instance-level scope already exists for this runner controller")
	case len(ctl.runnerScope) > 0:
		return 0, nil, msgErr(409, "Runner controller already has runner-level scopes. Remove them before adding instance-level scope.")
	}
	ctl.instance = &scopeTimes{c.now, c.now}
	return 201, map[string]time.Time{"created_at": c.now, "updated_at": c.now}, nil
}

func (s *Server) removeInstanceScope(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFoundLow)
	if err != nil {
		return 0, nil, err
	}
	ctl.instance = nil
	return http.StatusNoContent, nil, nil
}

func (c *call) findScopeRunner() (*runner, *apiError) {
	id, err := c.idParam("runner_id")
	if err != nil {
		return nil, err
	}
	r := c.s.st.runnerByID[id]
	if r == nil {
		return nil, errNotFoundLow
	}
	return r, nil
}

func (s *Server) addRunnerScope(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFoundLow)
	if err != nil {
		return 0, nil, err
	}
	r, err := c.findScopeRunner()
	if err != nil {
		return 0, nil, err
	}
	if r.typ != "instance_type" {
		return 0, nil, msgErr(422, "Only instance-type runners can be scoped")
	}
	if ctl.instance != nil {
		return 0, nil, msgErr(409, "Runner controller already has instance-level scope. Remove it before adding runner scopes.")
	}
	for _, rs := range ctl.runnerScope {
		if rs.runnerID == r.id {
			return 0, nil, msgErr(409, "Runner scope already exists for this runner controller")
		}
	}
	ctl.runnerScope = append(ctl.runnerScope, runnerScope{r.id, scopeTimes{c.now, c.now}})
	return 201, map[string]any{"runner_id": r.id, "created_at": c.now, "updated_at": c.now}, nil
}

func (s *Server) removeRunnerScope(c *call) (int, any, *apiError) {
	ctl, err := c.findController(errNotFoundLow)
	if err != nil {
		return 0, nil, err
	}
	r, err := c.findScopeRunner()
	if err != nil {
		return 0, nil, err
	}
	ctl.runnerScope = slices.DeleteFunc(ctl.runnerScope, func(rs runnerScope) bool { return rs.runnerID == r.id })
	return http.StatusNoContent, nil, nil
}
