package runnerapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// Runner lists are the SDK's bulk answers: a 10,000-runner fleet is 100
// pages of 100. encoding/json spends six allocations on each runner (the
// Runner, its Active and Online flags, its CreatedAt, its Description and
// Name) and walks every byte twice (validation, then decoding by
// reflection). decodeRunnerList reads the common shape of a page in one pass
// with two allocations per runner: the Runner together with the values its
// pointer fields point to, and one string that its string fields share.
//
// It handles a strict subset of JSON and leaves everything else to
// encoding/json: whatever it does not fully understand (a syntax error, a
// value of an unexpected type, a key that encoding/json would match to a
// field only case-insensitively, a null element, an id out of range, ...)
// makes it give up without touching the result, and the whole body is then
// decoded by json.Unmarshal, errors and all. So the result is always the one
// json.Unmarshal gives; TestRunnerListFastPathDecodesLikeEncodingJSON and
// FuzzRunnerListFastPath check that.

// unmarshal is json.Unmarshal with the fast path for runner lists.
func unmarshal(b []byte, v any) error {
	if p, ok := v.(*[]*Runner); ok && *p == nil && decodeRunnerList(b, p) {
		return nil
	}
	return json.Unmarshal(b, v)
}

// runnerAlloc is a Runner with room for the values its pointer fields point
// to, allocated as one.
type runnerAlloc struct {
	r         Runner
	active    bool
	online    bool
	createdAt time.Time
}

// runnerListDecoder is the state of one decodeRunnerList call.
type runnerListDecoder struct {
	b []byte
	i int
	// pending are the string fields read since the runner began, in
	// order; buf joins the raw ones before they become one string.
	pending []pendingString
	buf     []byte
}

// pendingString is the value of a string field: its raw content if it has
// no escapes, else the unquoted string.
type pendingString struct {
	dst      *string
	raw      bool
	content  []byte
	unquoted string
}

// maxSkipDepth bounds the nesting of unknown values the fast path skips;
// deeper ones go to encoding/json.
const maxSkipDepth = 64

// decodeRunnerList decodes the JSON array of runners b into *dst and
// reports true, or reports false, leaving *dst alone, when b is outside the
// subset it handles.
func decodeRunnerList(b []byte, dst *[]*Runner) bool {
	var pending [24]pendingString
	var buf [512]byte
	d := runnerListDecoder{b: b, pending: pending[:0], buf: buf[:0]}
	d.space()
	if !d.consume('[') {
		return false
	}
	list := make([]*Runner, 0, d.estimateCount())
	d.space()
	if !d.consume(']') {
		for {
			d.space()
			if !d.consume('{') {
				return false // also a null element: encoding/json decides
			}
			r, ok := d.runner()
			if !ok {
				return false
			}
			list = append(list, r)
			d.space()
			if d.consume(',') {
				continue
			}
			if d.consume(']') {
				break
			}
			return false
		}
	}
	d.space()
	if d.i != len(d.b) {
		return false
	}
	*dst = list
	return true
}

// estimateCount guesses the length of the list from the body's size, so
// that the list is allocated once for a full page.
func (d *runnerListDecoder) estimateCount() int {
	const typicalRunner = 300 // bytes of JSON per runner in a list, about
	return min(len(d.b)/typicalRunner+1, 100)
}

// runner decodes the object after its '{'.
func (d *runnerListDecoder) runner() (*Runner, bool) {
	a := new(runnerAlloc)
	r := &a.r
	d.pending = d.pending[:0]
	ok := d.object(runnerFieldNames, func(key []byte) (known, ok bool) {
		switch string(key) {
		case "id":
			return true, d.int64(&r.ID)
		case "description":
			return true, d.string(&r.Description)
		case "ip_address":
			return true, d.string(&r.IPAddress)
		case "name":
			return true, d.string(&r.Name)
		case "active":
			return true, d.boolPtr(&r.Active, &a.active)
		case "online":
			return true, d.boolPtr(&r.Online, &a.online)
		case "paused":
			return true, d.bool(&r.Paused)
		case "is_shared":
			return true, d.bool(&r.IsShared)
		case "runner_type":
			return true, d.enum(r.RunnerType.UnmarshalJSON)
		case "status":
			return true, d.enum(r.Status.UnmarshalJSON)
		case "job_execution_status":
			return true, d.enum(r.JobExecutionStatus.UnmarshalJSON)
		case "created_at":
			return true, d.time(&r.CreatedAt, &a.createdAt)
		case "created_by":
			return true, d.user(&r.CreatedBy)
		}
		return false, true
	})
	if !ok {
		return nil, false
	}
	d.setStrings()
	return r, true
}

// userAlloc is a User with room for the values its pointer fields point to.
type userAlloc struct {
	u          User
	isFollowed bool
	createdAt  time.Time
}

