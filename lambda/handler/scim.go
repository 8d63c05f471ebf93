package handler

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
	"github.com/useradmin/cognito-user-admin/lambda/scim"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// SCIM (lambda/scim) runs in this function, on the same handler: every
// change it makes is one of this API's routes, run through perform with a
// caller made for the SCIM principal, so the validation, the role's
// permissions and scope, the invariants (last role holder, no takeover,
// credentials rotated on a role grant) and the audit trail are the API's
// own, not a copy.

// scimPrefix is where the SCIM routes live on the API.
const scimPrefix = "/scim/v2"

// The SCIM principals the authorizers name (lambda/scimauth), and the
// scope a client-credentials access token holds (the resource server's).
const (
	scimPrincipalBearer = "scim-bearer"
	scimPrincipalClient = "scim-client"
	scimScope           = "scim/provision"
)

// isSCIMSub reports whether v is a SCIM principal's sub: scim:bearer, or scim: and an app client id.
func isSCIMSub(v string) bool {
	id, ok := strings.CutPrefix(v, "scim:")
	return ok && id != "" && strings.IndexFunc(id, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) < 0
}

// isSCIM reports whether the request is for the SCIM endpoint.
func isSCIM(req events.APIGatewayProxyRequest) bool {
	return req.Resource == scimPrefix || strings.HasPrefix(req.Resource, scimPrefix+"/")
}

// serveSCIM answers a SCIM request, in SCIM's own shapes throughout.
func (h *Handler) serveSCIM(ctx context.Context, c *call) (resp events.APIGatewayProxyResponse) {
	defer func() {
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(p), "route", "SCIM "+c.req.HTTPMethod+" "+c.req.Path)
			resp = scimAnswer(scim.Response{}, &scim.Error{Status: http.StatusInternalServerError, Detail: "the request could not be processed"})
		}
	}()
	if !h.settings.SCIM.Enabled {
		return scimAnswer(scim.Response{}, scim.NotFound("resource"))
	}
	var err error
	if c.caller, err = h.scimCaller(c.req); err != nil {
		e := h.errorResponse(ctx, c, asAPIError(err))
		h.audit(ctx, c, auditlog.ActionRead, e.StatusCode)
		return scimAnswer(scim.Response{}, scimError(c.failure))
	}
	body, err := rawBodyUpTo(c.req, bodyLimit{scim.MaxBody, ""})
	if err != nil {
		return scimAnswer(scim.Response{}, scimError(asAPIError(err)))
	}
	srv := &scim.Server{Ops: &scimOps{h: h, c: c}, BaseURL: scimBase(c.req)}
	return scimAnswer(srv.Serve(ctx, scim.Request{
		Method:      c.req.HTTPMethod,
		Path:        scimPath(c.req),
		Query:       url.Values(queryParams(c.req)),
		Body:        body,
		ContentType: header(c.req, "Content-Type"),
	}), nil)
}

func scimAnswer(r scim.Response, e *scim.Error) events.APIGatewayProxyResponse {
	if e != nil {
		r = scim.ErrorResponse(e)
	}
	return events.APIGatewayProxyResponse{StatusCode: r.Status, Headers: r.Headers, Body: string(r.Body)}
}

// scimPath is the path below /scim/v2, as the client sent it.
func scimPath(req events.APIGatewayProxyRequest) string {
	if p, ok := req.PathParameters["proxy"]; ok {
		return "/" + p
	}
	_, rest, _ := strings.Cut(req.Path, scimPrefix)
	return rest
}

// scimBase is the endpoint's absolute URL, for meta.location: the host the
// client called and the stage's path up to /scim/v2 (a custom domain has no
// stage in its paths; requestContext.path says which).
func scimBase(req events.APIGatewayProxyRequest) string {
	host := cmp.Or(header(req, "Host"), req.RequestContext.DomainName, "localhost")
	scheme := cmp.Or(header(req, "X-Forwarded-Proto"), "https")
	path := cmp.Or(req.RequestContext.Path, req.Path)
	prefix, _, ok := strings.Cut(path, scimPrefix)
	if !ok {
		prefix = ""
	}
	return scheme + "://" + host + prefix + scimPrefix
}

