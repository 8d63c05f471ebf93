package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Session is a signed-in profile's tokens, cached in sessions/<profile>.json (0600).
type Session struct {
	IDToken      string `json:"idToken"`
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	// ExpiresAt is when the ID token expires.
	ExpiresAt time.Time `json:"expiresAt"`
	// ClientID is the app client the tokens were issued to (refresh needs it).
	ClientID string `json:"clientId"`
}

// claims are the ID token's claims the command shows.
type claims struct {
	Email  string   `json:"email"`
	Sub    string   `json:"sub"`
	Groups []string `json:"cognito:groups"`
	Exp    int64    `json:"exp"`
}

// tokenClaims reads an ID token's payload. The token came from Cognito over
// TLS and the API verifies it on every call, so the command only reads it.
func tokenClaims(token string) (claims, error) {
	var c claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errors.New("the ID token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, fmt.Errorf("the ID token's payload: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("the ID token's payload: %w", err)
	}
	return c, nil
}

func (a *app) sessionPath() string {
	return filepath.Join(a.confDir, "sessions", a.profile+".json")
}

func (a *app) loadSession() (*Session, error) {
	b, err := os.ReadFile(a.sessionPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s Session
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", a.sessionPath(), err)
	}
	return &s, nil
}

func (a *app) saveSession(s *Session) error { return writePrivate(a.sessionPath(), s) }

func (a *app) forgetSession() error {
	if err := os.Remove(a.sessionPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// newSession builds a session from Cognito's result.
func newSession(r *types.AuthenticationResultType, clientID, refreshToken string) (*Session, error) {
	if r == nil || r.IdToken == nil || r.AccessToken == nil {
		return nil, errors.New("no tokens in Cognito's answer")
	}
	if r.RefreshToken != nil {
		refreshToken = *r.RefreshToken
	}
	c, err := tokenClaims(*r.IdToken)
	if err != nil {
		return nil, err
	}
	return &Session{
		IDToken: *r.IdToken, AccessToken: *r.AccessToken, RefreshToken: refreshToken,
		ExpiresAt: time.Unix(c.Exp, 0).UTC(), ClientID: clientID,
	}, nil
}

// refreshMargin renews a token this long before it expires, so a call
// never leaves with a token that expires on the way.
const refreshMargin = time.Minute

// session returns the profile and a session with an ID token valid for the
// next minute, refreshing it with the refresh token when needed. No
// session, or a refused refresh, is ExitNoSession.
func (a *app) session(ctx context.Context) (Profile, *Session, error) {
	p, err := a.loadProfile()
	if err != nil {
		if errors.As(err, new(*noProfileError)) {
			// login refuses a profile that is not configured, so say configure first.
			return p, nil, &exitError{code: ExitNoSession, err: fmt.Errorf("no profile %q: run useradmin configure --profile %s first, then run %s", a.profile, a.profile, a.hint("login"))}
		}
		return p, nil, err
	}
	if d := a.localDrift(p); d != nil {
		return p, nil, &exitError{code: ExitNoSession, err: d}
	}
	s, err := a.loadSession()
	if err != nil {
		return p, nil, failErr("%v", err)
	}
	if s == nil {
		return p, nil, a.noSessionErr(fmt.Sprintf("not signed in (profile %q)", a.profile))
	}
	if a.io.Now().Add(refreshMargin).Before(s.ExpiresAt) {
		return p, s, nil
	}
	if s.RefreshToken == "" {
		return p, nil, a.noSessionErr("the session has expired")
	}
	clientID := s.ClientID
	if clientID == "" {
		clientID = p.ClientID
	}
	out, err := a.cognito(p).InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
		ClientId:       aws.String(clientID),
		AuthParameters: map[string]string{"REFRESH_TOKEN": s.RefreshToken},
	})
	if err != nil {
		var na *types.NotAuthorizedException
		if errors.As(err, &na) {
			_ = a.forgetSession()
			return p, nil, a.noSessionErr("the session has expired and Cognito refused to renew it")
		}
		if u := a.unreachable(err, p); u != err {
			return p, nil, failErr("renewing the session: %v", u)
		}
		return p, nil, failErr("renewing the session: %v", cognitoMessage(err))
	}
	ns, err := newSession(out.AuthenticationResult, clientID, s.RefreshToken)
	if err != nil {
		return p, nil, failErr("renewing the session: %v", err)
	}
	if err := a.saveSession(ns); err != nil {
		return p, nil, failErr("saving the session: %v", err)
	}
	return p, ns, nil
}

// cognito is a Cognito client for the profile's pool. It signs nothing:
// every call the command makes is an unauthenticated (public) Cognito API.
func (a *app) cognito(p Profile) *cip.Client {
	o := cip.Options{
		Region:      p.Region,
		Credentials: aws.AnonymousCredentials{},
		HTTPClient:  a.io.HTTPClient,
	}
	if p.CognitoEndpoint != "" {
		o.BaseEndpoint = aws.String(p.CognitoEndpoint)
	}
	return cip.New(o)
}

// cognitoMessage is a Cognito error without the SDK's request plumbing.
func cognitoMessage(err error) string {
	var ae interface {
		ErrorCode() string
		ErrorMessage() string
	}
	if errors.As(err, &ae) {
		if m := ae.ErrorMessage(); m != "" {
			return ae.ErrorCode() + ": " + m
		}
		return ae.ErrorCode()
	}
	return err.Error()
}

func sortedStrings(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
