package local

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/golang-jwt/jwt/v5"

	"github.com/useradmin/cognito-user-admin/lambda/scimauth"
)

// TokenPath is where local mode's gateway stands in for the Cognito
// domain's token endpoint (https://<domain>.auth.<region>.amazoncognito.com/oauth2/token).
const TokenPath = "/oauth2/token"

// localAccountID is the account in the method ARNs local mode hands the SCIM authorizer.
const localAccountID = "000000000000"

// SCIM is local mode's SCIM: the bearer token's secret in the emulator's
// Secrets Manager, the authorizer (lambda/scimauth, the deployed code) and,
// with client credentials, the stand-in token endpoint. Nil where the
// template has no SCIM routes.
type SCIM struct {
	// Token is a bearer token the authorizer accepts: made at start, its
	// hash written to TokenSecretArn, as `useradmin scim rotate-token` does.
	Token string
	// TokenSecretArn is the secret holding its hash, in the emulator.
	TokenSecretArn string
	// ClientID and ClientSecret are the SCIM client's (client credentials), "" where off.
	ClientID, ClientSecret string
	// Scope is what a client-credentials token holds.
	Scope string

	authorizer *scimauth.Authorizer
	issuer     string
	key        *rsa.PrivateKey
	// lifetime of the access tokens the token endpoint issues: the client's AccessTokenValidity.
	lifetime time.Duration
	now      func() time.Time
}

// scimClientNote says where local mode departs from AWS for SCIM: the token endpoint.
var scimClientNote = "SCIM client credentials: the emulator issues no client-credentials tokens and has no Cognito domain; " +
	"local mode serves POST " + TokenPath + " on the API's address, checks the client id and secret against the emulator's " +
	"SCIM client (created from the template), and signs access tokens with a key of its own that only the local authorizers trust"

// provisionSCIM creates the SCIM bearer token's secret of t in the
// emulator, sets a first token, and builds the authorizer from the
// template's authorizer function. It returns nil where t has none.
func provisionSCIM(ctx context.Context, endpoint string, c *cip.Client, t *Template, p *Pool, log *slog.Logger) (*SCIM, []string, error) {
	var fnID string
	for _, id := range t.OfType("AWS::ApiGateway::Authorizer") {
		if f := t.authorizerFunction(id); f != "" {
			fnID = f
		}
	}
	s := &SCIM{issuer: scimauth.Issuer(Region, p.ID), now: time.Now, lifetime: time.Hour}
	var notes []string
	var verify scimauth.ClientVerifier
	if p.SCIMClientID != "" {
		out, err := c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &p.ID, ClientId: &p.SCIMClientID})
		if err != nil {
			return nil, nil, fmt.Errorf("reading the SCIM client: %w", err)
		}
		cl := out.UserPoolClient
		if !slices.Contains(cl.AllowedOAuthFlows, types.OAuthFlowTypeClientCredentials) || len(cl.AllowedOAuthScopes) == 0 {
			return nil, nil, errors.New("template: the SCIM client has no client_credentials flow or scope")
		}
		s.ClientID, s.ClientSecret, s.Scope = p.SCIMClientID, aws.ToString(cl.ClientSecret), strings.Join(cl.AllowedOAuthScopes, " ")
		if s.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, nil, err
		}
		verify = scimauth.NewClientVerifier(s.keyfunc, s.issuer, s.ClientID)
		notes = append(notes, scimClientNote)
	}
	if fnID == "" {
		if s.ClientID == "" {
			return nil, nil, nil
		}
		return s, notes, nil
	}
	secretID, err := scimSecret(t, fnID)
	if err != nil {
		return nil, nil, err
	}
	sm := secretsmanager.New(secretsmanager.Options{
		Region: Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	// What CloudFormation creates from GenerateSecretString: the template
	// with a generated value under the key, and an empty hash.
	gen, _ := t.Resources[secretID].Properties["GenerateSecretString"].(map[string]any)
	var initial map[string]any
	if tpl, _ := gen["SecretStringTemplate"].(string); json.Unmarshal([]byte(tpl), &initial) != nil || initial == nil {
		return nil, nil, fmt.Errorf("template: %s has no JSON SecretStringTemplate", secretID)
	}
	if k, _ := gen["GenerateStringKey"].(string); k != "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		initial[k] = hex.EncodeToString(b)
	}
	v, _ := json.Marshal(initial)
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(secretID), SecretString: aws.String(string(v))})
	if err != nil {
		return nil, nil, fmt.Errorf("creating the SCIM token's secret: %w", err)
	}
	s.TokenSecretArn = *created.ARN
	token, record, err := scimauth.NewToken(s.now())
	if err != nil {
		return nil, nil, err
	}
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: created.ARN, SecretString: &record}); err != nil {
		return nil, nil, fmt.Errorf("writing the SCIM token's hash: %w", err)
	}
	s.Token = token
	s.authorizer = scimauth.New(sm, s.TokenSecretArn, verify, log)
	return s, notes, nil
}

// scimSecret is the logical ID of the secret the authorizer function fnID reads.
func scimSecret(t *Template, fnID string) (string, error) {
	env, _ := t.Resources[fnID].Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	ref, _ := vars[scimauth.EnvSecretID].(map[string]any)
	id, _ := ref["Ref"].(string)
	if t.Resources[id].Type != "AWS::SecretsManager::Secret" {
		return "", fmt.Errorf("template: the authorizer function %s's %s is not a secret of the template", fnID, scimauth.EnvSecretID)
	}
	return id, nil
}

func (s *SCIM) keyfunc(*jwt.Token) (any, error) { return &s.key.PublicKey, nil }

