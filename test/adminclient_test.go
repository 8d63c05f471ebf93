package test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/useradmin/cognito-user-admin/infra"
	"github.com/useradmin/cognito-user-admin/local"
)

// TestAdminAPIClients: the admin API takes ID tokens of the admin client
// only (the dev config's AdminAPIClients): an admin's token from the app
// client, which an application keeps in a browser, is refused with 403 by
// the Lambda, after the authorizer accepted it as API Gateway's would.
func TestAdminAPIClients(t *testing.T) {
	needEnv(t)
	ctx := context.Background()
	appToken, err := env.IDToken(ctx, adminEmail, password)
	if err != nil {
		t.Fatal(err)
	}
	if aud := audience(t, appToken); aud != env.Pool.ClientID {
		t.Fatalf("app token aud = %s, want the app client %s", aud, env.Pool.ClientID)
	}
	adminToken := token(t, adminEmail)
	if aud := audience(t, adminToken); aud != env.Pool.AdminClientID {
		t.Fatalf("admin token aud = %s, want the admin client %s", aud, env.Pool.AdminClientID)
	}

	before := userCount(t)
	for _, r := range []response{
		call(t, http.MethodPost, "/users", appToken, "application/json", `{"email":"via.app.client@example.com"}`),
		call(t, http.MethodGet, "/users", appToken, "", ""),
	} {
		if r.status != http.StatusForbidden || r.errorCode() != "Forbidden" || !strings.Contains(r.raw, "admin client") {
			t.Errorf("app-client token: %d %s, want 403 Forbidden naming the admin client", r.status, r.raw)
		}
	}
	if n := userCount(t); n != before {
		t.Errorf("user count went from %d to %d: a refused call created a user", before, n)
	}
	if r := call(t, http.MethodGet, "/users", adminToken, "", ""); r.status != http.StatusOK {
		t.Errorf("admin-client token: %d %s, want 200", r.status, r.raw)
	}
}

// TestSRPFirstSignIn: a user created with a temporary password signs in
// through the admin client with SRP, gets NEW_PASSWORD_REQUIRED, sets a
// password and is CONFIRMED: the first sign-in `useradmin login` performs.
func TestSRPFirstSignIn(t *testing.T) {
	needEnv(t)
	ctx := context.Background()
	const email, temp, chosen = "first.signin@example.com", "Temp-Passw0rd-77!", "Chosen-Passw0rd-78!"
	if r := createJSON(t, `{"email":"`+email+`","temporaryPassword":"`+temp+`","sendInvitation":false}`); r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	out, err := env.AdminSignIn(ctx, email, temp)
	if err != nil {
		t.Fatal(err)
	}
	if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || out.Session == nil {
		t.Fatalf("challenge = %q, want NEW_PASSWORD_REQUIRED with a session", out.ChallengeName)
	}
	done, err := env.Cognito.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: out.ChallengeName, ClientId: &env.Pool.AdminClientID, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": out.ChallengeParameters["USERNAME"], "NEW_PASSWORD": chosen},
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.AuthenticationResult == nil || done.AuthenticationResult.IdToken == nil {
		t.Fatalf("no tokens after the new password: challenge %q", done.ChallengeName)
	}
	if u := poolUser(t, email); u == nil || u.UserStatus != types.UserStatusTypeConfirmed {
		t.Errorf("user after the first sign-in: %v, want CONFIRMED", u)
	}
	// The password flow checks passwords (SRP against the emulator does not): the new one works.
	if _, err := env.IDToken(ctx, email, chosen); err != nil {
		t.Errorf("password sign-in with the new password: %v", err)
	}
}

// TestAdminClientPinned: local mode finds the admin client by the logical
// ID the infrastructure pins.
func TestAdminClientPinned(t *testing.T) {
	for _, id := range []string{local.AppClientLogicalID, local.AdminClientLogicalID} {
		r, ok := infra.PoolIdentity[id].(map[string]any)
		if !ok || r["Type"] != "AWS::Cognito::UserPoolClient" {
			t.Errorf("infra.PoolIdentity does not pin the client %s that local mode looks up", id)
		}
	}
}

func audience(t *testing.T, tok string) string {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		t.Fatal(err)
	}
	aud, _ := claims.GetAudience()
	return strings.Join(aud, ",")
}
