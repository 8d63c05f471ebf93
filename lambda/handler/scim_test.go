package handler

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/scim"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

const scimClient = "7scimclient0id"

// provisioners is the SCIM principal's role in most tests: every users:*
// power it needs and groups:assign, but not roles:grant, so it cannot act
// on the admins (a takeover) nor see the admins' group.
var provisioners = access.Role{Name: "provisioners", Permissions: []access.Permission{
	access.UsersRead, access.UsersCreate, access.UsersDisable, access.UsersEdit, access.UsersDelete, access.GroupsAssign,
}}

// newSCIMHarness is the harness with SCIM on (bearer and client
// credentials, as the provisioners role), and the pool's scim_external_id.
func newSCIMHarness(t *testing.T, change func(*settings.Settings)) (*harness, *fakeRecords) {
	t.Helper()
	hs := newHarness(t)
	s := testSettings()
	s.AdminGroups = append(s.AdminGroups, "provisioners")
	s.Roles = append(s.Roles, provisioners)
	s.SCIM = settings.SCIM{Enabled: true, ClientID: scimClient, Bearer: true, Role: "provisioners", IdPName: "okta", DeleteMode: settings.SCIMDelete}
	if change != nil {
		change(&s)
	}
	hs.h = New(s, hs.fake, slog.New(slog.NewJSONHandler(hs.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	hs.fake.schema["custom:scim_external_id"] = true
	return hs, withRecords(hs)
}

// The authorizers' ways of naming the SCIM principal (lambda/scimauth, and
// API Gateway's Cognito authorizer for a client-credentials access token).
var (
	bearerContext = map[string]any{"principal": "scim-bearer"}
	clientContext = map[string]any{"principal": "scim-client", "client_id": scimClient}
	// clientClaims are a client-credentials access token's claims, as the Cognito authorizer passes them.
	clientClaims = `{"sub":"` + scimClient + `","client_id":"` + scimClient + `","token_use":"access","scope":"scim/provision","iss":"https://cognito-idp.eu-west-1.amazonaws.com/` + testPool + `"}`
)

// scimEv is a request to /scim/v2 through the {proxy+} resource, as the bearer principal.
func scimEv(method, target, body string) ev {
	path, rawQuery, _ := strings.Cut(target, "?")
	q, _ := url.ParseQuery(rawQuery)
	e := ev{
		method: method, resource: "/scim/v2/{proxy+}", params: map[string]string{"proxy": strings.TrimPrefix(path, "/")},
		headers: map[string]string{"Content-Type": "application/scim+json", "Host": "api.example.com"},
		body:    body, claims: "-", context: bearerContext,
	}
	if len(q) > 0 {
		e.query = q
	}
	return e
}

func scimBody(t *testing.T, resp events.APIGatewayProxyResponse, status int) map[string]any {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, resp.Body)
	}
	if resp.Headers["Content-Type"] != scim.ContentType {
		t.Fatalf("Content-Type %q", resp.Headers["Content-Type"])
	}
	var m map[string]any
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
			t.Fatalf("body: %v: %s", err, resp.Body)
		}
	}
	return m
}

