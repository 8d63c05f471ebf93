package settings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// Environment variables of delegated administration.
const (
	// EnvRoles is the roles with fewer than every permission, or a scope, as
	// JSON ([{"name","permissions","scope"}]); an admin group not in it holds every permission.
	EnvRoles = "ROLES"
	// EnvAdminMFARequired is "true" when administrators must have TOTP set up.
	EnvAdminMFARequired = "ADMIN_MFA_REQUIRED"
)

// Policy returns the deployment's roles: each admin group is a role, with
// the permissions and scope Roles declares for it, or with every
// permission, unscoped, when Roles does not name it. A role's scope must
// name managed groups that are not roles.
func (s Settings) Policy() (*access.Policy, error) {
	var roles []access.Role
	for _, g := range s.AdminGroups {
		r := access.Role{Name: g, Permissions: access.AllPermissions()}
		if i := slices.IndexFunc(s.Roles, func(r access.Role) bool { return r.Name == g }); i >= 0 {
			r = s.Roles[i]
		}
		roles = append(roles, r)
	}
	for _, r := range s.Roles {
		if !s.IsAdminGroup(r.Name) {
			return nil, fmt.Errorf("role %q is not one of the admin groups (%s)", r.Name, EnvAdminGroups)
		}
		for _, g := range r.Scope {
			if !s.IsManagedGroup(g) {
				return nil, fmt.Errorf("role %q: scope group %q is not a managed group", r.Name, g)
			}
		}
	}
	return access.NewPolicy(roles)
}

func encodeRoles(roles []access.Role) string {
	if len(roles) == 0 {
		return ""
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(roles) // names and strings only: cannot fail
	return string(bytes.TrimSpace(b.Bytes()))
}

func decodeRoles(v string) ([]access.Role, error) {
	if v == "" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.DisallowUnknownFields()
	var roles []access.Role
	if err := dec.Decode(&roles); err != nil {
		return nil, fmt.Errorf("%s: %v", EnvRoles, err)
	}
	return roles, nil
}

func parseBool(name, v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s: %q is not true or false", name, v)
	}
	return b, nil
}
