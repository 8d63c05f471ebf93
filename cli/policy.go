package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// A profile carries the pool's password policy, so a first sign-in can
// check a new password before sending it and name the rule it breaks.
// The command has no AWS credentials to read the pool itself: the policy
// comes from the stack's template (configure --from-stack), or from
// --password-policy in the line a platform team hands over.

// policyClasses names the character classes in a policy spec.
var policyClasses = []string{"lower", "upper", "digit", "symbol"}

// formatPolicy writes a policy as a spec: "min=12,lower,upper,digit,symbol".
func formatPolicy(p settings.PasswordPolicy) string {
	parts := []string{"min=" + strconv.Itoa(p.MinLength)}
	for i, on := range []bool{p.RequireLowercase, p.RequireUppercase, p.RequireDigits, p.RequireSymbols} {
		if on {
			parts = append(parts, policyClasses[i])
		}
	}
	return strings.Join(parts, ",")
}

// parsePolicy reads a spec written by formatPolicy.
func parsePolicy(spec string) (settings.PasswordPolicy, error) {
	var p settings.PasswordPolicy
	for _, part := range strings.Split(spec, ",") {
		switch part = strings.TrimSpace(part); {
		case strings.HasPrefix(part, "min="):
			n, err := strconv.Atoi(strings.TrimPrefix(part, "min="))
			if err != nil {
				return p, fmt.Errorf("password policy %q: %q is not a number", spec, part)
			}
			p.MinLength = n
		case part == "lower":
			p.RequireLowercase = true
		case part == "upper":
			p.RequireUppercase = true
		case part == "digit":
			p.RequireDigits = true
		case part == "symbol":
			p.RequireSymbols = true
		default:
			return p, fmt.Errorf("password policy %q: unknown part %q (use min=N and any of %s)", spec, part, strings.Join(policyClasses, ", "))
		}
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("password policy %q: %v (min=N is required)", spec, err)
	}
	return p, nil
}

// policy is the profile's password policy, else the product's default.
func (p Profile) policy() settings.PasswordPolicy {
	if p.PasswordPolicy == "" {
		return settings.DefaultPasswordPolicy()
	}
	if pp, err := parsePolicy(p.PasswordPolicy); err == nil {
		return pp
	}
	return settings.DefaultPasswordPolicy()
}

// templatePolicy reads the user pool's password policy from a CloudFormation
// template (JSON, as CDK writes it).
func templatePolicy(body string) (settings.PasswordPolicy, error) {
	var t struct {
		Resources map[string]struct {
			Type       string `json:"Type"`
			Properties struct {
				Policies struct {
					PasswordPolicy *struct {
						MinimumLength    int  `json:"MinimumLength"`
						RequireLowercase bool `json:"RequireLowercase"`
						RequireUppercase bool `json:"RequireUppercase"`
						RequireNumbers   bool `json:"RequireNumbers"`
						RequireSymbols   bool `json:"RequireSymbols"`
					} `json:"PasswordPolicy"`
				} `json:"Policies"`
			} `json:"Properties"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return settings.PasswordPolicy{}, fmt.Errorf("the template: %w", err)
	}
	var found []settings.PasswordPolicy
	for _, r := range t.Resources {
		if r.Type != "AWS::Cognito::UserPool" {
			continue
		}
		// Cognito's default when the template sets none.
		p := settings.PasswordPolicy{MinLength: 8, RequireLowercase: true, RequireUppercase: true, RequireDigits: true, RequireSymbols: true}
		if pp := r.Properties.Policies.PasswordPolicy; pp != nil {
			p = settings.PasswordPolicy{MinLength: pp.MinimumLength, RequireLowercase: pp.RequireLowercase, RequireUppercase: pp.RequireUppercase, RequireDigits: pp.RequireNumbers, RequireSymbols: pp.RequireSymbols}
			if p.MinLength == 0 {
				p.MinLength = 8
			}
		}
		found = append(found, p)
	}
	if len(found) != 1 {
		return settings.PasswordPolicy{}, fmt.Errorf("the template has %d user pools, want 1", len(found))
	}
	return found[0], nil
}

// policyViolations names every rule of p that password breaks (Check stops
// at the first), each judged by Check itself on a policy of that rule alone,
// so the CLI and the API never disagree on what a rule means.
func policyViolations(p settings.PasswordPolicy, password string) []string {
	rules := []settings.PasswordPolicy{
		{MinLength: p.MinLength},
		{RequireLowercase: p.RequireLowercase},
		{RequireUppercase: p.RequireUppercase},
		{RequireDigits: p.RequireDigits},
		{RequireSymbols: p.RequireSymbols},
	}
	var out []string
	for _, r := range rules {
		if err := r.Check(password); err != nil && !slices.Contains(out, err.Error()) {
			out = append(out, err.Error())
		}
	}
	return out
}

// policyError is nil for a password p admits, else one error naming every
// rule it breaks.
func policyError(p settings.PasswordPolicy, password string) error {
	v := policyViolations(p, password)
	if len(v) == 0 {
		return nil
	}
	return errors.New(strings.Join(v, "; "))
}
