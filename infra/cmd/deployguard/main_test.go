package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

const (
	poolTyped = `{"Resources": {"UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UsernameAttributes": ["email"],
  "Schema": [{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true}]}}}}`
	poolUntyped = `{"Resources": {"UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UsernameAttributes": ["email"],
  "Schema": [{"Name": "email", "Required": true, "Mutable": true}]}}}}`
	poolByPhone = `{"Resources": {"UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UsernameAttributes": ["phone_number"],
  "Schema": [{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true}]}}}}`
	noPool  = `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {}}}}`
	account = `{"Resources": {"Setting": {"Type": "AWS::ApiGateway::Account", "Properties": {}}}}`
)

// assembly writes a cloud assembly as `cdk synth` does: UserAdmin-prd,
// depending on its account stack (and an asset manifest), with template prd.
func assembly(t *testing.T, prd string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"manifest.json": `{"artifacts": {
  "UserAdmin-account": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1",
    "properties": {"templateFile": "UserAdmin-account.template.json"}},
  "UserAdmin-prd.assets": {"type": "cdk:asset-manifest", "properties": {"file": "UserAdmin-prd.assets.json"}},
  "UserAdmin-prd": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1",
    "properties": {"templateFile": "UserAdmin-prd.template.json", "stackName": "UserAdmin-prd"},
    "dependencies": ["UserAdmin-account", "UserAdmin-prd.assets"]}}}`,
		"UserAdmin-account.template.json": account,
		"UserAdmin-prd.template.json":     prd,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestDeployGuard: the guard reads each stack `cdk deploy UserAdmin-prd`
// deploys, in its region, and refuses (exit 1, naming the resource) a
// change that replaces or deletes the pool; it lets through an update in
// place, the typing of the standard email attribute and a new stack; when
// it cannot read what is deployed it stops everything (exit 2).
func TestDeployGuard(t *testing.T) {
	for _, tc := range []struct {
		name        string
		deployed    map[string]string // stack -> template; absent: not deployed
		err         error
		next        string
		code        int
		out, errOut string
	}{
		{"unchanged", map[string]string{"UserAdmin-account": account, "UserAdmin-prd": poolTyped}, nil, poolTyped, 0, "UserAdmin-prd: no stateful resource replaced or deleted", ""},
		{"email typed", map[string]string{"UserAdmin-account": account, "UserAdmin-prd": poolUntyped}, nil, poolTyped, 0, "UserAdmin-prd: no stateful resource replaced or deleted", ""},
		{"new stacks", map[string]string{}, nil, poolTyped, 0, "UserAdmin-prd is not deployed yet", ""},
		{"pool replaced", map[string]string{"UserAdmin-account": account, "UserAdmin-prd": poolTyped}, nil, poolByPhone, 1, "",
			"UserAdmin-prd/UserPool (AWS::Cognito::UserPool): replacement: UsernameAttributes changes"},
		{"pool deleted", map[string]string{"UserAdmin-account": account, "UserAdmin-prd": poolTyped}, nil, noPool, 1, "",
			"UserAdmin-prd/UserPool (AWS::Cognito::UserPool): replacement: the logical ID is gone"},
		{"no access", nil, errors.New("AccessDenied: not authorized to perform cloudformation:GetTemplate"), poolTyped, 2, "",
			"the guard could not run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			deployed := func(_ context.Context, region, name string) ([]byte, error) {
				calls = append(calls, region+"/"+name)
				if tc.err != nil {
					return nil, tc.err
				}
				if b, ok := tc.deployed[name]; ok {
					return []byte(b), nil
				}
				return nil, nil
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"-assembly", assembly(t, tc.next), "UserAdmin-prd"}, &out, &errOut, deployed)
			if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errOut.String(), tc.errOut) {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errOut.String())
			}
			if code == 1 && !strings.Contains(errOut.String(), "refusing to deploy UserAdmin-prd") {
				t.Errorf("no refusal: %s", errOut.String())
			}
			if want := []string{"eu-west-1/UserAdmin-account", "eu-west-1/UserAdmin-prd"}; tc.err == nil && !slices.Equal(calls, want) {
				t.Errorf("read %v, want %v (dependencies first, in their region)", calls, want)
			}
		})
	}
}

// TestDeployGuardOffline: -deployed compares with a template file (a
// snapshot, say) without AWS.
func TestDeployGuardOffline(t *testing.T) {
	before := filepath.Join(t.TempDir(), "before.json")
	if err := os.WriteFile(before, []byte(poolTyped), 0o644); err != nil {
		t.Fatal(err)
	}
	noAWS := func(context.Context, string, string) ([]byte, error) { t.Fatal("AWS called"); return nil, nil }
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"-deployed", before, "-assembly", assembly(t, poolByPhone), "UserAdmin-prd"}, &out, &errOut, noAWS); code != 1 ||
		!strings.Contains(errOut.String(), "UsernameAttributes changes") {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
	if code := run(context.Background(), []string{"-assembly", assembly(t, poolTyped), "UserAdmin-dev"}, &out, &errOut, noAWS); code != 2 {
		t.Errorf("a stack the assembly lacks: exit %d", code)
	}
}

type fakeCFN struct {
	in   *cloudformation.GetTemplateInput
	body string
	err  error
}

func (f *fakeCFN) GetTemplate(_ context.Context, in *cloudformation.GetTemplateInput, _ ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	f.in = in
	if f.err != nil {
		return nil, f.err
	}
	return &cloudformation.GetTemplateOutput{TemplateBody: aws.String(f.body)}, nil
}

// TestGetTemplate: the template as it was submitted; a stack that does not
// exist is no template, any other error is an error.
func TestGetTemplate(t *testing.T) {
	f := &fakeCFN{body: poolTyped}
	if b, err := getTemplate(context.Background(), f, "UserAdmin-prd"); err != nil || string(b) != poolTyped ||
		aws.ToString(f.in.StackName) != "UserAdmin-prd" || f.in.TemplateStage != types.TemplateStageOriginal {
		t.Errorf("got %q, %v (input %+v)", b, err, f.in)
	}
	f = &fakeCFN{err: &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id UserAdmin-prd does not exist"}}
	if b, err := getTemplate(context.Background(), f, "UserAdmin-prd"); b != nil || err != nil {
		t.Errorf("missing stack: %q, %v", b, err)
	}
	f = &fakeCFN{err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "no"}}
	if _, err := getTemplate(context.Background(), f, "UserAdmin-prd"); err == nil {
		t.Error("access denied passed as no stack")
	}
}
