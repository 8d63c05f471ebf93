// Package scimauth is the SCIM routes' Lambda authorizer (infra/scim.go):
// it admits an identity provider's long-lived bearer token, whose SHA-256
// hash only is kept in a Secrets Manager secret, and, where client
// credentials are on too, the SCIM app client's access tokens. The same
// code runs behind API Gateway and in local mode's gateway.
package scimauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The principals the authorizer names in its context (the handler reads
// requestContext.authorizer.principal, and client_id for a client).
const (
	PrincipalBearer = "scim-bearer"
	PrincipalClient = "scim-client"
)

// Environment variables of the authorizer function.
const (
	// EnvSecretID is the secret holding the bearer token's hash.
	EnvSecretID = "SCIM_TOKEN_SECRET"
	// EnvClientID is the SCIM app client; set only where client credentials are on.
	EnvClientID = "SCIM_CLIENT_ID"
	// EnvUserPoolID is the pool whose access tokens the client presents.
	EnvUserPoolID = "USER_POOL_ID"
)

// Scope is the resource server's scope a client-credentials token must hold.
const Scope = "scim/provision"

// CacheFor is how long the hash read from the secret is trusted: a rotated
// token is refused within this time, and a busy IdP costs one
// GetSecretValue a minute per container, not one per request.
const CacheFor = time.Minute

// ErrUnauthorized makes API Gateway answer 401: the token is missing or wrong.
var ErrUnauthorized = errors.New("Unauthorized")

// Secrets is the one Secrets Manager call the authorizer makes.
type Secrets interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// ClientVerifier checks a client-credentials access token and returns its client id.
type ClientVerifier func(token string) (clientID string, err error)

// Record is the secret's value: the token's hash, never the token.
type Record struct {
	SHA256 string `json:"sha256"`
	// Rotated is when the token was made (RFC 3339), for whoever reads the secret.
	Rotated string `json:"rotated,omitempty"`
}

// TokenPrefix starts every token, so one found in a log or a paste is recognisable.
const TokenPrefix = "scim_"

// NewToken returns a new random token (256 bits) and the secret value
// holding its hash; the token itself is stored nowhere.
func NewToken(now time.Time) (token, secret string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	v, _ := json.Marshal(Record{SHA256: Hash(token), Rotated: now.UTC().Format(time.RFC3339)})
	return token, string(v), nil
}

// Hash is the hex SHA-256 of token. A token of 256 random bits needs no
// slow hash: nobody can guess one from its hash.
func Hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Authorizer checks tokens.
type Authorizer struct {
	secrets  Secrets
	secretID string
	// verify checks client-credentials tokens; nil where they are off.
	verify ClientVerifier
	log    *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	hash    []byte
	fetched time.Time
}

// New returns an authorizer reading the hash from secretID. verify is nil
// unless client credentials are on.
func New(secrets Secrets, secretID string, verify ClientVerifier, log *slog.Logger) *Authorizer {
	return &Authorizer{secrets: secrets, secretID: secretID, verify: verify, log: log, now: time.Now}
}

// WithClock replaces the cache's clock (tests).
func (a *Authorizer) WithClock(now func() time.Time) *Authorizer { a.now = now; return a }

// Principal is who a token proves the caller is.
type Principal struct {
	// Name is PrincipalBearer or PrincipalClient.
	Name string
	// ClientID is the app client's id, for PrincipalClient.
	ClientID string
}

// Context is the authorizer context API Gateway passes to the function.
func (p Principal) Context() map[string]any {
	c := map[string]any{"principal": p.Name}
	if p.ClientID != "" {
		c["client_id"] = p.ClientID
	}
	return c
}

// ErrUnavailable means the hash could not be read: nobody is admitted, and
// API Gateway answers 403, not 500.
var ErrUnavailable = errors.New("the SCIM token's hash cannot be read")

// Check returns the principal an Authorization header value proves, or
// ErrUnauthorized, or ErrUnavailable. It never logs the header.
func (a *Authorizer) Check(ctx context.Context, header string) (Principal, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return Principal{}, ErrUnauthorized
	}
	if a.verify != nil && strings.Count(token, ".") == 2 && !strings.HasPrefix(token, TokenPrefix) {
		id, err := a.verify(token)
		if err != nil {
			a.log.InfoContext(ctx, "client token refused", "reason", err.Error())
			return Principal{}, ErrUnauthorized
		}
		return Principal{Name: PrincipalClient, ClientID: id}, nil
	}
	want, err := a.storedHash(ctx)
	if err != nil {
		a.log.ErrorContext(ctx, "cannot read the SCIM token's hash: refusing every bearer token", "secret", a.secretID, "error", err.Error())
		return Principal{}, ErrUnavailable
	}
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return Principal{}, ErrUnauthorized
	}
	return Principal{Name: PrincipalBearer}, nil
}

// storedHash is the secret's hash, read at most once per CacheFor. A
// failed read is not cached: the next request tries again.
func (a *Authorizer) storedHash(ctx context.Context) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hash != nil && a.now().Sub(a.fetched) < CacheFor {
		return a.hash, nil
	}
	out, err := a.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &a.secretID})
	if err != nil {
		return nil, err
	}
	if out.SecretString == nil {
		return nil, errors.New("the secret has no string value")
	}
	var r Record
	if err := json.Unmarshal([]byte(*out.SecretString), &r); err != nil {
		return nil, errors.New("the secret's value is not a token record: run `useradmin scim rotate-token`")
	}
	if r.SHA256 == "" {
		return nil, errors.New("no token has been set yet: run `useradmin scim rotate-token`")
	}
	h, err := hex.DecodeString(r.SHA256)
	if err != nil || len(h) != sha256.Size {
		return nil, errors.New("the secret's sha256 is not a hex SHA-256")
	}
	a.hash, a.fetched = h, a.now()
	return h, nil
}

// Handle is the Lambda TOKEN authorizer: an Allow policy on the SCIM routes
// with the principal as context, a Deny policy when the hash cannot be read
// (403, never 500), or ErrUnauthorized (401).
func (a *Authorizer) Handle(ctx context.Context, ev events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	resources, err := SCIMResources(ev.MethodArn)
	if err != nil {
		a.log.ErrorContext(ctx, "unexpected method ARN", "error", err.Error())
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	p, err := a.Check(ctx, ev.AuthorizationToken)
	switch {
	case errors.Is(err, ErrUnavailable):
		return policy("scim", "Deny", resources, nil), nil
	case err != nil:
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	id := p.Name
	if p.ClientID != "" {
		id = "scim:" + p.ClientID
	}
	return policy(id, "Allow", resources, p.Context()), nil
}

// SCIMResources are the execute-api ARNs of the SCIM routes, every method,
// in the stage of methodArn (arn:…:execute-api:region:account:api/stage/METHOD/path).
// API Gateway may cache a policy for the token: it must grant the SCIM
// routes, and nothing else of the API.
func SCIMResources(methodArn string) ([]string, error) {
	parts := strings.SplitN(methodArn, "/", 3)
	if len(parts) < 3 || !strings.HasPrefix(parts[0], "arn:") || strings.Count(parts[0], ":") != 5 || parts[1] == "" {
		return nil, fmt.Errorf("not a method ARN: %q", methodArn)
	}
	stage := parts[0] + "/" + parts[1]
	return []string{stage + "/*/scim/v2", stage + "/*/scim/v2/*"}, nil
}

func policy(principal, effect string, resources []string, context map[string]any) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version:   "2012-10-17",
			Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: resources}},
		},
		Context: context,
	}
}
