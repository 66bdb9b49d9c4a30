package runnerapitest

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// params is GitLab's merged parameter set: query string, then form or JSON
// body (Grape merges them all).
type params map[string]any

// readParams merges the query and the body of r.
func readParams(r *http.Request) (params, *apiError) {
	p := params{}
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

// addValues stores a query/form parameter; "k[]" keys become arrays.
func addValues(p params, k string, vs []string) {
	if strings.HasSuffix(k, "[]") {
		arr := make([]any, len(vs))
		for i, v := range vs {
			arr[i] = v
		}
		p[strings.TrimSuffix(k, "[]")] = arr
		return
	}
	if len(vs) > 0 {
		p[k] = vs[len(vs)-1]
	}
}

// has reports whether the parameter was given.
func (p params) has(k string) bool { _, ok := p[k]; return ok }

// str returns a string parameter.
func (p params) str(k string) (string, bool) {
	v, ok := p[k]
	if !ok || v == nil {
		return "", ok
	}
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", true
}

// boolean returns a Boolean parameter; a value Grape cannot coerce is a 400.
func (p params) boolean(k string) (*bool, *apiError) {
	v, ok := p[k]
	if !ok {
		return nil, nil
	}
	switch x := v.(type) {
	case bool:
		return &x, nil
	case string:
		switch strings.ToLower(x) {
		case "true", "1", "t", "yes":
			b := true
			return &b, nil
		case "false", "0", "f", "no":
			b := false
			return &b, nil
		}
	}
	return nil, rawErr(400, k+" is invalid")
}

// integer returns an Integer parameter; a value Grape cannot coerce is a 400.
func (p params) integer(k string) (*int64, *apiError) {
	v, ok := p[k]
	if !ok || v == nil {
		return nil, nil
	}
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return nil, rawErr(400, k+" is invalid")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, rawErr(400, k+" is invalid")
	}
	return &n, nil
}

// tags reads tag_list the way GitLab does: an array or a comma-separated
// string, every element split on commas and trimmed; anything else is empty.
func (p params) tags(k string) ([]string, bool) {
	v, ok := p[k]
	if !ok {
		return nil, false
	}
	var raw []string
	switch x := v.(type) {
	case string:
		raw = []string{x}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				raw = append(raw, s)
			}
		}
	}
	out := []string{}
	for _, r := range raw {
		for _, t := range strings.Split(r, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out, true
}

// pageParams reads page and per_page: defaults 1 and 20, per_page clamped to 100.
func (p params) pageParams() (page, perPage int, err *apiError) {
	page, perPage = 1, 20
	if n, e := p.integer("page"); e != nil {
		return 0, 0, e
	} else if n != nil && *n > 0 {
		page = int(*n)
	}
	if n, e := p.integer("per_page"); e != nil {
		return 0, 0, e
	} else if n != nil && *n > 0 {
		perPage = int(min(*n, 100))
	}
	return page, perPage, nil
}

// query returns the request's parameters as a sorted query, for Link URLs.
func linkQuery(r *http.Request, set map[string]string) string {
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		q[k] = vs
	}
	for k, v := range set {
		if v == "" {
			q.Del(k)
			continue
		}
		q.Set(k, v)
	}
	return q.Encode() // sorted by key, like Rails' to_query
}
