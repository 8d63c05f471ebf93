package test

// Setting up an authenticator app in the console, in Chromium: where prd's
// API refuses an administrator without TOTP (403 MFARequired) and where the
// pool's MFA is required, so Cognito itself asks for the setup at sign-in
// (the MFA_SETUP challenge). Each runs an environment of its own in an
// emulator that checks TOTP codes, and checks the pool (or Cognito) too.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // the QR code's data: URL (qrcode-generator draws GIFs)
	_ "image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"

	"github.com/useradmin/cognito-user-admin/infra"
	"github.com/useradmin/cognito-user-admin/local"
)

// ownEnv is an environment of the test's own from a synthesized template,
// in an emulator that checks TOTP codes (the shared one does not, and a
// test elsewhere relies on that), with a never-throttled stage and the
// console served against it. It returns the environment, the API's URL and
// the console's.
func ownEnv(t *testing.T, template, environment string) (*local.Env, string, string) {
	t.Helper()
	needEnv(t)
	t.Setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
	ctx := context.Background()
	own, err := local.Start(ctx, filepath.Join(synthDir, template), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(own.Close)
	// As the shared stage: never throttled, whatever the machine's speed.
	neverThrottled(own.Gateway)
	gw := httptest.NewServer(own.Gateway)
	t.Cleanup(gw.Close)
	consoleAt, err := own.ServeConsole(local.ConsoleOptions{APIURL: gw.URL, Environment: environment})
	if err != nil {
		t.Fatal(err)
	}
	return own, gw.URL, consoleAt
}

// poolMFA sets own's pool MFA to mode, with TOTP the factor offered.
func poolMFA(t *testing.T, own *local.Env, mode types.UserPoolMfaType) {
	t.Helper()
	if _, err := own.Cognito.SetUserPoolMfaConfig(context.Background(), &cip.SetUserPoolMfaConfigInput{
		UserPoolId: &own.Pool.ID, MfaConfiguration: mode,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
}

// wrongCode is a 6-digit code of no TOTP time step near now for secret:
// refused whenever it arrives.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	now := time.Now()
	near := map[string]bool{}
	for _, d := range []time.Duration{-60 * time.Second, -30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		c, err := totp.GenerateCode(secret, now.Add(d))
		if err != nil {
			t.Fatalf("a code of the shown secret %q: %v", secret, err)
		}
		near[c] = true
	}
	wrong := 0
	for near[fmt.Sprintf("%06d", wrong)] {
		wrong++
	}
	return fmt.Sprintf("%06d", wrong)
}

// verifyUntilUsers enters the current code of secret in the "Code" box and
// verifies it, until the users page shows; a code refused because its time
// step ended on the way is made again once (withCode).
func (p *page) verifyUntilUsers(secret string) error {
	p.t.Helper()
	return withCode(secret, func(code string) error {
		// The refusals shown so far are marked, to tell a new one from them.
		eval[bool](p, `([...document.querySelectorAll("[role=alert]")].forEach(a => a.dataset.seen = "1"), true)`)
		p.setText("textbox", "Code", code)
		p.click("button", "Verify code")
		p.waitFor(`[...document.querySelectorAll("h1")].some(h => h.textContent === "Users") || !!document.querySelector("[role=alert]:not([data-seen])")`)
		if eval[bool](p, `[...document.querySelectorAll("h1")].some(h => h.textContent === "Users")`) {
			return nil
		}
		return errors.New(eval[string](p, `[...document.querySelectorAll("[role=alert]")].map(a => a.textContent).join(" | ")`))
	})
}

// setupPage checks the MFA setup page as drawn: its heading, the QR code
// (a data: image the browser and Go both decode, exactly the QR code of the
// otpauth:// URI of the shown secret for the account, the pool id as issuer,
// as the CLI's), and returns the secret shown.
func (p *page) setupPage(poolID, email string) string {
	p.t.Helper()
	t := p.t
	p.named("heading", "Set up your authenticator app")
	p.named("textbox", "Code")
	p.named("image", "QR code of the authenticator app's secret")
	secret := p.text("code.secret")
	// Cognito's are 32 characters or more; moto's is one constant, "asdfasdfasdf".
	if len(secret) < 8 || strings.Trim(strings.ToUpper(secret), "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=") != "" {
		t.Fatalf("the secret shown, %q, is not a base32 TOTP secret", secret)
	}
	p.waitFor(`document.querySelector("img.qr").complete`)
	if w := eval[int](p, `document.querySelector("img.qr").naturalWidth`); w == 0 {
		t.Fatal("the browser could not decode the QR code's image")
	}
	src := eval[string](p, `document.querySelector("img.qr").getAttribute("src")`)
	mediaType, data, ok := strings.Cut(src, ";base64,")
	if !ok || (mediaType != "data:image/gif" && mediaType != "data:image/png") {
		t.Fatalf("the QR code's src is not a base64 data: GIF or PNG: %.60q…", src)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatalf("the QR code's data: %v", err)
	}
	img, format, err := image.Decode(bytes.NewReader(raw))
	if err != nil || "data:image/"+format != mediaType {
		t.Fatalf("decoding the QR code as %s: format %q, %v", mediaType, format, err)
	}
	if b := img.Bounds(); b.Dx() != b.Dy() || b.Dx() < 21 {
		t.Fatalf("the QR code is %dx%d, not a square of at least 21 modules", b.Dx(), b.Dy())
	}
	// The payload: the same library (pinned, node_modules) drawing the URI
	// the secret should be in draws exactly this image.
	issuer := poolID
	uri := "otpauth://totp/" + uriComponent(issuer+":"+email) + "?secret=" + url.QueryEscape(secret) + "&issuer=" + url.QueryEscape(issuer)
	if want := qrDataURL(t, uri); src != want {
		t.Errorf("the QR code is not that of %s", uri)
	}
	return secret
}

// uriComponent is JavaScript's encodeURIComponent: every byte but letters,
// digits and -_.!~*'() percent-encoded.
func uriComponent(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// qrDataURL draws uri as the console does (signin.ts qrImage: qrcode-generator,
// type 0, level M, cell 4, margin 2) with node and the pinned library.
func qrDataURL(t *testing.T, uri string) string {
	t.Helper()
	root, err := infra.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "-e", `const qrcode = require("qrcode-generator");
const qr = qrcode(0, "M"); qr.addData(process.argv[1]); qr.make();
process.stdout.write(qr.createDataURL(4, 2));`, uri)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("drawing the expected QR code with node: %v\n%s", err, stderr.String())
	}
	return string(out)
}

// TestConsoleMFASetupWhenRequired: in prd, whose API refuses an
// administrator without TOTP (403 MFARequired), an administrator without
// MFA signs in; the console offers the setup ("Set up your authenticator
// app") with a QR code of the otpauth:// URI and the secret; a wrong code is
// refused with Cognito's message (the pool unchanged); the code of the shown
// secret sets TOTP up as the preferred MFA, and the console carries on to
// the users page, whose API calls now succeed.
func TestConsoleMFASetupWhenRequired(t *testing.T) {
	own, api, consoleAt := ownEnv(t, "UserAdmin-prd.template.json", "prd")
	ctx := context.Background()
	if !own.Settings.AdminMFARequired {
		t.Fatal("prd's function settings do not require MFA of administrators")
	}
	email := uniqueEmail("mfa.setup")
	if err := own.SeedUser(ctx, email, password, "admins"); err != nil {
		t.Fatal(err)
	}

	p := submitSignIn(t, consoleAt, email, password)
	secret := p.setupPage(own.Pool.ID, email)
	if r := p.response(api + "/me"); r == nil || r.Status != http.StatusForbidden {
		t.Fatalf("GET /me before the setup: %+v, want 403 MFARequired", r)
	}
	p.waitFor(`document.querySelector("main").textContent.includes("requires administrators to use an authenticator app (MFARequired)")`)
	if n := eval[int](p, `document.querySelectorAll("header nav a").length`); n != 0 {
		t.Errorf("before the setup the header offers %d page(s)", n)
	}
	p.visit("setup")

	p.fill("Code", wrongCode(t, secret))
	p.click("button", "Verify code")
	p.alert("CodeMismatchException")
	p.named("heading", "Set up your authenticator app") // still asking
	p.screenshot("wrong-code-refused")
	u, err := own.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &own.Pool.ID, Username: &email})
	if err != nil || len(u.UserMFASettingList) != 0 || aws.ToString(u.PreferredMfaSetting) != "" {
		t.Fatalf("after a wrong code the pool has MFA %q, preferred %q (%v); want none", u.UserMFASettingList, aws.ToString(u.PreferredMfaSetting), err)
	}

	if err := p.verifyUntilUsers(secret); err != nil {
		t.Fatalf("the code of the shown secret was refused: %v", err)
	}
	p.toast("Your authenticator app is set up")
	u, err = own.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &own.Pool.ID, Username: &email})
	if err != nil || !slices.Contains(u.UserMFASettingList, "SOFTWARE_TOKEN_MFA") || aws.ToString(u.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("after the setup the pool has MFA %q, preferred %q (%v); want SOFTWARE_TOKEN_MFA preferred", u.UserMFASettingList, aws.ToString(u.PreferredMfaSetting), err)
	}
	// The API now answers: the caller and the list the users page shows.
	p.table("Users, page 1")
	if r := p.response(api + "/me"); r == nil || r.Status != http.StatusOK {
		t.Errorf("GET /me after the setup: %+v", r)
	}
	p.mu.Lock()
	listed := 0
	for u, r := range p.responses {
		if strings.HasPrefix(u, api+"/users") && r.Status == http.StatusOK {
			listed++
		}
	}
	p.mu.Unlock()
	if listed == 0 {
		t.Error("no GET /users answered 200 after the setup")
	}
	if who := p.text("header .who"); !strings.Contains(who, email) {
		t.Errorf("the header says %q, want it signed in as %s", who, email)
	}
	p.visit("users-after-setup")
	// The next sign-in asks for the authenticator's code.
	if out, err := own.SignIn(ctx, email, password); err != nil || out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Errorf("the next sign-in: %+v %v, want the SOFTWARE_TOKEN_MFA challenge", out, err)
	}
	p.noProblems()
}

