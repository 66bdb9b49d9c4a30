package runnerapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets for everything the client parses from a server, or escapes
// into a URL. Seed corpora live in testdata/fuzz/<FuzzName>/ and run as
// ordinary tests; fuzz one target with
//
//	go test -run='^$' -fuzz='^FuzzParseErrorBody$' -fuzztime=60s .

// fuzzSecret is a credential the fuzz targets inject into server answers. It
// does not look like a GitLab token, so only the client's list of known
// secrets can remove it, not the token-shape pattern; its characters change
// under URL and JSON escaping, so the escaped forms are tested too.
const fuzzSecret = "s3cr3t/fuzz+cred&Q9<x>"

// fuzzSecretForms are the ways a server may echo the secret: as sent, URL
// query- or path-escaped, or JSON-escaped the way encoding/json writes it.
var fuzzSecretForms = []string{fuzzSecret, url.QueryEscape(fuzzSecret), url.PathEscape(fuzzSecret), jsonEscape(fuzzSecret, true)}

// injectSecret inserts one form of the secret into s; pos chooses both the
// form (pos%4) and the place (pos/4, modulo len(s)+1).
func injectSecret(s []byte, pos uint) []byte {
	return insertAt(s, pos/4, fuzzSecretForms[pos%uint(len(fuzzSecretForms))])
}

// insertAt returns s with ins inserted at pos (taken modulo len(s)+1).
func insertAt(s []byte, pos uint, ins string) []byte {
	i := int(pos % uint(len(s)+1))
	out := make([]byte, 0, len(s)+len(ins))
	out = append(out, s[:i]...)
	out = append(out, ins...)
	return append(out, s[i:]...)
}

// fuzzResponse builds the answer to a GET of /api/v4/runners/7 with the given status, type and body.
func fuzzResponse(status int, contentType string, body []byte) *http.Response {
	u, _ := url.Parse("https://gitlab.example.com/api/v4/runners/7?private_token=" + url.QueryEscape(fuzzSecret))
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return &http.Response{
		StatusCode: status,
		Header:     h,
		Body:       io.NopCloser(bytes.NewReader(body)),
		Request:    &http.Request{Method: http.MethodGet, URL: u},
	}
}

// requireNoSecret fails when s holds the fuzz secret in any form a reader could recover.
func requireNoFuzzSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, form := range fuzzSecretForms {
		if strings.Contains(s, form) {
			t.Fatalf("%s reveals the credential: %q", what, s)
		}
	}
}

