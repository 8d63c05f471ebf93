package handler

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

const rollbackTimeout = 5 * time.Second

// create handles POST /users. Every check runs before the first Cognito call,
// and a failed group add deletes the new user, so a refused request leaves nothing behind.
func (h *Handler) create(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	r, err := decodeCreate(c.req)
	if err != nil {
		return none, err
	}
	c.target, c.groups = r.email, r.groups
	if r.temporaryPassword != nil {
		if err := h.settings.Password.Check(*r.temporaryPassword); err != nil {
			return none, newError(http.StatusBadRequest, "InvalidPassword", "temporaryPassword %v", err)
		}
	}
	if err := checkManagedGroups(r.groups, h.settings.IsManagedGroup); err != nil {
		return none, err
	}
	// The caller's roles decide the groups: a scoped caller's user lands in their scope.
	if r.groups, err = c.caller.grant.Create(access.CreateRequest{
		Groups: r.groups, ChosenPassword: r.temporaryPassword != nil, SendInvitation: r.sendInvitation,
	}); err != nil {
		return none, err
	}
	c.groups = r.groups

	in := &cip.AdminCreateUserInput{
		UserPoolId: &h.settings.UserPoolID,
		Username:   &r.email,
		// Cognito defaults to SMS, which this pool has no role for.
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: &r.email},
			// The admin vouches for the address; without this the user could not recover the account by email.
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
		TemporaryPassword: r.temporaryPassword,
	}
	if !r.sendInvitation {
		in.MessageAction = types.MessageActionTypeSuppress
	}
	out, err := h.cognito.AdminCreateUser(ctx, in)
	if err != nil {
		return none, err
	}
	c.invited = r.sendInvitation
	u := fromUserType(out.User, r.groups)
	u.MFAEnabled = aws.Bool(false) // a user just created has set nothing up yet
	if u.Email == "" {
		u.Email = r.email
	}
	// Cognito's answer names the user; the email, an alias of the username, stands in should it not.
	username := cmp.Or(u.Username, r.email)
	for _, g := range r.groups {
		if _, err := h.cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &h.settings.UserPoolID, Username: &username, GroupName: &g}); err != nil {
			h.rollback(ctx, c, username)
			return none, fromCognito(err, true)
		}
	}

	c.after = stateOf(u)
	resp := jsonResponse(http.StatusCreated, userBody{User: u})
	base := c.req.RequestContext.Path
	if base == "" {
		base = "/users"
	}
	resp.Headers["Location"] = base + "/" + url.PathEscape(r.email)
	return resp, nil
}

// rollback deletes a user whose creation could not be completed. It gets a
// few seconds of its own even when the request's context is done, since a
// half-created user is worse than a late answer; but never past the
// invocation's deadline, when the Lambda would be stopped mid-call.
func (h *Handler) rollback(ctx context.Context, c *call, username string) {
	end := time.Now().Add(rollbackTimeout)
	if !c.deadline.IsZero() && c.deadline.Before(end) {
		end = c.deadline
	}
	ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), end)
	defer cancel()
	if _, err := h.cognito.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: &h.settings.UserPoolID, Username: &username}); err != nil {
		h.log.ErrorContext(ctx, "rollback failed: the user was created without all its groups",
			"target", c.target, "request_id", c.req.RequestContext.RequestID, "error", err.Error())
	}
}

func groupNotManaged(g string) *apiError {
	return newError(http.StatusForbidden, "GroupNotManaged", "group %q is not one you may manage", g)
}
