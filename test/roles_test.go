package test

import (
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Roles end to end, in local mode with real tokens: the dev roles
// (helpdesk, auditors, tenant-a-admins) come from the synthesized template,
// as local mode provisions them.

// seedIn creates a user with the suite's password in groups.
func seedIn(t *testing.T, email string, groups ...string) {
	t.Helper()
	if err := env.SeedUser(context.Background(), email, password, groups...); err != nil {
		t.Fatal(err)
	}
}

// The takeover the security review found: remove an administrator's MFA,
// give them a temporary password of one's choosing without an email, sign
// in as them. It fails at the first step each attacker needs.
func TestTakeoverPathFails(t *testing.T) {
	needEnv(t)
	const (
		victim   = "roles.victim@example.com"
		helpdesk = "roles.helpdesk@example.com"
		tenant   = "roles.tenant.admin@example.com"
		admin    = "roles.other.admin@example.com"
		chosen   = "Chosen-Passw0rd!"
	)
	seedIn(t, victim, "admins")
	seedIn(t, helpdesk, "helpdesk")
	seedIn(t, tenant, "tenant-a-admins", "tenant-a")
	seedIn(t, admin, "admins")
	steal := `{"mode":"temporary","temporaryPassword":"` + chosen + `","sendInvitation":false}`
	for _, tc := range []struct {
		attacker string
		// mfa is the first step's answer: the helpdesk may not touch an
		// administrator, the tenant admin does not see one, another admin may
		// remove MFA (lost devices happen) but not choose the password.
		mfaStatus int
		mfaCode   string
	}{
		{helpdesk, http.StatusForbidden, "NotPermitted"},
		{tenant, http.StatusNotFound, "UserNotFound"},
		{admin, http.StatusOK, ""},
	} {
		tok := token(t, tc.attacker)
		r := call(t, http.MethodDelete, userPath(victim, "mfa"), tok, "", "")
		if r.status != tc.mfaStatus || (tc.mfaCode != "" && r.errorCode() != tc.mfaCode) {
			t.Errorf("%s removing the MFA: %d %s, want %d %s", tc.attacker, r.status, r.raw, tc.mfaStatus, tc.mfaCode)
		}
		r = call(t, http.MethodPost, userPath(victim, "password"), tok, "application/json", steal)
		if r.status == http.StatusOK {
			t.Fatalf("%s chose the administrator's password: %s", tc.attacker, r.raw)
		}
		if tc.attacker == admin && (r.status != http.StatusForbidden || r.errorCode() != "NotPermitted" || !strings.Contains(r.raw, "cannot be chosen")) {
			t.Errorf("another admin choosing the password: %d %s, want 403 NotPermitted by the role-holder rule", r.status, r.raw)
		}
		if _, err := env.SignIn(context.Background(), victim, chosen); err == nil {
			t.Fatalf("signed in as the administrator with the chosen password after %s's attempt", tc.attacker)
		}
	}
	if !strings.Contains(logs.String(), `"notice":"role_holder_mfa_removed"`) {
		t.Error("the administrator's MFA removal was not audited with its notice")
	}
	if _, err := env.SignIn(context.Background(), victim, password); err != nil {
		t.Errorf("the administrator's own password no longer works: %v", err)
	}
}

// A tenant admin cannot learn whether an email outside the tenant exists:
// every route that names a user answers it exactly as an address nobody
// has, and lists and the groups listing leave it out.
func TestTenantAdminCannotLearnOutsideEmails(t *testing.T) {
	needEnv(t)
	const tenant, inside = "scope.tenant.admin@example.com", "scope.inside@example.com"
	seedIn(t, tenant, "tenant-a-admins", "tenant-a")
	seedIn(t, inside, "tenant-a")
	tok := token(t, tenant)
	routes := func(email string) [][4]string {
		j := "application/json"
		return [][4]string{
			{http.MethodGet, userPath(email), "", ""},
			{http.MethodDelete, userPath(email), "", ""},
			{http.MethodPatch, userPath(email), j, `{"givenName":"Ada"}`},
			{http.MethodPost, userPath(email, "invitation"), "", ""},
			{http.MethodPost, userPath(email, "disable"), "", ""},
			{http.MethodPost, userPath(email, "enable"), "", ""},
			{http.MethodPost, userPath(email, "sign-out"), "", ""},
			{http.MethodPost, userPath(email, "password"), j, `{"mode":"reset"}`},
			{http.MethodDelete, userPath(email, "mfa"), "", ""},
			{http.MethodPut, userPath(email, "groups", "tenant-a"), "", ""},
			{http.MethodDelete, userPath(email, "groups", "tenant-a"), "", ""},
		}
	}
	before := poolState(t, userEmail, adminEmail)
	missing := routes("scope.nobody@example.com")
	for _, outside := range []string{userEmail, adminEmail} {
		for i, rt := range routes(outside) {
			got := call(t, rt[0], rt[1], tok, rt[2], rt[3])
			want := call(t, missing[i][0], missing[i][1], tok, missing[i][2], missing[i][3])
			if got.status != http.StatusNotFound || got.errorCode() != "UserNotFound" || got.message() != want.message() || want.status != got.status {
				t.Errorf("%s %s: %d %s; for an address nobody has: %d %s", rt[0], rt[1], got.status, got.raw, want.status, want.raw)
			}
		}
	}
	if after := poolState(t, userEmail, adminEmail); after != before {
		t.Errorf("the tenant admin changed users outside the tenant:\n%s\nto\n%s", before, after)
	}
	for _, path := range []string{"/users?limit=60", "/users?email=" + userEmail, "/groups/tenant-a/users?limit=60"} {
		r := call(t, http.MethodGet, path, tok, "", "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.status, r.raw)
		}
		if strings.Contains(r.raw, `"email":"`+userEmail+`"`) || strings.Contains(r.raw, `"email":"`+adminEmail+`"`) {
			t.Errorf("%s shows a user outside the tenant: %s", path, r.raw)
		}
	}
	if r := call(t, http.MethodGet, "/groups/admins/users", tok, "", ""); r.status != http.StatusNotFound {
		t.Errorf("members of admins for a tenant admin: %d %s", r.status, r.raw)
	}
	if r := call(t, http.MethodGet, "/groups", tok, "", ""); r.status != http.StatusOK || strings.Contains(r.raw, `"admins"`) || !strings.Contains(r.raw, `"tenant-a"`) {
		t.Errorf("GET /groups for a tenant admin: %d %s", r.status, r.raw)
	}
	if r := call(t, http.MethodGet, "/me", tok, "", ""); r.status != http.StatusOK || !strings.Contains(r.raw, `"scope":["tenant-a"]`) {
		t.Errorf("GET /me for a tenant admin: %d %s", r.status, r.raw)
	}
}

// A tenant admin's import lands in the tenant and its dry run already
// refuses the rows they may not create; their export holds only the tenant.
func TestScopedImportExport(t *testing.T) {
	needEnv(t)
	const tenant = "bulk.tenant.admin@example.com"
	seedIn(t, tenant, "tenant-a-admins", "tenant-a")
	writeDevFile(t)
	conf := filepath.Join(t.TempDir(), "useradmin")
	useradmin(t, conf, nil, "configure", "--local").want(t, 0, "configure --local")
	useradmin(t, conf, strings.NewReader(password+"\n"), "login", "--email", tenant, "--password-stdin").want(t, 0, "login")
	who := useradmin(t, conf, nil, "whoami", "--output", "table").want(t, 0, "whoami")
	if !strings.Contains(who.stdout, "tenant-a-admins") || !strings.Contains(who.stdout, "members of tenant-a") {
		t.Errorf("whoami: %s", who.stdout)
	}
	// Refused before sending: GET /groups shows a tenant admin their scope
	// groups only, so admins is not a group they may manage (exit 2, as any unknown group).
	r := useradmin(t, conf, nil, "groups", "add", tenant, "admins").want(t, 2, "granting admins")
	if !strings.Contains(r.stderr, `group "admins" is not one you may manage`) || !strings.Contains(r.stderr, "managed groups: tenant-a") {
		t.Errorf("granting admins: %s", r.stderr)
	}

	input := filepath.Join(t.TempDir(), "users.csv")
	rows := "email,groups\nbulk.a1@example.com,\nbulk.a2@example.com,tenant-a\nbulk.admin@example.com,admins\n"
	if err := os.WriteFile(input, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	plan := useradmin(t, conf, nil, "users", "import", input, "--dry-run").want(t, 1, "dry run with a refused row")
	// admins is a group the tenant admin does not see (GET /groups shows tenant-a only): refused as not theirs to manage.
	if !regexp.MustCompile(`bulk\.admin@example\.com: invalid (GroupNotManaged|NotPermitted)`).MatchString(plan.stdout) || strings.Count(plan.stdout, ": invalid") != 1 {
		t.Errorf("the dry run does not refuse the admins row, and only it: %s", plan.stdout)
	}
	// A row for a group the caller sees but may not assign is refused by the roles' rules.
	other := filepath.Join(t.TempDir(), "other.csv")
	if err := os.WriteFile(other, []byte("email,groups,sendInvitation\nbulk.quiet@example.com,tenant-a-admins,false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if plan := useradmin(t, conf, nil, "users", "import", other, "--dry-run").want(t, 1, "dry run of a role row"); !strings.Contains(plan.stdout, "invalid") {
		t.Errorf("dry run: %s", plan.stdout)
	}
	report := filepath.Join(t.TempDir(), "report.csv")
	useradmin(t, conf, nil, "users", "import", input, "--report", report).want(t, 1, "import with a refused row")
	for _, email := range []string{"bulk.a1@example.com", "bulk.a2@example.com"} {
		if gs := poolGroups(t, email); !slices.Contains(gs, "tenant-a") {
			t.Errorf("%s was created in %v, not in tenant-a", email, gs)
		}
	}
	if poolUser(t, "bulk.admin@example.com") != nil {
		t.Error("the tenant admin created an administrator")
	}

	exp := useradmin(t, conf, nil, "users", "export").want(t, 0, "export")
	recs, err := csv.NewReader(strings.NewReader(exp.stdout)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("export: %v\n%s", err, exp.stdout)
	}
	col := slices.Index(recs[0], "email")
	var emails []string
	for _, r := range recs[1:] {
		emails = append(emails, r[col])
		if gs := poolGroups(t, r[col]); !slices.Contains(gs, "tenant-a") {
			t.Errorf("the tenant admin's export holds %s, outside the tenant (groups %v)", r[col], gs)
		}
	}
	for _, want := range []string{tenant, "bulk.a1@example.com", "bulk.a2@example.com"} {
		if !slices.Contains(emails, want) {
			t.Errorf("the export lacks %s: %v", want, emails)
		}
	}
}

// TestRegrantDoesNotHandOverTheCredential: the takeover around the
// role-holder rule fails end to end. Another admin demotes a fellow admin
// (others remain), chooses their temporary password (allowed: they hold no
// role now), signs in with it and sets a password of their own, then grants
// the role back: the grant replaces the credential with a reset Cognito
// emails, so the attacker's password no longer signs in.
func TestRegrantDoesNotHandOverTheCredential(t *testing.T) {
	needEnv(t)
	ctx := context.Background()
	const (
		victim   = "regrant.victim@example.com"
		admin    = "regrant.admin@example.com"
		chosen   = "Chosen-Passw0rd!"
		attacker = "Attacker-Passw0rd!"
	)
	seedIn(t, victim, "admins")
	seedIn(t, admin, "admins")
	tok := token(t, admin)
	if r := call(t, http.MethodDelete, userPath(victim, "groups", "admins"), tok, "", ""); r.status != http.StatusNoContent {
		t.Fatalf("demoting: %d %s", r.status, r.raw)
	}
	steal := `{"mode":"temporary","temporaryPassword":"` + chosen + `","sendInvitation":false}`
	if r := call(t, http.MethodPost, userPath(victim, "password"), tok, "application/json", steal); r.status != http.StatusOK {
		t.Fatalf("choosing the password of a user with no role: %d %s", r.status, r.raw)
	}
	// The attacker finishes the victim's "first sign-in" with a password of their own.
	out, err := env.SignIn(ctx, victim, chosen)
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("signing in with the chosen password: %+v %v", out, err)
	}
	if _, err := env.Cognito.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: &env.Pool.ClientID, ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": victim, "NEW_PASSWORD": attacker},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.IDToken(ctx, victim, attacker); err != nil {
		t.Fatalf("the attacker's password should work before the grant: %v", err)
	}
	if r := call(t, http.MethodPut, userPath(victim, "groups", "admins"), tok, "", ""); r.status != http.StatusNoContent {
		t.Fatalf("granting the role back: %d %s", r.status, r.raw)
	}
	u, err := env.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &env.Pool.ID, Username: aws.String(victim)})
	if err != nil {
		t.Fatal(err)
	}
	if u.UserStatus != types.UserStatusTypeResetRequired {
		t.Fatalf("after the grant the status is %s, want RESET_REQUIRED (a code only the mailbox has)", u.UserStatus)
	}
	// Cognito refuses a RESET_REQUIRED user's sign-in (PasswordResetRequiredException);
	// moto still issues tokens, so the API's own check is what this shows: the
	// attacker's token for the re-granted administrator is refused.
	stolen, err := env.AdminIDToken(ctx, victim, attacker)
	if err != nil {
		return // refused at sign-in, as Cognito does
	}
	if r := call(t, http.MethodGet, "/me", stolen, "", ""); r.status != http.StatusForbidden {
		t.Errorf("the attacker's token for the re-granted administrator: %d %s, want 403", r.status, r.raw)
	}
}
