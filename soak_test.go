package runnerapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/runnerapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fault-injection soak: thousands of mixed operations (listings page by
// page and through the iterators, gets, updates, pauses, deletes, creates of
// runners, controllers and controller tokens) from eight concurrent workers
// against the fake GitLab, with a seeded fault on about one request in five.
// The full run (2,000 operations) is
//
//	RUNNERAPI_SOAK=full go test -race -run TestSoak -count=1 -v .
//
// and every other run (go test ./..., CI, -short) does 200 operations. The
// figures are printed as "SOAK ..." lines. The fault of each request is a
// function of the seed and of the request's identity (its operation, and how
// often it arrived before), so a rerun injects the same faults into the same
// operations; only the sizes of listings vary, with what concurrent workers
// created by then.

const (
	soakSeed    = 20261123
	soakWorkers = 8
	soakOpHdr   = "X-Soak-Op" // names the operation (and page) a request belongs to
)

// soakFaults decides, deterministically from the seed, the operation's name
// and how many times that request arrived before, which fault a request gets:
// 10% 502/503 (half of the POST ones after commit), 5% connection resets
// (half of the POST ones after commit), 5% 429 with Retry-After "0" (or, one
// time in ten, "1"). Faults on GET, PUT and DELETE always happen before the
// request is applied, so each of them can eventually succeed. It records
// every decision so that the test can account for every POST.
type soakFaults struct {
	mu       sync.Mutex
	arrivals map[string][]runnerapitest.Fault // per operation key, in arrival order
	received map[string][]soakArrival         // per operation key, when and for which page each arrived
}

// soakArrival is when the server received a request, and for which page (query).
type soakArrival struct {
	at    time.Time
	page  string
	fault runnerapitest.Fault
}

// retryAfterGaps checks, from the server's receive times alone, that every
// answer with Retry-After: 1 was followed by at least one second of silence
// for that request: it returns how many such answers were followed by
// another attempt of the same request, and how many of those came a second
// or more later.
func (f *soakFaults) retryAfterGaps() (asked, honoured int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, arr := range f.received {
		for i, a := range arr {
			if a.fault.RetryAfter != "1" {
				continue
			}
			for _, next := range arr[i+1:] {
				if next.page != a.page {
					continue
				}
				asked++
				if next.at.Sub(a.at) >= time.Second {
					honoured++
				}
				break
			}
		}
	}
	return asked, honoured
}

func (f *soakFaults) decide(r *http.Request) runnerapitest.Fault {
	key := r.Header.Get(soakOpHdr)
	if key == "" {
		return runnerapitest.Fault{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.arrivals[key])
	h := fnv.New64a()
	_ = binary.Write(h, binary.LittleEndian, uint64(soakSeed))
	_, _ = h.Write([]byte(key))
	_ = binary.Write(h, binary.LittleEndian, uint64(n))
	v := h.Sum64()
	post := r.Method == http.MethodPost
	var fault runnerapitest.Fault
	switch u := v % 100; {
	case u < 10:
		fault.Status = http.StatusBadGateway
		if (v>>8)&1 == 1 {
			fault.Status = http.StatusServiceUnavailable
		}
		fault.AfterCommit = post && (v>>9)&1 == 1
	case u < 15:
		fault.Reset = true
		fault.AfterCommit = post && (v>>9)&1 == 1
	case u < 20:
		fault.Status = http.StatusTooManyRequests
		fault.RetryAfter = "0"
		if (v>>12)%10 == 0 {
			fault.RetryAfter = "1"
		}
	}
	f.arrivals[key] = append(f.arrivals[key], fault)
	f.received[key] = append(f.received[key], soakArrival{at: time.Now(), page: r.URL.RawQuery, fault: fault})
	return fault
}

// soakLog is a slog handler that keeps every record as text and counts messages.
type soakLog struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	counts map[string]int
}

func (l *soakLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *soakLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *soakLog) WithGroup(string) slog.Handler            { return l }
func (l *soakLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[r.Message]++
	l.buf.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		if r.Message == "runnerapi transport replay" && a.Key == "replays" {
			l.counts["replays"] += int(a.Value.Int64())
		}
		fmt.Fprintf(&l.buf, " %s=%v", a.Key, a.Value)
		return true
	})
	l.buf.WriteByte('\n')
	return nil
}

