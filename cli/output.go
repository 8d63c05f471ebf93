package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/useradmin/cognito-user-admin/api/client"
)

// printer writes results in the format --output names. Every result is the
// API's JSON (or, for local facts, JSON made the same way): json prints it
// as it came, yaml converts it, --template runs a Go template over it, and
// table and csv render its fields. New commands call render with their body
// and a table and csv view, and get every format and --template at once.
type printer struct {
	w        io.Writer
	format   string
	template string
	json     bool // format == json, kept for the table renderers' callers
}

func (a *app) printer() printer {
	return printer{w: a.io.Stdout, format: a.output, template: a.template, json: a.output == "json"}
}

// parseTemplate parses a --template, with the helpers gh's templates have.
func parseTemplate(s string) (*template.Template, error) {
	return template.New("output").Option("missingkey=zero").Funcs(template.FuncMap{
		"join": func(sep string, v []any) string {
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = fmt.Sprint(x)
			}
			return strings.Join(parts, sep)
		},
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
	}).Parse(s)
}

// view is how a result renders as a table and as CSV.
type view struct {
	table func(w io.Writer) error
	// csv is the header and the rows.
	csv func() ([]string, [][]string)
}

// render prints body (JSON) in the chosen format.
func (p printer) render(body []byte, v view) error {
	body = bytes.TrimRight(body, "\n")
	if p.template != "" {
		var data any
		if err := json.Unmarshal(body, &data); err != nil {
			return failErr("the API's answer: %v", err)
		}
		t, err := parseTemplate(p.template)
		if err != nil {
			return usageErr("--template: %v", err)
		}
		if err := t.Execute(p.w, data); err != nil {
			return usageErr("--template: %v", err)
		}
		return nil
	}
	switch p.format {
	case "json":
		return p.raw(body)
	case "yaml":
		y, err := yaml.JSONToYAML(body)
		if err != nil {
			return failErr("the API's answer: %v", err)
		}
		_, err = p.w.Write(y)
		return err
	case "csv":
		header, rows := v.csv()
		cw := csv.NewWriter(p.w)
		_ = cw.Write(header)
		for _, r := range rows {
			for i := range r {
				r[i] = csvSafe(r[i])
			}
			_ = cw.Write(r)
		}
		cw.Flush()
		return cw.Error()
	}
	return v.table(p.w)
}

// csvSafe keeps a spreadsheet from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// raw prints a JSON body exactly as the API sent it.
func (p printer) raw(body []byte) error {
	body = bytes.TrimRight(body, "\n")
	_, err := fmt.Fprintf(p.w, "%s\n", body)
	return err
}

// userRow is a user's CSV row; userHeader its header.
var userHeader = []string{"email", "status", "enabled", "groups", "createdAt", "updatedAt"}

func userRow(u client.User) []string {
	return []string{u.Email, string(u.Status), strconv.FormatBool(u.Enabled), strings.Join(deref(u.Groups), ";"),
		u.CreatedAt.Format(time.RFC3339), u.UpdatedAt.Format(time.RFC3339)}
}

// user prints a {"user": …} body.
func (p printer) user(body []byte) error {
	var r client.UserResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return failErr("the API's answer: %v", err)
	}
	u := r.User
	return p.render(body, view{
		table: func(out io.Writer) error { return userTable(out, u) },
		csv:   func() ([]string, [][]string) { return userHeader, [][]string{userRow(u)} },
	})
}

