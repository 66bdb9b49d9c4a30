package fleet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/runnerkit/runnerapi"
)

// PrunePolicy says which runners PlanPrune selects for deletion.
type PrunePolicy struct {
	// Filter narrows the runners considered (types, tags, …).
	Filter
	// OlderThan is the age cutoff: a runner qualifies when its last activity
	// (last contact, or creation if it never contacted GitLab) is at least
	// this long ago. Zero means StaleAfter, GitLab's own stale rule.
	OlderThan time.Duration
	// Keep, when set, spares a runner that would otherwise qualify.
	Keep func(*Record) bool
}

// Plan is what PlanPrune would delete. It changes nothing by itself.
type Plan struct {
	// ScanTime is when the scan began, on GitLab's clock: the Date of the
	// first list page, or the Fleet's clock if that is earlier or the Date is
	// missing. ApplyPrune deletes a runner only if it is unchanged since then
	// (If-Unmodified-Since). Staleness is judged at this time too.
	ScanTime time.Time
	// Cutoff is ScanTime minus the policy's age: runners whose last activity is
	// at or before it qualify.
	Cutoff time.Time
	// Candidates are the runners to delete, in list order.
	Candidates []Candidate
	// Scanned counts the runners examined; Kept those that qualified but Keep spared.
	Scanned, Kept int
}

// IDs returns the IDs of the candidates.
func (p *Plan) IDs() []int64 {
	ids := make([]int64, len(p.Candidates))
	for i, c := range p.Candidates {
		ids[i] = c.ID
	}
	return ids
}

// Candidate is a runner a Plan would delete, and why.
type Candidate struct {
	ID          int64
	Type        runnerapi.RunnerType
	Description string
	Tags        []string
	// LastActivity is the last contact, or the creation time when NeverContacted.
	LastActivity   time.Time
	NeverContacted bool
	// Reason reads like "no contact for 45d (since 2026-01-28T12:00:00Z)".
	Reason string
}

// PlanPrune scans the runners the policy's filter selects and returns those
// whose last activity is at or before the cutoff, unless policy.Keep spares
// them. It sends no change to GitLab. A nil policy means GitLab's stale rule
// over every runner of the instance. When the cutoff is StaleAfter or older,
// GitLab narrows the list first (status=stale).
//
// A runner that could not be examined is left out of the plan and its
// failure is in the error (an errors.Join of *ItemError); the plan is still
// returned. A failure to list the runners returns no plan.
func (f *Fleet) PlanPrune(ctx context.Context, policy *PrunePolicy) (*Plan, error) {
	var p PrunePolicy
	if policy != nil {
		p = *policy
	}
	if p.OlderThan < 0 {
		return nil, &runnerapi.ValidationError{Field: "PrunePolicy.OlderThan", Reason: p.OlderThan.String() + " is negative"}
	}
	if p.OlderThan == 0 {
		p.OlderThan = StaleAfter
	}
	if err := p.Filter.validate("PrunePolicy"); err != nil {
		return nil, err
	}
	if p.Status == nil && p.OlderThan >= StaleAfter {
		p.Status = runnerapi.Ptr(runnerapi.RunnerStatusStale)
	}
	plan := &Plan{}
	setScan := func(t time.Time) { plan.ScanTime, plan.Cutoff = t, t.Add(-p.OlderThan) }
	setScan(f.clock.Now())
	// GitLab's own time, from the first page's Date, when it is earlier: a
	// local clock that runs ahead would make If-Unmodified-Since miss
	// changes. The records are judged after this ran (they come from pages
	// the first one leads to), so they all see the same scan time.
	serverTime := func(r *runnerapi.Response) {
		if d, err := http.ParseTime(r.Header.Get("Date")); err == nil && d.Before(plan.ScanTime) {
			setScan(d)
		}
	}
	var errs []error
	for rec, err := range f.inventory(ctx, "prune", &p.Filter, func() time.Time { return plan.ScanTime }, serverTime) {
		var ie *ItemError
		switch {
		case errors.As(err, &ie):
			errs = append(errs, err)
			continue
		case err != nil:
			return nil, err
		}
		plan.Scanned++
		c, ok := candidate(rec, plan)
		if !ok {
			continue
		}
		if p.Keep != nil && p.Keep(rec) {
			plan.Kept++
			continue
		}
		plan.Candidates = append(plan.Candidates, c)
	}
	return plan, errors.Join(errs...)
}

// candidate decides whether rec qualifies under plan's cutoff.
func candidate(rec *Record, plan *Plan) (Candidate, bool) {
	if rec.LastActivity.IsZero() || rec.LastActivity.After(plan.Cutoff) {
		return Candidate{}, false
	}
	d := rec.Runner
	c := Candidate{ID: d.ID, Type: d.RunnerType, Description: d.Description, Tags: d.TagList,
		LastActivity: rec.LastActivity, NeverContacted: rec.LastContact == nil}
	age := days(plan.ScanTime.Sub(rec.LastActivity))
	if c.NeverContacted {
		c.Reason = fmt.Sprintf("never contacted, created %s ago (%s)", age, rec.LastActivity.UTC().Format(time.RFC3339))
	} else {
		c.Reason = fmt.Sprintf("no contact for %s (since %s)", age, rec.LastActivity.UTC().Format(time.RFC3339))
	}
	return c, true
}

// days renders d as whole days, or hours below two days.
func days(d time.Duration) string {
	if d < 48*time.Hour {
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
}

// ApplyPrune deletes the plan's candidates. Right before each delete it
// reads the runner again and skips it if it contacted GitLab since the scan:
// GitLab records contacts without changing updated_at, so the conditional
// delete alone would not notice a stale runner that came back. The delete
// itself is conditional on the runner being unchanged since plan.ScanTime
// (DELETE /runners/:id with If-Unmodified-Since): a runner changed after the
// scan is skipped (GitLab's 412), never deleted; one already gone is skipped
// too. GitLab compares whole seconds, so a runner changed within the second
// of the scan, before it, is also skipped.
//
// The scan time is GitLab's (see Plan.ScanTime), so a local clock that runs
// ahead of GitLab's cannot hide a change made after the scan; it is whole
// seconds, the precision of Date and If-Unmodified-Since alike.
func (f *Fleet) ApplyPrune(ctx context.Context, plan *Plan) *Report {
	if plan == nil {
		rep := f.newReport("prune", nil)
		rep.fatal = &runnerapi.ValidationError{Field: "plan", Reason: "must not be nil"}
		return f.finish(rep)
	}
	since := plan.ScanTime
	last := make(map[int64]time.Time, len(plan.Candidates))
	for _, c := range plan.Candidates {
		last[c.ID] = c.LastActivity
	}
	gone := Skip("already deleted (404)")
	return f.eachOp(ctx, f.newReport("prune", plan.IDs()), func(ctx context.Context, id int64) error {
		d, _, err := f.client.Runners.Get(ctx, id, noProjects)
		switch {
		case errors.Is(err, runnerapi.ErrNotFound):
			return gone
		case err != nil:
			return err
		case d.ContactedAt != nil && d.ContactedAt.After(last[id]):
			return Skip("contacted GitLab since the scan (at " + d.ContactedAt.UTC().Format(time.RFC3339) + ")")
		}
		_, err = f.client.Runners.Delete(ctx, id, runnerapi.WithIfUnmodifiedSince(since))
		switch {
		case errors.Is(err, runnerapi.ErrPreconditionFailed):
			return Skip("changed since the scan at " + since.UTC().Format(time.RFC3339) + " (412 Precondition Failed)")
		case errors.Is(err, runnerapi.ErrNotFound):
			return gone
		}
		return err
	})
}
