package scimauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/golang-jwt/jwt/v5"
)

// fakeSecrets serves one secret value, or an error, and counts reads.
type fakeSecrets struct {
	value *string
	err   error
	reads int
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.reads++
	if *in.SecretId != "arn:secret" {
		return nil, errors.New("unexpected secret " + *in.SecretId)
	}
	if f.err != nil {
		return nil, f.err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: f.value}, nil
}

const methodArn = "arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/scim/v2/Users"

var scimResources = []string{
	"arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/*/scim/v2",
	"arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/*/scim/v2/*",
}

func newAuthorizer(t *testing.T, secrets Secrets, verify ClientVerifier) (*Authorizer, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	return New(secrets, "arn:secret", verify, slog.New(slog.NewJSONHandler(&logs, nil))), &logs
}

func stored(t *testing.T) (token string, s *fakeSecrets) {
	t.Helper()
	token, value, err := NewToken(time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(value, token) {
		t.Fatal("the secret's value holds the token")
	}
	return token, &fakeSecrets{value: &value}
}

func TestRightTokenAllowsTheSCIMRoutesOnly(t *testing.T) {
	token, secrets := stored(t)
	a, logs := newAuthorizer(t, secrets, nil)
	resp, err := a.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + token, MethodArn: methodArn})
	if err != nil {
		t.Fatal(err)
	}
	st := resp.PolicyDocument.Statement
	if len(st) != 1 || st[0].Effect != "Allow" || !reflect.DeepEqual(st[0].Resource, scimResources) || !reflect.DeepEqual(st[0].Action, []string{"execute-api:Invoke"}) {
		t.Fatalf("policy = %+v, want Allow execute-api:Invoke on %v", resp.PolicyDocument, scimResources)
	}
	if !reflect.DeepEqual(resp.Context, map[string]any{"principal": PrincipalBearer}) || resp.PrincipalID != PrincipalBearer {
		t.Fatalf("principal %q, context %v", resp.PrincipalID, resp.Context)
	}
	// Entra ID and Okta both send "Bearer"; the scheme is case-insensitive.
	if _, err := a.Check(context.Background(), "bearer "+token); err != nil {
		t.Fatalf("lower-case scheme: %v", err)
	}
	if strings.Contains(logs.String(), token) {
		t.Fatal("the token was logged")
	}
}

func TestRefusedTokens(t *testing.T) {
	token, secrets := stored(t)
	for name, header := range map[string]string{
		"wrong token":            "Bearer " + TokenPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"token with a byte more": "Bearer " + token + "x",
		"no token":               "",
		"scheme only":            "Bearer ",
		"no scheme":              token,
		"basic scheme":           "Basic " + token,
		// The hash itself is not the token.
		"the stored hash": "Bearer " + Hash(token),
	} {
		t.Run(name, func(t *testing.T) {
			a, logs := newAuthorizer(t, secrets, nil)
			resp, err := a.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: header, MethodArn: methodArn})
			if !errors.Is(err, ErrUnauthorized) || err.Error() != "Unauthorized" {
				t.Fatalf("err = %v (policy %+v), want Unauthorized (API Gateway's 401)", err, resp)
			}
			if presented := strings.TrimPrefix(header, "Bearer "); presented != "" && strings.Contains(logs.String(), presented) {
				t.Fatal("the presented token was logged")
			}
		})
	}
}

func TestUnreadableSecretDenies(t *testing.T) {
	token, _ := stored(t)
	for name, secrets := range map[string]*fakeSecrets{
		"read fails":     {err: errors.New("AccessDeniedException: not authorized")},
		"no token yet":   {value: ptr(`{"sha256":"","placeholder":"x"}`)},
		"not a record":   {value: ptr("generated-by-cloudformation")},
		"not a SHA-256":  {value: ptr(`{"sha256":"abcd"}`)},
		"no string form": {},
	} {
		t.Run(name, func(t *testing.T) {
			a, logs := newAuthorizer(t, secrets, nil)
			resp, err := a.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + token, MethodArn: methodArn})
			if err != nil {
				t.Fatalf("err = %v: an error other than Unauthorized is API Gateway's 500", err)
			}
			if st := resp.PolicyDocument.Statement; len(st) != 1 || st[0].Effect != "Deny" || resp.Context != nil {
				t.Fatalf("policy = %+v context %v, want a Deny", resp.PolicyDocument, resp.Context)
			}
			if !strings.Contains(logs.String(), "cannot read the SCIM token's hash") || strings.Contains(logs.String(), token) {
				t.Fatalf("logs = %s", logs.String())
			}
		})
	}
}

