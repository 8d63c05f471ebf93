package local

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
)

// testTemplate is a small API as CDK synthesizes it: /items (POST with a
// model), /items/{id} and a literal /items/special beside it, CORS
// preflight on /items, and custom gateway responses.
const testTemplate = `{"Resources": {
  "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
  "Items": {"Type": "AWS::ApiGateway::Resource", "Properties": {"ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "items"}},
  "Item": {"Type": "AWS::ApiGateway::Resource", "Properties": {"ParentId": {"Ref": "Items"}, "PathPart": "{id}"}},
  "Special": {"Type": "AWS::ApiGateway::Resource", "Properties": {"ParentId": {"Ref": "Items"}, "PathPart": "special"}},
  "Validator": {"Type": "AWS::ApiGateway::RequestValidator", "Properties": {"ValidateRequestBody": true, "ValidateRequestParameters": true}},
  "Model": {"Type": "AWS::ApiGateway::Model", "Properties": {"ContentType": "application/json", "Schema": {
    "$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "additionalProperties": false,
    "required": ["name"], "properties": {"name": {"type": "string"}}}}},
  "PostItems": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "POST", "ResourceId": {"Ref": "Items"},
    "AuthorizationType": "COGNITO_USER_POOLS", "RequestValidatorId": {"Ref": "Validator"},
    "RequestModels": {"application/json": {"Ref": "Model"}}, "Integration": {"Type": "AWS_PROXY"}}},
  "GetItem": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "GET", "ResourceId": {"Ref": "Item"},
    "AuthorizationType": "COGNITO_USER_POOLS", "RequestValidatorId": {"Ref": "Validator"},
    "RequestParameters": {"method.request.path.id": true}, "Integration": {"Type": "AWS_PROXY"}}},
  "GetSpecial": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "GET", "ResourceId": {"Ref": "Special"},
    "AuthorizationType": "COGNITO_USER_POOLS", "Integration": {"Type": "AWS_PROXY"}}},
  "Preflight": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "OPTIONS", "ResourceId": {"Ref": "Items"},
    "AuthorizationType": "NONE", "Integration": {"Type": "MOCK", "IntegrationResponses": [{"StatusCode": "204",
      "ResponseParameters": {"method.response.header.Access-Control-Allow-Origin": "'https://app.example.org'"}}]}}},
  "BadBody": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {"ResponseType": "BAD_REQUEST_BODY", "StatusCode": "400",
    "ResponseTemplates": {"application/json": "{\"error\":{\"code\":\"InvalidRequest\",\"message\":\"$util.escapeJavaScript($context.error.validationErrorString)\"},\"requestId\":\"$context.requestId\"}"},
    "ResponseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.org'"}}},
  "Unknown": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {"ResponseType": "MISSING_AUTHENTICATION_TOKEN", "StatusCode": "404",
    "ResponseTemplates": {"application/json": "{\"error\":{\"code\":\"NotFound\",\"message\":\"No such route.\"},\"requestId\":\"$context.requestId\"}"}}}
}}`

const (
	testIssuer      = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test"
	testClient      = "client-1"
	testAdminClient = "admin-client-1"
)

// testGateway serves testTemplate; each handled event is recorded.
func testGateway(t *testing.T) (*httptest.Server, *rsa.PrivateKey, *[]events.APIGatewayProxyRequest) {
	t.Helper()
	var tpl Template
	if err := json.Unmarshal([]byte(testTemplate), &tpl); err != nil {
		t.Fatal(err)
	}
	g, key, seen := newTestGateway(t, &tpl)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv, key, seen
}

