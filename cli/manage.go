package cli

import (
	"encoding/json"
	"strings"

	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/api/client"
	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// pages prints a paged user list: one page (the API's JSON as it came, in
// JSON mode), or with all every page, fetched one after the other from next.
func (a *app) pages(all bool, next *string, fetch func(next *string) ([]byte, error)) error {
	var list client.UserList
	for {
		body, err := fetch(next)
		if err != nil {
			return err
		}
		if !all && a.output == "json" {
			return a.printer().raw(body)
		}
		var page client.UserList
		if err := json.Unmarshal(body, &page); err != nil {
			return failErr("the API's answer: %v", err)
		}
		list.Users = append(list.Users, page.Users...)
		list.NextToken = page.NextToken
		if !all || page.NextToken == nil {
			return a.printer().users(list)
		}
		next = page.NextToken
	}
}

func (a *app) groupsMembersCommand() *cobra.Command {
	var next string
	var limit int
	var all bool
	cmd := a.apiCommand("members GROUP", "List the members of a managed group, a page at a time (--all for every page)", "listGroupMembers", cobra.ExactArgs(1),
		func(cmd *cobra.Command, x *API, args []string) error {
			params := client.ListGroupMembersParams{}
			if cmd.Flags().Changed("limit") { // even 0: the API says what is wrong with it
				params.Limit = &limit
			}
			var start *string
			if next != "" {
				start = &next
			}
			return a.pages(all, start, func(next *string) ([]byte, error) {
				params.NextToken = next
				return x.Do(x.Client.ListGroupMembers(cmd.Context(), args[0], &params))
			})
		})
	f := cmd.Flags()
	f.IntVar(&limit, "limit", 0, "users per page, 1-60 (default 25)")
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
// default); the password comes from standard input or a no-echo prompt only.
func (a *app) temporaryPasswordOptions(noInvitation, fromStdin bool) (send *bool, password *string, err error) {
	if noInvitation {
		f := false
		send = &f
	}
	if fromStdin {
		pw, err := a.prompter(true).secret("temporary password")
		if err != nil {
			return nil, nil, usageErr("%v", err)
		}
		password = &pw
	}
	return send, password, nil
}
