package handler

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// previewAnswer is POST /imports/preview's contract: decodeStrict refuses
// any other field, temporaryPassword included.
type previewAnswer struct {
	Rows []struct {
		Line   int    `json:"line"`
		Email  string `json:"email"`
		Create *struct {
			Email          string   `json:"email"`
			SendInvitation *bool    `json:"sendInvitation"`
			Groups         []string `json:"groups"`
		} `json:"create"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"rows"`
	Valid   *int `json:"valid"`
	Invalid *int `json:"invalid"`
}

func previewEvent(content string) ev {
	b, _ := json.Marshal(map[string]string{"content": content})
	return jsonEv("POST", "/imports/preview", nil, string(b))
}

func wantPreview(t testing.TB, hs *harness, e ev) previewAnswer {
	t.Helper()
	resp := hs.do(t, e)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200: %s", resp.StatusCode, resp.Body)
	}
	if resp.Headers["Content-Type"] != "application/json" || resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("headers = %v", resp.Headers)
	}
	var p previewAnswer
	decodeStrict(t, resp.Body, &p)
	if p.Rows == nil || p.Valid == nil || p.Invalid == nil {
		t.Fatalf("answer %s lacks rows, valid or invalid", resp.Body)
	}
	valid := 0
	for _, r := range p.Rows {
		if (r.Create != nil) == (r.Code != "") || (r.Code == "") != (r.Message == "") {
			t.Errorf("line %d: create %v, code %q, message %q: want create or code and message", r.Line, r.Create, r.Code, r.Message)
		}
		if r.Create != nil {
			valid++
		}
	}
	if *p.Valid != valid || *p.Invalid != len(p.Rows)-valid {
		t.Errorf("valid %d, invalid %d for %d rows of which %d have create", *p.Valid, *p.Invalid, len(p.Rows), valid)
	}
	return p
}

// A preview answers every row as the CLI's dry run judges it, changes
// nothing, and writes no audit line (a read).
func TestImportPreview(t *testing.T) {
	hs := newHarness(t)
	in := "\ufeffEmail, Groups ,sendInvitation\n" +
		"A@Example.com,support; admins ;support,TRUE\n" + // line 2: valid, the admins role is granted by an admin, emailed
		"\n" + // blank lines are skipped, line numbers still count
		"b@example.com,,false\n" + // 4
		"c@example.com,,\n" + // 5
		"d@example.com,support,yes\n" + // 6: bad sendInvitation
		"e@example\n" + // 7: wrong field count
		"e@example,,\n" + // 8: no dot in the domain
		"f@example.com,suport,\n" + // 9: a typo of a managed group
		"g@example.com,ghost,\n" + // 10: managed, but not in the pool: not in GET /groups
		" C@Example.COM ,,\n" + // 11: duplicate of line 5
		"h@example.com,admins,false\n" + // 12: a role holder's invitation must be sent
		"active@example.com,,\n" // 13: an existing user is the create's answer (409), not the preview's
	before := hs.fake.snapshot()
	p := wantPreview(t, hs, previewEvent(in))
	type row struct {
		line          int
		email, code   string
		send          *bool
		groups        []string
		messageHolds  string
		messageEquals string
	}
	yes, no := true, false
	wants := []row{
		{line: 2, email: "a@example.com", send: &yes, groups: []string{"admins", "support"}},
		{line: 4, email: "b@example.com", send: &no},
		{line: 5, email: "c@example.com"},
		{line: 6, email: "d@example.com", code: "InvalidRequest", messageEquals: `sendInvitation must be true, false or empty, got "yes"`},
		{line: 7, email: "e@example", code: "InvalidRequest", messageEquals: "has 1 fields, the header has 3"},
		{line: 8, email: "e@example", code: "InvalidEmail", messageEquals: "email domain must contain a dot"},
		{line: 9, email: "f@example.com", code: "GroupNotManaged", messageEquals: `group "suport" is not one you may manage (did you mean "support"?); managed groups: admins, support`},
		{line: 10, email: "g@example.com", code: "GroupNotManaged", messageHolds: `group "ghost"`},
		{line: 11, email: "c@example.com", code: "Duplicate", messageEquals: "duplicate of line 5 (same email once normalised)"},
		{line: 12, email: "h@example.com", code: "NotPermitted", messageHolds: "must be emailed"},
		{line: 13, email: "active@example.com"},
	}
	if len(p.Rows) != len(wants) {
		t.Fatalf("%d rows, want %d: %+v", len(p.Rows), len(wants), p.Rows)
	}
	for i, w := range wants {
		r := p.Rows[i]
		if r.Line != w.line || r.Email != w.email || r.Code != w.code {
			t.Errorf("row %d = line %d %q %q (%s), want line %d %q %q", i, r.Line, r.Email, r.Code, r.Message, w.line, w.email, w.code)
			continue
		}
		if w.code != "" {
			if (w.messageEquals != "" && r.Message != w.messageEquals) || !strings.Contains(r.Message, w.messageHolds) {
				t.Errorf("line %d: message %q", r.Line, r.Message)
			}
			continue
		}
		c := r.Create
		if c.Email != w.email || !reflect.DeepEqual(c.SendInvitation, w.send) || !slices.Equal(c.Groups, w.groups) {
			t.Errorf("line %d: create = %+v, want %s %v %v", r.Line, *c, w.email, w.send, w.groups)
		}
	}
	if *p.Valid != 4 || *p.Invalid != 7 {
		t.Errorf("valid %d, invalid %d", *p.Valid, *p.Invalid)
	}
	if after := hs.fake.snapshot(); after != before {
		t.Errorf("a preview changed the pool:\n%s\nto\n%s", before, after)
	}
	// Only reads: the caller's account (authorize) and the groups (as GET /groups).
	for _, m := range hs.fake.methods() {
		if !slices.Contains([]string{"AdminGetUser", "AdminListGroupsForUser", "ListGroups"}, m) {
			t.Errorf("a preview called %s", m)
		}
	}
	if audit := hs.logs.lines(t, "audit"); len(audit) != 0 {
		t.Errorf("a preview wrote audit lines: %v", audit)
	}
}

