package handler

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

func passwordEvent(email, body string) ev {
	e := userEvent("POST", "/users/{email}/password", email)
	e.headers = map[string]string{"Content-Type": "application/json"}
	e.body = body
	return e
}

// noSecret fails when s appears in the response or any log line.
func noSecret(t *testing.T, hs *harness, body, s string) {
	t.Helper()
	if s == "" {
		t.Fatal("no secret to look for")
	}
	if strings.Contains(body, s) || strings.Contains(hs.logs.String(), s) {
		t.Errorf("the password is echoed or logged:\n%s\n%s", body, hs.logs)
	}
}

func TestPasswordReset(t *testing.T) {
	hs := newHarness(t)
	resp := hs.do(t, passwordEvent("Active@Example.com", `{"mode":"reset"}`))
	u := wantUser(t, resp, http.StatusOK)
	if u.Status != "RESET_REQUIRED" || u.Email != "active@example.com" {
		t.Errorf("user = %+v", u)
	}
	// The reset, then the sign-out everywhere: a session opened with the old password ends with it.
	if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser", "AdminResetUserPassword", "AdminUserGlobalSignOut"}) {
		t.Errorf("calls = %v", got)
	}
	in := hs.fake.lastInput("AdminResetUserPassword").(*cip.AdminResetUserPasswordInput)
	if aws.ToString(in.Username) != "active@example.com" || aws.ToString(in.UserPoolId) != testPool {
		t.Errorf("input = %+v", in)
	}
	wantSignedOut(t, hs, "active@example.com")
	audit := hs.logs.lines(t, "audit")
	if len(audit) != 1 || audit[0]["action"] != "password" || audit[0]["mode"] != "reset" || audit[0]["outcome"] != "success" || audit[0]["target"] != "active@example.com" {
		t.Errorf("audit = %v", audit)
	}
	if _, ok := audit[0][auditlog.SignedOut]; ok {
		t.Errorf("signed_out on a sign-out that worked: %v", audit)
	}
	// Again while the reset is pending: Cognito sends a new code.
	if resp := hs.do(t, passwordEvent("active@example.com", `{"mode":"reset"}`)); resp.StatusCode != http.StatusOK {
		t.Errorf("second reset: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestTemporaryPassword(t *testing.T) {
	const given = "Given-Passw0rd-42!"
	for _, tc := range []struct {
		name, body string
		given      bool
		resend     bool
	}{
		{"given, emailed by default", `{"mode":"temporary","temporaryPassword":"` + given + `"}`, true, true},
		{"given, not emailed", `{"mode":"temporary","temporaryPassword":"` + given + `","sendInvitation":false}`, true, false},
		{"generated and emailed", `{"mode":"temporary"}`, false, true},
		{"generated, emailed explicitly", `{"sendInvitation":true,"mode":"temporary"}`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			resp := hs.do(t, passwordEvent("active@example.com", tc.body))
			u := wantUser(t, resp, http.StatusOK)
			if u.Status != "FORCE_CHANGE_PASSWORD" {
				t.Errorf("status = %s", u.Status)
			}
			// The new password, the sign-out everywhere, then the email.
			want := []string{"AdminGetUser", "AdminListGroupsForUser", "AdminSetUserPassword", "AdminUserGlobalSignOut"}
			if tc.resend {
				want = append(want, "AdminCreateUser")
			}
			if got := hs.fake.methods(); !reflect.DeepEqual(got, want) {
				t.Errorf("calls = %v, want %v", got, want)
			}
			set := hs.fake.lastInput("AdminSetUserPassword").(*cip.AdminSetUserPasswordInput)
			pw := aws.ToString(set.Password)
			if set.Permanent || aws.ToString(set.Username) != "active@example.com" || aws.ToString(set.UserPoolId) != testPool {
				t.Errorf("AdminSetUserPassword input = %+v", set)
			}
			if tc.given && pw != given {
				t.Errorf("set %q, want the given password", pw)
			}
			if err := testSettings().Password.Check(pw); err != nil {
				t.Errorf("the password set breaks the policy: %v", err)
			}
			if tc.resend {
				resend := hs.fake.lastInput("AdminCreateUser").(*cip.AdminCreateUserInput)
				if resend.MessageAction != types.MessageActionTypeResend || aws.ToString(resend.TemporaryPassword) != pw ||
					!reflect.DeepEqual(resend.DesiredDeliveryMediums, []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}) {
					t.Errorf("the invitation does not carry the password set: %+v", resend)
				}
			}
			wantSignedOut(t, hs, "active@example.com")
			noSecret(t, hs, resp.Body, pw)
			audit := hs.logs.lines(t, "audit")
			if len(audit) != 1 || audit[0]["mode"] != "temporary" || audit[0]["generated"] != !tc.given || audit[0]["send_invitation"] != tc.resend {
				t.Errorf("audit = %v", audit)
			}
		})
	}
}

