package runnerapitest

import (
	"net/http"
	"slices"
	"time"
)

// Parameter blocks of runner_controllers.rb, runner_controller_tokens.rb and
// runner_controller_scopes.rb (EE, newest).
var (
	ctrlListDecl   = decl{params: pagination}
	ctrlIDDecl     = decl{params: []param{idParam("id")}}
	ctrlCreateDecl = decl{params: []param{
		{name: "description", kind: kString},
		{name: "state", kind: kString, values: controllerStates, def: controllerDisabled},
	}}
	ctrlUpdateDecl = decl{params: []param{
		idParam("id"),
		{name: "description", kind: kString},
		{name: "state", kind: kString, values: controllerStates},
	}}
	ctrlTokensDecl     = decl{params: append([]param{idParam("runner_controller_id")}, pagination...)}
	ctrlTokenDecl      = decl{params: []param{idParam("runner_controller_id"), idParam("id")}}
	ctrlNewTokenDecl   = decl{params: []param{idParam("runner_controller_id"), {name: "description", kind: kString}}}
	ctrlRunnerScopeDcl = decl{params: []param{idParam("id"), idParam("runner_id")}}
)

// controllerRoutes registers the Runner Controllers API (GitLab 18.9+, Ultimate, admin only).
// The token routes name the controller runner_controller_id and the token id, as GitLab does.
func (s *Server) controllerRoutes() {
	ctl := func(d decl) route { return route{auth: authAdmin, before: s.licensed, params: d} }
	s.handle("GET /runner_controllers", ctl(ctrlListDecl), s.listControllers)
	s.handle("POST /runner_controllers", ctl(ctrlCreateDecl), s.createController)
	s.handle("GET /runner_controllers/{id}", ctl(ctrlIDDecl), s.getController)
	s.handle("PUT /runner_controllers/{id}", ctl(ctrlUpdateDecl), s.updateController)
	s.handle("DELETE /runner_controllers/{id}", ctl(ctrlIDDecl), s.deleteController)
	s.handle("GET /runner_controllers/{runner_controller_id}/tokens", ctl(ctrlTokensDecl), s.listCtrlTokens)
	s.handle("POST /runner_controllers/{runner_controller_id}/tokens", ctl(ctrlNewTokenDecl), s.createCtrlToken)
	s.handle("GET /runner_controllers/{runner_controller_id}/tokens/{id}", ctl(ctrlTokenDecl), s.getCtrlToken)
	s.handle("DELETE /runner_controllers/{runner_controller_id}/tokens/{id}", ctl(ctrlTokenDecl), s.revokeCtrlToken)
	s.handle("POST /runner_controllers/{runner_controller_id}/tokens/{id}/rotate", ctl(ctrlTokenDecl), s.rotateCtrlToken)
	s.handle("GET /runner_controllers/{id}/scopes", ctl(ctrlIDDecl), s.listScopes)
	s.handle("POST /runner_controllers/{id}/scopes/instance", ctl(ctrlIDDecl), s.addInstanceScope)
	s.handle("DELETE /runner_controllers/{id}/scopes/instance", ctl(ctrlIDDecl), s.removeInstanceScope)
	s.handle("POST /runner_controllers/{id}/scopes/runners/{runner_id}", ctl(ctrlRunnerScopeDcl), s.addRunnerScope)
	s.handle("DELETE /runner_controllers/{id}/scopes/runners/{runner_id}", ctl(ctrlRunnerScopeDcl), s.removeRunnerScope)
}

// licensed is the prelude's licence check, after the administrator check: 404 without Ultimate.
func (s *Server) licensed(c *call) *apiError {
	if s.st.unlicensed {
		return errNotFound
	}
	return nil
}

// findController loads the controller of the Integer parameter key; the
// scope endpoints use `find`, hence their lowercase message.
func (c *call) findController(key string, notFound *apiError) (*controller, *apiError) {
	ctl := c.s.st.ctrlByID[c.id(key)]
	if ctl == nil {
		return nil, notFound
	}
	return ctl, nil
}

func (s *Server) listControllers(c *call) (int, any, *apiError) {
	from, to := c.offsetPage(len(s.st.controllers), false)
	out := make([]controllerJSON, 0, to-from)
	for _, ctl := range s.st.controllers[from:to] {
		out = append(out, renderController(ctl))
	}
	return 200, out, nil
}

// connectedWindow: a controller is connected when a token was used within the hour.
const connectedWindow = time.Hour

