package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/api/client"
	"github.com/useradmin/cognito-user-admin/lambda/audit"
)

// auditFilters are the flags both audit commands share.
type auditFilters struct {
	action, since, until, next string
	limit                      int
	all                        bool
}

func (f *auditFilters) flags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.action, "action", "", "only this action (create, disable, group_add, …)")
	fl.StringVar(&f.since, "since", "", "only records at or after this time (RFC 3339, e.g. 2026-01-31T00:00:00Z)")
	fl.StringVar(&f.until, "until", "", "only records at or before this time (RFC 3339)")
	fl.IntVar(&f.limit, "limit", 0, "records per page, 1-100 (default 50)")
	fl.BoolVar(&f.all, "all", false, "follow every page")
	fl.StringVar(&f.next, "next-token", "", "start at this page (the nextToken of the previous one)")
	// Bad times are usage errors before any session is needed.
	cmd.PreRunE = func(*cobra.Command, []string) error {
		_, _, err := f.times()
		return err
	}
}

// times parses --since and --until; a bad one is a usage error, before any request.
func (f *auditFilters) times() (since, until *time.Time, _ error) {
	parse := func(name, v string) (*time.Time, error) {
		if v == "" {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, usageErr("--%s %q: want an RFC 3339 time, e.g. 2026-01-31T09:00:00Z", name, v)
		}
		return &t, nil
	}
	s, err := parse("since", f.since)
	if err != nil {
		return nil, nil, err
	}
	u, err := parse("until", f.until)
	return s, u, err
}

func optional[T any](v T, set bool) *T {
	if !set {
		return nil
	}
	return &v
}

func (a *app) auditCommand() *cobra.Command {
	var f auditFilters
	var user, actor string
	cmd := a.apiCommand("audit", "Who did what to whom: the audit trail, newest first (filters as flags)", "queryAudit", cobra.NoArgs,
		func(cmd *cobra.Command, x *API, _ []string) error {
			since, until, err := f.times()
			if err != nil {
				return err
			}
			p := client.QueryAuditParams{Since: since, Until: until,
				User: optional(user, user != ""), Actor: optional(actor, actor != ""),
				Action: optional(client.AuditAction(f.action), f.action != ""), Limit: optional(f.limit, cmd.Flags().Changed("limit"))}
			return a.auditPages(f, func(next *string) ([]byte, error) {
				p.NextToken = next
				return x.Do(x.Client.QueryAudit(cmd.Context(), &p))
			})
		})
	f.flags(cmd)
	cmd.Flags().StringVar(&user, "user", "", "only records about this user (email)")
	cmd.Flags().StringVar(&actor, "actor", "", "only records of calls by this admin (email)")
	return cmd
}

func (a *app) usersHistoryCommand() *cobra.Command {
	var f auditFilters
	cmd := a.apiCommand("history EMAIL", "A user's audit trail: every change made to them and every refusal, newest first", "getUserHistory", cobra.ExactArgs(1),
		func(cmd *cobra.Command, x *API, args []string) error {
			since, until, err := f.times()
			if err != nil {
				return err
			}
			p := client.GetUserHistoryParams{Since: since, Until: until,
				Action: optional(client.AuditAction(f.action), f.action != ""), Limit: optional(f.limit, cmd.Flags().Changed("limit"))}
			return a.auditPages(f, func(next *string) ([]byte, error) {
				p.NextToken = next
				return x.Do(x.Client.GetUserHistory(cmd.Context(), args[0], &p))
			})
		})
	f.flags(cmd)
	return cmd
}

type auditPage struct {
	Records   []audit.Record `json:"records"`
	NextToken *string        `json:"nextToken,omitempty"`
}

