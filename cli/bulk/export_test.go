package bulk

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExportCSVEveryPage(t *testing.T) {
	f := newExportFake("ops", "staff")
	for i := range 7 {
		f.existing(fmt.Sprintf("u%d@example.com", i))
	}
	f.users["u1@example.com"].u.Groups = []string{"ops", "staff"}
	var b strings.Builder
	n, err := Export(context.Background(), f, &b, ExportOptions{Format: CSV})
	if err != nil || n != 7 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	recs, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 8 || strings.Join(recs[0], ",") != "email,status,enabled,groups,createdAt,updatedAt" {
		t.Fatalf("export = %q", recs)
	}
	if got := strings.Join(recs[2], ","); !strings.HasPrefix(got, "u1@example.com,CONFIRMED,true,ops;staff,") {
		t.Errorf("row = %s", got)
	}
	if f.listed != 3 || f.memberPages["ops"] != 1 || f.memberPages["staff"] != 1 {
		t.Errorf("%d pages of users and %v of members read, want 3 and one a group", f.listed, f.memberPages)
	}
}

func TestExportJSONLAndStatus(t *testing.T) {
	f := newExportFake()
	f.existing("a@example.com")
	f.existing("b@example.com")
	f.users["b@example.com"].u.Status = "FORCE_CHANGE_PASSWORD"
	var b strings.Builder
	if _, err := Export(context.Background(), f, &b, ExportOptions{Format: JSONL, Status: "FORCE_CHANGE_PASSWORD"}); err != nil {
		t.Fatal(err)
	}
	var u User
	if err := json.Unmarshal([]byte(b.String()), &u); err != nil || u.Email != "b@example.com" || strings.Count(b.String(), "\n") != 1 {
		t.Fatalf("export = %q (%v)", b.String(), err)
	}
}

// pageWatcher records how many users reached the output before each page was asked for.
type pageWatcher struct {
	*exportFake
	out    *strings.Builder
	before []int
}

func (p *pageWatcher) ListUsers(ctx context.Context, status, token string) ([]User, string, Answer, error) {
	p.before = append(p.before, strings.Count(p.out.String(), "\n"))
	return p.exportFake.ListUsers(ctx, status, token)
}

func TestExportStreamsPageByPage(t *testing.T) {
	f := newExportFake()
	for i := range 9 {
		f.existing(fmt.Sprintf("u%d@example.com", i))
	}
	var b strings.Builder
	w := &pageWatcher{exportFake: f, out: &b}
	if _, err := Export(context.Background(), w, &b, ExportOptions{Format: JSONL}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(w.before); got != "[0 3 6]" {
		t.Errorf("users written before each page was read: %s, want [0 3 6]: each page must be written as it arrives", got)
	}
}

// flaky answers 429 and then loses the connection before every page it serves.
type flaky struct {
	*exportFake
	calls int
}

func (f *flaky) fail() (Answer, error, bool) {
	f.calls++
	switch f.calls % 3 {
	case 1:
		return Answer{Status: 429, RetryAfter: 2 * time.Second}, nil, true
	case 2:
		return Answer{}, errLost, true
	}
	return Answer{}, nil, false
}

func (f *flaky) ListUsers(ctx context.Context, status, token string) ([]User, string, Answer, error) {
	if a, err, failed := f.fail(); failed {
		return nil, "", a, err
	}
	return f.exportFake.ListUsers(ctx, status, token)
}

func (f *flaky) ListGroupMembers(ctx context.Context, group, token string) ([]User, string, Answer, error) {
	if a, err, failed := f.fail(); failed {
		return nil, "", a, err
	}
	return f.exportFake.ListGroupMembers(ctx, group, token)
}

func TestExportWaitsOutThrottlingAndRetriesLostPages(t *testing.T) {
	f := newExportFake("staff")
	for i := range 9 {
		f.existing(fmt.Sprintf("u%d@example.com", i))
	}
	for _, e := range []string{"u1@example.com", "u5@example.com"} {
		f.users[e].u.Groups = []string{"staff"}
	}
	c := &stepClock{now: time.Unix(0, 0)}
	var b strings.Builder
	n, err := Export(context.Background(), &flaky{exportFake: f}, &b, ExportOptions{Format: CSV, Clock: c})
	if err != nil || n != 9 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	// One page of members and three of users, each waiting out a Retry-After of 2s and a 200ms backoff.
	if waited := c.Now().Sub(time.Unix(0, 0)); waited != 4*2200*time.Millisecond {
		t.Errorf("waited %v", waited)
	}
	if strings.Count(b.String(), ",staff,") != 2 {
		t.Errorf("export = %s", b.String())
	}
}

func TestExportStopsOnAnAPIError(t *testing.T) {
	api := errAPI{Answer{Status: 403, Code: "Forbidden", Message: "not an admin", RequestID: "r9"}}
	_, err := Export(context.Background(), api, &strings.Builder{}, ExportOptions{})
	a, ok := AsAPIError(err)
	if !ok || a.Code != "Forbidden" || !strings.Contains(err.Error(), "r9") {
		t.Fatalf("err = %v", err)
	}
}

type errAPI struct{ a Answer }

func (e errAPI) ManagedGroups(context.Context) ([]string, Answer, error) { return nil, e.a, nil }
func (e errAPI) ListGroupMembers(context.Context, string, string) ([]User, string, Answer, error) {
	return nil, "", e.a, nil
}

func (e errAPI) CreateUser(context.Context, Create) (*User, Answer, error) { return nil, e.a, nil }
func (e errAPI) GetUser(context.Context, string) (*User, Answer, error)    { return nil, e.a, nil }
func (e errAPI) ListUsers(context.Context, string, string) ([]User, string, Answer, error) {
	return nil, "", e.a, nil
}

// TestExportJoinsGroupsFromMembers: every user's groups come from the
// managed groups' member lists, read once a group, and no user is read on
// their own. A group outside the managed ones is not exported.
func TestExportJoinsGroupsFromMembers(t *testing.T) {
	f := newExportFake("staff", "ops", "admins")
	for i := range 8 {
		f.existing(fmt.Sprintf("u%d@example.com", i))
	}
	want := map[string][]string{
		"u0@example.com": {"ops", "staff"},
		"u1@example.com": {"staff"},
		"u2@example.com": {"admins", "ops", "staff"},
		"u3@example.com": {"staff"},
		"u4@example.com": {"staff"},
		"u5@example.com": {},
		"u6@example.com": {"staff"},
		"u7@example.com": {"ops"},
	}
	for e, g := range want {
		f.users[e].u.Groups = append([]string{}, g...)
	}
	f.users["u5@example.com"].u.Groups = []string{"legacy"} // not managed
	var b strings.Builder
	n, err := Export(context.Background(), f, &b, ExportOptions{Format: JSONL})
	if err != nil || n != 8 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var u User
		if err := json.Unmarshal([]byte(line), &u); err != nil {
			t.Fatal(err)
		}
		if u.Groups == nil {
			t.Errorf("%s: groups null, want an array", u.Email)
		}
		got[u.Email] = u.Groups
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups = %v\nwant %v", got, want)
	}
	// staff has 5 members (pages of 3: 2 pages), ops 3 (1), admins 1 (1); 8 users: 3 pages.
	if f.gets != 0 || f.listed != 3 || !reflect.DeepEqual(f.memberPages, map[string]int{"staff": 2, "ops": 1, "admins": 1}) {
		t.Errorf("read %d users one by one, %d pages of users, member pages %v", f.gets, f.listed, f.memberPages)
	}
}

