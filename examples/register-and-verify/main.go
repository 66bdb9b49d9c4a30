// Command register-and-verify walks through GitLab's current runner
// registration workflow with runnerapi:
//
//	go run ./examples/register-and-verify -tags example,docker
//
// The steps:
//  1. Runners.Create (POST /user/runners) creates an instance runner and
//     returns its "glrt-" authentication token.
//  2. Runners.Verify (POST /runners/verify) checks that token the way a
//     runner process does when it starts, as one runner manager (system_id).
//  3. Runners.DeleteByToken (DELETE /runners) unregisters the runner with
//     its own token, as `gitlab-runner unregister` does.
//  4. The runner is then gone (404) and its token refused (403).
//
// The token is never printed in full. With neither GITLAB_URL nor
// GITLAB_TOKEN set it runs against an embedded fake GitLab with demo data;
// against a real instance it needs an administrator's token, and it removes
// the runner again even when a step fails.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/examples/internal/exampleenv"
)

func main() { exampleenv.Main("register-and-verify", start) }

// start checks the flags, connects to the backend, says which one it is, and runs the workflow.
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
	return register(ctx, env{client: b.Client, out: stdout}, cfg)
}

// env is what run needs from the outside world.
type env struct {
	client *runnerapi.Client
	out    io.Writer
}

// config is the parsed command line.
type config struct {
	description string
	tags        []string
	systemID    string
}

// run parses the flags and runs the workflow.
func run(ctx context.Context, e env, args []string) error {
	cfg, err := parseFlags(e.out, args)
	if err != nil {
		return err
	}
	return register(ctx, e, cfg)
}

func parseFlags(out io.Writer, args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("register-and-verify", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.description, "description", "runnerapi register-and-verify example", "description of the new runner")
	tags := fs.String("tags", "example,docker", "comma-separated tags of the new runner")
	fs.StringVar(&cfg.systemID, "system-id", "", "system ID of the runner manager that verifies (default: a random s_… ID)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, t := range strings.Split(*tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.tags = append(cfg.tags, t)
		}
	}
	if cfg.systemID == "" {
		b := make([]byte, 6)
		if _, err := rand.Read(b); err != nil {
			return cfg, err
		}
		cfg.systemID = "s_" + hex.EncodeToString(b)
	}
	return cfg, nil
}

// register runs create → verify → delete-by-token → confirm. If a step after
// the creation fails, the runner is deleted by ID so that nothing is left behind.
func register(ctx context.Context, e env, cfg config) (err error) {
	created, _, err := e.client.Runners.Create(ctx, runnerapi.InstanceRunnerOwner(), &runnerapi.CreateRunnerOptions{
		Description: runnerapi.Ptr(cfg.description),
		TagList:     runnerapi.Ptr(cfg.tags),
	})
	if errors.Is(err, runnerapi.ErrForbidden) {
		return fmt.Errorf("creating an instance runner needs an administrator's token: %w", err)
	}
	if err != nil {
		return fmt.Errorf("step 1, create: %w", err)
	}
	fmt.Fprintf(e.out, "1. Created instance runner #%d (POST /user/runners)\n", created.ID)
	fmt.Fprintf(e.out, "   description: %s\n", cfg.description)
	fmt.Fprintf(e.out, "   tags:        %s\n", exampleenv.Tags(cfg.tags))
	fmt.Fprintf(e.out, "   token:       %s, expires: %s\n", exampleenv.RedactToken(created.Token), expiry(created.TokenExpiresAt))

	unregistered := false
	defer func() {
		if unregistered {
			return
		}
		// Something failed after the creation: remove the runner by ID.
		if _, derr := e.client.Runners.Delete(context.WithoutCancel(ctx), created.ID); derr != nil && !errors.Is(derr, runnerapi.ErrNotFound) {
			err = errors.Join(err, fmt.Errorf("cleanup of runner #%d: %w", created.ID, derr))
			return
		}
		fmt.Fprintf(e.out, "Cleanup: deleted runner #%d after the failure.\n", created.ID)
	}()

	before, _, err := e.client.Runners.Get(ctx, created.ID, &runnerapi.GetRunnerOptions{IncludeProjects: runnerapi.Ptr(false)})
	if err != nil {
		return fmt.Errorf("reading runner #%d: %w", created.ID, err)
	}
	fmt.Fprintf(e.out, "   status:      %s (no runner process has used the token yet)\n", before.Status)

	v, _, err := e.client.Runners.Verify(ctx, created.Token, &runnerapi.VerifyRunnerOptions{SystemID: runnerapi.Ptr(cfg.systemID)})
	if err != nil {
		return fmt.Errorf("step 2, verify: %w", err)
	}
	switch {
	case v.Legacy:
		fmt.Fprintf(e.out, "2. Verified the token (POST /runners/verify): accepted (old server, no details)\n")
	case v.ID != created.ID:
		return fmt.Errorf("step 2, verify: token belongs to runner #%d, want #%d", v.ID, created.ID)
	default:
		fmt.Fprintf(e.out, "2. Verified the token (POST /runners/verify) as manager %s: runner #%d\n", cfg.systemID, v.ID)
	}
	managers, _, err := e.client.Runners.ListManagers(ctx, created.ID)
	if err != nil {
		return fmt.Errorf("managers of runner #%d: %w", created.ID, err)
	}
	ids := make([]string, 0, len(managers))
	for _, m := range managers {
		ids = append(ids, m.SystemID)
	}
	fmt.Fprintf(e.out, "   managers:    %d (%s)\n", len(managers), exampleenv.Or(strings.Join(ids, ", ")))

	if _, err := e.client.Runners.DeleteByToken(ctx, created.Token); err != nil {
		return fmt.Errorf("step 3, delete by token: %w", err)
	}
	unregistered = true
	fmt.Fprintf(e.out, "3. Unregistered runner #%d with its own token (DELETE /runners)\n", created.ID)

	_, _, err = e.client.Runners.Get(ctx, created.ID, nil)
	switch {
	case errors.Is(err, runnerapi.ErrNotFound):
		fmt.Fprintf(e.out, "4. Runner #%d is gone: GET /runners/%d answers 404\n", created.ID, created.ID)
	case err == nil:
		return fmt.Errorf("step 4: runner #%d still exists after DeleteByToken", created.ID)
	default:
		return fmt.Errorf("step 4, confirm: %w", err)
	}
	_, _, err = e.client.Runners.Verify(ctx, created.Token, &runnerapi.VerifyRunnerOptions{SystemID: runnerapi.Ptr(cfg.systemID)})
	switch {
	case errors.Is(err, runnerapi.ErrForbidden):
		fmt.Fprintln(e.out, "   and its token is refused: POST /runners/verify answers 403")
	case err == nil:
		return errors.New("step 4: the deleted runner's token is still accepted")
	default:
		return fmt.Errorf("step 4, verify the old token: %w", err)
	}
	return nil
}

// expiry renders a token's expiry.
func expiry(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 MST")
}
