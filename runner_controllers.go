package runnerapi

import (
	"context"
	"net/http"
	"strconv"
)

// RunnerControllersService is GitLab's Runner Controllers API: controllers
// that admit or reject CI jobs, their tokens and their scopes.
//
// The API is an experiment: GitLab 18.9 or newer, Ultimate licence,
// administrators only. Traps a caller must know:
//   - A non-administrator gets 403 (ErrForbidden); an instance without the
//     licence, or a Community Edition server, answers 404 (ErrNotFound) for
//     every endpoint, also for controllers that exist.
//   - Deleting a controller GitLab cannot destroy is a 400 (ErrBadRequest).
//   - RotateToken answers with a new token ID; the old ID is revoked and
//     becomes 404.
//   - RevokeToken answers 204; revoked tokens vanish from ListTokens and GetToken (404).
//   - Instance and runner scopes exclude each other: adding one while the
//     other exists is 409 (ErrConflict), as is adding a scope twice.
//   - Only instance-type runners can be runner-scoped; others give 422 (ErrUnprocessable).
//   - Removing a scope that does not exist is a 204, not an error.
type RunnerControllersService struct {
	client *Client
}

// controllerPath returns "runner_controllers/<id><suffix>" after checking id.
func controllerPath(id int64, suffix string) (string, error) {
	if id <= 0 {
		return "", invalidID("id", id)
	}
	return "runner_controllers/" + strconv.FormatInt(id, 10) + suffix, nil
}

// controllerTokenPath returns "runner_controllers/<id>/tokens/<tokenID><suffix>" after checking both IDs.
func controllerTokenPath(id, tokenID int64, suffix string) (string, error) {
	p, err := controllerPath(id, "/tokens/")
	if err != nil {
		return "", err
	}
	if tokenID <= 0 {
		return "", invalidID("tokenID", tokenID)
	}
	return p + strconv.FormatInt(tokenID, 10) + suffix, nil
}

// ListRunnerControllersOptions pages RunnerControllers.List.
type ListRunnerControllersOptions struct {
	ListOptions
}

// List lists the runner controllers (GET /runner_controllers).
func (s *RunnerControllersService) List(ctx context.Context, opt *ListRunnerControllersOptions, opts ...RequestOption) ([]*RunnerController, *Response, error) {
	if opt != nil {
		if err := opt.validate("ListRunnerControllersOptions"); err != nil {
			return nil, nil, err
		}
	}
	return doJSON[[]*RunnerController](ctx, s.client, &request{method: http.MethodGet, path: "runner_controllers", query: opt, opts: opts})
}

// Get returns one runner controller, with Connected set (GET /runner_controllers/:id).
func (s *RunnerControllersService) Get(ctx context.Context, id int64, opts ...RequestOption) (*RunnerController, *Response, error) {
	p, err := controllerPath(id, "")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerController](ctx, s.client, &request{method: http.MethodGet, path: p, opts: opts})
}

// CreateRunnerControllerOptions describes a new runner controller. Unset State means disabled.
type CreateRunnerControllerOptions struct {
	Description *string                `json:"description,omitempty"`
	State       *RunnerControllerState `json:"state,omitempty"`
}

// UpdateRunnerControllerOptions changes a runner controller; unset fields are kept.
type UpdateRunnerControllerOptions struct {
	Description *string                `json:"description,omitempty"`
	State       *RunnerControllerState `json:"state,omitempty"`
}

func validateControllerState(owner string, st *RunnerControllerState) error {
	if st != nil && !st.Valid() {
		return &ValidationError{Field: owner + ".State", Reason: strconv.Quote(string(*st)) + " is not disabled, enabled or dry_run"}
	}
	return nil
}

// Create creates a runner controller (POST /runner_controllers).
func (s *RunnerControllersService) Create(ctx context.Context, opt *CreateRunnerControllerOptions, opts ...RequestOption) (*RunnerController, *Response, error) {
	if opt == nil {
		opt = &CreateRunnerControllerOptions{}
	}
	if err := validateControllerState("CreateRunnerControllerOptions", opt.State); err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerController](ctx, s.client, &request{method: http.MethodPost, path: "runner_controllers", body: opt, opts: opts})
}

// Update changes a runner controller's description or state; GitLab accepts
// an empty update as a no-op (PUT /runner_controllers/:id).
func (s *RunnerControllersService) Update(ctx context.Context, id int64, opt *UpdateRunnerControllerOptions, opts ...RequestOption) (*RunnerController, *Response, error) {
	p, err := controllerPath(id, "")
	if err != nil {
		return nil, nil, err
	}
	if opt == nil {
		opt = &UpdateRunnerControllerOptions{}
	}
	if err := validateControllerState("UpdateRunnerControllerOptions", opt.State); err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerController](ctx, s.client, &request{method: http.MethodPut, path: p, body: opt, opts: opts})
}

// Delete deletes a runner controller; a failed destroy is a 400 (DELETE /runner_controllers/:id).
// Use WithIfUnmodifiedSince for a conditional delete.
func (s *RunnerControllersService) Delete(ctx context.Context, id int64, opts ...RequestOption) (*Response, error) {
	p, err := controllerPath(id, "")
	if err != nil {
		return nil, err
	}
	return s.client.send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}

// ListRunnerControllerTokensOptions pages RunnerControllers.ListTokens.
type ListRunnerControllerTokensOptions struct {
	ListOptions
}

