package runnerapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/runnerkit/runnerapi"
)

// Example lists the online runners that carry both the "docker" and "linux"
// tags, then pauses the first one so that it takes no new jobs.
func Example() {
	ctx := context.Background()
	client, err := runnerapi.NewClient("https://gitlab.example.com",
		runnerapi.WithPrivateToken(os.Getenv("GITLAB_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}

	runners, _, err := client.Runners.List(ctx, &runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Status: runnerapi.Ptr(runnerapi.RunnerStatusOnline), TagList: []string{"docker", "linux"}}})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range runners {
		fmt.Printf("#%d %s (%s)\n", r.ID, r.Description, r.RunnerType)
	}
	if len(runners) == 0 {
		return
	}

	runner, _, err := client.Runners.Pause(ctx, runners[0].ID)
	switch {
	case errors.Is(err, runnerapi.ErrForbidden):
		log.Fatal("this token may not change that runner")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Printf("runner #%d paused: %t\n", runner.ID, runner.IsPaused())
}
