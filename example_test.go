package runnerapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

// Example finds the instance's online runners that carry both the "docker"
// and "linux" tags and pauses the first one, against runnerapitest's demo
// fleet. Runners.List is the caller's own runners (none for this
// administrator); Runners.ListAll is the whole instance.
func Example() {
	srv := runnerapitest.NewServer(runnerapitest.WithDemoData())
	defer srv.Close()
	ctx := context.Background()
	client, err := runnerapi.NewClient(srv.URL(), runnerapi.WithPrivateToken(srv.AdminToken()))
	if err != nil {
		log.Fatal(err)
	}

	own, _, err := client.Runners.List(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("own runners: %d\n", len(own))

	runners, _, err := client.Runners.ListAll(ctx, &runnerapi.ListRunnersOptions{
		RunnerFilter: runnerapi.RunnerFilter{
			Status:  runnerapi.Ptr(runnerapi.RunnerStatusOnline),
			TagList: []string{"docker", "linux"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range runners {
		fmt.Printf("#%d %s (%s)\n", r.ID, r.Description, r.RunnerType)
	}

	runner, _, err := client.Runners.Pause(ctx, runners[0].ID)
	switch {
	case errors.Is(err, runnerapi.ErrForbidden):
		log.Fatal("this token may not change that runner")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Printf("runner #%d paused: %t\n", runner.ID, runner.IsPaused())
	// Output:
	// own runners: 0
	// #1 shared-docker-large (instance_type)
	// #2 shared-docker-large (instance_type)
	// #3 shared-docker-large (instance_type)
	// #4 shared-docker-large (instance_type)
	// #5 shared-arm64 (instance_type)
	// #6 shared-arm64 (instance_type)
	// runner #1 paused: true
}

// ExampleNewClient connects to a GitLab instance (here runnerapitest's fake)
// with a personal access token and a per-call timeout.
func ExampleNewClient() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	srv.AddRunner(runnerapitest.RunnerSpec{Description: "build-01"})

	client, err := runnerapi.NewClient(srv.URL(),
		runnerapi.WithPrivateToken(srv.AdminToken()),
		runnerapi.WithUserAgent("fleet-audit/1.0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runners, resp, err := client.Runners.ListAll(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(runners), runners[0].Description, resp.StatusCode, resp.TotalItems)
	// Output:
	// 1 build-01 200 1
}

// ExampleRunnersService_ListAll shows the difference between List, the
// caller's own runners, and ListAll, every runner of the instance (for
// administrators and auditors).
func ExampleRunnersService_ListAll() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	maria := srv.AddUser("maria", false)
	grp := srv.AddGroup("acme", 0)
	prj := srv.AddProject("platform", grp.ID)
	srv.AddProjectMember(prj.ID, maria.ID, runnerapitest.RoleMaintainer)
	srv.AddRunner(runnerapitest.RunnerSpec{Type: "project_type", Description: "platform-deployer", ProjectIDs: []int64{prj.ID}})
	srv.AddRunner(runnerapitest.RunnerSpec{Type: "group_type", Description: "acme-k8s", GroupID: grp.ID})
	srv.AddRunner(runnerapitest.RunnerSpec{Description: "shared-docker"})
	ctx := context.Background()

	asMaria, err := runnerapi.NewClient(srv.URL(), runnerapi.WithPrivateToken(maria.Token))
	if err != nil {
		log.Fatal(err)
	}
	own, _, err := asMaria.Runners.List(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range own {
		fmt.Println("List (maria):", r.Description)
	}
	_, _, err = asMaria.Runners.ListAll(ctx, nil)
	fmt.Println("ListAll (maria):", errors.Is(err, runnerapi.ErrForbidden))

	all, _, err := srv.Client().Runners.ListAll(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range all {
		fmt.Println("ListAll (admin):", r.Description)
	}
	// Output:
	// List (maria): platform-deployer
	// ListAll (maria): true
	// ListAll (admin): platform-deployer
	// ListAll (admin): acme-k8s
	// ListAll (admin): shared-docker
}

// ExampleRunnersService_ListAllIter walks every instance runner page by
// page, fetching up to two pages ahead of the loop.
func ExampleRunnersService_ListAllIter() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	srv.AddRunners(250, runnerapitest.RunnerSpec{Description: "autoscaled", Tags: []string{"docker"}})
	srv.AddRunners(5, runnerapitest.RunnerSpec{Description: "gpu", Tags: []string{"cuda"}})
	client := srv.Client()

	opt := &runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{TagList: []string{"docker"}}}
	n := 0
	for r, err := range client.Runners.ListAllIter(context.Background(), opt, runnerapi.WithPagePrefetch(2)) {
		if err != nil {
			log.Fatal(err)
		}
		if r.Description == "autoscaled" {
			n++
		}
	}
	fmt.Println("docker runners:", n)
	// Output:
	// docker runners: 250
}

// ExampleRunnersService_ListJobsIter lists a runner's jobs newest first
// with keyset pagination, which has no offset limit; the iterator follows
// the cursors and stops early when the loop breaks.
func ExampleRunnersService_ListJobsIter() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	grp := srv.AddGroup("acme", 0)
	prj := srv.AddProject("platform", grp.ID)
	r := srv.AddRunner(runnerapitest.RunnerSpec{Description: "build-01"})
	srv.AddJobs(30, runnerapitest.JobSpec{RunnerID: r.ID, ProjectID: prj.ID, Name: "test", Status: "success"})
	srv.AddJobs(1, runnerapitest.JobSpec{RunnerID: r.ID, ProjectID: prj.ID, Name: "deploy", Status: "failed"})
	client := srv.Client()

	opt := &runnerapi.ListRunnerJobsOptions{
		OrderBy:     runnerapi.Ptr(runnerapi.OrderByID),
		Sort:        runnerapi.Ptr(runnerapi.SortDesc),
		Pagination:  runnerapi.Ptr(runnerapi.PaginationKeyset),
		ListOptions: runnerapi.ListOptions{PerPage: 10},
	}
	seen := 0
	for job, err := range client.Runners.ListJobsIter(context.Background(), r.ID, opt) {
		if err != nil {
			log.Fatal(err)
		}
		seen++
		if seen <= 2 {
			fmt.Printf("job #%d %s %s\n", job.ID, job.Name, job.Status)
		}
		if seen == 15 {
			break // only the first two pages were fetched
		}
	}
	fmt.Println("jobs seen:", seen)
	// Output:
	// job #31 deploy failed
	// job #30 test success
	// jobs seen: 15
}

// ExampleRunnersService_Delete deletes a runner only if nobody changed it
// since it was read: GitLab answers 412 (ErrPreconditionFailed) and keeps
// the runner when it was modified after the given time. The fake's clock is
// fixed here so that the times are easy to follow.
func ExampleRunnersService_Delete() {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	srv := runnerapitest.NewServer(runnerapitest.WithClock(func() time.Time { return now }))
	defer srv.Close()
	r := srv.AddRunner(runnerapitest.RunnerSpec{Description: "legacy-ci-box"})
	client := srv.Client()
	ctx := context.Background()

	lookedAt := now.Add(-time.Hour) // we decided to delete it an hour ago...
	// ...but meanwhile somebody put it back to use.
	if _, _, err := client.Runners.Update(ctx, r.ID, &runnerapi.UpdateRunnerOptions{Description: runnerapi.Ptr("still in use")}); err != nil {
		log.Fatal(err)
	}
	_, err := client.Runners.Delete(ctx, r.ID, runnerapi.WithIfUnmodifiedSince(lookedAt))
	fmt.Println("changed since we looked, kept:", errors.Is(err, runnerapi.ErrPreconditionFailed))

	_, err = client.Runners.Delete(ctx, r.ID, runnerapi.WithIfUnmodifiedSince(now))
	fmt.Println("unchanged since now, deleted:", err == nil)
	// Output:
	// changed since we looked, kept: true
	// unchanged since now, deleted: true
}

// ExampleRunnersService_Create creates a runner with the current workflow,
// then checks its new authentication token the way gitlab-runner does.
func ExampleRunnersService_Create() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	reg, _, err := client.Runners.Create(ctx, runnerapi.InstanceRunnerOwner(), &runnerapi.CreateRunnerOptions{
		Description: runnerapi.Ptr("autoscaler-eu-1"),
		TagList:     runnerapi.Ptr([]string{"docker", "linux"}),
	})
	if err != nil {
		log.Fatal(err)
	}
	// reg.Token is shown only now; it goes into the runner's config.toml.
	fmt.Printf("created #%d, token printed as %v\n", reg.ID, reg)

	v, _, err := client.Runners.Verify(ctx, reg.Token, &runnerapi.VerifyRunnerOptions{SystemID: runnerapi.Ptr("s_0123456789ab")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", v.ID == reg.ID)

	_, _, err = client.Runners.Verify(ctx, "glrt-not-a-real-token", nil)
	fmt.Println("unknown token:", errors.Is(err, runnerapi.ErrForbidden))
	// Output:
	// created #1, token printed as {1 [REDACTED] <nil>}
	// verified: true
	// unknown token: true
}

// ExampleRunnersService_Get reads one runner without its projects, which is
// much cheaper for runners assigned to many projects.
func ExampleRunnersService_Get() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	grp := srv.AddGroup("acme", 0)
	prj := srv.AddProject("platform", grp.ID)
	r := srv.AddRunner(runnerapitest.RunnerSpec{Type: "project_type", Description: "platform-deployer",
		Tags: []string{"deploy"}, ProjectIDs: []int64{prj.ID}, Locked: true})
	client := srv.Client()
	ctx := context.Background()

	full, _, err := client.Runners.Get(ctx, r.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	lean, _, err := client.Runners.Get(ctx, r.ID, &runnerapi.GetRunnerOptions{IncludeProjects: runnerapi.Ptr(false)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(full.Description, full.TagList, full.Locked, len(full.Projects), lean.Projects == nil)
	// Output:
	// platform-deployer [deploy] true 1 true
}

// ExampleErrorResponse shows how to inspect a failed call: errors.Is
// against a sentinel for the status, errors.As for the details. Invalid
// input fails before anything is sent.
func ExampleErrorResponse() {
	srv := runnerapitest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	_, _, err := client.Runners.Get(ctx, 999, nil)
	fmt.Println("not found:", errors.Is(err, runnerapi.ErrNotFound))
	var er *runnerapi.ErrorResponse
	if errors.As(err, &er) {
		fmt.Println(er.StatusCode, er.Method, er.Message)
	}

	_, _, err = client.Runners.Get(ctx, 0, nil)
	var ve *runnerapi.ValidationError
	if errors.As(err, &ve) {
		fmt.Println("refused before sending:", ve.Field, errors.Is(err, runnerapi.ErrInvalidInput))
	}
	fmt.Println(err)
	// Output:
	// not found: true
	// 404 GET 404 Runner Not Found
	// refused before sending: id true
	// runnerapi: invalid id: must be a positive integer, got 0
}

// ExampleValidationError shows that an enumeration value GitLab does not
// accept is refused with the list of the values it does accept.
func ExampleValidationError() {
	client, err := runnerapi.NewClient("https://gitlab.example.com")
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = client.Runners.ListAll(context.Background(), &runnerapi.ListRunnersOptions{
		RunnerFilter: runnerapi.RunnerFilter{Status: runnerapi.Ptr(runnerapi.RunnerStatus("busy"))},
	})
	fmt.Println(err)
	// Output:
	// runnerapi: invalid ListRunnersOptions.Status: got "busy", want one of online, offline, stale, never_contacted, active, paused
}

// ExampleWithPagePrefetch shows what prefetch costs: the first n pages are
// requested at once, so a list shorter than n pages costs up to n-1 requests
// that come back empty (or are cancelled when the loop ends first); past the
// first round GitLab's X-Total-Pages (sent up to 10,000 rows) keeps the
// iterator from asking past the last page.
func ExampleWithPagePrefetch() {
	ctx := context.Background()
	// walk lists every runner of a fresh fake holding n runners, perPage to a
	// page, with up to 4 page requests in flight.
	walk := func(n int, perPage int64) (items, requests int) {
		srv := runnerapitest.NewServer()
		defer srv.Close()
		srv.AddRunners(n, runnerapitest.RunnerSpec{Description: "autoscaled"})
		opt := &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{PerPage: perPage}}
		for _, err := range srv.Client().Runners.ListAllIter(ctx, opt, runnerapi.WithPagePrefetch(4)) {
			if err != nil {
				log.Fatal(err)
			}
			items++
		}
		return items, len(srv.Requests())
	}
	// One page: pages 2 to 4 were asked for speculatively; whether each
	// reached the server before the loop ended depends on timing.
	items, requests := walk(3, 100)
	fmt.Printf("%d runners in 1 page: at most 4 requests: %t\n", items, requests >= 1 && requests <= 4)

	items, requests = walk(40, 2)
	fmt.Printf("%d runners in 20 pages: %d requests\n", items, requests)
	// Output:
	// 3 runners in 1 page: at most 4 requests: true
	// 40 runners in 20 pages: 20 requests
}
