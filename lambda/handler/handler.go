// Package handler is the admin API's Lambda: it routes API Gateway proxy
// requests, checks that the caller is an admin, validates input, and runs the
// Cognito operations behind the narrow Cognito interface.
package handler

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/audit"
	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// Cognito is the narrow interface of the Cognito calls the handler makes;
// *cognitoidentityprovider.Client satisfies it, and tests use a fake. Its
// methods are also exactly the IAM actions the function needs.
type Cognito interface {
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminGetUser(context.Context, *cip.AdminGetUserInput, ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	AdminListGroupsForUser(context.Context, *cip.AdminListGroupsForUserInput, ...func(*cip.Options)) (*cip.AdminListGroupsForUserOutput, error)
	ListUsers(context.Context, *cip.ListUsersInput, ...func(*cip.Options)) (*cip.ListUsersOutput, error)
	AdminDisableUser(context.Context, *cip.AdminDisableUserInput, ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminEnableUser(context.Context, *cip.AdminEnableUserInput, ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error)
	AdminDeleteUser(context.Context, *cip.AdminDeleteUserInput, ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error)
	AdminAddUserToGroup(context.Context, *cip.AdminAddUserToGroupInput, ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error)
	AdminRemoveUserFromGroup(context.Context, *cip.AdminRemoveUserFromGroupInput, ...func(*cip.Options)) (*cip.AdminRemoveUserFromGroupOutput, error)
	AdminUserGlobalSignOut(context.Context, *cip.AdminUserGlobalSignOutInput, ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
	ListGroups(context.Context, *cip.ListGroupsInput, ...func(*cip.Options)) (*cip.ListGroupsOutput, error)
	ListUsersInGroup(context.Context, *cip.ListUsersInGroupInput, ...func(*cip.Options)) (*cip.ListUsersInGroupOutput, error)
	AdminResetUserPassword(context.Context, *cip.AdminResetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error)
	AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminSetUserMFAPreference(context.Context, *cip.AdminSetUserMFAPreferenceInput, ...func(*cip.Options)) (*cip.AdminSetUserMFAPreferenceOutput, error)
	AdminUpdateUserAttributes(context.Context, *cip.AdminUpdateUserAttributesInput, ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error)
}

var _ Cognito = (*cip.Client)(nil)

// Handler serves the admin API. It is built once per container and is safe for concurrent use.
type Handler struct {
	settings settings.Settings
	cognito  Cognito
	log      *slog.Logger
	// policy is the deployment's roles (lambda/access).
	policy *access.Policy
	// records is the audit table, when the deployment has one (WithRecords).
	records Records
	// now is the clock of the list routes' Cognito pages and of the audit records; tests set their own.
	now func() time.Time
}

// New returns a Handler acting on the user pool s.UserPoolID through c, logging to log.
// Settings whose roles cannot be enforced (settings.FromEnv refuses them)
// leave the handler with no role at all: every caller is refused.
func New(s settings.Settings, c Cognito, log *slog.Logger) *Handler {
	policy, err := s.Policy()
	if err != nil {
		log.Error("invalid roles: every caller will be refused", "error", err.Error())
		policy, _ = access.NewPolicy(nil)
	}
	return &Handler{settings: s, cognito: c, log: log, policy: policy, now: time.Now}
}

// call is one request in flight: what routes read, and what they leave for the audit line.
type call struct {
	req    events.APIGatewayProxyRequest
	caller caller
	target string   // the user's normalised email, once known
	group  string   // the path's group
	groups []string // the groups a create adds the user to
	// invited says Cognito accepted an invitation email for the target.
	invited bool
	// failure is the error the call was answered with, for the audit line.
	failure *apiError
	// deadline is the invocation's own, when it has one.
	deadline time.Time
	// signOutFailed marks a disable or password change whose sessions could not be ended, for the audit line.
	signOutFailed bool
	// extra are route-specific audit attributes: names and modes, never values or passwords.
	extra []slog.Attr
	// permission is the one the call uses (or lacks), for the audit line.
	permission access.Permission
	// action, when set, names the call in the audit line instead of the route's
	// action: a group route on a role is a role_grant or role_revoke.
	action string
	// before and after are the target's state around a change that went through, for the audit record.
	before, after *audit.State
}

// deadlineReserve is the time kept back from Cognito calls at the end of an
// invocation, to answer and to roll back.
const deadlineReserve = time.Second

// route is one operation. action names it in the audit log; reads have
// none. permission is what the caller's roles must grant before anything is
// read; the routes whose permission depends on the request (a password
// mode, a role or a group) leave it empty and ask for it themselves, as GET
// /me does not need any (every role may ask who it is).
type route struct {
	action     string
	permission access.Permission
	serve      func(*Handler, context.Context, *call) (events.APIGatewayProxyResponse, error)
}

var routes = map[string]route{
	"POST /users":                          {"create", access.UsersCreate, (*Handler).create},
	"GET /users":                           {"", access.UsersRead, (*Handler).list},
	"GET /users/{email}":                   {"", access.UsersRead, (*Handler).get},
	"DELETE /users/{email}":                {"delete", access.UsersDelete, (*Handler).delete},
	"POST /users/{email}/invitation":       {"resend", access.UsersInvite, (*Handler).resend},
	"POST /users/{email}/disable":          {"disable", access.UsersDisable, (*Handler).disable},
	"POST /users/{email}/enable":           {"enable", access.UsersDisable, (*Handler).enable},
	"PUT /users/{email}/groups/{group}":    {"group_add", "", (*Handler).addToGroup},
	"DELETE /users/{email}/groups/{group}": {"group_remove", "", (*Handler).removeFromGroup},
	"POST /users/{email}/sign-out":         {"sign_out", access.UsersSignOut, (*Handler).signOut},
	"GET /groups":                          {"", access.UsersRead, (*Handler).listGroups},
	"GET /groups/{group}/users":            {"", access.UsersRead, (*Handler).listMembers},
	"POST /users/{email}/password":         {"password", "", (*Handler).password},
	"DELETE /users/{email}/mfa":            {"mfa_remove", access.UsersMFA, (*Handler).removeMFA},
	"PATCH /users/{email}":                 {"update", access.UsersEdit, (*Handler).update},
	"GET /me":                              {"", "", (*Handler).me},
	"GET /audit":                           {"", access.AuditRead, (*Handler).auditQuery},
	"GET /users/{email}/history":           {"", access.AuditRead, (*Handler).history},
	// A preview changes nothing: a read, audited when refused only.
	"POST /imports/preview": {"", access.UsersCreate, (*Handler).importPreview},
}

// Routes returns the route keys ("METHOD /resource"), sorted, so tests can
// hold them against the OpenAPI document and the deployed API.
func Routes() []string {
	return slices.Sorted(maps.Keys(routes))
}

// Handle serves one API Gateway proxy request. Every failure is answered as
// a JSON error response, so the returned error is always nil: an error
// returned to the Lambda runtime would reach clients as API Gateway's bare 502.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	c := &call{req: req}
	// Cognito calls stop a moment before the invocation does, so a slow
	// Cognito is answered with our 504 rather than a killed Lambda; the
	// reserve is what a rollback may still use (see rollback).
	if dl, ok := ctx.Deadline(); ok {
		c.deadline = dl
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-deadlineReserve))
		defer cancel()
	}
	// SCIM has its own principal (its authorizer's) and error shape.
	if isSCIM(req) {
		return h.serveSCIM(ctx, c), nil
	}
	r, ok := routes[req.HTTPMethod+" "+req.Resource]
	ok = ok && cleanPath(req.Path)
	defer cors(h.settings, req, &resp)
	if !ok {
		return h.errorResponse(ctx, c, notRouted(req)), nil
	}
	return h.perform(ctx, c, r, func() (err error) {
		c.caller, err = h.authorize(ctx, req)
		return err
	}), nil
}