// newTestGateway serves tpl with a fresh signing key; each handled event is recorded.
func newTestGateway(t *testing.T, tpl *Template) (*Gateway, *rsa.PrivateKey, *[]events.APIGatewayProxyRequest) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyfunc.NewJWKSetJSON(jwks(t, key))
	if err != nil {
		t.Fatal(err)
	}
	auth := &Authorizer{keys: keys, issuer: testIssuer, clients: []string{testClient, testAdminClient}, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(testIssuer), jwt.WithExpirationRequired())}
	var seen []events.APIGatewayProxyRequest
	invoke := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		seen = append(seen, ev)
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"ok":true}`}, nil
	}
	g, err := NewGateway(tpl, auth, invoke, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return g, key, &seen
}

// jwks is the JSON Web Key Set of key's public half, as Cognito serves it.
func jwks(t *testing.T, key *rsa.PrivateKey) json.RawMessage {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	b, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": enc(key.N.Bytes()), "e": enc([]byte{1, 0, 1}),
	}}})
	return b
}

func token(t *testing.T, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	base := jwt.MapClaims{"iss": testIssuer, "aud": testClient, "token_use": "id", "sub": "u-1",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "cognito:groups": []any{"admins", "support"}}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, base)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func do(t *testing.T, method, url, tok, contentType, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", tok)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestGatewayAuthorizer(t *testing.T) {
	srv, key, seen := testGateway(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, tok := range map[string]string{
		"none":          "",
		"garbage":       "abc.def.ghi",
		"other key":     token(t, other, nil),
		"expired":       token(t, key, jwt.MapClaims{"exp": time.Now().Add(-time.Minute).Unix()}),
		"no expiry":     token(t, key, jwt.MapClaims{"exp": nil}),
		"access token":  token(t, key, jwt.MapClaims{"token_use": "access"}),
		"other client":  token(t, key, jwt.MapClaims{"aud": "client-2"}),
		"other pool":    token(t, key, jwt.MapClaims{"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"}),
		"bearer prefix": "Bearer " + token(t, key, nil),
	} {
		status, _, body := do(t, http.MethodGet, srv.URL+"/items/1", tok, "", "")
		if status != 401 || body != `{"message":"Unauthorized"}` {
			t.Errorf("%s: %d %s, want 401 {\"message\":\"Unauthorized\"}", name, status, body)
		}
	}
	if len(*seen) != 0 {
		t.Fatalf("the handler ran for a refused token")
	}
	if status, _, _ := do(t, http.MethodGet, srv.URL+"/items/1", token(t, key, nil), "", ""); status != 200 {
		t.Fatalf("a valid token: %d", status)
	}
	ev := (*seen)[0]
	claims := ev.RequestContext.Authorizer["claims"].(map[string]any)
	// As API Gateway hands them over: strings, lists joined by commas.
	if claims["cognito:groups"] != "admins,support" || claims["sub"] != "u-1" {
		t.Errorf("claims = %v", claims)
	}
	if ev.Resource != "/items/{id}" || ev.PathParameters["id"] != "1" || ev.HTTPMethod != "GET" || ev.RequestContext.RequestID == "" {
		t.Errorf("event: resource %s, parameters %v, method %s, request id %q", ev.Resource, ev.PathParameters, ev.HTTPMethod, ev.RequestContext.RequestID)
	}
	// Like API Gateway, any client of the pool passes: the Lambda decides which may call it, from aud.
	if status, _, body := do(t, http.MethodGet, srv.URL+"/items/1", token(t, key, jwt.MapClaims{"aud": testAdminClient}), "", ""); status != 200 {
		t.Fatalf("a token of the pool's other client: %d %s", status, body)
	}
	if aud := (*seen)[1].RequestContext.Authorizer["claims"].(map[string]any)["aud"]; aud != testAdminClient {
		t.Errorf("aud passed to the handler = %v, want %s", aud, testAdminClient)
	}
}

func TestGatewayRouting(t *testing.T) {
	srv, key, seen := testGateway(t)
	tok := token(t, key, nil)
	// A literal segment wins over a parameter, as in API Gateway; parameters
	// arrive percent-encoded, as a REST API passes them.
	do(t, http.MethodGet, srv.URL+"/items/special", tok, "", "")
	do(t, http.MethodGet, srv.URL+"/items/a%40b.com", tok, "", "")
	if len(*seen) != 2 || (*seen)[0].Resource != "/items/special" || (*seen)[1].PathParameters["id"] != "a%40b.com" {
		for _, ev := range *seen {
			t.Errorf("routed %s to %s with %v", ev.Path, ev.Resource, ev.PathParameters)
		}
		t.FailNow()
	}
	// Unknown paths and methods get the template's MISSING_AUTHENTICATION_TOKEN
	// response; so does a path with an empty or dot segment, which never maps
	// onto another route ("/items/1/" is not "/items/1", nor "/items/1/.." "/items").
	for _, tc := range []struct{ method, path string }{
		{"GET", "/nothing"}, {"DELETE", "/items/1"}, {"GET", "/items/1/extra"},
		{"GET", "/items/1/"}, {"GET", "/items/1//"}, {"GET", "//items/1"}, {"GET", "/items//1"},
		{"GET", "/items/./1"}, {"GET", "/items/1/."}, {"GET", "/items/special/.."}, {"POST", "/items/1/.."}, {"POST", "/items/"},
		{"OPTIONS", "/items/"},
	} {
		status, _, body := do(t, tc.method, srv.URL+tc.path, tok, "", "")
		if status != 404 || !strings.Contains(body, `"code":"NotFound"`) || !strings.Contains(body, `"requestId":"`) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, status, body)
		}
	}
	if len(*seen) != 2 {
		for _, ev := range (*seen)[2:] {
			t.Errorf("routed %s %s to %s with %v", ev.HTTPMethod, ev.Path, ev.Resource, ev.PathParameters)
		}
	}
	// CORS preflight comes from the MOCK integration, without a token.
	status, h, _ := do(t, http.MethodOptions, srv.URL+"/items", "", "", "")
	if status != 204 || h.Get("Access-Control-Allow-Origin") != "https://app.example.org" {
		t.Errorf("preflight: %d %v", status, h)
	}
}

