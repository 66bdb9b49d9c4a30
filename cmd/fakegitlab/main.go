// Command fakegitlab serves runnerapitest's in-memory fake of GitLab's
// Runners and Runner Controllers REST APIs on a loopback port, so that
// clients in any language (python-gitlab, glab, Terraform, curl) can be
// tested against it.
//
//	go run github.com/runnerkit/runnerapi/cmd/fakegitlab@latest -demo
//
// It prints two lines a POSIX shell can eval, then serves until SIGINT or
// SIGTERM:
//
//	GITLAB_URL=http://127.0.0.1:40123
//	GITLAB_TOKEN=glpat-runnerapitest-admin-0001
//
// For example:
//
//	go run ./cmd/fakegitlab -demo > /tmp/fake.env &
//	until [ "$(wc -l < /tmp/fake.env)" -ge 2 ]; do sleep 0.1; done
//	eval "$(cat /tmp/fake.env)"; export GITLAB_URL GITLAB_TOKEN
//	curl -s -H "PRIVATE-TOKEN: $GITLAB_TOKEN" "$GITLAB_URL/api/v4/runners/all"
//
// GITLAB_TOKEN is the administrator's personal access token. Flags:
//
//	-demo          load the demo fleet (see runnerapitest.WithDemoData for its users, tokens and ids)
//	-seed FILE     load a JSON seed file (schema: testdata/seed/README.md in the repository)
//	-addr ADDR     listen address, default 127.0.0.1:0 (a free loopback port)
//	-allow-remote  allow a non-loopback -addr (the fake has no real security: tokens are fixed)
//	-rate-limit N/PERIOD  enable a Rack::Attack-style quota, e.g. 600/1m
//
// -demo and -seed may be combined; the seed is loaded after the demo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/runnerkit/runnerapi/runnerapitest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fakegitlab:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
}

// run parses args, starts the fake, prints the environment lines to stdout
// and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakegitlab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "load the demo fleet")
	seed := fs.String("seed", "", "load a JSON seed `file`")
	addr := fs.String("addr", "127.0.0.1:0", "listen `address` (loopback unless -allow-remote)")
	allowRemote := fs.Bool("allow-remote", false, "allow a non-loopback -addr")
	rate := fs.String("rate-limit", "", "request quota `N/PERIOD`, e.g. 600/1m")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := checkAddr(*addr, *allowRemote); err != nil {
		return err
	}
	var opts []runnerapitest.Option
	if *demo {
		opts = append(opts, runnerapitest.WithDemoData())
	}
	if *rate != "" {
		n, period, err := parseRate(*rate)
		if err != nil {
			return err
		}
		opts = append(opts, runnerapitest.WithRateLimit(n, period))
	}
	var seedFile *os.File
	if *seed != "" {
		f, err := os.Open(*seed)
		if err != nil {
			return fmt.Errorf("-seed: %w", err)
		}
		defer f.Close()
		seedFile = f
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	srv := runnerapitest.NewServer(append(opts, runnerapitest.WithListener(ln))...)
	defer srv.Close()
	if seedFile != nil {
		if err := srv.LoadSeed(seedFile); err != nil {
			return fmt.Errorf("-seed %s: %w", *seed, err)
		}
	}
	fmt.Fprintf(stdout, "GITLAB_URL=%s\nGITLAB_TOKEN=%s\n", shellQuote(srv.URL()), shellQuote(srv.AdminToken()))
	fmt.Fprintf(stderr, "fakegitlab: serving the fake GitLab API at %s/api/v4 until interrupted\n", srv.URL())
	<-ctx.Done()
	fmt.Fprintln(stderr, "fakegitlab: stopped")
	return nil
}

// checkAddr refuses an address that is not on a loopback interface unless allowed.
func checkAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-addr %q is not a loopback address (127.0.0.1, ::1, localhost); the fake's tokens are public, so pass -allow-remote to serve other hosts", addr)
}

var rateRE = regexp.MustCompile(`^(\d+)/(.+)$`)

// parseRate reads N/PERIOD, e.g. 600/1m.
func parseRate(s string) (int, time.Duration, error) {
	m := rateRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf("-rate-limit %q: want N/PERIOD, e.g. 600/1m", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return 0, 0, fmt.Errorf("-rate-limit %q: N must be a positive integer", s)
	}
	d, err := time.ParseDuration(m[2])
	if err != nil || d < time.Second || d%time.Second != 0 {
		return 0, 0, fmt.Errorf("-rate-limit %q: PERIOD must be a whole number of seconds, e.g. 60s or 1m", s)
	}
	return n, d, nil
}

// shellQuote quotes v for a POSIX shell when it holds anything but safe characters.
func shellQuote(v string) string {
	safe := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r)
	}
	if v != "" && strings.IndexFunc(v, func(r rune) bool { return !safe(r) }) < 0 {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
