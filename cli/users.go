package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/api/client"
)

// operationKey annotates each command with the operationId of
// api/openapi.yaml it calls; a test holds every operation to a command.
const operationKey = "operationId"

// apiCommand is a command that calls one operation of the API with the
// signed-in profile's session. run gets the API and the arguments.
func (a *app) apiCommand(use, short, operationID string, nargs cobra.PositionalArgs, run func(cmd *cobra.Command, x *API, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use:         use,
		Short:       short,
		Args:        args(nargs),
		Annotations: map[string]string{operationKey: operationID},
		RunE: func(cmd *cobra.Command, argv []string) error {
			if err := checkPathArgs(cmd, argv); err != nil {
				return err
			}
			x, err := a.api(cmd.Context())
			if err != nil {
				return err
			}
			if p := operationPermissions[operationID]; p != "" {
				if err := x.precheck(cmd.Context(), p); err != nil {
					return err
				}
			}
			email := ""
			if len(argv) > 0 && strings.HasPrefix(cmd.Use, strings.Fields(cmd.Use)[0]+" EMAIL") {
				email = argv[0]
			}
			return a.exit(run(cmd, x, argv), email)
		},
	}
}

// checkPathArgs refuses an argument that would change which route a request
// takes. The client escapes each argument into its path segment ("/" and "%"
// included), but "", "." and ".." stay what they are, and resolving the URL
// then drops or climbs a segment: "groups remove victim@example.com .."
// would send DELETE /users/victim%40example.com/, which a gateway that
// ignores a trailing slash routes to deleting the user. Every positional
// argument of an API command is an email or a group name, neither of which
// can be one of these (an email in a body, for create, included).
func checkPathArgs(cmd *cobra.Command, argv []string) error {
	names := strings.Fields(cmd.Use)[1:]
	for i, v := range argv {
		if v != "" && v != "." && v != ".." {
			continue
		}
		name := "argument"
		if i < len(names) {
			name = names[i]
		}
		return usageErr("%s: %s %q is refused: an empty, \".\" or \"..\" value would change the request's path to another route", cmd.CommandPath(), name, v)
	}
	return nil
}

func (a *app) usersCommand() *cobra.Command {
	users := &cobra.Command{Use: "users", Short: "Create, list, get, re-invite, disable, enable and delete users"}
	users.AddCommand(
		a.usersCreateCommand(),
		a.usersListCommand(),
		a.apiCommand("get EMAIL", "Show one user with their groups", "getUser", cobra.ExactArgs(1),
			func(cmd *cobra.Command, x *API, args []string) error {
				body, err := x.Do(x.Client.GetUser(cmd.Context(), args[0]))
				if err != nil {
					return err
				}
				return a.printer().user(body)
			}),
		a.apiCommand("resend EMAIL", "Email a user who has not signed in yet a new temporary password", "resendInvitation", cobra.ExactArgs(1),
			func(cmd *cobra.Command, x *API, args []string) error {
				body, err := x.Do(x.Client.ResendInvitation(cmd.Context(), args[0]))
				if err != nil {
					return err
				}
				return a.printer().user(body)
			}),
		a.apiCommand("disable EMAIL", "Disable a user's sign-in", "disableUser", cobra.ExactArgs(1),
			func(cmd *cobra.Command, x *API, args []string) error {
				body, err := x.Do(x.Client.DisableUser(cmd.Context(), args[0]))
				if err != nil {
					return err
				}
				return a.printer().user(body)
			}),
		a.apiCommand("enable EMAIL", "Enable a user's sign-in again", "enableUser", cobra.ExactArgs(1),
			func(cmd *cobra.Command, x *API, args []string) error {
				body, err := x.Do(x.Client.EnableUser(cmd.Context(), args[0]))
				if err != nil {
					return err
				}
				return a.printer().user(body)
			}),
		a.apiCommand("sign-out EMAIL", "End all of a user's sessions (their refresh tokens stop working)", "signOutUser", cobra.ExactArgs(1),
			func(cmd *cobra.Command, x *API, args []string) error {
				if _, err := x.Do(x.Client.SignOutUser(cmd.Context(), args[0])); err != nil {
					return err
				}
				a.printer().done("signed out %s everywhere", args[0])
				return nil
			}),
		a.usersPasswordCommand(),
		a.usersUpdateCommand(),
		a.apiCommand("remove-mfa EMAIL", "Turn off a user's TOTP, so they set it up again (a lost authenticator)", "removeUserMfa", cobra.ExactArgs(1),
			func(cmd *cobra.Command, x *API, args []string) error {
				body, err := x.Do(x.Client.RemoveUserMfa(cmd.Context(), args[0]))
				if err != nil {
					return err
				}
				return a.printer().user(body)
			}),
		a.usersDeleteCommand(),
		a.usersHistoryCommand(),
		a.usersImportCommand(),
		a.usersPreviewImportCommand(),
		a.usersExportCommand(),
	)
	return users
}

