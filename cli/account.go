package cli

import (
	"encoding/json"

	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/spf13/cobra"
)

func (a *app) whoamiCommand() *cobra.Command {
	return &cobra.Command{
		Use:         "whoami",
		Short:       "Show who the profile is signed in as: email, roles, permissions, scope, session expiry",
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
			if a.output == "json" {
				out := map[string]any{
					"email": c.Email, "sub": c.Sub, "groups": groups, "profile": a.profile,
					"apiUrl": p.APIURL, "userPoolId": p.UserPoolID, "expiresAt": s.ExpiresAt.Format(time.RFC3339),
				}
				if me != nil {
					out["roles"], out["permissions"] = me.Roles, me.Permissions
					if me.Scope != nil {
						out["scope"] = *me.Scope
					}
				}
				b, _ := json.Marshal(out)
				fmt.Fprintln(a.io.Stdout, string(b))
				return nil
			}
			w := tabwriter.NewWriter(a.io.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "email\t%s\n", c.Email)
			if me != nil {
				fmt.Fprintf(w, "roles\t%s\n", strings.Join(me.Roles, ", "))
				fmt.Fprintf(w, "permissions\t%s\n", strings.Join(me.Permissions, " "))
				fmt.Fprintf(w, "scope\t%s\n", scopeText(me.Scope))
			} else {
				fmt.Fprintf(w, "roles\tunknown (see above)\n")
			}
			fmt.Fprintf(w, "groups\t%s\n", strings.Join(groups, ", "))
			fmt.Fprintf(w, "profile\t%s\n", a.profile)
			fmt.Fprintf(w, "api\t%s\n", p.APIURL)
			fmt.Fprintf(w, "user pool\t%s\n", p.UserPoolID)
			fmt.Fprintf(w, "token expires\t%s (renewed on use)\n", s.ExpiresAt.Local().Format(time.RFC3339))
			return w.Flush()
		},
	}
}

func (a *app) mfaCommand() *cobra.Command {
	mfa := &cobra.Command{Use: "mfa", Short: "Your own second factor (TOTP)"}
	var codeStdin bool
	setup := &cobra.Command{
		Use:   "setup",
		Short: "Set up an authenticator app (TOTP) for your account, where the pool makes it optional",
		Long: `Set up an authenticator app for the signed-in account and make it the
account's second factor: every later sign-in asks for its code. Pools that
require TOTP set it up at the first sign-in instead (useradmin login).`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			code, err := showSecretAndAsk(a.prompter(codeStdin), a.io.Stderr, aws.ToString(assoc.SecretCode), c.Email, p.UserPoolID)
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
			fmt.Fprintln(a.io.Stderr, "TOTP is on: every sign-in now asks for a code from the app.")
			return nil
		},
	}
	setup.Flags().BoolVar(&codeStdin, "code-stdin", false, "read the code from standard input instead of a terminal")
	mfa.AddCommand(setup)
	return mfa
}
