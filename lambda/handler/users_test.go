package handler

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestGet(t *testing.T) {
	for _, tc := range []struct{ name, param string }{
		{"as API Gateway decodes it", "active@example.com"},
		{"in another case, with spaces", " Active@Example.COM "},
		{"still percent-encoded", "active%40example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			hs.fake.groupPage = 1 // the user's two groups come on two pages
			active := hs.fake.users["active@example.com"]
			active.profile = map[string]string{"given_name": "Ada", "family_name": "Lovelace", "custom:department": "R&D", "locale": "en"}
			active.mfa = true
			u := wantUser(t, hs.do(t, userEvent("GET", "/users/{email}", tc.param)), http.StatusOK)
			want := user{Username: "sub-0003", Email: "active@example.com", Status: "CONFIRMED", Enabled: true,
				CreatedAt: "2025-03-04T04:06:07Z", UpdatedAt: "2025-03-04T04:06:07Z", Groups: []string{"readonly", "support"},
				GivenName: "Ada", FamilyName: "Lovelace", Attributes: map[string]string{"department": "R&D"}, MFAEnabled: aws.Bool(true)}
			if !reflect.DeepEqual(u, want) {
				t.Errorf("user =\n%+v\nwant\n%+v", u, want)
			}
			if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser", "AdminListGroupsForUser"}) {
				t.Errorf("calls = %v", got)
			}
			in := hs.fake.lastInput("AdminGetUser").(*cip.AdminGetUserInput)
			if aws.ToString(in.Username) != "active@example.com" || aws.ToString(in.UserPoolId) != testPool {
				t.Errorf("AdminGetUser input = %+v", in)
			}
		})
	}
}

