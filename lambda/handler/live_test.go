package handler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// everyRoute is one request per route, as the harness's admin, aimed at
// another user so that only the caller check can refuse it.
func everyRoute() []ev {
	var out []ev
	for _, route := range Routes() {
		method, resource, _ := strings.Cut(route, " ")
		e := ev{method: method, resource: resource, params: map[string]string{"email": "active@example.com", "group": "support"}}
		if route == "POST /users" {
			e = createEvent(`{"email":"new@example.com","groups":["admins"]}`)
		}
		out = append(out, e)
	}
	return out
}

// snapshot is the pool's state as the handler could change it.
func (f *fakeCognito) snapshot() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, email := range sortedKeys(f.users) {
		u := f.users[email]
		fmt.Fprintf(&b, "%s %s %s %t %v %d\n", email, u.sub, u.status, u.enabled, sortedKeys(u.groups), u.signOuts)
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A token keeps claiming admins after the account behind it lost the right:
// the pool, read on every request, decides.
func TestLiveAuthorizationRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, reason string
		revoke       func(*fakeCognito, *fakeUser)
	}{
		{"caller disabled", "caller_disabled", func(_ *fakeCognito, u *fakeUser) { u.enabled = false }},
		{"caller removed from the admin group", "caller_not_admin", func(_ *fakeCognito, u *fakeUser) { delete(u.groups, "admins") }},
		{"caller moved to another group", "caller_not_admin", func(_ *fakeCognito, u *fakeUser) { u.groups = map[string]bool{"support": true} }},
		{"caller deleted", "caller_not_found", func(f *fakeCognito, u *fakeUser) { delete(f.users, u.email) }},
		// A token issued before a reset or a new temporary password outlives them: the account's state refuses it.
		{"caller's password reset", "caller_unconfirmed", func(_ *fakeCognito, u *fakeUser) { u.status = types.UserStatusTypeResetRequired }},
		{"caller given a temporary password", "caller_unconfirmed", func(_ *fakeCognito, u *fakeUser) { u.status = types.UserStatusTypeForceChangePassword }},
		{"caller's password compromised", "caller_unconfirmed", func(_ *fakeCognito, u *fakeUser) { u.status = types.UserStatusTypeCompromised }},
		{"caller in a state unknown to the check", "caller_unconfirmed", func(_ *fakeCognito, u *fakeUser) { u.status = types.UserStatusTypeUnknown }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, e := range everyRoute() {
				hs := newHarness(t)
				tc.revoke(hs.fake, hs.admin)
				before := hs.fake.snapshot()
				resp := hs.do(t, e)
				wantError(t, resp, http.StatusForbidden, "Forbidden")
				if calls := hs.fake.methods(); len(calls) != 0 {
					t.Errorf("%s %s: the route ran after the caller was refused: %v", e.method, e.resource, calls)
				}
				if after := hs.fake.snapshot(); after != before {
					t.Errorf("%s %s changed the pool:\n%s\nto\n%s", e.method, e.resource, before, after)
				}
				audit := hs.logs.lines(t, "audit")
				if len(audit) != 1 || audit[0]["outcome"] != "Forbidden" || audit[0]["reason"] != tc.reason || audit[0]["caller_sub"] != "sub-0001" {
					t.Errorf("%s %s: audit = %v, want one Forbidden line with reason %s", e.method, e.resource, audit, tc.reason)
				}
			}
		})
	}
}

// A federated admin (EXTERNAL_PROVIDER: no Cognito password to reset) is
// admitted, as a CONFIRMED one is.
func TestLiveAuthorizationAdmitsFederated(t *testing.T) {
	hs := newHarness(t)
	hs.admin.status = types.UserStatusTypeExternalProvider
	if resp := hs.do(t, ev{method: "GET", resource: "/users"}); resp.StatusCode != http.StatusOK {
		t.Fatalf("list = %d %s", resp.StatusCode, resp.Body)
	}
}

