package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/api/client"
	"github.com/useradmin/cognito-user-admin/cli/srp"
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
	secret   secretOut
	policy   settings.PasswordPolicy
	now      func() time.Time
	username string // Cognito's USERNAME for challenge responses
	// newPasswordSent: this sign-in answered NEW_PASSWORD_REQUIRED, so a
	// later stop leaves the account with the new password.
	newPasswordSent bool
}

// errChallenge is a challenge the command cannot answer.
var errChallenge = errors.New("unsupported challenge")

// run signs email in with password and returns the tokens.
func (s *signIn) run(ctx context.Context, email, password string) (*types.AuthenticationResultType, error) {
	exchange, err := srp.New(s.profile.UserPoolID)
	if err != nil {
		return nil, err
	}
	s.username = email
	out, err := s.idp.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(s.profile.ClientID),
		AuthParameters: map[string]string{"USERNAME": email, "SRP_A": exchange.A()},
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
			if responses, err = exchange.PasswordVerifier(params, password, s.now()); err != nil {
				return nil, err
			}
		case types.ChallengeNameTypeNewPasswordRequired:
			responses, err = s.newPassword()
			s.newPasswordSent = err == nil
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
		if err := policyError(s.policy, pw); err != nil {
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
	// Before Cognito makes a secret: there must be a safe place to show it.
	if err := s.secret.ready("useradmin login"); err != nil {
		if s.newPasswordSent {
			err = usageErr("%v (the new password you chose may already be set: try it first next time)", err)
		}
		return nil, nil, err
	}
	assoc, err := s.idp.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: session})
	if err != nil {
		return nil, nil, err
	}
	code, err := showSecretAndAsk(s.prompt, s.secret, aws.ToString(assoc.SecretCode), s.username, s.profile.UserPoolID)
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

// showSecretAndAsk shows a TOTP secret and its otpauth:// URI (for a QR
// code or a password manager) where out allows, then asks for a current code.
func showSecretAndAsk(p *prompter, out secretOut, secret, account, issuer string) (string, error) {
	if err := out.show(secret, otpauthURI(secret, account, issuer)); err != nil {
		return "", err
	}
	return p.text("Code from the app")
}

// secretOut is where a TOTP secret may be shown: a terminal, or a new file
// only its owner can read (--totp-secret-file). Never anywhere else: the
// secret makes every future code, so in a CI log or a redirected output it
// is a second factor for whoever reads that.
type secretOut struct {
	stderr   io.Writer
	terminal bool   // stderr is a terminal
	file     string // --totp-secret-file
}

// totpSecretFileFlag names the flag in messages.
const totpSecretFileFlag = "--totp-secret-file"

// ready says whether the secret can be shown, before one is made.
func (o secretOut) ready(command string) error {
	if o.file != "" {
		// Checked again when it is created (O_EXCL); here, to stop before Cognito makes a secret.
		if _, err := os.Lstat(o.file); !errors.Is(err, fs.ErrNotExist) {
			return usageErr("%s %s: the file exists (give a path that does not exist yet)", totpSecretFileFlag, o.file)
		}
		return nil
	}
	if o.terminal {
		return nil
	}
	return usageErr("setting up TOTP shows a secret, which this command writes only to a terminal, never to a log: "+
		"run %s in a terminal, or give %s FILE to have it written to a new file only you can read", command, totpSecretFileFlag)
}

// show writes the secret and its URI: to the file, created afresh (never an
// existing one, nor through a symlink) with mode 0600, or to the terminal.
func (o secretOut) show(secret, uri string) error {
	text := fmt.Sprintf("Secret: %s\nURI:    %s\n", secret, uri)
	if o.file == "" {
		if !o.terminal {
			return o.ready("useradmin")
		}
		_, err := io.WriteString(o.stderr, text)
		return err
	}
	f, err := os.OpenFile(o.file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return usageErr("%s %s: %v (give a path that does not exist yet)", totpSecretFileFlag, o.file, err)
	}
	_, err = io.WriteString(f, text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(o.file)
		return failErr("writing %s: %v", o.file, err)
	}
	fmt.Fprintf(o.stderr, "The TOTP secret and its otpauth:// URI are in %s (readable by you only): add them to your authenticator app, then delete the file.\n", o.file)
	return nil
}

