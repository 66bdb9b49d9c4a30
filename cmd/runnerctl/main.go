// Command runnerctl runs fleet operations on GitLab runners from the shell:
// an inventory, a stale-runner prune (a dry run unless -apply), a drain
// before maintenance, bulk pause and unpause, and the renewal of a runner's
// own token.
//
//	runnerctl [global flags] <command> [flags] [runner IDs]
//
//	runnerctl inventory -format csv > runners.csv
//	runnerctl prune -older-than 30d -type group_type        # prints the plan
//	runnerctl prune -older-than 30d -type group_type -apply # deletes
//	runnerctl drain -timeout 30m -unpause 12 13 14
//	runnerctl pause -tag docker,linux
//	runnerctl renew-token -before 7d -token-file /etc/gitlab-runner/token
//
// It talks to the GitLab named by GITLAB_URL with the token in GITLAB_TOKEN,
// or, with -demo, to an embedded fake GitLab with demo data. Results go to
// stdout (table, JSON or CSV); a progress line goes to stderr when stderr is
// a terminal. Exit status: 0 when every item succeeded (or was skipped), 1
// when an item or the operation failed, 2 for a usage error.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
