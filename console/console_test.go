package console

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func moduleDir(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// The production bundle stays within the budget; make bench reports
// the same number with what it is made of.
func TestBundleWithinBudget(t *testing.T) {
	out := t.TempDir()
	if err := Build(context.Background(), moduleDir(t), out); err != nil {
		t.Fatal(err)
	}
	s, err := MeasureSize(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.Gzipped > BudgetBytes {
		t.Fatalf("the console is %d bytes gzipped, over the %d budget: %v", s.Gzipped, BudgetBytes, s.ByFile)
	}
	// index.html loads exactly the files the build wrote, from the origin's root.
	html, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`src="/app.js"`, `href="/app.css"`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html does not load %s", want)
		}
	}
}

// The policy names exactly the API and Cognito as places to connect, and
// leaves no way to run inline code or frame the console.
func TestContentSecurityPolicy(t *testing.T) {
	csp := ContentSecurityPolicy("https://abc.execute-api.eu-west-1.amazonaws.com", CognitoOrigin("eu-west-1", "amazonaws.com"))
	directives := map[string]string{}
	for d := range strings.SplitSeq(csp, "; ") {
		name, value, _ := strings.Cut(d, " ")
		directives[name] = value
	}
	want := map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self'",
		"connect-src":     "'self' https://abc.execute-api.eu-west-1.amazonaws.com https://cognito-idp.eu-west-1.amazonaws.com",
		"frame-ancestors": "'none'",
		"base-uri":        "'none'",
		"form-action":     "'none'",
		"object-src":      "'none'",
	}
	for name, value := range want {
		if directives[name] != value {
			t.Errorf("%s = %q, want %q (policy %q)", name, directives[name], value, csp)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("the policy allows %s: %q", bad, csp)
		}
	}
	h := SecurityHeaders(csp)
	if h["Referrer-Policy"] != "no-referrer" || h["X-Frame-Options"] != "DENY" || !strings.HasPrefix(h["Strict-Transport-Security"], "max-age=63072000") {
		t.Errorf("security headers: %v", h)
	}
}
