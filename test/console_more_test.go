package test

// More of the console's flows in Chromium, beyond console_flows_test.go:
// a TOTP sign-in, editing a user, group membership and a role's grant, a
// temporary password, sign-out, an import paused and resumed, and the
// sign-in done with the keyboard alone. As there, each test uses emails of
// its own and checks the pool (or Cognito itself), not only the page.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"
)

// userURL is the API's URL of a user's sub-resource as the console calls it
// (api.ts: the email through encodeURIComponent), to look its request up in
// the tab's responses.
func userURL(email string, rest ...string) string {
	// encodeURIComponent keeps letters, digits and -_.!~*'() only; emails here need no more.
	return gateway.URL + "/" + strings.Join(append([]string{"users", strings.ReplaceAll(url.PathEscape(email), "@", "%40")}, rest...), "/")
}

// toast waits until the console's live region of confirmations says want.
func (p *page) toast(want string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`document.getElementById("toasts").textContent.includes(%q)`, want))
}

// details waits until the user's details list says want.
func (p *page) details(want string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf(`document.querySelector("main dl")?.textContent.includes(%q)`, want))
}

// totpPeriod is the TOTP time step a moment falls in (30 s, as Cognito's).
func totpPeriod(t time.Time) int64 { return t.Unix() / 30 }

// withCode runs try with the current TOTP code of secret. The emulator
// checks a code against its time step only, so a code made just before a
// step ends can be refused: then, and only when the step changed between
// making the code and the refusal, it is tried once more with the new
// step's code. Any other refusal is returned.
func withCode(secret string, try func(code string) error) error {
	for attempt := 0; ; attempt++ {
		at := time.Now()
		code, err := totp.GenerateCode(secret, at)
		if err != nil {
			return err
		}
		err = try(code)
		if err == nil || attempt > 0 || totpPeriod(time.Now()) == totpPeriod(at) {
			return err
		}
	}
}

// TestConsoleMoreTOTPSignIn: an administrator whose account has TOTP on signs
// in; the console asks for the code ("Enter your code"), refuses a wrong
// one with Cognito's message, and signs in with the right one. The shared
// emulator does not check codes (a test elsewhere relies on that), so this
// test runs an environment of its own, from the same dev template, in an
// emulator that checks them, with TOTP offered as stg and prd offer it.
func TestConsoleMoreTOTPSignIn(t *testing.T) {
	own, _, consoleAt := ownEnv(t, "UserAdmin-dev.template.json", "dev")
	ctx := context.Background()
	poolMFA(t, own, types.UserPoolMfaTypeOptional)

	// TOTP set up through Cognito itself, as an authenticator app would be.
	email := uniqueEmail("totp.admin")
	if err := own.SeedUser(ctx, email, password, "admins"); err != nil {
		t.Fatal(err)
	}
	out, err := own.SignIn(ctx, email, password)
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("signing in to set up TOTP: %+v %v", out, err)
	}
	access := out.AuthenticationResult.AccessToken
	assoc, err := own.Cognito.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})
	if err != nil {
		t.Fatal(err)
	}
	secret := aws.ToString(assoc.SecretCode)
	if err := withCode(secret, func(code string) error {
		_, err := own.Cognito.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: &code})
		return err
	}); err != nil {
		t.Fatalf("verifying the authenticator's code: %v", err)
	}
	if _, err := own.Cognito.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken: access, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
	}); err != nil {
		t.Fatal(err)
	}
	u, err := own.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &own.Pool.ID, Username: &email})
	if err != nil || !slices.Contains(u.UserMFASettingList, "SOFTWARE_TOKEN_MFA") {
		t.Fatalf("the user's MFA in the pool: %+v %v", u, err)
	}

	p := submitSignIn(t, consoleAt, email, password)
	p.named("heading", "Enter your code")
	p.named("textbox", "Code")
	p.visit("enter-code")

	p.fill("Code", wrongCode(t, secret))
	p.click("button", "Verify code")
	p.alert("CodeMismatchException")
	p.named("heading", "Enter your code") // still asking, not signed in
	if s := eval[int](p, `sessionStorage.length`); s != 0 {
		// amazon-cognito-identity-js stores tokens only once signed in.
		t.Errorf("after a wrong code, sessionStorage holds %d item(s), want none", s)
	}
	p.screenshot("wrong-code-refused")

	if err := p.verifyUntilUsers(secret); err != nil {
		t.Fatalf("the right code was refused: %v", err)
	}
	if who := p.text("header .who"); !strings.Contains(who, email) {
		t.Errorf("the header says %q, want it signed in as %s", who, email)
	}
	// The user's page shows TOTP on, as the pool has it.
	p.goTo("users", email)
	p.named("heading", "Details")
	p.details("On (authenticator app)")
	p.visit("signed-in-own-page")
	p.noProblems()
}

