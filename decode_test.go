package runnerapi

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Rate-limit headers are read on every answer; reading them must not allocate.
func TestParseRateLimitDoesNotAllocate(t *testing.T) {
	h := http.Header{}
	h.Set("RateLimit-Limit", "600")
	h.Set("RateLimit-Remaining", "599")
	h.Set("RateLimit-Reset", "1700000000")
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	now := time.Unix(1_699_999_990, 0)
	rl := parseRateLimit(h, now)
	assert.Equal(t, 600, rl.Limit)
	assert.Equal(t, 599, rl.Remaining)
	assert.Equal(t, "throttle_authenticated_api", rl.Name)
	assert.Equal(t, time.Unix(1_700_000_000, 0), rl.Reset)
	assert.Zero(t, testing.AllocsPerRun(50, func() { parseRateLimit(h, now) }))
}

func TestEnumDecoding(t *testing.T) {
	var r Runner
	require.NoError(t, json.Unmarshal([]byte(`{"runner_type":"group_type","status":"st\u0061le","job_execution_status":"future_value"}`), &r))
	assert.Equal(t, RunnerTypeGroup, r.RunnerType)
	assert.Equal(t, RunnerStatusStale, r.Status, "escaped strings decode too")
	assert.Equal(t, JobExecutionStatus("future_value"), r.JobExecutionStatus, "unknown values are kept")

	r.RunnerType = RunnerTypeProject
	require.NoError(t, json.Unmarshal([]byte(`{"runner_type":null}`), &r))
	assert.Equal(t, RunnerTypeProject, r.RunnerType, "null leaves the value as a plain string would")

	require.Error(t, json.Unmarshal([]byte(`{"runner_type":5}`), &r))

	lits := map[string][]byte{}
	lit := func(s string) []byte { return lits[s] }
	for _, s := range []string{`"instance_type"`, `"online"`, `"ref_protected"`, `"success"`, `"idle"`, `"dry_run"`} {
		lits[s] = []byte(s)
	}
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"RunnerType", func() { var v RunnerType; _ = v.UnmarshalJSON(lit(`"instance_type"`)) }},
		{"RunnerStatus", func() { var v RunnerStatus; _ = v.UnmarshalJSON(lit(`"online"`)) }},
		{"AccessLevel", func() { var v AccessLevel; _ = v.UnmarshalJSON(lit(`"ref_protected"`)) }},
		{"JobStatus", func() { var v JobStatus; _ = v.UnmarshalJSON(lit(`"success"`)) }},
		{"JobExecutionStatus", func() { var v JobExecutionStatus; _ = v.UnmarshalJSON(lit(`"idle"`)) }},
		{"RunnerControllerState", func() { var v RunnerControllerState; _ = v.UnmarshalJSON(lit(`"dry_run"`)) }},
	} {
		assert.Zero(t, testing.AllocsPerRun(20, c.run), c.name)
	}
}
