// Package cli is the administrators' command useradmin: it signs in to the
// user pool with SRP (every challenge a pool of this product raises), keeps
// the session per profile, and calls the admin API through the client
// generated from api/openapi.yaml.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes, as docs/administrators.md documents them.
const (
	ExitOK        = 0
	ExitAPI       = 1 // the API (or Cognito) refused, or the call failed
	ExitUsage     = 2 // bad command line
	ExitNoSession = 3 // no session, or one that cannot be refreshed
)

// IO is everything the command touches outside its own files: tests run
// the command in-process with their own streams and environment.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (USERADMIN_PROFILE, USERADMIN_CONFIG_DIR).
	Getenv func(string) string
	// HTTPClient calls the API and Cognito; nil means a default with a
	// timeout. Either way, plain http:// is refused off the machine (endpoint.go).
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// exitError carries the exit code with the message printed on stderr.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

func failErr(format string, a ...any) error {
	return &exitError{code: ExitAPI, err: fmt.Errorf(format, a...)}
}

// Build facts, set by the Makefile's cli target with -ldflags -X; a plain
// go build says "dev".
var (
	Version = "dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// Main runs the command line args and returns the process's exit code.
func Main(ctx context.Context, args []string, stdio IO) int {
	a := newApp(stdio)
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(a.io.Stdin)
	root.SetOut(stdio.Stdout)
	root.SetErr(stdio.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	help := "useradmin --help"
	if cmd != nil && cmd != root {
		help = cmd.CommandPath() + " --help"
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintln(stdio.Stderr, "useradmin:", ee.err)
		// A usage error points at the help of the command it is about; an
		// API's refusal of the input says itself what was wrong.
		if ee.code == ExitUsage && !errors.As(err, new(*APIError)) {
			fmt.Fprintf(stdio.Stderr, "Run '%s' for usage.\n", help)
		}
		return ee.code
	}
	// Anything else comes from cobra itself: an unknown command or flag, or
	// the wrong number of arguments.
	fmt.Fprintln(stdio.Stderr, "useradmin:", err)
	fmt.Fprintf(stdio.Stderr, "Run '%s' for usage.\n", help)
	return ExitUsage
}

// app is the state one run of the command shares between its commands.
type app struct {
	io       IO
	profile  string // --profile
	output   string // --output
	template string // --template
	quiet    bool   // --quiet
	debug    bool   // --debug
	confDir  string
}

func newApp(stdio IO) *app {
	if stdio.Getenv == nil {
		stdio.Getenv = os.Getenv
	}
	if stdio.Now == nil {
		stdio.Now = time.Now
	}
	if stdio.HTTPClient == nil {
		stdio.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	stdio.HTTPClient = withLoopbackOnlyHTTP(stdio.HTTPClient)
	if stdio.Stdin == nil {
		stdio.Stdin = strings.NewReader("")
	}
	return &app{io: stdio}
}

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "useradmin",
		Short:         "Administer the users of a Cognito user pool through the admin API",
		Version:       Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setup(cmd)
		},
		Example: `  useradmin configure --local && useradmin login
  useradmin users create ada@example.com --group editors
  useradmin users list --status FORCE_CHANGE_PASSWORD -o csv
  useradmin users get ada@example.com -o json --template '{{.user.status}}'`,
	}
	root.SetVersionTemplate(fmt.Sprintf("useradmin %s (commit %s, %s)\n", Version, Commit, Date))
	pf := root.PersistentFlags()
	pf.StringVar(&a.profile, "profile", "", "profile to use (default $USERADMIN_PROFILE, else \"default\")")
	pf.StringVarP(&a.output, "output", "o", "", "output format: table, json, csv or yaml (default $USERADMIN_OUTPUT, else table, on a terminal or not)")
	pf.StringVar(&a.template, "template", "", "print each result through this Go template (text/template, over the API's JSON), e.g. '{{range .users}}{{.email}}{{\"\\n\"}}{{end}}'")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "print no notes or progress on standard error, only results and errors")
	pf.BoolVar(&a.debug, "debug", false, "print each HTTP request and its answer's status on standard error (never a token, password or body)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%s: %v", c.CommandPath(), err)
	})
	root.AddCommand(
		a.configureCommand(),
		a.loginCommand(),
		a.logoutCommand(),
		a.whoamiCommand(),
		a.mfaCommand(),
		a.usersCommand(),
		a.groupsCommand(),
		a.auditCommand(),
		a.scimCommand(),
		a.profilesCommand(),
		a.completionCommand(root),
	)
	addExamples(root)
	// A command that only groups others (users, groups, mfa) would print its
	// help and exit 0 for a mistyped subcommand: make that a usage error,
	// with the nearest subcommand suggested.
	walkCommands(root, func(c *cobra.Command) {
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = func(cmd *cobra.Command, a []string) error {
				if len(a) > 0 {
					msg := fmt.Sprintf("unknown command %q for %q", a[0], cmd.CommandPath())
					var names []string
					for _, sub := range cmd.Commands() {
						if sub.IsAvailableCommand() {
							names = append(names, sub.Name())
						}
					}
					// The nearest first (cobra's SuggestionsFor keeps the tree's order).
					if s := nearest(a[0], names); s != "" {
						msg += fmt.Sprintf("; did you mean %q?", s)
					}
					return usageErr("%s", msg)
				}
				return nil
			}
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	})
	return root
}