// TestConsoleMoreEditUser: names and a custom attribute (dev declares
// department, infra/environments.go; config.json lists it, so the form offers
// it before the user has one) set through the edit form land in the pool and
// on the page; the value can be changed again.
func TestConsoleMoreEditUser(t *testing.T) {
	needEnv(t)
	email := uniqueEmail("edit")
	seedIn(t, email)
	p := signIn(t, adminEmail, password)
	p.goTo("users", email)
	p.named("heading", "Details")
	p.named("heading", "Edit")

	p.setText("textbox", "Given name", "Ada")
	p.setText("textbox", "Family name", "Lovelace")
	p.fill("department (custom attribute)", "Analytical Engines")
	p.screenshot("edit-form")
	p.click("button", "Save changes")
	p.toast(email + " was updated.")
	p.details("department (custom)")
	p.details("Analytical Engines")
	p.details("Lovelace")
	u := poolUser(t, email)
	if u == nil {
		t.Fatalf("%s is not in the pool", email)
	}
	if g, f, d := attr(u, "given_name"), attr(u, "family_name"), attr(u, "custom:department"); g != "Ada" || f != "Lovelace" || d != "Analytical Engines" {
		t.Fatalf("the pool has given_name %q, family_name %q, custom:department %q", g, f, d)
	}
	p.visit("edited")

	// The field now holds the value, and replaces it.
	p.setText("textbox", "department (custom attribute)", "Difference Engines")
	p.click("button", "Save changes")
	p.details("Difference Engines")
	u = poolUser(t, email)
	if d, g := attr(u, "custom:department"), attr(u, "given_name"); d != "Difference Engines" || g != "Ada" {
		t.Errorf("after the second save the pool has custom:department %q, given_name %q", d, g)
	}
	p.noProblems()
}

// selectOption chooses value in the select named name, as a person picking it.
func (p *page) selectOption(name, value string) {
	p.t.Helper()
	p.run(chromedp.SetValue("combobox "+name, value, byName("combobox", name), chromedp.NodeVisible))
}

// TestConsoleMoreGroupMembership: a user is added to a managed group and
// removed from it; adding them to a role's group asks first ("Grant role
// helpdesk"), Cancel sends nothing, and confirming grants the role, whose
// grant replaces the user's credential (the API resets the password and
// ends the sessions), which the console tells the admin.
func TestConsoleMoreGroupMembership(t *testing.T) {
	needEnv(t)
	email := uniqueEmail("groups")
	seedIn(t, email)
	p := signIn(t, adminEmail, password)
	p.goTo("users", email)
	p.named("heading", "Group membership")
	p.named("combobox", "Group to add")

	p.selectOption("Group to add", "tenant-a")
	p.click("button", "Add to group")
	p.toast(email + " was added to tenant-a.")
	p.named("button", "Remove from tenant-a")
	if gs := poolGroups(t, email); !slices.Equal(gs, []string{"tenant-a"}) {
		t.Fatalf("after Add to group the pool has %s in %q, want [tenant-a]", email, gs)
	}
	p.visit("in-group")

	p.click("button", "Remove from tenant-a")
	p.toast(email + " was removed from tenant-a.")
	p.waitFor(`document.querySelector("main").textContent.includes("In no group.")`)
	if gs := poolGroups(t, email); len(gs) != 0 {
		t.Fatalf("after Remove the pool has %s in %q, want none", email, gs)
	}

	// A role: confirmed first; Cancel sends nothing.
	p.selectOption("Group to add", "helpdesk")
	p.click("button", "Add to group")
	p.named("button", "Grant role helpdesk")
	p.waitFor(`document.querySelector(".confirm").textContent.includes("replaces the user's credential")`)
	p.visit("confirm-role")
	p.click("button", "Cancel")
	p.waitFor(`!document.querySelector(".confirm")`)
	if r := p.response(userURL(email, "groups", "helpdesk")); r != nil {
		t.Errorf("Cancel sent the grant: %d", r.Status)
	}
	if gs, u := poolGroups(t, email), poolUser(t, email); len(gs) != 0 || u.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("after Cancel the pool has %s in %q, status %s; want no group, CONFIRMED", email, gs, u.UserStatus)
	}

	p.click("button", "Add to group")
	p.click("button", "Grant role helpdesk")
	p.toast(email + " now holds the role helpdesk: their password was reset")
	p.named("button", "Remove from helpdesk")
	p.details("RESET_REQUIRED")
	// The same URL the Cancel was checked against: the grant's answer is there now.
	if r := p.response(userURL(email, "groups", "helpdesk")); r == nil || r.Status != http.StatusNoContent {
		t.Errorf("the grant's answer: %+v", r)
	}
	awaitPool(t, email, "after the grant", func(u *cip.AdminGetUserOutput) bool {
		return u != nil && u.UserStatus == types.UserStatusTypeResetRequired
	})
	if gs := poolGroups(t, email); !slices.Equal(gs, []string{"helpdesk"}) {
		t.Errorf("after the grant the pool has %s in %q, want [helpdesk]", email, gs)
	}
	p.visit("granted")
	p.noProblems()
}

