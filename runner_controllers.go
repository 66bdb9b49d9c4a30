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
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/
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

// List lists the runner controllers.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#list-all-runner-controllers
//
//	GET /runner_controllers
func (s *RunnerControllersService) List(ctx context.Context, opt *ListRunnerControllersOptions, opts ...RequestOption) ([]*RunnerController, *Response, error) {
	if opt != nil {
		if err := opt.validate("ListRunnerControllersOptions"); err != nil {
			return nil, nil, err
		}
	}
	return doJSON[[]*RunnerController](ctx, s.c(), &request{method: http.MethodGet, path: "runner_controllers", query: opt, opts: opts})
}

// Get returns one runner controller, with Connected set.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#retrieve-a-single-runner-controller
//
//	GET /runner_controllers/:id
func (s *RunnerControllersService) Get(ctx context.Context, id int64, opts ...RequestOption) (*RunnerController, *Response, error) {
	p, err := controllerPath(id, "")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerController](ctx, s.c(), &request{method: http.MethodGet, path: p, opts: opts})
}

// CreateRunnerControllerOptions are the optional settings of
// RunnerControllers.Create; nil creates a disabled controller without a description.
type CreateRunnerControllerOptions struct {
	// Description is a free-form description (at most 1024 characters).
	Description *string `json:"description,omitempty"`
	// State is the initial state; unset means RunnerControllerStateDisabled.
	State *RunnerControllerState `json:"state,omitempty"`
}

// UpdateRunnerControllerOptions changes a runner controller; unset fields
// are kept, and nil (or an empty struct) is a no-op update.
type UpdateRunnerControllerOptions struct {
	// Description replaces the description (at most 1024 characters).
	Description *string `json:"description,omitempty"`
	// State replaces the state.
	State *RunnerControllerState `json:"state,omitempty"`
}

func validateControllerState(owner string, st *RunnerControllerState) error {
	if st != nil && !st.Valid() {
		return enumError(owner+".State", *st, knownRunnerControllerStates)
	}
	return nil
}

// Create creates a runner controller.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#register-a-runner-controller
//
//	POST /runner_controllers
func (s *RunnerControllersService) Create(ctx context.Context, opt *CreateRunnerControllerOptions, opts ...RequestOption) (*RunnerController, *Response, error) {
	if opt == nil {
		opt = &CreateRunnerControllerOptions{}
	}
	if err := validateControllerState("CreateRunnerControllerOptions", opt.State); err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerController](ctx, s.c(), &request{method: http.MethodPost, path: "runner_controllers", body: opt, opts: opts})
}

// Update changes a runner controller's description or state; GitLab accepts
// an empty update as a no-op.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#update-a-runner-controller
//
//	PUT /runner_controllers/:id
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
	return doJSON[*RunnerController](ctx, s.c(), &request{method: http.MethodPut, path: p, body: opt, opts: opts})
}

// Delete deletes a runner controller; a failed destroy is a 400
// (ErrBadRequest). With WithIfUnmodifiedSince the delete is conditional
// (412, ErrPreconditionFailed, if the controller changed after that time).
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#delete-a-runner-controller
//
//	DELETE /runner_controllers/:id
func (s *RunnerControllersService) Delete(ctx context.Context, id int64, opts ...RequestOption) (*Response, error) {
	p, err := controllerPath(id, "")
	if err != nil {
		return nil, err
	}
	return s.c().send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}

// ListRunnerControllerTokensOptions pages RunnerControllers.ListTokens.
type ListRunnerControllerTokensOptions struct {
	ListOptions
}

// ListTokens lists a controller's active tokens, without their secrets.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controller_tokens/#list-all-runner-controller-tokens
//
//	GET /runner_controllers/:id/tokens
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
	return doJSON[[]*RunnerControllerToken](ctx, s.c(), &request{method: http.MethodGet, path: p, query: opt, opts: opts})
}

// GetToken returns one active token of a controller, without its secret; a
// revoked or rotated-away token is 404 (ErrNotFound).
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controller_tokens/#retrieve-a-single-runner-controller-token
//
//	GET /runner_controllers/:id/tokens/:token_id
func (s *RunnerControllersService) GetToken(ctx context.Context, id, tokenID int64, opts ...RequestOption) (*RunnerControllerToken, *Response, error) {
	p, err := controllerTokenPath(id, tokenID, "")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerToken](ctx, s.c(), &request{method: http.MethodGet, path: p, opts: opts})
}

// CreateRunnerControllerTokenOptions are the optional settings of
// RunnerControllers.CreateToken; nil creates a token without a description.
type CreateRunnerControllerTokenOptions struct {
	// Description is a free-form description (at most 1024 characters).
	Description *string `json:"description,omitempty"`
}