// A REST API passes path parameters percent-encoded: they are decoded
// exactly once, so an address holding "%" is reachable and never confused
// with another.
func TestPercentInEmail(t *testing.T) {
	hs := newHarness(t)
	hs.fake.seed("100%real@example.com", types.UserStatusTypeConfirmed)
	hs.fake.seed("a%41@example.com", types.UserStatusTypeConfirmed)
	hs.fake.seed("aa@example.com", types.UserStatusTypeConfirmed)
	for param, want := range map[string]string{
		"100%25real%40example.com": "100%real@example.com",
		"a%2541%40example.com":     "a%41@example.com", // not aa@example.com
		"aa%40example.com":         "aa@example.com",
		"aa@example.com":           "aa@example.com",
	} {
		u := wantUser(t, hs.do(t, userEvent("GET", "/users/{email}", param)), http.StatusOK)
		if u.Email != want {
			t.Errorf("%s addressed %q, want %q", param, u.Email, want)
		}
	}
	// A bare % is not a valid escape.
	before := len(hs.fake.methods())
	resp := hs.do(t, userEvent("GET", "/users/{email}", "100%real@example.com"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, `"InvalidEmail"`) || len(hs.fake.methods()) != before {
		t.Errorf("malformed escape: %d %s, %d Cognito calls", resp.StatusCode, resp.Body, len(hs.fake.methods())-before)
	}
}

// TestUserRoutesRefuseBadPaths checks every route on a user validates the path before any call.
func TestUserRoutesRefuseBadPaths(t *testing.T) {
	for _, route := range Routes() {
		if !strings.Contains(route, "{email}") {
			continue
		}
		method, resource, _ := strings.Cut(route, " ")
		for _, bad := range []string{"not-an-email", "Bob <bob@example.com>", "a@example.com,b@example.com", "a%2Cb%40example.com", "a@b", ""} {
			hs := newHarness(t)
			e := ev{method: method, resource: resource, params: map[string]string{"email": bad, "group": "support"}}
			resp := hs.do(t, e)
			if bad == "" {
				// The path then holds an empty segment: no route (see TestUncleanPathIsNoRoute).
				wantError(t, resp, http.StatusNotFound, "NotFound")
			} else {
				wantError(t, resp, http.StatusBadRequest, "InvalidEmail")
			}
			if calls := hs.fake.methods(); len(calls) != 0 {
				t.Errorf("%s with %q called Cognito: %v", route, bad, calls)
			}
			// Without a path, as some callers send events, the email is still checked.
			if bad == "" {
				req := e.request(t)
				req.Path = ""
				hs := newHarness(t)
				resp, _ := hs.h.Handle(t.Context(), req)
				wantError(t, resp, http.StatusBadRequest, "InvalidEmail")
			}
		}
	}
}

func TestNotFound(t *testing.T) {
	for _, tc := range []struct {
		e ev
		// calls: routes that must resolve the user first stop at the read.
		calls []string
	}{
		{userEvent("GET", "/users/{email}", "nobody@example.com"), []string{"AdminGetUser"}},
		{userEvent("POST", "/users/{email}/invitation", "nobody@example.com"), []string{"AdminGetUser"}},
		{userEvent("POST", "/users/{email}/disable", "nobody@example.com"), []string{"AdminGetUser"}},
		{userEvent("DELETE", "/users/{email}", "nobody@example.com"), []string{"AdminGetUser"}},
		{groupEvent("DELETE", "nobody@example.com", "admins"), []string{"AdminGetUser"}},
		{userEvent("POST", "/users/{email}/enable", "nobody@example.com"), []string{"AdminGetUser"}},
		{userEvent("POST", "/users/{email}/sign-out", "nobody@example.com"), []string{"AdminGetUser"}},
		{groupEvent("PUT", "nobody@example.com", "support"), []string{"AdminGetUser"}},
		{groupEvent("DELETE", "nobody@example.com", "support"), []string{"AdminGetUser"}},
	} {
		hs := newHarness(t)
		wantError(t, hs.do(t, tc.e), http.StatusNotFound, "UserNotFound")
		if got := hs.fake.methods(); !reflect.DeepEqual(got, tc.calls) {
			t.Errorf("%s %s: calls = %v, want %v", tc.e.method, tc.e.resource, got, tc.calls)
		}
	}
}

func TestResend(t *testing.T) {
	hs := newHarness(t)
	u := wantUser(t, hs.do(t, userEvent("POST", "/users/{email}/invitation", "Pending@Example.com")), http.StatusOK)
	if u.Email != "pending@example.com" || u.Status != "FORCE_CHANGE_PASSWORD" {
		t.Errorf("user = %+v", u)
	}
	// Read before the change, never after: see TestDoneChangeAnsweredAsDone.
	if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser", "AdminCreateUser"}) {
		t.Errorf("calls = %v", got)
	}
	in := hs.fake.lastInput("AdminCreateUser").(*cip.AdminCreateUserInput)
	want := &cip.AdminCreateUserInput{UserPoolId: aws.String(testPool), Username: aws.String("pending@example.com"),
		MessageAction: types.MessageActionTypeResend, DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("AdminCreateUser input =\n%+v\nwant\n%+v", in, want)
	}
}

func TestResendToActiveUser(t *testing.T) {
	for _, status := range []types.UserStatusType{types.UserStatusTypeConfirmed, types.UserStatusTypeResetRequired, types.UserStatusTypeExternalProvider} {
		hs := newHarness(t)
		hs.fake.seed("someone@example.com", status)
		e := wantError(t, hs.do(t, userEvent("POST", "/users/{email}/invitation", "someone@example.com")), http.StatusConflict, "UserAlreadyActive")
		if !strings.Contains(e.Error.Message, string(status)) {
			t.Errorf("message %q does not say the status", e.Error.Message)
		}
		if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser"}) {
			t.Errorf("%s: calls = %v, want only the reads", status, got)
		}
	}
}

