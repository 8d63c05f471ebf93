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
	return h.answerUser(ctx, c)
}

// answerUser reads the target afresh, so the answer shows the state the call left it in.
func (h *Handler) answerUser(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	u, err := h.getUser(ctx, c.target)
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
	page, next, err := h.readPages(ctx, q.paging, func(ctx context.Context, limit int32, token string) ([]types.UserType, string, error) {
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
	return h.listAnswer(ctx, q.paging, page, next, h.settings.UserPoolID)
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
	u, err := h.readBefore(ctx, c, func(u user) error {
		if u.Status != string(types.UserStatusTypeForceChangePassword) {
			return newError(http.StatusConflict, "UserAlreadyActive",
				"the user has already set a password (status %s); only users who have not signed in yet can be invited again", u.Status)
		}
		return nil
	})
	if err != nil {
		return none, err
	}
	before := stateOf(u)
	out, err := h.cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:             &h.settings.UserPoolID,
		Username:               &c.target,
		MessageAction:          types.MessageActionTypeResend,
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
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
	u, err := h.readBefore(ctx, c, c.refuseIfSelf)
	if err != nil {
		return none, err
	}
	if _, err := h.cognito.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target}); err != nil {
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
	u, err := h.readBefore(ctx, c, nil)
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
	if err := h.endSessions(ctx, c.target); err != nil {
		return none, err
	}
	return noContent(), nil
}

func (h *Handler) endSessions(ctx context.Context, username string) error {
	_, err := h.cognito.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &h.settings.UserPoolID, Username: &username})
	return err
}

// readBefore reads the target and its groups ahead of a change. check, when
// given, runs between the two reads, so a refusal costs one call.
func (h *Handler) readBefore(ctx context.Context, c *call, check func(user) error) (user, error) {
	out, err := h.cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target})
	if err != nil {
		return user{}, err
	}
	u := newUser(out.Username, out.UserAttributes, out.UserStatus, out.Enabled, out.UserCreateDate, out.UserLastModifiedDate, nil)
	if check != nil {
		if err := check(u); err != nil {
			return user{}, err
		}
	}
	// By the username Cognito resolved, not the alias the caller gave.
	groups, err := h.groupsOf(ctx, cmp.Or(u.Username, c.target))
	if err != nil {
		return user{}, err
	}
	return newUser(out.Username, out.UserAttributes, out.UserStatus, out.Enabled, out.UserCreateDate, out.UserLastModifiedDate, groups), nil
}

func (h *Handler) delete(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	if err := h.refuseSelf(ctx, c); err != nil {
		return none, err
	}
	if _, err := h.cognito.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target}); err != nil {
		return none, err
	}
	c.after = nil // the user is gone
	return noContent(), nil
}

func (h *Handler) addToGroup(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	if err := h.readGroup(c); err != nil {
		return none, err
	}
	if err := h.groupsBefore(ctx, c); err != nil {
		return none, err
	}
	if _, err := h.cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target, GroupName: &c.group}); err != nil {
		return none, fromCognito(err, true)
	}
	c.groupsAfter(func(gs []string) []string {
		if !slices.Contains(gs, c.group) {
			gs = append(gs, c.group)
		}
		return gs
	})
	return noContent(), nil
}

func (h *Handler) removeFromGroup(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	if err := h.readGroup(c); err != nil {
		return none, err
	}
	// Only an admin group matters: leaving another group cannot lock anyone out.
	if h.settings.IsAdminGroup(c.group) {
		if err := h.refuseSelf(ctx, c); err != nil {
			return none, err
		}
	}
	if err := h.groupsBefore(ctx, c); err != nil {
		return none, err
	}
	if _, err := h.cognito.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target, GroupName: &c.group}); err != nil {
		return none, fromCognito(err, true)
	}
	c.groupsAfter(func(gs []string) []string { return slices.DeleteFunc(gs, func(g string) bool { return g == c.group }) })
	return noContent(), nil
}