func TestPasswordRefusals(t *testing.T) {
	const weak = "weakpassword"
	for _, tc := range []struct {
		name, email, body string
		headers           map[string]string
		status            int
		code, message     string
		calls             []string
	}{
		{"pending invitation", "pending@example.com", `{"mode":"reset"}`, nil, http.StatusConflict, "InvitationPending", "/invitation", []string{"AdminGetUser", "AdminListGroupsForUser"}},
		{"pending invitation, temporary", "pending@example.com", `{"mode":"temporary"}`, nil, http.StatusConflict, "InvitationPending", "FORCE_CHANGE_PASSWORD", []string{"AdminGetUser", "AdminListGroupsForUser"}},
		{"own account, reset", "admin@example.com", `{"mode":"reset"}`, nil, http.StatusForbidden, "CannotModifySelf", "own password", []string{"AdminGetUser", "AdminListGroupsForUser"}},
		{"own account, temporary", "ADMIN@example.com", `{"mode":"temporary"}`, nil, http.StatusForbidden, "CannotModifySelf", "own password", []string{"AdminGetUser", "AdminListGroupsForUser"}},
		{"unknown user", "nobody@example.com", `{"mode":"reset"}`, nil, http.StatusNotFound, "UserNotFound", "", []string{"AdminGetUser"}},
		{"generated but not emailed", "active@example.com", `{"mode":"temporary","sendInvitation":false}`, nil, http.StatusBadRequest, "InvalidRequest", "known to nobody", nil},
		{"weak given password", "active@example.com", `{"mode":"temporary","temporaryPassword":"` + weak + `"}`, nil, http.StatusBadRequest, "InvalidPassword", "must contain", nil},
		{"password with reset", "active@example.com", `{"mode":"reset","temporaryPassword":"Given-Passw0rd-42!"}`, nil, http.StatusBadRequest, "InvalidRequest", `"temporary" only`, nil},
		{"sendInvitation with reset", "active@example.com", `{"mode":"reset","sendInvitation":true}`, nil, http.StatusBadRequest, "InvalidRequest", `"temporary" only`, nil},
		{"no mode", "active@example.com", `{}`, nil, http.StatusBadRequest, "InvalidRequest", "mode is required", nil},
		{"null mode", "active@example.com", `{"mode":null}`, nil, http.StatusBadRequest, "InvalidRequest", "mode must be", nil},
		{"unknown mode", "active@example.com", `{"mode":"email"}`, nil, http.StatusBadRequest, "InvalidRequest", "mode must be", nil},
		{"mode in another case", "active@example.com", `{"Mode":"reset"}`, nil, http.StatusBadRequest, "InvalidRequest", `"Mode"`, nil},
		{"repeated mode", "active@example.com", `{"mode":"temporary","mode":"reset"}`, nil, http.StatusBadRequest, "InvalidRequest", "repeated", nil},
		{"not an object", "active@example.com", `["reset"]`, nil, http.StatusBadRequest, "InvalidRequest", "JSON object", nil},
		{"not JSON", "active@example.com", `mode=reset`, nil, http.StatusBadRequest, "InvalidRequest", "not valid JSON", nil},
		{"trailing data", "active@example.com", `{"mode":"reset"}{}`, nil, http.StatusBadRequest, "InvalidRequest", "after", nil},
		{"a form", "active@example.com", `mode=reset`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "application/json", nil},
		{"no content type", "active@example.com", `{"mode":"reset"}`, map[string]string{}, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "missing", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			e := passwordEvent(tc.email, tc.body)
			if tc.headers != nil {
				e.headers = tc.headers
			}
			resp := hs.do(t, e)
			got := wantError(t, resp, tc.status, tc.code)
			if !strings.Contains(got.Error.Message, tc.message) {
				t.Errorf("message %q does not say %q", got.Error.Message, tc.message)
			}
			if calls := hs.fake.methods(); !reflect.DeepEqual(calls, tc.calls) {
				t.Errorf("calls = %v, want %v", calls, tc.calls)
			}
			noSecret(t, hs, resp.Body, weak)
			if audit := hs.logs.lines(t, "audit"); len(audit) != 1 || audit[0]["outcome"] != tc.code {
				t.Errorf("audit = %v", audit)
			}
		})
	}
}

