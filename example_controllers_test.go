package runnerapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/runnerkit/runnerapi"
)

// ExampleRunnerControllersService creates a runner controller in dry-run
// mode, scopes it to the whole instance and mints its token. A tiny local
// server stands in for GitLab here.
func ExampleRunnerControllersService() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		switch r.URL.Path {
		case "/api/v4/runner_controllers":
			fmt.Fprint(w, `{"id":3,"description":"job admission","state":"dry_run"}`)
		case "/api/v4/runner_controllers/3/scopes/instance":
			fmt.Fprint(w, `{"created_at":"2026-01-10T10:00:00Z","updated_at":"2026-01-10T10:00:00Z"}`)
		case "/api/v4/runner_controllers/3/tokens":
			fmt.Fprint(w, `{"id":13,"runner_controller_id":3,"description":"webhook","token":"glrct-example-secret"}`)
		}
	}))
	defer srv.Close()

	ctx := context.Background()
	client, err := runnerapi.NewClient(srv.URL, runnerapi.WithPrivateToken("admin-token"))
	if err != nil {
		log.Fatal(err)
	}

	ctrl, _, err := client.RunnerControllers.Create(ctx, &runnerapi.CreateRunnerControllerOptions{
		Description: runnerapi.Ptr("job admission"),
		State:       runnerapi.Ptr(runnerapi.RunnerControllerStateDryRun),
	})
	switch {
	case errors.Is(err, runnerapi.ErrForbidden):
		log.Fatal("runner controllers need an administrator token")
	case errors.Is(err, runnerapi.ErrNotFound):
		log.Fatal("runner controllers need GitLab 18.9+ with an Ultimate licence")
	case err != nil:
		log.Fatal(err)
	}
	if _, _, err := client.RunnerControllers.AddInstanceScope(ctx, ctrl.ID); err != nil {
		log.Fatal(err)
	}
	tok, _, err := client.RunnerControllers.CreateToken(ctx, ctrl.ID, &runnerapi.CreateRunnerControllerTokenOptions{
		Description: runnerapi.Ptr("webhook"),
	})
	if err != nil {
		log.Fatal(err)
	}
	// tok.Token is shown only now; store it in a secret manager.
	fmt.Printf("controller #%d (%s) scoped to the instance, token #%d, secret stored: %t\n",
		ctrl.ID, ctrl.State, tok.ID, tok.Token != "")
	// Output: controller #3 (dry_run) scoped to the instance, token #13, secret stored: true
}
