package handler

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// fakeRecords is an in-memory audit trail: Put keeps records (or fails
// with putErr), Query answers from them, filtered in memory.
type fakeRecords struct {
	mu      sync.Mutex
	recs    []audit.Record
	putErr  error
	queries []audit.Filter
	next    *audit.Cursor // the cursor Query answers with
	gotCur  *audit.Cursor
}

func (f *fakeRecords) Put(_ context.Context, r audit.Record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.putErr != nil {
		return f.putErr
	}
	f.recs = append(f.recs, r)
	return nil
}

func (f *fakeRecords) Query(_ context.Context, flt audit.Filter, limit int32, cur *audit.Cursor, _ time.Time) ([]audit.Record, *audit.Cursor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries, f.gotCur = append(f.queries, flt), cur
	var out []audit.Record
	for _, r := range slices.Backward(f.recs) {
		if (flt.User == "" || r.Target == flt.User) && (flt.Action == "" || r.Action == flt.Action) && int32(len(out)) < limit {
			out = append(out, r)
		}
	}
	return out, f.next, nil
}

func (f *fakeRecords) only(t *testing.T) audit.Record {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.recs) != 1 {
		t.Fatalf("%d records, want 1: %+v", len(f.recs), f.recs)
	}
	return f.recs[0]
}

var testNow = time.Date(2026, 12, 2, 3, 4, 5, 6, time.UTC)

func withRecords(hs *harness) *fakeRecords {
	f := &fakeRecords{}
	hs.h.WithRecords(f)
	hs.h.now = func() time.Time { return testNow }
	return f
}

func on(b bool) *bool { return &b }

// permissions are the ones TestRecordsChanges's routes use, by action.
var permissions = map[string]string{
	"create": "users:create", "disable": "users:disable", "role_grant": "roles:grant", "group_remove": "groups:assign",
	"delete": "users:delete", "update": "users:edit", "password": "users:password",
}

