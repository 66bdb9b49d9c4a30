package runnerapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The redaction engine: every string the package builds from a request or an
// answer (error messages, error fields, log lines) passes through redact, so
// that a credential never leaves the client in any form a server can echo or a
// Go error can quote.

const redacted = "[REDACTED]"

// secretParamWords mark parameter names whose values are credentials:
// token, private_token, job_token, registration_token, client_secret, password…
var secretParamWords = []string{"token", "secret", "password", "passwd", "credential", "api_key", "apikey"}

// isSecretParam reports whether a query or body parameter carries a credential.
func isSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretParamWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// tokenPattern matches GitLab token formats, also behind an instance-wide
// prefix ("acme-glpat-…"): personal/project/group access (glpat), OAuth
// (gloas, gloat), deploy (gldt), runner authentication (glrt, glrtr), runner
// controller (glrct), CI job (glcbt), trigger (glptt), feed (glft), incoming
// mail (glimt), agent (glagent), SCIM (glsoat), feature-flag client (glffct),
// workspace (glwt) tokens, and runner registration tokens (GR1348941…).
var tokenPattern = regexp.MustCompile(`gl(?:pat|oas|oat|dt|rt|rtr|rct|cbt|ptt|ft|imt|agent|soat|ffct|wt)-[0-9A-Za-z_\-.]{8,}|GR1348941[0-9A-Za-z_\-]{8,}`)

// redact removes the given secrets and anything shaped like a GitLab token
// from s. A secret is found in every form it can take in text: as is, URL
// query- and path-escaped, JSON-escaped (with or without HTML escaping),
// Go-quoted (strconv.Quote, strconv.QuoteToASCII, and quoted twice, the \"
// form of time and strconv errors), and inside any quoted string literal
// whose escapes (\u0067, \x67, \") spell it once decoded.
func redact(s string, secrets []string) string {
	return redactDepth(s, secrets, 0)
}

// maxQuoteDepth bounds how many levels of quoting redact decodes.
const maxQuoteDepth = 3

func redactDepth(s string, secrets []string, depth int) string {
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue // too short to be a credential, and replacing it would garble the text
		}
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, redacted)
		}
		for _, form := range secretForms(sec) {
			if form != sec && strings.Contains(s, form) {
				s = strings.ReplaceAll(s, form, redacted)
			}
		}
	}
	s = tokenPattern.ReplaceAllString(s, redacted)
	if depth < maxQuoteDepth && strings.IndexByte(s, '\\') >= 0 {
		s = redactEscaped(s, secrets, depth)
	}
	return s
}

// secretForms lists the escaped spellings of sec.
func secretForms(sec string) []string {
	q := strconv.Quote(sec)
	qa := strconv.QuoteToASCII(sec)
	qq := strconv.Quote(q)
	return []string{
		url.QueryEscape(sec), url.PathEscape(sec),
		jsonEscape(sec, true), jsonEscape(sec, false),
		q[1 : len(q)-1], qa[1 : len(qa)-1], qq[2 : len(qq)-2],
	}
}

