package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/useradmin/cognito-user-admin/api/client"
	"github.com/useradmin/cognito-user-admin/lambda/importfile"
)

// This file holds the pieces every command shares so that a new command
// adopts a habit in one line: hints that name the profile in use, the
// confirmation of a dangerous change, the managed groups with their admin
// flags, and did-you-mean suggestions.

// hint is a useradmin command line to run next. It names --profile when a
// profile other than "default" is in use: advice followed as printed must
// act on the same profile.
func (a *app) hint(args ...string) string {
	s := "useradmin " + strings.Join(args, " ")
	if a.profile != "" && a.profile != "default" {
		s += " --profile " + a.profile
	}
	return s
}

// noSessionErr is what every command that needs a session says when there
// is none it can use (exit 3), with the login line for this profile.
func (a *app) noSessionErr(why string) error {
	return &exitError{code: ExitNoSession, err: fmt.Errorf("%s: run %s", why, a.hint("login"))}
}

// confirm asks question on a terminal; elsewhere only --yes (yes) says yes,
// and its absence is a usage error naming the flag, never a silent no.
// It reports whether to go on.
func (a *app) confirm(yes bool, question string) (bool, error) {
	if yes {
		return true, nil
	}
	ok, err := a.prompter(false).confirm(question)
	if err != nil {
		return false, usageErr("%s\nstandard input is not a terminal, so nobody can answer: add --yes to confirm", question)
	}
	return ok, nil
}

// managedGroups is GET /groups: the groups admins may manage, each with
// whether membership grants admin rights.
func (a *app) managedGroups(ctx context.Context, x *API) ([]client.Group, error) {
	body, err := x.Do(x.Client.ListGroups(ctx))
	if err != nil {
		return nil, err
	}
	var l client.GroupList
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, failErr("the API's answer: %v", err)
	}
	return l.Groups, nil
}

// adminGroupsOf returns the names among names that grant admin rights:
// every role's group (GET /groups gives a role its permissions), however
// few permissions or narrow a scope it has, since each lets its members call the API.
func adminGroupsOf(groups []client.Group, names []string) []string {
	var out []string
	for _, n := range names {
		for _, g := range groups {
			if g.Name == n && (g.Admin || g.Permissions != nil) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// checkGroups refuses (exit 2) a group name that is not managed, listing
// the groups one may manage and the nearest name.
func checkGroups(groups []client.Group, names []string) error {
	var all []string
	for _, g := range groups {
		all = append(all, g.Name)
	}
	for _, n := range names {
		if slices.Contains(all, n) {
			continue
		}
		msg := fmt.Sprintf("group %q is not one you may manage", n)
		if near := nearest(n, all); near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		return usageErr("%s\nmanaged groups: %s", msg, strings.Join(all, ", "))
	}
	return nil
}

// confirmAdminGrant asks before granting admin rights: names holds the
// groups to be granted to who. Nothing to ask when none is an admin group.
func (a *app) confirmAdminGrant(groups []client.Group, who string, names []string, yes bool) (bool, error) {
	admin := adminGroupsOf(groups, names)
	if len(admin) == 0 {
		return true, nil
	}
	var what []string
	for _, n := range admin {
		what = append(what, roleSummary(groups, n))
	}
	return a.confirm(yes, fmt.Sprintf("%s grants %s administrator rights (%s). Continue?", strings.Join(admin, ", "), who, strings.Join(what, "; ")))
}

// roleSummary says what a role's group allows, from GET /groups: its
// permissions and whom they reach.
func roleSummary(groups []client.Group, name string) string {
	for _, g := range groups {
		if g.Name != name || g.Permissions == nil {
			continue
		}
		var perms []string
		for _, p := range *g.Permissions {
			perms = append(perms, string(p))
		}
		return fmt.Sprintf("%s: %s over %s", name, strings.Join(perms, " "), scopeText(g.Scope))
	}
	return name + ": every permission over every user"
}

// nearest is the candidate closest to s, or "" when none is a likely typo:
// the rule an import's suggestions follow too (importfile.Nearest).
var nearest = importfile.Nearest

// apiAdvice maps the HTTP calls the API's messages advise to the command
// that makes them: an administrator runs useradmin, not curl.
var apiAdvice = []struct{ call, command string }{
	{"POST /users/{email}/invitation", "users resend EMAIL"},
	{"POST /users/{email}/password", "users password EMAIL --reset"},
	{"POST /users/{email}/enable", "users enable EMAIL"},
	{"POST /users/{email}/disable", "users disable EMAIL"},
	{"POST /users/{email}/sign-out", "users sign-out EMAIL"},
	{"DELETE /users/{email}/mfa", "users remove-mfa EMAIL"},
	{"PATCH /users/{email}", "users update EMAIL"},
	{"GET /users/{email}", "users get EMAIL"},
	{"DELETE /users/{email}", "users delete EMAIL"},
	{"GET /groups", "groups list"},
	{"POST /users", "users create EMAIL"},
	{"GET /users", "users list"},
}

// translateAdvice rewrites the HTTP calls a message of the API advises into
// useradmin command lines (EMAIL filled in when the command had one).
func (a *app) translateAdvice(msg, email string) string {
	for _, t := range apiAdvice {
		if !strings.Contains(msg, t.call) {
			continue
		}
		c := t.command
		if email != "" {
			c = strings.Replace(c, "EMAIL", shellQuote(email), 1)
		}
		msg = strings.ReplaceAll(msg, t.call, a.hint(strings.Fields(c)...))
	}
	return msg
}

// inputStatus says an API answer refused the caller's input (exit 2, as a
// usage error is): the request was malformed or its values invalid.
func inputStatus(status int) bool {
	switch status {
	case 400, 413, 415, 422:
		return true
	}
	return false
}