// TestConsoleMoreTemporaryPassword: the temporary-password action for a
// user who holds no role. A generated password not emailed, and a given
// password breaking the pool's policy, are refused in the page naming why,
// with no request sent (the pool unchanged); a good one is set: the user is
// FORCE_CHANGE_PASSWORD and signs in with it (to the new-password challenge).
func TestConsoleMoreTemporaryPassword(t *testing.T) {
	needEnv(t)
	ctx := context.Background()
	email := uniqueEmail("temp.password")
	seedIn(t, email)
	const given = "Given-Temp-Passw0rd-9!"
	p := signIn(t, adminEmail, password)
	p.goTo("users", email)
	p.named("heading", "New temporary password")
	p.named("radio", "Generated by Cognito")
	p.visit("user")

	p.click("checkbox", "Email it to the user") // off
	p.click("button", "Set temporary password")
	p.alert("A generated password that is not emailed would be known to nobody")

	minLength := int(aws.ToInt32(env.Pool.PasswordPolicy.MinimumLength))
	p.click("radio", "One I give")
	p.fill("Temporary password", strings.Repeat("a", minLength-1))
	p.click("button", "Set temporary password")
	p.alert(fmt.Sprintf("The password must be at least %d characters long.", minLength))
	p.screenshot("weak-refused")
	if r := p.response(userURL(email, "password")); r != nil {
		t.Fatalf("a refused form sent the request: %d", r.Status)
	}
	awaitPool(t, email, "after the refused forms", func(u *cip.AdminGetUserOutput) bool {
		return u != nil && u.UserStatus == types.UserStatusTypeConfirmed
	})

	p.setText("textbox", "Temporary password", given)
	p.click("button", "Set temporary password")
	p.toast(email + " has the temporary password you gave.")
	p.details("FORCE_CHANGE_PASSWORD")
	if r := p.response(userURL(email, "password")); r == nil || r.Status != http.StatusOK {
		t.Errorf("the password request's answer: %+v", r)
	}
	awaitPool(t, email, "after Set temporary password", func(u *cip.AdminGetUserOutput) bool {
		return u != nil && u.UserStatus == types.UserStatusTypeForceChangePassword
	})
	if out, err := env.SignIn(ctx, email, given); err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Errorf("signing in with the given temporary password: %+v %v", out, err)
	}
	if _, err := env.SignIn(ctx, email, password); err == nil {
		t.Error("the password the user had still signs them in")
	}
	p.visit("set")
	p.noProblems()
}

// TestConsoleMoreSignOut: after Sign out, the tab holds no token, shows the
// sign-in page saying what happened, and the refresh token it held no
// longer works at Cognito (the emulator has no RevokeToken: the console
// falls back to GlobalSignOut, which ends every session of the account).
func TestConsoleMoreSignOut(t *testing.T) {
	needEnv(t)
	ctx := context.Background()
	email := uniqueEmail("sign.out")
	seedIn(t, email, "admins") // an admin of its own: the seeded one's sessions are every test's
	p := signIn(t, email, password)
	refresh := eval[string](p, `Object.keys(sessionStorage).filter(k => k.endsWith(".refreshToken")).map(k => sessionStorage.getItem(k))[0] ?? ""`)
	if refresh == "" {
		t.Fatalf("no refresh token in sessionStorage: %q", eval[[]string](p, `Object.keys(sessionStorage)`))
	}
	if n := eval[int](p, `Object.keys(localStorage).filter(k => k.startsWith("CognitoIdentityServiceProvider")).length`); n != 0 {
		t.Errorf("localStorage holds %d Cognito item(s)", n)
	}
	refreshWith := func() error {
		_, err := env.Cognito.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &env.Pool.AdminClientID,
			AuthParameters: map[string]string{"REFRESH_TOKEN": refresh},
		})
		return err
	}
	if err := refreshWith(); err != nil {
		t.Fatalf("the tab's refresh token does not work before sign-out: %v", err)
	}

	p.click("button", "Sign out")
	p.named("heading", "Sign in")
	p.waitFor(`document.querySelector("main .notice")?.textContent.startsWith("You are signed out")`)
	if msg := p.text("main .notice"); msg != "You are signed out: every session of your account was ended." && msg != "You are signed out." {
		t.Errorf("the sign-in page says %q, want that the session was ended", msg)
	}
	if n := eval[int](p, `sessionStorage.length`); n != 0 {
		t.Errorf("after sign-out sessionStorage holds %q", eval[[]string](p, `Object.keys(sessionStorage)`))
	}
	if n := eval[int](p, `document.querySelectorAll("header nav, header button").length`); n != 0 {
		t.Errorf("after sign-out the header still has %d control(s)", n)
	}
	p.visit("signed-out")
	var nae *types.NotAuthorizedException
	if err := refreshWith(); !errors.As(err, &nae) {
		t.Errorf("the refresh token after sign-out: %v, want NotAuthorizedException", err)
	}
	p.noProblems()
}

