package runnerapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Expected decodings of the controller fixtures (testdata/controllers).
var (
	ctlSeed1 = &RunnerController{ID: 1, Description: "Runner controller", State: RunnerControllerStateEnabled,
		CreatedAt: rnTime("2026-01-01T00:00:00Z"), UpdatedAt: rnTime("2026-01-02T00:00:00Z")}
	ctlSeed2 = &RunnerController{ID: 2, Description: "Another runner controller", State: RunnerControllerStateDisabled,
		CreatedAt: rnTime("2026-01-03T00:00:00Z"), UpdatedAt: rnTime("2026-01-04T00:00:00Z")}
	ctlCreated = &RunnerController{ID: 3, Description: "New runner controller", State: RunnerControllerStateDryRun,
		CreatedAt: rnTime("2026-01-05T00:00:00Z"), UpdatedAt: rnTime("2026-01-05T00:00:00Z")}
	ctlUpdated = &RunnerController{ID: 3, Description: "Updated runner controller", State: RunnerControllerStateEnabled,
		CreatedAt: rnTime("2026-01-05T00:00:00Z"), UpdatedAt: rnTime("2026-01-06T00:00:00Z")}
	ctlToken11 = &RunnerControllerToken{ID: 11, RunnerControllerID: 3, Description: "admission webhook, eu-west",
		LastUsedAt: rnTime("2026-01-06T08:15:00Z"), CreatedAt: rnTime("2026-01-05T10:00:00Z"), UpdatedAt: rnTime("2026-01-05T10:00:00Z")}
	ctlToken12 = &RunnerControllerToken{ID: 12, RunnerControllerID: 3, Description: "admission webhook, us-east",
		CreatedAt: rnTime("2026-01-05T11:00:00Z"), UpdatedAt: rnTime("2026-01-05T11:00:00Z")}
	ctlToken13 = &RunnerControllerToken{ID: 13, RunnerControllerID: 3, Description: "admission webhook, ap-south",
		CreatedAt: rnTime("2026-01-07T09:00:00Z"), UpdatedAt: rnTime("2026-01-07T09:00:00Z"), Token: "glrct-kR9vXq2mT7wLp4sZ8nYb"}
	ctlToken14 = &RunnerControllerToken{ID: 14, RunnerControllerID: 3, Description: "admission webhook, eu-west",
		CreatedAt: rnTime("2026-01-08T12:00:00Z"), UpdatedAt: rnTime("2026-01-08T12:00:00Z"), Token: "glrct-Hq3nVb8cJ1xWe6tRk0Ma"}
	ctlRunnerScope7 = &RunnerControllerRunnerScoping{RunnerID: 7,
		CreatedAt: rnTime("2026-01-09T10:00:00Z"), UpdatedAt: rnTime("2026-01-09T10:00:00Z")}
)

// ctlCall runs one RunnerControllersService method and returns its decoded value (nil for 204 methods).
type ctlCall func(ctx context.Context, s *RunnerControllersService) (any, *Response, error)