// FuzzParseErrorBody feeds arbitrary error answers to checkResponse, with a
// known credential injected at an arbitrary place of the body. Properties:
// never a panic; always an *ErrorResponse matching the status's sentinel;
// the credential appears in no field and not in Error(); Body is at most
// 64 KiB; a summarised plain-text message is one line.
func FuzzParseErrorBody(f *testing.F) {
	f.Add(uint16(404), "application/json", []byte(`{"message":"404 Runner Not Found"}`), uint(0), false)
	f.Add(uint16(400), "application/json", []byte(`{"message":{"description":["is too long"]}}`), uint(20), true)
	f.Add(uint16(401), "application/json", []byte(`{"error":"invalid_token","error_description":"Token was revoked"}`), uint(40), true)
	f.Add(uint16(429), "text/plain", []byte("Retry later\n"), uint(6), true)
	f.Add(uint16(502), "text/html", []byte("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"), uint(30), true)
	f.Add(uint16(403), "", []byte(`{"message":{"error":"x"}}`), uint(3), false)
	// Deep nesting, in objects and arrays, and a wide message: parsing stays linear.
	f.Add(uint16(400), "application/json", []byte(`{"message":`+strings.Repeat(`{"a":`, 5000)+`"x"`+strings.Repeat(`}`, 5000)+`}`), uint(9), true)
	f.Add(uint16(422), "application/json", []byte(`{"message":`+strings.Repeat(`[`, 12000)+strings.Repeat(`]`, 12000)+`}`), uint(0), false)
	f.Add(uint16(400), "application/json", []byte(`{"message":{`+strings.Repeat(`"k":["v\n"],`, 3000)+`"z":"y"}}`), uint(40), true)
	f.Add(uint16(400), "application/json", []byte(`{"message":"a\u001b[31m\r\nb"}`), uint(0), false)
	f.Fuzz(func(t *testing.T, status uint16, contentType string, body []byte, pos uint, inject bool) {
		code := 400 + int(status)%200 // 400..599
		if inject {
			body = injectSecret(body, pos)
		}
		resp := fuzzResponse(code, contentType, body)
		err := checkResponse(resp, []string{fuzzSecret})
		var er *ErrorResponse
		if !errors.As(err, &er) {
			t.Fatalf("status %d gave %T, want *ErrorResponse", code, err)
		}
		if er.StatusCode != code {
			t.Fatalf("StatusCode %d, want %d", er.StatusCode, code)
		}
		if want := statusSentinel(code); want != nil && !errors.Is(err, want) {
			t.Fatalf("status %d does not match %v", code, want)
		}
		if len(er.Body) > maxErrorBody {
			t.Fatalf("Body is %d bytes, over the %d cap", len(er.Body), maxErrorBody)
		}
		requireNoFuzzSecret(t, "Error()", er.Error())
		requireNoFuzzSecret(t, "Message", er.Message)
		requireNoFuzzSecret(t, "Code", er.Code)
		requireNoFuzzSecret(t, "URL", er.URL)
		requireNoFuzzSecret(t, "Body", string(er.Body))
		for k, msgs := range er.Fields {
			requireNoFuzzSecret(t, "Fields key", k)
			for _, m := range msgs {
				requireNoFuzzSecret(t, "Fields message", m)
			}
		}
		if strings.ContainsAny(er.Message, "\r\n\x1b") || strings.ContainsAny(er.Error(), "\r\n\x1b") {
			t.Fatalf("message is not one safe line: %q", er.Message)
		}
		if len(er.Message) > maxMessageLen+len("…") {
			t.Fatalf("message is %d bytes, over the %d cap", len(er.Message), maxMessageLen)
		}
	})
}

// FuzzParseLinkHeader feeds arbitrary Link headers to the parser and to
// newResponse. Properties: never a panic; rel names are lower case without
// spaces; every target is text that stood between '<' and '>' in the header;
// and a header built from a URL round-trips to that URL as rel="next".
func FuzzParseLinkHeader(f *testing.F) {
	f.Add(`<https://gitlab.example.com/api/v4/runners?page=2&per_page=20>; rel="next", <https://gitlab.example.com/api/v4/runners?page=1&per_page=20>; rel="first"`,
		"https://gitlab.example.com/api/v4/runners/7/jobs?cursor=eyJpZCI6IjUifQ%3D%3D&order_by=id&sort=desc")
	f.Add(`<a>;rel=next,<b>; rel="prev last"; title="x, <y>"`, "https://h/x?a=1,2")
	f.Add(`<>; rel=""`, "")
	f.Add(`<<<>>>; rel=next;;;, ,<`, "?cursor=%zz")
	f.Fuzz(func(t *testing.T, header, next string) {
		for rel, target := range parseLinkHeader(header) {
			if rel != strings.ToLower(rel) || strings.ContainsAny(rel, " \t") || rel == "" {
				t.Fatalf("bad rel %q", rel)
			}
			if !strings.Contains(header, "<"+target+">") {
				t.Fatalf("target %q did not stand between <> in %q", target, header)
			}
		}
		resp := newResponse(&http.Response{Header: http.Header{"Link": {header}}})
		if resp.NextLink != parseLinkHeader(header)["next"] {
			t.Fatalf("NextLink %q disagrees with the parser", resp.NextLink)
		}

		if strings.ContainsAny(next, "<>") {
			return
		}
		h := "<" + next + `>; rel="next", <https://gitlab.example.com/api/v4/runners?page=1>; rel="first"`
		links := parseLinkHeader(h)
		if links["next"] != next {
			t.Fatalf("rel=next of %q is %q, want %q", h, links["next"], next)
		}
		if links["first"] != "https://gitlab.example.com/api/v4/runners?page=1" {
			t.Fatalf("rel=first of %q is %q", h, links["first"])
		}
		r := newResponse(&http.Response{Header: http.Header{"Link": {h}}})
		if r.NextLink != next {
			t.Fatalf("NextLink %q, want %q", r.NextLink, next)
		}
		if u, err := url.Parse(next); err == nil && r.NextCursor != u.Query().Get("cursor") {
			t.Fatalf("NextCursor %q, want %q", r.NextCursor, u.Query().Get("cursor"))
		}
	})
}

