package runnerapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// fillAll sets every field of the struct v points to, recursively, to a
// non-zero value derived from its position, so that a field the fast path
// does not know shows up as a difference.
func fillAll(t *testing.T, v reflect.Value, seed int) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type() == reflect.TypeFor[*time.Time]() {
			ts := time.Date(2026, 11, 1, 10, 0, seed%60, 123000000, time.UTC)
			v.Set(reflect.ValueOf(&ts))
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(t, v.Elem(), seed)
	case reflect.Struct:
		for i := range v.NumField() {
			fillAll(t, v.Field(i), seed*31+i+1)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(t, v.Index(0), seed+1)
	case reflect.String:
		v.SetString("v" + string(rune('a'+seed%26)))
	case reflect.Int64, reflect.Int:
		v.SetInt(int64(seed))
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("fillAll: no rule for %s", v.Type())
	}
}

// TestRunnerListFastPathKnowsEveryField: a runner (with its creator) with
// every field set decodes on the fast path to exactly what was encoded. A
// field added to Runner or User that the fast path skips fails here.
func TestRunnerListFastPathKnowsEveryField(t *testing.T) {
	var want []*Runner
	for i := range 3 {
		var r Runner
		fillAll(t, reflect.ValueOf(&r).Elem(), i+1)
		want = append(want, &r)
	}
	body, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got []*Runner
	if !decodeRunnerList(body, &got) {
		t.Fatalf("the fast path gave up on %s", body)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		t.Fatalf("fast path lost fields:\n got %s\nwant %s", g, body)
	}
}
