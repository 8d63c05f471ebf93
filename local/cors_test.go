package local

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

const localConsole = "http://127.0.0.1:8081"

// corsTemplate is the CORS of an API whose template serves the console, in
// the shape the CDK synthesizes: the console's origin first (allowed, as
// "https://" joined with the distribution's DomainName, or as a custom
// domain), then the environment's CORSOrigins. consoleOrigin is that first
// origin as it appears inside a string: a literal, or a Join's parts.
func corsTemplate(t *testing.T, consoleOrigin func(prefix, suffix string) string) *Template {
	t.Helper()
	src := `{"Resources": {
  "ConsoleDistribution": {"Type": "AWS::CloudFront::Distribution", "Properties": {}},
  "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
  "Items": {"Type": "AWS::ApiGateway::Resource", "Properties": {"ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "items"}},
  "GetItems": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "GET", "ResourceId": {"Ref": "Items"},
    "AuthorizationType": "COGNITO_USER_POOLS", "Integration": {"Type": "AWS_PROXY"}}},
  "Preflight": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "OPTIONS", "ResourceId": {"Ref": "Items"},
    "AuthorizationType": "NONE", "Integration": {"Type": "MOCK", "IntegrationResponses": [{"StatusCode": "204",
      "ResponseParameters": {
        "method.response.header.Access-Control-Allow-Origin": ` + consoleOrigin("'", "'") + `,
        "method.response.header.Access-Control-Allow-Headers": "'Authorization,Content-Type'",
        "method.response.header.Vary": "'Origin'"},
      "ResponseTemplates": {"application/json": ` + jsonString(preflightTemplate([]string{"http://localhost:3000"})) + `}}]}}},
  "Unknown": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {"ResponseType": "MISSING_AUTHENTICATION_TOKEN", "StatusCode": "404",
    "ResponseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": ` + consoleOrigin("'", "'") + `}}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {
    "USER_POOL_ID": "us-east-1_test", "ADMIN_GROUPS": "admins", "API_CLIENT_IDS": "c", "PASSWORD_MIN_LENGTH": "12",
    "ALLOWED_ORIGINS": ` + consoleOrigin("", ",http://localhost:3000") + `}}}}
}}`
	var tpl Template
	if err := json.Unmarshal([]byte(src), &tpl); err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return &tpl
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// distributionOrigin is "https://" joined with the distribution's DomainName, as the CDK writes a token inside a string.
func distributionOrigin(prefix, suffix string) string {
	return `{"Fn::Join": ["", [` + jsonString(prefix+"https://") + `, {"Fn::GetAtt": ["ConsoleDistribution", "DomainName"]}, ` + jsonString(suffix) + `]]}`
}

// TestLocalizeCORS: wherever the template answers browsers (the Lambda's
// allowed origins, the preflight, the gateway responses), the console's
// deployed origin becomes the local console's, and the other origins stay.
func TestLocalizeCORS(t *testing.T) {
	for name, consoleOrigin := range map[string]func(prefix, suffix string) string{
		"distribution domain": distributionOrigin,
		"custom domain":       func(prefix, suffix string) string { return jsonString(prefix + "https://console.example.com" + suffix) },
		// The origin joined on its own, then joined with the rest.
		"nested joins": func(prefix, suffix string) string {
			return `{"Fn::Join": ["", [` + jsonString(prefix) + `, {"Fn::Join": ["", ["https://", {"Fn::GetAtt": ["ConsoleDistribution", "DomainName"]}]]}, ` + jsonString(suffix) + `]]}`
		},
	} {
		t.Run(name, func(t *testing.T) {
			tpl := corsTemplate(t, consoleOrigin)
			notes, err := LocalizeCORS(tpl, localConsole)
			if err != nil {
				t.Fatal(err)
			}
			if len(notes) != 1 || !strings.Contains(notes[0], "ConsoleDistribution") || !strings.Contains(notes[0], localConsole) {
				t.Errorf("notes %q, want one naming the distribution and the local console", notes)
			}
			s, err := functionSettings(tpl, &Pool{refs: refs{}})
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{localConsole, "http://localhost:3000"}; !slices.Equal(s.AllowedOrigins, want) {
				t.Errorf("the Lambda's allowed origins %q, want %q", s.AllowedOrigins, want)
			}
			checkGatewayCORS(t, tpl)
		})
	}
}

// TestLocalizeCORSWithoutConsole: today's template has no distribution;
// local mode puts its console first, as the stack will.
func TestLocalizeCORSWithoutConsole(t *testing.T) {
	tpl := corsTemplate(t, func(prefix, suffix string) string {
		// The environment's own origin was first: the console's takes its place, and it moves to the rest.
		return jsonString(prefix + "http://localhost:3000" + strings.TrimPrefix(suffix, ",http://localhost:3000"))
	})
	tpl.Resources["Preflight"].Properties["Integration"].(map[string]any)["IntegrationResponses"].([]any)[0].(map[string]any)["ResponseTemplates"] = map[string]any{}
	delete(tpl.Resources, "ConsoleDistribution")
	notes, err := LocalizeCORS(tpl, localConsole)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "serves no console") {
		t.Errorf("notes %q, want the departure named", notes)
	}
	s, err := functionSettings(tpl, &Pool{refs: refs{}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{localConsole, "http://localhost:3000"}; !slices.Equal(s.AllowedOrigins, want) {
		t.Errorf("the Lambda's allowed origins %q, want %q", s.AllowedOrigins, want)
	}
	checkGatewayCORS(t, tpl)
}

// checkGatewayCORS: the preflight answers the console's and the other
// allowed origin with themselves and any other with the first (a browser
// then refuses it); the gateway's own errors answer the console.
func checkGatewayCORS(t *testing.T, tpl *Template) {
	t.Helper()
	g, _, _ := newTestGateway(t, tpl)
	srv := httptest.NewServer(g)
	defer srv.Close()
	for origin, want := range map[string]string{
		localConsole:            localConsole,
		"http://localhost:3000": "http://localhost:3000",
		"https://evil.example":  localConsole,
	} {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/items", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); resp.StatusCode != http.StatusNoContent || got != want {
			t.Errorf("preflight from %s: %d, Access-Control-Allow-Origin %q, want 204 and %q", origin, resp.StatusCode, got, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/nowhere", nil)
	req.Header.Set("Origin", localConsole)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); resp.StatusCode != http.StatusNotFound || got != localConsole {
		t.Errorf("unknown route: %d, Access-Control-Allow-Origin %q, want 404 and %q", resp.StatusCode, got, localConsole)
	}
}

// TestLocalizeCORSRefusesOtherIntrinsics: an origin local mode cannot
// resolve is an error naming where it is, not a silently wrong CORS.
func TestLocalizeCORSRefusesOtherIntrinsics(t *testing.T) {
	tpl := corsTemplate(t, func(prefix, suffix string) string {
		return `{"Fn::Join": ["", [` + jsonString(prefix) + `, {"Fn::GetAtt": ["Api", "RootResourceId"]}, ` + jsonString(suffix) + `]]}`
	})
	if _, err := LocalizeCORS(tpl, localConsole); err == nil || !strings.Contains(err.Error(), "Access-Control-Allow-Origin") {
		t.Errorf("err %v, want one naming Access-Control-Allow-Origin", err)
	}
	// The Lambda's origins alone.
	tpl = corsTemplate(t, func(prefix, suffix string) string {
		if prefix == "" {
			return `{"Fn::Join": ["", [{"Fn::GetAtt": ["Api", "RootResourceId"]}, ` + jsonString(suffix) + `]]}`
		}
		return jsonString(prefix + "https://console.example.com" + suffix)
	})
	if _, err := LocalizeCORS(tpl, localConsole); err == nil || !strings.Contains(err.Error(), "ALLOWED_ORIGINS") {
		t.Errorf("err %v, want one naming ALLOWED_ORIGINS", err)
	}
}
