package handler

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// The handler's side of delegated administration: the rules themselves
// live in lambda/access; here they meet Cognito's reads and writes.

// need refuses the call, before anything is read, when the caller's roles
// do not grant p, and records p as the permission the call uses.
func (c *call) need(p access.Permission) error {
	c.permission = p
	return c.caller.grant.Need(p)
}

// target reads the path's user and their groups, and has decide judge them
// before anything changes. Every route on one user comes through here, so a
// user out of the caller's sight is answered exactly as a missing one (404
// UserNotFound) on every route, whatever else the route would have said.
func (h *Handler) target(ctx context.Context, c *call, decide func(g access.Grant, groups []string) error) (user, *cip.AdminGetUserOutput, error) {
	out, err := h.cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &h.settings.UserPoolID, Username: &c.target})
	if err != nil {
		return user{}, nil, err
	}
	// By the username Cognito resolved, not the alias the caller gave.
	groups, err := h.groupsOf(ctx, cmp.Or(aws.ToString(out.Username), c.target))
	if err != nil {
		return user{}, nil, err
	}
	if err := decide(c.caller.grant, groups); err != nil {
		return user{}, nil, err
	}
	return fromGetUser(out, groups), out, nil
}

// act is target for a change made with permission p.
func (h *Handler) act(ctx context.Context, c *call, p access.Permission) (user, *cip.AdminGetUserOutput, error) {
	c.permission = p
	return h.target(ctx, c, func(g access.Grant, groups []string) error { return g.Act(p, groups) })
}

// fromRefusal is a rule's refusal as the API answers it.
func fromRefusal(r *access.Refusal) *apiError {
	e := newError(r.Status(), r.Code, "%s", r.Message)
	e.rule = string(r.Rule)
	return e
}

// guard keeps a role with roles:grant from losing its last enabled holder
// by act (a disable, or a removal from the role), whoever else is changing
// the same role at the same moment. Cognito has no transactions, so it acts,
// then verifies, then compensates: after act, it lists each role's enabled
// holders; if one has none, undo reverses act and the call is refused 409
// LastRoleHolder. Two admins demoting each other at once cannot empty a
// role: each verifies after its own change, undoing only ever adds holders
// back, so the change whose verification runs last saw a holder that no
// later change removes (TestLastHolderRace interleaves two demotions).
func (h *Handler) guard(ctx context.Context, c *call, roles []string, act, undo func(context.Context) error) error {
	if err := act(ctx); err != nil {
		return err
	}
	for _, role := range roles {
		n, err := h.enabledHolders(ctx, role)
		if err == nil && n > 0 {
			continue
		}
		// A failed verification is undone too: it cannot show someone remains.
		if uerr := h.compensate(ctx, c, lastHolderAtRisk, undo); uerr != nil {
			return uerr
		}
		if err != nil {
			return err
		}
		return access.LastHolder(c.permission, role)
	}
	return nil
}

// lastHolderAtRisk is what a failed undo of a guarded change leaves behind.
const lastHolderAtRisk = "a role may be left without an enabled holder"

// compensate runs undo with a context of its own, as rollback does: an
// undone change must not stay half-made because the request's time ran out.
// A failed undo is logged at ERROR with failed, what it leaves behind.
func (h *Handler) compensate(ctx context.Context, c *call, failed string, undo func(context.Context) error) error {
	end := time.Now().Add(rollbackTimeout)
	if !c.deadline.IsZero() && c.deadline.Before(end) {
		end = c.deadline
	}
	uctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), end)
	defer cancel()
	if err := undo(uctx); err != nil {
		h.log.ErrorContext(ctx, "compensation failed: "+failed,
			"target", c.target, "request_id", c.req.RequestContext.RequestID, "error", err.Error())
		return err
	}
	return nil
}

// enabledHolders counts the enabled members of a role's group, every page.
func (h *Handler) enabledHolders(ctx context.Context, role string) (int, error) {
	n := 0
	in := &cip.ListUsersInGroupInput{UserPoolId: &h.settings.UserPoolID, GroupName: &role, Limit: aws.Int32(60)}
	for {
		out, err := h.cognito.ListUsersInGroup(ctx, in)
		if err != nil {
			return 0, err
		}
		for _, u := range out.Users {
			if u.Enabled {
				n++
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return n, nil
		}
		in.NextToken = out.NextToken
	}
}

// meBody is GET /me: the caller as the pool holds them now.
type meBody struct {
	Email       string   `json:"email"`
	Sub         string   `json:"sub"`
	Roles       []string `json:"roles"`
	Permissions []string `json:"permissions"`
	// Scope is absent for an unscoped caller.
	Scope []string `json:"scope,omitempty"`
	// RoleDefinitions are the caller's roles as declared, for a client
	// applying the rules of lambda/access to itself.
	RoleDefinitions []access.Role `json:"roleDefinitions"`
}

// me handles GET /me: the caller's roles, permissions and scope, from the
// live check's read of their account, so a console shows what the API will allow.
func (h *Handler) me(_ context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	g := c.caller.grant
	return jsonResponse(http.StatusOK, meBody{
		Email:           cmp.Or(c.caller.liveEmail, c.caller.email),
		Sub:             c.caller.sub,
		Roles:           g.Roles(),
		Permissions:     g.Permissions(),
		Scope:           g.Scope(),
		RoleDefinitions: g.Definitions(),
	}), nil
}

// auditAccess adds the caller's roles, the permission and the refusing rule to an audit line.
func auditAccess(c *call, attrs []slog.Attr) []slog.Attr {
	if roles := c.caller.grant.Roles(); len(roles) > 0 {
		attrs = append(attrs, slog.Any(auditlog.CallerRoles, roles))
	}
	if c.permission != "" {
		attrs = append(attrs, slog.String(auditlog.Permission, string(c.permission)))
	}
	if c.failure != nil && c.failure.rule != "" {
		attrs = append(attrs, slog.String(auditlog.Rule, c.failure.rule))
	}
	return attrs
}

// asRefusal reports whether err is a rule's refusal.
func asRefusal(err error) (*access.Refusal, bool) {
	var r *access.Refusal
	ok := errors.As(err, &r)
	return r, ok
}