func TestDisableEnable(t *testing.T) {
	hs := newHarness(t)
	u := wantUser(t, hs.do(t, userEvent("POST", "/users/{email}/disable", "active@example.com")), http.StatusOK)
	if u.Enabled || u.Email != "active@example.com" || !reflect.DeepEqual(u.Groups, []string{"readonly", "support"}) {
		t.Errorf("after disable: %+v", u)
	}
	if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser", "AdminDisableUser", "AdminUserGlobalSignOut"}) {
		t.Errorf("disable calls = %v", got)
	}
	if out := hs.fake.lastInput("AdminUserGlobalSignOut").(*cip.AdminUserGlobalSignOutInput); aws.ToString(out.Username) != "active@example.com" || aws.ToString(out.UserPoolId) != testPool {
		t.Errorf("AdminUserGlobalSignOut input = %+v", out)
	}
	if hs.fake.users["active@example.com"].enabled || hs.fake.users["active@example.com"].signOuts != 1 {
		t.Errorf("the user is not disabled and signed out: %+v", hs.fake.users["active@example.com"])
	}
	u = wantUser(t, hs.do(t, userEvent("POST", "/users/{email}/enable", "active@example.com")), http.StatusOK)
	if !u.Enabled {
		t.Errorf("after enable: %+v", u)
	}
	in := hs.fake.lastInput("AdminEnableUser").(*cip.AdminEnableUserInput)
	if aws.ToString(in.Username) != "active@example.com" || aws.ToString(in.UserPoolId) != testPool {
		t.Errorf("AdminEnableUser input = %+v", in)
	}
}

func TestDelete(t *testing.T) {
	hs := newHarness(t)
	resp := hs.do(t, userEvent("DELETE", "/users/{email}", "active@example.com"))
	if resp.StatusCode != http.StatusNoContent || resp.Body != "" {
		t.Fatalf("delete = %d %q", resp.StatusCode, resp.Body)
	}
	if _, ok := hs.fake.users["active@example.com"]; ok {
		t.Error("the user is still there")
	}
	if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser", "AdminDeleteUser"}) {
		t.Errorf("calls = %v", got)
	}
}

func TestGroups(t *testing.T) {
	hs := newHarness(t)
	resp := hs.do(t, groupEvent("PUT", "Pending@example.com", "support"))
	if resp.StatusCode != http.StatusNoContent || resp.Body != "" {
		t.Fatalf("add = %d %q", resp.StatusCode, resp.Body)
	}
	add := hs.fake.lastInput("AdminAddUserToGroup").(*cip.AdminAddUserToGroupInput)
	if aws.ToString(add.Username) != "pending@example.com" || aws.ToString(add.GroupName) != "support" || aws.ToString(add.UserPoolId) != testPool {
		t.Errorf("AdminAddUserToGroup input = %+v", add)
	}
	if !hs.fake.users["pending@example.com"].groups["support"] {
		t.Error("not added")
	}
	resp = hs.do(t, groupEvent("DELETE", "pending@example.com", "support"))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("remove = %d %s", resp.StatusCode, resp.Body)
	}
	if hs.fake.users["pending@example.com"].groups["support"] {
		t.Error("not removed")
	}
	// Every group change reads the user first: their roles and the caller's scope decide.
	if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser", "AdminAddUserToGroup", "AdminGetUser", "AdminListGroupsForUser", "AdminRemoveUserFromGroup"}) {
		t.Errorf("calls = %v", got)
	}
	// Demoting another admin is allowed.
	if resp := hs.do(t, groupEvent("DELETE", "other.admin@example.com", "admins")); resp.StatusCode != http.StatusNoContent {
		t.Errorf("removing another admin = %d %s", resp.StatusCode, resp.Body)
	}
}

func TestGroupRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		e      ev
		status int
		code   string
		calls  []string
	}{
		{"add to an unmanaged group", groupEvent("PUT", "active@example.com", "root"), 403, "GroupNotManaged", nil},
		{"remove from an unmanaged group", groupEvent("DELETE", "active@example.com", "readonly"), 403, "GroupNotManaged", nil},
		{"group name case matters", groupEvent("PUT", "active@example.com", "Support"), 403, "GroupNotManaged", nil},
		{"add to a missing group", groupEvent("PUT", "active@example.com", "ghost"), 404, "GroupNotFound", []string{"AdminGetUser", "AdminListGroupsForUser", "AdminAddUserToGroup"}},
		{"remove from a missing group", groupEvent("DELETE", "active@example.com", "ghost"), 404, "GroupNotFound", []string{"AdminGetUser", "AdminListGroupsForUser", "AdminRemoveUserFromGroup"}},
		{"encoded group name", groupEvent("PUT", "active@example.com", "sup%70ort"), 204, "", []string{"AdminGetUser", "AdminListGroupsForUser", "AdminAddUserToGroup"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			resp := hs.do(t, tc.e)
			if tc.code != "" {
				wantError(t, resp, tc.status, tc.code)
			} else if resp.StatusCode != tc.status {
				t.Fatalf("status = %d: %s", resp.StatusCode, resp.Body)
			}
			if got := hs.fake.methods(); !reflect.DeepEqual(got, tc.calls) {
				t.Errorf("calls = %v, want %v", got, tc.calls)
			}
		})
	}
}

func TestCannotModifySelf(t *testing.T) {
	for _, tc := range []struct {
		name   string
		claims string // empty: the admin's own token
		e      ev
	}{
		{"disable self", "", userEvent("POST", "/users/{email}/disable", "admin@example.com")},
		{"delete self", "", userEvent("DELETE", "/users/{email}", "ADMIN@example.com")},
		{"remove own admin group", "", groupEvent("DELETE", "admin@example.com", "admins")},
		{"matched by sub alone", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":"admins","token_use":"id"}`, userEvent("DELETE", "/users/{email}", "admin@example.com")},
		{"matched by email alone", `{"sub":"another-sub","aud":"5example0client0id","cognito:username":"admin@example.com","email":"Admin@Example.com","cognito:groups":"admins","token_use":"id"}`, userEvent("POST", "/users/{email}/disable", "admin@example.com")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			tc.e.claims = tc.claims
			wantError(t, hs.do(t, tc.e), http.StatusForbidden, "CannotModifySelf")
			if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser"}) {
				t.Errorf("calls = %v, want only the reads", got)
			}
		})
	}
	// What cannot lock an admin out stays allowed on their own account.
	hs := newHarness(t)
	for _, e := range []ev{
		userEvent("POST", "/users/{email}/enable", "admin@example.com"),
		groupEvent("PUT", "admin@example.com", "support"),
		groupEvent("DELETE", "admin@example.com", "support"),
	} {
		if resp := hs.do(t, e); resp.StatusCode >= 300 {
			t.Errorf("%s %s on self = %d %s", e.method, e.resource, resp.StatusCode, resp.Body)
		}
	}
}

type listResponse struct {
	Users     []user `json:"users"`
	NextToken string `json:"nextToken"`
}

func listEvent(query url.Values) ev { return ev{method: "GET", resource: "/users", query: query} }

func TestListPagination(t *testing.T) {
	hs := newHarness(t)
	for i := range 7 {
		hs.fake.seed(fmt.Sprintf("user%02d@example.com", i), types.UserStatusTypeConfirmed, "support")
	}
	var emails []string
	token := ""
	for page := 0; ; page++ {
		q := url.Values{"limit": {"4"}, "groups": {"true"}}
		if token != "" {
			q.Set("nextToken", token)
		}
		resp := hs.do(t, listEvent(q))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d %s", page, resp.StatusCode, resp.Body)
		}
		var body listResponse
		decodeStrict(t, resp.Body, &body)
		for _, u := range body.Users {
			emails = append(emails, u.Email)
			if u.Groups == nil || u.Username == "" || u.CreatedAt == "" {
				t.Errorf("incomplete user %+v", u)
			}
		}
		in := hs.fake.lastInput("ListUsers").(*cip.ListUsersInput)
		if aws.ToInt32(in.Limit) != 4 || aws.ToString(in.UserPoolId) != testPool || in.Filter != nil {
			t.Errorf("ListUsers input = %+v", in)
		}
		if body.NextToken == "" {
			if strings.Contains(resp.Body, "nextToken") {
				t.Errorf("the last page names nextToken: %s", resp.Body)
			}
			break
		}
		if strings.Contains(body.NextToken, "page:") || strings.ContainsAny(body.NextToken, "=+/") {
			t.Errorf("token %q is not opaque base64url", body.NextToken)
		}
		token = body.NextToken
	}
	if len(emails) != 11 || emails[0] != "active@example.com" || emails[10] != "user06@example.com" {
		t.Errorf("listed %d users: %v", len(emails), emails)
	}
}

