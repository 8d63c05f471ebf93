package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

const (
	testPool   = "eu-west-1_TestPool1"
	testOrigin = "https://admin.example.com"
	// testClient is the admin client, whose tokens (aud) may call the API.
	testClient = "5example0client0id"
)

func testSettings() settings.Settings {
	return settings.Settings{
		UserPoolID:  testPool,
		AdminGroups: []string{"admins", "helpdesk"},
		// helpdesk is a role of the dev kind, left out of ManagedGroups so the group listings stay as they were.
		Roles: []access.Role{{Name: "helpdesk", Permissions: []access.Permission{access.UsersRead, access.UsersInvite, access.UsersPasswordReset, access.UsersMFA, access.UsersSignOut}}},
		// ghost is managed but missing from the pool, as after a renamed group.
		ManagedGroups:  []string{"admins", "support", "ghost"},
		AllowedOrigins: []string{testOrigin},
		Password:       settings.DefaultPasswordPolicy(),
		APIClientIDs:   []string{testClient},
		CustomAttributes: []settings.CustomAttribute{
			{Name: "department", Type: settings.AttributeString, MaxLength: 16},
			{Name: "level", Type: settings.AttributeNumber, Min: intPtr(1), Max: intPtr(10)},
		},
	}
}

func intPtr(n int) *int { return &n }