// perform runs route r for call c: admit (the caller's check; nil where
// the caller is already known), the permission check, the route, and its
// audit line and record. The REST routes and the SCIM operations (scim.go)
// both come through here, so both meet the same rules and leave the same
// trail. A panic in the route is answered in the API's shape and audited;
// one in the audit itself is not recovered: the invocation dies, as it
// would by a timeout, and the record's stream still publishes what was written.
func (h *Handler) perform(ctx context.Context, c *call, r route, admit func() error) (resp events.APIGatewayProxyResponse) {
	defer func() {
		if p := recover(); p != nil {
			// A bug must still answer in the API's shape; the value goes to the log, never to the client.
			h.log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(p), "route", c.req.HTTPMethod+" "+c.req.Resource)
			resp = h.errorResponse(ctx, c, newError(http.StatusBadGateway, "UpstreamError", "the request could not be processed"))
		}
		h.auditCall(ctx, c, r, resp.StatusCode)
	}()
	if admit != nil {
		if err := admit(); err != nil {
			return h.errorResponse(ctx, c, asAPIError(err))
		}
	}
	if r.permission != "" {
		if err := c.need(r.permission); err != nil {
			// The refusal's record names the user it was aimed at, so the user's history shows the attempt.
			_ = c.readTarget()
			return h.errorResponse(ctx, c, asAPIError(err))
		}
	}
	resp, err := r.serve(h, ctx, c)
	if err != nil {
		return h.errorResponse(ctx, c, asAPIError(err))
	}
	return resp
}

// auditCall audits a change, or a read that was refused: reads are not
// audited, but a refused caller is, whatever the route: refusals are what the alarm counts.
func (h *Handler) auditCall(ctx context.Context, c *call, r route, status int) {
	switch {
	case r.action != "":
		h.audit(ctx, c, cmp.Or(c.action, r.action), status)
	case c.failure != nil && (c.failure.reason != "" || c.failure.rule != ""):
		h.audit(ctx, c, auditlog.ActionRead, status)
	}
}