func wantSCIMError(t *testing.T, resp events.APIGatewayProxyResponse, status int) map[string]any {
	t.Helper()
	m := scimBody(t, resp, status)
	if !slices.Equal(m["schemas"].([]any), []any{scim.SchemaError}) || m["status"] != itoa(status) || m["detail"] == "" {
		t.Fatalf("not SCIM's error shape: %s", resp.Body)
	}
	return m
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// Who may call SCIM: the bearer principal and the SCIM client, never an
// administrator's token (the route belongs to SCIM's authorizer, and the
// Lambda holds to it), nor a principal the deployment did not turn on.
func TestSCIMPrincipals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		claims  string
		context map[string]any
		change  func(*settings.Settings)
		status  int
		sub     string
		reason  string
	}{
		{name: "bearer", context: bearerContext, status: 200, sub: "scim:bearer"},
		{name: "client by the Lambda authorizer", context: clientContext, status: 200, sub: "scim:" + scimClient},
		{name: "client by the Cognito authorizer", claims: clientClaims, status: 200, sub: "scim:" + scimClient},
		{name: "an admin's ID token", claims: adminClaims, status: 403, sub: "sub-0001", reason: "scim_not_client_token"},
		{name: "another client's access token", claims: strings.ReplaceAll(clientClaims, scimClient, "5example0client0id"), status: 403, reason: "scim_wrong_client"},
		{name: "access token without the scope", claims: strings.ReplaceAll(clientClaims, "scim/provision", "openid"), status: 403, reason: "scim_no_scope"},
		{name: "another client by the Lambda authorizer", context: map[string]any{"principal": "scim-client", "client_id": "other"}, status: 403, reason: "scim_wrong_client"},
		{name: "no principal", status: 403, reason: "no_claims"},
		{name: "bearer turned off", context: bearerContext, change: func(s *settings.Settings) { s.SCIM.Bearer = false }, status: 403, reason: "scim_bearer_off"},
		{name: "client turned off", claims: clientClaims, change: func(s *settings.Settings) { s.SCIM.ClientID = "" }, status: 403, reason: "scim_wrong_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs, recs := newSCIMHarness(t, tc.change)
			e := scimEv("GET", "/Users?filter="+url.QueryEscape(`userName eq "active@example.com"`), "")
			e.claims, e.context = cmpOr(tc.claims, "-"), tc.context
			resp := hs.do(t, e)
			if tc.status != 200 {
				wantSCIMError(t, resp, tc.status)
				if len(recs.recs) != 1 || recs.recs[0].Reason != tc.reason || recs.recs[0].Actor.IdP != "okta" {
					t.Fatalf("the refusal's record: %+v", recs.recs)
				}
				if tc.sub != "" && recs.recs[0].Actor.Sub != tc.sub {
					t.Fatalf("actor %+v, want sub %s", recs.recs[0].Actor, tc.sub)
				}
				if n := len(hs.fake.methods()); n != 0 {
					t.Fatalf("a refused principal reached Cognito: %v", hs.fake.methods())
				}
				return
			}
			m := scimBody(t, resp, 200)
			if m["totalResults"] != 1.0 {
				t.Fatalf("%s", resp.Body)
			}
			// Reads are not audited; the principal makes none of the admins' live checks.
			if len(recs.recs) != 0 || len(hs.fake.authCalls()) != 0 {
				t.Fatalf("records %+v, auth calls %v", recs.recs, hs.fake.authCalls())
			}
		})
	}
	t.Run("SCIM off", func(t *testing.T) {
		hs, _ := newSCIMHarness(t, func(s *settings.Settings) { s.SCIM = settings.SCIM{} })
		wantSCIMError(t, hs.do(t, scimEv("GET", "/ServiceProviderConfig", "")), 404)
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// The SCIM principal is no admin: the admins' routes refuse it, whichever way it came in.
func TestSCIMPrincipalCannotUseTheAdminAPI(t *testing.T) {
	hs, _ := newSCIMHarness(t, nil)
	for name, e := range map[string]ev{
		"bearer": {method: "GET", resource: "/users", claims: "-", context: bearerContext},
		"client": {method: "GET", resource: "/users", claims: clientClaims},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, hs.do(t, e), 403, "Forbidden")
		})
	}
}