func TestListDefaults(t *testing.T) {
	hs := newHarness(t)
	resp := hs.do(t, listEvent(url.Values{"groups": {"true"}}))
	var body listResponse
	decodeStrict(t, resp.Body, &body)
	if resp.StatusCode != 200 || len(body.Users) != 4 {
		t.Fatalf("list = %d %s", resp.StatusCode, resp.Body)
	}
	in := hs.fake.lastInput("ListUsers").(*cip.ListUsersInput)
	if aws.ToInt32(in.Limit) != 25 || in.PaginationToken != nil || in.Filter != nil {
		t.Errorf("ListUsers input = %+v", in)
	}
	if got := body.Users[0].Groups; !reflect.DeepEqual(got, []string{"readonly", "support"}) {
		t.Errorf("groups = %v, want sorted", got)
	}
}

func TestListEmpty(t *testing.T) {
	hs := newHarness(t)
	resp := hs.do(t, listEvent(url.Values{"email": {"zzz"}}))
	if resp.StatusCode != 200 || resp.Body != `{"users":[]}` {
		t.Errorf("empty list = %d %s", resp.StatusCode, resp.Body)
	}
}

func TestListFilters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		query  url.Values
		filter string
		emails []string
	}{
		{"status", url.Values{"status": {"FORCE_CHANGE_PASSWORD"}}, `cognito:user_status = "FORCE_CHANGE_PASSWORD"`, []string{"pending@example.com"}},
		{"email prefix, normalised", url.Values{"email": {" ACT "}}, `email ^= "act"`, []string{"active@example.com"}},
		{"email prefix with a dot", url.Values{"email": {"other.ad"}}, `email ^= "other.ad"`, []string{"other.admin@example.com"}},
		{"email prefix in NFC", url.Values{"email": {"E\u0301l"}}, "email ^= \"\u00e9l\"", []string{"\u00e9lodie@example.com"}},
		{"longest email prefix", url.Values{"email": {strings.Repeat("a", 128)}}, `email ^= "` + strings.Repeat("a", 128) + `"`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			hs.fake.seed("\u00e9lodie@example.com", types.UserStatusTypeConfirmed)
			if len(tc.filter) > 256 {
				t.Fatalf("filter of %d characters: over ListUsers' limit", len(tc.filter))
			}
			resp := hs.do(t, listEvent(tc.query))
			var body listResponse
			decodeStrict(t, resp.Body, &body)
			var emails []string
			for _, u := range body.Users {
				emails = append(emails, u.Email)
			}
			if !reflect.DeepEqual(emails, tc.emails) {
				t.Errorf("emails = %v, want %v", emails, tc.emails)
			}
			if in := hs.fake.lastInput("ListUsers").(*cip.ListUsersInput); aws.ToString(in.Filter) != tc.filter {
				t.Errorf("Filter = %q, want %q", aws.ToString(in.Filter), tc.filter)
			}
		})
	}
}

