package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/fleet"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

const usage = `usage: runnerctl [-demo] [-concurrency N] [-owned] <command> [flags] [runner IDs]

commands:
  inventory    list runners with details and managers (-format table|json|csv)
  prune        plan the deletion of stale runners; -apply deletes them
  drain        pause runners and wait until their jobs finish
  pause        pause runners (by ID, or -tag/-type)
  unpause      unpause runners (by ID, or -tag/-type)
  renew-token  renew a runner's own token when it expires soon

environment: GITLAB_URL and GITLAB_TOKEN (not needed with -demo).
Run "runnerctl <command> -h" for a command's flags.
`

// usageError is a command-line mistake: exit status 2.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// app is one invocation.
type app struct {
	stdout, stderr io.Writer
	client         *runnerapi.Client
	fake           *runnerapitest.Server
	fleet          *fleet.Fleet
	owned          bool
}

// run executes the command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, terminal bool) int {
	global := flag.NewFlagSet("runnerctl", flag.ContinueOnError)
	global.SetOutput(stderr)
	global.Usage = func() { fmt.Fprint(stderr, usage) }
	demo := global.Bool("demo", false, "use an embedded fake GitLab with demo data")
	concurrency := global.Int("concurrency", fleet.DefaultConcurrency, "requests in flight at most")
	owned := global.Bool("owned", false, "only the caller's runners (GET /runners) instead of all (GET /runners/all)")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if global.NArg() == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	a := &app{stdout: stdout, stderr: stderr, owned: *owned}
	cmd, rest := global.Arg(0), global.Args()[1:]
	commands := map[string]func(context.Context, []string) error{
		"inventory": a.inventory, "prune": a.prune, "drain": a.drain,
		"pause": a.bulk("pause"), "unpause": a.bulk("unpause"), "renew-token": a.renewToken,
	}
	fn, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "runnerctl: unknown command %q\n%s", cmd, usage)
		return exitUsage
	}
	if err := a.connect(*demo, getenv); err != nil {
		fmt.Fprintln(stderr, "runnerctl:", err)
		return exitUsage
	}
	defer a.close()
	opts := []fleet.Option{fleet.WithConcurrency(*concurrency)}
	if clock != nil {
		opts = append(opts, fleet.WithClock(clock))
	}
	if terminal {
		opts = append(opts, fleet.WithProgress(progressLine(stderr)))
	}
	f, err := fleet.New(a.client, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "runnerctl:", err)
		return exitUsage
	}
	a.fleet = f
	err = fn(ctx, rest)
	if terminal {
		fmt.Fprint(stderr, "\r\033[K")
	}
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintln(stderr, "runnerctl:", ue.msg)
		}
		return exitUsage
	}
	fmt.Fprintln(stderr, "runnerctl:", err)
	return exitFailed
}

// newDemo starts the -demo fake; tests replace it (and clock) to share a test clock.
var (
	newDemo = func() *runnerapitest.Server { return runnerapitest.NewServer(runnerapitest.WithDemoData()) }
	clock   fleet.Clock
)

// connect makes the client: the demo fake, or GITLAB_URL and GITLAB_TOKEN.
func (a *app) connect(demo bool, getenv func(string) string) error {
	if demo {
		a.fake = newDemo()
		a.client = a.fake.Client()
		return nil
	}
	url, token := getenv("GITLAB_URL"), getenv("GITLAB_TOKEN")
	if url == "" || token == "" {
		return errors.New("set GITLAB_URL and GITLAB_TOKEN, or use -demo")
	}
	c, err := runnerapi.NewClient(url, runnerapi.WithPrivateToken(token))
	if err != nil {
		return err
	}
	a.client = c
	return nil
}

func (a *app) close() {
	if a.fake != nil {
		a.fake.Close()
	}
}

// progressLine draws one self-overwriting line on a terminal.
func progressLine(w io.Writer) func(fleet.Progress) {
	return func(p fleet.Progress) {
		total := "?"
		if p.Total > 0 {
			total = strconv.Itoa(p.Total)
		}
		fmt.Fprintf(w, "\r\033[K%s: %d/%s done, %d failed (runner %d)", p.Op, p.Done, total, p.Failed, p.Current)
	}
}

// flags is a command's flag set writing its usage to stderr.
func (a *app) flags(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "usage: runnerctl %s [flags] %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses fs, turning a flag error into a usage error already printed by the flag package.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{}
	}
	return nil
}

// filterFlags registers -type, -tag, -status and -paused.
type filterFlags struct {
	types, tags, status, paused string
}

