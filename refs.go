package runnerapi

import (
	"net/url"
	"strconv"
	"strings"
)

// ref is a GitLab resource named by numeric ID or by full path.
type ref struct {
	id   int64
	path string
}

// segment renders r as one escaped URL path segment: "42" or "group%2Fsub%2Fproject".
func (r ref) segment(field string) (string, error) {
	switch {
	case r.id > 0:
		return strconv.FormatInt(r.id, 10), nil
	case r.id < 0:
		return "", &ValidationError{Field: field, Reason: "ID must be a positive integer, got " + strconv.FormatInt(r.id, 10)}
	}
	p := strings.Trim(strings.TrimSpace(r.path), "/")
	if p == "" {
		return "", &ValidationError{Field: field, Reason: "needs a positive ID or a full path"}
	}
	for _, part := range strings.Split(p, "/") {
		// "." and ".." stay unescaped and a server or proxy may resolve them,
		// turning projects/../runners/... into another endpoint.
		if part == "" || part == "." || part == ".." {
			return "", &ValidationError{Field: field, Reason: "full path has an empty, \".\" or \"..\" component"}
		}
	}
	if strings.Trim(p, "0123456789") == "" {
		// GitLab reads an all-digit :id as a numeric ID, so this would name another resource.
		return "", &ValidationError{Field: field, Reason: "full path is all digits, which GitLab reads as an ID; use the ID form"}
	}
	return url.PathEscape(p), nil
}

// String returns the reference as given: the numeric ID or the full path.
func (r ref) String() string {
	if r.id != 0 {
		return strconv.FormatInt(r.id, 10)
	}
	return r.path
}

// ProjectRef names a project by numeric ID or full path. Build one with ProjectID or ProjectPath.
type ProjectRef struct{ ref }

// ProjectID refers to a project by its numeric ID.
func ProjectID(id int64) ProjectRef { return ProjectRef{ref{id: id}} }

// ProjectPath refers to a project by its full path, such as "group/sub/project".
func ProjectPath(fullPath string) ProjectRef { return ProjectRef{ref{path: fullPath}} }

// GroupRef names a group by numeric ID or full path. Build one with GroupID or GroupPath.
type GroupRef struct{ ref }

// GroupID refers to a group by its numeric ID.
func GroupID(id int64) GroupRef { return GroupRef{ref{id: id}} }

// GroupPath refers to a group by its full path, such as "group/subgroup".
func GroupPath(fullPath string) GroupRef { return GroupRef{ref{path: fullPath}} }
