package test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/console"
	"github.com/useradmin/cognito-user-admin/local"
)

// TestConsoleInBrowser loads the console from local mode in Chromium: the
// document carries the stack's security headers (connect-src: the local
// API and the emulator), config.json is what was provisioned and the app
// gets past "Loading…" with it, and the page breaks no CSP rule, logs no
// error and passes axe-core.
func TestConsoleInBrowser(t *testing.T) {
	url := consoleURL(t)
	p := newPage(t)
	doc := p.open(url)
	if doc.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", url, doc.Status)
	}
	for k, v := range console.SecurityHeaders(console.ContentSecurityPolicy(gateway.URL, env.Emulator.Endpoint)) {
		if got := header(doc, k); got != v {
			t.Errorf("the document's %s: %q, want %q", k, got, v)
		}
	}

	p.waitFor(`!document.getElementById("main").textContent.includes("Loading")`)
	for _, f := range []string{"app.js", "app.css", "config.json"} {
		if r := p.response(url + f); r == nil || r.Status != http.StatusOK {
			t.Errorf("%s: %+v, want loaded with 200", f, r)
		}
	}
	if got := p.text("#main"); strings.Contains(got, "could not start") {
		t.Errorf("the console did not start: %q", got)
	}
	cfg := eval[console.RuntimeConfig](p, `fetch("/config.json").then(r => r.json())`)
	if want := env.ConsoleConfig(gateway.URL, "dev"); !reflect.DeepEqual(cfg, want) {
		t.Errorf("config.json\n got %+v\nwant %+v", cfg, want)
	}
	if cfg.ClientID != env.Pool.AdminClientID || cfg.CognitoEndpoint != env.Emulator.Endpoint {
		t.Errorf("config.json: clientId %q, cognitoEndpoint %q; want the admin client %q and the emulator %q", cfg.ClientID, cfg.CognitoEndpoint, env.Pool.AdminClientID, env.Emulator.Endpoint)
	}
	p.screenshot("start")
	p.accessible()
	p.noProblems()
}

// fetchResult is what the page's fetch read: only a response that CORS
// lets the page read gets here (a refused one rejects the promise).
type fetchResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// TestConsoleCORSInBrowser: from the console's origin, under its CSP, the
// browser may call the local API (preflight, the gateway's own 401, the
// Lambda's answer) and the emulator's Cognito, and read the answers.
func TestConsoleCORSInBrowser(t *testing.T) {
	url := consoleURL(t)
	token, err := env.AdminIDToken(context.Background(), adminEmail, password)
	if err != nil {
		t.Fatal(err)
	}
	p := newPage(t)
	p.open(url)
	call := func(what, url string, init string) fetchResult {
		t.Helper()
		return eval[fetchResult](p, fmt.Sprintf(`fetch(%q, %s).then(async r => ({ status: r.status, body: await r.text() }))`, url, init))
	}
	// Authorization makes it a preflighted request: the OPTIONS mock answers first.
	if r := call("no token", gateway.URL+"/users", `{ headers: { Authorization: "not-a-token" } }`); r.Status != http.StatusUnauthorized {
		t.Errorf("GET /users with a bad token from the console: %+v, want the gateway's 401", r)
	}
	if r := call("admin", gateway.URL+"/users?limit=1", fmt.Sprintf(`{ headers: { Authorization: %q } }`, token)); r.Status != http.StatusOK || !strings.Contains(r.Body, `"users"`) {
		t.Errorf("GET /users as the admin from the console: %+v, want 200 and the list", r)
	}
	// The admin client's SRP sign-in starts at Cognito, as amazon-cognito-identity-js calls it.
	initiate := fmt.Sprintf(`{ method: "POST", headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth" },
  body: JSON.stringify({ AuthFlow: "USER_SRP_AUTH", ClientId: %q, AuthParameters: { USERNAME: %q, SRP_A: "abcdef0123456789" } }) }`, env.Pool.AdminClientID, adminEmail)
	if r := call("cognito", env.Emulator.Endpoint+"/", initiate); r.Status != http.StatusOK || !strings.Contains(r.Body, "PASSWORD_VERIFIER") {
		t.Errorf("InitiateAuth from the console: %+v, want the PASSWORD_VERIFIER challenge", r)
	}
	p.noProblems()
}

// TestBrowserHarness proves the helpers can fail: a CSP violation and a
// control without a label are reported, and controls are found by their
// accessible names.
func TestBrowserHarness(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/csp":
			w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'")
			_, _ = io.WriteString(w, `<!doctype html><html lang="en"><title>csp</title><script>document.title = "ran"</script></html>`)
		case "/form":
			_, _ = io.WriteString(w, `<!doctype html><html lang="en"><title>form</title><main>
<label for="e">Email</label><input id="e"><button type="button">Sign in</button><input id="unlabeled">
<script>document.querySelector("button").onclick = () => { document.body.dataset.clicked = document.getElementById("e").value; };</script>
</main></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	p := newPage(t)
	p.open(srv.URL + "/csp")
	if got := p.reported(); len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "Content Security Policy") {
		t.Errorf("an inline script under script-src 'self': reported %q, want the CSP violation", got)
	}

	p.open(srv.URL + "/form")
	p.named("button", "Sign in")
	p.fill("Email", "a@example.com")
	p.click("button", "Sign in")
	p.waitFor(`document.body.dataset.clicked === "a@example.com"`)
	var ids []string
	for _, v := range p.axe() {
		if v.Impact == "critical" || v.Impact == "serious" {
			ids = append(ids, v.ID)
		}
	}
	if !slices.Contains(ids, "label") {
		t.Errorf("axe on a page with an unlabeled input: serious or critical %q, want label", ids)
	}
	p.screenshot("form")
}

// TestEmulatorAnswersCORS: the browser's Cognito calls cross origins, and
// moto answers their preflights itself, even when the environment asks it
// not to (moto reads any MOTO_DISABLE_GLOBAL_CORS, "false" too, as true).
func TestEmulatorAnswersCORS(t *testing.T) {
	needEnv(t)
	t.Setenv("MOTO_DISABLE_GLOBAL_CORS", "false")
	emu, err := local.StartEmulator(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	const origin = "http://127.0.0.1:8081"
	req, _ := http.NewRequest(http.MethodOptions, emu.Endpoint+"/", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-user-agent")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); resp.StatusCode != http.StatusOK || got != origin || !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "x-amz-target") {
		t.Errorf("preflight to the emulator: %d, Access-Control-Allow-Origin %q, Allow-Headers %q; want 200, %s and x-amz-target", resp.StatusCode, got, resp.Header.Get("Access-Control-Allow-Headers"), origin)
	}
}
