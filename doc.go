// Package runnerapi is a typed client for GitLab's Runners and Runner
// Controllers REST APIs.
//
// Create a [Client] with [NewClient] or [NewClientFromEnv], then call the
// methods of [Client.Runners] ([RunnersService]) and [Client.RunnerControllers]
// ([RunnerControllersService]). The client is safe for concurrent use.
//
//	client, err := runnerapi.NewClient("https://gitlab.example.com",
//		runnerapi.WithPrivateToken(os.Getenv("GITLAB_TOKEN")))
//	...
//	for r, err := range client.Runners.ListAllIter(ctx, nil) { ... }
//
// Every method names its endpoint and links its section of GitLab's API
// documentation (https://docs.gitlab.com/api/runners/,
// https://docs.gitlab.com/api/runner_controllers/ and
// https://docs.gitlab.com/api/runner_controller_tokens/); the two endpoints
// GitLab's documentation has no section for, [RunnersService.ListProjects]
// and [RunnersService.DeleteManager], say so and link the page.
//
// # Arguments and options
//
// Every method takes a [context.Context] first. Required inputs are
// positional arguments: IDs, [ProjectRef] and [GroupRef] (numeric ID or full
// path), the owner of a new runner ([RunnerOwner]) and runner tokens.
// Optional inputs live in one options struct, and a nil options pointer means
// "all defaults", exactly like a pointer to the zero struct. The one options
// struct that must set something is [UpdateRunnerOptions], because GitLab
// rejects an empty update. Option fields are pointers so that "unset" differs
// from a zero value; [Ptr] makes one. A trailing list of [RequestOption]
// values sets per-request headers and parameters: [WithSudo],
// [WithIfUnmodifiedSince] for conditional deletes, [WithHeader], [WithQuery].
//
// Input is validated before anything is sent: an invalid ID, an empty token,
// an enumeration value GitLab does not accept or two mutually exclusive
// options fail with a [*ValidationError] naming the argument or field, and
// no request reaches the server.
//
// Every call returns a [*Response] (also with most errors) that embeds the
// *http.Response and carries pagination (TotalItems, TotalPages, NextPage,
// NextCursor, …), rate-limit data ([RateLimit]) and the number of attempts.
//
// # Which runners a list shows
//
// [RunnersService.List] (GET /runners) lists the caller's own runners: the
// runners of groups the caller owns and of projects the caller maintains,
// not the instance's runners. An administrator sees the whole instance only with
// [RunnersService.ListAll] (GET /runners/all). [RunnersService.ListProjectRunners]
// and [RunnersService.ListGroupRunners] list what a project or group may use.
// All four take the same [RunnerFilter].
//
// # Retries
//
// Retries are on by default: up to 4 retries (5 attempts) with capped
// exponential backoff and jitter between 500 ms and 30 s ([WithRetry],
// [WithoutRetries]). Which failures are retried depends on the method:
//
//	failure                                GET, PUT, DELETE   POST
//	429 Too Many Requests                  retried            retried
//	5xx except 501                         retried            not retried
//	501 Not Implemented                    not retried        not retried
//	connection refused, DNS failure        retried            retried (nothing was sent)
//	connection lost after sending          retried            not retried
//	success body cut mid-way               retried            not retried
//	attempt timeout (WithAttemptTimeout)   retried            not retried
//	any other 4xx                          not retried        not retried
//	TLS or certificate failure             not retried        not retried
//	refused redirect (RedirectError)       not retried        not retried
//	answer over WithMaxResponseSize        not retried        not retried
//	invalid input, context done            nothing sent       nothing sent
//
// A POST is never replayed once it may have reached GitLab, because a replay
// can register a second runner or mint a second token. A wait the server
// asks for with Retry-After or RateLimit-Reset is honoured up to 60 s
// ([WithMaxRetryWait]); a longer one fails at once with [ErrRateLimited] and
// [ErrorResponse.RetryAfter] set. Every wait ends when the context is
// cancelled, and a wait that would outlive the context's deadline is not
// started.
//
// # Rate limiting
//
// The client paces itself by GitLab's RateLimit-Limit and
// RateLimit-Remaining headers: below 20% of the quota it spreads the remaining
// requests over the rest of the window ([WithoutAdaptiveRateLimit] turns this
// off). [WithRateLimit] adds a client-side token bucket (requests per second
// and burst); every attempt counts, retries included. [Response.RateLimit]
// shows what the server reported.
//
// # Timeouts
//
// The context bounds a whole call, retries and waits included: use
// [context.WithTimeout]. Each attempt is also bounded on its own, so that a
// server that accepts the connection but never answers cannot hold a call
// until the context ends: [WithAttemptTimeout] sets that bound, 60 s by
// default, from sending the request to the end of reading the answer; an
// attempt that times out is retried for the retryable methods only. Supply your own *http.Client with
// [WithHTTPClient] for other transport settings.
//
// # Iterators and prefetch
//
// Every paginated list has a <Method>Iter twin that takes the same arguments
// and returns an iter.Seq2 over every item of every page, in server order:
//
//	for r, err := range client.Runners.ListAllIter(ctx, nil) {
//		if err != nil {
//			return err // the iteration ends after an error
//		}
//		fmt.Println(r.ID, r.Description)
//	}
//
// Offset lists follow X-Next-Page and do not need X-Total, which GitLab omits
// above 10,000 rows. [RunnersService.ListJobsIter] with Pagination
// [PaginationKeyset] follows the keyset cursor instead, which is the only way
// past GitLab's offset limit for long job histories. An unset PerPage
// becomes 100, GitLab's maximum.
//
// With [WithPrefetch] (client) or [WithPagePrefetch] (one iteration) an
// offset list keeps n page requests in flight from the start, whether or not
// the server sends totals, while the caller consumes the current page; order
// is kept, an error surfaces at its position, memory stays bounded by about
// n+1 pages, and breaking out of the loop or cancelling the context stops all
// fetching with no goroutine left behind. The price is speculation at the
// end: the iterator may ask for up to n-1 pages past the last one, which
// come back empty (or are cancelled when the loop ends first). Once GitLab
// has sent X-Total-Pages (it does up to 10,000 rows) no page past it is
// requested, so with the total known only a list shorter than n pages pays
// this (see the example of [WithPagePrefetch]). Keyset lists stay sequential, as each
// cursor comes from the previous page. Iterator settings are [IterOption]s: every [RequestOption]
// is one too, but WithPagePrefetch passed to a call that is not an iterator
// does not compile. [WithPageResponse] shows the loop each page's
// [*Response] (totals, rate limit) before the page's items. A keyset cursor that repeats, or a long run of empty
// pages that still point forward, ends the iteration with
// [ErrInvalidResponse] instead of looping.
//
// # Errors
//
// A non-2xx answer is an [*ErrorResponse] carrying the status, the method,
// the URL without credentials, GitLab's message in any of its shapes and a
// bounded raw body. Match a status with [errors.Is] against the sentinels
// [ErrBadRequest], [ErrUnauthorized], [ErrForbidden], [ErrNotFound],
// [ErrMethodNotAllowed], [ErrConflict], [ErrGone], [ErrPreconditionFailed],
// [ErrUnprocessable], [ErrRateLimited] and [ErrServer] (any 5xx); read the
// details with [errors.As]. Refused input matches [ErrInvalidInput]
// ([*ValidationError]); a 2xx answer that cannot be decoded matches
// [ErrInvalidResponse] ([*DecodeError]); a transport failure is a
// [*RequestError] that unwraps to its cause, for example
// [context.DeadlineExceeded]. A success body larger than
// [WithMaxResponseSize] matches [ErrResponseTooLarge]. Every error's text
// starts with "runnerapi: " and, when the request was sent more than once,
// ends with " (after N attempts)". Match GitLab's status codes, not its
// message texts, which change between versions.
//
// # Secrets
//
// Credentials never go into a URL: runner tokens travel in the JSON body, or
// in the Runner-Token header for [RunnersService.DiscoverJobRouter], and
// [WithQuery] refuses credential parameters. The runner-token endpoints do
// not send the user's credentials at all. Tokens are redacted from every
// error, from log lines ([WithLogger] logs at debug level and never a token),
// and from the %v and %+v forms of the structs that hold them
// ([RunnerRegistration], [TokenWithExpiry], [RunnerControllerToken], …). On a
// redirect to another host, or from https to http, the credential headers are
// dropped. No token's kind is inferred from its prefix.
//
// # Testing code that uses runnerapi
//
// Package runnerapitest is an in-memory GitLab for tests: start one with
// runnerapitest.NewServer (optionally with runnerapitest.WithDemoData) and
// use its Client. It answers like GitLab — validation, permissions, status
// codes, error bodies, pagination headers — so a test against it also checks
// the requests your code builds. Prefer it to mocks.
//
// Where a substitute is still wanted, declare the small interface your code
// needs next to that code and let *RunnersService satisfy it; [RunnersAPI]
// and [RunnerControllersAPI] list the whole method sets for generated mocks.
package runnerapi
