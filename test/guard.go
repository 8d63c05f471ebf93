package test

import "github.com/useradmin/cognito-user-admin/infra/guard"

// Replacements is the replacement guard (infra/guard), which the deploy-time
// check (infra/cmd/deployguard) runs too: every stateful resource the new
// template would replace or remove, skipping those approved as
// "<stack>/<logical ID>".
func Replacements(stack string, before, after []byte, approved map[string]string) ([]string, error) {
	return guard.Replacements(stack, before, after, approved)
}
