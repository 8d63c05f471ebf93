package scimauth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the issuer of a user pool's tokens.
func Issuer(region, poolID string) string {
	return fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", region, poolID)
}

// NewClientVerifier checks a client-credentials access token as API
// Gateway's Cognito authorizer with AuthorizationScopes does: signed by
// the pool (keys), unexpired, issued by it, an access token, holding
// Scope; and issued to clientID, the SCIM client, which that authorizer
// leaves to the function.
func NewClientVerifier(keys jwt.Keyfunc, issuer, clientID string) ClientVerifier {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
	)
	return func(token string) (string, error) {
		claims := jwt.MapClaims{}
		if _, err := parser.ParseWithClaims(token, claims, keys); err != nil {
			return "", err
		}
		if claims["token_use"] != "access" {
			return "", fmt.Errorf("token_use is %v, want access", claims["token_use"])
		}
		scope, _ := claims["scope"].(string)
		if !slices.Contains(strings.Fields(scope), Scope) {
			return "", fmt.Errorf("scope %q lacks %s", scope, Scope)
		}
		if id, _ := claims["client_id"].(string); id != clientID {
			return "", fmt.Errorf("client_id %q is not the SCIM client", id)
		}
		return clientID, nil
	}
}
