package handler

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// groupFetches bounds the concurrent AdminListGroupsForUser calls of a list
// page, well under Cognito's per-account request quota for that operation.
const groupFetches = 8

// readTarget reads and normalises the path's email. The pool matches
// usernames case-insensitively, but the audit log and messages use this one form.
func (c *call) readTarget() error {
	raw, err := pathParam(c.req, "email")
	if err != nil {
		return invalidEmail("path email", err)
	}
	email, err := NormalizeEmail(raw)
	if err != nil {
		return invalidEmail("path email", err)
	}
	c.target = email
	return nil
}

// readGroup reads the path's group; only managed groups may be touched, and
// that is checked before any Cognito call.
func (h *Handler) readGroup(c *call) error {
	group, err := pathParam(c.req, "group")
	if err != nil {
		return badRequest("the path's group %v", err)
	}
	c.group = group
	if !h.settings.IsManagedGroup(c.group) {
		return groupNotManaged(c.group)
	}
	return nil
}

func (h *Handler) get(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	u, _, err := h.target(ctx, c, func(g access.Grant, groups []string) error { return g.Read(groups) })
	if err != nil {
		return none, err
	}
	return jsonResponse(http.StatusOK, userBody{User: u}), nil
}

type listBody struct {
	Users     []user `json:"users"`
	NextToken string `json:"nextToken,omitempty"`
}

// list answers a page of the pool's users; see readPages and listAnswer for its cost.
func (h *Handler) list(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	q, err := decodeList(c.req, h.settings.UserPoolID)
	if err != nil {
		return none, err
	}
	// A scoped caller's page is filtered by each user's groups, one call per
	// user whether or not the answer shows them: one Cognito page at most.
	read := q.paging
	if !c.caller.grant.Sight().All {
		read.limit = min(read.limit, maxGroupsPage)
	}
	page, next, err := h.readPages(ctx, read, func(ctx context.Context, limit int32, token string) ([]types.UserType, string, error) {
		in := &cip.ListUsersInput{UserPoolId: &h.settings.UserPoolID, Limit: &limit}
		if token != "" {
			in.PaginationToken = &token
		}
		if q.filter != "" {
			in.Filter = &q.filter
		}
		out, err := h.cognito.ListUsers(ctx, in)
		if err != nil {
			return nil, "", err
		}
		return out.Users, aws.ToString(out.PaginationToken), nil
	})
	if err != nil {
		return none, err
	}
	return h.listAnswer(ctx, c, q.paging, page, next, h.settings.UserPoolID, true)
}

// resend emails a new temporary password. Cognito allows it only while the
// user has not set a password; checking first gives a clear 409 instead of
// Cognito's UnsupportedUserStateException. The user is read before the
// change and not after: a failed re-read would report a sent invitation as
// failed, and the client's retry would send a second temporary password.
func (h *Handler) resend(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	u, _, err := h.act(ctx, c, access.UsersInvite)
	if err != nil {
		return none, err
	}
	if u.Status != string(types.UserStatusTypeForceChangePassword) {
		return none, newError(http.StatusConflict, "UserAlreadyActive",
			"the user has already set a password (status %s); only users who have not signed in yet can be invited again", u.Status)
	}
	before := stateOf(u)
	out, err := h.emailInvitation(ctx, c.target, nil)
	if err != nil {
		return none, err
	}
	c.invited = true
	// The answer is what the change returned; the user read before stands in for anything it left out.
	if out.User != nil && aws.ToString(out.User.Username) != "" {
		sent := fromUserType(out.User, u.Groups)
		sent.Email = cmp.Or(sent.Email, u.Email)
		sent.Status = cmp.Or(sent.Status, u.Status)
		sent.CreatedAt = cmp.Or(sent.CreatedAt, u.CreatedAt)
		sent.UpdatedAt = cmp.Or(sent.UpdatedAt, u.UpdatedAt)
		u = sent
	}
	c.before, c.after = before, stateOf(u)
	return jsonResponse(http.StatusOK, userBody{User: u}), nil
}

