package runnerapi

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChangelog: CHANGELOG.md keeps Keep a Changelog's layout (an
// Unreleased section naming this Version, the change types in their order)
// and its table of the input rule lists every method of both services
// (iterators take their method's arguments) with the options struct the
// method really takes.
func TestChangelog(t *testing.T) {
	b, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	text := string(b)

	unreleased, _, ok := strings.Cut(text[strings.Index(text, "## [Unreleased]"):], "\n## [")
	require.True(t, ok, "an Unreleased section followed by a released one")
	assert.Contains(t, unreleased, `"`+Version+`"`, "the Unreleased section names the Version it becomes")
	var order []string
	for _, m := range regexp.MustCompile(`(?m)^### (\w+)$`).FindAllStringSubmatch(unreleased, -1) {
		order = append(order, m[1])
	}
	kac := []string{"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
	last := -1
	for _, h := range order {
		i := indexOf(kac, h)
		require.GreaterOrEqual(t, i, 0, "### %s is not a Keep a Changelog change type", h)
		assert.Greater(t, i, last, "### %s is out of Keep a Changelog's order %v", h, kac)
		last = i
	}
	assert.Regexp(t, `(?m)^## \[0\.1\.0\] - \d{4}-\d{2}-\d{2}$`, text, "released versions carry their date")

	// Rows of the input-rule table: | `Service.Method`, `Method2` | required | options |
	rowRE := regexp.MustCompile("(?m)^\\| (`(Runners|RunnerControllers)\\.[^|]+)\\|[^|]+\\| ([^|]+) \\|$")
	nameRE := regexp.MustCompile("`(?:(?:Runners|RunnerControllers)\\.)?([A-Z]\\w+)`")
	optRE := regexp.MustCompile("`\\*(\\w+Options)`")
	listed := map[string]string{} // "Runners.Get" -> "GetRunnerOptions" or ""
	for _, row := range rowRE.FindAllStringSubmatch(text, -1) {
		opt := ""
		if m := optRE.FindStringSubmatch(row[3]); m != nil {
			opt = m[1]
		}
		for _, n := range nameRE.FindAllStringSubmatch(row[1], -1) {
			listed[row[2]+"."+n[1]] = opt
		}
	}
	for _, sm := range serviceMethods() {
		if strings.HasSuffix(sm.m.Name, "Iter") {
			continue
		}
		key := strings.TrimSuffix(strings.SplitN(sm.name, ".", 2)[0], "Service") + "." + sm.m.Name
		opt, ok := listed[key]
		if !assert.True(t, ok, "CHANGELOG's input-rule table lacks %s", key) {
			continue
		}
		want := ""
		for i := 1; i < sm.m.Type.NumIn(); i++ {
			if in := sm.m.Type.In(i); in.Kind() == reflect.Pointer && strings.HasSuffix(in.Elem().Name(), "Options") {
				want = in.Elem().Name()
			}
		}
		assert.Equal(t, want, opt, "CHANGELOG's input-rule table gives %s the wrong options struct", key)
		delete(listed, key)
	}
	assert.Empty(t, listed, "CHANGELOG's input-rule table lists methods that do not exist")
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
