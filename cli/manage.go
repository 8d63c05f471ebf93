package cli

import (
	"encoding/json"
	"strings"

	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/api/client"
	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// pages prints a paged user list: one page (the API's JSON as it came, in
// JSON mode), or with all every page, fetched one after the other from next.
// groups says the pages were asked with their users' groups. keep, when not
// nil, is a filter the API could not apply, applied here to each page.
func (a *app) pages(all, groups bool, next *string, keep func(client.User) bool, fetch func(next *string) ([]byte, error)) error {
	var list client.UserList
	seen := 0
	for {
		body, err := fetch(next)
		if err != nil {
			return err
		}
		if !all && keep == nil && a.output == "json" && a.template == "" {
			return a.printer().raw(body)
		}
		var page client.UserList
		if err := json.Unmarshal(body, &page); err != nil {
			return failErr("the API's answer: %v", err)
		}
		seen += len(page.Users)
		for _, u := range page.Users {
			if keep == nil || keep(u) {
				list.Users = append(list.Users, u)
			}
		}
		list.NextToken = page.NextToken
		if !all || page.NextToken == nil {
			if keep != nil && list.NextToken != nil {
				// Filtered here, a page holds fewer users than --limit, even
				// none, and later pages may still match: say so.
				a.note("%d of the %d users read matched (filtered here, since the API cannot combine these filters); later pages may match too: --next-token %s, or --all",
					len(list.Users), seen, *list.NextToken)
			}
			return a.printer().users(list, groups)
		}
		next = page.NextToken
	}
}

func (a *app) groupsMembersCommand() *cobra.Command {
	var next string
	var limit int
	var all, noGroups bool
	cmd := a.apiCommand("members GROUP", "List the members of a managed group, a page at a time (--all for every page)", "listGroupMembers", cobra.ExactArgs(1),
		func(cmd *cobra.Command, x *API, args []string) error {
			groups := !noGroups
			params := client.ListGroupMembersParams{Groups: &groups}
			if cmd.Flags().Changed("limit") { // even 0: the API says what is wrong with it
				params.Limit = &limit
			}
			var start *string
			if next != "" {
				start = &next
			}
			return a.pages(all, groups, start, nil, func(next *string) ([]byte, error) {
				params.NextToken = next
				return x.Do(x.Client.ListGroupMembers(cmd.Context(), args[0], &params))
			})
		})
	f := cmd.Flags()
	f.IntVar(&limit, "limit", 0, "users per page, 1-60 (default 25), or up to 600 with --no-groups")
	f.BoolVar(&noGroups, "no-groups", false, "leave out each member's groups: one Cognito read less per member, and pages of up to 600")
	f.BoolVar(&all, "all", false, "follow every page")
	f.StringVar(&next, "next-token", "", "start at this page (the nextToken of the previous one)")
	return cmd
}

// usersPasswordCommand is POST /users/{email}/password: --reset makes
// Cognito email a reset code; --temporary sets a new temporary password.
func (a *app) usersPasswordCommand() *cobra.Command {
	var reset, temporary, tempStdin, noInvitation bool
	cmd := a.apiCommand("password EMAIL (--reset | --temporary)", "Reset a user's password, or give them a new temporary one", "setUserPassword", cobra.ExactArgs(1),
		func(cmd *cobra.Command, x *API, args []string) error {
			if reset == temporary {
				return usageErr("give exactly one of --reset and --temporary")
			}
			req := client.PasswordRequest{Mode: client.PasswordRequestMode("reset")}
			if temporary && noInvitation && !tempStdin {
				return usageErr("--no-invitation without --temporary-password-stdin would set a password nobody is told: give it with --temporary-password-stdin and hand it over yourself, or drop --no-invitation")
			}
			mode := access.PasswordReset
			if temporary {
				mode = access.PasswordTemporary
			}
			if err := x.precheck(cmd.Context(), access.PasswordPermission(mode)); err != nil {
				return err
			}
			if temporary {
				req.Mode = client.PasswordRequestMode("temporary")
				var err error
				if req.SendInvitation, req.TemporaryPassword, err = a.temporaryPasswordOptions(noInvitation, tempStdin); err != nil {
					return err
				}
			} else if tempStdin || noInvitation {
				return usageErr("--temporary-password-stdin and --no-invitation go with --temporary")
			}
			body, err := x.Do(x.Client.SetUserPassword(cmd.Context(), args[0], req))
			if err != nil {
				return err
			}
			if temporary {
				a.saidPasswordWent(args[0], noInvitation)
			} else {
				a.note("Cognito emailed %s a code to reset their password; they choose a new one with it.", args[0])
			}
			return a.printer().user(body)
		})
	f := cmd.Flags()
	f.BoolVar(&reset, "reset", false, "Cognito emails the user a code; they choose a new password at sign-in")
	f.BoolVar(&temporary, "temporary", false, "set a new temporary password (generated and emailed, unless given)")
	f.BoolVar(&tempStdin, "temporary-password-stdin", false, "with --temporary: read the temporary password from standard input")
	f.BoolVar(&noInvitation, "no-invitation", false, "with --temporary and a given password: do not email it")
	return cmd
}

// usersUpdateCommand is PATCH /users/{email}: names and declared custom attributes.
func (a *app) usersUpdateCommand() *cobra.Command {
	var given, family string
	var attrs []string
	cmd := a.apiCommand("update EMAIL", "Change a user's names or custom attributes", "updateUser", cobra.ExactArgs(1),
		func(cmd *cobra.Command, x *API, args []string) error {
			var req client.UpdateUserRequest
			if cmd.Flags().Changed("given-name") {
				req.GivenName = &given
			}
			if cmd.Flags().Changed("family-name") {
				req.FamilyName = &family
			}
			if len(attrs) > 0 {
				m := map[string]string{}
				for _, kv := range attrs {
					k, v, ok := strings.Cut(kv, "=")
					if !ok || k == "" {
						return usageErr("--attribute %q: want NAME=VALUE", kv)
					}
					if _, dup := m[k]; dup {
						return usageErr("--attribute %s is given twice", k)
					}
					m[k] = v
				}
				req.Attributes = &m
			}
			if req.GivenName == nil && req.FamilyName == nil && req.Attributes == nil {
				return usageErr("nothing to change: give --given-name, --family-name or --attribute")
			}
			body, err := x.Do(x.Client.UpdateUser(cmd.Context(), args[0], req))
			if err != nil {
				return err
			}
			return a.printer().user(body)
		})
	f := cmd.Flags()
	f.StringVar(&given, "given-name", "", "the user's given name")
	f.StringVar(&family, "family-name", "", "the user's family name")
	f.StringArrayVar(&attrs, "attribute", nil, "a custom attribute the environment declares, NAME=VALUE (repeatable)")
	return cmd
}

// temporaryPasswordOptions turns --no-invitation and --temporary-password-stdin
// into the request's sendInvitation and temporaryPassword (nil: the API's
// default); the password comes from standard input or a no-echo prompt only,
// asked twice at a terminal, and is checked against the pool's policy here,
// every broken rule named at once, before anything is sent.
func (a *app) temporaryPasswordOptions(noInvitation, fromStdin bool) (send *bool, password *string, err error) {
	if noInvitation {
		f := false
		send = &f
	}
	if fromStdin {
		pr := a.prompter(true)
		pw, err := pr.secret("Temporary password")
		if err != nil {
			return nil, nil, usageErr("%v", err)
		}
		if err := policyError(a.profilePolicy(), pw); err != nil {
			return nil, nil, usageErr("the temporary password is refused by the pool's password policy: %v", err)
		}
		if pr.interactive() {
			again, err := pr.secret("Temporary password, again")
			if err != nil {
				return nil, nil, usageErr("%v", err)
			}
			if again != pw {
				return nil, nil, usageErr("the two temporary passwords differ: nothing was sent")
			}
		}
		password = &pw
	}
	return send, password, nil
}

// profilePolicy is the profile's password policy, else the product's default.
func (a *app) profilePolicy() settings.PasswordPolicy {
	p, err := a.loadProfile()
	if err != nil {
		return settings.DefaultPasswordPolicy()
	}
	return p.policy()
}
