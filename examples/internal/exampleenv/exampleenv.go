// Package exampleenv connects the example programs either to the GitLab
// instance named by GITLAB_URL and GITLAB_TOKEN or, when neither is set, to
// an embedded fake GitLab seeded with demo data, so that every example runs
// on a fresh machine. It also holds the small formatting helpers they share.
package exampleenv

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

// Backend is the GitLab an example talks to.
type Backend struct {
	// Client is authenticated for the backend.
	Client *runnerapi.Client
	// Fake is the embedded fake server, or nil when talking to a real instance.
	Fake *runnerapitest.Server
	// URL is the base URL of the backend, without credentials.
	URL string
}

// Connect returns the instance named by GITLAB_URL and GITLAB_TOKEN when both
// are set, or a freshly started fake GitLab with demo data when neither is.
// Setting only one of them is an error, so that a typo never silently falls
// back to the fake.
func Connect() (*Backend, error) {
	url, token := os.Getenv("GITLAB_URL"), os.Getenv("GITLAB_TOKEN")
	switch {
	case url == "" && token == "":
		fake := runnerapitest.NewServer(runnerapitest.WithDemoData())
		return &Backend{Client: fake.Client(), Fake: fake, URL: fake.URL()}, nil
	case url == "" || token == "":
		return nil, errors.New("set both GITLAB_URL and GITLAB_TOKEN to use a GitLab instance, or neither to use the embedded fake")
	}
	client, err := runnerapi.NewClientFromEnv()
	if err != nil {
		return nil, err
	}
	base := client.BaseURL()
	base.Path = strings.TrimSuffix(base.Path, "api/v4/")
	return &Backend{Client: client, URL: strings.TrimSuffix(base.String(), "/")}, nil
}

// Real reports whether the backend is a real GitLab instance.
func (b *Backend) Real() bool { return b.Fake == nil }

// Describe is the one line an example prints first, saying which backend it uses.
func (b *Backend) Describe() string {
	if b.Real() {
		return "Backend: GitLab at " + b.URL + " (from GITLAB_URL and GITLAB_TOKEN)"
	}
	return "Backend: embedded fake GitLab with demo data at " + b.URL +
		" (set GITLAB_URL and GITLAB_TOKEN to use a real instance)"
}

// Close stops the fake server, if one was started.
func (b *Backend) Close() {
	if b.Fake != nil {
		b.Fake.Close()
	}
}

// RedactToken shows only the public, non-secret prefix of a GitLab token
// ("glrt-", "glrt-t1_", "glrct-") and its length, never the secret part.
func RedactToken(token string) string {
	if token == "" {
		return "(none)"
	}
	prefix := ""
	if i := strings.IndexByte(token, '-'); i > 0 && i <= 8 {
		prefix = token[:i+1]
		// GitLab's routable tokens carry a partition marker such as "t1_" after the prefix.
		rest := token[i+1:]
		if len(rest) > 3 && rest[0] == 't' && rest[1] >= '0' && rest[1] <= '9' && rest[2] == '_' {
			prefix += rest[:3]
		}
	}
	return fmt.Sprintf("%s****** (%d chars, redacted)", prefix, len(token))
}

// Ago renders t relative to now: "3m ago", "5h ago", "45d ago", or "never" for nil.
func Ago(now time.Time, t *time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	d := now.Sub(*t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
}

// Tags joins a runner's tags for a table cell, "-" when it has none.
func Tags(tags []string) string {
	if len(tags) == 0 {
		return "-"
	}
	return strings.Join(tags, ",")
}

// Or returns s, or "-" when s is empty, for table cells.
func Or(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// UsageError is a command-line error the flag package has already printed
// with the usage; Main exits 2 for it without printing it again.
type UsageError struct{ Err error }

func (u UsageError) Error() string { return u.Err.Error() }
func (u UsageError) Unwrap() error { return u.Err }

// Main runs an example's start function with os.Args and a context that
// ends on Ctrl-C, and turns its error into the exit code: 0 for none or
// -help, 2 for a UsageError, else 1 after printing "name: error".
func Main(name string, start func(ctx context.Context, stdout io.Writer, args []string) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := start(ctx, os.Stdout, os.Args[1:])
	stop()
	var usage UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}