// TestRunnerControllersEndpoints checks, for every one of the 15 methods, the
// request on the wire and the decoding of a realistic answer.
func TestRunnerControllersEndpoints(t *testing.T) {
	tests := []struct {
		name    string
		call    ctlCall
		status  int
		fixture string
		want    rnWant
		result  any
	}{
		{
			name: "List",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.List(ctx, &ListRunnerControllersOptions{ListOptions{Page: 2, PerPage: 50}})
			},
			status: 200, fixture: "list.json",
			want:   rnWant{method: "GET", path: "runner_controllers", query: url.Values{"page": {"2"}, "per_page": {"50"}}},
			result: []*RunnerController{ctlSeed1, ctlSeed2},
		},
		{
			name: "Get",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.Get(ctx, 1)
			},
			status: 200, fixture: "get.json",
			want: rnWant{method: "GET", path: "runner_controllers/1"},
			result: &RunnerController{ID: 1, Description: "Runner controller", State: RunnerControllerStateEnabled,
				CreatedAt: rnTime("2026-01-01T00:00:00Z"), UpdatedAt: rnTime("2026-01-02T00:00:00Z"), Connected: Ptr(true)},
		},
		{
			name: "Create",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.Create(ctx, &CreateRunnerControllerOptions{Description: Ptr("New runner controller"), State: Ptr(RunnerControllerStateDryRun)})
			},
			status: 201, fixture: "create.json",
			want:   rnWant{method: "POST", path: "runner_controllers", body: `{"description":"New runner controller","state":"dry_run"}`},
			result: ctlCreated,
		},
		{
			name: "Create with server defaults",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.Create(ctx, nil)
			},
			status: 201, fixture: "create.json",
			want:   rnWant{method: "POST", path: "runner_controllers", body: `{}`},
			result: ctlCreated,
		},
		{
			name: "Update",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.Update(ctx, 3, &UpdateRunnerControllerOptions{Description: Ptr("Updated runner controller"), State: Ptr(RunnerControllerStateEnabled)})
			},
			status: 200, fixture: "update.json",
			want:   rnWant{method: "PUT", path: "runner_controllers/3", body: `{"description":"Updated runner controller","state":"enabled"}`},
			result: ctlUpdated,
		},
		{
			name: "Delete",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				resp, err := s.Delete(ctx, 3)
				return nil, resp, err
			},
			status: 204,
			want:   rnWant{method: "DELETE", path: "runner_controllers/3"},
		},
		{
			name: "ListTokens",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.ListTokens(ctx, 3, &ListRunnerControllerTokensOptions{ListOptions{PerPage: 100}})
			},
			status: 200, fixture: "tokens.json",
			want:   rnWant{method: "GET", path: "runner_controllers/3/tokens", query: url.Values{"per_page": {"100"}}},
			result: []*RunnerControllerToken{ctlToken11, ctlToken12},
		},
		{
			name: "GetToken",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.GetToken(ctx, 3, 11)
			},
			status: 200, fixture: "token.json",
			want:   rnWant{method: "GET", path: "runner_controllers/3/tokens/11"},
			result: ctlToken11,
		},
		{
			name: "CreateToken",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.CreateToken(ctx, 3, &CreateRunnerControllerTokenOptions{Description: Ptr("admission webhook, ap-south")})
			},
			status: 201, fixture: "create_token.json",
			want:   rnWant{method: "POST", path: "runner_controllers/3/tokens", body: `{"description":"admission webhook, ap-south"}`},
			result: ctlToken13,
		},
		{
			name: "RotateToken",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.RotateToken(ctx, 3, 11)
			},
			status: 200, fixture: "rotate_token.json",
			want:   rnWant{method: "POST", path: "runner_controllers/3/tokens/11/rotate"},
			result: ctlToken14,
		},
		{
			name: "RevokeToken",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				resp, err := s.RevokeToken(ctx, 3, 12)
				return nil, resp, err
			},
			status: 204,
			want:   rnWant{method: "DELETE", path: "runner_controllers/3/tokens/12"},
		},
		{
			name: "ListScopes",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.ListScopes(ctx, 3)
			},
			status: 200, fixture: "scopes.json",
			want: rnWant{method: "GET", path: "runner_controllers/3/scopes"},
			result: &RunnerControllerScopes{InstanceLevelScopings: []*RunnerControllerInstanceScoping{}, RunnerLevelScopings: []*RunnerControllerRunnerScoping{
				ctlRunnerScope7,
				{RunnerID: 9, CreatedAt: rnTime("2026-01-09T10:05:00Z"), UpdatedAt: rnTime("2026-01-09T10:05:00Z")},
			}},
		},
		{
			name: "AddInstanceScope",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.AddInstanceScope(ctx, 3)
			},
			status: 201, fixture: "instance_scope.json",
			want:   rnWant{method: "POST", path: "runner_controllers/3/scopes/instance"},
			result: &RunnerControllerInstanceScoping{CreatedAt: rnTime("2026-01-10T10:00:00Z"), UpdatedAt: rnTime("2026-01-10T10:00:00Z")},
		},
		{
			name: "RemoveInstanceScope",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				resp, err := s.RemoveInstanceScope(ctx, 3)
				return nil, resp, err
			},
			status: 204,
			want:   rnWant{method: "DELETE", path: "runner_controllers/3/scopes/instance"},
		},
		{
			name: "AddRunnerScope",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				return s.AddRunnerScope(ctx, 3, 7)
			},
			status: 201, fixture: "runner_scope.json",
			want:   rnWant{method: "POST", path: "runner_controllers/3/scopes/runners/7"},
			result: ctlRunnerScope7,
		},
		{
			name: "RemoveRunnerScope",
			call: func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
				resp, err := s.RemoveRunnerScope(ctx, 3, 7)
				return nil, resp, err
			},
			status: 204,
			want:   rnWant{method: "DELETE", path: "runner_controllers/3/scopes/runners/7"},
		},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[strings.Fields(tt.name)[0]] = true
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			name := tt.fixture
			if name != "" {
				name = "controllers/" + name
			}
			serveFixture(t, ts, tt.status, name, nil)
			got, resp, err := tt.call(context.Background(), ts.Client.RunnerControllers)
			require.NoError(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, tt.status, resp.StatusCode)
			rnCheck(t, ts, tt.want)
			if tt.result == nil {
				assert.Nil(t, got)
				return
			}
			assert.Equal(t, tt.result, got)
		})
	}
	// Every exported method of the service has a row.
	// Iter twins are iterators over List methods, tested in pagination_test.go.
	typ := reflect.TypeOf(&RunnerControllersService{})
	endpoints := 0
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if strings.HasSuffix(name, "Iter") {
			continue
		}
		endpoints++
		assert.True(t, covered[name], "method %s has no row", name)
	}
	assert.Equal(t, 15, endpoints, "the controllers API has 15 endpoints")
}

