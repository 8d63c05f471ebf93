package test

// The web console's flows end to end in Chromium (issue 22's "Tests"):
// each test signs in through the console's own forms against the shared
// local environment, does what an administrator does, and checks the
// pool itself after each step, not only what the page says. Every test
// uses emails of its own (a per-run suffix), so it never meets another
// test's users, and saves a screenshot of each page it visits.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// uniqueEmail is an address no other test (or earlier run against the same
// pool) uses: who, then a per-call suffix.
func uniqueEmail(who string) string {
	return fmt.Sprintf("%s.%s@console-e2e.example.com", who, strconv.FormatInt(time.Now().UnixNano(), 36))
}

// signIn opens the console in a new tab and signs in through its form,
// waiting for the users page (the first page after sign-in).
func signIn(t *testing.T, email, pw string) *page {
	t.Helper()
	p := submitSignIn(t, consoleURL(t), email, pw)
	p.named("heading", "Users")
	return p
}

// submitSignIn opens the console at consoleAt in a new tab and submits the
// sign-in form; what follows (the users page, a challenge) is the test's to wait for.
func submitSignIn(t *testing.T, consoleAt, email, pw string) *page {
	t.Helper()
	p := newPage(t)
	p.open(consoleAt)
	p.fill("Email", email)
	p.fill("Password", pw)
	p.click("button", "Sign in")
	return p
}

// visit screenshots the page as it is and fails the test on a serious or
// critical axe-core violation.
func (p *page) visit(name string) {
	p.t.Helper()
	p.screenshot(name)
	p.accessible()
}

// setText replaces the text of the text box (or search box) named name:
// its text selected, then typed over, as a person does. (chromedp's Clear
// resets the value attribute, which an edited input no longer follows.)
func (p *page) setText(role, name, value string) {
	p.t.Helper()
	p.run(
		chromedp.Focus(role+" "+name, byName(role, name), chromedp.NodeVisible),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.select()`),
		chromedp.SendKeys(role+" "+name, value, byName(role, name), chromedp.NodeVisible),
	)
}

// search lists the users whose email starts with prefix, through the
// list's Search box, and returns the emails listed once the search's
// answer is drawn (the list before it may hold the same user).
func (p *page) search(prefix string) []string {
	p.t.Helper()
	p.setText("searchbox", "Search", prefix)
	p.click("button", "Apply filters")
	// The click ran the submit handler: the button is busy until the answer is drawn.
	p.waitFor(`(() => { const b = [...document.querySelectorAll("main button")].find(b => b.textContent === "Apply filters"); return b && !b.hasAttribute("aria-busy"); })()`)
	return eval[[]string](p, `[...document.querySelectorAll("main table tbody tr td:first-child")].map(td => td.textContent)`)
}

// alert waits for a visible role="alert" whose text contains want, and returns its text.
func (p *page) alert(want string) string {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`[...document.querySelectorAll("[role=alert]")].some(a => a.offsetParent !== null && a.textContent.includes(%q))`, want))
	return eval[string](p, fmt.Sprintf(`[...document.querySelectorAll("[role=alert]")].find(a => a.textContent.includes(%q)).textContent`, want))
}

// goTo moves the console to a hash route (#/users/<email> takes the
// segments URL-encoded, as the console's own links do), without reloading.
func (p *page) goTo(segments ...string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(location.hash = "#/" + %s.map(encodeURIComponent).join("/"), true)`, jsonString(segments)))
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// table waits until the table whose caption is caption is visible.
func (p *page) table(caption string) {
	p.t.Helper()
	p.named("table", caption)
}

// controls are the accessible names of the visible links, buttons and
// form controls in main and the header: what the caller can reach.
func (p *page) controls() []string {
	p.t.Helper()
	return eval[[]string](p, `[...document.querySelectorAll("header a, header button, main a, main button, main input, main select")]
  .filter(e => e.offsetParent !== null && !e.hidden)
  .map(e => e.getAttribute("aria-label") || (e.labels && e.labels.length ? e.labels[0].textContent : e.textContent).trim())`)
}