// A user's life over SCIM, against the pool: created (with the invitation
// as configured), found, deactivated (signed out), reactivated, deleted;
// each change a record naming the IdP.
func TestSCIMUserLifecycle(t *testing.T) {
	for _, invite := range []bool{true, false} {
		t.Run("invite "+itoa2(invite), func(t *testing.T) {
			hs, recs := newSCIMHarness(t, func(s *settings.Settings) { s.SCIM.Invite = invite })
			resp := hs.do(t, scimEv("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"New.Hire@Example.com",
				"name":{"givenName":"New","familyName":"Hire"},"emails":[{"primary":true,"value":"new.hire@example.com","type":"work"}],"externalId":"00u9","active":true}`))
			m := scimBody(t, resp, 201)
			id := m["id"].(string)
			u := hs.fake.users["new.hire@example.com"]
			if u == nil || u.sub != id || u.profile["given_name"] != "New" || u.profile["family_name"] != "Hire" || u.profile["custom:scim_external_id"] != "00u9" {
				t.Fatalf("pool holds %+v, answer %s", u, resp.Body)
			}
			if resp.Headers["Location"] != "https://api.example.com/dev/scim/v2/Users/"+id || m["userName"] != "new.hire@example.com" || m["externalId"] != "00u9" {
				t.Fatalf("%v %s", resp.Headers, resp.Body)
			}
			in := hs.fake.lastInput("AdminCreateUser").(*cip.AdminCreateUserInput)
			if (in.MessageAction == types.MessageActionTypeSuppress) == invite {
				t.Fatalf("invite %v but MessageAction %q", invite, in.MessageAction)
			}
			if got := recordActions(recs); !slices.Equal(got, []string{"create", "update"}) {
				t.Fatalf("records %v", got)
			}
			for i, r := range recs.recs {
				if r.Actor.Sub != "scim:bearer" || r.Actor.IdP != "okta" || !slices.Equal(r.Actor.Roles, []string{"provisioners"}) || r.Target != "new.hire@example.com" {
					t.Fatalf("record %d: %+v", i, r)
				}
			}
			// Each change of one SCIM request is a record of its own.
			if recs.recs[0].ID == recs.recs[1].ID || recs.recs[1].RequestID != "req-1.2" {
				t.Fatalf("record ids %q %q, request ids %q %q", recs.recs[0].ID, recs.recs[1].ID, recs.recs[0].RequestID, recs.recs[1].RequestID)
			}

			m = scimBody(t, hs.do(t, scimEv("GET", "/Users?filter="+url.QueryEscape(`userName eq "NEW.HIRE@example.com"`)+"&startIndex=1&count=1", "")), 200)
			if m["totalResults"] != 1.0 || m["Resources"].([]any)[0].(map[string]any)["id"] != id {
				t.Fatalf("lookup: %v", m)
			}
			m = scimBody(t, hs.do(t, scimEv("GET", "/Users?filter="+url.QueryEscape(`externalId eq "00u9"`), "")), 200)
			if m["totalResults"] != 1.0 {
				t.Fatalf("by externalId: %v", m)
			}

			recs.recs = nil
			m = scimBody(t, hs.do(t, scimEv("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`)), 200)
			if m["active"] != false || u.enabled || u.signOuts != 1 {
				t.Fatalf("deactivate: %v, pool enabled %v sign-outs %d", m, u.enabled, u.signOuts)
			}
			m = scimBody(t, hs.do(t, scimEv("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}`)), 200)
			if m["active"] != true || !u.enabled {
				t.Fatalf("reactivate: %v", m)
			}
			resp = hs.do(t, scimEv("DELETE", "/Users/"+id, ""))
			if resp.StatusCode != 204 || hs.fake.users["new.hire@example.com"] != nil {
				t.Fatalf("delete: %d %s", resp.StatusCode, resp.Body)
			}
			if got := recordActions(recs); !slices.Equal(got, []string{"disable", "enable", "delete"}) {
				t.Fatalf("records %v", got)
			}
			wantSCIMError(t, hs.do(t, scimEv("GET", "/Users/"+id, "")), 404)
		})
	}
}

func itoa2(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func recordActions(recs *fakeRecords) []string {
	var out []string
	for _, r := range recs.recs {
		out = append(out, r.Action)
	}
	return out
}

// Where the deployment keeps leavers, DELETE disables.
func TestSCIMDeleteModeDisable(t *testing.T) {
	hs, recs := newSCIMHarness(t, func(s *settings.Settings) { s.SCIM.DeleteMode = settings.SCIMDisable })
	u := hs.fake.users["active@example.com"]
	if resp := hs.do(t, scimEv("DELETE", "/Users/"+u.sub, "")); resp.StatusCode != 204 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if hs.fake.users["active@example.com"] == nil || u.enabled || u.signOuts != 1 || !slices.Equal(recordActions(recs), []string{"disable"}) {
		t.Fatalf("user %+v, records %v", u, recordActions(recs))
	}
}

// The id is the sub, and only the sub: an email in its place is no id.
func TestSCIMIDIsTheSub(t *testing.T) {
	hs, _ := newSCIMHarness(t, nil)
	wantSCIMError(t, hs.do(t, scimEv("GET", "/Users/active@example.com", "")), 404)
	m := scimBody(t, hs.do(t, scimEv("GET", "/Users/"+hs.fake.users["active@example.com"].sub, "")), 200)
	if m["userName"] != "active@example.com" {
		t.Fatalf("%v", m)
	}
}

// SCIM meets the API's rules, not a copy of them: the role's permissions,
// no takeover of a role holder, a scope, role groups hidden unless allowed.
func TestSCIMHoldsToTheRoles(t *testing.T) {
	t.Run("no takeover of an admin", func(t *testing.T) {
		hs, recs := newSCIMHarness(t, nil)
		admin := hs.fake.users["admin@example.com"]
		m := wantSCIMError(t, hs.do(t, scimEv("PATCH", "/Users/"+admin.sub, `{"Operations":[{"op":"replace","path":"active","value":false}]}`)), 403)
		if !admin.enabled || !strings.Contains(m["detail"].(string), "admins") {
			t.Fatalf("admin enabled %v, %v", admin.enabled, m)
		}
		if len(recs.recs) != 1 || recs.recs[0].Outcome != "NotPermitted" || recs.recs[0].Details["rule"] != "takeover" || recs.recs[0].Actor.IdP != "okta" {
			t.Fatalf("records %+v", recs.recs)
		}
	})
	t.Run("permission", func(t *testing.T) {
		hs, _ := newSCIMHarness(t, func(s *settings.Settings) {
			s.Roles[len(s.Roles)-1].Permissions = []access.Permission{access.UsersRead}
		})
		wantSCIMError(t, hs.do(t, scimEv("POST", "/Users", `{"userName":"x@example.com"}`)), 403)
		if hs.fake.users["x@example.com"] != nil {
			t.Fatal("created without users:create")
		}
	})
	t.Run("scope", func(t *testing.T) {
		hs, _ := newSCIMHarness(t, func(s *settings.Settings) { s.Roles[len(s.Roles)-1].Scope = []string{"support"} })
		m := scimBody(t, hs.do(t, scimEv("GET", "/Users", "")), 200)
		if m["totalResults"] != 1.0 || m["Resources"].([]any)[0].(map[string]any)["userName"] != "active@example.com" {
			t.Fatalf("a scoped role sees %v", m)
		}
		if got := hs.fake.methods(); slices.Contains(got, "ListUsers") {
			t.Fatalf("a scoped listing read the whole pool: %v", got)
		}
		wantSCIMError(t, hs.do(t, scimEv("GET", "/Users/"+hs.fake.users["pending@example.com"].sub, "")), 404)
		m = scimBody(t, hs.do(t, scimEv("GET", "/Users?filter="+url.QueryEscape(`userName eq "pending@example.com"`), "")), 200)
		if m["totalResults"] != 0.0 {
			t.Fatalf("found out of scope: %v", m)
		}
		// A user it creates lands in its scope, as an admin's would.
		scimBody(t, hs.do(t, scimEv("POST", "/Users", `{"userName":"scoped@example.com"}`)), 201)
		if u := hs.fake.users["scoped@example.com"]; u == nil || !u.groups["support"] {
			t.Fatalf("created %+v", u)
		}
	})
	t.Run("role groups hidden", func(t *testing.T) {
		hs, _ := newSCIMHarness(t, nil)
		m := scimBody(t, hs.do(t, scimEv("GET", "/Groups", "")), 200)
		var names []string
		for _, g := range m["Resources"].([]any) {
			names = append(names, g.(map[string]any)["displayName"].(string))
		}
		if !slices.Equal(names, []string{"support"}) {
			t.Fatalf("groups %v", names)
		}
		u := hs.fake.users["pending@example.com"]
		wantSCIMError(t, hs.do(t, scimEv("PATCH", "/Groups/admins", `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+u.sub+`"}]}]}`)), 404)
		wantSCIMError(t, hs.do(t, scimEv("POST", "/Groups", `{"displayName":"admins"}`)), 400)
		if u.groups["admins"] {
			t.Fatal("pushed into a role")
		}
	})
}

// Where role groups may be pushed, a push into a role is a role grant: the
// holder's credential goes back to their mailbox; and the last holder of a
// role that grants roles stays.
func TestSCIMRoleGroups(t *testing.T) {
	allow := func(s *settings.Settings) { s.SCIM.Role, s.SCIM.AllowRoleGroups = "admins", true }
	t.Run("grant rotates the credential", func(t *testing.T) {
		hs, recs := newSCIMHarness(t, allow)
		u := hs.fake.users["active@example.com"]
		resp := hs.do(t, scimEv("PATCH", "/Groups/admins", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+u.sub+`"}]}]}`))
		if resp.StatusCode != 204 {
			t.Fatalf("%d %s", resp.StatusCode, resp.Body)
		}
		if !u.groups["admins"] || u.status != types.UserStatusTypeResetRequired || u.signOuts != 1 {
			t.Fatalf("user %+v", u)
		}
		if got := recordActions(recs); !slices.Equal(got, []string{"role_grant"}) {
			t.Fatalf("records %v", got)
		}
	})
	t.Run("last holder", func(t *testing.T) {
		hs, recs := newSCIMHarness(t, allow)
		a, b := hs.fake.users["admin@example.com"], hs.fake.users["other.admin@example.com"]
		wantSCIMError(t, hs.do(t, scimEv("PATCH", "/Groups/admins", `{"Operations":[{"op":"remove","path":"members"}]}`)), 409)
		if n := btoi(a.groups["admins"]) + btoi(b.groups["admins"]); n != 1 {
			t.Fatalf("%d admins left, want 1", n)
		}
		if got := recordActions(recs); !slices.Equal(got, []string{"role_revoke", "role_revoke"}) || recs.recs[1].Outcome != "LastRoleHolder" {
			t.Fatalf("records %v %+v", got, recs.recs)
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Group push and membership over SCIM reach the pool's groups.
func TestSCIMGroupMembership(t *testing.T) {
	hs, recs := newSCIMHarness(t, nil)
	p := hs.fake.users["pending@example.com"]
	a := hs.fake.users["active@example.com"]
	m := scimBody(t, hs.do(t, scimEv("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"support","members":[{"value":"`+p.sub+`"}]}`)), 201)
	if !p.groups["support"] || m["id"] != "support" || len(m["members"].([]any)) != 2 {
		t.Fatalf("push: %v, pending in support %v", m, p.groups["support"])
	}
	scimBody(t, hs.do(t, scimEv("PATCH", "/Groups/support", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"`+a.sub+`\"]"}]}`)), 204)
	if a.groups["support"] {
		t.Fatal("not removed")
	}
	if got := recordActions(recs); !slices.Equal(got, []string{"group_add", "group_remove"}) {
		t.Fatalf("records %v", got)
	}
	m = scimBody(t, hs.do(t, scimEv("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "support"`), "")), 200)
	members := m["Resources"].([]any)[0].(map[string]any)["members"].([]any)
	if len(members) != 1 || members[0].(map[string]any)["value"] != p.sub || members[0].(map[string]any)["display"] != "pending@example.com" {
		t.Fatalf("members %v", members)
	}
}

// The audit trail answers "what did the IdP do": its principal is an actor the filter takes.
func TestSCIMActorInTheAuditFilter(t *testing.T) {
	hs, _ := newSCIMHarness(t, nil)
	for actor, status := range map[string]int{"scim:bearer": 200, "scim:" + scimClient: 200, "scim:": 400, "scim:a b": 400} {
		resp := hs.do(t, ev{method: "GET", resource: "/audit", query: url.Values{"actor": {actor}}})
		if resp.StatusCode != status {
			t.Fatalf("actor %q: %d %s", actor, resp.StatusCode, resp.Body)
		}
	}
}

// Cognito's throttling reaches the IdP as SCIM's 429 with Retry-After, and the operators' log.
func TestSCIMThrottled(t *testing.T) {
	hs, _ := newSCIMHarness(t, nil)
	throttled := &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	// The fake counts a request's first AdminGetUser as an admin's live check: SCIM makes none, so both maps.
	hs.fake.errs["AdminGetUser"], hs.fake.authErrs["AdminGetUser"] = throttled, throttled
	resp := hs.do(t, scimEv("GET", "/Users/"+hs.fake.users["active@example.com"].sub, ""))
	wantSCIMError(t, resp, 429)
	if resp.Headers["Retry-After"] != "1" || len(hs.logs.lines(t, "SCIM could not look a user up")) != 1 {
		t.Fatalf("Retry-After %q, logs %s", resp.Headers["Retry-After"], hs.logs)
	}
}
