package runnerapitest

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// countLimit is where GitLab stops counting rows for X-Total.
const countLimit = 10000

// offsetPage cuts one page out of n items and sets GitLab's pagination
// headers on the answer. It returns the [from, to) bounds of the page.
func (c *call) offsetPage(n int, withoutCount bool) (from, to int, err *apiError) {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return 0, 0, err
	}
	from = min((page-1)*perPage, n)
	to = min(from+perPage, n)
	h := c.w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Prev-Page", "")
	h.Set("X-Next-Page", "")
	pages := max((n+perPage-1)/perPage, 1)
	counted := !withoutCount && n <= countLimit
	hasNext := to < n
	link := func(p int, rel string) string {
		return "<" + c.s.webBase() + c.r.URL.EscapedPath() + "?" + linkQuery(c.r, map[string]string{"page": strconv.Itoa(p), "per_page": strconv.Itoa(perPage)}) + `>; rel="` + rel + `"`
	}
	var links []string
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
		links = append(links, link(page-1, "prev"))
	}
	if hasNext {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(1, "first"))
	if counted {
		h.Set("X-Total", strconv.Itoa(n))
		h.Set("X-Total-Pages", strconv.Itoa(pages))
		links = append(links, link(pages, "last"))
	}
	h.Set("Link", strings.Join(links, ", "))
	return from, to, nil
}

// keysetCursor is the opaque cursor of runner jobs: the last id returned.
type keysetCursor struct {
	ID int64 `json:"id"`
}

func encodeCursor(id int64) string {
	b, _ := json.Marshal(keysetCursor{ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	var kc keysetCursor
	if json.Unmarshal(b, &kc) != nil || kc.ID <= 0 {
		return 0, false
	}
	return kc.ID, true
}

// setKeysetNext sets the Link rel="next" of a keyset page ending at lastID.
func (c *call) setKeysetNext(lastID int64, perPage int) {
	q := linkQuery(c.r, map[string]string{"cursor": encodeCursor(lastID), "per_page": strconv.Itoa(perPage), "page": ""})
	c.w.Header().Set("Link", "<"+c.s.webBase()+c.r.URL.EscapedPath()+"?"+q+`>; rel="next"`)
}
