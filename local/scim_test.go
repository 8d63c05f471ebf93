package local

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/useradmin/cognito-user-admin/lambda/scimauth"
)

// scimTemplate is testTemplate with the SCIM routes as CDK synthesizes
// them (ANY /scim/v2 and /scim/v2/{proxy+}), behind the Lambda TOKEN
// authorizer (custom), or behind the Cognito authorizer with
// AuthorizationScopes (scoped).
func scimTemplate(t *testing.T, scoped bool) *Template {
	t.Helper()
	var tpl Template
	if err := json.Unmarshal([]byte(testTemplate), &tpl); err != nil {
		t.Fatal(err)
	}
	add := func(id, typ string, props map[string]any) { tpl.Resources[id] = Resource{Type: typ, Properties: props} }
	add("Scim", "AWS::ApiGateway::Resource", map[string]any{"ParentId": map[string]any{"Fn::GetAtt": []any{"Api", "RootResourceId"}}, "PathPart": "scim"})
	add("ScimV2", "AWS::ApiGateway::Resource", map[string]any{"ParentId": map[string]any{"Ref": "Scim"}, "PathPart": "v2"})
	add("ScimProxy", "AWS::ApiGateway::Resource", map[string]any{"ParentId": map[string]any{"Ref": "ScimV2"}, "PathPart": "{proxy+}"})
	method := map[string]any{"AuthorizationType": "CUSTOM", "AuthorizerId": map[string]any{"Ref": "ScimAuthorizer"}}
	if scoped {
		method = map[string]any{"AuthorizationType": "COGNITO_USER_POOLS", "AuthorizationScopes": []any{"scim/provision"}}
	}
	for id, res := range map[string]string{"ScimAny": "ScimV2", "ScimProxyAny": "ScimProxy"} {
		p := map[string]any{"HttpMethod": "ANY", "ResourceId": map[string]any{"Ref": res}, "Integration": map[string]any{"Type": "AWS_PROXY"}}
		for k, v := range method {
			p[k] = v
		}
		add(id, "AWS::ApiGateway::Method", p)
	}
	return &tpl
}

// memSecrets is a Secrets Manager holding one secret value, or failing.
type memSecrets struct {
	value string
	err   error
}

func (m *memSecrets) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if m.err != nil {
		return nil, m.err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: &m.value}, nil
}

