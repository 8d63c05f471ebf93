package test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// seedAdmin creates an admin of the test's own, so that the shared seeded
// admin, which other tests sign in as, is never disabled or demoted.
func seedAdmin(t *testing.T, email string) {
	t.Helper()
	if err := env.SeedUser(context.Background(), email, password, "admins"); err != nil {
		t.Fatal(err)
	}
}

// poolState is what a refused caller must not have changed: the number of
// users, and for the given users whether each exists, is enabled, and its groups.
func poolState(t *testing.T, emails ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(strings.Repeat("u", userCount(t)))
	for _, e := range emails {
		u := poolUser(t, e)
		if u == nil {
			b.WriteString("\n" + e + " absent")
			continue
		}
		gs := poolGroups(t, e)
		slices.Sort(gs)
		b.WriteString("\n" + e + " " + map[bool]string{true: "enabled", false: "disabled"}[u.Enabled] + " " + strings.Join(gs, ","))
	}
	return b.String()
}

// refusedEverywhere checks that a caller whose token is still valid is
// refused by the Lambda (403 Forbidden, not the authorizer's 401) on
// create, enable of themselves and a group add, and that the pool is unchanged.
func refusedEverywhere(t *testing.T, caller, reason string) {
	t.Helper()
	tok := token(t, caller)
	const backdoor = "backdoor@example.com"
	before := poolState(t, caller, userEmail, backdoor)
	for _, tc := range []struct{ method, path, contentType, body string }{
		{http.MethodPost, "/users", "application/json", `{"email":"` + backdoor + `","groups":["admins"],"sendInvitation":false}`},
		{http.MethodPost, userPath(caller, "enable"), "", ""},
		{http.MethodPut, userPath(caller, "groups", "admins"), "", ""},
		{http.MethodPut, userPath(userEmail, "groups", "admins"), "", ""},
	} {
		r := call(t, tc.method, tc.path, tok, tc.contentType, tc.body)
		if r.status != http.StatusForbidden || r.errorCode() != "Forbidden" {
			t.Errorf("%s %s by %s: %d %s, want 403 Forbidden", tc.method, tc.path, caller, r.status, r.raw)
		}
	}
	if after := poolState(t, caller, userEmail, backdoor); after != before {
		t.Errorf("the pool changed:\n%s\nto\n%s", before, after)
	}
	if !strings.Contains(logs.String(), `"reason":"`+reason+`"`) {
		t.Errorf("no audit line with reason %s", reason)
	}
}

// An admin disabled by another keeps a valid ID token, and can do nothing with it.
func TestDisabledAdminLosesTheAPI(t *testing.T) {
	needEnv(t)
	const victim, other = "containment.disabled@example.com", "containment.disabler@example.com"
	seedAdmin(t, victim)
	seedAdmin(t, other)
	tok := token(t, victim) // signed in while still an admin
	if r := call(t, http.MethodGet, "/users?limit=1", tok, "", ""); r.status != http.StatusOK {
		t.Fatalf("the admin before being disabled: %d %s", r.status, r.raw)
	}
	if r := call(t, http.MethodPost, userPath(victim, "disable"), token(t, other), "", ""); r.status != http.StatusOK {
		t.Fatalf("disabling: %d %s", r.status, r.raw)
	}
	if u := poolUser(t, victim); u == nil || u.Enabled {
		t.Fatalf("not disabled: %+v", u)
	}
	refusedEverywhere(t, victim, "caller_disabled")
}

// The same after removal from the admin group: the token still says admins, the pool does not.
func TestDemotedAdminLosesTheAPI(t *testing.T) {
	needEnv(t)
	const victim, other = "containment.demoted@example.com", "containment.demoter@example.com"
	seedAdmin(t, victim)
	seedAdmin(t, other)
	tok := token(t, victim)
	if r := call(t, http.MethodGet, "/users?limit=1", tok, "", ""); r.status != http.StatusOK {
		t.Fatalf("the admin before being demoted: %d %s", r.status, r.raw)
	}
	if r := call(t, http.MethodDelete, userPath(victim, "groups", "admins"), token(t, other), "", ""); r.status != http.StatusNoContent {
		t.Fatalf("demoting: %d %s", r.status, r.raw)
	}
	refusedEverywhere(t, victim, "caller_not_admin")
}

// signedIn signs a user in and returns the refresh token, after checking it works.
func signedIn(t *testing.T, email string) string {
	t.Helper()
	out, err := env.SignIn(context.Background(), email, password)
	if err != nil || out.AuthenticationResult == nil || out.AuthenticationResult.RefreshToken == nil {
		t.Fatalf("signing %s in: %v", email, err)
	}
	refresh := *out.AuthenticationResult.RefreshToken
	if err := refreshWith(refresh); err != nil {
		t.Fatalf("the refresh token does not work even before sign-out: %v", err)
	}
	return refresh
}