// awaitPool re-reads the pool until ok holds of the user (nil when there is
// none): the page has already shown the API's answer, so the change is
// made; the re-read only covers the emulator's own serialisation.
func awaitPool(t *testing.T, email, what string, ok func(*cip.AdminGetUserOutput) bool) {
	t.Helper()
	u := poolUser(t, email)
	if !ok(u) {
		if u == nil {
			t.Fatalf("%s: %s is not in the pool", what, email)
		}
		t.Fatalf("%s: %s in the pool: status %s, enabled %v", what, email, u.UserStatus, u.Enabled)
	}
}

// TestConsolePagesAsAdmin: the seeded administrator signs in and visits
// every page of the console through its links; each page loads what it
// shows and has no serious or critical axe-core violation, and nothing
// breaks the CSP or logs an error.
func TestConsolePagesAsAdmin(t *testing.T) {
	needEnv(t)
	user := uniqueEmail("pages")
	if r := createJSON(t, `{"email":"`+user+`","sendInvitation":false,"groups":["tenant-a"]}`); r.status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", user, r.status, r.raw)
	}
	p := signIn(t, adminEmail, password)
	p.table("Users, page 1")
	p.visit("users")

	if got := p.search(user); !slices.Equal(got, []string{user}) {
		t.Fatalf("searching for %s lists %q", user, got)
	}
	p.click("link", user)
	p.named("heading", "Details")
	p.visit("user")

	p.click("link", "History")
	p.named("heading", "History of "+user)
	p.table("History, page 1")
	p.visit("history")

	p.click("link", "New user")
	p.named("heading", "New user")
	p.named("checkbox", "tenant-a") // the groups are loaded
	p.visit("create")

	p.click("link", "Groups")
	p.table("Managed groups")
	p.visit("groups")
	p.click("link", "tenant-a")
	p.named("heading", "Group tenant-a")
	p.table("Members of tenant-a, page 1")
	p.named("link", user)
	p.visit("group-members")

	p.click("link", "Import")
	p.named("heading", "Import users")
	p.visit("import")

	p.click("link", "Export")
	p.named("heading", "Export users")
	p.click("button", "Export users")
	p.named("link", "Download CSV")
	p.visit("export")
	p.noProblems()
}

// TestConsoleFirstSignInNewPassword: an administrator created with a
// temporary password signs in for the first time; the console asks for a
// new password, refuses a weak one naming the pool's rule (nothing sent:
// the user still has to change it), and signs in with a good one.
func TestConsoleFirstSignInNewPassword(t *testing.T) {
	needEnv(t)
	ctx := context.Background()
	email := uniqueEmail("first.admin")
	const temp, chosen = "Temp-Passw0rd-77!", "Chosen-Passw0rd-88!"
	// Straight in the pool: the API gives role holders generated, emailed passwords only.
	if _, err := env.Cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: &env.Pool.ID, Username: &email, TemporaryPassword: aws.String(temp),
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: &email},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &env.Pool.ID, Username: &email, GroupName: aws.String("admins")}); err != nil {
		t.Fatal(err)
	}

	p := submitSignIn(t, consoleURL(t), email, temp)
	p.named("heading", "Set a new password")
	p.visit("new-password")

	minLength := int(aws.ToInt32(env.Pool.PasswordPolicy.MinimumLength))
	if minLength < 2 {
		t.Fatalf("the dev pool's minimum length is %d: no weak password to try", minLength)
	}
	weak := strings.Repeat("a", minLength-1)
	p.fill("New password", weak)
	p.fill("Confirm new password", weak)
	p.click("button", "Set password")
	rule := fmt.Sprintf("The password must be at least %d characters long.", minLength)
	p.alert(rule)
	p.screenshot("weak-password-refused")
	awaitPool(t, email, "after the weak password", func(u *cip.AdminGetUserOutput) bool {
		return u != nil && u.UserStatus == types.UserStatusTypeForceChangePassword
	})

	p.setText("textbox", "New password", chosen)
	p.setText("textbox", "Confirm new password", chosen)
	p.click("button", "Set password")
	p.named("heading", "Users")
	if who := p.text("header .who"); !strings.Contains(who, email) {
		t.Errorf("the header says %q, want it signed in as %s", who, email)
	}
	p.screenshot("signed-in")
	awaitPool(t, email, "after the new password", func(u *cip.AdminGetUserOutput) bool {
		return u != nil && u.UserStatus == types.UserStatusTypeConfirmed
	})
	// The password flow checks the password (the emulator's SRP does not).
	if _, err := env.IDToken(ctx, email, chosen); err != nil {
		t.Errorf("signing in with the new password: %v", err)
	}
	p.noProblems()
}

