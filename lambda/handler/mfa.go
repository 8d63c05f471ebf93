package handler

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// removeMFA handles DELETE /users/{email}/mfa: it turns the user's TOTP off
// (AdminSetUserMFAPreference, enabled and preferred false), for a user who
// lost their authenticator. Where the pool makes MFA optional they then sign
// in with their password alone and may set TOTP up again; where it is
// required, Cognito asks them to set it up at their next sign-in. It is
// idempotent: a user without MFA is answered as is.
//
// An admin may do this to their own account: it weakens the account but
// cannot lock anyone out, and it is how an admin who lost their own device
// is helped by another (or by themselves from a still-open session).
func (h *Handler) removeMFA(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	// Read before the change, which is answered from it (see answerChanged).
	u, _, err := h.act(ctx, c, access.UsersMFA)
	if err != nil {
		return none, err
	}
	// Allowed, as devices get lost; but it is how a takeover of an
	// administrator would begin, so the audit line says so.
	if c.caller.grant.IsRoleHolder(u.Groups) {
		c.extra = append(c.extra, slog.String(auditlog.Notice, auditlog.NoticeRoleHolderMFARemoved))
	}
	_, err = h.cognito.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{
		UserPoolId:               &h.settings.UserPoolID,
		Username:                 &c.target,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false, PreferredMfa: false},
	})
	if err != nil {
		return none, err
	}
	return c.answerChanged(u, func(u *user) { u.MFAEnabled = aws.Bool(false) }), nil
}