// The check reads the account the token names, by cognito:username (or the
// sub when the token has none), and follows every page of its groups.
func TestLiveAuthorizationReads(t *testing.T) {
	for _, tc := range []struct{ name, claims, username string }{
		{"by cognito:username", "", "sub-0001"},
		{"by sub without cognito:username", `{"sub":"sub-0001","aud":"5example0client0id","email":"admin@example.com","cognito:groups":"admins","token_use":"id"}`, "sub-0001"},
		{"by cognito:username over sub", `{"sub":"sub-0004","aud":"5example0client0id","cognito:username":"sub-0001","cognito:groups":"admins","token_use":"id"}`, "sub-0001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			// Admins is the last of five groups, one per page.
			for _, g := range []string{"b", "c", "d", "e"} {
				hs.admin.groups[g] = true
			}
			hs.fake.groupPage = 1
			resp := hs.do(t, ev{method: "GET", resource: "/users", claims: tc.claims})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("list = %d %s", resp.StatusCode, resp.Body)
			}
			var methods []string
			for _, c := range hs.fake.authCalls() {
				methods = append(methods, c.method)
				u, _ := targetOfAuth(c.input)
				if u != tc.username {
					t.Errorf("%s for %q, want %q", c.method, u, tc.username)
				}
			}
			if gets := strings.Count(strings.Join(methods, " "), "AdminGetUser"); gets != 1 || len(methods) != 6 {
				t.Errorf("caller check calls = %v, want one AdminGetUser and five pages of groups", methods)
			}
		})
	}
}

func targetOfAuth(in any) (string, bool) {
	switch in := in.(type) {
	case *cip.AdminGetUserInput:
		return aws.ToString(in.Username), true
	case *cip.AdminListGroupsForUserInput:
		return aws.ToString(in.Username), true
	}
	return "", false
}

// No cache: the request after a revocation is refused, though the one
// before, with the same token, passed.
func TestLiveAuthorizationNotCached(t *testing.T) {
	hs := newHarness(t)
	if resp := hs.do(t, ev{method: "GET", resource: "/users"}); resp.StatusCode != http.StatusOK {
		t.Fatalf("first request = %d %s", resp.StatusCode, resp.Body)
	}
	hs.fake.mu.Lock()
	hs.admin.enabled = false
	hs.fake.mu.Unlock()
	wantError(t, hs.do(t, ev{method: "GET", resource: "/users"}), http.StatusForbidden, "Forbidden")
	wantError(t, hs.do(t, userEvent("POST", "/users/{email}/enable", "admin@example.com")), http.StatusForbidden, "Forbidden")
	if hs.admin.enabled {
		t.Error("the disabled admin enabled themselves")
	}
}

// A Cognito failure during the check refuses the request with that failure; it never lets the caller through.
func TestLiveAuthorizationFailsClosed(t *testing.T) {
	for _, tc := range []struct {
		name, method string
		err          error
		status       int
		code         string
	}{
		{"account read throttled", "AdminGetUser", &types.TooManyRequestsException{}, 429, "TooManyRequests"},
		{"groups read throttled", "AdminListGroupsForUser", &types.TooManyRequestsException{}, 429, "TooManyRequests"},
		{"account read failing", "AdminGetUser", &types.InternalErrorException{}, 502, "UpstreamError"},
		{"groups read failing", "AdminListGroupsForUser", errors.New("connection reset"), 502, "UpstreamError"},
		{"account read timing out", "AdminGetUser", context.DeadlineExceeded, 504, "UpstreamTimeout"},
		{"pool gone", "AdminGetUser", &types.ResourceNotFoundException{}, 502, "UpstreamError"},
		{"IAM refusal", "AdminListGroupsForUser", &types.NotAuthorizedException{}, 502, "UpstreamError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, e := range everyRoute() {
				hs := newHarness(t)
				hs.fake.authErrs[tc.method] = sdkWrapped(tc.method, tc.err)
				before := hs.fake.snapshot()
				wantError(t, hs.do(t, e), tc.status, tc.code)
				if calls := hs.fake.methods(); len(calls) != 0 {
					t.Errorf("%s %s ran after a failed caller check: %v", e.method, e.resource, calls)
				}
				if hs.fake.snapshot() != before {
					t.Errorf("%s %s changed the pool", e.method, e.resource)
				}
			}
		})
	}
}

