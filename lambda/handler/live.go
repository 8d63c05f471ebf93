package handler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/errgroup"
)

// checkAccount holds the caller's account to what the pool says now, since
// an ID token cannot be revoked: it must exist, be enabled, be confirmed (not
// waiting for a new password: see callerStatuses), and be in an admin group.
// Disabling an admin, resetting their password or taking their admin group
// away therefore takes effect on their next request. The two reads run
// concurrently, so the check costs about one Cognito round trip. Nothing is
// cached: a cache would let a revoked admin through for its lifetime. A
// Cognito failure refuses the request with that failure (429, 502, 504),
// never lets it through.
func (h *Handler) checkAccount(ctx context.Context, username string) (liveAccount, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		account         *cip.AdminGetUserOutput
		groups          []string
		getErr, listErr error
		g               errgroup.Group
	)
	g.Go(func() error {
		if groups, listErr = h.groupsOf(ctx, username); listErr != nil {
			cancel()
		}
		return nil
	})
	// On this goroutine, so that a panic in the call still reaches Handle's recover.
	if account, getErr = h.cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &h.settings.UserPoolID, Username: &username}); getErr != nil {
		cancel()
	}
	_ = g.Wait()

	// Either read may find the account gone; the other may then only report that it was cancelled.
	if is[*types.UserNotFoundException](getErr) || is[*types.UserNotFoundException](listErr) {
		return liveAccount{}, forbidden("caller_not_found", "the caller's account no longer exists")
	}
	if err := firstCause(getErr, listErr); err != nil {
		return liveAccount{}, fromCognito(err, false)
	}
	if !account.Enabled {
		return liveAccount{}, forbidden("caller_disabled", "the caller's account is disabled")
	}
	if !slices.Contains(callerStatuses, account.UserStatus) {
		return liveAccount{}, forbidden("caller_unconfirmed", fmt.Sprintf("the caller's account must set a new password first (status %s): sign in again to choose one", account.UserStatus))
	}
	// The roles these groups make, and the MFA rule, are authorize's to judge (lambda/access).
	live := liveAccount{groups: groups, mfa: mfaEnabled(account)}
	for _, a := range account.UserAttributes {
		if aws.ToString(a.Name) == "email" {
			live.email, _ = NormalizeEmail(aws.ToString(a.Value))
		}
	}
	return live, nil
}

// liveAccount is the caller's account as the pool holds it now.
type liveAccount struct {
	groups []string
	mfa    bool   // TOTP is set up
	email  string // normalised
}

// callerStatuses are the account states an admin may act in. A reset
// (RESET_REQUIRED), a new temporary password (FORCE_CHANGE_PASSWORD) or a
// leaked password (COMPROMISED) leaves tokens issued before it valid until
// they expire; whoever holds one must not keep acting as the account. Any
// other state is refused too, so a state Cognito adds later fails closed.
// EXTERNAL_PROVIDER is a federated account, which has no Cognito password.
var callerStatuses = []types.UserStatusType{types.UserStatusTypeConfirmed, types.UserStatusTypeExternalProvider}

// firstCause picks the error that stopped the check, over a cancellation it caused in the other read.
func firstCause(errs ...error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return cmp.Or(errs...)
}