// ListTokens lists a controller's active tokens, without their secrets (GET /runner_controllers/:id/tokens).
func (s *RunnerControllersService) ListTokens(ctx context.Context, id int64, opt *ListRunnerControllerTokensOptions, opts ...RequestOption) ([]*RunnerControllerToken, *Response, error) {
	p, err := controllerPath(id, "/tokens")
	if err != nil {
		return nil, nil, err
	}
	if opt != nil {
		if err := opt.validate("ListRunnerControllerTokensOptions"); err != nil {
			return nil, nil, err
		}
	}
	return doJSON[[]*RunnerControllerToken](ctx, s.client, &request{method: http.MethodGet, path: p, query: opt, opts: opts})
}

// GetToken returns one active token of a controller, without its secret; a
// revoked or rotated-away token is 404 (GET /runner_controllers/:id/tokens/:token_id).
func (s *RunnerControllersService) GetToken(ctx context.Context, id, tokenID int64, opts ...RequestOption) (*RunnerControllerToken, *Response, error) {
	p, err := controllerTokenPath(id, tokenID, "")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerToken](ctx, s.client, &request{method: http.MethodGet, path: p, opts: opts})
}

// CreateRunnerControllerTokenOptions describes a new controller token.
type CreateRunnerControllerTokenOptions struct {
	Description *string `json:"description,omitempty"`
}

// CreateToken mints a controller token; the answer is the only time its
// secret Token is shown (POST /runner_controllers/:id/tokens).
func (s *RunnerControllersService) CreateToken(ctx context.Context, id int64, opt *CreateRunnerControllerTokenOptions, opts ...RequestOption) (*RunnerControllerToken, *Response, error) {
	p, err := controllerPath(id, "/tokens")
	if err != nil {
		return nil, nil, err
	}
	if opt == nil {
		opt = &CreateRunnerControllerTokenOptions{}
	}
	return doJSON[*RunnerControllerToken](ctx, s.client, &request{method: http.MethodPost, path: p, body: opt, opts: opts})
}

// RotateToken replaces a controller token with a new one that has a new ID
// and secret; the old ID is revoked at once and becomes 404. Not retried on
// failure: a replay would rotate twice (POST /runner_controllers/:id/tokens/:token_id/rotate).
func (s *RunnerControllersService) RotateToken(ctx context.Context, id, tokenID int64, opts ...RequestOption) (*RunnerControllerToken, *Response, error) {
	p, err := controllerTokenPath(id, tokenID, "/rotate")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerToken](ctx, s.client, &request{method: http.MethodPost, path: p, opts: opts})
}

// RevokeToken revokes a controller token; it then vanishes from lists (DELETE /runner_controllers/:id/tokens/:token_id).
func (s *RunnerControllersService) RevokeToken(ctx context.Context, id, tokenID int64, opts ...RequestOption) (*Response, error) {
	p, err := controllerTokenPath(id, tokenID, "")
	if err != nil {
		return nil, err
	}
	return s.client.send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}

// ListScopes returns where a controller applies; not paginated (GET /runner_controllers/:id/scopes).
func (s *RunnerControllersService) ListScopes(ctx context.Context, id int64, opts ...RequestOption) (*RunnerControllerScopes, *Response, error) {
	p, err := controllerPath(id, "/scopes")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerScopes](ctx, s.client, &request{method: http.MethodGet, path: p, opts: opts})
}

// AddInstanceScope makes a controller apply to the whole instance; 409 if it
// already does or has runner scopes (POST /runner_controllers/:id/scopes/instance).
func (s *RunnerControllersService) AddInstanceScope(ctx context.Context, id int64, opts ...RequestOption) (*RunnerControllerInstanceScoping, *Response, error) {
	p, err := controllerPath(id, "/scopes/instance")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerInstanceScoping](ctx, s.client, &request{method: http.MethodPost, path: p, opts: opts})
}

// RemoveInstanceScope removes a controller's instance scope; a 204 also when
// there was none (DELETE /runner_controllers/:id/scopes/instance).
func (s *RunnerControllersService) RemoveInstanceScope(ctx context.Context, id int64, opts ...RequestOption) (*Response, error) {
	p, err := controllerPath(id, "/scopes/instance")
	if err != nil {
		return nil, err
	}
	return s.client.send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}

// runnerScopePath returns the scope path of one runner after checking both IDs.
func runnerScopePath(id, runnerID int64) (string, error) {
	p, err := controllerPath(id, "/scopes/runners/")
	if err != nil {
		return "", err
	}
	if runnerID <= 0 {
		return "", invalidID("runnerID", runnerID)
	}
	return p + strconv.FormatInt(runnerID, 10), nil
}

// AddRunnerScope makes a controller apply to one instance runner; 422 for a
// group or project runner, 409 if the controller is instance-scoped or
// already has this runner (POST /runner_controllers/:id/scopes/runners/:runner_id).
func (s *RunnerControllersService) AddRunnerScope(ctx context.Context, id, runnerID int64, opts ...RequestOption) (*RunnerControllerRunnerScoping, *Response, error) {
	p, err := runnerScopePath(id, runnerID)
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerRunnerScoping](ctx, s.client, &request{method: http.MethodPost, path: p, opts: opts})
}

// RemoveRunnerScope removes one runner from a controller's scopes; a 204 also
// when it was not scoped (DELETE /runner_controllers/:id/scopes/runners/:runner_id).
func (s *RunnerControllersService) RemoveRunnerScope(ctx context.Context, id, runnerID int64, opts ...RequestOption) (*Response, error) {
	p, err := runnerScopePath(id, runnerID)
	if err != nil {
		return nil, err
	}
	return s.client.send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}