// overlapping makes each of the caller check's two reads wait until the
// other has started: the check only completes if they run concurrently.
type overlapping struct {
	*fakeCognito
	get, list chan struct{}
}

func (o overlapping) meet(mine, other chan struct{}) error {
	close(mine)
	select {
	case <-other:
		return nil
	case <-time.After(time.Minute): // reached only when the reads are sequential, however loaded the machine
		return errors.New("the other read never started: the reads are sequential")
	}
}

func (o overlapping) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, opts ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	if err := o.meet(o.get, o.list); err != nil {
		return nil, err
	}
	return o.fakeCognito.AdminGetUser(ctx, in, opts...)
}

func (o overlapping) AdminListGroupsForUser(ctx context.Context, in *cip.AdminListGroupsForUserInput, opts ...func(*cip.Options)) (*cip.AdminListGroupsForUserOutput, error) {
	if err := o.meet(o.list, o.get); err != nil {
		return nil, err
	}
	return o.fakeCognito.AdminListGroupsForUser(ctx, in, opts...)
}

func TestLiveAuthorizationConcurrent(t *testing.T) {
	hs := newHarness(t)
	hs.h.cognito = overlapping{hs.fake, make(chan struct{}), make(chan struct{})}
	// POST /users makes no further read, so only the check's two reads meet.
	resp := hs.do(t, createEvent(`{"email":"new@example.com"}`))
	wantUser(t, resp, http.StatusCreated)
}

// Refused reads are audited too: a revoked admin probing the API is what the audit log is for.
func TestLiveAuthorizationAuditsRefusedReads(t *testing.T) {
	hs := newHarness(t)
	hs.admin.enabled = false
	hs.do(t, userEvent("GET", "/users/{email}", "active@example.com"))
	audit := hs.logs.lines(t, "audit")
	if len(audit) != 1 || audit[0]["action"] != "read" || audit[0]["reason"] != "caller_disabled" || audit[0]["status"] != float64(403) {
		t.Errorf("audit = %v", audit)
	}
	// A read that passes is still not audited.
	hs.admin.enabled = true
	hs.do(t, userEvent("GET", "/users/{email}", "active@example.com"))
	if n := len(hs.logs.lines(t, "audit")); n != 1 {
		t.Errorf("%d audit lines after an allowed read", n)
	}
}

func TestSignOut(t *testing.T) {
	hs := newHarness(t)
	resp := hs.do(t, userEvent("POST", "/users/{email}/sign-out", " Active@Example.com"))
	if resp.StatusCode != http.StatusNoContent || resp.Body != "" {
		t.Fatalf("sign-out = %d %q", resp.StatusCode, resp.Body)
	}
	// The user is read first: their roles and the caller's scope decide.
	if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser", "AdminUserGlobalSignOut"}) {
		t.Errorf("calls = %v", got)
	}
	in := hs.fake.lastInput("AdminUserGlobalSignOut").(*cip.AdminUserGlobalSignOutInput)
	if aws.ToString(in.Username) != "active@example.com" || aws.ToString(in.UserPoolId) != testPool {
		t.Errorf("input = %+v", in)
	}
	if u := hs.fake.users["active@example.com"]; u.signOuts != 1 || !u.enabled {
		t.Errorf("user after sign-out: %+v", u)
	}
	audit := hs.logs.lines(t, "audit")
	if len(audit) != 1 || audit[0]["action"] != "sign_out" || audit[0]["target"] != "active@example.com" || audit[0]["outcome"] != "success" || audit[0]["status"] != float64(204) {
		t.Errorf("audit = %v", audit)
	}
	// Signing oneself out cannot lock anyone out, so it is allowed.
	if resp := hs.do(t, userEvent("POST", "/users/{email}/sign-out", "admin@example.com")); resp.StatusCode != http.StatusNoContent {
		t.Errorf("self sign-out = %d %s", resp.StatusCode, resp.Body)
	}
	if hs.admin.signOuts != 1 {
		t.Error("the admin was not signed out")
	}
	// Cognito's failures keep their meaning.
	hs.fake.errs["AdminUserGlobalSignOut"] = &types.TooManyRequestsException{}
	wantError(t, hs.do(t, userEvent("POST", "/users/{email}/sign-out", "active@example.com")), http.StatusTooManyRequests, "TooManyRequests")
}