func walkCommands(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walkCommands(sub, f)
	}
}

// note writes a line for the person at the terminal on standard error:
// what happened beside the result (where a password went). --quiet drops it.
func (a *app) note(format string, args ...any) {
	if !a.quiet {
		fmt.Fprintf(a.io.Stderr, format+"\n", args...)
	}
}

// setup resolves the global flags once the command line is parsed.
func (a *app) setup(cmd *cobra.Command) error {
	if a.profile == "" {
		a.profile = a.io.Getenv("USERADMIN_PROFILE")
	}
	if a.profile == "" {
		a.profile = "default"
	}
	if !validProfileName(a.profile) {
		return usageErr("profile name %q: use letters, digits, '.', '-' and '_'", a.profile)
	}
	// The same format on a terminal and in a pipe: a script sees what its
	// author saw (kubectl's habit); -o json or $USERADMIN_OUTPUT=json for scripts.
	if a.output == "" {
		a.output = a.io.Getenv("USERADMIN_OUTPUT")
	}
	switch a.output {
	case "":
		a.output = "table"
	case "table", "json", "csv", "yaml":
	default:
		return usageErr("--output %q: use table, json, csv or yaml", a.output)
	}
	if a.template != "" {
		if _, err := parseTemplate(a.template); err != nil {
			return usageErr("--template: %v", err)
		}
	}
	if a.debug {
		a.io.HTTPClient = withDebug(a.io.HTTPClient, a.io.Stderr)
	}
	dir, err := configDir(a.io.Getenv)
	if err != nil {
		return failErr("%v", err)
	}
	a.confDir = dir
	return nil
}

// isTerminal reports whether f is an interactive terminal.
func isTerminal(f any) bool {
	fd, ok := f.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(fd.Fd()))
}

// args wraps a cobra argument check so that a wrong count is a usage error
// that names the missing arguments (from the command's Use: "add EMAIL GROUP").
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			var names []string
			for _, f := range strings.Fields(cmd.Use)[1:] {
				if f == strings.ToUpper(f) && !strings.HasPrefix(f, "(") && !strings.HasPrefix(f, "[") {
					names = append(names, f)
				}
			}
			if len(a) < len(names) {
				return usageErr("%s needs %s", cmd.CommandPath(), strings.Join(names[len(a):], " and "))
			}
			return usageErr("%s: %v", cmd.CommandPath(), err)
		}
		return nil
	}
}
