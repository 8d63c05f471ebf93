package cli

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/spf13/cobra"
)

func (a *app) whoamiCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show who the profile is signed in as: email, roles, permissions, scope, groups, session expiry",
		Example: `  useradmin whoami
  useradmin whoami -o json --template '{{.roles}}'`,
		Args:        args(cobra.NoArgs),
		Annotations: map[string]string{operationKey: "getMe"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, s, err := a.session(cmd.Context())
			if err != nil {
				return err
			}
			c, err := tokenClaims(s.IDToken)
			if err != nil {
				return failErr("%v", err)
			}
			groups := c.Groups
			if groups == nil {
				groups = []string{}
			}
			// The roles are the API's answer (GET /me), from the pool now, not the token's groups.
			x, err := a.api(cmd.Context())
			if err != nil {
				return err
			}
			// Who the token names is shown whatever GET /me answers: an account
			// in no role (403), or an API that does not know the token, still has a session.
			me, meErr := x.Me(cmd.Context())
			if meErr != nil {
				fmt.Fprintf(a.io.Stderr, "useradmin: roles unknown: %v\n", meErr)
			}
			names := []string{"email", "roles", "permissions", "scope", "groups", "profile", "apiUrl", "userPoolId", "expiresAt"}
			values := map[string]any{
				"email": c.Email, "sub": c.Sub, "groups": groups, "profile": a.profile,
				"apiUrl": p.APIURL, "userPoolId": p.UserPoolID, "expiresAt": s.ExpiresAt.Format(time.RFC3339),
			}
			if me != nil {
				values["roles"], values["permissions"] = me.Roles, me.Permissions
				if me.Scope != nil {
					values["scope"] = *me.Scope
				}
				if a.output == "table" {
					values["scope"] = scopeText(me.Scope) // the table says "everyone" where JSON omits the scope
				}
			} else {
				names = slices.DeleteFunc(names, func(n string) bool { return n == "roles" || n == "permissions" || n == "scope" })
			}
			return a.printer().fields(names, values)
		},
	}
}

func (a *app) mfaCommand() *cobra.Command {
	mfa := &cobra.Command{Use: "mfa", Short: "Your own second factor (TOTP)"}
	var codeStdin bool
	var secretFile string
	setup := &cobra.Command{
		Use:   "setup",
		Short: "Set up an authenticator app (TOTP) for your account, where the pool makes it optional",
		Long: `Set up an authenticator app for the signed-in account and make it the
account's second factor: every later sign-in asks for its code. Pools that
require TOTP set it up at the first sign-in instead (useradmin login).

The app's secret is shown only on a terminal, never in a log. Without a
terminal, give --totp-secret-file FILE: the secret and its otpauth:// URI are
written to that new file, readable by you only (0600).`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := a.secretOut(secretFile)
			// Before Cognito makes a secret: there must be a safe place to show it.
			if err := out.ready("useradmin mfa setup"); err != nil {
				return err
			}
			p, s, err := a.session(cmd.Context())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			idp := a.cognito(p)
			assoc, err := idp.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(s.AccessToken)})
			if err != nil {
				return failErr("%s", cognitoMessage(err))
			}
			c, _ := tokenClaims(s.IDToken)
			code, err := showSecretAndAsk(a.prompter(codeStdin), out, aws.ToString(assoc.SecretCode), c.Email, p.UserPoolID)
			var ee *exitError
			if errors.As(err, &ee) {
				return err
			}
			if err != nil {
				return usageErr("%v", err)
			}
			v, err := idp.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
				AccessToken: aws.String(s.AccessToken), UserCode: aws.String(code), FriendlyDeviceName: aws.String("useradmin"),
			})
			if err != nil {
				return failErr("the code was not accepted: %s", cognitoMessage(err))
			}
			if v.Status != types.VerifySoftwareTokenResponseTypeSuccess {
				return failErr("the code was not accepted (%s)", v.Status)
			}
			if _, err := idp.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
				AccessToken:              aws.String(s.AccessToken),
				SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
			}); err != nil {
				return failErr("turning TOTP on: %s", cognitoMessage(err))
			}
			a.note("TOTP is on: every sign-in now asks for a code from the app.")
			return nil
		},
	}
	setup.Flags().BoolVar(&codeStdin, "code-stdin", false, "read the code from standard input instead of a terminal")
	setup.Flags().StringVar(&secretFile, "totp-secret-file", "", "without a terminal: write the secret to this new file (0600) instead")
	mfa.AddCommand(setup)
	return mfa
}