// user reads created_by, or null, which sets it to nil. A repeated
// created_by object, which encoding/json merges into the first, is left to
// encoding/json.
func (d *runnerListDecoder) user(dst **User) bool {
	if d.literal("null") {
		*dst = nil
		return true
	}
	if *dst != nil || !d.consume('{') {
		return false
	}
	a := new(userAlloc)
	u := &a.u
	*dst = u
	return d.object(userFieldNames, func(key []byte) (known, ok bool) {
		switch string(key) {
		case "id":
			return true, d.int64(&u.ID)
		case "followers":
			return true, d.int64(&u.Followers)
		case "following":
			return true, d.int64(&u.Following)
		case "locked":
			return true, d.bool(&u.Locked)
		case "bot":
			return true, d.bool(&u.Bot)
		case "is_followed":
			return true, d.boolPtr(&u.IsFollowed, &a.isFollowed)
		case "created_at":
			return true, d.time(&u.CreatedAt, &a.createdAt)
		case "custom_attributes":
			return true, d.json(&u.CustomAttributes)
		}
		if p := userStringField(u, key); p != nil {
			return true, d.string(p)
		}
		return false, true
	})
}

// userStringField returns the string field of u named key, or nil.
func userStringField(u *User, key []byte) *string {
	switch string(key) {
	case "username":
		return &u.Username
	case "name":
		return &u.Name
	case "state":
		return &u.State
	case "avatar_url":
		return &u.AvatarURL
	case "avatar_path":
		return &u.AvatarPath
	case "web_url":
		return &u.WebURL
	case "bio":
		return &u.Bio
	case "location":
		return &u.Location
	case "public_email":
		return &u.PublicEmail
	case "skype":
		return &u.Skype
	case "linkedin":
		return &u.Linkedin
	case "twitter":
		return &u.Twitter
	case "discord":
		return &u.Discord
	case "github":
		return &u.GitHub
	case "website_url":
		return &u.WebsiteURL
	case "organization":
		return &u.Organization
	case "job_title":
		return &u.JobTitle
	case "pronouns":
		return &u.Pronouns
	case "work_information":
		return &u.WorkInformation
	case "local_time":
		return &u.LocalTime
	}
	return nil
}

// object decodes the members of an object after its '{': field decodes
// the value of a known key and reports known false for any other key, which
// is skipped, unless encoding/json might match it to one of names
// case-insensitively.
func (d *runnerListDecoder) object(names []string, field func(key []byte) (known, ok bool)) bool {
	d.space()
	if d.consume('}') {
		return true
	}
	for {
		d.space()
		key, esc, ok := d.str()
		if !ok || esc {
			return false
		}
		d.space()
		if !d.consume(':') {
			return false
		}
		d.space()
		known, ok := field(key)
		if !ok || !known && (foldsToField(key, names) || !d.skip(0)) {
			return false
		}
		d.space()
		if d.consume(',') {
			continue
		}
		return d.consume('}')
	}
}

// setStrings sets the string fields read since the runner began, in
// order, the raw ones cut from one string.
func (d *runnerListDecoder) setStrings() {
	d.buf = d.buf[:0]
	for _, p := range d.pending {
		if p.raw {
			d.buf = append(d.buf, p.content...)
		}
	}
	s := string(d.buf)
	off := 0
	for _, p := range d.pending {
		if p.raw {
			*p.dst = s[off : off+len(p.content)]
			off += len(p.content)
		} else {
			*p.dst = p.unquoted
		}
	}
}

// runnerFieldNames and userFieldNames are the JSON names of the fields of Runner and User.
var (
	runnerFieldNames = jsonNames[Runner]()
	userFieldNames   = jsonNames[User]()
)

// jsonNames returns the JSON names of the fields of the struct T.
func jsonNames[T any]() []string {
	t := reflect.TypeFor[T]()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// foldsToField reports whether encoding/json might match key, which is no
// field's exact name, to one of names case-insensitively: it does for an
// ASCII case variant, and its Unicode folding may for any non-ASCII key.
func foldsToField(key []byte, names []string) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, f := range names {
		if len(f) == len(key) && asciiEqualFold(f, key) {
			return true
		}
	}
	return false
}

