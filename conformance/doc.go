// Package conformance holds contract tests against GitLab's own OpenAPI
// description of the Runners and Runner Controllers APIs (vendored in
// testdata/): every request the runnerapi SDK sends, and every answer the
// runnerapitest fake gives, for every operation, adjusted only where the
// newest server code disagrees with the spec (each deviation proven still
// needed). It has no non-test code.
package conformance
