package infra

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

const testRepo = "example-org/cognito-user-admin"

// testCI puts UserAdmin-ci in account 111111111111 (eu-west-1) with dev
// unpinned (so it lands there too), stg in a second account and prd in a
// third account and region, as a multi-account setup would.
func testCI(t *testing.T) (CIConfig, []Config) {
	t.Helper()
	ci := CI()
	ci.GitHubRepo = testRepo
	ci.Account, ci.Region = "111111111111", "eu-west-1"
	envs := Environments()
	envs[1].Account, envs[1].Region = "222222222222", "eu-west-1"
	envs[2].Account, envs[2].Region = "333333333333", "eu-central-1"
	return ci, envs
}

// synthCI builds UserAdmin-ci in an App carrying cdk.json's feature flags,
// with cdk-nag's AwsSolutions pack applied, and returns the stack.
func synthCI(t *testing.T, ci CIConfig, envs []Config) awscdk.Stack {
	t.Helper()
	app, _ := nagApp(t)
	stack, err := NewCIStack(app, &CIStackProps{CI: ci, Environments: envs})
	if err != nil {
		t.Fatal(err)
	}
	CINagSuppressions(stack)
	return stack
}

var ciTemplate assertions.Template

// shippedCITemplate is the test config's UserAdmin-ci, synthesized once per run.
func shippedCITemplate(t *testing.T) assertions.Template {
	t.Helper()
	if ciTemplate == nil {
		ci, envs := testCI(t)
		ciTemplate = assertions.Template_FromStack(synthCI(t, ci, envs), nil)
	}
	return ciTemplate
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

var testTargets = [][2]string{{"111111111111", "eu-west-1"}, {"222222222222", "eu-west-1"}, {"333333333333", "eu-central-1"}}

func TestCIProvider(t *testing.T) {
	tpl := shippedCITemplate(t)
	tpl.ResourceCountIs(jsii.String("AWS::IAM::OIDCProvider"), jsii.Number(1))
	// The native resource: no custom resource, no Lambda behind it.
	tpl.ResourceCountIs(jsii.String("Custom::AWSCDKOpenIdConnectProvider"), jsii.Number(0))
	tpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(0))
	tpl.HasResourceProperties(jsii.String("AWS::IAM::OIDCProvider"), map[string]any{
		"Url":            "https://token.actions.githubusercontent.com",
		"ClientIdList":   []any{"sts.amazonaws.com"},
		"ThumbprintList": assertions.Match_Absent(),
	})
}

// TestCITrust: each role trusts GitHub's provider, for sts.amazonaws.com,
// with the sub claim pinned to the repository: pull requests for the diff
// role; the main branch and the stg and prd environments for the deploy role.
func TestCITrust(t *testing.T) {
	tpl := shippedCITemplate(t)
	var providerID string
	for id := range resources(tpl, "AWS::IAM::OIDCProvider") {
		providerID = id
	}
	for name, subs := range map[string][]any{
		"useradmin-ci-diff": {"repo:" + testRepo + ":pull_request"},
		"useradmin-ci-deploy": {
			"repo:" + testRepo + ":ref:refs/heads/main",
			"repo:" + testRepo + ":environment:stg",
			"repo:" + testRepo + ":environment:prd",
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, role := roleByName(t, tpl, name)
			want := map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Effect":    "Allow",
					"Action":    "sts:AssumeRoleWithWebIdentity",
					"Principal": map[string]any{"Federated": map[string]any{"Ref": providerID}},
					"Condition": map[string]any{"StringEquals": map[string]any{
						"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
						"token.actions.githubusercontent.com:sub": subs,
					}},
				}},
			}
			if got := props(role)["AssumeRolePolicyDocument"]; !equalJSON(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				t.Errorf("trust policy:\n%s", g)
			}
			if got := props(role)["MaxSessionDuration"]; got != 3600.0 {
				t.Errorf("MaxSessionDuration = %v, want 3600", got)
			}
			if props(role)["ManagedPolicyArns"] != nil {
				t.Errorf("managed policies: %v", props(role)["ManagedPolicyArns"])
			}
		})
	}
}