func (ff *filterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&ff.types, "type", "", "runner types, comma-separated: instance_type, group_type, project_type")
	fs.StringVar(&ff.tags, "tag", "", "tags the runners must all have, comma-separated")
	fs.StringVar(&ff.status, "status", "", "online, offline, stale, never_contacted or paused")
	fs.StringVar(&ff.paused, "paused", "", "true: only paused runners; false: only active ones")
}

func (ff *filterFlags) filter(owned bool) (fleet.Filter, error) {
	fl := fleet.Filter{Owned: owned, RunnerFilter: runnerapi.RunnerFilter{TagList: split(ff.tags)}}
	for _, t := range split(ff.types) {
		typ := runnerapi.RunnerType(t)
		if !typ.Valid() {
			return fl, usagef("-type: %q is not one of instance_type, group_type, project_type", t)
		}
		fl.Types = append(fl.Types, typ)
	}
	if ff.status != "" {
		st := runnerapi.RunnerStatus(ff.status)
		if !st.Valid() {
			return fl, usagef("-status: %q is not one of online, offline, stale, never_contacted, paused", ff.status)
		}
		fl.Status = &st
	}
	if ff.paused != "" {
		b, err := strconv.ParseBool(ff.paused)
		if err != nil {
			return fl, usagef("-paused: %q is not true or false", ff.paused)
		}
		fl.Paused = &b
	}
	return fl, nil
}

func (ff *filterFlags) empty() bool {
	return ff.types == "" && ff.tags == "" && ff.status == "" && ff.paused == ""
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

// parseAge reads "7d", "36h" or "90m".
func parseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.ParseFloat(n, 64)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(d * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration such as 7d or 36h", s)
	}
	return d, nil
}

// ageFlag is a flag.Value for parseAge.
type ageFlag struct{ d *time.Duration }

func (f ageFlag) String() string {
	if f.d == nil {
		return ""
	}
	if *f.d%(24*time.Hour) == 0 && *f.d > 0 {
		return strconv.FormatInt(int64(*f.d/(24*time.Hour)), 10) + "d"
	}
	return f.d.String()
}

func (f ageFlag) Set(s string) error {
	d, err := parseAge(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

// targets returns the runner IDs given as arguments, or those the filter flags select.
func (a *app) targets(ctx context.Context, fs *flag.FlagSet, ff *filterFlags) ([]int64, error) {
	if fs.NArg() > 0 && !ff.empty() {
		return nil, usagef("give runner IDs or -type/-tag/-status/-paused, not both")
	}
	if fs.NArg() > 0 {
		ids := make([]int64, 0, fs.NArg())
		for _, s := range fs.Args() {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return nil, usagef("%q is not a runner ID", s)
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	if ff.empty() {
		return nil, usagef("give runner IDs, or select runners with -type, -tag, -status or -paused")
	}
	fl, err := ff.filter(a.owned)
	if err != nil {
		return nil, err
	}
	return a.fleet.IDs(ctx, &fl)
}

func (a *app) bulk(op string) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		fs := a.flags(op, "(runner IDs | -tag/-type/-status/-paused)")
		var ff filterFlags
		ff.register(fs)
		format := fs.String("format", "table", "output: table or json")
		if err := parse(fs, args); err != nil {
			return err
		}
		if err := checkFormat(*format, "table", "json"); err != nil {
			return err
		}
		ids, err := a.targets(ctx, fs, &ff)
		if err != nil {
			return err
		}
		var rep *fleet.Report
		if op == "pause" {
			rep = a.fleet.Pause(ctx, ids)
		} else {
			rep = a.fleet.Unpause(ctx, ids)
		}
		return a.writeReport(rep, *format)
	}
}

func (a *app) drain(ctx context.Context, args []string) error {
	fs := a.flags("drain", "(runner IDs | -tag/-type/-status/-paused)")
	var ff filterFlags
	ff.register(fs)
	var o fleet.DrainOptions
	o.Timeout, o.MinPoll, o.MaxPoll = fleet.DefaultDrainTimeout, fleet.DefaultMinPoll, fleet.DefaultMaxPoll
	fs.Var(ageFlag{&o.Timeout}, "timeout", "how long to wait for running jobs")
	fs.Var(ageFlag{&o.MinPoll}, "poll", "first wait between checks (doubles up to -max-poll)")
	fs.Var(ageFlag{&o.MaxPoll}, "max-poll", "longest wait between checks")
	fs.BoolVar(&o.Unpause, "unpause", false, "unpause each runner once it is idle (one paused before the drain stays paused)")
	format := fs.String("format", "table", "output: table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "json"); err != nil {
		return err
	}
	if o.MaxPoll < o.MinPoll {
		return usagef("-max-poll %s is less than -poll %s", o.MaxPoll, o.MinPoll)
	}
	ids, err := a.targets(ctx, fs, &ff)
	if err != nil {
		return err
	}
	return a.writeReport(a.fleet.Drain(ctx, ids, &o), *format)
}

func (a *app) inventory(ctx context.Context, args []string) error {
	fs := a.flags("inventory", "")
	var ff filterFlags
	ff.register(fs)
	format := fs.String("format", "table", "output: table, json or csv")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "json", "csv"); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("inventory takes no arguments")
	}
	fl, err := ff.filter(a.owned)
	if err != nil {
		return err
	}
	return a.writeInventory(ctx, &fl, *format)
}