// TestConsoleUserLifecycle: a user created through the form (a temporary
// password given, no invitation) is found with Search, then disabled,
// enabled, has their password reset and is deleted by typing the email,
// each step checked in the pool.
func TestConsoleUserLifecycle(t *testing.T) {
	needEnv(t)
	ctx := context.Background()
	email := uniqueEmail("lifecycle")
	const temp, own = "Given-Temp-Passw0rd!", "Own-Passw0rd-123!"
	p := signIn(t, adminEmail, password)

	p.click("link", "New user")
	p.named("heading", "New user")
	p.fill("Email", email)
	p.click("checkbox", "Send an invitation email") // off: the test signs the user in itself
	p.click("radio", "One I give")
	p.fill("Temporary password", temp)
	p.named("checkbox", "tenant-a")
	p.click("checkbox", "tenant-a")
	p.screenshot("create-form")
	p.click("button", "Create user")
	p.named("heading", email)
	p.named("heading", "Details")
	awaitPool(t, email, "after the create", func(u *cip.AdminGetUserOutput) bool {
		return u != nil && u.UserStatus == types.UserStatusTypeForceChangePassword && u.Enabled
	})
	if gs := poolGroups(t, email); !slices.Equal(gs, []string{"tenant-a"}) {
		t.Errorf("the new user's groups in the pool: %q, want [tenant-a]", gs)
	}
	// The user's first sign-in, with the password the form gave.
	out, err := env.SignIn(ctx, email, temp)
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("the user's first sign-in with the given password: %+v %v", out, err)
	}
	if _, err := env.Cognito.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: &env.Pool.ClientID, ChallengeName: out.ChallengeName, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": email, "NEW_PASSWORD": own},
	}); err != nil {
		t.Fatal(err)
	}

	p.click("link", "Users")
	p.table("Users, page 1")
	if got := p.search(email); !slices.Equal(got, []string{email}) {
		t.Fatalf("searching for %s lists %q", email, got)
	}
	p.screenshot("found")
	p.click("link", email)
	p.named("heading", "Details")
	p.waitFor(`document.querySelector("main dl").textContent.includes("CONFIRMED")`)

	p.click("button", "Disable")
	p.named("button", "Enable")
	awaitPool(t, email, "after Disable", func(u *cip.AdminGetUserOutput) bool { return u != nil && !u.Enabled })
	p.screenshot("disabled")

	p.click("button", "Enable")
	p.named("button", "Disable")
	awaitPool(t, email, "after Enable", func(u *cip.AdminGetUserOutput) bool { return u != nil && u.Enabled })

	p.click("button", "Reset password")
	p.waitFor(`document.querySelector("main dl").textContent.includes("RESET_REQUIRED")`)
	awaitPool(t, email, "after Reset password", func(u *cip.AdminGetUserOutput) bool {
		return u != nil && u.UserStatus == types.UserStatusTypeResetRequired
	})
	p.screenshot("reset")

	p.named("button", "Delete user")
	if enabled := eval[bool](p, `![...document.querySelectorAll("main button")].find(b => b.textContent === "Delete user").disabled`); enabled {
		t.Error("Delete user is enabled before the email is typed")
	}
	p.fill("Type the email to confirm", email)
	p.click("button", "Delete user")
	p.named("heading", "Users")
	awaitPool(t, email, "after Delete user", func(u *cip.AdminGetUserOutput) bool { return u == nil })
	p.noProblems()
}

