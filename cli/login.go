package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// identityProvider is the part of Cognito's public API the sign-in uses.
type identityProvider interface {
	InitiateAuth(context.Context, *cip.InitiateAuthInput, ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RespondToAuthChallenge(context.Context, *cip.RespondToAuthChallengeInput, ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error)
	AssociateSoftwareToken(context.Context, *cip.AssociateSoftwareTokenInput, ...func(*cip.Options)) (*cip.AssociateSoftwareTokenOutput, error)
	VerifySoftwareToken(context.Context, *cip.VerifySoftwareTokenInput, ...func(*cip.Options)) (*cip.VerifySoftwareTokenOutput, error)
}

var _ identityProvider = (*cip.Client)(nil)

// signIn is one sign-in: SRP, then whatever challenges the pool raises.
type signIn struct {
	idp      identityProvider
	profile  Profile
	prompt   *prompter
	stderr   interface{ Write([]byte) (int, error) }
	otp      string // --otp
	policy   settings.PasswordPolicy
	now      func() time.Time
	username string // Cognito's USERNAME for challenge responses
}

// errChallenge is a challenge the command cannot answer.
var errChallenge = errors.New("unsupported challenge")

// run signs email in with password and returns the tokens.
func (s *signIn) run(ctx context.Context, email, password string) (*types.AuthenticationResultType, error) {
	srp, err := newSRPClient(s.profile.UserPoolID)
	if err != nil {
		return nil, err
	}
	s.username = email
	out, err := s.idp.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(s.profile.ClientID),
		AuthParameters: map[string]string{"USERNAME": email, "SRP_A": srp.srpA()},
	})
	if err != nil {
		return nil, err
	}
	name, params, session, result := out.ChallengeName, out.ChallengeParameters, out.Session, out.AuthenticationResult
	for result == nil {
		if u := params["USERNAME"]; u != "" {
			s.username = u
		}
		var responses map[string]string
		switch name {
		case types.ChallengeNameTypePasswordVerifier:
			if responses, err = srp.passwordVerifier(params, password, s.now()); err != nil {
				return nil, err
			}
		case types.ChallengeNameTypeNewPasswordRequired:
			responses, err = s.newPassword()
		case types.ChallengeNameTypeMfaSetup:
			responses, session, err = s.mfaSetup(ctx, session)
		case types.ChallengeNameTypeSoftwareTokenMfa:
			responses, err = s.totp("SOFTWARE_TOKEN_MFA_CODE")
		case types.ChallengeNameTypeSelectMfaType:
			// TOTP is the only second factor this product configures.
			responses = map[string]string{"ANSWER": string(types.ChallengeNameTypeSoftwareTokenMfa)}
		default:
			return nil, fmt.Errorf("%w %s: sign in with the pool's hosted UI or an app instead", errChallenge, name)
		}
		if err != nil {
			return nil, err
		}
		responses["USERNAME"] = s.username
		r, err := s.idp.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId:           aws.String(s.profile.ClientID),
			ChallengeName:      name,
			ChallengeResponses: responses,
			Session:            session,
		})
		if err != nil {
			return nil, err
		}
		name, params, session, result = r.ChallengeName, r.ChallengeParameters, r.Session, r.AuthenticationResult
	}
	return result, nil
}

// newPassword asks for the new password of a first sign-in, twice at a
// terminal, and checks it against the pool's policy before sending it.
func (s *signIn) newPassword() (map[string]string, error) {
	fmt.Fprintln(s.stderr, "This is a first sign-in: choose a new password.")
	fmt.Fprintln(s.stderr, "Password policy:", describePolicy(s.policy))
	for attempt := 0; ; attempt++ {
		pw, err := s.prompt.secret("New password")
		if err != nil {
			return nil, err
		}
		if err := s.policy.Check(pw); err != nil {
			if s.prompt.lines || attempt == 2 {
				return nil, failErr("the new password is refused: %v", err)
			}
			fmt.Fprintf(s.stderr, "That password is refused: %v. Try again.\n", err)
			continue
		}
		if !s.prompt.lines {
			again, err := s.prompt.secret("New password, again")
			if err != nil {
				return nil, err
			}
			if again != pw {
				if attempt == 2 {
					return nil, failErr("the two passwords differ")
				}
				fmt.Fprintln(s.stderr, "The two passwords differ. Try again.")
				continue
			}
		}
		return map[string]string{"NEW_PASSWORD": pw}, nil
	}
}

// describePolicy states a password policy in words.
func describePolicy(p settings.PasswordPolicy) string {
	parts := []string{fmt.Sprintf("at least %d characters", p.MinLength)}
	for _, r := range []struct {
		on   bool
		what string
	}{{p.RequireLowercase, "a lower-case letter"}, {p.RequireUppercase, "an upper-case letter"}, {p.RequireDigits, "a digit"}, {p.RequireSymbols, "a symbol"}} {
		if r.on {
			parts = append(parts, r.what)
		}
	}
	return strings.Join(parts, ", ")
}