func refreshWith(refresh string) error {
	_, err := env.Cognito.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
		ClientId:       &env.Pool.ClientID,
		AuthParameters: map[string]string{"REFRESH_TOKEN": refresh},
	})
	return err
}

func wantRevoked(t *testing.T, refresh string) {
	t.Helper()
	var notAuthorized *types.NotAuthorizedException
	if err := refreshWith(refresh); !errors.As(err, &notAuthorized) {
		t.Errorf("refreshing after sign-out: %v, want NotAuthorizedException", err)
	}
}

// Sign-out ends the user's sessions: their refresh token stops working.
func TestSignOutRevokesRefreshTokens(t *testing.T) {
	needEnv(t)
	const email = "containment.signout@example.com"
	if err := env.SeedUser(context.Background(), email, password); err != nil {
		t.Fatal(err)
	}
	refresh := signedIn(t, email)
	r := asAdmin(t, http.MethodPost, userPath(email, "sign-out"), "", "")
	if r.status != http.StatusNoContent || r.raw != "" {
		t.Fatalf("sign-out: %d %q", r.status, r.raw)
	}
	wantRevoked(t, refresh)
	if u := poolUser(t, email); u == nil || !u.Enabled {
		t.Error("sign-out disabled or deleted the user")
	}
	if r := asAdmin(t, http.MethodPost, userPath("nobody@example.com", "sign-out"), "", ""); r.status != http.StatusNotFound || r.errorCode() != "UserNotFound" {
		t.Errorf("sign-out of nobody: %d %s", r.status, r.raw)
	}
}

// Disabling a user also signs them out everywhere.
func TestDisableRevokesRefreshTokens(t *testing.T) {
	needEnv(t)
	const email = "containment.disable.signout@example.com"
	if err := env.SeedUser(context.Background(), email, password); err != nil {
		t.Fatal(err)
	}
	refresh := signedIn(t, email)
	if r := asAdmin(t, http.MethodPost, userPath(email, "disable"), "", ""); r.status != http.StatusOK || r.user()["enabled"] != false {
		t.Fatalf("disable: %d %s", r.status, r.raw)
	}
	wantRevoked(t, refresh)
	// Enabled again, the user signs in afresh.
	if r := asAdmin(t, http.MethodPost, userPath(email, "enable"), "", ""); r.status != http.StatusOK || r.user()["enabled"] != true {
		t.Fatalf("enable: %d %s", r.status, r.raw)
	}
	if _, err := env.SignIn(context.Background(), email, password); err != nil {
		t.Errorf("signing in after enable: %v", err)
	}
}

// A password reset, or a new temporary password, signs the user out
// everywhere: a session opened with the old password ends with it.
func TestPasswordChangeRevokesRefreshTokens(t *testing.T) {
	needEnv(t)
	for _, tc := range []struct{ mode, body, status string }{
		{"reset", `{"mode":"reset"}`, "RESET_REQUIRED"},
		{"temporary", `{"mode":"temporary","temporaryPassword":"Other-Passw0rd-7!","sendInvitation":false}`, "FORCE_CHANGE_PASSWORD"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			email := "containment.password." + tc.mode + "@example.com"
			if err := env.SeedUser(context.Background(), email, password); err != nil {
				t.Fatal(err)
			}
			refresh := signedIn(t, email)
			r := asAdmin(t, http.MethodPost, userPath(email, "password"), "application/json", tc.body)
			if r.status != http.StatusOK || r.user()["status"] != tc.status {
				t.Fatalf("password %s: %d %s", tc.mode, r.status, r.raw)
			}
			wantRevoked(t, refresh)
		})
	}
}

// An admin whose password another admin reset keeps an ID token issued
// before the reset, valid at the authorizer: the Lambda refuses it, since
// the account is no longer confirmed (and whoever took the old password may
// hold that token).
func TestResetAdminLosesTheAPI(t *testing.T) {
	needEnv(t)
	for _, tc := range []struct{ mode, body string }{
		{"reset", `{"mode":"reset"}`},
		// A role holder's temporary password is Cognito's, emailed (docs/roles.md: no takeover).
		{"temporary", `{"mode":"temporary"}`},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			victim, other := "containment.reset."+tc.mode+"@example.com", "containment.resetter."+tc.mode+"@example.com"
			seedAdmin(t, victim)
			seedAdmin(t, other)
			tok := token(t, victim) // signed in before the reset
			if r := call(t, http.MethodGet, "/users?limit=1", tok, "", ""); r.status != http.StatusOK {
				t.Fatalf("the admin before the reset: %d %s", r.status, r.raw)
			}
			if r := call(t, http.MethodPost, userPath(victim, "password"), token(t, other), "application/json", tc.body); r.status != http.StatusOK {
				t.Fatalf("resetting: %d %s", r.status, r.raw)
			}
			refusedEverywhere(t, victim, "caller_unconfirmed")
		})
	}
}