// consoleControls maps the console's controls to the permission behind
// each (console/src/permissions.ts, the API's routes): what a caller must
// hold to be shown it. The user's page is shown for a confirmed, enabled
// user without MFA, so "Resend invitation" and "Remove MFA" never apply.
var (
	navControls = map[string]access.Permission{
		"Users": access.UsersRead, "New user": access.UsersCreate, "Groups": access.UsersRead,
		"Import": access.UsersCreate, "Export": access.UsersRead,
	}
	userControls = map[string]access.Permission{
		"History":                   access.AuditRead,
		"Reset password":            access.UsersPasswordReset,
		"Sign out everywhere":       access.UsersSignOut,
		"Disable":                   access.UsersDisable,
		"Set temporary password":    access.UsersPassword,
		"Generated by Cognito":      access.UsersPassword,
		"Save changes":              access.UsersEdit,
		"Given name":                access.UsersEdit,
		"Add to group":              access.GroupsAssign, // or roles:grant: neither role here has either
		"Group to add":              access.GroupsAssign,
		"Delete user":               access.UsersDelete,
		"Type the email to confirm": access.UsersDelete,
	}
)

// TestConsoleRolesShowOnlyTheirControls: a helpdesk member and an auditor
// each see exactly the links and the user's actions their permissions (as
// GET /me lists them) allow, and a page they may not use says so.
func TestConsoleRolesShowOnlyTheirControls(t *testing.T) {
	needEnv(t)
	target := uniqueEmail("roles.target")
	seedIn(t, target)
	for _, role := range []string{"helpdesk", "auditors"} {
		t.Run(role, func(t *testing.T) {
			email := uniqueEmail("roles." + role)
			seedIn(t, email, role)
			me := call(t, http.MethodGet, "/me", token(t, email), "", "")
			if me.status != http.StatusOK {
				t.Fatalf("GET /me as %s: %d %s", role, me.status, me.raw)
			}
			var perms []access.Permission
			for _, p := range me.body["permissions"].([]any) {
				perms = append(perms, access.Permission(p.(string)))
			}
			policy, err := access.NewPolicy([]access.Role{{Name: role, Permissions: perms}})
			if err != nil {
				t.Fatal(err)
			}
			grant := policy.Grant([]string{role})
			expect := func(controls map[string]access.Permission) (shown, hidden []string) {
				for name, perm := range controls {
					if grant.Has(perm) {
						shown = append(shown, name)
					} else {
						hidden = append(hidden, name)
					}
				}
				return shown, hidden
			}
			check := func(where string, got []string, controls map[string]access.Permission) {
				t.Helper()
				shown, hidden := expect(controls)
				for _, c := range shown {
					if !slices.Contains(got, c) {
						t.Errorf("%s: %q is missing; %s holds %s (controls: %q)", where, c, role, controls[c], got)
					}
				}
				for _, c := range hidden {
					if slices.Contains(got, c) {
						t.Errorf("%s: %q is shown; %s does not hold %s", where, c, role, controls[c])
					}
				}
			}

			shown, hidden := expect(userControls)
			if role == "helpdesk" && (!slices.Contains(shown, "Reset password") || !slices.Contains(hidden, "Delete user")) {
				t.Errorf("the helpdesk's permissions %q: shown %q, hidden %q; want Reset password shown and Delete user hidden", perms, shown, hidden)
			}

			p := signIn(t, email, password)
			p.table("Users, page 1")
			check("the header", p.controls(), navControls)
			p.visit("users")

			p.goTo("users", target)
			p.named("heading", "Details")
			p.waitFor(`document.querySelector("main dl").textContent.includes("CONFIRMED")`)
			check("the user's page", p.controls(), userControls)
			p.visit("user")

			// What the role may not use is not offered at its address either.
			if !grant.Has(access.UsersCreate) {
				p.goTo("create")
				p.named("heading", "Not available")
				if slices.Contains(p.controls(), "Create user") {
					t.Error("#/create offers Create user to a caller without users:create")
				}
			}
			p.noProblems()
		})
	}
}

// createTrap holds the tab's creates through DevTools' Fetch domain, in the
// browser itself: the create of hold reaches the API (the user is created)
// and its answer is then held back from the page; every create of a row
// after it in the file is held before it leaves. So when the test reloads
// the page, exactly the rows up to hold exist, hold's answer is lost, and
// the rows the other workers had started were sent by nobody, whatever
// the machine's speed. Once disarmed, every create goes through. sent
// counts, per email, the creates that left the browser.
type createTrap struct {
	mu         sync.Mutex
	armed      bool
	hold       string
	after      map[string]bool
	sent       map[string]int
	answerHeld chan struct{}
	errs       []error
}

