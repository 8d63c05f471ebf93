package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// nodeActions are the Node 24 releases of every action the workflows use,
// each SHA read from the action's own repository (see the README).
var nodeActions = map[string]string{
	"actions/checkout":                      "3d3c42e5aac5ba805825da76410c181273ba90b1", // v7.0.1
	"actions/setup-go":                      "b7ad1dad31e06c5925ef5d2fc7ad053ef454303e", // v7.0.0
	"actions/setup-node":                    "820762786026740c76f36085b0efc47a31fe5020", // v7.0.0
	"actions/setup-python":                  "5fda3b95a4ea91299a34e894583c3862153e4b97", // v7.0.0
	"actions/github-script":                 "ed597411d8f924073f98dfc5c65a23a2325f34cd", // v8.0.0
	"aws-actions/configure-aws-credentials": "e6de054238d6b7531b4efff3b6587d9aade6a06c", // v6.2.3
}

var usesRe = regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)`)

// TestActionsPinned: every action outside this repository is one of the
// Node 24 releases, pinned by its commit.
func TestActionsPinned(t *testing.T) {
	files, _ := filepath.Glob("../.github/workflows/*.yml")
	files = append(files, "../.github/actions/setup/action.yml")
	for _, f := range files {
		for _, m := range usesRe.FindAllStringSubmatch(string(mustRead(t, f)), -1) {
			ref := m[1]
			if strings.HasPrefix(ref, "./") {
				continue
			}
			name, sha, _ := strings.Cut(ref, "@")
			if want, ok := nodeActions[name]; !ok || sha != want {
				t.Errorf("%s: %s is not the pinned Node 24 release (%s)", f, ref, want)
			}
		}
	}
}

type workflow struct {
	Jobs map[string]struct {
		If          string         `json:"if"`
		Environment map[string]any `json:"environment"`
		Uses        string         `json:"uses"`
		With        map[string]any `json:"with"`
		Steps       []struct {
			Uses string            `json:"uses"`
			Run  string            `json:"run"`
			With map[string]any    `json:"with"`
			Env  map[string]string `json:"env"`
		} `json:"steps"`
	} `json:"jobs"`
}

func readWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	var w workflow
	if err := yaml.Unmarshal(mustRead(t, filepath.Join("..", ".github", "workflows", name)), &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestWorkflowRoles: each deploy job runs in its own GitHub environment
// with its own deploy role, and each pull-request diff with its own
// environment's diff role; no job names another environment's role.
func TestWorkflowRoles(t *testing.T) {
	deploy := readWorkflow(t, "deploy.yml")
	pr := readWorkflow(t, "pr.yml")
	for _, env := range []string{"dev", "stg", "prd"} {
		up := strings.ToUpper(env)
		job, ok := deploy.Jobs[env]
		if !ok {
			t.Fatalf("deploy.yml has no %s job", env)
		}
		if job.Environment["name"] != env {
			t.Errorf("deploy %s runs in GitHub environment %v", env, job.Environment["name"])
		}
		var roles []any
		for _, s := range job.Steps {
			if strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@") {
				roles = append(roles, s.With["role-to-assume"])
			}
		}
		if len(roles) != 1 || roles[0] != "${{ vars.DEPLOY_ROLE_ARN_"+up+" }}" {
			t.Errorf("deploy %s assumes %v, want its own DEPLOY_ROLE_ARN_%s only", env, roles, up)
		}
		if !strings.Contains(job.If, "vars.DEPLOY_ROLE_ARN_"+up) {
			t.Errorf("deploy %s runs without checking DEPLOY_ROLE_ARN_%s: %q", env, up, job.If)
		}
		diff, ok := pr.Jobs["diff-"+env]
		if !ok || diff.Uses != "./.github/workflows/diff.yml" || diff.With["environment"] != env ||
			diff.With["role-arn"] != "${{ vars.DIFF_ROLE_ARN_"+up+" }}" {
			t.Errorf("pr.yml diff-%s = %+v, want diff.yml with DIFF_ROLE_ARN_%s", env, diff, up)
		}
	}
	for _, f := range []string{"deploy.yml", "pr.yml", "diff.yml", "checks.yml"} {
		if b := string(mustRead(t, filepath.Join("..", ".github", "workflows", f))); strings.Contains(b, "vars.DEPLOY_ROLE_ARN }}") || strings.Contains(b, "vars.DIFF_ROLE_ARN }}") {
			t.Errorf("%s still uses a role shared by every environment", f)
		}
	}
	// The diff needs no change set and no lookup role (scripts/ci-diff.sh says why).
	if s := string(mustRead(t, "../scripts/ci-diff.sh")); !strings.Contains(s, "--method template") || !strings.Contains(s, "--app cdk.out") {
		t.Error("scripts/ci-diff.sh does not diff the synthesized assembly by template")
	}
}

// TestToolchains: go.mod pins the Go toolchain that builds the Lambda (and
// this test runs on it), and CI's Node is a supported release.
func TestToolchains(t *testing.T) {
	m := regexp.MustCompile(`(?m)^toolchain (\S+)$`).FindSubmatch(mustRead(t, "../go.mod"))
	if m == nil || string(m[1]) != runtime.Version() {
		t.Errorf("go.mod toolchain line = %q, want toolchain %s (the Go building this)", m, runtime.Version())
	}
	nvmrc, err := os.ReadFile("../.nvmrc")
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.TrimSpace(string(nvmrc)); v != "22" && v != "24" {
		t.Errorf(".nvmrc = %q, want 22 or 24", v)
	}
}

// TestDiffSynthRegion: the pull-request diff synthesizes before it has
// credentials, and the CDK CLI then pins every stack without a Region to
// AWS_REGION, or to us-east-1 when that is unset. The synth step must get the
// region the diff role is assumed in, or a diff of stacks deployed anywhere
// else reads us-east-1, where the role may read nothing.
func TestDiffSynthRegion(t *testing.T) {
	diff := readWorkflow(t, "diff.yml")
	var synth, creds int = -1, -1
	var region, credsRegion string
	for i, s := range diff.Jobs["diff"].Steps {
		switch {
		case strings.Contains(s.Run, "make synth"):
			synth, region = i, s.Env["AWS_REGION"]
		case strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@"):
			creds, credsRegion = i, fmt.Sprint(s.With["aws-region"])
		}
	}
	if synth < 0 || creds < 0 {
		t.Fatalf("diff.yml: synth step %d, credentials step %d", synth, creds)
	}
	if region == "" || region != credsRegion {
		t.Errorf("diff.yml synth runs with AWS_REGION %q, want the diff role's region %q", region, credsRegion)
	}
}

// TestDiffSynthAccount: the deployed stacks were synthesized with their
// account (the CDK CLI sets CDK_DEFAULT_ACCOUNT from the deploy role's
// credentials), so ARNs built from it are literals there. The pull-request
// diff synthesizes before it has credentials: without the account, those are
// Refs to AWS::AccountId, and every diff showed about twenty resources of
// each environment (Lambda permissions, the KMS key and topic policies)
// changed. The synth step takes the account from the diff role's ARN.
func TestDiffSynthAccount(t *testing.T) {
	diff := readWorkflow(t, "diff.yml")
	for _, s := range diff.Jobs["diff"].Steps {
		if !strings.Contains(s.Run, "make synth") {
			continue
		}
		if s.Env["ROLE_ARN"] != "${{ inputs.role-arn }}" ||
			!strings.Contains(s.Run, `CDK_DEFAULT_ACCOUNT=$(cut -d: -f5 <<<"$ROLE_ARN") make synth`) {
			t.Errorf("diff.yml synth step does not pin the diff role's account:\nenv %v\nrun %s", s.Env, s.Run)
		}
		return
	}
	t.Fatal("diff.yml has no make synth step")
}

// recipe returns the command lines of a Makefile target.
func recipe(t *testing.T, target string) []string {
	t.Helper()
	var out []string
	in := false
	for _, l := range strings.Split(string(mustRead(t, "../Makefile")), "\n") {
		switch {
		case strings.HasPrefix(l, target+":"):
			in = true
		case in && strings.HasPrefix(l, "\t"):
			out = append(out, strings.TrimSpace(l))
		case in:
			return out
		}
	}
	return out
}

// TestDeployGuarded: `make deploy` and the CI deploy synthesize, run the
// deploy guard (the snapshot tests' replacement guard against the deployed
// templates), and only then deploy, from the checked assembly: a change
// replacing or deleting a stateful resource stops before anything changes.
func TestDeployGuarded(t *testing.T) {
	var script []string
	for _, l := range strings.Split(string(mustRead(t, "../scripts/ci-deploy.sh")), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			script = append(script, l)
		}
	}
	for name, lines := range map[string][]string{"make deploy": recipe(t, "deploy"), "scripts/ci-deploy.sh": script} {
		step := func(pred func(string) bool) int {
			return slices.IndexFunc(lines, pred)
		}
		synth := step(func(l string) bool { return strings.Contains(l, "cdk synth") || strings.Contains(l, "$(CDK) synth") })
		guard := step(func(l string) bool { return strings.HasPrefix(l, "go run ./infra/cmd/deployguard ") })
		deploy := step(func(l string) bool { return strings.Contains(l, " deploy ") && strings.Contains(l, "--app cdk.out") })
		other := step(func(l string) bool { return strings.Contains(l, " deploy ") && !strings.Contains(l, "--app cdk.out") })
		if synth < 0 || guard < synth || deploy < guard || other >= 0 {
			t.Errorf("%s: synth at %d, guard at %d, deploy of the checked assembly at %d, another deploy at %d:\n%s",
				name, synth, guard, deploy, other, strings.Join(lines, "\n"))
		}
	}
	if !strings.Contains(string(mustRead(t, "../scripts/ci-deploy.sh")), "set -euo pipefail") {
		t.Error("ci-deploy.sh would carry on after a failed guard")
	}
}

// TestDeployCINeedsRegion: the CI roles name the bootstrap roles of the
// region their stack goes to; for an environment without Config.Region that
// is the CLI's, so `make deploy-ci` refuses to guess it.
func TestDeployCINeedsRegion(t *testing.T) {
	makeN := func(region string) (string, error) {
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_REGION=") {
				env = append(env, kv)
			}
		}
		if region != "" {
			env = append(env, "AWS_REGION="+region)
		}
		cmd := exec.Command("make", "-n", "deploy-ci", "ENV=dev", "GITHUB_REPO=example-org/cognito-user-admin")
		cmd.Dir, cmd.Env = "..", env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := makeN(""); err == nil || !strings.Contains(out, "make deploy-ci needs AWS_REGION") {
		t.Errorf("without AWS_REGION: %v\n%s", err, out)
	}
	if out, err := makeN("eu-west-1"); err != nil || !strings.Contains(out, "UserAdmin-ci-dev") {
		t.Errorf("with AWS_REGION: %v\n%s", err, out)
	}
}
