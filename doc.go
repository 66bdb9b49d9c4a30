// Package runnerapi is a typed client for GitLab's Runners and Runner
// Controllers REST APIs.
//
// Create a [Client] with [NewClient] or [NewClientFromEnv], then call the
// methods of [Client.Runners] and [Client.RunnerControllers]. Every method
// takes a [context.Context] first, validates its input before any request is
// sent, and returns a typed value, a [*Response] carrying pagination and
// rate-limit data, and an error that can be inspected with [errors.Is]
// (for example against [ErrNotFound]) and [errors.As] (into [*ErrorResponse]).
package runnerapi
