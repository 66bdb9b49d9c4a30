// Command quickstart is a tour of runnerapi: it lists runners as a table,
// shows the details and recent jobs of one runner, pauses it, and lists the
// runner controllers.
//
//	go run ./examples/quickstart
//
// With neither GITLAB_URL nor GITLAB_TOKEN set it starts an embedded fake
// GitLab seeded with demo data, so it runs on a fresh machine. With both set
// it runs the read-only part against that instance and changes nothing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/examples/internal/exampleenv"
)

func main() { exampleenv.Main("quickstart", start) }

// start connects to the backend, says which one it is, and runs the tour;
// against a real instance only the read-only part runs.
func start(ctx context.Context, stdout io.Writer, args []string) error {
	b, err := exampleenv.Connect()
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintln(stdout, b.Describe())
	if b.Real() {
		args = append(args, "-read-only")
	}
	return run(ctx, env{client: b.Client, out: stdout, now: time.Now}, args)
}

// env is what run needs from the outside world.
type env struct {
	client *runnerapi.Client
	out    io.Writer
	now    func() time.Time
}

// tableRows is how many runners the table shows; the rest is counted.
const tableRows = 20

// run is the tour. Flags: -read-only skips the pause step.
func run(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(e.out)
	readOnly := fs.Bool("read-only", false, "only read; do not pause a runner")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *readOnly {
		fmt.Fprintln(e.out, "Mode: read-only (nothing will be changed)")
	}

	runners, err := listRunners(ctx, e)
	if err != nil {
		return err
	}
	if pick := pickRunner(runners); pick != nil {
		if err := showRunner(ctx, e, pick.ID); err != nil {
			return err
		}
		if *readOnly {
			fmt.Fprintf(e.out, "\nSkipping the pause step (read-only).\n")
		} else if err := pauseRunner(ctx, e, pick.ID); err != nil {
			return err
		}
	}
	if err := listControllers(ctx, e); err != nil {
		return err
	}
	fmt.Fprintln(e.out, "\nDone.")
	return nil
}

// listRunners prints the first page of runners as a table. It lists every
// runner of the instance (an administrator's view) and falls back to the
// runners the user owns when the token is not an administrator's.
func listRunners(ctx context.Context, e env) ([]*runnerapi.Runner, error) {
	opt := &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{PerPage: tableRows}}
	scope := "all runners of the instance"
	runners, resp, err := e.client.Runners.ListAll(ctx, opt)
	if errors.Is(err, runnerapi.ErrForbidden) {
		scope = "runners you own (this token is not an administrator's)"
		runners, resp, err = e.client.Runners.List(ctx, opt)
	}
	if err != nil {
		return nil, fmt.Errorf("listing runners: %w", err)
	}
	fmt.Fprintf(e.out, "\nRunners: %s\n", scope)
	if len(runners) == 0 {
		fmt.Fprintln(e.out, "  (none)")
		return nil, nil
	}

	// The list entity has no tags or last contact; the details have them.
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tPAUSED\tDESCRIPTION\tTAGS\tCONTACTED")
	for _, r := range runners {
		d, _, err := e.client.Runners.Get(ctx, r.ID, &runnerapi.GetRunnerOptions{IncludeProjects: runnerapi.Ptr(false)})
		if err != nil {
			return nil, fmt.Errorf("runner #%d: %w", r.ID, err)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, shortType(r.RunnerType), r.Status, yesNo(r.IsPaused()),
			exampleenv.Or(r.Description), exampleenv.Tags(d.TagList), exampleenv.Ago(e.now(), d.ContactedAt))
	}
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	if more := resp.TotalItems - int64(len(runners)); resp.NextPage != 0 {
		if more > 0 {
			fmt.Fprintf(e.out, "  … and %d more (ListAllIter walks every page)\n", more)
		} else {
			fmt.Fprintln(e.out, "  … and more (ListAllIter walks every page)")
		}
	}
	return runners, nil
}

// pickRunner chooses the runner to look at: the first online one that
// accepts jobs, else the first one.
func pickRunner(runners []*runnerapi.Runner) *runnerapi.Runner {
	for _, r := range runners {
		if r.Online != nil && *r.Online && !r.IsPaused() {
			return r
		}
	}
	if len(runners) > 0 {
		return runners[0]
	}
	return nil
}