func TestListRefused(t *testing.T) {
	otherPool := base64.RawURLEncoding.EncodeToString([]byte(`{"p":"eu-west-1_Other","t":"page:1"}`))
	for _, tc := range []struct {
		name    string
		query   url.Values
		code    string
		mention string
	}{
		{"limit 0", url.Values{"limit": {"0"}}, "InvalidRequest", "limit"},
		{"limit 61 with groups", url.Values{"limit": {"61"}, "groups": {"true"}}, "InvalidRequest", "limit"},
		{"limit 601", url.Values{"limit": {"601"}}, "InvalidRequest", "limit"},
		{"limit 601 without groups", url.Values{"limit": {"601"}, "groups": {"false"}}, "InvalidRequest", "600"},
		{"groups not a boolean", url.Values{"groups": {"yes"}}, "InvalidRequest", "groups"},
		{"groups in upper case", url.Values{"groups": {"TRUE"}}, "InvalidRequest", "groups"},
		{"groups empty", url.Values{"groups": {""}}, "InvalidRequest", "groups"},
		{"groups repeated", url.Values{"groups": {"true", "true"}}, "InvalidRequest", "groups"},
		{"limit negative", url.Values{"limit": {"-1"}}, "InvalidRequest", "limit"},
		{"limit not a number", url.Values{"limit": {"ten"}}, "InvalidRequest", "limit"},
		{"limit empty", url.Values{"limit": {""}}, "InvalidRequest", "limit"},
		{"limit repeated", url.Values{"limit": {"1", "2"}}, "InvalidRequest", "limit"},
		{"unknown status", url.Values{"status": {"ACTIVE"}}, "InvalidRequest", "status"},
		{"status in lower case", url.Values{"status": {"confirmed"}}, "InvalidRequest", "status"},
		{"status and email", url.Values{"status": {"CONFIRMED"}, "email": {"a"}}, "InvalidRequest", "combined"},
		{"email with a quote", url.Values{"email": {`a" or email ^= "`}}, "InvalidRequest", "email"},
		{"email with a backslash", url.Values{"email": {`a\`}}, "InvalidRequest", "email"},
		{"email with a control character", url.Values{"email": {"a\nb"}}, "InvalidRequest", "email"},
		{"email with a C1 control character", url.Values{"email": {"a\u0085b"}}, "InvalidRequest", "email"},
		{"empty email", url.Values{"email": {" "}}, "InvalidRequest", "email"},
		// Longer than any username, and the filter would pass ListUsers' 256-character limit.
		{"email prefix of 129 characters", url.Values{"email": {strings.Repeat("a", 129)}}, "InvalidRequest", "128"},
		{"email prefix of 250 characters", url.Values{"email": {strings.Repeat("a", 250)}}, "InvalidRequest", "128"},
		{"unknown parameter", url.Values{"filter": {"x"}}, "InvalidRequest", `"filter"`},
		{"parameter in the wrong case", url.Values{"Limit": {"5"}}, "InvalidRequest", `"Limit"`},
		{"token not base64", url.Values{"nextToken": {"!!!"}}, "InvalidNextToken", "nextToken"},
		{"token tampered", url.Values{"nextToken": {encodeToken(testPool, "page:1") + "x"}}, "InvalidNextToken", "nextToken"},
		{"token not JSON", url.Values{"nextToken": {base64.RawURLEncoding.EncodeToString([]byte("page:1"))}}, "InvalidNextToken", "nextToken"},
		{"token with padding", url.Values{"nextToken": {base64.URLEncoding.EncodeToString([]byte(`{"p":"` + testPool + `","t":"page:1"}`))}}, "InvalidNextToken", "nextToken"},
		{"token without Cognito's token", url.Values{"nextToken": {encodeToken(testPool, "")}}, "InvalidNextToken", "nextToken"},
		{"token with extra fields", url.Values{"nextToken": {base64.RawURLEncoding.EncodeToString([]byte(`{"p":"` + testPool + `","t":"page:1","x":1}`))}}, "InvalidNextToken", "nextToken"},
		{"token for another pool", url.Values{"nextToken": {otherPool}}, "InvalidNextToken", "nextToken"},
		{"token with data after the object", url.Values{"nextToken": {base64.RawURLEncoding.EncodeToString([]byte(`{"p":"` + testPool + `","t":"page:1"}}`))}}, "InvalidNextToken", "nextToken"},
		{"token with keys in another case", url.Values{"nextToken": {base64.RawURLEncoding.EncodeToString([]byte(`{"P":"` + testPool + `","T":"page:1"}`))}}, "InvalidNextToken", "nextToken"},
		{"token with invalid UTF-8", url.Values{"nextToken": {base64.RawURLEncoding.EncodeToString([]byte(`{"p":"` + testPool + `","t":"page:` + "\xff" + `"}`))}}, "InvalidNextToken", "nextToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			e := wantError(t, hs.do(t, listEvent(tc.query)), http.StatusBadRequest, tc.code)
			if !strings.Contains(e.Error.Message, tc.mention) {
				t.Errorf("message %q does not mention %q", e.Error.Message, tc.mention)
			}
			if calls := hs.fake.methods(); len(calls) != 0 {
				t.Errorf("Cognito was called: %v", calls)
			}
		})
	}
}

func TestTokenRoundTrip(t *testing.T) {
	for _, inner := range []string{"page:1", "CAISlQIIARKuAggDEqgCAB+3", `"quoted" \ and ünïcode`} {
		tok := encodeToken(testPool, inner)
		got, err := decodeToken(testPool, tok)
		if err != nil || got != inner {
			t.Errorf("round trip of %q = %q, %v", inner, got, err)
		}
		if _, err := decodeToken("eu-west-1_Other", tok); err == nil {
			t.Errorf("token for %s accepted by another pool", testPool)
		}
	}
}

// TestListGroupFetches shows the per-user group reads run concurrently, at most eight at a time.
func TestListGroupFetches(t *testing.T) {
	hs := newHarness(t)
	for i := range 40 {
		hs.fake.seed(fmt.Sprintf("user%02d@example.com", i), types.UserStatusTypeConfirmed)
	}
	hs.fake.delay = 5 * time.Millisecond // room for a ninth call to overlap, were the limit missing
	hs.fake.met = make(chan struct{})
	hs.fake.metSkip = 1 // the caller check's read comes alone
	resp := hs.do(t, listEvent(url.Values{"limit": {"44"}, "groups": {"true"}}))
	var body listResponse
	decodeStrict(t, resp.Body, &body)
	if len(body.Users) != 44 {
		t.Fatalf("listed %d users", len(body.Users))
	}
	if hs.fake.peak > groupFetches || hs.fake.peak < 2 {
		t.Errorf("peak concurrent group reads = %d, want 2..%d", hs.fake.peak, groupFetches)
	}
	for i := 1; i < len(body.Users); i++ {
		if body.Users[i-1].Email >= body.Users[i].Email {
			t.Fatalf("order lost at %d: %s, %s", i, body.Users[i-1].Email, body.Users[i].Email)
		}
	}
}

func TestListSkipsUserDeletedMeanwhile(t *testing.T) {
	hs := newHarness(t)
	hs.fake.vanish = "pending@example.com"
	resp := hs.do(t, listEvent(url.Values{"groups": {"true"}}))
	var body listResponse
	decodeStrict(t, resp.Body, &body)
	var emails []string
	for _, u := range body.Users {
		emails = append(emails, u.Email)
	}
	if want := []string{"active@example.com", "admin@example.com", "other.admin@example.com"}; !reflect.DeepEqual(emails, want) {
		t.Errorf("emails = %v, want %v", emails, want)
	}
}

func TestListGroupFetchFailure(t *testing.T) {
	hs := newHarness(t)
	hs.fake.errs["AdminListGroupsForUser"] = &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	resp := hs.do(t, listEvent(url.Values{"groups": {"true"}}))
	wantError(t, resp, http.StatusTooManyRequests, "TooManyRequests")
}