// TestRunnerControllerFailures maps each documented failure of the controllers API to its sentinel.
func TestRunnerControllerFailures(t *testing.T) {
	tests := []struct {
		name     string
		call     ctlCall
		status   int
		body     string
		sentinel error
		message  string
	}{
		{"rotated token's old id is gone", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.GetToken(ctx, 3, 11)
		}, 404, `{"message":"404 Not Found"}`, ErrNotFound, "404 Not Found"},
		{"rotate of a revoked token", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.RotateToken(ctx, 3, 11)
		}, 400, `{"message":"Token already revoked"}`, ErrBadRequest, "Token already revoked"},
		{"instance scope twice", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.AddInstanceScope(ctx, 3)
		}, 409, `{"message":"Instance-level scope already exists for this runner controller"}`, ErrConflict, "Instance-level scope already exists for this runner controller"},
		{"instance scope over runner scopes", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.AddInstanceScope(ctx, 3)
		}, 409, `{"message":"Runner controller already has runner-level scopes. Remove them before adding instance-level scope."}`, ErrConflict, "Runner controller already has runner-level scopes. Remove them before adding instance-level scope."},
		{"runner scope over instance scope", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.AddRunnerScope(ctx, 3, 7)
		}, 409, `{"message":"Runner controller already has instance-level scope. Remove it before adding runner scopes."}`, ErrConflict, "Runner controller already has instance-level scope. Remove it before adding runner scopes."},
		{"runner scope twice", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.AddRunnerScope(ctx, 3, 7)
		}, 409, `{"message":"Runner scope already exists for this runner controller"}`, ErrConflict, "Runner scope already exists for this runner controller"},
		{"runner scope on a project runner", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.AddRunnerScope(ctx, 3, 8)
		}, 422, `{"message":"Only instance-type runners can be scoped"}`, ErrUnprocessable, "Only instance-type runners can be scoped"},
		{"scope of a missing runner", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.AddRunnerScope(ctx, 3, 999)
		}, 404, `{"message":"404 Not found"}`, ErrNotFound, "404 Not found"},
		{"non-admin", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.List(ctx, nil)
		}, 403, `{"message":"403 Forbidden"}`, ErrForbidden, "403 Forbidden"},
		{"non-admin create", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.Create(ctx, nil)
		}, 403, `{"message":"Administrator permission is required to create a runner controller"}`, ErrForbidden, "Administrator permission is required to create a runner controller"},
		{"unlicensed instance", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.List(ctx, nil)
		}, 404, `{"message":"404 Not Found"}`, ErrNotFound, "404 Not Found"},
		{"community edition has no route", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.Get(ctx, 1)
		}, 404, `{"error":"404 Not Found"}`, ErrNotFound, "404 Not Found"},
		{"no credentials", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.List(ctx, nil)
		}, 401, `{"message":"401 Unauthorized"}`, ErrUnauthorized, "401 Unauthorized"},
		{"failed controller delete", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			resp, err := s.Delete(ctx, 3)
			return nil, resp, err
		}, 400, `{"message":"Runner controller is in use"}`, ErrBadRequest, "Runner controller is in use"},
		{"delete after a concurrent change", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			resp, err := s.Delete(ctx, 3)
			return nil, resp, err
		}, 412, `{"message":"412 Precondition Failed"}`, ErrPreconditionFailed, "412 Precondition Failed"},
		{"description too long", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.Update(ctx, 3, &UpdateRunnerControllerOptions{Description: Ptr("x")})
		}, 400, `{"message":"Description is too long (maximum is 1024 characters)"}`, ErrBadRequest, "Description is too long (maximum is 1024 characters)"},
		{"missing controller for tokens", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.ListTokens(ctx, 404, nil)
		}, 404, `{"message":"404 Not Found"}`, ErrNotFound, "404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				serveJSON(w, tt.status, []byte(tt.body))
			})
			got, resp, err := tt.call(context.Background(), ts.Client.RunnerControllers)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.ErrorIs(t, err, tt.sentinel)
			var er *ErrorResponse
			require.ErrorAs(t, err, &er)
			assert.Equal(t, tt.status, er.StatusCode)
			assert.Equal(t, tt.message, er.Message)
			require.NotNil(t, resp)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.NotContains(t, err.Error(), testToken)
		})
	}
}

