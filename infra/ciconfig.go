package infra

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
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
	// immutable form "repo:OWNER@OWNER_ID/REPO@REPO_ID" that repositories
	// created, renamed or transferred after 2026-06-18 (and those that opt
	// in) use. docs/deploying.md says how to read which one a repository uses.
	SubjectPrefix string
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
)

// CIStackName is the CI stack of one environment.
func CIStackName(env string) string { return "UserAdmin-ci-" + env }

// Enabled reports whether the app synthesizes the CI stacks.
func (c CIConfig) Enabled() bool { return c.GitHubRepo != "" }

func (c CIConfig) qualifier() string { return cmp.Or(c.BootstrapQualifier, "hnb659fds") }

// subjectPrefix is SubjectPrefix, or the mutable form made from GitHubRepo.
func (c CIConfig) subjectPrefix() string { return cmp.Or(c.SubjectPrefix, "repo:"+c.GitHubRepo) }

// WithContext returns c with the fields the app's context sets (from cdk.json,
// cdk.context.json or -c on the command line), so CI needs no code edit.
func (c CIConfig) WithContext(node constructs.Node) (CIConfig, error) {
	var errs []error
	for key, field := range map[string]*string{GitHubRepoContext: &c.GitHubRepo, SubjectPrefixContext: &c.SubjectPrefix} {
		switch v := node.TryGetContext(jsii.String(key)).(type) {
		case nil:
		case string:
			*field = v
		default:
			errs = append(errs, fmt.Errorf("context %s: %v is not a string", key, v))
		}
	}
	return c, errors.Join(errs...)
}

var (
	repoRe      = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})$`)
	subjectRe   = regexp.MustCompile(`^repo:([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(@[0-9]{1,20})?/([A-Za-z0-9._-]{1,100})(@[0-9]{1,20})?$`)
	qualifierRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,10}$`)
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
	if !qualifierRe.MatchString(c.qualifier()) {
		bad("BootstrapQualifier", "%q is not a bootstrap qualifier (1 to 10 letters, digits, - or _)", c.qualifier())
	}
	return errors.Join(errs...)
}