// fuzzDecode checks one model type T against arbitrary JSON, both directly
// and through the client's streaming decoder. Properties: never a panic; the
// client returns either a non-nil value or a *DecodeError matching
// ErrInvalidResponse, whose text never holds the injected credential; a
// decoded value re-encodes to JSON that decodes to the same encoding.
func fuzzDecode[T any](f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s), uint(0), false)
	}
	f.Add([]byte(`{"id":`), uint(6), true)
	f.Add([]byte(`[]`), uint(1), true)
	f.Add([]byte(`null`), uint(0), false)
	f.Add([]byte(``), uint(0), false)
	f.Add([]byte(`<html><title>502</title></html>`), uint(13), true)
	f.Fuzz(func(t *testing.T, data []byte, pos uint, inject bool) {
		if inject {
			data = injectSecret(data, pos)
		}

		// Through the client's decoder, as doJSON uses it.
		var got *T
		err := decodeBody(fuzzResponse(http.StatusOK, "application/json", data), &got, 1<<20, []string{fuzzSecret})
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("decode error %T %v is not a *DecodeError", err, err)
			}
			requireNoFuzzSecret(t, "DecodeError", de.Error())
		} else if got == nil {
			t.Fatalf("no error and no value for %q", data)
		}

		// Directly, then the encode/decode round trip.
		var v T
		if json.Unmarshal(data, &v) != nil {
			return
		}
		first, err := json.Marshal(&v)
		if err != nil {
			return // for example a time whose year has five digits after its offset is applied
		}
		var again T
		if err := json.Unmarshal(first, &again); err != nil {
			t.Fatalf("re-decoding our own encoding %s: %v", first, err)
		}
		second, err := json.Marshal(&again)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("round trip changed the value:\n%s\n%s", first, second)
		}
	})
}

// FuzzDecodeRunner decodes Runner (list entries).
func FuzzDecodeRunner(f *testing.F) {
	fuzzDecode[Runner](f, `{"id":6,"description":"test-1-20150125","ip_address":null,"active":true,"paused":false,"is_shared":false,"runner_type":"project_type","name":null,"online":true,"status":"online","created_by":{"id":1,"username":"root"},"created_at":"2024-01-01T00:00:00.000Z"}`)
}

// FuzzDecodeRunnerDetails decodes RunnerDetails (Get, Update, Pause).
func FuzzDecodeRunnerDetails(f *testing.F) {
	fuzzDecode[RunnerDetails](f, `{"id":6,"active":true,"paused":false,"tag_list":["ruby","mysql"],"run_untagged":true,"locked":false,"maximum_timeout":null,"access_level":"ref_protected","version":"16.0.0","contacted_at":"2024-01-01T00:00:00Z","maintenance_note":"","projects":[{"id":1,"name":"GitLab Community Edition","path_with_namespace":"gitlab-org/gitlab-foss"}],"groups":[]}`)
}