// notRouted tells an unknown resource (404) from a known one asked with the wrong method (405).
func notRouted(req events.APIGatewayProxyRequest) *apiError {
	if !cleanPath(req.Path) {
		return newError(http.StatusNotFound, "NotFound", "no route for %s %s: a path has no empty, \".\" or \"..\" segment", req.HTTPMethod, req.Path)
	}
	var allow []string
	for key := range routes {
		if m, res, _ := strings.Cut(key, " "); res == req.Resource {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		return newError(http.StatusNotFound, "NotFound", "no route for %s %s", req.HTTPMethod, req.Resource)
	}
	slices.Sort(allow)
	e := newError(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is not allowed on %s", req.HTTPMethod, req.Resource)
	e.allow = strings.Join(allow, ", ")
	return e
}

// errorBody is the one error shape of the API.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

func (h *Handler) errorResponse(ctx context.Context, c *call, e *apiError) events.APIGatewayProxyResponse {
	// Upstream trouble is for operators; client mistakes are told to the client and counted by the audit line.
	if e.status >= 500 || e.status == http.StatusTooManyRequests {
		level := slog.LevelError
		if e.status == http.StatusTooManyRequests {
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{slog.String("code", e.code), slog.Int("status", e.status), slog.String("request_id", c.req.RequestContext.RequestID)}
		if e.cause != nil {
			attrs = append(attrs, slog.String("error", e.cause.Error()))
		}
		h.log.LogAttrs(ctx, level, "upstream failure", attrs...)
	}
	c.failure = e
	var b errorBody
	b.Error.Code, b.Error.Message, b.RequestID = e.code, e.message, c.req.RequestContext.RequestID
	resp := jsonResponse(e.status, b)
	if e.retryAfter > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(e.retryAfter)
	}
	if e.allow != "" {
		resp.Headers["Allow"] = e.allow
	}
	return resp
}

// none is what a route returns beside an error; Handle answers with the error instead.
var none events.APIGatewayProxyResponse

func jsonResponse(status int, v any) events.APIGatewayProxyResponse {
	b, _ := json.Marshal(v) // only this package's structs of strings, bools and slices: cannot fail
	return rawJSONResponse(status, b)
}

// rawJSONResponse answers JSON already encoded.
func rawJSONResponse(status int, b []byte) events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		// no-store: the bodies describe accounts and must not sit in shared caches.
		Headers: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:    string(b),
	}
}

func noContent() events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{StatusCode: http.StatusNoContent, Headers: map[string]string{"Cache-Control": "no-store"}}
}

// cors answers browsers from the configured origins only; Vary keeps caches from mixing origins.
func cors(s settings.Settings, req events.APIGatewayProxyRequest, resp *events.APIGatewayProxyResponse) {
	origin := header(req, "Origin")
	if origin == "" || !slices.Contains(s.AllowedOrigins, origin) {
		return
	}
	resp.Headers["Access-Control-Allow-Origin"] = origin
	resp.Headers["Access-Control-Expose-Headers"] = "Location, Retry-After"
	resp.Headers["Vary"] = "Origin"
}

// audit writes the one line per mutating call (and per refused read) that
// says who did what to whom and how it ended, in lambda/auditlog's format,
// and the call's record to the audit table (writeRecord). The line names
// no body field other than the target and groups; the record also holds
// the target's state before and after.
func (h *Handler) audit(ctx context.Context, c *call, action string, status int) {
	defer func() { h.writeRecord(ctx, c, h.record(c, action, status, h.now())) }()
	outcome := auditlog.OutcomeSuccess
	if c.failure != nil {
		outcome = c.failure.code
	}
	attrs := []slog.Attr{
		slog.String(auditlog.Action, action),
		slog.String(auditlog.CallerSub, c.caller.sub),
		slog.String(auditlog.CallerEmail, c.caller.email),
		slog.String(auditlog.Target, c.target),
	}
	if c.caller.idp != "" {
		attrs = append(attrs, slog.String(auditlog.CallerIdP, c.caller.idp))
	}
	if c.group != "" {
		attrs = append(attrs, slog.String(auditlog.Group, c.group))
	}
	if len(c.groups) > 0 {
		attrs = append(attrs, slog.Any(auditlog.Groups, c.groups))
	}
	if c.invited {
		attrs = append(attrs, slog.Bool(auditlog.InvitationSent, true))
	}
	if c.failure != nil && c.failure.reason != "" {
		attrs = append(attrs, slog.String(auditlog.Reason, c.failure.reason))
	}
	if c.signOutFailed {
		attrs = append(attrs, slog.Bool(auditlog.SignedOut, false))
	}
	attrs = auditAccess(c, attrs)
	attrs = append(attrs, c.extra...)
	attrs = append(attrs,
		slog.String(auditlog.Outcome, outcome),
		slog.Int(auditlog.Status, status),
		slog.String(auditlog.RequestID, c.req.RequestContext.RequestID))
	h.log.LogAttrs(ctx, slog.LevelInfo, auditlog.Message, attrs...)
}