// gone answers GroupNotFound for one group, deleted from the pool after GET /groups listed it.
type gone struct {
	*exportFake
	group string
}

func (g gone) ListGroupMembers(ctx context.Context, group, token string) ([]User, string, Answer, error) {
	if group == g.group {
		return nil, "", Answer{Status: 404, Code: "GroupNotFound"}, nil
	}
	return g.exportFake.ListGroupMembers(ctx, group, token)
}

func TestExportGroupDeletedMeanwhile(t *testing.T) {
	f := newExportFake("ops", "staff")
	f.existing("a@example.com")
	f.users["a@example.com"].u.Groups = []string{"ops", "staff"}
	var b strings.Builder
	if _, err := Export(context.Background(), gone{f, "ops"}, &b, ExportOptions{Format: CSV}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "a@example.com,CONFIRMED,true,staff,") {
		t.Errorf("export = %s", b.String())
	}
}

// refusing answers every member listing with 403.
type refusing struct{ *exportFake }

func (refusing) ListGroupMembers(context.Context, string, string) ([]User, string, Answer, error) {
	return nil, "", Answer{Status: 403, Code: "Forbidden", Message: "no"}, nil
}

// A refused member listing stops the export before anything is written.
func TestExportStopsOnAMembersError(t *testing.T) {
	f := newExportFake("ops")
	f.existing("a@example.com")
	var b strings.Builder
	_, err := Export(context.Background(), refusing{f}, &b, ExportOptions{Format: CSV})
	if a, ok := AsAPIError(err); !ok || a.Status != 403 || b.Len() != 0 || f.listed != 0 {
		t.Errorf("err = %v, output %q, %d pages of users read", err, b.String(), f.listed)
	}
}

// twice lists every member twice, as two pages of one listing could.
type twice struct{ *exportFake }

func (w twice) ListGroupMembers(ctx context.Context, group, token string) ([]User, string, Answer, error) {
	users, next, a, err := w.exportFake.ListGroupMembers(ctx, group, token)
	return append(users, users...), next, a, err
}

func TestExportGroupOnceEach(t *testing.T) {
	f := newExportFake("staff")
	f.existing("a@example.com")
	f.users["a@example.com"].u.Groups = []string{"staff"}
	var b strings.Builder
	if _, err := Export(context.Background(), twice{f}, &b, ExportOptions{Format: CSV}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "a@example.com,CONFIRMED,true,staff,") {
		t.Errorf("export = %s", b.String())
	}
}