// trapCreates starts intercepting p's POST /users (and its preflight).
func trapCreates(p *page, hold string, after []string) *createTrap {
	p.t.Helper()
	tr := &createTrap{armed: true, hold: hold, after: map[string]bool{}, sent: map[string]int{}, answerHeld: make(chan struct{})}
	for _, e := range after {
		tr.after[e] = true
	}
	interceptCreates(p, func(ev fetch.EventRequestPaused) { tr.paused(p, ev) })
	return tr
}

// interceptCreates pauses every request the tab sends to POST /users
// (DevTools Fetch) and hands each to handle, in the order they leave.
func interceptCreates(p *page, handle func(fetch.EventRequestPaused)) {
	paused := chromedp.Events(p.ctx, fetch.RequestPaused)
	p.run(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: gateway.URL + "/users"}}})
		return err
	}))
	go func() {
		for ev, err := range paused {
			if err != nil {
				return // the tab is gone
			}
			handle(ev)
		}
	}()
}

func (tr *createTrap) paused(p *page, ev fetch.EventRequestPaused) {
	cont := func(interceptResponse bool) {
		err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			params := fetch.ContinueRequestParams{RequestID: ev.RequestID}
			if interceptResponse {
				params.InterceptResponse = aws.Bool(true)
			}
			_, err := cdp.Call(ctx, t, fetch.ContinueRequest, params)
			return err
		}))
		if err != nil && p.ctx.Err() == nil {
			tr.fail(fmt.Errorf("continuing %s %s: %w", ev.Request.Method, ev.Request.URL, err))
		}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if ev.ResponseStatusCode != 0 || ev.ResponseErrorReason != "" {
		// Only hold's create asks for its answer to be intercepted: keep it.
		if ev.ResponseStatusCode != http.StatusCreated {
			tr.errs = append(tr.errs, fmt.Errorf("the held create was answered %d %s", ev.ResponseStatusCode, ev.ResponseErrorReason))
		}
		select {
		case <-tr.answerHeld:
			tr.errs = append(tr.errs, errors.New("a second create's answer was intercepted"))
		default:
			close(tr.answerHeld)
		}
		return
	}
	if ev.Request.Method != http.MethodPost {
		go cont(false)
		return
	}
	var body []byte
	for _, e := range ev.Request.PostDataEntries {
		body = append(body, e.Bytes...)
	}
	var create struct{ Email string }
	if err := json.Unmarshal(body, &create); err != nil {
		tr.errs = append(tr.errs, fmt.Errorf("a create's body %q: %v", body, err))
	}
	switch {
	case tr.armed && tr.after[create.Email]:
		return // held: it never leaves, and the reload drops it
	case tr.armed && create.Email == tr.hold:
		tr.sent[create.Email]++
		go cont(true)
	default:
		tr.sent[create.Email]++
		go cont(false)
	}
}

func (tr *createTrap) fail(err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.errs = append(tr.errs, err)
}

func (tr *createTrap) disarm() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.armed = false
}