// TestCIDiffRoleReadsOnly: the diff role may assume the lookup roles (read
// only, by CDK's bootstrap) and read the UserAdmin stacks, nothing more.
func TestCIDiffRoleReadsOnly(t *testing.T) {
	tpl := shippedCITemplate(t)
	id, role := roleByName(t, tpl, DiffRoleName)
	got := allowed(t, statements(t, tpl, id, role))

	for a := range got {
		for _, banned := range []string{
			"cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:CreateStack",
			"cloudformation:UpdateStack", "cloudformation:DeleteStack", "iam:PassRole", "s3:Put",
		} {
			if strings.HasPrefix(a, banned) {
				t.Errorf("the diff role may %s", a)
			}
		}
	}
	var lookups, stacks []string
	for i, tg := range testTargets {
		lookups = append(lookups, bootstrapRole("lookup", tg[0], tg[1]))
		stacks = append(stacks, fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/UserAdmin-%s/*", tg[1], tg[0], []string{"dev", "stg", "prd"}[i]))
	}
	sort.Strings(lookups)
	sort.Strings(stacks)
	want := map[string][]string{
		"sts:AssumeRole":                lookups,
		"cloudformation:DescribeStacks": stacks,
		"cloudformation:GetTemplate":    stacks,
	}
	if !equalJSON(got, want) {
		t.Errorf("diff role allows\n %v\nwant\n %v", got, want)
	}
}

// TestCIDeployRole: the deploy role may assume exactly CDK's deploy,
// file-publishing and lookup roles of each target, and do nothing else.
func TestCIDeployRole(t *testing.T) {
	tpl := shippedCITemplate(t)
	id, role := roleByName(t, tpl, DeployRoleName)
	var want []string
	for _, tg := range testTargets {
		for _, kind := range []string{"deploy", "file-publishing", "lookup"} {
			want = append(want, bootstrapRole(kind, tg[0], tg[1]))
		}
	}
	sort.Strings(want)
	if got := allowed(t, statements(t, tpl, id, role)); !equalJSON(got, map[string][]string{"sts:AssumeRole": want}) {
		t.Errorf("deploy role allows\n %v\nwant sts:AssumeRole on\n %v", got, want)
	}
}

// TestCINoWildcards: no action or resource is *, no action is a service
// wildcard, and the only * in a resource is a stack ARN's id suffix.
func TestCINoWildcards(t *testing.T) {
	tpl := shippedCITemplate(t)
	for _, name := range []string{DiffRoleName, DeployRoleName} {
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
		t.Errorf("%d roles, want the diff and deploy roles only", n)
	}
	tpl.ResourceCountIs(jsii.String("AWS::IAM::ManagedPolicy"), jsii.Number(0))
}

func TestCIOutputs(t *testing.T) {
	tpl := shippedCITemplate(t)
	diffID, _ := roleByName(t, tpl, DiffRoleName)
	deployID, _ := roleByName(t, tpl, DeployRoleName)
	tpl.HasOutput(jsii.String("DiffRoleArn"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{diffID, "Arn"}}})
	tpl.HasOutput(jsii.String("DeployRoleArn"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{deployID, "Arn"}}})
}

// TestCINag: UserAdmin-ci passes cdk-nag's AwsSolutions pack.
func TestCINag(t *testing.T) {
	ci, envs := testCI(t)
	checkNag(t, synthCI(t, ci, envs))
}

// TestCIUnpinned: with no account or region anywhere (the shipped
// environments), the roles name the bootstrap roles and stacks of the
// account and region UserAdmin-ci is deployed to, once each.
func TestCIUnpinned(t *testing.T) {
	ci := CI()
	ci.GitHubRepo = testRepo
	stack := synthCI(t, ci, Environments())
	checkNag(t, stack)
	tpl := assertions.Template_FromStack(stack, nil)
	want := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::", map[string]any{"Ref": "AWS::AccountId"},
		":role/cdk-hnb659fds-lookup-role-", map[string]any{"Ref": "AWS::AccountId"}, "-", map[string]any{"Ref": "AWS::Region"},
	}}}
	id, role := roleByName(t, tpl, DiffRoleName)
	for _, s := range statements(t, tpl, id, role) {
		if s["Action"] == "sts:AssumeRole" && !equalJSON(s["Resource"], want) {
			t.Errorf("lookup role resource = %v, want %v", s["Resource"], want)
		}
	}
	id, role = roleByName(t, tpl, DeployRoleName)
	if s := statements(t, tpl, id, role); len(s) != 1 || len(s[0]["Resource"].([]any)) != 3 {
		t.Errorf("deploy role statements = %v, want one on the 3 bootstrap roles", s)
	}
}

// TestCIExistingProvider: with OIDCProviderArn, the stack uses that
// provider and creates none (an account holds one per URL).
func TestCIExistingProvider(t *testing.T) {
	ci, envs := testCI(t)
	ci.OIDCProviderArn = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
	tpl := assertions.Template_FromStack(synthCI(t, ci, envs), nil)
	tpl.ResourceCountIs(jsii.String("AWS::IAM::OIDCProvider"), jsii.Number(0))
	_, role := roleByName(t, tpl, DeployRoleName)
	st := props(role)["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
	if !equalJSON(st["Principal"], map[string]any{"Federated": ci.OIDCProviderArn}) {
		t.Errorf("principal = %v, want the configured provider", st["Principal"])
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
	for field, mutate := range map[string]func(*CIConfig){
		"GitHubRepo":         func(c *CIConfig) { c.GitHubRepo = "example-org/*" },
		"MainBranch":         func(c *CIConfig) { c.MainBranch = "release/*" },
		"GitHubEnvironments": func(c *CIConfig) { c.GitHubEnvironments = []string{"prd", "prd"} },
		"Account":            func(c *CIConfig) { c.Account = "1234" },
		"Region":             func(c *CIConfig) { c.Region = "mars" },
		"BootstrapQualifier": func(c *CIConfig) { c.BootstrapQualifier = "far-too-long-qualifier" },
		"OIDCProviderArn":    func(c *CIConfig) { c.OIDCProviderArn = "arn:aws:iam::111111111111:oidc-provider/example.org" },
	} {
		t.Run(field, func(t *testing.T) {
			c := ci
			mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), field+":") {
				t.Fatalf("Validate() = %v, want an error naming %s", err, field)
			}
			if _, err := NewCIStack(nil, &CIStackProps{CI: c, Environments: envs}); err == nil || !strings.Contains(err.Error(), field) {
				t.Errorf("NewCIStack err = %v, want one naming %s", err, field)
			}
		})
	}
	if _, err := NewCIStack(nil, &CIStackProps{CI: ci}); err == nil {
		t.Error("a CI stack with no environments was accepted")
	}
	if slices.Contains(ci.GitHubEnvironments, "dev") {
		t.Error("dev deploys from the main branch; it needs no GitHub environment")
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
	if _, err := NewCIStack(app, &CIStackProps{CI: ci, Environments: envs}); err == nil || !strings.Contains(err.Error(), "BootstrapQualifier:") {
		t.Fatalf("err = %v, want one naming BootstrapQualifier", err)
	}
	ci.BootstrapQualifier = "acme01"
	stack, err := NewCIStack(app, &CIStackProps{CI: ci, Environments: envs})
	if err != nil {
		t.Fatal(err)
	}
	tpl := assertions.Template_FromStack(stack, nil)
	id, role := roleByName(t, tpl, DeployRoleName)
	for _, r := range allowed(t, statements(t, tpl, id, role))["sts:AssumeRole"] {
		if !strings.Contains(r, ":role/cdk-acme01-") {
			t.Errorf("bootstrap role %s is not of qualifier acme01", r)
		}
	}
}