// soakStats collects what the workers saw.
type soakStats struct {
	mu           sync.Mutex
	ops          map[string]int // by operation kind
	failures     map[string]int // by error kind
	errs         []string       // every error string
	tokens       []string       // every secret the run handled
	creates      map[string]int // successful creates per counter
	postFailures []soakPost     // failed POSTs, to be accounted for
	idemFailures []string       // GET/PUT/DELETE that did not succeed
	untyped      []string       // errors that are neither *ErrorResponse nor *RequestError
	attempts     int            // sum of Response/RequestError attempts
	attemptsOf   map[string]int // attempts the client reported, per operation key
	requests     int            // calls made
}

// soakPost is a create that failed, with the counter it would have moved.
type soakPost struct {
	key, counter string
}

func (s *soakStats) record(kind, key, counter string, method string, resp *runnerapi.Response, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if resp != nil {
		s.attempts += resp.Attempts
		s.attemptsOf[key] = resp.Attempts
	}
	if err == nil {
		s.ops[kind]++
		if counter != "" {
			s.creates[counter]++
		}
		return
	}
	s.ops[kind+" (failed)"]++
	s.errs = append(s.errs, err.Error())
	var er *runnerapi.ErrorResponse
	var re *runnerapi.RequestError
	switch {
	case errors.As(err, &er):
		s.failures[fmt.Sprintf("ErrorResponse %d", er.StatusCode)]++
	case errors.As(err, &re):
		s.failures["RequestError"]++
		if resp == nil {
			s.attempts += re.Attempts
			s.attemptsOf[key] = re.Attempts
		}
	default:
		s.failures[fmt.Sprintf("untyped %T", err)]++
		s.untyped = append(s.untyped, fmt.Sprintf("%s: %T %v", key, err, err))
	}
	if method == http.MethodPost {
		s.postFailures = append(s.postFailures, soakPost{key: key, counter: counter})
	} else {
		s.idemFailures = append(s.idemFailures, fmt.Sprintf("%s %s: %v", method, key, err))
	}
}

func (s *soakStats) addToken(tok string) {
	if tok == "" {
		return
	}
	s.mu.Lock()
	s.tokens = append(s.tokens, tok)
	s.mu.Unlock()
}

// soakWorker owns the runners, controllers and tokens it created, so no
// other worker deletes them under it.
type soakWorker struct {
	id          int
	c           *runnerapi.Client
	quiet       *runnerapi.Client // c without a logger, for iterators stopped early
	rng         *rand.Rand
	stats       *soakStats
	runners     []int64
	controllers []int64
	seq         int
}

func (w *soakWorker) key(kind string) string {
	w.seq++
	return fmt.Sprintf("w%d-%04d-%s", w.id, w.seq, kind)
}

func op(key string) runnerapi.RequestOption { return runnerapi.WithHeader(soakOpHdr, key) }

// pick returns an element of ids at random, or 0 when there is none.
func (w *soakWorker) pick(ids []int64) int64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[w.rng.IntN(len(ids))]
}

func (w *soakWorker) step(ctx context.Context) {
	switch r := w.rng.IntN(100); {
	case r < 12:
		w.listRunners(ctx)
	case r < 27:
		w.getRunner(ctx)
	case r < 37:
		w.updateRunner(ctx)
	case r < 47:
		w.pauseRunner(ctx)
	case r < 59:
		w.createRunner(ctx)
	case r < 66:
		w.deleteRunner(ctx)
	case r < 75:
		w.createController(ctx)
	case r < 81:
		w.getController(ctx)
	case r < 91:
		w.createControllerToken(ctx)
	case r < 96:
		w.listControllerTokens(ctx)
	default:
		w.deleteController(ctx)
	}
}

