package runnerapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
)

// runnerListCases are answers to a list call. fast marks those the fast
// path must decode itself; every other one it must leave to encoding/json.
var runnerListCases = []struct {
	name string
	doc  string
	fast bool
}{
	{"empty", `[]`, true},
	{"empty with space", " \t\r\n[ \n ] \n", true},
	{"empty object", `[{}]`, true},
	{"benchmark page", string(runnersPage(100)), true},
	{"newest server", string(mustRead("testdata/runners/list_newest.json")), true},
	{"old server", string(mustRead("testdata/runners/list.json")), true},
	{"all fields", `[{"id":7,"description":"d","ip_address":"10.0.0.1","active":false,"paused":true,"is_shared":false,` +
		`"runner_type":"group_type","name":"n","online":false,"status":"paused","job_execution_status":"active",` +
		`"created_by":{"id":1,"username":"u","name":"N","state":"active","locked":true,"avatar_url":"a","avatar_path":"p",` +
		`"web_url":"w","created_at":"2024-01-01T00:00:00Z","bio":"b","location":"l","public_email":"e","skype":"s",` +
		`"linkedin":"li","twitter":"t","discord":"di","github":"g","website_url":"ws","organization":"o","job_title":"j",` +
		`"pronouns":"pr","bot":true,"work_information":"wi","local_time":"3:04 PM","followers":3,"following":4,` +
		`"is_followed":true,"custom_attributes":[{"key":"k","value":"v"}]},"created_at":"2025-01-02T03:04:05.678+02:00"}]`, true},
	{"repeated keys, last wins", `[{"name":"a","name":"b","online":true,"online":null,"active":true,"active":false,` +
		`"created_at":"2025-01-01T00:00:00Z","created_at":null,"created_at":"2025-02-01T00:00:00Z","id":1,"id":2,` +
		`"created_by":{"id":1},"created_by":null}]`, true},
	{"null keeps the value before it", `[{"name":"a","name":null,"id":3,"id":null,"paused":true,"paused":null,` +
		`"status":"online","status":null}]`, true},
	{"nulls", `[{"id":null,"description":null,"ip_address":null,"active":null,"paused":null,"is_shared":null,` +
		`"runner_type":null,"name":null,"online":null,"status":null,"job_execution_status":null,"created_by":null,"created_at":null}]`, true},
	{"escapes", `[{"description":"caf\u00e9 \"q\" \/ \\ \b\f\n\r\t \ud83d\ude00 \ud800","name":"é\u2028",` +
		`"ip_address":"x\u0000y","status":"st\u0061le","created_by":{"name":"\u003cb\u003e"}}]`, true},
	{"escaped and raw in turn", `[{"name":"\u0061","name":"b","description":"c","description":"\u0064"}]`, true},
	{"invalid UTF-8", "[{\"description\":\"a\xffb\",\"name\":\"\xed\xa0\x80\"}]", true},
	{"valid UTF-8", `[{"description":"日本語 ü €","name":"🙂"}]`, true},
	{"unknown values", `[{"future":{"a":[1,-2.5e+3,0.1E-2,{"b":null}],"c":[]},"f2":true,"f3":false,"f4":"s\"x","f5":-0,"id":1}]`, true},
	{"unknown enum values", `[{"runner_type":"future_type","status":"new","job_execution_status":"warming_up"}]`, true},
	{"ids", `[{"id":0},{"id":-0},{"id":-42},{"id":999999999999999999},{"id":-999999999999999999}]`, true},
	{"empty strings", `[{"description":"","name":"","ip_address":""}]`, true},
	{"space everywhere", " [ { \"id\" : 1 , \"name\" :\n\"x\"\t} ,\r\n{ } ] ", true},

	{"null list", `null`, false},
	{"object", `{"id":1}`, false},
	{"null element", `[null]`, false},
	{"null later element", `[{"id":1},null]`, false},
	{"upper-case key", `[{"ID":1}]`, false},
	{"mixed-case key", `[{"Name":"x"}]`, false},
	{"mixed-case user key", `[{"created_by":{"UserName":"x"}}]`, false},
	{"non-ASCII key", `[{"ſtatus":"online"}]`, false},
	{"Kelvin key", "[{\"loc\u212aed\":true}]", false},
	{"escaped key", `[{"\u0069d":5}]`, false},
	{"id as string", `[{"id":"1"}]`, false},
	{"id as fraction", `[{"id":1.5}]`, false},
	{"id with exponent", `[{"id":1e2}]`, false},
	{"id of 19 digits", `[{"id":1234567890123456789}]`, false},
	{"id out of range", `[{"id":12345678901234567890}]`, false},
	{"id as bool", `[{"id":true}]`, false},
	{"string as number", `[{"name":5}]`, false},
	{"bool as string", `[{"online":"yes"}]`, false},
	{"bool as number", `[{"paused":1}]`, false},
	{"bad timestamp", `[{"created_at":"yesterday"}]`, false},
	{"timestamp as number", `[{"created_at":5}]`, false},
	{"enum as number", `[{"runner_type":5}]`, false},
	{"enum as object", `[{"status":{}}]`, false},
	{"user as string", `[{"created_by":"root"}]`, false},
	{"user with a bad id", `[{"created_by":{"id":"x"}}]`, false},
	{"users merged", `[{"created_by":{"id":1,"name":"a"},"created_by":{"username":"b"}}]`, false},
	{"bad custom attributes", `[{"created_by":{"custom_attributes":{"k":"v"}}}]`, false},
	{"trailing data", `[{}] x`, false},
	{"second value", `[{}] []`, false},
	{"extra bracket", `[{}]]`, false},
	{"trailing comma in list", `[{},]`, false},
	{"trailing comma in object", `[{"id":1,}]`, false},
	{"leading zero", `[{"a":01}]`, false},
	{"bad literal", `[{"a":tru}]`, false},
	{"literal run on", `[{"a":truex}]`, false},
	{"bad number", `[{"a":-}]`, false},
	{"bad fraction", `[{"a":1.}]`, false},
	{"bad exponent", `[{"a":1e}]`, false},
	{"control character", "[{\"a\":\"\x01\"}]", false},
	{"bad escape", `[{"a":"\x"}]`, false},
	{"short unicode escape", `[{"a":"\u12"}]`, false},
	{"unterminated string", `[{"a":"x`, false},
	{"cut", `[{"id":1`, false},
	{"missing colon", `[{"id" 1}]`, false},
	{"byte order mark", "\ufeff[]", false},
	{"deep nesting", `[{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]`, false},
}

