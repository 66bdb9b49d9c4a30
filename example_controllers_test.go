package runnerapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

// ExampleRunnerControllersService creates a runner controller in dry-run
// mode, scopes it to the whole instance and mints its token.
func ExampleRunnerControllersService() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	client := srv.Client() // runner controllers need an administrator
	ctx := context.Background()

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
	fmt.Printf("controller #%d (%s), token #%d, secret shown once: %t\n", ctrl.ID, ctrl.State, tok.ID, tok.Token != "")

	scopes, _, err := client.RunnerControllers.ListScopes(ctx, ctrl.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("instance-scoped:", scopes.InstanceScoped())

	// A second instance scope conflicts with the first.
	_, _, err = client.RunnerControllers.AddInstanceScope(ctx, ctrl.ID)
	fmt.Println("second instance scope:", errors.Is(err, runnerapi.ErrConflict))
	// Output:
	// controller #1 (dry_run), token #1, secret shown once: true
	// instance-scoped: true
	// second instance scope: true
}

// Example_runnerapitest tests automation against runnerapitest's in-memory
// GitLab: seed it, run the code under test with the server's client, then
// assert on the server's state and request log.
func Example_runnerapitest() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	contacted := time.Now().Add(-time.Minute)
	srv.AddRunner(runnerapitest.RunnerSpec{Description: "busy", Tags: []string{"docker"}, ContactedAt: &contacted})
	srv.AddRunners(3, runnerapitest.RunnerSpec{Description: "never used"}) // never contacted

	// The code under test: delete runners that never contacted GitLab.
	ctx := context.Background()
	client := srv.Client()
	opt := &runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Status: runnerapi.Ptr(runnerapi.RunnerStatusNeverContacted)}}
	for r, err := range client.Runners.ListAllIter(ctx, opt) {
		if err != nil {
			log.Fatal(err)
		}
		if _, err := client.Runners.Delete(ctx, r.ID); err != nil {
			log.Fatal(err)
		}
	}

	fmt.Println("runners left:", srv.RunnerIDs())
	fmt.Println("deleted:", srv.Counters().RunnersDeleted)
	fmt.Println("requests:", len(srv.Requests()))
	// Output:
	// runners left: [1]
	// deleted: 3
	// requests: 4
}

// pauser is the one method pauseAll needs: declared by the consumer, it is
// satisfied by *runnerapi.RunnersService and easy to fake in a unit test.
type pauser interface {
	Pause(ctx context.Context, id int64, opts ...runnerapi.RequestOption) (*runnerapi.RunnerDetails, *runnerapi.Response, error)
}

// pauseAll pauses every runner in ids.
func pauseAll(ctx context.Context, d pauser, ids []int64) error {
	for _, id := range ids {
		if _, _, err := d.Pause(ctx, id); err != nil {
			return fmt.Errorf("pausing runner %d: %w", id, err)
		}
	}
	return nil
}

// ExampleRunnersAPI shows the consumer-side small-interface pattern: pauseAll
// depends on a one-method interface, not on all of RunnersAPI, and the real
// service (here talking to runnerapitest) satisfies it.
func ExampleRunnersAPI() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	rs := srv.AddRunners(2, runnerapitest.RunnerSpec{Description: "old-pool"})
	client := srv.Client()

	var runners runnerapi.RunnersAPI = client.Runners // the whole method set, for generated mocks
	if err := pauseAll(context.Background(), runners, []int64{rs[0].ID, rs[1].ID}); err != nil {
		log.Fatal(err)
	}
	for _, r := range rs {
		st, _ := srv.Runner(r.ID)
		fmt.Printf("runner #%d paused: %t\n", r.ID, st.Paused)
	}
	// Output:
	// runner #1 paused: true
	// runner #2 paused: true
}

// ExampleRunnersService_DiscoverJobRouter asks where a runner reaches
// GitLab's Job Router. Most instances have the router off and answer 501;
// a tiny local server plays such an instance here.
func ExampleRunnersService_DiscoverJobRouter() {
	gitlab := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotImplemented)
		fmt.Fprint(w, `{"message":"Job Router is not available. Please contact your administrator."}`)
	}))
	defer gitlab.Close()
	client, err := runnerapi.NewClient(gitlab.URL)
	if err != nil {
		log.Fatal(err)
	}

	info, _, err := client.Runners.DiscoverJobRouter(context.Background(), "glrt-runner-auth-token")
	var er *runnerapi.ErrorResponse
	switch {
	case errors.As(err, &er) && er.StatusCode == http.StatusNotImplemented:
		fmt.Println("no job router:", er.Message)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("job router at", info.ServerURL)
	}
	// Output:
	// no job router: Job Router is not available. Please contact your administrator.
}