// Each change is recorded once, with who, what, whom, and the target's
// state before and after as the call read it; no password, ever.
func TestRecordsChanges(t *testing.T) {
	for _, tc := range []struct {
		name          string
		e             ev
		action        string
		target, group string
		status        int
		before, after *audit.State
	}{
		{"create", createEvent(`{"email":"New@Example.com","temporaryPassword":"Secret-Passw0rd!","groups":["support"]}`),
			"create", "new@example.com", "", 201,
			nil, &audit.State{Status: "FORCE_CHANGE_PASSWORD", Enabled: on(true), Groups: []string{"support"}, MFAEnabled: on(false)}},
		{"disable", userEvent("POST", "/users/{email}/disable", "active@example.com"),
			"disable", "active@example.com", "", 200,
			&audit.State{Status: "CONFIRMED", Enabled: on(true), Groups: []string{"readonly", "support"}, MFAEnabled: on(false)},
			&audit.State{Status: "CONFIRMED", Enabled: on(false), Groups: []string{"readonly", "support"}, MFAEnabled: on(false)}},
		// admins is a role's group: its membership is a role_grant, and
		// the new holder's credential goes back to their mailbox (a reset).
		{"group add", groupEvent("PUT", "active@example.com", "admins"),
			"role_grant", "active@example.com", "admins", 204,
			&audit.State{Status: "CONFIRMED", Groups: []string{"readonly", "support"}}, &audit.State{Status: "RESET_REQUIRED", Groups: []string{"admins", "readonly", "support"}}},
		{"group remove", groupEvent("DELETE", "active@example.com", "support"),
			"group_remove", "active@example.com", "support", 204,
			&audit.State{Groups: []string{"readonly", "support"}}, &audit.State{Groups: []string{"readonly"}}},
		{"delete", userEvent("DELETE", "/users/{email}", "active@example.com"),
			"delete", "active@example.com", "", 204,
			&audit.State{Status: "CONFIRMED", Enabled: on(true), Groups: []string{"readonly", "support"}, MFAEnabled: on(false)}, nil},
		{"update", ev{method: "PATCH", resource: "/users/{email}", params: map[string]string{"email": "active@example.com"}, headers: map[string]string{"Content-Type": "application/json"}, body: `{"givenName":"Maria","attributes":{"department":"ops"}}`},
			"update", "active@example.com", "", 200,
			&audit.State{Status: "CONFIRMED", Enabled: on(true), Groups: []string{"readonly", "support"}, MFAEnabled: on(false)},
			&audit.State{Status: "CONFIRMED", Enabled: on(true), Groups: []string{"readonly", "support"}, GivenName: "Maria", Attributes: map[string]string{"department": "ops"}, MFAEnabled: on(false)}},
		{"password reset", ev{method: "POST", resource: "/users/{email}/password", params: map[string]string{"email": "active@example.com"}, headers: map[string]string{"Content-Type": "application/json"}, body: `{"mode":"temporary","temporaryPassword":"Other-Passw0rd!"}`},
			"password", "active@example.com", "", 200,
			&audit.State{Status: "CONFIRMED", Enabled: on(true), Groups: []string{"readonly", "support"}, MFAEnabled: on(false)},
			&audit.State{Status: "FORCE_CHANGE_PASSWORD", Enabled: on(true), Groups: []string{"readonly", "support"}, MFAEnabled: on(false)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			recs := withRecords(hs)
			if resp := hs.do(t, tc.e); resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			r := recs.only(t)
			if r.Action != tc.action || r.Target != tc.target || r.Group != tc.group || r.Outcome != "success" || r.Status != tc.status {
				t.Errorf("record %+v, want %s of %s (group %q) succeeding with %d", r, tc.action, tc.target, tc.group, tc.status)
			}
			if !cmp.Equal(r.Actor, audit.Actor{Sub: "sub-0001", Email: "admin@example.com", Roles: []string{"admins"}, Permission: permissions[tc.action]}) || r.RequestID != "req-1" || !r.Time.Equal(testNow) ||
				r.SourceIP != "192.0.2.1" || r.UserAgent != "curl/8.5.0" || r.ID != audit.NewID(testNow, "req-1") {
				t.Errorf("record's who/when/where: %+v", r)
			}
			if d := cmp.Diff(tc.before, r.Before); d != "" {
				t.Errorf("before (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.after, r.After); d != "" {
				t.Errorf("after (-want +got):\n%s", d)
			}
			b, _ := json.Marshal(r)
			if strings.Contains(string(b), "Passw0rd") {
				t.Errorf("the record holds a password: %s", b)
			}
		})
	}
}

// A refusal is recorded too, with the reason and no state.
func TestRecordsRefusals(t *testing.T) {
	hs := newHarness(t)
	recs := withRecords(hs)
	e := userEvent("POST", "/users/{email}/disable", "admin@example.com") // the caller's own account
	wantError(t, hs.do(t, e), http.StatusForbidden, "CannotModifySelf")
	r := recs.only(t)
	if r.Outcome != "CannotModifySelf" || r.Status != 403 || r.Before != nil || r.After != nil || r.EventType() != "" {
		t.Errorf("refusal record %+v", r)
	}
	hs = newHarness(t)
	recs = withRecords(hs)
	wantError(t, hs.do(t, ev{method: "GET", resource: "/users", claims: `{"sub":"s-9","aud":"5example0client0id","email":"x@example.com","cognito:groups":"support","token_use":"id"}`}),
		http.StatusForbidden, "Forbidden")
	if r := recs.only(t); r.Action != "read" || r.Reason != "token_not_admin" || r.Actor.Email != "x@example.com" {
		t.Errorf("forbidden record %+v", r)
	}
}

// Guarantee shown: when the record cannot be written after Cognito's
// change, the change stands, the answer is unchanged, and the whole record
// is logged at ERROR under the marker the alarm counts.
func TestRecordWriteFailureKeepsTheChange(t *testing.T) {
	hs := newHarness(t)
	recs := withRecords(hs)
	recs.putErr = errors.New("ProvisionedThroughputExceededException")
	resp := hs.do(t, userEvent("POST", "/users/{email}/disable", "active@example.com"))
	if u := wantUser(t, resp, http.StatusOK); u.Enabled {
		t.Errorf("answer %+v, want the user disabled", u)
	}
	if u := hs.fake.users["active@example.com"]; u.enabled {
		t.Error("the disable was undone")
	}
	lines := hs.logs.lines(t, auditlog.MessageRecordUnwritten)
	if len(lines) != 1 || lines[0]["level"] != "ERROR" {
		t.Fatalf("ERROR lines %v, want one", lines)
	}
	b, _ := json.Marshal(lines[0][auditlog.Record])
	var r audit.Record
	if err := json.Unmarshal(b, &r); err != nil || r.Action != "disable" || r.Target != "active@example.com" || r.After == nil || *r.After.Enabled {
		t.Errorf("logged record %s (%v), want the full disable record", b, err)
	}
	if len(hs.logs.lines(t, auditlog.Message)) != 1 {
		t.Error("the audit line is still written")
	}
}

func TestAuditQuery(t *testing.T) {
	hs := newHarness(t)
	recs := withRecords(hs)
	hs.do(t, userEvent("POST", "/users/{email}/disable", "active@example.com"))
	hs.do(t, userEvent("POST", "/users/{email}/enable", "active@example.com"))
	hs.do(t, userEvent("POST", "/users/{email}/disable", "pending@example.com"))
	get := func(resource string, q url.Values, params map[string]string) auditBody {
		t.Helper()
		resp := hs.do(t, ev{method: "GET", resource: resource, query: q, params: params})
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s?%s: %d %s", resource, q.Encode(), resp.StatusCode, resp.Body)
		}
		var b auditBody
		decodeStrict(t, resp.Body, &b)
		return b
	}
	b := get("/audit", url.Values{"user": {"Active@Example.com"}, "since": {"2026-01-01T00:00:00Z"}, "until": {"2026-12-31T00:00:00+01:00"}, "action": {"disable"}, "actor": {"ADMIN@example.com"}}, nil)
	if len(b.Records) != 1 || b.Records[0].Action != "disable" || b.Records[0].Target != "active@example.com" {
		t.Errorf("records %+v", b.Records)
	}
	want := audit.Filter{User: "active@example.com", Actor: "admin@example.com", Action: "disable",
		Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 30, 23, 0, 0, 0, time.UTC)}
	if got := recs.queries[len(recs.queries)-1]; !got.Since.Equal(want.Since) || !got.Until.Equal(want.Until) || got.User != want.User || got.Actor != want.Actor || got.Action != want.Action {
		t.Errorf("filter %+v, want %+v", got, want)
	}
	// History: one user's, newest first.
	b = get("/users/{email}/history", nil, map[string]string{"email": "active@example.com"})
	if len(b.Records) != 2 || b.Records[0].Action != "enable" || b.Records[1].Action != "disable" {
		t.Errorf("history %+v", b.Records)
	}

	// A next page's token is opaque, bound to its query, and brings its cursor back.
	recs.next = &audit.Cursor{Day: "2026-12-01", Key: map[string]string{"pk": "x"}}
	q := url.Values{"action": {"disable"}}
	b = get("/audit", q, nil)
	if b.NextToken == "" {
		t.Fatal("no nextToken")
	}
	recs.next = nil
	q.Set("nextToken", b.NextToken)
	get("/audit", q, nil)
	if d := cmp.Diff(&audit.Cursor{Day: "2026-12-01", Key: map[string]string{"pk": "x"}}, recs.gotCur); d != "" {
		t.Errorf("cursor (-want +got):\n%s", d)
	}
	for name, e := range map[string]ev{
		"token of another query": {method: "GET", resource: "/audit", query: url.Values{"action": {"enable"}, "nextToken": {b.NextToken}}},
		"token of a history":     {method: "GET", resource: "/users/{email}/history", params: map[string]string{"email": "active@example.com"}, query: url.Values{"action": {"disable"}, "nextToken": {b.NextToken}}},
		"garbage token":          {method: "GET", resource: "/audit", query: url.Values{"nextToken": {"eyJ9"}}},
	} {
		wantError(t, hs.do(t, e), http.StatusBadRequest, "InvalidNextToken")
		_ = name
	}
}