// TestConsoleImportInterruptedAndResumed: a CSV of 50 rows, two of them bad,
// imported through the console; the page is reloaded while one create's
// answer is lost (the user exists) and the creates after it were never
// sent; choosing the same file again resumes: the lost one is asked about,
// not sent again, and the rest are created. Every valid email is in the
// pool exactly once, created (and so invited) once, never re-invited; the
// bad rows are refused in the preview and never created.
func TestConsoleImportInterruptedAndResumed(t *testing.T) {
	needEnv(t)
	domain := "import-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ".example.com"
	const rows, holdAt = 50, 20                                    // holdAt: the valid row (1-based) whose answer is lost
	badLines := map[int]string{10: "no-such-group", 35: "perhaps"} // data line → what is wrong
	var csv strings.Builder
	csv.WriteString("email,groups,sendInvitation\n")
	var valid, bad []string
	for i := 1; i <= rows; i++ {
		email := fmt.Sprintf("row%02d@%s", i, domain)
		switch badLines[i] {
		case "no-such-group":
			fmt.Fprintf(&csv, "%s,no-such-group,\n", email)
			bad = append(bad, email)
		case "perhaps":
			fmt.Fprintf(&csv, "%s,,perhaps\n", email)
			bad = append(bad, email)
		default:
			group := ""
			if i%5 == 0 {
				group = "tenant-a"
			}
			fmt.Fprintf(&csv, "%s,%s,\n", email, group) // sendInvitation empty: invited
			valid = append(valid, email)
		}
	}
	file := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	hold := valid[holdAt-1]

	p := signIn(t, adminEmail, password)
	tr := trapCreates(p, hold, valid[holdAt:])
	p.click("link", "Import")
	p.named("heading", "Import users")
	choose := func() {
		t.Helper()
		p.run(chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{file}))
		p.named("heading", "Preview of users.csv")
	}
	choose()
	// The preview: the API's verdict per row; the bad rows refused, never to be sent.
	preview := eval[[][]string](p, `[...document.querySelectorAll("main table tbody tr")].map(tr => [...tr.cells].map(c => c.textContent))`)
	if len(preview) != rows {
		t.Fatalf("the preview has %d rows, want %d", len(preview), rows)
	}
	for _, r := range preview {
		refused := strings.HasPrefix(r[2], "Refused:")
		if want := slices.Contains(bad, r[1]); refused != want {
			t.Errorf("preview of %s: %q, want refused %v", r[1], r[2], want)
		}
	}
	p.visit("preview")

	p.setText("spinbutton", "Requests per second", "50")
	p.click("button", "Start import")
	select {
	case <-tr.answerHeld:
	case <-p.ctx.Done():
		t.Fatal("the held create never came")
	}
	// Every row before the held one is answered and recorded, so the reload
	// interrupts exactly: the held row, and the rows the other workers took.
	p.waitFor(fmt.Sprintf(`(() => { const before = new Set(%s);
  return [...document.querySelectorAll("main table tbody tr")].filter(tr => before.has(tr.cells[1].textContent)).every(tr => tr.cells[3].textContent.startsWith("created")); })()`, jsonString(valid[:holdAt-1])))
	p.named("progressbar", "Import progress")
	p.screenshot("interrupted")

	p.run(chromedp.Reload())
	tr.disarm()
	p.named("heading", "Import users")
	p.named("heading", "Earlier imports into this pool")
	p.visit("after-reload")
	if got := len(poolEmails(t, domain)); got != holdAt {
		t.Fatalf("after the reload the pool has %d of the import's users, want %d (the rows up to the held one)", got, holdAt)
	}

	choose()
	p.waitFor(`document.querySelector("main .notice")?.textContent.includes("imported into this pool before")`)
	p.setText("spinbutton", "Requests per second", "50")
	p.click("button", "Start import")
	p.named("link", "Download report")
	p.visit("resumed")
	results := eval[map[string]string](p, `Object.fromEntries([...document.querySelectorAll("main table tbody tr")].map(tr => [tr.cells[1].textContent, tr.cells[3].textContent]))`)
	for _, e := range valid {
		if !strings.HasPrefix(results[e], "created") {
			t.Errorf("%s: result %q, want created", e, results[e])
		}
	}
	if !strings.Contains(results[hold], "answer was lost") {
		t.Errorf("the held row's result %q does not say its answer was lost and it was found", results[hold])
	}
	for _, e := range bad {
		if !strings.HasPrefix(results[e], "invalid") {
			t.Errorf("%s: result %q, want invalid", e, results[e])
		}
	}

	if got := poolEmails(t, domain); !slices.Equal(got, valid) {
		t.Errorf("the pool holds %d of the import's users, want the %d valid rows exactly:\n got %q\nwant %q", len(got), len(valid), got, valid)
	}
	creates, resends := auditCreates(t, domain)
	for _, e := range valid {
		if creates[e] != 1 {
			t.Errorf("%s was created (and invited) %d times, want once", e, creates[e])
		}
	}
	if len(creates) != len(valid) || resends != 0 {
		t.Errorf("creates %v, resends %d; want one create per valid row and no resend", creates, resends)
	}
	tr.mu.Lock()
	if tr.sent[hold] != 1 {
		t.Errorf("the browser sent the held row's create %d times, want once (the resume asks the API instead)", tr.sent[hold])
	}
	for _, e := range bad {
		if tr.sent[e] != 0 {
			t.Errorf("the bad row %s was sent", e)
		}
	}
	for _, err := range tr.errs {
		t.Error(err)
	}
	tr.mu.Unlock()
	p.noProblems()
}
