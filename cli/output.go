package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/useradmin/cognito-user-admin/api/client"
)

// printer writes results: --output json prints the API's JSON as it came;
// table renders it for people.
type printer struct {
	w    io.Writer
	json bool
}

func (a *app) printer() printer { return printer{w: a.io.Stdout, json: a.output == "json"} }

// raw prints a JSON body exactly as the API sent it.
func (p printer) raw(body []byte) error {
	body = bytes.TrimRight(body, "\n")
	_, err := fmt.Fprintf(p.w, "%s\n", body)
	return err
}

// user prints a {"user": …} body.
func (p printer) user(body []byte) error {
	if p.json {
		return p.raw(body)
	}
	var r client.UserResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return failErr("the API's answer: %v", err)
	}
	u := r.User
	w := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
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
	if p.json {
		if l.Users == nil {
			l.Users = []client.User{}
		}
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		return p.raw(b)
	}
	w := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
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
		fmt.Fprintf(p.w, "(more: --next-token %s, or --all)\n", *l.NextToken)
	}
	return nil
}

// groups prints a {"groups": […]} body.
func (p printer) groups(body []byte) error {
	if p.json {
		return p.raw(body)
	}
	var l client.GroupList
	if err := json.Unmarshal(body, &l); err != nil {
		return failErr("the API's answer: %v", err)
	}
	w := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "GROUP\tADMIN\tDESCRIPTION")
	for _, g := range l.Groups {
		fmt.Fprintf(w, "%s\t%t\t%s\n", g.Name, g.Admin, g.Description)
	}
	return w.Flush()
}

// deref is *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// done reports a change with no body (204) in table mode; JSON prints nothing.
func (p printer) done(format string, a ...any) {
	if !p.json {
		fmt.Fprintf(p.w, format+"\n", a...)
	}
}
