package fleet_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/fleet"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

// Plan a prune of runners idle for 30 days, look at it, then apply it: each
// delete is conditional on the runner being unchanged since the scan.
func ExampleFleet_PlanPrune() {
	srv := runnerapitest.NewServer(runnerapitest.WithDemoData())
	defer srv.Close()
	ctx := context.Background()

	f, err := fleet.New(srv.Client(), fleet.WithConcurrency(16))
	if err != nil {
		log.Fatal(err)
	}
	plan, err := f.PlanPrune(ctx, &fleet.PrunePolicy{OlderThan: 30 * 24 * time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range plan.Candidates {
		fmt.Printf("#%d %s\n", c.ID, c.Description)
	}
	report := f.ApplyPrune(ctx, plan)
	fmt.Printf("deleted %d, skipped %d, failed %d\n", report.Done, report.Skipped, report.Failed)
	// Output:
	// #9 legacy-ci-box
	// #10 legacy-ci-box
	// #11 legacy-ci-box
	// deleted 3, skipped 0, failed 0
}

// Stream an inventory: details and managers are fetched concurrently while
// the loop runs, and memory stays proportional to the concurrency.
func ExampleFleet_Inventory() {
	srv := runnerapitest.NewServer(runnerapitest.WithDemoData())
	defer srv.Close()
	f, err := fleet.New(srv.Client())
	if err != nil {
		log.Fatal(err)
	}
	stale, total := 0, 0
	for rec, err := range f.Inventory(context.Background(), &fleet.Filter{RunnerFilter: runnerapi.RunnerFilter{TagList: []string{"docker"}}}) {
		if err != nil {
			log.Fatal(err)
		}
		total++
		if rec.Stale {
			stale++
		}
	}
	fmt.Printf("%d docker runners, %d stale\n", total, stale)
	// Output:
	// 14 docker runners, 2 stale
}

// Pause runners, wait for their jobs, run the maintenance, unpause.
func ExampleFleet_Drain() {
	srv := runnerapitest.NewServer(runnerapitest.WithDemoData())
	defer srv.Close()
	f, err := fleet.New(srv.Client())
	if err != nil {
		log.Fatal(err)
	}
	report := f.Drain(context.Background(), []int64{2, 3}, &fleet.DrainOptions{
		Timeout: 30 * time.Minute,
		Maintenance: func(ctx context.Context, id int64) error {
			fmt.Printf("upgrading runner %d\n", id) // the runner is paused and idle here
			return nil
		},
		Unpause: true,
	})
	fmt.Println(report.Done, "drained;", report.Err())
	// Unordered output:
	// upgrading runner 2
	// upgrading runner 3
	// 2 drained; <nil>
}
