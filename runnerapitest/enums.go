package runnerapitest

import "strings"

// The fake's value lists, written from GitLab's server source (not from the
// runnerapi SDK's constants, so that the SDK's tests against the fake can
// catch a mistake in the SDK). Sources, gitlabhq/gitlabhq:
//   - app/models/ci/runner.rb: AVAILABLE_TYPES, AVAILABLE_STATUSES,
//     DEPRECATED_STATUSES, AVAILABLE_SCOPES (= legacy types + types + statuses),
//     access_levels (not_protected, ref_protected).
//   - app/models/concerns/ci/has_status.rb: AVAILABLE_STATUSES of Ci::Build
//     (the newest list, with waiting_for_callback and canceling).
//   - app/finders/ci/runner_jobs_finder.rb: ALLOWED_INDEXED_COLUMNS (id).
//   - app/models/ci/runner_controller.rb: states disabled, enabled, dry_run.
var (
	runnerTypes      = strings.Fields("instance_type group_type project_type")
	legacyTypes      = strings.Fields("specific shared")
	runnerStatuses   = strings.Fields("online offline never_contacted stale")
	deprecatedStatus = strings.Fields("active paused")
	// statusesInclDeprecated is AVAILABLE_STATUSES_INCL_DEPRECATED (deprecated first, as in the model).
	statusesInclDeprecated = append(append([]string{}, deprecatedStatus...), runnerStatuses...)
	// runnerScopes is AVAILABLE_SCOPES, what `scope` accepts at the Grape level.
	runnerScopes     = append(append(append([]string{}, legacyTypes...), runnerTypes...), statusesInclDeprecated...)
	accessLevels     = strings.Fields("not_protected ref_protected")
	jobStatuses      = strings.Fields("created waiting_for_resource preparing waiting_for_callback pending running success failed canceling canceled skipped manual scheduled")
	jobOrderColumns  = []string{"id"}
	sortDirections   = strings.Fields("asc desc")
	controllerStates = strings.Fields("disabled enabled dry_run")
)

const (
	instanceType       = "instance_type"
	groupType          = "group_type"
	projectType        = "project_type"
	notProtected       = "not_protected"
	controllerDisabled = "disabled"
)
