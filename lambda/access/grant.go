package access

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Rule names the rule behind a refusal, for the audit line and the message.
type Rule string

// The rules.
const (
	// RulePermission: the caller holds no role granting the permission.
	RulePermission Rule = "permission"
	// RuleScope: the user exists for the caller, but the permission used does not reach them.
	RuleScope Rule = "scope"
	// RuleHidden: the user is outside everything the caller's roles reach (answered as not found).
	RuleHidden Rule = "hidden"
	// RuleEscalation: granting or removing a role the caller does not hold in full.
	RuleEscalation Rule = "escalation"
	// RuleTakeover: acting on a role holder whose roles the caller does not hold in full.
	RuleTakeover Rule = "takeover"
	// RuleRoleHolderPassword: a role holder's password chosen by an admin, or kept from them.
	RuleRoleHolderPassword Rule = "role_holder_password"
	// RuleScopeGroup: a scoped create or group change that would put a user outside the caller's scope.
	RuleScopeGroup Rule = "scope_group"
	// RuleLastScopeGroup: removing the last of a user's groups in the caller's scope.
	RuleLastScopeGroup Rule = "last_scope_group"
	// RuleLastHolder: the change would leave a role with roles:grant without an enabled holder.
	RuleLastHolder Rule = "last_holder"
	// RuleMFA: an administrator without TOTP, where the deployment requires it.
	RuleMFA Rule = "mfa_required"
)

// API error codes of refusals.
const (
	CodeNotPermitted       = "NotPermitted"
	CodeUserNotFound       = "UserNotFound"
	CodeScopeGroupRequired = "ScopeGroupRequired"
	CodeLastRoleHolder     = "LastRoleHolder"
	CodeMFARequired        = "MFARequired"
)

// Refusal is a decision against the caller: the API error to answer
// (Status, Code, Message) and, for the audit line, the rule and the
// permission concerned.
type Refusal struct {
	Code       string
	Rule       Rule
	Permission Permission
	Message    string
}

func (r *Refusal) Error() string { return r.Code + ": " + r.Message }

// Status is the HTTP status the API answers the refusal with.
func (r *Refusal) Status() int {
	switch r.Code {
	case CodeUserNotFound:
		return http.StatusNotFound
	case CodeScopeGroupRequired:
		return http.StatusBadRequest
	case CodeLastRoleHolder:
		return http.StatusConflict
	}
	return http.StatusForbidden
}

// NotFoundMessage is the message of a hidden user's 404: the very message a
// user missing from the pool gets, so the two cannot be told apart.
const NotFoundMessage = "user not found"

func notPermitted(rule Rule, p Permission, format string, args ...any) *Refusal {
	return &Refusal{Code: CodeNotPermitted, Rule: rule, Permission: p, Message: fmt.Sprintf(format, args...)}
}

func hidden(p Permission) *Refusal {
	return &Refusal{Code: CodeUserNotFound, Rule: RuleHidden, Permission: p, Message: NotFoundMessage}
}

// Grant is what a caller may do: the union of their roles.
type Grant struct {
	policy *Policy
	roles  []Role // sorted by name
}

// Roles returns the caller's role names, sorted.
func (g Grant) Roles() []string {
	out := make([]string, len(g.roles))
	for i, r := range g.roles {
		out[i] = r.Name
	}
	return out
}

// Definitions returns the caller's roles as declared, sorted by name, so a
// client can apply these rules to itself (the CLI's dry run does).
func (g Grant) Definitions() []Role {
	out := make([]Role, len(g.roles))
	for i, r := range g.roles {
		out[i] = Role{Name: r.Name, Permissions: slices.Clone(r.Permissions), Scope: slices.Clone(r.Scope)}
	}
	return out
}

// Any reports whether the caller holds any role at all.
func (g Grant) Any() bool { return len(g.roles) > 0 }

// Permissions returns every permission the caller holds, implied ones
// included, sorted and unique.
func (g Grant) Permissions() []string {
	var out []string
	for _, p := range all {
		if g.Has(p) {
			out = append(out, string(p))
		}
	}
	slices.Sort(out)
	return out
}

// Has reports whether any of the caller's roles grants p.
func (g Grant) Has(p Permission) bool {
	for _, r := range g.roles {
		if r.grants(p) {
			return true
		}
	}
	return false
}

// Reach is where p reaches: the scopes of the roles that grant it.
func (g Grant) Reach(p Permission) Reach {
	var granting []Role
	for _, r := range g.roles {
		if r.grants(p) {
			granting = append(granting, r)
		}
	}
	if len(granting) == 0 {
		return Reach{}
	}
	return reachOf(granting)
}

// Sight is everything the caller sees: the reach of all their roles.
func (g Grant) Sight() Reach {
	if len(g.roles) == 0 {
		return Reach{}
	}
	return reachOf(g.roles)
}

// Scope is the caller's scope groups, or nil when unscoped.
func (g Grant) Scope() []string {
	s := g.Sight()
	if s.All {
		return nil
	}
	return s.Groups
}