// listRunners lists GET /runners/all in one of three ways: page by page
// following X-Next-Page, through the iterator, or through the iterator with
// three pages prefetched, sometimes stopping early.
func (w *soakWorker) listRunners(ctx context.Context) {
	switch w.rng.IntN(3) {
	case 0:
		key := w.key("list-runners")
		page := int64(1)
		for page != 0 {
			k := fmt.Sprintf("%s-p%d", key, page)
			_, resp, err := w.c.Runners.ListAll(ctx, &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{Page: page, PerPage: 20}}, op(k))
			w.stats.record("list runners page", k, "", http.MethodGet, resp, err)
			if err != nil {
				return
			}
			page = resp.NextPage
		}
	case 1:
		k := w.key("list-runners-iter")
		w.stats.record("list runners (iterator)", k, "", http.MethodGet, nil, drain(w.c.Runners.ListAllIter(ctx, &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{PerPage: 20}}, op(k)), -1))
	default:
		// Stopping early cancels prefetches in flight: some are logged as
		// attempts but never arrive, so those go through a client without a
		// logger, and the log accounting leaves their keys out.
		k, c, stop := w.key("list-runners-iter-prefetch"), w.c, -1
		if w.rng.IntN(2) == 0 {
			k, c, stop = k+"-stopped", w.quiet, w.rng.IntN(60)
		}
		w.stats.record("list runners (iterator, prefetch 3)", k, "", http.MethodGet, nil,
			drain(c.Runners.ListAllIter(ctx, &runnerapi.ListRunnersOptions{ListOptions: runnerapi.ListOptions{PerPage: 10}}, op(k), runnerapi.WithPagePrefetch(3)), stop))
	}
}

// drain consumes seq, stopping after stop items when stop >= 0, and returns the first error.
func drain[T any](seq iter.Seq2[*T, error], stop int) error {
	n := 0
	for v, err := range seq {
		if err != nil {
			return err
		}
		if v == nil {
			return errors.New("iterator yielded a nil item without an error")
		}
		n++
		if n == stop {
			break
		}
	}
	return nil
}

func (w *soakWorker) getRunner(ctx context.Context) {
	id := w.pick(w.runners)
	if id == 0 {
		w.createRunner(ctx)
		return
	}
	k := w.key("get-runner")
	_, resp, err := w.c.Runners.Get(ctx, id, nil, op(k))
	w.stats.record("get runner", k, "", http.MethodGet, resp, err)
}

func (w *soakWorker) updateRunner(ctx context.Context) {
	id := w.pick(w.runners)
	if id == 0 {
		w.createRunner(ctx)
		return
	}
	k := w.key("update-runner")
	_, resp, err := w.c.Runners.Update(ctx, id, &runnerapi.UpdateRunnerOptions{Description: runnerapi.Ptr(k), TagList: &[]string{"soak", fmt.Sprint(w.id)}}, op(k))
	w.stats.record("update runner", k, "", http.MethodPut, resp, err)
}

func (w *soakWorker) pauseRunner(ctx context.Context) {
	id := w.pick(w.runners)
	if id == 0 {
		w.createRunner(ctx)
		return
	}
	k := w.key("pause-runner")
	var resp *runnerapi.Response
	var err error
	if w.rng.IntN(2) == 0 {
		_, resp, err = w.c.Runners.Pause(ctx, id, op(k))
	} else {
		_, resp, err = w.c.Runners.Unpause(ctx, id, op(k))
	}
	w.stats.record("pause/unpause runner", k, "", http.MethodPut, resp, err)
}

func (w *soakWorker) createRunner(ctx context.Context) {
	k := w.key("create-runner")
	reg, resp, err := w.c.Runners.Create(ctx, runnerapi.InstanceRunnerOwner(), &runnerapi.CreateRunnerOptions{Description: runnerapi.Ptr(k)}, op(k))
	w.stats.record("create runner", k, "runners", http.MethodPost, resp, err)
	if err == nil {
		w.runners = append(w.runners, reg.ID)
		w.stats.addToken(reg.Token)
	}
}

func (w *soakWorker) deleteRunner(ctx context.Context) {
	if len(w.runners) == 0 {
		w.createRunner(ctx)
		return
	}
	i := w.rng.IntN(len(w.runners))
	id := w.runners[i]
	k := w.key("delete-runner")
	resp, err := w.c.Runners.Delete(ctx, id, op(k))
	w.stats.record("delete runner", k, "", http.MethodDelete, resp, err)
	if err == nil {
		w.runners = append(w.runners[:i], w.runners[i+1:]...)
	}
}

