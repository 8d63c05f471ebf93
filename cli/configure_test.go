package cli

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeCloudFormation answers DescribeStacks with the given outputs, and
// GetTemplate with the committed snapshot of a stack's template.
func fakeCloudFormation(t *testing.T, outputs map[string]string) *httptest.Server {
	tmpl, err := os.ReadFile(filepath.Join("..", "test", "snapshots", "UserAdmin-prd.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl = []byte(strings.Replace(string(tmpl), `"MinimumLength": 12`, `"MinimumLength": 16`, 1))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		if form.Get("StackName") != "UserAdmin-prd" {
			t.Errorf("request %v", form)
		}
		if form.Get("Action") == "GetTemplate" {
			var esc strings.Builder
			_ = xml.EscapeText(&esc, tmpl)
			fmt.Fprintf(w, `<GetTemplateResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><GetTemplateResult><TemplateBody>%s</TemplateBody></GetTemplateResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></GetTemplateResponse>`, esc.String())
			return
		}
		if form.Get("Action") != "DescribeStacks" {
			t.Errorf("action %v", form)
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") {
			t.Errorf("not signed with the environment's credentials: %q", r.Header.Get("Authorization"))
		}
		var members strings.Builder
		for k, v := range outputs {
			fmt.Fprintf(&members, "<member><OutputKey>%s</OutputKey><OutputValue>%s</OutputValue></member>", k, v)
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>UserAdmin-prd</StackName><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime><Outputs>%s</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeStacksResponse>`, members.String())
	}))
	t.Cleanup(srv.Close)
	return srv
}

func awsEnv(t *testing.T, endpoint string) {
	t.Setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

func TestConfigureFromStack(t *testing.T) {
	srv := fakeCloudFormation(t, map[string]string{
		"ApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/prd/", "UserPoolId": "eu-west-1_Pool1",
		"UserPoolClientId": "appclient", "AdminClientId": "adminclient", "Region": "eu-west-1",
	})
	awsEnv(t, srv.URL)
	dir := t.TempDir()
	env := map[string]string{"USERADMIN_CONFIG_DIR": dir}

	// --print: the line for an admin without AWS credentials; nothing saved.
	code, out, stderr := run(t, env, "", "configure", "--profile", "prd", "--from-stack", "UserAdmin-prd", "--print")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "useradmin configure --profile prd --api-url https://abc.execute-api.eu-west-1.amazonaws.com/prd/ --region eu-west-1 --user-pool-id eu-west-1_Pool1 --client-id adminclient --password-policy min=16,lower,upper,digit,symbol\n"
	if out != want {
		t.Errorf("printed %q\nwant    %q", out, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); !os.IsNotExist(err) {
		t.Error("--print saved a profile")
	}

	// The printed line, run as given, saves the same profile as --from-stack.
	if code, _, stderr := run(t, env, "", strings.Fields(strings.TrimPrefix(out, "useradmin "))...); code != 0 {
		t.Fatalf("the printed line: exit %d: %s", code, stderr)
	}
	a := &app{confDir: dir, profile: "prd"}
	printed, err := a.loadProfile()
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, env, "", "configure", "--profile", "prd", "--from-stack", "UserAdmin-prd"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	saved, _ := a.loadProfile()
	if saved != printed || saved.ClientID != "adminclient" || saved.policy().MinLength != 16 {
		t.Errorf("from the stack %+v, from the printed line %+v", saved, printed)
	}
}

func TestConfigureFromStackWithoutAdminClient(t *testing.T) {
	srv := fakeCloudFormation(t, map[string]string{"ApiUrl": "https://a.example.com/", "UserPoolId": "eu-west-1_P", "UserPoolClientId": "app"})
	awsEnv(t, srv.URL)
	code, _, stderr := run(t, map[string]string{"USERADMIN_CONFIG_DIR": t.TempDir()}, "", "configure", "--from-stack", "UserAdmin-prd")
	if code != ExitAPI || !strings.Contains(stderr, "AdminClientId") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestPasswordPolicySpec(t *testing.T) {
	for spec, want := range map[string]string{
		"min=12,lower,upper,digit,symbol": "min=12,lower,upper,digit,symbol",
		"symbol, min=8":                   "min=8,symbol",
		"min=6":                           "min=6",
	} {
		p, err := parsePolicy(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		if got := formatPolicy(p); got != want {
			t.Errorf("%q: %q, want %q", spec, got, want)
		}
	}
	for _, bad := range []string{"", "lower", "min=5", "min=100", "min=x", "min=12,emoji"} {
		if _, err := parsePolicy(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	dir := t.TempDir()
	env := map[string]string{"USERADMIN_CONFIG_DIR": dir}
	base := []string{"configure", "--api-url", "https://a.example.com/", "--region", "r", "--user-pool-id", "r_1", "--client-id", "c"}
	if code, _, _ := run(t, env, "", append(base, "--password-policy", "min=3")...); code != ExitUsage {
		t.Errorf("a bad policy: exit %d", code)
	}
	if code, _, stderr := run(t, env, "", append(base, "--password-policy", "upper,min=20")...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	p, _ := (&app{confDir: dir, profile: "default"}).loadProfile()
	if pp := p.policy(); pp.MinLength != 20 || !pp.RequireUppercase || pp.RequireSymbols {
		t.Errorf("saved policy %+v", pp)
	}
}

// Without AWS credentials, --from-stack (and make outputs, which runs it)
// says that credentials are missing, not the SDK's credential-chain error.
func TestConfigureFromStackWithoutCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	code, out, stderr := run(t, map[string]string{"USERADMIN_CONFIG_DIR": t.TempDir()}, "", "configure", "--profile", "prd", "--from-stack", "UserAdmin-prd", "--print")
	if code != ExitAPI || out != "" || !strings.Contains(stderr, "no AWS credentials") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and 'no AWS credentials'", code, out, stderr)
	}
}

// make outputs runs configure --from-stack: without a region, the message
// names the Makefile's REGION= as well as the command's --region.
func TestConfigureFromStackWithoutRegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	code, _, stderr := run(t, map[string]string{"USERADMIN_CONFIG_DIR": t.TempDir()}, "", "configure", "--from-stack", "UserAdmin-prd", "--print")
	if code != ExitUsage || !strings.Contains(stderr, "--region") || !strings.Contains(stderr, "REGION=") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
