package test

// The browser harness: Debian's Chromium, headless, driven through the
// DevTools protocol with chromedp. One browser serves the whole run; each
// test gets a tab in a browser context of its own (its own storage), which
// records every console error, uncaught exception, CSP violation and
// blocked request, and saves screenshots under the test's artifact folder.
//
// Waits are on DOM conditions (WaitVisible, waitFor), bounded by one
// generous deadline per page; nothing sleeps.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/useradmin/cognito-user-admin/infra"
)

// chromiumHelp says how to get the browser; tests that need it fail with it.
const chromiumHelp = "the console's browser tests need Chromium: run make check-chromium " +
	"(as root with apt-get it installs Debian's package: apt-get update && apt-get install -y chromium), " +
	"or set CHROMIUM to a Chromium or Chrome binary"

// debianChromium is where Debian's chromium package installs the browser.
const debianChromium = "/usr/bin/chromium"

// pageTimeout bounds everything one test does in its tab: generous, as a
// loaded 2-core machine is slow; only a failure reaches it.
const pageTimeout = 3 * time.Minute

// chromiumPath is $CHROMIUM, else Debian's chromium, else chromium on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("CHROMIUM=%s: %v; %s", p, err, chromiumHelp)
		}
		return p, nil
	}
	if _, err := os.Stat(debianChromium); err == nil {
		return debianChromium, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errors.New("no Chromium found: " + chromiumHelp)
}

// The one browser of the run, started by the first test that needs it and
// stopped by TestMain (closeBrowser).
var (
	browserOnce  sync.Once
	browserCtx   context.Context
	browserErr   error
	closeBrowser = func() {}
)

// browser returns the run's browser, failing the test (never skipping it) when there is none.
func browser(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		bin, err := chromiumPath()
		if err != nil {
			browserErr = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(bin),
			chromedp.Flag("headless", "new"),
			// Root in a container has no user namespace for the sandbox.
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(1280, 900),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(alloc)
		// The first Run starts the browser and binds it to ctx: no deadline here.
		if err := chromedp.Do(ctx); err != nil {
			cancel()
			cancelAlloc()
			browserErr = fmt.Errorf("starting %s: %v; %s", bin, err, chromiumHelp)
			return
		}
		browserCtx = ctx
		closeBrowser = func() { cancel(); cancelAlloc() }
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	return browserCtx
}

// page is one test's tab.
type page struct {
	t   *testing.T
	ctx context.Context
	dir string // the test's artifact folder
	mu  sync.Mutex
	// problems are what the page reported that a working console never does.
	problems []string
	// responses are the last response per URL, headers included.
	responses map[string]*network.Response
	shots     int
}

// newPage opens a tab in a new browser context (no storage shared with
// other tests), recording from its first event. On failure it saves a
// screenshot. Its actions share one deadline, pageTimeout.
func newPage(t *testing.T) *page {
	t.Helper()
	b := browser(t)
	p := &page{t: t, responses: map[string]*network.Response{}, dir: artifactDir(t)}
	tab, cancelTab := chromedp.NewContext(b, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	t.Cleanup(cancelTab)
	// The tab's first Run binds it to tab: no deadline on that one either.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, pageTimeout)
	t.Cleanup(cancel)
	p.ctx = ctx
	t.Cleanup(func() {
		if t.Failed() && ctx.Err() == nil {
			p.screenshot("failed")
		}
	})
	return p
}

// listen runs in the tab's event loop, in order with the replies to
// commands: once an action returns, every event before it is recorded.
func (p *page) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			problem = "console." + string(ev.Type) + ": " + argsText(ev.Args)
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = "uncaught: " + d.Text
		if d.Exception != nil {
			problem += " " + d.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		// CSP violations are "security" entries. A response with an error
		// status is logged too, but it is an answer, not a failure: the
		// console shows the API's 4xx itself, and tests check the statuses
		// they expect (p.response).
		e := ev.Entry
		if e.Source == cdplog.EntrySourceNetwork && strings.HasPrefix(e.Text, "Failed to load resource: the server responded with a status of") {
			break
		}
		if e.Level == cdplog.EntryLevelError || e.Source == cdplog.EntrySourceSecurity {
			problem = fmt.Sprintf("%s %s: %s (%s)", e.Source, e.Level, e.Text, e.URL)
		}
	case *network.EventLoadingFailed:
		if ev.BlockedReason != "" || ev.CorsErrorStatus != nil {
			problem = fmt.Sprintf("request blocked (%s %v): %s", ev.BlockedReason, ev.CorsErrorStatus, ev.ErrorText)
		}
	case *network.EventResponseReceived:
		p.mu.Lock()
		p.responses[ev.Response.URL] = ev.Response
		p.mu.Unlock()
	}
	if problem != "" {
		p.mu.Lock()
		p.problems = append(p.problems, problem)
		p.mu.Unlock()
	}
}

func argsText(args []*runtime.RemoteObject) string {
	var out []string
	for _, a := range args {
		switch {
		case a.Type == runtime.RemoteObjectTypeString:
			var s string
			_ = json.Unmarshal(a.Value, &s)
			out = append(out, s)
		case a.Description != "":
			out = append(out, a.Description)
		default:
			out = append(out, string(a.Value))
		}
	}
	return strings.Join(out, " ")
}

// run runs actions in the tab, failing the test on error.
func (p *page) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// open navigates to url and returns the document's response.
func (p *page) open(url string) *network.Response {
	p.t.Helper()
	resp, err := chromedp.Run(p.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		p.t.Fatalf("opening %s: %v", url, err)
	}
	return resp
}

// response is the last response the tab received for url, nil for none.
func (p *page) response(url string) *network.Response {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.responses[url]
}

// header is a response header by its canonical name (DevTools keeps the server's case).
func header(r *network.Response, name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// waitFor waits until the JavaScript condition is true, re-checking at each
// DOM change: a condition on the page's state, not a pause. It is
// evaluated through DevTools, which the page's CSP does not govern (unlike
// chromedp.Poll, whose new Function the console's CSP refuses).
func (p *page) waitFor(condition string) {
	p.t.Helper()
	expr := `new Promise(resolve => {
  const check = () => { try { return (` + condition + `); } catch { return false; } };
  if (check()) { resolve(true); return; }
  const o = new MutationObserver(() => { if (check()) { o.disconnect(); resolve(true); } });
  o.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})`
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise)); err != nil {
		p.t.Fatalf("waiting for %s: %v", condition, err)
	}
}

