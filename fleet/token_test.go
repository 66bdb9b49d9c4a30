package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/runnerkit/runnerapi"
	"github.com/runnerkit/runnerapi/fleet"
	"github.com/runnerkit/runnerapi/runnerapitest"
)

const resetPath = "/runners/reset_authentication_token"

// tokenEnv seeds one runner whose token expires in expiresIn (nil: never).
func tokenEnv(t *testing.T, expiresIn *time.Duration) (*env, runnerapitest.Runner) {
	t.Helper()
	e := newEnv(t)
	r := e.srv.AddRunner(runnerapitest.RunnerSpec{})
	if expiresIn != nil {
		at := t0.Add(*expiresIn)
		require.NoError(t, e.srv.SetRunnerTokenExpiry(r.ID, &at))
	}
	return e, r
}

// stored records what the store function was given.
type stored struct {
	tokens []runnerapi.TokenWithExpiry
	err    error
}

func (s *stored) store(_ context.Context, tok runnerapi.TokenWithExpiry) error {
	s.tokens = append(s.tokens, tok)
	return s.err
}

// valid reports whether token verifies on the fake.
func valid(t *testing.T, e *env, token string) bool {
	t.Helper()
	_, _, err := e.srv.Client().Runners.Verify(context.Background(), token, nil)
	if err != nil {
		require.ErrorIs(t, err, runnerapi.ErrForbidden)
		return false
	}
	return true
}

func TestRenewTokenOutsideTheWindowSendsNoReset(t *testing.T) {
	in30d := 30 * day
	for name, exp := range map[string]*time.Duration{"expires in 30d": &in30d, "never expires": nil} {
		t.Run(name, func(t *testing.T) {
			e, r := tokenEnv(t, exp)
			var s stored
			rn, err := e.fleet.RenewToken(context.Background(), r.Token, 7*day, s.store, nil)
			require.NoError(t, err)
			assert.False(t, rn.Renewed)
			if exp != nil {
				require.NotNil(t, rn.ExpiresAt)
				assert.Equal(t, t0.Add(*exp), *rn.ExpiresAt)
			} else {
				assert.Nil(t, rn.ExpiresAt)
			}
			assert.Empty(t, s.tokens)
			assert.Empty(t, e.requests(http.MethodPost, resetPath))
			assert.True(t, valid(t, e, r.Token))
		})
	}
}

func TestRenewTokenInsideTheWindowRotates(t *testing.T) {
	in2d := 2 * day
	e, r := tokenEnv(t, &in2d)
	var s stored
	rn, err := e.fleet.RenewToken(context.Background(), r.Token, 7*day, s.store, &fleet.RenewOptions{SystemID: "s_host1"})
	require.NoError(t, err)
	assert.True(t, rn.Renewed)
	assert.False(t, rn.Retried)
	require.Len(t, s.tokens, 1)
	assert.Equal(t, rn.Token, s.tokens[0])
	assert.NotEqual(t, r.Token, rn.Token.Token)
	assert.True(t, valid(t, e, rn.Token.Token), "the stored token works")
	assert.False(t, valid(t, e, r.Token), "the old one is revoked")
	assert.Len(t, e.requests(http.MethodPost, resetPath), 1)
	assert.NotContains(t, fmt.Sprintf("%v %+v", rn, rn), rn.Token.Token, "printing a Renewal hides the token")
	st, _ := e.srv.Runner(r.ID)
	assert.Contains(t, st.Managers, "s_host1", "verified as the given manager")
}

func TestRenewTokenAfterCommitFailureIsTokenLost(t *testing.T) {
	for _, f := range []runnerapitest.Fault{
		{Status: http.StatusBadGateway, AfterCommit: true},
		{Reset: true, AfterCommit: true},
	} {
		t.Run(fmt.Sprintf("status %d reset %v", f.Status, f.Reset), func(t *testing.T) {
			in1h := time.Hour
			e, r := tokenEnv(t, &in1h)
			e.srv.AddFault(http.MethodPost, resetPath, 1, f)
			var s stored
			rn, err := e.fleet.RenewToken(context.Background(), r.Token, 7*day, s.store, nil)
			assert.Nil(t, rn)
			require.ErrorIs(t, err, fleet.ErrTokenLost)
			var lost *fleet.TokenLostError
			require.ErrorAs(t, err, &lost)
			assert.Empty(t, s.tokens)
			assert.Len(t, e.requests(http.MethodPost, resetPath), 1, "no retry once the token is lost")
			assert.False(t, valid(t, e, r.Token))
		})
	}
}