func TestPasswordUserStates(t *testing.T) {
	for _, tc := range []struct {
		status  types.UserStatusType
		enabled bool
		code    string
	}{
		{types.UserStatusTypeConfirmed, false, "UserDisabled"},
		{types.UserStatusTypeExternalProvider, true, "UnsupportedUserState"},
		{types.UserStatusTypeUnconfirmed, true, "UnsupportedUserState"},
		{types.UserStatusTypeCompromised, true, ""},
		{types.UserStatusTypeResetRequired, true, ""},
	} {
		for _, mode := range []string{"reset", "temporary"} {
			hs := newHarness(t)
			u := hs.fake.seed("someone@example.com", tc.status)
			u.enabled = tc.enabled
			resp := hs.do(t, passwordEvent("someone@example.com", `{"mode":"`+mode+`"}`))
			if tc.code == "" {
				wantUser(t, resp, http.StatusOK)
				continue
			}
			wantError(t, resp, http.StatusConflict, tc.code)
			if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser"}) {
				t.Errorf("%s %s: calls = %v", tc.status, mode, got)
			}
		}
	}
}

// The invitation cannot go out (the daily email cap): the answer says the
// password was set and how to send it; the user can then be invited again.
func TestTemporaryPasswordNotEmailed(t *testing.T) {
	hs := newHarness(t)
	hs.fake.errs["AdminCreateUser"] = &types.LimitExceededException{Message: aws.String("Exceeded daily email limit")}
	e := wantError(t, hs.do(t, passwordEvent("active@example.com", `{"mode":"temporary"}`)), http.StatusTooManyRequests, "EmailLimitExceeded")
	if !strings.Contains(e.Error.Message, "POST /users/{email}/invitation") {
		t.Errorf("message = %q", e.Error.Message)
	}
	if hs.fake.users["active@example.com"].status != types.UserStatusTypeForceChangePassword {
		t.Error("the user is not waiting for their first sign-in")
	}
}

// An invitation emailed by the password route counts as one, as a resend's
// does: the Invitations metric, which watches Cognito's daily email cap,
// reads invitation_sent. It is absent when no email went out.
func TestPasswordInvitationAudited(t *testing.T) {
	for body, sent := range map[string]bool{
		`{"mode":"temporary"}`: true,
		`{"mode":"temporary","temporaryPassword":"Given-Passw0rd-42!"}`:                        true,
		`{"mode":"temporary","temporaryPassword":"Given-Passw0rd-42!","sendInvitation":false}`: false,
		`{"mode":"reset"}`: false,
	} {
		hs := newHarness(t)
		wantUser(t, hs.do(t, passwordEvent("active@example.com", body)), http.StatusOK)
		audit := hs.logs.lines(t, "audit")
		if got, ok := audit[0][auditlog.InvitationSent]; len(audit) != 1 || ok != sent || (sent && got != true) {
			t.Errorf("%s: audit = %v", body, audit)
		}
	}
	// A resend that Cognito refused sent nothing.
	hs := newHarness(t)
	hs.fake.errs["AdminCreateUser"] = &types.LimitExceededException{}
	wantError(t, hs.do(t, passwordEvent("active@example.com", `{"mode":"temporary"}`)), http.StatusTooManyRequests, "EmailLimitExceeded")
	if audit := hs.logs.lines(t, "audit"); len(audit) != 1 || audit[0][auditlog.InvitationSent] != nil {
		t.Errorf("audit = %v", audit)
	}
}

