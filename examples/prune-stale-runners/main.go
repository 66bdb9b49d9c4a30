// Command prune-stale-runners finds runners that have not contacted GitLab
// for a while and deletes them, but only when asked to with -apply.
//
//	go run ./examples/prune-stale-runners                         # dry run: list what would go
//	go run ./examples/prune-stale-runners -older-than 30d -type group_type -tag docker
//	go run ./examples/prune-stale-runners -older-than 14d -apply  # really delete
//
// A runner's last activity is its last contact, or its creation for a runner
// that never contacted GitLab: the rule GitLab uses for the "stale" status.
// With -older-than of 7 days or more the server narrows the list first
// (status=stale); the exact cutoff is then checked on each runner's details.
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
	"text/tabwriter"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/examples/internal/exampleenv"
)

func main() { exampleenv.Main("prune-stale-runners", start) }

// start checks the flags, connects to the backend, says which one it is, and runs the prune.
func start(ctx context.Context, stdout io.Writer, args []string) error {
	cfg, err := parseFlags(stdout, args)
	if err != nil {
		return err
	}
	b, err := exampleenv.Connect()
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintln(stdout, b.Describe())
	if !b.Real() {
		fmt.Fprintln(stdout, "Note: the fake is discarded on exit, so -apply here deletes nothing real.")
	}
	return prune(ctx, env{client: b.Client, out: stdout, now: time.Now}, cfg)
}

// env is what run needs from the outside world.
type env struct {
	client *runnerapi.Client
	out    io.Writer
	now    func() time.Time
}

// staleAfter is GitLab's threshold for the "stale" runner status.
const staleAfter = 7 * 24 * time.Hour

// config is the parsed command line.
type config struct {
	olderThan time.Duration
	typ       *runnerapi.RunnerType
	tags      []string
	apply     bool
}

// candidate is a runner selected for deletion.
type candidate struct {
	runner       *runnerapi.RunnerDetails
	lastActivity time.Time
}

// run parses the flags, finds the stale runners, prints them and, with -apply, deletes them.
func run(ctx context.Context, e env, args []string) error {
	cfg, err := parseFlags(e.out, args)
	if err != nil {
		return err
	}
	return prune(ctx, e, cfg)
}