// scimCaller makes the caller of a SCIM request from its authorizer's
// context: the bearer token's principal, or the SCIM app client's (from the
// Lambda authorizer's context or the Cognito authorizer's access-token
// claims). Anything else, an admin's ID token above all, is refused: the
// IdP is a principal of its own. The caller holds the configured role, as
// the pool's role holders do, scope included.
func (h *Handler) scimCaller(req events.APIGatewayProxyRequest) (caller, error) {
	cfg := h.settings.SCIM
	c := caller{idp: cfg.IdPName}
	auth := req.RequestContext.Authorizer
	principal, _ := auth["principal"].(string)
	claims := claimsOf(req)
	switch {
	case principal == scimPrincipalBearer:
		c.sub = "scim:bearer"
		if !cfg.Bearer {
			return c, forbidden("scim_bearer_off", "the SCIM bearer token is not a way in here")
		}
	case principal == scimPrincipalClient:
		id, _ := auth["client_id"].(string)
		c.sub = "scim:" + id
		if cfg.ClientID == "" || id != cfg.ClientID {
			return c, forbidden("scim_wrong_client", "the token was not issued to the SCIM app client")
		}
	case claims != nil:
		id := claimString(claims["client_id"])
		c.sub = "scim:" + id
		if id == "" || claimString(claims["token_use"]) != "access" {
			return caller{sub: claimString(claims["sub"]), idp: cfg.IdPName}, forbidden("scim_not_client_token",
				"SCIM takes the SCIM app client's access token or the SCIM bearer token, not an administrator's token")
		}
		if cfg.ClientID == "" || id != cfg.ClientID {
			return c, forbidden("scim_wrong_client", "the token was not issued to the SCIM app client")
		}
		if !slices.Contains(strings.Fields(claimString(claims["scope"])), scimScope) {
			return c, forbidden("scim_no_scope", "the token lacks the scope "+scimScope)
		}
	default:
		return c, forbidden("no_claims", "the request carries no SCIM principal")
	}
	c.username = c.sub
	c.grant = h.policy.Grant([]string{cfg.Role})
	if !c.grant.Any() {
		return c, forbidden("scim_role_missing", "the SCIM role is not one of the deployment's roles")
	}
	return c, nil
}

// scimError turns the API's error into SCIM's.
func scimError(e *apiError) *scim.Error {
	out := &scim.Error{Status: e.status, Detail: e.message, RetryAfter: e.retryAfter}
	switch {
	case e.code == "UserExists":
		out.ScimType = scim.TypeUniqueness
	case e.status == http.StatusBadRequest:
		out.ScimType = scim.TypeInvalidValue
	}
	return out
}

// scimOps is scim.Operations for one SCIM request: each operation is a
// route of this API, run by perform with the SCIM caller.
type scimOps struct {
	h *Handler
	c *call
	// n counts the routes run, to number their audit records (several
	// changes in one SCIM request, each a record of its own).
	n int
}

var _ scim.Operations = (*scimOps)(nil)

// run performs the route key ("METHOD /resource") with path parameters,
// query and JSON body, as a request of the SCIM principal.
func (o *scimOps) run(ctx context.Context, key string, params map[string]string, query url.Values, body any) events.APIGatewayProxyResponse {
	return o.runRoute(ctx, key, routes[key], params, query, body)
}

func (o *scimOps) runRoute(ctx context.Context, key string, r route, params map[string]string, query url.Values, body any) events.APIGatewayProxyResponse {
	method, resource, _ := strings.Cut(key, " ")
	req := events.APIGatewayProxyRequest{
		HTTPMethod:     method,
		Resource:       resource,
		Path:           resource,
		PathParameters: map[string]string{},
		Headers:        map[string]string{"Content-Type": "application/json"},
		RequestContext: o.c.req.RequestContext,
	}
	req.RequestContext.Path = ""
	for k, v := range params {
		// As API Gateway passes them: percent-encoded (pathParam decodes once).
		req.PathParameters[k] = url.PathEscape(v)
		req.Path = strings.ReplaceAll(req.Path, "{"+k+"}", url.PathEscape(v))
	}
	if len(query) > 0 {
		req.MultiValueQueryStringParameters = query
	}
	if body != nil {
		b, _ := json.Marshal(body) // maps of strings and booleans: cannot fail
		req.Body = string(b)
	}
	if o.n++; o.n > 1 {
		req.RequestContext.RequestID = fmt.Sprintf("%s.%d", o.c.req.RequestContext.RequestID, o.n)
	}
	c := &call{req: req, caller: o.c.caller, deadline: o.c.deadline}
	return o.h.perform(ctx, c, r, nil)
}