// A header alone is an empty preview; a body that is not the route's is 400
// or 415; a CSV that cannot be read is 400 with the parser's reason.
func TestImportPreviewRefusesUnreadableInput(t *testing.T) {
	hs := newHarness(t)
	p := wantPreview(t, hs, previewEvent("email,groups\n"))
	if len(p.Rows) != 0 || *p.Valid != 0 || *p.Invalid != 0 {
		t.Errorf("header only: %+v", p)
	}
	for _, tc := range []struct {
		name, body, message string
	}{
		{"empty", `{"content":""}`, "the input is empty: a CSV needs a header line with an email column"},
		{"no email column", `{"content":"groups\nstaff\n"}`, "the CSV header has no email column"},
		{"unknown column", `{"content":"email,group\na@example.com,staff\n"}`, `unknown CSV column "group": the columns are email, groups, sendInvitation`},
		{"column twice", `{"content":"email,EMAIL\n"}`, `CSV column "email" appears twice`},
		{"broken quoting", `{"content":"email\n\"a@example.com\n"}`, "reading the CSV: "},
		{"no content", `{}`, "content is required"},
		{"null content", `{"content":null}`, "content is required"},
		{"content not a string", `{"content":["a@example.com"]}`, "content must be a string"},
		{"unknown field", `{"content":"email\n","format":"jsonl"}`, `unknown field "format"`},
		{"repeated field", `{"content":"email\n","content":"email\n"}`, `field "content" is repeated`},
		{"not an object", `"email\n"`, "the body must be a JSON object with content"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := jsonEv("POST", "/imports/preview", nil, tc.body)
			got := wantError(t, hs.do(t, e), http.StatusBadRequest, "InvalidRequest")
			if !strings.HasPrefix(got.Error.Message, tc.message) {
				t.Errorf("message %q, want it to start with %q", got.Error.Message, tc.message)
			}
		})
	}
	e := previewEvent("email\n")
	e.headers = map[string]string{"Content-Type": "text/csv"}
	wantError(t, hs.do(t, e), http.StatusUnsupportedMediaType, "UnsupportedMediaType")
}

