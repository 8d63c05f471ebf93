package infra

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

const testRepo = "example-org/cognito-user-admin"

// testPlaces puts dev and stg in one account (two regions, so they share
// its GitHub provider but not CDK's bootstrap roles) and prd in another
// account and region, as a multi-account setup would.
var testPlaces = map[string][2]string{
	"dev": {"111111111111", "eu-west-1"},
	"stg": {"111111111111", "eu-central-1"},
	"prd": {"333333333333", "us-east-1"},
}

func testCI(t *testing.T) (CIConfig, []Config) {
	t.Helper()
	ci := CI()
	ci.GitHubRepo = testRepo
	envs := Environments()
	for i := range envs {
		envs[i].Account, envs[i].Region = testPlaces[envs[i].Name][0], testPlaces[envs[i].Name][1]
	}
	return ci, envs
}

// buildCI builds the whole app with CI in an App carrying cdk.json's
// feature flags and cdk-nag's AwsSolutions pack, with the app's suppressions.
func buildCI(t *testing.T, ci CIConfig, envs []Config) *App {
	t.Helper()
	app, dir := nagApp(t)
	return buildCIIn(t, app, dir, ci, envs)
}

func buildCIIn(t *testing.T, app awscdk.App, dir string, ci CIConfig, envs []Config) *App {
	t.Helper()
	a, err := NewApp(app, &AppProps{Environments: envs, CI: ci, ModuleDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	noPanic(t, "cdk-nag suppressions", func() { AppNagSuppressions(a, envs) })
	return a
}

var ciApp *App

// shippedCI is the test config's app, built once per run.
func shippedCI(t *testing.T) *App {
	t.Helper()
	if ciApp == nil {
		// Its own directory: the app outlives the test that first builds it.
		out, err := os.MkdirTemp("", "useradmin-ci")
		if err != nil {
			t.Fatal(err)
		}
		dir, err := ModuleDir()
		if err != nil {
			t.Fatal(err)
		}
		ctx, err := AppContext(dir)
		if err != nil {
			t.Fatal(err)
		}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(out)})
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		ci, envs := testCI(t)
		ciApp = buildCIIn(t, app, dir, ci, envs)
	}
	return ciApp
}

func ciTemplate(t *testing.T, a *App, env string) assertions.Template {
	t.Helper()
	return assertions.Template_FromStack(a.CI[env], nil)
}

// roleByName returns the logical ID and resource of the role named name.
func roleByName(t *testing.T, tpl assertions.Template, name string) (string, map[string]any) {
	t.Helper()
	for id, r := range resources(tpl, "AWS::IAM::Role") {
		if props(r)["RoleName"] == name {
			return id, r
		}
	}
	t.Fatalf("no role named %s", name)
	return "", nil
}