func (a *app) usersCreateCommand() *cobra.Command {
	var groups []string
	var noInvitation, tempStdin, yes bool
	cmd := a.apiCommand("create EMAIL", "Create a user; Cognito emails them a temporary password", "createUser", cobra.ExactArgs(1),
		func(cmd *cobra.Command, x *API, args []string) error {
			// Without the email and without a password of ours, Cognito's
			// generated password reaches nobody: an account no one can enter.
			if noInvitation && !tempStdin {
				return usageErr("--no-invitation without --temporary-password-stdin would create an account nobody can sign in to (Cognito's generated password is sent to no one): give the temporary password with --temporary-password-stdin and hand it over yourself, or drop --no-invitation")
			}
			req := client.CreateUserRequest{Email: args[0]}
			if len(groups) > 0 {
				known, err := a.managedGroups(cmd.Context(), x)
				if err != nil {
					return err
				}
				if err := checkGroups(known, groups); err != nil {
					return err
				}
				if ok, err := a.confirmAdminGrant(known, args[0], groups, yes); !ok || err != nil {
					if err == nil {
						fmt.Fprintln(a.io.Stderr, "Not created.")
					}
					return err
				}
				req.Groups = &groups
			}
			var err error
			if req.SendInvitation, req.TemporaryPassword, err = a.temporaryPasswordOptions(noInvitation, tempStdin); err != nil {
				return err
			}
			body, err := x.Do(x.Client.CreateUser(cmd.Context(), req))
			if err != nil {
				return err
			}
			a.saidPasswordWent(args[0], noInvitation)
			return a.printer().user(body)
		})
	cmd.Flags().StringArrayVar(&groups, "group", nil, "add the user to this group (repeatable); an admin group asks first")
	cmd.Flags().BoolVar(&noInvitation, "no-invitation", false, "do not send the invitation email (needs --temporary-password-stdin: you hand the password over)")
	cmd.Flags().BoolVar(&tempStdin, "temporary-password-stdin", false, "read the temporary password from standard input, asked twice on a terminal (else Cognito generates one)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask before granting an admin group")
	cmd.Example = `  useradmin users create ada@example.com
  useradmin users create ada@example.com --group editors
  printf '%s\n' "$TEMP_PASSWORD" | useradmin users create ada@example.com --temporary-password-stdin --no-invitation`
	return cmd
}

// saidPasswordWent tells the admin where a temporary password went: emailed
// by Cognito, or nowhere (they chose it and must hand it over themselves).
func (a *app) saidPasswordWent(email string, noInvitation bool) {
	if noInvitation {
		a.note("The temporary password was not emailed: hand it to %s yourself; they must change it at their first sign-in.", email)
		return
	}
	a.note("Cognito emailed %s a temporary password; they choose their own at the first sign-in.", email)
}

func (a *app) usersListCommand() *cobra.Command {
	var status, prefix, group, next string
	var limit int
	var all, noGroups bool
	cmd := a.apiCommand("list", "List users, a page at a time (--all for every page); filters combine", "listUsers", cobra.NoArgs,
		func(cmd *cobra.Command, x *API, _ []string) error {
			// The table has always shown each user's groups; the API reads them only when asked.
			groups := !noGroups
			var start *string
			if next != "" {
				start = &next
			}
			st := client.UserStatus(strings.ToUpper(status))
			// The API filters on one of status and email prefix, and a group's
			// members come from another route: the API applies the first filter
			// it can, and this command the others to each page (keep).
			var keep func(client.User) bool
			if group != "" || (status != "" && prefix != "") {
				lp := strings.ToLower(prefix)
				keep = func(u client.User) bool {
					return (status == "" || u.Status == st) && strings.HasPrefix(strings.ToLower(u.Email), lp)
				}
			}
			if group != "" {
				params := client.ListGroupMembersParams{Groups: &groups}
				if cmd.Flags().Changed("limit") {
					params.Limit = &limit
				}
				return a.pages(all, groups, start, keep, func(next *string) ([]byte, error) {
					params.NextToken = next
					return x.Do(x.Client.ListGroupMembers(cmd.Context(), group, &params))
				})
			}
			params := client.ListUsersParams{Groups: &groups}
			switch {
			case prefix != "":
				params.Email = &prefix
			case status != "":
				params.Status = &st
			}
			if cmd.Flags().Changed("limit") { // even 0: the API says what is wrong with it
				params.Limit = &limit
			}
			return a.pages(all, groups, start, keep, func(next *string) ([]byte, error) {
				params.NextToken = next
				return x.Do(x.Client.ListUsers(cmd.Context(), &params))
			})
		})
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "only users in this status (e.g. FORCE_CHANGE_PASSWORD, CONFIRMED)")
	f.StringVar(&prefix, "email-prefix", "", "only users whose email starts with this")
	f.StringVar(&group, "group", "", "only members of this group")
	f.IntVar(&limit, "limit", 0, "users per page read from the API, 1-60 (default 25), or up to 600 with --no-groups")
	f.BoolVar(&noGroups, "no-groups", false, "leave out each user's groups: one Cognito read less per user, and pages of up to 600")
	f.BoolVar(&all, "all", false, "follow every page")
	f.StringVar(&next, "next-token", "", "start at this page (the nextToken of the previous one)")
	cmd.Long = `List users a page at a time, or every page with --all.

--status, --email-prefix and --group combine (a user must match all). The API
filters on one of them; the others are applied here to each page read, so a
page may then show fewer users than --limit (even none) while later pages
still match: the command says so and gives the next token, or use --all.`
	cmd.Example = `  useradmin users list
  useradmin users list --status FORCE_CHANGE_PASSWORD --email-prefix ada --all
  useradmin users list --group admins -o csv
  useradmin users list --all -o json --template '{{range .users}}{{.email}}{{"\n"}}{{end}}'`
	return cmd
}

