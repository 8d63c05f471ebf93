package bulk

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ExportColumns are the export's CSV columns.
var ExportColumns = []string{"email", "status", "enabled", "groups", "createdAt", "updatedAt"}

// ExportOptions tune an export.
type ExportOptions struct {
	Status string // only users in this status; empty for all
	Format Format
	// MaxAttempts bounds the tries of one page after lost answers or 5xx (default 5); 429s wait, and do not count.
	MaxAttempts int
	Clock       Clock
}

// MemberLister is implemented by an API that lists a managed group's
// members (GET /groups/{group}/users) a page at a time, without their groups.
type MemberLister interface {
	ListGroupMembers(ctx context.Context, group, nextToken string) ([]User, string, Answer, error)
}

// Exporter is what an export needs of the API: the users a page at a
// time, without their groups (API.ListUsers), and the managed groups and
// their members, from which it knows every user's groups.
type Exporter interface {
	ListUsers(ctx context.Context, status, nextToken string) ([]User, string, Answer, error)
	GroupLister
	MemberLister
}

// Export writes every user, page by page as each arrives. Each user's groups
// are their managed groups, gathered first from the members of each managed
// group and joined to the users as they stream: the export then reads
// Cognito about once per 60 users and per 60 memberships, where reading
// each user's groups would cost a read per user. Memory holds one page and
// the memberships (a username and group names per member), whatever the
// pool's size. It returns how many users it wrote.
func Export(ctx context.Context, api Exporter, w io.Writer, opt ExportOptions) (int, error) {
	if opt.Clock == nil {
		opt.Clock = RealClock
	}
	if opt.MaxAttempts == 0 {
		opt.MaxAttempts = 5
	}
	bw := bufio.NewWriter(w)
	var write func(User) error
	var cw *csv.Writer
	switch opt.Format {
	case JSONL:
		enc := json.NewEncoder(bw)
		write = func(u User) error { return enc.Encode(u) }
	case CSV, "":
		cw = csv.NewWriter(bw)
		write = func(u User) error {
			return cw.Write([]string{csvSafe(u.Email), u.Status, strconv.FormatBool(u.Enabled), strings.Join(u.Groups, ";"), u.CreatedAt, u.UpdatedAt})
		}
	default:
		return 0, fmt.Errorf("unknown format %q", opt.Format)
	}
	groups, err := memberships(ctx, api, opt)
	if err != nil {
		return 0, err
	}
	if cw != nil {
		if err := cw.Write(ExportColumns); err != nil {
			return 0, err
		}
	}
	n, token := 0, ""
	for {
		var (
			users []User
			next  string
		)
		err := retry(ctx, opt, func() (a Answer, err error) {
			users, next, a, err = api.ListUsers(ctx, opt.Status, token)
			return a, err
		})
		if err != nil {
			return n, err
		}
		for _, u := range users {
			// Sorted, as the API sorts a user's groups, once each (a member
			// listed on two pages of a group); [] for none, never null.
			g := append([]string{}, groups[u.Username]...)
			slices.Sort(g)
			u.Groups = slices.Compact(g)
			if err := write(u); err != nil {
				return n, err
			}
			n++
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return n, err
			}
		}
		// Each page reaches the output before the next is asked for.
		if err := bw.Flush(); err != nil {
			return n, err
		}
		if next == "" {
			return n, nil
		}
		token = next
	}
}

// memberships reads the members of every managed group and returns each
// member's groups by username. A group deleted from the pool since it was
// listed has no members.
func memberships(ctx context.Context, api Exporter, opt ExportOptions) (map[string][]string, error) {
	var managed []string
	err := retry(ctx, opt, func() (a Answer, err error) {
		managed, a, err = api.ManagedGroups(ctx)
		return a, err
	})
	if err != nil {
		return nil, err
	}
	groups := map[string][]string{}
	for _, g := range slices.Compact(slices.Sorted(slices.Values(managed))) {
		token := ""
		for {
			var (
				members []User
				next    string
			)
			err := retry(ctx, opt, func() (a Answer, err error) {
				members, next, a, err = api.ListGroupMembers(ctx, g, token)
				return a, err
			})
			if a, ok := AsAPIError(err); ok && a.Status == http.StatusNotFound && a.Code == "GroupNotFound" {
				break
			}
			if err != nil {
				return nil, err
			}
			for _, m := range members {
				groups[m.Username] = append(groups[m.Username], g)
			}
			if next == "" {
				break
			}
			token = next
		}
	}
	return groups, nil
}

// retry runs read until it answers 200, waiting out 429s and retrying lost
// answers and 5xx (reads are safe to repeat); any other answer is the error.
func retry(ctx context.Context, opt ExportOptions, read func() (Answer, error)) error {
	for attempt := 1; ; {
		a, err := read()
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil && a.Status == http.StatusOK:
			return nil
		case err == nil && a.Status == http.StatusTooManyRequests:
			wait = max(a.RetryAfter, 100*time.Millisecond)
		case ambiguous(a, err) && attempt < opt.MaxAttempts:
			wait = min(200*time.Millisecond<<(attempt-1), 5*time.Second)
			attempt++
		case err != nil:
			return err
		default:
			return &APIError{Answer: a}
		}
		select {
		case <-opt.Clock.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