// showRunner prints one runner's details, its managers and its latest jobs.
func showRunner(ctx context.Context, e env, id int64) error {
	d, _, err := e.client.Runners.Get(ctx, id, nil)
	if err != nil {
		return fmt.Errorf("runner #%d: %w", id, err)
	}
	fmt.Fprintf(e.out, "\nRunner #%d %q\n", d.ID, d.Description)
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  type:\t%s\n", d.RunnerType)
	fmt.Fprintf(tw, "  status:\t%s, paused: %s\n", d.Status, yesNo(d.IsPaused()))
	fmt.Fprintf(tw, "  tags:\t%s (untagged jobs: %s)\n", exampleenv.Tags(d.TagList), yesNo(d.RunUntagged))
	fmt.Fprintf(tw, "  access:\t%s, locked: %s, max timeout: %s\n", d.AccessLevel, yesNo(d.Locked), timeout(d.MaximumTimeout))
	fmt.Fprintf(tw, "  version:\t%s\n", version(d))
	fmt.Fprintf(tw, "  contacted:\t%s\n", exampleenv.Ago(e.now(), d.ContactedAt))
	if names := projectNames(d.Projects); names != "" {
		fmt.Fprintf(tw, "  projects:\t%s\n", names)
	}
	if len(d.Groups) > 0 {
		fmt.Fprintf(tw, "  groups:\t%s\n", groupNames(d.Groups))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	managers, _, err := e.client.Runners.ListManagers(ctx, id)
	if err != nil {
		return fmt.Errorf("managers of runner #%d: %w", id, err)
	}
	fmt.Fprintf(e.out, "\nManagers of runner #%d: %d\n", id, len(managers))
	if len(managers) > 0 {
		tw = tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  SYSTEM ID\tVERSION\tPLATFORM\tSTATUS\tCONTACTED")
		for _, m := range managers {
			fmt.Fprintf(tw, "  %s\t%s\t%s/%s\t%s\t%s\n", m.SystemID, exampleenv.Or(m.Version), m.Platform, m.Architecture,
				m.Status, exampleenv.Ago(e.now(), m.ContactedAt))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	jobs, _, err := e.client.Runners.ListJobs(ctx, id, &runnerapi.ListRunnerJobsOptions{
		ListOptions: runnerapi.ListOptions{PerPage: 5},
		OrderBy:     runnerapi.Ptr(runnerapi.OrderByID),
		Sort:        runnerapi.Ptr(runnerapi.SortDesc),
	})
	if errors.Is(err, runnerapi.ErrForbidden) {
		fmt.Fprintf(e.out, "\nJobs of runner #%d: not visible to this token (403)\n", id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs of runner #%d: %w", id, err)
	}
	fmt.Fprintf(e.out, "\nLatest jobs of runner #%d: %d shown\n", id, len(jobs))
	if len(jobs) == 0 {
		return nil
	}
	tw = tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  JOB\tSTATUS\tNAME\tSTAGE\tREF\tPROJECT\tDURATION")
	for _, j := range jobs {
		project := "-"
		if j.Project != nil {
			project = j.Project.PathWithNamespace
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.Status, j.Name, j.Stage, j.Ref, project, seconds(j.Duration))
	}
	return tw.Flush()
}

// pauseRunner pauses a runner and shows the state GitLab answers with.
func pauseRunner(ctx context.Context, e env, id int64) error {
	d, _, err := e.client.Runners.Pause(ctx, id)
	if err != nil {
		return fmt.Errorf("pausing runner #%d: %w", id, err)
	}
	fmt.Fprintf(e.out, "\nPaused runner #%d: paused=%t; it takes no new jobs until Runners.Unpause.\n", d.ID, d.IsPaused())
	return nil
}

// listControllers prints the runner controllers with their scopes. The API
// is for administrators of GitLab 18.9+ Ultimate; anything else answers 403
// or 404, which is reported as a note rather than a failure.
func listControllers(ctx context.Context, e env) error {
	ctrls, _, err := e.client.RunnerControllers.List(ctx, nil)
	switch {
	case errors.Is(err, runnerapi.ErrForbidden):
		fmt.Fprintln(e.out, "\nRunner controllers: not available to this token (403: administrators only).")
		return nil
	case errors.Is(err, runnerapi.ErrNotFound):
		fmt.Fprintln(e.out, "\nRunner controllers: not available on this instance (404: needs GitLab 18.9+ with an Ultimate licence).")
		return nil
	case err != nil:
		return fmt.Errorf("listing runner controllers: %w", err)
	}
	fmt.Fprintf(e.out, "\nRunner controllers: %d\n", len(ctrls))
	if len(ctrls) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSCOPE\tDESCRIPTION")
	for _, c := range ctrls {
		scopes, _, err := e.client.RunnerControllers.ListScopes(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("scopes of controller #%d: %w", c.ID, err)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", c.ID, c.State, scopeText(scopes), exampleenv.Or(c.Description))
	}
	return tw.Flush()
}

func scopeText(s *runnerapi.RunnerControllerScopes) string {
	switch {
	case s.InstanceScoped():
		return "instance"
	case len(s.RunnerLevelScopings) > 0:
		ids := make([]string, 0, len(s.RunnerLevelScopings))
		for _, id := range s.RunnerIDs() {
			ids = append(ids, fmt.Sprintf("#%d", id))
		}
		return "runners " + strings.Join(ids, ",")
	}
	return "none"
}

func shortType(t runnerapi.RunnerType) string { return strings.TrimSuffix(string(t), "_type") }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func timeout(sec *int64) string {
	if sec == nil {
		return "none"
	}
	return (time.Duration(*sec) * time.Second).String()
}

func seconds(s *float64) string {
	if s == nil {
		return "-"
	}
	return (time.Duration(*s * float64(time.Second))).Round(time.Second).String()
}

func version(d *runnerapi.RunnerDetails) string {
	if d.Version == "" {
		return "unknown (never contacted)"
	}
	return fmt.Sprintf("%s %s/%s", d.Version, d.Platform, d.Architecture)
}

func projectNames(ps []*runnerapi.Project) string {
	names := make([]string, 0, len(ps))
	for _, p := range ps {
		names = append(names, p.PathWithNamespace)
	}
	return strings.Join(names, ", ")
}

func groupNames(gs []*runnerapi.Group) string {
	names := make([]string, 0, len(gs))
	for _, g := range gs {
		names = append(names, g.Name)
	}
	return strings.Join(names, ", ")
}