func (w *soakWorker) createController(ctx context.Context) {
	k := w.key("create-controller")
	ctl, resp, err := w.c.RunnerControllers.Create(ctx, &runnerapi.CreateRunnerControllerOptions{Description: runnerapi.Ptr(k)}, op(k))
	w.stats.record("create controller", k, "controllers", http.MethodPost, resp, err)
	if err == nil {
		w.controllers = append(w.controllers, ctl.ID)
	}
}

func (w *soakWorker) getController(ctx context.Context) {
	id := w.pick(w.controllers)
	if id == 0 {
		w.createController(ctx)
		return
	}
	k := w.key("get-controller")
	_, resp, err := w.c.RunnerControllers.Get(ctx, id, op(k))
	w.stats.record("get controller", k, "", http.MethodGet, resp, err)
}

func (w *soakWorker) createControllerToken(ctx context.Context) {
	id := w.pick(w.controllers)
	if id == 0 {
		w.createController(ctx)
		return
	}
	k := w.key("create-controller-token")
	tok, resp, err := w.c.RunnerControllers.CreateToken(ctx, id, &runnerapi.CreateRunnerControllerTokenOptions{Description: runnerapi.Ptr(k)}, op(k))
	w.stats.record("create controller token", k, "controller tokens", http.MethodPost, resp, err)
	if err == nil {
		w.stats.addToken(tok.Token)
	}
}

func (w *soakWorker) listControllerTokens(ctx context.Context) {
	id := w.pick(w.controllers)
	if id == 0 {
		w.createController(ctx)
		return
	}
	if w.rng.IntN(2) == 0 {
		k := w.key("list-controller-tokens-iter")
		w.stats.record("list controller tokens (iterator)", k, "", http.MethodGet, nil, drain(w.c.RunnerControllers.ListTokensIter(ctx, id, nil, op(k)), -1))
		return
	}
	k := w.key("list-controller-tokens")
	_, resp, err := w.c.RunnerControllers.ListTokens(ctx, id, nil, op(k))
	w.stats.record("list controller tokens", k, "", http.MethodGet, resp, err)
}

func (w *soakWorker) deleteController(ctx context.Context) {
	if len(w.controllers) == 0 {
		w.createController(ctx)
		return
	}
	i := w.rng.IntN(len(w.controllers))
	k := w.key("delete-controller")
	resp, err := w.c.RunnerControllers.Delete(ctx, w.controllers[i], op(k))
	w.stats.record("delete controller", k, "", http.MethodDelete, resp, err)
	if err == nil {
		w.controllers = append(w.controllers[:i], w.controllers[i+1:]...)
	}
}