func mustRead(name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// checkLikeEncodingJSON decodes doc with the client's decode and with
// json.Unmarshal alone and fails unless both give the same value and the same error.
func checkLikeEncodingJSON(t *testing.T, doc []byte) {
	t.Helper()
	var got, want []*Runner
	gotErr := unmarshal(doc, &got)
	wantErr := json.Unmarshal(doc, &want)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%q: error %v, encoding/json %v", doc, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\ngot  %s\nwant %s", doc, dumpRunners(got), dumpRunners(want))
	}
}

func dumpRunners(rs []*Runner) string {
	b, _ := json.Marshal(rs)
	return string(b)
}

func TestRunnerListFastPathDecodesLikeEncodingJSON(t *testing.T) {
	for _, tc := range runnerListCases {
		t.Run(tc.name, func(t *testing.T) {
			checkLikeEncodingJSON(t, []byte(tc.doc))
			var v []*Runner
			if fast := decodeRunnerList([]byte(tc.doc), &v); fast != tc.fast {
				t.Fatalf("fast path taken: %v, want %v", fast, tc.fast)
			}
			if !tc.fast && v != nil {
				t.Fatalf("the fast path gave up but changed the result: %v", v)
			}
		})
	}
}

// An existing list is decoded into as encoding/json does (it reuses the
// elements), so it is left to encoding/json.
func TestRunnerListFastPathLeavesExistingListsAlone(t *testing.T) {
	old := &Runner{ID: 1, Name: "kept"}
	got := []*Runner{old}
	want := []*Runner{{ID: 1, Name: "kept"}}
	doc := []byte(`[{"id":2}]`)
	if err := unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || got[0] != old {
		t.Fatalf("got %s, want %s in the same element", dumpRunners(got), dumpRunners(want))
	}
}

// The runners of one answer share no mutable state: each has its own flags and timestamps.
func TestRunnerListFastPathRunnersAreIndependent(t *testing.T) {
	var rs []*Runner
	doc := []byte(`[{"id":1,"active":true,"online":true,"created_at":"2025-01-01T00:00:00Z"},` +
		`{"id":2,"active":true,"online":true,"created_at":"2025-01-01T00:00:00Z"}]`)
	if !decodeRunnerList(doc, &rs) {
		t.Fatal("fast path not taken")
	}
	*rs[0].Active, *rs[0].Online = false, false
	*rs[0].CreatedAt = rs[0].CreatedAt.AddDate(1, 0, 0)
	if !*rs[1].Active || !*rs[1].Online || rs[1].CreatedAt.Year() != 2025 {
		t.Fatalf("changing one runner changed another: %+v", rs[1])
	}
}

// TestRunnerListDecodeAllocations keeps the cost of a list page from
// growing back: two allocations per runner (the Runner with its flags and
// timestamp, one string for its string fields), three with a creator, and a
// few per page.
func TestRunnerListDecodeAllocations(t *testing.T) {
	for _, tc := range []struct {
		name     string
		page     []byte
		runners  int
		creators int
	}{
		{"benchmark page", runnersPage(benchPageSize), benchPageSize, benchPageSize / 10},
		{"newest server", mustRead("testdata/runners/list_newest.json"), 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const perPage = 4
			budget := float64(2*tc.runners + tc.creators + perPage)
			allocs := testing.AllocsPerRun(20, func() {
				var v []*Runner
				if err := decode(http.StatusOK, tc.page, &v); err != nil || len(v) != tc.runners {
					t.Fatalf("decoded %d runners, err %v", len(v), err)
				}
			})
			t.Logf("%v allocations for %d runners (budget %v)", allocs, tc.runners, budget)
			if allocs > budget {
				t.Fatalf("%v allocations for %d runners, budget %v", allocs, tc.runners, budget)
			}
		})
	}
}

// FuzzRunnerListFastPath: whatever the body, the client's decode of a
// runner list gives exactly what json.Unmarshal gives, value and error.
func FuzzRunnerListFastPath(f *testing.F) {
	for _, tc := range runnerListCases {
		f.Add([]byte(tc.doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkLikeEncodingJSON(t, doc)
	})
}

// The body is a pooled buffer, reused after decoding: no decoded value may
// point into it.
func TestRunnerListFastPathKeepsNothingOfTheBody(t *testing.T) {
	page := runnersPage(benchPageSize)
	body := append([]byte(nil), page...)
	var got, want []*Runner
	if !decodeRunnerList(body, &got) {
		t.Fatal("fast path not taken")
	}
	for i := range body {
		body[i] = 'x'
	}
	if err := json.Unmarshal(page, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("overwriting the body changed the runners:\n%s", dumpRunners(got[:2]))
	}
}
