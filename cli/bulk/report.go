package bulk

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReportColumns are the report's CSV columns.
var ReportColumns = []string{"row", "email", "outcome", "status", "code", "message", "requestId"}

// WriteReport writes every row's result as CSV. Rows not sent are failed
// with code NotSent. Nothing secret is in a result: no password, no token.
func WriteReport(w io.Writer, results []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ReportColumns); err != nil {
		return err
	}
	for _, r := range results {
		status := ""
		if r.Status != 0 {
			status = strconv.Itoa(r.Status)
		}
		if err := cw.Write([]string{strconv.Itoa(r.Line), csvSafe(r.Email), string(r.Outcome), status, r.Code, csvSafe(r.Message), r.RequestID}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses a cell a spreadsheet would run as a formula: the email
// column holds whatever the input held, and the report is opened in the
// same spreadsheet the input came from.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteSummary writes the summary lines: the counts, and every row that is
// not created or exists, so a short run needs no report to act on.
func WriteSummary(w io.Writer, s Summary) {
	notSent := 0
	for _, r := range s.Results {
		if r.Code == NotSent {
			notSent++
		}
	}
	fmt.Fprintf(w, "%d rows: %d created, %d exists, %d invalid, %d failed", len(s.Results),
		s.Count(Created), s.Count(Exists), s.Count(Invalid), s.Count(Failed)-notSent)
	if notSent > 0 {
		fmt.Fprintf(w, ", %d not sent", notSent)
	}
	rate := ""
	if s.Elapsed > 0 && s.Sent > 0 {
		rate = fmt.Sprintf(", %.1f users/s", float64(s.Sent)/s.Elapsed.Seconds())
	}
	fmt.Fprintf(w, " (%d this run in %s%s", s.Sent, s.Elapsed.Round(100_000_000), rate)
	if s.Throttled > 0 {
		fmt.Fprintf(w, "; %d answers 429 (throttled), each waited out and sent again", s.Throttled)
	}
	fmt.Fprintln(w, ")")
	const maxListed = 20
	listed := 0
	for _, r := range s.Results {
		if r.Outcome.finished() || r.Code == NotSent {
			continue
		}
		if listed == maxListed {
			fmt.Fprintln(w, "  … and more: see the report (--report FILE)")
			break
		}
		listed++
		fmt.Fprintf(w, "  line %d %s: %s", r.Line, r.Email, r.Outcome)
		if r.Status != 0 {
			fmt.Fprintf(w, " %d", r.Status)
		}
		if r.Code != "" {
			fmt.Fprintf(w, " %s", r.Code)
		}
		if r.Message != "" {
			fmt.Fprintf(w, ": %s", r.Message)
		}
		if r.RequestID != "" {
			fmt.Fprintf(w, " (request id %s)", r.RequestID)
		}
		fmt.Fprintln(w)
	}
}

// PlanOptions shape the dry run's plan.
type PlanOptions struct {
	// Admin returns the groups among groups that grant admin rights (nil:
	// none known); such rows are called out.
	Admin func(groups []string) []string
	// OnlyProblems prints the rows that will fail only, and the counts.
	OnlyProblems bool
}

// WritePlan is what --dry-run prints: what each row would do, nothing sent.
// The rows that will fail come first, so a long plan does not hide them;
// rows that grant admin rights say so.
func WritePlan(w io.Writer, rows []Row, j *Journal, o PlanOptions) {
	var send, done, invalid, admin int
	for _, r := range rows {
		if !r.Valid() {
			invalid++
			fmt.Fprintf(w, "line %d %s: invalid %s: %s\n", r.Line, r.Email, r.Code, r.Message)
		}
	}
	for _, r := range rows {
		if !r.Valid() {
			continue
		}
		v := j.get(r.Line)
		prev, since := v.result, v.uncertain
		if prev != nil && prev.Outcome.finished() {
			done++
			if !o.OnlyProblems {
				fmt.Fprintf(w, "line %d %s: %s by an earlier run, skipped\n", r.Line, r.Email, prev.Outcome)
			}
			continue
		}
		send++
		var grants []string
		if o.Admin != nil {
			grants = o.Admin(r.Create.Groups)
		}
		if len(grants) > 0 {
			admin++
		}
		if o.OnlyProblems {
			continue
		}
		what := "create"
		if !since.IsZero() {
			what = "ask the API whether an earlier run created it, else create"
		}
		inv := "with invitation"
		if r.Create.SendInvitation != nil && !*r.Create.SendInvitation {
			inv = "without invitation"
		}
		groups := ""
		if len(r.Create.Groups) > 0 {
			groups = ", groups " + strings.Join(r.Create.Groups, ";")
		}
		flag := ""
		if len(grants) > 0 {
			flag = " -- GRANTS ADMIN RIGHTS (" + strings.Join(grants, ", ") + ")"
		}
		fmt.Fprintf(w, "line %d %s: %s, %s%s%s\n", r.Line, r.Email, what, inv, groups, flag)
	}
	fmt.Fprintf(w, "dry run: %d rows, %d to send, %d done earlier, %d invalid; nothing sent\n", len(rows), send, done, invalid)
	if admin > 0 {
		fmt.Fprintf(w, "%d rows to send grant administrator rights: the run asks to confirm (--yes without a terminal)\n", admin)
	}
}

// WriteInterrupted says what an interrupted import left and how to resume:
// the same command again, which reads the journal and skips what is done.
func WriteInterrupted(w io.Writer, s Summary, journal, command string) {
	left := 0
	for _, r := range s.Results {
		if r.Code == NotSent {
			left++
		}
	}
	fmt.Fprintf(w, "interrupted: %d rows not finished; every answer received is in the journal %s\n", left, journal)
	fmt.Fprintf(w, "to resume, run the same command again (the finished rows are skipped): %s\n", command)
}