// prune finds the stale runners, prints them and, with cfg.apply, deletes them.
func prune(ctx context.Context, e env, cfg config) error {
	scanned := e.now()
	cutoff := scanned.Add(-cfg.olderThan)
	fmt.Fprintf(e.out, "Looking for runners with no activity since %s (older than %s), type: %s, tags: %s\n",
		cutoff.UTC().Format("2006-01-02 15:04 MST"), days(cfg.olderThan), typeText(cfg.typ), tagText(cfg.tags))

	found, listed, err := findStale(ctx, e, cfg, cutoff)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "\nFound %d stale runner(s) among %d listed.\n", len(found), listed)
	if len(found) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tDESCRIPTION\tTAGS\tLAST CONTACT\tCREATED")
	for _, c := range found {
		r := c.runner
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, strings.TrimSuffix(string(r.RunnerType), "_type"), r.Status,
			exampleenv.Or(r.Description), exampleenv.Tags(r.TagList), exampleenv.Ago(scanned, r.ContactedAt), exampleenv.Ago(scanned, r.CreatedAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !cfg.apply {
		fmt.Fprintf(e.out, "\nDry run: nothing deleted. Re-run with -apply to delete these %d runner(s).\n", len(found))
		return nil
	}
	return deleteAll(ctx, e, found, scanned)
}

// findStale lists the runners matching the filters and keeps those whose
// last activity is before cutoff. It returns them and how many were listed.
func findStale(ctx context.Context, e env, cfg config, cutoff time.Time) ([]candidate, int, error) {
	opt := &runnerapi.ListRunnersOptions{RunnerFilter: runnerapi.RunnerFilter{Type: cfg.typ, TagList: cfg.tags}}
	if cfg.olderThan >= staleAfter {
		// Every runner idle for longer than the cutoff is stale, so the server can narrow the list.
		opt.Status = runnerapi.Ptr(runnerapi.RunnerStatusStale)
		fmt.Fprintln(e.out, "Server-side filter: status=stale")
	} else {
		fmt.Fprintln(e.out, "Cutoff below GitLab's 7-day stale threshold: checking every matching runner")
	}

	var found []candidate
	listed := 0
	visit := func(r *runnerapi.Runner) error {
		listed++
		// The list entity has no contacted_at; the details do.
		d, _, err := e.client.Runners.Get(ctx, r.ID, &runnerapi.GetRunnerOptions{IncludeProjects: runnerapi.Ptr(false)})
		if errors.Is(err, runnerapi.ErrNotFound) {
			return nil // deleted since it was listed
		}
		if err != nil {
			return fmt.Errorf("runner #%d: %w", r.ID, err)
		}
		if last := lastActivity(d); last.Before(cutoff) {
			found = append(found, candidate{runner: d, lastActivity: last})
		}
		return nil
	}

	// An administrator sees every runner; anyone else the runners they own.
	adminView := true
	for r, err := range e.client.Runners.ListAllIter(ctx, opt) {
		if errors.Is(err, runnerapi.ErrForbidden) && listed == 0 {
			adminView = false
			break
		}
		if err != nil {
			return nil, listed, fmt.Errorf("listing runners: %w", err)
		}
		if err := visit(r); err != nil {
			return nil, listed, err
		}
	}
	if !adminView {
		fmt.Fprintln(e.out, "Not an administrator's token: only the runners you own are checked")
		for r, err := range e.client.Runners.ListIter(ctx, opt) {
			if err != nil {
				return nil, listed, fmt.Errorf("listing runners: %w", err)
			}
			if err := visit(r); err != nil {
				return nil, listed, err
			}
		}
	}
	return found, listed, nil
}

// lastActivity is when a runner last showed a sign of life: its last contact,
// or its creation when it never contacted GitLab (or contacted it before a re-creation).
func lastActivity(d *runnerapi.RunnerDetails) time.Time {
	var last time.Time
	if d.CreatedAt != nil {
		last = *d.CreatedAt
	}
	if d.ContactedAt != nil && d.ContactedAt.After(last) {
		last = *d.ContactedAt
	}
	return last
}

// deleteAll deletes the candidates. Each delete is conditional: a runner changed
// since the scan (412) is skipped, one already gone (404) is fine; any other
// failure is reported and the rest are still attempted.
func deleteAll(ctx context.Context, e env, found []candidate, scanned time.Time) error {
	fmt.Fprintf(e.out, "\nDeleting %d runner(s):\n", len(found))
	deleted, failed := 0, 0
	for _, c := range found {
		r := c.runner
		_, err := e.client.Runners.Delete(ctx, r.ID, runnerapi.WithIfUnmodifiedSince(scanned))
		switch {
		case err == nil:
			deleted++
			fmt.Fprintf(e.out, "  deleted runner #%d (%s)\n", r.ID, exampleenv.Or(r.Description))
		case errors.Is(err, runnerapi.ErrPreconditionFailed):
			fmt.Fprintf(e.out, "  skipped runner #%d: changed since the scan (412)\n", r.ID)
		case errors.Is(err, runnerapi.ErrNotFound):
			fmt.Fprintf(e.out, "  skipped runner #%d: already gone (404)\n", r.ID)
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			failed++
			fmt.Fprintf(e.out, "  FAILED runner #%d: %v\n", r.ID, err)
		}
	}
	fmt.Fprintf(e.out, "Deleted %d of %d runner(s).\n", deleted, len(found))
	if failed > 0 {
		return fmt.Errorf("%d runner(s) could not be deleted", failed)
	}
	return nil
}

// parseFlags reads the command line into a config.
func parseFlags(out io.Writer, args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("prune-stale-runners", flag.ContinueOnError)
	fs.SetOutput(out)
	older := dayDuration(staleAfter)
	fs.Var(&older, "older-than", "minimum time since last activity: a Go `duration` (168h, 90m) or days (7d, 1d12h)")
	typ := fs.String("type", "", "only runners of this type: instance_type, group_type or project_type")
	fs.Var((*tagList)(&cfg.tags), "tag", "only runners with all these tags; repeat the flag or separate with commas")
	fs.BoolVar(&cfg.apply, "apply", false, "really delete the runners (default: dry run)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, exampleenv.UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg.olderThan = time.Duration(older)
	if cfg.olderThan <= 0 {
		return cfg, errors.New("-older-than must be positive")
	}
	if *typ != "" {
		t := runnerapi.RunnerType(*typ)
		if !t.Valid() {
			return cfg, fmt.Errorf("-type %q is not instance_type, group_type or project_type", *typ)
		}
		cfg.typ = &t
	}
	return cfg, nil
}

// dayDuration is a flag.Value accepting Go durations plus a leading day count ("7d", "1d12h").
type dayDuration time.Duration

func (d *dayDuration) String() string { return days(time.Duration(*d)) }

func (d *dayDuration) Set(s string) error {
	v, err := parseDays(s)
	if err != nil {
		return err
	}
	*d = dayDuration(v)
	return nil
}

// parseDays parses "7d", "1d12h", "36h" or any other time.ParseDuration input.
func parseDays(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("invalid day count in %q", s)
		}
		total = time.Duration(n) * 24 * time.Hour
		rest = s[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: use a Go duration like 168h or days like 7d", s)
		}
		total += d
	}
	return total, nil
}

// days renders a duration with whole days first and no zero tail: 7d, 1d12h, 36h, 90m.
func days(d time.Duration) string {
	const day = 24 * time.Hour
	out, rest := "", d
	if d >= day {
		out, rest = fmt.Sprintf("%dd", d/day), d%day
		if rest == 0 {
			return out
		}
	}
	s := rest.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return out + s
}

// tagList is a flag.Value collecting tags from repeated flags and comma lists.
type tagList []string

func (t *tagList) String() string { return strings.Join(*t, ",") }

func (t *tagList) Set(s string) error {
	for _, tag := range strings.Split(s, ",") {
		if tag = strings.TrimSpace(tag); tag != "" {
			*t = append(*t, tag)
		}
	}
	return nil
}

func typeText(t *runnerapi.RunnerType) string {
	if t == nil {
		return "any"
	}
	return string(*t)
}

func tagText(tags []string) string {
	if len(tags) == 0 {
		return "any"
	}
	return strings.Join(tags, " and ")
}
