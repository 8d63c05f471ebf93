// Package access holds the rules of delegated administration: roles, their
// permissions and scopes, and every decision the admin API takes about what
// a caller may do to whom. It is plain Go without AWS types, so the Lambda,
// the useradmin CLI's dry run and later SCIM apply the same rules.
//
// How roles combine. A caller holds the roles whose groups they are in, live
// in the pool. A permission reaches where the roles that grant it reach: the
// union of those roles' scopes, or everywhere when any of them is unscoped.
// Scopes never travel between permissions: a caller with an unscoped
// helpdesk role and a tenant-scoped admin role disables users of the tenant
// only, though they read everyone. A user is visible to the caller when any
// of the caller's roles reaches them; a user no role reaches does not exist
// for the caller (404 UserNotFound, never 403).
//
// Implication. users:password covers users:password:reset (a reset is the
// lesser of the two modes), so a role with users:password holds everything
// a reset-only role does.
package access

import (
	"fmt"
	"slices"
	"strings"
)

// Permission is one power of the admin API, named as the API documents it.
type Permission string

// The permissions. users:password:reset is the reset-only half of
// users:password (POST …/password with mode reset).
const (
	UsersRead          Permission = "users:read"
	UsersCreate        Permission = "users:create"
	UsersInvite        Permission = "users:invite"
	UsersDisable       Permission = "users:disable"
	UsersSignOut       Permission = "users:sign-out"
	UsersDelete        Permission = "users:delete"
	UsersPassword      Permission = "users:password"
	UsersPasswordReset Permission = "users:password:reset"
	UsersMFA           Permission = "users:mfa"
	UsersEdit          Permission = "users:edit"
	GroupsAssign       Permission = "groups:assign"
	RolesGrant         Permission = "roles:grant"
	AuditRead          Permission = "audit:read"
)

// all is every permission, in the order the documentation lists them.
var all = []Permission{
	UsersRead, UsersCreate, UsersInvite, UsersDisable, UsersSignOut, UsersDelete,
	UsersPassword, UsersPasswordReset, UsersMFA, UsersEdit, GroupsAssign, RolesGrant, AuditRead,
}

// implies lists, for a permission, the narrower ones it holds too.
var implies = map[Permission][]Permission{
	UsersPassword: {UsersPasswordReset},
}

// AllPermissions returns every permission, in documentation order.
func AllPermissions() []Permission { return slices.Clone(all) }

// UserPermissions returns every users:* permission.
func UserPermissions() []Permission {
	var out []Permission
	for _, p := range all {
		if strings.HasPrefix(string(p), "users:") {
			out = append(out, p)
		}
	}
	return out
}

// Valid reports whether p is a permission this package knows.
func (p Permission) Valid() bool { return slices.Contains(all, p) }

// Role is an admin group with its permissions and optional scope: the
// managed groups whose members it may see and act on (empty: everyone).
type Role struct {
	Name        string       `json:"name"`
	Permissions []Permission `json:"permissions"`
	Scope       []string     `json:"scope,omitempty"`
}

// Scoped reports whether the role reaches only members of its scope groups.
func (r Role) Scoped() bool { return len(r.Scope) > 0 }

// grants reports whether r holds p, directly or through an implication.
func (r Role) grants(p Permission) bool {
	for _, q := range r.Permissions {
		if q == p || slices.Contains(implies[q], p) {
			return true
		}
	}
	return false
}

