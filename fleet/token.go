package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/runnerkit/runnerapi"
)

// TokenStore saves a runner's new authentication token, for example in the
// runner's config.toml or a secret manager. RenewToken calls it before it
// returns.
type TokenStore func(ctx context.Context, token runnerapi.TokenWithExpiry) error

// RenewOptions tunes RenewToken. A nil *RenewOptions takes every default.
type RenewOptions struct {
	// SystemID is the runner manager's system ID, sent with the verification
	// (GitLab otherwise records the contact for a "<legacy>" manager).
	SystemID string
}

// Renewal is the result of RenewToken. Printing it does not show the token.
type Renewal struct {
	// Renewed says whether the token was reset; Token is then the new token.
	Renewed bool
	Token   runnerapi.TokenWithExpiry
	// ExpiresAt is when the token in use after the call expires; nil for never
	// (or a server that does not say).
	ExpiresAt *time.Time
	// Retried says the reset was sent a second time after an ambiguous failure
	// that provably changed nothing.
	Retried bool
}

// ErrTokenLost matches a *TokenLostError.
var ErrTokenLost = errors.New("fleet: runner token lost")

// TokenLostError reports a reset that GitLab carried out although its answer
// was lost: the old token is revoked and the new one was never received. The
// runner must be registered (created) again.
type TokenLostError struct {
	// Err is the failure of the reset request.
	Err error
}

// Error explains the loss without any token.
func (e *TokenLostError) Error() string {
	return "fleet: the runner token was reset but the answer was lost (old token revoked, new token unknown; re-create the runner): " + e.Err.Error()
}

// Is matches ErrTokenLost.
func (e *TokenLostError) Is(target error) bool { return target == ErrTokenLost }

// Unwrap returns the failure of the reset request.
func (e *TokenLostError) Unwrap() error { return e.Err }

// StoreError reports that the store function failed after GitLab issued a
// new token. The old token no longer works; Token is the only copy of the
// new one. Its Error never shows the token.
type StoreError struct {
	Token runnerapi.TokenWithExpiry
	Err   error
}

// Error explains the failure without the token.
func (e *StoreError) Error() string {
	return "fleet: the new runner token was issued but storing it failed (it is in StoreError.Token): " + e.Err.Error()
}

// Unwrap returns the store function's error.
func (e *StoreError) Unwrap() error { return e.Err }

// RenewToken renews a runner's own authentication token when it is about to
// expire. It verifies token (POST /runners/verify); if the token expires
// within before, it resets it (POST /runners/reset_authentication_token)
// and calls store with the new token before returning. A token that never
// expires, or a server that does not tell, is left alone.
//
// A reset can fail ambiguously (a 5xx, or no answer): GitLab may or may not
// have replaced the token. RenewToken then verifies the old token: if it is
// still valid nothing happened and the reset is sent once more; if it is
// revoked the new token is lost and RenewToken returns a *TokenLostError
// (ErrTokenLost) without retrying. If store fails, the *StoreError carries
// the new token. Any client works: these endpoints authenticate with the
// runner token alone and the client's user credentials are not sent. Each
// verification counts as a contact of the runner (of the manager named by
// opts.SystemID, else of GitLab's "<legacy>" manager).
func (f *Fleet) RenewToken(ctx context.Context, token string, before time.Duration, store TokenStore, opts *RenewOptions) (*Renewal, error) {
	switch {
	case token == "":
		return nil, &runnerapi.ValidationError{Field: "token", Reason: "must not be empty"}
	case before < 0:
		return nil, &runnerapi.ValidationError{Field: "before", Reason: before.String() + " is negative"}
	case store == nil:
		return nil, &runnerapi.ValidationError{Field: "store", Reason: "must not be nil"}
	}
	verify := &runnerapi.VerifyRunnerOptions{}
	if opts != nil && opts.SystemID != "" {
		verify.SystemID = runnerapi.Ptr(opts.SystemID)
	}
	v, _, err := f.client.Runners.Verify(ctx, token, verify)
	if err != nil {
		return nil, fmt.Errorf("fleet: verify runner token: %w", err)
	}
	if v.TokenExpiresAt == nil || v.TokenExpiresAt.Sub(f.clock.Now()) > before {
		return &Renewal{ExpiresAt: v.TokenExpiresAt}, nil
	}
	rn := &Renewal{}
	for attempt := 1; ; attempt++ {
		nt, _, err := f.client.Runners.ResetAuthenticationTokenWithToken(ctx, token)
		if err == nil {
			rn.Renewed, rn.Token, rn.ExpiresAt = true, *nt, nt.TokenExpiresAt
			if err := store(ctx, *nt); err != nil {
				return rn, &StoreError{Token: *nt, Err: err}
			}
			return rn, nil
		}
		if !ambiguous(err) {
			return nil, fmt.Errorf("fleet: reset runner token: %w", err)
		}
		// Did the reset take effect? The old token tells.
		_, _, verr := f.client.Runners.Verify(ctx, token, verify)
		switch {
		case errors.Is(verr, runnerapi.ErrForbidden):
			return nil, &TokenLostError{Err: err}
		case verr != nil:
			return nil, fmt.Errorf("fleet: reset runner token: outcome unknown: %w (checking the old token: %w)", err, verr)
		case attempt == 2:
			return nil, fmt.Errorf("fleet: reset runner token failed twice, the old token is still valid: %w", err)
		}
		rn.Retried = true
	}
}

// ambiguous reports whether a failed POST may have taken effect: a server
// error, or a request that got no answer.
func ambiguous(err error) bool {
	var re *runnerapi.RequestError
	return errors.Is(err, runnerapi.ErrServer) || errors.As(err, &re)
}
