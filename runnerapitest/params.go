package runnerapitest

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// raw is GitLab's merged parameter set before validation: query string, then
// form or JSON body, then path parameters (Grape merges them all). Values are
// string, json.Number, bool, nil, []any or map[string]any.
type raw map[string]any

// readRaw merges the query and the body of r. Keys "k[]" become arrays and
// "k[sub]" nested hashes, as Rack parses them.
func readRaw(r *http.Request) (raw, *apiError) {
	p := raw{}
	for k, vs := range r.URL.Query() {
		addValues(p, k, vs)
	}
	if r.Body == nil {
		return p, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var body map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			if err.Error() == "EOF" {
				return p, nil
			}
			return nil, rawErr(400, "The provided content-type 'application/json' is not supported.")
		}
		for k, v := range body {
			p[k] = v
		}
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
			if err := r.ParseForm(); err != nil {
				return nil, rawErr(400, "invalid form")
			}
		}
		for k, vs := range r.PostForm {
			addValues(p, k, vs)
		}
	}
	return p, nil
}

// addValues stores a query/form parameter like Rack: "k[]" appends to an
// array, "k[sub]" sets a key of a nested hash, anything else keeps the last value.
func addValues(p raw, k string, vs []string) {
	if len(vs) == 0 {
		return
	}
	if base, ok := strings.CutSuffix(k, "[]"); ok {
		arr, _ := p[base].([]any)
		for _, v := range vs {
			arr = append(arr, v)
		}
		p[base] = arr
		return
	}
	if i := strings.IndexByte(k, '['); i > 0 && strings.HasSuffix(k, "]") {
		base, sub := k[:i], k[i+1:len(k)-1]
		h, _ := p[base].(map[string]any)
		if h == nil {
			h = map[string]any{}
		}
		h[sub] = vs[len(vs)-1]
		p[base] = h
		return
	}
	p[k] = vs[len(vs)-1]
}

// kind is the Grape type of a declared parameter.
type kind int

const (
	kString kind = iota // String
	kInt                // Integer
	kBool               // Boolean (dry-types Params::Bool)
	kTags               // Array[String] with CommaSeparatedToArray
	kHash               // Hash
	kTime               // DateTime
)

// param is one declared parameter of an endpoint (a Grape `requires` or `optional`).
type param struct {
	name     string
	kind     kind
	required bool
	values   []string       // `values:`
	except   []int64        // `except_values:` (integers)
	regexp   *regexp.Regexp // `regexp:`
	def      any            // `default:`
	// when makes a required parameter conditional (Grape `given`).
	when func(args) bool
}

// rule is a Grape group validator.
type rule struct {
	atLeastOne bool // at_least_one_of; otherwise mutually_exclusive
	names      []string
}

// decl is the params block of an endpoint, in declaration order.
type decl struct {
	params []param
	rules  []rule
}

func (d decl) with(ps ...param) decl {
	out := decl{params: append(append([]param{}, d.params...), ps...), rules: d.rules}
	return out
}

// args are the validated, coerced parameters: string, int64, bool,
// []string, map[string]any, time.Time, or nil for a parameter given empty.
// Undeclared parameters are not in args (Grape's declared params), but stay
// in the raw set for Link headers.
type args map[string]any

func (a args) str(k string) (string, bool) {
	s, ok := a[k].(string)
	return s, ok
}

func (a args) integer(k string) (*int64, bool) {
	v, ok := a[k]
	if !ok {
		return nil, false
	}
	n, isInt := v.(int64)
	if !isInt {
		return nil, true // given empty or null
	}
	return &n, true
}

func (a args) boolean(k string) (*bool, bool) {
	v, ok := a[k]
	if !ok {
		return nil, false
	}
	b, isBool := v.(bool)
	if !isBool {
		return nil, true
	}
	return &b, true
}

func (a args) tags(k string) ([]string, bool) {
	v, ok := a[k]
	if !ok {
		return nil, false
	}
	t, _ := v.([]string)
	if t == nil {
		t = []string{}
	}
	return t, true
}

