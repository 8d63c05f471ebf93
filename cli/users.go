package cli

import (
	"fmt"
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
			x, err := a.api(cmd.Context())
			if err != nil {
				return err
			}
			if p := operationPermissions[operationID]; p != "" {
				if err := x.precheck(cmd.Context(), p); err != nil {
					return err
				}
			}
			return exit(run(cmd, x, argv))
		},
	}
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
		a.usersImportCommand(),
		a.usersExportCommand(),
	)
	return users
}

func (a *app) usersCreateCommand() *cobra.Command {
	var groups []string
	var noInvitation, tempStdin bool
	cmd := a.apiCommand("create EMAIL", "Create a user; Cognito emails them a temporary password", "createUser", cobra.ExactArgs(1),
		func(cmd *cobra.Command, x *API, args []string) error {
			req := client.CreateUserRequest{Email: args[0]}
			if len(groups) > 0 {
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
			return a.printer().user(body)
		})
	cmd.Flags().StringArrayVar(&groups, "group", nil, "add the user to this group (repeatable)")
	cmd.Flags().BoolVar(&noInvitation, "no-invitation", false, "do not send the invitation email")
	cmd.Flags().BoolVar(&tempStdin, "temporary-password-stdin", false, "read the temporary password from standard input (else Cognito generates one)")
	return cmd
}

func (a *app) usersListCommand() *cobra.Command {
	var status, prefix, next string
	var limit int
	var all bool
	cmd := a.apiCommand("list", "List users, a page at a time (--all for every page)", "listUsers", cobra.NoArgs,
		func(cmd *cobra.Command, x *API, _ []string) error {
			params := client.ListUsersParams{}
			if status != "" {
				s := client.UserStatus(strings.ToUpper(status))
				params.Status = &s
			}
			if prefix != "" {
				params.Email = &prefix
			}
			if cmd.Flags().Changed("limit") { // even 0: the API says what is wrong with it
				params.Limit = &limit
			}
			if next != "" {
				params.NextToken = &next
			}
			return a.pages(all, params.NextToken, func(next *string) ([]byte, error) {
				params.NextToken = next
				return x.Do(x.Client.ListUsers(cmd.Context(), &params))
			})
		})
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "only users in this status (e.g. FORCE_CHANGE_PASSWORD, CONFIRMED)")
	f.StringVar(&prefix, "email-prefix", "", "only users whose email starts with this")
	f.IntVar(&limit, "limit", 0, "users per page, 1-60 (default 25)")
	f.BoolVar(&all, "all", false, "follow every page")
	f.StringVar(&next, "next-token", "", "start at this page (the nextToken of the previous one)")
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
		a.apiCommand("add EMAIL GROUP", "Add a user to a group", "addUserToGroup", cobra.ExactArgs(2),
			func(cmd *cobra.Command, x *API, args []string) error {
				if _, err := x.Do(x.Client.AddUserToGroup(cmd.Context(), args[0], args[1])); err != nil {
					return err
				}
				a.printer().done("added %s to %s", args[0], args[1])
				return nil
			}),
		a.apiCommand("remove EMAIL GROUP", "Remove a user from a group", "removeUserFromGroup", cobra.ExactArgs(2),
			func(cmd *cobra.Command, x *API, args []string) error {
				if _, err := x.Do(x.Client.RemoveUserFromGroup(cmd.Context(), args[0], args[1])); err != nil {
					return err
				}
				a.printer().done("removed %s from %s", args[0], args[1])
				return nil
			}),
	)
	return groups
}