// createGate holds the tab's creates (POST /users) through DevTools' Fetch
// domain: the first free go through, every later one is held before it
// leaves until release. sent counts, per email, the creates that left.
type createGate struct {
	mu       sync.Mutex
	free     int
	released bool
	held     []fetch.RequestID
	holding  chan struct{} // closed once want creates are held
	want     int
	sent     map[string]int
	total    int
	errs     []error
}

func gateCreates(p *page, free, want int) *createGate {
	p.t.Helper()
	g := &createGate{free: free, want: want, holding: make(chan struct{}), sent: map[string]int{}}
	interceptCreates(p, func(ev fetch.EventRequestPaused) { g.paused(p, ev) })
	return g
}

func (g *createGate) cont(p *page, id fetch.RequestID) {
	err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
		return err
	}))
	if err != nil && p.ctx.Err() == nil {
		g.mu.Lock()
		g.errs = append(g.errs, fmt.Errorf("continuing a request: %w", err))
		g.mu.Unlock()
	}
}

func (g *createGate) paused(p *page, ev fetch.EventRequestPaused) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ev.Request.Method != http.MethodPost {
		go g.cont(p, ev.RequestID) // the preflight
		return
	}
	var body []byte
	for _, e := range ev.Request.PostDataEntries {
		body = append(body, e.Bytes...)
	}
	var create struct{ Email string }
	if err := json.Unmarshal(body, &create); err != nil {
		g.errs = append(g.errs, fmt.Errorf("a create's body %q: %v", body, err))
	}
	g.sent[create.Email]++
	g.total++
	if g.released || g.total <= g.free {
		go g.cont(p, ev.RequestID)
		return
	}
	g.held = append(g.held, ev.RequestID)
	if len(g.held) == g.want {
		close(g.holding)
	}
}

// release lets the held creates go, and every later one.
func (g *createGate) release(p *page) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.released = true
	for _, id := range g.held {
		go g.cont(p, id)
	}
	g.held = nil
}

func (g *createGate) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.total
}

