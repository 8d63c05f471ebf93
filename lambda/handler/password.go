package handler

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// passwordStatuses are the states in which a user has a password of their
// own that an admin may reset or replace. FORCE_CHANGE_PASSWORD users have
// only the invitation's, which the invitation route renews; federated and
// unconfirmed users have none Cognito lets an admin touch.
var passwordStatuses = []types.UserStatusType{
	types.UserStatusTypeConfirmed,
	types.UserStatusTypeResetRequired,
	types.UserStatusTypeCompromised,
}

// password handles POST /users/{email}/password.
//
// reset: AdminResetUserPassword. Cognito emails the user a code, and they
// choose a new password at their next sign-in.
//
// Either mode then signs the user out everywhere (endSessionsAfterPassword).
//
// temporary: AdminSetUserPassword with Permanent=false puts the user back
// to FORCE_CHANGE_PASSWORD with the given or a generated password; that call
// emails nothing, so with sendInvitation the invitation is then sent again
// (AdminCreateUser RESEND, which Cognito allows exactly in that state) with
// the same password. A generated password that is not emailed would be known
// to nobody, so that combination is refused before anything changes.
func (h *Handler) password(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	r, err := decodePassword(c.req)
	if err != nil {
		return none, err
	}
	c.extra = append(c.extra, slog.String("mode", r.mode))
	if r.mode == "temporary" {
		c.extra = append(c.extra, slog.Bool("generated", r.temporaryPassword == nil), slog.Bool("send_invitation", r.sendInvitation))
	}
	if r.temporaryPassword != nil {
		if err := h.settings.Password.Check(*r.temporaryPassword); err != nil {
			return none, newError(http.StatusBadRequest, "InvalidPassword", "temporaryPassword %v", err)
		}
	}
	mode := access.PasswordMode(r.mode)
	if err := c.need(access.PasswordPermission(mode)); err != nil {
		return none, err
	}
	u, out, err := h.target(ctx, c, func(g access.Grant, groups []string) error {
		return g.Password(mode, r.temporaryPassword != nil, r.sendInvitation, groups)
	})
	if err != nil {
		return none, err
	}
	if h.isCaller(c, out) {
		return none, newError(http.StatusForbidden, "CannotModifySelf",
			"admins cannot reset or replace their own password through this API; change it by signing in (Cognito's ChangePassword)")
	}
	switch {
	case out.UserStatus == types.UserStatusTypeForceChangePassword:
		return none, newError(http.StatusConflict, "InvitationPending",
			"the user has not set a password yet (status FORCE_CHANGE_PASSWORD): send a new invitation with POST /users/{email}/invitation instead")
	case !slices.Contains(passwordStatuses, out.UserStatus):
		return none, newError(http.StatusConflict, "UnsupportedUserState", "the user's password cannot be reset in status %s", out.UserStatus)
	case !out.Enabled:
		return none, newError(http.StatusConflict, "UserDisabled", "the user is disabled: enable them first, then reset the password")
	}
	// u was read before the change, which is answered from it (see answerChanged).
	if r.mode == "reset" {
		if _, err := h.cognito.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target}); err != nil {
			return none, err
		}
		h.endSessionsAfterPassword(ctx, c)
		return c.answerChanged(u, func(u *user) { u.Status = string(types.UserStatusTypeResetRequired) }), nil
	}

	pw := r.temporaryPassword
	if pw == nil {
		generated, err := h.settings.Password.Generate(nil)
		if err != nil {
			return none, fmt.Errorf("generating a temporary password: %w", err)
		}
		pw = &generated
	}
	if _, err := h.cognito.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &h.settings.UserPoolID, Username: &c.target, Password: pw, Permanent: false,
	}); err != nil {
		return none, err
	}
	h.endSessionsAfterPassword(ctx, c)
	if r.sendInvitation {
		if _, err := h.emailInvitation(ctx, c.target, pw); err != nil {
			// The password is already replaced; say so, and how to get the email out.
			e := fromCognito(err, false)
			e.message += "; the temporary password was set but not emailed: send it with POST /users/{email}/invitation"
			return none, e
		}
		// Counted as a resend's is, by the Invitations metric that watches the daily email cap.
		c.invited = true
	}
	return c.answerChanged(u, func(u *user) { u.Status = string(types.UserStatusTypeForceChangePassword) }), nil
}

// endSessionsAfterPassword signs the user out everywhere once their
// password is reset or replaced: whoever held their old password (the reason
// for a reset, often) must not keep a session that outlives it. The change
// is made by then, so a failed sign-out is logged and audited
// (signed_out:false), not answered as a failure, as for a disable.
func (h *Handler) endSessionsAfterPassword(ctx context.Context, c *call) {
	if err := h.endSessions(ctx, c.target); err != nil {
		c.signOutFailed = true
		h.log.ErrorContext(ctx, "global sign-out after a password change failed: the password is changed, but Cognito may still hold the user's refresh tokens",
			"target", c.target, "request_id", c.req.RequestContext.RequestID, "error", err.Error())
	}
}

// isCaller reports whether the user read is the caller's own account: by
// sub (the username), or by email when the token has no matching sub.
func (h *Handler) isCaller(c *call, out *cip.AdminGetUserOutput) bool {
	target := newUser(out.Username, out.UserAttributes, out.UserStatus, out.Enabled, nil, nil, nil)
	email, _ := NormalizeEmail(target.Email)
	return target.Username == c.caller.sub || (c.caller.email != "" && email == c.caller.email)
}

// passwordRequest is a decoded POST /users/{email}/password body.
type passwordRequest struct {
	mode              string // reset or temporary
	temporaryPassword *string
	sendInvitation    bool
}

func decodePassword(req events.APIGatewayProxyRequest) (passwordRequest, error) {
	fields, err := jsonObject(req, "a JSON object with mode")
	if err != nil {
		return passwordRequest{}, err
	}
	var r passwordRequest
	var send *bool
	for _, f := range fields {
		switch f.key {
		case "mode":
			var m *string
			if err := jsonAs(f.raw, &m, `mode must be "reset" or "temporary"`); err != nil {
				return r, err
			}
			if m == nil || (*m != "reset" && *m != "temporary") {
				return r, badRequest(`mode must be "reset" or "temporary"`)
			}
			r.mode = *m
		case "temporaryPassword":
			if err := jsonAs(f.raw, &r.temporaryPassword, "temporaryPassword must be a string"); err != nil {
				return r, err
			}
		case "sendInvitation":
			if err := jsonAs(f.raw, &send, "sendInvitation must be true or false"); err != nil {
				return r, err
			}
		default:
			return r, badRequest("unknown field %q", f.key)
		}
	}
	switch {
	case r.mode == "":
		return r, badRequest(`mode is required: "reset" or "temporary"`)
	case r.mode == "reset" && (r.temporaryPassword != nil || send != nil):
		return r, badRequest(`temporaryPassword and sendInvitation apply to mode "temporary" only`)
	}
	r.sendInvitation = send == nil || *send
	if r.mode == "temporary" && r.temporaryPassword == nil && !r.sendInvitation {
		return r, badRequest("a generated temporary password that is not emailed would be known to nobody: give temporaryPassword, or leave sendInvitation true")
	}
	return r, nil
}