// jsonEscape returns s as it appears inside a JSON string written by encoding/json.
func jsonEscape(s string, html bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(s); err != nil {
		return s
	}
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// redactEscaped finds secrets spelled with backslash escapes (JSON \u0067,
// Go \x67 and \", in any mix, quoted or not): it decodes the escapes,
// redacts the decoded text, and replaces each original span whose decoded
// text was redacted. Spans map to whole escape sequences, so a JSON body
// stays valid JSON.
func redactEscaped(s string, secrets []string, depth int) string {
	decoded, from := unescape(s)
	clean := redactDepth(decoded, secrets, depth+1)
	if clean == decoded {
		return s
	}
	// Mark the decoded bytes that redaction replaced, by aligning decoded
	// and clean: equal prefixes are kept, each [REDACTED] in clean stands
	// for a run of decoded bytes up to the next matching text.
	marked := make([]bool, len(decoded))
	i, j := 0, 0
	for j < len(clean) {
		if strings.HasPrefix(clean[j:], redacted) && !strings.HasPrefix(decoded[i:], redacted) {
			j += len(redacted)
			// The replaced run ends where the rest of clean (up to the next
			// marker) next appears in decoded.
			rest := clean[j:]
			if k := strings.Index(rest, redacted); k >= 0 {
				rest = rest[:k]
			}
			end := len(decoded)
			if rest != "" {
				if k := strings.Index(decoded[i+1:], rest); k >= 0 {
					end = i + 1 + k
				}
			}
			for ; i < end; i++ {
				marked[i] = true
			}
			continue
		}
		if i >= len(decoded) {
			break
		}
		i++
		j++
	}
	for ; i < len(decoded); i++ {
		marked[i] = true
	}
	var b strings.Builder
	last := 0
	for k := 0; k < len(decoded); {
		if !marked[k] {
			k++
			continue
		}
		start := from[k]
		for k < len(decoded) && marked[k] {
			k++
		}
		end := len(s)
		if k < len(decoded) {
			end = from[k]
		}
		if start < last {
			start = last
		}
		b.WriteString(s[last:start])
		b.WriteString(redacted)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// unescape decodes the backslash escapes of s (\uXXXX, \UXXXXXXXX, \xXX,
// \NNN octal, and \" \\ \/ \' \b \f \n \r \t). from[i] is the offset in s
// of the escape (or byte) that produced decoded byte i.
func unescape(s string) (string, []int) {
	var b []byte
	from := make([]int, 0, len(s))
	for i := 0; i < len(s); {
		start := i
		var out []byte
		if s[i] != '\\' || i+1 >= len(s) {
			out = []byte{s[i]}
			i++
		} else {
			c := s[i+1]
			switch {
			case c == 'u' && i+6 <= len(s) && isHex(s[i+2:i+6]):
				n, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
				out = utf8.AppendRune(nil, rune(n))
				i += 6
			case c == 'U' && i+10 <= len(s) && isHex(s[i+2:i+10]):
				n, _ := strconv.ParseUint(s[i+2:i+10], 16, 32)
				out = utf8.AppendRune(nil, rune(n))
				i += 10
			case c == 'x' && i+4 <= len(s) && isHex(s[i+2:i+4]):
				n, _ := strconv.ParseUint(s[i+2:i+4], 16, 8)
				out = []byte{byte(n)}
				i += 4
			case c >= '0' && c <= '7' && i+4 <= len(s) && isOctal(s[i+1:i+4]):
				n, _ := strconv.ParseUint(s[i+1:i+4], 8, 8)
				out = []byte{byte(n)}
				i += 4
			case strings.IndexByte(`"\\/'`, c) >= 0:
				out = []byte{c}
				i += 2
			case strings.IndexByte("bfnrt", c) >= 0:
				out = []byte{"\b\f\n\r\t"[strings.IndexByte("bfnrt", c)]}
				i += 2
			default:
				out = []byte{'\\'}
				i++
			}
		}
		for range out {
			from = append(from, start)
		}
		b = append(b, out...)
	}
	return string(b), from
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

// sanitizeURL renders u without user info and with credential parameters and known secrets redacted.
func sanitizeURL(u *url.URL, secrets []string) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		changed := err != nil // an unparsable query is re-encoded from what could be read
		for k, vs := range q {
			if isSecretParam(k) {
				for i := range vs {
					vs[i] = redacted
				}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return redact(c.String(), secrets)
}

// cleanCause returns err, or when its text carries a secret, an error with
// the same text redacted. A *url.Error keeps its shape with a sanitised URL.
// The replacement still matches the sentinels a caller tests for
// (context.Canceled, context.DeadlineExceeded, ErrResponseTooLarge,
// io.ErrUnexpectedEOF) and keeps Timeout(); the raw cause is not kept.
func cleanCause(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if redact(text, secrets) == text {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue == err {
		clean := &url.Error{Op: ue.Op, URL: ue.URL, Err: cleanCause(ue.Err, secrets)}
		if u, perr := url.Parse(ue.URL); perr == nil {
			clean.URL = sanitizeURL(u, secrets)
		} else {
			clean.URL = redact(ue.URL, secrets)
		}
		if redact(clean.Error(), secrets) == clean.Error() {
			return clean
		}
	}
	re := &redactedError{msg: redact(text, secrets)}
	for _, s := range [...]error{context.Canceled, context.DeadlineExceeded, ErrResponseTooLarge, io.ErrUnexpectedEOF, os.ErrDeadlineExceeded} {
		if errors.Is(err, s) {
			re.is = append(re.is, s)
		}
	}
	var ne net.Error
	re.timeout = errors.As(err, &ne) && ne.Timeout()
	return re
}

// redactedError stands in for a cause whose text carried a credential.
type redactedError struct {
	msg     string
	is      []error
	timeout bool
}

func (e *redactedError) Error() string { return e.msg }

// Is matches the sentinels the original cause matched.
func (e *redactedError) Is(target error) bool {
	for _, s := range e.is {
		if s == target {
			return true
		}
	}
	return false
}

// Timeout reports whether the original cause was a timeout.
func (e *redactedError) Timeout() bool { return e.timeout }

// Temporary is part of net.Error; it reports the same as Timeout.
func (e *redactedError) Temporary() bool { return e.timeout }

// oneLine makes s safe to print on one line: control characters are escaped
// (see escapeControl) and the result is cut to at most n bytes, on a rune boundary.
func oneLine(s string, n int) string {
	s = escapeControl(s)
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// escapeControl collapses runs of whitespace (including CR, LF, tab) into one
// space, trims the ends, and writes every other control character (C0, DEL,
// C1, the Unicode line and paragraph separators) and invalid UTF-8 as a
// visible escape such as \x1b, so that no error string can break a log line
// or carry a terminal escape sequence.
func escapeControl(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean && !strings.HasPrefix(s, " ") && !strings.HasSuffix(s, " ") && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i-1]), 16))
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