// Need refuses a route whose permission the caller does not hold, before
// anything is read: 403 NotPermitted naming it.
func (g Grant) Need(p Permission) error {
	if g.Has(p) {
		return nil
	}
	return notPermitted(RulePermission, p, "your roles (%s) do not grant %s", g.rolesText(), p)
}

func (g Grant) rolesText() string {
	if len(g.roles) == 0 {
		return "none"
	}
	return strings.Join(g.Roles(), ", ")
}

// Sees reports whether a user in groups exists for the caller.
func (g Grant) Sees(groups []string) bool { return g.Sight().Contains(groups) }

// Read decides whether the caller may read a user in groups: out of sight
// is not found.
func (g Grant) Read(groups []string) error {
	if err := g.Need(UsersRead); err != nil {
		return err
	}
	if !g.Sees(groups) {
		return hidden(UsersRead)
	}
	return nil
}

// Act decides whether the caller may use p to change a user in groups: the
// user must be in sight (else not found), within p's reach, and hold no
// role the caller does not hold in full (no takeover).
func (g Grant) Act(p Permission, groups []string) error {
	if err := g.Need(p); err != nil {
		return err
	}
	if !g.Sees(groups) {
		return hidden(p)
	}
	if !g.Reach(p).Contains(groups) {
		return notPermitted(RuleScope, p, "%s does not reach this user: your roles grant it for members of %s only", p, strings.Join(g.Reach(p).Groups, ", "))
	}
	for _, r := range g.policy.RolesOf(groups) {
		if !g.Covers(r) {
			return notPermitted(RuleTakeover, p, "the user holds the role %s, which your roles do not hold in full (every permission, as widely scoped): only an administrator who does may change them", r.Name)
		}
	}
	return nil
}

// Covers reports whether the caller holds every permission of r, each
// reaching at least as far as r does.
func (g Grant) Covers(r Role) bool {
	want := roleReach(r)
	for _, p := range r.Permissions {
		if !g.Has(p) || !g.Reach(p).Covers(want) {
			return false
		}
	}
	return true
}

// IsRoleHolder reports whether a user in groups holds any role.
func (g Grant) IsRoleHolder(groups []string) bool { return len(g.policy.RolesOf(groups)) > 0 }

// Assign decides adding a user in groups to group (PUT …/groups/{group}).
// A role needs roles:grant and the role in full (no escalation); another
// managed group needs groups:assign, and a scoped caller assigns only their
// scope groups. The user must also be one the caller may act on.
func (g Grant) Assign(group string, groups []string) error {
	p := g.membershipPermission(group)
	if err := g.Act(p, groups); err != nil {
		return err
	}
	return g.mayHandle(p, group)
}

// Unassign decides removing a user in groups from group: as Assign, and a
// scoped caller never removes the last of the user's groups in their scope,
// which would leave the user out of every tenant they manage.
func (g Grant) Unassign(group string, groups []string) error {
	p := g.membershipPermission(group)
	if err := g.Act(p, groups); err != nil {
		return err
	}
	if err := g.mayHandle(p, group); err != nil {
		return err
	}
	if reach := g.Reach(p); !reach.All && reach.Contains(groups) {
		rest := slices.DeleteFunc(slices.Clone(groups), func(x string) bool { return x == group })
		if !reach.Contains(rest) {
			return notPermitted(RuleLastScopeGroup, p, "%s is the user's last group in your scope (%s): removing it would put them out of your reach", group, strings.Join(reach.Groups, ", "))
		}
	}
	return nil
}

func (g Grant) membershipPermission(group string) Permission {
	if g.policy.IsRole(group) {
		return RolesGrant
	}
	return GroupsAssign
}

// mayHandle checks the group itself: a role must be held in full, a group must be in p's scope.
func (g Grant) mayHandle(p Permission, group string) error {
	if r, ok := g.policy.Role(group); ok {
		if !g.Covers(r) {
			return notPermitted(RuleEscalation, RolesGrant, "you may grant or remove only roles you hold in full (every permission, as widely scoped): %s is not one", r.Name)
		}
		return nil
	}
	if reach := g.Reach(p); !reach.All && !slices.Contains(reach.Groups, group) {
		return notPermitted(RuleScopeGroup, p, "%s is not one of your scope groups (%s)", group, strings.Join(reach.Groups, ", "))
	}
	return nil
}

// CreateRequest is what the create rules look at.
type CreateRequest struct {
	Groups []string
	// ChosenPassword: the request gives the temporary password.
	ChosenPassword bool
	SendInvitation bool
}

