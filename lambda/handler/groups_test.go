package handler

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

func TestListGroups(t *testing.T) {
	hs := newHarness(t)
	hs.fake.groupPage = 1 // three groups in the pool, one a page
	resp := hs.do(t, ev{method: "GET", resource: "/groups"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	var body groupsBody
	decodeStrict(t, resp.Body, &body)
	// Managed groups only (not readonly), in the settings' order; ghost is managed but not in the pool.
	want := []group{
		// A role comes with its permissions, for clients that check before sending.
		{Name: "admins", Description: "the admins group", Admin: true, Precedence: aws.Int32(0), Permissions: access.AllPermissions()},
		{Name: "support", Description: "the support group", Admin: false, Precedence: aws.Int32(2)},
	}
	if !reflect.DeepEqual(body.Groups, want) {
		t.Errorf("groups = %+v, want %+v", body.Groups, want)
	}
	if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"ListGroups", "ListGroups", "ListGroups"}) {
		t.Errorf("calls = %v", got)
	}
	if in := hs.fake.lastInput("ListGroups").(*cip.ListGroupsInput); aws.ToString(in.UserPoolId) != testPool || aws.ToString(in.NextToken) != "2" {
		t.Errorf("last ListGroups input = %+v", in)
	}
	if len(hs.logs.lines(t, "audit")) != 0 {
		t.Error("a read was audited")
	}

	hs = newHarness(t)
	hs.fake.groups = map[string]bool{}
	resp = hs.do(t, ev{method: "GET", resource: "/groups"})
	if resp.StatusCode != http.StatusOK || resp.Body != `{"groups":[]}` {
		t.Errorf("no managed group in the pool: %d %s", resp.StatusCode, resp.Body)
	}

	hs = newHarness(t)
	hs.fake.errs["ListGroups"] = &types.TooManyRequestsException{Message: aws.String("slow down")}
	wantError(t, hs.do(t, ev{method: "GET", resource: "/groups"}), http.StatusTooManyRequests, "TooManyRequests")
}

func membersEvent(group string, query url.Values) ev {
	return ev{method: "GET", resource: "/groups/{group}/users", params: map[string]string{"group": group}, query: query}
}

func TestListMembers(t *testing.T) {
	hs := newHarness(t)
	hs.fake.seed("b.support@example.com", types.UserStatusTypeConfirmed, "support")
	hs.fake.seed("c.support@example.com", types.UserStatusTypeForceChangePassword, "support", "admins")
	var seen []string
	next := ""
	for page := 0; ; page++ {
		q := url.Values{"limit": {"2"}, "groups": {"true"}}
		if next != "" {
			q.Set("nextToken", next)
		}
		resp := hs.do(t, membersEvent("support", q))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d %s", page, resp.StatusCode, resp.Body)
		}
		var body struct {
			Users     []user `json:"users"`
			NextToken string `json:"nextToken"`
		}
		decodeStrict(t, resp.Body, &body)
		if len(body.Users) > 2 {
			t.Fatalf("page %d holds %d users", page, len(body.Users))
		}
		for _, u := range body.Users {
			seen = append(seen, u.Email)
			if u.Email == "c.support@example.com" && !reflect.DeepEqual(u.Groups, []string{"admins", "support"}) {
				t.Errorf("%s groups = %v", u.Email, u.Groups)
			}
			if u.MFAEnabled != nil {
				t.Errorf("a list page claims to know MFA: %+v", u)
			}
		}
		if next = body.NextToken; next == "" {
			break
		}
		if page > 3 {
			t.Fatal("paging does not end")
		}
	}
	want := []string{"active@example.com", "b.support@example.com", "c.support@example.com"}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("members = %v, want %v", seen, want)
	}
	in := hs.fake.lastInput("ListUsersInGroup").(*cip.ListUsersInGroupInput)
	if aws.ToString(in.GroupName) != "support" || aws.ToString(in.UserPoolId) != testPool || aws.ToInt32(in.Limit) != 2 || aws.ToString(in.NextToken) != "members:2" {
		t.Errorf("last ListUsersInGroup input = %+v", in)
	}
}

func TestListMembersRefusals(t *testing.T) {
	listToken := encodeToken(testPool, "page:1")                           // GET /users's
	otherGroup := encodeToken(testPool+" group admins", "members:1")       // another group's
	otherPool := encodeToken("eu-west-1_Other group support", "members:1") // another pool's
	for _, tc := range []struct {
		name, group string
		query       url.Values
		status      int
		code        string
		calls       []string
	}{
		{"unmanaged group", "readonly", nil, http.StatusForbidden, "GroupNotManaged", nil},
		{"managed but missing from the pool", "ghost", nil, http.StatusNotFound, "GroupNotFound", []string{"ListUsersInGroup"}},
		{"limit 0", "support", url.Values{"limit": {"0"}}, http.StatusBadRequest, "InvalidRequest", nil},
		{"limit 61 with groups", "support", url.Values{"limit": {"61"}, "groups": {"true"}}, http.StatusBadRequest, "InvalidRequest", nil},
		{"limit 601", "support", url.Values{"limit": {"601"}}, http.StatusBadRequest, "InvalidRequest", nil},
		{"groups not a boolean", "support", url.Values{"groups": {"1"}}, http.StatusBadRequest, "InvalidRequest", nil},
		{"repeated limit", "support", url.Values{"limit": {"1", "2"}}, http.StatusBadRequest, "InvalidRequest", nil},
		{"list filter", "support", url.Values{"status": {"CONFIRMED"}}, http.StatusBadRequest, "InvalidRequest", nil},
		{"forged token", "support", url.Values{"nextToken": {"forged"}}, http.StatusBadRequest, "InvalidNextToken", nil},
		{"GET /users's token", "support", url.Values{"nextToken": {listToken}}, http.StatusBadRequest, "InvalidNextToken", nil},
		{"another group's token", "support", url.Values{"nextToken": {otherGroup}}, http.StatusBadRequest, "InvalidNextToken", nil},
		{"another pool's token", "support", url.Values{"nextToken": {otherPool}}, http.StatusBadRequest, "InvalidNextToken", nil},
		{"malformed group escape", "sup%port", nil, http.StatusBadRequest, "InvalidRequest", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			wantError(t, hs.do(t, membersEvent(tc.group, tc.query)), tc.status, tc.code)
			if got := hs.fake.methods(); !reflect.DeepEqual(got, tc.calls) {
				t.Errorf("calls = %v, want %v", got, tc.calls)
			}
		})
	}
}