// failingAfterChange fails every read once a change went through, as a
// throttled or timed-out Cognito would.
type failingAfterChange struct {
	*fakeCognito
	changed *bool
	err     error
}

func (f failingAfterChange) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, opts ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	if *f.changed {
		return nil, f.err
	}
	return f.fakeCognito.AdminGetUser(ctx, in, opts...)
}

func (f failingAfterChange) AdminListGroupsForUser(ctx context.Context, in *cip.AdminListGroupsForUserInput, opts ...func(*cip.Options)) (*cip.AdminListGroupsForUserOutput, error) {
	if *f.changed {
		return nil, f.err
	}
	return f.fakeCognito.AdminListGroupsForUser(ctx, in, opts...)
}

func (f failingAfterChange) AdminDisableUser(ctx context.Context, in *cip.AdminDisableUserInput, opts ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error) {
	out, err := f.fakeCognito.AdminDisableUser(ctx, in, opts...)
	*f.changed = err == nil
	return out, err
}

func (f failingAfterChange) AdminEnableUser(ctx context.Context, in *cip.AdminEnableUserInput, opts ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error) {
	out, err := f.fakeCognito.AdminEnableUser(ctx, in, opts...)
	*f.changed = err == nil
	return out, err
}

func (f failingAfterChange) AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, opts ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	out, err := f.fakeCognito.AdminCreateUser(ctx, in, opts...)
	*f.changed = err == nil
	return out, err
}

// A change that went through is answered as done, from what is known, even
// when Cognito fails every read after it: a retried resend would send a second password.
func TestDoneChangeAnsweredAsDone(t *testing.T) {
	for _, tc := range []struct {
		e       ev
		email   string
		enabled bool
		status  string
	}{
		{userEvent("POST", "/users/{email}/disable", "active@example.com"), "active@example.com", false, "CONFIRMED"},
		{userEvent("POST", "/users/{email}/enable", "active@example.com"), "active@example.com", true, "CONFIRMED"},
		{userEvent("POST", "/users/{email}/invitation", "pending@example.com"), "pending@example.com", true, "FORCE_CHANGE_PASSWORD"},
	} {
		for _, failure := range []error{&types.TooManyRequestsException{}, context.DeadlineExceeded, &types.InternalErrorException{}} {
			t.Run(tc.e.resource+" "+fmt.Sprint(failure), func(t *testing.T) {
				hs := newHarness(t)
				changed := false
				hs.h.cognito = failingAfterChange{hs.fake, &changed, failure}
				if tc.e.resource == "/users/{email}/enable" {
					hs.fake.users[tc.email].enabled = false
				}
				u := wantUser(t, hs.do(t, tc.e), http.StatusOK)
				if !changed {
					t.Fatal("the change was not made")
				}
				if u.Email != tc.email || u.Enabled != tc.enabled || u.Status != tc.status || u.Username == "" || u.CreatedAt == "" || u.UpdatedAt == "" {
					t.Errorf("user = %+v", u)
				}
				if tc.email == "active@example.com" && !reflect.DeepEqual(u.Groups, []string{"readonly", "support"}) {
					t.Errorf("groups = %v", u.Groups)
				}
				audit := hs.logs.lines(t, "audit")
				if len(audit) != 1 || audit[0]["outcome"] != "success" {
					t.Errorf("audit = %v", audit)
				}
			})
		}
	}
}