// Create decides a create (POST /users) and returns the groups the new user
// goes into, sorted: the requested ones and, for a caller whose
// users:create is scoped to one group and who named none of theirs, that
// group. A scoped caller with several scope groups must name one (400
// ScopeGroupRequired). Other groups need groups:assign in its scope, roles
// roles:grant and the role in full; and a user created into a role gets a
// temporary password Cognito generates and emails, never one an admin chose
// or kept.
func (g Grant) Create(r CreateRequest) ([]string, error) {
	if err := g.Need(UsersCreate); err != nil {
		return nil, err
	}
	groups := slices.Clone(r.Groups)
	reach := g.Reach(UsersCreate)
	if !reach.All && !reach.Contains(groups) {
		if len(reach.Groups) != 1 {
			return nil, &Refusal{Code: CodeScopeGroupRequired, Rule: RuleScopeGroup, Permission: UsersCreate,
				Message: fmt.Sprintf("groups must name at least one of your scope groups (%s): a user you create must be in your scope", strings.Join(reach.Groups, ", "))}
		}
		groups = append(groups, reach.Groups[0])
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)
	for _, group := range groups {
		if role, ok := g.policy.Role(group); ok {
			if err := g.Need(RolesGrant); err != nil {
				return nil, err
			}
			if !g.Reach(RolesGrant).Contains(groups) {
				return nil, notPermitted(RuleScope, RolesGrant, "roles:grant does not reach a user in these groups: your roles grant it for members of %s only", strings.Join(g.Reach(RolesGrant).Groups, ", "))
			}
			if !g.Covers(role) {
				return nil, notPermitted(RuleEscalation, RolesGrant, "you may grant only roles you hold in full (every permission, as widely scoped): %s is not one", role.Name)
			}
			continue
		}
		// A scope group of a scoped creator is part of creating in scope.
		if !reach.All && slices.Contains(reach.Groups, group) {
			continue
		}
		if err := g.Need(GroupsAssign); err != nil {
			return nil, err
		}
		if err := g.mayHandle(GroupsAssign, group); err != nil {
			return nil, err
		}
	}
	if g.IsRoleHolder(groups) {
		if err := roleHolderPassword(UsersCreate, r.ChosenPassword, r.SendInvitation); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

// roleHolderPassword refuses what would let an admin know or keep a role
// holder's password: a temporary password the admin chose, or one not
// emailed to the user. Whoever the caller is, a role holder's password
// changes only by a reset or a temporary password Cognito emails them.
func roleHolderPassword(p Permission, chosen, send bool) error {
	switch {
	case chosen:
		return notPermitted(RuleRoleHolderPassword, p, "a role holder's temporary password cannot be chosen by an administrator: leave temporaryPassword out (Cognito generates and emails one), or use a reset")
	case !send:
		return notPermitted(RuleRoleHolderPassword, p, "a role holder's temporary password must be emailed to them: leave sendInvitation true, or use a reset")
	}
	return nil
}

// PasswordMode is the mode of POST …/password.
type PasswordMode string

// The password modes.
const (
	PasswordReset     PasswordMode = "reset"
	PasswordTemporary PasswordMode = "temporary"
)

// PasswordPermission is the permission a password mode needs: a reset
// needs users:password:reset (which users:password implies), a temporary
// password users:password.
func PasswordPermission(mode PasswordMode) Permission {
	if mode == PasswordReset {
		return UsersPasswordReset
	}
	return UsersPassword
}

// Password decides POST …/password on a user in groups.
func (g Grant) Password(mode PasswordMode, chosen, send bool, groups []string) error {
	p := PasswordPermission(mode)
	if err := g.Act(p, groups); err != nil {
		return err
	}
	if mode == PasswordTemporary && g.IsRoleHolder(groups) {
		return roleHolderPassword(p, chosen, send)
	}
	return nil
}

// RequireMFA refuses an administrator without TOTP when the deployment
// requires it (required); the message says how to set it up.
func RequireMFA(required, hasTOTP bool) error {
	if !required || hasTOTP {
		return nil
	}
	return &Refusal{Code: CodeMFARequired, Rule: RuleMFA,
		Message: "administrators must have MFA (TOTP) set up to use this API: run `useradmin mfa setup`, then sign in again"}
}

// LastHolder is the refusal of a change that would leave a role with
// roles:grant without an enabled holder.
func LastHolder(p Permission, role string) error {
	return &Refusal{Code: CodeLastRoleHolder, Rule: RuleLastHolder, Permission: p,
		Message: fmt.Sprintf("the user is the last enabled holder of %s, which grants roles: someone must always hold it; grant it to another user first", role)}
}

// VisibleGroups returns, of groups (in their order), those the caller may
// see listed: every one for an unscoped caller, their scope groups only for
// a scoped one (GET /groups).
func (g Grant) VisibleGroups(groups []string) []string {
	sight := g.Sight()
	if sight.All {
		return slices.Clone(groups)
	}
	var out []string
	for _, x := range groups {
		if slices.Contains(sight.Groups, x) {
			out = append(out, x)
		}
	}
	return out
}

// SeesGroup reports whether the caller may see a group and list its
// members: any group for an unscoped caller, their scope groups for a scoped one.
func (g Grant) SeesGroup(group string) bool {
	sight := g.Sight()
	return sight.All || slices.Contains(sight.Groups, group)
}