// TestConsoleMFASetupChallenge: where the pool's MFA is required (ON),
// Cognito answers a first sign-in with the MFA_SETUP challenge. The console
// shows the setup page ("This account needs a second factor before it can
// sign in."), with the QR code of the secret Cognito associated with the
// sign-in's session; a wrong code is refused and the page keeps asking; the
// code of the shown secret signs in to the users page; and Cognito asks the
// next sign-in for a code of that same secret, which it accepts.
func TestConsoleMFASetupChallenge(t *testing.T) {
	own, api, consoleAt := ownEnv(t, "UserAdmin-dev.template.json", "dev")
	ctx := context.Background()
	poolMFA(t, own, types.UserPoolMfaTypeOn)
	email := uniqueEmail("mfa.challenge")
	if err := own.SeedUser(ctx, email, password, "admins"); err != nil {
		t.Fatal(err)
	}

	p := submitSignIn(t, consoleAt, email, password)
	secret := p.setupPage(own.Pool.ID, email)
	p.waitFor(`document.querySelector("main").textContent.includes("This account needs a second factor before it can sign in.")`)
	if r := p.response(api + "/me"); r != nil {
		t.Errorf("the console called the API before the sign-in completed: GET /me %d", r.Status)
	}
	if n := eval[int](p, `sessionStorage.length`); n != 0 {
		t.Errorf("during the setup sessionStorage holds %q, want no token yet", eval[[]string](p, `Object.keys(sessionStorage)`))
	}
	p.visit("setup-challenge")

	p.fill("Code", wrongCode(t, secret))
	p.click("button", "Verify code")
	p.alert("CodeMismatchException")
	p.named("heading", "Set up your authenticator app")
	p.screenshot("wrong-code-refused")
	if n := eval[int](p, `sessionStorage.length`); n != 0 {
		t.Errorf("after a wrong code sessionStorage holds %q", eval[[]string](p, `Object.keys(sessionStorage)`))
	}

	if err := p.verifyUntilUsers(secret); err != nil {
		t.Fatalf("the code of the shown secret was refused: %v", err)
	}
	p.table("Users, page 1")
	if r := p.response(api + "/me"); r == nil || r.Status != http.StatusOK {
		t.Errorf("GET /me after the sign-in: %+v", r)
	}
	if who := p.text("header .who"); !strings.Contains(who, email) {
		t.Errorf("the header says %q, want it signed in as %s", who, email)
	}
	p.visit("users-after-setup")

	// Cognito now asks for a code of the shown secret, and takes one.
	out, err := own.SignIn(ctx, email, password)
	if err != nil || out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("the next sign-in: %+v %v, want the SOFTWARE_TOKEN_MFA challenge", out, err)
	}
	if err := withCode(secret, func(code string) error {
		_, err := own.Cognito.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: &own.Pool.ClientID, ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: out.Session,
			ChallengeResponses: map[string]string{"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code},
		})
		return err
	}); err != nil {
		t.Errorf("a code of the shown secret at the next sign-in: %v", err)
	}
	p.noProblems()
}