// statements are every statement of the role's inline policies and of any
// AWS::IAM::Policy attached to it.
func statements(t *testing.T, tpl assertions.Template, roleID string, role map[string]any) []map[string]any {
	t.Helper()
	var docs []any
	if ps, ok := props(role)["Policies"].([]any); ok {
		for _, p := range ps {
			docs = append(docs, p.(map[string]any)["PolicyDocument"])
		}
	}
	for _, p := range resources(tpl, "AWS::IAM::Policy") {
		if equalJSON(props(p)["Roles"], []any{map[string]any{"Ref": roleID}}) {
			docs = append(docs, props(p)["PolicyDocument"])
		}
	}
	var out []map[string]any
	for _, d := range docs {
		for _, s := range d.(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	if len(out) == 0 {
		t.Fatalf("role %s has no policy statements", roleID)
	}
	return out
}

// allowed maps each action the statements allow to its resources, sorted.
func allowed(t *testing.T, sts []map[string]any) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, s := range sts {
		if s["Effect"] != "Allow" {
			continue
		}
		for _, a := range toStrings(s["Action"]) {
			out[a] = append(out[a], resourceStrings(t, s["Resource"])...)
		}
	}
	for a := range out {
		sort.Strings(out[a])
	}
	return out
}

// resourceStrings renders a statement's Resource as plain strings; the test
// config pins every account and region, so nothing but literals may appear.
func resourceStrings(t *testing.T, v any) []string {
	t.Helper()
	var out []string
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, r := range list {
		s, ok := r.(string)
		if !ok {
			t.Fatalf("resource %v is not a literal ARN", r)
		}
		out = append(out, s)
	}
	return out
}

func bootstrapRole(kind, account, region string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/cdk-hnb659fds-%s-role-%s-%s", account, kind, account, region)
}

func providerArn(account string) string {
	return "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com"
}

// TestCIProvider: one GitHub provider per account, in a stack of its own
// (native resource, no custom resource), which the CI stacks of every
// environment in that account depend on; no CI stack creates one.
func TestCIProvider(t *testing.T) {
	a := shippedCI(t)
	if got := keys(a.GitHubOIDC); !equalJSON(got, []string{"UserAdmin-github-oidc-111111111111", "UserAdmin-github-oidc-333333333333"}) {
		t.Fatalf("provider stacks = %v", got)
	}
	for _, s := range a.GitHubOIDC {
		tpl := assertions.Template_FromStack(s, nil)
		tpl.ResourceCountIs(jsii.String("AWS::IAM::OIDCProvider"), jsii.Number(1))
		tpl.ResourceCountIs(jsii.String("Custom::AWSCDKOpenIdConnectProvider"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(0))
		tpl.HasResourceProperties(jsii.String("AWS::IAM::OIDCProvider"), map[string]any{
			"Url":            "https://token.actions.githubusercontent.com",
			"ClientIdList":   []any{"sts.amazonaws.com"},
			"ThumbprintList": assertions.Match_Absent(),
		})
	}
	for env, s := range a.CI {
		assertions.Template_FromStack(s, nil).ResourceCountIs(jsii.String("AWS::IAM::OIDCProvider"), jsii.Number(0))
		var deps []string
		for _, d := range *s.Dependencies() {
			deps = append(deps, *d.StackName())
		}
		if want := []string{"UserAdmin-github-oidc-" + testPlaces[env][0]}; !equalJSON(deps, want) {
			t.Errorf("%s depends on %v, want %v", *s.StackName(), deps, want)
		}
	}
}

// TestCITrust: each role trusts its account's GitHub provider, for
// sts.amazonaws.com, with the sub claim pinned exactly: pull requests of the
// repository for the diff role, jobs in the environment's own GitHub
// environment for the deploy role. Both subject forms.
func TestCITrust(t *testing.T) {
	for prefix, mutate := range map[string]func(*CIConfig){
		"repo:" + testRepo: func(*CIConfig) {},
		"repo:example-org@1234/cognito-user-admin@98765": func(c *CIConfig) { c.SubjectPrefix = "repo:example-org@1234/cognito-user-admin@98765" },
	} {
		ci, envs := testCI(t)
		mutate(&ci)
		a := buildCI(t, ci, envs)
		for _, c := range envs {
			tpl := ciTemplate(t, a, c.Name)
			for name, sub := range map[string]string{
				DiffRoleName(c.Name):   prefix + ":pull_request",
				DeployRoleName(c.Name): prefix + ":environment:" + c.Name,
			} {
				_, role := roleByName(t, tpl, name)
				want := map[string]any{
					"Version": "2012-10-17",
					"Statement": []any{map[string]any{
						"Effect":    "Allow",
						"Action":    "sts:AssumeRoleWithWebIdentity",
						"Principal": map[string]any{"Federated": providerArn(c.Account)},
						"Condition": map[string]any{"StringEquals": map[string]any{
							"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
							"token.actions.githubusercontent.com:sub": sub,
						}},
					}},
				}
				if got := props(role)["AssumeRolePolicyDocument"]; !equalJSON(got, want) {
					g, _ := json.MarshalIndent(got, "", "  ")
					t.Errorf("%s trust policy:\n%s", name, g)
				}
				if got := props(role)["MaxSessionDuration"]; got != 3600.0 {
					t.Errorf("%s: MaxSessionDuration = %v, want 3600", name, got)
				}
				if props(role)["ManagedPolicyArns"] != nil {
					t.Errorf("%s: managed policies: %v", name, props(role)["ManagedPolicyArns"])
				}
			}
		}
	}
}

// TestCIDiffRole: each diff role may read its own environment's stack and
// account stack (in its own account and region), and do nothing else: no
// change set, no lookup role.
func TestCIDiffRole(t *testing.T) {
	a := shippedCI(t)
	for env, place := range testPlaces {
		tpl := ciTemplate(t, a, env)
		id, role := roleByName(t, tpl, DiffRoleName(env))
		stacks := []string{
			fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/UserAdmin-%s/*", place[1], place[0], env),
			fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/UserAdmin-account-%s-%s/*", place[1], place[0], place[0], place[1]),
		}
		sort.Strings(stacks)
		want := map[string][]string{"cloudformation:DescribeStacks": stacks, "cloudformation:GetTemplate": stacks}
		if got := allowed(t, statements(t, tpl, id, role)); !equalJSON(got, want) {
			t.Errorf("%s diff role allows\n %v\nwant\n %v", env, got, want)
		}
	}
}

// TestCIDeployRole: each deploy role may assume exactly CDK's deploy,
// file-publishing and lookup roles of its environment's account and region,
// and read its environment's stack templates (the deploy guard).
func TestCIDeployRole(t *testing.T) {
	a := shippedCI(t)
	for env, place := range testPlaces {
		tpl := ciTemplate(t, a, env)
		id, role := roleByName(t, tpl, DeployRoleName(env))
		var want []string
		for _, kind := range []string{"deploy", "file-publishing", "lookup"} {
			want = append(want, bootstrapRole(kind, place[0], place[1]))
		}
		sort.Strings(want)
		// And, for the deploy guard, read its own stacks' templates.
		stacks := []string{
			fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/UserAdmin-%s/*", place[1], place[0], env),
			fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/UserAdmin-account-%s-%s/*", place[1], place[0], place[0], place[1]),
		}
		sort.Strings(stacks)
		wantAll := map[string][]string{"sts:AssumeRole": want, "cloudformation:DescribeStacks": stacks, "cloudformation:GetTemplate": stacks}
		if got := allowed(t, statements(t, tpl, id, role)); !equalJSON(got, wantAll) {
			t.Errorf("%s deploy role allows\n %v\nwant\n %v", env, got, wantAll)
		}
	}
}

// TestCIIsolation: no role of one environment names another environment's
// stacks, CI roles or bootstrap roles, even where two share an account.
func TestCIIsolation(t *testing.T) {
	a := shippedCI(t)
	for env, place := range testPlaces {
		tpl := ciTemplate(t, a, env)
		for _, name := range []string{DiffRoleName(env), DeployRoleName(env)} {
			id, role := roleByName(t, tpl, name)
			for _, rs := range allowed(t, statements(t, tpl, id, role)) {
				for _, r := range rs {
					if !strings.Contains(r, ":"+place[0]+":") || !strings.Contains(r, place[1]) {
						t.Errorf("%s may reach %s, outside %s/%s", name, r, place[0], place[1])
					}
					for other, op := range testPlaces {
						if other == env {
							continue
						}
						if strings.Contains(r, "UserAdmin-"+other+"/") || strings.Contains(r, "useradmin-ci-") ||
							strings.HasSuffix(r, "-role-"+op[0]+"-"+op[1]) {
							t.Errorf("%s may reach %s, of %s", name, r, other)
						}
					}
				}
			}
		}
	}
}

// TestCINoWildcards: no action or resource is *, no action is a service
// wildcard, and the only * in a resource is a stack ARN's id suffix.
func TestCINoWildcards(t *testing.T) {
	a := shippedCI(t)
	for env := range testPlaces {
		tpl := ciTemplate(t, a, env)
		for _, name := range []string{DiffRoleName(env), DeployRoleName(env)} {
			id, role := roleByName(t, tpl, name)
			for _, s := range statements(t, tpl, id, role) {
				if s["Effect"] != "Allow" || s["NotAction"] != nil || s["NotResource"] != nil {
					t.Errorf("%s: statement other than a plain Allow: %v", name, s)
				}
				for _, a := range toStrings(s["Action"]) {
					if strings.Contains(a, "*") {
						t.Errorf("%s: wildcard action %s", name, a)
					}
				}
				for _, r := range resourceStrings(t, s["Resource"]) {
					if r == "*" || strings.Contains(strings.TrimSuffix(r, "/*"), "*") ||
						(strings.HasSuffix(r, "/*") && !strings.Contains(r, ":stack/UserAdmin-")) {
						t.Errorf("%s: wildcard resource %s", name, r)
					}
				}
			}
		}
		if n := len(resources(tpl, "AWS::IAM::Role")); n != 2 {
			t.Errorf("%s: %d roles, want the diff and deploy roles only", env, n)
		}
		tpl.ResourceCountIs(jsii.String("AWS::IAM::ManagedPolicy"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0))
	}
}

func TestCIOutputs(t *testing.T) {
	a := shippedCI(t)
	for env := range testPlaces {
		tpl := ciTemplate(t, a, env)
		diffID, _ := roleByName(t, tpl, DiffRoleName(env))
		deployID, _ := roleByName(t, tpl, DeployRoleName(env))
		v := strings.ToUpper(env)
		tpl.HasOutput(jsii.String("DiffRoleArn"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{diffID, "Arn"}}, "Description": "the DIFF_ROLE_ARN_" + v + " repository variable"})
		tpl.HasOutput(jsii.String("DeployRoleArn"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{deployID, "Arn"}}, "Description": "the DEPLOY_ROLE_ARN_" + v + " repository variable"})
	}
}

// TestCINag: every stack of the app with CI passes cdk-nag's AwsSolutions pack.
func TestCINag(t *testing.T) {
	for _, stacks := range []map[string]awscdk.Stack{shippedCI(t).CI, shippedCI(t).GitHubOIDC, shippedCI(t).Accounts, shippedCI(t).Environments} {
		for _, s := range stacks {
			checkNag(t, s)
		}
	}
}

// TestCIUnpinned: with no account or region anywhere (the shipped
// environments), each environment's roles name the bootstrap roles and
// stacks of the account and region its CI stack is deployed to, and the
// provider of that account; one provider stack serves them.
func TestCIUnpinned(t *testing.T) {
	ci := CI()
	ci.GitHubRepo = testRepo
	a := buildCI(t, ci, Environments())
	if got := keys(a.GitHubOIDC); !equalJSON(got, []string{"UserAdmin-github-oidc"}) {
		t.Errorf("provider stacks = %v", got)
	}
	for _, s := range a.CI {
		checkNag(t, s)
	}
	tpl := ciTemplate(t, a, "prd")
	ref := func(p string) map[string]any { return map[string]any{"Ref": p} }
	want := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", ref("AWS::Partition"), ":iam::", ref("AWS::AccountId"),
		":role/cdk-hnb659fds-lookup-role-", ref("AWS::AccountId"), "-", ref("AWS::Region"),
	}}}
	id, role := roleByName(t, tpl, DeployRoleName("prd"))
	if s := statements(t, tpl, id, role); len(s) != 2 || len(s[0]["Resource"].([]any)) != 3 || !strings.Contains(mustJSONTest(s[0]["Resource"]), mustJSONTest(want)) ||
		!strings.Contains(mustJSONTest(s[1]["Resource"]), `":stack/UserAdmin-prd/*"`) {
		t.Errorf("deploy role statements = %v, want one on the 3 bootstrap roles of its own account and one reading its stacks", s)
	}
	id, role = roleByName(t, tpl, DiffRoleName("prd"))
	st := statements(t, tpl, id, role)
	if len(st) != 1 || !strings.Contains(mustJSONTest(st[0]["Resource"]), `":stack/UserAdmin-prd/*"`) || !strings.Contains(mustJSONTest(st[0]["Resource"]), `":stack/UserAdmin-account/*"`) {
		t.Errorf("diff role statements = %v", st)
	}
	trust := props(role)["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
	if !strings.Contains(mustJSONTest(trust["Principal"]), `{"Ref":"AWS::AccountId"},":oidc-provider/token.actions.githubusercontent.com"`) {
		t.Errorf("principal = %v, want its own account's provider", trust["Principal"])
	}
}

// TestCIExistingProvider: with OIDCProviderExists, no provider stack; the
// roles trust the account's provider by its ARN.
func TestCIExistingProvider(t *testing.T) {
	ci, envs := testCI(t)
	ci.OIDCProviderExists = true
	a := buildCI(t, ci, envs)
	if len(a.GitHubOIDC) != 0 {
		t.Errorf("provider stacks %v", keys(a.GitHubOIDC))
	}
	if d := *a.CI["prd"].Dependencies(); len(d) != 0 {
		t.Errorf("UserAdmin-ci-prd depends on %d stacks", len(d))
	}
	_, role := roleByName(t, ciTemplate(t, a, "prd"), DeployRoleName("prd"))
	st := props(role)["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
	if !equalJSON(st["Principal"], map[string]any{"Federated": providerArn("333333333333")}) {
		t.Errorf("principal = %v, want the account's provider", st["Principal"])
	}
}

// TestCISharedPlaceRefused: two environments pinned to one account and
// region share CDK's bootstrap roles, so their gates cannot be separated.
func TestCISharedPlaceRefused(t *testing.T) {
	ci, envs := testCI(t)
	envs[1].Region = envs[0].Region
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	var err error
	if _, err = NewApp(app, &AppProps{Environments: envs, CI: ci}); err == nil || !strings.Contains(err.Error(), "dev and stg both deploy to 111111111111/eu-west-1") {
		t.Fatalf("err = %v", err)
	}
	for i := range envs {
		envs[i].Region = ""
	}
	app = awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	if _, err := NewApp(app, &AppProps{Environments: envs, CI: ci}); err == nil || !strings.Contains(err.Error(), "dev and stg both deploy to 111111111111/(the CLI's region)") {
		t.Fatalf("one account, no region: err = %v", err)
	}
	// Without CI, sharing a place is fine.
	app = awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	if _, err := NewApp(app, &AppProps{Environments: envs}); err != nil {
		t.Fatal(err)
	}
}

func TestCIConfigValidate(t *testing.T) {
	ci, envs := testCI(t)
	if err := ci.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	if CI().Enabled() {
		// Shipping a repository would make every fork's synth create roles for someone else's repository.
		t.Error("the shipped CI config names a repository")
	}
	for _, ok := range []string{"repo:" + testRepo, "repo:example-org@12345/cognito-user-admin@678901"} {
		c := ci
		c.SubjectPrefix = ok
		if err := c.Validate(); err != nil {
			t.Errorf("SubjectPrefix %q refused: %v", ok, err)
		}
	}
	for name, mutate := range map[string]func(*CIConfig){
		"GitHubRepo":                  func(c *CIConfig) { c.GitHubRepo = "example-org/*" },
		"SubjectPrefix wildcard":      func(c *CIConfig) { c.SubjectPrefix = "repo:example-org/*" },
		"SubjectPrefix claim":         func(c *CIConfig) { c.SubjectPrefix = "repo:" + testRepo + ":ref:refs/heads/main" },
		"SubjectPrefix one id":        func(c *CIConfig) { c.SubjectPrefix = "repo:example-org@12345/cognito-user-admin" },
		"SubjectPrefix ids not digit": func(c *CIConfig) { c.SubjectPrefix = "repo:example-org@abc/cognito-user-admin@def" },
		"SubjectPrefix other repo":    func(c *CIConfig) { c.SubjectPrefix = "repo:example-org@1/other@2" },
		"SubjectPrefix no repo:":      func(c *CIConfig) { c.SubjectPrefix = testRepo },
		"BootstrapQualifier":          func(c *CIConfig) { c.BootstrapQualifier = "far-too-long-qualifier" },
		"SubjectClaims context first": func(c *CIConfig) { c.SubjectClaims = []string{"context", "repo"} },
		"SubjectClaims repo alone":    func(c *CIConfig) { c.SubjectClaims = []string{"repo"} },
		"SubjectClaims unknown key":   func(c *CIConfig) { c.SubjectClaims = []string{"repo", "context", "actor"} },
		"SubjectClaims twice":         func(c *CIConfig) { c.SubjectClaims = []string{"repo", "context", "ref", "ref"} },
		"DefaultBranch wildcard":      func(c *CIConfig) { c.DefaultBranch = "ma*n" },
		"DefaultBranch colon":         func(c *CIConfig) { c.DefaultBranch = "main:x" },
	} {
		t.Run(name, func(t *testing.T) {
			field, _, _ := strings.Cut(name, " ")
			c := ci
			mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), "config ci: "+field+":") {
				t.Fatalf("Validate() = %v, want an error naming %s", err, field)
			}
			if _, err := NewCIStack(nil, &CIStackProps{CI: c, Environment: envs[0]}); err == nil || !strings.Contains(err.Error(), field) {
				t.Errorf("NewCIStack err = %v, want one naming %s", err, field)
			}
		})
	}
}

// TestCIContext: -c githubRepo=… and -c githubSubjectPrefix=… set the CI
// config without a code edit.
func TestCIContext(t *testing.T) {
	ctx := map[string]any{"githubRepo": testRepo, "githubSubjectPrefix": "repo:example-org@1/cognito-user-admin@2"}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	c, err := CI().WithContext(app.Node())
	if err != nil {
		t.Fatal(err)
	}
	if c.GitHubRepo != testRepo || c.SubjectPrefix != "repo:example-org@1/cognito-user-admin@2" || !c.Enabled() {
		t.Errorf("config = %+v", c)
	}
	ctx = map[string]any{"githubRepo": testRepo, "githubSubjectClaims": "repo,context,job_workflow_ref", "githubDefaultBranch": "trunk", "githubOidcProviderExists": "true"}
	app = awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	if c, err = CI().WithContext(app.Node()); err != nil {
		t.Fatal(err)
	}
	if !equalJSON(c.SubjectClaims, []string{"repo", "context", "job_workflow_ref"}) || c.DefaultBranch != "trunk" || !c.OIDCProviderExists {
		t.Errorf("config = %+v", c)
	}
	for _, v := range []any{"yes", 1.0} {
		ctx = map[string]any{"githubOidcProviderExists": v}
		app = awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
		if _, err := CI().WithContext(app.Node()); err == nil || !strings.Contains(err.Error(), "githubOidcProviderExists") {
			t.Errorf("%v: err = %v, want one naming githubOidcProviderExists", v, err)
		}
	}
	bad := map[string]any{"githubRepo": 42.0}
	app = awscdk.NewApp(&awscdk.AppProps{Context: &bad, Outdir: jsii.String(t.TempDir())})
	if _, err := CI().WithContext(app.Node()); err == nil || !strings.Contains(err.Error(), "githubRepo") {
		t.Errorf("err = %v, want one naming githubRepo", err)
	}
	if c, _ := CI().WithContext(awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())}).Node()); c.Enabled() {
		t.Error("CI enabled without a repository")
	}
}

// TestCIQualifierMatchesContext: roles for one bootstrap qualifier while
// cdk.json deploys the stacks through another's would never work.
func TestCIQualifierMatchesContext(t *testing.T) {
	ci, envs := testCI(t)
	dir, err := ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := AppContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx["@aws-cdk/core:bootstrapQualifier"] = "acme01"
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	if _, err := NewCIStack(app, &CIStackProps{CI: ci, Environment: envs[2]}); err == nil || !strings.Contains(err.Error(), "BootstrapQualifier:") {
		t.Fatalf("err = %v, want one naming BootstrapQualifier", err)
	}
	ci.BootstrapQualifier = "acme01"
	stack, err := NewCIStack(app, &CIStackProps{CI: ci, Environment: envs[2]})
	if err != nil {
		t.Fatal(err)
	}
	tpl := assertions.Template_FromStack(stack, nil)
	id, role := roleByName(t, tpl, DeployRoleName("prd"))
	for _, r := range allowed(t, statements(t, tpl, id, role))["sts:AssumeRole"] {
		if !strings.Contains(r, ":role/cdk-acme01-") {
			t.Errorf("bootstrap role %s is not of qualifier acme01", r)
		}
	}
}

// TestCICustomSubject: with a customized subject template holding ref or
// job_workflow_ref, each deploy role trusts only jobs of its GitHub
// environment on the default branch (and in the deploy workflow), exactly;
// the diff roles take any pull request's number and nothing else.
func TestCICustomSubject(t *testing.T) {
	const immutable = "repo:example-org@1234/cognito-user-admin@98765"
	for _, tc := range []struct {
		name         string
		mutate       func(*CIConfig)
		deploy, diff string
	}{
		{"job_workflow_ref", func(c *CIConfig) { c.SubjectClaims = []string{"repo", "context", "job_workflow_ref"} },
			"repo:" + testRepo + ":environment:prd:job_workflow_ref:" + testRepo + "/.github/workflows/deploy.yml@refs/heads/main",
			"repo:" + testRepo + ":pull_request:job_workflow_ref:" + testRepo + "/.github/workflows/diff.yml@refs/pull/*/merge"},
		{"ref", func(c *CIConfig) { c.SubjectClaims = []string{"repo", "context", "ref"} },
			"repo:" + testRepo + ":environment:prd:ref:refs/heads/main",
			"repo:" + testRepo + ":pull_request:ref:refs/pull/*/merge"},
		{"both, immutable, another branch", func(c *CIConfig) {
			c.SubjectClaims, c.SubjectPrefix, c.DefaultBranch = []string{"repo", "context", "ref", "job_workflow_ref"}, immutable, "release/v2"
		},
			immutable + ":environment:prd:ref:refs/heads/release/v2:job_workflow_ref:" + testRepo + "/.github/workflows/deploy.yml@refs/heads/release/v2",
			immutable + ":pull_request:ref:refs/pull/*/merge:job_workflow_ref:" + testRepo + "/.github/workflows/diff.yml@refs/pull/*/merge"},
		{"the default template written out", func(c *CIConfig) { c.SubjectClaims = []string{"repo", "context"} },
			"repo:" + testRepo + ":environment:prd", "repo:" + testRepo + ":pull_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ci, envs := testCI(t)
			tc.mutate(&ci)
			a := buildCI(t, ci, envs)
			tpl := ciTemplate(t, a, "prd")
			for name, want := range map[string]map[string]any{
				DeployRoleName("prd"): {"StringEquals": map[string]any{
					"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
					"token.actions.githubusercontent.com:sub": tc.deploy,
				}},
				DiffRoleName("prd"): map[bool]map[string]any{
					true: {
						"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
						"StringLike":   map[string]any{"token.actions.githubusercontent.com:sub": tc.diff},
					},
					false: {"StringEquals": map[string]any{
						"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
						"token.actions.githubusercontent.com:sub": tc.diff,
					}},
				}[strings.Contains(tc.diff, "*")],
			} {
				_, role := roleByName(t, tpl, name)
				st := props(role)["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
				if len(st) != 1 || !equalJSON(st[0].(map[string]any)["Condition"], want) {
					t.Errorf("%s trust conditions = %s, want %s", name, mustJSONTest(st), mustJSONTest(want))
				}
			}
		})
	}
	// The claims name these files: a renamed workflow would lock CI out.
	dir, err := ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{DeployWorkflow, DiffWorkflow} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("job_workflow_ref names %s: %v", f, err)
		}
	}
}

// TestCIPlacement: every CI stack owns the one fixed-name parameter of its
// account and region, so a second environment's CI stack deployed to the
// same place (possible when Account is unset) fails instead of sharing
// CDK's bootstrap roles with the first.
func TestCIPlacement(t *testing.T) {
	ci := CI()
	ci.GitHubRepo = testRepo
	a := buildCI(t, ci, Environments())
	for env, s := range a.CI {
		tpl := assertions.Template_FromStack(s, nil)
		tpl.ResourceCountIs(jsii.String("AWS::SSM::Parameter"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{
			"Name": "/useradmin/ci/one-environment-per-account-and-region", "Type": "String", "Value": env,
		})
	}
}

// TestAPIGatewayAccountExists: where another stack owns API Gateway's
// account setting, the app makes no account stack, the environments depend
// on none, and the CI roles name no account stack.
func TestAPIGatewayAccountExists(t *testing.T) {
	ci, envs := testCI(t)
	app, dir := nagApp(t)
	a, err := NewApp(app, &AppProps{Environments: envs, CI: ci, ModuleDir: dir, APIGatewayAccountExists: true})
	if err != nil {
		t.Fatal(err)
	}
	AppNagSuppressions(a, envs)
	if len(a.Accounts) != 0 {
		t.Errorf("account stacks %v", keys(a.Accounts))
	}
	for name, s := range a.Environments {
		if d := *s.Dependencies(); len(d) != 0 {
			t.Errorf("%s depends on %d stacks", name, len(d))
		}
		assertions.Template_FromStack(s, nil).ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(0))
	}
	tpl := ciTemplate(t, a, "prd")
	id, role := roleByName(t, tpl, DiffRoleName("prd"))
	want := []string{"arn:aws:cloudformation:us-east-1:333333333333:stack/UserAdmin-prd/*"}
	if got := allowed(t, statements(t, tpl, id, role)); !equalJSON(got, map[string][]string{"cloudformation:DescribeStacks": want, "cloudformation:GetTemplate": want}) {
		t.Errorf("diff role allows %v", got)
	}
	ctx := map[string]any{APIGatewayAccountExistsContext: "true"}
	node := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())}).Node()
	if v, err := ContextBool(node, APIGatewayAccountExistsContext); err != nil || !v {
		t.Errorf("-c %s=true read as %v, %v", APIGatewayAccountExistsContext, v, err)
	}
}
