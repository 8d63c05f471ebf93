package scimreplay

import (
	"net/http"
	"net/url"
	"testing"
)

// OktaGuide is "Okta and SCIM Version 2.0" (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20):
// its requests and responses, in the order Okta makes them for one user
// and one pushed group. Its connector test sends GET /Users?startIndex=1&count=2
// (Okta's "Okta SCIM 2.0 Tests" Runscope suite, step "Test API Credentials").
const OktaGuide = "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20"

// oktaEmail is the guide's user.
const oktaEmail = "test.user@okta.local"

func query(filter string, extra string) string {
	return "filter=" + url.QueryEscape(filter) + extra
}

// Okta is the guide's sequence. vars must hold "group": a managed group
// the principal may manage (Okta's Group Push links to it by name).
func Okta() []Step {
	return []Step{
		{
			Doc: "Test API Credentials (connector test)", Method: "GET", Path: "/Users?count=2&startIndex=1", Status: http.StatusOK,
			Want: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"startIndex":1}`,
		},
		{
			// "Determine if the user already exists": the guide's answer, no user yet.
			Doc: "Check whether the user exists", Method: "GET", Path: "/Users?" + query(`userName eq "`+oktaEmail+`"`, "&startIndex=1&count=1"), Status: http.StatusOK,
			Want: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`,
			Pool: wantNoUser(oktaEmail),
		},
		{
			// "Create the user": the guide's body, password included (never kept: Cognito emails its own).
			Doc: "Create the user", Method: "POST", Path: "/Users", Status: http.StatusCreated,
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
				"name":{"givenName":"Test","familyName":"User"},
				"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
				"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}`,
			Want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
				"name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
				"externalId":"00ujl29u0le5T6Aj10h7","active":true,"meta":{"resourceType":"User"}}`,
			Save: map[string]string{"user": "id"},
			Pool: wantUser(oktaEmail, func(t testing.TB, u User, v Vars) {
				if u.Sub != v["user"] || !u.Enabled || u.GivenName != "Test" || u.FamilyName != "User" || u.ExternalID != "00ujl29u0le5T6Aj10h7" {
					t.Fatalf("pool user %+v, id %s", u, v["user"])
				}
			}),
		},
		{
			Doc: "Retrieve a specific user", Method: "GET", Path: "/Users/{user}", Status: http.StatusOK,
			Want: `{"id":"{user}","userName":"test.user@okta.local","active":true,"meta":{"resourceType":"User"}}`,
		},
		{
			// The same lookup after the create: Okta links the user it finds.
			Doc: "Check whether the user exists, once created", Method: "GET", Path: "/Users?" + query(`userName eq "`+oktaEmail+`"`, "&startIndex=1&count=100"), Status: http.StatusOK,
			Want: `{"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"{user}","userName":"test.user@okta.local"}]}`,
		},
		{
			Doc: "Update a specific user (PUT)", Method: "PUT", Path: "/Users/{user}", Status: http.StatusOK,
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"{user}","userName":"test.user@okta.local",
				"name":{"givenName":"Another","familyName":"User"},
				"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
				"displayName":"Another User","locale":"en-US","groups":[],"active":true,"meta":{"resourceType":"User"}}`,
			Want: `{"id":"{user}","name":{"givenName":"Another","familyName":"User"},"active":true}`,
			Pool: wantUser(oktaEmail, func(t testing.TB, u User, _ Vars) {
				if u.GivenName != "Another" {
					t.Fatalf("pool user %+v", u)
				}
			}),
		},
		{
			Doc: "Deactivate the user (PATCH, no path)", Method: "PATCH", Path: "/Users/{user}", Status: http.StatusOK,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
			Want: `{"id":"{user}","active":false}`,
			Pool: wantUser(oktaEmail, func(t testing.TB, u User, _ Vars) {
				if u.Enabled {
					t.Fatal("still enabled in the pool")
				}
			}),
		},
		{
			Doc: "Reactivate the user (PATCH, no path)", Method: "PATCH", Path: "/Users/{user}", Status: http.StatusOK,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`,
			Want: `{"id":"{user}","active":true}`,
			Pool: wantUser(oktaEmail, func(t testing.TB, u User, _ Vars) {
				if !u.Enabled {
					t.Fatal("still disabled in the pool")
				}
			}),
		},
		{
			// "Create Groups" with the guide's name: the pool has no such group, and SCIM creates none.
			Doc: "Create a group (the guide's name)", Method: "POST", Path: "/Groups", Status: http.StatusBadRequest,
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}`,
			Want: `{"scimType":"invalidValue"}`,
		},
		{
			// Group Push of a managed group: linked, answered as the guide shows a created group.
			Doc: "Create a group (a managed group's name)", Method: "POST", Path: "/Groups", Status: http.StatusCreated,
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"{group}","members":[]}`,
			Want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"{group}","displayName":"{group}","meta":{"resourceType":"Group"}}`,
		},
		{
			Doc: "Retrieve a specific group", Method: "GET", Path: "/Groups/{group}?excludedAttributes=members", Status: http.StatusOK,
			Want: `{"id":"{group}","displayName":"{group}"}`, Absent: []string{"members"},
		},
		{
			Doc: "Update the group's members (add)", Method: "PATCH", Path: "/Groups/{group}", Status: http.StatusNoContent,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"{user}","display":"test.user@okta.local"}]}]}`,
			Pool: inGroup(oktaEmail, true),
		},
		{
			Doc: "Retrieve groups", Method: "GET", Path: "/Groups?" + query(`displayName eq "{group}"`, "&startIndex=1&count=100"), Status: http.StatusOK,
			Want: `{"totalResults":1,"Resources":[{"id":"{group}"}]}`,
		},
		{
			// Okta's rename-or-same: the group's own name changes nothing.
			Doc: "Update a specific group name (the same name)", Method: "PATCH", Path: "/Groups/{group}", Status: http.StatusNoContent,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"{group}","displayName":"{group}"}}]}`,
		},
		{
			Doc: "Update a specific group name (another name)", Method: "PATCH", Path: "/Groups/{group}", Status: http.StatusBadRequest,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"{group}","displayName":"Test SCIMv2"}}]}`,
			Want: `{"scimType":"mutability"}`,
			Pool: inGroup(oktaEmail, true),
		},
		{
			Doc: "Update the group's members (remove)", Method: "PATCH", Path: "/Groups/{group}", Status: http.StatusNoContent,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"{user}\"]"}]}`,
			Pool: inGroup(oktaEmail, false),
		},
		{
			Doc: "Delete a specific group", Method: "DELETE", Path: "/Groups/{group}", Status: http.StatusForbidden,
		},
	}
}
