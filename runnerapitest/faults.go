package runnerapitest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is a misbehaviour to inject into one answer.
type Fault struct {
	// Latency delays the answer (ended early if the client goes away).
	Latency time.Duration
	// Status, when non-zero, is answered instead of the real result, with a
	// GitLab-like error body ("Retry later" text for 429).
	Status int
	// AfterCommit applies the request to the state first (before any
	// Latency), then answers Status or resets: the client sees a failure for
	// a change that happened. Without Status or Reset the real answer is
	// sent after the Latency; the request is applied once either way.
	AfterCommit bool
	// Reset closes the connection without an answer.
	Reset bool
	// RetryAfter is the value of a Retry-After header sent with Status.
	RetryAfter string
	// RateLimit also sends RateLimit-Limit/Remaining/Reset/Observed headers.
	RateLimit bool
}

// faults holds the fault function and the queued faults.
type faults struct {
	mu     sync.Mutex
	fn     func(*http.Request) Fault
	queued []queuedFault
}

type queuedFault struct {
	method, prefix string
	left           int
	f              Fault
}

// SetFaultFunc makes f decide a fault for every request; a zero Fault means
// none, and nil removes the function.
func (s *Server) SetFaultFunc(f func(r *http.Request) Fault) {
	s.flt.mu.Lock()
	defer s.flt.mu.Unlock()
	s.flt.fn = f
}

// AddFault gives f to the next times requests whose method matches (""
// for any) and whose path starts with pathPrefix (below /api/v4 or full).
func (s *Server) AddFault(method, pathPrefix string, times int, f Fault) {
	s.flt.mu.Lock()
	defer s.flt.mu.Unlock()
	if !strings.HasPrefix(pathPrefix, "/api/v4") {
		pathPrefix = "/api/v4" + pathPrefix
	}
	s.flt.queued = append(s.flt.queued, queuedFault{method, pathPrefix, times, f})
}

// ClearFaults removes the fault function and every queued fault.
func (s *Server) ClearFaults() {
	s.flt.mu.Lock()
	defer s.flt.mu.Unlock()
	s.flt.fn, s.flt.queued = nil, nil
}

// pick returns the fault for r: a queued one first, else the function's.
func (f *faults) pick(r *http.Request) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.queued {
		q := &f.queued[i]
		if q.left > 0 && (q.method == "" || q.method == r.Method) && strings.HasPrefix(r.URL.Path, q.prefix) {
			q.left--
			return q.f
		}
	}
	if f.fn != nil {
		return f.fn(r)
	}
	return Fault{}
}

// writeFault answers a forced status the way GitLab or its proxy would;
// now is the server's clock, for RateLimit-Reset.
func writeFault(w http.ResponseWriter, f Fault, now time.Time) {
	h := w.Header()
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	if f.RateLimit {
		reset := now.Add(time.Minute).Unix()
		if secs, err := strconv.Atoi(f.RetryAfter); err == nil {
			reset = now.Add(time.Duration(secs) * time.Second).Unix()
		}
		h.Set("RateLimit-Name", "throttle_authenticated_api")
		h.Set("RateLimit-Limit", "600")
		h.Set("RateLimit-Observed", "601")
		h.Set("RateLimit-Remaining", "0")
		h.Set("RateLimit-Reset", strconv.FormatInt(reset, 10))
	}
	switch {
	case f.Status == http.StatusTooManyRequests:
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte("Retry later\n"))
	case f.Status >= 500:
		h.Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte("<html><head><title>" + strconv.Itoa(f.Status) + " " + http.StatusText(f.Status) + "</title></head><body>GitLab is not responding</body></html>"))
	default:
		writeJSON(w, f.Status, map[string]string{"message": strconv.Itoa(f.Status) + " " + http.StatusText(f.Status)})
	}
}

// resetConnection drops the connection without writing an answer.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
