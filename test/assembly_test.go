package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAssemblyDeployOrder reads the cloud assembly `cdk synth` wrote (the
// manifest the CDK CLI orders deployments by): every environment stack
// depends on the account stack of its account and region, so `cdk deploy
// UserAdmin-<env>` deploys that first; every CI stack depends on its
// account's GitHub OIDC stack; neither of those depends on anything.
func TestAssemblyDeployOrder(t *testing.T) {
	var m struct {
		Artifacts map[string]struct {
			Type         string   `json:"type"`
			Environment  string   `json:"environment"`
			Dependencies []string `json:"dependencies"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(synthDir, "manifest.json")), &m); err != nil {
		t.Fatal(err)
	}
	deps := func(name string) []string {
		var out []string
		for _, d := range m.Artifacts[name].Dependencies {
			if m.Artifacts[d].Type == "aws:cloudformation:stack" {
				out = append(out, d)
			}
		}
		return out
	}
	for _, tc := range []struct{ stack, dependency string }{
		{"UserAdmin-dev", "UserAdmin-account"},
		{"UserAdmin-stg", "UserAdmin-account"},
		{"UserAdmin-prd", "UserAdmin-account"},
		{"UserAdmin-ci-dev", "UserAdmin-github-oidc"},
		{"UserAdmin-ci-stg", "UserAdmin-github-oidc"},
		{"UserAdmin-ci-prd", "UserAdmin-github-oidc"},
	} {
		if got := deps(tc.stack); !slices.Equal(got, []string{tc.dependency}) {
			t.Errorf("%s depends on %v, want %s", tc.stack, got, tc.dependency)
		}
		if a, b := m.Artifacts[tc.stack].Environment, m.Artifacts[tc.dependency].Environment; a != b || a == "" {
			t.Errorf("%s is in %q, %s in %q", tc.stack, a, tc.dependency, b)
		}
		if d := deps(tc.dependency); len(d) != 0 {
			t.Errorf("%s depends on %v", tc.dependency, d)
		}
	}
	account := string(mustRead(t, filepath.Join(synthDir, "UserAdmin-account.template.json")))
	if strings.Count(account, `"AWS::ApiGateway::Account"`) != 1 {
		t.Error("UserAdmin-account does not own the API Gateway account setting")
	}
	for _, env := range []string{"dev", "stg", "prd"} {
		tpl := string(mustRead(t, filepath.Join(synthDir, "UserAdmin-"+env+".template.json")))
		if strings.Contains(tpl, `"AWS::ApiGateway::Account"`) {
			t.Errorf("UserAdmin-%s sets the account setting itself", env)
		}
		if !strings.Contains(tpl, `"AccessLogSetting"`) || !strings.Contains(tpl, `"LoggingLevel": "ERROR"`) {
			t.Errorf("UserAdmin-%s: the stage does not log", env)
		}
	}
	if _, err := os.Stat(filepath.Join(synthDir, "UserAdmin-ci-prd.template.json")); err != nil {
		t.Errorf("the CI stacks were not synthesized with -c githubRepo: %v", err)
	}
}