// failed is the SCIM error of a route's error answer, or nil for a success.
func failed(resp events.APIGatewayProxyResponse) error {
	if resp.StatusCode < 400 {
		return nil
	}
	var b errorBody
	_ = json.Unmarshal([]byte(resp.Body), &b) // the one error shape: always decodes
	e := &apiError{status: resp.StatusCode, code: b.Error.Code, message: b.Error.Message}
	e.retryAfter, _ = strconv.Atoi(resp.Headers["Retry-After"])
	return scimError(e)
}

// userOf decodes a route's user answer.
func userOf(resp events.APIGatewayProxyResponse) (scim.User, error) {
	if err := failed(resp); err != nil {
		return scim.User{}, err
	}
	var b userBody
	if err := json.Unmarshal([]byte(resp.Body), &b); err != nil {
		return scim.User{}, &scim.Error{Status: http.StatusBadGateway, Detail: "the user could not be read"}
	}
	return scimUser(b.User), nil
}

func scimUser(u user) scim.User {
	created, _ := time.Parse(time.RFC3339, u.CreatedAt)
	modified, _ := time.Parse(time.RFC3339, u.UpdatedAt)
	email, err := NormalizeEmail(u.Email)
	if err != nil {
		email = u.Email
	}
	return scim.User{
		// The pool signs in by email, so Cognito's username is the sub.
		ID: u.Username, UserName: email, ExternalID: u.Attributes[settings.SCIMExternalID.Name],
		GivenName: u.GivenName, FamilyName: u.FamilyName, Active: u.Enabled, Created: created, LastModified: modified,
	}
}

func scimUserOf(t types.UserType) scim.User {
	return scimUser(fromUserType(&t, nil))
}

// email finds the email of the user whose id (sub) is id. The id must be
// the user's username exactly: an email or another alias is not an id.
func (o *scimOps) email(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", scim.NotFound("user")
	}
	out, err := o.h.cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &o.h.settings.UserPoolID, Username: &id})
	if is[*types.UserNotFoundException](err) || (err == nil && aws.ToString(out.Username) != id) {
		return "", scim.NotFound("user")
	}
	if err != nil {
		e := fromCognito(err, false)
		o.h.log.WarnContext(ctx, "SCIM could not look a user up", "status", e.status, "request_id", o.c.req.RequestContext.RequestID, "error", err.Error())
		return "", scimError(e)
	}
	for _, a := range out.UserAttributes {
		if aws.ToString(a.Name) == "email" {
			if e, err := NormalizeEmail(aws.ToString(a.Value)); err == nil {
				return e, nil
			}
		}
	}
	return "", scim.NotFound("user")
}

func (o *scimOps) GetUser(ctx context.Context, id string) (scim.User, error) {
	email, err := o.email(ctx, id)
	if err != nil {
		return scim.User{}, err
	}
	return userOf(o.run(ctx, "GET /users/{email}", map[string]string{"email": email}, nil, nil))
}

// CreateUser creates the user as POST /users does (with the invitation as
// configured), then sets what POST /users does not take (names,
// externalId) as PATCH /users/{email} does, then disables them if the IdP
// created them inactive. Names and externalId are checked first, so a
// body the PATCH would refuse creates nobody.
func (o *scimOps) CreateUser(ctx context.Context, nu scim.NewUser) (scim.User, error) {
	change := scim.UserChange{}
	if nu.GivenName != "" {
		change.GivenName = &nu.GivenName
	}
	if nu.FamilyName != "" {
		change.FamilyName = &nu.FamilyName
	}
	if nu.ExternalID != "" {
		change.ExternalID = &nu.ExternalID
	}
	patch, err := updateBody(change)
	if err != nil {
		return scim.User{}, err
	}
	email, err := NormalizeEmail(nu.UserName)
	if err != nil {
		return scim.User{}, &scim.Error{Status: http.StatusBadRequest, ScimType: scim.TypeInvalidValue, Detail: "userName must be an email address: " + err.Error()}
	}
	u, err := userOf(o.run(ctx, "POST /users", nil, nil, map[string]any{"email": email, "sendInvitation": o.h.settings.SCIM.Invite}))
	if err != nil {
		return scim.User{}, err
	}
	if patch != nil {
		if u, err = userOf(o.run(ctx, "PATCH /users/{email}", map[string]string{"email": email}, nil, patch)); err != nil {
			return scim.User{}, err
		}
	}
	if !nu.Active {
		if u, err = userOf(o.run(ctx, "POST /users/{email}/disable", map[string]string{"email": email}, nil, nil)); err != nil {
			return scim.User{}, err
		}
	}
	return u, nil
}