// otpauthURI is the Key URI Format authenticator apps read.
func otpauthURI(secret, account, issuer string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// secretOut is where this run may show a TOTP secret: standard error when it
// is a terminal, or file.
func (a *app) secretOut(file string) secretOut {
	return secretOut{stderr: a.io.Stderr, terminal: isTerminal(a.io.Stderr), file: file}
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
	var email, otp, secretFile string
	var passwordStdin, otpStdin bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in (SRP) and cache the session for the profile",
		Long: `Sign in to the profile's user pool with SRP, answering any challenge: a new
password at the first sign-in, the setup of an authenticator app where the pool
requires one, and a code from it. The password is asked for without echo, or
read from standard input with --password-stdin (first line: the password; next
line: the new password, when one is required; then any code asked for).
--otp-stdin says the code comes that way too, after the password lines; it
keeps the code out of the process list, where --otp puts it.

Setting up an authenticator app shows its secret: only on a terminal, never in
a log. Without a terminal, give --totp-secret-file FILE: the secret and its
otpauth:// URI are written to that new file, readable by you only (0600).`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case otpStdin && otp != "":
				return usageErr("give --otp or --otp-stdin, not both")
			case otpStdin && !passwordStdin:
				return usageErr("--otp-stdin reads the code from standard input after the password: use it with --password-stdin")
			}
			p, err := a.loadProfile()
			if err != nil {
				return err
			}
			if d := a.localDrift(p); d != nil {
				return failErr("%v", d)
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
				policy: p.policy(), now: a.io.Now, secret: a.secretOut(secretFile),
			}
			res, err := si.run(cmd.Context(), email, password)
			if err != nil {
				if u := a.unreachable(err, p); u != err {
					return failErr("%v", u)
				}
				return signInErr(err)
			}
			s, err := newSession(res, p.ClientID, "")
			if err != nil {
				return failErr("%v", err)
			}
			// The account's email, from Cognito (GetUser with the access
			// token): the ID token's email claim is not it everywhere (the
			// emulator puts the user's UUID there).
			who := a.accountEmail(cmd.Context(), p, s, email)
			// Only an administrator's session is kept: a non-admin's would
			// replace the profile's working session with one the API refuses.
			if admin, err := a.isAdministrator(cmd.Context(), p, s); err != nil {
				return err
			} else if !admin {
				a.revoke(cmd.Context(), p, s)
				set := ""
				if si.newPasswordSent {
					set = "the new password is set; "
				}
				return failErr("%s%s is not an administrator of this API (it answers 403): no session saved, the profile's session is unchanged", set, who)
			}
			if err := a.saveSession(s); err != nil {
				return failErr("saving the session: %v", err)
			}
			// The ID token is short-lived; commands renew it with the refresh token.
			a.note("Signed in as %s (profile %s).", who, a.profile)
			return nil
		},
	}
	cmd.Example = `  useradmin login
  useradmin login --profile prd --email ada@example.com
  printf '%s\n' "$PASSWORD" | useradmin login --email ada@example.com --password-stdin`
	cmd.Flags().StringVar(&email, "email", "", "the email you sign in with (asked for when absent)")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password (then any new password and code) from standard input, one a line")
	cmd.Flags().StringVar(&otp, "otp", "", "the current code of your authenticator app (visible to ps: prefer --otp-stdin)")
	cmd.Flags().BoolVar(&otpStdin, "otp-stdin", false, "with --password-stdin: read the code of your authenticator app from standard input, after the password lines")
	cmd.Flags().StringVar(&secretFile, "totp-secret-file", "", "where a pool requires setting up TOTP and there is no terminal: write its secret to this new file (0600)")
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
				a.note("Not signed in (profile %s).", a.profile)
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
			a.note("Signed out (profile %s).", a.profile)
			return nil
		},
	}
}

// accountEmail is the signed-in account's email as Cognito holds it (GetUser
// with the access token), else the email typed at sign-in.
func (a *app) accountEmail(ctx context.Context, p Profile, s *Session, typed string) string {
	out, err := a.cognito(p).GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(s.AccessToken)})
	if err != nil {
		return typed
	}
	for _, at := range out.UserAttributes {
		if aws.ToString(at.Name) == "email" && aws.ToString(at.Value) != "" {
			return aws.ToString(at.Value)
		}
	}
	return typed
}

// isAdministrator asks the API itself (GET /groups, which only an admin may
// read) whether the new session's account is an administrator: the API
// decides live from the pool, so the CLI does not guess from token claims.
func (a *app) isAdministrator(ctx context.Context, p Profile, s *Session) (bool, error) {
	x := &API{app: a, sess: s}
	c, err := client.NewClient(p.APIURL, client.WithHTTPClient(a.io.HTTPClient),
		client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", s.IDToken)
			r.Header.Set("User-Agent", "useradmin")
			return nil
		}))
	if err != nil {
		return false, usageErr("profile %s: api url %q: %v", a.profile, p.APIURL, err)
	}
	x.Client = c
	_, err = x.Do(c.ListGroups(ctx))
	var ae *APIError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden && ae.Code == "MFARequired":
		// An administrator without TOTP where it is required: the session is
		// what they need to run useradmin mfa setup.
		a.note("This environment requires administrators to use an authenticator app: run useradmin mfa setup --profile %s, then sign in again", a.profile)
		return true, nil
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden && ae.Code == "NotPermitted":
		// A role holder whose roles do not include users:read: an administrator still.
		return true, nil
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		return false, nil
	}
	if u := a.unreachable(err, p); u != err {
		return false, failErr("signed in, but the API does not answer, so the session was not saved: %v", u)
	}
	// Any other answer (a 401: an API that does not serve this pool, or a
	// 5xx) is not a "no": keep the session as before, and say what happened.
	a.note("Warning: could not confirm with the API that the account is an administrator: %v", err)
	return true, nil
}

// revoke ends a session not kept (best effort: it is never saved anyway).
func (a *app) revoke(ctx context.Context, p Profile, s *Session) {
	if s.RefreshToken == "" {
		return
	}
	_, _ = a.cognito(p).RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(s.ClientID), Token: aws.String(s.RefreshToken)})
}