func TestRenewTokenPreCommitFailureRetriesOnce(t *testing.T) {
	in1h := time.Hour
	e, r := tokenEnv(t, &in1h)
	e.srv.AddFault(http.MethodPost, resetPath, 1, runnerapitest.Fault{Status: http.StatusBadGateway})
	var s stored
	rn, err := e.fleet.RenewToken(context.Background(), r.Token, 7*day, s.store, nil)
	require.NoError(t, err)
	assert.True(t, rn.Renewed)
	assert.True(t, rn.Retried)
	require.Len(t, s.tokens, 1)
	assert.True(t, valid(t, e, s.tokens[0].Token))
	assert.Len(t, e.requests(http.MethodPost, resetPath), 2)
}

func TestRenewTokenRetriesOnlyOnce(t *testing.T) {
	in1h := time.Hour
	e, r := tokenEnv(t, &in1h)
	e.srv.AddFault(http.MethodPost, resetPath, 5, runnerapitest.Fault{Status: http.StatusServiceUnavailable})
	var s stored
	_, err := e.fleet.RenewToken(context.Background(), r.Token, 7*day, s.store, nil)
	require.ErrorIs(t, err, runnerapi.ErrServer)
	assert.NotErrorIs(t, err, fleet.ErrTokenLost)
	assert.ErrorContains(t, err, "failed twice")
	assert.Len(t, e.requests(http.MethodPost, resetPath), 2)
	assert.True(t, valid(t, e, r.Token), "nothing changed")
}

func TestRenewTokenDefiniteFailureIsNotRetried(t *testing.T) {
	in1h := time.Hour
	e, r := tokenEnv(t, &in1h)
	e.srv.AddFault(http.MethodPost, resetPath, 1, runnerapitest.Fault{Status: http.StatusUnprocessableEntity})
	_, err := e.fleet.RenewToken(context.Background(), r.Token, 7*day, (&stored{}).store, nil)
	require.ErrorIs(t, err, runnerapi.ErrUnprocessable)
	assert.Len(t, e.requests(http.MethodPost, resetPath), 1)
	assert.Len(t, e.requests(http.MethodPost, "/runners/verify"), 1, "no second verify")
}

func TestRenewTokenStoreFailureCarriesTheNewToken(t *testing.T) {
	in1h := time.Hour
	e, r := tokenEnv(t, &in1h)
	disk := errors.New("read-only file system")
	s := stored{err: disk}
	rn, err := e.fleet.RenewToken(context.Background(), r.Token, 7*day, s.store, nil)
	require.ErrorIs(t, err, disk)
	var se *fleet.StoreError
	require.ErrorAs(t, err, &se)
	assert.True(t, valid(t, e, se.Token.Token), "the error holds the only copy of the new token")
	assert.Equal(t, se.Token, rn.Token)
	assert.NotContains(t, err.Error(), se.Token.Token)
}

func TestRenewTokenInvalidToken(t *testing.T) {
	e, _ := tokenEnv(t, nil)
	_, err := e.fleet.RenewToken(context.Background(), "glrt-not-a-token", time.Hour, (&stored{}).store, nil)
	require.ErrorIs(t, err, runnerapi.ErrForbidden)
	assert.NotContains(t, err.Error(), "glrt-not-a-token")
	assert.Empty(t, e.requests(http.MethodPost, resetPath))
}

func TestRenewTokenValidates(t *testing.T) {
	e, r := tokenEnv(t, nil)
	s := (&stored{}).store
	tests := []struct {
		field  string
		token  string
		before time.Duration
		store  fleet.TokenStore
	}{
		{"token", "", time.Hour, s},
		{"before", r.Token, -time.Hour, s},
		{"store", r.Token, time.Hour, nil},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			_, err := e.fleet.RenewToken(context.Background(), tt.token, tt.before, tt.store, nil)
			var ve *runnerapi.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
		})
	}
	assert.Empty(t, e.srv.Requests())
}
