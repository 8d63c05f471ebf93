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

// errNoSession is what every command that needs a session says when there
// is none it can use.
func noSessionErr(why string) error {
	return &exitError{code: ExitNoSession, err: fmt.Errorf("%s: run useradmin login", why)}
}

// Main runs the command line args and returns the process's exit code.
func Main(ctx context.Context, args []string, stdio IO) int {
	a := newApp(stdio)
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdio.Stdin)
	root.SetOut(stdio.Stdout)
	root.SetErr(stdio.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintln(stdio.Stderr, "useradmin:", ee.err)
		if ee.code == ExitUsage {
			fmt.Fprintln(stdio.Stderr, "Run 'useradmin --help' for usage.")
		}
		return ee.code
	}
	// Anything else comes from cobra itself: an unknown command or flag, or
	// the wrong number of arguments.
	fmt.Fprintln(stdio.Stderr, "useradmin:", err)
	fmt.Fprintln(stdio.Stderr, "Run 'useradmin --help' for usage.")
	return ExitUsage
}

// app is the state one run of the command shares between its commands.
type app struct {
	io      IO
	profile string // --profile
	output  string // --output
	confDir string
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
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setup(cmd)
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	pf := root.PersistentFlags()
	pf.StringVar(&a.profile, "profile", "", "profile to use (default $USERADMIN_PROFILE, else \"default\")")
	pf.StringVarP(&a.output, "output", "o", "", "output format: table or json, or csv for the audit commands (default: table on a terminal, json otherwise)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%v", err) })
	root.AddCommand(
		a.configureCommand(),
		a.loginCommand(),
		a.logoutCommand(),
		a.whoamiCommand(),
		a.mfaCommand(),
		a.usersCommand(),
		a.groupsCommand(),
		a.auditCommand(),
	)
	// A command that only groups others (users, groups, mfa) would print its
	// help and exit 0 for a mistyped subcommand: make that a usage error.
	for _, c := range root.Commands() {
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = func(cmd *cobra.Command, a []string) error {
				if len(a) > 0 {
					return usageErr("unknown command %q for %q", a[0], cmd.CommandPath())
				}
				return nil
			}
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	}
	return root
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
	switch a.output {
	case "":
		a.output = "json"
		if isTerminal(a.io.Stdout) {
			a.output = "table"
		}
	case "table", "json":
	case "csv":
		// Only the audit commands print CSV.
		if cmd.Annotations[csvKey] == "" {
			return usageErr("--output csv: %s prints table or json", cmd.CommandPath())
		}
	default:
		return usageErr("--output %q: use table, json or csv (audit commands)", a.output)
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

// args wraps a cobra argument check so that a wrong count is a usage error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return usageErr("%s: %v", cmd.CommandPath(), err)
		}
		return nil
	}
}
