// Command prune-stale-runners deletes runners that have not contacted GitLab
// for a while, on top of package fleet: it prints the plan and deletes only
// with -apply, each delete conditional on the runner being unchanged since
// the scan.
//
//	go run ./examples/prune-stale-runners                          # dry run: list what would go
//	go run ./examples/prune-stale-runners -older-than 30d -type group_type -tag docker
//	go run ./examples/prune-stale-runners -older-than 14d -apply   # really delete
//
// A runner's last activity is its last contact, or its creation for a runner
// that never contacted GitLab: GitLab's rule for the "stale" status. With an
// administrator's token every runner of the instance is checked, otherwise
// the runners the token's user owns.
//
// With neither GITLAB_URL nor GITLAB_TOKEN set it runs against an embedded
// fake GitLab with demo data, so it can be tried on a fresh machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/examples/internal/exampleenv"
	"github.com/runnerkit/runnerapi/fleet"
)

func main() { exampleenv.Main("prune-stale-runners", start) }

// start connects to the backend, says which one it is, and runs the prune.
func start(ctx context.Context, stdout io.Writer, args []string) error {
	b, err := exampleenv.Connect()
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintln(stdout, b.Describe())
	f, err := fleet.New(b.Client)
	if err != nil {
		return err
	}
	return run(ctx, f, stdout, args)
}

// run parses the flags, plans the prune, prints it and, with -apply, applies it.
func run(ctx context.Context, f *fleet.Fleet, out io.Writer, args []string) error {
	policy, apply, err := parseFlags(out, args)
	if err != nil {
		return err
	}
	plan, err := f.PlanPrune(ctx, policy)
	if errors.Is(err, runnerapi.ErrForbidden) && plan == nil {
		fmt.Fprintln(out, "Not an administrator's token: checking the runners you own.")
		policy.Owned = true
		plan, err = f.PlanPrune(ctx, policy)
	}
	if plan == nil {
		return err
	}
	fmt.Fprintf(out, "%d of %d runners had no activity since %s:\n", len(plan.Candidates), plan.Scanned, plan.Cutoff.UTC().Format(time.RFC3339))
	for _, c := range plan.Candidates {
		fmt.Fprintf(out, "  #%d %s %q: %s\n", c.ID, c.Type, c.Description, c.Reason)
	}
	if err != nil || !apply || len(plan.Candidates) == 0 {
		if !apply && len(plan.Candidates) > 0 {
			fmt.Fprintln(out, "Dry run: nothing deleted. Re-run with -apply to delete them.")
		}
		return err
	}
	report := f.ApplyPrune(ctx, plan)
	for _, it := range report.Items {
		fmt.Fprintf(out, "  %s #%d %s%s\n", it.Outcome, it.RunnerID, it.Reason, errText(it.Err))
	}
	fmt.Fprintf(out, "Deleted %d, skipped %d, failed %d.\n", report.Done, report.Skipped, report.Failed)
	return report.Err()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// parseFlags reads -older-than, -type, -tag and -apply into a policy.
func parseFlags(out io.Writer, args []string) (*fleet.PrunePolicy, bool, error) {
	fs := flag.NewFlagSet("prune-stale-runners", flag.ContinueOnError)
	fs.SetOutput(out)
	olderThan := fs.String("older-than", "7d", "age cutoff: 7d (GitLab's stale rule), 30d, 36h, …")
	types := fs.String("type", "", "runner types, comma-separated (instance_type, group_type, project_type)")
	tags := fs.String("tag", "", "tags the runners must all have, comma-separated")
	apply := fs.Bool("apply", false, "really delete (without it, only list)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, false, err
		}
		return nil, false, exampleenv.UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return nil, false, exampleenv.UsageError{Err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	age, err := parseAge(*olderThan)
	if err != nil {
		return nil, false, exampleenv.UsageError{Err: err}
	}
	p := &fleet.PrunePolicy{OlderThan: age}
	for _, t := range split(*types) {
		p.Types = append(p.Types, runnerapi.RunnerType(t))
	}
	p.TagList = split(*tags)
	return p, *apply, nil
}

// parseAge reads "30d" as days, anything else as a Go duration; it must be positive.
func parseAge(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("-older-than %q is not a positive age such as 7d or 36h", s)
	}
	return d, nil
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
