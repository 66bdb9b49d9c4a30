// Command controllers wires up a runner controller with runnerapi: it creates
// one in dry-run mode, scopes it to the whole instance, mints a token,
// rotates that token (the old ID is revoked and answers 404), and lists the
// controllers with their tokens and scopes.
//
//	go run ./examples/controllers
//	go run ./examples/controllers -description "job admission" -keep
//
// The Runner Controllers API is an experiment of GitLab 18.9+ for Ultimate
// instances, and for administrators only. The controller is deleted at the end
// unless -keep is given, and also when a step fails. Token secrets are never
// printed in full. With neither GITLAB_URL nor GITLAB_TOKEN set it runs
// against an embedded fake GitLab with demo data.
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

func main() { exampleenv.Main("controllers", start) }

// start checks the flags, connects to the backend, says which one it is, and runs the walkthrough.
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
	return walkthrough(ctx, env{client: b.Client, out: stdout, now: time.Now}, cfg)
}

// env is what run needs from the outside world.
type env struct {
	client *runnerapi.Client
	out    io.Writer
	now    func() time.Time
}

// config is the parsed command line.
type config struct {
	description string
	keep        bool
}

// run parses the flags and runs the walkthrough.
func run(ctx context.Context, e env, args []string) error {
	cfg, err := parseFlags(e.out, args)
	if err != nil {
		return err
	}
	return walkthrough(ctx, e, cfg)
}

func parseFlags(out io.Writer, args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("controllers", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.description, "description", "runnerapi controllers example", "description of the new controller")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the controller instead of deleting it at the end")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, nil
}

// walkthrough runs the steps; the controller is deleted at the end unless
// cfg.keep, and always when a step fails.
func walkthrough(ctx context.Context, e env, cfg config) (err error) {
	rc := e.client.RunnerControllers
	ctrl, _, err := rc.Create(ctx, &runnerapi.CreateRunnerControllerOptions{
		Description: runnerapi.Ptr(cfg.description),
		State:       runnerapi.Ptr(runnerapi.RunnerControllerStateDryRun),
	})
	switch {
	case errors.Is(err, runnerapi.ErrForbidden):
		return fmt.Errorf("runner controllers need an administrator's token: %w", err)
	case errors.Is(err, runnerapi.ErrNotFound):
		return fmt.Errorf("runner controllers are not available on this instance (GitLab 18.9+ with an Ultimate licence): %w", err)
	case err != nil:
		return fmt.Errorf("step 1, create: %w", err)
	}
	fmt.Fprintf(e.out, "1. Created runner controller #%d %q in state %s: it evaluates jobs but rejects none\n",
		ctrl.ID, ctrl.Description, ctrl.State)

	defer func() {
		if cfg.keep && err == nil {
			fmt.Fprintf(e.out, "\nKept controller #%d (-keep).\n", ctrl.ID)
			return
		}
		if _, derr := rc.Delete(context.WithoutCancel(ctx), ctrl.ID); derr != nil {
			err = errors.Join(err, fmt.Errorf("deleting controller #%d: %w", ctrl.ID, derr))
			return
		}
		if err != nil {
			fmt.Fprintf(e.out, "Cleanup: deleted controller #%d after the failure.\n", ctrl.ID)
			return
		}
		fmt.Fprintf(e.out, "\nDeleted controller #%d (use -keep to keep it).\n", ctrl.ID)
	}()

	if _, _, err := rc.AddInstanceScope(ctx, ctrl.ID); err != nil {
		return fmt.Errorf("step 2, instance scope: %w", err)
	}
	fmt.Fprintf(e.out, "2. Scoped controller #%d to the whole instance\n", ctrl.ID)

	tok, _, err := rc.CreateToken(ctx, ctrl.ID, &runnerapi.CreateRunnerControllerTokenOptions{Description: runnerapi.Ptr("admission webhook")})
	if err != nil {
		return fmt.Errorf("step 3, create token: %w", err)
	}
	fmt.Fprintf(e.out, "3. Created token #%d %q: %s (the secret is shown only once)\n",
		tok.ID, tok.Description, exampleenv.RedactToken(tok.Token))

	rotated, _, err := rc.RotateToken(ctx, ctrl.ID, tok.ID)
	if err != nil {
		return fmt.Errorf("step 4, rotate token #%d: %w", tok.ID, err)
	}
	fmt.Fprintf(e.out, "4. Rotated token #%d: the new token is #%d: %s\n", tok.ID, rotated.ID, exampleenv.RedactToken(rotated.Token))
	_, _, err = rc.GetToken(ctx, ctrl.ID, tok.ID)
	switch {
	case errors.Is(err, runnerapi.ErrNotFound):
		fmt.Fprintf(e.out, "   old token #%d is revoked: GET answers 404\n", tok.ID)
	case err == nil:
		return fmt.Errorf("step 4: old token #%d is still active after the rotation", tok.ID)
	default:
		return fmt.Errorf("step 4, read old token #%d: %w", tok.ID, err)
	}

	if err := listControllers(ctx, e); err != nil {
		return err
	}
	if err := listTokens(ctx, e, ctrl.ID); err != nil {
		return err
	}
	scopes, _, err := rc.ListScopes(ctx, ctrl.ID)
	if err != nil {
		return fmt.Errorf("scopes of controller #%d: %w", ctrl.ID, err)
	}
	fmt.Fprintf(e.out, "\nScopes of controller #%d: %s\n", ctrl.ID, scopeText(scopes))
	return nil
}

// listControllers prints every controller with its scope and token count.
func listControllers(ctx context.Context, e env) error {
	rc := e.client.RunnerControllers
	fmt.Fprintln(e.out, "\nRunner controllers:")
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSCOPE\tTOKENS\tDESCRIPTION")
	for c, err := range rc.ListIter(ctx, nil) {
		if err != nil {
			return fmt.Errorf("listing controllers: %w", err)
		}
		scopes, _, err := rc.ListScopes(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("scopes of controller #%d: %w", c.ID, err)
		}
		tokens := 0
		for _, err := range rc.ListTokensIter(ctx, c.ID, nil) {
			if err != nil {
				return fmt.Errorf("tokens of controller #%d: %w", c.ID, err)
			}
			tokens++
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", c.ID, c.State, scopeText(scopes), tokens, exampleenv.Or(c.Description))
	}
	return tw.Flush()
}

// listTokens prints the active tokens of one controller (GitLab never lists their secrets).
func listTokens(ctx context.Context, e env, id int64) error {
	fmt.Fprintf(e.out, "\nTokens of controller #%d:\n", id)
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDESCRIPTION\tLAST USED")
	for t, err := range e.client.RunnerControllers.ListTokensIter(ctx, id, nil) {
		if err != nil {
			return fmt.Errorf("tokens of controller #%d: %w", id, err)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", t.ID, exampleenv.Or(t.Description), exampleenv.Ago(e.now(), t.LastUsedAt))
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