// mfaSetup answers MFA_SETUP: a TOTP secret for the session, shown to the
// user, and verified with a code from their authenticator app.
func (s *signIn) mfaSetup(ctx context.Context, session *string) (map[string]string, *string, error) {
	fmt.Fprintln(s.stderr, "This pool requires a second factor: set up an authenticator app (TOTP).")
	assoc, err := s.idp.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: session})
	if err != nil {
		return nil, nil, err
	}
	code, err := showSecretAndAsk(s.prompt, s.stderr, aws.ToString(assoc.SecretCode), s.username, s.profile.UserPoolID)
	if err != nil {
		return nil, nil, err
	}
	v, err := s.idp.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		Session: assoc.Session, UserCode: aws.String(code), FriendlyDeviceName: aws.String("useradmin"),
	})
	if err != nil {
		return nil, nil, err
	}
	if v.Status != types.VerifySoftwareTokenResponseTypeSuccess {
		return nil, nil, fmt.Errorf("the code was not accepted (%s)", v.Status)
	}
	return map[string]string{}, v.Session, nil
}

// showSecretAndAsk prints a TOTP secret and its otpauth:// URI (for a QR
// code or a password manager), then asks for a current code.
func showSecretAndAsk(p *prompter, w interface{ Write([]byte) (int, error) }, secret, account, issuer string) (string, error) {
	fmt.Fprintf(w, "Secret: %s\n", secret)
	fmt.Fprintf(w, "URI:    %s\n", otpauthURI(secret, account, issuer))
	return p.text("Code from the app")
}

// otpauthURI is the Key URI Format authenticator apps read.
func otpauthURI(secret, account, issuer string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// totp answers a TOTP challenge with --otp or a code asked for.
func (s *signIn) totp(key string) (map[string]string, error) {
	code := s.otp
	if code == "" {
		var err error
		if code, err = s.prompt.text("Code from your authenticator app"); err != nil {
			return nil, err
		}
	}
	return map[string]string{key: code}, nil
}

func (a *app) loginCommand() *cobra.Command {
	var email, otp string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in (SRP) and cache the session for the profile",
		Long: `Sign in to the profile's user pool with SRP, answering any challenge: a new
password at the first sign-in, the setup of an authenticator app where the pool
requires one, and a code from it. The password is asked for without echo, or
read from standard input with --password-stdin (first line: the password; next
line: the new password, when one is required; then any code asked for).`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.loadProfile()
			if err != nil {
				return err
			}
			pr := a.prompter(passwordStdin)
			if email == "" {
				if passwordStdin {
					return usageErr("--password-stdin needs --email")
				}
				if email, err = pr.text("Email"); err != nil {
					return usageErr("%v", err)
				}
			}
			password, err := pr.secret("Password")
			if err != nil {
				return usageErr("%v", err)
			}
			si := &signIn{
				idp: a.cognito(p), profile: p, prompt: pr, stderr: a.io.Stderr, otp: otp,
				policy: p.policy(), now: a.io.Now,
			}
			res, err := si.run(cmd.Context(), email, password)
			if err != nil {
				return signInErr(err)
			}
			s, err := newSession(res, p.ClientID, "")
			if err != nil {
				return failErr("%v", err)
			}
			if err := a.saveSession(s); err != nil {
				return failErr("saving the session: %v", err)
			}
			c, _ := tokenClaims(s.IDToken)
			// The ID token is short-lived; commands renew it with the refresh token.
			fmt.Fprintf(a.io.Stderr, "Signed in as %s (profile %s).\n", c.Email, a.profile)
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the email you sign in with (asked for when absent)")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password (then any new password and code) from standard input, one a line")
	cmd.Flags().StringVar(&otp, "otp", "", "the current code of your authenticator app, for scripts")
	return cmd
}

// signInErr maps a failed sign-in to an exit code and a plain message.
func signInErr(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	var na *types.NotAuthorizedException
	var nf *types.UserNotFoundException
	var cm *types.CodeMismatchException
	var ip *types.InvalidPasswordException
	switch {
	case errors.As(err, &na), errors.As(err, &nf):
		return failErr("sign-in refused: %s", cognitoMessage(err))
	case errors.As(err, &cm):
		return failErr("the code was not accepted: %s", cognitoMessage(err))
	case errors.As(err, &ip):
		return failErr("the new password is refused: %s", cognitoMessage(err))
	case errors.Is(err, errChallenge):
		return failErr("%v", err)
	}
	return failErr("sign-in failed: %s", cognitoMessage(err))
}

func (a *app) logoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Revoke the session's refresh token and forget the session",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.loadProfile()
			if err != nil {
				return err
			}
			s, err := a.loadSession()
			if err != nil {
				return failErr("%v", err)
			}
			if s == nil {
				fmt.Fprintf(a.io.Stderr, "Not signed in (profile %s).\n", a.profile)
				return nil
			}
			clientID := s.ClientID
			if clientID == "" {
				clientID = p.ClientID
			}
			_, revokeErr := a.cognito(p).RevokeToken(cmd.Context(), &cip.RevokeTokenInput{
				ClientId: aws.String(clientID), Token: aws.String(s.RefreshToken),
			})
			// Forget the session even when revocation failed: nobody should
			// use it from this machine any more.
			if err := a.forgetSession(); err != nil {
				return failErr("%v", err)
			}
			if revokeErr != nil {
				return failErr("the session is forgotten here, but Cognito did not revoke its refresh token (%s): it stays valid until it expires", cognitoMessage(revokeErr))
			}
			fmt.Fprintf(a.io.Stderr, "Signed out (profile %s).\n", a.profile)
			return nil
		},
	}
}
