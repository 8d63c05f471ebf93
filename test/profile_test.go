package test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// seedConfirmed creates a user who has set a password of their own.
func seedConfirmed(t *testing.T, email string) {
	t.Helper()
	if err := env.SeedUser(context.Background(), email, password); err != nil {
		t.Fatal(err)
	}
}

func TestManagedGroups(t *testing.T) {
	needEnv(t)
	r := asAdmin(t, http.MethodGet, "/groups", "", "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /groups: %d %s", r.status, r.raw)
	}
	groups, _ := r.body["groups"].([]any)
	// dev's roles first (admins, then the examples of docs/roles.md), then its extra group.
	var names []string
	for _, g := range groups {
		names = append(names, g.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "admins,helpdesk,auditors,tenant-a-admins,tenant-a" {
		t.Fatalf("groups = %s, want dev's managed groups in order", r.raw)
	}
	g := groups[0].(map[string]any)
	if g["name"] != "admins" || g["admin"] != true || g["description"] == "" {
		t.Errorf("group = %v", g)
	}
}

// Paging through a group's members visits each exactly once, as the pool lists them.
func TestGroupMembers(t *testing.T) {
	needEnv(t)
	for _, e := range []string{"member.a@example.com", "member.b@example.com"} {
		mustCreate(t, e)
		if r := asAdmin(t, http.MethodPut, userPath(e, "groups", "admins"), "", ""); r.status != http.StatusNoContent {
			t.Fatalf("adding %s: %d %s", e, r.status, r.raw)
		}
	}
	var want []string
	p := cip.NewListUsersInGroupPaginator(env.Cognito, &cip.ListUsersInGroupInput{UserPoolId: &env.Pool.ID, GroupName: aws.String("admins")})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			for _, a := range u.Attributes {
				if *a.Name == "email" {
					want = append(want, *a.Value)
				}
			}
		}
	}
	var seen []string
	next := ""
	for pages := 0; ; pages++ {
		q := url.Values{"limit": {"1"}, "groups": {"true"}}
		if next != "" {
			q.Set("nextToken", next)
		}
		r := asAdmin(t, http.MethodGet, "/groups/admins/users?"+q.Encode(), "", "")
		if r.status != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages, r.status, r.raw)
		}
		for _, u := range r.body["users"].([]any) {
			m := u.(map[string]any)
			seen = append(seen, m["email"].(string))
			if !slices.Contains(toStrings(m["groups"]), "admins") {
				t.Errorf("a member without the group: %v", m)
			}
		}
		tok, ok := r.body["nextToken"].(string)
		if !ok {
			break
		}
		next = tok
		if pages > len(want)+2 {
			t.Fatal("paging does not end")
		}
	}
	slices.Sort(want)
	slices.Sort(seen)
	if len(want) < 3 || !slices.Equal(seen, want) {
		t.Errorf("members = %v, the pool says %v", seen, want)
	}
	for path, code := range map[string]string{
		"/groups/readonly/users":                     "GroupNotManaged",
		"/groups/admins/users?nextToken=forged":      "InvalidNextToken",
		"/groups/admins/users?limit=61&groups=true":  "InvalidRequest",
		"/groups/admins/users?limit=601":             "InvalidRequest",
		"/groups/admins/users?status=CONFIRMED":      "InvalidRequest",
		"/groups/admins/users?nextToken=" + next[:0]: "InvalidNextToken",
	} {
		if r := asAdmin(t, http.MethodGet, path, "", ""); r.errorCode() != code {
			t.Errorf("GET %s: %d %s, want %s", path, r.status, r.raw, code)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func passwordCall(t *testing.T, email, body string) response {
	t.Helper()
	return asAdmin(t, http.MethodPost, userPath(email, "password"), "application/json", body)
}

func TestPasswordReset(t *testing.T) {
	needEnv(t)
	seedConfirmed(t, "forgetful@example.com")
	r := passwordCall(t, "forgetful@example.com", `{"mode":"reset"}`)
	if r.status != http.StatusOK || r.user()["status"] != "RESET_REQUIRED" {
		t.Fatalf("reset: %d %s", r.status, r.raw)
	}
	if u := poolUser(t, "forgetful@example.com"); u == nil || u.UserStatus != types.UserStatusTypeResetRequired {
		t.Errorf("pool status = %v, want RESET_REQUIRED", u.UserStatus)
	}
	// (moto lets a RESET_REQUIRED user still sign in with the old password, so that is not checked here.)

	seedConfirmed(t, "disabled.pw@example.com")
	if _, err := env.Cognito.AdminDisableUser(context.Background(), &cip.AdminDisableUserInput{UserPoolId: &env.Pool.ID, Username: aws.String("disabled.pw@example.com")}); err != nil {
		t.Fatal(err)
	}
	if r := passwordCall(t, "disabled.pw@example.com", `{"mode":"reset"}`); r.status != http.StatusConflict || r.errorCode() != "UserDisabled" {
		t.Errorf("reset of a disabled user: %d %s, want 409 UserDisabled", r.status, r.raw)
	}
	if u := poolUser(t, "disabled.pw@example.com"); u.UserStatus != types.UserStatusTypeConfirmed {
		t.Errorf("the disabled user's status changed to %s", u.UserStatus)
	}
}

func TestTemporaryPasswordRoute(t *testing.T) {
	needEnv(t)
	const given = "Fresh-Temp0rary!"
	seedConfirmed(t, "locked.out@example.com")
	r := passwordCall(t, "locked.out@example.com", `{"mode":"temporary","temporaryPassword":"`+given+`","sendInvitation":false}`)
	if r.status != http.StatusOK || r.user()["status"] != "FORCE_CHANGE_PASSWORD" {
		t.Fatalf("temporary: %d %s", r.status, r.raw)
	}
	if u := poolUser(t, "locked.out@example.com"); u.UserStatus != types.UserStatusTypeForceChangePassword {
		t.Errorf("pool status = %s", u.UserStatus)
	}
	// The given password signs in, to the new-password challenge; the old one does not.
	out, err := env.SignIn(context.Background(), "locked.out@example.com", given)
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Errorf("sign-in with the temporary password: %v %+v", err, out)
	}
	if _, err := env.SignIn(context.Background(), "locked.out@example.com", password); err == nil {
		t.Error("the old password still signs in")
	}

	// Generated and emailed: the user is back to their first sign-in.
	seedConfirmed(t, "generated@example.com")
	if r := passwordCall(t, "generated@example.com", `{"mode":"temporary"}`); r.status != http.StatusOK || r.user()["status"] != "FORCE_CHANGE_PASSWORD" {
		t.Fatalf("generated: %d %s", r.status, r.raw)
	}
	if _, err := env.SignIn(context.Background(), "generated@example.com", password); err == nil {
		t.Error("the old password still signs in")
	}
	if strings.Contains(logs.String(), given) {
		t.Error("the temporary password is in the logs")
	}
}

func TestPasswordRouteRefusals(t *testing.T) {
	needEnv(t)
	mustCreate(t, "invited.only@example.com")
	seedConfirmed(t, "pw.refusals@example.com")
	for _, tc := range []struct {
		email, body string
		status      int
		code        string
	}{
		{"invited.only@example.com", `{"mode":"reset"}`, http.StatusConflict, "InvitationPending"},
		{adminEmail, `{"mode":"temporary"}`, http.StatusForbidden, "CannotModifySelf"},
		{"pw.refusals@example.com", `{"mode":"temporary","sendInvitation":false}`, http.StatusBadRequest, "InvalidRequest"},
		{"pw.refusals@example.com", `{"mode":"temporary","temporaryPassword":"short1!A"}`, http.StatusBadRequest, "InvalidPassword"},
		// API Gateway's model refuses these before the Lambda.
		{"pw.refusals@example.com", `{"mode":"email"}`, http.StatusBadRequest, "InvalidRequest"},
		{"pw.refusals@example.com", `{"mode":"reset","password":"x"}`, http.StatusBadRequest, "InvalidRequest"},
		{"nobody@example.com", `{"mode":"reset"}`, http.StatusNotFound, "UserNotFound"},
	} {
		r := passwordCall(t, tc.email, tc.body)
		if r.status != tc.status || r.errorCode() != tc.code {
			t.Errorf("%s %s: %d %s, want %d %s", tc.email, tc.body, r.status, r.raw, tc.status, tc.code)
		}
		if strings.Contains(r.raw, "short1!A") {
			t.Errorf("the password is echoed: %s", r.raw)
		}
	}
	for email, status := range map[string]types.UserStatusType{"invited.only@example.com": types.UserStatusTypeForceChangePassword, "pw.refusals@example.com": types.UserStatusTypeConfirmed, adminEmail: types.UserStatusTypeConfirmed} {
		if u := poolUser(t, email); u.UserStatus != status {
			t.Errorf("%s is now %s", email, u.UserStatus)
		}
	}
}

func TestRemoveMFA(t *testing.T) {
	needEnv(t)
	const email = "lost.phone@example.com"
	seedConfirmed(t, email)
	ctx := context.Background()
	// The user sets up TOTP with their own session, then turns it on.
	out, err := env.SignIn(ctx, email, password)
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("sign-in: %v", err)
	}
	access := out.AuthenticationResult.AccessToken
	if _, err := env.Cognito.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Cognito.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String("123456")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Cognito.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatal(err)
	}
	if r := asAdmin(t, http.MethodGet, userPath(email), "", ""); r.user()["mfaEnabled"] != true {
		t.Fatalf("before: %s", r.raw)
	}
	r := asAdmin(t, http.MethodDelete, userPath(email, "mfa"), "", "")
	if r.status != http.StatusOK || r.user()["mfaEnabled"] != false {
		t.Fatalf("remove MFA: %d %s", r.status, r.raw)
	}
	if u := poolUser(t, email); len(u.UserMFASettingList) != 0 {
		t.Errorf("the pool still has MFA on: %v", u.UserMFASettingList)
	}
	if r := asAdmin(t, http.MethodDelete, userPath("nobody@example.com", "mfa"), "", ""); r.status != http.StatusNotFound {
		t.Errorf("unknown user: %d %s", r.status, r.raw)
	}
}