// A JSON Lines file is not a CSV: refused as unreadable, and a temporary
// password in it is never echoed, in a refusal or an answer.
func TestImportPreviewNeverEchoesATemporaryPassword(t *testing.T) {
	hs := newHarness(t)
	const secret = "Secret-Pass-123!"
	for _, content := range []string{
		`{"email":"a@example.com","temporaryPassword":"` + secret + `"}` + "\n",
		"email,temporaryPassword\na@example.com," + secret + "\n",
	} {
		resp := hs.do(t, previewEvent(content))
		if resp.StatusCode != http.StatusBadRequest || strings.Contains(resp.Body, secret) {
			t.Errorf("%q: %d %s", content, resp.StatusCode, resp.Body)
		}
	}
	if f, ok := reflect.TypeFor[previewCreate]().FieldByNameFunc(func(n string) bool { return strings.Contains(strings.ToLower(n), "password") }); ok {
		t.Errorf("previewCreate has a field %s: a preview never answers a password", f.Name)
	}
	if strings.Contains(hs.logs.String(), secret) {
		t.Error("the temporary password reached the log")
	}
}

// The limits: 1 MiB of CSV, 10000 rows, 2 MiB of body, 5 MiB of answer;
// each is 413 PayloadTooLarge saying the limit, before any row is judged.
func TestImportPreviewLimits(t *testing.T) {
	hs := newHarness(t)
	rows := func(n int) string {
		var b strings.Builder
		b.WriteString("email\n")
		for i := range n {
			fmt.Fprintf(&b, "u%d@example.com\n", i)
		}
		return b.String()
	}
	if p := wantPreview(t, hs, previewEvent(rows(maxPreviewRows))); len(p.Rows) != maxPreviewRows || *p.Valid != maxPreviewRows {
		t.Errorf("%d rows: %d answered, %d valid", maxPreviewRows, len(p.Rows), *p.Valid)
	}
	full := "email\n" + strings.Repeat(",", maxPreviewCSV-len("email\n")) // exactly 1 MiB, one line: a row of the wrong field count
	if p := wantPreview(t, hs, previewEvent(full)); len(p.Rows) != 1 {
		t.Errorf("1 MiB: %d rows", len(p.Rows))
	}
	huge := 3 << 20
	for name, tc := range map[string]struct {
		e    ev
		want string
	}{
		"rows":   {previewEvent(rows(maxPreviewRows + 1)), "the CSV has more than 10000 rows: a preview takes a CSV of at most 1 MiB (1048576 bytes) and 10000 rows"},
		"size":   {previewEvent(full + ","), "the CSV is over 1048576 bytes: a preview takes a CSV of at most 1 MiB"},
		"body":   {previewEvent(strings.Repeat("\"", maxPreviewBody/2)), "the body is over 2097152 bytes: a preview takes a CSV of at most 1 MiB"},
		"base64": {ev{method: "POST", resource: "/imports/preview", headers: map[string]string{"Content-Type": "application/json"}, body: strings.Repeat("A", huge), base64: true}, "the body is over 2097152 bytes"},
	} {
		t.Run(name, func(t *testing.T) {
			before := len(hs.fake.recorded())
			got := wantError(t, hs.do(t, tc.e), http.StatusRequestEntityTooLarge, "PayloadTooLarge")
			if !strings.HasPrefix(got.Error.Message, tc.want) {
				t.Errorf("message %q, want %q…", got.Error.Message, tc.want)
			}
			for _, c := range hs.fake.recorded()[before:] {
				if c.method == "ListGroups" && name != "rows" {
					t.Errorf("a body over the limit read the groups")
				}
			}
		})
	}

	defer func(n int) { maxPreviewAnswer = n }(maxPreviewAnswer)
	maxPreviewAnswer = 1000
	got := wantError(t, hs.do(t, previewEvent(rows(50))), http.StatusRequestEntityTooLarge, "PayloadTooLarge")
	if !strings.Contains(got.Error.Message, "the preview's answer would be over 1000 bytes") {
		t.Errorf("message %q", got.Error.Message)
	}
}