func userTable(out io.Writer, u client.User) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "email\t%s\n", u.Email)
	fmt.Fprintf(w, "status\t%s\n", u.Status)
	fmt.Fprintf(w, "enabled\t%t\n", u.Enabled)
	if u.GivenName != nil || u.FamilyName != nil {
		fmt.Fprintf(w, "name\t%s\n", strings.TrimSpace(deref(u.GivenName)+" "+deref(u.FamilyName)))
	}
	if u.Groups != nil {
		fmt.Fprintf(w, "groups\t%s\n", strings.Join(*u.Groups, ", "))
	}
	if u.MfaEnabled != nil {
		fmt.Fprintf(w, "mfa\t%t\n", *u.MfaEnabled)
	}
	for _, k := range slices.Sorted(maps.Keys(u.Attributes)) {
		fmt.Fprintf(w, "%s\t%s\n", k, u.Attributes[k])
	}
	fmt.Fprintf(w, "created\t%s\n", u.CreatedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "updated\t%s\n", u.UpdatedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "username\t%s\n", u.Username)
	return w.Flush()
}

// users prints a list of users as a table, or as {"users": […]} (with
// nextToken when there is one) in JSON. groups says the list holds each
// user's groups; without them the table has no GROUPS column, rather than
// an empty one that would read as "in no group".
func (p printer) users(l client.UserList, groups bool) error {
	if l.Users == nil {
		l.Users = []client.User{}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return p.render(b, view{
		table: func(out io.Writer) error { return usersTable(out, l, groups) },
		csv: func() ([]string, [][]string) {
			var rows [][]string
			for _, u := range l.Users {
				rows = append(rows, userRow(u))
			}
			return userHeader, rows
		},
	})
}

func usersTable(out io.Writer, l client.UserList, groups bool) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if groups {
		fmt.Fprintln(w, "EMAIL\tSTATUS\tENABLED\tGROUPS\tCREATED")
	} else {
		fmt.Fprintln(w, "EMAIL\tSTATUS\tENABLED\tCREATED")
	}
	for _, u := range l.Users {
		fmt.Fprintf(w, "%s\t%s\t%t\t", u.Email, u.Status, u.Enabled)
		if groups {
			fmt.Fprintf(w, "%s\t", strings.Join(deref(u.Groups), ","))
		}
		fmt.Fprintf(w, "%s\n", u.CreatedAt.Format(time.RFC3339))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if l.NextToken != nil {
		fmt.Fprintf(out, "(more: --next-token %s, or --all)\n", *l.NextToken)
	}
	return nil
}

// groups prints a {"groups": […]} body.
func (p printer) groups(body []byte) error {
	var l client.GroupList
	if err := json.Unmarshal(body, &l); err != nil {
		return failErr("the API's answer: %v", err)
	}
	return p.render(body, view{
		table: func(out io.Writer) error {
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "GROUP\tADMIN\tDESCRIPTION")
			for _, g := range l.Groups {
				fmt.Fprintf(w, "%s\t%t\t%s\n", g.Name, g.Admin, g.Description)
			}
			return w.Flush()
		},
		csv: func() ([]string, [][]string) {
			var rows [][]string
			for _, g := range l.Groups {
				rows = append(rows, []string{g.Name, strconv.FormatBool(g.Admin), g.Description})
			}
			return []string{"name", "admin", "description"}, rows
		},
	})
}

// fields prints an object of named values (whoami, a profile): a two-column
// table, or CSV with the names as its header.
func (p printer) fields(names []string, values map[string]any) error {
	b, err := json.Marshal(values)
	if err != nil {
		return err
	}
	return p.render(b, view{
		table: func(out io.Writer) error {
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			for _, n := range names {
				fmt.Fprintf(w, "%s\t%s\n", n, cell(values[n]))
			}
			return w.Flush()
		},
		csv: func() ([]string, [][]string) {
			row := make([]string, len(names))
			for i, n := range names {
				row[i] = cell(values[n])
			}
			return names, [][]string{row}
		},
	})
}

// cell is a value as one table or CSV cell.
func cell(v any) string {
	switch x := v.(type) {
	case []string:
		return strings.Join(x, ";")
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// deref is *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// done reports a change with no body (204) in table mode; the formats for
// programs (json, csv, yaml, --template) print nothing.
func (p printer) done(format string, a ...any) {
	if p.format == "table" && p.template == "" {
		fmt.Fprintf(p.w, format+"\n", a...)
	}
}