func (s *Server) getController(c *call) (int, any, *apiError) {
	ctl, err := c.findController("id", errNotFound)
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

// controllerFields applies the validated description and state.
func controllerFields(a args, ctl *controller) *apiError {
	if v, ok := a.str("state"); ok {
		ctl.state = v
	}
	if v, ok := a.str("description"); ok {
		ctl.description = v
	}
	if len(ctl.description) > 1024 {
		return msgErr(400, "Description is too long (maximum is 1024 characters)")
	}
	return nil
}

func (s *Server) createController(c *call) (int, any, *apiError) {
	ctl := &controller{state: controllerDisabled, createdAt: c.now, updatedAt: c.now}
	if err := controllerFields(c.args, ctl); err != nil {
		return 0, nil, err
	}
	ctl.id = s.st.id("controller")
	s.st.controllers = append(s.st.controllers, ctl)
	s.st.ctrlByID[ctl.id] = ctl
	s.st.counters.ControllersCreated++
	return 201, renderController(ctl), nil
}

func (s *Server) updateController(c *call) (int, any, *apiError) {
	ctl, err := c.findController("id", errNotFound)
	if err != nil {
		return 0, nil, err
	}
	next := *ctl
	if err := controllerFields(c.args, &next); err != nil {
		return 0, nil, err
	}
	next.updatedAt = c.now
	*ctl = next
	return 200, renderController(ctl), nil
}

func (s *Server) deleteController(c *call) (int, any, *apiError) {
	ctl, err := c.findController("id", errNotFound)
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
	id := c.id("id")
	for _, t := range activeTokens(ctl) {
		if t.id == id {
			return t, nil
		}
	}
	return nil, errNotFound
}

func (s *Server) listCtrlTokens(c *call) (int, any, *apiError) {
	ctl, err := c.findController("runner_controller_id", errNotFound)
	if err != nil {
		return 0, nil, err
	}
	toks := activeTokens(ctl)
	from, to := c.offsetPage(len(toks), false)
	out := make([]ctrlTokenJSON, 0, to-from)
	for _, t := range toks[from:to] {
		out = append(out, renderCtrlToken(ctl, t, false))
	}
	return 200, out, nil
}

func (s *Server) getCtrlToken(c *call) (int, any, *apiError) {
	ctl, err := c.findController("runner_controller_id", errNotFound)
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
	ctl, err := c.findController("runner_controller_id", errNotFound)
	if err != nil {
		return 0, nil, err
	}
	desc, _ := c.args.str("description")
	if len(desc) > 1024 {
		return 0, nil, msgErr(400, "Description is too long (maximum is 1024 characters)")
	}
	return 201, renderCtrlToken(ctl, s.mintToken(ctl, desc, c.now), true), nil
}

func (s *Server) revokeCtrlToken(c *call) (int, any, *apiError) {
	ctl, err := c.findController("runner_controller_id", errNotFound)
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
	ctl, err := c.findController("runner_controller_id", errNotFound)
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
	Instance []map[string]stamp `json:"instance_level_scopings"`
	Runners  []map[string]any   `json:"runner_level_scopings"`
}

func (s *Server) listScopes(c *call) (int, any, *apiError) {
	ctl, err := c.findController("id", errNotFoundLow)
	if err != nil {
		return 0, nil, err
	}
	out := scopesJSON{Instance: []map[string]stamp{}, Runners: []map[string]any{}}
	if ctl.instance != nil {
		out.Instance = append(out.Instance, map[string]stamp{"created_at": ts(ctl.instance.createdAt), "updated_at": ts(ctl.instance.updatedAt)})
	}
	for _, rs := range ctl.runnerScope {
		out.Runners = append(out.Runners, map[string]any{"runner_id": rs.runnerID, "created_at": ts(rs.createdAt), "updated_at": ts(rs.updatedAt)})
	}
	return 200, out, nil
}

func (s *Server) addInstanceScope(c *call) (int, any, *apiError) {
	ctl, err := c.findController("id", errNotFoundLow)
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
	return 201, map[string]stamp{"created_at": ts(c.now), "updated_at": ts(c.now)}, nil
}

func (s *Server) removeInstanceScope(c *call) (int, any, *apiError) {
	ctl, err := c.findController("id", errNotFoundLow)
	if err != nil {
		return 0, nil, err
	}
	ctl.instance = nil
	return http.StatusNoContent, nil, nil
}

func (c *call) findScopeRunner() (*runner, *apiError) {
	r := c.s.st.runnerByID[c.id("runner_id")]
	if r == nil {
		return nil, errNotFoundLow
	}
	return r, nil
}

func (s *Server) addRunnerScope(c *call) (int, any, *apiError) {
	ctl, err := c.findController("id", errNotFoundLow)
	if err != nil {
		return 0, nil, err
	}
	r, err := c.findScopeRunner()
	if err != nil {
		return 0, nil, err
	}
	if r.typ != instanceType {
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
	return 201, map[string]any{"runner_id": r.id, "created_at": ts(c.now), "updated_at": ts(c.now)}, nil
}

func (s *Server) removeRunnerScope(c *call) (int, any, *apiError) {
	ctl, err := c.findController("id", errNotFoundLow)
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
