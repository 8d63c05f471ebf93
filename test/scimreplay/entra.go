package scimreplay

import (
	"net/http"
	"testing"
)

// EntraGuide is "Tutorial: Develop and plan provisioning for a SCIM
// endpoint in Microsoft Entra ID", section "Understand the Microsoft Entra
// SCIM implementation": its user and group operations, requests and
// responses.
const EntraGuide = "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups"

// The guide's samples use a userName that is not the work email; here the
// userName is the email, so the adapted steps use one address for both.
const entraEmail = "test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com"

// Entra is the guide's sequence. vars must hold "group": a managed group
// the principal may manage.
func Entra() []Step {
	return []Step{
		{
			// "Get User by query - Zero results" (also the connection test).
			Doc: "Get User by query, zero results", Method: "GET", Path: "/Users?" + query(`userName eq "non-existent user"`, ""), Status: http.StatusOK,
			Want: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}`,
		},
		{
			Doc: "Get User by query (before the create)", Method: "GET", Path: "/Users?" + query(`userName eq "`+entraEmail+`"`, ""), Status: http.StatusOK,
			Want: `{"totalResults":0,"Resources":[]}`, Pool: wantNoUser(entraEmail),
		},
		{
			// "Create User" as published: the userName is not the work email.
			Doc: "Create User (the guide's values)", Method: "POST", Path: "/Users", Status: http.StatusBadRequest,
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1","active":true,
				"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
				"meta":{"resourceType":"User"},"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[]}`,
			Want: `{"scimType":"invalidValue"}`,
			Pool: wantNoUser("test_user_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"),
		},
		{
			Doc: "Create User", Method: "POST", Path: "/Users", Status: http.StatusCreated,
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com","active":true,
				"emails":[{"primary":true,"type":"work","value":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com"}],
				"meta":{"resourceType":"User"},"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[]}`,
			Want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + entraEmail + `","active":true,
				"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","name":{"familyName":"familyName","givenName":"givenName"},
				"emails":[{"primary":true,"type":"work","value":"` + entraEmail + `"}],"meta":{"resourceType":"User"}}`,
			Save: map[string]string{"user": "id"},
			Pool: wantUser(entraEmail, func(t testing.TB, u User, v Vars) {
				if u.Sub != v["user"] || !u.Enabled || u.GivenName != "givenName" || u.FamilyName != "familyName" || u.ExternalID != "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" {
					t.Fatalf("pool user %+v", u)
				}
			}),
		},
		{
			// A second create of the same user: 409, as the guide's error handling expects.
			Doc: "Create User again", Method: "POST", Path: "/Users", Status: http.StatusConflict,
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + entraEmail + `","active":true}`,
			Want: `{"scimType":"uniqueness"}`,
		},
		{
			Doc: "Get User", Method: "GET", Path: "/Users/{user}", Status: http.StatusOK,
			Want: `{"id":"{user}","userName":"` + entraEmail + `","externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","meta":{"resourceType":"User"}}`,
		},
		{
			Doc: "Get User by query", Method: "GET", Path: "/Users?" + query(`userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com"`, ""), Status: http.StatusOK,
			Want: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"{user}"}]}`,
		},
		{
			// Entra ID's matching on the work email, in its own (non-RFC) filter form.
			Doc: "Get User by query on the work email", Method: "GET", Path: "/Users?" + query(`emails[type eq "work"].value eq "`+entraEmail+`"`, ""), Status: http.StatusOK,
			Want: `{"totalResults":1,"Resources":[{"id":"{user}"}]}`,
		},
		{
			Doc: "Get User by query on externalId", Method: "GET", Path: "/Users?" + query(`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`, ""), Status: http.StatusOK,
			Want: `{"totalResults":1,"Resources":[{"id":"{user}"}]}`,
		},
		{
			// "Update User [Multi-valued properties]" as published: a new work email, which is the username here.
			Doc: "Update User, multi-valued properties (the guide's values)", Method: "PATCH", Path: "/Users/{user}", Status: http.StatusBadRequest,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
				{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
				{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			Want: `{"scimType":"mutability"}`,
			Pool: wantUser(entraEmail, func(t testing.TB, u User, _ Vars) {
				if u.FamilyName != "familyName" {
					t.Fatalf("a refused PATCH changed the pool: %+v", u)
				}
			}),
		},
		{
			Doc: "Update User, multi-valued properties", Method: "PATCH", Path: "/Users/{user}", Status: http.StatusOK,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
				{"op":"Replace","path":"emails[type eq \"work\"].value","value":"` + entraEmail + `"},
				{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			Want: `{"id":"{user}","name":{"familyName":"updatedFamilyName"}}`,
			Pool: wantUser(entraEmail, func(t testing.TB, u User, _ Vars) {
				if u.FamilyName != "updatedFamilyName" {
					t.Fatalf("pool user %+v", u)
				}
			}),
		},
		{
			Doc: "Update User, single-valued properties (userName)", Method: "PATCH", Path: "/Users/{user}", Status: http.StatusBadRequest,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"userName","value":"5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]}`,
			Want: `{"scimType":"mutability"}`,
		},
		{
			Doc: "Disable User", Method: "PATCH", Path: "/Users/{user}", Status: http.StatusOK,
			Body: `{"Operations":[{"op":"Replace","path":"active","value":false}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`,
			Want: `{"id":"{user}","active":false}`,
			Pool: wantUser(entraEmail, func(t testing.TB, u User, _ Vars) {
				if u.Enabled {
					t.Fatal("still enabled in the pool")
				}
			}),
		},
		{
			// Entra ID also sends booleans as strings, "True" and "False".
			Doc: "Enable User (a string boolean)", Method: "PATCH", Path: "/Users/{user}", Status: http.StatusOK,
			Body: `{"Operations":[{"op":"Replace","path":"active","value":"True"}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`,
			Want: `{"id":"{user}","active":true}`,
			Pool: wantUser(entraEmail, func(t testing.TB, u User, _ Vars) {
				if !u.Enabled {
					t.Fatal("still disabled in the pool")
				}
			}),
		},
		{
			// "Create Group" as published: not a group of the pool.
			Doc: "Create Group (the guide's values)", Method: "POST", Path: "/Groups", Status: http.StatusBadRequest,
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],
				"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName","meta":{"resourceType":"Group"}}`,
			Want: `{"scimType":"invalidValue"}`,
		},
		{
			Doc: "Get Group by displayName", Method: "GET", Path: "/Groups?excludedAttributes=members&" + query(`displayName eq "{group}"`, ""), Status: http.StatusOK,
			Want: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"{group}","displayName":"{group}","meta":{"resourceType":"Group"}}]}`,
		},
		{
			Doc: "Create Group", Method: "POST", Path: "/Groups", Status: http.StatusCreated,
			Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],
				"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"{group}","meta":{"resourceType":"Group"}}`,
			Want: `{"id":"{group}","displayName":"{group}","meta":{"resourceType":"Group"}}`,
		},
		{
			Doc: "Get Group", Method: "GET", Path: "/Groups/{group}?excludedAttributes=members", Status: http.StatusOK,
			Want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"{group}","displayName":"{group}"}`, Absent: []string{"members"},
		},
		{
			Doc: "Update Group, add members", Method: "PATCH", Path: "/Groups/{group}", Status: http.StatusNoContent,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"{user}"}]}]}`,
			Pool: inGroup(entraEmail, true),
		},
		{
			Doc: "Update Group, non-member attributes", Method: "PATCH", Path: "/Groups/{group}", Status: http.StatusBadRequest,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]}`,
			Want: `{"scimType":"mutability"}`,
		},
		{
			Doc: "Update Group, remove members", Method: "PATCH", Path: "/Groups/{group}", Status: http.StatusNoContent,
			Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"{user}"}]}]}`,
			Pool: inGroup(entraEmail, false),
		},
		{
			Doc: "Delete Group", Method: "DELETE", Path: "/Groups/{group}", Status: http.StatusForbidden,
		},
		{
			Doc: "Delete User", Method: "DELETE", Path: "/Users/{user}", Status: http.StatusNoContent,
			Pool: wantNoUser(entraEmail),
		},
		{
			Doc: "Get User (deleted)", Method: "GET", Path: "/Users/{user}", Status: http.StatusNotFound,
		},
	}
}