// disable blocks sign-in and ends the user's sessions. Its answer is the
// user as read before the change, now disabled (see resend for why not after).
func (h *Handler) disable(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	u, _, err := h.act(ctx, c, access.UsersDisable)
	if err != nil {
		return none, err
	}
	if err := c.refuseIfSelf(u); err != nil {
		return none, err
	}
	if err := h.disableGuarded(ctx, c, u); err != nil {
		return none, err
	}
	// A disabled user can neither sign in nor refresh tokens, so the disable
	// is done even if this fails: it is logged and audited, not answered as a failure.
	if err := h.endSessions(ctx, c.target); err != nil {
		c.signOutFailed = true
		h.log.ErrorContext(ctx, "global sign-out after disable failed: the user is disabled, but Cognito may still hold their refresh tokens",
			"target", c.target, "request_id", c.req.RequestContext.RequestID, "error", err.Error())
	}
	u = c.changed(u, func(u *user) { u.Enabled = false })
	u.UpdatedAt = timestamp(aws.Time(time.Now()))
	return jsonResponse(http.StatusOK, userBody{User: u}), nil
}

// enable lets the user sign in again, answering as disable does.
func (h *Handler) enable(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	u, _, err := h.act(ctx, c, access.UsersDisable)
	if err != nil {
		return none, err
	}
	if _, err := h.cognito.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target}); err != nil {
		return none, err
	}
	u = c.changed(u, func(u *user) { u.Enabled = true })
	u.UpdatedAt = timestamp(aws.Time(time.Now()))
	return jsonResponse(http.StatusOK, userBody{User: u}), nil
}

// signOut ends all of the user's sessions, for a stolen one: Cognito revokes
// their refresh and access tokens. Admins may sign themselves out, which
// cannot lock anyone out: they sign in again. An ID token already issued
// stays valid at API Gateway until it expires; disabling the account is what
// stops it at this API at once.
func (h *Handler) signOut(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	if _, _, err := h.act(ctx, c, access.UsersSignOut); err != nil {
		return none, err
	}
	if err := h.endSessions(ctx, c.target); err != nil {
		return none, err
	}
	return noContent(), nil
}

func (h *Handler) endSessions(ctx context.Context, username string) error {
	_, err := h.cognito.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &h.settings.UserPoolID, Username: &username})
	return err
}

func (h *Handler) delete(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	u, _, err := h.act(ctx, c, access.UsersDelete)
	if err != nil {
		return none, err
	}
	// The read is also the audit record's before.
	c.before = stateOf(u)
	if err := c.refuseIfSelf(u); err != nil {
		return none, err
	}
	// A delete cannot be undone, so the last holder of a role that grants
	// roles is protected by a disable, which can: disabled, verified, and
	// only then deleted.
	guarded := u.Enabled && len(h.policy.Guarded(u.Groups)) > 0
	if guarded {
		if err := h.disableGuarded(ctx, c, u); err != nil {
			return none, err
		}
	}
	if _, err := h.cognito.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target}); err != nil {
		if guarded {
			_ = h.compensate(ctx, c, lastHolderAtRisk, h.enableFunc(c.target))
		}
		return none, err
	}
	c.after = nil // the user is gone
	return noContent(), nil
}

// disableGuarded disables the user; when they hold a role with roles:grant,
// through guard, so the role keeps an enabled holder.
func (h *Handler) disableGuarded(ctx context.Context, c *call, u user) error {
	disable := func(ctx context.Context) error {
		_, err := h.cognito.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target})
		return err
	}
	roles := h.policy.Guarded(u.Groups)
	if !u.Enabled || len(roles) == 0 {
		return disable(ctx)
	}
	return h.guard(ctx, c, roles, disable, h.enableFunc(c.target))
}

func (h *Handler) enableFunc(username string) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := h.cognito.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &h.settings.UserPoolID, Username: &username})
		return err
	}
}

