package runnerapi

import "encoding/json"

// Enum fields appear in every item of every list (a runner has three), and
// encoding/json allocates a new string for each. These UnmarshalJSON methods
// reuse the package constants for known values, so decoding them costs no
// allocation; unknown values (newer servers) still decode as they are.

var (
	knownRunnerTypes            = []RunnerType{RunnerTypeInstance, RunnerTypeGroup, RunnerTypeProject}
	knownRunnerStatuses         = []RunnerStatus{RunnerStatusOnline, RunnerStatusOffline, RunnerStatusStale, RunnerStatusNeverContacted, RunnerStatusActive, RunnerStatusPaused}
	knownAccessLevels           = []AccessLevel{AccessLevelNotProtected, AccessLevelRefProtected}
	knownJobExecutionStatuses   = []JobExecutionStatus{JobExecutionStatusActive, JobExecutionStatusIdle}
	knownRunnerControllerStates = []RunnerControllerState{RunnerControllerStateDisabled, RunnerControllerStateEnabled, RunnerControllerStateDryRun}
	knownJobStatuses            = []JobStatus{
		JobStatusCreated, JobStatusWaitingForResource, JobStatusPreparing, JobStatusWaitingForCallback,
		JobStatusPending, JobStatusRunning, JobStatusSuccess, JobStatusFailed, JobStatusCanceling,
		JobStatusCanceled, JobStatusSkipped, JobStatusManual, JobStatusScheduled,
	}
)

// decodeEnum decodes the JSON value b into dst: a known value without
// allocating, null as no change (like a plain string), anything else as encoding/json would.
func decodeEnum[E ~string](b []byte, dst *E, known []E) error {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' {
		raw := b[1 : n-1]
		for _, k := range known {
			if string(raw) == string(k) {
				*dst = k
				return nil
			}
		}
	}
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*dst = E(s)
	return nil
}

// UnmarshalJSON decodes a runner type, reusing the constants for known values.
func (t *RunnerType) UnmarshalJSON(b []byte) error { return decodeEnum(b, t, knownRunnerTypes) }

// UnmarshalJSON decodes a runner status, reusing the constants for known values.
func (s *RunnerStatus) UnmarshalJSON(b []byte) error { return decodeEnum(b, s, knownRunnerStatuses) }

// UnmarshalJSON decodes an access level, reusing the constants for known values.
func (a *AccessLevel) UnmarshalJSON(b []byte) error { return decodeEnum(b, a, knownAccessLevels) }

// UnmarshalJSON decodes a job status, reusing the constants for known values.
func (s *JobStatus) UnmarshalJSON(b []byte) error { return decodeEnum(b, s, knownJobStatuses) }

// UnmarshalJSON decodes a job execution status, reusing the constants for known values.
func (s *JobExecutionStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, s, knownJobExecutionStatuses)
}

// UnmarshalJSON decodes a runner controller state, reusing the constants for known values.
func (s *RunnerControllerState) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, s, knownRunnerControllerStates)
}