func TestAuditQueryBadInput(t *testing.T) {
	hs := newHarness(t)
	withRecords(hs)
	for name, q := range map[string]url.Values{
		"unknown parameter": {"who": {"x"}},
		"repeated":          {"action": {"create", "delete"}},
		"bad time":          {"since": {"yesterday"}},
		"since after until": {"since": {"2026-02-01T00:00:00Z"}, "until": {"2026-01-01T00:00:00Z"}},
		"bad action":        {"action": {"drop"}},
		"bad user":          {"user": {"not-an-email"}},
		"limit 0":           {"limit": {"0"}},
		"limit 101":         {"limit": {"101"}},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, hs.do(t, ev{method: "GET", resource: "/audit", query: q}), http.StatusBadRequest, map[bool]string{true: "InvalidEmail", false: "InvalidRequest"}[name == "bad user"])
		})
	}
	// History takes no user or actor: the path names the user.
	wantError(t, hs.do(t, ev{method: "GET", resource: "/users/{email}/history", params: map[string]string{"email": "active@example.com"}, query: url.Values{"user": {"other@example.com"}}}),
		http.StatusBadRequest, "InvalidRequest")
	// Without a table, the routes say so in the API's shape.
	hs = newHarness(t)
	wantError(t, hs.do(t, ev{method: "GET", resource: "/audit"}), http.StatusNotImplemented, "AuditNotConfigured")
}