// TestRunnerControllerIdempotentScopeRemoval: removing an absent scope is a 204, not an error.
func TestRunnerControllerIdempotentScopeRemoval(t *testing.T) {
	ts := newTestServer(t)
	serveFixture(t, ts, http.StatusNoContent, "", nil)
	_, err := ts.Client.RunnerControllers.RemoveInstanceScope(context.Background(), 3)
	require.NoError(t, err)
	_, err = ts.Client.RunnerControllers.RemoveRunnerScope(context.Background(), 3, 7)
	require.NoError(t, err)
	assert.Len(t, ts.Requests(), 2)
}

// TestRunnerControllerValidation: bad ids and states fail before any request is sent.
func TestRunnerControllerValidation(t *testing.T) {
	bad := Ptr(RunnerControllerState("on"))
	tests := []struct {
		name  string
		call  ctlCall
		field string
	}{
		{"Get id 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) { return s.Get(ctx, 0) }, "id"},
		{"Update id -1", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.Update(ctx, -1, &UpdateRunnerControllerOptions{Description: Ptr("d")})
		}, "id"},
		{"Delete id 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			resp, err := s.Delete(ctx, 0)
			return nil, resp, err
		}, "id"},
		{"ListTokens id 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.ListTokens(ctx, 0, nil)
		}, "id"},
		{"GetToken token 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.GetToken(ctx, 3, 0)
		}, "tokenID"},
		{"GetToken id 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.GetToken(ctx, 0, 11)
		}, "id"},
		{"CreateToken id 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.CreateToken(ctx, 0, nil)
		}, "id"},
		{"RotateToken token -5", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.RotateToken(ctx, 3, -5)
		}, "tokenID"},
		{"RevokeToken token 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			resp, err := s.RevokeToken(ctx, 3, 0)
			return nil, resp, err
		}, "tokenID"},
		{"ListScopes id 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.ListScopes(ctx, 0)
		}, "id"},
		{"AddInstanceScope id 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.AddInstanceScope(ctx, 0)
		}, "id"},
		{"RemoveInstanceScope id 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			resp, err := s.RemoveInstanceScope(ctx, 0)
			return nil, resp, err
		}, "id"},
		{"AddRunnerScope runner 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.AddRunnerScope(ctx, 3, 0)
		}, "runnerID"},
		{"RemoveRunnerScope runner -1", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			resp, err := s.RemoveRunnerScope(ctx, 3, -1)
			return nil, resp, err
		}, "runnerID"},
		{"RemoveRunnerScope id 0", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			resp, err := s.RemoveRunnerScope(ctx, 0, 7)
			return nil, resp, err
		}, "id"},
		{"Create bad state", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.Create(ctx, &CreateRunnerControllerOptions{State: bad})
		}, "CreateRunnerControllerOptions.State"},
		{"Update bad state", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.Update(ctx, 3, &UpdateRunnerControllerOptions{State: bad})
		}, "UpdateRunnerControllerOptions.State"},
		{"List negative page", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.List(ctx, &ListRunnerControllersOptions{ListOptions{Page: -1}})
		}, "ListRunnerControllersOptions.Page"},
		{"ListTokens negative per_page", func(ctx context.Context, s *RunnerControllersService) (any, *Response, error) {
			return s.ListTokens(ctx, 3, &ListRunnerControllerTokensOptions{ListOptions{PerPage: -1}})
		}, "ListRunnerControllerTokensOptions.PerPage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			got, resp, err := tt.call(context.Background(), ts.Client.RunnerControllers)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.Nil(t, resp)
			assert.ErrorIs(t, err, ErrInvalidInput)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			ts.RequireNoRequests(t)
		})
	}
}

