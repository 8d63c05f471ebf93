package infra

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// CIConfig configures UserAdmin-ci, the CI access stack: GitHub's OIDC
// identity provider and the two roles the workflows in .github/workflows
// assume, so CI holds no long-lived AWS keys. CI() holds the shipped values.
type CIConfig struct {
	// GitHubRepo is "owner/name" exactly as GitHub spells it (IAM compares the
	// token's sub claim case-sensitively). The roles trust this repository's
	// workflows only. Empty: the app does not synthesize UserAdmin-ci.
	GitHubRepo string
	// MainBranch is the branch whose pushes deploy; empty means "main".
	MainBranch string
	// GitHubEnvironments are the GitHub environments the deploy workflow runs
	// in (stg and prd, behind required reviewers); the deploy role trusts jobs
	// in them. In GitHub, limit each to MainBranch (Deployment branches):
	// the sub claim of an environment job does not name the branch.
	GitHubEnvironments []string
	// Account and Region pin UserAdmin-ci, as Config's do. Environments with
	// no Account or Region of their own deploy to these.
	Account, Region string
	// BootstrapQualifier is the --qualifier of `cdk bootstrap` in every target
	// account; empty means CDK's default, hnb659fds.
	BootstrapQualifier string
	// OIDCProviderArn names an existing token.actions.githubusercontent.com
	// provider: an account holds at most one per URL. Empty creates it.
	OIDCProviderArn string
}

// CIStackName is the CI access stack: one per AWS account, since the OIDC
// provider and the role names are account-wide.
const CIStackName = "UserAdmin-ci"

// Enabled reports whether the app synthesizes UserAdmin-ci.
func (c CIConfig) Enabled() bool { return c.GitHubRepo != "" }

func (c CIConfig) mainBranch() string { return cmp.Or(c.MainBranch, "main") }

func (c CIConfig) qualifier() string { return cmp.Or(c.BootstrapQualifier, "hnb659fds") }

var (
	repoRe      = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	branchRe    = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,200}$`)
	ghEnvRe     = regexp.MustCompile(`^[A-Za-z0-9._-]{1,255}$`)
	qualifierRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,10}$`)
	oidcArnRe   = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$`)
)

// Validate returns every problem in c, each naming its field, or nil.
func (c CIConfig) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config ci: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	if !repoRe.MatchString(c.GitHubRepo) || strings.Contains(c.GitHubRepo, "..") {
		bad("GitHubRepo", "%q is not a GitHub repository as owner/name", c.GitHubRepo)
	}
	// Wildcards would widen the trust policies' exact sub claims.
	if b := c.mainBranch(); !branchRe.MatchString(b) || strings.HasPrefix(b, "/") || strings.Contains(b, "..") {
		bad("MainBranch", "%q is not a plain branch name", b)
	}
	seen := map[string]bool{}
	for _, e := range c.GitHubEnvironments {
		if !ghEnvRe.MatchString(e) {
			bad("GitHubEnvironments", "%q is not a plain GitHub environment name", e)
		}
		if seen[e] {
			bad("GitHubEnvironments", "%q is listed twice", e)
		}
		seen[e] = true
	}
	checkPlacement(bad, c.Account, c.Region)
	if !qualifierRe.MatchString(c.qualifier()) {
		bad("BootstrapQualifier", "%q is not a bootstrap qualifier (1 to 10 letters, digits, - or _)", c.qualifier())
	}
	if c.OIDCProviderArn != "" && !oidcArnRe.MatchString(c.OIDCProviderArn) {
		bad("OIDCProviderArn", "%q is not the ARN of a token.actions.githubusercontent.com provider", c.OIDCProviderArn)
	}
	return errors.Join(errs...)
}
