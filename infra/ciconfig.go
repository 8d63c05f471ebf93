package infra

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// CIConfig configures the CI stacks: for each environment, UserAdmin-ci-<env>
// with the two roles the workflows in .github/workflows assume through
// GitHub's OIDC provider, so CI holds no long-lived AWS keys. CI() holds the
// shipped values; the context keys GitHubRepoContext and
// SubjectPrefixContext override them at synth.
type CIConfig struct {
	// GitHubRepo is "owner/name" exactly as GitHub spells it (IAM compares the
	// token's sub claim case-sensitively). Empty: the app synthesizes no CI stack.
	GitHubRepo string
	// SubjectPrefix is what GitHub's OIDC sub claim starts with for this
	// repository: "repo:OWNER/REPO" (the default, from GitHubRepo), or the
	// immutable form "repo:OWNER@OWNER_ID/REPO@REPO_ID". Which one a
	// repository's tokens carry is GitHub's to say, not a date's:
	// docs/deploying.md says how to read it; pass it as is.
	SubjectPrefix string
	// SubjectClaims is the repository's customized subject template, the
	// include_claim_keys of `gh api repos/OWNER/REPO/actions/oidc/customization/sub`,
	// in that order; empty means GitHub's default template (repo, context).
	// It must start with repo and context; ref and job_workflow_ref may
	// follow, and then the deploy roles trust the default branch only, and
	// with job_workflow_ref the deploy workflow only: the gate where a plan
	// has no environment branch rules (docs/deploying.md).
	SubjectClaims []string
	// DefaultBranch is the branch the deploy workflow runs on, for the ref
	// and job_workflow_ref claims; empty means main.
	DefaultBranch string
	// BootstrapQualifier is the --qualifier of `cdk bootstrap` in every target
	// account; empty means CDK's default, hnb659fds.
	BootstrapQualifier string
	// OIDCProviderExists says every account the environments deploy to
	// already holds GitHub's provider (token.actions.githubusercontent.com,
	// an account holds one): the CI stacks then import it instead of
	// deploying UserAdmin-github-oidc stacks that create it.
	OIDCProviderExists bool
}

// Context keys that set CIConfig fields at synth: `cdk synth -c githubRepo=owner/name`.
const (
	GitHubRepoContext    = "githubRepo"
	SubjectPrefixContext = "githubSubjectPrefix"
	// SubjectClaimsContext is comma-separated: -c githubSubjectClaims=repo,context,job_workflow_ref.
	SubjectClaimsContext = "githubSubjectClaims"
	DefaultBranchContext = "githubDefaultBranch"
	// OIDCProviderExistsContext: -c githubOidcProviderExists=true, for
	// accounts where GitHub's provider exists already (another stack owns it).
	OIDCProviderExistsContext = "githubOidcProviderExists"
)

// Workflow files whose jobs assume the roles, for the job_workflow_ref claim.
const (
	DeployWorkflow = ".github/workflows/deploy.yml"
	DiffWorkflow   = ".github/workflows/diff.yml"
)

// subjectClaims are the claim keys a customized template may hold here:
// each has a value the trust policies can predict for the jobs they admit.
var subjectClaims = []string{"repo", "context", "ref", "job_workflow_ref"}

// CIStackName is the CI stack of one environment.
func CIStackName(env string) string { return "UserAdmin-ci-" + env }

// Enabled reports whether the app synthesizes the CI stacks.
func (c CIConfig) Enabled() bool { return c.GitHubRepo != "" }

func (c CIConfig) qualifier() string { return cmp.Or(c.BootstrapQualifier, "hnb659fds") }

// subjectPrefix is SubjectPrefix, or the mutable form made from GitHubRepo.
func (c CIConfig) subjectPrefix() string { return cmp.Or(c.SubjectPrefix, "repo:"+c.GitHubRepo) }

func (c CIConfig) defaultBranch() string { return cmp.Or(c.DefaultBranch, "main") }

// deploySubject is the sub claim of the deploy job of env: a job running in
// the GitHub environment env and, as the claims say, on the default branch
// in the deploy workflow.
func (c CIConfig) deploySubject(env string) string {
	ref := "refs/heads/" + c.defaultBranch()
	return c.subject("environment:"+env, ref, DeployWorkflow+"@"+ref)
}

// diffSubject is the sub claim of the diff jobs: pull requests, whose ref
// (refs/pull/<number>/merge) holds the one wildcard IAM must match.
func (c CIConfig) diffSubject() string {
	const ref = "refs/pull/*/merge"
	return c.subject("pull_request", ref, DiffWorkflow+"@"+ref)
}