// updateBody is the PATCH /users/{email} body of a change, nil when it
// changes no attribute; values PATCH would refuse are refused here first.
func updateBody(c scim.UserChange) (map[string]any, error) {
	body := map[string]any{}
	for _, f := range []struct {
		key string
		v   *string
	}{{"givenName", c.GivenName}, {"familyName", c.FamilyName}} {
		if f.v == nil {
			continue
		}
		raw, _ := json.Marshal(*f.v)
		if _, err := nameValue(f.key, raw); err != nil {
			return nil, scimError(asAPIError(err))
		}
		body[f.key] = *f.v
	}
	if c.ExternalID != nil {
		if err := settings.SCIMExternalID.Check(*c.ExternalID); err != nil {
			return nil, &scim.Error{Status: http.StatusBadRequest, ScimType: scim.TypeInvalidValue, Detail: "externalId " + err.Error()}
		}
		body["attributes"] = map[string]string{settings.SCIMExternalID.Name: *c.ExternalID}
	}
	if len(body) == 0 {
		return nil, nil
	}
	return body, nil
}

// UpdateUser changes attributes as PATCH /users/{email} does, then
// activity as POST …/enable or …/disable (which ends the user's sessions).
func (o *scimOps) UpdateUser(ctx context.Context, id string, c scim.UserChange) (scim.User, error) {
	patch, err := updateBody(c)
	if err != nil {
		return scim.User{}, err
	}
	email, err := o.email(ctx, id)
	if err != nil {
		return scim.User{}, err
	}
	params := map[string]string{"email": email}
	var u scim.User
	if patch != nil {
		if u, err = userOf(o.run(ctx, "PATCH /users/{email}", params, nil, patch)); err != nil {
			return scim.User{}, err
		}
	}
	if c.Active != nil {
		key := "POST /users/{email}/disable"
		if *c.Active {
			key = "POST /users/{email}/enable"
		}
		if u, err = userOf(o.run(ctx, key, params, nil, nil)); err != nil {
			return scim.User{}, err
		}
	}
	return u, nil
}

// DeleteUser deletes as DELETE /users/{email} does, or, where the
// deployment keeps leavers, disables as POST …/disable does.
func (o *scimOps) DeleteUser(ctx context.Context, id string) error {
	email, err := o.email(ctx, id)
	if err != nil {
		return err
	}
	key := "DELETE /users/{email}"
	if o.h.settings.SCIM.DeleteMode == settings.SCIMDisable {
		key = "POST /users/{email}/disable"
	}
	return failed(o.run(ctx, key, map[string]string{"email": email}, nil, nil))
}

// Users reads the users q names, among those the caller sees, under
// users:read as GET /users. By id or email it is one lookup. Otherwise
// (every user, or an externalId, which Cognito cannot search) it reads the
// whole pool, 60 users a call, so that totalResults is exact: for a scoped
// role, only the members of its scope groups.
func (o *scimOps) Users(ctx context.Context, q scim.UserQuery) ([]scim.User, error) {
	var users []scim.User
	read := route{"", access.UsersRead, func(h *Handler, ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
		var err error
		users, err = o.users(ctx, c, q)
		return noContent(), err
	}}
	if err := failed(o.runRoute(ctx, "GET /users", read, nil, nil, nil)); err != nil {
		return nil, err
	}
	return users, nil
}