// TestSoak runs the fault-injection soak and checks that no POST was sent
// twice, that every GET, PUT and DELETE succeeded, that every failure is
// typed, that no goroutine outlives the run, and that no credential shows in
// a URL, an error or a log line.
func TestSoak(t *testing.T) {
	total := 200
	if os.Getenv("RUNNERAPI_SOAK") == "full" && !testing.Short() {
		total = 2000
	}
	baseline := runtime.NumGoroutine()

	srv := runnerapitest.NewServer(runnerapitest.WithDemoData())
	serverOpen := true
	defer func() {
		if serverOpen {
			srv.Close()
		}
	}()
	faults := &soakFaults{arrivals: map[string][]runnerapitest.Fault{}, received: map[string][]soakArrival{}}
	srv.SetFaultFunc(faults.decide)
	before := srv.Counters()

	logs := &soakLog{counts: map[string]int{}}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = soakWorkers
	c := srv.Client(
		runnerapi.WithHTTPClient(&http.Client{Transport: transport}),
		runnerapi.WithRetry(10, time.Millisecond, 20*time.Millisecond),
		runnerapi.WithMaxRetryWait(5*time.Second),
		runnerapi.WithLogger(slog.New(logs)),
	)
	quiet := srv.Client(
		runnerapi.WithHTTPClient(&http.Client{Transport: transport}),
		runnerapi.WithRetry(10, time.Millisecond, 20*time.Millisecond),
		runnerapi.WithMaxRetryWait(5*time.Second),
	)
	stats := &soakStats{ops: map[string]int{}, failures: map[string]int{}, creates: map[string]int{}, attemptsOf: map[string]int{}}
	stats.tokens = append(stats.tokens, srv.AdminToken())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var done atomic.Int64
	for i := range soakWorkers {
		n := total / soakWorkers
		if i < total%soakWorkers {
			n++
		}
		w := &soakWorker{id: i, c: c, quiet: quiet, rng: rand.New(rand.NewPCG(soakSeed, uint64(i))), stats: stats}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				w.step(ctx)
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	srv.SetFaultFunc(nil)
	require.EqualValues(t, total, done.Load())

	// Every failure is typed; every GET, PUT and DELETE eventually succeeded.
	assert.Empty(t, stats.untyped, "failures that are neither *ErrorResponse nor *RequestError")
	assert.Empty(t, stats.idemFailures, "GET/PUT/DELETE that did not succeed despite retries")

	// No POST reached the server twice: per create, at most one arrival that
	// was not answered 429 (a 429 is refused before anything is applied).
	faults.mu.Lock()
	var postsAnswered5xx, attemptsOf5xxPosts, afterCommit int
	afterCommitByKey := map[string]bool{}
	// An iterator sends all its pages under one key, so its retries are its
	// arrivals minus its distinct pages (from the server's log).
	recorded := srv.Requests()
	pagesOf := map[string]map[string]bool{}
	for _, r := range recorded {
		if k := r.Header.Get(soakOpHdr); strings.Contains(k, "-iter") {
			if pagesOf[k] == nil {
				pagesOf[k] = map[string]bool{}
			}
			pagesOf[k][r.RawQuery] = true
		}
	}
	var retries, arrivals, arrivalsOfCalls, oneSecondWaits, oneSecondWaitsIter int
	var retriesLogged, arrivalsLogged int // without the iterators stopped early
	for key, arr := range faults.arrivals {
		arrivals += len(arr)
		if !strings.HasSuffix(key, "-stopped") {
			arrivalsLogged += len(arr)
		}
		for _, f := range arr[:len(arr)-1] {
			if f.RetryAfter == "1" {
				switch {
				case strings.HasSuffix(key, "-stopped"):
					// not logged (and a stopped iterator cancels its prefetches, waits included)
				case strings.Contains(key, "-iter"):
					oneSecondWaitsIter++
				default:
					oneSecondWaits++
				}
			}
		}
		if strings.Contains(key, "-iter") {
			retries += len(arr) - len(pagesOf[key])
			if !strings.HasSuffix(key, "-stopped") {
				retriesLogged += len(arr) - len(pagesOf[key])
			}
			continue
		}
		retries += len(arr) - 1
		retriesLogged += len(arr) - 1
		arrivalsOfCalls += len(arr)
		assert.Equal(t, len(arr), stats.attemptsOf[key], "%s: attempts reported on the Response or RequestError = arrivals", key)
		if !strings.Contains(key, "create") {
			continue
		}
		var applied int
		for _, f := range arr {
			if f.Status != http.StatusTooManyRequests {
				applied++
			}
		}
		assert.LessOrEqual(t, applied, 1, "POST %s reached the server %d times past the rate limiter", key, applied)
		last := arr[len(arr)-1]
		if last.Status >= 500 {
			postsAnswered5xx++
			attemptsOf5xxPosts += applied
		}
		if last.AfterCommit {
			afterCommit++
			afterCommitByKey[key] = true
		}
	}
	faults.mu.Unlock()
	assert.Equal(t, postsAnswered5xx, attemptsOf5xxPosts, "a POST answered 5xx is sent exactly once")

	// The fake's create counters equal the client's successful creates plus the
	// after-commit failures the client reported as errors.
	failedAfterCommit := map[string]int{}
	for _, p := range stats.postFailures {
		if afterCommitByKey[p.key] {
			failedAfterCommit[p.counter]++
		}
	}
	after := srv.Counters()
	assert.Equal(t, int64(stats.creates["runners"]+failedAfterCommit["runners"]), after.RunnersCreated-before.RunnersCreated, "runners created")
	assert.Equal(t, int64(stats.creates["controllers"]+failedAfterCommit["controllers"]), after.ControllersCreated-before.ControllersCreated, "controllers created")
	assert.Equal(t, int64(stats.creates["controller tokens"]+failedAfterCommit["controller tokens"]), after.ControllerTokensCreated-before.ControllerTokensCreated, "controller tokens created")
	assert.Equal(t, afterCommit, failedAfterCommit["runners"]+failedAfterCommit["controllers"]+failedAfterCommit["controller tokens"],
		"every after-commit fault on a POST was reported to the caller as an error")

	// The server log agrees with the fault decider about what arrived.
	var soakRequests int
	for _, r := range recorded {
		if r.Header.Get(soakOpHdr) != "" {
			soakRequests++
		}
	}
	assert.Equal(t, arrivals, soakRequests, "the fault function saw every request")

	// The attempts on the Responses and in the debug log match what arrived.
	logs.mu.Lock()
	logRetries := logs.counts["runnerapi retry wait"]
	logRequests := logs.counts["runnerapi request"]
	logReplays := logs.counts["replays"]
	logText := logs.buf.String()
	logs.mu.Unlock()
	assert.Equal(t, arrivalsOfCalls, stats.attempts, "Response.Attempts and RequestError.Attempts add up to the arrivals (calls other than iterators)")
	assert.Equal(t, arrivalsLogged, logRequests+logReplays, "the debug log shows every attempt: the retry loop's and net/http's own replays")
	assert.Equal(t, retriesLogged, logRetries+logReplays, "one debug line per retry")
	// Retry-After is proven from when the server received the requests, not
	// from what the client says it planned.
	askedAgain, honoured := faults.retryAfterGaps()
	assert.Equal(t, askedAgain, honoured, "every retry after Retry-After: 1 arrived at least 1 s later")
	assert.GreaterOrEqual(t, askedAgain, oneSecondWaits, "every call that was told Retry-After: 1 tried again")

	// No credential in any URL, error or log line.
	leaks := 0
	for _, tok := range stats.tokens {
		for _, r := range recorded {
			if strings.Contains(r.Path, tok) || strings.Contains(r.RawQuery, tok) {
				leaks++
			}
		}
		for _, e := range stats.errs {
			if strings.Contains(e, tok) {
				leaks++
			}
		}
		if strings.Contains(logText, tok) {
			leaks++
		}
	}
	assert.Zero(t, leaks, "tokens found in URLs, errors or logs")
	assert.Greater(t, len(stats.tokens), 1, "the run handled created tokens as well as the admin token")

	// No goroutine outlives the run.
	srv.Close()
	serverOpen = false
	transport.CloseIdleConnections()
	// Polled on this goroutine: assert.Eventually runs its condition on a goroutine of its own.
	leftover := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); leftover > baseline && time.Now().Before(deadline); leftover = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	if !assert.LessOrEqual(t, leftover, baseline, "goroutines outlived the run") {
		buf := make([]byte, 1<<20)
		t.Logf("goroutines left:\n%s", buf[:runtime.Stack(buf, true)])
	}

	// Figures.
	kinds := make([]string, 0, len(stats.ops))
	for k := range stats.ops {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	t.Logf("SOAK ops=%d calls=%d requests=%d retries=%d (of which %d GET replays by net/http) wall=%s workers=%d seed=%d",
		total, stats.requests, arrivals, retries, logReplays, wall.Round(time.Millisecond), soakWorkers, soakSeed)
	for _, k := range kinds {
		t.Logf("SOAK   %-32s %d", k, stats.ops[k])
	}
	t.Logf("SOAK Retry-After 1 s honoured, by server receive times: %d of %d (asked: %d by calls, %d by iterator pages)", honoured, askedAgain, oneSecondWaits, oneSecondWaitsIter)
	t.Logf("SOAK failures by kind: %v", stats.failures)
	t.Logf("SOAK POSTs answered 5xx: %d, their attempts past the rate limiter: %d (must equal the count: 1 each)", postsAnswered5xx, attemptsOf5xxPosts)
	t.Logf("SOAK after-commit POST faults: %d, reported as errors: %v", afterCommit, failedAfterCommit)
	t.Logf("SOAK creates ok: %v; fake counters delta: runners=%d controllers=%d controller tokens=%d", stats.creates,
		after.RunnersCreated-before.RunnersCreated, after.ControllersCreated-before.ControllersCreated, after.ControllerTokensCreated-before.ControllerTokensCreated)
	t.Logf("SOAK goroutines: baseline %d, after the run %d", baseline, leftover)
	t.Logf("SOAK tokens scanned=%d in %d URLs, %d errors, %d log bytes: leaks=%d", len(stats.tokens), len(recorded), len(stats.errs), len(logText), leaks)
}
