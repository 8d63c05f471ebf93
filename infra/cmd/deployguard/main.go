// Command deployguard stops a deployment that would replace or delete a
// stateful resource (the user pool, its clients, groups, users). For STACK
// and the stacks it depends on in the cloud assembly (what `cdk deploy
// STACK` deploys), it compares the synthesized template with the one
// CloudFormation holds (GetTemplate), with the replacement guard the
// snapshot tests run (infra/guard) and infra.ApprovedReplacements. `make
// deploy` and the CI deploy (scripts/ci-deploy.sh) run it between synth and
// `cdk deploy --app cdk.out`, so what is checked is what is deployed.
//
//	deployguard [-assembly cdk.out] STACK
//	deployguard -deployed FILE [-assembly cdk.out] STACK   (offline: FILE is the earlier template)
//
// Exit 0: nothing stateful is replaced or deleted (or the stack is new); 1:
// something is, each named on stderr; 2: the check could not run (no
// credentials, no access, a bad assembly), and nothing should be deployed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/useradmin/cognito-user-admin/infra"
	"github.com/useradmin/cognito-user-admin/infra/guard"
)

// templates reads a deployed stack's template; nil without error when the
// stack does not exist.
type templates func(ctx context.Context, region, stack string) ([]byte, error)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, cloudFormation))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, deployed templates) int {
	fs := flag.NewFlagSet("deployguard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	assembly := fs.String("assembly", "cdk.out", "the cloud assembly `cdk synth` wrote")
	file := fs.String("deployed", "", "compare STACK with this template file instead of the deployed stack (offline)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: deployguard [-assembly DIR] [-deployed FILE] STACK")
		return 2
	}
	target := fs.Arg(0)
	stacks, err := readAssembly(*assembly, target)
	if err != nil {
		fmt.Fprintf(stderr, "deployguard: %v\n", err)
		return 2
	}
	if *file != "" {
		// Offline: the earlier template of STACK alone.
		stacks = stacks[len(stacks)-1:]
		b, err := os.ReadFile(*file)
		if err != nil {
			fmt.Fprintf(stderr, "deployguard: %v\n", err)
			return 2
		}
		deployed = func(context.Context, string, string) ([]byte, error) { return b, nil }
	}
	var found []string
	for _, s := range stacks {
		before, err := deployed(ctx, s.region, s.name)
		if err != nil {
			fmt.Fprintf(stderr, "deployguard: %s: reading the deployed template: %v\nNothing was deployed: the guard could not run.\n", s.name, err)
			return 2
		}
		if before == nil {
			fmt.Fprintf(stdout, "deployguard: %s is not deployed yet: nothing to replace\n", s.name)
			continue
		}
		after, err := os.ReadFile(s.template)
		if err != nil {
			fmt.Fprintf(stderr, "deployguard: %v\n", err)
			return 2
		}
		f, err := guard.Replacements(s.name, before, after, infra.ApprovedReplacements)
		if err != nil {
			fmt.Fprintf(stderr, "deployguard: %v\n", err)
			return 2
		}
		if len(f) == 0 {
			fmt.Fprintf(stdout, "deployguard: %s: no stateful resource replaced or deleted\n", s.name)
		}
		found = append(found, f...)
	}
	if len(found) > 0 {
		for _, f := range found {
			fmt.Fprintln(stderr, "deployguard: "+f)
		}
		fmt.Fprintf(stderr, "deployguard: refusing to deploy %s: the change would replace or delete the stateful resources above "+
			"(a replaced user pool loses every user and password). If that is intended, approve each in infra/replacements.go, "+
			"in a reviewed pull request.\n", target)
		return 1
	}
	return 0
}

type stack struct{ name, region, template string }

// readAssembly returns the stacks `cdk deploy target` deploys from the
// assembly in dir: target's stack dependencies (recursively), then target.
func readAssembly(dir, target string) ([]stack, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("%w (run cdk synth first)", err)
	}
	var m struct {
		Artifacts map[string]struct {
			Type         string   `json:"type"`
			Environment  string   `json:"environment"`
			Dependencies []string `json:"dependencies"`
			Properties   struct {
				TemplateFile string `json:"templateFile"`
				StackName    string `json:"stackName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var out []stack
	var visit func(id string) error
	visit = func(id string) error {
		a, ok := m.Artifacts[id]
		if !ok || a.Type != "aws:cloudformation:stack" {
			return fmt.Errorf("the assembly in %s has no stack %s", dir, id)
		}
		if slices.ContainsFunc(out, func(s stack) bool { return s.name == id }) {
			return nil
		}
		for _, d := range a.Dependencies {
			if m.Artifacts[d].Type == "aws:cloudformation:stack" {
				if err := visit(d); err != nil {
					return err
				}
			}
		}
		region := ""
		if parts := strings.Split(strings.TrimPrefix(a.Environment, "aws://"), "/"); len(parts) == 2 && parts[1] != "unknown-region" {
			region = parts[1]
		}
		name := a.Properties.StackName
		if name == "" {
			name = id
		}
		out = append(out, stack{name: name, region: region, template: filepath.Join(dir, a.Properties.TemplateFile)})
		return nil
	}
	return out, visit(target)
}

// cloudFormation reads the template CloudFormation holds for the stack, with
// the default credential chain, in region (empty: the configured region).
func cloudFormation(ctx context.Context, region, name string) ([]byte, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	if region != "" {
		cfg.Region = region
	}
	return getTemplate(ctx, cloudformation.NewFromConfig(cfg), name)
}

// templateGetter is the one call of the CloudFormation client used here.
type templateGetter interface {
	GetTemplate(context.Context, *cloudformation.GetTemplateInput, ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error)
}

func getTemplate(ctx context.Context, c templateGetter, name string) ([]byte, error) {
	out, err := c.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(name), TemplateStage: types.TemplateStageOriginal})
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "ValidationError" && strings.Contains(api.ErrorMessage(), "does not exist") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []byte(aws.ToString(out.TemplateBody)), nil
}
