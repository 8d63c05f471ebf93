package infra

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// manifest is the part of a cloud assembly's manifest.json the CDK CLI
// reads to order a deployment: each stack's environment and dependencies.
type manifest struct {
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Environment  string   `json:"environment"`
		Dependencies []string `json:"dependencies"`
	} `json:"artifacts"`
}

// synthApp builds NewApp from envs (and ci) in a test App and synthesizes
// the cloud assembly, as `cdk synth` would; it returns the assembly's
// directory and manifest.
func synthApp(t *testing.T, envs []Config, ci CIConfig) (string, manifest) {
	t.Helper()
	app, dir := testApp(t)
	if _, err := NewApp(app, &AppProps{Environments: envs, CI: ci, ModuleDir: dir}); err != nil {
		t.Fatal(err)
	}
	out := *app.Synth(nil).Directory()
	var m manifest
	if err := json.Unmarshal(mustReadFile(t, filepath.Join(out, "manifest.json")), &m); err != nil {
		t.Fatal(err)
	}
	return out, m
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stackDeps are the stacks among an artifact's dependencies (CDK also
// lists its asset manifest there).
func stackDeps(m manifest, name string) []string {
	var out []string
	for _, d := range m.Artifacts[name].Dependencies {
		if m.Artifacts[d].Type == "aws:cloudformation:stack" {
			out = append(out, d)
		}
	}
	return out
}

func readTemplate(t *testing.T, dir, stack string) map[string]any {
	t.Helper()
	var tpl map[string]any
	if err := json.Unmarshal(mustReadFile(t, filepath.Join(dir, stack+".template.json")), &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

func templateResources(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	rs, _ := tpl["Resources"].(map[string]any)
	for id, r := range rs {
		if r := r.(map[string]any); r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// CheckDeploysAlone is the property an environment needs to deploy on its
// own in an empty account and region, in any order: its stack depends on
// exactly one other stack, in the same account and region, which owns API
// Gateway's account-level logging role (retained, except on a failed first
// create); its own template sets no account setting and logs its stage.
func checkDeploysAlone(t *testing.T, dir string, m manifest, envs []Config) {
	t.Helper()
	owners := map[string]string{} // account stack -> its environment (account/region)
	for _, c := range envs {
		name := c.StackName()
		deps := stackDeps(m, name)
		if len(deps) != 1 {
			t.Errorf("%s depends on stacks %v, want exactly its account stack", name, deps)
			continue
		}
		acct := deps[0]
		if want := AccountStackName(c.Account, c.Region); acct != want {
			t.Errorf("%s depends on %s, want %s", name, acct, want)
		}
		if got, want := m.Artifacts[acct].Environment, m.Artifacts[name].Environment; got != want {
			t.Errorf("%s is in %s, its account stack %s in %s", name, want, acct, got)
		}
		if other, ok := owners[acct]; ok && other != m.Artifacts[name].Environment {
			t.Errorf("%s serves two places: %s and %s", acct, other, m.Artifacts[name].Environment)
		}
		owners[acct] = m.Artifacts[name].Environment
		if d := stackDeps(m, acct); len(d) != 0 {
			t.Errorf("%s depends on %v: it must deploy first, alone", acct, d)
		}

		tpl := readTemplate(t, dir, name)
		if n := len(templateResources(tpl, "AWS::ApiGateway::Account")); n != 0 {
			t.Errorf("%s sets the account's API Gateway settings itself (%d)", name, n)
		}
		stages := templateResources(tpl, "AWS::ApiGateway::Stage")
		if len(stages) != 1 {
			t.Fatalf("%s: %d stages", name, len(stages))
		}
		for _, st := range stages {
			p := st["Properties"].(map[string]any)
			access, _ := p["AccessLogSetting"].(map[string]any)
			if access["DestinationArn"] == nil || access["Format"] == nil {
				t.Errorf("%s: stage without access logs: %v", name, p["AccessLogSetting"])
			}
			if !strings.Contains(mustJSONTest(p["MethodSettings"]), `"LoggingLevel":"ERROR"`) {
				t.Errorf("%s: stage without execution logging: %v", name, p["MethodSettings"])
			}
		}
	}
	for acct := range owners {
		tpl := readTemplate(t, dir, acct)
		accounts := templateResources(tpl, "AWS::ApiGateway::Account")
		roles := templateResources(tpl, "AWS::IAM::Role")
		if len(accounts) != 1 || len(roles) != 1 {
			t.Fatalf("%s: %d AWS::ApiGateway::Account and %d roles, want one each", acct, len(accounts), len(roles))
		}
		var roleID string
		for id, r := range roles {
			roleID = id
			if !strings.Contains(mustJSONTest(r["Properties"]), "apigateway.amazonaws.com") ||
				!strings.Contains(mustJSONTest(r["Properties"]), "AmazonAPIGatewayPushToCloudWatchLogs") {
				t.Errorf("%s: role %s is not API Gateway's logging role: %v", acct, id, r["Properties"])
			}
		}
		for id, a := range accounts {
			if !equalJSON(a["Properties"], map[string]any{"CloudWatchRoleArn": map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}}) {
				t.Errorf("%s: %s properties = %v", acct, id, a["Properties"])
			}
		}
		for id, r := range map[string]map[string]any{"setting": first(accounts), "role": roles[roleID]} {
			if r["DeletionPolicy"] != "RetainExceptOnCreate" || r["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("%s: the %s's DeletionPolicy/UpdateReplacePolicy = %v/%v, want RetainExceptOnCreate/Retain", acct, id, r["DeletionPolicy"], r["UpdateReplacePolicy"])
			}
		}
	}
}

func first(m map[string]map[string]any) map[string]any {
	for _, v := range m {
		return v
	}
	return nil
}

// TestEnvironmentsDeployAlone: the shipped environments (one account and
// region, the CLI's) share one account stack; each depends on it.
func TestEnvironmentsDeployAlone(t *testing.T) {
	dir, m := synthApp(t, Environments(), CIConfig{})
	checkDeploysAlone(t, dir, m, Environments())
	var accounts []string
	for name, a := range m.Artifacts {
		if strings.HasPrefix(name, "UserAdmin-account") && a.Type == "aws:cloudformation:stack" {
			accounts = append(accounts, name)
		}
	}
	if !slices.Equal(accounts, []string{"UserAdmin-account"}) {
		t.Errorf("account stacks = %v, want UserAdmin-account only", accounts)
	}
}

// TestEnvironmentsSpreadDeployAlone: environments over several accounts
// and regions each get the account stack of their own place, and two in
// one place share one (one owner of the setting).
func TestEnvironmentsSpreadDeployAlone(t *testing.T) {
	for name, places := range map[string][3][2]string{
		"three places":      {{"111111111111", "eu-west-1"}, {"222222222222", "eu-west-1"}, {"333333333333", "us-east-1"}},
		"one account":       {{"111111111111", "eu-west-1"}, {"111111111111", "us-east-1"}, {"111111111111", "eu-central-1"}},
		"two share a place": {{"111111111111", "eu-west-1"}, {"111111111111", "eu-west-1"}, {"333333333333", "eu-west-1"}},
		"regions only":      {{"", "eu-west-1"}, {"", "eu-west-1"}, {"", "us-east-1"}},
	} {
		t.Run(name, func(t *testing.T) {
			envs := Environments()
			want := map[string]bool{}
			for i := range envs {
				envs[i].Account, envs[i].Region = places[i][0], places[i][1]
				want[AccountStackName(places[i][0], places[i][1])] = true
			}
			dir, m := synthApp(t, envs, CIConfig{})
			checkDeploysAlone(t, dir, m, envs)
			got := 0
			for _, a := range m.Artifacts {
				if a.Type == "aws:cloudformation:stack" {
					got++
				}
			}
			if got != len(envs)+len(want) {
				t.Errorf("%d stacks, want the %d environments and %d account stacks", got, len(envs), len(want))
			}
		})
	}
}

func TestAccountStackName(t *testing.T) {
	for _, tc := range []struct{ account, region, want string }{
		{"", "", "UserAdmin-account"},
		{"111111111111", "", "UserAdmin-account-111111111111"},
		{"", "eu-west-1", "UserAdmin-account-eu-west-1"},
		{"111111111111", "eu-west-1", "UserAdmin-account-111111111111-eu-west-1"},
	} {
		if got := AccountStackName(tc.account, tc.region); got != tc.want {
			t.Errorf("AccountStackName(%q, %q) = %s, want %s", tc.account, tc.region, got, tc.want)
		}
	}
}

// TestAppRefusesTwoOwners: NewApp validates where the environments go.
func TestAppRefusesTwoOwners(t *testing.T) {
	envs := Environments()
	envs[2].Account = "111111111111"
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	if _, err := NewApp(app, &AppProps{Environments: envs}); err == nil || !strings.Contains(err.Error(), "Account: set on prd") {
		t.Fatalf("err = %v, want two owners refused", err)
	}
}
