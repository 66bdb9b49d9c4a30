package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/runnerkit/runnerapi/fleet"
)

// inventoryRow is one runner in the inventory output.
type inventoryRow struct {
	ID             int64      `json:"id"`
	Type           string     `json:"type"`
	Description    string     `json:"description"`
	Status         string     `json:"status"`
	Paused         bool       `json:"paused"`
	Busy           bool       `json:"busy"`
	Online         bool       `json:"online"`
	Stale          bool       `json:"stale"`
	LastContact    *time.Time `json:"last_contact"`
	Versions       []string   `json:"versions"`
	Managers       int        `json:"managers"`
	OnlineManagers int        `json:"online_managers"`
	Tags           []string   `json:"tags"`
}

func row(r *fleet.Record) inventoryRow {
	d := r.Runner
	versions, tags := r.Versions, d.TagList
	if versions == nil {
		versions = []string{}
	}
	if tags == nil {
		tags = []string{}
	}
	return inventoryRow{ID: d.ID, Type: string(d.RunnerType), Description: d.Description, Status: string(d.Status),
		Paused: r.Paused, Busy: r.Busy, Online: r.Online, Stale: r.Stale, LastContact: r.LastContact,
		Versions: versions, Managers: len(r.Managers), OnlineManagers: r.OnlineManagers, Tags: tags}
}

var inventoryHeader = []string{"id", "type", "status", "paused", "busy", "stale", "last_contact", "versions", "managers", "online_managers", "tags", "description"}

func (r inventoryRow) cells() []string {
	last := ""
	if r.LastContact != nil {
		last = r.LastContact.UTC().Format(time.RFC3339)
	}
	return []string{strconv.FormatInt(r.ID, 10), r.Type, r.Status, strconv.FormatBool(r.Paused), strconv.FormatBool(r.Busy),
		strconv.FormatBool(r.Stale), last, strings.Join(r.Versions, " "), strconv.Itoa(r.Managers), strconv.Itoa(r.OnlineManagers),
		strings.Join(r.Tags, ","), r.Description}
}

// writeInventory streams the inventory: rows are written as records arrive.
func (a *app) writeInventory(ctx context.Context, fl *fleet.Filter, format string) error {
	var errs []error
	n := 0
	switch format {
	case "csv":
		w := csv.NewWriter(a.stdout)
		_ = w.Write(inventoryHeader)
		for rec, err := range a.fleet.Inventory(ctx, fl) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			_ = w.Write(row(rec).cells())
			n++
		}
		w.Flush()
		errs = append(errs, w.Error())
	case "json":
		fmt.Fprint(a.stdout, "[")
		for rec, err := range a.fleet.Inventory(ctx, fl) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			b, _ := json.Marshal(row(rec))
			if n > 0 {
				fmt.Fprint(a.stdout, ",")
			}
			fmt.Fprintf(a.stdout, "\n%s", b)
			n++
		}
		fmt.Fprintln(a.stdout, "\n]")
	default:
		tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.ToUpper(strings.Join(inventoryHeader, "\t")))
		for rec, err := range a.fleet.Inventory(ctx, fl) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			cells := row(rec).cells()
			for i, c := range cells {
				if c == "" {
					cells[i] = "-"
				}
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
			n++
		}
		tw.Flush()
		fmt.Fprintf(a.stdout, "%d runners\n", n)
	}
	return errors.Join(errs...)
}

// writePlan prints what a prune would delete.
func (a *app) writePlan(p *fleet.Plan, format string) error {
	if format == "json" {
		type cand struct {
			ID             int64     `json:"id"`
			Type           string    `json:"type"`
			Description    string    `json:"description"`
			Tags           []string  `json:"tags"`
			LastActivity   time.Time `json:"last_activity"`
			NeverContacted bool      `json:"never_contacted"`
			Reason         string    `json:"reason"`
		}
		out := struct {
			ScanTime   time.Time `json:"scan_time"`
			Cutoff     time.Time `json:"cutoff"`
			Scanned    int       `json:"scanned"`
			Kept       int       `json:"kept"`
			Candidates []cand    `json:"candidates"`
		}{ScanTime: p.ScanTime.UTC(), Cutoff: p.Cutoff.UTC(), Scanned: p.Scanned, Kept: p.Kept, Candidates: []cand{}}
		for _, c := range p.Candidates {
			tags := c.Tags
			if tags == nil {
				tags = []string{}
			}
			out.Candidates = append(out.Candidates, cand{c.ID, string(c.Type), c.Description, tags, c.LastActivity.UTC(), c.NeverContacted, c.Reason})
		}
		return writeJSON(a, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tREASON\tDESCRIPTION")
	for _, c := range p.Candidates {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", c.ID, c.Type, c.Reason, orDash(c.Description))
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "%d runners would be deleted (%d examined, %d kept; last activity at or before %s; scan at %s). Dry run: nothing was deleted; run with -apply to delete.\n",
		len(p.Candidates), p.Scanned, p.Kept, p.Cutoff.UTC().Format(time.RFC3339), p.ScanTime.UTC().Format(time.RFC3339))
	return nil
}

// writeReport prints a report and returns its failures.
func (a *app) writeReport(r *fleet.Report, format string) error {
	if format == "json" {
		type item struct {
			ID          int64   `json:"id"`
			Outcome     string  `json:"outcome"`
			Reason      string  `json:"reason,omitempty"`
			Error       string  `json:"error,omitempty"`
			RunningJobs []int64 `json:"running_jobs,omitempty"`
		}
		out := struct {
			Op       string  `json:"op"`
			Done     int     `json:"done"`
			Skipped  int     `json:"skipped"`
			Failed   int     `json:"failed"`
			Duration float64 `json:"duration_seconds"`
			Items    []item  `json:"items"`
		}{Op: r.Op, Done: r.Done, Skipped: r.Skipped, Failed: r.Failed, Duration: r.Duration.Seconds(), Items: []item{}}
		for _, it := range r.Items {
			j := item{ID: it.RunnerID, Outcome: it.Outcome.String(), Reason: it.Reason, RunningJobs: it.RunningJobs}
			if it.Err != nil {
				j.Error = it.Err.Error()
			}
			out.Items = append(out.Items, j)
		}
		if err := writeJSON(a, out); err != nil {
			return err
		}
		return reportErr(r)
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tOUTCOME\tDETAIL")
	for _, it := range r.Items {
		detail := it.Reason
		if it.Err != nil {
			detail = it.Err.Error()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", it.RunnerID, it.Outcome, orDash(detail))
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "%s: %d done, %d skipped, %d failed in %s\n", r.Op, r.Done, r.Skipped, r.Failed, r.Duration.Round(time.Millisecond))
	return reportErr(r)
}

// reportErr sums up a report's failures for stderr; the items are on stdout.
func reportErr(r *fleet.Report) error {
	if r.Failed == 0 {
		return r.Err() // a failure of the whole operation, if any
	}
	return fmt.Errorf("%s: %d of %d failed", r.Op, r.Failed, len(r.Items))
}

func writeJSON(a *app, v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