// TestRunnerControllerStates: the three states are valid, anything else is not, and unknown states decode.
func TestRunnerControllerStates(t *testing.T) {
	for _, s := range []RunnerControllerState{RunnerControllerStateDisabled, RunnerControllerStateEnabled, RunnerControllerStateDryRun} {
		assert.True(t, s.Valid(), s)
	}
	for _, s := range []RunnerControllerState{"", "Enabled", "dry-run", "on"} {
		assert.False(t, s.Valid(), s)
	}
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		serveJSON(w, 200, []byte(`{"id":5,"state":"canary","enabled":true}`))
	})
	got, _, err := ts.Client.RunnerControllers.Get(context.Background(), 5)
	require.NoError(t, err)
	assert.Equal(t, RunnerControllerState("canary"), got.State)
	assert.False(t, got.State.Valid())
	assert.Nil(t, got.Connected, "connected is absent from this answer")
}

// TestRunnerControllerTokenSecrecy: the secret of a created or rotated token
// never shows when the struct is printed, while JSON still carries it.
func TestRunnerControllerTokenSecrecy(t *testing.T) {
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, ctlToken13)
		assert.NotContains(t, out, "kR9vXq2mT7wLp4sZ8nYb", verb)
		assert.NotContains(t, out, "glrct-kR9", verb)
	}
	assert.Contains(t, fmt.Sprintf("%+v", ctlToken13), "admission webhook, ap-south")
	b, err := json.Marshal(ctlToken13)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"token":"glrct-kR9vXq2mT7wLp4sZ8nYb"`)
}

// TestRunnerControllerRotateFlow walks the rotate trap end to end on a tiny
// stateful handler: the answer has a new id, the old id is then 404.
func TestRunnerControllerRotateFlow(t *testing.T) {
	ts := newTestServer(t)
	active := map[string]bool{"11": true}
	ts.Mux.HandleFunc("POST /api/v4/runner_controllers/3/tokens/11/rotate", func(w http.ResponseWriter, _ *http.Request) {
		delete(active, "11")
		active["14"] = true
		serveJSON(w, 200, fixture(t, "controllers/rotate_token.json"))
	})
	ts.Mux.HandleFunc("GET /api/v4/runner_controllers/3/tokens/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !active[r.PathValue("id")] {
			serveJSON(w, 404, []byte(`{"message":"404 Not Found"}`))
			return
		}
		serveJSON(w, 200, fixture(t, "controllers/token.json"))
	})
	ctx := context.Background()
	rotated, _, err := ts.Client.RunnerControllers.RotateToken(ctx, 3, 11)
	require.NoError(t, err)
	assert.Equal(t, int64(14), rotated.ID)
	assert.NotEmpty(t, rotated.Token)
	_, _, err = ts.Client.RunnerControllers.GetToken(ctx, 3, 11)
	assert.True(t, errors.Is(err, ErrNotFound), "the old token id is gone after a rotate: %v", err)
}