// eval evaluates a JavaScript expression in the page (a promise is awaited)
// and decodes its JSON value into T. The page's CSP still governs what it
// does (its fetches must be allowed by connect-src).
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// byName finds elements by their accessible role and name, as assistive
// technology (and the names: "Email", "Sign in") sees them.
func byName(role, name string) chromedp.QueryOption {
	return chromedp.ByFunc(func(ctx context.Context, t *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
		res, err := cdp.Call(ctx, t, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{
			BackendNodeID: n.BackendNodeID, AccessibleName: name, Role: role,
		})
		if err != nil {
			return nil, err
		}
		var backend []cdp.BackendNodeID
		for _, ax := range res.Nodes {
			if !ax.Ignored && ax.BackendDOMNodeID != 0 {
				backend = append(backend, ax.BackendDOMNodeID)
			}
		}
		if len(backend) == 0 {
			return nil, nil
		}
		pushed, err := cdp.Call(ctx, t, dom.PushNodesByBackendIDsToFrontend, dom.PushNodesByBackendIDsToFrontendParams{BackendNodeIDs: backend})
		if err != nil {
			return nil, err
		}
		return pushed.NodeIDs, nil
	})
}

// named waits until the element with role and accessible name is visible.
func (p *page) named(role, name string) {
	p.t.Helper()
	p.run(chromedp.WaitVisible(role+" "+name, byName(role, name)))
}

// fill types value into the text box named name (its label).
func (p *page) fill(name, value string) {
	p.t.Helper()
	p.run(chromedp.SendKeys("textbox "+name, value, byName("textbox", name), chromedp.NodeVisible))
}

// click clicks the visible element with role and accessible name.
func (p *page) click(role, name string) {
	p.t.Helper()
	p.run(chromedp.Click(role+" "+name, byName(role, name), chromedp.NodeVisible))
}

// text is the visible text of the first element matching css.
func (p *page) text(css string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		p.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// noProblems fails the test with every console error, uncaught exception,
// CSP violation and blocked request the page reported so far.
func (p *page) noProblems() {
	p.t.Helper()
	if got := p.reported(); len(got) > 0 {
		p.t.Errorf("the page reported %d problem(s):\n  %s", len(got), strings.Join(got, "\n  "))
	}
}

func (p *page) reported() []string {
	// A round trip: every event before its reply has been through listen.
	_, _ = chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void]("0"))
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

// screenshot saves the whole page as <artifacts>/<test>/<n>-<name>.png, in
// the order taken.
func (p *page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p.shots++
	file := filepath.Join(p.dir, fmt.Sprintf("%02d-%s.png", p.shots, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Errorf("saving the screenshot: %v", err)
		return
	}
	p.t.Logf("screenshot: %s", file)
}

// artifactDir is $TEST_ARTIFACTS/<test name>, else test/artifacts/<test
// name> (gitignored), emptied for this run of the test.
func artifactDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("TEST_ARTIFACTS")
	if root == "" {
		mod, err := infra.ModuleDir()
		if err != nil {
			t.Fatal(err)
		}
		root = filepath.Join(mod, "test", "artifacts")
	}
	dir := filepath.Join(root, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// axeViolation is one rule axe-core found broken, with the elements that break it.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target         []any  `json:"target"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

func (v axeViolation) String() string {
	var targets []string
	for _, n := range v.Nodes {
		targets = append(targets, fmt.Sprint(n.Target...))
	}
	return fmt.Sprintf("%s (%s): %s [%s] %s", v.ID, v.Impact, v.Help, strings.Join(targets, ", "), v.HelpURL)
}

// axeSource is node_modules/axe-core/axe.min.js (pinned in package-lock.json), read once.
var axeSource = sync.OnceValues(func() (string, error) {
	mod, err := infra.ModuleDir()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(mod, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		return "", fmt.Errorf("axe-core is not installed (npm ci installs the pinned version; make test does): %w", err)
	}
	return string(b), nil
})

// axe runs axe-core on the page as it is now and returns its violations.
// The script goes in through DevTools (Runtime.evaluate), which the page's
// CSP does not govern, so the page is tested under its real policy.
func (p *page) axe() []axeViolation {
	p.t.Helper()
	src, err := axeSource()
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](`if (typeof axe === "undefined") {`+src+"\n}")); err != nil {
		p.t.Fatalf("injecting axe-core: %v", err)
	}
	return eval[[]axeViolation](p, `axe.run(document, { resultTypes: ["violations"] }).then(r => r.violations)`)
}

// accessible fails the test on every serious or critical axe-core
// violation of the page as it is now, listing them.
func (p *page) accessible() {
	p.t.Helper()
	var bad []string
	for _, v := range p.axe() {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v.String())
		}
	}
	if len(bad) > 0 {
		p.t.Errorf("axe-core: %d serious or critical violation(s):\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
}
