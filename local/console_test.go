package local

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/console"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// TestConsoleConfig: config.json names what was provisioned, the admin
// client (not the app's), the emulator as Cognito and the pool's policy.
func TestConsoleConfig(t *testing.T) {
	e := &Env{
		Pool: &Pool{ID: "us-east-1_abc", ClientID: "app", AdminClientID: "admin", PasswordPolicy: types.PasswordPolicyType{
			MinimumLength: aws.Int32(14), RequireLowercase: true, RequireNumbers: true}},
		Emulator: &Emulator{Endpoint: "http://127.0.0.1:9999"},
		Settings: settings.Settings{CustomAttributes: []settings.CustomAttribute{{Name: "department", Type: "String", MaxLength: 64}}},
	}
	got := e.ConsoleConfig("http://127.0.0.1:8080", "dev")
	want := console.RuntimeConfig{
		Environment: "dev", Region: Region, APIURL: "http://127.0.0.1:8080/", UserPoolID: "us-east-1_abc", ClientID: "admin",
		CognitoEndpoint: "http://127.0.0.1:9999",
		PasswordPolicy:  console.PasswordPolicy{MinLength: 14, RequireLowercase: true, RequireDigits: true},
		// The Lambda's declaration, so the edit form offers each attribute.
		CustomAttributes: []settings.CustomAttribute{{Name: "department", Type: "String", MaxLength: 64}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config\n got %+v\nwant %+v", got, want)
	}
}

// TestConsoleHandler: the built files and config.json, each with the
// stack's security headers (connect-src: the local API and the emulator);
// GET and HEAD only; anything else is 404.
func TestConsoleHandler(t *testing.T) {
	dir := t.TempDir()
	for _, f := range console.Files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("content of "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := console.RuntimeConfig{Environment: "dev", Region: Region, APIURL: "http://127.0.0.1:8080/", UserPoolID: "p", ClientID: "c", CognitoEndpoint: "http://127.0.0.1:9999"}
	h, err := NewConsoleHandler(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	wantHeaders := console.SecurityHeaders(console.ContentSecurityPolicy("http://127.0.0.1:8080", "http://127.0.0.1:9999"))
	cfgJSON, _ := json.Marshal(cfg)
	for _, c := range []struct {
		method, path string
		status       int
		contentType  string
		body         string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", "content of index.html"},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", "content of index.html"},
		{"GET", "/app.js", 200, "text/javascript; charset=utf-8", "content of app.js"},
		{"GET", "/app.css", 200, "text/css; charset=utf-8", "content of app.css"},
		{"GET", "/config.json", 200, "application/json", string(cfgJSON)},
		{"HEAD", "/app.js", 200, "text/javascript; charset=utf-8", ""},
		{"GET", "/users", 404, "", ""},
		{"GET", "/%2e%2e/go.mod", 404, "", ""},
		{"POST", "/config.json", 405, "", ""},
		{"PUT", "/index.html", 405, "", ""},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.status)
			continue
		}
		for k, v := range wantHeaders {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s %s: %s %q, want %q", c.method, c.path, k, got, v)
			}
		}
		if c.status != 200 {
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != c.contentType {
			t.Errorf("%s %s: Content-Type %q, want %q", c.method, c.path, got, c.contentType)
		}
		if string(b) != c.body {
			t.Errorf("%s %s: body %q, want %q", c.method, c.path, b, c.body)
		}
	}
}

// TestConsoleHandlerNeedsABuild: a folder without the built files is an
// error naming the build, not a console that 404s.
func TestConsoleHandlerNeedsABuild(t *testing.T) {
	_, err := NewConsoleHandler(t.TempDir(), console.RuntimeConfig{APIURL: "http://127.0.0.1:1/", CognitoEndpoint: "http://127.0.0.1:2"})
	if err == nil {
		t.Fatal("no error for an empty folder")
	}
}

// TestConsoleAsset: the console local mode serves is the one the template's
// BucketDeployment uploads, as synth staged it beside the template (the
// asset holding index.html, not config.json's); none without a deployment.
func TestConsoleAsset(t *testing.T) {
	dir := t.TempDir()
	for name, file := range map[string]string{"asset.aaa": "config.json", "asset.bbb": "index.html", "asset.ccc": "index.html"} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, file), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tpl := &Template{Resources: map[string]Resource{
		"Files": {Type: "Custom::CDKBucketDeployment", Properties: map[string]any{"SourceObjectKeys": []any{"aaa.zip", "bbb.zip"}}},
	}}
	if got, want := tpl.ConsoleAsset(dir), filepath.Join(dir, "asset.bbb"); got != want {
		t.Errorf("ConsoleAsset = %q, want %q", got, want)
	}
	if got := (&Template{Resources: map[string]Resource{}}).ConsoleAsset(dir); got != "" {
		t.Errorf("without a BucketDeployment: %q, want none", got)
	}
	e := &Env{}
	if _, err := e.ServeConsole(ConsoleOptions{APIURL: "http://127.0.0.1:1"}); err == nil || !strings.Contains(err.Error(), "deploys no console") {
		t.Errorf("serving without a console: %v", err)
	}
}
