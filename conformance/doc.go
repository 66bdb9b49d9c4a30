// Package conformance holds contract tests that check every request the
// runnerapi SDK sends against GitLab's own OpenAPI description of the Runners
// and Runner Controllers APIs. It has no non-test code.
package conformance
