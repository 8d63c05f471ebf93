package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// previewed is POST /imports/preview's answer.
type previewed struct {
	Rows []struct {
		Line    int             `json:"line"`
		Email   string          `json:"email"`
		Create  json.RawMessage `json:"create"`
		Code    string          `json:"code"`
		Message string          `json:"message"`
	} `json:"rows"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
}

func preview(t *testing.T, tok, csv string) (response, previewed) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"content": csv})
	r := call(t, http.MethodPost, "/imports/preview", tok, "application/json", string(body))
	var p previewed
	if r.status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.raw), &p); err != nil {
			t.Fatalf("preview: %v: %s", err, r.raw)
		}
	}
	return r, p
}

// The web console's import, end to end in local mode with real tokens: the
// preview judges every row exactly as `useradmin users import --dry-run`
// does for the same caller (an admin, a tenant admin), creates nothing, and
// each valid row's create body is what POST /users then accepts.
func TestImportPreviewMatchesTheDryRun(t *testing.T) {
	needEnv(t)
	// A domain of this run's own: the valid rows are created at the end, and
	// a second run against the same pool must find them absent.
	domain := runDomain()
	tenant := "preview.tenant.admin@" + domain
	seedIn(t, tenant, "tenant-a-admins", "tenant-a")
	writeDevFile(t)
	csv := strings.NewReplacer("{d}", domain, "{D}", strings.ToUpper(domain)).Replace("email,groups,sendInvitation\n" +
		"preview.a@{d},,false\n" + // 2
		"Preview.B@{D},tenant-a,false\n" + // 3
		"preview.c@{d},admins,false\n" + // 4: a role holder's invitation must be sent; not the tenant admin's group
		"preview.d@{d},tenant-b,\n" + // 5: not managed
		"preview.e@example,,\n" + // 6: no dot in the domain
		" PREVIEW.A@{d} ,,\n" + // 7: duplicate of line 2
		"preview.f@{d},helpdesk,false\n") // 8
	input := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(input, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		caller string
		codes  map[int]string // by line; absent: valid
	}{
		{adminEmail, map[int]string{4: "NotPermitted", 5: "GroupNotManaged", 6: "InvalidEmail", 7: "Duplicate", 8: "NotPermitted"}},
		{tenant, map[int]string{4: "GroupNotManaged", 5: "GroupNotManaged", 6: "InvalidEmail", 7: "Duplicate", 8: "GroupNotManaged"}},
	} {
		t.Run(tc.caller, func(t *testing.T) {
			conf := filepath.Join(t.TempDir(), "useradmin")
			useradmin(t, conf, nil, "configure", "--local").want(t, 0, "configure --local")
			useradmin(t, conf, strings.NewReader(password+"\n"), "login", "--email", tc.caller, "--password-stdin").want(t, 0, "login")
			plan := useradmin(t, conf, nil, "users", "import", input, "--dry-run").want(t, 1, "dry run with invalid rows")

			r, p := preview(t, token(t, tc.caller), csv)
			if r.status != http.StatusOK {
				t.Fatalf("preview: %d %s", r.status, r.raw)
			}
			codes := map[int]string{}
			for _, row := range p.Rows {
				if row.Code == "" {
					// The dry run's line for a row it would send.
					if !strings.Contains(plan.stdout, fmt.Sprintf("line %d %s: create,", row.Line, row.Email)) {
						t.Errorf("line %d %s is valid in the preview, not in the dry run:\n%s", row.Line, row.Email, plan.stdout)
					}
					continue
				}
				codes[row.Line] = row.Code
				// The dry run prints each invalid row with its code and message: the preview's must be the same.
				if want := fmt.Sprintf("line %d %s: invalid %s: %s\n", row.Line, row.Email, row.Code, row.Message); !strings.Contains(plan.stdout, want) {
					t.Errorf("the dry run does not say %q:\n%s", want, plan.stdout)
				}
			}
			if !maps.Equal(codes, tc.codes) {
				t.Errorf("codes by line %v, want %v", codes, tc.codes)
			}
			if !strings.Contains(plan.stdout, fmt.Sprintf("dry run: %d rows, %d to send, 0 done earlier, %d invalid", len(p.Rows), p.Valid, p.Invalid)) {
				t.Errorf("counts %d valid, %d invalid; the dry run: %s", p.Valid, p.Invalid, plan.stdout)
			}
			// useradmin users preview-import asks the API: its invalid lines are the dry run's, to the byte.
			asked := useradmin(t, conf, nil, "--output", "table", "users", "preview-import", input).want(t, 1, "preview-import with invalid rows")
			if a, d := invalidLines(asked.stdout), invalidLines(plan.stdout); !slices.Equal(a, d) || len(a) != len(tc.codes) {
				t.Errorf("preview-import says\n%s\nthe dry run\n%s", strings.Join(a, "\n"), strings.Join(d, "\n"))
			}
			for _, email := range []string{"preview.a@" + domain, "preview.b@" + domain} {
				if poolUser(t, email) != nil {
					t.Fatalf("a preview created %s", email)
				}
			}
		})
	}

	// The console sends each valid row's create as is.
	tok := token(t, tenant)
	_, p := preview(t, tok, csv)
	for _, row := range p.Rows {
		if row.Create == nil {
			continue
		}
		if strings.Contains(string(row.Create), "temporaryPassword") {
			t.Errorf("line %d: create %s", row.Line, row.Create)
		}
		if r := call(t, http.MethodPost, "/users", tok, "application/json", string(row.Create)); r.status != http.StatusCreated {
			t.Errorf("line %d: POST /users %s: %d %s", row.Line, row.Create, r.status, r.raw)
		}
	}
	for _, email := range []string{"preview.a@" + domain, "preview.b@" + domain} {
		if gs := poolGroups(t, email); !slices.Contains(gs, "tenant-a") {
			t.Errorf("%s was created in %v, not in the tenant admin's tenant-a", email, gs)
		}
	}
}

// invalidLines are the lines of a plan that refuse a row, sorted.
func invalidLines(out string) []string {
	var lines []string
	for l := range strings.Lines(out) {
		if strings.Contains(l, ": invalid ") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	slices.Sort(lines)
	return lines
}

// Through the gateway: a preview of a few hundred rows (a body over WAF's
// default 8 KB) is answered; over the Lambda's 1 MiB it is 413 in the API's
// error shape; the helpdesk, without users:create, is refused; a body the
// model does not allow is API Gateway's 400.
func TestImportPreviewLimitsThroughTheGateway(t *testing.T) {
	needEnv(t)
	var b strings.Builder
	b.WriteString("email,groups,sendInvitation\n")
	for i := range 400 {
		fmt.Fprintf(&b, "preview.bulk.%03d@example.com,tenant-a,false\n", i)
	}
	if b.Len() <= 8192 {
		t.Fatalf("the CSV is %d bytes: not over 8 KB", b.Len())
	}
	r, p := preview(t, token(t, adminEmail), b.String())
	if r.status != http.StatusOK || p.Valid != 400 || p.Invalid != 0 {
		t.Fatalf("400 rows: %d, %d valid, %d invalid", r.status, p.Valid, p.Invalid)
	}

	big := "email\n" + strings.Repeat("preview.x@example.com\n", (1<<20)/22+1)
	r, _ = preview(t, token(t, adminEmail), big)
	if r.status != http.StatusRequestEntityTooLarge || r.errorCode() != "PayloadTooLarge" || !strings.Contains(r.message(), "at most 1 MiB") {
		t.Errorf("over 1 MiB: %d %s", r.status, r.raw)
	}

	helpdesk := "preview.helpdesk@" + runDomain()
	seedIn(t, helpdesk, "helpdesk")
	if r, _ := preview(t, token(t, helpdesk), "email\na@example.com\n"); r.status != http.StatusForbidden || r.errorCode() != "NotPermitted" {
		t.Errorf("helpdesk: %d %s", r.status, r.raw)
	}

	r = call(t, http.MethodPost, "/imports/preview", token(t, adminEmail), "application/json", `{"content":"email\n","format":"jsonl"}`)
	if r.status != http.StatusBadRequest || r.errorCode() != "InvalidRequest" {
		t.Errorf("an unknown field: %d %s", r.status, r.raw)
	}
}

// runDomain is an email domain no earlier run against the same pool used.
func runDomain() string {
	return strconv.FormatInt(time.Now().UnixNano(), 36) + ".example.com"
}
