package cli

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"github.com/useradmin/cognito-user-admin/api/client"
	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// The CLI's side of roles: it asks the API who the caller is (GET /me) and
// applies the API's own rules (lambda/access) before sending, where it can
// know the answer. The API still decides every call.

// meCache holds one run's GET /me.
type meCache struct {
	once sync.Once
	me   *client.Me
	err  error
}

// Me is the caller as GET /me answers, asked once per run.
func (x *API) Me(ctx context.Context) (*client.Me, error) {
	x.meCache.once.Do(func() {
		body, err := x.Do(x.Client.GetMe(ctx))
		if err != nil {
			x.meCache.err = err
			return
		}
		var me client.Me
		if err := json.Unmarshal(body, &me); err != nil {
			x.meCache.err = failErr("the API's answer: %v", err)
			return
		}
		x.meCache.me = &me
	})
	return x.meCache.me, x.meCache.err
}

// grantOf rebuilds the caller's grant from their role definitions, knowing
// as roles also the role groups of GET /groups (admin, with permissions),
// so that the rules about granting roles apply as the API applies them.
func grantOf(me *client.Me, groups []client.Group) (access.Grant, error) {
	var roles []access.Role
	mine := map[string]bool{}
	for _, r := range me.RoleDefinitions {
		roles = append(roles, roleOf(r.Name, r.Permissions, r.Scope))
		mine[r.Name] = true
	}
	for _, g := range groups {
		if g.Admin && g.Permissions != nil && !mine[g.Name] {
			roles = append(roles, roleOf(g.Name, *g.Permissions, g.Scope))
		}
	}
	p, err := access.NewPolicy(roles)
	if err != nil {
		return access.Grant{}, err
	}
	return p.Grant(me.Roles), nil
}

func roleOf(name string, perms []string, scope *[]string) access.Role {
	r := access.Role{Name: name}
	for _, p := range perms {
		r.Permissions = append(r.Permissions, access.Permission(p))
	}
	if scope != nil {
		r.Scope = *scope
	}
	return r
}

// precheck refuses, before sending, a command whose permission the caller's
// roles do not grant (exit 1, as the API's 403 NotPermitted would be).
// When the API cannot say who the caller is (an older API without GET /me,
// or any failure), the command is sent and the API decides.
func (x *API) precheck(ctx context.Context, p access.Permission) error {
	me, err := x.Me(ctx)
	var ee *exitError
	if errors.As(err, &ee) && ee.code == ExitNoSession {
		return err
	}
	if err != nil || len(me.Roles) == 0 {
		return nil
	}
	g, err := grantOf(me, nil)
	if err != nil {
		return nil
	}
	if err := g.Need(p); err != nil {
		return &exitError{code: ExitAPI, err: errors.New("not sent: " + err.Error() + " (the API would refuse it with 403 NotPermitted; useradmin whoami lists your permissions)")}
	}
	return nil
}

// operationPermissions are the permissions of the changes whose
// permission does not depend on their arguments (see the route table of
// lambda/handler); the others check their own or leave it to the API.
// Reads (users:read) are not pre-checked: a refused read changes nothing,
// and the pre-check's GET /me would cost every list page, every export
// page included, a second live check (two Cognito calls).
var operationPermissions = map[string]access.Permission{
	"createUser":       access.UsersCreate,
	"deleteUser":       access.UsersDelete,
	"resendInvitation": access.UsersInvite,
	"disableUser":      access.UsersDisable,
	"enableUser":       access.UsersDisable,
	"signOutUser":      access.UsersSignOut,
	"removeUserMfa":    access.UsersMFA,
	"updateUser":       access.UsersEdit,
}

// importGrant is the caller's grant for an import's dry run and checks, or
// false when the API cannot say (the API then judges each row).
func (b bulkAPI) importGrant(ctx context.Context) (access.Grant, bool) {
	me, err := b.x.Me(ctx)
	if err != nil {
		return access.Grant{}, false
	}
	var groups []client.Group
	if body, err := b.x.Do(b.x.Client.ListGroups(ctx)); err == nil {
		var l client.GroupList
		if json.Unmarshal(body, &l) == nil {
			groups = l.Groups
		}
	}
	g, err := grantOf(me, groups)
	return g, err == nil
}

// scopeText is a scope for people: the groups, or "everyone".
func scopeText(scope *[]string) string {
	if scope == nil || len(*scope) == 0 {
		return "everyone (unscoped)"
	}
	return "members of " + strings.Join(*scope, ", ")
}