func (a *app) usersDeleteCommand() *cobra.Command {
	var yes bool
	cmd := a.apiCommand("delete EMAIL", "Delete a user (asks first, unless --yes)", "deleteUser", cobra.ExactArgs(1),
		func(cmd *cobra.Command, x *API, args []string) error {
			if !yes {
				ok, err := a.prompter(false).confirm(fmt.Sprintf("Delete %s? This cannot be undone.", args[0]))
				if err != nil {
					return usageErr("delete needs --yes when standard input is not a terminal")
				}
				if !ok {
					fmt.Fprintln(a.io.Stderr, "Not deleted.")
					return nil
				}
			}
			if _, err := x.Do(x.Client.DeleteUser(cmd.Context(), args[0])); err != nil {
				return err
			}
			a.printer().done("deleted %s", args[0])
			return nil
		})
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (a *app) groupsCommand() *cobra.Command {
	groups := &cobra.Command{Use: "groups", Short: "List the managed groups and their members; add users to and remove them from groups"}
	groups.AddCommand(
		a.apiCommand("list", "List the groups admins may manage", "listGroups", cobra.NoArgs,
			func(cmd *cobra.Command, x *API, _ []string) error {
				body, err := x.Do(x.Client.ListGroups(cmd.Context()))
				if err != nil {
					return err
				}
				return a.printer().groups(body)
			}),
		a.groupsMembersCommand(),
		a.groupsAddCommand(),
		a.groupsRemoveCommand(),
	)
	return groups
}

func (a *app) groupsAddCommand() *cobra.Command {
	var yes bool
	cmd := a.apiCommand("add EMAIL GROUP", "Add a user to a group (an admin group asks first, unless --yes)", "addUserToGroup", cobra.ExactArgs(2),
		func(cmd *cobra.Command, x *API, args []string) error {
			known, err := a.managedGroups(cmd.Context(), x)
			if err != nil {
				return err
			}
			if err := checkGroups(known, args[1:]); err != nil {
				return err
			}
			if ok, err := a.confirmAdminGrant(known, args[0], args[1:], yes); !ok || err != nil {
				if err == nil {
					fmt.Fprintln(a.io.Stderr, "Not added.")
				}
				return err
			}
			if _, err := x.Do(x.Client.AddUserToGroup(cmd.Context(), args[0], args[1])); err != nil {
				return err
			}
			a.printer().done("added %s to %s", args[0], args[1])
			return nil
		})
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask before granting an admin group")
	cmd.Example = `  useradmin groups add ada@example.com editors
  useradmin groups add ada@example.com admins --yes   # grants admin rights: asks first without --yes`
	return cmd
}

func (a *app) groupsRemoveCommand() *cobra.Command {
	cmd := a.apiCommand("remove EMAIL GROUP", "Remove a user from a group", "removeUserFromGroup", cobra.ExactArgs(2),
		func(cmd *cobra.Command, x *API, args []string) error {
			// Cognito answers a removal from a group the user is not in with
			// success: ask first, so a typo is not reported as done.
			body, err := x.Do(x.Client.GetUser(cmd.Context(), args[0]))
			if err != nil {
				return err
			}
			var r client.UserResponse
			if err := json.Unmarshal(body, &r); err != nil {
				return failErr("the API's answer: %v", err)
			}
			if r.User.Groups != nil && !slices.Contains(*r.User.Groups, args[1]) {
				in := "no group"
				if len(*r.User.Groups) > 0 {
					in = strings.Join(*r.User.Groups, ", ")
				}
				return failErr("%s is not in group %s (they are in %s): nothing removed", args[0], args[1], in)
			}
			if _, err := x.Do(x.Client.RemoveUserFromGroup(cmd.Context(), args[0], args[1])); err != nil {
				return err
			}
			a.printer().done("removed %s from %s", args[0], args[1])
			return nil
		})
	cmd.Example = `  useradmin groups remove ada@example.com editors`
	return cmd
}