// The handler's list of audit actions is the route table's, plus read and
// the role changes (group routes on a role's group).
func TestActionsAreTheRoutes(t *testing.T) {
	want := []string{auditlog.ActionRead, auditlog.ActionRoleGrant, auditlog.ActionRoleRevoke}
	for _, r := range routes {
		if r.action != "" && !slices.Contains(want, r.action) {
			want = append(want, r.action)
		}
	}
	slices.Sort(want)
	if d := cmp.Diff(want, Actions()); d != "" {
		t.Errorf("Actions (-routes +list):\n%s", d)
	}
	// Every change publishes an event; read does not.
	for _, a := range Actions() {
		typ := audit.Record{Action: a, Outcome: "success", Status: 200}.EventType()
		if (typ == "") != (a == auditlog.ActionRead) {
			t.Errorf("action %s has event type %q", a, typ)
		}
	}
}

// A token without an email still names the actor by email: the pool's, read by the live account check.
func TestRecordActorEmailFromThePool(t *testing.T) {
	hs := newHarness(t)
	recs := withRecords(hs)
	e := userEvent("POST", "/users/{email}/disable", "active@example.com")
	e.claims = strings.Replace(adminClaims, `"email":"Admin@Example.com",`, "", 1)
	if resp := hs.do(t, e); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if a := recs.only(t).Actor; a.Email != "admin@example.com" || a.Sub != "sub-0001" {
		t.Errorf("actor %+v", a)
	}
}

type deadlineRecords struct {
	fakeRecords
	got time.Time
}

func (d *deadlineRecords) Put(ctx context.Context, r audit.Record) error {
	d.got, _ = ctx.Deadline()
	return nil
}

// The audit write outlives the request's context (it runs when the answer
// is ready) but never the invocation: killed mid-write, the Lambda would
// lose even the ERROR line.
func TestRecordWriteStopsAtTheInvocationDeadline(t *testing.T) {
	hs := newHarness(t)
	d := &deadlineRecords{}
	hs.h.WithRecords(d)
	invocation := time.Now().Add(1500 * time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), invocation)
	defer cancel()
	if _, err := hs.h.Handle(ctx, userEvent("POST", "/users/{email}/disable", "active@example.com").request(t)); err != nil {
		t.Fatal(err)
	}
	if !d.got.Equal(invocation) {
		t.Errorf("the write's deadline is %v, want the invocation's %v", d.got, invocation)
	}
	// Without an invocation deadline, its own bound.
	if _, err := hs.h.Handle(context.Background(), userEvent("POST", "/users/{email}/enable", "active@example.com").request(t)); err != nil {
		t.Fatal(err)
	}
	if d.got.IsZero() || time.Until(d.got) > recordTimeout {
		t.Errorf("the write's deadline is %v, want at most %v away", d.got, recordTimeout)
	}
}

// A refusal by a rule of lambda/access names the rule in the record, as in
// the audit line: the outcome alone cannot tell a takeover from a missing
// permission, or a hidden user from a missing one. And it names its target,
// even when refused before the route read it, so the user's history shows it.
func TestRecordNamesTheRefusingRule(t *testing.T) {
	for _, tc := range []struct {
		name, caller string
		e            ev
		status       int
		code, rule   string
		target       string
	}{
		{"takeover", "help@example.com", jsonEv("POST", "/users/{email}/password", map[string]string{"email": "admin@example.com"}, `{"mode":"reset"}`),
			http.StatusForbidden, "NotPermitted", "takeover", "admin@example.com"},
		{"permission", "help@example.com", userEvent("POST", "/users/{email}/disable", "in.a@example.com"),
			http.StatusForbidden, "NotPermitted", "permission", "in.a@example.com"},
		{"hidden", "ta.admin@example.com", userEvent("POST", "/users/{email}/disable", "out@example.com"),
			http.StatusNotFound, "UserNotFound", "hidden", "out@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := rolesHarness(t)
			tc.e.claims = hs.claimsOf(t, tc.caller)
			wantError(t, hs.do(t, tc.e), tc.status, tc.code)
			r := hs.records.only(t)
			if r.Outcome != tc.code || r.Details[auditlog.Rule] != tc.rule || r.Target != tc.target {
				t.Errorf("record %+v: want outcome %s with details.rule %q, target %s", r, tc.code, tc.rule, tc.target)
			}
		})
	}
}