func TestGatewayValidation(t *testing.T) {
	srv, key, seen := testGateway(t)
	tok := token(t, key, nil)
	for name, tc := range map[string]struct{ contentType, body string }{
		"wrong type":              {"application/json", `{"name": 1}`},
		"unknown field":           {"application/json", `{"name": "a", "x": "\"quoted\""}`},
		"missing field":           {"application/json; charset=utf-8", `{}`},
		"not JSON":                {"application/json", `{"name":`},
		"no content type is JSON": {"", `{"x": 1}`},
	} {
		status, h, body := do(t, http.MethodPost, srv.URL+"/items", tok, tc.contentType, tc.body)
		var parsed struct {
			Error struct{ Code, Message string }
		}
		if status != 400 || json.Unmarshal([]byte(body), &parsed) != nil || parsed.Error.Code != "InvalidRequest" || parsed.Error.Message == "" {
			t.Errorf("%s: %d %s: want 400 InvalidRequest as valid JSON", name, status, body)
		}
		if h.Get("Access-Control-Allow-Origin") != "https://app.example.org" {
			t.Errorf("%s: gateway response headers missing: %v", name, h)
		}
	}
	if len(*seen) != 0 {
		t.Fatal("the handler ran for a body the model refuses")
	}
	// Other content types have no model: the handler decides.
	if status, _, _ := do(t, http.MethodPost, srv.URL+"/items", tok, "application/x-www-form-urlencoded", "name=a"); status != 200 || len(*seen) != 1 {
		t.Errorf("form body: %d, events %d", status, len(*seen))
	}
	if status, _, _ := do(t, http.MethodPost, srv.URL+"/items", tok, "application/json", `{"name":"a"}`); status != 200 || len(*seen) != 2 || (*seen)[1].Body != `{"name":"a"}` {
		t.Errorf("valid body: %d, %d events", status, len(*seen))
	}
}

func TestResolve(t *testing.T) {
	r := refs{"UserPool": "us-east-1_x"}
	got, err := r.resolve(map[string]any{"a": []any{map[string]any{"Ref": "UserPool"}, "b"}})
	if err != nil || got.(map[string]any)["a"].([]any)[0] != "us-east-1_x" {
		t.Fatalf("resolve = %v, %v", got, err)
	}
	for _, bad := range []any{map[string]any{"Ref": "Missing"}, map[string]any{"Fn::GetAtt": []any{"UserPool", "Arn"}}} {
		if _, err := r.resolve(bad); err == nil {
			t.Errorf("resolve(%v) succeeded", bad)
		}
	}
}

// Every answer carries the request id in x-amzn-RequestId, as API
// Gateway's do: the handler's (the id its event got) and the gateway's own.
func TestGatewayRequestIDHeader(t *testing.T) {
	srv, key, seen := testGateway(t)
	status, h, _ := do(t, http.MethodGet, srv.URL+"/items/1", token(t, key, nil), "", "")
	if status != 200 || len(*seen) != 1 || h.Get("X-Amzn-Requestid") == "" || h.Get("X-Amzn-Requestid") != (*seen)[0].RequestContext.RequestID {
		t.Errorf("handler's answer: %d, x-amzn-RequestId %q, want the event's request id", status, h.Get("X-Amzn-Requestid"))
	}
	for _, path := range []string{"/items/1", "/nowhere"} {
		status, h, body := do(t, http.MethodGet, srv.URL+path, "", "", "")
		if id := h.Get("X-Amzn-Requestid"); id == "" || (strings.Contains(body, "requestId") && !strings.Contains(body, id)) {
			t.Errorf("gateway's %d answer to %s: x-amzn-RequestId %q, body %s", status, path, id, body)
		}
	}
}

// TestGatewayForwardedHeaders: the event carries the Host the client called
// and X-Forwarded-Proto, as API Gateway's does, so absolute URLs the handler
// writes (SCIM's meta.location) point back at the local gateway.
func TestGatewayForwardedHeaders(t *testing.T) {
	srv, key, seen := testGateway(t)
	if status, _, _ := do(t, http.MethodGet, srv.URL+"/items/1", token(t, key, nil), "", ""); status != 200 || len(*seen) != 1 {
		t.Fatalf("answer %d, %d events", status, len(*seen))
	}
	ev := (*seen)[0]
	host := strings.TrimPrefix(srv.URL, "http://")
	if ev.Headers["Host"] != host || ev.Headers["X-Forwarded-Proto"] != "http" || ev.RequestContext.DomainName != host || ev.Headers["X-Forwarded-For"] != "127.0.0.1" {
		t.Errorf("Host %q, X-Forwarded-Proto %q, X-Forwarded-For %q, domain %q; want %q, http, 127.0.0.1", ev.Headers["Host"], ev.Headers["X-Forwarded-Proto"], ev.Headers["X-Forwarded-For"], ev.RequestContext.DomainName, host)
	}
}