// testSCIM is local mode's SCIM with both ways in, over an in-memory secret.
func testSCIM(t *testing.T, secrets scimauth.Secrets) *SCIM {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := &SCIM{ClientID: "scim-client", ClientSecret: "s3cret", Scope: "scim/provision", issuer: testIssuer, key: key, lifetime: time.Hour, now: time.Now}
	s.authorizer = scimauth.New(secrets, "arn:secret", scimauth.NewClientVerifier(s.keyfunc, s.issuer, s.ClientID), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	return s
}

func scimGateway(t *testing.T, scoped bool, secrets scimauth.Secrets) (*httptest.Server, *SCIM, *rsa.PrivateKey, *[]events.APIGatewayProxyRequest) {
	t.Helper()
	g, key, seen := newTestGateway(t, scimTemplate(t, scoped))
	s := testSCIM(t, secrets)
	g.SetSCIMAuth(s.Authorize, s.VerifyAccessToken, s)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv, s, key, seen
}

// TestSCIMRoutesAuthorization: the SCIM routes take the SCIM bearer token
// and the SCIM client's access token, checked by lambda/scimauth, and
// refuse an administrator's ID token; the admin routes refuse both SCIM
// tokens.
func TestSCIMRoutesAuthorization(t *testing.T) {
	bearer, record, _ := scimauth.NewToken(time.Now())
	srv, s, key, seen := scimGateway(t, false, &memSecrets{value: record})
	client, err := s.ClientToken()
	if err != nil {
		t.Fatal(err)
	}
	adminID := token(t, key, nil)

	for _, tc := range []struct {
		method, path, auth string
		want               map[string]any
	}{
		{"GET", "/scim/v2/Users", "Bearer " + bearer, map[string]any{"principal": "scim-bearer", "principalId": "scim-bearer"}},
		{"PATCH", "/scim/v2/Groups/tenant-a", "Bearer " + bearer, map[string]any{"principal": "scim-bearer", "principalId": "scim-bearer"}},
		{"GET", "/scim/v2", "Bearer " + bearer, map[string]any{"principal": "scim-bearer", "principalId": "scim-bearer"}},
		{"POST", "/scim/v2/Users", "Bearer " + client, map[string]any{"principal": "scim-client", "client_id": "scim-client", "principalId": "scim:scim-client"}},
	} {
		*seen = nil
		status, h, body := do(t, tc.method, srv.URL+tc.path, tc.auth, "application/scim+json", "{}")
		if status != 200 || len(*seen) != 1 {
			t.Fatalf("%s %s: %d %s %v", tc.method, tc.path, status, body, h.Get("X-Amzn-Errortype"))
		}
		ev := (*seen)[0]
		if b, _ := json.Marshal(ev.RequestContext.Authorizer); string(b) != mustJSON(tc.want) {
			t.Errorf("%s %s: authorizer context %s, want %s", tc.method, tc.path, b, mustJSON(tc.want))
		}
		if ev.HTTPMethod != tc.method || ev.Path != tc.path {
			t.Errorf("event %s %s", ev.HTTPMethod, ev.Path)
		}
	}
	if ev := (*seen)[0]; ev.Resource != "/scim/v2/{proxy+}" || ev.PathParameters["proxy"] != "Users" {
		t.Errorf("greedy route: resource %s, parameters %v", ev.Resource, ev.PathParameters)
	}

	*seen = nil
	for name, tc := range map[string]struct{ method, path, auth string }{
		"admin ID token on SCIM":        {"GET", "/scim/v2/Users", adminID},
		"admin ID token, Bearer, SCIM":  {"GET", "/scim/v2/Users", "Bearer " + adminID},
		"no token on SCIM":              {"GET", "/scim/v2/Users", ""},
		"wrong bearer on SCIM":          {"DELETE", "/scim/v2/Users/x", "Bearer " + scimauth.TokenPrefix + "wrong"},
		"SCIM bearer on admin route":    {"GET", "/items/1", "Bearer " + bearer},
		"SCIM bearer, raw, admin route": {"GET", "/items/1", bearer},
		"SCIM client on admin route":    {"GET", "/items/1", client},
		"SCIM client, Bearer, admin":    {"POST", "/items", "Bearer " + client},
	} {
		status, h, body := do(t, tc.method, srv.URL+tc.path, tc.auth, "application/json", `{"name":"x"}`)
		if status != 401 || h.Get("X-Amzn-Errortype") != "UNAUTHORIZED" || body != `{"message":"Unauthorized"}` {
			t.Errorf("%s: %d %s %s, want 401", name, status, h.Get("X-Amzn-Errortype"), body)
		}
	}
	if len(*seen) != 0 {
		t.Fatalf("the handler ran for %d refused requests", len(*seen))
	}
}

// An unreadable secret is the authorizer's Deny: 403, never a 500, and the function never runs.
func TestSCIMRoutesUnreadableSecret(t *testing.T) {
	srv, _, _, seen := scimGateway(t, false, &memSecrets{err: errors.New("AccessDeniedException")})
	status, h, _ := do(t, "GET", srv.URL+"/scim/v2/Users", "Bearer "+scimauth.TokenPrefix+"x", "", "")
	if status != 403 || h.Get("X-Amzn-Errortype") != "ACCESS_DENIED" || len(*seen) != 0 {
		t.Fatalf("%d %s, want 403 ACCESS_DENIED", status, h.Get("X-Amzn-Errortype"))
	}
}

// With client credentials alone, the Cognito authorizer with
// AuthorizationScopes takes the SCIM client's access token and passes its
// claims; an ID token is refused.
func TestSCIMRoutesScopedCognito(t *testing.T) {
	srv, s, key, seen := scimGateway(t, true, &memSecrets{})
	client, _ := s.ClientToken()
	if status, _, body := do(t, "GET", srv.URL+"/scim/v2/ServiceProviderConfig", "Bearer "+client, "", ""); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	claims := (*seen)[0].RequestContext.Authorizer["claims"].(map[string]any)
	if claims["client_id"] != "scim-client" || claims["scope"] != "scim/provision" || claims["token_use"] != "access" {
		t.Errorf("claims %v", claims)
	}
	other := *s
	other.Scope = "scim/read"
	wrongScope, _ := other.ClientToken()
	for name, tok := range map[string]string{"ID token": token(t, key, nil), "other scope": wrongScope, "none": ""} {
		if status, _, _ := do(t, "GET", srv.URL+"/scim/v2/Users", tok, "", ""); status != 401 {
			t.Errorf("%s: %d, want 401", name, status)
		}
	}
}

// The token endpoint stands in for the Cognito domain's: client
// credentials with the client's id and secret, by Basic auth or the form.
func TestSCIMTokenEndpoint(t *testing.T) {
	srv, s, _, seen := scimGateway(t, false, &memSecrets{})
	post := func(form url.Values, user, pass string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+TokenPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, out := post(url.Values{"grant_type": {"client_credentials"}, "scope": {"scim/provision"}}, s.ClientID, s.ClientSecret)
	tok, _ := out["access_token"].(string)
	if status != 200 || out["token_type"] != "Bearer" || out["expires_in"] != float64(3600) || tok == "" {
		t.Fatalf("%d %v", status, out)
	}
	if status, _, _ := do(t, "GET", srv.URL+"/scim/v2/Users", "Bearer "+tok, "", ""); status != 200 || len(*seen) != 1 {
		t.Fatalf("the issued token: %d", status)
	}
	if status, out := post(url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}}, "", ""); status != 200 || out["access_token"] == nil {
		t.Fatalf("form credentials: %d %v", status, out)
	}
	for name, tc := range map[string]struct {
		form       url.Values
		user, pass string
		want       string
	}{
		"wrong secret":  {url.Values{"grant_type": {"client_credentials"}}, s.ClientID, "nope", "invalid_client"},
		"no secret":     {url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}}, "", "", "invalid_client"},
		"other client":  {url.Values{"grant_type": {"client_credentials"}}, "app-client", s.ClientSecret, "invalid_client"},
		"password flow": {url.Values{"grant_type": {"password"}}, s.ClientID, s.ClientSecret, "unsupported_grant_type"},
		"other scope":   {url.Values{"grant_type": {"client_credentials"}, "scope": {"aws.cognito.signin.user.admin"}}, s.ClientID, s.ClientSecret, "invalid_scope"},
	} {
		if status, out := post(tc.form, tc.user, tc.pass); status != 400 || out["error"] != tc.want || out["access_token"] != nil {
			t.Errorf("%s: %d %v, want 400 %s", name, status, out, tc.want)
		}
	}
}

