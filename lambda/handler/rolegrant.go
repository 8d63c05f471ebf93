package handler

import (
	"context"
	"log/slog"
	"net/http"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// A role is only ever held with a credential the user's mailbox holds.
//
// Granting a role could otherwise finish a takeover: an admin demotes a
// fellow admin (other admins remain), gives them a chosen temporary password
// (allowed: they hold no role now), grants the role back, and signs in as
// them. Cognito cannot tell a password an admin chose from one it emailed,
// so the grant itself replaces the credential: a confirmed user gets a reset
// code by email, a user who has not signed in yet a new temporary password
// by email, and every session ends. Whatever password anyone chose before
// the grant is then worthless.

// credentialStatuses are the states a role can be granted in; in any other
// (ARCHIVED, COMPROMISED, UNKNOWN) the credential cannot be handed back to
// the mailbox, so the grant is refused.
var credentialStatuses = []types.UserStatusType{
	types.UserStatusTypeConfirmed,
	types.UserStatusTypeForceChangePassword,
	types.UserStatusTypeResetRequired,
	types.UserStatusTypeExternalProvider,
}

// grantable refuses, before anything changes, a role grant to a user whose
// credential cannot be rotated.
func grantable(out *cip.AdminGetUserOutput) error {
	if !slices.Contains(credentialStatuses, out.UserStatus) {
		return newError(http.StatusConflict, "UnsupportedUserState", "a role cannot be granted to a user in status %s", out.UserStatus)
	}
	return nil
}

// rotateForRole hands the credential of a user just granted a role back to
// their mailbox and ends their sessions. It answers the status the user is
// left in. A failed sign-out is logged and audited (signed_out:false), as
// after a password reset: the credential is replaced by then.
func (h *Handler) rotateForRole(ctx context.Context, c *call, out *cip.AdminGetUserOutput) (types.UserStatusType, error) {
	username := aws.ToString(out.Username)
	if username == "" {
		username = c.target
	}
	status := out.UserStatus
	switch status {
	case types.UserStatusTypeConfirmed:
		if _, err := h.cognito.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &h.settings.UserPoolID, Username: &username}); err != nil {
			return "", err
		}
		status = types.UserStatusTypeResetRequired
		c.extra = append(c.extra, slog.String("credential", "reset_emailed"))
	case types.UserStatusTypeForceChangePassword:
		pw, err := h.settings.Password.Generate(nil)
		if err != nil {
			return "", err
		}
		if _, err := h.cognito.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: &h.settings.UserPoolID, Username: &username, Password: &pw, Permanent: false,
		}); err != nil {
			return "", err
		}
		if _, err := h.emailInvitation(ctx, username, &pw); err != nil {
			return "", err
		}
		c.invited = true
		c.extra = append(c.extra, slog.String("credential", "temporary_emailed"))
	default:
		// RESET_REQUIRED: only the mailbox holds the pending code.
		// EXTERNAL_PROVIDER: the identity provider holds the credential.
	}
	h.endSessionsAfterPassword(ctx, c)
	return status, nil
}

// ungrant takes back a role whose credential could not be rotated: the
// caller may know the password it was granted with.
func (h *Handler) ungrant(ctx context.Context, c *call, username string) {
	_ = h.compensate(ctx, c, "a role was granted but its holder's credential could not be replaced: remove the user from the role's group",
		func(ctx context.Context) error {
			_, err := h.cognito.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: &h.settings.UserPoolID, Username: &username, GroupName: &c.group})
			return err
		})
}
