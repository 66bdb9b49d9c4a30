package exampleenv

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedactTokenKeepsOnlyThePublicPrefix(t *testing.T) {
	tests := []struct {
		token, want string
	}{
		{"glrt-t1_0123456789abcdef01234567", "glrt-t1_****** (32 chars, redacted)"},
		{"glrt-0123456789abcdef", "glrt-****** (21 chars, redacted)"},
		{"glrct-0123456789abcdef", "glrct-****** (22 chars, redacted)"},
		{"0123456789abcdef", "****** (16 chars, redacted)"},
		{"averyveryverylongprefix-secret", "****** (30 chars, redacted)"},
		{"", "(none)"},
	}
	for _, tt := range tests {
		got := RedactToken(tt.token)
		assert.Equal(t, tt.want, got)
		if len(tt.token) > 8 {
			assert.NotContains(t, got, tt.token[len(tt.token)-6:], "secret part leaked")
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(-d); return &v }
	assert.Equal(t, "never", Ago(now, nil))
	assert.Equal(t, "just now", Ago(now, at(-time.Second)))
	assert.Equal(t, "42s ago", Ago(now, at(42*time.Second)))
	assert.Equal(t, "3m ago", Ago(now, at(3*time.Minute+10*time.Second)))
	assert.Equal(t, "47h ago", Ago(now, at(47*time.Hour)))
	assert.Equal(t, "45d ago", Ago(now, at(45*24*time.Hour)))
}

func TestConnectChoosesTheBackend(t *testing.T) {
	t.Setenv("GITLAB_URL", "")
	t.Setenv("GITLAB_TOKEN", "")
	b, err := Connect()
	require.NoError(t, err)
	t.Cleanup(b.Close)
	assert.False(t, b.Real())
	assert.True(t, strings.HasPrefix(b.Describe(), "Backend: embedded fake GitLab with demo data at http://127.0.0.1:"))

	t.Setenv("GITLAB_URL", "https://gitlab.example.com/gitlab/api/v4")
	t.Setenv("GITLAB_TOKEN", "glpat-secret-value")
	b, err = Connect()
	require.NoError(t, err)
	assert.True(t, b.Real())
	assert.Equal(t, "Backend: GitLab at https://gitlab.example.com/gitlab (from GITLAB_URL and GITLAB_TOKEN)", b.Describe())
	assert.NotContains(t, b.Describe(), "secret")

	t.Setenv("GITLAB_TOKEN", "")
	_, err = Connect()
	require.ErrorContains(t, err, "set both GITLAB_URL and GITLAB_TOKEN")
}
