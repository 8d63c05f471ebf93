package test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/cli"
)

// TestUseradminDay drives the commands of the rest of an admin's day
// (groups and members, passwords, lost MFA devices, names, stolen sessions)
// against local mode, each effect checked in the pool.
func TestUseradminDay(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	conf := filepath.Join(t.TempDir(), "useradmin")
	ctx := context.Background()
	useradmin(t, conf, nil, "configure", "--local").want(t, 0, "configure --local")
	useradmin(t, conf, strings.NewReader(password+"\n"), "login", "--email", adminEmail, "--password-stdin").want(t, 0, "login")

	const who = "cli.day@example.com"
	if err := env.SeedUser(ctx, who, password); err != nil {
		t.Fatal(err)
	}

	// groups list: the managed groups, admins marked
	gl := useradmin(t, conf, nil, "groups", "list", "-o", "table").want(t, 0, "groups list")
	if !regexp.MustCompile(`(?m)^admins\s+true\s`).MatchString(gl.stdout) {
		t.Errorf("groups list: %s", gl.stdout)
	}
	// groups members: every page of one group's members
	useradmin(t, conf, nil, "groups", "add", who, "admins", "--yes").want(t, 0, "groups add")
	members := useradmin(t, conf, nil, "groups", "members", "admins", "--limit", "1", "--all").want(t, 0, "groups members --all")
	var ml struct {
		Users []struct {
			Email string `json:"email"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(members.stdout), &ml); err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, u := range ml.Users {
		emails = append(emails, u.Email)
	}
	if !slices.Contains(emails, adminEmail) || !slices.Contains(emails, who) || slices.Contains(emails, userEmail) {
		t.Errorf("members of admins: %v", emails)
	}
	useradmin(t, conf, nil, "groups", "members", "no-such-group").want(t, 1, "members of an unmanaged group")
	useradmin(t, conf, nil, "groups", "remove", who, "admins").want(t, 0, "groups remove")

	// update: names and a declared custom attribute; nothing to change is a usage error
	useradmin(t, conf, nil, "users", "update", who, "--given-name", "Ada", "--family-name", "Lovelace", "--attribute", "department=Research").want(t, 0, "users update")
	u := cognitoUser(t, env.Cognito, env.Pool.ID, who)
	if attr(u, "given_name") != "Ada" || attr(u, "family_name") != "Lovelace" || attr(u, "custom:department") != "Research" {
		t.Errorf("attributes after update: %+v", u.UserAttributes)
	}
	useradmin(t, conf, nil, "users", "update", who).want(t, cli.ExitUsage, "update with nothing to change")
	// The API's 400: the user's input, exit 2 as a usage error is.
	useradmin(t, conf, nil, "users", "update", who, "--attribute", "shoe_size=44").want(t, cli.ExitUsage, "update of an undeclared attribute")
	if attr(cognitoUser(t, env.Cognito, env.Pool.ID, who), "custom:shoe_size") != "" {
		t.Error("an undeclared attribute was written")
	}

	// a stolen session: sign-out ends the user's refresh tokens
	refresh := signedIn(t, who)
	useradmin(t, conf, nil, "users", "sign-out", who).want(t, 0, "users sign-out")
	wantRevoked(t, refresh)

	// a forgotten password: reset, for a user who set one
	useradmin(t, conf, nil, "users", "password", who, "--reset").want(t, 0, "users password --reset")
	if s := cognitoUser(t, env.Cognito, env.Pool.ID, who).UserStatus; s != types.UserStatusTypeResetRequired {
		t.Errorf("status after reset: %s", s)
	}
	useradmin(t, conf, nil, "users", "password", who).want(t, cli.ExitUsage, "password without a mode")
	useradmin(t, conf, nil, "users", "password", who, "--reset", "--temporary").want(t, cli.ExitUsage, "password with both modes")

	// a new temporary password, given on standard input and never printed
	const temp = "Temp-Passw0rd-CLI!"
	if err := env.SeedUser(ctx, "cli.day.temp@example.com", password); err != nil {
		t.Fatal(err)
	}
	tr := useradmin(t, conf, strings.NewReader(temp+"\n"), "users", "password", "cli.day.temp@example.com", "--temporary", "--temporary-password-stdin", "--no-invitation").want(t, 0, "users password --temporary")
	if strings.Contains(tr.stdout+tr.stderr, temp) {
		t.Fatal("the temporary password was printed")
	}
	if s := cognitoUser(t, env.Cognito, env.Pool.ID, "cli.day.temp@example.com").UserStatus; s != types.UserStatusTypeForceChangePassword {
		t.Errorf("status after a temporary password: %s", s)
	}
	out, err := env.SignIn(ctx, "cli.day.temp@example.com", temp)
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Errorf("signing in with the temporary password: %v %v", out, err)
	}

	// a lost authenticator: remove-mfa answers the user with MFA off
	rm := useradmin(t, conf, nil, "users", "remove-mfa", who).want(t, 0, "users remove-mfa")
	var ru struct {
		User struct {
			MfaEnabled *bool `json:"mfaEnabled"`
		} `json:"user"`
	}
	if err := json.Unmarshal([]byte(rm.stdout), &ru); err != nil || ru.User.MfaEnabled == nil || *ru.User.MfaEnabled {
		t.Errorf("remove-mfa printed %s (%v)", rm.stdout, err)
	}
}