// FuzzDecodeRunnerManager decodes RunnerManager.
func FuzzDecodeRunnerManager(f *testing.F) {
	fuzzDecode[RunnerManager](f, `{"id":1,"system_id":"s_89e5e9956577","version":"16.11.1","revision":"535ced5f","platform":"linux","architecture":"amd64","created_at":"2024-06-09T11:12:02.507Z","contacted_at":"2024-06-09T06:30:09.355Z","ip_address":"127.0.0.1","status":"offline","job_execution_status":"idle"}`)
}

// FuzzDecodeJob decodes Job.
func FuzzDecodeJob(f *testing.F) {
	fuzzDecode[Job](f, `{"id":2,"status":"running","stage":"test","name":"test","ref":"main","tag":false,"coverage":99.9,"allow_failure":false,"created_at":"2015-12-24T15:51:21.802Z","duration":0.465,"queued_duration":0.010,"user":{"id":1},"commit":{"id":"1a8a"},"pipeline":{"id":2},"project":{"id":1}}`)
}

// FuzzDecodeRunnerRegistration decodes RunnerRegistration (id as number or string).
func FuzzDecodeRunnerRegistration(f *testing.F) {
	fuzzDecode[RunnerRegistration](f, `{"id":12345,"token":"glrt-xyz","token_expires_at":null}`, `{"id":"12345","token":"6337ff461c94fd3fa32ba3b1ff4125"}`, `{"id":"12x"}`)
}

// FuzzDecodeRunnerVerification decodes RunnerVerification (JSON object or legacy "200").
func FuzzDecodeRunnerVerification(f *testing.F) {
	fuzzDecode[RunnerVerification](f, `{"id":1,"token":"glrt-abc","token_expires_at":"2025-01-01T00:00:00Z"}`, `200`, `"200"`)
}

// FuzzDecodeTokenWithExpiry decodes TokenWithExpiry (reset answers).
func FuzzDecodeTokenWithExpiry(f *testing.F) {
	fuzzDecode[TokenWithExpiry](f, `{"token":"6337ff461c94fd3fa32ba3b1ff4125","token_expires_at":"2016-01-25T16:39:15.776Z"}`, `{"token":"GR1348941abc","token_expires_at":null}`)
}

// FuzzDecodeRunnerController decodes RunnerController.
func FuzzDecodeRunnerController(f *testing.F) {
	fuzzDecode[RunnerController](f, `{"id":1,"description":"Runner controller","state":"enabled","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","connected":false}`)
}

// FuzzDecodeRunnerControllerToken decodes RunnerControllerToken.
func FuzzDecodeRunnerControllerToken(f *testing.F) {
	fuzzDecode[RunnerControllerToken](f, `{"id":1,"runner_controller_id":1,"description":"Token for runner controller","last_used_at":null,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","token":"glrct-abcdefgh"}`)
}

// FuzzDecodeRunnerControllerScopes decodes RunnerControllerScopes.
func FuzzDecodeRunnerControllerScopes(f *testing.F) {
	fuzzDecode[RunnerControllerScopes](f, `{"instance_level_scopings":[{"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}],"runner_level_scopings":[]}`, `{"instance_level_scopings":[],"runner_level_scopings":[{"runner_id":5}]}`)
}