func TestPolicyEvaluation(t *testing.T) {
	arn := "arn:aws:execute-api:us-east-1:000000000000:local/local/GET/scim/v2/Users"
	st := func(effect string, res ...string) events.IAMPolicyStatement {
		return events.IAMPolicyStatement{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: res}
	}
	for name, tc := range map[string]struct {
		p    []events.IAMPolicyStatement
		want bool
	}{
		"SCIM routes":  {[]events.IAMPolicyStatement{st("Allow", "arn:aws:execute-api:us-east-1:000000000000:local/local/*/scim/v2", "arn:aws:execute-api:us-east-1:000000000000:local/local/*/scim/v2/*")}, true},
		"other routes": {[]events.IAMPolicyStatement{st("Allow", "arn:aws:execute-api:us-east-1:000000000000:local/local/*/users/*")}, false},
		"deny wins":    {[]events.IAMPolicyStatement{st("Allow", "*"), st("Deny", arn)}, false},
		"nothing":      {nil, false},
		"other stage":  {[]events.IAMPolicyStatement{st("Allow", "arn:aws:execute-api:us-east-1:000000000000:local/prd/*/scim/v2/*")}, false},
		"exact":        {[]events.IAMPolicyStatement{st("Allow", arn)}, true},
	} {
		if got := allows(events.APIGatewayCustomAuthorizerPolicy{Statement: tc.p}, arn); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
