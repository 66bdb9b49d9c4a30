package runnerapi

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProjectAndGroupRefSegments(t *testing.T) {
	for _, tc := range []struct {
		name string
		ref  ref
		want string
	}{
		{"numeric id", ProjectID(42).ref, "42"},
		{"large id", GroupID(9_007_199_254_740_993).ref, "9007199254740993"},
		{"nested path", ProjectPath("group/sub/project").ref, "group%2Fsub%2Fproject"},
		{"single segment", GroupPath("acme").ref, "acme"},
		{"leading and trailing slashes", ProjectPath("/group/sub/project/").ref, "group%2Fsub%2Fproject"},
		{"surrounding spaces", GroupPath("  acme/infra  ").ref, "acme%2Finfra"},
		{"inner space", ProjectPath("acme/my project").ref, "acme%2Fmy%20project"},
		{"query and fragment characters", ProjectPath("a?b#c").ref, "a%3Fb%23c"},
		{"percent sign", ProjectPath("a%2Fb").ref, "a%252Fb"},
		{"dots, dashes, underscores", ProjectPath("my.group/my-sub_group/proj.ect").ref, "my.group%2Fmy-sub_group%2Fproj.ect"},
		{"non-ASCII", GroupPath("grüße/проект").ref, "gr%C3%BC%C3%9Fe%2F%D0%BF%D1%80%D0%BE%D0%B5%D0%BA%D1%82"},
		{"semicolon and comma", ProjectPath("a;b,c").ref, "a%3Bb%2Cc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ref.segment("project")
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestProjectAndGroupRefsRejected(t *testing.T) {
	for _, tc := range []struct {
		name string
		ref  ref
	}{
		{"zero ProjectRef", ProjectRef{}.ref},
		{"zero GroupRef", GroupRef{}.ref},
		{"ProjectID 0", ProjectID(0).ref},
		{"ProjectID -1", ProjectID(-1).ref},
		{"GroupID -42", GroupID(-42).ref},
		{"empty path", ProjectPath("").ref},
		{"blank path", GroupPath("   ").ref},
		{"only slashes", ProjectPath("///").ref},
		{"dot", ProjectPath(".").ref},
		{"dot dot", GroupPath("..").ref},
		{"dot dot with slashes", ProjectPath("/../").ref},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ref.segment("group")
			require.Error(t, err)
			assert.Empty(t, got)
			assert.ErrorIs(t, err, ErrInvalidInput)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve))
			assert.Equal(t, "group", ve.Field)
		})
	}
}

func TestRefString(t *testing.T) {
	assert.Equal(t, "42", ProjectID(42).String())
	assert.Equal(t, "group/sub/project", ProjectPath("group/sub/project").String())
	assert.Equal(t, "7", GroupID(7).String())
	assert.Equal(t, "acme", GroupPath("acme").String())
}

// TestRefsOnTheWire proves the escaped segment reaches the server unchanged:
// GitLab needs %2F, not a decoded slash.
func TestRefsOnTheWire(t *testing.T) {
	ts := newTestServer(t)
	ts.Mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { serveJSON(w, 200, []byte(`[]`)) })
	ctx := context.Background()
	_, _, err := ts.Client.Runners.ListProjectRunners(ctx, ProjectPath("group/sub/project"), nil)
	require.NoError(t, err)
	assert.Equal(t, "/api/v4/projects/group%2Fsub%2Fproject/runners", ts.LastRequest(t).Path)
	_, _, err = ts.Client.Runners.ListGroupRunners(ctx, GroupPath("/acme/my infra/"), nil)
	require.NoError(t, err)
	assert.Equal(t, "/api/v4/groups/acme%2Fmy%20infra/runners", ts.LastRequest(t).Path)
	_, _, err = ts.Client.Runners.ListGroupRunners(ctx, GroupPath("a?b#c"), nil)
	require.NoError(t, err)
	assert.Equal(t, "/api/v4/groups/a%3Fb%23c/runners", ts.LastRequest(t).Path)
	assert.Empty(t, ts.LastRequest(t).Query, "a '?' in a path must not start a query")
}
