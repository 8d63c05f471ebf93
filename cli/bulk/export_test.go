package bulk

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestExportCSVEveryPage(t *testing.T) {
	f := newFake()
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
	if f.listed != 3 {
		t.Errorf("%d pages read, want 3", f.listed)
	}
}

func TestExportJSONLAndStatus(t *testing.T) {
	f := newFake()
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
	*fakeAPI
	out    *strings.Builder
	before []int
}

func (p *pageWatcher) ListUsers(ctx context.Context, status, token string) ([]User, string, Answer, error) {
	p.before = append(p.before, strings.Count(p.out.String(), "\n"))
	return p.fakeAPI.ListUsers(ctx, status, token)
}

func TestExportStreamsPageByPage(t *testing.T) {
	f := newFake()
	for i := range 9 {
		f.existing(fmt.Sprintf("u%d@example.com", i))
	}
	var b strings.Builder
	w := &pageWatcher{fakeAPI: f, out: &b}
	if _, err := Export(context.Background(), w, &b, ExportOptions{Format: JSONL}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(w.before); got != "[0 3 6]" {
		t.Errorf("users written before each page was read: %s, want [0 3 6]: each page must be written as it arrives", got)
	}
}

// flaky answers 429 and then loses the connection before every page it serves.
type flaky struct {
	*fakeAPI
	calls int
}

func (f *flaky) ListUsers(ctx context.Context, status, token string) ([]User, string, Answer, error) {
	f.calls++
	switch f.calls % 3 {
	case 1:
		return nil, "", Answer{Status: 429, RetryAfter: 2 * time.Second}, nil
	case 2:
		return nil, "", Answer{}, errLost
	}
	return f.fakeAPI.ListUsers(ctx, status, token)
}

func TestExportWaitsOutThrottlingAndRetriesLostPages(t *testing.T) {
	f := newFake()
	for i := range 9 {
		f.existing(fmt.Sprintf("u%d@example.com", i))
	}
	c := &stepClock{now: time.Unix(0, 0)}
	var b strings.Builder
	n, err := Export(context.Background(), &flaky{fakeAPI: f}, &b, ExportOptions{Format: CSV, Clock: c})
	if err != nil || n != 9 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	// Three pages, each waiting out a Retry-After of 2s and a 200ms backoff.
	if waited := c.Now().Sub(time.Unix(0, 0)); waited != 3*2200*time.Millisecond {
		t.Errorf("waited %v", waited)
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

func (e errAPI) CreateUser(context.Context, Create) (*User, Answer, error) { return nil, e.a, nil }
func (e errAPI) GetUser(context.Context, string) (*User, Answer, error)    { return nil, e.a, nil }
func (e errAPI) ListUsers(context.Context, string, string) ([]User, string, Answer, error) {
	return nil, "", e.a, nil
}
