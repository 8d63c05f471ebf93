package cli

import "github.com/spf13/cobra"

// examples are the Example sections of the commands that do not set their
// own beside their definition; TestEveryCommandHasExamples holds every
// command to having one.
var examples = map[string]string{
	"useradmin audit": `  useradmin audit --since 2026-11-24T00:00:00Z
  useradmin audit --actor helpdesk@example.org --action disable --all -o csv > disables.csv`,
	"useradmin users history": `  useradmin users history maria@example.org
  useradmin users history maria@example.org --action disable -o json`,
	"useradmin configure": `  useradmin configure --local
  useradmin configure --profile prd --from-stack UserAdmin-prd
  useradmin configure --profile prd --api-url https://abc.execute-api.eu-west-1.amazonaws.com/prd \
    --region eu-west-1 --user-pool-id eu-west-1_AbC --client-id 1a2b3c`,
	"useradmin logout": `  useradmin logout
  useradmin logout --profile prd`,
	"useradmin mfa":       `  useradmin mfa setup`,
	"useradmin mfa setup": "  useradmin mfa setup\n  useradmin mfa setup --totp-secret-file ./totp.txt --code-stdin",
	"useradmin profiles":  "  useradmin profiles list\n  useradmin profiles show prd",
	"useradmin groups":    "  useradmin groups list\n  useradmin groups members admins --all\n  useradmin groups add ada@example.com editors",
	"useradmin groups list": `  useradmin groups list
  useradmin groups list -o json --template '{{range .groups}}{{if .admin}}{{.name}}{{"\n"}}{{end}}{{end}}'`,
	"useradmin groups members": "  useradmin groups members editors\n  useradmin groups members admins --all -o csv",
	"useradmin users":          "  useradmin users create ada@example.com\n  useradmin users list --status FORCE_CHANGE_PASSWORD\n  useradmin users get ada@example.com",
	"useradmin users delete":   "  useradmin users delete ada@example.com\n  useradmin users delete ada@example.com --yes   # no question: for scripts",
	"useradmin users disable":  "  useradmin users disable ada@example.com",
	"useradmin users enable":   "  useradmin users enable ada@example.com",
	"useradmin users export":   "  useradmin users export > users.csv\n  useradmin users export --format jsonl --status CONFIRMED",
	"useradmin users get": `  useradmin users get ada@example.com
  useradmin users get ada@example.com -o yaml
  useradmin users get ada@example.com -o json --template '{{.user.status}}'`,
	"useradmin users import": `  useradmin users import users.csv --dry-run --only-problems
  useradmin users import users.csv --report report.csv
  useradmin users import users.csv --yes   # rows that grant an admin group, without a terminal`,
	"useradmin users password": `  useradmin users password ada@example.com --reset
  useradmin users password ada@example.com --temporary
  useradmin users password ada@example.com --temporary --temporary-password-stdin --no-invitation`,
	"useradmin users remove-mfa": "  useradmin users remove-mfa ada@example.com",
	"useradmin users resend":     "  useradmin users resend ada@example.com",
	"useradmin users sign-out":   "  useradmin users sign-out ada@example.com",
	"useradmin users update":     "  useradmin users update ada@example.com --given-name Ada --family-name Lovelace\n  useradmin users update ada@example.com --attribute department=Research",
}

// addExamples fills in the examples of commands without their own.
func addExamples(root *cobra.Command) {
	walkCommands(root, func(c *cobra.Command) {
		if c.Example == "" {
			c.Example = examples[c.CommandPath()]
		}
	})
}
