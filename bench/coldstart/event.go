package coldstart

import (
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

const (
	poolID   = "us-east-1_BenchPool1"
	clientID = "4benchadminclient"
	region   = "us-east-1"
	function = "UserAdmin-dev-AdminFunction"
)

// functionSettings are the dev stack's Lambda settings, with a pool id the Cognito stub accepts.
var functionSettings = settings.Settings{
	UserPoolID:     poolID,
	AdminGroups:    []string{"admins"},
	ManagedGroups:  []string{"admins"},
	AllowedOrigins: []string{"http://localhost:3000"},
	Password:       settings.DefaultPasswordPolicy(),
	APIClientIDs:   []string{clientID},
}

// createEvent is what API Gateway sends for POST /users after its Cognito
// authorizer accepted an admin's ID token: claims as strings, no groups in
// the body, so the handler makes exactly one Cognito call (AdminCreateUser).
func createEvent(email string) []byte {
	body, _ := json.Marshal(map[string]any{"email": email, "sendInvitation": false})
	e := events.APIGatewayProxyRequest{
		Resource:   "/users",
		Path:       "/users",
		HTTPMethod: "POST",
		Headers:    map[string]string{"Content-Type": "application/json", "Host": "api.example.com"},
		Body:       string(body),
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID:    "bench-request",
			Stage:        "dev",
			ResourcePath: "/users",
			HTTPMethod:   "POST",
			Path:         "/dev/users",
			Authorizer: map[string]any{"claims": map[string]any{
				"sub": "00000000-0000-0000-0000-00000000a001", "aud": clientID, "email": "admin@example.com",
				"cognito:groups": "admins", "token_use": "id",
			}},
		},
	}
	b, _ := json.Marshal(e)
	return b
}
