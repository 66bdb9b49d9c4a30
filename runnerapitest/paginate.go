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
// headers on the answer (OffsetHeaderBuilder). It returns the [from, to)
// bounds of the page.
func (c *call) offsetPage(n int, withoutCount bool) (from, to int) {
	page, perPage := c.args.pageParams()
	from = min((page-1)*perPage, n)
	to = min(from+perPage, n)
	h := c.w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Prev-Page", "")
	h.Set("X-Next-Page", "")
	pages := (n + perPage - 1) / perPage
	// Kaminari has no previous or next page for a page out of range.
	outOfRange := page > pages
	counted := !withoutCount && n <= countLimit
	var links []string
	if page > 1 && !outOfRange {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
		links = append(links, c.pageLink(page-1, "prev"))
	}
	if to < n {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		links = append(links, c.pageLink(page+1, "next"))
	}
	links = append(links, c.pageLink(1, "first"))
	if counted {
		h.Set("X-Total", strconv.Itoa(n))
		h.Set("X-Total-Pages", strconv.Itoa(max(pages, 1)))
		links = append(links, c.pageLink(max(pages, 1), "last"))
	}
	h.Set("Link", strings.Join(links, ", "))
	return from, to
}

// pageLink is one Link entry: the request URL on the configured host with
// the query rebuilt from all of Grape's params (given, defaulted and path
// params; per_page as requested) and page replaced, like page_href.
func (c *call) pageLink(page int, rel string) string {
	q := raw{}
	for k, v := range c.raw {
		q[k] = v
	}
	q["page"] = int64(page)
	return "<" + c.s.webBase() + c.r.URL.EscapedPath() + "?" + toQuery(q) + `>; rel="` + rel + `"`
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

// setKeysetNext sets the Link rel="next" of a keyset page ending at lastID:
// the current params with the next cursor.
func (c *call) setKeysetNext(lastID int64) {
	q := raw{}
	for k, v := range c.raw {
		q[k] = v
	}
	delete(q, "page")
	q["cursor"] = encodeCursor(lastID)
	c.w.Header().Set("Link", "<"+c.s.webBase()+c.r.URL.EscapedPath()+"?"+toQuery(q)+`>; rel="next"`)
}
