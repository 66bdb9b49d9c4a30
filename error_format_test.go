package runnerapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorTextFormat: every kind of error a call returns reads
// "runnerapi: ..." with the prefix exactly once, also when a decoding error
// of a model is wrapped in a DecodeError, and "(after N attempts)" only
// when the request was sent more than once.
func TestErrorTextFormat(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name         string
		status       int
		body         string
		call         func(c *Client) error
		wantAttempts bool
	}{
		{"validation", 0, "", func(c *Client) error { return errOf(c.Runners.Get(ctx, 0, nil)) }, false},
		{"error answer", http.StatusNotFound, `{"message":"404 Runner Not Found"}`,
			func(c *Client) error { return errOf(c.Runners.Get(ctx, 1, nil)) }, false},
		{"retried error answer", http.StatusServiceUnavailable, `{"message":"503 Service Unavailable"}`,
			func(c *Client) error { return errOf(c.Runners.Get(ctx, 1, nil)) }, true},
		{"undecodable answer", http.StatusOK, `{"id":`,
			func(c *Client) error { return errOf(c.Runners.Get(ctx, 1, nil)) }, false},
		{"registration id that is not a number", http.StatusCreated, `{"id":"12x","token":"glrt-abcdefghijklmnop"}`,
			func(c *Client) error { return errOf(c.Runners.Create(ctx, InstanceRunnerOwner(), nil)) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, WithRetry(1, 0, 0))
			ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
				serveJSON(w, tc.status, []byte(tc.body))
			})
			err := tc.call(ts.Client)
			require.Error(t, err)
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, "runnerapi: "), msg)
			assert.Equal(t, 1, strings.Count(msg, "runnerapi:"), "one prefix: %s", msg)
			assert.Equal(t, tc.wantAttempts, strings.HasSuffix(msg, " (after 2 attempts)"), msg)
		})
	}
}