// ClientToken issues a client-credentials access token for the SCIM client,
// as the token endpoint does for a client that authenticated.
func (s *SCIM) ClientToken() (string, error) {
	if s.key == nil {
		return "", errors.New("client credentials are off in this template")
	}
	now := s.now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": s.issuer, "sub": s.ClientID, "client_id": s.ClientID, "token_use": "access", "scope": s.Scope,
		"iat": now.Unix(), "auth_time": now.Unix(), "exp": now.Add(s.lifetime).Unix(), "version": 2, "jti": newRequestID(),
	})
	tok.Header["kid"] = "local-scim"
	return tok.SignedString(s.key)
}

// ServeHTTP is the token endpoint: grant_type=client_credentials, the
// client authenticated by HTTP Basic or client_id/client_secret in the
// form, an optional scope among the client's. It answers as Cognito does.
func (s *SCIM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	if r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "invalid_request")
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	switch {
	case r.PostForm.Get("grant_type") != "client_credentials":
		fail(http.StatusBadRequest, "unsupported_grant_type")
		return
	case s.key == nil || id != s.ClientID || secret == "" || secret != s.ClientSecret:
		fail(http.StatusBadRequest, "invalid_client")
		return
	}
	if sc := r.PostForm.Get("scope"); sc != "" {
		for _, want := range strings.Fields(sc) {
			if !slices.Contains(strings.Fields(s.Scope), want) {
				fail(http.StatusBadRequest, "invalid_scope")
				return
			}
		}
	}
	tok, err := s.ClientToken()
	if err != nil {
		fail(http.StatusInternalServerError, "server_error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(s.lifetime.Seconds())})
}

// VerifyAccessToken is API Gateway's Cognito authorizer with
// AuthorizationScopes, for the tokens local mode issues: signed by its
// key, the pool's issuer, an access token holding one of scopes. The
// claims are those API Gateway passes on.
func (s *SCIM) VerifyAccessToken(token string, scopes []string) (map[string]any, error) {
	if s.key == nil {
		return nil, errors.New("no access tokens are issued locally")
	}
	claims := jwt.MapClaims{}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(s.issuer), jwt.WithExpirationRequired())
	if _, err := parser.ParseWithClaims(strings.TrimPrefix(token, "Bearer "), claims, s.keyfunc); err != nil {
		return nil, err
	}
	if claims["token_use"] != "access" {
		return nil, fmt.Errorf("token_use is %v, want access", claims["token_use"])
	}
	held, _ := claims["scope"].(string)
	if !slices.ContainsFunc(strings.Fields(held), func(h string) bool { return slices.Contains(scopes, h) }) {
		return nil, fmt.Errorf("scope %q holds none of %v", held, scopes)
	}
	return apiGatewayClaims(claims), nil
}

// Authorize is the SCIM authorizer function, the deployed code.
func (s *SCIM) Authorize(ctx context.Context, ev events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	if s.authorizer == nil {
		return events.APIGatewayCustomAuthorizerResponse{}, scimauth.ErrUnauthorized
	}
	return s.authorizer.Handle(ctx, ev)
}

// runCustomAuthorizer does what API Gateway does with a TOKEN authorizer:
// no header is 401 without a call; the function's "Unauthorized" is 401,
// any other error 500; its policy must allow this method's ARN (403
// otherwise); its context, with principalId, goes to the function.
func (g *Gateway) runCustomAuthorizer(req *http.Request, requestID string) (map[string]any, *gatewayError) {
	header := req.Header.Get("Authorization")
	if header == "" || g.custom == nil {
		return nil, &gatewayError{typ: "UNAUTHORIZED"}
	}
	arn := fmt.Sprintf("arn:aws:execute-api:%s:%s:local/local/%s%s", Region, localAccountID, req.Method, req.URL.EscapedPath())
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	resp, err := g.custom(ctx, events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: header, MethodArn: arn})
	if err != nil {
		if err.Error() == "Unauthorized" {
			return nil, &gatewayError{typ: "UNAUTHORIZED"}
		}
		g.log.Error("the authorizer failed", "requestId", requestID, "error", err)
		return nil, &gatewayError{typ: "AUTHORIZER_FAILURE"}
	}
	if !allows(resp.PolicyDocument, arn) {
		return nil, &gatewayError{typ: "ACCESS_DENIED"}
	}
	out := map[string]any{"principalId": resp.PrincipalID}
	for k, v := range resp.Context {
		out[k] = v
	}
	return out, nil
}

// verifyAccessToken runs the gateway's access-token verifier, if any.
func (g *Gateway) verifyAccessToken(header string, scopes []string) (map[string]any, error) {
	if g.accessTokens == nil || header == "" {
		return nil, errors.New("no access token")
	}
	return g.accessTokens(header, scopes)
}

// allows evaluates an authorizer's policy for execute-api:Invoke on arn as
// IAM does: an explicit Deny wins, else an Allow must match.
func allows(p events.APIGatewayCustomAuthorizerPolicy, arn string) bool {
	allowed := false
	for _, st := range p.Statement {
		if !slices.ContainsFunc(st.Action, func(a string) bool { return wildcard(a, "execute-api:Invoke") }) ||
			!slices.ContainsFunc(st.Resource, func(r string) bool { return wildcard(r, arn) }) {
			continue
		}
		switch st.Effect {
		case "Deny":
			return false
		case "Allow":
			allowed = true
		}
	}
	return allowed
}

// wildcard matches s against an IAM pattern: * any run of characters, ? one.
func wildcard(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	ok, _ := regexp.MatchString(re, s)
	return ok
}

// statusRecorder remembers the status a handler wrote, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// toStringList reads a template value that is a list of strings.
func toStringList(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