// harness is a handler over a fake pool holding an admin (the caller), a
// pending user, an active user in support, and a second admin.
type harness struct {
	h     *Handler
	fake  *fakeCognito
	logs  *syncBuffer
	admin *fakeUser
	// records is the audit trail, where the harness keeps one (withRecords).
	records *fakeRecords
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	f := newFake(testPool, "admins", "support", "readonly")
	f.schema = map[string]bool{"custom:department": true, "custom:level": true}
	admin := f.seed("admin@example.com", types.UserStatusTypeConfirmed, "admins") // sub-0001, as in adminClaims
	f.seed("pending@example.com", types.UserStatusTypeForceChangePassword)
	f.seed("active@example.com", types.UserStatusTypeConfirmed, "support", "readonly")
	f.seed("other.admin@example.com", types.UserStatusTypeConfirmed, "admins")
	logs := &syncBuffer{}
	return &harness{
		h:     New(testSettings(), f, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		fake:  f,
		logs:  logs,
		admin: admin,
	}
}

// helpdeskClaims are the claims of the helpdesk user seedHelpdesk adds.
const helpdeskClaims = `{"sub":"sub-0005","email":"help@example.com","cognito:groups":"helpdesk","cognito:username":"sub-0005","token_use":"id","aud":"5example0client0id"}`

// seedHelpdesk adds help@example.com (sub-0005), in the helpdesk role.
func (hs *harness) seedHelpdesk() *fakeUser {
	hs.fake.mu.Lock()
	hs.fake.groups["helpdesk"] = true
	hs.fake.mu.Unlock()
	return hs.fake.seed("help@example.com", types.UserStatusTypeConfirmed, "helpdesk")
}

func (hs *harness) do(t testing.TB, e ev) events.APIGatewayProxyResponse {
	t.Helper()
	hs.fake.newRequest()
	resp, err := hs.h.Handle(context.Background(), e.request(t))
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	return resp
}

// adminClaims are the claims API Gateway's Cognito authorizer passes for the
// admin's ID token (the harness's first user): every value a string, groups comma-separated.
const adminClaims = `{"sub":"sub-0001","email":"Admin@Example.com","email_verified":"true",
	"cognito:groups":"admins","cognito:username":"sub-0001","token_use":"id",
	"aud":"5example0client0id","iss":"https://cognito-idp.eu-west-1.amazonaws.com/` + testPool + `",
	"auth_time":"1732200000","exp":"Thu Nov 21 16:00:00 UTC 2024","iat":"Thu Nov 21 15:00:00 UTC 2024"}`

// ev describes an API Gateway REST proxy event; request renders it as the
// JSON the service sends and decodes it, so tests exercise the real field mapping.
type ev struct {
	method, resource string
	params           map[string]string // path parameters, percent-encoded as a REST API passes them
	query            url.Values
	headers          map[string]string
	body             string
	base64           bool
	claims           string // the authorizer's claims object as JSON; empty means the admin's, "-" none
	// context is a Lambda authorizer's context (the SCIM authorizer's principal), beside or instead of claims.
	context map[string]any
}

func (e ev) json(t testing.TB) string {
	t.Helper()
	path := e.resource
	for k, v := range e.params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	multiHeaders := map[string][]string{}
	for k, v := range e.headers {
		multiHeaders[k] = []string{v}
	}
	var query map[string]string
	if len(e.query) > 0 {
		query = map[string]string{}
		for k, v := range e.query {
			query[k] = v[len(v)-1] // API Gateway keeps the last value in the single-value map
		}
	}
	authorizer := map[string]json.RawMessage{}
	switch e.claims {
	case "":
		authorizer["claims"] = json.RawMessage(adminClaims)
	case "-":
	default:
		authorizer["claims"] = json.RawMessage(e.claims)
	}
	for k, v := range e.context {
		b, _ := json.Marshal(v)
		authorizer[k] = b
	}
	event := map[string]any{
		"resource":                        e.resource,
		"path":                            path,
		"httpMethod":                      e.method,
		"headers":                         e.headers,
		"multiValueHeaders":               multiHeaders,
		"queryStringParameters":           query,
		"multiValueQueryStringParameters": e.query,
		"pathParameters":                  e.params,
		"stageVariables":                  nil,
		"requestContext": map[string]any{
			"resourceId":   "abc123",
			"resourcePath": e.resource,
			"httpMethod":   e.method,
			"path":         "/dev" + path,
			"accountId":    "123456789012",
			"stage":        "dev",
			"requestId":    "req-1",
			"apiId":        "api123",
			"authorizer":   authorizer,
			"identity":     map[string]any{"sourceIp": "192.0.2.1", "userAgent": "curl/8.5.0"},
		},
		"body":            e.body,
		"isBase64Encoded": e.base64,
	}
	b, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (e ev) request(t testing.TB) events.APIGatewayProxyRequest {
	t.Helper()
	return decodeEvent(t, e.json(t))
}

func decodeEvent(t testing.TB, raw string) events.APIGatewayProxyRequest {
	t.Helper()
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		t.Fatalf("event: %v", err)
	}
	return req
}

// createEvent is POST /users with a JSON body.
func createEvent(body string) ev {
	return ev{method: "POST", resource: "/users", headers: map[string]string{"Content-Type": "application/json"}, body: body}
}

// userEvent is a route on one user, by email.
func userEvent(method, resource, email string) ev {
	return ev{method: method, resource: resource, params: map[string]string{"email": email}}
}

func groupEvent(method, email, group string) ev {
	return ev{method: method, resource: "/users/{email}/groups/{group}", params: map[string]string{"email": email, "group": group}}
}

type errorResponse struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

// decodeStrict decodes a response body, failing on any field the contract does not have.
func decodeStrict(t testing.TB, body string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
}

// wantError checks the error shape and returns it.
func wantError(t testing.TB, resp events.APIGatewayProxyResponse, status int, code string) errorResponse {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, resp.Body)
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var e errorResponse
	decodeStrict(t, resp.Body, &e)
	if e.Error.Code != code || e.Error.Message == "" || e.RequestID != "req-1" {
		t.Fatalf("error = %+v, want code %s with a message and requestId req-1", e, code)
	}
	return e
}

func wantUser(t testing.TB, resp events.APIGatewayProxyResponse, status int) user {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, resp.Body)
	}
	var b userBody
	decodeStrict(t, resp.Body, &b)
	if b.User.Groups == nil || !strings.Contains(resp.Body, `"groups":[`) {
		t.Errorf("groups must always be an array: %s", resp.Body)
	}
	return b.User
}

// syncBuffer collects log output written from concurrent goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the JSON log records with the given message.
func (b *syncBuffer) lines(t testing.TB, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}
