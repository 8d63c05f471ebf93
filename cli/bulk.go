package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/useradmin/cognito-user-admin/api/client"
	"github.com/useradmin/cognito-user-admin/cli/bulk"
	"github.com/useradmin/cognito-user-admin/lambda/importfile"
)

// ExitInterrupted is the exit code of an import stopped by Ctrl-C (128+SIGINT, as shells report it).
const ExitInterrupted = 130

// progressInterval is how often a plain progress line is printed when
// standard error is not a terminal (a log, CI).
const progressInterval = 5 * time.Second

func (a *app) usersImportCommand() *cobra.Command {
	var (
		dryRun, strict        bool
		onlyProblems, yes     bool
		state, report, format string
		concurrency           int
		rate                  float64
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Create every user of a CSV or JSON Lines file (- for standard input): resumable, never twice",
		Long: `Create every user of FILE at the rate the API admits.

CSV has a header line: email (required), groups (optional, separated by ;),
sendInvitation (optional, true or false). JSON Lines hold one create body per
line, with the API's fields: email, temporaryPassword, sendInvitation, groups.

Every row is checked first with the API's own rules; bad rows and duplicates
are reported and never sent (--strict: nothing is sent if any row is bad).
A journal (FILE.journal, or --state) records each row's progress, so running
the same command again after Ctrl-C or a crash skips the finished rows and
asks the API about the ones that were in flight instead of sending them twice.

Exit codes: 0 every row created or already there, 1 some row invalid or
failed, 2 usage or unreadable input, 3 no valid session, 130 interrupted.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			return a.runImport(cmd, argv[0], importFlags{dryRun: dryRun, strict: strict, onlyProblems: onlyProblems, yes: yes, state: state, report: report, format: format, concurrency: concurrency, rate: rate})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&dryRun, "dry-run", false, "check every row and print what would be done (the rows that will fail first); send nothing")
	f.BoolVar(&onlyProblems, "only-problems", false, "with --dry-run: print only the rows that will fail, and the counts")
	f.BoolVarP(&yes, "yes", "y", false, "do not ask before rows that grant an admin group are sent")
	f.BoolVar(&strict, "strict", false, "send nothing when any row is invalid")
	f.StringVar(&state, "state", "", "the journal file (default: FILE.journal beside the input)")
	f.StringVar(&report, "report", "", "write a CSV report of every row to this file")
	f.StringVar(&format, "format", "", "input format: csv or jsonl (default: from the file name, else csv)")
	f.IntVar(&concurrency, "concurrency", 16, "requests in flight at once, 1-64")
	f.Float64Var(&rate, "rate", 5, "starting rate in requests per second; it adapts to what the API admits")
	return cmd
}

type importFlags struct {
	dryRun, strict        bool
	onlyProblems, yes     bool
	state, report, format string
	concurrency           int
	rate                  float64
}

func (a *app) runImport(cmd *cobra.Command, input string, fl importFlags) error {
	format, err := bulk.ParseFormat(fl.format)
	if err != nil {
		return usageErr("--format: %v", err)
	}
	if format == "" {
		format = bulk.FormatOf(input)
	}
	if fl.concurrency < 1 || fl.concurrency > 64 {
		return usageErr("--concurrency must be from 1 to 64, got %d", fl.concurrency)
	}
	if fl.rate <= 0 {
		return usageErr("--rate must be positive")
	}
	var data []byte
	if input == "-" {
		data, err = io.ReadAll(a.io.Stdin)
	} else {
		data, err = os.ReadFile(input)
	}
	if err != nil {
		return usageErr("reading %s: %v", input, err)
	}
	hash := bulk.HashInput(data)
	statePath := fl.state
	if statePath == "" {
		statePath = bulk.JournalPath(input, hash)
	}

	// The report is opened before anything is sent: a path that cannot be
	// written must not be found only after a long import.
	var report *os.File
	if fl.report != "" && !fl.dryRun {
		if report, err = os.OpenFile(fl.report, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return usageErr("--report: %v", err)
		}
		defer report.Close()
	}

	ctx := cmd.Context()
	var api bulk.API
	if !fl.dryRun {
		// Signed in before anything is read further: a missing session is better said first.
		if api, err = a.bulkAPI(ctx); err != nil {
			return err
		}
	} else if api, err = a.bulkAPI(ctx); err != nil {
		// A dry run sends no create, but its plan should refuse the groups the
		// run will refuse (GET /groups); without a session it says so instead.
		api = nil
		fmt.Fprintf(a.io.Stderr, "useradmin: not signed in: groups are not checked against the managed groups (%s, then dry-run again)\n", a.hint("login"))
	}
	// The managed groups (GET /groups): a row naming another group is
	// refused before anything is sent, and rows granting an admin group are
	// called out and confirmed.
	var managed func(string) bool
	var known []client.Group
	if b, ok := api.(bulkAPI); ok {
		if known, err = a.managedGroups(ctx, b.x); err != nil {
			return a.exit(err, "")
		}
		managed = func(g string) bool {
			return slices.ContainsFunc(known, func(k client.Group) bool { return k.Name == g })
		}
	}
	grants := func(groups []string) []string { return adminGroupsOf(known, groups) }
	rows, err := bulk.Parse(data, format, managed)
	if err != nil {
		return usageErr("%s: %v", input, err)
	}
	importfile.SuggestGroups(rows, groupNames(known))
	// POST /users checks a given temporary password against the pool's
	// policy (the profile's copy of it): refuse such rows here, unsent.
	if p, perr := a.loadProfile(); perr == nil {
		policy := p.policy()
		for i := range rows {
			r := &rows[i]
			if r.Valid() && r.Create.TemporaryPassword != nil {
				if err := policyError(policy, *r.Create.TemporaryPassword); err != nil {
					r.Code, r.Message = "InvalidPassword", "temporaryPassword "+err.Error()
				}
			}
		}
	}
	// Rows the caller's roles may not create are refused here, unsent, by
	// the API's own rules (a tenant admin's rows for another tenant, a
	// helpdesk's rows at all); without GET /me the API judges each row.
	if b, ok := api.(bulkAPI); ok {
		if g, ok := b.importGrant(ctx); ok {
			importfile.CheckAccess(rows, g)
		}
	}
	// The journal belongs to the pool it imports into too: rows created in
	// stg (or in a make dev since restarted) are not done in prd.
	target := ""
	if p, perr := a.loadProfile(); perr == nil && p.UserPoolID != "" {
		target = p.UserPoolID // unique across regions and accounts' pools: it names the pool, whatever URL reaches it
	}
	j, err := bulk.OpenJournalFor(statePath, hash, target, fl.dryRun)
	if err != nil {
		return usageErr("%v", err)
	}
	defer j.Close()
	if fl.dryRun {
		bulk.WritePlan(a.io.Stdout, rows, j, bulk.PlanOptions{Admin: grants, OnlyProblems: fl.onlyProblems})
		for _, r := range rows {
			if !r.Valid() {
				return &exitError{code: ExitAPI, err: errors.New("some rows are invalid: fix them, or run without --dry-run to send the others")}
			}
		}
		return nil
	}

	// Granting admin rights to many accounts from a file is confirmed like
	// one groups add is: on a terminal, else with --yes; before anything is sent.
	var adminRows []string
	for _, r := range rows {
		if r.Valid() && len(grants(r.Create.Groups)) > 0 {
			adminRows = append(adminRows, fmt.Sprintf("line %d %s (%s)", r.Line, r.Email, strings.Join(grants(r.Create.Groups), ", ")))
		}
	}
	if len(adminRows) > 0 {
		q := fmt.Sprintf("%d rows grant administrator rights over every user:\n  %s\nContinue?", len(adminRows), strings.Join(firstN(adminRows, 10), "\n  "))
		if ok, err := a.confirm(fl.yes, q); err != nil {
			return err
		} else if !ok {
			// A "no" is an answer, not a failure: exit 0, as for groups add and delete.
			fmt.Fprintln(a.io.Stderr, "Not confirmed: nothing sent.")
			return nil
		}
	}

	// Ctrl-C (or SIGTERM) stops the sending, not the process: the requests
	// in flight are waited for and their answers recorded before exiting.
	// A second Ctrl-C ends the process at once: the journal's sends without
	// answers are then reconciled with the API by the next run.
	ictx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ictx.Done():
			if ctx.Err() == nil {
				fmt.Fprintln(a.io.Stderr, "\nstopping: no new requests; waiting for those in flight (Ctrl-C again to quit now)")
			}
			stop()
		case <-finished:
		}
	}()
	s, err := bulk.Import(ictx, api, rows, j, bulk.Options{
		Concurrency: fl.concurrency,
		InitialRate: fl.rate,
		Strict:      fl.strict,
		Progress:    a.progress(),
	})
	var reportErr error
	if report != nil {
		if reportErr = writeReport(report, s.Results); reportErr != nil {
			fmt.Fprintf(a.io.Stderr, "useradmin: writing the report: %v\n", reportErr)
		}
	}
	bulk.WriteSummary(a.io.Stdout, s)
	writeAdminGrants(a.io.Stdout, s, rows, grants)
	switch {
	case err != nil:
		return failErr("%v", err)
	case reportErr != nil && s.OK() && !s.Interrupted && !s.Unauthorized:
		// Every row went, but the report asked for is not there: not a success.
		return failErr("the report %s was not written: %v", fl.report, reportErr)
	case s.Interrupted:
		bulk.WriteInterrupted(a.io.Stderr, s, j.Path(), resumeCommand(cmd, input))
		return &exitError{code: ExitInterrupted, err: errors.New("interrupted")}
	case s.Unauthorized:
		bulk.WriteInterrupted(a.io.Stderr, s, j.Path(), resumeCommand(cmd, input))
		return a.noSessionErr("the API refused the session during the import")
	case fl.strict && s.Count(bulk.Invalid) > 0:
		return &exitError{code: ExitAPI, err: errors.New("--strict: nothing was sent because some rows are invalid")}
	case !s.OK():
		return &exitError{code: ExitAPI, err: errors.New("some rows were not created: see above, or the report (--report FILE)")}
	}
	return nil
}

// writeAdminGrants calls out, after the summary, the users this import
// created in an admin group.
func writeAdminGrants(w io.Writer, s bulk.Summary, rows []bulk.Row, grants func([]string) []string) {
	byLine := map[int]bulk.Row{}
	for _, r := range rows {
		byLine[r.Line] = r
	}
	var granted []string
	for _, r := range s.Results {
		if r.Outcome != bulk.Created {
			continue
		}
		if g := grants(byLine[r.Line].Create.Groups); len(g) > 0 {
			granted = append(granted, fmt.Sprintf("line %d %s (%s)", r.Line, r.Email, strings.Join(g, ", ")))
		}
	}
	if len(granted) > 0 {
		fmt.Fprintf(w, "%d created users were granted administrator rights:\n  %s\n", len(granted), strings.Join(granted, "\n  "))
	}
}

// firstN is s, cut to n items with a count of the rest.
func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("… and %d more", len(s)-n))
}

func writeReport(f *os.File, results []bulk.Result) error {
	if err := bulk.WriteReport(f, results); err != nil {
		return err
	}
	return f.Close()
}

// resumeCommand is the command line that resumes this import: the same
// command with the same flags (not --dry-run), as the user typed them.
func resumeCommand(cmd *cobra.Command, input string) string {
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name == "dry-run" {
			return
		}
		if f.Value.Type() == "bool" {
			parts = append(parts, "--"+f.Name)
			return
		}
		parts = append(parts, "--"+f.Name, shellQuote(f.Value.String()))
	})
	parts = append(parts, shellQuote(input))
	s := strings.Join(parts, " ")
	if input == "-" {
		s += "   (with the same input on standard input)"
	}
	return s
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == '@' || r == ':' || r == '=' || r == ',' || r == '+' ||
			('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (a *app) usersExportCommand() *cobra.Command {
	var status, format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every user to standard output as CSV or JSON Lines, page by page",
		Long: `Write every user (every page) to standard output: CSV with the columns
email, status, enabled, groups (separated by ;), createdAt, updatedAt, or JSON
Lines with the API's user objects. Each page is written as it arrives, so
memory stays flat whatever the pool's size.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := bulk.ParseFormat(format)
			if err != nil {
				return usageErr("--format: %v", err)
			}
			api, err := a.bulkAPI(cmd.Context())
			if err != nil {
				return err
			}
			n, err := bulk.Export(cmd.Context(), api, a.io.Stdout, bulk.ExportOptions{Status: strings.ToUpper(status), Format: f})
			if err != nil {
				if ans, ok := bulk.AsAPIError(err); ok {
					if ans.Status == 401 {
						return a.noSessionErr("the API refused the session")
					}
					return a.exit(&APIError{Status: ans.Status, Code: ans.Code, Message: ans.Message, RequestID: ans.RequestID}, "")
				}
				return failErr("export stopped after %d users: %v", n, err)
			}
			a.note("exported %d users", n)
			return nil
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only users in this status (e.g. FORCE_CHANGE_PASSWORD, CONFIRMED)")
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or jsonl")
	return cmd
}

// progress is the import's progress display on stderr; none with --quiet.
func (a *app) progress() bulk.Progress {
	if a.quiet {
		return nil
	}
	return bulk.NewProgress(a.io.Stderr, isTerminal(a.io.Stderr), progressInterval, bulk.RealClock)
}

// groupNames are the names of groups.
func groupNames(groups []client.Group) []string {
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	return names
}