func patchCall(t *testing.T, email, contentType, body string) response {
	t.Helper()
	return asAdmin(t, http.MethodPatch, userPath(email), contentType, body)
}

func TestUpdateUser(t *testing.T) {
	needEnv(t)
	const email = "renamed@example.com"
	mustCreate(t, email)
	r := patchCall(t, email, "application/json", `{"givenName":"Grace","familyName":"Hopper","attributes":{"department":"Navy"}}`)
	if r.status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", r.status, r.raw)
	}
	u := r.user()
	if u["givenName"] != "Grace" || u["familyName"] != "Hopper" || u["attributes"].(map[string]any)["department"] != "Navy" {
		t.Errorf("answer = %s", r.raw)
	}
	pool := poolUser(t, email)
	for name, want := range map[string]string{"given_name": "Grace", "family_name": "Hopper", "custom:department": "Navy", "email": email} {
		if got := attr(pool, name); got != want {
			t.Errorf("pool %s = %q, want %q", name, got, want)
		}
	}
	// Listing shows the profile too, and does not pretend to know MFA.
	list := asAdmin(t, http.MethodGet, "/users?email=renamed", "", "")
	if users, _ := list.body["users"].([]any); len(users) != 1 || users[0].(map[string]any)["givenName"] != "Grace" {
		t.Errorf("list = %s", list.raw)
	} else if _, has := users[0].(map[string]any)["mfaEnabled"]; has {
		t.Errorf("a list entry claims to know MFA: %s", list.raw)
	}

	for _, tc := range []struct {
		contentType, body string
		status            int
		code, names       string
	}{
		{"application/json", `{}`, http.StatusBadRequest, "InvalidRequest", "changes nothing"},
		{"application/json", `{"attributes":{"team":"x","cost_center":"y"}}`, http.StatusBadRequest, "InvalidRequest", `"cost_center", "team"`},
		{"application/json", `{"email":"new@example.com"}`, http.StatusBadRequest, "InvalidRequest", `"email"`},
		// API Gateway's model, built with the declared attribute's bounds.
		{"application/json", `{"attributes":{"department":"` + strings.Repeat("x", 65) + `"}}`, http.StatusBadRequest, "InvalidRequest", ""},
		{"application/json", `{"givenName":7}`, http.StatusBadRequest, "InvalidRequest", ""},
		{"application/x-www-form-urlencoded", `givenName=Ada`, http.StatusUnsupportedMediaType, "UnsupportedMediaType", ""},
	} {
		r := patchCall(t, email, tc.contentType, tc.body)
		if r.status != tc.status || r.errorCode() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.body, r.status, r.raw, tc.status, tc.code)
		}
		if msg, _ := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tc.names) {
			t.Errorf("%s: message %q does not name %s", tc.body, msg, tc.names)
		}
	}
	if after := poolUser(t, email); attr(after, "given_name") != "Grace" || attr(after, "custom:department") != "Navy" {
		t.Error("a refused PATCH changed the user")
	}
	if r := patchCall(t, "nobody@example.com", "application/json", `{"givenName":"X"}`); r.status != http.StatusNotFound {
		t.Errorf("unknown user: %d %s", r.status, r.raw)
	}
}

// API Gateway's refusal of a body that breaks the model speaks to every
// route's body: a password or PATCH body is not told to carry an email.
func TestModelRefusalMessage(t *testing.T) {
	needEnv(t)
	seedConfirmed(t, "model.refusal@example.com")
	for _, r := range []response{
		passwordCall(t, "model.refusal@example.com", `{"mode":"email"}`),
		patchCall(t, "model.refusal@example.com", "application/json", `{"givenName":5}`),
	} {
		e, _ := r.body["error"].(map[string]any)
		msg, _ := e["message"].(string)
		if r.status != http.StatusBadRequest || r.errorCode() != "InvalidRequest" || msg == "" || strings.Contains(msg, "email") {
			t.Errorf("%d %s", r.status, r.raw)
		}
	}
}
