package handler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/api"
)

// cost serves e and returns the answer with every Cognito call it made,
// the live check's included, counted by method.
func (hs *harness) cost(t *testing.T, e ev) (events.APIGatewayProxyResponse, map[string]int, int) {
	t.Helper()
	hs.fake.mu.Lock()
	before := len(hs.fake.calls)
	hs.fake.mu.Unlock()
	resp := hs.do(t, e)
	hs.fake.mu.Lock()
	defer hs.fake.mu.Unlock()
	byMethod := map[string]int{}
	for _, c := range hs.fake.calls[before:] {
		byMethod[c.method]++
	}
	return resp, byMethod, len(hs.fake.calls) - before
}

// TestListPageCost counts the Cognito calls of one page, the live check's
// two included: without groups a page costs the check and one ListUsers per
// 60 users; with groups, one AdminListGroupsForUser more per user.
func TestListPageCost(t *testing.T) {
	for _, tc := range []struct {
		name  string
		event ev
		users int
		calls map[string]int
	}{
		{"default page", listEvent(nil), 25,
			map[string]int{"AdminGetUser": 1, "AdminListGroupsForUser": 1, "ListUsers": 1}},
		{"largest page without groups", listEvent(url.Values{"limit": {"600"}}), 134,
			map[string]int{"AdminGetUser": 1, "AdminListGroupsForUser": 1, "ListUsers": 3}},
		{"groups=false", listEvent(url.Values{"limit": {"120"}, "groups": {"false"}}), 120,
			map[string]int{"AdminGetUser": 1, "AdminListGroupsForUser": 1, "ListUsers": 2}},
		{"with groups", listEvent(url.Values{"limit": {"10"}, "groups": {"true"}}), 10,
			map[string]int{"AdminGetUser": 1, "AdminListGroupsForUser": 1 + 10, "ListUsers": 1}},
		{"members, default page", membersEvent("support", nil), 25,
			map[string]int{"AdminGetUser": 1, "AdminListGroupsForUser": 1, "ListUsersInGroup": 1}},
		{"members, largest page without groups", membersEvent("support", url.Values{"limit": {"600"}}), 131,
			map[string]int{"AdminGetUser": 1, "AdminListGroupsForUser": 1, "ListUsersInGroup": 3}},
		{"members with groups", membersEvent("support", url.Values{"limit": {"7"}, "groups": {"true"}}), 7,
			map[string]int{"AdminGetUser": 1, "AdminListGroupsForUser": 1 + 7, "ListUsersInGroup": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			for i := range 130 {
				hs.fake.seed(fmt.Sprintf("user%03d@example.com", i), types.UserStatusTypeConfirmed, "support")
			}
			resp, calls, _ := hs.cost(t, tc.event)
			var body listResponse
			decodeStrict(t, resp.Body, &body)
			if resp.StatusCode != http.StatusOK || len(body.Users) != tc.users {
				t.Fatalf("answered %d with %d users, want 200 with %d", resp.StatusCode, len(body.Users), tc.users)
			}
			if !reflect.DeepEqual(calls, tc.calls) {
				t.Errorf("Cognito calls = %v, want %v", calls, tc.calls)
			}
		})
	}
}

