package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/useradmin/cognito-user-admin/cli/bulk"
)

// ExitInterrupted is the exit code of an import stopped by Ctrl-C (128+SIGINT, as shells report it).
const ExitInterrupted = 130

// progressInterval is how often a plain progress line is printed when
// standard error is not a terminal (a log, CI).
const progressInterval = 5 * time.Second

func (a *app) usersImportCommand() *cobra.Command {
	var (
		dryRun, strict        bool
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
			return a.runImport(cmd, argv[0], importFlags{dryRun: dryRun, strict: strict, state: state, report: report, format: format, concurrency: concurrency, rate: rate})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&dryRun, "dry-run", false, "check every row and print what would be done; send nothing")
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
		fmt.Fprintln(a.io.Stderr, "useradmin: not signed in: groups are not checked against the managed groups (useradmin login, then dry-run again)")
	}
	var managed func(string) bool
	if api != nil {
		if managed, err = bulk.ManagedGroups(ctx, api); err != nil {
			return exit(failErr("reading the managed groups: %v", err))
		}
	}
	rows, err := bulk.Parse(data, format, managed)
	if err != nil {
		return usageErr("%s: %v", input, err)
	}
	// POST /users checks a given temporary password against the pool's
	// policy (the profile's copy of it): refuse such rows here, unsent.
	if p, perr := a.loadProfile(); perr == nil {
		policy := p.policy()
		for i := range rows {
			r := &rows[i]
			if r.Valid() && r.Create.TemporaryPassword != nil {
				if err := policy.Check(*r.Create.TemporaryPassword); err != nil {
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
			bulk.CheckAccess(rows, g)
		}
	}
	j, err := bulk.OpenJournal(statePath, hash, fl.dryRun)
	if err != nil {
		return usageErr("%v", err)
	}
	defer j.Close()
	if fl.dryRun {
		bulk.WritePlan(a.io.Stdout, rows, j)
		for _, r := range rows {
			if !r.Valid() {
				return &exitError{code: ExitAPI, err: errors.New("some rows are invalid: fix them, or run without --dry-run to send the others")}
			}
		}
		return nil
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
		Progress:    bulk.NewProgress(a.io.Stderr, isTerminal(a.io.Stderr), progressInterval, bulk.RealClock),
	})
	var reportErr error
	if report != nil {
		if reportErr = writeReport(report, s.Results); reportErr != nil {
			fmt.Fprintf(a.io.Stderr, "useradmin: writing the report: %v\n", reportErr)
		}
	}
	bulk.WriteSummary(a.io.Stdout, s)
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
		return noSessionErr("the API refused the session during the import")
	case fl.strict && s.Count(bulk.Invalid) > 0:
		return &exitError{code: ExitAPI, err: errors.New("--strict: nothing was sent because some rows are invalid")}
	case !s.OK():
		return &exitError{code: ExitAPI, err: errors.New("some rows were not created: see above, or the report (--report FILE)")}
	}
	return nil
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
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == '@' || r == ':' || r == '=' || r == ',' ||
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
						return noSessionErr("the API refused the session")
					}
					return exit(&APIError{Status: ans.Status, Code: ans.Code, Message: ans.Message, RequestID: ans.RequestID})
				}
				return failErr("export stopped after %d users: %v", n, err)
			}
			fmt.Fprintf(a.io.Stderr, "exported %d users\n", n)
			return nil
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only users in this status (e.g. FORCE_CHANGE_PASSWORD, CONFIRMED)")
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or jsonl")
	return cmd
}