func TestHashIsCachedBriefly(t *testing.T) {
	token, secrets := stored(t)
	a, _ := newAuthorizer(t, secrets, nil)
	now := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	a.WithClock(func() time.Time { return now })
	check := func(want error) {
		t.Helper()
		if _, err := a.Check(context.Background(), "Bearer "+token); !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
	}
	check(nil)
	check(nil)
	if secrets.reads != 1 {
		t.Fatalf("%d reads within the cache time, want 1", secrets.reads)
	}
	// Rotated: the old token works until the cache expires, then not.
	_, rotated, _ := NewToken(now)
	secrets.value = &rotated
	now = now.Add(CacheFor - time.Second)
	check(nil)
	now = now.Add(time.Second)
	check(ErrUnauthorized)
	if secrets.reads != 2 {
		t.Fatalf("%d reads, want 2", secrets.reads)
	}
	// A failed read is not cached.
	secrets.err = errors.New("throttled")
	now = now.Add(CacheFor)
	check(ErrUnavailable)
	secrets.err = nil
	check(ErrUnauthorized)
	if secrets.reads != 4 {
		t.Fatalf("%d reads, want 4", secrets.reads)
	}
}

func TestClientCredentialsTokens(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	issuer := Issuer("eu-west-1", "eu-west-1_pool")
	verify := NewClientVerifier(func(*jwt.Token) (any, error) { return &key.PublicKey, nil }, issuer, "scimclient")
	sign := func(k *rsa.PrivateKey, edit func(jwt.MapClaims)) string {
		c := jwt.MapClaims{"iss": issuer, "token_use": "access", "client_id": "scimclient", "scope": "scim/provision",
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
		if edit != nil {
			edit(c)
		}
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	_, secrets := stored(t)
	a, _ := newAuthorizer(t, secrets, verify)
	resp, err := a.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequest{AuthorizationToken: "Bearer " + sign(key, nil), MethodArn: methodArn})
	if err != nil {
		t.Fatal(err)
	}
	if resp.PolicyDocument.Statement[0].Effect != "Allow" || !reflect.DeepEqual(resp.Context, map[string]any{"principal": PrincipalClient, "client_id": "scimclient"}) {
		t.Fatalf("resp = %+v", resp)
	}
	if secrets.reads != 0 {
		t.Fatal("a client token read the bearer secret")
	}
	for name, token := range map[string]string{
		"another key":    sign(other, nil),
		"another client": sign(key, func(c jwt.MapClaims) { c["client_id"] = "appclient" }),
		"no scope":       sign(key, func(c jwt.MapClaims) { c["scope"] = "aws.cognito.signin.user.admin" }),
		"an ID token":    sign(key, func(c jwt.MapClaims) { c["token_use"] = "id" }),
		"expired":        sign(key, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }),
		"another issuer": sign(key, func(c jwt.MapClaims) { c["iss"] = Issuer("eu-west-1", "eu-west-1_other") }),
		"no expiry":      sign(key, func(c jwt.MapClaims) { delete(c, "exp") }),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := a.Check(context.Background(), "Bearer "+token); !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("err = %v, want Unauthorized", err)
			}
		})
	}
	// Without client credentials on, a JWT is just a wrong bearer token.
	b, _ := newAuthorizer(t, secrets, nil)
	if _, err := b.Check(context.Background(), "Bearer "+sign(key, nil)); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want Unauthorized", err)
	}
}

func TestSCIMResources(t *testing.T) {
	got, err := SCIMResources(methodArn)
	if err != nil || !reflect.DeepEqual(got, scimResources) {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "arn:aws:execute-api:eu-west-1:123456789012:abc123", "nonsense/dev/GET/x"} {
		if _, err := SCIMResources(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	a, _ := newAuthorizer(t, &fakeSecrets{}, nil)
	if _, err := a.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequest{AuthorizationToken: "Bearer x", MethodArn: "bogus"}); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("bogus ARN: %v", err)
	}
}

func ptr(s string) *string { return &s }
