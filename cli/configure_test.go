package cli

import (
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

// fakeCloudFormation answers DescribeStacks with the given outputs.
func fakeCloudFormation(t *testing.T, outputs map[string]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		if form.Get("Action") != "DescribeStacks" || form.Get("StackName") != "UserAdmin-prd" {
			t.Errorf("request %v", form)
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
	want := "useradmin configure --profile prd --api-url https://abc.execute-api.eu-west-1.amazonaws.com/prd/ --region eu-west-1 --user-pool-id eu-west-1_Pool1 --client-id adminclient\n"
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
	if saved != printed || saved.ClientID != "adminclient" {
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