// auditPages fetches one page, or every page with --all, and prints them.
func (a *app) auditPages(f auditFilters, fetch func(next *string) ([]byte, error)) error {
	next := optional(f.next, f.next != "")
	var all auditPage
	for {
		body, err := fetch(next)
		if err != nil {
			return err
		}
		if !f.all && a.output == "json" {
			return a.printer().raw(body)
		}
		var page auditPage
		if err := json.Unmarshal(body, &page); err != nil {
			return failErr("the API's answer: %v", err)
		}
		all.Records = append(all.Records, page.Records...)
		all.NextToken = page.NextToken
		if !f.all || page.NextToken == nil {
			return a.printRecords(all)
		}
		next = page.NextToken
	}
}

func (a *app) printRecords(p auditPage) error {
	if p.Records == nil {
		p.Records = []audit.Record{}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return a.printer().render(body, view{
		table: func(w io.Writer) error {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tACTOR\tACTION\tTARGET\tOUTCOME\tCHANGE")
			for _, r := range p.Records {
				target := r.Target
				if r.Group != "" {
					target += " (" + r.Group + ")"
				}
				outcome := r.Outcome
				if r.Reason != "" {
					outcome += " (" + r.Reason + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Format(time.RFC3339), actorName(r.Actor), r.Action, target, outcome, change(r.Before, r.After))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if p.NextToken != nil {
				fmt.Fprintf(w, "(more: --next-token %s, or --all)\n", *p.NextToken)
			}
			return nil
		},
		csv: func() ([]string, [][]string) {
			var rows [][]string
			for _, r := range p.Records {
				rows = append(rows, []string{r.Time.Format(time.RFC3339Nano), r.RequestID, actorName(r.Actor), r.Action, r.Target, r.Group,
					r.Outcome, fmt.Sprint(r.Status), r.Reason, jsonOrEmpty(r.Before), jsonOrEmpty(r.After), r.SourceIP})
			}
			return []string{"time", "requestId", "actor", "action", "target", "group", "outcome", "status", "reason", "before", "after", "sourceIp"}, rows
		},
	})
}

func actorName(a audit.Actor) string {
	if a.Email != "" {
		return a.Email
	}
	return a.Sub
}

func jsonOrEmpty(s *audit.State) string {
	if s == nil {
		return ""
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// change summarises what differs between before and after, e.g. "enabled: true→false".
func change(before, after *audit.State) string {
	flat := func(s *audit.State) map[string]string {
		m := map[string]string{}
		if s == nil {
			return m
		}
		b, _ := json.Marshal(s)
		var raw map[string]any
		_ = json.Unmarshal(b, &raw)
		for k, v := range raw {
			if k == "attributes" {
				for ak, av := range v.(map[string]any) {
					m["attributes."+ak] = fmt.Sprint(av)
				}
				continue
			}
			if l, ok := v.([]any); ok {
				parts := make([]string, len(l))
				for i, x := range l {
					parts[i] = fmt.Sprint(x)
				}
				m[k] = "[" + strings.Join(parts, ",") + "]"
				continue
			}
			m[k] = fmt.Sprint(v)
		}
		return m
	}
	b, a := flat(before), flat(after)
	switch {
	case before == nil && after == nil:
		return ""
	case before == nil:
		return "created"
	case after == nil:
		return "deleted"
	}
	union := maps.Clone(b)
	maps.Copy(union, a)
	keys := slices.Sorted(maps.Keys(union))
	var out []string
	for _, k := range keys {
		_, inB := b[k]
		_, inA := a[k]
		if notRead[k] && inB != inA {
			// Absent means the call did not read it (a resend reads no MFA), not that it changed.
			continue
		}
		if b[k] != a[k] {
			out = append(out, fmt.Sprintf("%s: %s→%s", k, orDash(b[k]), orDash(a[k])))
		}
	}
	return strings.Join(out, "; ")
}

// notRead are the fields that every user has, so one absent from before or
// after was not read by the call. (An absent group list or attribute may
// instead mean none.)
var notRead = map[string]bool{"status": true, "enabled": true, "mfaEnabled": true}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
