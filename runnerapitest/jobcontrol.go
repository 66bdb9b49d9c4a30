package runnerapitest

import (
	"fmt"
	"time"
)

// FinishJob ends job id with status (for example "success", "failed" or
// "canceled"), as a runner reporting the end of a job would. A running job
// stops counting towards its runner's job_execution_status "active", so a
// test can let a drain see the runner go idle. It fails for an unknown job,
// a job that is not running, or a status that is not a finished one.
func (s *Server) FinishJob(id int64, status string) error {
	switch status {
	case "success", "failed", "canceled", "skipped":
	default:
		return fmt.Errorf("runnerapitest: FinishJob: %q is not a finished job status", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.st.jobs {
		if j.id != id {
			continue
		}
		if j.status != "running" {
			return fmt.Errorf("runnerapitest: FinishJob: job %d is %s, not running", id, j.status)
		}
		j.status = status
		if s.st.running[j.runnerID] > 0 {
			s.st.running[j.runnerID]--
		}
		return nil
	}
	return fmt.Errorf("runnerapitest: FinishJob: no job %d", id)
}

// SetRunnerTokenExpiry makes runner id's authentication token expire at t
// (nil: never), as GitLab's token expiration settings would. Verify and the
// token resets report it in token_expires_at.
func (s *Server) SetRunnerTokenExpiry(id int64, t *time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.runnerByID[id]
	if r == nil {
		return fmt.Errorf("runnerapitest: SetRunnerTokenExpiry: no runner %d", id)
	}
	if t != nil {
		u := t.UTC().Truncate(time.Millisecond)
		t = &u
	}
	r.tokenExpiresAt = t
	return nil
}