// FuzzRefSegment escapes arbitrary project and group references. Properties:
// never a panic; a refusal is a *ValidationError; an accepted path renders as
// exactly one segment, never containing '/', never "." or "..", never all
// digits, that url.PathUnescape turns back into the trimmed path and that
// stays one segment when placed in a request URL.
func FuzzRefSegment(f *testing.F) {
	for _, s := range []string{"group/sub/project", "gitlab-org/gitlab", "a b/c+d", "g/../runners", "./x", "123", "%2e%2e", "a%2Fb", "ü/ñ", "/lead/trail/", "a//b", "a/?x#y", " . "} {
		f.Add(s, int64(0))
	}
	f.Add("", int64(42))
	f.Add("", int64(-1))
	f.Fuzz(func(t *testing.T, path string, id int64) {
		for _, r := range []ref{ProjectPath(path).ref, GroupPath(path).ref, ProjectID(id).ref, GroupID(id).ref} {
			seg, err := r.segment("project")
			if err != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidInput) {
					t.Fatalf("refusal of %q/%d is %T, want *ValidationError", r.path, r.id, err)
				}
				continue
			}
			if strings.Contains(seg, "/") || seg == "." || seg == ".." || seg == "" {
				t.Fatalf("segment %q of %q is not one safe path segment", seg, r.path)
			}
			un, err := url.PathUnescape(seg)
			if err != nil {
				t.Fatalf("segment %q does not unescape: %v", seg, err)
			}
			if r.id != 0 {
				if un != strconv.FormatInt(r.id, 10) {
					t.Fatalf("ID %d rendered as %q", r.id, seg)
				}
			} else {
				want := strings.Trim(strings.TrimSpace(r.path), "/")
				if un != want {
					t.Fatalf("segment %q unescapes to %q, want %q", seg, un, want)
				}
				if strings.Trim(un, "0123456789") == "" {
					t.Fatalf("all-digit path %q accepted; GitLab reads it as an ID", un)
				}
				for _, part := range strings.Split(un, "/") {
					if part == "." || part == ".." || part == "" {
						t.Fatalf("path %q with a dot or empty component accepted", un)
					}
				}
			}
			u, err := url.Parse("https://gitlab.example.com/api/v4/projects/" + seg + "/runners")
			if err != nil {
				t.Fatalf("URL with segment %q does not parse: %v", seg, err)
			}
			if got := strings.Split(u.EscapedPath(), "/"); len(got) != 6 || got[4] != seg {
				t.Fatalf("segment %q split the URL path into %q", seg, got)
			}
			if u.RawQuery != "" || u.Fragment != "" {
				t.Fatalf("segment %q leaked into the query or fragment", seg)
			}
			if !utf8.ValidString(seg) {
				t.Fatalf("segment %q is not valid UTF-8", seg)
			}
		}
	})
}

// TestFuzzSeedCorporaExist makes sure every fuzz target has a committed seed
// corpus, so CI runs more than the inline seeds.
func TestFuzzSeedCorporaExist(t *testing.T) {
	targets := []any{
		FuzzParseErrorBody, FuzzParseLinkHeader, FuzzRefSegment,
		FuzzDecodeRunner, FuzzDecodeRunnerDetails, FuzzDecodeRunnerManager, FuzzDecodeJob,
		FuzzDecodeRunnerRegistration, FuzzDecodeRunnerVerification, FuzzDecodeTokenWithExpiry,
		FuzzDecodeRunnerController, FuzzDecodeRunnerControllerToken, FuzzDecodeRunnerControllerScopes,
	}
	for _, fn := range targets {
		name := funcName(fn)
		t.Run(name, func(t *testing.T) {
			entries, err := filepath.Glob("testdata/fuzz/" + name + "/*")
			if err != nil || len(entries) == 0 {
				t.Fatalf("no seed corpus in testdata/fuzz/%s", name)
			}
		})
	}
}

// funcName returns the bare name of a top-level function.
func funcName(fn any) string {
	full := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	return full[strings.LastIndexByte(full, '.')+1:]
}

// checkResponse runs an error answer through the client's error path: the
// bounded read settle does, then newErrorResponse.
func checkResponse(resp *http.Response, secrets []string) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+secretMargin))
	return newErrorResponse(resp, raw, secrets, time.Now())
}

// decodeBody runs a success answer through the client's decode path: the
// bounded read settle does, then decode, wrapped as send wraps it.
func decodeBody(resp *http.Response, v any, max int64, secrets []string) error {
	b, err := readBody(resp.Body, resp.ContentLength, max)
	if err == nil {
		err = decode(resp.StatusCode, b.data, v)
		b.release()
	}
	if err != nil {
		return newDecodeError(resp, err, 1, secrets)
	}
	return nil
}