// Boolean spellings of dry-types' Params::Bool, which Grape uses: exactly
// these, in lower, capitalised and upper case (dry-types coercions/params.rb).
var (
	trueWords  = words("1 on On ON t true True TRUE T y yes Yes YES Y")
	falseWords = words("0 off Off OFF f false False FALSE F n no No NO N")
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// invalid marks a value Grape cannot coerce.
type invalid struct{}

// coerce converts v to k's Go form; an empty string is nil for every type
// but String (Grape's treat-as-nil rule).
func coerce(k kind, v any) any {
	if v == nil {
		return nil
	}
	if s, ok := v.(string); ok && s == "" && k != kString && k != kTags {
		return nil
	}
	switch k {
	case kString:
		switch x := v.(type) {
		case string:
			return x
		case json.Number:
			return x.String()
		case bool:
			return strconv.FormatBool(x)
		}
	case kInt:
		var s string
		switch x := v.(type) {
		case string:
			s = strings.TrimSpace(x)
		case json.Number:
			s = x.String()
		default:
			return invalid{}
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case kBool:
		var s string
		switch x := v.(type) {
		case bool:
			return x
		case string:
			s = x
		case json.Number:
			s = x.String()
		default:
			return invalid{}
		}
		switch {
		case trueWords[s]:
			return true
		case falseWords[s]:
			return false
		}
	case kTags:
		return splitTags(v)
	case kHash:
		if h, ok := v.(map[string]any); ok {
			return h
		}
	case kTime:
		if s, ok := v.(string); ok {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
				if t, err := time.Parse(layout, s); err == nil {
					return t.UTC()
				}
			}
		}
	}
	return invalid{}
}

// splitTags is GitLab's CommaSeparatedToArray: a string or an array, every
// element split on commas and stripped; any other value is an empty list.
func splitTags(v any) []string {
	var parts []string
	switch x := v.(type) {
	case string:
		parts = []string{x}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				parts = append(parts, s)
			}
		}
	}
	out := []string{}
	for _, p := range parts {
		for _, t := range strings.Split(p, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// validate runs d against the raw parameters like Grape: every declared
// parameter in order (presence, type, values, regexp), then the group rules;
// all messages joined with ", " in one 400 {"error": …}. Defaults are filled
// into both args and raw, as Grape fills them into params.
func validate(d decl, in raw) (args, *apiError) {
	out := args{}
	var msgs []string
	for _, p := range d.params {
		v, given := in[p.name]
		if !given {
			if p.required && (p.when == nil || p.when(out)) {
				msgs = append(msgs, p.name+" is missing")
			} else if p.def != nil {
				out[p.name] = p.def
				in[p.name] = p.def
			}
			continue
		}
		c := coerce(p.kind, v)
		if _, bad := c.(invalid); bad {
			msgs = append(msgs, p.name+" is invalid")
			continue
		}
		if s, ok := c.(string); ok && p.values != nil && !contains(p.values, s) {
			msgs = append(msgs, p.name+" does not have a valid value")
			continue
		}
		if n, ok := c.(int64); ok && slices.Contains(p.except, n) {
			msgs = append(msgs, p.name+" has a value not allowed")
			continue
		}
		if s, ok := c.(string); ok && p.regexp != nil && !p.regexp.MatchString(s) {
			msgs = append(msgs, p.name+" is invalid")
			continue
		}
		out[p.name] = c
		in[p.name] = c
	}
	for _, r := range d.rules {
		n := 0
		for _, name := range r.names {
			if _, ok := in[name]; ok {
				n++
			}
		}
		switch {
		case r.atLeastOne && n == 0:
			msgs = append(msgs, strings.Join(r.names, ", ")+" are missing, at least one parameter must be provided")
		case !r.atLeastOne && n > 1:
			msgs = append(msgs, strings.Join(r.names, ", ")+" are mutually exclusive")
		}
	}
	if len(msgs) > 0 {
		return nil, rawErr(400, strings.Join(msgs, ", "))
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Pagination parameters (lib/api/pagination_params.rb `use :pagination`).
var pagination = []param{
	{name: "page", kind: kInt, def: int64(1)},
	{name: "per_page", kind: kInt, def: int64(20), except: []int64{0}},
}

// maxPerPage is Kaminari's max_per_page in GitLab.
const maxPerPage = 100

// pageParams returns the page and the clamped per_page of validated args.
func (a args) pageParams() (page, perPage int) {
	page, perPage = 1, 20
	if n, _ := a.integer("page"); n != nil && *n > 0 {
		page = int(*n)
	}
	if n, _ := a.integer("per_page"); n != nil && *n > 0 {
		perPage = int(min(*n, maxPerPage))
	}
	return page, perPage
}

// toQuery renders params like Rails' Hash#to_query: "k=v" pairs, arrays as
// "k[]=v", hashes as "k[sub]=v", keys escaped, all pairs sorted.
func toQuery(p raw) string {
	var pairs []string
	var add func(key string, v any)
	add = func(key string, v any) {
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				pairs = append(pairs, url.QueryEscape(key+"[]")+"=")
			}
			for _, e := range x {
				add(key+"[]", e)
			}
		case []string:
			if len(x) == 0 {
				pairs = append(pairs, url.QueryEscape(key+"[]")+"=")
			}
			for _, e := range x {
				add(key+"[]", e)
			}
		case map[string]any:
			for k, e := range x {
				add(key+"["+k+"]", e)
			}
		default:
			pairs = append(pairs, url.QueryEscape(key)+"="+url.QueryEscape(paramString(x)))
		}
	}
	for k, v := range p {
		add(k, v)
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// paramString is Ruby's to_param of a scalar parameter value.
func paramString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05Z")
	}
	return ""
}
