package local

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The console's origin reaches the template as Fn::Join of "https://" and
// the distribution's DomainName: locally it resolves to ConsoleDomain.
func TestResolveConsoleOrigin(t *testing.T) {
	tpl := &Template{Resources: map[string]Resource{"Dist": {Type: "AWS::CloudFront::Distribution"}}}
	r := tpl.attributes()
	r["UserPool"] = "us-east-1_x"
	origins := map[string]any{"Fn::Join": []any{"", []any{"https://", map[string]any{"Fn::GetAtt": []any{"Dist", "DomainName"}}, ",http://localhost:3000"}}}
	got, err := r.resolve(map[string]any{"ALLOWED_ORIGINS": origins, "POOL": map[string]any{"Ref": "UserPool"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"ALLOWED_ORIGINS": "https://" + ConsoleDomain + ",http://localhost:3000", "POOL": "us-east-1_x"}; mustJSON(t, got) != mustJSON(t, want) {
		t.Errorf("resolve = %v, want %v", got, want)
	}
	for name, bad := range map[string]any{
		"other attribute":      map[string]any{"Fn::GetAtt": []any{"Dist", "Id"}},
		"unknown resource":     map[string]any{"Fn::GetAtt": []any{"Other", "DomainName"}},
		"non-string join part": map[string]any{"Fn::Join": []any{"", []any{"a", []any{"b"}}}},
		"malformed join":       map[string]any{"Fn::Join": []any{1, []any{"a"}}},
		"other intrinsic":      map[string]any{"Fn::Select": []any{0, []any{"a"}}},
	} {
		if v, err := r.resolve(bad); err == nil {
			t.Errorf("%s: resolve = %v, want an error", name, v)
		}
	}
}

// The gateway answers browsers (preflight and gateway responses) with the
// console's origin when the template names it by the distribution's domain.
func TestGatewayConsoleOrigin(t *testing.T) {
	origin := `{"Fn::Join": ["", ["'https://", {"Fn::GetAtt": ["Dist", "DomainName"]}, "'"]]}`
	withConsole := strings.ReplaceAll(testTemplate, `"'https://app.example.org'"`, origin)
	withConsole = strings.Replace(withConsole, `"Api": {`, `"Dist": {"Type": "AWS::CloudFront::Distribution", "Properties": {}},
  "Api": {`, 1)
	var tpl Template
	if err := json.Unmarshal([]byte(withConsole), &tpl); err != nil {
		t.Fatal(err)
	}
	g, key, _ := newTestGateway(t, &tpl)
	ts := httptest.NewServer(g)
	defer ts.Close()
	srv := ts.URL
	want := "https://" + ConsoleDomain
	if status, h, _ := do(t, http.MethodOptions, srv+"/items", "", "", ""); status != 204 || h.Get("Access-Control-Allow-Origin") != want {
		t.Errorf("preflight: %d %v", status, h)
	}
	if status, h, _ := do(t, http.MethodPost, srv+"/items", token(t, key, nil), "application/json", `{}`); status != 400 || h.Get("Access-Control-Allow-Origin") != want {
		t.Errorf("gateway response: %d %v", status, h)
	}

	// A header local mode cannot resolve stops the gateway, naming it, instead of serving a wrong origin.
	if err := json.Unmarshal([]byte(strings.ReplaceAll(withConsole, `"Dist", "DomainName"`, `"Elsewhere", "DomainName"`)), &tpl); err != nil {
		t.Fatal(err)
	}
	if _, err := NewGateway(&tpl, nil, nil, nil); err == nil || !strings.Contains(err.Error(), "Elsewhere.DomainName") {
		t.Errorf("NewGateway err = %v, want the unresolved attribute named", err)
	}
}

// The API's function is neither the stream's publisher nor CDK's
// BucketDeployment handler, which a custom resource invokes.
func TestAPIFunctionBesideCustomResources(t *testing.T) {
	tpl := mappingTemplate(infraFilter)
	tpl.Resources["DeployHandler"] = Resource{Type: "AWS::Lambda::Function", Properties: map[string]any{"Runtime": "python3.13"}}
	tpl.Resources["ConsoleFiles"] = Resource{Type: "Custom::CDKBucketDeployment", Properties: map[string]any{
		"ServiceToken": map[string]any{"Fn::GetAtt": []any{"DeployHandler", "Arn"}},
	}}
	if id, _, err := tpl.APIFunction(); id != "Api" || err != nil {
		t.Errorf("APIFunction = %q, %v", id, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
