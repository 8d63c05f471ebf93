package handler

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

func TestRoutes(t *testing.T) {
	want := []string{
		"DELETE /users/{email}",
		"DELETE /users/{email}/groups/{group}",
		"DELETE /users/{email}/mfa",
		"GET /audit",
		"GET /groups",
		"GET /groups/{group}/users",
		"GET /me",
		"GET /users",
		"GET /users/{email}",
		"GET /users/{email}/history",
		"PATCH /users/{email}",
		"POST /imports/preview",
		"POST /users",
		"POST /users/{email}/disable",
		"POST /users/{email}/enable",
		"POST /users/{email}/invitation",
		"POST /users/{email}/password",
		"POST /users/{email}/sign-out",
		"PUT /users/{email}/groups/{group}",
	}
	if got := Routes(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Routes() =\n%q\nwant\n%q", got, want)
	}
}

func TestNotRouted(t *testing.T) {
	for _, tc := range []struct {
		name, method, resource string
		status                 int
		code, allow            string
	}{
		{"unknown resource", "GET", "/teams", http.StatusNotFound, "NotFound", ""},
		{"unknown method on /users", "PATCH", "/users", http.StatusMethodNotAllowed, "MethodNotAllowed", "GET, POST"},
		{"unknown method on a user", "PUT", "/users/{email}", http.StatusMethodNotAllowed, "MethodNotAllowed", "DELETE, GET, PATCH"},
		{"unknown method on the groups", "POST", "/groups", http.StatusMethodNotAllowed, "MethodNotAllowed", "GET"},
		{"GET on a membership", "GET", "/users/{email}/groups/{group}", http.StatusMethodNotAllowed, "MethodNotAllowed", "DELETE, PUT"},
		{"preflight reaching the Lambda", "OPTIONS", "/users", http.StatusMethodNotAllowed, "MethodNotAllowed", "GET, POST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			resp := hs.do(t, ev{method: tc.method, resource: tc.resource})
			wantError(t, resp, tc.status, tc.code)
			if got := resp.Headers["Allow"]; got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
			if calls := hs.fake.methods(); len(calls) != 0 {
				t.Errorf("Cognito was called: %v", calls)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	for _, tc := range []struct {
		name, claims string
		admin        bool
	}{
		{"comma-separated groups", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":"support,admins","token_use":"id"}`, true},
		{"bracketed list as the REST authorizer renders it", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":"[support admins]","token_use":"id"}`, true},
		{"single group in brackets", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":"[admins]"}`, true},
		{"JSON array", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":["support","admins"]}`, true},
		{"JSON array inside a string", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":"[\"admins\"]"}`, true},
		{"no token_use claim", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":"admins"}`, true},
		{"not in an admin group", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":"support","token_use":"id"}`, false},
		{"admin as a prefix only", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":"admins-old,xadmins"}`, false},
		{"no groups claim", `{"sub":"sub-0001","aud":"5example0client0id","token_use":"id"}`, false},
		{"groups of the wrong type", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":7}`, false},
		{"access token", `{"sub":"sub-0001","aud":"5example0client0id","cognito:groups":"admins","token_use":"access"}`, false},
		{"no sub", `{"aud":"5example0client0id","cognito:groups":"admins","token_use":"id"}`, false},
		{"empty claims", `{}`, false},
		{"claims not an object", `"admins"`, false},
		{"no claims at all", `-`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			// Every route is guarded, and the check comes before decoding: the body here is not even valid.
			for _, route := range Routes() {
				method, resource, _ := strings.Cut(route, " ")
				e := ev{method: method, resource: resource,
					params: map[string]string{"email": "active@example.com", "group": "support"}, body: "{", claims: tc.claims,
					headers: map[string]string{"Content-Type": "application/json"}}
				resp := hs.do(t, e)
				if !tc.admin {
					wantError(t, resp, http.StatusForbidden, "Forbidden")
				} else if resp.StatusCode == http.StatusForbidden {
					t.Errorf("%s: admin refused: %s", route, resp.Body)
				}
			}
			if !tc.admin {
				if calls := hs.fake.methods(); len(calls) != 0 {
					t.Errorf("Cognito was called for a non-admin: %v", calls)
				}
			}
		})
	}
}

func TestForbiddenMessage(t *testing.T) {
	hs := newHarness(t)
	resp := hs.do(t, ev{method: "GET", resource: "/users", claims: `{"sub":"s","aud":"5example0client0id","cognito:groups":"support","token_use":"id"}`})
	if e := wantError(t, resp, http.StatusForbidden, "Forbidden"); e.Error.Message != "caller is not in an admin group" {
		t.Errorf("message = %q", e.Error.Message)
	}
}

func TestCORS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers map[string]string
		allow   string
	}{
		{"allowed origin", map[string]string{"Origin": testOrigin}, testOrigin},
		{"header name in lower case", map[string]string{"origin": testOrigin}, testOrigin},
		{"other origin", map[string]string{"Origin": "https://evil.example.com"}, ""},
		{"no origin", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			// Success, client error, no content and no route: every answer carries CORS.
			for _, e := range []ev{
				{method: "GET", resource: "/users"},
				{method: "GET", resource: "/users", query: map[string][]string{"limit": {"0"}}},
				userEvent("DELETE", "/users/{email}", "pending@example.com"),
				{method: "GET", resource: "/nope"},
			} {
				e.headers = tc.headers
				resp := hs.do(t, e)
				if got := resp.Headers["Access-Control-Allow-Origin"]; got != tc.allow {
					t.Errorf("%s %s: Access-Control-Allow-Origin = %q, want %q", e.method, e.resource, got, tc.allow)
				}
				if wantVary := map[bool]string{true: "Origin", false: ""}[tc.allow != ""]; resp.Headers["Vary"] != wantVary {
					t.Errorf("%s %s: Vary = %q, want %q", e.method, e.resource, resp.Headers["Vary"], wantVary)
				}
			}
		})
	}
}

// panicky fails in a way no Cognito call should, to show a bug still answers in the API's shape.
type panicky struct{ *fakeCognito }

func (panicky) AdminGetUser(context.Context, *cip.AdminGetUserInput, ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	var out *cip.AdminGetUserOutput
	_ = aws.ToString(out.Username) // nil dereference
	return out, nil
}

func TestPanicIsAnAPIError(t *testing.T) {
	hs := newHarness(t)
	hs.h.cognito = panicky{hs.fake}
	resp := hs.do(t, userEvent("POST", "/users/{email}/disable", "active@example.com"))
	wantError(t, resp, http.StatusBadGateway, "UpstreamError")
	if len(hs.logs.lines(t, "panic")) != 1 {
		t.Errorf("the panic was not logged: %s", hs.logs)
	}
	audit := hs.logs.lines(t, "audit")
	if len(audit) != 1 || audit[0]["outcome"] != "UpstreamError" || audit[0]["status"] != float64(502) {
		t.Errorf("audit = %v", audit)
	}
}

func TestAudit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		e       ev
		claims  string
		want    map[string]any
		noAudit bool
	}{
		{name: "create", e: createEvent(`{"email":" New@Example.com ","groups":["support"]}`),
			want: map[string]any{"action": "create", "target": "new@example.com", "outcome": "success", "status": float64(201), "groups": []any{"support"}}},
		{name: "create refused", e: createEvent(`{"email":"new@example.com","groups":["root"]}`),
			want: map[string]any{"action": "create", "target": "new@example.com", "outcome": "GroupNotManaged", "status": float64(403)}},
		{name: "create with an invalid email", e: createEvent(`{"email":"nope"}`),
			want: map[string]any{"action": "create", "target": "", "outcome": "InvalidEmail", "status": float64(400)}},
		{name: "resend", e: userEvent("POST", "/users/{email}/invitation", "pending@example.com"),
			want: map[string]any{"action": "resend", "target": "pending@example.com", "outcome": "success", "status": float64(200)}},
		{name: "disable", e: userEvent("POST", "/users/{email}/disable", "active@example.com"),
			want: map[string]any{"action": "disable", "target": "active@example.com", "outcome": "success", "status": float64(200)}},
		{name: "enable of an unknown user", e: userEvent("POST", "/users/{email}/enable", "ghost@example.com"),
			want: map[string]any{"action": "enable", "target": "ghost@example.com", "outcome": "UserNotFound", "status": float64(404)}},
		{name: "delete of self", e: userEvent("DELETE", "/users/{email}", "admin@example.com"),
			want: map[string]any{"action": "delete", "target": "admin@example.com", "outcome": "CannotModifySelf", "status": float64(403)}},
		{name: "group add", e: groupEvent("PUT", "active@example.com", "admins"),
			want: map[string]any{"action": "role_grant", "target": "active@example.com", "group": "admins", "outcome": "success", "status": float64(204), "permission": "roles:grant"}},
		{name: "group remove", e: groupEvent("DELETE", "active@example.com", "support"),
			want: map[string]any{"action": "group_remove", "target": "active@example.com", "group": "support", "outcome": "success", "status": float64(204)}},
		{name: "forbidden caller", e: userEvent("DELETE", "/users/{email}", "active@example.com"), claims: `{"sub":"s-9","aud":"5example0client0id","email":"x@example.com","cognito:groups":"support"}`,
			want: map[string]any{"action": "delete", "caller_sub": "s-9", "caller_email": "x@example.com", "target": "", "outcome": "Forbidden", "status": float64(403)}},
		{name: "get is not audited", e: userEvent("GET", "/users/{email}", "active@example.com"), noAudit: true},
		{name: "list is not audited", e: ev{method: "GET", resource: "/users"}, noAudit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			tc.e.claims = tc.claims
			hs.do(t, tc.e)
			lines := hs.logs.lines(t, "audit")
			if tc.noAudit {
				if len(lines) != 0 {
					t.Fatalf("audit lines for a read: %v", lines)
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("want one audit line, got %d: %s", len(lines), hs.logs)
			}
			want := map[string]any{"caller_sub": hs.admin.sub, "caller_email": "admin@example.com", "request_id": "req-1"}
			for k, v := range tc.want {
				want[k] = v
			}
			for k, v := range want {
				if !reflect.DeepEqual(lines[0][k], v) {
					t.Errorf("%s = %#v, want %#v", k, lines[0][k], v)
				}
			}
		})
	}
}

// TestGoBuiltRequest covers requests built in Go rather than decoded from
// API Gateway's JSON, as a local gateway does: string claims, a real group
// list, headers and query only in the maps it chose to fill.
func TestGoBuiltRequest(t *testing.T) {
	hs := newHarness(t)
	req := events.APIGatewayProxyRequest{
		HTTPMethod:        "POST",
		Resource:          "/users",
		MultiValueHeaders: map[string][]string{"content-type": {"application/json"}},
		Body:              `{"email":"new@example.com"}`,
	}
	req.RequestContext.RequestID = "req-1"
	req.RequestContext.Authorizer = map[string]any{"claims": map[string]string{"sub": "sub-0001", "aud": testClient, "cognito:groups": "admins", "token_use": "id"}}
	resp, _ := hs.h.Handle(t.Context(), req)
	wantUser(t, resp, http.StatusCreated)

	req = events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: "/users", QueryStringParameters: map[string]string{"limit": "1"}}
	req.RequestContext.RequestID = "req-1"
	req.RequestContext.Authorizer = map[string]any{"claims": map[string]any{"sub": "sub-0001", "aud": testClient, "cognito:groups": []string{"admins"}}}
	resp, _ = hs.h.Handle(t.Context(), req)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"nextToken"`) {
		t.Errorf("list = %d %s", resp.StatusCode, resp.Body)
	}
	if in := hs.fake.lastInput("ListUsers").(*cip.ListUsersInput); aws.ToInt32(in.Limit) != 1 {
		t.Errorf("Limit = %d", aws.ToInt32(in.Limit))
	}
}