// CreateToken mints a controller token; the answer is the only time its
// secret Token is shown. Not retried on a lost answer: a replay would mint
// a second token.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controller_tokens/#create-a-runner-controller-token
//
//	POST /runner_controllers/:id/tokens
func (s *RunnerControllersService) CreateToken(ctx context.Context, id int64, opt *CreateRunnerControllerTokenOptions, opts ...RequestOption) (*RunnerControllerToken, *Response, error) {
	p, err := controllerPath(id, "/tokens")
	if err != nil {
		return nil, nil, err
	}
	if opt == nil {
		opt = &CreateRunnerControllerTokenOptions{}
	}
	return doJSON[*RunnerControllerToken](ctx, s.c(), &request{method: http.MethodPost, path: p, body: opt, opts: opts})
}

// RotateToken replaces a controller token with a new one that has a new ID
// and secret; the old ID is revoked at once and becomes 404. Not retried on
// failure: a replay would rotate twice.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controller_tokens/#rotate-a-runner-controller-token
//
//	POST /runner_controllers/:id/tokens/:token_id/rotate
func (s *RunnerControllersService) RotateToken(ctx context.Context, id, tokenID int64, opts ...RequestOption) (*RunnerControllerToken, *Response, error) {
	p, err := controllerTokenPath(id, tokenID, "/rotate")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerToken](ctx, s.c(), &request{method: http.MethodPost, path: p, opts: opts})
}

// RevokeToken revokes a controller token; it then vanishes from ListTokens
// and GetToken answers 404.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controller_tokens/#revoke-a-runner-controller-token
//
//	DELETE /runner_controllers/:id/tokens/:token_id
func (s *RunnerControllersService) RevokeToken(ctx context.Context, id, tokenID int64, opts ...RequestOption) (*Response, error) {
	p, err := controllerTokenPath(id, tokenID, "")
	if err != nil {
		return nil, err
	}
	return s.c().send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}

// ListScopes returns where a controller applies; not paginated.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#list-all-scopes-for-a-runner-controller
//
//	GET /runner_controllers/:id/scopes
func (s *RunnerControllersService) ListScopes(ctx context.Context, id int64, opts ...RequestOption) (*RunnerControllerScopes, *Response, error) {
	p, err := controllerPath(id, "/scopes")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerScopes](ctx, s.c(), &request{method: http.MethodGet, path: p, opts: opts})
}

// AddInstanceScope makes a controller apply to the whole instance; 409
// (ErrConflict) if it already does or has runner scopes.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#add-instance-scope
//
//	POST /runner_controllers/:id/scopes/instance
func (s *RunnerControllersService) AddInstanceScope(ctx context.Context, id int64, opts ...RequestOption) (*RunnerControllerInstanceScoping, *Response, error) {
	p, err := controllerPath(id, "/scopes/instance")
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerInstanceScoping](ctx, s.c(), &request{method: http.MethodPost, path: p, opts: opts})
}

// RemoveInstanceScope removes a controller's instance scope; a 204 also when
// there was none.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#remove-instance-scope
//
//	DELETE /runner_controllers/:id/scopes/instance
func (s *RunnerControllersService) RemoveInstanceScope(ctx context.Context, id int64, opts ...RequestOption) (*Response, error) {
	p, err := controllerPath(id, "/scopes/instance")
	if err != nil {
		return nil, err
	}
	return s.c().send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
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

// AddRunnerScope makes a controller apply to one instance runner; 422
// (ErrUnprocessable) for a group or project runner, 409 (ErrConflict) if the
// controller is instance-scoped or already has this runner. GitLab 18.10 or newer.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#add-runner-scope
//
//	POST /runner_controllers/:id/scopes/runners/:runner_id
func (s *RunnerControllersService) AddRunnerScope(ctx context.Context, id, runnerID int64, opts ...RequestOption) (*RunnerControllerRunnerScoping, *Response, error) {
	p, err := runnerScopePath(id, runnerID)
	if err != nil {
		return nil, nil, err
	}
	return doJSON[*RunnerControllerRunnerScoping](ctx, s.c(), &request{method: http.MethodPost, path: p, opts: opts})
}

// RemoveRunnerScope removes one runner from a controller's scopes; a 204 also
// when it was not scoped. GitLab 18.10 or newer.
//
// GitLab API docs: https://docs.gitlab.com/api/runner_controllers/#remove-runner-scope
//
//	DELETE /runner_controllers/:id/scopes/runners/:runner_id
func (s *RunnerControllersService) RemoveRunnerScope(ctx context.Context, id, runnerID int64, opts ...RequestOption) (*Response, error) {
	p, err := runnerScopePath(id, runnerID)
	if err != nil {
		return nil, err
	}
	return s.c().send(ctx, &request{method: http.MethodDelete, path: p, opts: opts}, nil)
}

// c is the service's client; nil for a nil service (a zero Client's), which
// the request path answers with ErrInvalidInput.
func (s *RunnerControllersService) c() *Client {
	if s == nil {
		return nil
	}
	return s.client
}