func (o *scimOps) users(ctx context.Context, c *call, q scim.UserQuery) ([]scim.User, error) {
	h := o.h
	sight := c.caller.grant.Sight()
	var filter string
	switch {
	case q.ID != "":
		if strings.ContainsAny(q.ID, "\"\\") {
			return nil, nil
		}
		filter = `sub = "` + q.ID + `"`
	case q.UserName != "":
		email, err := NormalizeEmail(q.UserName)
		if err != nil || strings.ContainsAny(email, "\"\\") {
			return nil, nil // no user has an address that is not one
		}
		filter = `email = "` + email + `"`
	case !sight.All:
		return o.scopeMembers(ctx, sight.Groups)
	}
	var out []scim.User
	in := &cip.ListUsersInput{UserPoolId: &h.settings.UserPoolID, Limit: aws.Int32(cognitoPage)}
	if filter != "" {
		in.Filter = &filter
	}
	for {
		page, err := h.cognito.ListUsers(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, t := range page.Users {
			if filter != "" && !sight.All {
				// One user at most: read their groups to know whether the scope reaches them.
				groups, err := h.groupsOf(ctx, aws.ToString(t.Username))
				if err != nil {
					return nil, err
				}
				if !sight.Contains(groups) {
					continue
				}
			}
			out = append(out, scimUserOf(t))
		}
		if aws.ToString(page.PaginationToken) == "" {
			return out, nil
		}
		in.PaginationToken = page.PaginationToken
	}
}

// scopeMembers are the users a scoped caller sees: the members of the scope groups, each once.
func (o *scimOps) scopeMembers(ctx context.Context, groups []string) ([]scim.User, error) {
	seen := map[string]bool{}
	var out []scim.User
	for _, g := range groups {
		in := &cip.ListUsersInGroupInput{UserPoolId: &o.h.settings.UserPoolID, GroupName: &g, Limit: aws.Int32(cognitoPage)}
		for {
			page, err := o.h.cognito.ListUsersInGroup(ctx, in)
			if err != nil && !is[*types.ResourceNotFoundException](err) {
				return nil, err
			}
			if err != nil {
				break // a scope group missing from the pool has no members
			}
			for _, t := range page.Users {
				if u := scimUserOf(t); !seen[u.ID] {
					seen[u.ID] = true
					out = append(out, u)
				}
			}
			if aws.ToString(page.NextToken) == "" {
				break
			}
			in.NextToken = page.NextToken
		}
	}
	return out, nil
}

// scimGroup reports whether the IdP may see and manage group: a managed
// group, and a role's group only where the deployment allows it.
func (o *scimOps) scimGroup(group string) bool {
	return o.h.settings.IsManagedGroup(group) && (o.h.settings.SCIM.AllowRoleGroups || !o.h.policy.IsRole(group))
}

// Groups are GET /groups' (the managed groups in the pool that the caller
// sees, in the configuration's order), less the roles' unless allowed.
func (o *scimOps) Groups(ctx context.Context) ([]scim.Group, error) {
	var groups []group
	read := route{"", access.UsersRead, func(h *Handler, ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
		var err error
		groups, err = h.visibleGroups(ctx, c)
		return noContent(), err
	}}
	if err := failed(o.runRoute(ctx, "GET /groups", read, nil, nil, nil)); err != nil {
		return nil, err
	}
	var out []scim.Group
	for _, g := range groups {
		if o.scimGroup(g.Name) {
			out = append(out, scim.Group{Name: g.Name, Created: aws.ToTime(g.created), LastModified: aws.ToTime(g.modified)})
		}
	}
	return out, nil
}

// Members pages through GET /groups/{group}/users.
func (o *scimOps) Members(ctx context.Context, group string) ([]scim.Member, error) {
	if !o.scimGroup(group) {
		return nil, scim.NotFound("group")
	}
	var out []scim.Member
	query := url.Values{"limit": {strconv.Itoa(maxPage)}}
	for {
		resp := o.run(ctx, "GET /groups/{group}/users", map[string]string{"group": group}, query, nil)
		if err := failed(resp); err != nil {
			return nil, err
		}
		var b listBody
		if err := json.Unmarshal([]byte(resp.Body), &b); err != nil {
			return nil, &scim.Error{Status: http.StatusBadGateway, Detail: "the group's members could not be read"}
		}
		for _, u := range b.Users {
			su := scimUser(u)
			out = append(out, scim.Member{ID: su.ID, UserName: su.UserName})
		}
		if b.NextToken == "" {
			return out, nil
		}
		query = url.Values{"limit": {strconv.Itoa(maxPage)}, "nextToken": {b.NextToken}}
	}
}

// AddMember is PUT /users/{email}/groups/{group}: a role's group is a role
// grant, with its rules (escalation) and its credential rotation.
func (o *scimOps) AddMember(ctx context.Context, group, userID string) error {
	return o.membership(ctx, "PUT /users/{email}/groups/{group}", group, userID)
}

// RemoveMember is DELETE /users/{email}/groups/{group}, with the last role holder's guard.
func (o *scimOps) RemoveMember(ctx context.Context, group, userID string) error {
	return o.membership(ctx, "DELETE /users/{email}/groups/{group}", group, userID)
}

func (o *scimOps) membership(ctx context.Context, key, group, userID string) error {
	if !o.scimGroup(group) {
		return scim.NotFound("group")
	}
	email, err := o.email(ctx, userID)
	if err != nil {
		return err
	}
	return failed(o.run(ctx, key, map[string]string{"email": email, "group": group}, nil, nil))
}