// The caller's live roles decide: the helpdesk (no users:create) may not
// preview; a tenant admin's rows outside the tenant are refused as the
// CLI refuses them (groups GET /groups does not show them are not theirs);
// a creator without roles:grant may not put anyone in a role.
func TestImportPreviewRoles(t *testing.T) {
	hs := rolesHarness(t)
	in := "email,groups,sendInvitation\n" +
		"a@example.com,,\n" + // 2
		"b@example.com,tenant-a,\n" + // 3
		"c@example.com,support,\n" + // 4
		"d@example.com,helpdesk,\n" + // 5
		"e@example.com,tenant-a-admins,false\n" // 6

	e := previewEvent(in)
	e.claims = hs.claimsOf(t, "help@example.com")
	got := wantError(t, hs.do(t, e), http.StatusForbidden, "NotPermitted")
	if !strings.Contains(got.Error.Message, "users:create") {
		t.Errorf("helpdesk: %q does not name users:create", got.Error.Message)
	}
	audit := hs.logs.lines(t, "audit")
	if len(audit) != 1 || audit[0]["outcome"] != "NotPermitted" || audit[0]["action"] != "read" || audit[0]["permission"] != "users:create" {
		t.Errorf("audit = %v, want the refusal as a read", audit)
	}

	e.claims = hs.claimsOf(t, "ta.admin@example.com")
	p := wantPreview(t, hs, e)
	codes := map[int]string{}
	for _, r := range p.Rows {
		codes[r.Line] = r.Code
		if r.Code == "GroupNotManaged" && !strings.HasSuffix(r.Message, "; managed groups: tenant-a") {
			t.Errorf("line %d: %q does not list the tenant admin's groups", r.Line, r.Message)
		}
	}
	if want := map[int]string{2: "", 3: "", 4: "GroupNotManaged", 5: "GroupNotManaged", 6: "GroupNotManaged"}; !reflect.DeepEqual(codes, want) {
		t.Errorf("tenant admin: codes by line %v, want %v", codes, want)
	}
	// The create body is the row's: the API puts the tenant admin's user in tenant-a when it is sent.
	if c := p.Rows[0].Create; c == nil || c.Groups != nil {
		t.Errorf("line 2: create %+v", c)
	}

	// An unscoped creator without roles:grant sees the roles' groups but may not grant them.
	s := devRoleSettings()
	s.AdminGroups = append(s.AdminGroups, "onboarding")
	s.ManagedGroups = append(s.ManagedGroups, "onboarding")
	s.Roles = append(s.Roles, access.Role{Name: "onboarding", Permissions: []access.Permission{access.UsersRead, access.UsersCreate, access.GroupsAssign}})
	hs.h = New(s, hs.fake, hs.h.log)
	hs.fake.mu.Lock()
	hs.fake.groups["onboarding"] = true
	hs.fake.mu.Unlock()
	hs.fake.seed("onboarder@example.com", "CONFIRMED", "onboarding")
	e.claims = hs.claimsOf(t, "onboarder@example.com")
	p = wantPreview(t, hs, e)
	codes = map[int]string{}
	for _, r := range p.Rows {
		codes[r.Line] = r.Code
		if r.Line == 5 && r.Message != "your roles (onboarding) do not grant roles:grant" {
			t.Errorf("line 5: %q", r.Message)
		}
	}
	if want := map[int]string{2: "", 3: "", 4: "", 5: "NotPermitted", 6: "NotPermitted"}; !reflect.DeepEqual(codes, want) {
		t.Errorf("onboarding: codes by line %v, want %v", codes, want)
	}
}

// A preview needs the caller's account like every route, and answers the
// configured origins' CORS headers.
func TestImportPreviewCallerAndCORS(t *testing.T) {
	hs := newHarness(t)
	e := previewEvent("email\na@example.com\n")
	e.claims = "-"
	wantError(t, hs.do(t, e), http.StatusForbidden, "Forbidden")
	e = previewEvent("email\na@example.com\n")
	e.headers["Origin"] = testOrigin
	resp := hs.do(t, e)
	if resp.StatusCode != http.StatusOK || resp.Headers["Access-Control-Allow-Origin"] != testOrigin {
		t.Errorf("%d %v", resp.StatusCode, resp.Headers)
	}
}