// FuzzVerifyDecoder runs arbitrary answers through the decoder Runners.Verify
// really uses (decode with a *RunnerVerification, which takes the raw body
// and the status). Properties: never a panic; a token counts as verified
// only for a JSON object, or for 200, "200" or an empty body with status 200.
func FuzzVerifyDecoder(f *testing.F) {
	for _, s := range []string{"200", `"200"`, "", " 200\n", "OK", "null", "<html><title>Sign in</title></html>", `{"id":1,"token":"glrt-x"}`, `{"id":1} {}`, "201", "true"} {
		f.Add(uint16(200), []byte(s))
	}
	f.Add(uint16(201), []byte(""))
	f.Add(uint16(204), []byte(""))
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		code := 200 + int(status)%100
		v := new(RunnerVerification)
		err := decode(code, body, v)
		trimmed := string(bytes.TrimSpace(body))
		legacy := (trimmed == "" && code == 200) || trimmed == "200" || trimmed == `"200"`
		switch {
		case err != nil:
			if legacy {
				t.Fatalf("legacy answer %q (status %d) refused: %v", body, code, err)
			}
		case v.Legacy:
			if !legacy {
				t.Fatalf("%q (status %d) accepted as a legacy confirmation", body, code)
			}
		default:
			var obj map[string]json.RawMessage
			if !strings.HasPrefix(trimmed, "{") || json.Unmarshal([]byte(trimmed), &obj) != nil {
				t.Fatalf("%q (status %d) accepted, but it is not a JSON object", body, code)
			}
		}
	})
}

// FuzzDecodeList decodes arbitrary JSON as a list of runners, as the list
// calls do. Properties: never a panic; without an error, no element is nil
// (a null element is a DecodeError).
func FuzzDecodeList(f *testing.F) {
	for _, s := range []string{`[]`, `[{"id":1}]`, `[null]`, `[{"id":1},null]`, `[{"id":1}] [{"id":2}]`, `null`, `[{}]`, ` [ null , {"id":2} ] `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []*Runner
		err := decode(http.StatusOK, data, &got)
		if err != nil {
			return
		}
		for i, r := range got {
			if r == nil {
				t.Fatalf("element %d of %q decoded to nil without an error", i, data)
			}
		}
	})
}

// FuzzRedactEscaped hides the secret, \u-, \x- or Go-quote-escaped in part or
// whole, in arbitrary text. Property: after redaction, neither the text nor
// its escape-decoded form holds the secret.
func FuzzRedactEscaped(f *testing.F) {
	f.Add("prefix SECRET suffix", uint(7), uint(3), uint8(0))
	f.Add(`{"a":"SECRET","b":"\u0041 SECRET"}`, uint(2), uint(9), uint8(1))
	f.Add(`\\\"x\"`, uint(0), uint(0), uint8(2))
	f.Fuzz(func(t *testing.T, text string, pos, from uint, style uint8) {
		sec := fuzzSecret
		i := int(from % uint(len(sec)))
		var esc strings.Builder
		for _, r := range sec[i:] {
			switch style % 3 {
			case 0:
				fmt.Fprintf(&esc, `\u%04x`, r)
			case 1:
				fmt.Fprintf(&esc, `\x%02x`, r)
			default:
				q := strconv.Quote(string(r))
				esc.WriteString(q[1 : len(q)-1])
			}
		}
		hidden := sec[:i] + esc.String()
		p := int(pos % uint(len(text)+1))
		s := text[:p] + hidden + text[p:]
		out := redact(s, []string{sec})
		decoded, _ := unescape(out)
		if strings.Contains(out, sec) || strings.Contains(decoded, sec) {
			t.Fatalf("secret survives in %q (decoded %q)", out, decoded)
		}
	})
}