// A temporary password with a control or invisible formatting character
// (a NUL, a right-to-left override) is one nobody can type at sign-in: 400,
// and the password is left as it was.
func TestPasswordRefusesUntypable(t *testing.T) {
	for _, pw := range []string{`Kx9#mQ2!vLp7\u0000wZ4`, `Kx9#mQ2!vLp7\u202ewZ4`, `Kx9#mQ2!vLp7\u200bwZ4`} {
		hs := newHarness(t)
		wantError(t, hs.do(t, passwordEvent("active@example.com", `{"mode":"temporary","temporaryPassword":"`+pw+`","sendInvitation":false}`)), http.StatusBadRequest, "InvalidPassword")
		if got := hs.fake.methods(); len(got) != 0 {
			t.Errorf("%s: Cognito was called: %v", pw, got)
		}
	}
}

// wantSignedOut checks the one AdminUserGlobalSignOut of the request: on
// the target, in this pool, and that the fake user was signed out.
func wantSignedOut(t *testing.T, hs *harness, email string) {
	t.Helper()
	in, ok := hs.fake.lastInput("AdminUserGlobalSignOut").(*cip.AdminUserGlobalSignOutInput)
	if !ok || aws.ToString(in.Username) != email || aws.ToString(in.UserPoolId) != testPool {
		t.Fatalf("AdminUserGlobalSignOut input = %+v", in)
	}
	if n := hs.fake.users[email].signOuts; n != 1 {
		t.Errorf("%s signed out %d times, want 1", email, n)
	}
}

// A password change whose sign-out fails is still done: the password is
// changed, so the answer is 200, with an error log line and the audit
// saying signed_out:false, as for a disable.
func TestPasswordWhenSignOutFails(t *testing.T) {
	for _, body := range []string{`{"mode":"reset"}`, `{"mode":"temporary"}`, `{"mode":"temporary","temporaryPassword":"Given-Passw0rd-42!","sendInvitation":false}`} {
		hs := newHarness(t)
		hs.fake.errs["AdminUserGlobalSignOut"] = sdkWrapped("AdminUserGlobalSignOut", &types.TooManyRequestsException{})
		u := wantUser(t, hs.do(t, passwordEvent("active@example.com", body)), http.StatusOK)
		want := types.UserStatusTypeForceChangePassword
		if body == `{"mode":"reset"}` {
			want = types.UserStatusTypeResetRequired
		}
		if u.Status != string(want) || hs.fake.users["active@example.com"].status != want {
			t.Errorf("%s: not changed: answered %+v, pool %s", body, u, hs.fake.users["active@example.com"].status)
		}
		audit := hs.logs.lines(t, "audit")
		if len(audit) != 1 || audit[0]["outcome"] != "success" || audit[0][auditlog.SignedOut] != false {
			t.Errorf("%s: audit = %v", body, audit)
		}
		var errorLines int
		for _, l := range hs.logs.lines(t, "global sign-out after a password change failed: the password is changed, but Cognito may still hold the user's refresh tokens") {
			if l["level"] == "ERROR" && l["target"] == "active@example.com" {
				errorLines++
			}
		}
		if errorLines != 1 {
			t.Errorf("%s: no error log line: %s", body, hs.logs)
		}
	}
}