// asciiEqualFold reports whether the ASCII strings a and b are equal except for case.
func asciiEqualFold(a string, b []byte) bool {
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func (d *runnerListDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// consume skips the byte c if it comes next.
func (d *runnerListDecoder) consume(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// literal skips the keyword lit (true, false, null) if it comes next.
func (d *runnerListDecoder) literal(lit string) bool {
	if len(d.b)-d.i >= len(lit) && string(d.b[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return true
	}
	return false
}

// next is the next byte, or 0 at the end.
func (d *runnerListDecoder) next() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// str reads a JSON string and returns its raw content. esc is true when
// the content must be unquoted: it holds an escape or is not valid UTF-8
// (which encoding/json replaces).
func (d *runnerListDecoder) str() (content []byte, esc, ok bool) {
	if !d.consume('"') {
		return nil, false, false
	}
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			content = d.b[start:d.i]
			d.i++
			return content, esc || (!ascii && !utf8.Valid(content)), true
		case c == '\\':
			esc = true
			d.i++
			switch d.next() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i++
			case 'u':
				d.i++
				for range 4 {
					if !isHexDigit(d.next()) {
						return nil, false, false
					}
					d.i++
				}
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			d.i++
		}
	}
	return nil, false, false
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number skips a JSON number and reports whether it is an integer (no
// fraction, no exponent).
func (d *runnerListDecoder) number() (integer, ok bool) {
	d.consume('-')
	switch c := d.next(); {
	case c == '0':
		d.i++
	case '1' <= c && c <= '9':
		d.digits()
	default:
		return false, false
	}
	integer = true
	if d.consume('.') {
		integer = false
		if !d.digits() {
			return false, false
		}
	}
	if c := d.next(); c == 'e' || c == 'E' {
		integer = false
		d.i++
		if c := d.next(); c == '+' || c == '-' {
			d.i++
		}
		if !d.digits() {
			return false, false
		}
	}
	return integer, true
}

// digits skips one or more decimal digits.
func (d *runnerListDecoder) digits() bool {
	start := d.i
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}

// skip skips any JSON value (an unknown field's).
func (d *runnerListDecoder) skip(depth int) bool {
	switch d.next() {
	case '"':
		_, _, ok := d.str()
		return ok
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	case '[':
		if depth >= maxSkipDepth {
			return false
		}
		d.i++
		d.space()
		if d.consume(']') {
			return true
		}
		for {
			d.space()
			if !d.skip(depth + 1) {
				return false
			}
			d.space()
			if d.consume(',') {
				continue
			}
			return d.consume(']')
		}
	case '{':
		if depth >= maxSkipDepth {
			return false
		}
		d.i++
		d.space()
		if d.consume('}') {
			return true
		}
		for {
			d.space()
			if _, _, ok := d.str(); !ok {
				return false
			}
			d.space()
			if !d.consume(':') {
				return false
			}
			d.space()
			if !d.skip(depth + 1) {
				return false
			}
			d.space()
			if d.consume(',') {
				continue
			}
			return d.consume('}')
		}
	default:
		_, ok := d.number()
		return ok
	}
}

// int64 reads an integer, or null, which leaves dst alone.
func (d *runnerListDecoder) int64(dst *int64) bool {
	if d.literal("null") {
		return true
	}
	start := d.i
	integer, ok := d.number()
	if !ok || !integer {
		return false
	}
	digits := d.b[start:d.i]
	neg := digits[0] == '-'
	if neg {
		digits = digits[1:]
	}
	if len(digits) > 18 { // may not fit: encoding/json decides
		return false
	}
	var n int64
	for _, c := range digits {
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	*dst = n
	return true
}

// string reads a string into *dst, set when the runner ends (see
// setStrings), or null, which leaves *dst alone.
func (d *runnerListDecoder) string(dst *string) bool {
	if d.literal("null") {
		return true
	}
	start := d.i
	content, esc, ok := d.str()
	if !ok {
		return false
	}
	if !esc {
		d.pending = append(d.pending, pendingString{dst: dst, raw: true, content: content})
		return true
	}
	var s string
	if json.Unmarshal(d.b[start:d.i], &s) != nil {
		return false
	}
	d.pending = append(d.pending, pendingString{dst: dst, unquoted: s})
	return true
}

// json decodes any value into dst with encoding/json, as it would decode it in place.
func (d *runnerListDecoder) json(dst any) bool {
	start := d.i
	if !d.skip(0) {
		return false
	}
	return json.Unmarshal(d.b[start:d.i], dst) == nil
}

// bool reads true or false, or null, which leaves dst alone.
func (d *runnerListDecoder) bool(dst *bool) bool {
	switch {
	case d.literal("true"):
		*dst = true
	case d.literal("false"):
		*dst = false
	default:
		return d.literal("null")
	}
	return true
}

// boolPtr reads true or false into *dst, pointing it to room if it is nil,
// or null, which sets it to nil.
func (d *runnerListDecoder) boolPtr(dst **bool, room *bool) bool {
	var v bool
	switch {
	case d.literal("true"):
		v = true
	case d.literal("false"):
	case d.literal("null"):
		*dst = nil
		return true
	default:
		return false
	}
	if *dst == nil {
		*dst = room
	}
	**dst = v
	return true
}

// enum hands a string or null to the enum's own UnmarshalJSON, as encoding/json does.
func (d *runnerListDecoder) enum(unmarshalJSON func([]byte) error) bool {
	start := d.i
	if !d.literal("null") {
		if _, _, ok := d.str(); !ok {
			return false
		}
	}
	return unmarshalJSON(d.b[start:d.i]) == nil
}

// time reads a timestamp with time.Time's UnmarshalJSON, pointing *dst to
// room if it is nil, or null, which sets *dst to nil.
func (d *runnerListDecoder) time(dst **time.Time, room *time.Time) bool {
	if d.literal("null") {
		*dst = nil
		return true
	}
	start := d.i
	if _, _, ok := d.str(); !ok {
		return false
	}
	if *dst == nil {
		*dst = room
	}
	return (*dst).UnmarshalJSON(d.b[start:d.i]) == nil
}
