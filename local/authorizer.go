package local

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Authorizer checks a Cognito ID token the way API Gateway's Cognito user
// pool authorizer does: the signature against the pool's JWKS, expiry, the
// issuer (the pool) and token_use = id. Like API Gateway it takes a token of
// any of the pool's clients: which client may call the API is the Lambda's
// decision (its API_CLIENT_IDS), so local mode must not make it here.
type Authorizer struct {
	keys   keyfunc.Keyfunc
	parser *jwt.Parser
	issuer string
	// clients are the pool's app clients: a token signed by the pool names one of them.
	clients []string
}

// NewAuthorizer fetches the pool's JWKS from the emulator. The issuer has
// the real Cognito form, which the emulator also uses.
func NewAuthorizer(ctx context.Context, endpoint, region, poolID string, clients []string) (*Authorizer, error) {
	jwks := fmt.Sprintf("%s/%s/.well-known/jwks.json", strings.TrimSuffix(endpoint, "/"), poolID)
	keys, err := keyfunc.NewDefaultCtx(ctx, []string{jwks})
	if err != nil {
		return nil, fmt.Errorf("loading the JWKS from %s: %w", jwks, err)
	}
	issuer := fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", region, poolID)
	return &Authorizer{
		keys:    keys,
		issuer:  issuer,
		clients: clients,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithIssuer(issuer),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
		),
	}, nil
}

// Verify returns the token's claims, or an error if API Gateway would refuse it.
func (a *Authorizer) Verify(token string) (jwt.MapClaims, error) {
	if token == "" {
		return nil, errors.New("no token")
	}
	claims := jwt.MapClaims{}
	if _, err := a.parser.ParseWithClaims(token, claims, a.keys.Keyfunc); err != nil {
		return nil, err
	}
	if claims["token_use"] != "id" {
		return nil, fmt.Errorf("token_use is %v, want id", claims["token_use"])
	}
	aud, err := claims.GetAudience()
	if err != nil || len(aud) != 1 || !slices.Contains(a.clients, aud[0]) {
		return nil, fmt.Errorf("aud %v is not a client of the pool", claims["aud"])
	}
	return claims, nil
}

// apiGatewayClaims renders claims as API Gateway hands them to a Lambda
// proxy integration: every value a string, lists joined by commas.
func apiGatewayClaims(c jwt.MapClaims) map[string]any {
	out := make(map[string]any, len(c))
	for k, v := range c {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			out[k] = strconv.FormatBool(v)
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			out[k] = strings.Join(parts, ",")
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}