func (a *app) prune(ctx context.Context, args []string) error {
	fs := a.flags("prune", "")
	var ff filterFlags
	ff.register(fs)
	olderThan := fleet.StaleAfter
	fs.Var(ageFlag{&olderThan}, "older-than", "prune runners without contact for this long (7d is GitLab's stale rule)")
	apply := fs.Bool("apply", false, "delete the planned runners (without it, only the plan is printed)")
	format := fs.String("format", "table", "output: table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "json"); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("prune takes no arguments")
	}
	fl, err := ff.filter(a.owned)
	if err != nil {
		return err
	}
	if olderThan == 0 {
		return usagef("-older-than must be more than 0")
	}
	plan, planErr := a.fleet.PlanPrune(ctx, &fleet.PrunePolicy{Filter: fl, OlderThan: olderThan})
	if plan == nil {
		return planErr
	}
	if !*apply {
		if err := a.writePlan(plan, *format); err != nil {
			return err
		}
		return planErr
	}
	rep := a.fleet.ApplyPrune(ctx, plan)
	if err := a.writeReport(rep, *format); err != nil {
		return err
	}
	return errors.Join(planErr, rep.Err())
}

func (a *app) renewToken(ctx context.Context, args []string) error {
	fs := a.flags("renew-token", "")
	before := fleet.StaleAfter
	fs.Var(ageFlag{&before}, "before", "renew when the token expires within this long")
	file := fs.String("token-file", "", "file holding the runner token; the new token is written back to it")
	systemID := fs.String("system-id", "", "the runner manager's system ID, sent with the verification")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("renew-token takes no arguments")
	}
	token, store, err := a.tokenSource(*file)
	if err != nil {
		return err
	}
	var opts *fleet.RenewOptions
	if *systemID != "" {
		opts = &fleet.RenewOptions{SystemID: *systemID}
	}
	rn, err := a.fleet.RenewToken(ctx, token, before, store, opts)
	if rn != nil {
		expiry := "never"
		if rn.ExpiresAt != nil {
			expiry = rn.ExpiresAt.UTC().Format(time.RFC3339)
		}
		switch {
		case rn.Renewed:
			fmt.Fprintf(a.stdout, "renewed: new token expires %s\n", expiry)
		default:
			fmt.Fprintf(a.stdout, "not renewed: token expires %s, outside the %s window\n", expiry, ageFlag{&before})
		}
	}
	return err
}

// tokenSource reads the token from file and stores a new one back
// atomically. Without a file, -demo makes a runner on the fake whose token
// expires in 3 days.
func (a *app) tokenSource(file string) (string, fleet.TokenStore, error) {
	if file == "" {
		if a.fake == nil {
			return "", nil, usagef("renew-token needs -token-file")
		}
		r := a.fake.AddRunner(runnerapitest.RunnerSpec{Description: "renew-token demo"})
		now := time.Now()
		if clock != nil {
			now = clock.Now()
		}
		exp := now.Add(3 * 24 * time.Hour)
		if err := a.fake.SetRunnerTokenExpiry(r.ID, &exp); err != nil {
			return "", nil, err
		}
		fmt.Fprintf(a.stdout, "demo: runner %d, token expiring %s\n", r.ID, exp.UTC().Format(time.RFC3339))
		return r.Token, func(context.Context, runnerapi.TokenWithExpiry) error { return nil }, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", nil, err
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", nil, fmt.Errorf("%s holds no token", file)
	}
	store := func(_ context.Context, t runnerapi.TokenWithExpiry) error {
		tmp, err := os.CreateTemp(filepath.Dir(file), ".runnerctl-token-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		if err := tmp.Chmod(0o600); err != nil {
			tmp.Close()
			return err
		}
		if _, err := tmp.WriteString(t.Token + "\n"); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		return os.Rename(tmp.Name(), file)
	}
	return token, store, nil
}

func checkFormat(f string, allowed ...string) error {
	for _, a := range allowed {
		if f == a {
			return nil
		}
	}
	return usagef("-format: %q is not one of %s", f, strings.Join(allowed, ", "))
}