// groupPermission asks, before anything is read, for the permission a
// membership change of the path's group needs: roles:grant for a role,
// groups:assign for another managed group. A role change is audited as one.
func (h *Handler) groupPermission(c *call, roleAction string) error {
	if err := h.readGroup(c); err != nil {
		return err
	}
	if h.policy.IsRole(c.group) {
		c.action = roleAction
		return c.need(access.RolesGrant)
	}
	return c.need(access.GroupsAssign)
}

func (h *Handler) addToGroup(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	if err := h.groupPermission(c, auditlog.ActionRoleGrant); err != nil {
		return none, err
	}
	u, out, err := h.target(ctx, c, func(g access.Grant, groups []string) error { return g.Assign(c.group, groups) })
	if err != nil {
		return none, err
	}
	// A new holder of a role gets a credential only their mailbox holds (rolegrant.go).
	grant := h.policy.IsRole(c.group) && !slices.Contains(u.Groups, c.group)
	if grant {
		if err := grantable(out); err != nil {
			return none, err
		}
	}
	c.groupsBefore(u.Groups)
	if _, err := h.cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target, GroupName: &c.group}); err != nil {
		return none, fromCognito(err, true)
	}
	status := out.UserStatus
	if grant {
		if status, err = h.rotateForRole(ctx, c, out); err != nil {
			h.ungrant(ctx, c, c.target)
			return none, err
		}
	}
	c.groupsAfter(func(gs []string) []string {
		if !slices.Contains(gs, c.group) {
			gs = append(gs, c.group)
		}
		return gs
	})
	if grant && c.before != nil && c.after != nil {
		// The record shows the credential's rotation too.
		c.before.Status, c.after.Status = string(out.UserStatus), string(status)
	}
	return noContent(), nil
}

func (h *Handler) removeFromGroup(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	if err := h.groupPermission(c, auditlog.ActionRoleRevoke); err != nil {
		return none, err
	}
	u, _, err := h.target(ctx, c, func(g access.Grant, groups []string) error { return g.Unassign(c.group, groups) })
	if err != nil {
		return none, err
	}
	c.groupsBefore(u.Groups)
	// Only a role matters: leaving another group cannot lock anyone out.
	if h.policy.IsRole(c.group) {
		if err := c.refuseIfSelf(u); err != nil {
			return none, err
		}
	}
	in := &cip.AdminRemoveUserFromGroupInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target, GroupName: &c.group}
	remove := func(ctx context.Context) error {
		_, err := h.cognito.AdminRemoveUserFromGroup(ctx, in)
		return err
	}
	if roles := h.policy.Guarded([]string{c.group}); u.Enabled && len(roles) > 0 && slices.Contains(u.Groups, c.group) {
		err = h.guard(ctx, c, roles, remove, func(ctx context.Context) error {
			_, err := h.cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target, GroupName: &c.group})
			return err
		})
	} else {
		err = remove(ctx)
	}
	if err != nil {
		if _, ok := asRefusal(err); ok {
			return none, err
		}
		return none, fromCognito(err, true)
	}
	c.groupsAfter(func(gs []string) []string { return slices.DeleteFunc(gs, func(g string) bool { return g == c.group }) })
	return noContent(), nil
}

// inSight keeps, of a page of users, those the caller's roles reach: a list
// never shows a user that GET would answer as not found. A page may then
// hold fewer users than its limit, even none, with a nextToken.
func (c *call) inSight(users []user) []user {
	return slices.DeleteFunc(users, func(u user) bool { return !c.caller.grant.Sees(u.Groups) })
}

// emailInvitation sends the invitation email again (AdminCreateUser with
// RESEND, by email: Cognito's default medium is SMS), with temporaryPassword
// when one was just set, else a password Cognito generates.
func (h *Handler) emailInvitation(ctx context.Context, username string, temporaryPassword *string) (*cip.AdminCreateUserOutput, error) {
	return h.cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:             &h.settings.UserPoolID,
		Username:               &username,
		MessageAction:          types.MessageActionTypeResend,
		TemporaryPassword:      temporaryPassword,
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
}
