package handler

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/errgroup"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// group is one managed group as the API shows it.
type group struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Admin says whether members may call this API.
	Admin bool `json:"admin"`
	// Precedence is Cognito's: the lower, the stronger when a user is in several groups.
	Precedence *int32 `json:"precedence,omitempty"`
	// Permissions and Scope are a role's (Admin true), for clients applying
	// lambda/access's rules before sending; absent on other groups.
	Permissions []access.Permission `json:"permissions,omitempty"`
	Scope       []string            `json:"scope,omitempty"`
	// created and modified are Cognito's dates, for SCIM's meta.
	created, modified *time.Time
}

type groupsBody struct {
	Groups []group `json:"groups"`
}

// listGroups answers the managed groups that exist in the pool, in the
// configuration's order. It reads them with ListGroups rather than one
// GetGroup per managed group: one call (a page holds 60) whatever the number
// of managed groups, and a managed group missing from the pool (renamed by
// hand, say) is simply not listed instead of failing the whole answer.
func (h *Handler) listGroups(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	groups, err := h.visibleGroups(ctx, c)
	if err != nil {
		return none, err
	}
	return jsonResponse(http.StatusOK, groupsBody{Groups: groups}), nil
}

// visibleGroups are the managed groups that exist in the pool and the
// caller sees, in the configuration's order: GET /groups, and the groups
// an import preview accepts (as the CLI's import does, from GET /groups).
func (h *Handler) visibleGroups(ctx context.Context, c *call) ([]group, error) {
	found := map[string]types.GroupType{}
	in := &cip.ListGroupsInput{UserPoolId: &h.settings.UserPoolID, Limit: aws.Int32(60)}
	for {
		out, err := h.cognito.ListGroups(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, g := range out.Groups {
			if name := aws.ToString(g.GroupName); h.settings.IsManagedGroup(name) {
				found[name] = g
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	groups := []group{}
	// A scoped caller sees their scope groups only.
	for _, name := range c.caller.grant.VisibleGroups(h.settings.ManagedGroups) {
		g, ok := found[name]
		if !ok {
			continue
		}
		delete(found, name) // a name listed twice in the settings is answered once
		out := group{
			Name:        name,
			Description: aws.ToString(g.Description),
			Admin:       h.settings.IsAdminGroup(name),
			Precedence:  g.Precedence,
			created:     g.CreationDate,
			modified:    g.LastModifiedDate,
		}
		if r, ok := h.policy.Role(name); ok {
			out.Permissions, out.Scope = r.Permissions, r.Scope
		}
		groups = append(groups, out)
	}
	return groups, nil
}

// listMembers answers one page of a managed group's members, like GET
// /users: with each member's groups when asked for.
func (h *Handler) listMembers(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := h.readGroup(c); err != nil {
		return none, err
	}
	// A group out of a scoped caller's sight does not exist for them, like its members.
	if !c.caller.grant.SeesGroup(c.group) {
		return none, newError(http.StatusNotFound, "GroupNotFound", "group not found")
	}
	// The token is bound to the group as well as the pool: Cognito's tokens
	// are per listing, and another listing's would fail there obscurely.
	scope := h.settings.UserPoolID + " group " + c.group
	p, err := decodeMembers(c.req, scope)
	if err != nil {
		return none, err
	}
	page, next, err := h.readPages(ctx, p, func(ctx context.Context, limit int32, token string) ([]types.UserType, string, error) {
		in := &cip.ListUsersInGroupInput{UserPoolId: &h.settings.UserPoolID, GroupName: &c.group, Limit: &limit}
		if token != "" {
			in.NextToken = &token
		}
		out, err := h.cognito.ListUsersInGroup(ctx, in)
		if err != nil {
			return nil, "", fromCognito(err, true)
		}
		return out.Users, aws.ToString(out.NextToken), nil
	})
	if err != nil {
		return none, err
	}
	// Every member is in sight: the group is (checked above), and so is whoever is in it.
	return h.listAnswer(ctx, c, p, page, next, scope, false)
}

// decodeMembers reads ?limit=, ?nextToken= and ?groups=, and nothing else.
func decodeMembers(req events.APIGatewayProxyRequest, scope string) (paging, error) {
	p := paging{limit: defaultPage}
	params := queryParams(req)
	invalidToken := newError(http.StatusBadRequest, "InvalidNextToken", "nextToken is not a token this API issued for this group's members")
	for _, key := range slices.Sorted(maps.Keys(params)) {
		vals := params[key]
		if len(vals) != 1 {
			return p, badRequest("query parameter %q is repeated", key)
		}
		ok, err := readPaging(&p, key, vals[0], scope, invalidToken)
		if !ok {
			return p, badRequest("unknown query parameter %q", key)
		}
		if err != nil {
			return p, err
		}
	}
	return p, p.check()
}

// withGroups turns a page of users into answers with their groups, read
// concurrently; a user deleted since the page was read is left out.
func (h *Handler) withGroups(ctx context.Context, page []types.UserType) ([]user, error) {
	users := make([]*user, len(page))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(groupFetches)
	for i, t := range page {
		g.Go(func() error {
			groups, err := h.groupsOf(gctx, aws.ToString(t.Username))
			if is[*types.UserNotFoundException](err) {
				return nil // deleted since the page was read: leave it out rather than fail the page
			}
			if err != nil {
				return err
			}
			u := fromUserType(&t, groups)
			users[i] = &u
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := []user{}
	for _, u := range users {
		if u != nil {
			out = append(out, *u)
		}
	}
	return out, nil
}