// TestConsoleMoreImportPauseResume: a 12-row import paused while four
// creates are in flight (held in the browser: the import sends four at
// once). Those four finish and are recorded; while paused no further create
// leaves the browser; Resume sends the rest; every user is created once.
func TestConsoleMoreImportPauseResume(t *testing.T) {
	needEnv(t)
	domain := "pause-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ".example.com"
	const rows, free, inFlight = 12, 3, 4 // inFlight: the import's concurrency (runner.ts)
	var csv strings.Builder
	csv.WriteString("email,groups,sendInvitation\n")
	var emails []string
	for i := 1; i <= rows; i++ {
		e := fmt.Sprintf("row%02d@%s", i, domain)
		emails = append(emails, e)
		fmt.Fprintf(&csv, "%s,,false\n", e)
	}
	file := filepath.Join(t.TempDir(), "pause.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	p := signIn(t, adminEmail, password)
	g := gateCreates(p, free, inFlight)
	p.click("link", "Import")
	p.named("heading", "Import users")
	p.run(chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{file}))
	p.named("heading", "Preview of pause.csv")
	p.setText("spinbutton", "Requests per second", "50")
	p.click("button", "Start import")
	select {
	case <-g.holding:
	case <-p.ctx.Done():
		t.Fatal("the import never had four creates in flight")
	}
	// Every worker waits on a held create: the free ones are answered.
	p.click("button", "Pause")
	p.named("button", "Resume")
	g.release(p)
	done := `[...document.querySelectorAll("main table tbody tr")].filter(tr => tr.cells[3].textContent.startsWith("created")).length`
	p.waitFor(done + fmt.Sprintf(` === %d`, free+inFlight))
	p.visit("paused")
	// The page's own round trips since (the screenshot, axe) gave a broken
	// pause every chance to send: nothing more left, and the pool agrees.
	if n := g.count(); n != free+inFlight {
		t.Fatalf("while paused, %d creates left the browser, want %d", n, free+inFlight)
	}
	if got := poolEmails(t, domain); len(got) != free+inFlight {
		t.Fatalf("while paused the pool has %d of the import's users, want %d", len(got), free+inFlight)
	}
	if n := eval[int](p, done); n != free+inFlight {
		t.Fatalf("while paused %d rows are created, want %d", n, free+inFlight)
	}

	p.click("button", "Resume")
	p.named("button", "Pause")
	p.waitFor(done + fmt.Sprintf(` === %d`, rows))
	p.named("link", "Download report")
	p.visit("finished")

	if got := poolEmails(t, domain); !slices.Equal(got, emails) {
		t.Errorf("the pool holds %q, want %q", got, emails)
	}
	creates, resends := auditCreates(t, domain)
	g.mu.Lock()
	for _, e := range emails {
		if creates[e] != 1 || g.sent[e] != 1 {
			t.Errorf("%s: created %d times, sent %d times; want once each", e, creates[e], g.sent[e])
		}
	}
	if resends != 0 {
		t.Errorf("%d resends", resends)
	}
	for _, err := range g.errs {
		t.Error(err)
	}
	g.mu.Unlock()
	p.noProblems()
}

// focused describes the focused element: its tag, name attribute and text.
func (p *page) focused() string {
	p.t.Helper()
	return eval[string](p, `(() => { const e = document.activeElement; return e ? e.tagName.toLowerCase() + (e.name ? "[" + e.name + "]" : "") + ":" + e.textContent.trim() : ""; })()`)
}

// key presses a key (kb's constants) in the page, at whatever has focus.
func (p *page) key(k string, mods ...chromedp.Modifier) {
	p.t.Helper()
	p.run(chromedp.KeyEvent(k, chromedp.KeyModifiers(mods...)))
}

// TestConsoleMoreKeyboardSignIn: the sign-in form is completed with the
// keyboard alone (Tab to each field, Enter submits), focus lands on each
// page's heading after navigating, and a header link is reached and
// followed with the keyboard.
func TestConsoleMoreKeyboardSignIn(t *testing.T) {
	needEnv(t)
	email := uniqueEmail("keyboard")
	seedIn(t, email, "admins")
	p := newPage(t)
	p.open(consoleURL(t))
	p.named("heading", "Sign in")
	if f := p.focused(); f != "h1:Sign in" {
		t.Fatalf("on load the focus is on %q, want the heading", f)
	}
	p.key(kb.Tab)
	if f := p.focused(); f != "input[email]:" {
		t.Fatalf("Tab from the heading focused %q, want the Email field", f)
	}
	p.run(chromedp.KeyEvent(email))
	p.key(kb.Tab)
	if f := p.focused(); f != "input[password]:" {
		t.Fatalf("Tab from Email focused %q, want the Password field", f)
	}
	p.run(chromedp.KeyEvent(password))
	p.screenshot("typed")
	p.key(kb.Enter)
	p.named("heading", "Users")
	p.waitFor(`document.activeElement?.tagName === "H1" && document.activeElement.textContent === "Users"`)
	if who := p.text("header .who"); !strings.Contains(who, email) {
		t.Errorf("the header says %q, want it signed in as %s", who, email)
	}

	// Back from the heading: Sign out, then the last header link.
	p.key(kb.Tab, chromedp.ModifierShift)
	if f := p.focused(); f != "button:Sign out" {
		t.Fatalf("Shift+Tab from the heading focused %q, want Sign out", f)
	}
	p.key(kb.Tab, chromedp.ModifierShift)
	if f := p.focused(); f != "a:Export" {
		t.Fatalf("Shift+Tab from Sign out focused %q, want the Export link", f)
	}
	p.key(kb.Enter)
	p.named("heading", "Export users")
	p.waitFor(`document.activeElement?.tagName === "H1" && document.activeElement.textContent === "Export users"`)
	p.visit("export-by-keyboard")
	if got := poolUser(t, email); got == nil || got.UserStatus != types.UserStatusTypeConfirmed {
		t.Errorf("the keyboard user in the pool: %+v", got)
	}
	p.noProblems()
}