// TestListGroupsOmittedOrEmpty: a page that did not ask for groups leaves
// the field out; one that did answers [] for a user in no group.
func TestListGroupsOmittedOrEmpty(t *testing.T) {
	for _, tc := range []struct {
		name  string
		event ev
		want  string // pending@example.com's groups in the JSON; empty: absent
	}{
		{"list without groups", listEvent(url.Values{"email": {"pending"}}), ""},
		{"list with groups", listEvent(url.Values{"email": {"pending"}, "groups": {"true"}}), `"groups":[]`},
		{"members without groups", membersEvent("support", nil), ""},
		{"members with groups", membersEvent("support", url.Values{"groups": {"true"}}), `"groups":["support"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			hs.fake.users["pending@example.com"].groups = map[string]bool{}
			if strings.HasPrefix(tc.name, "members") {
				hs.fake.users["pending@example.com"].groups["support"] = true
			}
			resp := hs.do(t, tc.event)
			if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "pending@example.com") {
				t.Fatalf("answered %d %s", resp.StatusCode, resp.Body)
			}
			if tc.want == "" && strings.Contains(resp.Body, `"groups"`) {
				t.Errorf("groups were not asked for, yet answered: %s", resp.Body)
			}
			if tc.want != "" && !strings.Contains(resp.Body, tc.want) {
				t.Errorf("body %s does not hold %s", resp.Body, tc.want)
			}
		})
	}
}

// slowPages is a pool whose list calls each take step on clock.
type slowPages struct {
	*fakeCognito
	clock *time.Time
	step  time.Duration
	// failCall fails the list call of that number (1-based), once.
	failCall, listed int
}

func (s *slowPages) ListUsers(ctx context.Context, in *cip.ListUsersInput, opts ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	*s.clock = s.clock.Add(s.step)
	if s.listed++; s.listed == s.failCall {
		return nil, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	}
	return s.fakeCognito.ListUsers(ctx, in, opts...)
}

// listAll follows a listing of limit 600 to its end and returns the emails
// and the number of users of each page.
func listAll(t *testing.T, h *Handler, f *fakeCognito, deadline func() time.Time) (emails []string, sizes []int) {
	t.Helper()
	q := url.Values{"limit": {"600"}}
	for range 10 {
		f.newRequest()
		ctx, cancel := context.WithDeadline(context.Background(), deadline())
		resp, err := h.Handle(ctx, listEvent(q).request(t))
		cancel()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("Handle: %d %v %s", resp.StatusCode, err, resp.Body)
		}
		var body listResponse
		decodeStrict(t, resp.Body, &body)
		sizes = append(sizes, len(body.Users))
		for _, u := range body.Users {
			emails = append(emails, u.Email)
		}
		if body.NextToken == "" {
			return emails, sizes
		}
		q.Set("nextToken", body.NextToken)
	}
	t.Fatal("the listing does not end")
	return nil, nil
}

func wantEveryUserOnce(t *testing.T, f *fakeCognito, emails []string) {
	t.Helper()
	seen := map[string]int{}
	for _, e := range emails {
		seen[e]++
	}
	for e := range f.users {
		if seen[e] != 1 {
			t.Errorf("%s listed %d times", e, seen[e])
		}
	}
	if len(emails) != len(f.users) {
		t.Errorf("listed %d users, the pool holds %d", len(emails), len(f.users))
	}
}

// TestListStopsBeforeTheDeadline: a page spanning several Cognito pages
// reads another only while twice the slowest so far fits before the
// deadline, and answers what it has with a nextToken that continues it.
func TestListStopsBeforeTheDeadline(t *testing.T) {
	f := newFake(testPool, "admins")
	f.seed("admin@example.com", types.UserStatusTypeConfirmed, "admins")
	for i := range 203 {
		f.seed(fmt.Sprintf("user%03d@example.com", i), types.UserStatusTypeConfirmed)
	}
	clock := time.Now()
	slow := &slowPages{fakeCognito: f, clock: &clock, step: 2 * time.Second}
	h := New(testSettings(), slow, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	h.now = func() time.Time { return clock }
	// 10 s per invocation, 1 s of it kept back: pages at 0, 2 and 4 s leave
	// 3 s, less than twice the 2 s a page takes.
	emails, sizes := listAll(t, h, f, func() time.Time { return clock.Add(10 * time.Second) })
	if !reflect.DeepEqual(sizes, []int{180, 24}) {
		t.Errorf("page sizes = %v, want [180 24]", sizes)
	}
	wantEveryUserOnce(t, f, emails)
}

// TestListLaterPageFailure: when a Cognito page after the first fails, the
// users read so far are answered with a nextToken; the next request goes on.
func TestListLaterPageFailure(t *testing.T) {
	f := newFake(testPool, "admins")
	f.seed("admin@example.com", types.UserStatusTypeConfirmed, "admins")
	for i := range 150 {
		f.seed(fmt.Sprintf("user%03d@example.com", i), types.UserStatusTypeConfirmed)
	}
	clock := time.Now()
	slow := &slowPages{fakeCognito: f, clock: &clock, failCall: 2}
	h := New(testSettings(), slow, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	emails, sizes := listAll(t, h, f, func() time.Time { return time.Now().Add(10 * time.Second) })
	if !reflect.DeepEqual(sizes, []int{60, 91}) {
		t.Errorf("page sizes = %v, want [60 91]", sizes)
	}
	wantEveryUserOnce(t, f, emails)

	// The first page's failure is the answer.
	slow.listed, slow.failCall = 0, 1
	f.newRequest()
	resp, _ := h.Handle(context.Background(), listEvent(url.Values{"limit": {"600"}}).request(t))
	wantError(t, resp, http.StatusTooManyRequests, "TooManyRequests")
}

// TestListStaysUnderTheAnswerLimit: users with large custom attributes end
// a page early, before its JSON could pass Lambda's 6 MB response limit.
func TestListStaysUnderTheAnswerLimit(t *testing.T) {
	f := newFake(testPool, "admins")
	f.seed("admin@example.com", types.UserStatusTypeConfirmed, "admins")
	for i := range 299 {
		u := f.seed(fmt.Sprintf("user%03d@example.com", i), types.UserStatusTypeConfirmed)
		u.profile["custom:department"] = strings.Repeat("x", 20_000) // 60 users: 1.2 MB
	}
	h := New(testSettings(), f, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	emails, sizes := listAll(t, h, f, func() time.Time { return time.Now().Add(10 * time.Second) })
	// After three Cognito pages (3.6 MB) a fourth would pass 4 MiB.
	if !reflect.DeepEqual(sizes, []int{180, 120}) {
		t.Errorf("page sizes = %v, want [180 120]", sizes)
	}
	wantEveryUserOnce(t, f, emails)
}

// TestListQueryMatchesTheDocument: the list routes know exactly the query
// parameters api/openapi.yaml gives them (whose client sends them).
func TestListQueryMatchesTheDocument(t *testing.T) {
	spec, err := api.Load()
	if err != nil {
		t.Fatal(err)
	}
	events := map[string]func(url.Values) ev{
		"GET /users":                listEvent,
		"GET /groups/{group}/users": func(q url.Values) ev { return membersEvent("support", q) },
		"GET /audit":                func(q url.Values) ev { return ev{method: "GET", resource: "/audit", query: q} },
		"GET /users/{email}/history": func(q url.Values) ev {
			return ev{method: "GET", resource: "/users/{email}/history", query: q, params: map[string]string{"email": "admin@example.com"}}
		},
	}
	for _, r := range spec.Routes {
		if len(r.QueryParams) == 0 {
			continue
		}
		event, ok := events[r.Key()]
		if !ok {
			t.Errorf("%s takes query parameters %v: add it here", r.Key(), r.QueryParams)
			continue
		}
		delete(events, r.Key())
		for _, p := range append(slices.Clone(r.QueryParams), "undocumented") {
			hs := newHarness(t)
			withRecords(hs)
			// A value no parameter accepts: refused, but by the parameter's own rule.
			resp := hs.do(t, event(url.Values{p: {"\x01"}}))
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s ?%s=…: %d %s", r.Key(), p, resp.StatusCode, resp.Body)
				continue
			}
			var e errorResponse
			decodeStrict(t, resp.Body, &e)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s ?%s=…: %d %s", r.Key(), p, resp.StatusCode, resp.Body)
			}
			if unknown := strings.Contains(e.Error.Message, "unknown query parameter"); unknown != (p == "undocumented") {
				t.Errorf("%s ?%s=…: %q", r.Key(), p, e.Error.Message)
			}
		}
	}
	for key := range events {
		t.Errorf("%s takes no query parameters in the document", key)
	}
}