// subject renders the subject template: each claim as key:value, joined by
// colons, as GitHub builds it; repo is the prefix itself.
func (c CIConfig) subject(context, ref, workflowAt string) string {
	claims := c.SubjectClaims
	if len(claims) == 0 {
		claims = []string{"repo", "context"}
	}
	var parts []string
	for _, k := range claims {
		switch k {
		case "repo":
			parts = append(parts, c.subjectPrefix())
		case "context":
			parts = append(parts, context)
		case "ref":
			parts = append(parts, "ref:"+ref)
		case "job_workflow_ref":
			parts = append(parts, "job_workflow_ref:"+c.GitHubRepo+"/"+workflowAt)
		}
	}
	return strings.Join(parts, ":")
}

// WithContext returns c with the fields the app's context sets (from cdk.json,
// cdk.context.json or -c on the command line), so CI needs no code edit.
func (c CIConfig) WithContext(node constructs.Node) (CIConfig, error) {
	var errs []error
	var claims string
	for key, field := range map[string]*string{
		GitHubRepoContext: &c.GitHubRepo, SubjectPrefixContext: &c.SubjectPrefix,
		SubjectClaimsContext: &claims, DefaultBranchContext: &c.DefaultBranch,
	} {
		switch v := node.TryGetContext(jsii.String(key)).(type) {
		case nil:
		case string:
			*field = v
		default:
			errs = append(errs, fmt.Errorf("context %s: %v is not a string", key, v))
		}
	}
	if claims != "" {
		c.SubjectClaims = strings.Split(claims, ",")
	}
	exists, err := ContextBool(node, OIDCProviderExistsContext)
	errs = append(errs, err)
	c.OIDCProviderExists = c.OIDCProviderExists || exists
	return c, errors.Join(errs...)
}

// ContextBool reads a yes/no context value: a JSON boolean from cdk.json,
// or "true"/"false" from `-c key=value`; absent is false.
func ContextBool(node constructs.Node, key string) (bool, error) {
	switch v := node.TryGetContext(jsii.String(key)).(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case string:
		if v == "true" || v == "false" {
			return v == "true", nil
		}
	}
	return false, fmt.Errorf("context %s: want true or false, got %v", key, node.TryGetContext(jsii.String(key)))
}

var (
	repoRe      = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})$`)
	subjectRe   = regexp.MustCompile(`^repo:([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(@[0-9]{1,20})?/([A-Za-z0-9._-]{1,100})(@[0-9]{1,20})?$`)
	qualifierRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,10}$`)
	// No * or ? (IAM wildcards in the diff roles' StringLike), no colon (the claims' separator).
	branchRe = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$`)
)

// Validate returns every problem in c, each naming its field, or nil.
func (c CIConfig) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config ci: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	repo := repoRe.FindStringSubmatch(c.GitHubRepo)
	if repo == nil || strings.Contains(c.GitHubRepo, "..") {
		bad("GitHubRepo", "%q is not a GitHub repository as owner/name", c.GitHubRepo)
	}
	if c.SubjectPrefix != "" {
		// Exactly one of the two forms GitHub issues, for this repository:
		// anything else (a wildcard, another repository, a claim suffix)
		// would widen the trust policies or match no token at all.
		m := subjectRe.FindStringSubmatch(c.SubjectPrefix)
		switch {
		case m == nil || (m[2] == "") != (m[4] == ""):
			bad("SubjectPrefix", "%q is neither repo:OWNER/REPO nor repo:OWNER@OWNER_ID/REPO@REPO_ID (numeric ids)", c.SubjectPrefix)
		case repo != nil && (m[1] != repo[1] || m[3] != repo[2]):
			bad("SubjectPrefix", "%q names another repository than GitHubRepo %q", c.SubjectPrefix, c.GitHubRepo)
		}
	}
	// The repository and the context first: without them a subject would
	// not name this repository, or could not tell a pull request from a deploy.
	if len(c.SubjectClaims) > 0 && (len(c.SubjectClaims) < 2 || c.SubjectClaims[0] != "repo" || c.SubjectClaims[1] != "context") {
		bad("SubjectClaims", "%q must start with repo, context (then ref and job_workflow_ref, as the repository's template lists them)", c.SubjectClaims)
	}
	seen := map[string]bool{}
	for _, k := range c.SubjectClaims {
		if !slices.Contains(subjectClaims, k) {
			bad("SubjectClaims", "%q is not one of %s: its value in a deploy job's token cannot be predicted here", k, strings.Join(subjectClaims, ", "))
		}
		if seen[k] {
			bad("SubjectClaims", "%q is listed twice", k)
		}
		seen[k] = true
	}
	if c.DefaultBranch != "" && !branchRe.MatchString(c.DefaultBranch) {
		bad("DefaultBranch", "%q is not a branch name this can trust (letters, digits, . _ - /)", c.DefaultBranch)
	}
	if !qualifierRe.MatchString(c.qualifier()) {
		bad("BootstrapQualifier", "%q is not a bootstrap qualifier (1 to 10 letters, digits, - or _)", c.qualifier())
	}
	return errors.Join(errs...)
}