// Validate reports a role that could not be enforced as written.
func (r Role) Validate() error {
	if r.Name == "" {
		return fmt.Errorf("a role has no name")
	}
	if len(r.Permissions) == 0 {
		return fmt.Errorf("role %q has no permissions", r.Name)
	}
	seen := map[Permission]bool{}
	for _, p := range r.Permissions {
		if !p.Valid() {
			return fmt.Errorf("role %q: unknown permission %q (known: %s)", r.Name, p, joinPerms(all))
		}
		if seen[p] {
			return fmt.Errorf("role %q: permission %q is listed twice", r.Name, p)
		}
		seen[p] = true
	}
	// The audit trail names users whatever their groups: a scoped role
	// reading it would learn of users its scope hides (GET /audit is not
	// filtered by scope), so audit:read is for unscoped roles only.
	if r.Scoped() && slices.Contains(r.Permissions, AuditRead) {
		return fmt.Errorf("role %q: a scoped role cannot hold %s (the audit trail is not filtered by scope)", r.Name, AuditRead)
	}
	for i, g := range r.Scope {
		if g == "" {
			return fmt.Errorf("role %q: an empty scope group", r.Name)
		}
		if slices.Contains(r.Scope[:i], g) {
			return fmt.Errorf("role %q: scope group %q is listed twice", r.Name, g)
		}
		if g == r.Name {
			return fmt.Errorf("role %q: a role cannot be its own scope", r.Name)
		}
	}
	return nil
}

func joinPerms(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

// Policy is a deployment's roles.
type Policy struct {
	roles []Role
}

// NewPolicy checks roles and returns the policy they make. A role's scope
// may not name a role: scopes are groups of users, roles are groups of admins.
func NewPolicy(roles []Role) (*Policy, error) {
	p := &Policy{}
	for _, r := range roles {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		if p.IsRole(r.Name) {
			return nil, fmt.Errorf("role %q is declared twice", r.Name)
		}
		p.roles = append(p.roles, Role{Name: r.Name, Permissions: slices.Clone(r.Permissions), Scope: slices.Clone(r.Scope)})
	}
	for _, r := range p.roles {
		for _, g := range r.Scope {
			if p.IsRole(g) {
				return nil, fmt.Errorf("role %q: scope group %q is a role; a scope names groups of users, not of admins", r.Name, g)
			}
		}
	}
	return p, nil
}

// Roles returns the roles, in declaration order.
func (p *Policy) Roles() []Role { return slices.Clone(p.roles) }

// IsRole reports whether group is a role's group.
func (p *Policy) IsRole(group string) bool {
	_, ok := p.Role(group)
	return ok
}

// Role returns the role of a group.
func (p *Policy) Role(group string) (Role, bool) {
	for _, r := range p.roles {
		if r.Name == group {
			return r, true
		}
	}
	return Role{}, false
}

// RolesOf returns the roles among a user's groups, sorted by name.
func (p *Policy) RolesOf(groups []string) []Role {
	var out []Role
	for _, r := range p.roles {
		if slices.Contains(groups, r.Name) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Role) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Guarded returns, sorted, the roles among groups whose last enabled holder
// must remain: those with roles:grant, without which nobody could grant any
// role again.
func (p *Policy) Guarded(groups []string) []string {
	var out []string
	for _, r := range p.RolesOf(groups) {
		if r.grants(RolesGrant) {
			out = append(out, r.Name)
		}
	}
	return out
}

// Grant returns the caller's effective grant from their groups in the pool.
func (p *Policy) Grant(groups []string) Grant {
	return Grant{policy: p, roles: p.RolesOf(groups)}
}

// Reach is where a permission (or the caller's sight) reaches: everyone, or
// the members of Groups.
type Reach struct {
	All    bool
	Groups []string // sorted, unique; empty when All
}

// Contains reports whether a user in groups is within the reach.
func (r Reach) Contains(groups []string) bool {
	if r.All {
		return true
	}
	for _, g := range groups {
		if slices.Contains(r.Groups, g) {
			return true
		}
	}
	return false
}

// Covers reports whether r reaches at least as far as other.
func (r Reach) Covers(other Reach) bool {
	if r.All {
		return true
	}
	if other.All {
		return false
	}
	for _, g := range other.Groups {
		if !slices.Contains(r.Groups, g) {
			return false
		}
	}
	return true
}

// reachOf combines roles' scopes: unscoped when any is.
func reachOf(roles []Role) Reach {
	var r Reach
	for _, role := range roles {
		if !role.Scoped() {
			return Reach{All: true}
		}
		r.Groups = append(r.Groups, role.Scope...)
	}
	slices.Sort(r.Groups)
	r.Groups = slices.Compact(r.Groups)
	return r
}

func roleReach(r Role) Reach {
	return reachOf([]Role{r})
}