// A disable whose sign-out fails is still done (a disabled user cannot
// refresh tokens): answered 200, with an error log line and the audit saying so.
func TestDisableWhenSignOutFails(t *testing.T) {
	hs := newHarness(t)
	hs.fake.errs["AdminUserGlobalSignOut"] = sdkWrapped("AdminUserGlobalSignOut", &types.TooManyRequestsException{})
	u := wantUser(t, hs.do(t, userEvent("POST", "/users/{email}/disable", "active@example.com")), http.StatusOK)
	if u.Enabled || hs.fake.users["active@example.com"].enabled {
		t.Errorf("not disabled: %+v", u)
	}
	audit := hs.logs.lines(t, "audit")
	if len(audit) != 1 || audit[0]["outcome"] != "success" || audit[0]["signed_out"] != false {
		t.Errorf("audit = %v", audit)
	}
	var errorLines int
	for _, l := range hs.logs.lines(t, "global sign-out after disable failed: the user is disabled, but Cognito may still hold their refresh tokens") {
		if l["level"] == "ERROR" && l["target"] == "active@example.com" {
			errorLines++
		}
	}
	if errorLines != 1 {
		t.Errorf("no error log line: %s", hs.logs)
	}
}

func (f failingAfterChange) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, opts ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	out, err := f.fakeCognito.AdminResetUserPassword(ctx, in, opts...)
	*f.changed = err == nil
	return out, err
}

func (f failingAfterChange) AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, opts ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	out, err := f.fakeCognito.AdminSetUserPassword(ctx, in, opts...)
	*f.changed = err == nil
	return out, err
}

func (f failingAfterChange) AdminSetUserMFAPreference(ctx context.Context, in *cip.AdminSetUserMFAPreferenceInput, opts ...func(*cip.Options)) (*cip.AdminSetUserMFAPreferenceOutput, error) {
	out, err := f.fakeCognito.AdminSetUserMFAPreference(ctx, in, opts...)
	*f.changed = err == nil
	return out, err
}

func (f failingAfterChange) AdminUpdateUserAttributes(ctx context.Context, in *cip.AdminUpdateUserAttributesInput, opts ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error) {
	out, err := f.fakeCognito.AdminUpdateUserAttributes(ctx, in, opts...)
	*f.changed = err == nil
	return out, err
}

// The routes of issue 15 change a user too: a reset or a new temporary
// password that went through, answered 429 because the read after it was
// throttled, would be retried and email the user a second code or password.
func TestNewRoutesDoneChangeAnsweredAsDone(t *testing.T) {
	for _, tc := range []struct {
		e      ev
		status string
		check  func(user) bool
	}{
		{passwordEvent("active@example.com", `{"mode":"reset"}`), "RESET_REQUIRED", nil},
		{passwordEvent("active@example.com", `{"mode":"temporary"}`), "FORCE_CHANGE_PASSWORD", nil},
		{passwordEvent("active@example.com", `{"mode":"temporary","temporaryPassword":"Given-Passw0rd-42!","sendInvitation":false}`), "FORCE_CHANGE_PASSWORD", nil},
		{userEvent("DELETE", "/users/{email}/mfa", "active@example.com"), "CONFIRMED", func(u user) bool { return u.MFAEnabled != nil && !*u.MFAEnabled }},
		{patchEvent("active@example.com", `{"givenName":"Ada","familyName":"Lovelace"}`), "CONFIRMED", func(u user) bool { return u.GivenName == "Ada" && u.FamilyName == "Lovelace" }},
	} {
		for _, failure := range []error{&types.TooManyRequestsException{}, context.DeadlineExceeded, &types.InternalErrorException{}} {
			t.Run(tc.e.method+" "+tc.e.resource+" "+tc.e.body+" "+fmt.Sprint(failure), func(t *testing.T) {
				hs := newHarness(t)
				hs.fake.users["active@example.com"].mfa = true
				changed := false
				hs.h.cognito = failingAfterChange{hs.fake, &changed, failure}
				u := wantUser(t, hs.do(t, tc.e), http.StatusOK)
				if !changed {
					t.Fatal("the change was not made")
				}
				if u.Email != "active@example.com" || u.Status != tc.status || !u.Enabled || u.Username == "" || u.CreatedAt == "" || u.UpdatedAt == "" ||
					!reflect.DeepEqual(u.Groups, []string{"readonly", "support"}) || (tc.check != nil && !tc.check(u)) {
					t.Errorf("user = %+v", u)
				}
				audit := hs.logs.lines(t, "audit")
				if len(audit) != 1 || audit[0]["outcome"] != "success" {
					t.Errorf("audit = %v", audit)
				}
			})
		}
	}
}
