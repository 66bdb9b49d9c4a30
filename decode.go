package runnerapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sync"
)

// The decode path. Every answer is settled inside its attempt (checkRetry
// calls settle): a success body is read whole, bounded by
// WithMaxResponseSize, into a pooled buffer and later decoded with
// json.Unmarshal; an error body is kept up to 64 KiB and drained up to
// maxDrain so that the connection goes back to the pool.

// maxDrain is how much of an unwanted body is read so that its keep-alive
// connection can be reused; a longer body costs the connection instead.
const maxDrain = 1 << 20

// pooledBodySize is the size of the pooled first block of a success body;
// most answers (a runner, a page of runners) fit in it.
const pooledBodySize = 32 << 10

// maxBodyBlock bounds one block of a large success body.
const maxBodyBlock = 4 << 20

// maxPrealloc bounds the block allocated for a success body on the word of
// its Content-Length: a longer body (only possible above the default
// WithMaxResponseSize) grows in blocks as its bytes arrive.
const maxPrealloc = defaultMaxResponseBytes

var bodyPool = sync.Pool{New: func() any {
	b := make([]byte, 0, pooledBodySize)
	return &b
}}

// bodyBuffer is a success body read into memory.
type bodyBuffer struct {
	data   []byte
	pooled *[]byte // the pooled block to give back, if any
}

// release gives the pooled block back; data must not be used afterwards.
func (b *bodyBuffer) release() {
	if b.pooled != nil {
		*b.pooled = (*b.pooled)[:0]
		bodyPool.Put(b.pooled)
	}
	*b = bodyBuffer{}
}

// readBody reads all of r, at most max bytes; size is the Content-Length
// (-1 when unknown). Memory stays below max plus one small block: a body is
// read in blocks (no copy while it grows) and joined once at the end, and a
// body over the limit is abandoned as soon as it is known to be one.
func readBody(r io.Reader, size, max int64) (bodyBuffer, error) {
	var out bodyBuffer
	if size > max {
		return out, ErrResponseTooLarge
	}
	var blk []byte
	if size >= pooledBodySize {
		// One block; the extra byte sees EOF. The length is the server's
		// claim, so no more than maxPrealloc is allocated before it is sent.
		blk = make([]byte, 0, min(size, maxPrealloc)+1)
	} else {
		out.pooled = bodyPool.Get().(*[]byte)
		blk = (*out.pooled)[:0]
	}
	var full [][]byte
	total := int64(0)
	for {
		if len(blk) == cap(blk) {
			full = append(full, blk)
			next := min(2*int64(cap(blk)), maxBodyBlock, max-total+1)
			blk = make([]byte, 0, next)
		}
		n, err := r.Read(blk[len(blk):cap(blk)])
		blk = blk[:len(blk)+n]
		total += int64(n)
		if total > max {
			out.release()
			return out, ErrResponseTooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			out.release()
			return out, err
		}
	}
	if len(full) == 0 {
		out.data = blk
		return out, nil
	}
	data := make([]byte, 0, total)
	for _, b := range full {
		data = append(data, b...)
	}
	out.data = append(data, blk...)
	return out, nil
}

// drain reads what is left of a body, up to maxDrain, and closes it.
func drain(b io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, b, maxDrain)
	_ = b.Close()
}

// settle reads the body of resp as part of the attempt, then closes it and
// leaves http.NoBody in its place. A success body the call decodes goes to
// s.body (or sets s.tooLarge), an error body's first bytes to s.errBody; a
// read failure of a success body is returned as the attempt's failure.
func (s *callState) settle(resp *http.Response) error {
	body := resp.Body
	resp.Body = http.NoBody
	s.body.release()
	s.errBody, s.tooLarge = nil, false
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		s.errBody, _ = io.ReadAll(io.LimitReader(body, maxErrorBody+secretMargin))
		drain(body)
		return nil
	}
	if !s.wantBody {
		drain(body)
		return nil
	}
	b, err := readBody(body, resp.ContentLength, s.c.maxResponseBytes)
	_ = body.Close()
	switch {
	case errors.Is(err, ErrResponseTooLarge):
		s.tooLarge = true
		return nil
	case err != nil:
		return err
	}
	s.body = b
	return nil
}

// rawBodyDecoder is implemented by results that also accept success bodies
// that are not JSON, such as the bare "200" old servers answer to Runners.Verify.
type rawBodyDecoder interface {
	decodeRawBody(status int, body []byte) error
}

// Causes of a DecodeError for an answer without a value where one belongs.
var (
	errEmptyBody   = errors.New("body is empty, expected JSON")
	errNullBody    = errors.New("body is null, expected an object")
	errNullElement = errors.New("list holds a null element")
	// errNotVerification: a Runners.Verify answer of none of the known shapes.
	errNotVerification = errors.New(`expected a JSON object with the runner's id, 200 or "200"`)
)

// decode decodes a settled success body into v: exactly one JSON value,
// nothing but whitespace around it, no null where an object belongs and no
// null element in a list.
func decode(status int, body []byte, v any) error {
	if rd, ok := v.(rawBodyDecoder); ok {
		return rd.decodeRawBody(status, body)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if status == http.StatusNoContent && !pointsToNilPointer(v) {
			return nil // a 204 to a list call is an empty list
		}
		return errEmptyBody
	}
	if err := unmarshal(body, v); err != nil {
		return err
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil
	}
	switch e := rv.Elem(); e.Kind() {
	case reflect.Pointer:
		if e.IsNil() {
			return errNullBody
		}
	case reflect.Slice:
		if e.Type().Elem().Kind() == reflect.Pointer {
			for i := 0; i < e.Len(); i++ {
				if e.Index(i).IsNil() {
					return errNullElement
				}
			}
		}
	}
	return nil
}

// pointsToNilPointer reports whether v is a pointer to a nil pointer (a decode target left empty).
func pointsToNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Pointer && rv.Elem().IsNil()
}
