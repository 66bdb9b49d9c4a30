package runnerapitest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi/runnerapitest"
)

// TestDateHeaderFollowsTheClock: every answer, faulted ones included, has a
// Date on the server's clock, so a client that takes GitLab's time from it
// (fleet's prune scan time) sees the same time as the fake's timestamps.
func TestDateHeaderFollowsTheClock(t *testing.T) {
	at := time.Date(2025, 7, 1, 8, 30, 15, 600_000_000, time.UTC)
	srv := runnerapitest.NewServer(runnerapitest.WithClock(func() time.Time { return at }))
	defer srv.Close()
	srv.AddFault(http.MethodGet, "/runners/all", 1, runnerapitest.Fault{Status: http.StatusBadGateway})
	for _, path := range []string{"/api/v4/runners/all", "/api/v4/runners/all", "/api/v4/no/such/route"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
		require.NoError(t, err)
		req.Header.Set("Private-Token", srv.AdminToken())
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, "Tue, 01 Jul 2025 08:30:15 GMT", resp.Header.Get("Date"), "%s answered %d", path, resp.StatusCode)
	}
}
