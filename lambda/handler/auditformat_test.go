package handler

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// TestAuditLineFormat pins the audit line as the Lambda writes it (its JSON
// log format, through lambdacontext's key names): the exact keys, their
// order and their JSON types. The metric filters, alarms and saved queries
// in infra/ match these names; a change here must change them too.
func TestAuditLineFormat(t *testing.T) {
	type field = auditField
	head := []field{{"timestamp", "string"}, {"level", "string"}, {auditlog.MessageKey, "string"}, {auditlog.Action, "string"},
		{auditlog.CallerSub, "string"}, {auditlog.CallerEmail, "string"}, {auditlog.Target, "string"}}
	tail := []field{{auditlog.Outcome, "string"}, {auditlog.Status, "number"}, {auditlog.RequestID, "string"}}
	with := func(extra ...field) []field {
		return append(append(append([]field{}, head...), extra...), tail...)
	}
	// An admin's lines name their roles and the permission used.
	roles, perm := field{auditlog.CallerRoles, "array"}, field{auditlog.Permission, "string"}
	for _, tc := range []struct {
		name         string
		e            ev
		want         []field
		action       string
		outcome      string
		status       float64
		wantGroups   []any
		wantGroup    string
		wantCallerEm string
		helpdesk     bool // the caller is a helpdesk user the test seeds
	}{
		{name: "create with groups", e: createEvent(`{"email":"new@example.com","groups":["support"]}`),
			want: with(field{auditlog.Groups, "array"}, field{auditlog.InvitationSent, "bool"}, roles, perm), action: auditlog.ActionCreate, outcome: auditlog.OutcomeSuccess, status: 201,
			wantGroups: []any{"support"}, wantCallerEm: "admin@example.com"},
		{name: "resend", e: userEvent("POST", "/users/{email}/invitation", "pending@example.com"),
			want: with(field{auditlog.InvitationSent, "bool"}, roles, perm), action: auditlog.ActionResend, outcome: auditlog.OutcomeSuccess, status: 200, wantCallerEm: "admin@example.com"},
		{name: "create without invitation", e: createEvent(`{"email":"new@example.com","sendInvitation":false}`),
			want: with(roles, perm), action: auditlog.ActionCreate, outcome: auditlog.OutcomeSuccess, status: 201, wantCallerEm: "admin@example.com"},
		{name: "group add", e: groupEvent("PUT", "active@example.com", "support"),
			want: with(field{auditlog.Group, "string"}, roles, perm), action: "group_add", outcome: auditlog.OutcomeSuccess, status: 204,
			wantGroup: "support", wantCallerEm: "admin@example.com"},
		{name: "refused by a rule", e: ev{method: "POST", resource: "/users/{email}/disable", params: map[string]string{"email": "active@example.com"}, claims: helpdeskClaims},
			want: with(roles, perm, field{auditlog.Rule, "string"}), action: "disable", outcome: auditlog.OutcomeNotPermitted, status: http.StatusForbidden, wantCallerEm: "help@example.com", helpdesk: true},
		{name: "role holder's MFA removed", e: userEvent("DELETE", "/users/{email}/mfa", "other.admin@example.com"),
			want: with(roles, perm, field{auditlog.Notice, "string"}), action: "mfa_remove", outcome: auditlog.OutcomeSuccess, status: 200, wantCallerEm: "admin@example.com"},
		{name: "refused read", e: ev{method: "GET", resource: "/users", claims: `{"sub":"s-9","aud":"5example0client0id","email":"x@example.com","cognito:groups":"support","token_use":"id"}`},
			want: with(field{auditlog.Reason, "string"}), action: auditlog.ActionRead, outcome: auditlog.OutcomeForbidden, status: http.StatusForbidden, wantCallerEm: "x@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			if tc.helpdesk {
				hs.seedHelpdesk()
			}
			var buf bytes.Buffer
			hs.h.log = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr}))
			hs.do(t, tc.e)
			var line string
			for l := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
				if strings.Contains(l, `"`+auditlog.MessageKey+`":"`+auditlog.Message+`"`) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no audit line in:\n%s", buf.String())
			}
			got := orderedFields(t, line)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("audit line fields:\n got %v\nwant %v\nline %s", got, tc.want, line)
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			for k, want := range map[string]any{auditlog.MessageKey: auditlog.Message, auditlog.Action: tc.action,
				auditlog.Outcome: tc.outcome, auditlog.Status: tc.status, auditlog.CallerEmail: tc.wantCallerEm, auditlog.RequestID: "req-1"} {
				if rec[k] != want {
					t.Errorf("%s = %#v, want %#v", k, rec[k], want)
				}
			}
			if tc.wantGroups != nil && !reflect.DeepEqual(rec[auditlog.Groups], tc.wantGroups) {
				t.Errorf("groups = %#v, want %#v", rec[auditlog.Groups], tc.wantGroups)
			}
			if sent, ok := rec[auditlog.InvitationSent]; ok && sent != true {
				t.Errorf("invitation_sent = %#v, want true or absent", sent)
			}
			if tc.wantGroup != "" && rec[auditlog.Group] != tc.wantGroup {
				t.Errorf("group = %#v, want %q", rec[auditlog.Group], tc.wantGroup)
			}
		})
	}
}

// TestAuditActionsCounted holds the route table's actions for the routes the
// infrastructure counts (creates per hour, invitations sent) equal to auditlog's.
func TestAuditActionsCounted(t *testing.T) {
	for key, want := range map[string]string{
		"POST /users":                    auditlog.ActionCreate,
		"POST /users/{email}/invitation": auditlog.ActionResend,
	} {
		if got := routes[key].action; got != want {
			t.Errorf("route %s audits action %q, infra counts %q", key, got, want)
		}
	}
	for key, r := range routes {
		if r.action == auditlog.ActionRead {
			t.Errorf("route %s uses the action reserved for refused reads", key)
		}
	}
}

// TestRefusedReadIsAudited: a read is audited only when authorization refuses it.
func TestRefusedReadIsAudited(t *testing.T) {
	hs := newHarness(t)
	hs.do(t, ev{method: "GET", resource: "/users/{email}", params: map[string]string{"email": "active@example.com"},
		claims: `{"sub":"s-9","email":"x@example.com","cognito:groups":"support"}`})
	hs.do(t, userEvent("GET", "/users/{email}", "missing@example.com")) // an admin's failed read: no line
	lines := hs.logs.lines(t, "audit")
	if len(lines) != 1 || lines[0]["action"] != "read" || lines[0]["outcome"] != "Forbidden" || lines[0]["caller_sub"] != "s-9" {
		t.Fatalf("audit lines = %v", lines)
	}
}

// auditField is one key of a JSON line and its value's JSON type (string, number, array, …).
type auditField struct{ key, kind string }

// orderedFields lists a JSON object's top-level keys in order, with each value's JSON type.
func orderedFields(t *testing.T, line string) []auditField {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", line)
	}
	var out []auditField
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		kind := "other"
		switch v[0] {
		case '"':
			kind = "string"
		case '[':
			kind = "array"
		case '{':
			kind = "object"
		case 't', 'f':
			kind = "bool"
		case 'n':
			kind = "null"
		default:
			kind = "number"
		}
		out = append(out, auditField{k.(string), kind})
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return out
}
